//! Search over the learner's exercise files (paths themselves are confined
//! by `crate::paths`).

use std::path::{Path, PathBuf};

use regex::Regex;

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
