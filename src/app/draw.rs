//! The screen, put together from the app's state with the widgets of `ui`.
//! Reads the state, never changes it.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;
use tui_term::widget::PseudoTerminal;

use super::{App, Areas, Focus, Overlay, View};
use crate::sanitize::clean_line;
use crate::ui::{dashboard_view, editor_view, no_color, pane, KEYS};

/// The services' and setup scripts' logs as shown behind `L` (read by
/// `App::prepare`, not while drawing).
pub fn log_lines(app: &App) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let head = |t: String| Line::styled(t, Style::default().fg(Color::Cyan));
    for s in &app.engine.rt.services.list {
        lines.push(head(format!(
            "── service {} ({:?})",
            clean_line(&s.spec.title),
            s.state
        )));
        let text = crate::runtime::tail::of_file(&s.log, 64 * 1024);
        let all: Vec<&str> = text.lines().collect();
        lines.extend(
            all[all.len().saturating_sub(40)..]
                .iter()
                .map(|l| Line::raw(clean_line(l))),
        );
    }
    for s in &app.engine.rt.setup.scripts {
        lines.push(head(format!("── {} ({:?})", clean_line(&s.name), s.state)));
        let text = crate::runtime::tail::of_file(&s.log, 64 * 1024);
        lines.extend(text.lines().map(|l| Line::raw(clean_line(l))));
    }
    lines
}

pub fn draw(f: &mut Frame, app: &App) {
    let areas: &Areas = &app.areas;
    draw_lesson(f, app, areas);
    draw_terminals(f, app, areas);
    draw_status(f, app, areas.status);
    if let Some(o) = &app.overlay {
        draw_overlay(f, app, o);
    }
    if no_color::enabled() {
        no_color::strip(f.buffer_mut());
    }
}

fn draw_lesson(f: &mut Frame, app: &App, areas: &Areas) {
    let focused = app.focus == Focus::Lesson;
    let title = format!(
        " {} ",
        clean_line(app.engine.current_page().map_or("", |p| p.title.as_str()))
    );
    let block = pane(focused, Color::Cyan).title(Span::styled(
        title,
        Style::default().add_modifier(Modifier::BOLD),
    ));
    let h = usize::from(areas.lesson_inner.height);
    let lines: Vec<Line> = app
        .laid
        .lines
        .iter()
        .skip(app.scroll)
        .take(h)
        .cloned()
        .collect();
    f.render_widget(Paragraph::new(lines).block(block), areas.lesson);
    // Images over the lines kept for them, when all of them are in sight.
    let inner = areas.lesson_inner;
    for i in &app.laid.images {
        if i.line < app.scroll || i.line + usize::from(i.rows) > app.scroll + h {
            continue;
        }
        let Some(p) = app.images.drawn.get(&(i.url.clone(), i.cols, i.rows)) else {
            continue;
        };
        let room = inner.width.saturating_sub(i.col as u16);
        let r = Rect {
            x: inner.x + i.col as u16,
            y: inner.y + (i.line - app.scroll) as u16,
            width: i.cols.min(room),
            height: i.rows,
        };
        // The image's name, written under it, goes with the rest of its lines.
        f.render_widget(Clear, Rect { width: room, ..r });
        f.render_widget(ratatui_image::Image::new(p), r);
    }
    // A content error after a live reload: said over the lesson until fixed.
    if let Some(b) = &app.banner {
        let r = Rect {
            height: 1,
            ..areas.lesson_inner
        };
        f.render_widget(
            Paragraph::new(format!(" ✗ {}", clean_line(b)))
                .style(Style::default().fg(Color::White).bg(Color::Red)),
            r,
        );
    }
    // Scroll position and the page's way on.
    if app.laid.lines.len() > h && areas.lesson.width > 20 {
        let pct = (app.scroll + h) * 100 / app.laid.lines.len().max(1);
        let txt = format!(" {}% ", pct.min(100));
        let r = Rect {
            x: areas.lesson.x + areas.lesson.width - txt.len() as u16 - 2,
            y: areas.lesson.y + areas.lesson.height - 1,
            width: txt.len() as u16,
            height: 1,
        };
        f.render_widget(
            Paragraph::new(txt).style(Style::default().fg(Color::DarkGray)),
            r,
        );
    }
}

