//! Any dashboard JSON and any data draw without a panic: wrong types, odd
//! numbers, empty or huge series, tiny or zero sizes.

use lectern::engine::dashboards::{DashboardContent, DashboardTab};
use lectern::model::grafana;
use lectern::model::plot;
use lectern::model::series::{PanelData, Series, TimeRange};
use lectern::ui::dashboard_view::{self, DashView};
use proptest::prelude::*;
use serde_json::{json, Value};

/// JSON values that are wrong in interesting ways.
fn odd_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e12f64..1e12).prop_map(|f| json!(f)),
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(1e308)),
        Just(json!("x")),
        Just(json!("")),
        Just(json!("1.5")),
        Just(json!("+Inf")),
        Just(json!("\u{1b}[2J")),
        prop_oneof![
            Just("ms"),
            Just("s"),
            Just("bytes"),
            Just("percent"),
            Just("percentunit"),
            Just("short"),
            Just("none"),
            Just("suffix:\u{7}"),
            Just("red"),
            Just("#12"),
            Just("rgba(1,2)"),
            Just("normal"),
            Just("percent"),
            Just("bars"),
            Just("right"),
            Just("table"),
            Just("mean"),
            Just("lastNotNull"),
            Just("heatmap"),
            Just("tsbuckets"),
            Just("line+area"),
            Just("dashed"),
        ]
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{1,6}", inner), 0..3)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// One of the values Grafana means, or something odd.
fn one_of(options: &'static [&'static str]) -> BoxedStrategy<Value> {
    prop_oneof![
        3 => prop::sample::select(options).prop_map(|s| json!(s)),
        1 => odd_value(),
    ]
    .boxed()
}

fn small() -> BoxedStrategy<Value> {
    prop_oneof![3 => (0i64..30).prop_map(|n| json!(n)), 1 => odd_value()].boxed()
}

fn panel_json() -> impl Strategy<Value = Value> {
    let kind = one_of(&[
        "graph",
        "timeseries",
        "barchart",
        "stat",
        "singlestat",
        "gauge",
        "bargauge",
        "heatmap",
        "table",
        "text",
        "piechart",
        "row",
    ]);
    let grid = (small(), small(), small(), small())
        .prop_map(|(x, y, w, h)| json!({"x": x, "y": y, "w": w, "h": h}));
    let steps = prop::collection::vec(
        (
            odd_value(),
            one_of(&["green", "red", "#EAB839", "dark-red", "transparent"]),
        )
            .prop_map(|(value, color)| json!({"value": value, "color": color})),
        0..4,
    );
    let thresholds = (one_of(&["absolute", "percentage"]), steps)
        .prop_map(|(mode, steps)| json!({"mode": mode, "steps": steps}));
    let custom = (
        one_of(&["line", "bars", "points"]),
        one_of(&["none", "normal", "percent"]),
        prop_oneof![Just(json!(true)), Just(json!(false)), odd_value()],
        one_of(&["off", "line", "dashed", "area", "line+area"]),
    )
        .prop_map(|(draw, stack, span, th)| {
            json!({"drawStyle": draw, "stacking": {"mode": stack}, "spanNulls": span,
                   "thresholdsStyle": {"mode": th}, "axisSoftMin": span, "axisSoftMax": span})
        });
    let options = (
        one_of(&["list", "table", "hidden"]),
        one_of(&["bottom", "right"]),
        prop::collection::vec(
            one_of(&["min", "max", "mean", "last", "lastNotNull", "sum", "delta"]),
            0..5,
        ),
        one_of(&["value", "background", "none"]),
        one_of(&["area", "none"]),
        prop_oneof![Just(json!(true)), Just(json!(false)), odd_value()],
    )
        .prop_map(|(mode, place, calcs, color, graph, calculate)| {
            json!({"legend": {"displayMode": mode, "placement": place, "calcs": calcs},
                   "colorMode": color, "graphMode": graph, "calculate": calculate,
                   "reduceOptions": {"calcs": calcs}})
        });
    let unit = one_of(&[
        "ms",
        "s",
        "µs",
        "ns",
        "m",
        "h",
        "d",
        "bytes",
        "decbytes",
        "bits",
        "Bps",
        "reqps",
        "percent",
        "percentunit",
        "short",
        "none",
        "suffix:\u{7}",
        "widgets",
    ]);
    (kind, grid, unit, thresholds, custom, options, odd_value(), odd_value())
        .prop_map(|(kind, grid, unit, thresholds, custom, options, misc, legend)| {
            json!({
                "type": kind,
                "title": misc,
                "gridPos": grid,
                "fieldConfig": {"defaults": {"unit": unit, "thresholds": thresholds, "custom": custom,
                    "decimals": misc, "min": misc, "max": misc}},
                "options": options,
                "legend": legend,
                "yaxes": [{"format": unit, "min": misc}],
                "nullPointMode": misc,
                "stack": misc,
                "bars": misc,
                "thresholds": [{"value": misc, "op": "gt", "fill": true}],
                "targets": [{"expr": "x", "format": one_of_heatmap(&misc)}],
                "panels": [{"type": kind, "gridPos": grid}],
            })
        })
}

