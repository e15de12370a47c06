//! `resources/workshop.yaml`: the Educates Workshop resource, as
//! `training.educates.dev/v1beta1` or eduk8s' older `training.eduk8s.io/v1alpha2`.
//! lectern reads what means something on one machine (title, description,
//! terminal layout, dashboards, ingresses, `session.env`, docker compose
//! services), checks the rest against the resource's schema, and fills in
//! `$(name)` variables as Educates does.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::schema::{self, ApiVersion};
use super::Vars;
use crate::yaml::Seg;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerminalLayout {
    /// Educates `default`: one terminal.
    Single,
    /// `split`: two terminals.
    Split,
    /// `split/2`: three terminals.
    SplitThree,
    /// `lower`: one terminal below the lesson.
    Lower,
    /// `none`: no terminals.
    NoTerminals,
}

impl TerminalLayout {
    pub fn from_name(name: &str) -> Option<TerminalLayout> {
        Some(match name {
            "default" => TerminalLayout::Single,
            "split" => TerminalLayout::Split,
            "split/2" => TerminalLayout::SplitThree,
            "lower" => TerminalLayout::Lower,
            "none" => TerminalLayout::NoTerminals,
            _ => return None,
        })
    }

    pub fn terminal_count(self) -> usize {
        match self {
            TerminalLayout::Single | TerminalLayout::Lower => 1,
            TerminalLayout::Split => 2,
            TerminalLayout::SplitThree => 3,
            TerminalLayout::NoTerminals => 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DashboardSpec {
    pub name: String,
    pub url: String,
}

/// `session.ingresses[]`: a name that becomes a host (`NAME-$(session_name).$(ingress_domain)`)
/// proxied to a port of the session, or to `host:port` over `protocol`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IngressSpec {
    pub name: String,
    pub port: Option<u16>,
    pub host: Option<String>,
    pub protocol: Option<String>,
    /// URL path prefix this entry serves (`/` when not given).
    pub path: Option<String>,
}

/// One published port of a compose service.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PortSpec {
    pub host_ip: Option<String>,
    pub published: Option<u16>,
    pub target: u16,
    /// `tcp` unless written otherwise.
    pub protocol: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeKind {
    Volume,
    Bind,
    Tmpfs,
    Other(String),
}

/// One volume of a compose service.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeSpec {
    pub kind: VolumeKind,
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
}

impl VolumeSpec {
    /// Educates mounts the workshop's files where a service asks for the
    /// volume named `workshop`.
    pub fn is_workshop_files(&self) -> bool {
        self.kind == VolumeKind::Volume && self.source.as_deref() == Some("workshop")
    }
}

/// A service of `session.applications.docker.compose.services`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ComposeService {
    pub name: String,
    pub image: Option<String>,
    /// `NAME=VALUE`; a name alone takes the value from the environment.
    pub environment: Vec<(String, Option<String>)>,
    pub ports: Vec<PortSpec>,
    pub volumes: Vec<VolumeSpec>,
    /// As written: one string for a shell, or the words of the command.
    pub command: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resources {
    pub api_version: Option<ApiVersion>,
    /// Which document of the file is the Workshop (for positions in it).
    pub doc: usize,
    pub name: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// `spec.version`: Educates' `workshop_version`.
    pub version: Option<String>,
    /// `spec.workshop.image` (`spec.content.image` before): Educates' `workshop_image`.
    pub workshop_image: Option<String>,
    pub layout: Option<TerminalLayout>,
    pub dashboards: Vec<DashboardSpec>,
    pub ingresses: Vec<IngressSpec>,
    /// `session.env`, names and values in order.
    pub session_env: Vec<(String, String)>,
    pub docker: bool,
    pub compose: Vec<ComposeService>,
}

/// Something to tell the author about the resource, at a path of document `doc`.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub doc: usize,
    pub path: Vec<Seg>,
    pub message: String,
    pub help: Option<String>,
    /// Educates could not load the resource at all.
    pub error: bool,
    /// A field Educates does not know.
    pub unknown_field: bool,
}