fn draw_terminals(f: &mut Frame, app: &App, areas: &Areas) {
    if areas.tabs.height > 0 {
        let current = app.current_tab();
        let mut spans = Vec::new();
        for t in app.tabs() {
            let style = if t == current {
                Style::default().fg(Color::Black).bg(Color::Cyan)
            } else {
                Style::default().fg(Color::Gray)
            };
            spans.push(Span::styled(
                format!(" {} ", clean_line(&app.tab_label(t))),
                style,
            ));
            spans.push(Span::raw(" "));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), areas.tabs);
    }
    let focused_view = app.focus == Focus::View;
    match app.view {
        View::Editor => {
            let colours = app
                .highlighted
                .as_ref()
                .filter(|(p, _, _)| app.engine.editor.current().is_some_and(|f| f.path == *p))
                .map(|(_, _, l)| l.as_slice());
            editor_view::draw(
                f,
                areas.view,
                &app.engine.editor,
                &app.engine.ws.root,
                focused_view,
                colours,
            )
        }
        View::Dashboard(i) => {
            if let Some(tab) = app.engine.dashboards.get(i) {
                let drawn = app.dash_drawn.as_ref().filter(|d| d.tab() == i);
                let view = app.dash_view(i);
                dashboard_view::draw_prepared(f, areas.view, tab, focused_view, &view, drawn);
            }
        }
        View::Terminals => {}
    }
    for (id, area) in &areas.terms {
        let Some(t) = app.engine.rt.terminals.get(*id) else {
            continue;
        };
        let focused = app.focus == Focus::Terminal(*id);
        let Some(screen) = app.screens.get(id) else {
            continue;
        };
        // Output arriving while scrolled back moves the offset (the view stays).
        let scrolled = screen.scrollback();
        let mut title = format!(" Terminal {} ", clean_line(&t.name));
        if scrolled > 0 {
            title.push_str(&format!("[scrolled back {scrolled}] "));
        }
        if t.has_exited() {
            title.push_str("[exited] ");
        }
        let block = pane(focused, Color::Green).title(title);
        let mut widget = PseudoTerminal::new(screen).block(block);
        if !focused {
            let mut c = tui_term::widget::Cursor::default();
            c.hide();
            widget = widget.cursor(c);
        }
        f.render_widget(widget, *area);
    }
}

fn draw_status(f: &mut Frame, app: &App, area: Rect) {
    let focus = match app.focus {
        Focus::Lesson => "lesson".to_string(),
        Focus::Terminal(id) => format!(
            "terminal {}",
            app.engine
                .rt
                .terminals
                .get(id)
                .map_or("?", |t| t.name.as_str())
        ),
        Focus::View => app.tab_label(app.current_tab()).to_lowercase(),
    };
    let page = app.engine.current_page();
    let next = page
        .and_then(|p| p.exit_sign.clone())
        .unwrap_or_else(|| "Continue".into());
    let hint = match app.focus {
        Focus::Lesson if app.present && app.engine.typing() => {
            if app.engine.typing_paused() {
                "typing paused · s go on · f finish".to_string()
            } else {
                "typing · f finish · s pause".to_string()
            }
        }
        Focus::Lesson => format!("? help · Tab action · Enter run · n {next} · q quit"),
        Focus::Terminal(_) | Focus::View => "Ctrl-] back to the lesson".to_string(),
    };
    let message = app
        .notice
        .clone()
        .or_else(|| app.engine.rt.services.summary())
        .or_else(|| {
            app.engine
                .rt
                .services
                .page_notice(page.map_or("", |p| p.name.as_str()))
        })
        .or_else(|| app.engine.rt.setup.summary())
        .or_else(|| app.engine.lock_reason());
    let left = format!(
        " {} │ {}/{} {} │ {} ",
        clean_line(&app.engine.ws.title),
        app.engine.page + 1,
        app.engine.page_count(),
        clean_line(page.map_or("", |p| p.title.as_str())),
        focus
    );
    let room = usize::from(area.width).saturating_sub(left.chars().count() + 1);
    let hint = if hint.chars().count() > room {
        match app.focus {
            Focus::Lesson => "? help · q quit".to_string(),
            Focus::Terminal(_) | Focus::View => "Ctrl-] lesson".to_string(),
        }
    } else {
        hint
    };
    let mut spans = vec![Span::styled(
        left,
        Style::default().fg(Color::Black).bg(Color::Cyan),
    )];
    match message {
        Some(m) => spans.push(Span::styled(
            format!(" {} ", clean_line(&m)),
            Style::default().fg(Color::Yellow),
        )),
        None => spans.push(Span::styled(
            format!(" {hint}"),
            Style::default().fg(Color::Gray),
        )),
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2)).max(10);
    let h = h.min(area.height.saturating_sub(2)).max(3);
    Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h,
    }
}

