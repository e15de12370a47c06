//! The Grafana dashboard JSON model, as far as lectern draws it: panels
//! (graph/timeseries/barchart, stat/singlestat, gauge/bargauge, heatmap,
//! table, text), their grid positions, display options (units, decimals,
//! nulls, legend, thresholds, stacking, draw style), and targets for InfluxDB
//! (raw InfluxQL or the query builder) and Prometheus. Pure: JSON in, values
//! out; a field that is missing or of the wrong type takes Grafana's default.

use std::time::Duration;

use serde_json::Value;

use super::series::Calc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelKind {
    Graph,
    BarChart,
    Stat,
    Gauge,
    Heatmap,
    Table,
    Text,
    Other,
}

/// How a time series panel draws its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DrawStyle {
    #[default]
    Lines,
    Bars,
    Points,
}

/// What a line does at a null: graph `nullPointMode`, timeseries `spanNulls`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Nulls {
    /// A gap in the line (Grafana's default).
    #[default]
    Gap,
    /// The line joins the points either side.
    Connected,
    /// Joined only when the points either side are at most this many ms apart.
    ConnectUnder(i64),
    /// Drawn as zero.
    AsZero,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stacking {
    #[default]
    None,
    Normal,
    Percent,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Legend {
    pub show: bool,
    pub right: bool,
    pub table: bool,
    /// The values shown for each series, with their column names.
    pub calcs: Vec<(Calc, String)>,
}

/// Where a chart shows its thresholds (timeseries `thresholdsStyle.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThresholdStyle {
    #[default]
    Off,
    Line,
    Dashed,
    Area,
    LineArea,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// None: the base step, below every other.
    pub value: Option<f64>,
    pub color: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Thresholds {
    /// Ascending; the first is the base.
    pub steps: Vec<Step>,
    /// Values are percentages of the min..max range.
    pub percentage: bool,
    pub style: ThresholdStyle,
}

/// How stat panels colour their value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorMode {
    #[default]
    Value,
    Background,
    None,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct HeatmapOptions {
    /// The series are the buckets (Prometheus `_bucket`, `tsbuckets`); None:
    /// decide from the series names. Otherwise values are bucketed here.
    pub buckets: Option<bool>,
    /// Buckets count everything up to their bound (Prometheus `le`), as the
    /// `heatmap` target format says: the count of a bucket is its difference.
    pub cumulative: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Grid {
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    InfluxQl(String),
    PromQl {
        expr: String,
        legend: Option<String>,
    },
    Unsupported(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub ref_id: String,
    pub alias: Option<String>,
    pub query: Query,
    /// `time_series`, `table` or `heatmap`.
    pub format: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub title: String,
    pub kind: PanelKind,
    /// The panel `type` as written.
    pub type_name: String,
    pub grid: Grid,
    /// Datasource name or uid as written (None = the default).
    pub datasource: Option<String>,
    /// Datasource type when the JSON says it (`influxdb`, `prometheus`).
    pub datasource_type: Option<String>,
    pub unit: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// How stat/gauge panels reduce a series: last, mean, max, min, sum.
    pub reduce: String,
    pub targets: Vec<Target>,
    pub text: Option<String>,
    pub decimals: Option<u8>,
    pub draw: DrawStyle,
    pub nulls: Nulls,
    pub stacking: Stacking,
    pub legend: Legend,
    pub thresholds: Thresholds,
    /// The axis reaches at least this far (timeseries `axisSoftMin/Max`).
    pub soft_min: Option<f64>,
    pub soft_max: Option<f64>,
    pub color_mode: ColorMode,
    /// Stat panels: a sparkline under the value (`graphMode: area`).
    pub sparkline: bool,
    /// Gauges: the threshold bands beside the bar.
    pub threshold_markers: bool,
    pub heatmap: HeatmapOptions,
    /// One colour for every series (`color.mode: fixed`).
    pub fixed_color: Option<String>,
    /// Colours by series name (`aliasColors`, `byName` overrides, `seriesOverrides`).
    pub series_colors: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    pub uid: String,
    pub title: String,
    pub from: String,
    pub to: String,
    pub refresh: Option<Duration>,
    pub panels: Vec<Panel>,
}

/// A Grafana dashboard URL: `/d/<uid>` plus `from`, `to`, `refresh`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DashboardUrl {
    pub uid: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub refresh: Option<String>,
}

pub fn parse_url(url: &str) -> Option<DashboardUrl> {
    let path_start = url.find("/d/")?;
    let rest = &url[path_start + 3..];
    let uid_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let uid = rest[..uid_end].to_string();
    if uid.is_empty() {
        return None;
    }
    let mut out = DashboardUrl {
        uid,
        ..Default::default()
    };
    if let Some(q) = url.split_once('?').map(|(_, q)| q) {
        for pair in q.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = v.replace("%20", " ");
            match k {
                "from" => out.from = Some(v),
                "to" => out.to = Some(v),
                "refresh" => out.refresh = Some(v),
                _ => {}
            }
        }
    }
    Some(out)
}

fn string_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(m) => m
            .get("uid")
            .or_else(|| m.get("type"))
            .and_then(|x| x.as_str())
            .map(str::to_string),
        _ => None,
    }
}

