//! lectern's local services (`workshop/lectern.yaml` `services`) as docker
//! compose services that Educates runs beside each session.
//!
//! In an Educates session, compose runs in the session's docker daemon, which
//! shares the pod's network with the workshop container: ports published on
//! 127.0.0.1 reach the learner's terminals at the same address as lectern's
//! local services did, and the learner's own programs (listening on all
//! addresses in the workshop container) are `host.docker.internal` from inside
//! a service. Files reach a service only through the `workshop` volume, which
//! Educates binds to the learner's home: `workshop/` is moved elsewhere, so
//! generated files live in a top-level `services/` folder.

use regex::Regex;
use serde_json::{json, Map, Value};

use super::report::Report;
use super::{GeneratedFile, Problem};
use crate::workshop::lectern_config::{AfterStep, LecternConfig, ServiceSpec};

/// Where compose services see the learner's home (Educates' `workshop` volume).
pub const MOUNT: &str = "/workshop";
/// The export's folder for files compose services read.
pub const SERVICES_DIR: &str = "services";
/// How a service reaches programs the learner runs in the workshop container.
pub const LEARNER_HOST: &str = "host.docker.internal";
const CONFIG: &str = "workshop/lectern.yaml";

/// Programs lectern's services run that have an upstream image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    InfluxDb,
    Prometheus,
    Grafana,
}

impl Known {
    /// Images pinned so every session of a class runs the same versions.
    pub fn image(self) -> &'static str {
        match self {
            Known::InfluxDb => "influxdb:1.8",
            Known::Prometheus => "prom/prometheus:v2.53.0",
            Known::Grafana => "grafana/grafana:10.4.2",
        }
    }

    pub fn container_port(self) -> u16 {
        match self {
            Known::InfluxDb => 8086,
            Known::Prometheus => 9090,
            Known::Grafana => 3000,
        }
    }

    /// Whether a browser tab on it shows something (InfluxDB 1.x is an API only).
    pub fn has_ui(self) -> bool {
        !matches!(self, Known::InfluxDb)
    }

    fn detect(s: &ServiceSpec) -> Option<Known> {
        let program = s
            .command
            .split_whitespace()
            .next()
            .unwrap_or("")
            .rsplit('/')
            .next()
            .unwrap_or("");
        let name = s.name.to_ascii_lowercase();
        match program {
            "influxd" => Some(Known::InfluxDb),
            "prometheus" => Some(Known::Prometheus),
            "grafana-server" | "grafana" => Some(Known::Grafana),
            _ if name.starts_with("influx") => Some(Known::InfluxDb),
            _ if name == "prometheus" => Some(Known::Prometheus),
            _ if name == "grafana" => Some(Known::Grafana),
            _ => None,
        }
    }
}

/// A compose service learners reach: its name (also its ingress name) and ports.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    pub name: String,
    pub title: String,
    pub kind: Known,
    /// Published on 127.0.0.1 in the session (what the terminals use).
    pub host_port: u16,
    pub container_port: u16,
}

#[derive(Debug, Default)]
pub struct Compose {
    pub services: Map<String, Value>,
    pub exported: Vec<Exported>,
    pub files: Vec<GeneratedFile>,
    /// A lectern service that is Grafana: the Grafana service is built with the dashboards.
    pub grafana: Option<ServiceSpec>,
}

/// `http://127.0.0.1:8086/ping` -> ("127.0.0.1", Some(8086)).
pub fn host_port(url: &str) -> Option<(String, Option<u16>)> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
        return Some((host.to_string(), port));
    }
    match authority.rsplit_once(':') {
        Some((h, p)) => Some((h.to_string(), p.parse().ok())),
        None => Some((authority.to_string(), None)),
    }
}

pub fn is_loopback(host: &str) -> bool {
    host == "localhost" || host == "::1" || host.starts_with("127.")
}

