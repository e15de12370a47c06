//! The lesson pane: a lesson laid out as styled lines for a width, with the
//! line ranges of action cards (for Tab, Enter and mouse clicks).

use std::collections::HashMap;
use std::time::Instant;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::action::{ActionKind, SectionAction};
use crate::engine::Outcome;
use crate::lesson::{Block, BlockKind, CalloutKind, Inline, Lesson};
use crate::sanitize::clean_line;

/// Where an action card sits in the laid-out lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardPos {
    pub id: usize,
    pub start: usize,
    pub end: usize,
}

/// Where an image is drawn: the lines kept free for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePos {
    pub url: String,
    pub line: usize,
    pub col: usize,
    pub cols: u16,
    pub rows: u16,
}

/// The most rows an image takes in the lesson: the text around it stays in sight.
pub const IMAGE_ROWS: u16 = 16;

#[derive(Debug, Clone, Default)]
pub struct Laid {
    pub lines: Vec<Line<'static>>,
    pub cards: Vec<CardPos>,
    pub images: Vec<ImagePos>,
    /// Where link text sits, for OSC 8 hyperlinks on terminals that have them.
    pub links: Vec<LinkPos>,
}

/// A piece of link text: line, display column, the text and where it points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkPos {
    pub line: usize,
    pub col: usize,
    pub text: String,
    pub url: String,
}

/// A run of styled text, from a link when `link` is set.
type Piece = (String, Style, Option<String>);

pub struct ViewState<'a> {
    /// Output to show under a card (what an examiner test printed).
    pub outputs: &'a HashMap<usize, String>,
    /// `section:begin` ids whose sections are folded.
    pub folded: &'a std::collections::HashSet<usize>,
    pub outcomes: &'a HashMap<usize, Outcome>,
    pub selected: Option<usize>,
    pub now: Instant,
    /// Images ready to draw, by URL: their natural size in cells. Others are
    /// shown as text.
    pub images: &'a HashMap<String, (u16, u16)>,
}

const HEADING: Color = Color::Cyan;
const CODE: Color = Color::Yellow;
const DIM: Color = Color::DarkGray;

pub fn layout(lesson: &Lesson, width: u16, st: &ViewState) -> Laid {
    let mut laid = Laid::default();
    let width = usize::from(width.max(20));
    blocks(&lesson.blocks, width, st, &mut laid, "");
    // Nothing is cut unseen: a line still wider than the pane ends in a mark.
    for line in &mut laid.lines {
        if line.width() > width {
            mark_cut(line, width);
        }
    }
    // No trailing blank line.
    while laid.lines.last().is_some_and(|l| l.width() == 0) {
        laid.lines.pop();
    }
    laid
}

/// Cut `line` to `width` columns, the last one a dim `›` saying there is more.
fn mark_cut(line: &mut Line<'static>, width: usize) {
    let mut pieces = split_spans(std::mem::take(&mut line.spans), width.saturating_sub(1));
    line.spans = pieces.swap_remove(0);
    line.spans.push(Span::styled("›", Style::default().fg(DIM)));
}

/// A code block shows at most this many lines in the lesson pane.
const MAX_CODE_LINES: usize = 2000;
/// Blocks larger than this are shown without colours.
const MAX_HIGHLIGHT: usize = 128 * 1024;

