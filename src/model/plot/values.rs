//! Panels of single values: stat (with a sparkline), gauge, bar gauge, table.

use super::*;

/// Each series reduced as the panel says, with its name.
pub(super) fn reduced(p: &Panel, data: &PanelData) -> Vec<(String, f64, usize)> {
    data.series
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((clean_line(&s.name), s.reduce(&p.reduce)?, i)))
        .collect()
}

/// Boxes for `n` values: side by side when each gets ten columns, else stacked.
pub(super) fn boxes(w: u16, h: u16, n: usize) -> Vec<(u16, u16, u16, u16)> {
    let n = n.max(1) as u16;
    if w / n >= 10 && (w / n >= h || h / n < 2) {
        (0..n)
            .map(|i| (i * w / n, 0, (i + 1) * w / n - i * w / n, h))
            .collect()
    } else {
        let n = n.min(h.max(1));
        (0..n)
            .map(|i| (0, i * h / n, w, (i + 1) * h / n - i * h / n))
            .collect()
    }
}

pub(super) fn stat(c: &mut Canvas, p: &Panel, data: &PanelData, r: TimeRange) {
    let vals = reduced(p, data);
    if vals.is_empty() {
        message(c, "no data", Style::dim());
        return;
    }
    let (min, max) = implied_range(p);
    let th = steps(&p.thresholds, min.unwrap_or(0.0), max.unwrap_or(100.0));
    let many = vals.len() > 1;
    for ((name, v, si), (bx, by, bw, bh)) in vals.iter().zip(boxes(c.width, c.height, vals.len())) {
        let col = step_color(&th, *v);
        let text = format_value(*v, p.unit.as_deref(), p.decimals);
        let mut style = Style {
            bold: true,
            ..Style::default()
        };
        match p.color_mode {
            ColorMode::Value => style.fg = col,
            ColorMode::Background => {
                if let Some(col) = col {
                    for y in by..by + bh {
                        for x in bx..bx + bw {
                            c.bg(x, y, col);
                        }
                    }
                    style.fg = Some(Rgb(0x10, 0x10, 0x10));
                    style.bg = Some(col);
                }
            }
            ColorMode::None => {}
        }
        // A sparkline needs a line: two points at least.
        let spark = p.sparkline && bh >= 4 && data.series[*si].values().nth(1).is_some();
        let spark_h = if spark { (bh / 3).max(1) } else { 0 };
        let text_h = bh - spark_h;
        let mid = by + text_h.saturating_sub(1 + u16::from(many)) / 2;
        if many {
            let mut ns = style;
            ns.bold = false;
            c.text_centred(bx, mid, bw, name, ns);
        }
        c.text_centred(bx, mid + u16::from(many), bw, &text, style);
        if spark {
            let s = &data.series[*si];
            let line = col.unwrap_or(PALETTE[0]);
            let bg = (p.color_mode == ColorMode::Background).then_some(line);
            sparkline(
                c,
                s,
                r,
                (bx, by + bh - spark_h, bw, spark_h),
                line.dim(0.6),
                bg,
            );
        }
    }
}

/// A small area chart of `s` over `r` in the given box.
pub(super) fn sparkline(
    c: &mut Canvas,
    s: &Series,
    r: TimeRange,
    (x, y, w, h): (u16, u16, u16, u16),
    color: Rgb,
    bg: Option<Rgb>,
) {
    let vals: Vec<f64> = s.values().collect();
    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || w == 0 {
        return;
    }
    let mut cols: Vec<Option<f64>> = vec![None; usize::from(w)];
    for (t, v) in &s.points {
        if let Some(v) = v.filter(|v| v.is_finite()) {
            if *t >= r.from_ms && *t <= r.to_ms {
                cols[usize::from(x_col(*t, r, w))] = Some(v);
            }
        }
    }
    let eighths = f64::from(h) * 8.0;
    for (i, v) in cols.iter().enumerate() {
        let Some(v) = v else { continue };
        // The lowest value still shows an eighth; a flat line half the height.
        let e = if hi > lo {
            1.0 + (v - lo) / (hi - lo) * (eighths - 1.0)
        } else {
            eighths / 2.0
        }
        .round() as u16;
        for row in 0..h {
            let from_bottom = h - 1 - row;
            let part = e.saturating_sub(from_bottom * 8).min(8);
            if part > 0 {
                c.put(
                    x + i as u16,
                    y + row,
                    LOWER[usize::from(part)],
                    Style {
                        fg: Some(color),
                        bg,
                        ..Style::default()
                    },
                );
            }
        }
    }
}

pub(super) const PARTIAL: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/// A horizontal bar `w` columns wide filled to `ratio`, in eighths.
pub(super) fn hbar(c: &mut Canvas, x: u16, y: u16, w: u16, ratio: f64, color: Rgb) {
    let e = (ratio.clamp(0.0, 1.0) * f64::from(w) * 8.0).round() as u16;
    for i in 0..w {
        let part = e.saturating_sub(i * 8).min(8);
        let (ch, style) = match part {
            8 => ('█', Style::fg(color)),
            0 => ('░', Style::dim()),
            k => (
                PARTIAL[usize::from(k)],
                Style {
                    fg: Some(color),
                    ..Style::dim()
                },
            ),
        };
        c.put(x + i, y, ch, style);
    }
}

