//! Legends below or to the right of a chart, as lists or tables of values,
//! and the split of a panel between data and legend.

use super::*;

pub(super) struct Entry {
    name: String,
    color: Rgb,
    values: Vec<String>,
}

pub(super) fn entries(p: &Panel, series: &[Series]) -> Vec<Entry> {
    series
        .iter()
        .enumerate()
        .map(|(i, s)| Entry {
            name: clean_line(&s.name),
            color: series_color(p, &s.name, i),
            values: p
                .legend
                .calcs
                .iter()
                .map(|(c, _)| {
                    s.calc(*c).map_or("-".into(), |v| {
                        format_value(v, p.unit.as_deref(), p.decimals)
                    })
                })
                .collect(),
        })
        .collect()
}

/// "■ name  Mean: 5 req/s  Max: 9 req/s", as a list legend writes an entry.
pub(super) fn list_item(p: &Panel, e: &Entry) -> String {
    let mut s = format!("■ {}", e.name);
    for ((_, label), v) in p.legend.calcs.iter().zip(&e.values) {
        s.push_str(&format!("  {label}: {v}"));
    }
    s
}

/// Rows a bottom legend wants at width `w`.
pub(super) fn legend_rows(p: &Panel, es: &[Entry], w: u16) -> u16 {
    if p.legend.table {
        return es.len() as u16 + u16::from(!p.legend.calcs.is_empty());
    }
    let mut rows = 1;
    let mut x = 0u16;
    for e in es {
        let iw = width_of(&list_item(p, e)).min(w);
        if x > 0 && x + iw > w {
            rows += 1;
            x = 0;
        }
        x += iw + 3;
    }
    rows
}

/// Columns a right-hand legend wants.
pub(super) fn legend_width(p: &Panel, es: &[Entry]) -> u16 {
    if p.legend.table {
        // marker, space, name, a space before the first column
        let name = es.iter().map(|e| width_of(&e.name) + 3).max().unwrap_or(0);
        return name + table_cols(p, es).iter().map(|w| w + 2).sum::<u16>();
    }
    es.iter()
        .map(|e| width_of(&list_item(p, e)))
        .max()
        .unwrap_or(0)
}

pub(super) fn table_cols(p: &Panel, es: &[Entry]) -> Vec<u16> {
    p.legend
        .calcs
        .iter()
        .enumerate()
        .map(|(i, (_, label))| {
            es.iter()
                .map(|e| width_of(&e.values[i]))
                .chain([width_of(label)])
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// Draw a legend in the box at (x, y), `w` x `h`.
pub(super) fn draw_legend(c: &mut Canvas, p: &Panel, es: &[Entry], x: u16, y: u16, w: u16, h: u16) {
    if h == 0 || w == 0 {
        return;
    }
    let more = |c: &mut Canvas, row: u16, n: usize| {
        c.text(x, row, &format!("… {n} more"), w, Style::dim());
    };
    if p.legend.table {
        let mut cols = table_cols(p, es);
        // Names keep some room: value columns that do not fit go, from the right.
        let name_min = es
            .iter()
            .map(|e| width_of(&e.name))
            .max()
            .unwrap_or(0)
            .min(8)
            + 3;
        while !cols.is_empty() && name_min + cols.iter().map(|w| w + 2).sum::<u16>() > w {
            cols.pop();
        }
        let values_w: u16 = cols.iter().map(|w| w + 2).sum();
        let name_w = w.saturating_sub(values_w);
        let mut row = y;
        if !p.legend.calcs.is_empty() {
            let mut end = x + name_w;
            for ((_, label), cw) in p.legend.calcs.iter().zip(&cols) {
                end += cw + 2;
                c.text_right(
                    end.min(x + w),
                    row,
                    label,
                    Style {
                        bold: true,
                        ..Style::default()
                    },
                );
            }
            row += 1;
        }
        for (i, e) in es.iter().enumerate() {
            if row >= y + h {
                break;
            }
            if row + 1 == y + h && i + 1 < es.len() {
                more(c, row, es.len() - i);
                break;
            }
            c.put(x, row, '■', Style::fg(e.color));
            c.text(
                x + 2,
                row,
                &e.name,
                name_w.saturating_sub(3),
                Style::default(),
            );
            let mut end = x + name_w;
            for (v, cw) in e.values.iter().zip(&cols) {
                end += cw + 2;
                c.text_right(end.min(x + w), row, v, Style::default());
            }
            row += 1;
        }
        return;
    }
    let (mut cx, mut row) = (x, y);
    for (i, e) in es.iter().enumerate() {
        let item = list_item(p, e);
        let iw = width_of(&item).min(w);
        if cx > x && cx + iw > x + w {
            row += 1;
            cx = x;
        }
        if row >= y + h {
            break;
        }
        let last_row = row + 1 == y + h;
        if last_row && i + 1 < es.len() {
            // Keep room to say how many did not fit.
            let rest = format!("… {} more", es.len() - i);
            let next_fits = cx + iw + 3 + width_of(&rest) <= x + w;
            if !next_fits {
                more(c, row, es.len() - i);
                break;
            }
        }
        c.put(cx, row, '■', Style::fg(e.color));
        c.text(
            cx + 2,
            row,
            &item[item.find(' ').map_or(0, |i| i + 1)..],
            iw.saturating_sub(2),
            Style::default(),
        );
        cx += iw + 3;
    }
}

/// Split a chart's box into plot and legend: (plot w, plot h, legend box).
pub(super) struct Split {
    pub(super) plot_w: u16,
    pub(super) plot_h: u16,
    pub(super) legend: Option<(u16, u16, u16, u16)>,
}

pub(super) fn split(p: &Panel, es: &[Entry], w: u16, h: u16, x_rows: u16) -> Split {
    let none = Split {
        plot_w: w,
        plot_h: h.saturating_sub(x_rows),
        legend: None,
    };
    if !p.legend.show || es.is_empty() {
        return none;
    }
    if p.legend.right {
        let lw = legend_width(p, es).min(w / 2);
        if w.saturating_sub(lw + 1) >= 16 && lw >= 6 {
            return Split {
                plot_w: w - lw - 1,
                plot_h: h.saturating_sub(x_rows),
                legend: Some((w - lw, 0, lw, h)),
            };
        }
    }
    let want = legend_rows(p, es, w);
    let room = h.saturating_sub(x_rows + 3).min((h * 2 / 5).max(1));
    let lh = want.min(room);
    if lh == 0 {
        return none;
    }
    Split {
        plot_w: w,
        plot_h: h - lh - x_rows,
        legend: Some((0, h - lh, w, lh)),
    }
}