/// Cut a line of spans into pieces at most `width` columns wide.
fn split_spans(spans: Vec<Span<'static>>, width: usize) -> Vec<Vec<Span<'static>>> {
    let mut out = vec![Vec::new()];
    let mut used = 0;
    for span in spans {
        let mut piece = String::new();
        for ch in span.content.chars() {
            let w = ch.width().unwrap_or(0);
            if used + w > width && used > 0 {
                if let (false, Some(last)) = (piece.is_empty(), out.last_mut()) {
                    last.push(Span::styled(std::mem::take(&mut piece), span.style));
                }
                out.push(Vec::new());
                used = 0;
            }
            piece.push(ch);
            used += w;
        }
        if !piece.is_empty() {
            if let Some(last) = out.last_mut() {
                last.push(Span::styled(piece, span.style));
            }
        }
    }
    out
}

/// A paragraph that is one image ready to draw: its URL, alt text and size.
fn image_alone(inl: &[Inline], st: &ViewState) -> Option<(String, String, (u16, u16))> {
    let mut found = None;
    for i in inl {
        match i {
            Inline::Image { url, alt } if found.is_none() => {
                found = Some((url.clone(), alt.clone(), *st.images.get(url)?));
            }
            Inline::SoftBreak | Inline::HardBreak => {}
            Inline::Text(t) if t.trim().is_empty() => {}
            _ => return None,
        }
    }
    found
}

fn push(laid: &mut Laid, prefix: &str, mut line: Line<'static>) {
    if !prefix.is_empty() {
        line.spans.insert(
            0,
            Span::styled(prefix.to_string(), Style::default().fg(DIM)),
        );
    }
    laid.lines.push(line);
}

fn blocks(bs: &[Block], width: usize, st: &ViewState, laid: &mut Laid, prefix: &str) {
    let mut first = true;
    // Depth of folded sections we are inside (their contents are not drawn).
    let mut folded_depth = 0usize;
    for b in bs {
        if let BlockKind::Action(a) = &b.kind {
            match &a.action.kind {
                ActionKind::Section(SectionAction::Begin { .. }) if folded_depth > 0 => {
                    folded_depth += 1;
                    continue;
                }
                ActionKind::Section(SectionAction::End { .. }) => {
                    folded_depth = folded_depth.saturating_sub(1);
                    continue;
                }
                ActionKind::Section(SectionAction::Begin { .. }) if st.folded.contains(&a.id) => {
                    folded_depth = 1;
                }
                _ if folded_depth > 0 || a.action.common.hidden => continue,
                _ => {}
            }
        } else if folded_depth > 0 {
            continue;
        }
        if !first {
            push(laid, prefix.trim_end(), Line::default());
        }
        first = false;
        block(b, width, st, laid, prefix);
    }
}

/// Inline content as styled words, wrapped to `width`.
fn inline_lines(inl: &[Inline], base: Style, width: usize) -> Vec<Line<'static>> {
    inline_lines_with_links(inl, base, width).0
}

/// The same, with the positions of link text in the lines.
fn inline_lines_with_links(
    inl: &[Inline],
    base: Style,
    width: usize,
) -> (Vec<Line<'static>>, Vec<LinkPos>) {
    let mut pieces: Vec<Piece> = Vec::new();
    flatten(inl, base, None, &mut pieces);
    wrap_spans(&pieces, width)
}

fn flatten(inl: &[Inline], style: Style, link: Option<&str>, out: &mut Vec<Piece>) {
    let own = |t: String, s: Style| (t, s, link.map(str::to_string));
    for i in inl {
        match i {
            Inline::Text(t) => out.push(own(clean_line(t), style)),
            Inline::Code(t) => out.push(own(clean_line(t), style.fg(CODE))),
            Inline::Emph(c) => flatten(c, style.add_modifier(Modifier::ITALIC), link, out),
            Inline::Strong(c) => flatten(c, style.add_modifier(Modifier::BOLD), link, out),
            Inline::Strike(c) => flatten(c, style.add_modifier(Modifier::CROSSED_OUT), link, out),
            Inline::Link { url, children } => {
                let link_style = style.fg(Color::Blue).add_modifier(Modifier::UNDERLINED);
                // Only web links become hyperlinks; the URL must be clean to be sent.
                let target = (url.contains("://")
                    && crate::sanitize::is_clean(url)
                    && !url.contains('\x07'))
                .then_some(url.as_str());
                flatten(children, link_style, target, out);
                let text = crate::lesson::Inline::plain(children);
                if !url.starts_with('#') && text != *url {
                    out.push((format!(" ({})", clean_line(url)), style.fg(DIM), None));
                }
            }
            Inline::Image { url, alt } => {
                let alt = if alt.is_empty() { "image" } else { alt };
                out.push(own(
                    format!("[image: {} — {}]", clean_line(alt), clean_line(url)),
                    style.fg(Color::Magenta),
                ));
            }
            Inline::FootnoteRef(l) => out.push(own(format!("[^{l}]"), style.fg(DIM))),
            Inline::Html(h) => {
                if !h.trim_start().starts_with("<!--") {
                    out.push(own(clean_line(h), style.fg(DIM)))
                }
            }
            Inline::SoftBreak => out.push(own(" ".into(), style)),
            Inline::HardBreak => out.push(own("\n".into(), style)),
        }
    }
}

