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

/// Where a built-in variable's local value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Local {
    /// A fixed text.
    Fixed(&'static str),
    /// The workshop's name.
    WorkshopName,
    /// Set by the loader (title, description, version, pathway, paths).
    Loader,
    /// `amd64` or `arm64`, as Educates names the processor.
    Arch,
}

/// One built-in variable: its name, where its local value comes from, and
/// that value in words for the README's table.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    pub name: &'static str,
    pub local: Local,
    pub doc: &'static str,
}

const fn var(name: &'static str, local: Local, doc: &'static str) -> Builtin {
    Builtin { name, local, doc }
}

/// Every data variable Educates gives a session (the lists in its Workshop
/// definition and workshop instructions docs), plus lectern's own, with what
/// each is on one machine. Educates sets these per session on a cluster;
/// lectern runs one session on the learner's machine, so hosts are
/// `localhost`, ingresses are plain http without a port suffix, and what only
/// a cluster has (tokens, keys, secrets, storage) is empty.
pub const BUILTINS: &[Builtin] = &[
    var("session_name", Local::WorkshopName, "the workshop's name"),
    var(
        "session_namespace",
        Local::WorkshopName,
        "the workshop's name",
    ),
    var("session_id", Local::Fixed("s001"), "`s001`"),
    var(
        "session_url",
        Local::Fixed("http://localhost"),
        "`http://localhost`",
    ),
    var("session_hostname", Local::Fixed("localhost"), "`localhost`"),
    var(
        "ingress_domain",
        Local::Fixed("localhost"),
        "`localhost` (so `NAME-x.localhost` reaches 127.0.0.1)",
    ),
    var("ingress_protocol", Local::Fixed("http"), "`http`"),
    var("ingress_port", Local::Fixed("80"), "`80`"),
    var("ingress_port_suffix", Local::Fixed(""), "empty"),
    var("ingress_class", Local::Fixed(""), "empty"),
    var("ingress_secret", Local::Fixed(""), "empty"),
    var(
        "cluster_domain",
        Local::Fixed("cluster.local"),
        "`cluster.local`",
    ),
    var("workshop_name", Local::WorkshopName, "the workshop's name"),
    var(
        "workshop_namespace",
        Local::WorkshopName,
        "the workshop's name",
    ),
    var(
        "workshop_title",
        Local::Loader,
        "from `resources/workshop.yaml`",
    ),
    var(
        "workshop_description",
        Local::Loader,
        "from `resources/workshop.yaml`",
    ),
    var(
        "workshop_version",
        Local::Loader,
        "`spec.version` in `resources/workshop.yaml`, else `latest`",
    ),
    var(
        "workshop_image",
        Local::Fixed(""),
        "empty (no container image)",
    ),
    var("workshop_image_pull_policy", Local::Fixed(""), "empty"),
    var("workshop_session_uid", Local::Fixed(""), "empty"),
    var("workshop_environment_uid", Local::Fixed(""), "empty"),
    var("environment_name", Local::Fixed("lectern"), "`lectern`"),
    var("training_portal", Local::Fixed("lectern"), "`lectern`"),
    var("platform_arch", Local::Arch, "`amd64` or `arm64`"),
    var(
        "image_repository",
        Local::Fixed("localhost:5001"),
        "`localhost:5001` (the registry of Educates' local environment)",
    ),
    var("oci_image_cache", Local::Fixed(""), "empty"),
    var("assets_repository", Local::Fixed(""), "empty"),
    var("storage_class", Local::Fixed(""), "empty"),
    var("service_account", Local::Fixed(""), "empty"),
    var("policy_engine", Local::Fixed("none"), "`none`"),
    var("policy_name", Local::Fixed(""), "empty"),
    var("services_password", Local::Fixed("lectern"), "`lectern`"),
    var("config_password", Local::Fixed("lectern"), "`lectern`"),
    var("ssh_private_key", Local::Fixed(""), "empty"),
    var("ssh_public_key", Local::Fixed(""), "empty"),
    var("ssh_keys_secret", Local::Fixed(""), "empty"),
    var("kubernetes_api_url", Local::Fixed(""), "empty (no cluster)"),
    var("kubernetes_ca_crt", Local::Fixed(""), "empty"),
    var("kubernetes_token", Local::Fixed(""), "empty"),
    var(
        "pathway_name",
        Local::Loader,
        "the Hugo pathway followed, else empty",
    ),
    var(
        "workshop_dir",
        Local::Loader,
        "**lectern**: absolute path of the workshop root",
    ),
    var(
        "exercises_dir",
        Local::Loader,
        "**lectern**: absolute path of the exercises folder",
    ),
];

/// `amd64` or `arm64`, as Educates names the processor.
pub fn platform_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

impl Vars {
    /// The built-in variables. Of those the loader sets, title and description
    /// come from the arguments, the version is `latest`, the rest empty.
    pub fn builtin(workshop_name: &str, title: &str, description: &str) -> Vars {
        let mut v = Vars::default();
        for b in BUILTINS {
            let value = match b.local {
                Local::Fixed(s) => s,
                Local::WorkshopName => workshop_name,
                Local::Arch => platform_arch(),
                Local::Loader => match b.name {
                    "workshop_title" => title,
                    "workshop_description" => description,
                    "workshop_version" => "latest",
                    _ => "",
                },
            };
            v.set(b.name, value);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_is_set_and_documented() {
        let v = Vars::builtin("demo", "Demo", "About");
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
        let mut seen = std::collections::BTreeSet::new();
        for b in BUILTINS {
            assert!(seen.insert(b.name), "{} twice", b.name);
            assert!(v.contains(b.name), "{}", b.name);
            let row = format!(
                "| {} | {} | {} |",
                b.name,
                b.name.to_ascii_uppercase(),
                b.doc
            );
            assert!(readme.contains(&row), "README lacks `{row}`");
        }
        assert_eq!(v.get("session_name"), Some("demo"));
        assert_eq!(v.get("workshop_description"), Some("About"));
        assert_eq!(v.get("workshop_version"), Some("latest"));
        assert_eq!(v.get("ingress_port_suffix"), Some(""));
    }

    #[test]
    fn environment_names() {
        let mut v = Vars::builtin("demo", "Demo", "");
        v.set("my-var", "x");
        v.set_session_env(vec![("SESSION_NAME".into(), "over".into())]);
        let env = v.env();
        assert!(env.contains(&("INGRESS_DOMAIN".into(), "localhost".into())));
        assert!(env.contains(&("MY_VAR".into(), "x".into())));
        assert_eq!(v.env_value("MY_VAR").as_deref(), Some("x"));
        assert_eq!(v.env_value("SESSION_ID").as_deref(), Some("s001"));
        // session.env wins, as it does in the workshop container.
        assert_eq!(v.env_value("SESSION_NAME").as_deref(), Some("over"));
        assert_eq!(v.env_value("session_id"), std::env::var("session_id").ok());
    }
}
