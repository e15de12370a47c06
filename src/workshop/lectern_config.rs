//! `workshop/lectern.yaml`: a workshop's settings that only lectern reads —
//! the servers it needs (`services`), where dashboard datasources live
//! (`datasources`) and whether lectern serves Grafana's HTTP API itself
//! (`grafana`). Educates does not read this file.

use std::time::Duration;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum AfterStep {
    /// POST a form to a URL (e.g. create a database).
    Post {
        url: String,
        form: Vec<(String, String)>,
    },
    /// Run a shell command.
    Run(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceSpec {
    pub name: String,
    pub title: String,
    /// A shell command; `{{ service_dir }}` is the service's own state folder.
    pub command: String,
    /// An http:// URL that answers 2xx once the service is ready.
    pub ready: Option<String>,
    pub timeout: Duration,
    /// How to install the program when it is missing.
    pub install: Option<String>,
    /// Files written into the service folder before it starts.
    pub files: Vec<(String, String)>,
    pub after: Vec<AfterStep>,
    /// Pages that need this service (names); they say so when it is down.
    pub pages: Vec<String>,
    /// Runs as process 1 of a process namespace of its own (supervisord:
    /// its programs log to /proc/1/fd/1, which must be its own output).
    pub own_pid_namespace: bool,
    /// A compose service's image that only a container engine can run: the
    /// service is not started, and says so.
    pub needs_engine: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasourceKind {
    InfluxDb,
    Prometheus,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DatasourceSpec {
    pub name: String,
    pub kind: DatasourceKind,
    pub url: String,
    pub database: Option<String>,
    /// InfluxDB's user and password, when the datasource gives them.
    pub auth: Option<(String, String)>,
}

/// `grafana:` — lectern answers Grafana's HTTP API on 127.0.0.1, so set-up
/// scripts that post datasources and dashboards to a Grafana work unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrafanaSettings {
    pub port: u16,
    pub user: String,
    pub password: String,
    /// Reading needs no credentials (Grafana's anonymous viewer).
    pub anonymous: bool,
}

impl Default for GrafanaSettings {
    fn default() -> GrafanaSettings {
        GrafanaSettings {
            port: 3000,
            user: "admin".into(),
            password: "admin".into(),
            anonymous: false,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LecternConfig {
    pub services: Vec<ServiceSpec>,
    pub datasources: Vec<DatasourceSpec>,
    pub grafana: Option<GrafanaSettings>,
}

impl LecternConfig {
    /// The datasource a dashboard names (case-insensitive), or the first of a kind.
    pub fn datasource(
        &self,
        name: Option<&str>,
        kind: Option<DatasourceKind>,
    ) -> Option<&DatasourceSpec> {
        name.and_then(|n| {
            self.datasources
                .iter()
                .find(|d| d.name.eq_ignore_ascii_case(n))
        })
        .or_else(|| kind.and_then(|k| self.datasources.iter().find(|d| d.kind == k)))
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A datasource as lectern.yaml or Grafana's API writes it: `name`, `type`
/// (influxdb or prometheus), `url`, and for InfluxDB `database` (or Grafana's
/// newer `jsonData.dbName`). The error names the key it concerns.
pub fn datasource_from_json(d: &Value) -> Result<DatasourceSpec, (String, String)> {
    let (Some(name), Some(url)) = (text(&d["name"]), text(&d["url"])) else {
        return Err((
            "datasources".into(),
            "each datasource needs `name` and `url`".into(),
        ));
    };
    let kind = match d["type"].as_str().unwrap_or("") {
        "influxdb" => DatasourceKind::InfluxDb,
        "prometheus" => DatasourceKind::Prometheus,
        other => {
            return Err((
                name.clone(),
                format!(
                    "datasource `{name}`: type `{other}` is not supported (influxdb or prometheus)"
                ),
            ))
        }
    };
    let database = text(&d["database"])
        .filter(|db| !db.is_empty())
        .or_else(|| text(&d["jsonData"]["dbName"]).filter(|db| !db.is_empty()));
    // Grafana keeps the password in `password` (before 8) or `secureJsonData`.
    let auth = text(&d["user"]).filter(|u| !u.is_empty()).map(|u| {
        let p = text(&d["secureJsonData"]["password"])
            .or_else(|| text(&d["password"]))
            .unwrap_or_default();
        (u, p)
    });
    Ok(DatasourceSpec {
        name,
        kind,
        url: url.trim_end_matches('/').to_string(),
        database,
        auth,
    })
}

fn grafana_settings(v: &Value, problems: &mut Vec<(String, String)>) -> Option<GrafanaSettings> {
    let mut g = GrafanaSettings::default();
    match v {
        Value::Null | Value::Bool(false) => return None,
        Value::Bool(true) => return Some(g),
        Value::Object(_) => {}
        _ => {
            problems.push((
                "grafana".into(),
                "`grafana` is `true` or a mapping (`port`, `user`, `password`, `anonymous`)".into(),
            ));
            return None;
        }
    }
    match &v["port"] {
        Value::Null => {}
        p => match p.as_u64().filter(|n| (1..=65535).contains(n)) {
            Some(n) => g.port = n as u16,
            None => problems.push((
                "grafana".into(),
                "`grafana.port` must be a port number (1 to 65535)".into(),
            )),
        },
    }
    if let Some(u) = text(&v["user"]) {
        g.user = u;
    }
    if let Some(p) = text(&v["password"]) {
        g.password = p;
    }
    match &v["anonymous"] {
        Value::Null => {}
        Value::Bool(b) => g.anonymous = *b,
        _ => problems.push((
            "grafana".into(),
            "`grafana.anonymous` is true or false".into(),
        )),
    }
    Some(g)
}

/// Read the config from a parsed YAML document. Problems come back as messages
/// with the key they concern.
pub fn from_value(v: &Value) -> (LecternConfig, Vec<(String, String)>) {
    let mut problems = Vec::new();
    let mut cfg = LecternConfig::default();
    for (i, s) in v["services"].as_array().into_iter().flatten().enumerate() {
        let Some(name) = text(&s["name"]) else {
            problems.push((
                "services".into(),
                format!("service {} needs a `name`", i + 1),
            ));
            continue;
        };
        // The name becomes a folder of lectern's state: one plain name, nothing more.
        if let Err(e) = crate::paths::plain_name(&name) {
            problems.push((name.clone(), format!("service name: {e}")));
            continue;
        }
        let Some(command) = text(&s["command"]) else {
            problems.push((name.clone(), format!("service `{name}` needs a `command`")));
            continue;
        };
        let timeout = match &s["timeout"] {
            Value::Null => Duration::from_secs(30),
            t => crate::action::parse_duration(t).unwrap_or_else(|| {
                problems.push((
                    name.clone(),
                    format!(
                        "service `{name}`: `timeout` must be a duration such as 30s, at most a day"
                    ),
                ));
                Duration::from_secs(30)
            }),
        };
        let mut files: Vec<(String, String)> = Vec::new();
        for (k, v) in s["files"].as_object().into_iter().flatten() {
            // Files go inside the service's folder: no absolute path, no `..`.
            let p = std::path::Path::new(k.as_str());
            let inside = !k.is_empty()
                && p.components().all(|c| {
                    matches!(
                        c,
                        std::path::Component::Normal(_) | std::path::Component::CurDir
                    )
                });
            if !inside {
                problems.push((
                    k.clone(),
                    format!("service `{name}`: file `{k}` must be a path inside the service's folder (no `/` at the start, no `..`)"),
                ));
                continue;
            }
            if let Some(t) = text(v) {
                files.push((k.clone(), t));
            }
        }
        let mut after = Vec::new();
        for step in s["after"].as_array().into_iter().flatten() {
            if let Some(url) = text(&step["post"]) {
                let form = step["form"]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .filter_map(|(k, v)| text(v).map(|t| (k.clone(), t)))
                            .collect()
                    })
                    .unwrap_or_default();
                after.push(AfterStep::Post { url, form });
            } else if let Some(cmd) = text(&step["run"]) {
                after.push(AfterStep::Run(cmd));
            } else {
                problems.push((
                    name.clone(),
                    format!(
                        "service `{name}`: each `after` step is `post:` (with `form:`) or `run:`"
                    ),
                ));
            }
        }
        let ready = text(&s["ready"]);
        if let Some(r) = &ready {
            if !r.starts_with("http://") {
                problems.push((
                    name.clone(),
                    format!("service `{name}`: `ready` must be an http:// URL"),
                ));
            }
        }
        cfg.services.push(ServiceSpec {
            title: text(&s["title"]).unwrap_or_else(|| name.clone()),
            name,
            command,
            ready,
            timeout,
            install: text(&s["install"]),
            files,
            after,
            pages: s["pages"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(text)
                .collect(),
            own_pid_namespace: false,
            needs_engine: None,
        });
    }
    for d in v["datasources"].as_array().into_iter().flatten() {
        match datasource_from_json(d) {
            Ok(spec) => cfg.datasources.push(spec),
            Err(p) => problems.push(p),
        }
    }
    cfg.grafana = grafana_settings(&v["grafana"], &mut problems);
    (cfg, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_services_and_datasources() {
        let v = crate::yaml::parse(
            "services:\n- name: db\n  command: influxd\n  ready: http://127.0.0.1:8086/ping\n  after:\n  - post: http://x/q\n    form: {q: CREATE DATABASE w}\n- command: nameless\ndatasources:\n- {name: InfluxDB, type: influxdb, url: 'http://127.0.0.1:8086/', database: w}\n- {name: X, type: graphite, url: u}\n",
        )
        .unwrap();
        let (cfg, problems) = from_value(&v);
        assert_eq!(cfg.services.len(), 1);
        assert_eq!(
            cfg.services[0].after,
            vec![AfterStep::Post {
                url: "http://x/q".into(),
                form: vec![("q".into(), "CREATE DATABASE w".into())]
            }]
        );
        assert_eq!(cfg.datasources[0].url, "http://127.0.0.1:8086");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(cfg.datasource(Some("influxdb"), None).is_some());
        assert_eq!(cfg.grafana, None);
    }

    #[test]
    fn reads_the_grafana_setting_and_grafana_datasources() {
        let read = |y: &str| from_value(&crate::yaml::parse(y).unwrap());
        let (cfg, problems) = read("grafana: {port: 3001, anonymous: true}\n");
        assert!(problems.is_empty(), "{problems:?}");
        let g = cfg.grafana.unwrap();
        assert_eq!(
            (g.port, g.anonymous, g.user.as_str()),
            (3001, true, "admin")
        );
        assert_eq!(
            read("grafana: true\n").0.grafana,
            Some(GrafanaSettings::default())
        );
        let (cfg, problems) = read("grafana: {port: 70000, anonymous: maybe}\n");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(cfg.grafana.unwrap().port, 3000);
        // Grafana 8+ keeps InfluxDB's database in jsonData.
        let ds = datasource_from_json(&serde_json::json!({"name": "I", "type": "influxdb",
            "url": "http://127.0.0.1:8086", "database": "", "jsonData": {"dbName": "wsgi"}}))
        .unwrap();
        assert_eq!(ds.database.as_deref(), Some("wsgi"));
        assert_eq!(ds.auth, None);
        let ds = datasource_from_json(&serde_json::json!({"name": "I", "type": "influxdb",
            "url": "http://influxdb:8086", "user": "wsgi", "secureJsonData": {"password": "pw"}}))
        .unwrap();
        assert_eq!(ds.auth, Some(("wsgi".into(), "pw".into())));
    }
}
