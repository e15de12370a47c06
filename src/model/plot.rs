//! Panels drawn as Grafana draws them, as a grid of terminal cells: line,
//! point and bar charts (gaps at nulls, stacking, thresholds, a time axis that
//! spans the query's range exactly, a legend beside the data, never over it),
//! heatmaps, stat, gauge and table panels, and the placement of panels by
//! `gridPos`. Pure: (panel, data, time range, size) in, cells out. The screen
//! only copies the cells, so a panel is computed once per answer, not per frame.

use std::collections::{BTreeMap, BTreeSet};

use unicode_width::UnicodeWidthChar;

use super::grafana::{
    ColorMode, DrawStyle, Grid, Nulls, Panel, PanelKind, Stacking, ThresholdStyle, Thresholds,
};
use super::series::{PanelData, Series, TimeRange};
use super::units::{format_value, tick_labels, time_label};
use crate::sanitize::clean_line;

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

// ---------------------------------------------------------------- axes

/// 1, 2, 2.5 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
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
fn unit_ratio(unit: Option<&str>, v: f64) -> f64 {
    let (x, _, _) = super::units::scale(v, unit);
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

const TIME_STEPS: [i64; 21] = [
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
fn x_col(t: i64, r: TimeRange, cols: u16) -> u16 {
    let dots = f64::from(cols) * 2.0 - 1.0;
    let x = ((t - r.from_ms) as f64 / r.span() as f64 * dots).round();
    ((x / 2.0).floor().max(0.0) as u16).min(cols.saturating_sub(1))
}

// ---------------------------------------------------------------- legend

struct Entry {
    name: String,
    color: Rgb,
    values: Vec<String>,
}

fn entries(p: &Panel, series: &[Series]) -> Vec<Entry> {
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
fn list_item(p: &Panel, e: &Entry) -> String {
    let mut s = format!("■ {}", e.name);
    for ((_, label), v) in p.legend.calcs.iter().zip(&e.values) {
        s.push_str(&format!("  {label}: {v}"));
    }
    s
}

/// Rows a bottom legend wants at width `w`.
fn legend_rows(p: &Panel, es: &[Entry], w: u16) -> u16 {
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
fn legend_width(p: &Panel, es: &[Entry]) -> u16 {
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

fn table_cols(p: &Panel, es: &[Entry]) -> Vec<u16> {
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
fn draw_legend(c: &mut Canvas, p: &Panel, es: &[Entry], x: u16, y: u16, w: u16, h: u16) {
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
struct Split {
    plot_w: u16,
    plot_h: u16,
    legend: Option<(u16, u16, u16, u16)>,
}

fn split(p: &Panel, es: &[Entry], w: u16, h: u16, x_rows: u16) -> Split {
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

// ---------------------------------------------------------------- charts

/// Braille dots over a plot: 2 x 4 dots a cell; a cell takes the colour of
/// the last line through it.
struct Dots {
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
struct Drawn {
    color: Rgb,
    points: Vec<(i64, f64, Option<f64>)>,
}

/// Nulls as the panel says, then stacks: returns what to draw.
fn drawn_series(p: &Panel, series: &[Series]) -> Vec<Drawn> {
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
fn implied_range(p: &Panel) -> (Option<f64>, Option<f64>) {
    match p.unit.as_deref() {
        Some("percent") => (p.min.or(Some(0.0)), p.max.or(Some(100.0))),
        Some("percentunit") => (p.min.or(Some(0.0)), p.max.or(Some(1.0))),
        _ => (p.min, p.max),
    }
}

fn chart(c: &mut Canvas, p: &Panel, data: &PanelData, r: TimeRange) {
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

const LOWER: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Bars in eighths of a cell: each point a bar as wide as the spacing of the
/// points allows (80 %, at least one column), stacked or tallest behind.
fn bar_cells(
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

// ---------------------------------------------------------------- heatmap

/// A bucket's upper bound from a series name: `0.25`, `+Inf`, or `le="0.25"`.
fn bound(name: &str) -> Option<f64> {
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
fn heat(f: f64) -> Rgb {
    let (a, b) = (Rgb(0x6b, 0x2a, 0x08), Rgb(0xfd, 0xd0, 0x9c));
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * f).round() as u8;
    Rgb(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

const SHADES: [char; 4] = ['░', '▒', '▓', '█'];

/// What falls into one row of a heatmap: (start, ms wide, amount).
type Cells = Vec<(i64, i64, f64)>;

/// The smallest gap between the times of any one series (the data's step).
fn data_step(series: &[Series]) -> Option<i64> {
    series
        .iter()
        .flat_map(|s| s.points.windows(2).map(|w| w[1].0 - w[0].0))
        .filter(|d| *d > 0)
        .min()
}

fn heatmap(c: &mut Canvas, p: &Panel, data: &PanelData, r: TimeRange) {
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

// ---------------------------------------------------------------- values

/// Each series reduced as the panel says, with its name.
fn reduced(p: &Panel, data: &PanelData) -> Vec<(String, f64, usize)> {
    data.series
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((clean_line(&s.name), s.reduce(&p.reduce)?, i)))
        .collect()
}

/// Boxes for `n` values: side by side when each gets ten columns, else stacked.
fn boxes(w: u16, h: u16, n: usize) -> Vec<(u16, u16, u16, u16)> {
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

fn stat(c: &mut Canvas, p: &Panel, data: &PanelData, r: TimeRange) {
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
fn sparkline(
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

const PARTIAL: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/// A horizontal bar `w` columns wide filled to `ratio`, in eighths.
fn hbar(c: &mut Canvas, x: u16, y: u16, w: u16, ratio: f64, color: Rgb) {
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

fn gauge(c: &mut Canvas, p: &Panel, data: &PanelData) {
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

fn table(c: &mut Canvas, p: &Panel, data: &PanelData) {
    let how = p.reduce.as_str();
    let head = match how {
        "last" => "Last".to_string(),
        other => super::series::Calc::parse(other).map_or("Last".into(), |c| c.label().to_string()),
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

// ---------------------------------------------------------------- grid

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
