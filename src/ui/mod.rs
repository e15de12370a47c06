//! Widgets and layout: each draws values it is given, never changes them.
//! `app::draw` puts them together from the app's state.

pub mod dashboard_view;
pub mod editor_view;
pub mod highlight;
pub mod keys;
pub mod lesson_view;
pub mod no_color;

use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::widgets::{Block, BorderType, Borders};

/// Every key, for the help overlay (and the README).
pub const KEYS: &[(&str, &str)] = &[
    ("In the lesson", ""),
    ("Tab / Shift-Tab", "select the next / previous action"),
    ("Enter, click", "run the selected action"),
    ("↑ ↓ j k, wheel", "scroll"),
    ("PgUp PgDn Space", "scroll a page"),
    ("Home End g G", "top / bottom of the page"),
    ("n →  /  p ←", "next / previous page"),
    ("l", "list of pages (Enter jumps)"),
    ("y", "copy the selected action's text (OSC 52)"),
    ("1-9", "focus terminal N"),
    ("t, click", "focus what is shown on the right"),
    ("[ ]", "previous / next tab: terminals, Editor, dashboards"),
    ("e", "edit the editor's file in $VISUAL / $EDITOR"),
    ("L", "setup script logs"),
    ("T", "what this workshop runs; trust it"),
    ("z / Z", "zoom the lesson / the right side (toggle)"),
    ("F11", "zoom the focused pane, from any focus"),
    ("?", "this help"),
    ("q", "quit (asks while commands run)"),
    ("In present mode", ""),
    ("Enter", "type the command at a person's pace"),
    ("f", "finish typing the command at once"),
    ("s", "pause typing / go on"),
    ("In a terminal", ""),
    ("any key", "goes to the terminal, Ctrl-C and Esc too"),
    ("Ctrl-]", "back to the lesson"),
    ("Shift-PgUp/PgDn, wheel", "scroll back through output"),
    ("In the editor", ""),
    ("↑ ↓ PgUp PgDn, wheel", "scroll (search results: choose)"),
    ("Enter", "open the chosen search result"),
    ("u", "undo lectern's last change to this file"),
    ("e", "edit the file in $VISUAL / $EDITOR"),
    ("Esc, Ctrl-]", "back to the lesson"),
    ("On a dashboard", ""),
    ("- z / + Z", "zoom the time range out / in"),
    ("← →", "move the time range back / forward"),
    ("5 f h", "the last 5 minutes / 15 minutes / hour"),
    ("r", "auto-refresh off / on"),
    ("Tab / Shift-Tab", "select the next / previous panel"),
    ("Enter, v", "the selected panel full screen (Esc: back)"),
    ("↑ ↓ PgUp PgDn, wheel", "scroll the panels"),
    ("Esc, Ctrl-]", "back to the lesson"),
];

/// A pane's frame: thick and in its accent colour when focused, rounded and grey otherwise.
pub fn pane(focused: bool, accent: Color) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(Style::default().fg(if focused { accent } else { Color::DarkGray }))
}

pub fn layout(area: Rect, term_count: usize) -> (Rect, Rect, Rect) {
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Min(3), Constraint::Length(1)])
        .split(area);
    let main = rows[0];
    if term_count == 0 {
        return (main, Rect::default(), rows[1]);
    }
    let split = if main.width >= 110 {
        Layout::default()
            .direction(Direction::Horizontal)
            .constraints([Constraint::Percentage(45), Constraint::Percentage(55)])
            .split(main)
    } else {
        Layout::default()
            .direction(Direction::Vertical)
            .constraints([Constraint::Percentage(45), Constraint::Percentage(55)])
            .split(main)
    };
    (split[0], split[1], rows[1])
}

/// Place the terminal panes: all stacked when each gets 8 rows, else the active one.
pub fn term_areas(area: Rect, ids: &[usize], active: usize) -> (Rect, Vec<(usize, Rect)>) {
    if area.height < 3 || ids.is_empty() {
        return (Rect::default(), Vec::new());
    }
    let tabs = Rect { height: 1, ..area };
    let body = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    if ids.len() > 1 && usize::from(body.height) / ids.len() >= 8 {
        let parts = Layout::default()
            .direction(Direction::Vertical)
            .constraints(
                ids.iter()
                    .map(|_| Constraint::Ratio(1, ids.len() as u32))
                    .collect::<Vec<_>>(),
            )
            .split(body);
        (
            tabs,
            ids.iter().copied().zip(parts.iter().copied()).collect(),
        )
    } else {
        (tabs, vec![(active, body)])
    }
}
