//! What `lectern test` prints: a line per action, failures with their
//! terminal's last lines, the summary line, and JUnit XML.

use std::fmt::Write as _;
use std::time::Duration;

use crate::sanitize::clean_line;

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Pass(String),
    Fail(String),
    Skip(String),
}

pub struct Record {
    pub page: String,
    pub name: String,
    pub label: String,
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
    let (mark, why) = match v {
        Verdict::Pass(w) => ("✓", w),
        Verdict::Fail(w) => ("✗", w),
        Verdict::Skip(w) => ("-", w),
    };
    let (first, rest) = why.split_once('\n').unwrap_or((why, ""));
    println!(
        "  {mark} {name:<28} {label:<60} {} ({:.1}s)",
        clean_line(first),
        took.as_secs_f64()
    );
    for l in rest.lines() {
        println!("{}", clean_line(l));
    }
}

fn xml(s: &str) -> String {
    clean_line(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Passed, failed and skipped records.
pub fn counts(records: &[Record]) -> (usize, usize, usize) {
    records
        .iter()
        .fold((0, 0, 0), |(p, f, s), r| match r.verdict {
            Verdict::Pass(_) => (p + 1, f, s),
            Verdict::Fail(_) => (p, f + 1, s),
            Verdict::Skip(_) => (p, f, s + 1),
        })
}

pub fn junit(title: &str, records: &[Record], total: Duration) -> String {
    let (_, failures, skipped) = counts(records);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{:.3}\">",
        xml(title),
        records.len(),
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
            Verdict::Fail(why) => {
                let _ = writeln!(
                    out,
                    ">\n    <failure message=\"{}\"/>\n  </testcase>",
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
