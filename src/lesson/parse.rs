//! pulldown-cmark events -> `Lesson`.

use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use pulldown_cmark::{BlockQuoteKind, CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use regex::Regex;

use super::*;
use crate::action;
use crate::diag::{Diagnostic, LineIndex};
use crate::workshop::template::{Dialect, Templated};

enum Frame {
    Root,
    Quote(Option<BlockQuoteKind>),
    List(Option<u64>, Vec<ListItem>),
    Item(Option<bool>),
    Footnote(String),
    Table {
        aligns: Vec<Align>,
        header: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
        row: Vec<Vec<Inline>>,
    },
}

struct BlockFrame {
    frame: Frame,
    blocks: Vec<Block>,
    start: usize,
}

enum InlineFrame {
    Base { start: usize, implicit: bool },
    Emph,
    Strong,
    Strike,
    Link(String),
    Image(String),
}

struct Builder<'a> {
    path: &'a Path,
    source: &'a str,
    templated: &'a Templated,
    blocks: Vec<BlockFrame>,
    inlines: Vec<(InlineFrame, Vec<Inline>)>,
    code: Option<(Option<String>, String, usize)>,
    next_action: usize,
    diags: Vec<Diagnostic>,
    /// Containers (quotes, lists, emphasis) nested past the limit: their
    /// content joins the enclosing one, so nothing downstream recurses deeply.
    flattened_blocks: usize,
    flattened_inlines: usize,
    /// Line starts of the source and of the templated text, computed once.
    src_lines: LineIndex,
    out_lines: LineIndex,
}

/// How deep blocks (quotes, lists, items) and inline spans may nest. Deeper
/// content is kept, one level up.
const MAX_BLOCK_DEPTH: usize = 24;
const MAX_INLINE_DEPTH: usize = 24;

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_GFM
}

fn shortcode_line() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?m)^[ \t]*\{\{[<%][ \t]*(?P<close>/)?[ \t]*(?P<name>[A-Za-z][\w-]*)[^\n]*?[>%]\}\}[ \t]*$")
            .expect("valid regex")
    })
}

fn action_like() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*$").expect("valid regex"))
}

/// Parse a templated page. `source` is the file as written (for positions).
pub fn parse(
    path: &Path,
    source: &str,
    templated: &Templated,
    dialect: Dialect,
) -> (Lesson, Vec<Diagnostic>) {
    // Hugo shortcodes on lines of their own: callout boxes open and close there;
    // others (`{{< copyable >}}`, ...) only decorate and are dropped. Blanking keeps offsets.
    let mut text = templated.text.clone();
    let mut callouts: Vec<(CalloutKind, Range<usize>)> = Vec::new();
    let mut open: Option<(CalloutKind, usize)> = None;
    if dialect == Dialect::Hugo {
        let found: Vec<(Range<usize>, bool, String)> = shortcode_line()
            .captures_iter(&templated.text)
            .map(|c| {
                let m = c.get(0).expect("whole match");
                (m.range(), c.name("close").is_some(), c["name"].to_string())
            })
            .filter(|(_, _, name)| name != "param")
            .collect();
        for (range, close, name) in found {
            text.replace_range(range.clone(), &" ".repeat(range.len()));
            if let Some(kind) = CalloutKind::from_name(&name) {
                match (close, open) {
                    (false, None) => open = Some((kind, range.end)),
                    (true, Some((k, start))) => {
                        callouts.push((k, start..range.start));
                        open = None;
                    }
                    _ => {}
                }
            }
        }
    }

    let mut b = Builder {
        path,
        source,
        templated,
        blocks: vec![BlockFrame {
            frame: Frame::Root,
            blocks: Vec::new(),
            start: 0,
        }],
        inlines: Vec::new(),
        code: None,
        next_action: 0,
        diags: Vec::new(),
        flattened_blocks: 0,
        flattened_inlines: 0,
        src_lines: LineIndex::new(source),
        out_lines: LineIndex::new(&templated.text),
    };
    for (event, range) in Parser::new_ext(&text, options()).into_offset_iter() {
        b.event(event, range);
    }
    b.close_implicit(text.len());
    while b.blocks.len() > 1 {
        b.end_block(text.len());
    }
    let root = b.blocks.pop().map(|f| f.blocks).unwrap_or_default();
    let mut blocks = group_callouts(root, &callouts, templated);
    let notes = super::comments::strip(&mut blocks);
    (Lesson { blocks, notes }, b.diags)
}