/// Where a compose service reaches `host:port` that lectern reached on this
/// machine: another exported service by name, else the learner's container.
/// None when the address is not a loopback one (left as written).
pub fn from_inside(host: &str, port: u16, exported: &[Exported]) -> Option<(String, u16)> {
    if !is_loopback(host) {
        return None;
    }
    Some(match exported.iter().find(|e| e.host_port == port) {
        Some(e) => (e.name.clone(), e.container_port),
        None => (LEARNER_HOST.to_string(), port),
    })
}

/// A service name fit for compose, an ingress and a host name.
fn check_name(name: &str) -> Result<(), Problem> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if !ok {
        return Err(Problem::new(
            CONFIG,
            format!("service name `{name}` cannot name a compose service and an ingress"),
        )
        .help("use lower-case letters, digits and '-' (at most 40)"));
    }
    if matches!(name, "terminal" | "console" | "slides" | "editor") {
        return Err(Problem::new(
            CONFIG,
            format!("service name `{name}` is taken by one of Educates' own dashboards"),
        )
        .help("rename the service"));
    }
    Ok(())
}

/// A file name from `files`: relative, inside the service's folder.
pub fn check_file_key(service: &str, key: &str) -> Result<(), Problem> {
    let path = std::path::Path::new(key);
    let bad = key.is_empty()
        || path.is_absolute()
        || key.contains('\\')
        || path
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)));
    if bad {
        return Err(Problem::new(
            CONFIG,
            format!("service `{service}`: file `{key}` must be a relative path inside the service's folder"),
        )
        .help("name it like `prometheus.yml` or `rules/alerts.yml`, without `..` or a leading `/`"));
    }
    Ok(())
}

fn service_dir_pattern() -> Regex {
    Regex::new(r"\{\{\s*service_dir\s*\}\}").expect("a valid pattern")
}

/// The lectern services as compose services.
pub fn build(cfg: &LecternConfig, report: &mut Report) -> Result<Compose, Problem> {
    let mut out = Compose::default();
    // Ports first: a service may point at another (a scrape target, a datasource).
    let mut planned: Vec<(&ServiceSpec, Known)> = Vec::new();
    for s in &cfg.services {
        check_name(&s.name)?;
        for (key, _) in &s.files {
            check_file_key(&s.name, key)?;
        }
        match Known::detect(s) {
            Some(Known::Grafana) => out.grafana = Some(s.clone()),
            Some(kind) => {
                let host_port = s
                    .ready
                    .as_deref()
                    .and_then(host_port)
                    .and_then(|(_, p)| p)
                    .unwrap_or(kind.container_port());
                out.exported.push(Exported {
                    name: s.name.clone(),
                    title: s.title.clone(),
                    kind,
                    host_port,
                    container_port: kind.container_port(),
                });
                planned.push((s, kind));
            }
            None => report.warning(
                format!("{CONFIG} service `{}` (`{}`)", s.name, s.command),
                "no upstream image is known for it, so it is not in the export; add it under spec.session.applications.docker.compose.services in resources/workshop.yaml, which export keeps",
            ),
        }
    }
    for (s, kind) in planned {
        let service = match kind {
            Known::InfluxDb => influxdb(s, &out.exported, report),
            Known::Prometheus => prometheus(s, &out.exported, &mut out.files, report)?,
            Known::Grafana => unreachable!("Grafana is built with the dashboards"),
        };
        out.services.insert(s.name.clone(), service);
        dropped_fields(s, kind, report);
    }
    Ok(out)
}

fn ports(e: &Exported) -> Value {
    json!([format!("127.0.0.1:{}:{}", e.host_port, e.container_port)])
}

fn exported<'a>(all: &'a [Exported], name: &str) -> &'a Exported {
    all.iter()
        .find(|e| e.name == name)
        .expect("every planned service is exported")
}

