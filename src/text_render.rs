//! `lectern render`: a page as plain text, for a non-TTY and for tests.
//! Everything from content is passed through `sanitize` on the way out.

use unicode_width::UnicodeWidthStr;

use crate::action::{ActionKind, TerminalAction};
use crate::lesson::{Align, Block, BlockKind, Inline, Lesson};
use crate::sanitize;

/// Render a lesson as plain text wrapped to `width` columns.
pub fn render(lesson: &Lesson, width: usize) -> String {
    let width = width.max(20);
    let lines = blocks(&lesson.blocks, width);
    let mut out = lines.join("\n");
    out.push('\n');
    sanitize::clean(&out)
}

fn blocks(blocks: &[Block], width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for b in blocks {
        let lines = block(b, width);
        if lines.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(String::new());
        }
        out.extend(lines);
    }
    out
}

/// Inline markup as plain text: `code` keeps its backticks, links show their target.
pub fn inline_text(inlines: &[Inline]) -> String {
    let mut s = String::new();
    for i in inlines {
        match i {
            Inline::Text(t) => s.push_str(t),
            Inline::Code(t) => {
                s.push('`');
                s.push_str(t);
                s.push('`');
            }
            Inline::Html(h) => {
                if !h.trim_start().starts_with("<!--") {
                    s.push_str(h)
                }
            }
            Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) => s.push_str(&inline_text(c)),
            Inline::Link { url, children } => {
                let text = inline_text(children);
                s.push_str(&text);
                if !url.is_empty() && text != *url && !url.starts_with('#') {
                    s.push_str(&format!(" <{url}>"));
                }
            }
            Inline::Image { url, alt } => {
                let alt = if alt.is_empty() { "image" } else { alt };
                s.push_str(&format!("[{alt}: {url}]"));
            }
            Inline::FootnoteRef(l) => s.push_str(&format!("[^{l}]")),
            Inline::SoftBreak => s.push(' '),
            Inline::HardBreak => s.push('\n'),
        }
    }
    s
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for para_line in text.split('\n') {
        let opts = textwrap::Options::new(width).break_words(true);
        let wrapped = textwrap::wrap(para_line, opts);
        if wrapped.is_empty() {
            out.push(String::new());
        }
        out.extend(wrapped.into_iter().map(|c| c.into_owned()));
    }
    out
}

fn prefixed(lines: Vec<String>, first: &str, rest: &str) -> Vec<String> {
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let p = if i == 0 { first } else { rest };
            if l.is_empty() {
                p.trim_end().to_string()
            } else {
                format!("{p}{l}")
            }
        })
        .collect()
}

fn block(b: &Block, width: usize) -> Vec<String> {
    match &b.kind {
        BlockKind::Heading { level, text } => {
            let t = inline_text(text);
            let w = t.width().min(width);
            match level {
                1 => vec![t, "═".repeat(w)],
                2 => vec![t, "─".repeat(w)],
                n => wrap(&format!("{} {t}", "#".repeat(*n as usize)), width),
            }
        }
        BlockKind::Paragraph(inl) => wrap(&inline_text(inl), width),
        BlockKind::List { start, items } => {
            let mut out = Vec::new();
            let loose = items.iter().any(|it| it.blocks.len() > 1);
            for (i, item) in items.iter().enumerate() {
                if loose && i > 0 {
                    out.push(String::new());
                }
                let mut marker = match start {
                    Some(s) => format!("{}. ", s + i as u64),
                    None => "• ".to_string(),
                };
                if let Some(done) = item.task {
                    marker.push_str(if done { "[x] " } else { "[ ] " });
                }
                let mw = marker.width();
                let inner = blocks(&item.blocks, width.saturating_sub(mw).max(10));
                out.extend(prefixed(inner, &marker, &" ".repeat(mw)));
            }
            out
        }
        BlockKind::Quote(inner) => {
            prefixed(blocks(inner, width.saturating_sub(2).max(10)), "│ ", "│ ")
        }
        BlockKind::Callout {
            kind,
            blocks: inner,
        } => {
            let mut out = vec![format!("┃ {}", kind.label())];
            out.extend(prefixed(
                blocks(inner, width.saturating_sub(2).max(10)),
                "┃ ",
                "┃ ",
            ));
            out
        }
        BlockKind::Code { text, .. } => text
            .trim_end_matches('\n')
            .lines()
            .map(|l| format!("    {l}"))
            .collect(),
        BlockKind::Table {
            aligns,
            header,
            rows,
        } => table(aligns, header, rows, width),
        BlockKind::Rule => vec!["─".repeat(width)],
        BlockKind::Html(h) => {
            let t = h.trim();
            if t.starts_with("<!--") && t.ends_with("-->") {
                Vec::new()
            } else {
                wrap(t, width)
            }
        }
        BlockKind::FootnoteDef {
            label,
            blocks: inner,
        } => {
            let marker = format!("[^{label}]: ");
            let mw = marker.width();
            prefixed(
                blocks(inner, width.saturating_sub(mw).max(10)),
                &marker,
                &" ".repeat(mw),
            )
        }
        BlockKind::Action(ab) => {
            let a = &ab.action;
            let card = a.card();
            let mut flags = Vec::new();
            if a.common.hidden {
                flags.push("hidden");
            }
            if a.common.autostart {
                flags.push("autostart");
            }
            if a.common.cascade {
                flags.push("cascade");
            }
            if a.common.required {
                flags.push("required");
            }
            let label = if flags.is_empty() {
                format!("[{}] ", card.label)
            } else {
                format!("[{} · {}] ", card.label, flags.join(", "))
            };
            let pad = " ".repeat(label.width().min(12));
            // Commands stay as written so they can be copied; other text wraps.
            let verbatim = matches!(
                a.kind,
                ActionKind::Terminal(TerminalAction::Execute { .. } | TerminalAction::Input { .. })
                    | ActionKind::Copy { .. }
            ) && a.common.description.is_none();
            let lines: Vec<String> = if verbatim {
                card.body.lines().map(str::to_string).collect()
            } else {
                let first = width.saturating_sub(label.width()).max(10);
                let mut out = Vec::new();
                for (i, l) in card.body.lines().enumerate() {
                    let w = if i == 0 {
                        first
                    } else {
                        width.saturating_sub(pad.len()).max(10)
                    };
                    out.extend(wrap(l, w));
                }
                out
            };
            if lines.is_empty() {
                vec![label.trim_end().to_string()]
            } else {
                prefixed(lines, &label, &pad)
            }
        }
        BlockKind::BrokenAction { name, body, reason } => {
            let mut out = vec![format!("[broken {name}] {reason}")];
            out.extend(
                body.trim_end_matches('\n')
                    .lines()
                    .map(|l| format!("    {l}")),
            );
            out
        }
    }
}

