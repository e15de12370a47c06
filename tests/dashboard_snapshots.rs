//! Dashboards drawn as Grafana draws them, from fixed data (no clock, no
//! servers, times in UTC): the bundled dashboards, and one fixture dashboard
//! per feature (gaps, legends, the x range, units, thresholds, stacking,
//! bars, heatmaps, stat, gauge, grid positions, a panel full screen).

use std::path::Path;
use std::time::Duration;

use lectern::engine::dashboards::{DashboardContent, DashboardTab};
use lectern::model::grafana::{self, Dashboard};
use lectern::model::series::{PanelData, Series, TimeRange};
use lectern::ui::dashboard_view::{self, DashView};
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::Terminal;

const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const MIN: i64 = 60_000;
const RANGE: TimeRange = TimeRange {
    from_ms: T0,
    to_ms: T0 + 10 * MIN,
};

fn fixture(name: &str) -> Dashboard {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    grafana::parse(&serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()).unwrap()
}

/// A triangle wave between 0 and 1 with the given period, at step `i`.
fn tri(i: usize, period: usize) -> f64 {
    let half = period as f64 / 2.0;
    let ph = (i % period) as f64;
    if ph <= half {
        ph / half
    } else {
        (period as f64 - ph) / half
    }
}

/// A series from `start`, a point every `step` ms.
fn series(
    name: &str,
    start: i64,
    step: i64,
    vals: impl IntoIterator<Item = Option<f64>>,
) -> Series {
    Series {
        name: name.into(),
        points: vals
            .into_iter()
            .enumerate()
            .map(|(i, v)| (start + i as i64 * step, v))
            .collect(),
    }
}

/// A wave over the whole range, a point every 15 s.
fn wave(name: &str, lo: f64, hi: f64, period: usize, shift: usize) -> Series {
    series(
        name,
        T0,
        15_000,
        (0..41).map(|i| Some(lo + (hi - lo) * tri(i + shift, period))),
    )
}

fn data(series: Vec<Series>) -> PanelData {
    PanelData {
        series,
        error: None,
        range: Some(RANGE),
    }
}

fn tab(dash: Dashboard, data: Vec<PanelData>) -> DashboardTab {
    DashboardTab {
        name: dash.title.clone(),
        url: String::new(),
        builtin: false,
        content: DashboardContent::Grafana {
            dash: Box::new(dash),
            from: RANGE.from_ms.to_string(),
            to: RANGE.to_ms.to_string(),
            refresh: Some(Duration::from_secs(5)),
            data,
            generation: 1,
            queried: None,
            pending: false,
        },
    }
}

fn draw(t: &DashboardTab, w: u16, h: u16) -> String {
    dashboard_view::render_text(t, &DashView::default(), w, h, 0)
}

#[test]
fn gaps_at_nulls() {
    let d = fixture("tests/fixtures/dashboards/gaps.json");
    // One missing point at 2 min, then nothing from 5 to 7 min.
    let s = series(
        "latency",
        T0,
        15_000,
        (0..41).map(|i| (i != 8 && !(20..=27).contains(&i)).then(|| 10.0 + 40.0 * tri(i, 16))),
    );
    let t = tab(d, (0..4).map(|_| data(vec![s.clone()])).collect());
    insta::assert_snapshot!(draw(&t, 100, 30));
}

#[test]
fn legends_right_and_below_with_calcs() {
    let d = fixture("tests/fixtures/dashboards/legend.json");
    let mut last_null = wave("errors", 0.0, 3.0, 8, 0);
    last_null.points.last_mut().unwrap().1 = None;
    let t = tab(
        d,
        vec![
            data(vec![
                wave("web1", 20.0, 60.0, 20, 0),
                wave("web2", 5.0, 25.0, 10, 3),
            ]),
            data(vec![
                wave("GET /", 80.0, 250.0, 12, 0),
                wave("POST /login", 300.0, 900.0, 16, 5),
            ]),
            data(vec![
                wave("hits", 100.0, 2500.0, 20, 0),
                wave("misses", 10.0, 400.0, 10, 2),
                last_null,
            ]),
        ],
    );
    insta::assert_snapshot!(draw(&t, 110, 32));
}

#[test]
fn the_x_axis_is_the_query_range() {
    let d = fixture("tests/fixtures/dashboards/xrange.json");
    // Only from 3 to 7 min; and from 2 min before to 2 min after the range.
    let middle = series("m", T0 + 3 * MIN, 15_000, (0..17).map(|i| Some(tri(i, 8))));
    let wide = series("w", T0 - 2 * MIN, 15_000, (0..57).map(|i| Some(i as f64)));
    let t = tab(d, vec![data(vec![middle]), data(vec![wide])]);
    insta::assert_snapshot!(draw(&t, 100, 30));
}

