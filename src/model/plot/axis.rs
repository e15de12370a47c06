//! Axes: round value ticks in the unit shown, and UTC time ticks over
//! exactly the queried range.

use super::*;

/// 1, 2, 2.5 or 5 times a power of ten, at least `raw`.
pub(super) fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let n = raw / mag;
    let m = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|m| n <= m * (1.0 + 1e-9))
        .unwrap_or(10.0);
    m * mag
}

#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<f64>,
}

/// How many of the raw unit one step of the unit shown is worth around `v`
/// (bytes shown in MiB: 1048576), so that ticks are round in what is shown.
pub(super) fn unit_ratio(unit: Option<&str>, v: f64) -> f64 {
    let (x, _, _) = crate::model::units::scale(v, unit);
    if v.is_finite() && v != 0.0 && x.is_finite() && x != 0.0 {
        (v / x).abs()
    } else {
        1.0
    }
}

/// A y axis over the data's `lo..hi`, hard limits kept, ends otherwise
/// rounded out to a tick; about one tick every two rows, round in `unit`.
pub fn y_axis(
    lo: f64,
    hi: f64,
    hard_lo: Option<f64>,
    hard_hi: Option<f64>,
    rows: u16,
    unit: Option<&str>,
) -> Axis {
    let (mut lo, mut hi) = (hard_lo.unwrap_or(lo), hard_hi.unwrap_or(hi));
    if !(lo.is_finite() && hi.is_finite()) {
        (lo, hi) = (0.0, 1.0);
    }
    if hi <= lo {
        match (hard_lo.is_some(), hard_hi.is_some()) {
            (_, false) if hi == lo && lo != 0.0 && hard_lo.is_none() => {
                // A flat line sits in the middle, as in Grafana.
                let pad = lo.abs() * 0.1;
                (lo, hi) = (lo - pad, hi + pad);
            }
            (_, false) => hi = lo + 1.0,
            (false, true) => lo = hi - 1.0,
            (true, true) => hi = lo + 1.0,
        }
    }
    let n = f64::from((rows / 2).clamp(1, 6));
    let ratio = unit_ratio(unit, lo.abs().max(hi.abs()));
    let step = nice_step((hi - lo) / n / ratio) * ratio;
    if hard_lo.is_none() {
        lo = (lo / step + 1e-9).floor() * step;
    }
    if hard_hi.is_none() {
        hi = (hi / step - 1e-9).ceil() * step;
    }
    // Numbers beyond what steps can tell apart: the ends only.
    if !(step.is_finite() && step > 0.0 && (hi - lo).is_finite()) || lo + step == lo {
        return Axis {
            lo,
            hi,
            ticks: vec![lo, hi],
        };
    }
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    let ticks = (first..=last.min(first.saturating_add(50)))
        .map(|k| k as f64 * step)
        .collect();
    Axis { lo, hi, ticks }
}

pub(super) const TIME_STEPS: [i64; 21] = [
    1_000,
    2_000,
    5_000,
    10_000,
    15_000,
    30_000,
    60_000,
    120_000,
    300_000,
    600_000,
    900_000,
    1_800_000,
    3_600_000,
    7_200_000,
    10_800_000,
    21_600_000,
    43_200_000,
    86_400_000,
    172_800_000,
    604_800_000,
    2_592_000_000,
];

/// Time labels for an axis of `cols` columns over `r`: (column, text), at
/// round UTC times, as many as fit with two columns between them.
pub fn time_ticks(r: TimeRange, cols: u16) -> Vec<(u16, String)> {
    let span = r.span().max(1);
    let mut out = Vec::new();
    for step in TIME_STEPS {
        let first =
            r.from_ms.div_euclid(step) * step + if r.from_ms % step == 0 { 0 } else { step };
        let times = (0..)
            .map(|k| first + k * step)
            .take_while(|t| *t <= r.to_ms)
            .take(200);
        out.clear();
        let mut free_from = 0u16;
        let mut all_fit = true;
        for t in times {
            let label = time_label(t, step, span);
            let lw = width_of(&label);
            let start = x_col(t, r, cols)
                .saturating_sub(lw / 2)
                .min(cols.saturating_sub(lw));
            if start < free_from || lw > cols {
                all_fit = false;
                continue;
            }
            free_from = start + lw + 2;
            out.push((start, label));
        }
        // The first step whose labels all fit; the widest keeps what fits.
        if all_fit {
            break;
        }
    }
    out
}

/// The column of time `t` on an axis of `cols` columns over `r`: `from` is
/// the first column, `to` the last.
pub(super) fn x_col(t: i64, r: TimeRange, cols: u16) -> u16 {
    let dots = f64::from(cols) * 2.0 - 1.0;
    let x = ((t - r.from_ms) as f64 / r.span() as f64 * dots).round();
    ((x / 2.0).floor().max(0.0) as u16).min(cols.saturating_sub(1))
}