fn table(
    aligns: &[Align],
    header: &[Vec<Inline>],
    rows: &[Vec<Vec<Inline>>],
    width: usize,
) -> Vec<String> {
    let cols = header
        .len()
        .max(rows.iter().map(Vec::len).max().unwrap_or(0));
    if cols == 0 {
        return Vec::new();
    }
    let cell = |r: &[Vec<Inline>], c: usize| {
        r.get(c)
            .map(|i| inline_text(i).replace('\n', " "))
            .unwrap_or_default()
    };
    let all: Vec<Vec<String>> = std::iter::once(header)
        .chain(rows.iter().map(Vec::as_slice))
        .map(|r| (0..cols).map(|c| cell(r, c)).collect())
        .collect();
    let mut widths: Vec<usize> = (0..cols)
        .map(|c| all.iter().map(|r| r[c].width()).max().unwrap_or(0).max(1))
        .collect();
    let sep = 3 * (cols - 1);
    while widths.iter().sum::<usize>() + sep > width {
        let (i, w) = widths
            .iter()
            .enumerate()
            .max_by_key(|(_, w)| **w)
            .map(|(i, w)| (i, *w))
            .unwrap_or((0, 1));
        if w <= 4 {
            break;
        }
        widths[i] = w - 1;
    }
    if widths.iter().sum::<usize>() + sep > width {
        return records(&all, header.is_empty(), width);
    }
    let fit = |s: &str, w: usize, a: Align| -> String {
        let mut s = s.to_string();
        if s.width() > w {
            while s.width() > w.saturating_sub(1) {
                s.pop();
            }
            s.push('…');
        }
        let pad = w.saturating_sub(s.width());
        match a {
            Align::Right => format!("{}{s}", " ".repeat(pad)),
            Align::Center => format!("{}{s}{}", " ".repeat(pad / 2), " ".repeat(pad - pad / 2)),
            _ => format!("{s}{}", " ".repeat(pad)),
        }
    };
    // A row is as tall as its tallest cell: cells wrap within their column.
    let rows_of = |r: &[String]| -> Vec<String> {
        let cells: Vec<Vec<String>> = (0..cols).map(|c| wrap(&r[c], widths[c].max(1))).collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
        (0..height)
            .map(|i| {
                (0..cols)
                    .map(|c| {
                        fit(
                            cells[c].get(i).map_or("", String::as_str),
                            widths[c],
                            aligns.get(c).copied().unwrap_or(Align::None),
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" │ ")
                    .trim_end()
                    .to_string()
            })
            .collect()
    };
    let mut out = Vec::new();
    if !header.is_empty() {
        out.extend(rows_of(&all[0]));
        out.push(
            widths
                .iter()
                .map(|w| "─".repeat(*w))
                .collect::<Vec<_>>()
                .join("─┼─"),
        );
    }
    let body: Vec<Vec<String>> = all[1..].iter().map(|r| rows_of(r)).collect();
    // Rows that wrap onto several lines get a rule between them, to stay readable.
    let tall = body.iter().any(|r| r.len() > 1);
    let rule = widths
        .iter()
        .map(|w| "╌".repeat(*w))
        .collect::<Vec<_>>()
        .join("╌┼╌");
    for (i, r) in body.into_iter().enumerate() {
        if tall && i > 0 {
            out.push(rule.clone());
        }
        out.extend(r);
    }
    out
}

/// A table too wide for the pane even with narrow columns: each row becomes a
/// block of `header: value` lines, so every cell is shown in full, wrapped.
fn records(all: &[Vec<String>], headless: bool, width: usize) -> Vec<String> {
    let names: Vec<String> = all[0]
        .iter()
        .enumerate()
        .map(|(c, h)| {
            if headless || h.trim().is_empty() {
                format!("column {}", c + 1)
            } else {
                h.clone()
            }
        })
        .collect();
    let rows = if headless { all } else { &all[1..] };
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let title = format!("── row {} of {} ", i + 1, rows.len());
        let fill = width.saturating_sub(title.width());
        out.push(format!("{title}{}", "─".repeat(fill)));
        for (name, value) in names.iter().zip(row) {
            let first = format!("{name}: ");
            out.extend(prefixed(
                wrap(value, width.saturating_sub(2).max(1)),
                &first,
                "  ",
            ));
        }
    }
    out
}