fn influxdb(s: &ServiceSpec, all: &[Exported], report: &mut Report) -> Value {
    let e = exported(all, &s.name);
    let create = Regex::new(r#"(?i)^\s*CREATE\s+DATABASE\s+"?([A-Za-z0-9_.\-]+)"?\s*;?\s*$"#)
        .expect("a valid pattern");
    let mut env = vec![json!("INFLUXDB_REPORTING_DISABLED=true")];
    let mut db_done = false;
    for step in &s.after {
        let created = match step {
            AfterStep::Post { form, .. } => form
                .iter()
                .find(|(k, _)| k == "q")
                .and_then(|(_, q)| create.captures(q))
                .map(|c| c[1].to_string()),
            AfterStep::Run(_) => None,
        };
        match (created, db_done) {
            (Some(db), false) => {
                env.insert(0, json!(format!("INFLUXDB_DB={db}")));
                db_done = true;
                report.mapped(
                    format!("{CONFIG} service `{}`: after `CREATE DATABASE {db}`", s.name),
                    format!("INFLUXDB_DB={db} (the image creates it on first start)"),
                );
            }
            _ => report.dropped(
                format!("{CONFIG} service `{}`: after step {}", s.name, describe_step(step)),
                "only the first CREATE DATABASE has an image setting; do the rest from a workshop/setup.d script",
            ),
        }
    }
    report.mapped(
        format!("{CONFIG} service `{}` ({})", s.name, s.title),
        format!(
            "compose service `{}`: {}, 127.0.0.1:{} -> {}; ingress `{}`",
            s.name,
            Known::InfluxDb.image(),
            e.host_port,
            e.container_port,
            s.name
        ),
    );
    json!({
        "image": Known::InfluxDb.image(),
        "ports": ports(e),
        "environment": env,
    })
}

fn describe_step(step: &AfterStep) -> String {
    match step {
        AfterStep::Post { url, form } => {
            let form: Vec<String> = form.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("`post {url} {}`", form.join("&"))
        }
        AfterStep::Run(cmd) => format!("`run {cmd}`"),
    }
}

/// The `--config.file=` of a Prometheus command, as a name in the service's files.
fn config_file_name(s: &ServiceSpec) -> Option<String> {
    let dir = service_dir_pattern();
    let cmd = dir.replace_all(&s.command, "@DIR@");
    let arg = cmd
        .split_whitespace()
        .find_map(|a| a.strip_prefix("--config.file="))?;
    let arg = arg.trim_matches(['"', '\'']);
    let name = arg.strip_prefix("@DIR@/").unwrap_or(arg);
    s.files
        .iter()
        .any(|(k, _)| k == name)
        .then(|| name.to_string())
}

fn prometheus(
    s: &ServiceSpec,
    all: &[Exported],
    files: &mut Vec<GeneratedFile>,
    report: &mut Report,
) -> Result<Value, Problem> {
    let e = exported(all, &s.name);
    let folder = format!("{SERVICES_DIR}/{}", s.name);
    let mounted = format!("{MOUNT}/{folder}");
    let config = config_file_name(s).or_else(|| {
        s.files
            .iter()
            .find(|(k, _)| k.ends_with("prometheus.yml") || k.ends_with("prometheus.yaml"))
            .map(|(k, _)| k.clone())
    });
    let mut learner_host = false;
    for (key, text) in &s.files {
        let text = service_dir_pattern()
            .replace_all(text, mounted.as_str())
            .into_owned();
        let text = if Some(key) == config.as_ref() {
            let (text, rewrites, to_learner) = rewrite_targets(&text, e, all).map_err(|m| {
                Problem::new(
                    CONFIG,
                    format!("service `{}`: file `{key}` is not valid YAML: {m}", s.name),
                )
                .help("fix the Prometheus configuration in lectern.yaml")
            })?;
            learner_host |= to_learner;
            for (from, to) in rewrites {
                report.mapped(
                    format!("{CONFIG} service `{}`: scrape target {from}", s.name),
                    format!("{to} (as the service sees it)"),
                );
            }
            text
        } else {
            text
        };
        files.push(GeneratedFile {
            path: format!("{folder}/{key}"),
            contents: text,
        });
        report.mapped(
            format!("{CONFIG} service `{}`: file {key}", s.name),
            format!("{folder}/{key}, mounted at {mounted}/{key}"),
        );
    }
    let mut svc = Map::new();
    svc.insert("image".into(), json!(Known::Prometheus.image()));
    match &config {
        Some(c) => {
            let path = format!("{mounted}/{c}");
            // The session's files may land in the home folder after compose starts.
            svc.insert(
                "entrypoint".into(),
                json!([
                    "/bin/sh",
                    "-c",
                    format!("until [ -f {path} ]; do sleep 1; done; exec /bin/prometheus --config.file={path} --storage.tsdb.path=/prometheus")
                ]),
            );
            svc.insert(
                "volumes".into(),
                json!([{"type": "volume", "source": "workshop", "target": MOUNT}]),
            );
        }
        None => report.warning(
            format!("{CONFIG} service `{}`", s.name),
            "no Prometheus configuration among its files: the image's default one (scraping itself) is used",
        ),
    }
    svc.insert("ports".into(), ports(e));
    if learner_host {
        svc.insert(
            "extra_hosts".into(),
            json!([format!("{LEARNER_HOST}:host-gateway")]),
        );
    }
    report.mapped(
        format!("{CONFIG} service `{}` ({})", s.name, s.title),
        format!(
            "compose service `{}`: {}, 127.0.0.1:{} -> {}; ingress `{}`",
            s.name,
            Known::Prometheus.image(),
            e.host_port,
            e.container_port,
            s.name
        ),
    );
    Ok(Value::Object(svc))
}

type Rewrites = Vec<(String, String)>;

/// The items of the list at `v[key]`, if it is one (indexing would add a null).
fn list<'a>(v: &'a mut Value, key: &str) -> Vec<&'a mut Value> {
    match v.get_mut(key).and_then(Value::as_array_mut) {
        Some(a) => a.iter_mut().collect(),
        None => Vec::new(),
    }
}

