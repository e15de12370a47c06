//! The editor view: the current file with line numbers, its selection and the
//! lines lectern just changed; or the results of a search.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::engine::editor::Editor;
use crate::sanitize::clean;

fn title_of(path: &std::path::Path, root: &std::path::Path) -> String {
    clean(
        &path
            .strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string(),
    )
}

/// `colours`: the current file's lines highlighted, when available.
pub fn draw(
    f: &mut Frame,
    area: Rect,
    ed: &Editor,
    root: &std::path::Path,
    focused: bool,
    colours: Option<&[Vec<Span<'static>>]>,
) {
    let hint = if focused {
        " ↑↓ scroll · u undo · e $EDITOR · Ctrl-] lesson "
    } else {
        " t focuses the editor "
    };
    let block = |title: String| {
        crate::ui::pane(focused, Color::Green)
            .title(title)
            .title_bottom(Line::styled(hint, Style::default().fg(Color::DarkGray)))
    };
    if ed.show_search {
        if let Some(s) = &ed.search {
            let mut lines = vec![Line::styled(
                format!(
                    "{} result{} for /{}/ in {}",
                    s.hits.len(),
                    if s.hits.len() == 1 { "" } else { "s" },
                    clean(&s.query),
                    clean(&s.include)
                ),
                Style::default().fg(Color::Cyan),
            )];
            for (i, h) in s.hits.iter().enumerate() {
                let sel = i == s.selected;
                let base = if sel {
                    Style::default().add_modifier(Modifier::REVERSED)
                } else {
                    Style::default()
                };
                let text = &h.text;
                let (a, b) = (h.cols.start.min(text.len()), h.cols.end.min(text.len()));
                lines.push(Line::from(vec![
                    Span::styled(
                        format!(
                            "{} {}:{}: ",
                            if sel { "▶" } else { " " },
                            title_of(&h.path, root),
                            h.line + 1
                        ),
                        base.fg(Color::Blue),
                    ),
                    Span::styled(clean(&text[..a]).replace('\t', "    "), base),
                    Span::styled(clean(&text[a..b]), base.fg(Color::Black).bg(Color::Yellow)),
                    Span::styled(clean(&text[b..]).replace('\t', "    "), base),
                ]));
            }
            lines.push(Line::styled(
                "Enter opens the selected hit",
                Style::default().fg(Color::DarkGray),
            ));
            f.render_widget(Paragraph::new(lines).block(block(" Search ".into())), area);
            return;
        }
    }
    let Some(file) = ed.current() else {
        let p = Paragraph::new("No file is open. Editor actions in the lesson open files here.")
            .block(block(" Editor ".into()));
        f.render_widget(p, area);
        return;
    };
    let names: Vec<String> = ed
        .files
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let n = o
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if i == ed.active {
                format!("[{}]", clean(&n))
            } else {
                clean(&n)
            }
        })
        .collect();
    let title = format!(" {} · {} ", title_of(&file.path, root), names.join(" "));
    let inner_h = usize::from(area.height.saturating_sub(2));
    let lines: Vec<&str> = file.text.lines().collect();
    let digits = lines.len().max(1).to_string().len();
    let sel_lines = file.selection.map(|s| s.lines());
    let mut out = Vec::new();
    for (i, raw) in lines.iter().enumerate().skip(file.scroll).take(inner_h) {
        let selected = sel_lines.as_ref().is_some_and(|r| r.contains(&i));
        let changed = file.changed.as_ref().is_some_and(|r| r.contains(&i));
        // A mark in the gutter as well as colour: visible on any terminal.
        let mark = if changed {
            "+"
        } else if selected {
            "▌"
        } else {
            " "
        };
        let gutter_style = if changed {
            Style::default().fg(Color::Green)
        } else if selected {
            Style::default().fg(Color::Yellow)
        } else {
            Style::default().fg(Color::DarkGray)
        };
        let mut spans = vec![
            Span::styled(format!("{:>digits$}{mark}", i + 1), gutter_style),
            Span::raw(" "),
        ];
        let text = raw.strip_suffix('\r').unwrap_or(raw);
        let hl = Style::default()
            .bg(Color::Rgb(70, 70, 20))
            .add_modifier(Modifier::BOLD);
        match file.selection {
            Some(s) if selected => {
                // Within the selected lines, highlight exactly the selected bytes.
                let start = if i == s.start.0 {
                    s.start.1.min(text.len())
                } else {
                    0
                };
                let end = if i == s.end.0 {
                    s.end.1.min(text.len())
                } else {
                    text.len()
                };
                let (start, end) = (floor(text, start), floor(text, end.max(start)));
                spans.push(Span::raw(clean(&text[..start]).replace('\t', "    ")));
                spans.push(Span::styled(
                    clean(&text[start..end]).replace('\t', "    "),
                    hl,
                ));
                spans.push(Span::raw(clean(&text[end..]).replace('\t', "    ")));
            }
            _ if changed => spans.push(Span::styled(
                clean(text).replace('\t', "    "),
                Style::default().fg(Color::Green),
            )),
            _ => match colours.and_then(|c| c.get(i)) {
                Some(coloured) => spans.extend(coloured.iter().cloned()),
                None => spans.push(Span::raw(clean(text).replace('\t', "    "))),
            },
        }
        out.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(out).block(block(title)), area);
}

fn floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
