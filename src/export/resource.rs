//! The Workshop document: taken from `resources/workshop.yaml` (an eduk8s
//! `training.eduk8s.io/v1alpha1|v1alpha2` one upgraded to
//! `training.educates.dev/v1beta1`), or made from the workshop's name, title
//! and description when the workshop has none.

use serde_json::{json, Map, Value};

use super::report::Report;
use super::Problem;

pub const API_VERSION: &str = "training.educates.dev/v1beta1";
const RESOURCE: &str = "resources/workshop.yaml";

/// The Workshop as v1beta1 with its required fields present.
pub fn normalize(
    doc: Option<&Value>,
    name: &str,
    title: &str,
    description: &str,
    report: &mut Report,
) -> Result<Value, Problem> {
    let mut doc = match doc {
        None => {
            report.mapped(
                "name, title and description of the workshop",
                format!("a new {RESOURCE} ({API_VERSION} Workshop)"),
            );
            json!({
                "apiVersion": API_VERSION,
                "kind": "Workshop",
                "metadata": {"name": name},
                "spec": {"title": title, "description": description},
            })
        }
        Some(d) => d.clone(),
    };
    if !doc.is_object() {
        return Err(
            Problem::new(RESOURCE, "the Workshop document is not a mapping").help(
                "start it with `apiVersion: training.educates.dev/v1beta1` and `kind: Workshop`",
            ),
        );
    }
    if doc["kind"] != "Workshop" {
        return Err(Problem::new(
            RESOURCE,
            format!("expected `kind: Workshop`, found {}", shown(&doc["kind"])),
        )
        .help("put the Workshop resource first, or alone, in resources/workshop.yaml"));
    }
    match doc["apiVersion"].as_str().unwrap_or("") {
        API_VERSION => {}
        v @ ("training.eduk8s.io/v1alpha1" | "training.eduk8s.io/v1alpha2") => {
            report.mapped(format!("apiVersion {v}"), API_VERSION);
            upgrade(&mut doc, report);
        }
        other => {
            return Err(
                Problem::new(RESOURCE, format!("unknown Workshop apiVersion `{other}`")).help(
                    format!(
                        "use {API_VERSION} (or training.eduk8s.io/v1alpha2, which export upgrades)"
                    ),
                ),
            )
        }
    }
    doc["apiVersion"] = json!(API_VERSION);

    let meta = object(&mut doc, "metadata");
    // Only what describes the resource; server-set fields would be refused or ignored.
    meta.retain(|k, _| matches!(k.as_str(), "name" | "labels" | "annotations"));
    if !meta.get("name").is_some_and(Value::is_string) {
        meta.insert("name".into(), json!(name));
    }
    if let Some(n) = meta.get("name").and_then(Value::as_str) {
        if !is_dns_name(n) {
            return Err(Problem::new(
                RESOURCE,
                format!("metadata.name `{n}` is not a valid Kubernetes name"),
            )
            .help("use lower-case letters, digits and '-', starting and ending with a letter or digit"));
        }
    }
    if doc.get("status").is_some() {
        doc.as_object_mut().map(|m| m.remove("status"));
        report.dropped("status", "set by the cluster, not by authors");
    }
    let spec = object(&mut doc, "spec");
    for (key, fallback) in [("title", title), ("description", description)] {
        if !spec.get(key).is_some_and(Value::is_string) {
            spec.insert(key.into(), json!(fallback));
        }
    }
    strip_lectern_keys(&mut doc, "", report);
    Ok(doc)
}

/// A Kubernetes name: DNS-1123 subdomain, lower case.
pub fn is_dns_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 253
        && n.split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// A folder name made into a Kubernetes name ("My Workshop" -> "my-workshop").
pub fn dns_name(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out: String = out.trim_matches('-').chars().take(63).collect();
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "workshop".into()
    } else {
        out
    }
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => "nothing".into(),
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

/// `doc[key]` as a mapping, made one if it is missing or not a mapping.
pub fn object<'a>(doc: &'a mut Value, key: &str) -> &'a mut Map<String, Value> {
    if !doc[key].is_object() {
        doc[key] = json!({});
    }
    doc[key].as_object_mut().expect("just made a mapping")
}