/// Point loopback scrape targets where they are from inside the container.
/// The text is kept as written when nothing changes.
fn rewrite_targets(
    text: &str,
    me: &Exported,
    all: &[Exported],
) -> Result<(String, Rewrites, bool), String> {
    let mut doc = crate::yaml::parse(text).map_err(|e| e.message)?;
    let mut rewrites = Vec::new();
    let mut to_learner = false;
    for job in list(&mut doc, "scrape_configs") {
        for sc in list(job, "static_configs") {
            for t in list(sc, "targets") {
                let Some(target) = t.as_str() else { continue };
                let Some((host, Some(port))) = host_port(target) else {
                    continue;
                };
                let new = if port == me.host_port && is_loopback(&host) {
                    // Prometheus scraping itself.
                    Some(format!("localhost:{}", me.container_port))
                } else {
                    from_inside(&host, port, all).map(|(h, p)| {
                        to_learner |= h == LEARNER_HOST;
                        format!("{h}:{p}")
                    })
                };
                if let Some(new) = new.filter(|n| n != target) {
                    rewrites.push((target.to_string(), new.clone()));
                    *t = json!(new);
                }
            }
        }
    }
    if rewrites.is_empty() {
        return Ok((text.to_string(), rewrites, false));
    }
    let text = crate::yaml::to_string(&doc).map_err(|e| e.message)?;
    Ok((text, rewrites, to_learner))
}