#[test]
fn units_and_decimals() {
    let d = fixture("tests/fixtures/dashboards/units.json");
    let one = |v: f64| data(vec![series("v", T0, MIN, [Some(v)])]);
    let t = tab(
        d,
        vec![
            one(1234.5),
            one(0.0042),
            one(12_345.0),
            one(123_456_789.0),
            one(42.25),
            one(0.873),
            one(1_500_000.0),
            one(1.23456),
            data(vec![wave("heap", 0.0, 3.0 * 1024.0 * 1024.0, 20, 0)]),
            data(vec![wave("p95", 0.05, 0.35, 16, 0)]),
        ],
    );
    insta::assert_snapshot!(draw(&t, 100, 28));
}

#[test]
fn thresholds_as_lines_and_colours() {
    let d = fixture("tests/fixtures/dashboards/thresholds.json");
    let busy = wave("cpu", 20.0, 95.0, 20, 0);
    let one = |v: f64| data(vec![series("v", T0, MIN, [Some(v)])]);
    let t = tab(
        d,
        vec![
            data(vec![busy.clone()]),
            data(vec![busy]),
            one(87.0),
            one(42.0),
            one(120.0),
        ],
    );
    insta::assert_snapshot!(draw(&t, 100, 28));

    // The colours: red above 80, a green background below, yellow past half.
    let area = Rect::new(0, 0, 100, 28);
    let mut term = Terminal::new(TestBackend::new(100, 28)).unwrap();
    term.draw(|f| dashboard_view::draw(f, area, &t, false))
        .unwrap();
    let buf = term.backend().buffer();
    let find = |text: &str| {
        (0..28)
            .find_map(|y| {
                let row: String = (0..100).map(|x| buf[(x, y)].symbol().to_string()).collect();
                row.find(text)
                    .map(|at| (row[..at].chars().count() as u16, y))
            })
            .unwrap_or_else(|| panic!("{text} is not drawn"))
    };
    let (x, y) = find("87%");
    assert_eq!(buf[(x, y)].fg, Color::Indexed(203), "red: #F2495C");
    let (x, y) = find("42%");
    assert_eq!(buf[(x, y)].bg, Color::Indexed(107), "green: #73BF69");
    let (x, y) = find("120");
    assert_eq!(buf[(x, y)].fg, Color::Indexed(220), "yellow: #FADE2A");
}

#[test]
fn stacking() {
    let d = fixture("tests/fixtures/dashboards/stacking.json");
    let three = || {
        vec![
            wave("web1", 10.0, 30.0, 20, 0),
            wave("web2", 5.0, 15.0, 10, 0),
            wave("web3", 0.0, 10.0, 8, 4),
        ]
    };
    let bars = vec![
        series(
            "2xx",
            T0,
            MIN,
            (0..11).map(|i| Some(20.0 + 20.0 * tri(i, 6))),
        ),
        series(
            "5xx",
            T0,
            MIN,
            (0..11).map(|i| Some(2.0 + 10.0 * tri(i, 4))),
        ),
    ];
    let t = tab(d, vec![data(three()), data(three()), data(bars)]);
    insta::assert_snapshot!(draw(&t, 110, 36));
}

#[test]
fn bars() {
    let d = fixture("tests/fixtures/dashboards/bars.json");
    let t = tab(
        d,
        vec![
            data(vec![series(
                "n",
                T0,
                MIN,
                (0..11).map(|i| Some(1.0 + 9.0 * tri(i, 10))),
            )]),
            data(vec![
                series("a", T0, MIN, (0..11).map(|i| Some(2.0 + 6.0 * tri(i, 5)))),
                series(
                    "b",
                    T0,
                    MIN,
                    (0..11).map(|i| Some(1.0 + 3.0 * tri(i + 2, 5))),
                ),
            ]),
            data(vec![series(
                "c",
                T0,
                30_000,
                (0..21).map(|i| Some(100.0 * tri(i, 20))),
            )]),
        ],
    );
    insta::assert_snapshot!(draw(&t, 100, 32));
}

