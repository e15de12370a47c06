//! Diagnostics about workshop content: where (file, line, column), how bad, and what to do.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What kind of problem, for tools that act on some kinds (`lectern test`
/// fails on content it would have to guess about).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    #[default]
    Other,
    UnknownAction,
    UnknownField,
    /// A compose service's image that only a container engine runs:
    /// `lectern test` gives that service its own verdict instead.
    NeedsContainerEngine,
}

impl Code {
    fn is_other(&self) -> bool {
        *self == Code::Other
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    #[serde(skip_serializing_if = "Code::is_other")]
    pub code: Code,
    pub file: PathBuf,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based, in characters; 0 when unknown.
    pub column: usize,
    pub message: String,
    /// What the author can do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The offending source line, for the caret display.
    #[serde(skip)]
    pub source_line: Option<String>,
}

impl Diagnostic {
    pub fn new(severity: Severity, file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code: Code::Other,
            file: file.into(),
            line: 0,
            column: 0,
            message: message.into(),
            help: None,
            source_line: None,
        }
    }

    pub fn error(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, file, message)
    }

    pub fn warning(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, file, message)
    }

    /// Place the diagnostic at a 1-based line and column of `source`, keeping the line for display.
    pub fn at(mut self, source: &str, line: usize, column: usize) -> Self {
        self.line = line;
        self.column = column.max(1);
        self.source_line = source
            .lines()
            .nth(line.saturating_sub(1))
            .map(str::to_owned);
        self
    }

    /// Place the diagnostic at a byte offset of `source`.
    pub fn at_offset(self, source: &str, offset: usize) -> Self {
        let (line, column) = line_col(source, offset);
        self.at(source, line, column)
    }

    /// `at_offset` with the source's line index at hand (no rescanning).
    pub fn at_indexed(mut self, index: &LineIndex, source: &str, offset: usize) -> Self {
        let (line, column) = index.line_col(source, offset);
        self.line = line;
        self.column = column;
        self.source_line = index.line(source, line).map(str::to_owned);
        self
    }

    /// `at` with the source's line index at hand.
    pub fn at_line(mut self, index: &LineIndex, source: &str, line: usize, column: usize) -> Self {
        self.line = line;
        self.column = column.max(1);
        self.source_line = index.line(source, line).map(str::to_owned);
        self
    }

    pub fn with_code(mut self, code: Code) -> Self {
        self.code = code;
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// `file:line:col: severity: message`, then the source line with a caret, then help.
    pub fn render(&self, base: &Path) -> String {
        let file = self.file.strip_prefix(base).unwrap_or(&self.file);
        let mut out = String::new();
        let _ = write!(out, "{}", file.display());
        if self.line > 0 {
            let _ = write!(out, ":{}:{}", self.line, self.column.max(1));
        }
        let _ = writeln!(
            out,
            ": {}: {}",
            self.severity.as_str(),
            crate::sanitize::clean_line(&self.message)
        );
        if let Some(src) = &self.source_line {
            let shown = crate::sanitize::clean_line(&src.replace('\t', "    "));
            let gutter = self.line.to_string().len();
            let _ = writeln!(out, "{:gutter$} |", "");
            let _ = writeln!(out, "{} | {}", self.line, shown);
            let prefix: String = src
                .chars()
                .take(self.column.saturating_sub(1))
                .map(|c| if c == '\t' { "    " } else { " " })
                .collect();
            let _ = writeln!(out, "{:gutter$} | {}^", "", prefix);
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "  = help: {}", crate::sanitize::clean_line(help));
        }
        out
    }
}

/// Where each line of a text starts, computed once: line and column lookups
/// then cost a binary search, so a page's cost stays linear in its size.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        LineIndex {
            starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        }
    }

    /// 1-based line and character column of a byte offset (clamped to the text).
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|s| *s <= offset).max(1);
        let start = self.starts[line - 1];
        (line, text[start..offset].chars().count() + 1)
    }

    /// Byte offset where 1-based `line` starts (the text's end if past it).
    pub fn line_start(&self, text: &str, line: usize) -> usize {
        self.starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(text.len())
            .min(text.len())
    }

    /// The text of 1-based `line`, without its newline.
    pub fn line<'a>(&self, text: &'a str, line: usize) -> Option<&'a str> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        let end = self.starts.get(line).map_or(text.len(), |e| e - 1);
        text.get(start..end.max(start))
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
    }
}

/// 1-based line and character column of a byte offset (clamped to the text).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

/// Byte offset where 1-based `line` starts (the text's end if past it).
pub fn line_start(text: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line - 2)
        .map_or(text.len(), |(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_with_caret() {
        let src = "one\ntwo words\nthree";
        let d = Diagnostic::error("p.md", "bad word")
            .at(src, 2, 5)
            .with_help("use another");
        let out = d.render(Path::new(""));
        assert!(out.starts_with("p.md:2:5: error: bad word\n"), "{out}");
        assert!(out.contains("2 | two words\n"));
        assert!(out.contains("  |     ^\n"));
        assert!(out.contains("= help: use another"));
    }

    #[test]
    fn the_index_agrees_with_the_scans() {
        let src = "ab\ncdé\r\n\nlast";
        let idx = LineIndex::new(src);
        for off in 0..=src.len() + 2 {
            if src.is_char_boundary(off.min(src.len())) {
                assert_eq!(idx.line_col(src, off), line_col(src, off), "{off}");
            }
        }
        for l in 1..=6 {
            assert_eq!(idx.line_start(src, l), line_start(src, l), "{l}");
        }
        assert_eq!(idx.line(src, 2), Some("cdé"));
        assert_eq!(idx.line(src, 4), Some("last"));
        assert_eq!(idx.line(src, 5), None);
    }

    #[test]
    fn line_col_and_line_start_agree() {
        let src = "ab\ncdé\nf";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 3), (2, 1));
        assert_eq!(line_col(src, 8), (3, 1));
        assert_eq!(line_start(src, 3), 8);
        assert_eq!(line_start(src, 1), 0);
        assert_eq!(line_start(src, 9), src.len());
    }
}