/// Greedy word wrap over styled text; words longer than the width are split.
fn wrap_spans(spans: &[Piece], width: usize) -> (Vec<Line<'static>>, Vec<LinkPos>) {
    let mut lines: Vec<Line<'static>> = vec![Line::default()];
    let mut links = Vec::new();
    let mut col = 0usize;
    for (text, style, link) in spans {
        for (pi, piece) in text.split('\n').enumerate() {
            if pi > 0 {
                lines.push(Line::default());
                col = 0;
            }
            for word in piece.split_inclusive(' ') {
                let w = word.width();
                if col + word.trim_end().width() > width && col > 0 {
                    lines.push(Line::default());
                    col = 0;
                }
                let mut word = word.to_string();
                if col == 0 {
                    word = word.trim_start().to_string();
                }
                // A word wider than the line is cut into pieces, in one pass.
                if word.width() > width {
                    let mut cut = String::new();
                    let mut cut_w = 0;
                    for c in word.chars() {
                        let cw = c.width().unwrap_or(0);
                        if cut_w + cw > width.saturating_sub(col) && !cut.is_empty() {
                            if let Some(url) = link {
                                links.push(LinkPos {
                                    line: lines.len() - 1,
                                    col,
                                    text: cut.clone(),
                                    url: url.clone(),
                                });
                            }
                            if let Some(l) = lines.last_mut() {
                                l.spans.push(Span::styled(std::mem::take(&mut cut), *style));
                            }
                            lines.push(Line::default());
                            col = 0;
                            cut_w = 0;
                        }
                        cut.push(c);
                        cut_w += cw;
                    }
                    // What is left fits on the new line.
                    word = cut;
                }
                if let Some(url) = link.as_ref().filter(|_| !word.trim().is_empty()) {
                    let t = word.trim_end().to_string();
                    links.push(LinkPos {
                        line: lines.len() - 1,
                        col,
                        text: t,
                        url: url.clone(),
                    });
                }
                col += word.width().min(w.max(word.width()));
                if let Some(l) = lines.last_mut() {
                    l.spans.push(Span::styled(word, *style));
                }
            }
        }
    }
    (lines, links)
}

