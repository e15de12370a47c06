//! Time series as panels hold them, and Grafana's time ranges, intervals and
//! query macros. Pure: values in, values out.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// (unix ms, value); `None` where the query filled with null.
    pub points: Vec<(i64, Option<f64>)>,
}

impl Series {
    pub fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.points
            .iter()
            .filter_map(|(_, v)| *v)
            .filter(|v| v.is_finite())
    }

    /// Reduce to one number as stat and gauge panels do (nulls skipped).
    pub fn reduce(&self, how: &str) -> Option<f64> {
        let calc = match Calc::parse(how) {
            Some(Calc::Last) | None => Calc::LastNotNull,
            Some(Calc::First) => Calc::FirstNotNull,
            Some(c) => c,
        };
        self.calc(calc)
    }

    /// One of Grafana's reducers (legend values, stat panels).
    pub fn calc(&self, c: Calc) -> Option<f64> {
        let mut vals = self.values();
        match c {
            Calc::Last => self.points.last().and_then(|(_, v)| *v),
            Calc::First => self.points.first().and_then(|(_, v)| *v),
            Calc::LastNotNull => vals.last(),
            Calc::FirstNotNull => vals.next(),
            Calc::Min => vals.reduce(f64::min),
            Calc::Max => vals.reduce(f64::max),
            Calc::Total => vals.reduce(|a, b| a + b),
            Calc::Count => Some(vals.count() as f64),
            Calc::Mean => {
                let (sum, n) = vals.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
                (n > 0).then(|| sum / n as f64)
            }
            Calc::Range => Some(self.calc(Calc::Max)? - self.calc(Calc::Min)?),
            Calc::Diff => Some(self.calc(Calc::LastNotNull)? - self.calc(Calc::FirstNotNull)?),
            Calc::Delta => {
                // Increases only, as for a counter that may reset.
                let first = vals.next()?;
                let (sum, _) = vals.fold((0.0, first), |(sum, prev), v| {
                    (sum + if v >= prev { v - prev } else { v }, v)
                });
                Some(sum)
            }
        }
    }
}

/// Grafana's reducers, as legends and stat panels name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calc {
    Min,
    Max,
    Mean,
    Last,
    LastNotNull,
    First,
    FirstNotNull,
    Total,
    Count,
    Range,
    Delta,
    Diff,
}

