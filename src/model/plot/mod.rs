//! Panels drawn as Grafana draws them, as a grid of terminal cells: line,
//! point and bar charts (gaps at nulls, stacking, thresholds, a time axis that
//! spans the query's range exactly, a legend beside the data, never over it),
//! heatmaps, stat, gauge and table panels, and the placement of panels by
//! `gridPos`. Pure: (panel, data, time range, size) in, cells out. The screen
//! only copies the cells, so a panel is computed once per answer, not per frame.

mod axis;
mod chart;
mod heatmap;
mod legend;
mod values;

use std::collections::{BTreeMap, BTreeSet};

use unicode_width::UnicodeWidthChar;

use super::grafana::{
    ColorMode, DrawStyle, Grid, Nulls, Panel, PanelKind, Stacking, ThresholdStyle, Thresholds,
};
use super::series::{PanelData, Series, TimeRange};
use super::units::{format_value, tick_labels, time_label};
use crate::sanitize::clean_line;

// The parts share what is here (`use super::*`), and each other's helpers through these.
use axis::{x_col, TIME_STEPS};
use chart::{chart, implied_range, LOWER};
use heatmap::heatmap;
use legend::{draw_legend, entries, split};
use values::{gauge, stat, table};

pub use axis::{time_ticks, y_axis, Axis};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// The same hue at `f` of its brightness (threshold areas, sparklines).
    pub fn dim(self, f: f64) -> Rgb {
        let s = |c: u8| (f64::from(c) * f).round().clamp(0.0, 255.0) as u8;
        Rgb(s(self.0), s(self.1), s(self.2))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    pub fg: Option<Rgb>,
    pub bg: Option<Rgb>,
    pub bold: bool,
    /// Secondary text: axis labels, messages.
    pub dim: bool,
}

impl Style {
    fn fg(c: Rgb) -> Style {
        Style {
            fg: Some(c),
            ..Style::default()
        }
    }
    fn dim() -> Style {
        Style {
            dim: true,
            ..Style::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    /// `'\0'`: the right half of the wide character before it.
    pub ch: char,
    pub style: Style,
}

const BLANK: Cell = Cell {
    ch: ' ',
    style: Style {
        fg: None,
        bg: None,
        bold: false,
        dim: false,
    },
};

/// What a panel looks like inside its frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Canvas {
    pub width: u16,
    pub height: u16,
    cells: Vec<Cell>,
}

impl Canvas {
    pub fn new(width: u16, height: u16) -> Canvas {
        Canvas {
            width,
            height,
            cells: vec![BLANK; usize::from(width) * usize::from(height)],
        }
    }

    pub fn get(&self, x: u16, y: u16) -> Option<&Cell> {
        (x < self.width && y < self.height)
            .then(|| &self.cells[usize::from(y) * usize::from(self.width) + usize::from(x)])
    }

    fn at(&mut self, x: u16, y: u16) -> Option<&mut Cell> {
        (x < self.width && y < self.height)
            .then(|| &mut self.cells[usize::from(y) * usize::from(self.width) + usize::from(x)])
    }

    fn put(&mut self, x: u16, y: u16, ch: char, style: Style) {
        if let Some(c) = self.at(x, y) {
            *c = Cell { ch, style };
        }
    }

    fn bg(&mut self, x: u16, y: u16, bg: Rgb) {
        if let Some(c) = self.at(x, y) {
            c.style.bg = Some(bg);
        }
    }

    /// Write `s` from `x` on one line, at most `max` columns, ending in `…`
    /// when cut. Returns the columns used. Everything written passes here,
    /// cleaned: units and names come from JSON and from datasources.
    fn text(&mut self, x: u16, y: u16, s: &str, max: u16, style: Style) -> u16 {
        let s = &clean_line(s);
        let max = max.min(self.width.saturating_sub(x));
        let full = width_of(s);
        let mut used = 0u16;
        for ch in s.chars() {
            let w = ch.width().unwrap_or(0) as u16;
            if w == 0 {
                continue;
            }
            let room = if full > max {
                max.saturating_sub(1)
            } else {
                max
            };
            if used + w > room {
                break;
            }
            self.put(x + used, y, ch, style);
            if w == 2 {
                self.put(x + used + 1, y, '\0', style);
            }
            used += w;
        }
        if full > max && max > 0 {
            self.put(x + used, y, '…', style);
            used += 1;
        }
        used
    }

