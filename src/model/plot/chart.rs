//! Time series charts: lines (gaps at nulls, as the panel says), points and
//! bars, stacked or not, with threshold lines or areas, as braille dots and
//! eighth blocks.

use super::*;

/// Braille dots over a plot: 2 x 4 dots a cell; a cell takes the colour of
/// the last line through it.
pub(super) struct Dots {
    w: u16,
    h: u16,
    bits: Vec<u8>,
    color: Vec<Option<Rgb>>,
}

impl Dots {
    fn new(w: u16, h: u16) -> Dots {
        let n = usize::from(w) * usize::from(h);
        Dots {
            w,
            h,
            bits: vec![0; n],
            color: vec![None; n],
        }
    }

    fn dot(&mut self, x: i64, y: i64, c: Rgb) {
        if x < 0 || y < 0 || x >= i64::from(self.w) * 2 || y >= i64::from(self.h) * 4 {
            return;
        }
        const BITS: [[u8; 4]; 2] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]];
        let i = (y / 4) as usize * usize::from(self.w) + (x / 2) as usize;
        self.bits[i] |= BITS[(x % 2) as usize][(y % 4) as usize];
        self.color[i] = Some(c);
    }

    /// A straight line between two points in dot coordinates, without holes.
    fn line(&mut self, (x0, y0): (f64, f64), (x1, y1): (f64, f64), c: Rgb) {
        let (a, b) = (x0.round() as i64, x1.round() as i64);
        // Only the dots that can be seen: a segment may reach far outside.
        let bottom = i64::from(self.h) * 4;
        let rows = |ya: f64, yb: f64| {
            let lo = (ya.min(yb).round() as i64).max(-1);
            let hi = (ya.max(yb).round() as i64).min(bottom);
            lo..=hi
        };
        if a == b {
            for y in rows(y0, y1) {
                self.dot(a, y, c);
            }
            return;
        }
        let y_at = |x: f64| y0 + (y1 - y0) * ((x - x0) / (x1 - x0));
        let first = a.max(-1);
        let last = b.min(i64::from(self.w) * 2);
        for x in first..=last {
            let xa = (x as f64 - 0.5).max(x0);
            let xb = (x as f64 + 0.5).min(x1);
            for y in rows(y_at(xa), y_at(xb)) {
                self.dot(x, y, c);
            }
        }
    }
}

/// A series as drawn: each point with the value under it (stacks) and its own top.
pub(super) struct Drawn {
    color: Rgb,
    pub(super) points: Vec<(i64, f64, Option<f64>)>,
}

/// Nulls as the panel says, then stacks: returns what to draw.
pub(super) fn drawn_series(p: &Panel, series: &[Series]) -> Vec<Drawn> {
    let value = |v: Option<f64>| match v.filter(|v| v.is_finite()) {
        None if p.nulls == Nulls::AsZero => Some(0.0),
        v => v,
    };
    let mut totals: BTreeMap<i64, f64> = BTreeMap::new();
    if p.stacking == Stacking::Percent {
        for s in series {
            for (t, v) in &s.points {
                *totals.entry(*t).or_default() += value(*v).unwrap_or(0.0);
            }
        }
    }
    let mut running: BTreeMap<i64, f64> = BTreeMap::new();
    series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut points: Vec<(i64, f64, Option<f64>)> = s
                .points
                .iter()
                .map(|(t, v)| {
                    let v = value(*v);
                    match p.stacking {
                        Stacking::None => (*t, 0.0, v),
                        _ => {
                            let below = running.get(t).copied().unwrap_or(0.0);
                            let top = v.map(|v| below + v);
                            if let Some(top) = top {
                                running.insert(*t, top);
                            }
                            match totals.get(t) {
                                Some(total) if p.stacking == Stacking::Percent => {
                                    let f = |x: f64| if *total == 0.0 { 0.0 } else { x / total };
                                    (*t, f(below), top.map(f))
                                }
                                _ => (*t, below, top),
                            }
                        }
                    }
                })
                .collect();
            points.sort_by_key(|(t, _, _)| *t);
            Drawn {
                color: series_color(p, &s.name, i),
                points,
            }
        })
        .collect()
}

/// Grafana's implied ranges: percent is 0..100, percentunit 0..1, unless set.
pub(super) fn implied_range(p: &Panel) -> (Option<f64>, Option<f64>) {
    match p.unit.as_deref() {
        Some("percent") => (p.min.or(Some(0.0)), p.max.or(Some(100.0))),
        Some("percentunit") => (p.min.or(Some(0.0)), p.max.or(Some(1.0))),
        _ => (p.min, p.max),
    }
}

