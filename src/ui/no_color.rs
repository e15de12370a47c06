//! NO_COLOR (https://no-color.org): when it is set and not empty, the screen
//! is drawn without colour. One pass over the finished frame does it, so no
//! widget needs to know.

use std::ffi::OsStr;
use std::sync::OnceLock;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};

/// Whether colour is off for this process (read once: the environment does
/// not change under a running app).
pub fn enabled() -> bool {
    static OFF: OnceLock<bool> = OnceLock::new();
    *OFF.get_or_init(|| is_set(std::env::var_os("NO_COLOR").as_deref()))
}

/// The convention: present and not empty.
pub fn is_set(value: Option<&OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

/// Take every colour out of `buf`. A cell drawn on a background colour (a
/// selected item, a highlight, the status line) is shown in reverse video
/// instead, so it still stands out; bold, underline and the rest stay. A
/// black background is the screen's own dark one, not a highlight.
pub fn strip(buf: &mut Buffer) {
    for cell in &mut buf.content {
        let mut modifier = cell.modifier;
        if !matches!(cell.bg, Color::Reset | Color::Black) {
            modifier.insert(Modifier::REVERSED);
        }
        cell.set_style(Style::reset());
        cell.modifier = modifier;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    #[test]
    fn set_means_present_and_not_empty() {
        assert!(!is_set(None));
        assert!(!is_set(Some(OsStr::new(""))));
        assert!(is_set(Some(OsStr::new("1"))));
        assert!(is_set(Some(OsStr::new("false"))));
    }

    #[test]
    fn colours_go_highlights_stay_visible() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 1));
        buf[(0, 0)].set_style(
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
        );
        buf[(1, 0)].set_style(Style::default().fg(Color::Black).bg(Color::Cyan));
        buf[(2, 0)].set_style(Style::default().fg(Color::Green).bg(Color::Black));
        buf[(3, 0)].set_style(Style::default().add_modifier(Modifier::REVERSED));
        strip(&mut buf);
        for x in 0..4 {
            assert_eq!(
                (buf[(x, 0)].fg, buf[(x, 0)].bg),
                (Color::Reset, Color::Reset)
            );
        }
        assert_eq!(buf[(0, 0)].modifier, Modifier::BOLD);
        assert_eq!(buf[(1, 0)].modifier, Modifier::REVERSED);
        assert_eq!(buf[(2, 0)].modifier, Modifier::empty());
        assert_eq!(buf[(3, 0)].modifier, Modifier::REVERSED);
    }
}
