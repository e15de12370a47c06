//! Compose services (`session.applications.docker.compose.services`) as local
//! programs, for a machine without a container engine: a well-known image
//! becomes the program it packages, configured as the image's documentation
//! says its environment configures it. Values in, values out: the services
//! are started by `runtime::services` like those of lectern.yaml.
//!
//! | image | runs |
//! |---|---|
//! | `influxdb:1.x` | `influxd`, INFLUXDB_DB and its users created over /query |
//! | `prom/prometheus` | `prometheus` with the configuration its volumes give |
//! | `grafana/grafana` | lectern's own Grafana HTTP API |
//!
//! Any other image needs a container engine.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::lectern_config::{AfterStep, GrafanaSettings, ServiceSpec};
use super::resources::{ComposeService, VolumeKind};
use crate::yaml::Seg;

/// What the compose services become.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Local {
    pub services: Vec<ServiceSpec>,
    /// A `grafana/grafana` service: lectern serves Grafana's API on its port.
    pub grafana: Option<GrafanaSettings>,
    pub problems: Vec<Problem>,
}

/// Something about a compose service to tell the author, at `path` of the resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: Vec<Seg>,
    pub message: String,
    pub help: String,
    /// The image has no local program: only a container engine can run it.
    pub needs_engine: bool,
}

/// An image reference split into its repository (without registry or
/// `library/`) and tag (`latest` when none).
pub fn image_name(image: &str) -> (String, String) {
    let image = image.split('@').next().unwrap_or(image);
    // The tag is after the last `:` that follows the last `/` (a registry may have a port).
    let slash = image.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match image[slash..].rfind(':') {
        Some(i) => (&image[..slash + i], &image[slash + i + 1..]),
        None => (image, "latest"),
    };
    let mut parts: Vec<&str> = repo.split('/').collect();
    // A first part with a `.` or `:` (or `localhost`) is a registry.
    if parts.len() > 1 && (parts[0].contains(['.', ':']) || parts[0] == "localhost") {
        parts.remove(0);
    }
    if parts.len() > 1 && parts[0] == "library" {
        parts.remove(0);
    }
    (parts.join("/"), tag.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    InfluxDb1,
    Prometheus,
    Grafana,
}

fn kind(image: &str) -> Option<Kind> {
    let (repo, tag) = image_name(image);
    match repo.as_str() {
        // influxdb:latest is 2.x, a different server with a different API.
        "influxdb" if tag == "1" || tag.starts_with("1.") => Some(Kind::InfluxDb1),
        "prom/prometheus" => Some(Kind::Prometheus),
        "grafana/grafana" | "grafana/grafana-oss" | "grafana/grafana-enterprise" => {
            Some(Kind::Grafana)
        }
        _ => None,
    }
}

/// Whether lectern can run `image` without a container engine.
pub fn runs_locally(image: &str) -> bool {
    kind(image).is_some()
}

fn services_path(name: &str, more: &[&str]) -> Vec<Seg> {
    [
        "spec",
        "session",
        "applications",
        "docker",
        "compose",
        "services",
        name,
    ]
    .iter()
    .chain(more)
    .map(|k| Seg::Key(k.to_string()))
    .collect()
}

fn env<'a>(c: &'a ComposeService, name: &str) -> Option<&'a str> {
    c.environment
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.as_deref())
        .filter(|v| !v.is_empty())
}

/// The port the program listens on: the published port of `container`
/// (so that `localhost:PUBLISHED` works as with Docker), else `container`
/// itself (so that `NAME:PORT` works through the session's hosts file).
fn port(c: &ComposeService, container: u16) -> u16 {
    c.ports
        .iter()
        .find(|p| p.target == container)
        .and_then(|p| p.published)
        .unwrap_or(container)
}

/// A word for `/bin/sh -c`, quoted.
fn sh(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A URL query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An InfluxQL string literal.
fn ql_str(s: &str) -> String {
    format!("'{}'", s.replace('\\', r"\\").replace('\'', r"\'"))
}

/// An InfluxQL identifier.
fn ql_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', r"\\").replace('"', "\\\""))
}

