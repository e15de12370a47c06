//! The Grafana dashboard JSON model, as far as lectern draws it: panels
//! (graph/timeseries, stat/singlestat/gauge, table), their grid positions,
//! units, and targets for InfluxDB (raw InfluxQL or the query builder) and
//! Prometheus. Pure: JSON in, values out.

use std::time::Duration;

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelKind {
    Graph,
    Stat,
    Gauge,
    Table,
    Text,
    Other,
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
}

#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub title: String,
    pub kind: PanelKind,
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

fn panel_into(p: &Value, out: &mut Vec<Panel>) {
    let kind = match p["type"].as_str().unwrap_or("") {
        "graph" | "timeseries" => PanelKind::Graph,
        "stat" | "singlestat" => PanelKind::Stat,
        "gauge" | "bargauge" => PanelKind::Gauge,
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
    let g = &p["gridPos"];
    let num = |v: &Value, d: u16| v.as_u64().map_or(d, |n| n.min(200) as u16);
    let defaults = &p["fieldConfig"]["defaults"];
    let unit = defaults["unit"]
        .as_str()
        .or_else(|| p["yaxes"][0]["format"].as_str())
        .or_else(|| p["format"].as_str())
        .map(str::to_string);
    let reduce = p["options"]["reduceOptions"]["calcs"][0]
        .as_str()
        .or_else(|| p["valueName"].as_str())
        .unwrap_or("last")
        .replace("lastNotNull", "last")
        .replace("avg", "mean");
    let ds = &p["datasource"];
    let datasource_type = ds["type"].as_str().map(str::to_string);
    let targets = p["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["hide"] != Value::Bool(true))
        .map(|t| target(t, datasource_type.as_deref()))
        .collect();
    out.push(Panel {
        title: p["title"].as_str().unwrap_or("").to_string(),
        kind,
        grid: Grid {
            x: num(&g["x"], 0),
            y: num(&g["y"], 0),
            w: num(&g["w"], 12).max(1),
            h: num(&g["h"], 8).max(2),
        },
        datasource: string_of(ds),
        datasource_type,
        unit,
        min: defaults["min"]
            .as_f64()
            .or_else(|| p["yaxes"][0]["min"].as_str().and_then(|s| s.parse().ok())),
        max: defaults["max"].as_f64(),
        reduce,
        targets,
        text: p["options"]["content"]
            .as_str()
            .or_else(|| p["content"].as_str())
            .map(str::to_string),
    });
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
