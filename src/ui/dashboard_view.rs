//! Grafana dashboards drawn in the terminal: panels placed by `gridPos` on a
//! 24-column grid, line charts with a time axis, big values, gauges, tables.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, BorderType, Borders, Chart, Dataset, Gauge, GraphType, Paragraph, Row, Table, Wrap,
};
use ratatui::Frame;

use crate::engine::dashboards::{DashboardContent, DashboardTab};
use crate::model::grafana::{Panel, PanelKind};
use crate::model::series::PanelData;
use crate::sanitize::clean_line;

const COLORS: [Color; 6] = [
    Color::Green,
    Color::Yellow,
    Color::Cyan,
    Color::Magenta,
    Color::LightRed,
    Color::LightBlue,
];

/// A number with its Grafana unit, the way a person reads it.
pub fn format_value(v: f64, unit: Option<&str>) -> String {
    let compact = |v: f64| {
        let a = v.abs();
        if a >= 1e9 {
            format!("{:.1}G", v / 1e9)
        } else if a >= 1e6 {
            format!("{:.1}M", v / 1e6)
        } else if a >= 1e4 {
            format!("{:.1}k", v / 1e3)
        } else if a >= 100.0 || v == v.trunc() {
            format!("{v:.0}")
        } else if a >= 1.0 {
            format!("{v:.2}")
        } else {
            format!("{v:.3}")
        }
    };
    match unit.unwrap_or("short") {
        "reqps" => format!("{} req/s", compact(v)),
        "ops" => format!("{} ops/s", compact(v)),
        "s" => {
            if v.abs() < 1e-3 && v != 0.0 {
                format!("{:.0} µs", v * 1e6)
            } else if v.abs() < 1.0 {
                format!("{:.1} ms", v * 1e3)
            } else {
                format!("{v:.2} s")
            }
        }
        "ms" => {
            if v.abs() < 1000.0 {
                format!("{v:.1} ms")
            } else {
                format!("{:.2} s", v / 1e3)
            }
        }
        "percent" => format!("{v:.1}%"),
        "percentunit" => format!("{:.1}%", v * 100.0),
        "bytes" | "decbytes" => {
            let units = ["B", "KiB", "MiB", "GiB", "TiB"];
            let mut x = v;
            let mut i = 0;
            while x.abs() >= 1024.0 && i < units.len() - 1 {
                x /= 1024.0;
                i += 1;
            }
            format!("{x:.1} {}", units[i])
        }
        _ => compact(v),
    }
}

/// A Grafana time as written (`now-30s`), or an absolute one as a UTC date.
fn when(s: &str) -> String {
    let Ok(ms) = s.trim().parse::<i64>() else {
        return clean_line(s);
    };
    let days = ms.div_euclid(86_400_000);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {} UTC", hms(ms as f64))
}

fn hms(ms: f64) -> String {
    let secs = (ms / 1000.0) as i64;
    format!(
        "{:02}:{:02}:{:02}",
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60
    )
}

