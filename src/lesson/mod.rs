//! A lesson page as a tree of blocks with source spans and line numbers, actions
//! in place. Pure: text in, values and diagnostics out.

mod comments;
mod parse;

use std::ops::Range;

use crate::action::Action;
pub use parse::{parse, without_notes};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Lesson {
    pub blocks: Vec<Block>,
    /// Speaker notes (`<!-- notes: ... -->`), in reading order; never shown in the lesson.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub kind: BlockKind,
    /// Byte range in the page source (before templating).
    pub span: Range<usize>,
    /// 1-based source line where the block starts.
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalloutKind {
    Note,
    Tip,
    Important,
    Warning,
    Danger,
}

impl CalloutKind {
    pub fn from_name(name: &str) -> Option<CalloutKind> {
        Some(match name.to_ascii_lowercase().as_str() {
            "note" | "info" => CalloutKind::Note,
            "tip" => CalloutKind::Tip,
            "important" => CalloutKind::Important,
            "warning" | "caution" => CalloutKind::Warning,
            "danger" => CalloutKind::Danger,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            CalloutKind::Note => "Note",
            CalloutKind::Tip => "Tip",
            CalloutKind::Important => "Important",
            CalloutKind::Warning => "Warning",
            CalloutKind::Danger => "Danger",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    None,
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListItem {
    /// `Some(done)` for task-list items.
    pub task: Option<bool>,
    pub blocks: Vec<Block>,
}

/// An action in the page, numbered in reading order.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionBlock {
    pub id: usize,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BlockKind {
    Heading {
        level: u8,
        text: Vec<Inline>,
    },
    Paragraph(Vec<Inline>),
    List {
        start: Option<u64>,
        items: Vec<ListItem>,
    },
    Quote(Vec<Block>),
    Callout {
        kind: CalloutKind,
        blocks: Vec<Block>,
    },
    Code {
        lang: String,
        text: String,
    },
    Table {
        aligns: Vec<Align>,
        header: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    Rule,
    Html(String),
    FootnoteDef {
        label: String,
        blocks: Vec<Block>,
    },
    Action(Box<ActionBlock>),
    /// An action block whose fields are wrong: shown as code with the reason.
    BrokenAction {
        name: String,
        body: String,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    Text(String),
    Code(String),
    Emph(Vec<Inline>),
    Strong(Vec<Inline>),
    Strike(Vec<Inline>),
    Link { url: String, children: Vec<Inline> },
    Image { url: String, alt: String },
    FootnoteRef(String),
    Html(String),
    SoftBreak,
    HardBreak,
}

impl Inline {
    /// The plain text of inlines (images by their alt text).
    pub fn plain(inlines: &[Inline]) -> String {
        let mut s = String::new();
        for i in inlines {
            match i {
                Inline::Text(t) | Inline::Code(t) | Inline::Html(t) => s.push_str(t),
                Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) => {
                    s.push_str(&Inline::plain(c))
                }
                Inline::Link { children, .. } => s.push_str(&Inline::plain(children)),
                Inline::Image { alt, .. } => s.push_str(alt),
                Inline::FootnoteRef(l) => s.push_str(&format!("[^{l}]")),
                Inline::SoftBreak => s.push(' '),
                Inline::HardBreak => s.push('\n'),
            }
        }
        s
    }
}

impl Lesson {
    /// Every action in reading order, wherever it is nested.
    pub fn actions(&self) -> Vec<&ActionBlock> {
        let mut out = Vec::new();
        walk_blocks(&self.blocks, &mut |b| {
            if let BlockKind::Action(a) = &b.kind {
                out.push(a.as_ref());
            }
        });
        out
    }

    /// Every image referenced by the page: (url, source line).
    pub fn images(&self) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        walk_blocks(&self.blocks, &mut |b| {
            let mut visit = |inl: &[Inline]| collect_images(inl, b.line, &mut out);
            match &b.kind {
                BlockKind::Paragraph(i) | BlockKind::Heading { text: i, .. } => visit(i),
                BlockKind::Table { header, rows, .. } => {
                    header.iter().for_each(|c| visit(c));
                    rows.iter().flatten().for_each(|c| visit(c));
                }
                _ => {}
            }
        });
        out
    }
}

fn collect_images(inlines: &[Inline], line: usize, out: &mut Vec<(String, usize)>) {
    for i in inlines {
        match i {
            Inline::Image { url, .. } => out.push((url.clone(), line)),
            Inline::Emph(c)
            | Inline::Strong(c)
            | Inline::Strike(c)
            | Inline::Link { children: c, .. } => collect_images(c, line, out),
            _ => {}
        }
    }
}

/// Visit every block, depth first, in reading order.
pub fn walk_blocks<'a>(blocks: &'a [Block], f: &mut dyn FnMut(&'a Block)) {
    for b in blocks {
        f(b);
        match &b.kind {
            BlockKind::Quote(inner)
            | BlockKind::Callout { blocks: inner, .. }
            | BlockKind::FootnoteDef { blocks: inner, .. } => walk_blocks(inner, f),
            BlockKind::List { items, .. } => {
                for it in items {
                    walk_blocks(&it.blocks, f);
                }
            }
            _ => {}
        }
    }
}
