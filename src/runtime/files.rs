//! Files of the learner's workspace as editor actions see them: paths confined
//! to the workspace, text selections with Educates' semantics, search.

use std::path::{Component, Path, PathBuf};

use regex::Regex;

use crate::action::TextMatch;

/// Resolve a lesson path (`~/x`, `$HOME/x`, relative to `exercises/`, absolute)
/// and refuse it when it leaves the workspace `home`, unless `allow_outside`.
/// `..` is resolved lexically, and symlinks through the deepest existing ancestor.
pub fn confine(
    home: &Path,
    exercises: &Path,
    path: &str,
    allow_outside: bool,
) -> Result<PathBuf, String> {
    let p = path.trim();
    let raw = if let Some(rest) = p
        .strip_prefix("~/")
        .or_else(|| p.strip_prefix("$HOME/"))
        .or_else(|| p.strip_prefix("${HOME}/"))
    {
        home.join(rest)
    } else if p == "~" || p == "$HOME" {
        home.to_path_buf()
    } else if Path::new(p).is_absolute() {
        PathBuf::from(p)
    } else {
        exercises.join(p)
    };
    let mut clean = PathBuf::new();
    for c in raw.components() {
        match c {
            Component::ParentDir => {
                clean.pop();
            }
            Component::CurDir => {}
            other => clean.push(other),
        }
    }
    if allow_outside {
        return Ok(clean);
    }
    let home_real = home.canonicalize().unwrap_or_else(|_| home.to_path_buf());
    // Follow symlinks as far as the path exists.
    let mut existing = clean.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut real = existing.canonicalize().unwrap_or(existing);
    for name in rest.into_iter().rev() {
        real.push(name);
    }
    if real.starts_with(&home_real) {
        Ok(clean)
    } else {
        Err(format!(
            "`{path}` is outside the workshop's files ({}); start lectern with --allow-outside-files to permit it",
            home.display()
        ))
    }
}

/// A selection in a file: 0-based lines, byte columns; the end is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    pub start: (usize, usize),
    pub end: (usize, usize),
}

impl Selection {
    pub fn lines(&self) -> std::ops::RangeInclusive<usize> {
        let last = if self.end.1 == 0 && self.end.0 > self.start.0 {
            self.end.0 - 1
        } else {
            self.end.0
        };
        self.start.0..=last
    }

    /// Byte range of the selection within `text`.
    pub fn byte_range(&self, text: &str) -> std::ops::Range<usize> {
        let starts = line_starts(text);
        let at = |(l, c): (usize, usize)| {
            starts
                .get(l)
                .map_or(text.len(), |s| (s + c).min(text.len()))
        };
        at(self.start)..at(self.end)
    }
}

pub fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

fn line_col(starts: &[usize], offset: usize) -> (usize, usize) {
    let line = starts.partition_point(|s| *s <= offset).saturating_sub(1);
    (line, offset - starts[line])
}

/// 1-based start / exclusive stop (negative = counted from the end) as a 0-based line range.
pub fn line_range(line_count: usize, start: Option<i64>, stop: Option<i64>) -> (usize, usize) {
    let n = line_count as i64;
    let s = match start {
        Some(s) if s < 0 => (n + s).max(0),
        Some(s) => (s - 1).clamp(0, n),
        None => 0,
    };
    let e = match stop {
        Some(e) if e < 0 => (n + e).max(0),
        Some(e) => (e - 1).clamp(0, n),
        None => n,
    };
    (s as usize, (e.max(s)) as usize)
}

/// The byte range of the first match of `m` in `text[from..to]`, with its group.
pub fn find(
    text: &str,
    m: &TextMatch,
    from: usize,
    to: usize,
) -> Result<Option<std::ops::Range<usize>>, String> {
    let hay = &text[from..to];
    if m.is_regex {
        let re = Regex::new(&m.text)
            .map_err(|e| format!("invalid regular expression `{}`: {e}", m.text))?;
        let Some(caps) = re.captures(hay) else {
            return Ok(None);
        };
        let g = m.group.unwrap_or(0).max(0) as usize;
        let mat = caps.get(g).ok_or_else(|| {
            format!("the expression has no group {g} (or it did not take part in the match)")
        })?;
        Ok(Some(from + mat.start()..from + mat.end()))
    } else {
        Ok(hay.find(&m.text).map(|i| from + i..from + i + m.text.len()))
    }
}