pub fn draw(f: &mut Frame, area: Rect, tab: &DashboardTab, focused: bool) {
    match &tab.content {
        DashboardContent::Url(url) => {
            let lines = vec![
                Line::styled(clean_line(&tab.name), Style::default().add_modifier(Modifier::BOLD)),
                Line::raw(""),
                Line::raw(clean_line(url)),
                Line::raw(""),
                Line::styled(
                    "This dashboard is a web page: lectern opens it in your browser when there is a display. Press y on its action card to copy the URL.",
                    Style::default().fg(Color::DarkGray),
                ),
            ];
            let b = crate::ui::pane(focused, Color::Green)
                .title(format!(" {} ", clean_line(&tab.name)));
            f.render_widget(
                Paragraph::new(lines).wrap(Wrap { trim: false }).block(b),
                area,
            );
        }
        DashboardContent::Grafana {
            dash,
            from,
            to,
            refresh,
            data,
            pending,
            ..
        } => {
            let mut title = format!(
                " {} · {} to {}",
                clean_line(&dash.title),
                when(from),
                when(to)
            );
            if let Some(r) = refresh {
                title.push_str(&format!(" · every {}s", r.as_secs()));
            }
            if *pending {
                title.push_str(" · querying…");
            }
            title.push(' ');
            let outer = crate::ui::pane(focused, Color::Green).title(title);
            let inner = outer.inner(area);
            f.render_widget(outer, area);
            let rows = dash
                .panels
                .iter()
                .map(|p| p.grid.y + p.grid.h)
                .max()
                .unwrap_or(1)
                .max(1);
            for (i, p) in dash.panels.iter().enumerate() {
                let x = inner.x + (u32::from(p.grid.x) * u32::from(inner.width) / 24) as u16;
                let w = ((u32::from(p.grid.x + p.grid.w) * u32::from(inner.width) / 24) as u16)
                    .saturating_sub(x - inner.x);
                let y = inner.y
                    + (u32::from(p.grid.y) * u32::from(inner.height) / u32::from(rows)) as u16;
                let h = ((u32::from(p.grid.y + p.grid.h) * u32::from(inner.height)
                    / u32::from(rows)) as u16)
                    .saturating_sub(y - inner.y);
                let r = Rect {
                    x,
                    y,
                    width: w.min(inner.x + inner.width - x),
                    height: h.min(inner.y + inner.height - y),
                };
                if r.width >= 6 && r.height >= 3 {
                    panel(f, r, p, data.get(i));
                }
            }
        }
        DashboardContent::Terminal(_) => {}
    }
}