fn block(b: &Block, width: usize, st: &ViewState, laid: &mut Laid, prefix: &str) {
    let avail = width.saturating_sub(prefix.width()).max(10);
    match &b.kind {
        BlockKind::Heading { level, text } => {
            let style = Style::default().fg(HEADING).add_modifier(Modifier::BOLD);
            let mark = match level {
                1 => "",
                2 => "",
                _ => "› ",
            };
            let mut lines = inline_lines(text, style, avail.saturating_sub(mark.len()));
            if let Some(first) = lines.first_mut() {
                if !mark.is_empty() {
                    first.spans.insert(0, Span::styled(mark, style));
                }
            }
            let w = lines.iter().map(Line::width).max().unwrap_or(0);
            for l in lines {
                push(laid, prefix, l);
            }
            if *level <= 2 {
                let ch = if *level == 1 { "═" } else { "─" };
                push(
                    laid,
                    prefix,
                    Line::styled(ch.repeat(w.min(avail)), Style::default().fg(HEADING)),
                );
            }
        }
        BlockKind::Paragraph(inl) if image_alone(inl, st).is_some() => {
            let (url, alt, (w, h)) = image_alone(inl, st).unwrap_or_default();
            // Fit the width, then the most rows, keeping the proportions.
            let scale = (avail as f64 / f64::from(w.max(1)))
                .min(f64::from(IMAGE_ROWS) / f64::from(h.max(1)))
                .min(1.0);
            let cols = ((f64::from(w) * scale).floor() as u16).max(1);
            let rows = ((f64::from(h) * scale).ceil() as u16).max(1);
            laid.images.push(ImagePos {
                url,
                line: laid.lines.len(),
                col: prefix.width(),
                cols,
                rows,
            });
            // The image's name shows until the image is drawn over it.
            let name = if alt.is_empty() { "image".into() } else { alt };
            push(
                laid,
                prefix,
                Line::styled(format!("[{}]", clean_line(&name)), Style::default().fg(DIM)),
            );
            for _ in 1..rows {
                push(laid, prefix, Line::default());
            }
        }
        BlockKind::Paragraph(inl) => {
            let (lines, links) = inline_lines_with_links(inl, Style::default(), avail);
            let first = laid.lines.len();
            for mut link in links {
                link.line += first;
                link.col += prefix.width();
                laid.links.push(link);
            }
            for l in lines {
                push(laid, prefix, l);
            }
        }
        BlockKind::List { start, items } => {
            let loose = items.iter().any(|i| i.blocks.len() > 1);
            for (i, item) in items.iter().enumerate() {
                if loose && i > 0 {
                    push(laid, prefix.trim_end(), Line::default());
                }
                let mut marker = match start {
                    Some(s) => format!("{}. ", s + i as u64),
                    None => "• ".into(),
                };
                if let Some(done) = item.task {
                    marker.push_str(if done { "☑ " } else { "☐ " });
                }
                let before = laid.lines.len();
                let pad = " ".repeat(marker.width());
                blocks(&item.blocks, width, st, laid, &format!("{prefix}{pad}"));
                if let Some(l) = laid.lines.get_mut(before) {
                    // Replace the padding of the item's first line with the marker.
                    if let Some(s) = l.spans.first_mut() {
                        s.content = format!("{prefix}{marker}").into();
                    }
                }
            }
        }
        BlockKind::Quote(inner) => blocks(inner, width, st, laid, &format!("{prefix}│ ")),
        BlockKind::Callout {
            kind,
            blocks: inner,
        } => {
            let color = match kind {
                CalloutKind::Note | CalloutKind::Tip => Color::Blue,
                CalloutKind::Important => Color::Magenta,
                CalloutKind::Warning => Color::Yellow,
                CalloutKind::Danger => Color::Red,
            };
            push(
                laid,
                prefix,
                Line::styled(
                    format!("┃ {}", kind.label()),
                    Style::default().fg(color).add_modifier(Modifier::BOLD),
                ),
            );
            let before = laid.lines.len();
            blocks(inner, width, st, laid, &format!("{prefix}┃ "));
            for l in &mut laid.lines[before..] {
                if let Some(s) = l.spans.first_mut() {
                    s.style = s.style.fg(color);
                }
            }
        }
        BlockKind::Code { lang, text } => {
            let style = Style::default().fg(Color::Gray);
            if !lang.is_empty() {
                push(
                    laid,
                    prefix,
                    Line::styled(format!("╭─ {}", clean_line(lang)), Style::default().fg(DIM)),
                );
            }
            let body = text.trim_end_matches('\n');
            // A huge block is shown up to a limit, with a mark: laying out or
            // highlighting all of it would stall the screen at every change.
            let total = body.lines().count();
            let body = match body.match_indices('\n').nth(MAX_CODE_LINES - 1) {
                Some((i, _)) => &body[..i],
                None => body,
            };
            let highlight = body.len() <= MAX_HIGHLIGHT;
            let lines: Vec<Vec<Span<'static>>> = crate::ui::highlight::get()
                .filter(|_| highlight)
                .and_then(|h| h.cached(lang, body))
                .map(|l| l.as_ref().clone())
                .unwrap_or_else(|| {
                    body.lines()
                        .map(|l| {
                            let l = crate::sanitize::clean(l).replace('\t', "    ");
                            vec![Span::styled(l, style)]
                        })
                        .collect()
                });
            // Long lines wrap with a mark on each continuation: never cut unseen.
            let room = avail.saturating_sub(2).max(4);
            for spans in lines {
                for (i, part) in split_spans(spans, room).into_iter().enumerate() {
                    let lead = if i == 0 { "│ " } else { "│↪" };
                    let mut l = vec![Span::styled(lead, Style::default().fg(DIM))];
                    l.extend(part);
                    push(laid, prefix, Line::from(l));
                }
            }
            if total > MAX_CODE_LINES {
                push(
                    laid,
                    prefix,
                    Line::styled(
                        format!(
                            "│ … {} more lines, not shown here (`lectern render` prints them all)",
                            total - MAX_CODE_LINES
                        ),
                        Style::default().fg(DIM),
                    ),
                );
            }
        }
        BlockKind::Table { .. } | BlockKind::FootnoteDef { .. } => {
            let lesson = Lesson {
                blocks: vec![b.clone()],
                notes: Vec::new(),
            };
            let text = crate::text_render::render(&lesson, avail);
            for l in text.trim_end().lines() {
                push(laid, prefix, Line::raw(l.to_string()));
            }
        }
        BlockKind::Rule => push(
            laid,
            prefix,
            Line::styled("─".repeat(avail), Style::default().fg(DIM)),
        ),
        BlockKind::Html(h) => {
            let t = h.trim();
            if !(t.starts_with("<!--") && t.ends_with("-->")) {
                for l in t.lines() {
                    push(
                        laid,
                        prefix,
                        Line::styled(clean_line(l), Style::default().fg(DIM)),
                    );
                }
            }
        }
        BlockKind::Action(ab) => card(ab.id, &ab.action, avail, st, laid, prefix),
        BlockKind::BrokenAction { name, body, reason } => {
            let red = Style::default().fg(Color::Red);
            push(
                laid,
                prefix,
                Line::styled(
                    format!("✗ {} — {}", clean_line(name), clean_line(reason)),
                    red,
                ),
            );
            for l in body.trim_end().lines() {
                push(
                    laid,
                    prefix,
                    Line::styled(format!("│ {}", clean_line(l)), Style::default().fg(DIM)),
                );
            }
        }
    }
}