fn one_of_heatmap(v: &Value) -> Value {
    if v.is_boolean() {
        json!("heatmap")
    } else {
        v.clone()
    }
}

fn value() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        Just(None),
        Just(Some(f64::NAN)),
        Just(Some(f64::INFINITY)),
        Just(Some(-f64::INFINITY)),
        Just(Some(0.0)),
        Just(Some(1e300)),
        Just(Some(-1e300)),
        (-1e6f64..1e6).prop_map(Some),
        (0f64..1.0).prop_map(Some),
    ]
}

fn series() -> impl Strategy<Value = Vec<Series>> {
    let name = prop_oneof![
        Just("0.1".to_string()),
        Just("+Inf".to_string()),
        Just("le=\"0.5\"".to_string()),
        Just("\u{1b}]52;c;x\u{7}".to_string()),
        Just("名前".to_string()),
        "[a-z ]{0,12}",
    ];
    let points = prop::collection::vec((-100_000i64..200_000, value()), 0..40).prop_map(|mut p| {
        p.sort_by_key(|(t, _)| *t);
        p
    });
    prop::collection::vec(
        (name, points).prop_map(|(name, points)| Series { name, points }),
        0..5,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn anything_draws_without_a_panic(
        p in panel_json(),
        s in series(),
        with_data in any::<bool>(),
        from in -50_000i64..100_000,
        span in prop_oneof![Just(0i64), Just(1), 1i64..200_000],
        w in prop_oneof![Just(0u16), Just(1), Just(3), 0u16..160],
        h in prop_oneof![Just(0u16), Just(1), Just(2), 0u16..50],
    ) {
        let Ok(d) = grafana::parse(&json!({"panels": [p]})) else { return Ok(()) };
        let data = PanelData { series: s, error: None, range: None };
        let r = TimeRange { from_ms: from, to_ms: from + span };
        for panel in &d.panels {
            let c = plot::draw_panel(panel, with_data.then_some(&data), r, w, h);
            prop_assert_eq!((c.width, c.height), (w, h));
            for line in c.lines() {
                prop_assert!(!line.chars().any(|ch| ch.is_control()), "{:?}", line);
            }
        }
        let grids: Vec<_> = d.panels.iter().map(|p| p.grid).collect();
        let _ = plot::place(&grids, w, h);
        // And the whole tab, as the app and `lectern render` draw it.
        let n = d.panels.len();
        let tab = DashboardTab {
            name: String::new(),
            url: String::new(),
            builtin: false,
            content: DashboardContent::Grafana {
                dash: Box::new(d),
                from: r.from_ms.to_string(),
                to: r.to_ms.to_string(),
                refresh: None,
                data: if with_data { vec![data; n] } else { Vec::new() },
                generation: 0,
                queried: None,
                pending: false,
            },
        };
        let view = DashView { tab: 0, selected: Some(0), full: w % 2 == 0, scroll: h };
        let text = dashboard_view::render_text(&tab, &view, w, h, 0);
        prop_assert!(!text.chars().any(|ch| ch.is_control() && ch != '\n'));
    }
}