pub(super) fn chart(c: &mut Canvas, p: &Panel, data: &PanelData, r: TimeRange) {
    let (w, h) = (c.width, c.height);
    let es = entries(p, &data.series);
    let x_rows = u16::from(h >= 4);
    let sp = split(p, &es, w, h, x_rows);
    if let Some((lx, ly, lw, lh)) = sp.legend {
        draw_legend(c, p, &es, lx, ly, lw, lh);
    }
    let drawn = drawn_series(p, &data.series);
    let bars = p.draw == DrawStyle::Bars;
    let stacked = p.stacking != Stacking::None;
    let percent = p.stacking == Stacking::Percent;
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for d in &drawn {
        for (t, below, top) in &d.points {
            if *t < r.from_ms || *t > r.to_ms {
                continue;
            }
            if let Some(v) = top {
                lo = lo.min(*v);
                hi = hi.max(*v);
                if stacked {
                    lo = lo.min(*below);
                }
            }
        }
    }
    if !lo.is_finite() {
        // Data, but none of it inside the range.
        (lo, hi) = (0.0, 1.0);
    }
    if bars || stacked {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if let Some(m) = p.soft_min {
        lo = lo.min(m);
    }
    if let Some(m) = p.soft_max {
        hi = hi.max(m);
    }
    let (unit, (hard_lo, hard_hi)) = if percent {
        (Some("percentunit"), (Some(0.0), Some(1.0)))
    } else {
        (p.unit.as_deref(), implied_range(p))
    };
    let ph = sp.plot_h;
    if ph == 0 || sp.plot_w < 4 {
        message(c, "cannot draw: the panel is too small", Style::dim());
        return;
    }
    let axis = y_axis(lo, hi, hard_lo, hard_hi, ph, unit);
    let labels = tick_labels(&axis.ticks, unit, p.decimals);
    let lw = labels.iter().map(|l| width_of(l)).max().unwrap_or(0);
    let lw = if sp.plot_w >= lw + 8 { lw } else { 0 };
    let x0 = if lw > 0 { lw + 1 } else { 0 };
    let pw = sp.plot_w - x0;
    // y labels
    let span = axis.hi - axis.lo;
    let y_dot = |v: f64| (axis.hi - v) / span * (f64::from(ph) * 4.0 - 1.0);
    if lw > 0 {
        let mut last_row = None;
        for (t, label) in axis.ticks.iter().zip(&labels).rev() {
            // The row its dots fall in, as the data are rounded.
            let row = ((y_dot(*t).round() / 4.0).floor().max(0.0) as u16).min(ph - 1);
            if last_row == Some(row) {
                continue;
            }
            last_row = Some(row);
            c.text_right(lw, row, label, Style::dim());
        }
    }
    // x labels: the query's range, edge to edge
    if x_rows > 0 {
        for (col, label) in time_ticks(r, pw) {
            c.text(x0 + col, ph, &label, pw - col, Style::dim());
        }
    }
    let x_dot = |t: i64| (t - r.from_ms) as f64 / r.span() as f64 * (f64::from(pw) * 2.0 - 1.0);
    let mut dots = Dots::new(pw, ph);
    let th = steps(&p.thresholds, axis.lo, axis.hi);
    let style = p.thresholds.style;
    if matches!(style, ThresholdStyle::Area | ThresholdStyle::LineArea) {
        for row in 0..ph {
            let v = axis.hi - (f64::from(row) + 0.5) / f64::from(ph) * span;
            if let Some(col) = step_color(&th, v) {
                for x in 0..pw {
                    c.bg(x0 + x, row, col.dim(0.3));
                }
            }
        }
    }
    if matches!(
        style,
        ThresholdStyle::Line | ThresholdStyle::Dashed | ThresholdStyle::LineArea
    ) {
        for (v, col) in th.iter().filter(|(v, _)| v.is_finite()) {
            if *v < axis.lo || *v > axis.hi {
                continue;
            }
            let y = y_dot(*v).round() as i64;
            for x in 0..i64::from(pw) * 2 {
                if style == ThresholdStyle::Dashed && (x / 2) % 2 == 1 {
                    continue;
                }
                dots.dot(x, y, *col);
            }
        }
    }
    let mut blocks: Vec<Option<Cell>> = Vec::new();
    if bars {
        blocks = bar_cells(&drawn, r, &axis, pw, ph, stacked);
    } else {
        for d in &drawn {
            let mut prev: Option<(i64, f64)> = None;
            let mut alone: Option<(i64, f64)> = None;
            for (t, _, top) in &d.points {
                let Some(v) = top else {
                    if p.nulls == Nulls::Gap {
                        if let Some((pt, pv)) = alone.take() {
                            dots.dot(x_dot(pt).round() as i64, y_dot(pv).round() as i64, d.color);
                        }
                        prev = None;
                    }
                    continue;
                };
                let here = (x_dot(*t), y_dot(*v));
                if p.draw == DrawStyle::Points {
                    dots.dot(here.0.round() as i64, here.1.round() as i64, d.color);
                    continue;
                }
                match prev {
                    Some((pt, pv)) if !matches!(p.nulls, Nulls::ConnectUnder(max) if t - pt > max) =>
                    {
                        dots.line((x_dot(pt), y_dot(pv)), here, d.color);
                        alone = None;
                    }
                    _ => {
                        if let Some((at, av)) = alone.take() {
                            dots.dot(x_dot(at).round() as i64, y_dot(av).round() as i64, d.color);
                        }
                        alone = Some((*t, *v));
                    }
                }
                prev = Some((*t, *v));
            }
            if let Some((t, v)) = alone {
                dots.dot(x_dot(t).round() as i64, y_dot(v).round() as i64, d.color);
            }
        }
    }
    for row in 0..ph {
        for col in 0..pw {
            let i = usize::from(row) * usize::from(pw) + usize::from(col);
            let (x, y) = (x0 + col, row);
            if let Some(Some(cell)) = blocks.get(i) {
                let bg = c.get(x, y).and_then(|c| c.style.bg);
                let mut cell = *cell;
                cell.style.bg = cell.style.bg.or(bg);
                c.put(x, y, cell.ch, cell.style);
            } else if dots.bits[i] != 0 {
                let ch = char::from_u32(0x2800 + u32::from(dots.bits[i])).unwrap_or('·');
                let bg = c.get(x, y).and_then(|c| c.style.bg);
                c.put(
                    x,
                    y,
                    ch,
                    Style {
                        fg: dots.color[i],
                        bg,
                        ..Style::default()
                    },
                );
            }
        }
    }
}

pub(super) const LOWER: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Bars in eighths of a cell: each point a bar as wide as the spacing of the
/// points allows (80 %, at least one column), stacked or tallest behind.
pub(super) fn bar_cells(
    drawn: &[Drawn],
    r: TimeRange,
    axis: &Axis,
    w: u16,
    h: u16,
    stacked: bool,
) -> Vec<Option<Cell>> {
    let times: BTreeSet<i64> = drawn
        .iter()
        .flat_map(|d| d.points.iter().map(|(t, _, _)| *t))
        .filter(|t| *t >= r.from_ms && *t <= r.to_ms)
        .collect();
    let gap = times
        .iter()
        .zip(times.iter().skip(1))
        .map(|(a, b)| b - a)
        .min()
        .unwrap_or(r.span());
    let cols_per_ms = f64::from(w) / r.span() as f64;
    let bar_w = (gap as f64 * cols_per_ms * 0.8).max(1.0);
    let eighths = i64::from(h) * 8;
    let to_e = |v: f64| {
        (((v - axis.lo) / (axis.hi - axis.lo)) * eighths as f64)
            .round()
            .clamp(0.0, eighths as f64) as i64
    };
    let base = to_e(0.0f64.clamp(axis.lo, axis.hi));
    // owner of each eighth of each column: the series index
    let mut owner: Vec<Option<usize>> = vec![None; usize::from(w) * eighths as usize];
    for t in &times {
        let centre = (t - r.from_ms) as f64 * cols_per_ms;
        let (a, b) = (centre - bar_w / 2.0, centre + bar_w / 2.0);
        let mut cols: Vec<u16> = (0..w)
            .filter(|c| {
                let mid = f64::from(*c) + 0.5;
                mid >= a && mid <= b
            })
            .collect();
        if cols.is_empty() {
            cols.push((centre.floor().max(0.0) as u16).min(w - 1));
        }
        let mut segs: Vec<(usize, i64, i64)> = drawn
            .iter()
            .enumerate()
            .filter_map(|(i, d)| {
                // Points are sorted by time.
                let at = d.points.binary_search_by_key(t, |(pt, _, _)| *pt).ok()?;
                let (_, below, top) = &d.points[at];
                let top = (*top)?;
                let (from, to) = if stacked {
                    (to_e(*below), to_e(top))
                } else {
                    (base, to_e(top))
                };
                Some((i, from.min(to), from.max(to)))
            })
            .collect();
        if !stacked {
            // Tallest first, so that every bar's top shows.
            segs.sort_by_key(|(_, a, b)| std::cmp::Reverse(b - a));
        }
        for c in cols {
            for (i, a, b) in &segs {
                for e in *a..*b {
                    owner[usize::from(c) * eighths as usize + e as usize] = Some(*i);
                }
            }
        }
    }
    let mut out = vec![None; usize::from(w) * usize::from(h)];
    for c in 0..usize::from(w) {
        for row in 0..usize::from(h) {
            let from_bottom = usize::from(h) - 1 - row;
            let e0 = c * eighths as usize + from_bottom * 8;
            let cell = &owner[e0..e0 + 8];
            let low = cell[0];
            let run = cell.iter().take_while(|o| **o == low).count();
            let high = cell[7];
            let color = |o: Option<usize>| o.map(|i| drawn[i].color);
            out[row * usize::from(w) + c] = match (low, run) {
                (None, 8) => None,
                (Some(i), 8) => Some(Cell {
                    ch: '█',
                    style: Style::fg(drawn[i].color),
                }),
                (Some(i), k) => Some(Cell {
                    ch: LOWER[k],
                    style: Style {
                        fg: Some(drawn[i].color),
                        bg: color(high),
                        ..Style::default()
                    },
                }),
                // Empty below, a bar above (negative bars, a raised base):
                // whole cells, by the larger part.
                (None, k) => (k < 4).then(|| Cell {
                    ch: '█',
                    style: Style {
                        fg: color(high),
                        ..Style::default()
                    },
                }),
            };
        }
    }
    out
}