/// The state text and colour of a card.
pub fn state_text(o: Option<&Outcome>, now: Instant) -> (String, Color) {
    use crate::engine::{Detail, Why};
    match o {
        None => ("not run".into(), DIM),
        Some(Outcome::Running { since, what }) => {
            let t = secs(now.saturating_duration_since(*since));
            let text = match what {
                Some(w) => format!("running {t} · {}", clean_line(w)),
                None => format!("running {t}"),
            };
            (text, Color::Yellow)
        }
        Some(Outcome::Passed(d @ Detail::Interrupted { .. })) => {
            (format!("■ {}", clean_line(&d.text())), Color::Magenta)
        }
        Some(Outcome::Passed(d)) => (format!("✓ {}", clean_line(&d.text())), Color::Green),
        Some(Outcome::Failed(d)) => (format!("✗ {}", clean_line(&d.text())), Color::Red),
        Some(o @ Outcome::TypedInto { .. }) => (format!("✗ {}", clean_line(&o.text())), Color::Red),
        Some(Outcome::NeedsPerson(w @ Why::Unobservable { .. })) => {
            (format!("? {}", clean_line(&w.text())), Color::Cyan)
        }
        Some(Outcome::NeedsPerson(w)) => (format!("! {}", clean_line(&w.text())), Color::Yellow),
        Some(Outcome::Skipped(w)) => (format!("- {}", clean_line(w)), DIM),
    }
}

pub use crate::engine::outcome::secs;

