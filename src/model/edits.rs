//! Text edits of the editor actions, as pure functions: text in, text out,
//! plus the lines that changed (to highlight). Line endings (LF or CRLF) and a
//! missing final newline are kept as the file had them.

use std::ops::RangeInclusive;

use super::selection::{self, Selection};
use crate::action::TextMatch;

/// The result of an edit: the new text and the 0-based lines it touched.
#[derive(Debug, Clone, PartialEq)]
pub struct Edited {
    pub text: String,
    pub changed: Option<RangeInclusive<usize>>,
}

/// A file as lines, remembering how it ended them.
struct Doc {
    lines: Vec<String>,
    crlf: bool,
    final_newline: bool,
}

impl Doc {
    fn parse(text: &str) -> Doc {
        let crlf = text.contains("\r\n");
        let final_newline = text.is_empty() || text.ends_with('\n');
        let body = text.strip_suffix('\n').unwrap_or(text);
        let lines = if text.is_empty() {
            Vec::new()
        } else {
            body.split('\n')
                .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
                .collect()
        };
        Doc {
            lines,
            crlf,
            final_newline,
        }
    }

    fn render(&self) -> String {
        let eol = if self.crlf { "\r\n" } else { "\n" };
        let mut s = self.lines.join(eol);
        if self.final_newline && !self.lines.is_empty() {
            s.push_str(eol);
        }
        s
    }
}

/// Lines of an action's `text`: one trailing newline ends the last line.
fn text_lines(text: &str) -> Vec<String> {
    let t = text.strip_suffix('\n').unwrap_or(text);
    t.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
        .collect()
}

fn insert_at(text: &str, index: usize, add: &str) -> Edited {
    let mut d = Doc::parse(text);
    let new = text_lines(add);
    let at = index.min(d.lines.len());
    let n = new.len();
    if d.lines.is_empty() {
        d.final_newline = add.ends_with('\n') || text.is_empty();
    }
    d.lines.splice(at..at, new);
    Edited {
        text: d.render(),
        changed: (n > 0).then(|| at..=at + n - 1),
    }
}

pub fn append_lines(text: &str, add: &str) -> Edited {
    let d = Doc::parse(text);
    let mut e = insert_at(text, d.lines.len(), add);
    // Appending gives the old last line an end, and the file keeps ending as the text does.
    if !text.is_empty() && !d.final_newline {
        let mut nd = Doc::parse(&e.text);
        nd.final_newline = add.ends_with('\n');
        e.text = nd.render();
    }
    e
}

pub fn prepend_lines(text: &str, add: &str) -> Edited {
    insert_at(text, 0, add)
}

/// Insert before 1-based `line` (past the end = at the end).
pub fn insert_before_line(text: &str, line: i64, add: &str) -> Edited {
    insert_at(text, (line.max(1) - 1) as usize, add)
}

pub fn append_after_line(text: &str, line: i64, add: &str) -> Edited {
    insert_at(text, line.max(0) as usize, add)
}

/// The 0-based line of the first match.
fn match_line(text: &str, m: &TextMatch) -> Result<usize, String> {
    let sel = selection::select_matching(text, m, None, None)?;
    sel.map(|s| s.start.0)
        .ok_or_else(|| format!("no line matches `{}`", m.text))
}

pub fn insert_before_match(text: &str, m: &TextMatch, add: &str) -> Result<Edited, String> {
    Ok(insert_at(text, match_line(text, m)?, add))
}

pub fn append_after_match(text: &str, m: &TextMatch, add: &str) -> Result<Edited, String> {
    Ok(insert_at(text, match_line(text, m)? + 1, add))
}

/// Replace up to `count` matches (-1 = all); with a group, only the group's text.
pub fn replace_matching(
    text: &str,
    m: &TextMatch,
    replacement: &str,
    count: i64,
) -> Result<Edited, String> {
    let starts = selection::line_starts(text);
    let lines = starts.len();
    let (l0, l1) = selection::line_range(lines, m.start, m.stop);
    let from = starts.get(l0).copied().unwrap_or(text.len());
    let to = starts.get(l1).copied().unwrap_or(text.len());
    let mut out = String::with_capacity(text.len());
    let mut pos = from;
    let mut done = 0i64;
    let mut first_line = None;
    let mut last_line = 0;
    out.push_str(&text[..from]);
    while count < 0 || done < count {
        let Some(r) = selection::find(text, m, pos, to)? else {
            break;
        };
        out.push_str(&text[pos..r.start]);
        out.push_str(replacement);
        let line = starts.partition_point(|s| *s <= r.start).saturating_sub(1);
        first_line.get_or_insert(line);
        last_line = line + replacement.matches('\n').count();
        done += 1;
        pos = if r.end > r.start { r.end } else { r.end + 1 };
        if r.end == r.start {
            out.push_str(&text[r.start..pos.min(text.len())]);
        }
        if pos >= to {
            break;
        }
    }
    if done == 0 {
        return Err(format!("no match for `{}`", m.text));
    }
    out.push_str(&text[pos.min(text.len())..]);
    Ok(Edited {
        text: out,
        changed: first_line.map(|f| f..=last_line.max(f)),
    })
}

/// Replace 1-based lines `start..=stop`.
pub fn replace_lines(text: &str, start: i64, stop: i64, add: &str) -> Result<Edited, String> {
    let mut d = Doc::parse(text);
    let (s, e) = range(&d, start, Some(stop))?;
    let new = text_lines(add);
    let n = new.len();
    d.lines.splice(s..=e, new);
    Ok(Edited {
        text: d.render(),
        changed: (n > 0).then(|| s..=s + n - 1),
    })
}