/// The page source without its speaker notes (`<!-- notes: ... -->` outside
/// code), for copies learners may read in full (an export); none when it has
/// no notes. The other comments stay: they are the author's to keep.
pub fn without_notes(source: &str) -> Option<String> {
    let mut cut: Vec<Range<usize>> = Vec::new();
    for (event, range) in Parser::new_ext(source, options()).into_offset_iter() {
        if !matches!(event, Event::Html(_) | Event::InlineHtml(_)) {
            continue;
        }
        let mut at = range.start;
        while let Some(p) = source[at..range.end.max(at)].find("<!--") {
            let start = at + p;
            let end = source[start + 4..]
                .find("-->")
                .map_or(source.len(), |e| start + 4 + e + 3);
            let mut notes = Vec::new();
            super::comments::strip_text(&source[start..end], &mut notes);
            if !notes.is_empty() && cut.last().is_none_or(|c| c.end <= start) {
                cut.push(start..end);
            }
            at = end;
            if at >= range.end {
                break;
            }
        }
    }
    if cut.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(source.len());
    let mut from = 0;
    for c in cut {
        out.push_str(&source[from..c.start]);
        from = c.end;
    }
    out.push_str(&source[from..]);
    Some(out)
}

/// Wrap top-level blocks that sit between `{{< note >}}` and `{{< /note >}}`.
fn group_callouts(
    blocks: Vec<Block>,
    callouts: &[(CalloutKind, Range<usize>)],
    t: &Templated,
) -> Vec<Block> {
    if callouts.is_empty() {
        return blocks;
    }
    let ranges: Vec<(CalloutKind, Range<usize>)> = callouts
        .iter()
        .map(|(k, r)| (*k, t.source_offset(r.start)..t.source_offset(r.end)))
        .collect();
    let mut out: Vec<Block> = Vec::new();
    let mut current: Option<(usize, Block)> = None;
    for block in blocks {
        let inside = ranges
            .iter()
            .position(|(_, r)| r.contains(&block.span.start));
        match (inside, current.as_mut()) {
            (Some(i), Some((ci, cb))) if *ci == i => {
                cb.span.end = block.span.end;
                if let BlockKind::Callout { blocks, .. } = &mut cb.kind {
                    blocks.push(block);
                }
            }
            (Some(i), _) => {
                if let Some((_, done)) = current.take() {
                    out.push(done);
                }
                current = Some((
                    i,
                    Block {
                        span: block.span.clone(),
                        line: block.line,
                        kind: BlockKind::Callout {
                            kind: ranges[i].0,
                            blocks: vec![block],
                        },
                    },
                ));
            }
            (None, _) => {
                if let Some((_, done)) = current.take() {
                    out.push(done);
                }
                out.push(block);
            }
        }
    }
    if let Some((_, done)) = current {
        out.push(done);
    }
    out
}

