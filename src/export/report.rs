//! What an export did with each part of the workshop, for the author to read.

use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Translated into something Educates reads.
    Mapped,
    /// Not carried over, with the reason.
    Dropped,
    /// Copied into the export for lectern's own use; not in the Workshop resource.
    Kept,
    /// Something the author should look at.
    Warning,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub kind: Kind,
    pub what: String,
    pub detail: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub entries: Vec<Entry>,
}

impl Report {
    fn push(&mut self, kind: Kind, what: impl Into<String>, detail: impl Into<String>) {
        self.entries.push(Entry {
            kind,
            what: what.into(),
            detail: detail.into(),
        });
    }

    pub fn mapped(&mut self, from: impl Into<String>, to: impl Into<String>) {
        self.push(Kind::Mapped, from, to);
    }

    pub fn dropped(&mut self, what: impl Into<String>, why: impl Into<String>) {
        self.push(Kind::Dropped, what, why);
    }

    pub fn kept(&mut self, what: impl Into<String>, why: impl Into<String>) {
        self.push(Kind::Kept, what, why);
    }

    pub fn warning(&mut self, what: impl Into<String>, detail: impl Into<String>) {
        self.push(Kind::Warning, what, detail);
    }

    pub fn of(&self, kind: Kind) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.kind == kind)
    }

    /// Whether any entry's subject or detail mentions `text` (for tests and callers).
    pub fn mentions(&self, kind: Kind, text: &str) -> bool {
        self.of(kind)
            .any(|e| e.what.contains(text) || e.detail.contains(text))
    }

    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for (kind, head, sep) in [
            (Kind::Mapped, "Mapped", " -> "),
            (Kind::Dropped, "Dropped", ": "),
            (
                Kind::Kept,
                "Kept for lectern only (not in the Workshop resource)",
                ": ",
            ),
            (Kind::Warning, "Warnings", ": "),
        ] {
            let entries: Vec<&Entry> = self.of(kind).collect();
            if entries.is_empty() {
                continue;
            }
            let _ = writeln!(out, "{head}:");
            for e in entries {
                let what = crate::sanitize::clean_line(&e.what);
                let detail = crate::sanitize::clean_line(&e.detail);
                if detail.is_empty() {
                    let _ = writeln!(out, "  {what}");
                } else {
                    let _ = writeln!(out, "  {what}{sep}{detail}");
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_entries_by_kind() {
        let mut r = Report::default();
        r.dropped("service `x`: install", "images replace it");
        r.mapped("service `db`", "compose service `db`");
        let text = r.render_text();
        let mapped = text.find("Mapped:").unwrap();
        let dropped = text.find("Dropped:").unwrap();
        assert!(mapped < dropped, "{text}");
        assert!(text.contains("  service `db` -> compose service `db`\n"));
        assert!(!text.contains("Warnings"));
        assert!(r.mentions(Kind::Dropped, "install"));
    }
}