/// Derive local services from the compose services. `root` is the workshop's
/// folder: the sources of bind volumes are read below it.
pub fn local(compose: &[ComposeService], root: &Path) -> Local {
    let mut out = Local::default();
    for c in compose {
        let Some(image) = c.image.as_deref() else {
            out.problems.push(Problem {
                path: services_path(&c.name, &[]),
                message: format!("compose service `{}` has no `image`", c.name),
                help: "give the image to run, such as `image: influxdb:1.8.1`".into(),
                needs_engine: false,
            });
            continue;
        };
        if let Err(e) = crate::paths::plain_name(&c.name) {
            out.problems.push(Problem {
                path: services_path(&c.name, &[]),
                message: format!("compose service name: {e}"),
                help: "name the service with letters, digits and `-`".into(),
                needs_engine: false,
            });
            continue;
        }
        match kind(image) {
            Some(Kind::InfluxDb1) => out.services.push(influxdb(c, image)),
            Some(Kind::Prometheus) => match prometheus(c, image, root) {
                Ok(s) => out.services.push(s),
                Err(p) => out.problems.push(p),
            },
            Some(Kind::Grafana) => {
                if out.grafana.is_some() {
                    out.problems.push(Problem {
                        path: services_path(&c.name, &["image"]),
                        message: format!(
                            "compose service `{}`: lectern serves one Grafana; this second one is not started",
                            c.name
                        ),
                        help: "keep one grafana/grafana service".into(),
                        needs_engine: false,
                    });
                    continue;
                }
                out.grafana = Some(grafana(c));
            }
            None => {
                out.problems.push(Problem {
                    path: services_path(&c.name, &["image"]),
                    message: format!(
                        "compose service `{}` needs a container engine: {image}",
                        c.name
                    ),
                    help: "lectern runs influxdb:1.x, prom/prometheus and grafana/grafana as local programs; \
                           other images need Docker or Podman, or a service in workshop/lectern.yaml that starts the program"
                        .into(),
                    needs_engine: true,
                });
                out.services.push(ServiceSpec {
                    name: c.name.clone(),
                    title: c.name.clone(),
                    command: String::new(),
                    ready: None,
                    timeout: Duration::from_secs(1),
                    install: None,
                    files: Vec::new(),
                    after: Vec::new(),
                    pages: Vec::new(),
                    own_pid_namespace: false,
                    needs_engine: Some(image.to_string()),
                });
            }
        }
    }
    out
}