impl Builder<'_> {
    fn src_range(&self, r: &Range<usize>) -> Range<usize> {
        let s = self.templated.source_offset(r.start);
        let e = self.templated.source_offset(r.end).max(s);
        s..e
    }

    fn push_block(&mut self, kind: BlockKind, trange: Range<usize>) {
        let span = self.src_range(&trange);
        let line = self.src_lines.line_col(self.source, span.start).0;
        let frame = self.blocks.last_mut().expect("root frame");
        frame.blocks.push(Block { kind, span, line });
    }

    fn push_inline(&mut self, inline: Inline, at: usize) {
        if self.inlines.is_empty() {
            self.inlines.push((
                InlineFrame::Base {
                    start: at,
                    implicit: true,
                },
                Vec::new(),
            ));
        }
        if let Some((_, children)) = self.inlines.last_mut() {
            children.push(inline);
        }
    }

    /// Tight list items carry text without a paragraph; close that text here.
    fn close_implicit(&mut self, at: usize) {
        if let Some((
            InlineFrame::Base {
                implicit: true,
                start,
            },
            _,
        )) = self.inlines.first()
        {
            let start = *start;
            let mut content = Vec::new();
            while let Some((frame, children)) = self.inlines.pop() {
                content = wrap(frame, children, content);
            }
            self.push_block(BlockKind::Paragraph(content), start..at);
        }
    }

    fn event(&mut self, event: Event, range: Range<usize>) {
        if let Some((_, text, _)) = self.code.as_mut() {
            match event {
                Event::Text(t) => {
                    text.push_str(&t);
                    return;
                }
                Event::End(TagEnd::CodeBlock) => {}
                _ => return,
            }
        }
        match event {
            Event::Start(tag) => self.start(tag, range),
            Event::End(tag) => self.end(tag, range),
            Event::Text(t) => self.push_inline(Inline::Text(t.into_string()), range.start),
            Event::Code(t) => self.push_inline(Inline::Code(t.into_string()), range.start),
            Event::InlineHtml(t) => self.push_inline(Inline::Html(t.into_string()), range.start),
            Event::Html(t) => {
                self.close_implicit(range.start);
                let frame = self.blocks.last_mut().expect("root");
                // Consecutive HTML lines arrive as separate events; keep one block.
                if let Some(Block {
                    kind: BlockKind::Html(h),
                    span,
                    ..
                }) = frame.blocks.last_mut()
                {
                    if span.end >= self.templated.source_offset(range.start) {
                        h.push_str(&t);
                        span.end = self.templated.source_offset(range.end);
                        return;
                    }
                }
                self.push_block(BlockKind::Html(t.into_string()), range);
            }
            Event::FootnoteReference(l) => {
                self.push_inline(Inline::FootnoteRef(l.into_string()), range.start)
            }
            Event::SoftBreak => self.push_inline(Inline::SoftBreak, range.start),
            Event::HardBreak => self.push_inline(Inline::HardBreak, range.start),
            Event::Rule => {
                self.close_implicit(range.start);
                self.push_block(BlockKind::Rule, range);
            }
            Event::TaskListMarker(done) => {
                if let Some(BlockFrame {
                    frame: Frame::Item(task),
                    ..
                }) = self.blocks.last_mut()
                {
                    *task = Some(done);
                }
            }
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag, range: Range<usize>) {
        let inline_frame = match &tag {
            Tag::Emphasis => Some(InlineFrame::Emph),
            Tag::Strong => Some(InlineFrame::Strong),
            Tag::Strikethrough => Some(InlineFrame::Strike),
            Tag::Link { dest_url, .. } => Some(InlineFrame::Link(dest_url.to_string())),
            Tag::Image { dest_url, .. } => Some(InlineFrame::Image(dest_url.to_string())),
            _ => None,
        };
        if let Some(f) = inline_frame {
            if self.inlines.len() >= MAX_INLINE_DEPTH {
                self.too_deep(range.start);
                self.flattened_inlines += 1;
                return;
            }
            if self.inlines.is_empty() {
                self.inlines.push((
                    InlineFrame::Base {
                        start: range.start,
                        implicit: true,
                    },
                    Vec::new(),
                ));
            }
            self.inlines.push((f, Vec::new()));
            return;
        }
        match tag {
            Tag::Paragraph | Tag::Heading { .. } | Tag::TableCell => {
                if !matches!(tag, Tag::TableCell) {
                    self.close_implicit(range.start);
                }
                self.inlines.push((
                    InlineFrame::Base {
                        start: range.start,
                        implicit: false,
                    },
                    Vec::new(),
                ));
            }
            Tag::CodeBlock(kind) => {
                self.close_implicit(range.start);
                let info = match kind {
                    CodeBlockKind::Fenced(info) => Some(info.into_string()),
                    CodeBlockKind::Indented => None,
                };
                self.code = Some((info, String::new(), range.start));
            }
            other => {
                self.close_implicit(range.start);
                let frame = match other {
                    Tag::BlockQuote(kind) => Frame::Quote(kind),
                    Tag::List(start) => Frame::List(start, Vec::new()),
                    Tag::Item => Frame::Item(None),
                    Tag::FootnoteDefinition(l) => Frame::Footnote(l.into_string()),
                    Tag::Table(aligns) => Frame::Table {
                        aligns: aligns
                            .into_iter()
                            .map(|a| match a {
                                pulldown_cmark::Alignment::None => Align::None,
                                pulldown_cmark::Alignment::Left => Align::Left,
                                pulldown_cmark::Alignment::Center => Align::Center,
                                pulldown_cmark::Alignment::Right => Align::Right,
                            })
                            .collect(),
                        header: Vec::new(),
                        rows: Vec::new(),
                        row: Vec::new(),
                    },
                    // Table head/rows and other containers are handled in place.
                    _ => return,
                };
                if self.blocks.len() >= MAX_BLOCK_DEPTH && !matches!(frame, Frame::Table { .. }) {
                    self.too_deep(range.start);
                    self.flattened_blocks += 1;
                    return;
                }
                self.blocks.push(BlockFrame {
                    frame,
                    blocks: Vec::new(),
                    start: range.start,
                });
            }
        }
    }

    fn end(&mut self, tag: TagEnd, range: Range<usize>) {
        match tag {
            TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Link
            | TagEnd::Image => {
                // The innermost spans end first: those were the flattened ones.
                if self.flattened_inlines > 0 {
                    self.flattened_inlines -= 1;
                    return;
                }
                if let Some((frame, children)) = self.inlines.pop() {
                    let done = wrap(frame, children, Vec::new());
                    for i in done {
                        self.push_inline(i, range.start);
                    }
                }
            }
            TagEnd::Paragraph | TagEnd::Heading(_) => {
                let mut content = Vec::new();
                let mut start = range.start;
                while let Some((frame, children)) = self.inlines.pop() {
                    if let InlineFrame::Base { start: s, .. } = frame {
                        start = s;
                    }
                    content = wrap(frame, children, content);
                }
                let kind = match tag {
                    TagEnd::Heading(level) => BlockKind::Heading {
                        level: level as u8,
                        text: content,
                    },
                    _ => BlockKind::Paragraph(content),
                };
                self.push_block(kind, start..range.end);
            }
            TagEnd::TableCell => {
                let mut content = Vec::new();
                while let Some((frame, children)) = self.inlines.pop() {
                    content = wrap(frame, children, content);
                }
                if let Some(BlockFrame {
                    frame: Frame::Table { row, .. },
                    ..
                }) = self.blocks.last_mut()
                {
                    row.push(content);
                }
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                if let Some(BlockFrame {
                    frame:
                        Frame::Table {
                            header, rows, row, ..
                        },
                    ..
                }) = self.blocks.last_mut()
                {
                    let cells = std::mem::take(row);
                    if matches!(tag, TagEnd::TableHead) {
                        *header = cells;
                    } else {
                        rows.push(cells);
                    }
                }
            }
            TagEnd::CodeBlock => {
                if let Some((info, text, start)) = self.code.take() {
                    self.finish_code(info, text, start..range.end);
                }
            }
            TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item | TagEnd::FootnoteDefinition
                if self.flattened_blocks > 0 =>
            {
                self.flattened_blocks -= 1;
            }
            TagEnd::BlockQuote(_)
            | TagEnd::List(_)
            | TagEnd::Item
            | TagEnd::FootnoteDefinition
            | TagEnd::Table => {
                self.close_implicit(range.end);
                self.end_block(range.end);
            }
            _ => {}
        }
    }

    fn end_block(&mut self, end: usize) {
        let Some(done) = self.blocks.pop() else {
            return;
        };
        let trange = done.start..end.max(done.start);
        match done.frame {
            Frame::Root => self.blocks.push(done),
            Frame::Item(task) => {
                if let Some(BlockFrame {
                    frame: Frame::List(_, items),
                    ..
                }) = self.blocks.last_mut()
                {
                    items.push(ListItem {
                        task,
                        blocks: done.blocks,
                    });
                }
            }
            Frame::List(start, items) => self.push_block(BlockKind::List { start, items }, trange),
            Frame::Quote(kind) => {
                let kind = match kind {
                    Some(BlockQuoteKind::Note) => Some(CalloutKind::Note),
                    Some(BlockQuoteKind::Tip) => Some(CalloutKind::Tip),
                    Some(BlockQuoteKind::Important) => Some(CalloutKind::Important),
                    Some(BlockQuoteKind::Warning) => Some(CalloutKind::Warning),
                    Some(BlockQuoteKind::Caution) => Some(CalloutKind::Danger),
                    None => None,
                };
                let block = match kind {
                    Some(kind) => BlockKind::Callout {
                        kind,
                        blocks: done.blocks,
                    },
                    None => BlockKind::Quote(done.blocks),
                };
                self.push_block(block, trange);
            }
            Frame::Footnote(label) => self.push_block(
                BlockKind::FootnoteDef {
                    label,
                    blocks: done.blocks,
                },
                trange,
            ),
            Frame::Table {
                aligns,
                header,
                rows,
                ..
            } => self.push_block(
                BlockKind::Table {
                    aligns,
                    header,
                    rows,
                },
                trange,
            ),
        }
    }

    fn finish_code(&mut self, info: Option<String>, text: String, trange: Range<usize>) {
        let word = info
            .as_deref()
            .and_then(|i| i.split_whitespace().next())
            .unwrap_or("")
            .to_string();
        if info.is_some() && action::is_known(&word) {
            match action::parse(&word, &text) {
                Ok(a) => {
                    // Educates ignores fields it does not know; an author wants to hear of a typo.
                    for key in a.extra.keys() {
                        let line = crate::action::fields::key_line(&text, key).unwrap_or(0);
                        let d = self
                            .body_diagnostic(
                                &trange,
                                line,
                                1,
                                format!("unknown field `{key}` in `{word}`"),
                            )
                            .with_code(crate::diag::Code::UnknownField);
                        let d = Diagnostic {
                            severity: crate::diag::Severity::Warning,
                            ..d
                        };
                        self.diags.push(d.with_help(
                            "lectern and Educates ignore it; check its spelling against the action's fields",
                        ));
                    }
                    let id = self.next_action;
                    self.next_action += 1;
                    self.push_block(
                        BlockKind::Action(Box::new(ActionBlock { id, action: a })),
                        trange,
                    );
                }
                Err(err) => {
                    let reason = err
                        .errors
                        .first()
                        .map(|e| e.message.clone())
                        .unwrap_or_default();
                    for e in err.errors {
                        let d = self.body_diagnostic(&trange, e.body_line, e.column, e.message);
                        self.diags.push(match e.help {
                            Some(h) => d.with_help(h),
                            None => d,
                        });
                    }
                    self.push_block(
                        BlockKind::BrokenAction {
                            name: word,
                            body: text,
                            reason,
                        },
                        trange,
                    );
                }
            }
            return;
        }
        if info.is_some() && action_like().is_match(&word) {
            let src = self.src_range(&trange);
            let help = match closest_action(&word) {
                Some(n) => format!("did you mean `{n}`? lectern shows this block as code"),
                None => "lectern shows this block as code; action groups are terminal, editor, dashboard, workshop, examiner, section and files".to_string(),
            };
            self.diags.push(
                Diagnostic::warning(self.path, format!("unknown action `{word}`"))
                    .with_code(crate::diag::Code::UnknownAction)
                    .at_indexed(&self.src_lines, self.source, src.start)
                    .with_help(help),
            );
        }
        self.push_block(BlockKind::Code { lang: word, text }, trange);
    }

    /// Say once per page that content nests deeper than lectern shows.
    fn too_deep(&mut self, at: usize) {
        if self.flattened_blocks == 0 && self.flattened_inlines == 0 {
            let src = self.templated.source_offset(at);
            self.diags.push(
                Diagnostic::warning(
                    self.path,
                    format!(
                        "content nests deeper than {MAX_BLOCK_DEPTH} levels; lectern shows the deeper levels one level up"
                    ),
                )
                .at_indexed(&self.src_lines, self.source, src),
            );
        }
    }

    /// A diagnostic at line `body_line` (0-based) of a fenced block's body.
    fn body_diagnostic(
        &self,
        trange: &Range<usize>,
        body_line: usize,
        column: usize,
        message: String,
    ) -> Diagnostic {
        let t = &self.templated.text;
        let fence_line = self.out_lines.line_col(t, trange.start).0;
        // Errors "at the end of input" point past the body; keep them on its last line.
        let closing_line = self.out_lines.line_col(t, trange.end.saturating_sub(1)).0;
        let last_body_line = closing_line.saturating_sub(fence_line + 2);
        let tline = fence_line + 1 + body_line.min(last_body_line);
        let tstart = self.out_lines.line_start(t, tline).min(trange.end);
        let indent = t[tstart..].chars().take_while(|c| *c == ' ').count();
        let src = self.templated.source_offset(tstart);
        let (line, _) = self.src_lines.line_col(self.source, src);
        Diagnostic::error(self.path, message).at_line(
            &self.src_lines,
            self.source,
            line,
            indent + column.max(1),
        )
    }
}