/// Parse a dashboard (bare, or wrapped as `{"dashboard": ...}` as exports are).
pub fn parse(v: &Value) -> Result<Dashboard, String> {
    let d = if v.get("dashboard").is_some() {
        &v["dashboard"]
    } else {
        v
    };
    let mut panels = Vec::new();
    let list = d["panels"].as_array();
    let rows = d["rows"].as_array();
    match (list, rows) {
        (Some(ps), _) => {
            for p in ps {
                panel_into(p, &mut panels);
            }
        }
        // Old dashboards: rows of panels with spans of a 12-column grid.
        (None, Some(rows)) => {
            let mut y = 0;
            for r in rows {
                let h = 8;
                let mut x = 0;
                for p in r["panels"].as_array().into_iter().flatten() {
                    let w = (p["span"].as_f64().unwrap_or(12.0) * 2.0) as u16;
                    let mut p = p.clone();
                    p["gridPos"] = serde_json::json!({"x": x, "y": y, "w": w, "h": h});
                    panel_into(&p, &mut panels);
                    x += w;
                }
                y += h;
            }
        }
        _ => return Err("the dashboard has no `panels`".into()),
    }
    Ok(Dashboard {
        uid: d["uid"].as_str().unwrap_or_default().to_string(),
        title: d["title"].as_str().unwrap_or("Dashboard").to_string(),
        from: d["time"]["from"].as_str().unwrap_or("now-6h").to_string(),
        to: d["time"]["to"].as_str().unwrap_or("now").to_string(),
        refresh: d["refresh"]
            .as_str()
            .and_then(crate::action::parse_duration_str),
        panels,
    })
}

/// A number written as a number or as a string (old dashboards do both).
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

fn flag(v: &Value, default: bool) -> bool {
    v.as_bool().unwrap_or(default)
}