pub(super) fn gauge(c: &mut Canvas, p: &Panel, data: &PanelData) {
    let vals = reduced(p, data);
    if vals.is_empty() {
        message(c, "no data", Style::dim());
        return;
    }
    // Without min and max Grafana takes them from the data (0 when all positive).
    let all: Vec<f64> = data.series.iter().flat_map(Series::values).collect();
    let (cmin, cmax) = implied_range(p);
    let min = cmin.unwrap_or_else(|| all.iter().copied().fold(0.0, f64::min));
    let mut max = cmax.unwrap_or_else(|| all.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    if max.is_nan() || max <= min {
        max = min + 1.0;
    }
    let th = steps(&p.thresholds, min, max);
    let unit = p.unit.as_deref();
    let fmt = |v: f64| format_value(v, unit, p.decimals);
    let ratio = |v: f64| (v - min) / (max - min);
    if p.type_name == "bargauge" {
        // One row per series: name, bar, value.
        let name_w = vals
            .iter()
            .map(|(n, _, _)| width_of(n))
            .max()
            .unwrap_or(0)
            .min(c.width / 3);
        let val_w = vals
            .iter()
            .map(|(_, v, _)| width_of(&fmt(*v)))
            .max()
            .unwrap_or(0);
        let n = vals.len().min(usize::from(c.height));
        for (i, (name, v, _)) in vals.iter().take(n).enumerate() {
            let y = (i * usize::from(c.height) / n) as u16
                + (c.height / n as u16).saturating_sub(1) / 2;
            let col = step_color(&th, *v).unwrap_or(PALETTE[0]);
            let mut x = 0;
            if name_w > 0 {
                c.text(0, y, name, name_w, Style::default());
                x = name_w + 1;
            }
            let bar_w = c.width.saturating_sub(x + val_w + 1);
            hbar(c, x, y, bar_w, ratio(*v), col);
            c.text_right(c.width, y, &fmt(*v), Style::fg(col));
        }
        return;
    }
    let many = vals.len() > 1;
    for ((name, v, _), (bx, by, bw, bh)) in vals.iter().zip(boxes(c.width, c.height, vals.len())) {
        let col = step_color(&th, *v).unwrap_or(PALETTE[0]);
        let bw = bw.saturating_sub(u16::from(bx > 0));
        let bx = bx + u16::from(bx > 0);
        let value = Style {
            fg: Some(col),
            bold: true,
            ..Style::default()
        };
        // What fits, most important first: value, bar, min/max, name, markers.
        let show_minmax = bh >= 3;
        let show_name = many && bh >= 4;
        let markers = p.threshold_markers && th.len() > 1 && bh >= 5;
        let used = 2 + u16::from(show_minmax) + u16::from(show_name) + u16::from(markers);
        let mut y = by + bh.saturating_sub(used) / 2;
        if bh == 1 {
            let t = fmt(*v);
            let tw = c.text(bx, by, &t, bw, value);
            hbar(
                c,
                bx + tw + 1,
                by,
                bw.saturating_sub(tw + 1),
                ratio(*v),
                col,
            );
            continue;
        }
        if show_name {
            c.text_centred(bx, y, bw, name, Style::default());
            y += 1;
        }
        c.text_centred(bx, y, bw, &fmt(*v), value);
        y += 1;
        hbar(c, bx, y, bw, ratio(*v), col);
        y += 1;
        if markers {
            for i in 0..bw {
                let at = min + (f64::from(i) + 0.5) / f64::from(bw) * (max - min);
                if let Some(m) = step_color(&th, at) {
                    c.put(bx + i, y, '▔', Style::fg(m));
                }
            }
            y += 1;
        }
        if show_minmax {
            c.text(bx, y, &fmt(min), bw / 2, Style::dim());
            c.text_right(bx + bw, y, &fmt(max), Style::dim());
        }
    }
}

pub(super) fn table(c: &mut Canvas, p: &Panel, data: &PanelData) {
    let how = p.reduce.as_str();
    let head = match how {
        "last" => "Last".to_string(),
        other => crate::model::series::Calc::parse(other)
            .map_or("Last".into(), |c| c.label().to_string()),
    };
    let rows: Vec<(String, String)> = data
        .series
        .iter()
        .map(|s| {
            (
                clean_line(&s.name),
                s.reduce(how).map_or("-".into(), |v| {
                    format_value(v, p.unit.as_deref(), p.decimals)
                }),
            )
        })
        .collect();
    let vw = rows
        .iter()
        .map(|(_, v)| width_of(v))
        .chain([width_of(&head)])
        .max()
        .unwrap_or(0)
        .min(c.width / 2);
    let nw = c.width.saturating_sub(vw + 2);
    let bold = Style {
        bold: true,
        ..Style::default()
    };
    c.text(0, 0, "Series", nw, bold);
    c.text_right(c.width, 0, &head, bold);
    let room = usize::from(c.height.saturating_sub(1));
    for (i, (name, v)) in rows.iter().enumerate().take(room) {
        let y = 1 + i as u16;
        if i + 1 == room && rows.len() > room {
            c.text(
                0,
                y,
                &format!("… {} more", rows.len() - i),
                c.width,
                Style::dim(),
            );
            break;
        }
        c.text(0, y, name, nw, Style::default());
        c.text_right(c.width, y, v, Style::default());
    }
}
