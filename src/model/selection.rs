//! Text selections with Educates' semantics: match text or a regular
//! expression within a line range, widen to whole lines, select line ranges.
//! Pure: text in, positions out.

use regex::Regex;

use crate::action::TextMatch;

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
}
