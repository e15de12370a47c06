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
            auth: None,
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
        "{}/query?db={}&epoch=ms&q={}{}",
        ds.url,
        encode(&db),
        encode(q),
        credentials(ds)
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

/// InfluxDB 1.x's `u` and `p` parameters, when the datasource has a user.
fn credentials(ds: &DatasourceSpec) -> String {
    ds.auth
        .as_ref()
        .map(|(u, p)| format!("&u={}&p={}", encode(u), encode(p)))
        .unwrap_or_default()
}

/// Without a configured database, use the first one that is not InfluxDB's own.
fn default_database(ds: &DatasourceSpec, timeout: Duration) -> Result<String, String> {
    let url = format!(
        "{}/query?q={}{}",
        ds.url,
        encode("SHOW DATABASES"),
        credentials(ds)
    );
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

/// What a dashboard query is for: drawing a tab, or an action's check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueryFor {
    /// Tab index and its query generation.
    Tab(usize, u64),
    Check(crate::model::ActionRef),
}

/// A dashboard's panels to query over a time range.
pub struct PanelsQuery {
    pub what: QueryFor,
    pub config: LecternConfig,
    pub panels: Vec<Panel>,
    /// Grafana time expressions, resolved when the query runs.
    pub from: String,
    pub to: String,
    /// Points before this (unix ms) do not count (a check wants new data only).
    pub not_before: Option<i64>,
}

/// One thread that runs dashboard queries in turn. A newer query for the same
/// tab or check replaces one still waiting, so the queue never outgrows the
/// number of tabs and checks.
pub struct QueryWorker {
    tx: std::sync::mpsc::Sender<PanelsQuery>,
}

impl QueryWorker {
    pub fn start(events: tokio::sync::mpsc::UnboundedSender<super::Event>) -> QueryWorker {
        let (tx, rx) = std::sync::mpsc::channel::<PanelsQuery>();
        let _ = std::thread::Builder::new()
            .name("dashboard-queries".into())
            .spawn(move || {
                let mut waiting: Vec<PanelsQuery> = Vec::new();
                loop {
                    if waiting.is_empty() {
                        match rx.recv() {
                            Ok(q) => waiting.push(q),
                            Err(_) => return,
                        }
                    }
                    while let Ok(q) = rx.try_recv() {
                        let key = |w: &PanelsQuery| match w.what {
                            QueryFor::Tab(i, _) => (0, i, None),
                            QueryFor::Check(r) => (1, 0, Some(r)),
                        };
                        waiting.retain(|w| key(w) != key(&q));
                        waiting.push(q);
                    }
                    let q = waiting.remove(0);
                    let data = super::guard::run("querying a dashboard", || run_query(&q))
                        .unwrap_or_else(|why| {
                            q.panels
                                .iter()
                                .map(|p| {
                                    let error = Some(why.clone());
                                    (
                                        p.title.clone(),
                                        PanelData {
                                            series: Vec::new(),
                                            error,
                                            ..Default::default()
                                        },
                                    )
                                })
                                .collect()
                        });
                    let ev = match q.what {
                        QueryFor::Tab(i, generation) => super::Event::Dashboard(
                            i,
                            generation,
                            data.into_iter().map(|(_, d)| d).collect(),
                        ),
                        QueryFor::Check(r) => super::Event::DashboardCheck(r, data),
                    };
                    if events.send(ev).is_err() {
                        return;
                    }
                }
            });
        QueryWorker { tx }
    }

    pub fn submit(&self, q: PanelsQuery) {
        let _ = self.tx.send(q);
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Every panel's data (with its title), or the reason there is none.
fn run_query(q: &PanelsQuery) -> Vec<(String, PanelData)> {
    match crate::model::series::time_range(&q.from, &q.to, now_ms()) {
        Ok(mut range) => {
            if let Some(nb) = q.not_before {
                range.from_ms = range.from_ms.max(nb);
            }
            q.panels
                .iter()
                .map(|p| {
                    let data = if range.from_ms >= range.to_ms {
                        PanelData {
                            series: Vec::new(),
                            error: Some("no time has passed since the page was opened".into()),
                            ..Default::default()
                        }
                    } else {
                        query_panel(&q.config, p, range, Duration::from_secs(5))
                    };
                    (p.title.clone(), data)
                })
                .collect()
        }
        Err(e) => q
            .panels
            .iter()
            .map(|p| {
                (
                    p.title.clone(),
                    PanelData {
                        series: Vec::new(),
                        error: Some(e.clone()),
                        ..Default::default()
                    },
                )
            })
            .collect(),
    }
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
                auth: None,
            }],
            ..Default::default()
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