fn panel(f: &mut Frame, area: Rect, p: &Panel, data: Option<&PanelData>) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(Color::Blue))
        .title(Span::styled(
            format!(" {} ", clean_line(&p.title)),
            Style::default().add_modifier(Modifier::BOLD),
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if p.kind == PanelKind::Text {
        f.render_widget(
            Paragraph::new(clean_line(p.text.as_deref().unwrap_or(""))).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let Some(data) = data else {
        f.render_widget(
            Paragraph::new("loading…").style(Style::default().fg(Color::DarkGray)),
            inner,
        );
        return;
    };
    if !data.has_data() {
        let why = data
            .error
            .clone()
            .unwrap_or_else(|| "nothing in this time range".into());
        let msg = Paragraph::new(format!("no data: {}", clean_line(&why)))
            .wrap(Wrap { trim: true })
            .style(Style::default().fg(Color::DarkGray));
        f.render_widget(msg, inner);
        return;
    }
    let unit = p.unit.as_deref();
    match p.kind {
        PanelKind::Stat => {
            let v = data.series.iter().find_map(|s| s.reduce(&p.reduce));
            let text = v.map_or("–".into(), |v| format_value(v, unit));
            let y = inner.y + inner.height / 2;
            let line = Rect {
                y,
                height: 1,
                ..inner
            };
            f.render_widget(
                Paragraph::new(Line::styled(
                    text,
                    Style::default()
                        .fg(Color::Green)
                        .add_modifier(Modifier::BOLD),
                ))
                .alignment(ratatui::layout::Alignment::Center),
                line,
            );
        }
        PanelKind::Gauge => {
            let v = data
                .series
                .iter()
                .find_map(|s| s.reduce(&p.reduce))
                .unwrap_or(0.0);
            let (min, max) = (
                p.min.unwrap_or(0.0),
                p.max.unwrap_or(if v > 0.0 { v * 1.25 } else { 1.0 }),
            );
            let ratio = if max > min {
                ((v - min) / (max - min)).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let h = inner.height.min(3);
            let r = Rect {
                y: inner.y + (inner.height - h) / 2,
                height: h,
                ..inner
            };
            let g = Gauge::default()
                .ratio(ratio)
                .label(format!(
                    "{} of {}",
                    format_value(v, unit),
                    format_value(max, unit)
                ))
                .gauge_style(
                    Style::default()
                        .fg(if ratio > 0.85 {
                            Color::Red
                        } else {
                            Color::Green
                        })
                        .bg(Color::Black),
                );
            f.render_widget(g, r);
        }
        PanelKind::Table => {
            let rows: Vec<Row> = data
                .series
                .iter()
                .map(|s| {
                    Row::new(vec![
                        clean_line(&s.name),
                        s.reduce("last")
                            .map_or("–".into(), |v| format_value(v, unit)),
                    ])
                })
                .collect();
            let t = Table::new(
                rows,
                [
                    ratatui::layout::Constraint::Percentage(70),
                    ratatui::layout::Constraint::Percentage(30),
                ],
            )
            .header(
                Row::new(vec!["Series", "Last"])
                    .style(Style::default().add_modifier(Modifier::BOLD)),
            );
            f.render_widget(t, inner);
        }
        _ => chart(f, inner, data, unit),
    }
}

fn chart(f: &mut Frame, area: Rect, data: &PanelData, unit: Option<&str>) {
    let series: Vec<(String, Vec<(f64, f64)>)> = data
        .series
        .iter()
        .map(|s| {
            let pts = s
                .points
                .iter()
                .filter_map(|(t, v)| v.filter(|v| v.is_finite()).map(|v| (*t as f64, v)))
                .collect();
            (clean_line(&s.name), pts)
        })
        .collect();
    let all = series.iter().flat_map(|(_, p)| p.iter());
    let (mut x0, mut x1, mut ymax) = (f64::MAX, f64::MIN, 0.0f64);
    let mut ymin = 0.0f64;
    for (x, y) in all {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        ymax = ymax.max(*y);
        ymin = ymin.min(*y);
    }
    if x1 <= x0 {
        x1 = x0 + 1000.0;
    }
    if ymax <= ymin {
        ymax = ymin + 1.0;
    }
    let ymax = ymax * 1.1;
    let datasets: Vec<Dataset> = series
        .iter()
        .enumerate()
        .map(|(i, (name, pts))| {
            Dataset::default()
                .name(name.clone())
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(Style::default().fg(COLORS[i % COLORS.len()]))
                .data(pts)
        })
        .collect();
    let xl = vec![
        Span::raw(hms(x0)),
        Span::raw(hms((x0 + x1) / 2.0)),
        Span::raw(hms(x1)),
    ];
    let yl = vec![
        Span::raw(format_value(ymin, unit)),
        Span::raw(format_value((ymin + ymax) / 2.0, unit)),
        Span::raw(format_value(ymax, unit)),
    ];
    let c = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([x0, x1])
                .labels(xl)
                .style(Style::default().fg(Color::DarkGray)),
        )
        .y_axis(
            Axis::default()
                .bounds([ymin, ymax])
                .labels(yl)
                .style(Style::default().fg(Color::DarkGray)),
        )
        .legend_position(Some(ratatui::widgets::LegendPosition::TopLeft))
        .hidden_legend_constraints((
            ratatui::layout::Constraint::Ratio(1, 2),
            ratatui::layout::Constraint::Ratio(1, 2),
        ));
    f.render_widget(c, area);
}

#[cfg(test)]
mod tests {
    use super::format_value;

    #[test]
    fn units_read_well() {
        assert_eq!(format_value(5012.0, Some("reqps")), "5012 req/s");
        assert_eq!(format_value(12345.0, Some("reqps")), "12.3k req/s");
        assert_eq!(format_value(0.1018, Some("s")), "101.8 ms");
        assert_eq!(format_value(0.00012, Some("s")), "120 µs");
        assert_eq!(format_value(2.5, Some("s")), "2.50 s");
        assert_eq!(format_value(0.42, Some("percentunit")), "42.0%");
        assert_eq!(format_value(2048.0, Some("bytes")), "2.0 KiB");
    }
}
