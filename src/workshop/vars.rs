//! Workshop variables: built-in local defaults, the workshop's own vars/params,
//! then `--var name=value`, later sources winning.

use std::collections::BTreeMap;

/// Variables by lower-case name, in a stable order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vars {
    values: BTreeMap<String, String>,
    /// `session.env` of the Workshop resource, expanded: part of what Educates
    /// puts in the workshop container's environment, so `{{ ENV_NAME }}` sees it.
    session_env: Vec<(String, String)>,
}

/// The built-in variables and what they are on one machine. Educates sets these
/// per session on a cluster; lectern runs one session on the learner's machine,
/// so hosts are `localhost` and ingresses are plain http without a port suffix.
pub const BUILTIN_DOCS: &[(&str, &str)] = &[
    (
        "session_namespace",
        "the workshop name (e.g. `python-metrics`)",
    ),
    ("session_name", "same as session_namespace"),
    ("session_id", "`s001`"),
    ("session_url", "`http://localhost`"),
    ("session_hostname", "`localhost`"),
    (
        "ingress_domain",
        "`localhost` (so `NAME-app.localhost` reaches 127.0.0.1)",
    ),
    ("ingress_protocol", "`http`"),
    ("ingress_port", "`80`"),
    ("ingress_port_suffix", "empty"),
    (
        "workshop_name",
        "the `name` in workshop.yaml / resources, else the folder name",
    ),
    ("workshop_title", "the workshop's title"),
    ("workshop_description", "the workshop's description"),
    ("environment_name", "`lectern`"),
    ("platform_arch", "`amd64` or `arm64`"),
    ("pathway_name", "the selected Hugo pathway, else empty"),
    (
        "workshop_dir",
        "**lectern**: absolute path of the workshop root",
    ),
    (
        "exercises_dir",
        "**lectern**: absolute path of the exercises folder",
    ),
];

impl Vars {
    pub fn builtin(workshop_name: &str, title: &str, description: &str) -> Vars {
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            other => other,
        };
        let mut v = Vars::default();
        for (k, val) in [
            ("session_namespace", workshop_name),
            ("session_name", workshop_name),
            ("session_id", "s001"),
            ("session_url", "http://localhost"),
            ("session_hostname", "localhost"),
            ("ingress_domain", "localhost"),
            ("ingress_protocol", "http"),
            ("ingress_port", "80"),
            ("ingress_port_suffix", ""),
            ("workshop_name", workshop_name),
            ("workshop_title", title),
            ("workshop_description", description),
            ("environment_name", "lectern"),
            ("platform_arch", arch),
            ("pathway_name", ""),
        ] {
            v.set(k, val);
        }
        v
    }

    /// Environment variables the workshop resource sets (`session.env`).
    pub fn set_session_env(&mut self, env: Vec<(String, String)>) {
        self.session_env = env;
    }

    pub fn session_env(&self) -> &[(String, String)] {
        &self.session_env
    }

    /// What `{{ ENV_NAME }}` reads: the environment of an Educates workshop
    /// container is its `session.env`, then the session variables
    /// upper-cased; lectern adds its own process environment last.
    pub fn env_value(&self, name: &str) -> Option<String> {
        if let Some((_, v)) = self.session_env.iter().rev().find(|(k, _)| k == name) {
            return Some(v.clone());
        }
        if name == name.to_ascii_uppercase() {
            let key = name.to_ascii_lowercase();
            if let Some(v) = self.values.get(&key).or_else(|| {
                // Names with `-` are exported with `_`.
                self.values
                    .iter()
                    .find(|(k, _)| k.replace('-', "_") == key)
                    .map(|(_, v)| v)
            }) {
                return Some(v.clone());
            }
        }
        std::env::var(name).ok()
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.values.insert(name.to_ascii_lowercase(), value.into());
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.values.contains_key(&name.to_ascii_lowercase())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The variables as shells see them: upper-cased names.
    pub fn env(&self) -> Vec<(String, String)> {
        self.values
            .iter()
            .map(|(k, v)| (k.to_ascii_uppercase().replace('-', "_"), v.clone()))
            .collect()
    }
}

/// Parse a `--var name=value` argument.
pub fn parse_assignment(arg: &str) -> Result<(String, String), String> {
    match arg.split_once('=') {
        Some((name, value)) if valid_name(name.trim()) => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!(
            "expected NAME=VALUE with a name of letters, digits, '_' or '-', got `{arg}`"
        )),
    }
}

pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}
