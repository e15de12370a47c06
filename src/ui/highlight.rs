//! Syntax highlighting with syntect. Its syntax and theme sets take a while to
//! load, so they load on a background thread after the first frame; until then
//! code is drawn plain, and the app redraws once they are ready.
//!
//! Highlighting is slow too (a 2,000-line listing takes a good part of a
//! second), so results are cached by content, and in the app a long text is
//! highlighted on a worker thread: it shows plain until its colours are ready,
//! and keys are never kept waiting for it.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use ratatui::style::{Color, Style};
use ratatui::text::Span;
use syntect::easy::HighlightLines;
use syntect::highlighting::{Theme, ThemeSet};
use syntect::parsing::{SyntaxReference, SyntaxSet};

pub struct Highlighter {
    syntaxes: SyntaxSet,
    theme: Theme,
}

/// Coloured lines: one list of spans per line of the text.
pub type Lines = Vec<Vec<Span<'static>>>;

static LOADED: OnceLock<Highlighter> = OnceLock::new();
static STARTED: OnceLock<()> = OnceLock::new();
/// Called when colours became ready in the background (set by `start_loading`).
static WAKE: OnceLock<Box<dyn Fn() + Send + Sync>> = OnceLock::new();
/// Counts results finished in the background: a layout that used plain text
/// is out of date once this moved.
static FINISHED: AtomicU64 = AtomicU64::new(0);

/// Texts up to this many lines are highlighted at once, where they are asked for.
const AT_ONCE_LINES: usize = 200;
/// How many highlighted texts are kept.
const CACHE_ENTRIES: usize = 64;

#[derive(Default)]
struct Cache {
    done: HashMap<u64, Option<Arc<Lines>>>,
    pending: HashSet<u64>,
}

fn cache() -> &'static Mutex<Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn load() -> Highlighter {
    let syntaxes = SyntaxSet::load_defaults_newlines();
    let mut themes = ThemeSet::load_defaults();
    let theme = themes
        .themes
        .remove("base16-ocean.dark")
        .unwrap_or_default();
    Highlighter { syntaxes, theme }
}

/// Start loading once, and highlight long texts in the background from then
/// on; `ready` is called (on a worker thread) whenever new colours are ready.
pub fn start_loading(ready: impl Fn() + Send + Sync + 'static) {
    if STARTED.set(()).is_err() {
        return;
    }
    let _ = WAKE.set(Box::new(ready));
    std::thread::spawn(move || {
        let _ = LOADED.set(load());
        wake();
    });
}

fn wake() {
    FINISHED.fetch_add(1, Ordering::AcqRel);
    if let Some(w) = WAKE.get() {
        w();
    }
}

/// Load now, on this thread (tests, and the first use without a screen).
pub fn load_now() -> &'static Highlighter {
    LOADED.get_or_init(load)
}

pub fn get() -> Option<&'static Highlighter> {
    LOADED.get()
}

/// Changes whenever colours became ready in the background (or the
/// highlighter itself did): lay out again when it moved.
pub fn generation() -> u64 {
    FINISHED.load(Ordering::Acquire)
}

impl Highlighter {
    /// `text` highlighted as `token`, from the cache or made now; a long text
    /// in the app is made on a worker thread instead, and None is returned
    /// until it is ready (the caller draws it plain meanwhile). None too when
    /// the language is unknown.
    pub fn cached(&'static self, token: &str, text: &str) -> Option<Arc<Lines>> {
        let key = {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (token, text).hash(&mut h);
            h.finish()
        };
        let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(done) = c.done.get(&key) {
            return done.clone();
        }
        self.syntax(token)?;
        let long = text.lines().nth(AT_ONCE_LINES).is_some();
        if !long || WAKE.get().is_none() {
            drop(c);
            let lines = self.lines(token, text).map(Arc::new);
            remember(key, lines.clone());
            return lines;
        }
        if c.pending.insert(key) {
            let (token, text) = (token.to_string(), text.to_string());
            std::thread::spawn(move || {
                let lines = self.lines(&token, &text).map(Arc::new);
                remember(key, lines);
                wake();
            });
        }
        None
    }

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
    pub fn lines(&self, token: &str, text: &str) -> Option<Lines> {
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

fn remember(key: u64, lines: Option<Arc<Lines>>) {
    let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
    if c.done.len() >= CACHE_ENTRIES {
        c.done.clear();
    }
    c.pending.remove(&key);
    c.done.insert(key, lines);
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

    #[test]
    fn a_text_is_highlighted_once_and_then_comes_from_the_cache() {
        let h = load_now();
        let text = "x = 1\n".repeat(50);
        let first = h.cached("python", &text).unwrap();
        let again = h.cached("python", &text).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(first.len(), 50);
        assert!(h.cached("no-such-language", "x").is_none());
    }
}
