//! HTML comments never reach learners: they are taken out of the lesson when
//! it is parsed, so no view can show them. `<!-- notes: ... -->` comments are
//! speaker notes, kept apart for the presenter.

use super::{Block, BlockKind, Inline, ListItem};

/// Take every HTML comment out of `blocks` (code blocks keep theirs: they are
/// content). Returns the speaker notes found, in reading order.
pub fn strip(blocks: &mut Vec<Block>) -> Vec<String> {
    let mut notes = Vec::new();
    strip_blocks(blocks, &mut notes);
    notes
}

fn strip_blocks(blocks: &mut Vec<Block>, notes: &mut Vec<String>) {
    for b in blocks.iter_mut() {
        match &mut b.kind {
            BlockKind::Html(h) => *h = strip_text(h, notes),
            BlockKind::Heading { text, .. } | BlockKind::Paragraph(text) => {
                strip_inlines(text, notes)
            }
            BlockKind::List { items, .. } => {
                for ListItem { blocks, .. } in items {
                    strip_blocks(blocks, notes);
                }
            }
            BlockKind::Quote(inner)
            | BlockKind::Callout { blocks: inner, .. }
            | BlockKind::FootnoteDef { blocks: inner, .. } => strip_blocks(inner, notes),
            BlockKind::Table { header, rows, .. } => {
                for cell in header.iter_mut().chain(rows.iter_mut().flatten()) {
                    strip_inlines(cell, notes);
                }
            }
            BlockKind::Code { .. }
            | BlockKind::Rule
            | BlockKind::Action(_)
            | BlockKind::BrokenAction { .. } => {}
        }
    }
    // A block that was only a comment is no block at all.
    blocks.retain(|b| !matches!(&b.kind, BlockKind::Html(h) if h.trim().is_empty()));
}

/// Inline HTML: a comment may come as one piece or spread over several
/// (its lines, soft breaks between them); all of it goes.
fn strip_inlines(inlines: &mut Vec<Inline>, notes: &mut Vec<String>) {
    let mut out = Vec::with_capacity(inlines.len());
    // The text of a comment still open, from its `<!--`.
    let mut open: Option<String> = None;
    for i in std::mem::take(inlines) {
        if let Some(acc) = &mut open {
            match &i {
                Inline::Html(h) | Inline::Text(h) => acc.push_str(h),
                Inline::SoftBreak | Inline::HardBreak => acc.push('\n'),
                other => acc.push_str(&Inline::plain(std::slice::from_ref(other))),
            }
            if acc.contains("-->") {
                let text = open.take().unwrap_or_default();
                let rest = strip_text(&text, notes);
                if !rest.is_empty() {
                    out.push(Inline::Html(rest));
                }
            }
            continue;
        }
        match i {
            Inline::Html(h) if h.contains("<!--") => {
                let after = &h[h.find("<!--").unwrap_or(0)..];
                if after.contains("-->") {
                    let rest = strip_text(&h, notes);
                    if !rest.is_empty() {
                        out.push(Inline::Html(rest));
                    }
                } else {
                    open = Some(h);
                }
            }
            Inline::Emph(mut c) => {
                strip_inlines(&mut c, notes);
                out.push(Inline::Emph(c));
            }
            Inline::Strong(mut c) => {
                strip_inlines(&mut c, notes);
                out.push(Inline::Strong(c));
            }
            Inline::Strike(mut c) => {
                strip_inlines(&mut c, notes);
                out.push(Inline::Strike(c));
            }
            Inline::Link { url, mut children } => {
                strip_inlines(&mut children, notes);
                out.push(Inline::Link { url, children });
            }
            other => out.push(other),
        }
    }
    // A comment never closed runs to the end, as in a browser.
    if let Some(text) = open {
        let _ = strip_text(&text, notes);
    }
    *inlines = out;
}

/// `s` without its comments; speaker notes among them are added to `notes`.
pub fn strip_text(s: &str, notes: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        let body_and_more = &rest[start + 4..];
        let (body, after) = match body_and_more.find("-->") {
            Some(end) => (&body_and_more[..end], &body_and_more[end + 3..]),
            None => (body_and_more, ""),
        };
        if let Some(n) = note(body) {
            notes.push(n);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The text of a `notes:` comment, its lines' common indent taken off.
fn note(body: &str) -> Option<String> {
    let t = body.trim_start();
    let head = t.get(..6)?;
    if !head.eq_ignore_ascii_case("notes:") {
        return None;
    }
    let text = &t[6..];
    let lines: Vec<&str> = text.lines().collect();
    let indent = lines
        .iter()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out: Vec<&str> = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        out.push(if i == 0 {
            l.trim()
        } else {
            l.get(indent..).unwrap_or(l.trim_start()).trim_end()
        });
    }
    let joined = out.join("\n");
    let joined = joined.trim_matches('\n').to_string();
    (!joined.trim().is_empty()).then_some(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_go_and_notes_stay() {
        let mut notes = Vec::new();
        let s = "<b>x</b><!-- plain --> y <!-- notes: say hello\n   then wave -->z<!-- open";
        assert_eq!(strip_text(s, &mut notes), "<b>x</b> y z");
        assert_eq!(notes, vec!["say hello\nthen wave".to_string()]);
        let mut notes = Vec::new();
        assert_eq!(strip_text("<!-- NOTES:\n  a\n    b\n-->", &mut notes), "");
        assert_eq!(notes, vec!["a\n  b".to_string()]);
        // An empty note is no note.
        let mut notes = Vec::new();
        strip_text("<!-- notes: -->", &mut notes);
        assert!(notes.is_empty());
    }
}