#[test]
fn heatmaps() {
    let d = fixture("tests/fixtures/dashboards/heatmap.json");
    // Prometheus `le` buckets, cumulative: most requests move from the 50 ms
    // bucket to the 250 ms one half way through.
    let bounds = [
        "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "+Inf",
    ];
    let per_bucket = |i: usize, b: usize| -> f64 {
        let peak = if i < 10 { 3 } else { 5 };
        let d = b.abs_diff(peak) as f64;
        (40.0 / (1.0 + d * d)).round()
    };
    let buckets = bounds
        .iter()
        .enumerate()
        .map(|(b, name)| {
            series(
                name,
                T0,
                30_000,
                (0..21).map(move |i| Some((0..=b).map(|k| per_bucket(i, k)).sum::<f64>())),
            )
        })
        .collect();
    // Raw durations from two hosts, every 5 s.
    let raw = |name: &str, base: f64, spread: f64, shift: usize| {
        series(
            name,
            T0,
            5_000,
            (0..121).map(move |i| Some(base + spread * tri(i * 7 + shift, 13))),
        )
    };
    let t = tab(
        d,
        vec![
            data(buckets),
            data(vec![
                raw("web1", 20.0, 60.0, 0),
                raw("web2", 150.0, 100.0, 5),
            ]),
        ],
    );
    insta::assert_snapshot!(draw(&t, 100, 36));
}

#[test]
fn stat_panels() {
    let d = fixture("tests/fixtures/dashboards/stat.json");
    let t = tab(
        d,
        vec![
            data(vec![wave("rps", 40.0, 75.0, 14, 0)]),
            data(vec![wave("latency", 120.0, 180.0, 10, 0)]),
            data(vec![
                wave("web1", 1.0, 9.0, 10, 0),
                wave("web2", 2.0, 5.0, 10, 0),
                wave("web3", 10.0, 95.0, 10, 0),
            ]),
            data(vec![wave("ratio", 0.5, 0.74, 10, 0)]),
        ],
    );
    insta::assert_snapshot!(draw(&t, 100, 22));
}

#[test]
fn gauges() {
    let d = fixture("tests/fixtures/dashboards/gauge.json");
    let one = |name: &str, v: f64| series(name, T0, MIN, [Some(v)]);
    let t = tab(
        d,
        vec![
            data(vec![one("rps", 5500.0)]),
            data(vec![one("cpu", 42.0)]),
            data(vec![one("mean", 0.2), one("p95", 0.75)]),
            data(vec![
                one("/var", 214_748_364.8),
                one("/home", 858_993_459.2),
                one("/tmp", 5_000_000.0),
            ]),
        ],
    );
    insta::assert_snapshot!(draw(&t, 100, 24));
}

#[test]
fn grid_positions_and_bad_json() {
    let d = fixture("tests/fixtures/dashboards/grid.json");
    let n = d.panels.len();
    let mut panels: Vec<PanelData> = (0..n).map(|_| PanelData::default()).collect();
    panels[n - 1] = data(vec![wave("x", 0.0, 1.0, 10, 0)]);
    let t = tab(d, panels);
    insta::assert_snapshot!(draw(&t, 96, 44));
}

/// The bundled dashboards with the data their queries would give.
fn raw_requests() -> DashboardTab {
    let d = fixture("workshop/dashboards/raw-requests.json");
    // fill(null): seconds without requests are null.
    let rps = series(
        "requests/s",
        T0,
        15_000,
        (0..41).map(|i| (!(14..=16).contains(&i)).then(|| 4000.0 + 2500.0 * tri(i, 12))),
    );
    let mean = wave("mean", 0.08, 0.12, 10, 0);
    let p95 = wave("95th percentile", 0.15, 0.3, 10, 2);
    tab(
        d,
        vec![
            data(vec![rps.clone()]),
            data(vec![rps]),
            data(vec![mean, p95]),
            data(vec![series("raw-requests.mean", T0, MIN, [Some(0.101)])]),
        ],
    )
}

#[test]
fn bundled_raw_requests() {
    let t = raw_requests();
    insta::assert_snapshot!(draw(&t, 110, 34));
}

#[test]
fn bundled_prometheus_app() {
    let d = fixture("workshop/dashboards/prometheus-app.json");
    let t = tab(
        d,
        vec![
            data(vec![
                wave("/", 8.0, 14.0, 12, 0),
                wave("/slow", 1.0, 3.0, 12, 6),
            ]),
            data(vec![series(
                "now",
                T0,
                15_000,
                (0..41).map(|i| Some((i % 4) as f64)),
            )]),
            data(vec![
                wave("mean /", 0.004, 0.008, 10, 0),
                wave("mean /slow", 0.2, 0.3, 10, 0),
                wave("p95 /", 0.009, 0.02, 10, 3),
                wave("p95 /slow", 0.45, 0.5, 10, 3),
            ]),
        ],
    );
    insta::assert_snapshot!(draw(&t, 110, 34));
}

#[test]
fn one_panel_full_screen() {
    let t = raw_requests();
    let view = DashView {
        tab: 0,
        selected: Some(2),
        full: true,
        scroll: 0,
    };
    insta::assert_snapshot!(dashboard_view::render_text(&t, &view, 100, 20, 0));
}