    /// Text right-aligned so that it ends before column `end`.
    fn text_right(&mut self, end: u16, y: u16, s: &str, style: Style) {
        let w = width_of(s).min(end);
        self.text(end - w, y, s, w, style);
    }

    /// Text centred in columns `x..x + w`.
    fn text_centred(&mut self, x: u16, y: u16, w: u16, s: &str, style: Style) {
        let sw = width_of(s).min(w);
        self.text(x + (w - sw) / 2, y, s, sw, style);
    }

    /// The characters, row by row, without trailing blanks (for tests and text output).
    pub fn lines(&self) -> Vec<String> {
        (0..self.height)
            .map(|y| {
                let row: String = (0..self.width)
                    .filter_map(|x| self.get(x, y).map(|c| c.ch))
                    .filter(|c| *c != '\0')
                    .collect();
                row.trim_end().to_string()
            })
            .collect()
    }
}

fn width_of(s: &str) -> u16 {
    s.chars()
        .map(|c| c.width().unwrap_or(0))
        .sum::<usize>()
        .min(usize::from(u16::MAX)) as u16
}

/// Grafana's classic series palette.
const PALETTE: [Rgb; 10] = [
    Rgb(0x7e, 0xb2, 0x6d),
    Rgb(0xea, 0xb8, 0x39),
    Rgb(0x6e, 0xd0, 0xe0),
    Rgb(0xef, 0x84, 0x3c),
    Rgb(0xe2, 0x4d, 0x42),
    Rgb(0x1f, 0x78, 0xc1),
    Rgb(0xba, 0x43, 0xa9),
    Rgb(0x70, 0x5d, 0xa0),
    Rgb(0x50, 0x86, 0x42),
    Rgb(0xcc, 0xa3, 0x00),
];

const GREY: Rgb = Rgb(0x80, 0x80, 0x80);

/// A colour as Grafana writes it: a named colour (`green`, `dark-red`,
/// `semi-dark-orange`, `light-blue`...), `#rgb`, `#rrggbb`, `rgb()` or `rgba()`.
pub fn color(s: &str) -> Option<Rgb> {
    let s = s.trim().to_ascii_lowercase();
    if let Some(hex) = s.strip_prefix('#') {
        let v = |i: usize, n: usize| u8::from_str_radix(hex.get(i..i + n)?, 16).ok();
        return match hex.len() {
            3 | 4 => Some(Rgb(v(0, 1)? * 17, v(1, 1)? * 17, v(2, 1)? * 17)),
            6 | 8 => Some(Rgb(v(0, 2)?, v(2, 2)?, v(4, 2)?)),
            _ => None,
        };
    }
    if let Some(inner) = s
        .strip_prefix("rgba(")
        .or_else(|| s.strip_prefix("rgb("))
        .and_then(|r| r.strip_suffix(')'))
    {
        let mut parts = inner.split(',').map(|p| {
            p.trim()
                .parse::<f64>()
                .ok()
                .map(|f| f.clamp(0.0, 255.0) as u8)
        });
        return Some(Rgb(parts.next()??, parts.next()??, parts.next()??));
    }
    let (shade, hue) = ["super-light-", "light-", "semi-dark-", "dark-"]
        .iter()
        .find_map(|p| s.strip_prefix(p).map(|h| (*p, h)))
        .unwrap_or(("", s.as_str()));
    // (super-light, light, base, semi-dark, dark), as Grafana's dark theme has them.
    let row: [u32; 5] = match hue {
        "green" => [0xc8f2c2, 0x96d98d, 0x73bf69, 0x56a64b, 0x37872d],
        "red" => [0xffa6b0, 0xff7383, 0xf2495c, 0xe02f44, 0xc4162a],
        "yellow" => [0xfff899, 0xffee52, 0xfade2a, 0xf2cc0c, 0xe0b400],
        "orange" => [0xffcb7d, 0xffb357, 0xff9830, 0xff780a, 0xfa6400],
        "blue" => [0xc0d8ff, 0x8ab8ff, 0x5794f2, 0x3274d9, 0x1f60c4],
        "purple" => [0xdeb6f2, 0xca95e5, 0xb877d9, 0xa352cc, 0x8f3bb8],
        "white" => [0xffffff; 5],
        "black" => [0x000000; 5],
        "gray" | "grey" => [0x808080; 5],
        _ => return None,
    };
    let v = row[match shade {
        "super-light-" => 0,
        "light-" => 1,
        "semi-dark-" => 3,
        "dark-" => 4,
        _ => 2,
    }];
    Some(Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8))
}