/// `influxdb:1.x`: influxd with its data in the service's folder, on loopback,
/// and what the image's entrypoint does with INFLUXDB_DB and the users.
fn influxdb(c: &ComposeService, image: &str) -> ServiceSpec {
    let port = port(c, 8086);
    let base = format!("http://127.0.0.1:{port}");
    let config = format!(
        "reporting-disabled = true\n\
         # Backups' RPC: any free port, so that two workshops never meet there.\n\
         bind-address = \"127.0.0.1:0\"\n\
         [meta]\n  dir = \"{{{{ service_dir }}}}/meta\"\n\
         [data]\n  dir = \"{{{{ service_dir }}}}/data\"\n  wal-dir = \"{{{{ service_dir }}}}/wal\"\n  query-log-enabled = false\n\
         [http]\n  bind-address = \"127.0.0.1:{port}\"\n  log-enabled = false\n"
    );
    // influxd reads INFLUXDB_SECTION_KEY variables itself (auth-enabled and
    // the like). The image's entrypoint variables are done below instead,
    // and the places lectern chooses stay lectern's.
    let own = |k: &str| {
        matches!(
            k,
            "INFLUXDB_HTTP_BIND_ADDRESS"
                | "INFLUXDB_BIND_ADDRESS"
                | "INFLUXDB_META_DIR"
                | "INFLUXDB_DB"
                | "INFLUXDB_ADMIN_ENABLED"
        ) || k.starts_with("INFLUXDB_DATA_")
            || [
                "USER",
                "ADMIN_USER",
                "ADMIN_PASSWORD",
                "READ_USER",
                "WRITE_USER",
            ]
            .iter()
            .any(|p| k.starts_with(&format!("INFLUXDB_{p}")))
    };
    let vars: Vec<String> = c
        .environment
        .iter()
        .filter(|(k, _)| k.starts_with("INFLUXDB_") && !own(k))
        .filter_map(|(k, v)| v.as_ref().map(|v| sh(&format!("{k}={v}"))))
        .collect();
    let command = if vars.is_empty() {
        "influxd -config {{ service_dir }}/influxdb.conf".to_string()
    } else {
        format!(
            "env {} influxd -config {{{{ service_dir }}}}/influxdb.conf",
            vars.join(" ")
        )
    };
    let admin = env(c, "INFLUXDB_ADMIN_USER").map(|u| {
        (
            u.to_string(),
            env(c, "INFLUXDB_ADMIN_PASSWORD").unwrap_or("").to_string(),
        )
    });
    // influxd reads `u` and `p` from the URL, not from a posted form.
    let query = |q: String, as_admin: bool| AfterStep::Post {
        url: match (as_admin, &admin) {
            (true, Some((u, p))) => format!("{base}/query?u={}&p={}", encode(u), encode(p)),
            _ => format!("{base}/query"),
        },
        form: vec![("q".to_string(), q)],
    };
    let mut after = Vec::new();
    // The first admin may be made without credentials, even with auth on.
    if let Some((u, p)) = &admin {
        after.push(query(
            format!(
                "CREATE USER {} WITH PASSWORD {} WITH ALL PRIVILEGES",
                ql_ident(u),
                ql_str(p)
            ),
            false,
        ));
    }
    if let Some(db) = env(c, "INFLUXDB_DB") {
        after.push(query(format!("CREATE DATABASE {}", ql_ident(db)), true));
        for (user, password, grant) in [
            ("INFLUXDB_USER", "INFLUXDB_USER_PASSWORD", "ALL"),
            ("INFLUXDB_READ_USER", "INFLUXDB_READ_USER_PASSWORD", "READ"),
            (
                "INFLUXDB_WRITE_USER",
                "INFLUXDB_WRITE_USER_PASSWORD",
                "WRITE",
            ),
        ] {
            if let Some(u) = env(c, user) {
                let p = env(c, password).unwrap_or("");
                after.push(query(
                    format!("CREATE USER {} WITH PASSWORD {}", ql_ident(u), ql_str(p)),
                    true,
                ));
                after.push(query(
                    format!("GRANT {grant} ON {} TO {}", ql_ident(db), ql_ident(u)),
                    true,
                ));
            }
        }
    }
    ServiceSpec {
        name: c.name.clone(),
        title: format!("{} ({image} as influxd)", c.name),
        command,
        ready: Some(format!("{base}/ping")),
        timeout: Duration::from_secs(60),
        install: Some("sudo apt-get install influxdb".into()),
        files: vec![("influxdb.conf".into(), config)],
        after,
        pages: Vec::new(),
        own_pid_namespace: false,
        needs_engine: None,
    }
}

/// Where a path inside the container is in the workshop, through the
/// service's volumes: a bind of a path of the workshop, or Educates' volume
/// named `workshop` (the workshop's files). `Ok(None)`: no volume holds it.
fn from_volumes(c: &ComposeService, inside: &str, root: &Path) -> Result<Option<PathBuf>, String> {
    // The deepest target that holds the path decides, as with mounts.
    let mut best: Option<(usize, PathBuf)> = None;
    for v in &c.volumes {
        let target = v.target.trim_end_matches('/');
        let rest = if inside == target {
            ""
        } else if let Some(r) = inside.strip_prefix(&format!("{target}/")) {
            r
        } else {
            continue;
        };
        let base = match (&v.kind, v.source.as_deref()) {
            (VolumeKind::Volume, Some("workshop")) => root.to_path_buf(),
            (VolumeKind::Bind, Some(src)) => {
                let rel = src.strip_prefix("./").unwrap_or(src);
                crate::paths::within(root, rel).map_err(|e| {
                    format!("volume `{src}`: {e}; lectern reads bind volumes from the workshop's folder")
                })?
            }
            _ => continue,
        };
        let path = if rest.is_empty() {
            base
        } else {
            crate::paths::within(&base, rest).map_err(|e| format!("`{inside}`: {e}"))?
        };
        if best.as_ref().is_none_or(|(n, _)| target.len() > *n) {
            best = Some((target.len(), path));
        }
    }
    Ok(best.map(|(_, p)| p))
}