fn card(
    id: usize,
    action: &crate::action::Action,
    width: usize,
    st: &ViewState,
    laid: &mut Laid,
    prefix: &str,
) {
    let mut c = action.card();
    if let ActionKind::Section(SectionAction::Begin { title, .. }) = &action.kind {
        let arrow = if st.folded.contains(&id) {
            "▸"
        } else {
            "▾"
        };
        c.body = format!("{arrow} {title}");
    }
    if let ActionKind::Section(SectionAction::Heading { title }) = &action.kind {
        let style = Style::default().fg(HEADING).add_modifier(Modifier::BOLD);
        push(
            laid,
            prefix,
            Line::styled(format!("━━ {} ━━", clean_line(title)), style),
        );
        return;
    }
    let selected = st.selected == Some(id);
    let border = if selected {
        Style::default()
            .fg(Color::LightYellow)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::default().fg(Color::Blue)
    };
    let (state, color) = state_text(st.outcomes.get(&id), st.now);
    let inner = width.saturating_sub(4).max(6);
    let start = laid.lines.len();
    // Heavy lines mark the selected card, so selection does not rely on colour.
    let (tl, tr, h, v, bl, br) = if selected {
        ("┏", "┓", "━", "┃", "┗", "┛")
    } else {
        ("╭", "╮", "─", "│", "╰", "╯")
    };
    let title = format!(" ▶ {} ", clean_line(&c.label));
    let state = format!(" {state} ");
    let fill = (width.saturating_sub(2)).saturating_sub(title.width() + state.width());
    push(
        laid,
        prefix,
        Line::from(vec![
            Span::styled(tl, border),
            Span::styled(title, border),
            Span::styled(h.repeat(fill), border),
            Span::styled(state, Style::default().fg(color)),
            Span::styled(tr, border),
        ]),
    );
    let body_style = Style::default().add_modifier(if selected {
        Modifier::BOLD
    } else {
        Modifier::empty()
    });
    for raw in c.body.lines() {
        let text = crate::sanitize::clean(raw).replace('\t', "    ");
        let mut rest = text.as_str();
        loop {
            let mut cut = rest.len();
            let mut w = 0;
            for (i, ch) in rest.char_indices() {
                let cw = ch.to_string().width();
                if w + cw > inner {
                    cut = i;
                    break;
                }
                w += cw;
            }
            let (head, tail) = rest.split_at(cut);
            let pad = inner.saturating_sub(head.width());
            push(
                laid,
                prefix,
                Line::from(vec![
                    Span::styled(format!("{v} "), border),
                    Span::styled(head.to_string(), body_style),
                    Span::raw(" ".repeat(pad)),
                    Span::styled(format!(" {v}"), border),
                ]),
            );
            if tail.is_empty() {
                break;
            }
            rest = tail;
        }
    }
    push(
        laid,
        prefix,
        Line::styled(
            format!("{bl}{}{br}", h.repeat(width.saturating_sub(2))),
            border,
        ),
    );
    if let Some(out) = st.outputs.get(&id) {
        let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
        let shown = &lines[lines.len().saturating_sub(8)..];
        for l in shown {
            let mut t = crate::sanitize::clean_line(l);
            if t.chars().count() > width.saturating_sub(4) {
                t = t.chars().take(width.saturating_sub(5)).collect::<String>() + "…";
            }
            push(
                laid,
                prefix,
                Line::styled(format!("  {t}"), Style::default().fg(DIM)),
            );
        }
    }
    laid.cards.push(CardPos {
        id,
        start,
        end: laid.lines.len(),
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_code_lines_wrap_with_a_mark() {
        use ratatui::text::Span;
        let parts = super::split_spans(vec![Span::raw("abcdef"), Span::raw("ghij")], 4);
        let text: Vec<String> = parts
            .iter()
            .map(|p| p.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        assert_eq!(text, ["abcd", "efgh", "ij"]);
    }

    use super::*;
    use crate::workshop::template::{Dialect, Templated};

    /// `src` parsed and laid out `width` columns wide, nothing run yet.
    fn laid(src: &str, width: u16) -> Laid {
        let (lesson, _) = crate::lesson::parse(
            std::path::Path::new("p.md"),
            src,
            &Templated::identity(src),
            Dialect::Classic,
        );
        let (outcomes, folded, outputs) = (HashMap::new(), Default::default(), HashMap::new());
        let images = HashMap::new();
        let st = ViewState {
            images: &images,
            outputs: &outputs,
            folded: &folded,
            outcomes: &outcomes,
            selected: None,
            now: Instant::now(),
        };
        layout(&lesson, width, &st)
    }

    fn laid_text(src: &str, width: u16) -> Vec<String> {
        laid(src, width)
            .lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn a_table_too_wide_for_the_pane_shows_every_cell_as_a_record() {
        let header = (1..=12).map(|i| format!("h{i}")).collect::<Vec<_>>();
        let row = (1..=12).map(|i| format!("value{i}")).collect::<Vec<_>>();
        let src = format!(
            "| {} |\n|{}\n| {} |\n",
            header.join(" | "),
            "---|".repeat(12),
            row.join(" | ")
        );
        let lines = laid_text(&src, 40);
        assert!(lines.iter().all(|l| l.width() <= 40), "{lines:#?}");
        assert!(lines[0].starts_with("── row 1 of 1 "), "{lines:#?}");
        for i in 1..=12 {
            assert!(lines.contains(&format!("h{i}: value{i}")), "{lines:#?}");
        }
    }

    #[test]
    fn a_line_wider_than_the_pane_ends_in_a_mark() {
        let mut line = Line::raw("abcdefghij");
        mark_cut(&mut line, 6);
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "abcde›");
        // Whatever the content, nothing laid out is wider than the pane.
        let src = format!(
            "# {}\n\n| a | b |\n|---|---|\n| {} | x |\n",
            "w".repeat(90),
            "y".repeat(200)
        );
        assert!(laid_text(&src, 30).iter().all(|l| l.width() <= 30));
    }

    #[test]
    fn link_text_positions_are_recorded() {
        let src = "- See [the docs](https://example.org/docs) for more, and [here](#anchor).\n";
        let laid = laid(src, 40);
        let words: Vec<(&str, usize, usize)> = laid
            .links
            .iter()
            .map(|l| (l.text.as_str(), l.line, l.col))
            .collect();
        // "• See the docs ..." : the link text starts after the bullet and "See ".
        assert_eq!(words, vec![("the", 0, 6), ("docs", 0, 10)]);
        assert!(laid
            .links
            .iter()
            .all(|l| l.url == "https://example.org/docs"));
        let line: String = laid.lines[0]
            .spans
            .iter()
            .map(|s| s.content.as_ref())
            .collect();
        assert_eq!(line.chars().skip(6).take(8).collect::<String>(), "the docs");
    }
}