fn series_color(p: &Panel, name: &str, i: usize) -> Rgb {
    p.series_colors
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, c)| color(c))
        .or_else(|| p.fixed_color.as_deref().and_then(color))
        .unwrap_or(PALETTE[i % PALETTE.len()])
}

/// Threshold steps as absolute values over `min..max` (percentage steps are
/// parts of that range), base first.
fn steps(t: &Thresholds, min: f64, max: f64) -> Vec<(f64, Rgb)> {
    t.steps
        .iter()
        .map(|s| {
            let v = match s.value {
                None => f64::NEG_INFINITY,
                Some(v) if t.percentage => min + v / 100.0 * (max - min),
                Some(v) => v,
            };
            (v, color(&s.color).unwrap_or(GREY))
        })
        .collect()
}

/// The colour of the highest step that `v` reaches.
fn step_color(steps: &[(f64, Rgb)], v: f64) -> Option<Rgb> {
    steps.iter().rev().find(|(at, _)| v >= *at).map(|(_, c)| *c)
}

/// A panel drawn into `w` x `h` cells. `data` None: not queried yet.
pub fn draw_panel(p: &Panel, data: Option<&PanelData>, range: TimeRange, w: u16, h: u16) -> Canvas {
    let mut c = Canvas::new(w, h);
    if w == 0 || h == 0 {
        return c;
    }
    match p.kind {
        PanelKind::Text => {
            message(&mut c, p.text.as_deref().unwrap_or(""), Style::default());
            return c;
        }
        PanelKind::Other => {
            let what = if p.type_name.is_empty() {
                "a panel without a `type`".to_string()
            } else {
                format!("`{}` panels", p.type_name)
            };
            message(
                &mut c,
                &format!("cannot draw: lectern does not draw {what}"),
                Style::dim(),
            );
            return c;
        }
        _ => {}
    }
    let Some(data) = data else {
        message(&mut c, "loading…", Style::dim());
        return c;
    };
    if !data.has_data() {
        let why = data
            .error
            .as_deref()
            .unwrap_or("nothing in this time range");
        message(&mut c, &format!("no data: {why}"), Style::dim());
        return c;
    }
    if range.to_ms <= range.from_ms {
        message(&mut c, "cannot draw: empty time range", Style::dim());
        return c;
    }
    match p.kind {
        PanelKind::Stat => stat(&mut c, p, data, range),
        PanelKind::Gauge => gauge(&mut c, p, data),
        PanelKind::Table => table(&mut c, p, data),
        PanelKind::Heatmap => heatmap(&mut c, p, data, range),
        _ => chart(&mut c, p, data, range),
    }
    c
}