/// The image's default configuration: Prometheus scraping itself.
const PROMETHEUS_DEFAULT: &str = "global:\n  scrape_interval: 15s\nscrape_configs:\n- job_name: prometheus\n  static_configs:\n  - targets: ['127.0.0.1:PORT']\n";

/// `prom/prometheus`: prometheus with the configuration the service's volumes
/// give it (at the image's `/etc/prometheus/prometheus.yml`, or the command's
/// `--config.file`), its data in the service's folder, on loopback.
fn prometheus(c: &ComposeService, image: &str, root: &Path) -> Result<ServiceSpec, Problem> {
    let port = port(c, 9090);
    let mut config_at = "/etc/prometheus/prometheus.yml".to_string();
    let mut extra = Vec::new();
    let words: Vec<String> = match c.command.as_deref() {
        Some([one]) => one.split_whitespace().map(str::to_string).collect(),
        Some(words) => words.to_vec(),
        None => Vec::new(),
    };
    for w in words {
        if let Some(f) = w.strip_prefix("--config.file=") {
            config_at = f.to_string();
        } else if w.starts_with("--storage.tsdb.path=") || w.starts_with("--web.listen-address=") {
            // lectern's own: data in the service's folder, loopback only.
        } else if w.starts_with("--") {
            extra.push(sh(&w));
        }
    }
    let mut files = Vec::new();
    let config = match from_volumes(c, &config_at, root) {
        Ok(Some(p)) => sh(&p.to_string_lossy()),
        Ok(None) => {
            files.push((
                "prometheus.yml".to_string(),
                PROMETHEUS_DEFAULT.replace("PORT", &port.to_string()),
            ));
            "{{ service_dir }}/prometheus.yml".to_string()
        }
        Err(e) => {
            return Err(Problem {
                path: services_path(&c.name, &["volumes"]),
                message: format!("compose service `{}`: {e}", c.name),
                help: "bind a file of the workshop, such as `./prometheus.yml:/etc/prometheus/prometheus.yml`".into(),
                needs_engine: false,
            })
        }
    };
    let mut command = format!(
        "prometheus --config.file={config} --storage.tsdb.path={{{{ service_dir }}}}/data --web.listen-address=127.0.0.1:{port}"
    );
    for e in extra {
        command.push(' ');
        command.push_str(&e);
    }
    Ok(ServiceSpec {
        name: c.name.clone(),
        title: format!("{} ({image} as prometheus)", c.name),
        command,
        ready: Some(format!("http://127.0.0.1:{port}/-/ready")),
        timeout: Duration::from_secs(60),
        install: Some("sudo apt-get install prometheus".into()),
        files,
        after: Vec::new(),
        pages: Vec::new(),
        own_pid_namespace: false,
        needs_engine: None,
    })
}