impl Note {
    fn warning(doc: usize, path: Vec<Seg>, message: impl Into<String>) -> Note {
        Note {
            doc,
            path,
            message: message.into(),
            help: None,
            error: false,
            unknown_field: false,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Note {
        self.help = Some(help.into());
        self
    }
}

fn key(k: &str) -> Seg {
    Seg::Key(k.to_string())
}

fn path(keys: &[&str]) -> Vec<Seg> {
    keys.iter().map(|k| key(k)).collect()
}

fn with(base: &[Seg], more: &[Seg]) -> Vec<Seg> {
    [base, more].concat()
}

/// Read the Workshop resource out of the (possibly multi-document) file, with
/// notes about what Educates would drop or refuse and what lectern cannot use.
/// Values keep their `$(name)` variables; see [`Resources::expand`].
pub fn from_documents(docs: &[Value]) -> (Resources, Vec<Note>) {
    let mut notes = Vec::new();
    let Some(d) = docs
        .iter()
        .position(|d| d["kind"] == "Workshop")
        .or_else(|| docs.iter().position(|d| !d.is_null()))
    else {
        return (Resources::default(), notes);
    };
    let doc = &docs[d];
    if !doc.is_object() {
        notes.push(
            Note::warning(d, Vec::new(), "the Workshop resource is not a mapping").help(
                "start it with `apiVersion: training.educates.dev/v1beta1` and `kind: Workshop`",
            ),
        );
        return (Resources::default(), notes);
    }
    if let Some(kind) = doc["kind"].as_str().filter(|k| *k != "Workshop") {
        notes.push(
            Note::warning(
                d,
                vec![key("kind")],
                format!("expected `kind: Workshop`, found `{kind}`"),
            )
            .help("put the Workshop resource in resources/workshop.yaml"),
        );
    }
    let version = match doc["apiVersion"].as_str() {
        Some("training.educates.dev/v1beta1") => Some(ApiVersion::V1beta1),
        Some("training.eduk8s.io/v1alpha2") => Some(ApiVersion::V1alpha2),
        Some("training.eduk8s.io/v1alpha1") => {
            notes.push(
                Note::warning(
                    d,
                    vec![key("apiVersion")],
                    "training.eduk8s.io/v1alpha1 is no longer served; lectern reads it as v1alpha2",
                )
                .help("use training.educates.dev/v1beta1 (`lectern export` upgrades the resource)"),
            );
            Some(ApiVersion::V1alpha2)
        }
        other => {
            notes.push(
                Note::warning(
                    d,
                    vec![key("apiVersion")],
                    match other {
                        Some(v) => format!("`{v}` is not an apiVersion of Educates' Workshop"),
                        None => "the Workshop resource has no `apiVersion`".to_string(),
                    },
                )
                .help("use `apiVersion: training.educates.dev/v1beta1`"),
            );
            None
        }
    };
    if let Some(v) = version {
        for f in schema::check(doc, v) {
            notes.push(Note {
                doc: d,
                path: f.path,
                message: f.message,
                help: f.help,
                error: f.refused,
                unknown_field: !f.refused,
            });
        }
    }
    let mut res = read(doc, d, version, &mut notes);
    res.api_version = version;
    res.doc = d;
    variable_notes(doc, d, &mut notes);
    (res, notes)
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// A scalar as text: compose and env values may be written as numbers.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn read(doc: &Value, d: usize, version: Option<ApiVersion>, notes: &mut Vec<Note>) -> Resources {
    let spec = &doc["spec"];
    let session = &spec["session"];
    let mut res = Resources {
        name: text(&doc["metadata"]["name"]),
        title: text(&spec["title"]),
        description: text(&spec["description"]),
        version: text(&spec["version"]),
        workshop_image: text(&spec["workshop"]["image"])
            .or_else(|| text(&spec["content"]["image"])),
        ..Resources::default()
    };
    let terminal = &session["applications"]["terminal"];
    if let Some(layout) = terminal["layout"].as_str() {
        match TerminalLayout::from_name(layout) {
            Some(l) => res.layout = Some(l),
            None => notes.push(
                Note::warning(
                    d,
                    path(&["spec", "session", "applications", "terminal", "layout"]),
                    format!("unknown terminal layout `{layout}`"),
                )
                .help("use default, split, split/2, lower or none"),
            ),
        }
    }
    if terminal["enabled"] == Value::Bool(false) {
        res.layout = Some(TerminalLayout::NoTerminals);
    }
    for entry in session["dashboards"].as_array().into_iter().flatten() {
        if let (Some(name), Some(url)) = (entry["name"].as_str(), entry["url"].as_str()) {
            res.dashboards.push(DashboardSpec {
                name: name.to_string(),
                url: url.to_string(),
            });
        }
        // A name alone places one of Educates' own tabs; the schema reports the rest.
    }
    for entry in session["ingresses"].as_array().into_iter().flatten() {
        let Some(name) = entry["name"].as_str() else {
            continue;
        };
        res.ingresses.push(IngressSpec {
            name: name.to_string(),
            port: entry["port"].as_u64().and_then(|p| u16::try_from(p).ok()),
            host: text(&entry["host"]),
            protocol: text(&entry["protocol"]),
            path: text(&entry["path"]),
        });
    }
    for (i, entry) in session["env"].as_array().into_iter().flatten().enumerate() {
        let Some(name) = entry["name"].as_str() else {
            continue;
        };
        let at = with(&path(&["spec", "session", "env"]), &[Seg::Index(i)]);
        if !entry["valueFrom"].is_null() {
            notes.push(
                Note::warning(d, with(&at, &[key("valueFrom")]), format!("lectern cannot read `valueFrom` (a Kubernetes secret, config map or field): `{name}` is left out"))
                    .help("give the value as `value`, or set it in workshop/profile"),
            );
            continue;
        }
        res.session_env.push((
            name.to_string(),
            scalar(&entry["value"]).unwrap_or_default(),
        ));
    }
    let docker = &session["applications"]["docker"];
    res.docker = docker["enabled"] == Value::Bool(true);
    // eduk8s had no compose services; its schema reports them.
    if version != Some(ApiVersion::V1alpha2) {
        let at = path(&[
            "spec",
            "session",
            "applications",
            "docker",
            "compose",
            "services",
        ]);
        if let Some(services) = docker["compose"]["services"].as_object() {
            for (name, svc) in services {
                res.compose.push(compose_service(
                    name,
                    svc,
                    d,
                    &with(&at, &[key(name)]),
                    notes,
                ));
            }
        }
    }
    res
}

fn compose_service(
    name: &str,
    svc: &Value,
    d: usize,
    at: &[Seg],
    notes: &mut Vec<Note>,
) -> ComposeService {
    let mut out = ComposeService {
        name: name.to_string(),
        image: text(&svc["image"]),
        ..ComposeService::default()
    };
    let bad = |notes: &mut Vec<Note>, more: &[Seg], what: &str| {
        notes.push(
            Note::warning(
                d,
                with(at, more),
                format!("lectern cannot read this {what} of compose service `{name}`"),
            )
            .help("see the Compose file reference; lectern reads the short and long forms"),
        );
    };
    match &svc["environment"] {
        Value::Array(list) => {
            for (i, item) in list.iter().enumerate() {
                match scalar(item) {
                    Some(s) => out.environment.push(match s.split_once('=') {
                        Some((k, v)) => (k.to_string(), Some(v.to_string())),
                        None => (s, None),
                    }),
                    None => bad(
                        notes,
                        &[key("environment"), Seg::Index(i)],
                        "environment entry",
                    ),
                }
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                out.environment.push((k.clone(), scalar(v)));
            }
        }
        Value::Null => {}
        _ => bad(notes, &[key("environment")], "environment"),
    }
    for (i, item) in svc["ports"].as_array().into_iter().flatten().enumerate() {
        match port(item) {
            Some(p) => out.ports.push(p),
            None => bad(notes, &[key("ports"), Seg::Index(i)], "port"),
        }
    }
    for (i, item) in svc["volumes"].as_array().into_iter().flatten().enumerate() {
        match volume(item) {
            Some(v) => out.volumes.push(v),
            None => bad(notes, &[key("volumes"), Seg::Index(i)], "volume"),
        }
    }
    out.command = match &svc["command"] {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(words) => Some(words.iter().filter_map(scalar).collect()),
        _ => None,
    };
    out
}

/// `"127.0.0.1:3000:3000"`, `"3000:3000/udp"`, `3000`, or the long form.
fn port(v: &Value) -> Option<PortSpec> {
    if let Some(map) = v.as_object() {
        let num = |k: &str| match &map.get(k)? {
            Value::Number(n) => n.as_u64().and_then(|p| u16::try_from(p).ok()),
            Value::String(s) => s.parse().ok(),
            _ => None,
        };
        return Some(PortSpec {
            host_ip: map.get("host_ip").and_then(text),
            published: num("published"),
            target: num("target")?,
            protocol: map.get("protocol").and_then(text),
        });
    }
    let s = scalar(v)?;
    let (spec, protocol) = match s.split_once('/') {
        Some((a, p)) => (a.to_string(), Some(p.to_string())),
        None => (s, None),
    };
    // An IPv6 host is in brackets: `[::1]:80:80`.
    let (host_ip, rest) = match spec.strip_prefix('[').and_then(|r| r.split_once("]:")) {
        Some((ip, rest)) => (Some(ip.to_string()), rest.to_string()),
        None => (None, spec),
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let num = |p: &str| p.parse::<u16>().ok();
    let (host_ip, published, target) = match parts.as_slice() {
        [t] => (host_ip, None, num(t)?),
        [p, t] => (host_ip, Some(num(p)?), num(t)?),
        [ip, p, t] if host_ip.is_none() => (
            Some(ip.to_string()),
            (!p.is_empty()).then(|| num(p)).flatten(),
            num(t)?,
        ),
        _ => return None,
    };
    Some(PortSpec {
        host_ip,
        published,
        target,
        protocol,
    })
}

/// `"data:/var/lib/x:ro"`, `"./dir:/mnt"`, `"/mnt"`, or the long form.
fn volume(v: &Value) -> Option<VolumeSpec> {
    let kind_of = |t: &str| match t {
        "volume" => VolumeKind::Volume,
        "bind" => VolumeKind::Bind,
        "tmpfs" => VolumeKind::Tmpfs,
        other => VolumeKind::Other(other.to_string()),
    };
    if let Some(map) = v.as_object() {
        return Some(VolumeSpec {
            kind: kind_of(map.get("type").and_then(Value::as_str).unwrap_or("volume")),
            source: map.get("source").and_then(text),
            target: map.get("target").and_then(text)?,
            read_only: map.get("read_only") == Some(&Value::Bool(true)),
        });
    }
    let s = v.as_str()?;
    let parts: Vec<&str> = s.split(':').collect();
    let (source, target, mode) = match parts.as_slice() {
        [t] => (None, *t, None),
        [s, t] => (Some(*s), *t, None),
        [s, t, m] => (Some(*s), *t, Some(*m)),
        _ => return None,
    };
    if target.is_empty() {
        return None;
    }
    let bind = source.is_some_and(|s| s.starts_with(['.', '/', '~']));
    Some(VolumeSpec {
        kind: if bind {
            VolumeKind::Bind
        } else {
            VolumeKind::Volume
        },
        source: source.map(str::to_string),
        target: target.to_string(),
        read_only: mode.is_some_and(|m| m.split(',').any(|o| o == "ro")),
    })
}

impl Resources {
    /// Fill in `$(name)` as Educates does where each value sits (see
    /// [`expand_vars`]); `session.env` then also gets Kubernetes' own
    /// `$(NAME)` references to environment variables defined before it.
    pub fn expand(&mut self, vars: &Vars) {
        for d in &mut self.dashboards {
            d.url = expand_vars(&d.url, vars, Place::Gateway);
        }
        for i in &mut self.ingresses {
            if let Some(h) = &mut i.host {
                *h = expand_vars(h, vars, Place::Gateway);
            }
        }
        let mut defined: Vec<(String, String)> = vars.env();
        let mut env = Vec::new();
        for (name, value) in &self.session_env {
            let v = kubernetes_env(&expand_vars(value, vars, Place::Session), &defined);
            defined.push((name.clone(), v.clone()));
            env.push((name.clone(), v));
        }
        self.session_env = env;
        let s = |t: &str| expand_vars(t, vars, Place::Session);
        for c in &mut self.compose {
            c.image = c.image.as_deref().map(s);
            for (k, v) in &mut c.environment {
                *k = s(k);
                *v = v.as_deref().map(s);
            }
            for p in &mut c.ports {
                p.host_ip = p.host_ip.as_deref().map(s);
            }
            for v in &mut c.volumes {
                v.source = v.source.as_deref().map(s);
                v.target = s(&v.target);
            }
            if let Some(words) = &mut c.command {
                for w in words {
                    *w = s(w);
                }
            }
        }
    }
}

/// Which part of Educates fills in a value's `$(name)` variables, which
/// decides the names it knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The session manager, for `session.env`, `session.applications.docker.compose`,
    /// session objects, volumes and patches: every session variable.
    Session,
    /// The session's gateway, for `session.dashboards[].url`,
    /// `session.ingresses[].host` and `session.applications.workshop.url`:
    /// a fixed few.
    Gateway,
}

/// The session variables the session manager fills in, in its order.
pub const SESSION_NAMES: &[&str] = &[
    "workshop_session_uid",
    "platform_arch",
    "image_repository",
    "oci_image_cache",
    "assets_repository",
    "session_id",
    "session_name",
    "session_namespace",
    "service_account",
    "workshop_name",
    "workshop_version",
    "environment_name",
    "workshop_namespace",
    "training_portal",
    "session_url",
    "session_hostname",
    "cluster_domain",
    "ingress_domain",
    "ingress_protocol",
    "ingress_port",
    "ingress_port_suffix",
    "ingress_secret",
    "ingress_class",
    "storage_class",
    "ssh_private_key",
    "ssh_public_key",
    "ssh_keys_secret",
    "services_password",
    "config_password",
    "workshop_image",
    "workshop_image_pull_policy",
];

/// The variables the gateway fills in, in its order.
pub const GATEWAY_NAMES: &[&str] = &[
    "platform_arch",
    "image_repository",
    "oci_image_cache",
    "assets_repository",
    "environment_name",
    "workshop_namespace",
    "session_namespace",
    "session_name",
    "session_id",
    "session_hostname",
    "cluster_domain",
    "ingress_domain",
    "ingress_protocol",
    "ingress_port_suffix",
    "services_password",
    "config_password",
];

/// Fill in the `$(name)` variables of a value of the Workshop resource, exactly
/// as Educates does at `place`; any other `$(…)` stays as written. Names are
/// lower case and match exactly; the values are the session variables
/// (`vars`, with `--var` overrides).
///
/// - `Place::Session` (the session manager): each of [`SESSION_NAMES`]
///   replaced in turn; when that changed the value, again while it still holds
///   `$(`, six passes in all (so values may refer to variables). Then a value
///   that is wholly `$(base64(TEXT))` becomes TEXT base64-encoded.
/// - `Place::Gateway` (the session's web gateway): each of [`GATEWAY_NAMES`]
///   replaced once; `$(workshop_name)`, `$(session_url)` or `$(ingress_port)`
///   are not among them.
pub fn expand_vars(text: &str, vars: &Vars, place: Place) -> String {
    let value = |k: &str| vars.get(k).unwrap_or_default().to_string();
    match place {
        Place::Gateway => {
            let mut s = text.to_string();
            for k in GATEWAY_NAMES {
                s = s.replace(&format!("$({k})"), &value(k));
            }
            s
        }
        Place::Session => {
            let mut s = text.to_string();
            for _ in 0..6 {
                if !s.contains("$(") {
                    break;
                }
                for k in SESSION_NAMES {
                    s = s.replace(&format!("$({k})"), &value(k));
                }
                if s == text {
                    break;
                }
            }
            match s
                .strip_prefix("$(base64(")
                .and_then(|r| r.strip_suffix("))"))
            {
                Some(inner) => base64(inner.as_bytes()),
                None => s,
            }
        }
    }
}

/// Kubernetes expands `$(NAME)` in a container's environment values from the
/// variables defined before it, and `$$` is a literal `$`; others stay.
fn kubernetes_env(value: &str, defined: &[(String, String)]) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
            continue;
        }
        let reference = after
            .strip_prefix('(')
            .and_then(|r| r.find(')').map(|j| &r[..j]));
        match reference.and_then(|n| defined.iter().rev().find(|(k, _)| k == n)) {
            Some((k, v)) => {
                out.push_str(v);
                rest = &after[k.len() + 2..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Warn about `$(name)` that Educates leaves as written where it is.
fn variable_notes(doc: &Value, d: usize, notes: &mut Vec<Note>) {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"\$\(([A-Za-z0-9_.-]+)\)").expect("valid regex"));
    let session = &doc["spec"]["session"];
    let mut check = |v: &Value, at: Vec<Seg>, place: Place, env: bool| {
        let Some(s) = v.as_str() else { return };
        for c in re.captures_iter(s) {
            let name = &c[1];
            let known = match place {
                Place::Session => SESSION_NAMES.contains(&name),
                Place::Gateway => GATEWAY_NAMES.contains(&name),
            };
            // In an environment value Kubernetes may fill in an upper-case name.
            if known || (env && name == name.to_ascii_uppercase()) {
                continue;
            }
            let (said, help) = match place {
                Place::Gateway if SESSION_NAMES.contains(&name) => (
                    format!("Educates does not fill in `$({name})` here, only in `session.env` and compose services; it stays as written"),
                    format!("here Educates fills in: {}", GATEWAY_NAMES.join(", ")),
                ),
                Place::Gateway => (
                    format!("`$({name})` is not a variable Educates fills in here; it stays as written"),
                    format!("here Educates fills in: {}", GATEWAY_NAMES.join(", ")),
                ),
                Place::Session => (
                    format!("`$({name})` is not a session variable; it stays as written"),
                    "session variables are lower case, such as $(session_name) and $(ingress_domain)".to_string(),
                ),
            };
            notes.push(Note::warning(d, at.clone(), said).help(help));
        }
    };
    for (i, e) in session["dashboards"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        check(
            &e["url"],
            vec![
                key("spec"),
                key("session"),
                key("dashboards"),
                Seg::Index(i),
                key("url"),
            ],
            Place::Gateway,
            false,
        );
    }
    for (i, e) in session["ingresses"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        check(
            &e["host"],
            vec![
                key("spec"),
                key("session"),
                key("ingresses"),
                Seg::Index(i),
                key("host"),
            ],
            Place::Gateway,
            false,
        );
    }
    for (i, e) in session["env"].as_array().into_iter().flatten().enumerate() {
        check(
            &e["value"],
            vec![
                key("spec"),
                key("session"),
                key("env"),
                Seg::Index(i),
                key("value"),
            ],
            Place::Session,
            true,
        );
    }
    let compose = path(&[
        "spec",
        "session",
        "applications",
        "docker",
        "compose",
        "services",
    ]);
    if let Some(services) = session["applications"]["docker"]["compose"]["services"].as_object() {
        // Every string of a service, as deep as it goes (bounded by the YAML
        // parser's own nesting limit, and walked without recursion).
        let mut stack: Vec<(Vec<Seg>, &Value)> = services
            .iter()
            .map(|(k, v)| (with(&compose, &[key(k)]), v))
            .collect();
        while let Some((at, v)) = stack.pop() {
            match v {
                Value::String(_) => check(v, at, Place::Session, false),
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate().rev() {
                        stack.push((with(&at, &[Seg::Index(i)]), item));
                    }
                }
                Value::Object(map) => push_fields(&mut stack, &at, map),
                _ => {}
            }
        }
    }
}

fn push_fields<'a>(
    stack: &mut Vec<(Vec<Seg>, &'a Value)>,
    at: &[Seg],
    map: &'a Map<String, Value>,
) {
    for (k, v) in map.iter().rev() {
        stack.push((with(at, &[key(k)]), v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::path_text;

    fn vars() -> Vars {
        let mut v = Vars::builtin("lab", "Lab", "");
        v.set("workshop_version", "1.2");
        v
    }

    #[test]
    fn session_variables_as_the_session_manager_fills_them_in() {
        let v = vars();
        let s = |t: &str| expand_vars(t, &v, Place::Session);
        assert_eq!(
            s("$(ingress_protocol)://app-$(session_name).$(ingress_domain)$(ingress_port_suffix)"),
            "http://app-lab.localhost"
        );
        assert_eq!(
            s("$(workshop_name):$(workshop_version) $(ingress_port)"),
            "lab:1.2 80"
        );
        // Unknown, upper case and shell `$(…)` stay as written.
        assert_eq!(
            s("$(nope) $(SESSION_NAME) $(date +%s)"),
            "$(nope) $(SESSION_NAME) $(date +%s)"
        );
        // A value may bring in another variable; it is filled in on a later pass.
        let mut w = vars();
        w.set("session_id", "$(session_name)-1");
        assert_eq!(expand_vars("$(session_id)", &w, Place::Session), "lab-1");
        // ...six passes at most.
        w.set("session_id", "$(session_id)x");
        assert_eq!(
            expand_vars("$(session_id)", &w, Place::Session),
            "$(session_id)xxxxxx"
        );
        assert_eq!(s("$(base64($(session_name):pw))"), "bGFiOnB3");
        assert_eq!(s("x$(base64(a))"), "x$(base64(a))");
    }

    #[test]
    fn the_names_are_session_variables() {
        let builtin: Vec<&str> = super::super::vars::BUILTINS
            .iter()
            .map(|b| b.name)
            .collect();
        for n in SESSION_NAMES.iter().chain(GATEWAY_NAMES) {
            assert!(builtin.contains(n), "{n}");
        }
        // What the README says the session manager leaves out.
        let left_out: Vec<&str> = builtin
            .iter()
            .filter(|n| !SESSION_NAMES.contains(n))
            .copied()
            .collect();
        assert_eq!(
            left_out,
            vec![
                "workshop_title",
                "workshop_description",
                "workshop_environment_uid",
                "policy_engine",
                "policy_name",
                "kubernetes_api_url",
                "kubernetes_ca_crt",
                "kubernetes_token",
                "pathway_name",
                "workshop_dir",
                "exercises_dir",
            ]
        );
    }

    #[test]
    fn the_gateway_fills_in_fewer() {
        let v = vars();
        let g = |t: &str| expand_vars(t, &v, Place::Gateway);
        assert_eq!(
            g("$(ingress_protocol)://grafana-$(session_namespace).$(ingress_domain)/"),
            "http://grafana-lab.localhost/"
        );
        assert_eq!(
            g("$(workshop_name) $(session_url) $(ingress_port)"),
            "$(workshop_name) $(session_url) $(ingress_port)"
        );
        // --var wins over the built-in value.
        let mut w = vars();
        w.set("ingress_domain", "example.org");
        assert_eq!(
            expand_vars("$(ingress_domain)", &w, Place::Gateway),
            "example.org"
        );
    }

    #[test]
    fn base64_as_everyone_writes_it() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded);
        }
    }

    #[test]
    fn kubernetes_fills_in_earlier_environment_variables() {
        let defined = vec![("A".to_string(), "1".to_string())];
        assert_eq!(
            kubernetes_env("$(A)/$(B)/$$(A)/$/x$", &defined),
            "1/$(B)/$(A)/$/x$"
        );
    }

    fn load(yaml: &str) -> (Resources, Vec<Note>) {
        from_documents(&crate::yaml::parse_all(yaml).unwrap())
    }

    #[test]
    fn reads_env_ingresses_and_compose_services() {
        let (mut r, notes) = load(
            "apiVersion: training.educates.dev/v1beta1
kind: Workshop
metadata: {name: lab}
spec:
  title: Lab
  description: D
  version: '2.0'
  workshop: {image: '$(image_repository)/lab-image:$(workshop_version)'}
  session:
    env:
    - {name: REPO, value: 'https://$(session_name).$(ingress_domain)'}
    - {name: PORT, value: 8080}
    - {name: BOTH, value: '$(REPO):$(PORT)'}
    - {name: SECRET, valueFrom: {secretKeyRef: {name: s, key: k}}}
    ingresses:
    - {name: grafana, port: 3000}
    - {name: api, protocol: https, host: 'api.$(session_namespace).svc', port: 8443, path: /api/}
    dashboards:
    - {name: Terminal}
    - {name: Grafana, url: '$(ingress_protocol)://grafana-$(session_name).$(ingress_domain)/'}
    applications:
      docker:
        enabled: true
        compose:
          services:
            influxdb:
              image: influxdb:1.8
              ports: ['127.0.0.1:8086:8086', '9000/udp', {target: 80, published: '8080'}]
              environment: [INFLUXDB_DB=workshop, 'INFLUXDB_USER_PASSWORD=$(services_password)', HOME]
              volumes: ['data:/var/lib/influxdb:ro', {type: volume, source: workshop, target: /mnt}]
            web:
              environment: {A: 1, B: null}
              command: [serve, --port, '80']
",
        );
        assert_eq!(notes.len(), 2, "{notes:?}");
        // Kubernetes wants text; lectern still takes the number.
        assert!(
            notes[0].error
                && notes[0]
                    .message
                    .contains("`spec.session.env[1].value` must be text")
        );
        assert!(notes[1].message.contains("`valueFrom`"));
        assert_eq!(path_text(&notes[1].path), "spec.session.env[3].valueFrom");
        r.expand(&vars());
        assert_eq!(r.api_version, Some(ApiVersion::V1beta1));
        assert_eq!(r.version.as_deref(), Some("2.0"));
        assert_eq!(
            r.session_env,
            vec![
                ("REPO".to_string(), "https://lab.localhost".to_string()),
                ("PORT".to_string(), "8080".to_string()),
                ("BOTH".to_string(), "https://lab.localhost:8080".to_string()),
            ]
        );
        assert_eq!(r.dashboards.len(), 1);
        assert_eq!(r.dashboards[0].url, "http://grafana-lab.localhost/");
        assert_eq!(r.ingresses[1].host.as_deref(), Some("api.lab.svc"));
        assert_eq!(r.ingresses[1].protocol.as_deref(), Some("https"));
        assert_eq!(r.ingresses[1].path.as_deref(), Some("/api/"));
        assert_eq!(r.ingresses[0].port, Some(3000));
        assert!(r.docker);
        let influx = &r.compose[0];
        assert_eq!(influx.image.as_deref(), Some("influxdb:1.8"));
        assert_eq!(
            influx.ports,
            vec![
                PortSpec {
                    host_ip: Some("127.0.0.1".into()),
                    published: Some(8086),
                    target: 8086,
                    protocol: None
                },
                PortSpec {
                    host_ip: None,
                    published: None,
                    target: 9000,
                    protocol: Some("udp".into())
                },
                PortSpec {
                    host_ip: None,
                    published: Some(8080),
                    target: 80,
                    protocol: None
                },
            ]
        );
        assert_eq!(
            influx.environment[1],
            ("INFLUXDB_USER_PASSWORD".into(), Some("lectern".into()))
        );
        assert_eq!(influx.environment[2], ("HOME".into(), None));
        assert!(influx.volumes[0].read_only && influx.volumes[0].kind == VolumeKind::Volume);
        assert!(influx.volumes[1].is_workshop_files());
        let web = &r.compose[1];
        assert_eq!(
            web.environment,
            vec![("A".into(), Some("1".into())), ("B".into(), None)]
        );
        assert_eq!(
            web.command,
            Some(vec!["serve".into(), "--port".into(), "80".into()])
        );
    }

    #[test]
    fn older_eduk8s_resources_read_the_same() {
        let (r, notes) = load(
            "apiVersion: training.eduk8s.io/v1alpha2
kind: Workshop
metadata: {name: lab-old}
spec:
  title: Old
  description: From eduk8s
  content: {image: 'quay.io/eduk8s/base-environment:master', files: github.com/x/lab-old}
  session:
    budget: small
    env:
    - {name: A, value: '$(session_namespace)'}
    applications:
      terminal: {enabled: true, layout: split}
      editor: {enabled: true, plugins: {enabled: true}}
    ingresses:
    - {name: app, port: 8080}
    dashboards:
    - {name: App, url: '$(ingress_protocol)://$(session_namespace)-app.$(ingress_domain)/'}
",
        );
        assert_eq!(r.api_version, Some(ApiVersion::V1alpha2));
        assert_eq!(
            r.workshop_image.as_deref(),
            Some("quay.io/eduk8s/base-environment:master")
        );
        assert_eq!(r.layout, Some(TerminalLayout::Split));
        assert_eq!(
            r.session_env,
            vec![("A".to_string(), "$(session_namespace)".to_string())]
        );
        assert_eq!(r.ingresses[0].port, Some(8080));
        let unknown: Vec<String> = notes
            .iter()
            .filter(|n| n.unknown_field)
            .map(|n| path_text(&n.path))
            .collect();
        assert_eq!(unknown, vec!["spec.session.applications.editor.plugins"]);
    }

    #[test]
    fn variables_educates_leaves_alone_are_pointed_out() {
        let (_, notes) = load(
            "apiVersion: training.educates.dev/v1beta1
kind: Workshop
spec:
  title: T
  description: D
  session:
    env:
    - {name: A, value: '$(sesion_name) $(HOME)'}
    dashboards:
    - {name: X, url: 'http://$(workshop_name).$(ingress_domain)'}
",
        );
        let said: Vec<(String, &str)> = notes
            .iter()
            .map(|n| (path_text(&n.path), n.message.as_str()))
            .collect();
        assert_eq!(said.len(), 2, "{said:?}");
        assert_eq!(said[0].0, "spec.session.dashboards[0].url");
        assert!(said[0]
            .1
            .contains("does not fill in `$(workshop_name)` here"));
        assert_eq!(said[1].0, "spec.session.env[0].value");
        assert!(said[1]
            .1
            .contains("`$(sesion_name)` is not a session variable"));
    }

    #[test]
    fn odd_documents_are_said_so() {
        let (_, notes) = load("apiVersion: example.com/v9\nkind: Workshop\n");
        assert!(notes[0]
            .message
            .contains("not an apiVersion of Educates' Workshop"));
        let (_, notes) = load("- a\n");
        assert!(notes[0].message.contains("not a mapping"));
        let (r, notes) = load("");
        assert!(notes.is_empty() && r == Resources::default());
    }
}