impl Calc {
    /// Grafana's reducer ids, and the old graph panel's legend names.
    pub fn parse(s: &str) -> Option<Calc> {
        Some(match s {
            "min" => Calc::Min,
            "max" => Calc::Max,
            "mean" | "avg" => Calc::Mean,
            "last" => Calc::Last,
            "lastNotNull" | "current" => Calc::LastNotNull,
            "first" => Calc::First,
            "firstNotNull" => Calc::FirstNotNull,
            "sum" | "total" => Calc::Total,
            "count" => Calc::Count,
            "range" => Calc::Range,
            "delta" => Calc::Delta,
            "diff" => Calc::Diff,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Calc::Min => "Min",
            Calc::Max => "Max",
            Calc::Mean => "Mean",
            Calc::Last => "Last",
            Calc::LastNotNull => "Last *",
            Calc::First => "First",
            Calc::FirstNotNull => "First *",
            Calc::Total => "Total",
            Calc::Count => "Count",
            Calc::Range => "Range",
            Calc::Delta => "Delta",
            Calc::Diff => "Difference",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PanelData {
    pub series: Vec<Series>,
    /// Why there is nothing to draw (or why part of it is missing).
    pub error: Option<String>,
    /// The range the data was queried over: the x axis it is drawn on.
    pub range: Option<TimeRange>,
}

impl PanelData {
    pub fn has_data(&self) -> bool {
        self.series.iter().any(|s| s.values().next().is_some())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub from_ms: i64,
    pub to_ms: i64,
}

/// Grafana time expressions: `now`, `now-30s`, `now-6h`, or epoch milliseconds.
pub fn time_range(from: &str, to: &str, now_ms: i64) -> Result<TimeRange, String> {
    let one = |s: &str| -> Result<i64, String> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("now") {
            if rest.is_empty() {
                return Ok(now_ms);
            }
            let (sign, amount) = rest.split_at(1);
            let unit_at = amount
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(amount.len());
            let n: i64 = amount[..unit_at]
                .parse()
                .map_err(|_| format!("bad time `{s}`"))?;
            let ms = n * match &amount[unit_at..] {
                "s" => 1000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                "w" => 604_800_000,
                u => return Err(format!("bad time unit `{u}` in `{s}`")),
            };
            Ok(if sign == "-" {
                now_ms - ms
            } else {
                now_ms + ms
            })
        } else {
            s.parse::<i64>().map_err(|_| format!("bad time `{s}`"))
        }
    };
    let r = TimeRange {
        from_ms: one(from)?,
        to_ms: one(to)?,
    };
    if r.from_ms >= r.to_ms {
        return Err(format!("empty time range {from} to {to}"));
    }
    Ok(r)
}

impl TimeRange {
    pub fn span(self) -> i64 {
        self.to_ms - self.from_ms
    }
}

/// A span as Grafana writes it relative to now: `now-90s`, `now-15m`, `now-2h`.
fn ago(span_ms: i64) -> String {
    let s = (span_ms / 1000).max(1);
    let (n, unit) = [(604_800, "w"), (86_400, "d"), (3600, "h"), (60, "m")]
        .iter()
        .find(|(u, _)| s % u == 0)
        .map_or((s, "s"), |(u, name)| (s / u, *name));
    format!("now-{n}{unit}")
}

/// Spans a time range control keeps to: from 10 s to a year.
const MIN_SPAN: i64 = 10_000;
const MAX_SPAN: i64 = 365 * 86_400_000;

/// A range as from/to expressions: relative to now when it ends now (within
/// a twentieth of its span: the clock moves between two keys), else epoch ms.
fn exprs(r: TimeRange, now_ms: i64) -> (String, String) {
    if r.to_ms + r.span() / 20 >= now_ms {
        (ago(r.span()), "now".into())
    } else {
        (r.from_ms.to_string(), r.to_ms.to_string())
    }
}

/// Zoom a range by `factor` (2 = out, 0.5 = in) about its middle, as Grafana
/// does; a range that ends now keeps ending now.
pub fn zoom(from: &str, to: &str, factor: f64, now_ms: i64) -> Result<(String, String), String> {
    let r = time_range(from, to, now_ms)?;
    let span = ((r.span() as f64 * factor).round() as i64).clamp(MIN_SPAN, MAX_SPAN);
    if to.trim() == "now" {
        return Ok((ago(span), "now".into()));
    }
    let mid = r.from_ms + r.span() / 2;
    let to_ms = (mid + span / 2).min(now_ms);
    Ok(exprs(
        TimeRange {
            from_ms: to_ms - span,
            to_ms,
        },
        now_ms,
    ))
}

/// Move a range by half its span, back (`-1`) or forward (`1`); never past now.
pub fn shift(from: &str, to: &str, dir: i64, now_ms: i64) -> Result<(String, String), String> {
    let r = time_range(from, to, now_ms)?;
    let by = r.span() / 2 * dir.signum();
    let to_ms = (r.to_ms + by).min(now_ms);
    Ok(exprs(
        TimeRange {
            from_ms: to_ms - r.span(),
            to_ms,
        },
        now_ms,
    ))
}

/// Grafana's automatic interval: the range over ~`points`, rounded to a nice step, at least 1s.
pub fn auto_interval(r: TimeRange, points: i64) -> Duration {
    let raw = (r.to_ms - r.from_ms) / points.max(1);
    let nice = [
        1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 300_000, 600_000, 1_800_000,
        3_600_000, 21_600_000, 86_400_000,
    ];
    let ms = nice
        .iter()
        .copied()
        .find(|n| *n >= raw)
        .unwrap_or(86_400_000);
    Duration::from_millis(ms as u64)
}

pub fn expand(q: &str, r: TimeRange, interval: Duration) -> String {
    let iv = format!("{}s", interval.as_secs().max(1));
    q.replace(
        "$timeFilter",
        &format!("time >= {}ms and time <= {}ms", r.from_ms, r.to_ms),
    )
    .replace("$__interval_ms", &interval.as_millis().to_string())
    .replace("$__interval", &iv)
    .replace("$interval", &iv)
    .replace("$__from", &r.from_ms.to_string())
    .replace("$__to", &r.to_ms.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_ranges_and_intervals() {
        let r = time_range("now-30s", "now", 100_000).unwrap();
        assert_eq!(
            r,
            TimeRange {
                from_ms: 70_000,
                to_ms: 100_000
            }
        );
        assert!(time_range("now-3x", "now", 0).is_err());
        assert_eq!(auto_interval(r, 120), Duration::from_secs(1));
        let r = time_range("now-6h", "now", 100_000_000).unwrap();
        assert_eq!(auto_interval(r, 120), Duration::from_secs(300));
        assert_eq!(
            expand(
                "WHERE $timeFilter GROUP BY time($__interval)",
                TimeRange {
                    from_ms: 1,
                    to_ms: 2
                },
                Duration::from_secs(5)
            ),
            "WHERE time >= 1ms and time <= 2ms GROUP BY time(5s)"
        );
    }

    #[test]
    fn calcs_as_grafana_names_them() {
        let s = Series {
            name: "a".into(),
            points: vec![
                (0, Some(3.0)),
                (1, None),
                (2, Some(1.0)),
                (3, Some(5.0)),
                (4, None),
            ],
        };
        let c = |c| s.calc(c);
        assert_eq!(c(Calc::Min), Some(1.0));
        assert_eq!(c(Calc::Max), Some(5.0));
        assert_eq!(c(Calc::Mean), Some(3.0));
        assert_eq!(c(Calc::Last), None);
        assert_eq!(c(Calc::LastNotNull), Some(5.0));
        assert_eq!(c(Calc::Total), Some(9.0));
        assert_eq!(c(Calc::Count), Some(3.0));
        assert_eq!(c(Calc::Range), Some(4.0));
        assert_eq!(c(Calc::Diff), Some(2.0));
        // 3 -> 1 is a reset (counts 1), 1 -> 5 adds 4.
        assert_eq!(c(Calc::Delta), Some(5.0));
        assert_eq!(s.reduce("last"), Some(5.0));
        assert_eq!(s.reduce("avg"), Some(3.0));
        assert_eq!(Calc::parse("current"), Some(Calc::LastNotNull));
        assert_eq!(Calc::parse("bogus"), None);
        let empty = Series {
            name: String::new(),
            points: vec![(0, None)],
        };
        assert_eq!(empty.calc(Calc::Mean), None);
        assert_eq!(empty.calc(Calc::Delta), None);
    }

    #[test]
    fn zoom_and_shift_like_grafana() {
        let now = 10_000_000;
        assert_eq!(
            zoom("now-30s", "now", 2.0, now).unwrap(),
            ("now-1m".into(), "now".into())
        );
        assert_eq!(
            zoom("now-1h", "now", 0.5, now).unwrap(),
            ("now-30m".into(), "now".into())
        );
        assert_eq!(
            zoom("now-10s", "now", 0.5, now).unwrap(),
            ("now-10s".into(), "now".into())
        );
        assert_eq!(
            zoom("now-90s", "now", 2.0, now).unwrap(),
            ("now-3m".into(), "now".into())
        );
        // Back by half the span: absolute; forward again up to now: relative.
        let back = shift("now-1m", "now", -1, now).unwrap();
        assert_eq!(back, ("9910000".into(), "9970000".into()));
        assert_eq!(
            shift(&back.0, &back.1, 1, now).unwrap(),
            ("now-1m".into(), "now".into())
        );
        // ... also when the clock moved on a little in between.
        assert_eq!(
            shift(&back.0, &back.1, 1, now + 500).unwrap(),
            ("now-1m".into(), "now".into())
        );
        // Zooming an absolute range keeps its middle.
        assert_eq!(
            zoom("1000000", "1060000", 2.0, now).unwrap(),
            ("970000".into(), "1090000".into())
        );
        assert!(zoom("bad", "now", 2.0, now).is_err());
    }
}