/// Move `spec.A.B` to `spec.C.D` unless the target is already set.
fn move_field(spec: &mut Value, from: &[&str], to: &[&str], report: &mut Report) {
    let Some(value) = take(spec, from) else {
        return;
    };
    let (last, parents) = to.split_last().expect("a path");
    let mut at = &mut *spec;
    for p in parents {
        if !at[*p].is_object() {
            at[*p] = json!({});
        }
        at = &mut at[*p];
    }
    let from_path = format!("spec.{}", from.join("."));
    let to_path = format!("spec.{}", to.join("."));
    if at[*last].is_null() {
        at[*last] = value;
        report.mapped(from_path, to_path);
    } else {
        report.dropped(from_path, format!("{to_path} is already set"));
    }
}

/// The value at `path`, if there is one. (Indexing a mutable Value would add nulls.)
pub fn at_mut<'a>(v: &'a mut Value, path: &[&str]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |at, key| at.get_mut(*key))
}

fn take(v: &mut Value, path: &[&str]) -> Option<Value> {
    let (last, parents) = path.split_last()?;
    let mut at = v;
    for p in parents {
        at = at.get_mut(*p)?;
    }
    at.as_object_mut()?.remove(*last)
}

/// eduk8s (Educates 1.x) field names to Educates 2.x+, after Educates' own
/// release notes for 2.0: the API group, `content` -> `workshop`, session
/// budget/role/limits under `namespaces`, renamed security policies.
fn upgrade(doc: &mut Value, report: &mut Report) {
    let spec = &mut doc["spec"];
    if !spec.is_object() {
        return;
    }
    // v1alpha1: `spec.image`, `spec.content` as a string, `spec.workshop.objects`.
    if let Some(image) = take(spec, &["image"]) {
        spec["content"] = match spec["content"].take() {
            Value::String(files) => json!({"image": image, "files": files}),
            _ => json!({"image": image}),
        };
    } else if let Some(files) = spec["content"].as_str().map(str::to_string) {
        spec["content"] = json!({ "files": files });
    }
    move_field(
        spec,
        &["workshop", "objects"],
        &["environment", "objects"],
        report,
    );
    if let Some(image) = take(spec, &["content", "image"]) {
        let short = image.as_str().map(short_image_name);
        let to = match (&short, image.as_str()) {
            (Some(s), Some(i)) if s != i => {
                format!("spec.workshop.image `{s}` (Educates' short name)")
            }
            _ => "spec.workshop.image".into(),
        };
        if spec["workshop"]["image"].is_null() {
            object(spec, "workshop")
                .insert("image".into(), short.map_or(image.clone(), |s| json!(s)));
            report.mapped(format!("spec.content.image {}", shown(&image)), to);
        }
    }
    if let Some(files) = take(spec, &["content", "files"]) {
        report.dropped(
            format!("spec.content.files {}", shown(&files)),
            "the export's own files are published instead (spec.workshop.files)",
        );
    }
    if spec["content"].as_object().is_some_and(Map::is_empty) {
        spec.as_object_mut().map(|m| m.remove("content"));
    }
    for key in ["budget", "role", "limits"] {
        move_field(
            spec,
            &["session", key],
            &["session", "namespaces", key],
            report,
        );
    }
    if let Some(sec) = take(spec, &["session", "security"]) {
        report.dropped(
            format!("spec.session.security {sec}"),
            "no longer exists; only session namespaces have a security policy",
        );
    }
    if take(spec, &["session", "applications", "editor", "plugins"]).is_some() {
        report.dropped(
            "spec.session.applications.editor.plugins",
            "Educates installs no editor extensions; install them from a setup.d script",
        );
    }
    if take(spec, &["session", "applications", "console", "openshift"]).is_some() {
        report.dropped(
            "spec.session.applications.console.openshift",
            "the OpenShift console is no longer provided",
        );
    }
    if let Some(ns) = at_mut(spec, &["session", "namespaces"]) {
        rename_policy(ns, "spec.session.namespaces", report);
    }
    let secondary = at_mut(spec, &["session", "namespaces", "secondary"]);
    if let Some(list) = secondary.and_then(Value::as_array_mut) {
        for (i, ns) in list.iter_mut().enumerate() {
            rename_policy(
                ns,
                &format!("spec.session.namespaces.secondary[{i}]"),
                report,
            );
        }
    }
    for (section, key) in [
        ("session", "objects"),
        ("environment", "objects"),
        ("request", "objects"),
    ] {
        if let Some(list) = at_mut(spec, &[section, key]).and_then(Value::as_array_mut) {
            for obj in list {
                relabel(obj, &format!("spec.{section}.{key}"), report);
            }
        }
    }
}

