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

    /// Reduce to one number as stat and gauge panels do.
    pub fn reduce(&self, how: &str) -> Option<f64> {
        let vals: Vec<f64> = self.values().collect();
        if vals.is_empty() {
            return None;
        }
        Some(match how {
            "mean" => vals.iter().sum::<f64>() / vals.len() as f64,
            "max" => vals.iter().cloned().fold(f64::MIN, f64::max),
            "min" => vals.iter().cloned().fold(f64::MAX, f64::min),
            "sum" | "total" => vals.iter().sum(),
            "first" => vals[0],
            _ => *vals.last().unwrap_or(&0.0),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PanelData {
    pub series: Vec<Series>,
    /// Why there is nothing to draw (or why part of it is missing).
    pub error: Option<String>,
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
}