pub fn delete_lines(text: &str, start: i64, stop: Option<i64>) -> Result<Edited, String> {
    let mut d = Doc::parse(text);
    let (s, e) = range(&d, start, stop)?;
    d.lines.drain(s..=e);
    Ok(Edited {
        text: d.render(),
        changed: None,
    })
}

fn range(d: &Doc, start: i64, stop: Option<i64>) -> Result<(usize, usize), String> {
    let n = d.lines.len();
    let s = start.max(1) as usize - 1;
    let e = stop.unwrap_or(start).max(start) as usize - 1;
    if s >= n {
        return Err(format!(
            "line {} is past the end of the file ({n} lines)",
            s + 1
        ));
    }
    Ok((s, e.min(n - 1)))
}

/// Delete the first matching line with `before` lines above and `after` below (-1 = to the edge).
pub fn delete_matching_lines(
    text: &str,
    m: &TextMatch,
    before: i64,
    after: i64,
) -> Result<Edited, String> {
    let mut d = Doc::parse(text);
    let line = match_line(text, m)?;
    let s = if before < 0 {
        0
    } else {
        line.saturating_sub(before as usize)
    };
    let e = if after < 0 {
        d.lines.len() - 1
    } else {
        (line + after as usize).min(d.lines.len() - 1)
    };
    d.lines.drain(s..=e);
    Ok(Edited {
        text: d.render(),
        changed: None,
    })
}

pub fn replace_selection(text: &str, sel: &Selection, with: &str) -> Edited {
    let r = sel.byte_range(text);
    let mut out = String::with_capacity(text.len() + with.len());
    out.push_str(&text[..r.start]);
    let with = if text.contains("\r\n") {
        with.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        with.to_string()
    };
    out.push_str(&with);
    out.push_str(&text[r.end..]);
    let first = sel.start.0;
    let last = first
        + with
            .matches('\n')
            .count()
            .saturating_sub(usize::from(with.ends_with('\n') && sel.end.1 == 0));
    Edited {
        text: out,
        changed: Some(first..=last.max(first)),
    }
}

pub fn insert_before_selection(text: &str, sel: &Selection, add: &str) -> Edited {
    insert_at(text, sel.start.0, add)
}

pub fn append_after_selection(text: &str, sel: &Selection, add: &str) -> Edited {
    insert_at(text, sel.lines().end() + 1, add)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tm(t: &str) -> TextMatch {
        TextMatch {
            text: t.into(),
            is_regex: false,
            group: None,
            start: None,
            stop: None,
        }
    }

    #[test]
    fn line_endings_and_final_newline_survive() {
        let crlf = "a\r\nb\r\n";
        assert_eq!(append_lines(crlf, "c\n").text, "a\r\nb\r\nc\r\n");
        let bare = "a\nb";
        assert_eq!(insert_before_line(bare, 2, "x\n").text, "a\nx\nb");
        assert_eq!(append_lines(bare, "c\n").text, "a\nb\nc\n");
        assert_eq!(append_lines("", "c\n").text, "c\n");
        assert_eq!(prepend_lines("", "c").text, "c\n");
        assert_eq!(append_after_line("a\nb\n", 1, "x").text, "a\nx\nb\n");
        assert_eq!(append_after_line("a\nb\n", 99, "x").text, "a\nb\nx\n");
    }

    #[test]
    fn matches_and_ranges() {
        let t = "import os\ndef f():\n    pass\n";
        assert_eq!(
            append_after_match(t, &tm("def f"), "    # hi\n")
                .unwrap()
                .text,
            "import os\ndef f():\n    # hi\n    pass\n"
        );
        assert_eq!(
            insert_before_match(t, &tm("def"), "\n").unwrap().text,
            "import os\n\ndef f():\n    pass\n"
        );
        assert!(insert_before_match(t, &tm("nope"), "x").is_err());
        let e = replace_matching("a a a", &tm("a"), "b", 2).unwrap();
        assert_eq!(e.text, "b b a");
        assert_eq!(
            replace_matching("a a a", &tm("a"), "b", -1).unwrap().text,
            "b b b"
        );
        let mut re = tm(r"image: nginx:(\S+)");
        re.is_regex = true;
        re.group = Some(1);
        assert_eq!(
            replace_matching("image: nginx:1.19\n", &re, "1.25", 1)
                .unwrap()
                .text,
            "image: nginx:1.25\n"
        );
        assert_eq!(
            replace_lines("1\n2\n3\n", 2, 3, "x\ny\nz\n").unwrap().text,
            "1\nx\ny\nz\n"
        );
        assert_eq!(delete_lines("1\n2\n3\n", 2, None).unwrap().text, "1\n3\n");
        assert!(delete_lines("1\n", 5, None).is_err());
        assert_eq!(
            delete_matching_lines("a\nb\nc\nd\n", &tm("b"), 0, 1)
                .unwrap()
                .text,
            "a\nd\n"
        );
        assert_eq!(
            delete_matching_lines("a\nb\nc\nd\n", &tm("c"), -1, 0)
                .unwrap()
                .text,
            "d\n"
        );
    }

    #[test]
    fn selections_and_unicode() {
        let t = "héllo wörld\nnext\n";
        let sel = selection::select_matching(t, &tm("wörld"), None, None)
            .unwrap()
            .unwrap();
        assert_eq!(
            replace_selection(t, &sel, "there").text,
            "héllo there\nnext\n"
        );
        let sel = selection::select_matching(t, &tm("héllo"), Some(0), Some(0))
            .unwrap()
            .unwrap();
        assert_eq!(replace_selection(t, &sel, "one\n").text, "one\nnext\n");
        assert_eq!(
            insert_before_selection(t, &sel, "top").text,
            "top\nhéllo wörld\nnext\n"
        );
        assert_eq!(
            append_after_selection(t, &sel, "mid").text,
            "héllo wörld\nmid\nnext\n"
        );
    }
}
