//! Numbers and times as Grafana writes them: its value formats (units, scaled
//! suffixes, automatic decimals) and UTC clock labels. Follows Grafana's own
//! formatters (`toFixed`, `scaledUnits`, `toSeconds`, ...) so that a panel
//! reads the same in the terminal as in the browser. Pure.

use std::borrow::Cow;

/// Grafana's automatic decimals: integers get none, others about three
/// significant digits (`getDecimalsForValue`).
fn auto_decimals(v: f64) -> usize {
    if v.fract() == 0.0 {
        return 0;
    }
    let log10 = v.abs().log10().floor() as i64;
    (2 - log10).clamp(0, 12) as usize
}

/// A number with `decimals` places, or Grafana's automatic choice.
pub fn to_fixed(v: f64, decimals: Option<u8>) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "∞" } else { "-∞" }.into();
    }
    let d = decimals.map_or_else(|| auto_decimals(v), |d| usize::from(d.min(12)));
    // Halves round up, as JavaScript's Math.round does (Rust's formatting
    // would round 42.25 to even).
    let f = 10f64.powi(d as i32);
    let r = (v * f).round() / f;
    let s = format!("{:.d$}", if r.is_finite() { r } else { v });
    // Rounding can leave "-0" or "-0.00": Grafana writes those without the sign.
    match s.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => s,
    }
}

/// Divide by `factor` until the number is below it; the suffix says how often.
fn scaled(v: f64, factor: f64, suffixes: &'static [&'static str]) -> (f64, Cow<'static, str>) {
    let mut x = v;
    let mut step = 0;
    while x.abs() >= factor && step + 1 < suffixes.len() {
        x /= factor;
        step += 1;
    }
    (x, Cow::Borrowed(suffixes[step]))
}