/// `anyuid` -> `baseline`, `nonroot` -> `restricted`, `custom` -> `privileged`.
fn rename_policy(ns: &mut Value, at: &str, report: &mut Report) {
    let Some(policy) = at_mut(ns, &["security", "policy"]) else {
        return;
    };
    let new = match policy.as_str() {
        Some("anyuid") => "baseline",
        Some("nonroot") => "restricted",
        Some("custom") => "privileged",
        _ => return,
    };
    report.mapped(
        format!("{at}.security.policy {}", shown(policy)),
        format!("`{new}`"),
    );
    *policy = json!(new);
}

/// Labels and annotations of session objects under the old API group's prefix.
fn relabel(obj: &mut Value, at: &str, report: &mut Report) {
    for part in ["labels", "annotations"] {
        let Some(map) = at_mut(obj, &["metadata", part]).and_then(Value::as_object_mut) else {
            continue;
        };
        let old: Vec<String> = map
            .keys()
            .filter(|k| k.starts_with("training.eduk8s.io/"))
            .cloned()
            .collect();
        for k in old {
            let new = k.replacen("training.eduk8s.io/", "training.educates.dev/", 1);
            if let Some(v) = map.remove(&k) {
                report.mapped(format!("{at}: {part} {k}"), new.clone());
                map.insert(new, v);
            }
        }
    }
}

/// `quay.io/eduk8s/jdk11-environment:master` -> `jdk11-environment:*`, the short
/// names Educates matches to its own version; anything else unchanged.
fn short_image_name(image: &str) -> String {
    let base = image.rsplit('/').next().unwrap_or(image);
    let name = base.split(':').next().unwrap_or(base);
    let known = [
        "base-environment",
        "jdk8-environment",
        "jdk11-environment",
        "jdk17-environment",
        "jdk21-environment",
        "conda-environment",
    ];
    let eduk8s_host = image.starts_with("quay.io/eduk8s/")
        || image.starts_with("registry.eduk8s.svc.cluster.local")
        || !image.contains('/');
    if eduk8s_host && known.contains(&name) {
        format!("{name}:*")
    } else {
        image.to_string()
    }
}