fn draw_overlay(f: &mut Frame, app: &App, o: &Overlay) {
    let area = f.area();
    let (title, lines, w, h): (&str, Vec<Line>, u16, u16) = match o {
        Overlay::Help { scroll } => {
            let lines: Vec<Line> = KEYS
                .iter()
                .skip(*scroll)
                .map(|(k, d)| {
                    if d.is_empty() {
                        Line::styled(
                            k.to_string(),
                            Style::default()
                                .fg(Color::Cyan)
                                .add_modifier(Modifier::BOLD),
                        )
                    } else {
                        Line::from(vec![
                            Span::styled(format!("  {k:<24}"), Style::default().fg(Color::Yellow)),
                            Span::raw(d.to_string()),
                        ])
                    }
                })
                .collect();
            let h = KEYS.len() as u16 + 2;
            let title = if h > area.height.saturating_sub(2) {
                " Keys (↑↓ for more, Esc closes) "
            } else {
                " Keys (Esc closes) "
            };
            (title, lines, 72, h)
        }
        Overlay::Pages { selected } => {
            let lines = app
                .engine
                .ws
                .pages
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    use crate::engine::PageStatus;
                    let mark = if i == app.engine.page { "●" } else { " " };
                    let (status, color) = match app.page_marks.get(i) {
                        Some(PageStatus::Done) => ("✓", Color::Green),
                        Some(PageStatus::Failed) => ("✗", Color::Red),
                        Some(PageStatus::Begun) => ("◐", Color::Yellow),
                        Some(PageStatus::Unvisited) | None => ("·", Color::DarkGray),
                    };
                    let row = format!(" {:>2}. {}", i + 1, clean_line(&p.title));
                    if i == *selected {
                        let sel = Style::default().fg(Color::Black).bg(Color::Cyan);
                        Line::styled(format!(" {mark} {status}{row}"), sel)
                    } else {
                        Line::from(vec![
                            Span::raw(format!(" {mark} ")),
                            Span::styled(status, Style::default().fg(color)),
                            Span::raw(row),
                        ])
                    }
                })
                .collect::<Vec<_>>();
            let h = lines.len() as u16 + 2;
            (
                " Pages: ✓ done ✗ failed ◐ begun · not yet (Enter opens) ",
                lines,
                64,
                h,
            )
        }
        Overlay::ConfirmQuit { busy } => (
            " Quit? ",
            vec![
                Line::raw(format!(
                    "Commands are still running in terminal {}.",
                    busy.join(", ")
                )),
                Line::raw("Quitting stops them and everything they started."),
                Line::raw(""),
                Line::styled(
                    "y / Enter: quit      n / Esc: stay",
                    Style::default().fg(Color::Yellow),
                ),
            ],
            60,
            6,
        ),
        Overlay::Consent { scroll, lines } => {
            let mut shown: Vec<Line> = lines
                .iter()
                .skip(*scroll)
                .map(|l| {
                    if l.starts_with('■') {
                        Line::styled(
                            clean_line(l),
                            Style::default()
                                .fg(Color::Cyan)
                                .add_modifier(Modifier::BOLD),
                        )
                    } else {
                        Line::raw(clean_line(l))
                    }
                })
                .collect();
            if shown.is_empty() {
                shown.push(Line::raw(""));
            }
            (
                " Trust this workshop? y: yes, run it · n: no, read-only · ↑↓ PgUp PgDn: read ",
                shown,
                area.width.saturating_sub(4),
                area.height.saturating_sub(4),
            )
        }
        Overlay::Input {
            prompt,
            value,
            target,
        } => (
            target.title(),
            vec![
                Line::raw(clean_line(prompt)),
                Line::styled(
                    format!("> {}▏", clean_line(value)),
                    Style::default().fg(Color::Yellow),
                ),
                Line::raw(""),
                Line::styled(
                    "Enter: accept      Esc: cancel",
                    Style::default().fg(Color::DarkGray),
                ),
            ],
            70,
            6,
        ),
        Overlay::SetupLog { scroll } => {
            let mut lines: Vec<Line> = app.logs.1.clone();
            if lines.is_empty() {
                lines.push(Line::raw("This workshop has no services or setup scripts."));
            }
            let lines = lines.into_iter().skip(*scroll).collect();
            (
                " Services and setup logs (↑↓ scroll, Esc closes) ",
                lines,
                area.width.saturating_sub(4),
                area.height.saturating_sub(4),
            )
        }
    };
    let r = centered(area, w, h);
    f.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(Style::default().fg(Color::Yellow))
        .title(title);
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        r,
    );
}