/// `select-matching-text`: the first match, widened to whole lines when `before`
/// or `after` is given (-1 = to the edge of the file). `Ok(None)` = no match.
pub fn select_matching(
    text: &str,
    m: &TextMatch,
    before: Option<i64>,
    after: Option<i64>,
) -> Result<Option<Selection>, String> {
    let starts = line_starts(text);
    let lines = if text.ends_with('\n') {
        starts.len() - 1
    } else {
        starts.len()
    };
    let (l0, l1) = line_range(lines, m.start, m.stop);
    let from = starts.get(l0).copied().unwrap_or(text.len());
    let to = starts.get(l1).copied().unwrap_or(text.len());
    let Some(r) = find(text, m, from, to)? else {
        return Ok(None);
    };
    let (s, e) = (line_col(&starts, r.start), line_col(&starts, r.end));
    if before.is_none() && after.is_none() {
        return Ok(Some(Selection { start: s, end: e }));
    }
    let last = lines.saturating_sub(1);
    let first = match before.unwrap_or(0) {
        b if b < 0 => 0,
        b => s.0.saturating_sub(b as usize),
    };
    // A match ending at a line start ends on the line before.
    let end_line = if e.1 == 0 && e.0 > s.0 { e.0 - 1 } else { e.0 };
    let final_line = match after.unwrap_or(0) {
        a if a < 0 => last,
        a => (end_line + a as usize).min(last),
    };
    Ok(Some(Selection {
        start: (first, 0),
        end: (final_line + 1, 0),
    }))
}

/// `select-lines-in-range`: lines `start..=stop` (1-based).
pub fn select_lines(text: &str, start: i64, stop: Option<i64>) -> Result<Selection, String> {
    let count = text.lines().count();
    let s = start.max(1) as usize;
    let e = stop.unwrap_or(start).max(start) as usize;
    if s > count.max(1) {
        return Err(format!(
            "line {s} is past the end of the file ({count} lines)"
        ));
    }
    Ok(Selection {
        start: (s - 1, 0),
        end: (e.min(count), 0),
    })
}

/// A hit of a search over the exercise files.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub path: PathBuf,
    /// 0-based line and the byte range of the match in it.
    pub line: usize,
    pub cols: std::ops::Range<usize>,
    pub text: String,
}

/// A glob (`*`, `**`, `?`, comma-separated alternatives) as a regex over
/// relative paths; a pattern without `/` also matches in any folder.
pub fn glob_regex(globs: &str) -> Result<Regex, String> {
    let mut alts = Vec::new();
    for g in globs.split(',').map(str::trim).filter(|g| !g.is_empty()) {
        let g = g.trim_start_matches("./");
        let mut re = String::new();
        let mut chars = g.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' if chars.peek() == Some(&'*') => {
                    chars.next();
                    if chars.peek() == Some(&'/') {
                        chars.next();
                        re.push_str("(?:.*/)?");
                    } else {
                        re.push_str(".*");
                    }
                }
                '*' => re.push_str("[^/]*"),
                '?' => re.push_str("[^/]"),
                c => re.push_str(&regex::escape(&c.to_string())),
            }
        }
        // A folder matches everything below it.
        alts.push(format!("(?:.*/)?{re}(?:/.*)?"));
    }
    if alts.is_empty() {
        alts.push(".*".into());
    }
    Regex::new(&format!("^(?:{})$", alts.join("|"))).map_err(|e| e.to_string())
}

const SKIP_DIRS: &[&str] = &[
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    "target",
];

/// `workbench.action.findInFiles`: search files under `root` matching `include`.
pub fn search(
    root: &Path,
    query: &str,
    is_regex: bool,
    include: &str,
    limit: usize,
) -> Result<Vec<Hit>, String> {
    let re = if is_regex {
        Regex::new(query).map_err(|e| format!("invalid regular expression `{query}`: {e}"))?
    } else {
        Regex::new(&regex::escape(query)).map_err(|e| e.to_string())?
    };
    let glob = glob_regex(include)?;
    let mut files = Vec::new();
    collect(root, root, &glob, &mut files);
    files.sort();
    let mut hits = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            if let Some(m) = re.find(line) {
                hits.push(Hit {
                    path: f.clone(),
                    line: i,
                    cols: m.range(),
                    text: line.to_string(),
                });
                if hits.len() >= limit {
                    return Ok(hits);
                }
            }
        }
    }
    Ok(hits)
}