/// Steps of a duration unit: (size of the next step in this unit, its suffix).
fn duration(v: f64, steps: &[(f64, &'static str)], last: &'static str) -> (f64, Cow<'static, str>) {
    let mut x = v;
    for (size, suffix) in steps {
        if x.abs() < *size {
            return (x, Cow::Borrowed(*suffix));
        }
        x /= size;
    }
    (x, Cow::Borrowed(last))
}

const SHORT: &[&str] = &[
    "", " K", " Mil", " Bil", " Tri", " Quadr", " Quint", " Sext", " Sept",
];
const COUNT: &[&str] = &["", "K", "M", "B", "T"];
const IEC_BYTES: &[&str] = &[" B", " KiB", " MiB", " GiB", " TiB", " PiB", " EiB"];
const SI_BYTES: &[&str] = &[" B", " kB", " MB", " GB", " TB", " PB", " EB"];
const IEC_BITS: &[&str] = &[" b", " Kib", " Mib", " Gib", " Tib", " Pib"];
const SI_BYTE_RATE: &[&str] = &[" B/s", " kB/s", " MB/s", " GB/s", " TB/s", " PB/s"];
const IEC_BYTE_RATE: &[&str] = &[" B/s", " KiB/s", " MiB/s", " GiB/s", " TiB/s"];
const SI_BIT_RATE: &[&str] = &[" b/s", " kb/s", " Mb/s", " Gb/s", " Tb/s", " Pb/s"];

/// `v` in `unit`: the number to print, what goes before it and what after.
/// Printing is then only `to_fixed(number, decimals)`.
pub fn scale(v: f64, unit: Option<&str>) -> (f64, Cow<'static, str>, Cow<'static, str>) {
    let none = Cow::Borrowed("");
    let count = |sym: &'static str| {
        let (x, s) = scaled(v, 1000.0, COUNT);
        (x, Cow::Borrowed(""), Cow::Owned(format!("{s} {sym}")))
    };
    let plain = |x: f64, s: Cow<'static, str>| (x, Cow::Borrowed(""), s);
    let secs_up: [(f64, &str); 5] = [
        (60.0, " s"),
        (60.0, " min"),
        (24.0, " hour"),
        (7.0, " day"),
        (52.142_857, " week"),
    ];
    match unit.unwrap_or("short") {
        "none" | "" => (v, none.clone(), none),
        "short" => {
            let (x, s) = scaled(v, 1000.0, SHORT);
            plain(x, s)
        }
        "percent" => plain(v, "%".into()),
        "percentunit" => plain(v * 100.0, "%".into()),
        "reqps" => count("req/s"),
        "ops" => count("ops/s"),
        "iops" => count("io/s"),
        "cps" => count("c/s"),
        "wps" => count("wps"),
        "rps" => count("reads/s"),
        "bytes" => {
            let (x, s) = scaled(v, 1024.0, IEC_BYTES);
            plain(x, s)
        }
        "decbytes" => {
            let (x, s) = scaled(v, 1000.0, SI_BYTES);
            plain(x, s)
        }
        "kbytes" => {
            let (x, s) = scaled(v, 1024.0, &IEC_BYTES[1..]);
            plain(x, s)
        }
        "mbytes" => {
            let (x, s) = scaled(v, 1024.0, &IEC_BYTES[2..]);
            plain(x, s)
        }
        "bits" => {
            let (x, s) = scaled(v, 1024.0, IEC_BITS);
            plain(x, s)
        }
        "Bps" => {
            let (x, s) = scaled(v, 1000.0, SI_BYTE_RATE);
            plain(x, s)
        }
        "binBps" => {
            let (x, s) = scaled(v, 1024.0, IEC_BYTE_RATE);
            plain(x, s)
        }
        "bps" => {
            let (x, s) = scaled(v, 1000.0, SI_BIT_RATE);
            plain(x, s)
        }
        "ns" => {
            let (x, s) = duration(
                v,
                &[
                    (1000.0, " ns"),
                    (1000.0, " µs"),
                    (1000.0, " ms"),
                    (60.0, " s"),
                    (60.0, " min"),
                    (24.0, " hour"),
                ],
                " day",
            );
            plain(x, s)
        }
        "µs" | "us" => {
            let (x, s) = duration(v, &[(1000.0, " µs"), (1000.0, " ms")], " s");
            plain(x, s)
        }
        "ms" => {
            let (x, s) = duration(
                v,
                &[
                    (1000.0, " ms"),
                    (60.0, " s"),
                    (60.0, " min"),
                    (24.0, " hour"),
                    (365.0, " day"),
                ],
                " year",
            );
            plain(x, s)
        }
        "s" => {
            let a = v.abs();
            if v == 0.0 {
                plain(0.0, " s".into())
            } else if a < 1e-6 {
                plain(v * 1e9, " ns".into())
            } else if a < 1e-3 {
                plain(v * 1e6, " µs".into())
            } else if a < 1.0 {
                plain(v * 1e3, " ms".into())
            } else {
                let (x, s) = duration(v, &secs_up, " year");
                plain(x, s)
            }
        }
        "m" => {
            let (x, s) = duration(
                v,
                &[(60.0, " min"), (24.0, " hour"), (7.0, " day")],
                " week",
            );
            plain(x, s)
        }
        "h" => {
            let (x, s) = duration(v, &[(24.0, " hour"), (7.0, " day")], " week");
            plain(x, s)
        }
        "d" => {
            let (x, s) = duration(v, &[(7.0, " day")], " week");
            plain(x, s)
        }
        "celsius" => plain(v, " °C".into()),
        "fahrenheit" => plain(v, " °F".into()),
        "hertz" => {
            let (x, s) = scaled(v, 1000.0, &[" Hz", " kHz", " MHz", " GHz"]);
            plain(x, s)
        }
        u => {
            if let Some(p) = u.strip_prefix("prefix:") {
                (v, Cow::Owned(p.to_string()), none)
            } else if let Some(s) = u.strip_prefix("suffix:") {
                plain(v, Cow::Owned(s.to_string()))
            } else {
                // Grafana shows a unit it does not know as a custom suffix.
                plain(v, Cow::Owned(format!(" {u}")))
            }
        }
    }
}

/// A number with its Grafana unit and decimals, the way Grafana shows it.
pub fn format_value(v: f64, unit: Option<&str>, decimals: Option<u8>) -> String {
    let (x, prefix, suffix) = scale(v, unit);
    format!("{prefix}{}{suffix}", to_fixed(x, decimals))
}

/// Labels for axis ticks: the fewest decimals that write every tick exactly
/// (0, 2.5, 5 become "0.0", "2.5", "5.0" rather than a mix), unless the
/// panel fixes them.
pub fn tick_labels(ticks: &[f64], unit: Option<&str>, decimals: Option<u8>) -> Vec<String> {
    let scaled: Vec<_> = ticks.iter().map(|t| scale(*t, unit)).collect();
    // Ticks that no few decimals write exactly get Grafana's own choice each.
    let d = decimals.or_else(|| {
        (0u8..=4).find(|d| {
            let f = 10f64.powi(i32::from(*d));
            scaled.iter().all(|(x, _, _)| {
                let y = x * f;
                (y - y.round()).abs() < 1e-6 * y.abs().max(1.0)
            })
        })
    });
    scaled
        .iter()
        .map(|(x, p, s)| format!("{p}{}{s}", to_fixed(*x, d)))
        .collect()
}

/// Civil date and time of a unix time in ms, in UTC: (y, m, d, hh, mm, ss).
pub fn utc(ms: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = ms.div_euclid(86_400_000);
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m as u32,
        d as u32,
        (secs / 3600) as u32,
        (secs / 60 % 60) as u32,
        (secs % 60) as u32,
    )
}