fn panel_into(p: &Value, out: &mut Vec<Panel>) {
    let type_name = p["type"].as_str().unwrap_or("").to_string();
    let kind = match type_name.as_str() {
        "graph" | "timeseries" => PanelKind::Graph,
        "barchart" => PanelKind::BarChart,
        "stat" | "singlestat" => PanelKind::Stat,
        "gauge" | "bargauge" => PanelKind::Gauge,
        "heatmap" => PanelKind::Heatmap,
        "table" | "table-old" => PanelKind::Table,
        "text" => PanelKind::Text,
        "row" => {
            // Collapsed rows carry their panels inside.
            for inner in p["panels"].as_array().into_iter().flatten() {
                panel_into(inner, out);
            }
            return;
        }
        _ => PanelKind::Other,
    };
    let graph = type_name == "graph";
    let g = &p["gridPos"];
    let num = |v: &Value, d: u16| {
        number(v)
            .filter(|n| *n >= 0.0)
            .map_or(d, |n| n.min(200.0) as u16)
    };
    let defaults = &p["fieldConfig"]["defaults"];
    let custom = &defaults["custom"];
    let options = &p["options"];
    let yaxis = &p["yaxes"][0];
    let unit = defaults["unit"]
        .as_str()
        .or_else(|| yaxis["format"].as_str())
        .or_else(|| p["format"].as_str())
        .map(str::to_string);
    let reduce = options["reduceOptions"]["calcs"][0]
        .as_str()
        .or_else(|| p["valueName"].as_str())
        .unwrap_or("last")
        .replace("lastNotNull", "last")
        .replace("avg", "mean");
    let ds = &p["datasource"];
    let datasource_type = ds["type"].as_str().map(str::to_string);
    let targets: Vec<Target> = p["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["hide"] != Value::Bool(true))
        .map(|t| target(t, datasource_type.as_deref()))
        .collect();
    let decimals = number(&defaults["decimals"])
        .or_else(|| number(&p["decimals"]))
        .or_else(|| number(&yaxis["decimals"]))
        .map(|d| d.clamp(0.0, 12.0) as u8);
    let draw = if graph {
        match (
            flag(&p["bars"], false),
            flag(&p["lines"], true),
            flag(&p["points"], false),
        ) {
            (true, _, _) => DrawStyle::Bars,
            (false, false, true) => DrawStyle::Points,
            _ => DrawStyle::Lines,
        }
    } else if kind == PanelKind::BarChart {
        DrawStyle::Bars
    } else {
        match custom["drawStyle"].as_str() {
            Some("bars") => DrawStyle::Bars,
            Some("points") => DrawStyle::Points,
            _ => DrawStyle::Lines,
        }
    };
    let nulls = if graph {
        match p["nullPointMode"].as_str() {
            Some("connected") => Nulls::Connected,
            Some("null as zero") => Nulls::AsZero,
            _ => Nulls::Gap,
        }
    } else {
        match &custom["spanNulls"] {
            Value::Bool(true) => Nulls::Connected,
            Value::Number(n) => n
                .as_f64()
                .filter(|n| *n > 0.0)
                .map_or(Nulls::Gap, |n| Nulls::ConnectUnder(n as i64)),
            _ => Nulls::Gap,
        }
    };
    let stacking = if graph {
        match (flag(&p["stack"], false), flag(&p["percentage"], false)) {
            (true, true) => Stacking::Percent,
            (true, false) => Stacking::Normal,
            _ => Stacking::None,
        }
    } else {
        let mode = custom["stacking"]["mode"]
            .as_str()
            .or_else(|| options["stacking"].as_str());
        match mode {
            Some("normal") => Stacking::Normal,
            Some("percent") => Stacking::Percent,
            _ => Stacking::None,
        }
    };
    let (min, max) = if graph {
        (number(&yaxis["min"]), number(&yaxis["max"]))
    } else {
        (number(&defaults["min"]), number(&defaults["max"]))
    };
    let mut series_colors: Vec<(String, String)> = Vec::new();
    if let Some(m) = p["aliasColors"].as_object() {
        for (name, c) in m {
            if let Some(c) = c.as_str() {
                series_colors.push((name.clone(), c.to_string()));
            }
        }
    }
    for o in p["seriesOverrides"].as_array().into_iter().flatten() {
        if let (Some(a), Some(c)) = (o["alias"].as_str(), o["color"].as_str()) {
            series_colors.push((a.to_string(), c.to_string()));
        }
    }
    for o in p["fieldConfig"]["overrides"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let Some(name) = o["matcher"]["options"].as_str() else {
            continue;
        };
        if o["matcher"]["id"].as_str() != Some("byName") {
            continue;
        }
        for prop in o["properties"].as_array().into_iter().flatten() {
            if prop["id"].as_str() == Some("color") {
                if let Some(c) = prop["value"]["fixedColor"].as_str() {
                    series_colors.push((name.to_string(), c.to_string()));
                }
            }
        }
    }
    let fixed_color = match defaults["color"]["mode"].as_str() {
        Some("fixed") => defaults["color"]["fixedColor"].as_str().map(str::to_string),
        _ => None,
    };
    let heatmap = HeatmapOptions {
        buckets: match (p["dataFormat"].as_str(), &options["calculate"]) {
            (Some("tsbuckets"), _) | (_, Value::Bool(false)) => Some(true),
            (Some("timeseries"), _) | (_, Value::Bool(true)) => Some(false),
            _ => None,
        },
        cumulative: targets
            .iter()
            .any(|t| t.format.as_deref() == Some("heatmap")),
    };
    let singlestat = type_name == "singlestat";
    out.push(Panel {
        title: p["title"].as_str().unwrap_or("").to_string(),
        kind,
        type_name: type_name.clone(),
        grid: Grid {
            x: num(&g["x"], 0).min(23),
            y: num(&g["y"], 0),
            w: num(&g["w"], 12).clamp(1, 24),
            h: num(&g["h"], 8).max(2),
        },
        datasource: string_of(ds),
        datasource_type,
        unit,
        min,
        max,
        reduce,
        targets,
        text: options["content"]
            .as_str()
            .or_else(|| p["content"].as_str())
            .map(str::to_string),
        decimals,
        draw,
        nulls,
        stacking,
        legend: legend(p, graph),
        thresholds: thresholds(p, kind, graph),
        soft_min: number(&custom["axisSoftMin"]),
        soft_max: number(&custom["axisSoftMax"]),
        color_mode: if singlestat {
            match (
                flag(&p["colorBackground"], false),
                flag(&p["colorValue"], false),
            ) {
                (true, _) => ColorMode::Background,
                (_, true) => ColorMode::Value,
                _ => ColorMode::None,
            }
        } else {
            match options["colorMode"].as_str() {
                Some("background" | "background_solid") => ColorMode::Background,
                Some("none") => ColorMode::None,
                _ => ColorMode::Value,
            }
        },
        sparkline: if singlestat {
            flag(&p["sparkline"]["show"], false)
        } else {
            options["graphMode"].as_str() != Some("none")
        },
        threshold_markers: flag(&options["showThresholdMarkers"], true),
        heatmap,
        fixed_color,
        series_colors,
    });
}

fn legend(p: &Value, graph: bool) -> Legend {
    if graph {
        let l = &p["legend"];
        let values = flag(&l["values"], false);
        let calcs = [
            ("min", Calc::Min),
            ("max", Calc::Max),
            ("avg", Calc::Mean),
            ("current", Calc::LastNotNull),
            ("total", Calc::Total),
        ]
        .into_iter()
        .filter(|(k, _)| values && flag(&l[*k], false))
        .map(|(k, c)| (c, k.to_string()))
        .collect();
        return Legend {
            show: flag(&l["show"], true),
            right: flag(&l["rightSide"], false),
            table: flag(&l["alignAsTable"], false),
            calcs,
        };
    }
    let l = &p["options"]["legend"];
    let mode = l["displayMode"].as_str().unwrap_or("list");
    Legend {
        show: flag(&l["showLegend"], true) && mode != "hidden",
        right: l["placement"].as_str() == Some("right"),
        table: mode == "table",
        calcs: l["calcs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c.as_str().and_then(Calc::parse))
            .map(|c| (c, c.label().to_string()))
            .collect(),
    }
}

/// Grafana's named colours for the old graph panel's threshold kinds.
fn graph_threshold_color(t: &Value) -> String {
    match t["colorMode"].as_str().unwrap_or("critical") {
        "warning" => "orange".into(),
        "ok" => "green".into(),
        "custom" => t["lineColor"]
            .as_str()
            .or_else(|| t["fillColor"].as_str())
            .unwrap_or("red")
            .to_string(),
        _ => "red".into(),
    }
}

fn thresholds(p: &Value, kind: PanelKind, graph: bool) -> Thresholds {
    if graph {
        let mut steps: Vec<Step> = p["thresholds"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| flag(&t["line"], true))
            .filter_map(|t| {
                Some(Step {
                    value: Some(number(&t["value"])?),
                    color: graph_threshold_color(t),
                })
            })
            .collect();
        steps.sort_by(|a, b| {
            a.value
                .partial_cmp(&b.value)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        return Thresholds {
            steps,
            percentage: false,
            style: ThresholdStyle::Line,
        };
    }
    if p["type"].as_str() == Some("singlestat") {
        // "50,80" with three colours: base, above 50, above 80.
        let colors: Vec<String> = p["colors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c.as_str().map(str::to_string))
            .collect();
        let values: Vec<f64> = p["thresholds"]
            .as_str()
            .unwrap_or("")
            .split(',')
            .filter_map(|v| v.trim().parse().ok())
            .collect();
        let mut steps = Vec::new();
        if let Some(base) = colors.first() {
            steps.push(Step {
                value: None,
                color: base.clone(),
            });
            for (v, c) in values.iter().zip(colors.iter().skip(1)) {
                steps.push(Step {
                    value: Some(*v),
                    color: c.clone(),
                });
            }
        }
        return Thresholds {
            steps,
            ..Default::default()
        };
    }
    let defaults = &p["fieldConfig"]["defaults"];
    let t = &defaults["thresholds"];
    let mut steps: Vec<Step> = t["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| Step {
            value: number(&s["value"]),
            color: s["color"].as_str().unwrap_or("green").to_string(),
        })
        .collect();
    // Grafana's default when a panel has none: green, red from 80.
    if t.is_null() && matches!(kind, PanelKind::Stat | PanelKind::Gauge) {
        steps = vec![
            Step {
                value: None,
                color: "green".into(),
            },
            Step {
                value: Some(80.0),
                color: "red".into(),
            },
        ];
    }
    // The base step first, then ascending.
    steps.sort_by(|a, b| match (a.value, b.value) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, _) => std::cmp::Ordering::Less,
        (_, None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
    });
    let style = match defaults["custom"]["thresholdsStyle"]["mode"].as_str() {
        Some("line") => ThresholdStyle::Line,
        Some("dashed") => ThresholdStyle::Dashed,
        Some("area") => ThresholdStyle::Area,
        Some("line+area" | "dashed+area") => ThresholdStyle::LineArea,
        _ => ThresholdStyle::Off,
    };
    Thresholds {
        steps,
        percentage: t["mode"].as_str() == Some("percentage"),
        style,
    }
}

fn target(t: &Value, ds_type: Option<&str>) -> Target {
    let ref_id = t["refId"].as_str().unwrap_or("A").to_string();
    let query = if let Some(expr) = t["expr"].as_str() {
        Query::PromQl {
            expr: expr.to_string(),
            legend: t["legendFormat"].as_str().map(str::to_string),
        }
    } else if t["rawQuery"] == Value::Bool(true) {
        Query::InfluxQl(t["query"].as_str().unwrap_or("").to_string())
    } else if t.get("measurement").is_some() || t.get("select").is_some() {
        Query::InfluxQl(influx_builder(t))
    } else if let Some(q) = t["query"].as_str() {
        match ds_type {
            Some("prometheus") => Query::PromQl {
                expr: q.to_string(),
                legend: None,
            },
            _ => Query::InfluxQl(q.to_string()),
        }
    } else {
        Query::Unsupported(format!("target {ref_id} has no query lectern understands"))
    };
    Target {
        ref_id,
        alias: t["alias"]
            .as_str()
            .filter(|a| !a.is_empty())
            .map(str::to_string),
        query,
        format: t["format"].as_str().map(str::to_string),
    }
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\\\""))
}

/// The InfluxQL that Grafana's query builder makes of a target.
pub fn influx_builder(t: &Value) -> String {
    let mut fields = Vec::new();
    for parts in t["select"].as_array().into_iter().flatten() {
        let mut expr = String::new();
        let mut alias = None;
        for part in parts.as_array().into_iter().flatten() {
            let params: Vec<String> = part["params"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| match p {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            let p0 = params.first().cloned().unwrap_or_default();
            match part["type"].as_str().unwrap_or("") {
                "field" => expr = quote_ident(&p0),
                "alias" => alias = Some(p0),
                "math" => expr = format!("{expr} {}", p0.trim()),
                "percentile" | "moving_average" | "holt_winters" | "top" | "bottom" | "sample" => {
                    expr = format!("{}({expr}, {p0})", part["type"].as_str().unwrap_or(""))
                }
                "derivative" | "non_negative_derivative" => {
                    let unit = if p0.is_empty() { "1s".to_string() } else { p0 };
                    expr = format!("{}({expr}, {unit})", part["type"].as_str().unwrap_or(""))
                }
                f if !f.is_empty() => expr = format!("{f}({expr})"),
                _ => {}
            }
        }
        if let Some(a) = alias {
            expr = format!("{expr} AS {}", quote_ident(&a));
        }
        if !expr.is_empty() {
            fields.push(expr);
        }
    }
    if fields.is_empty() {
        fields.push("mean(\"value\")".into());
    }
    let measurement = t["measurement"].as_str().unwrap_or("measurement");
    let from = match t["policy"].as_str() {
        Some(p) if p != "default" && !p.is_empty() => {
            format!("{}.{}", quote_ident(p), quote_ident(measurement))
        }
        _ => quote_ident(measurement),
    };
    let mut conds = String::new();
    for (i, tag) in t["tags"].as_array().into_iter().flatten().enumerate() {
        let key = tag["key"].as_str().unwrap_or("");
        let op = tag["operator"].as_str().unwrap_or("=");
        let val = tag["value"].as_str().unwrap_or("");
        if i > 0 {
            conds.push_str(&format!(" {} ", tag["condition"].as_str().unwrap_or("AND")));
        }
        let v = if op == "=~" || op == "!~" {
            val.to_string()
        } else {
            format!("'{}'", val.replace('\'', "\\'"))
        };
        conds.push_str(&format!("{} {op} {v}", quote_ident(key)));
    }
    let mut q = format!("SELECT {} FROM {from} WHERE ", fields.join(", "));
    if !conds.is_empty() {
        q.push_str(&format!("({conds}) AND "));
    }
    q.push_str("$timeFilter");
    let mut group = Vec::new();
    let mut fill = None;
    for g in t["groupBy"].as_array().into_iter().flatten() {
        let p0 = g["params"][0]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| g["params"][0].to_string());
        match g["type"].as_str().unwrap_or("") {
            "time" => group.push(format!(
                "time({})",
                if p0 == "auto" {
                    "$__interval".into()
                } else {
                    p0
                }
            )),
            "tag" => group.push(quote_ident(&p0)),
            "fill" => fill = Some(p0),
            _ => {}
        }
    }
    if !group.is_empty() {
        q.push_str(&format!(" GROUP BY {}", group.join(", ")));
    }
    if let Some(f) = fill {
        q.push_str(&format!(" fill({f})"));
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u =
            parse_url("http://ns-grafana.localhost/d/raw-requests?orgId=1&refresh=5s&from=now-5m")
                .unwrap();
        assert_eq!(u.uid, "raw-requests");
        assert_eq!(u.refresh.as_deref(), Some("5s"));
        assert_eq!(u.from.as_deref(), Some("now-5m"));
        assert!(parse_url("http://x/").is_none());
        assert_eq!(parse_url("http://g/d/abc/my-dash").unwrap().uid, "abc");
    }

    #[test]
    fn query_builder_to_influxql() {
        let t: Value = serde_json::from_str(
            r#"{"measurement":"raw-requests","select":[[{"type":"field","params":["application_time"]},{"type":"percentile","params":[95]}]],
               "groupBy":[{"type":"time","params":["$__interval"]},{"type":"tag","params":["hostname"]},{"type":"fill","params":["null"]}],
               "tags":[{"key":"process","operator":"=","value":"42"}]}"#,
        )
        .unwrap();
        assert_eq!(
            influx_builder(&t),
            "SELECT percentile(\"application_time\", 95) FROM \"raw-requests\" WHERE (\"process\" = '42') AND $timeFilter GROUP BY time($__interval), \"hostname\" fill(null)"
        );
    }

    #[test]
    fn bundled_dashboards_parse() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for name in ["raw-requests", "prometheus-app"] {
            let p = root
                .join("workshop/dashboards")
                .join(format!("{name}.json"));
            let d = parse(&serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
                .unwrap();
            assert_eq!(d.uid, name);
            assert!(d.panels.len() >= 3);
            assert!(d.panels.iter().all(|p| p
                .targets
                .iter()
                .all(|t| !matches!(t.query, Query::Unsupported(_)))));
        }
    }
}