fn collect(root: &Path, dir: &Path, glob: &Regex, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if !SKIP_DIRS.contains(&name.as_str()) {
                collect(root, &p, glob, out);
            }
        } else if ft.is_file() {
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            if glob.is_match(&rel) {
                out.push(p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tm(text: &str, re: bool) -> TextMatch {
        TextMatch {
            text: text.into(),
            is_regex: re,
            group: None,
            start: None,
            stop: None,
        }
    }

    const SRC: &str = "one\ntwo = 2\nthree(x):\nfour\nfive\n";

    #[test]
    fn exact_and_regex_matches() {
        let s = select_matching(SRC, &tm("= 2", false), None, None)
            .unwrap()
            .unwrap();
        assert_eq!(
            s,
            Selection {
                start: (1, 4),
                end: (1, 7)
            }
        );
        let mut m = tm(r"three\((\w)\):", true);
        m.group = Some(1);
        let s = select_matching(SRC, &m, None, None).unwrap().unwrap();
        assert_eq!(&SRC[s.byte_range(SRC)], "x");
        assert_eq!(
            select_matching(SRC, &tm("absent", false), None, None).unwrap(),
            None
        );
        assert!(select_matching(SRC, &tm("(", true), None, None).is_err());
    }

    #[test]
    fn before_and_after_select_whole_lines() {
        let s = select_matching(SRC, &tm("three", false), Some(1), None)
            .unwrap()
            .unwrap();
        assert_eq!(&SRC[s.byte_range(SRC)], "two = 2\nthree(x):\n");
        let s = select_matching(SRC, &tm("two", false), None, Some(-1))
            .unwrap()
            .unwrap();
        assert_eq!(&SRC[s.byte_range(SRC)], "two = 2\nthree(x):\nfour\nfive\n");
        let s = select_matching(SRC, &tm("four", false), Some(-1), Some(0))
            .unwrap()
            .unwrap();
        assert_eq!(&SRC[s.byte_range(SRC)], "one\ntwo = 2\nthree(x):\nfour\n");
        let s = select_matching(SRC, &tm("five", false), Some(0), Some(10))
            .unwrap()
            .unwrap();
        assert_eq!(&SRC[s.byte_range(SRC)], "five\n");
    }

    #[test]
    fn start_and_stop_limit_the_search() {
        let text = "x\nx\nx\nx\n";
        let mut m = tm("x", false);
        m.start = Some(3);
        assert_eq!(
            select_matching(text, &m, None, None)
                .unwrap()
                .unwrap()
                .start,
            (2, 0)
        );
        m.start = Some(-1);
        assert_eq!(
            select_matching(text, &m, None, None)
                .unwrap()
                .unwrap()
                .start,
            (3, 0)
        );
        m.start = Some(1);
        m.stop = Some(1);
        assert_eq!(select_matching(text, &m, None, None).unwrap(), None);
    }

    #[test]
    fn confinement_refuses_escapes() {
        let d = tempfile::tempdir().unwrap();
        let home = d.path().join("ws");
        let ex = home.join("exercises");
        std::fs::create_dir_all(&ex).unwrap();
        assert!(confine(&home, &ex, "~/exercises/a.py", false).is_ok());
        assert_eq!(confine(&home, &ex, "a.py", false).unwrap(), ex.join("a.py"));
        assert!(confine(&home, &ex, "../../etc/passwd", false).is_err());
        assert!(confine(&home, &ex, "/etc/passwd", false).is_err());
        std::os::unix::fs::symlink("/etc", ex.join("link")).unwrap();
        assert!(confine(&home, &ex, "link/passwd", false).is_err());
        assert!(confine(&home, &ex, "/etc/passwd", true).is_ok());
    }

    #[test]
    fn globs_and_search() {
        let g = glob_regex("hello-world-v4/metrics.py").unwrap();
        assert!(g.is_match("hello-world-v4/metrics.py"));
        assert!(!g.is_match("hello-world-v5/metrics.py"));
        let g = glob_regex("*.py, docs/**").unwrap();
        assert!(g.is_match("a/b/c.py") && g.is_match("docs/x/y.md") && !g.is_match("a.txt"));
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("v4")).unwrap();
        std::fs::write(
            d.path().join("v4/metrics.py"),
            "import x\ndef record_metric(a, b):\n    pass\n",
        )
        .unwrap();
        let hits = search(
            d.path(),
            r"def record_metric\(.*\):",
            true,
            "v4/metrics.py",
            100,
        )
        .unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].line, 1);
    }
}
