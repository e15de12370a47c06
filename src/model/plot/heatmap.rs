//! Heatmaps: from bucket series (Prometheus `le` buckets, cumulative or not)
//! or from raw values bucketed here.

use super::*;

/// A bucket's upper bound from a series name: `0.25`, `+Inf`, or `le="0.25"`.
pub(super) fn bound(name: &str) -> Option<f64> {
    let n = name.trim();
    let v = match n.find("le=\"") {
        Some(at) => n[at + 4..].split('"').next()?,
        None => n,
    };
    match v.trim() {
        "+Inf" | "Inf" | "inf" | "+inf" => Some(f64::INFINITY),
        s => s.parse().ok().filter(|f: &f64| !f.is_nan()),
    }
}

/// Darkest to brightest, as Grafana's "Oranges" on a dark theme.
pub(super) fn heat(f: f64) -> Rgb {
    let (a, b) = (Rgb(0x6b, 0x2a, 0x08), Rgb(0xfd, 0xd0, 0x9c));
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * f).round() as u8;
    Rgb(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

pub(super) const SHADES: [char; 4] = ['░', '▒', '▓', '█'];

/// What falls into one row of a heatmap: (start, ms wide, amount).
pub(super) type Cells = Vec<(i64, i64, f64)>;

/// The smallest gap between the times of any one series (the data's step).
pub(super) fn data_step(series: &[Series]) -> Option<i64> {
    series
        .iter()
        .flat_map(|s| s.points.windows(2).map(|w| w[1].0 - w[0].0))
        .filter(|d| *d > 0)
        .min()
}

pub(super) fn heatmap(c: &mut Canvas, p: &Panel, data: &PanelData, r: TimeRange) {
    let (w, h) = (c.width, c.height);
    let bounds: Vec<Option<f64>> = data.series.iter().map(|s| bound(&s.name)).collect();
    let as_buckets = p
        .heatmap
        .buckets
        .unwrap_or(data.series.len() > 1 && bounds.iter().all(Option::is_some));
    let x_rows = u16::from(h >= 4);
    let legend_row = u16::from(p.legend.show && h >= 6);
    let ph = h.saturating_sub(x_rows + legend_row);
    if ph == 0 || w < 8 {
        message(c, "cannot draw: the panel is too small", Style::dim());
        return;
    }
    // Rows of the grid from the bottom, each a list of (time, value) to count.
    let unit = p.unit.as_deref();
    let (rows, labels): (Vec<Cells>, Vec<(u16, String)>) = if as_buckets {
        let mut order: Vec<usize> = (0..data.series.len()).collect();
        let key = |i: &usize| bounds[*i].unwrap_or(f64::INFINITY);
        order.sort_by(|a, b| {
            key(a)
                .partial_cmp(&key(b))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        // A bucket's cell reaches to the next sample.
        let step = data_step(&data.series).unwrap_or(1);
        let mut buckets: Vec<Cells> = Vec::new();
        let mut below: BTreeMap<i64, f64> = BTreeMap::new();
        for i in &order {
            let mut cells = Vec::new();
            for (t, v) in &data.series[*i].points {
                let Some(v) = v.filter(|v| v.is_finite()) else {
                    continue;
                };
                let count = if p.heatmap.cumulative {
                    let prev = below.insert(*t, v).unwrap_or(0.0);
                    (v - prev).max(0.0)
                } else {
                    v
                };
                cells.push((*t, step, count));
            }
            buckets.push(cells);
        }
        let n = buckets.len().max(1);
        let rows_n = usize::from(ph);
        let mut rows = vec![Vec::new(); rows_n];
        let mut labels = Vec::new();
        for (b, cells) in buckets.into_iter().enumerate() {
            // Buckets share the rows evenly; more buckets than rows share a row.
            let (r0, r1) = (
                b * rows_n / n,
                ((b + 1) * rows_n / n).max(b * rows_n / n + 1),
            );
            let mid = (r0 + r1 - 1) / 2;
            let label = match bounds[order[b]] {
                Some(v) if v.is_infinite() => "+Inf".to_string(),
                Some(v) => format_value(v, unit, p.decimals),
                None => clean_line(&data.series[order[b]].name),
            };
            labels.push((mid.min(rows_n - 1) as u16, label));
            for row in rows.iter_mut().take(r1.min(rows_n)).skip(r0) {
                row.extend(cells.iter().copied());
            }
        }
        (rows, labels)
    } else {
        let vals: Vec<f64> = data.series.iter().flat_map(Series::values).collect();
        let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let axis = y_axis(lo, hi, p.min, p.max, ph, unit);
        let size = (axis.hi - axis.lo) / f64::from(ph);
        // Time buckets: a round step holding a few samples of each series,
        // at least a column wide.
        let want = (4 * data_step(&data.series).unwrap_or(1)).max(r.span() / i64::from(w.max(1)));
        let xb = TIME_STEPS
            .into_iter()
            .find(|s| *s >= want)
            .unwrap_or(TIME_STEPS[TIME_STEPS.len() - 1]);
        let mut rows = vec![Vec::new(); usize::from(ph)];
        for s in &data.series {
            for (t, v) in &s.points {
                let Some(v) = v.filter(|v| v.is_finite()) else {
                    continue;
                };
                let row = ((v - axis.lo) / size).floor();
                if row >= 0.0 && (row as usize) < rows.len() {
                    let start = r.from_ms + (t - r.from_ms).div_euclid(xb) * xb;
                    rows[row as usize].push((start, xb, 1.0));
                }
            }
        }
        let texts = tick_labels(&axis.ticks, unit, p.decimals);
        let labels = axis
            .ticks
            .iter()
            .zip(texts)
            .map(|(t, l)| {
                let row = (((t - axis.lo) / size).floor().max(0.0) as usize).min(rows.len() - 1);
                (row as u16, l)
            })
            .collect();
        (rows, labels)
    };
    let lw = labels
        .iter()
        .map(|(_, l)| width_of(l))
        .max()
        .unwrap_or(0)
        .min(w / 3);
    let x0 = lw + 1;
    let pw = w.saturating_sub(x0);
    if pw < 4 {
        message(c, "cannot draw: the panel is too small", Style::dim());
        return;
    }
    let mut grid = vec![0.0f64; usize::from(pw) * usize::from(ph)];
    let mut filled = vec![false; grid.len()];
    for (row, cells) in rows.iter().enumerate() {
        for (t, span, v) in cells {
            if *t + span <= r.from_ms || *t > r.to_ms {
                continue;
            }
            let c0 = x_col((*t).max(r.from_ms), r, pw);
            let c1 = if t + span > r.to_ms {
                pw
            } else {
                x_col(t + span, r, pw).max(c0 + 1)
            };
            for col in c0..c1 {
                let i = row * usize::from(pw) + usize::from(col);
                grid[i] += v;
                filled[i] = true;
            }
        }
    }
    let max = grid.iter().copied().fold(0.0, f64::max);
    for row in 0..ph {
        let from_bottom = usize::from(ph - 1 - row);
        for col in 0..pw {
            let i = from_bottom * usize::from(pw) + usize::from(col);
            if !filled[i] || grid[i] <= 0.0 || max <= 0.0 {
                continue;
            }
            let f = grid[i] / max;
            let ch = SHADES[((f * 4.0).ceil() as usize).clamp(1, 4) - 1];
            c.put(x0 + col, row, ch, Style::fg(heat(f)));
        }
    }
    let mut last = None;
    for (row, label) in labels.iter().rev() {
        let y = ph - 1 - row;
        if last.is_some_and(|l: u16| y <= l) {
            continue;
        }
        last = Some(y);
        c.text_right(lw, y, label, Style::dim());
    }
    if x_rows > 0 {
        for (col, label) in time_ticks(r, pw) {
            c.text(x0 + col, ph, &label, pw - col, Style::dim());
        }
    }
    if legend_row > 0 {
        let y = h - 1;
        let mut x = c.text(0, y, "0 ", w, Style::dim());
        for (i, ch) in SHADES.iter().enumerate() {
            c.put(x, y, *ch, Style::fg(heat((i + 1) as f64 / 4.0)));
            x += 1;
        }
        let top = if as_buckets {
            format_value(max, None, None)
        } else {
            format!("{} per cell", format_value(max, None, None))
        };
        c.text(x + 1, y, &top, w.saturating_sub(x + 1), Style::dim());
    }
}
