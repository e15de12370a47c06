//! Syntax highlighting with syntect. Its syntax and theme sets take a while to
//! load, so they load on a background thread after the first frame; until then
//! code is drawn plain, and the app redraws once they are ready.

use std::sync::OnceLock;

use ratatui::style::{Color, Style};
use ratatui::text::Span;
use syntect::easy::HighlightLines;
use syntect::highlighting::{Theme, ThemeSet};
use syntect::parsing::{SyntaxReference, SyntaxSet};

pub struct Highlighter {
    syntaxes: SyntaxSet,
    theme: Theme,
}

static LOADED: OnceLock<Highlighter> = OnceLock::new();
static STARTED: OnceLock<()> = OnceLock::new();

/// Start loading once; `ready` is called (on the loading thread) when done.
pub fn start_loading(ready: impl FnOnce() + Send + 'static) {
    if STARTED.set(()).is_err() {
        return;
    }
    std::thread::spawn(move || {
        let syntaxes = SyntaxSet::load_defaults_newlines();
        let mut themes = ThemeSet::load_defaults();
        let theme = themes
            .themes
            .remove("base16-ocean.dark")
            .unwrap_or_default();
        let _ = LOADED.set(Highlighter { syntaxes, theme });
        ready();
    });
}

/// Load now, on this thread (tests, and the first use without a screen).
pub fn load_now() -> &'static Highlighter {
    LOADED.get_or_init(|| {
        let syntaxes = SyntaxSet::load_defaults_newlines();
        let mut themes = ThemeSet::load_defaults();
        let theme = themes
            .themes
            .remove("base16-ocean.dark")
            .unwrap_or_default();
        Highlighter { syntaxes, theme }
    })
}

pub fn get() -> Option<&'static Highlighter> {
    LOADED.get()
}

impl Highlighter {
    fn syntax(&self, token: &str) -> Option<&SyntaxReference> {
        let t = token.trim().to_ascii_lowercase();
        let t = match t.as_str() {
            "shell" | "console" | "terminal" | "zsh" => "bash",
            "yml" => "yaml",
            "py" | "python3" => "python",
            "promql" => "",
            other => other,
        };
        if t.is_empty() {
            return None;
        }
        self.syntaxes.find_syntax_by_token(t)
    }

    /// Highlight `text` as language `token` (a fence's info word or a file
    /// extension): one list of coloured spans per line, or None when unknown.
    pub fn lines(&self, token: &str, text: &str) -> Option<Vec<Vec<Span<'static>>>> {
        let syntax = self.syntax(token)?;
        let mut h = HighlightLines::new(syntax, &self.theme);
        let mut out = Vec::new();
        for line in syntect::util::LinesWithEndings::from(text) {
            let ranges = h.highlight_line(line, &self.syntaxes).ok()?;
            let spans = ranges
                .into_iter()
                .map(|(style, piece)| {
                    let c = style.foreground;
                    let piece = crate::sanitize::clean(piece.trim_end_matches(['\n', '\r']))
                        .replace('\t', "    ");
                    Span::styled(piece, Style::default().fg(Color::Rgb(c.r, c.g, c.b)))
                })
                .collect();
            out.push(spans);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_languages_get_colours_and_unknown_ones_none() {
        let h = load_now();
        let lines = h.lines("python", "def f(x):\n    return x\n").unwrap();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].len() > 1, "{:?}", lines[0]);
        assert!(h.lines("no-such-language", "x").is_none());
        assert!(h.lines("yaml", "a: 1\n").is_some());
        // Escapes in code never reach the screen.
        let l = h.lines("bash", "echo \u{1b}[2J\n").unwrap();
        assert!(l[0].iter().all(|s| crate::sanitize::is_clean(&s.content)));
    }
}
