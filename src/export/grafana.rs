//! The dashboards lectern draws, served by a real Grafana in the session:
//! its datasources (lectern.yaml `datasources`, addresses as the Grafana
//! container sees them) and the dashboard JSON, both as Grafana provisioning
//! files under `services/grafana/`, which the compose service reads through
//! Educates' `workshop` volume. (Kubernetes objects such as a ConfigMap cannot
//! reach compose services: they run in the session's own docker daemon.)

use serde_json::{json, Map, Value};

use super::report::Report;
use super::services::{from_inside, host_port, Exported, Known, LEARNER_HOST, MOUNT, SERVICES_DIR};
use super::GeneratedFile;
use crate::workshop::lectern_config::{DatasourceKind, DatasourceSpec, LecternConfig};

/// A dashboard JSON file the workshop ships.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardFile {
    /// Where it is in the workshop (`workshop/dashboards/raw-requests.json`).
    pub source: String,
    pub json: Value,
}

pub struct Grafana {
    pub service: Value,
    pub exported: Exported,
    pub files: Vec<GeneratedFile>,
}

/// Grafana's datasource uid for a lectern datasource name ("Prometheus" -> "prometheus").
pub fn uid(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The Grafana service and its files, when the workshop ships dashboards or
/// runs Grafana itself; `port` is the one learners use (an existing `grafana`
/// ingress, a lectern service's ready URL, else Grafana's own).
pub fn build(
    cfg: &LecternConfig,
    dashboards: &[DashboardFile],
    exported: &[Exported],
    port: Option<u16>,
    name: &str,
    report: &mut Report,
) -> Option<Grafana> {
    if dashboards.is_empty() && port.is_none() {
        return None;
    }
    let folder = format!("{SERVICES_DIR}/{name}");
    let mounted = format!("{MOUNT}/{folder}");
    let mut files = Vec::new();

    let defaults;
    let sources: &[DatasourceSpec] = if cfg.datasources.is_empty() {
        // What lectern itself uses when lectern.yaml names none.
        defaults = vec![
            DatasourceSpec {
                name: "InfluxDB".into(),
                kind: DatasourceKind::InfluxDb,
                url: "http://127.0.0.1:8086".into(),
                database: None,
                auth: None,
            },
            DatasourceSpec {
                name: "Prometheus".into(),
                kind: DatasourceKind::Prometheus,
                url: "http://127.0.0.1:9090".into(),
                database: None,
                auth: None,
            },
        ];
        report.warning(
            "datasources",
            "lectern.yaml names none: Grafana gets lectern's defaults (InfluxDB on port 8086, Prometheus on 9090)",
        );
        &defaults
    } else {
        &cfg.datasources
    };

    let mut learner_host = false;
    let mut depends: Vec<String> = Vec::new();
    let mut list = Vec::new();
    for (i, d) in sources.iter().enumerate() {
        let url = match host_port(&d.url) {
            Some((host, Some(p))) => match from_inside(&host, p, exported) {
                Some((h, cp)) => {
                    if h == LEARNER_HOST {
                        learner_host = true;
                    } else if !depends.contains(&h) {
                        depends.push(h.clone());
                    }
                    let path = d.url.splitn(4, '/').nth(3).unwrap_or("");
                    let scheme = d.url.split("://").next().unwrap_or("http");
                    let path = if path.is_empty() {
                        String::new()
                    } else {
                        format!("/{path}")
                    };
                    format!("{scheme}://{h}:{cp}{path}")
                }
                None => d.url.clone(),
            },
            _ => d.url.clone(),
        };
        let mut ds = Map::new();
        ds.insert("name".into(), json!(d.name));
        ds.insert(
            "type".into(),
            json!(match d.kind {
                DatasourceKind::InfluxDb => "influxdb",
                DatasourceKind::Prometheus => "prometheus",
            }),
        );
        ds.insert("uid".into(), json!(uid(&d.name)));
        ds.insert("access".into(), json!("proxy"));
        ds.insert("url".into(), json!(url));
        ds.insert("isDefault".into(), json!(i == 0));
        if let Some(db) = &d.database {
            // `database` for older Grafana, `jsonData.dbName` for newer.
            ds.insert("database".into(), json!(db));
            ds.insert("jsonData".into(), json!({ "dbName": db }));
        }
        ds.insert("editable".into(), json!(true));
        report.mapped(
            format!("workshop/lectern.yaml datasource `{}` ({})", d.name, d.url),
            format!(
                "Grafana datasource `{}` (uid {}) at {url}",
                d.name,
                uid(&d.name)
            ),
        );
        list.push(Value::Object(ds));
    }
    let datasources_file = format!("{folder}/provisioning/datasources/datasources.yaml");
    files.push(GeneratedFile {
        path: datasources_file.clone(),
        contents: yaml(&json!({"apiVersion": 1, "datasources": list})),
    });

    let mut uids_seen: Vec<String> = Vec::new();
    for d in dashboards {
        // Grafana's API export wraps the dashboard; provisioning wants it bare.
        let dash = if d.json.get("dashboard").is_some() {
            &d.json["dashboard"]
        } else {
            &d.json
        };
        let uid = dash["uid"].as_str().unwrap_or("").to_string();
        if !uid.is_empty() && uids_seen.contains(&uid) {
            report.dropped(
                d.source.clone(),
                format!(
                    "another file already has dashboard uid `{uid}` (lectern uses the first too)"
                ),
            );
            continue;
        }
        uids_seen.push(uid.clone());
        let file_name = d.source.rsplit('/').next().unwrap_or("dashboard.json");
        let target = format!("{folder}/dashboards/{file_name}");
        let text = serde_json::to_string_pretty(dash).unwrap_or_default() + "\n";
        files.push(GeneratedFile {
            path: target.clone(),
            contents: text,
        });
        report.mapped(
            d.source.clone(),
            format!("{target} (Grafana dashboard `{uid}`)"),
        );
        for missing in unknown_datasources(dash, sources) {
            report.warning(
                d.source.clone(),
                format!("refers to datasource `{missing}`, which no datasource provides"),
            );
        }
    }
    files.push(GeneratedFile {
        path: format!("{folder}/provisioning/dashboards/dashboards.yaml"),
        contents: yaml(&json!({
            "apiVersion": 1,
            "providers": [{
                "name": "workshop",
                "type": "file",
                "disableDeletion": true,
                "allowUiUpdates": true,
                "options": {"path": format!("{mounted}/dashboards")},
            }],
        })),
    });

    let host_port = port.unwrap_or(Known::Grafana.container_port());
    let exported = Exported {
        name: name.to_string(),
        title: "Grafana".into(),
        kind: Known::Grafana,
        host_port,
        container_port: Known::Grafana.container_port(),
    };
    let mut svc = Map::new();
    svc.insert("image".into(), json!(Known::Grafana.image()));
    // Datasources are read once at start: wait until the session's files are there.
    svc.insert(
        "entrypoint".into(),
        json!([
            "/bin/sh",
            "-c",
            format!("until [ -f {MOUNT}/{datasources_file} ]; do sleep 1; done; exec /run.sh")
        ]),
    );
    svc.insert(
        "ports".into(),
        json!([format!("127.0.0.1:{host_port}:{}", exported.container_port)]),
    );
    svc.insert(
        "environment".into(),
        json!([
            format!("GF_PATHS_PROVISIONING={mounted}/provisioning"),
            // Behind the session's own login, in a dashboard tab (an iframe).
            "GF_AUTH_ANONYMOUS_ENABLED=true",
            "GF_AUTH_ANONYMOUS_ORG_ROLE=Admin",
            "GF_AUTH_DISABLE_LOGIN_FORM=true",
            "GF_SECURITY_ALLOW_EMBEDDING=true",
            "GF_ANALYTICS_REPORTING_ENABLED=false",
        ]),
    );
    svc.insert(
        "volumes".into(),
        json!([{"type": "volume", "source": "workshop", "target": MOUNT}]),
    );
    if !depends.is_empty() {
        svc.insert("depends_on".into(), json!(depends));
    }
    if learner_host {
        svc.insert(
            "extra_hosts".into(),
            json!([format!("{LEARNER_HOST}:host-gateway")]),
        );
    }
    report.mapped(
        format!("dashboards lectern draws ({})", dashboards.len()),
        format!(
            "compose service `{name}`: {}, 127.0.0.1:{host_port} -> {}, provisioned from {folder}/; ingress `{name}`",
            Known::Grafana.image(),
            exported.container_port
        ),
    );
    Some(Grafana {
        service: Value::Object(svc),
        exported,
        files,
    })
}

fn yaml(v: &Value) -> String {
    crate::yaml::to_string(v).unwrap_or_default()
}

/// Datasource names and uids a dashboard's panels use that no datasource has.
fn unknown_datasources(dash: &Value, sources: &[DatasourceSpec]) -> Vec<String> {
    let mut refs = Vec::new();
    collect_refs(dash, &mut refs);
    let mut out: Vec<String> = Vec::new();
    for r in refs {
        let known = sources.iter().any(|d| {
            d.name == r || uid(&d.name) == r || r.starts_with('$') || r == "-- Grafana --"
        });
        if !known && !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if k == "datasource" {
                    match child {
                        Value::String(s) => out.push(s.clone()),
                        Value::Object(o) => {
                            if let Some(u) = o.get("uid").and_then(Value::as_str) {
                                out.push(u.to_string());
                            }
                        }
                        _ => {}
                    }
                } else {
                    collect_refs(child, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|c| collect_refs(c, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn influx() -> Exported {
        Exported {
            name: "influxdb".into(),
            title: "InfluxDB".into(),
            kind: Known::InfluxDb,
            host_port: 8086,
            container_port: 8086,
        }
    }

    #[test]
    fn datasources_point_at_compose_services_and_dashboards_are_provisioned() {
        let (cfg, _) = crate::workshop::lectern_config::from_value(
            &crate::yaml::parse(
                "datasources:
- {name: InfluxDB, type: influxdb, url: 'http://127.0.0.1:8086', database: wsgi}
- {name: Prometheus, type: prometheus, url: 'http://localhost:9999/prom'}
",
            )
            .unwrap(),
        );
        let dash = DashboardFile {
            source: "workshop/dashboards/d.json".into(),
            json: json!({"dashboard": {"uid": "d", "panels": [
                {"datasource": "InfluxDB"},
                {"datasource": {"type": "prometheus", "uid": "prometheus"}},
                {"datasource": "Graphite"}
            ]}}),
        };
        let mut r = Report::default();
        let g = build(&cfg, &[dash], &[influx()], None, "grafana", &mut r).unwrap();
        let ds = crate::yaml::parse(&g.files[0].contents).unwrap();
        assert_eq!(ds["datasources"][0]["url"], "http://influxdb:8086");
        assert_eq!(ds["datasources"][0]["jsonData"]["dbName"], "wsgi");
        assert_eq!(
            ds["datasources"][1]["url"],
            "http://host.docker.internal:9999/prom"
        );
        assert_eq!(ds["datasources"][1]["uid"], "prometheus");
        assert_eq!(g.files[1].path, "services/grafana/dashboards/d.json");
        let bare: Value = serde_json::from_str(&g.files[1].contents).unwrap();
        assert_eq!(bare["uid"], "d");
        assert_eq!(g.service["depends_on"], json!(["influxdb"]));
        assert_eq!(g.service["ports"][0], "127.0.0.1:3000:3000");
        assert!(r.mentions(super::super::report::Kind::Warning, "Graphite"));
    }

    #[test]
    fn nothing_to_draw_means_no_grafana() {
        let cfg = LecternConfig::default();
        assert!(build(&cfg, &[], &[], None, "grafana", &mut Report::default()).is_none());
    }
}