/// What of a lectern service has no place in Educates, and why.
fn dropped_fields(s: &ServiceSpec, kind: Known, report: &mut Report) {
    let at = format!("{CONFIG} service `{}`", s.name);
    report.dropped(
        format!("{at}: command `{}`", s.command),
        format!("the {} image runs it", kind.image()),
    );
    if let Some(r) = &s.ready {
        report.dropped(
            format!("{at}: ready {r}"),
            "compose starts it with the session",
        );
    }
    if let Some(i) = &s.install {
        report.dropped(
            format!("{at}: install `{i}`"),
            "the image brings the program",
        );
    }
    if kind == Known::InfluxDb {
        for (k, _) in &s.files {
            report.dropped(
                format!("{at}: file {k}"),
                "the image's own configuration serves the same port on all addresses",
            );
        }
    }
    if !s.pages.is_empty() {
        report.dropped(
            format!("{at}: pages [{}]", s.pages.join(", ")),
            "the service runs for the whole session",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workshop::lectern_config;

    fn config(text: &str) -> LecternConfig {
        let (cfg, problems) = lectern_config::from_value(&crate::yaml::parse(text).unwrap());
        assert!(problems.is_empty(), "{problems:?}");
        cfg
    }

    #[test]
    fn urls_split_into_host_and_port() {
        assert_eq!(
            host_port("http://127.0.0.1:8086/ping"),
            Some(("127.0.0.1".into(), Some(8086)))
        );
        assert_eq!(host_port("[::1]:9"), Some(("::1".into(), Some(9))));
        assert_eq!(host_port("https://x.org/a"), Some(("x.org".into(), None)));
    }

    #[test]
    fn influxdb_and_prometheus_become_compose_services() {
        let cfg = config(
            "services:
- name: influxdb
  command: influxd -config {{ service_dir }}/influxdb.conf
  ready: http://127.0.0.1:8086/ping
  files: {influxdb.conf: 'x'}
  after:
  - post: http://127.0.0.1:8086/query
    form: {q: CREATE DATABASE wsgi}
  - run: echo more
- name: prometheus
  command: prometheus --config.file={{ service_dir }}/prometheus.yml
  ready: http://127.0.0.1:9091/-/ready
  files:
    prometheus.yml: |
      scrape_configs:
      - job_name: app
        static_configs:
        - targets: ['127.0.0.1:8001', 'localhost:8086', '127.0.0.1:9091', 'example.org:80']
- name: mailer
  command: mailhog
",
        );
        let mut r = Report::default();
        let c = build(&cfg, &mut r).unwrap();
        let influx = &c.services["influxdb"];
        assert_eq!(influx["image"], "influxdb:1.8");
        assert_eq!(influx["ports"][0], "127.0.0.1:8086:8086");
        assert_eq!(influx["environment"][0], "INFLUXDB_DB=wsgi");
        let prom = &c.services["prometheus"];
        assert_eq!(prom["ports"][0], "127.0.0.1:9091:9090");
        assert_eq!(prom["extra_hosts"][0], "host.docker.internal:host-gateway");
        assert_eq!(prom["volumes"][0]["source"], "workshop");
        assert!(prom["entrypoint"][2]
            .as_str()
            .unwrap()
            .contains("--config.file=/workshop/services/prometheus/prometheus.yml"));
        assert!(c.services.get("mailer").is_none());
        let file = &c.files[0];
        assert_eq!(file.path, "services/prometheus/prometheus.yml");
        let targets = crate::yaml::parse(&file.contents).unwrap()["scrape_configs"][0]
            ["static_configs"][0]["targets"]
            .clone();
        assert_eq!(
            targets,
            json!([
                "host.docker.internal:8001",
                "influxdb:8086",
                "localhost:9090",
                "example.org:80"
            ])
        );
        use super::super::report::Kind;
        assert!(r.mentions(Kind::Warning, "mailer"));
        assert!(r.mentions(Kind::Dropped, "run echo more"));
        assert!(r.mentions(Kind::Dropped, "influxdb.conf"));
    }

    #[test]
    fn names_and_file_paths_are_checked() {
        let cfg = config("services:\n- name: Bad_Name\n  command: influxd\n");
        assert!(build(&cfg, &mut Report::default()).is_err());
        // A file outside its service's folder is refused when the workshop loads.
        let (_, problems) = lectern_config::from_value(
            &crate::yaml::parse(
                "services:\n- name: p\n  command: prometheus\n  files: {'../x': y}\n",
            )
            .unwrap(),
        );
        assert!(
            problems.iter().any(|(_, m)| m.contains("../x")),
            "{problems:?}"
        );
        assert!(check_file_key("p", "/etc/passwd").is_err());
        assert!(check_file_key("p", "rules/a.yml").is_ok());
    }
}
