//! Query the datasources of a dashboard panel: InfluxDB 1.x (InfluxQL over
//! /query) and Prometheus (/api/v1/query_range). Blocking with timeouts; a
//! datasource that is down becomes "no data: <reason>", never an error dialog.

use std::time::Duration;

use serde_json::Value;

use super::http;
use crate::model::grafana::{Panel, Query};
use crate::model::series::{auto_interval, expand, PanelData, Series, TimeRange};
use crate::workshop::lectern_config::{DatasourceKind, DatasourceSpec, LecternConfig};

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Pick the datasource for a panel's query: by name, by type, then the local default.
fn datasource(cfg: &LecternConfig, panel: &Panel, prom: bool) -> DatasourceSpec {
    let kind = if prom {
        DatasourceKind::Prometheus
    } else {
        DatasourceKind::InfluxDb
    };
    let by_name = panel
        .datasource
        .as_deref()
        .and_then(|n| cfg.datasource(Some(n), None))
        .filter(|d| d.kind == kind);
    by_name
        .or_else(|| cfg.datasource(None, Some(kind)))
        .cloned()
        .unwrap_or_else(|| DatasourceSpec {
            name: if prom { "Prometheus" } else { "InfluxDB" }.into(),
            kind,
            url: if prom {
                "http://127.0.0.1:9090"
            } else {
                "http://127.0.0.1:8086"
            }
            .into(),
            database: None,
        })
}

/// Run every target of a panel over `range`.
pub fn query_panel(
    cfg: &LecternConfig,
    panel: &Panel,
    range: TimeRange,
    timeout: Duration,
) -> PanelData {
    let interval = auto_interval(range, 120);
    let mut data = PanelData {
        range: Some(range),
        ..Default::default()
    };
    let mut errors = Vec::new();
    for t in &panel.targets {
        let result = match &t.query {
            Query::InfluxQl(q) => influx(
                &datasource(cfg, panel, false),
                &expand(q, range, interval),
                t.alias.as_deref(),
                timeout,
            ),
            Query::PromQl { expr, legend } => prometheus(
                &datasource(cfg, panel, true),
                expr,
                legend.as_deref(),
                range,
                interval,
                timeout,
            ),
            Query::Unsupported(why) => Err(why.clone()),
        };
        match result {
            Ok(mut s) => data.series.append(&mut s),
            Err(e) => errors.push(e),
        }
    }
    if !data.has_data() && errors.is_empty() {
        errors.push("the query returned no points in this time range".into());
    }
    if !errors.is_empty() {
        data.error = Some(errors.join("; "));
    }
    data
}

fn influx(
    ds: &DatasourceSpec,
    q: &str,
    alias: Option<&str>,
    timeout: Duration,
) -> Result<Vec<Series>, String> {
    let db = match &ds.database {
        Some(d) => d.clone(),
        None => default_database(ds, timeout)?,
    };
    let url = format!(
        "{}/query?db={}&epoch=ms&q={}",
        ds.url,
        encode(&db),
        encode(q)
    );
    let (status, body) =
        http::get(&url, timeout).map_err(|e| format!("{} is not reachable ({e})", ds.name))?;
    let v: Value = serde_json::from_str(&body).map_err(|_| {
        format!(
            "{} answered {status} with something that is not JSON",
            ds.name
        )
    })?;
    if let Some(e) = v["error"].as_str() {
        return Err(format!("{}: {e}", ds.name));
    }
    let mut out = Vec::new();
    for r in v["results"].as_array().into_iter().flatten() {
        if let Some(e) = r["error"].as_str() {
            return Err(format!("{}: {e}", ds.name));
        }
        for s in r["series"].as_array().into_iter().flatten() {
            let cols: Vec<&str> = s["columns"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c.as_str())
                .collect();
            let measurement = s["name"].as_str().unwrap_or("");
            let tags = s["tags"].as_object();
            for (ci, col) in cols.iter().enumerate().skip(1) {
                let points = s["values"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|row| Some((row[0].as_i64()?, row[ci].as_f64())))
                    .collect();
                let mut name = match alias {
                    Some(a) => {
                        let mut n = a
                            .replace("$m", measurement)
                            .replace("$measurement", measurement)
                            .replace("$col", col);
                        if let Some(tags) = tags {
                            for (k, val) in tags {
                                n = n.replace(&format!("$tag_{k}"), val.as_str().unwrap_or(""));
                            }
                        }
                        n
                    }
                    None => format!("{measurement}.{col}"),
                };
                if alias.is_none() {
                    if let Some(tags) = tags.filter(|t| !t.is_empty()) {
                        let t: Vec<String> = tags
                            .iter()
                            .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or("")))
                            .collect();
                        name.push_str(&format!(" {{{}}}", t.join(", ")));
                    }
                }
                out.push(Series { name, points });
            }
        }
    }
    Ok(out)
}