/// Wrapped text from the top left (messages, text panels).
fn message(c: &mut Canvas, text: &str, style: Style) {
    let clean = crate::sanitize::clean(text);
    let opts = textwrap::Options::new(usize::from(c.width).max(1)).break_words(true);
    let mut y = 0;
    for para in clean.lines() {
        for line in textwrap::wrap(&para.replace('\t', " "), &opts) {
            if y >= c.height {
                return;
            }
            c.text(0, y, &line, c.width, style);
            y += 1;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Area {
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
}

/// Place panels by `gridPos` in `width` columns: 24 grid columns across, and
/// between one and two rows per grid row (as many as `height` allows; taller
/// dashboards scroll). Returns each panel's area and the rows they take.
pub fn place(grids: &[Grid], width: u16, height: u16) -> (Vec<Area>, u16) {
    let top = grids.iter().map(|g| g.y).min().unwrap_or(0);
    let units = grids
        .iter()
        .map(|g| u32::from(g.y - top) + u32::from(g.h))
        .max()
        .unwrap_or(1)
        .max(1);
    let per_unit = (f64::from(height) / f64::from(units)).clamp(1.0, 2.0);
    let row = |u: u32| (f64::from(u) * per_unit).round() as u16;
    let col = |u: u32| (u.min(24) * u32::from(width) / 24) as u16;
    let areas = grids
        .iter()
        .map(|g| {
            let (x0, x1) = (col(u32::from(g.x)), col(u32::from(g.x) + u32::from(g.w)));
            let y0 = row(u32::from(g.y - top));
            let y1 = row(u32::from(g.y - top) + u32::from(g.h));
            Area {
                x: x0,
                y: y0,
                w: x1 - x0,
                h: y1 - y0,
            }
        })
        .collect();
    (areas, row(units))
}

#[cfg(test)]
mod tests {
    use super::axis::x_col;
    use super::chart::drawn_series;
    use super::*;
    use crate::model::grafana;

    const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    fn panel(json: serde_json::Value) -> Panel {
        grafana::parse(&serde_json::json!({ "panels": [json] }))
            .unwrap()
            .panels
            .remove(0)
    }

    fn data(series: &[(&str, &[Option<f64>])], step: i64) -> PanelData {
        PanelData {
            series: series
                .iter()
                .map(|(name, vals)| Series {
                    name: name.to_string(),
                    points: vals
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (T0 + i as i64 * step, *v))
                        .collect(),
                })
                .collect(),
            ..Default::default()
        }
    }

    fn range(secs: i64) -> TimeRange {
        TimeRange {
            from_ms: T0,
            to_ms: T0 + secs * 1000,
        }
    }

    #[test]
    fn colours_as_grafana_names_them() {
        assert_eq!(color("green"), Some(Rgb(0x73, 0xbf, 0x69)));
        assert_eq!(color("dark-red"), Some(Rgb(0xc4, 0x16, 0x2a)));
        assert_eq!(color("#EAB839"), Some(Rgb(0xea, 0xb8, 0x39)));
        assert_eq!(color("#fff"), Some(Rgb(255, 255, 255)));
        assert_eq!(color("rgba(245, 54, 54, 0.9)"), Some(Rgb(245, 54, 54)));
        assert_eq!(color("transparent"), None);
        assert_eq!(color("#zz"), None);
    }

    #[test]
    fn nice_axes() {
        let a = y_axis(0.0, 9.3, None, None, 10, None);
        assert_eq!((a.lo, a.hi), (0.0, 10.0));
        assert_eq!(a.ticks, [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        let a = y_axis(3.0, 7.0, Some(0.0), Some(100.0), 4, None);
        assert_eq!((a.lo, a.hi), (0.0, 100.0));
        assert_eq!(a.ticks, [0.0, 50.0, 100.0]);
        // A flat line is drawn in the middle of its axis.
        let a = y_axis(5.0, 5.0, None, None, 4, None);
        assert!(a.lo < 5.0 && a.hi > 5.0);
        let a = y_axis(f64::NAN, 1.0, None, None, 4, None);
        assert!(a.hi > a.lo);
        // Round in the unit shown: MiB for bytes, minutes for long durations.
        let mib = 1024.0 * 1024.0;
        let a = y_axis(0.0, 3.0 * mib, None, None, 6, Some("bytes"));
        assert_eq!(a.ticks, [0.0, mib, 2.0 * mib, 3.0 * mib]);
        let a = y_axis(0.0, 300.0, None, None, 6, Some("s"));
        assert_eq!(a.ticks, [0.0, 120.0, 240.0, 360.0]);
    }

    #[test]
    fn the_time_axis_spans_the_range_exactly() {
        let r = range(60);
        let ticks = time_ticks(r, 60);
        assert_eq!(ticks[0], (0, "00:00:00".to_string()));
        assert!(ticks.iter().all(|(c, l)| c + width_of(l) <= 60));
        // from is the first column, to the last.
        assert_eq!(x_col(r.from_ms, r, 60), 0);
        assert_eq!(x_col(r.to_ms, r, 60), 59);
        assert_eq!(x_col(T0 + 30_000, r, 60), 30);
        // Six hours: labels on the hour or half hour, without seconds.
        let ticks = time_ticks(range(6 * 3600), 80);
        assert!(
            ticks.iter().all(|(_, l)| l.len() == 5 && l.ends_with('0')),
            "{ticks:?}"
        );
    }

    #[test]
    fn nulls_leave_gaps_unless_connected() {
        let vals: &[Option<f64>] = &[Some(1.0), Some(1.0), None, None, Some(1.0), Some(1.0)];
        let d = data(&[("a", vals)], 10_000);
        let draw = |nulls: &str| {
            let p = panel(
                serde_json::json!({"type": "graph", "nullPointMode": nulls, "legend": {"show": false}}),
            );
            draw_panel(&p, Some(&d), range(50), 30, 6).lines()
        };
        let gap = draw("null");
        let joined = draw("connected");
        let zero = draw("null as zero");
        // A flat line at 1 (the middle row, after the axis labels): the gap
        // shows as blanks in it.
        assert_eq!(gap[2], "1.0 ⠤⠤⠤⠤⠤⠄              ⠠⠤⠤⠤⠤⠤", "{gap:#?}");
        assert_eq!(joined[2], format!("1.0 {}", "⠤".repeat(26)), "{joined:#?}");
        // As zero: down to the bottom and back.
        assert!(zero[4].starts_with("0.0          ⠘⣆⣀⣀⣀⣀⣰"), "{zero:#?}");
        assert_ne!(zero, gap);
        // Timeseries: spanNulls decides.
        let p = panel(
            serde_json::json!({"type": "timeseries", "fieldConfig": {"defaults": {"custom": {"spanNulls": true}}}, "options": {"legend": {"showLegend": false}}}),
        );
        assert_eq!(p.nulls, Nulls::Connected);
        let p = panel(
            serde_json::json!({"type": "timeseries", "fieldConfig": {"defaults": {"custom": {"spanNulls": 20000}}}}),
        );
        assert_eq!(p.nulls, Nulls::ConnectUnder(20_000));
        let p = panel(serde_json::json!({"type": "timeseries"}));
        assert_eq!(p.nulls, Nulls::Gap);
    }

    #[test]
    fn stacks_add_up_and_percent_stacks_reach_one() {
        let d = data(
            &[("a", &[Some(1.0), Some(3.0)]), ("b", &[Some(1.0), None])],
            1000,
        );
        let p = panel(serde_json::json!({"type": "graph", "stack": true}));
        let s = drawn_series(&p, &d.series);
        assert_eq!(s[1].points[0], (T0, 1.0, Some(2.0)));
        assert_eq!(s[1].points[1], (T0 + 1000, 3.0, None));
        let p = panel(
            serde_json::json!({"type": "timeseries", "fieldConfig": {"defaults": {"custom": {"stacking": {"mode": "percent"}}}}}),
        );
        let s = drawn_series(&p, &d.series);
        assert_eq!(s[0].points[0].2, Some(0.5));
        assert_eq!(s[1].points[0].2, Some(1.0));
    }

    #[test]
    fn legend_beside_the_data_never_over_it() {
        let d = data(
            &[
                ("web1", &[Some(1.0), Some(2.0)]),
                ("web2", &[Some(2.0), Some(4.0)]),
            ],
            30_000,
        );
        let p = panel(
            serde_json::json!({"type": "timeseries", "fieldConfig": {"defaults": {"unit": "reqps"}},
            "options": {"legend": {"displayMode": "table", "placement": "right", "calcs": ["mean", "max"]}}}),
        );
        let lines = draw_panel(&p, Some(&d), range(30), 70, 8).lines();
        assert!(lines[0].ends_with("Mean      Max"), "{lines:#?}");
        assert!(
            lines[1].contains("■ web1") && lines[1].ends_with("1.50 req/s  2 req/s"),
            "{lines:#?}"
        );
        // The plot ends before the legend starts.
        let legend_x = lines[1].chars().position(|c| c == '■').unwrap();
        for l in &lines {
            let last_dot = l
                .chars()
                .enumerate()
                .filter(|(_, c)| ('\u{2800}'..='\u{28ff}').contains(c))
                .map(|(i, _)| i)
                .max();
            assert!(last_dot.is_none_or(|x| x < legend_x), "{lines:#?}");
        }
        let p = panel(
            serde_json::json!({"type": "graph", "legend": {"show": true, "values": true, "avg": true, "current": true}}),
        );
        let lines = draw_panel(&p, Some(&d), range(30), 70, 8).lines();
        assert_eq!(
            lines[7],
            "■ web1  avg: 1.50  current: 2   ■ web2  avg: 3  current: 4"
        );
    }

    #[test]
    fn units_decimals_and_thresholds_in_stat_and_gauge() {
        let d = data(&[("a", &[Some(0.5), Some(0.87)])], 1000);
        let p = panel(
            serde_json::json!({"type": "stat", "fieldConfig": {"defaults": {"unit": "percentunit", "decimals": 1,
            "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": null}, {"color": "red", "value": 0.8}]}}},
            "options": {"graphMode": "none"}}),
        );
        let c = draw_panel(&p, Some(&d), range(1), 20, 3);
        assert_eq!(c.lines()[1].trim(), "87.0%");
        let x = c.lines()[1].find('8').unwrap() as u16;
        assert_eq!(c.get(x, 1).unwrap().style.fg, color("red"));
        // Without thresholds a stat is green below 80, red from 80, as in Grafana.
        let p = panel(
            serde_json::json!({"type": "gauge", "fieldConfig": {"defaults": {"unit": "percent"}}}),
        );
        let d = data(&[("a", &[Some(40.0)])], 1000);
        let c = draw_panel(&p, Some(&d), range(1), 20, 5);
        let lines = c.lines();
        assert!(lines.iter().any(|l| l.trim() == "40%"), "{lines:#?}");
        assert!(
            lines.iter().any(|l| l.starts_with("████████░")),
            "{lines:#?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("0%") && l.ends_with("100%")),
            "{lines:#?}"
        );
    }

    #[test]
    fn heatmap_buckets_from_prometheus_le() {
        let d = data(
            &[
                ("0.1", &[Some(1.0), Some(1.0)]),
                ("0.5", &[Some(1.0), Some(5.0)]),
                ("+Inf", &[Some(1.0), Some(5.0)]),
            ],
            30_000,
        );
        let p = panel(
            serde_json::json!({"type": "heatmap", "targets": [{"expr": "x_bucket", "format": "heatmap"}]}),
        );
        assert!(p.heatmap.cumulative);
        let c = draw_panel(&p, Some(&d), range(30), 30, 8);
        let lines = c.lines();
        // Cumulative buckets: counts 1, 0, 0 then 1, 4, 0; the 0.5 bucket is the hot one at the end.
        assert!(lines.iter().any(|l| l.contains("+Inf")), "{lines:#?}");
        assert!(
            lines
                .iter()
                .any(|l| l.contains("500 m") || l.contains("0.5")),
            "{lines:#?}"
        );
        assert!(lines.iter().any(|l| l.ends_with('█')), "{lines:#?}");
    }

    #[test]
    fn bad_json_draws_a_reason() {
        let p = panel(serde_json::json!({"type": "piechart", "gridPos": {"x": "wide", "w": -3}}));
        assert_eq!(
            p.grid,
            Grid {
                x: 0,
                y: 0,
                w: 12,
                h: 8
            }
        );
        let c = draw_panel(&p, None, range(1), 40, 3);
        assert_eq!(
            c.lines().join(" ").trim(),
            "cannot draw: lectern does not draw `piechart` panels"
        );
        let p = panel(
            serde_json::json!({"type": "timeseries", "title": 5, "fieldConfig": {"defaults": {"decimals": "x", "thresholds": {"steps": "no"}}}}),
        );
        let d = data(&[("a\u{1b}[31m", &[Some(1.0)])], 1000);
        let c = draw_panel(&p, Some(&d), range(1), 40, 6);
        assert!(c.lines().iter().all(|l| !l.contains('\u{1b}')));
        let c = draw_panel(&p, Some(&d), range(1), 3, 2);
        assert_eq!(c.width, 3);
    }

    #[test]
    fn panels_placed_by_grid_pos() {
        let g = |x, y, w, h| Grid { x, y, w, h };
        let (areas, rows) = place(&[g(0, 0, 16, 8), g(16, 0, 8, 8), g(0, 8, 24, 4)], 120, 40);
        assert_eq!(rows, 24);
        assert_eq!(
            areas[0],
            Area {
                x: 0,
                y: 0,
                w: 80,
                h: 16
            }
        );
        assert_eq!(
            areas[1],
            Area {
                x: 80,
                y: 0,
                w: 40,
                h: 16
            }
        );
        assert_eq!(
            areas[2],
            Area {
                x: 0,
                y: 16,
                w: 120,
                h: 8
            }
        );
        // Short screens: one row per grid row, the rest scrolls.
        let (_, rows) = place(&[g(0, 0, 24, 30)], 120, 20);
        assert_eq!(rows, 30);
    }
}