/// The known action name nearest to `word` (edit distance), if near enough.
fn closest_action(word: &str) -> Option<String> {
    action::known_names()
        .into_iter()
        .filter(|n| n.contains(':'))
        .map(|n| (edit_distance(word, &n), n))
        .min()
        .filter(|(d, _)| *d <= word.len() / 3 + 1)
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Close an inline frame around its children, appending to `tail` content.
fn wrap(frame: InlineFrame, mut children: Vec<Inline>, tail: Vec<Inline>) -> Vec<Inline> {
    let node = match frame {
        InlineFrame::Base { .. } => {
            children.extend(tail);
            return children;
        }
        InlineFrame::Emph => Inline::Emph(children),
        InlineFrame::Strong => Inline::Strong(children),
        InlineFrame::Strike => Inline::Strike(children),
        InlineFrame::Link(url) => Inline::Link { url, children },
        InlineFrame::Image(url) => Inline::Image {
            url,
            alt: Inline::plain(&children),
        },
    };
    let mut v = vec![node];
    v.extend(tail);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::{ActionKind, TerminalAction};

    fn lesson(src: &str, dialect: Dialect) -> (Lesson, Vec<Diagnostic>) {
        parse(Path::new("p.md"), src, &Templated::identity(src), dialect)
    }

    #[test]
    fn actions_in_place_and_nested_fences_stay_content() {
        let src = "Intro\n\n```terminal:execute\ncommand: ls\n```\n\n~~~markdown\n```terminal:execute\ncommand: no\n```\n~~~\n\n1. step\n\n   ```terminal:execute\n   command: pwd\n   session: 2\n   ```\n";
        let (l, d) = lesson(src, Dialect::Classic);
        assert!(d.is_empty(), "{d:?}");
        let acts = l.actions();
        assert_eq!(acts.len(), 2);
        assert!(
            matches!(&acts[1].action.kind, ActionKind::Terminal(TerminalAction::Execute { command, .. }) if command == "pwd")
        );
        assert_eq!(acts[1].id, 1);
        assert!(l
            .blocks
            .iter()
            .any(|b| matches!(&b.kind, BlockKind::Code { lang, .. } if lang == "markdown")));
    }

    #[test]
    fn notes_leave_an_exported_page_and_code_keeps_its_comments() {
        let src =
            "A <!-- keep -->\n\n<!-- notes:\n  secret\n-->\n\n```html\n<!-- notes: code -->\n```\n";
        let out = without_notes(src).unwrap();
        assert_eq!(
            out,
            "A <!-- keep -->\n\n\n\n```html\n<!-- notes: code -->\n```\n"
        );
        assert_eq!(without_notes("plain <!-- x -->\n"), None);
    }

    #[test]
    fn bad_yaml_points_inside_the_block() {
        let src = "Text\n\n```terminal:execute\ncommand: ls\nclear: [\n```\n";
        let (l, d) = lesson(src, Dialect::Classic);
        assert_eq!(d.len(), 1);
        assert!(d[0].line >= 4, "{:?}", d[0]);
        assert!(matches!(l.blocks[1].kind, BlockKind::BrokenAction { .. }));
    }

    #[test]
    fn unknown_prefixed_fence_is_reported_and_kept() {
        let (l, d) = lesson("```terminal:explode\nx\n```\n", Dialect::Classic);
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].line, d[0].column), (1, 1));
        assert!(
            matches!(&l.blocks[0].kind, BlockKind::Code { lang, .. } if lang == "terminal:explode")
        );
    }

    #[test]
    fn tables_lists_tasks_and_callouts() {
        let src = "| a | b |\n|---|--:|\n| 1 | **2** |\n\n- [x] done\n- plain\n\n{{< note >}}\nBe careful.\n{{< /note >}}\n\n> [!WARNING]\n> Hot\n";
        let (l, _) = lesson(src, Dialect::Hugo);
        let BlockKind::Table { aligns, rows, .. } = &l.blocks[0].kind else {
            panic!("{:?}", l.blocks[0])
        };
        assert_eq!(aligns[1], Align::Right);
        assert_eq!(Inline::plain(&rows[0][1]), "2");
        let BlockKind::List { items, .. } = &l.blocks[1].kind else {
            panic!()
        };
        assert_eq!(items[0].task, Some(true));
        assert!(matches!(
            l.blocks[2].kind,
            BlockKind::Callout {
                kind: CalloutKind::Note,
                ..
            }
        ));
        assert!(matches!(
            l.blocks[3].kind,
            BlockKind::Callout {
                kind: CalloutKind::Warning,
                ..
            }
        ));
        assert_eq!(l.blocks[3].line, 12);
    }
}