/// `grafana/grafana`: lectern answers Grafana's API on the service's port,
/// with the admin and anonymous access the image's GF_ variables set.
fn grafana(c: &ComposeService) -> GrafanaSettings {
    let container = env(c, "GF_SERVER_HTTP_PORT")
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let mut g = GrafanaSettings {
        port: port(c, container),
        ..GrafanaSettings::default()
    };
    if let Some(u) = env(c, "GF_SECURITY_ADMIN_USER") {
        g.user = u.to_string();
    }
    if let Some(p) = env(c, "GF_SECURITY_ADMIN_PASSWORD") {
        g.password = p.to_string();
    }
    g.anonymous =
        env(c, "GF_AUTH_ANONYMOUS_ENABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    g
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workshop::resources::{PortSpec, VolumeSpec};

    fn svc(name: &str, image: &str, env: &[(&str, &str)]) -> ComposeService {
        ComposeService {
            name: name.into(),
            image: Some(image.into()),
            environment: env
                .iter()
                .map(|(k, v)| (k.to_string(), Some(v.to_string())))
                .collect(),
            ..ComposeService::default()
        }
    }

    #[test]
    fn images_are_named_as_docker_names_them() {
        assert_eq!(
            image_name("influxdb:1.8.1"),
            ("influxdb".into(), "1.8.1".into())
        );
        assert_eq!(
            image_name("docker.io/library/influxdb"),
            ("influxdb".into(), "latest".into())
        );
        assert_eq!(
            image_name("localhost:5000/prom/prometheus:v2.42.0"),
            ("prom/prometheus".into(), "v2.42.0".into())
        );
        assert!(runs_locally("grafana/grafana:7.1.3"));
        assert!(runs_locally("influxdb:1.8"));
        // 2.x is another server: it needs the image.
        assert!(!runs_locally("influxdb:2.7"));
        assert!(!runs_locally("influxdb"));
        assert!(!runs_locally("redis:7"));
    }

    #[test]
    fn influxdb_creates_its_database_and_user() {
        let mut c = svc(
            "influxdb",
            "influxdb:1.8.1",
            &[
                ("INFLUXDB_DB", "wsgi"),
                ("INFLUXDB_USER", "wsgi"),
                ("INFLUXDB_USER_PASSWORD", "it's"),
                ("INFLUXDB_HTTP_AUTH_ENABLED", "false"),
            ],
        );
        c.ports.push(PortSpec {
            host_ip: None,
            published: Some(18086),
            target: 8086,
            protocol: None,
        });
        let l = local(&[c], Path::new("/w"));
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        let s = &l.services[0];
        assert_eq!(s.ready.as_deref(), Some("http://127.0.0.1:18086/ping"));
        assert!(s.files[0].1.contains("bind-address = \"127.0.0.1:18086\""));
        assert!(s
            .command
            .starts_with("env INFLUXDB_HTTP_AUTH_ENABLED=false influxd"));
        let qs: Vec<&str> = s
            .after
            .iter()
            .map(|a| match a {
                AfterStep::Post { form, .. } => form[0].1.as_str(),
                AfterStep::Run(r) => r.as_str(),
            })
            .collect();
        assert_eq!(
            qs,
            [
                "CREATE DATABASE \"wsgi\"",
                "CREATE USER \"wsgi\" WITH PASSWORD 'it\\'s'",
                "GRANT ALL ON \"wsgi\" TO \"wsgi\""
            ]
        );
    }

    #[test]
    fn prometheus_reads_its_configuration_from_the_workshop() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("prometheus.yml"), "x").unwrap();
        let mut c = svc("prometheus", "prom/prometheus:v2.42.0", &[]);
        c.volumes.push(VolumeSpec {
            kind: VolumeKind::Bind,
            source: Some("./prometheus.yml".into()),
            target: "/etc/prometheus/prometheus.yml".into(),
            read_only: true,
        });
        let l = local(&[c.clone()], root.path());
        let cmd = &l.services[0].command;
        assert!(
            cmd.contains(&format!(
                "--config.file={}",
                root.path().join("prometheus.yml").display()
            )),
            "{cmd}"
        );
        assert!(cmd.contains("--web.listen-address=127.0.0.1:9090"));
        // A source outside the workshop is refused, at the volumes.
        c.volumes[0].source = Some("../../etc/passwd".into());
        let l = local(&[c], root.path());
        assert!(l.services.is_empty());
        assert!(
            l.problems[0].message.contains("climbs out"),
            "{:?}",
            l.problems
        );
    }

    #[test]
    fn grafana_is_lectern_and_other_images_need_an_engine() {
        let mut g = svc(
            "grafana",
            "grafana/grafana:7.1.3",
            &[
                ("GF_SECURITY_ADMIN_PASSWORD", "secret"),
                ("GF_AUTH_ANONYMOUS_ENABLED", "true"),
            ],
        );
        g.ports.push(PortSpec {
            host_ip: Some("127.0.0.1".into()),
            published: Some(3300),
            target: 3000,
            protocol: None,
        });
        let l = local(&[g, svc("cache", "redis:7", &[])], Path::new("/w"));
        let gs = l.grafana.unwrap();
        assert_eq!(
            (
                gs.port,
                gs.user.as_str(),
                gs.password.as_str(),
                gs.anonymous
            ),
            (3300, "admin", "secret", true)
        );
        assert_eq!(l.problems.len(), 1);
        assert!(l.problems[0].needs_engine);
        assert!(l.problems[0].message.contains("redis:7"));
        assert_eq!(l.services[0].needs_engine.as_deref(), Some("redis:7"));
    }
}