/// Without a configured database, use the first one that is not InfluxDB's own.
fn default_database(ds: &DatasourceSpec, timeout: Duration) -> Result<String, String> {
    let url = format!("{}/query?q={}", ds.url, encode("SHOW DATABASES"));
    let (_, body) =
        http::get(&url, timeout).map_err(|e| format!("{} is not reachable ({e})", ds.name))?;
    let v: Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
    v["results"][0]["series"][0]["values"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r[0].as_str())
        .find(|d| *d != "_internal")
        .map(str::to_string)
        .ok_or_else(|| {
            format!(
                "{} has no database; name one in workshop/lectern.yaml `datasources`",
                ds.name
            )
        })
}

fn prometheus(
    ds: &DatasourceSpec,
    expr: &str,
    legend: Option<&str>,
    r: TimeRange,
    step: Duration,
    timeout: Duration,
) -> Result<Vec<Series>, String> {
    let url = format!(
        "{}/api/v1/query_range?query={}&start={:.3}&end={:.3}&step={}",
        ds.url,
        encode(expr),
        r.from_ms as f64 / 1000.0,
        r.to_ms as f64 / 1000.0,
        step.as_secs().max(1)
    );
    let (status, body) =
        http::get(&url, timeout).map_err(|e| format!("{} is not reachable ({e})", ds.name))?;
    let v: Value = serde_json::from_str(&body).map_err(|_| {
        format!(
            "{} answered {status} with something that is not JSON",
            ds.name
        )
    })?;
    if v["status"] != "success" {
        return Err(format!(
            "{}: {}",
            ds.name,
            v["error"].as_str().unwrap_or("query failed")
        ));
    }
    let mut out = Vec::new();
    for s in v["data"]["result"].as_array().into_iter().flatten() {
        let labels = s["metric"].as_object();
        let name = match (legend, labels) {
            (Some(l), Some(m)) if !l.is_empty() => {
                let mut n = l.to_string();
                for (k, val) in m {
                    n = n
                        .replace(&format!("{{{{{k}}}}}"), val.as_str().unwrap_or(""))
                        .replace(&format!("{{{{ {k} }}}}"), val.as_str().unwrap_or(""));
                }
                n
            }
            (_, Some(m)) if !m.is_empty() => {
                let metric = m.get("__name__").and_then(|x| x.as_str()).unwrap_or("");
                let rest: Vec<String> = m
                    .iter()
                    .filter(|(k, _)| *k != "__name__")
                    .map(|(k, v)| format!("{k}=\"{}\"", v.as_str().unwrap_or("")))
                    .collect();
                format!("{metric}{{{}}}", rest.join(", "))
            }
            _ => expr.to_string(),
        };
        let points = s["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let t = (p[0].as_f64()? * 1000.0) as i64;
                let v = p[1]
                    .as_str()
                    .and_then(|x| x.parse::<f64>().ok())
                    .filter(|f| f.is_finite());
                Some((t, v))
            })
            .collect();
        out.push(Series { name, points });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_datasource_that_is_down_is_a_reason_not_a_hang() {
        let cfg = LecternConfig {
            services: vec![],
            datasources: vec![DatasourceSpec {
                name: "InfluxDB".into(),
                kind: DatasourceKind::InfluxDb,
                url: "http://127.0.0.1:9".into(),
                database: Some("x".into()),
            }],
        };
        let v: Value = serde_json::json!({"type": "graph", "title": "t", "datasource": "InfluxDB", "targets": [{"rawQuery": true, "query": "SELECT 1"}]});
        let d = crate::model::grafana::parse(&serde_json::json!({"panels": [v]})).unwrap();
        let started = std::time::Instant::now();
        let data = query_panel(
            &cfg,
            &d.panels[0],
            TimeRange {
                from_ms: 0,
                to_ms: 1000,
            },
            Duration::from_secs(2),
        );
        assert!(started.elapsed() < Duration::from_secs(3));
        assert!(data.error.unwrap().contains("not reachable"));
    }
}
