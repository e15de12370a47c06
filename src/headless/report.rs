//! What `lectern test` prints: a line per action, late verdicts as they come,
//! failures with their terminal's last lines, the summary line, JUnit XML.

use std::fmt::Write as _;
use std::time::Duration;

use crate::sanitize::clean_line;

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Pass(String),
    Fail(String),
    Skip(String),
    /// Only a person can do it (or tell): not a pass.
    Person(String),
    /// Left running when its budget ended; the verdict comes when it ends.
    Running(String),
}

impl Verdict {
    fn mark(&self) -> &'static str {
        match self {
            Verdict::Pass(_) => "✓",
            Verdict::Fail(_) => "✗",
            Verdict::Skip(_) => "-",
            Verdict::Person(_) => "!",
            Verdict::Running(_) => "⋯",
        }
    }

    fn why(&self) -> &str {
        match self {
            Verdict::Pass(w)
            | Verdict::Fail(w)
            | Verdict::Skip(w)
            | Verdict::Person(w)
            | Verdict::Running(w) => w,
        }
    }
}

pub struct Record {
    pub page: String,
    pub name: String,
    pub label: String,
    /// Where the action is written: file:line.
    pub at: String,
    pub verdict: Verdict,
    pub took: Duration,
}

pub fn short(s: &str) -> String {
    let one = clean_line(s.lines().next().unwrap_or(""));
    if one.chars().count() > 60 {
        format!("{}…", one.chars().take(59).collect::<String>())
    } else {
        one
    }
}

pub fn print_line(name: &str, label: &str, v: &Verdict, took: Duration) {
    let why = v.why();
    let (first, rest) = why.split_once('\n').unwrap_or((why, ""));
    crate::say!(
        "  {} {name:<28} {label:<60} {} ({:.1}s)",
        v.mark(),
        clean_line(first),
        took.as_secs_f64()
    );
    for l in rest.lines() {
        crate::say!("{}", clean_line(l));
    }
}

/// A verdict that came after the test moved on from its action.
pub fn print_late(r: &Record) {
    let why = r.verdict.why();
    crate::say!(
        "  {} late: {} · {} {} ({}): {}",
        r.verdict.mark(),
        r.page,
        r.name,
        r.label,
        r.at,
        clean_line(why.lines().next().unwrap_or(""))
    );
}

fn xml(s: &str) -> String {
    clean_line(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// How many records came to each end.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub person: usize,
}

pub fn counts(records: &[Record]) -> Counts {
    let mut c = Counts::default();
    for r in records {
        match r.verdict {
            Verdict::Pass(_) => c.passed += 1,
            // A verdict still missing at the end is no pass.
            Verdict::Fail(_) | Verdict::Running(_) => c.failed += 1,
            Verdict::Skip(_) => c.skipped += 1,
            Verdict::Person(_) => c.person += 1,
        }
    }
    c
}

/// The summary: "N need a person" when any, then the last line
/// "N passed, N failed, N skipped".
pub fn summary(c: Counts) -> String {
    let mut out = String::new();
    if c.person > 0 {
        let _ = writeln!(out, "{} need a person", c.person);
    }
    let _ = write!(
        out,
        "{} passed, {} failed, {} skipped",
        c.passed, c.failed, c.skipped
    );
    out
}

pub fn junit(title: &str, records: &[Record], total: Duration) -> String {
    let c = counts(records);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3}\">",
        xml(title),
        records.len(),
        c.failed + c.person,
        c.skipped,
        total.as_secs_f64()
    );
    for (i, r) in records.iter().enumerate() {
        let _ = write!(
            out,
            "  <testcase classname=\"{}\" name=\"{:03} {} {}\" time=\"{:.3}\"",
            xml(&r.page),
            i + 1,
            xml(&r.name),
            xml(&r.label),
            r.took.as_secs_f64()
        );
        match &r.verdict {
            Verdict::Pass(_) => out.push_str("/>\n"),
            Verdict::Fail(why) | Verdict::Running(why) => {
                let _ = writeln!(
                    out,
                    ">\n    <failure message=\"{}\"/>\n  </testcase>",
                    xml(why)
                );
            }
            Verdict::Person(why) => {
                let _ = writeln!(
                    out,
                    ">\n    <failure type=\"needs-a-person\" message=\"{}\"/>\n  </testcase>",
                    xml(why)
                );
            }
            Verdict::Skip(why) => {
                let _ = writeln!(
                    out,
                    ">\n    <skipped message=\"{}\"/>\n  </testcase>",
                    xml(why)
                );
            }
        }
    }
    out.push_str("</testsuite>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_ends_with_the_plain_line() {
        let c = Counts {
            passed: 3,
            failed: 1,
            skipped: 2,
            person: 1,
        };
        assert_eq!(summary(c), "1 need a person\n3 passed, 1 failed, 2 skipped");
        assert_eq!(
            summary(Counts {
                passed: 1,
                ..Default::default()
            }),
            "1 passed, 0 failed, 0 skipped"
        );
    }
}