/// Remove `lectern` keys anywhere in the document except inside Kubernetes
/// objects and compose services, where the name may mean something else.
fn strip_lectern_keys(v: &mut Value, at: &str, report: &mut Report) {
    let Some(map) = v.as_object_mut() else {
        return;
    };
    if map.remove("lectern").is_some() {
        report.dropped(
            format!("{}lectern", if at.is_empty() { "" } else { at }),
            "lectern-only; Educates would prune it",
        );
    }
    for (k, child) in map.iter_mut() {
        if matches!(k.as_str(), "objects" | "patches" | "compose" | "files") {
            continue;
        }
        strip_lectern_keys(child, &format!("{at}{k}."), report);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        crate::yaml::parse(text).unwrap()
    }

    #[test]
    fn upgrades_an_eduk8s_v1alpha2_workshop() {
        let doc = yaml(
            "apiVersion: training.eduk8s.io/v1alpha2
kind: Workshop
metadata: {name: lab-old, uid: abc}
spec:
  title: Old
  description: An eduk8s workshop
  content:
    image: quay.io/eduk8s/jdk11-environment:master
    files: github.com/eduk8s/lab-old
  session:
    budget: medium
    role: view
    security: {policy: nonroot}
    namespaces: {security: {policy: anyuid}}
    applications:
      editor: {enabled: true, plugins: {enabled: true}}
    objects:
    - apiVersion: v1
      kind: ConfigMap
      metadata:
        name: x
        annotations: {training.eduk8s.io/objects.crd.scope: Namespaced}
status: {eduk8s: {}}
",
        );
        let mut r = Report::default();
        let out = normalize(Some(&doc), "n", "t", "d", &mut r).unwrap();
        assert_eq!(out["apiVersion"], API_VERSION);
        assert_eq!(out["metadata"], json!({"name": "lab-old"}));
        assert_eq!(out["spec"]["workshop"]["image"], "jdk11-environment:*");
        assert!(out["spec"].get("content").is_none(), "{out}");
        let s = &out["spec"]["session"];
        assert_eq!(s["namespaces"]["budget"], "medium");
        assert_eq!(s["namespaces"]["role"], "view");
        assert_eq!(s["namespaces"]["security"]["policy"], "baseline");
        assert!(s.get("budget").is_none() && s.get("security").is_none());
        assert!(s["applications"]["editor"].get("plugins").is_none());
        assert_eq!(
            s["objects"][0]["metadata"]["annotations"]["training.educates.dev/objects.crd.scope"],
            "Namespaced"
        );
        assert!(out.get("status").is_none());
        assert!(r.mentions(super::super::report::Kind::Dropped, "spec.content.files"));
        assert!(r.mentions(super::super::report::Kind::Mapped, "spec.session.budget"));
    }

    #[test]
    fn upgrading_adds_nothing_that_was_not_there() {
        let doc = yaml(
            "apiVersion: training.eduk8s.io/v1alpha2\nkind: Workshop\nmetadata: {name: w}\nspec: {title: T, description: D, session: {objects: [{kind: Secret}]}}\n",
        );
        let out = normalize(Some(&doc), "n", "t", "d", &mut Report::default()).unwrap();
        assert_eq!(
            out["spec"],
            json!({"title": "T", "description": "D", "session": {"objects": [{"kind": "Secret"}]}})
        );
    }

    #[test]
    fn v1alpha1_fields_move_too() {
        let doc = yaml(
            "apiVersion: training.eduk8s.io/v1alpha1
kind: Workshop
metadata: {name: w}
spec:
  title: T
  description: D
  image: quay.io/eduk8s/base-environment:develop
  content: https://example.com/w.tar.gz
  workshop: {objects: [{kind: Namespace}]}
",
        );
        let out = normalize(Some(&doc), "n", "t", "d", &mut Report::default()).unwrap();
        assert_eq!(out["spec"]["workshop"]["image"], "base-environment:*");
        assert_eq!(
            out["spec"]["environment"]["objects"][0]["kind"],
            "Namespace"
        );
        assert!(out["spec"]["workshop"].get("objects").is_none());
        assert!(out["spec"].get("content").is_none());
    }

    #[test]
    fn a_missing_resource_is_made_and_bad_ones_are_refused() {
        let out = normalize(None, "my-ws", "My WS", "", &mut Report::default()).unwrap();
        assert_eq!(out["spec"]["title"], "My WS");
        assert_eq!(out["spec"]["description"], "");
        let bad = yaml("apiVersion: v1\nkind: ConfigMap\n");
        let e = normalize(Some(&bad), "n", "t", "d", &mut Report::default()).unwrap_err();
        assert!(e.message.contains("kind: Workshop"), "{e:?}");
        let bad = yaml("apiVersion: example.com/v9\nkind: Workshop\n");
        let e = normalize(Some(&bad), "n", "t", "d", &mut Report::default()).unwrap_err();
        assert!(e.message.contains("example.com/v9"), "{e:?}");
        let bad = yaml("apiVersion: training.educates.dev/v1beta1\nkind: Workshop\nmetadata: {name: Bad_Name}\n");
        assert!(normalize(Some(&bad), "n", "t", "d", &mut Report::default()).is_err());
    }

    #[test]
    fn lectern_keys_are_removed_outside_objects() {
        let doc = yaml(
            "apiVersion: training.educates.dev/v1beta1
kind: Workshop
metadata: {name: w}
spec:
  title: T
  description: D
  lectern: {x: 1}
  session:
    applications: {terminal: {enabled: true, lectern: 2}}
    objects: [{data: {lectern: kept}}]
",
        );
        let out = normalize(Some(&doc), "n", "t", "d", &mut Report::default()).unwrap();
        assert!(out["spec"].get("lectern").is_none());
        assert!(out["spec"]["session"]["applications"]["terminal"]
            .get("lectern")
            .is_none());
        assert_eq!(
            out["spec"]["session"]["objects"][0]["data"]["lectern"],
            "kept"
        );
    }

    #[test]
    fn names_become_kubernetes_names() {
        assert_eq!(dns_name("My Workshop!"), "my-workshop");
        assert_eq!(dns_name("__"), "workshop");
        assert!(is_dns_name("python-wsgi-metrics"));
        assert!(!is_dns_name("-x") && !is_dns_name("A"));
    }
}