/// `2026-01-01 00:00:00 UTC`.
pub fn utc_datetime(ms: i64) -> String {
    let (y, m, d, hh, mm, ss) = utc(ms);
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02} UTC")
}

/// A clock label for a time axis whose ticks are `step_ms` apart over a range
/// of `span_ms`: seconds only when ticks are closer than a minute, the date
/// when the range is longer than a day.
pub fn time_label(ms: i64, step_ms: i64, span_ms: i64) -> String {
    let (_, m, d, hh, mm, ss) = utc(ms);
    if step_ms >= 86_400_000 {
        format!("{m:02}-{d:02}")
    } else if span_ms > 86_400_000 {
        format!("{m:02}-{d:02} {hh:02}:{mm:02}")
    } else if step_ms < 60_000 {
        format!("{hh:02}:{mm:02}:{ss:02}")
    } else {
        format!("{hh:02}:{mm:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grafana_decimals() {
        assert_eq!(to_fixed(5.5, None), "5.50");
        assert_eq!(to_fixed(0.1018, None), "0.102");
        assert_eq!(to_fixed(123.456, None), "123");
        assert_eq!(to_fixed(42.0, None), "42");
        assert_eq!(to_fixed(0.0, None), "0");
        assert_eq!(to_fixed(-0.0001, Some(2)), "0.00");
        assert_eq!(to_fixed(1.0, Some(2)), "1.00");
        assert_eq!(to_fixed(42.25, None), "42.3");
        assert_eq!(to_fixed(f64::INFINITY, None), "∞");
    }

    #[test]
    fn units_read_as_in_grafana() {
        let f = |v, u| format_value(v, Some(u), None);
        assert_eq!(f(5012.0, "reqps"), "5.01K req/s");
        assert_eq!(f(12.0, "reqps"), "12 req/s");
        assert_eq!(f(0.1018, "s"), "102 ms");
        assert_eq!(f(0.00012, "s"), "120 µs");
        assert_eq!(f(2.5, "s"), "2.50 s");
        assert_eq!(f(90.0, "s"), "1.50 min");
        assert_eq!(f(250.0, "ms"), "250 ms");
        assert_eq!(f(1500.0, "ms"), "1.50 s");
        assert_eq!(f(0.42, "percentunit"), "42%");
        assert_eq!(f(99.5, "percent"), "99.5%");
        assert_eq!(f(2048.0, "bytes"), "2 KiB");
        assert_eq!(f(1536.0, "bytes"), "1.50 KiB");
        assert_eq!(f(1500.0, "short"), "1.50 K");
        assert_eq!(f(3.0, "short"), "3");
        assert_eq!(f(1234.5678, "none"), "1235");
        assert_eq!(f(7.0, "widgets"), "7 widgets");
        assert_eq!(f(7.0, "suffix: apples"), "7 apples");
        assert_eq!(format_value(0.1018, Some("s"), Some(2)), "101.80 ms");
        assert_eq!(format_value(3.0, None, Some(1)), "3.0");
    }

    #[test]
    fn ticks_share_their_decimals() {
        assert_eq!(
            tick_labels(&[0.0, 2.5, 5.0], Some("short"), None),
            ["0.0", "2.5", "5.0"]
        );
        assert_eq!(tick_labels(&[0.0, 2.0, 4.0], None, None), ["0", "2", "4"]);
        assert_eq!(
            tick_labels(&[0.0, 0.05, 0.1], Some("s"), None),
            ["0 s", "50 ms", "100 ms"]
        );
        assert_eq!(
            tick_labels(&[0.0, 0.5, 1.0], Some("percentunit"), None),
            ["0%", "50%", "100%"]
        );
        assert_eq!(
            tick_labels(&[0.0, 1.0], Some("reqps"), Some(1)),
            ["0.0 req/s", "1.0 req/s"]
        );
    }

    #[test]
    fn clock_labels_are_utc() {
        let t0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
        assert_eq!(utc_datetime(t0 + 61_000), "2026-01-01 00:01:01 UTC");
        assert_eq!(time_label(t0 + 5_000, 5_000, 60_000), "00:00:05");
        assert_eq!(time_label(t0 + 3_600_000, 600_000, 7_200_000), "01:00");
        assert_eq!(time_label(t0, 86_400_000, 7 * 86_400_000), "01-01");
        assert_eq!(utc_datetime(-1000), "1969-12-31 23:59:59 UTC");
    }
}
