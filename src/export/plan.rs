//! The export decided without touching the disk: the Workshop resource and
//! the generated files, from what was read of the workshop.

use serde_json::{json, Map, Value};

use super::grafana::{self, DashboardFile};
use super::report::Report;
use super::resource::{self, object};
use super::services::{self, Exported, Known, SERVICES_DIR};
use super::{GeneratedFile, Problem};
use crate::workshop::lectern_config::LecternConfig;

/// What the pages use that Educates has to switch on, and lectern-only bits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Uses {
    pub editor: bool,
    pub examiner: bool,
    pub downloads: bool,
    pub uploads: bool,
    /// The highest numbered terminal (`session: "2"`) actions type into.
    pub terminals: usize,
    /// Dashboard tab names that actions open, create or reload.
    pub dashboard_names: Vec<String>,
    /// Action blocks with a `lectern:` key, and on how many pages.
    pub lectern_hints: usize,
    pub hint_pages: usize,
    /// lectern-only variables pages use (`workshop_dir`, `exercises_dir`), with the page.
    pub lectern_vars: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// A Kubernetes name for the workshop (used when the resource has none).
    pub name: String,
    pub title: String,
    pub description: String,
    /// The Workshop document of `resources/workshop.yaml`, if there is one.
    pub resource: Option<Value>,
    pub config: LecternConfig,
    pub has_lectern_yaml: bool,
    pub dashboards: Vec<DashboardFile>,
    pub uses: Uses,
    /// Top-level folders copied into the export (`workshop`, `exercises`, `bin`).
    pub folders: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub workshop: Value,
    pub files: Vec<GeneratedFile>,
    pub report: Report,
}

pub fn plan(inputs: &Inputs) -> Result<Plan, Problem> {
    let mut report = Report::default();
    let mut doc = resource::normalize(
        inputs.resource.as_ref(),
        &inputs.name,
        &inputs.title,
        &inputs.description,
        &mut report,
    )?;
    let name = doc["metadata"]["name"]
        .as_str()
        .unwrap_or(&inputs.name)
        .to_string();
    let spec = &mut doc["spec"];
    let mut files = Vec::new();

    enable_applications(spec, &inputs.uses, &mut report);

    let compose = services::build(&inputs.config, &mut report)?;
    let mut exported: Vec<Exported> = compose.exported.clone();
    let mut compose_services = compose.services;
    files.extend(compose.files);

    let existing_grafana_port = spec["session"]["ingresses"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["name"] == "grafana")
        .and_then(|i| i["port"].as_u64())
        .and_then(|p| u16::try_from(p).ok());
    let grafana_name = compose
        .grafana
        .as_ref()
        .map_or("grafana".to_string(), |g| g.name.clone());
    let grafana_port = compose
        .grafana
        .as_ref()
        .and_then(|g| g.ready.as_deref())
        .and_then(services::host_port)
        .and_then(|(_, p)| p)
        .or(existing_grafana_port);
    let grafana_wanted = !inputs.dashboards.is_empty() || compose.grafana.is_some();
    if grafana_wanted {
        if let Some(g) = grafana::build(
            &inputs.config,
            &inputs.dashboards,
            &exported,
            grafana_port.or(Some(Known::Grafana.container_port())),
            &grafana_name,
            &mut report,
        ) {
            compose_services.insert(grafana_name.clone(), g.service);
            exported.push(g.exported);
            files.extend(g.files);
        }
    }

    if !compose_services.is_empty() {
        add_compose(spec, compose_services, &mut report);
        add_ingresses(spec, &exported, &mut report);
        add_dashboards(spec, &exported, &inputs.uses.dashboard_names, &mut report);
    }

    set_files(spec, &name, &inputs.folders, !files.is_empty(), &mut report);

    if inputs.has_lectern_yaml {
        report.kept(
            "workshop/lectern.yaml",
            "copied so `lectern run` and `lectern test` on the export still start the services on this machine; Educates reads no such file",
        );
    } else {
        report.mapped(
            "no workshop/lectern.yaml",
            "nothing of lectern's own to translate",
        );
    }
    let u = &inputs.uses;
    if u.lectern_hints > 0 {
        report.kept(
            format!(
                "`lectern:` keys in {} action block{} on {} page{}",
                u.lectern_hints,
                plural(u.lectern_hints),
                u.hint_pages,
                plural(u.hint_pages)
            ),
            "page text is copied byte for byte; Educates ignores keys it does not know",
        );
    }
    for (page, var) in &u.lectern_vars {
        report.warning(
            page.clone(),
            format!("uses `{var}`, a variable only lectern defines; Educates leaves it unexpanded"),
        );
    }
    Ok(Plan {
        workshop: doc,
        files,
        report,
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Switch on what the pages' actions need (Educates leaves these off).
fn enable_applications(spec: &mut Value, uses: &Uses, report: &mut Report) {
    let any = uses.editor || uses.examiner || uses.downloads || uses.uploads || uses.terminals > 1;
    if !any {
        return;
    }
    let apps = object(object_at(spec, "session"), "applications");
    let layout = apps
        .get("terminal")
        .and_then(|t| t.get("layout"))
        .and_then(Value::as_str);
    let shown = match layout {
        Some("split") => 2,
        Some("split/2") => 3,
        Some("none") => 0,
        _ => 1,
    };
    if uses.terminals > shown {
        let want = if uses.terminals >= 3 {
            "split/2"
        } else {
            "split"
        };
        match layout {
            None => {
                let t = apps.entry("terminal").or_insert_with(|| json!({}));
                if !t.is_object() {
                    *t = json!({});
                }
                if t.get("enabled").is_none() {
                    t["enabled"] = json!(true);
                }
                t["layout"] = json!(want);
                report.mapped(
                    format!("actions typing into terminal {}", uses.terminals),
                    format!("spec.session.applications.terminal.layout: {want}"),
                );
            }
            Some(l) => report.warning(
                format!("spec.session.applications.terminal.layout: {l}"),
                format!(
                    "shows {shown} terminal(s) but actions type into terminal {}",
                    uses.terminals
                ),
            ),
        }
    }
    for (needed, app, why) in [
        (uses.editor, "editor", "editor actions on the pages"),
        (uses.examiner, "examiner", "examiner:execute-test actions"),
        (uses.downloads, "files", "files:download-file actions"),
        (uses.uploads, "uploads", "files:upload actions"),
    ] {
        if !needed {
            continue;
        }
        match apps.get(app).map(|a| &a["enabled"]) {
            Some(Value::Bool(true)) => {}
            Some(Value::Bool(false)) => report.warning(
                format!("spec.session.applications.{app}.enabled: false"),
                format!("{why} will not work in Educates"),
            ),
            _ => {
                let entry = apps.entry(app.to_string()).or_insert_with(|| json!({}));
                if !entry.is_object() {
                    *entry = json!({});
                }
                entry["enabled"] = json!(true);
                report.mapped(
                    why,
                    format!("spec.session.applications.{app}.enabled: true"),
                );
            }
        }
    }
}

/// `v[key]` as a mapping inside a Value (made one when missing).
fn object_at<'a>(v: &'a mut Value, key: &str) -> &'a mut Value {
    if !v[key].is_object() {
        v[key] = json!({});
    }
    &mut v[key]
}

fn add_compose(spec: &mut Value, services: Map<String, Value>, report: &mut Report) {
    let docker = object_at(
        object_at(object_at(spec, "session"), "applications"),
        "docker",
    );
    if docker["enabled"] != json!(true) {
        docker["enabled"] = json!(true);
        report.mapped(
            "services for the session",
            "spec.session.applications.docker.enabled: true",
        );
    }
    // Every compose container lives within the docker daemon's memory (768Mi
    // unless set): give each service room.
    let want = 256 * (services.len() + 1);
    if docker.get("memory").is_none() && want > 768 {
        docker["memory"] = json!(format!("{want}Mi"));
        report.mapped(
            format!("{} services in one session", services.len()),
            format!("spec.session.applications.docker.memory: {want}Mi"),
        );
    }
    let existing = object(object_at(docker, "compose"), "services");
    for (name, svc) in services {
        if existing.contains_key(&name) {
            report.dropped(
                format!("compose service `{name}` from lectern.yaml"),
                "resources/workshop.yaml already defines one of that name, which is kept",
            );
        } else {
            existing.insert(name, svc);
        }
    }
}

fn add_ingresses(spec: &mut Value, exported: &[Exported], report: &mut Report) {
    let session = object_at(spec, "session");
    if !session["ingresses"].is_array() {
        session["ingresses"] = json!([]);
    }
    let list = session["ingresses"]
        .as_array_mut()
        .expect("just made a list");
    for e in exported {
        if list.iter().any(|i| i["name"] == e.name.as_str()) {
            continue;
        }
        list.push(json!({"name": e.name, "port": e.host_port}));
        report.mapped(
            format!("{} on 127.0.0.1:{}", e.title, e.host_port),
            format!(
                "ingress `{}`: $(ingress_protocol)://{}-$(session_name).$(ingress_domain) (and $(session_namespace)-{} as before)",
                e.name, e.name, e.name
            ),
        );
    }
}

fn add_dashboards(spec: &mut Value, exported: &[Exported], taken: &[String], report: &mut Report) {
    let session = object_at(spec, "session");
    let mut list: Vec<Value> = session["dashboards"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let before = list.len();
    for e in exported.iter().filter(|e| e.kind.has_ui()) {
        let name = &e.title;
        let has = |n: &str| n.eq_ignore_ascii_case(name);
        if list.iter().any(|d| d["name"].as_str().is_some_and(has)) {
            continue;
        }
        if taken.iter().any(|n| has(n)) {
            report.dropped(
                format!("a dashboard tab `{name}` for the {} service", e.name),
                "the pages' own dashboard actions use that tab name",
            );
            continue;
        }
        let url = format!(
            "$(ingress_protocol)://{}-$(session_name).$(ingress_domain)$(ingress_port_suffix)/",
            e.name
        );
        report.mapped(
            format!("{} ({})", name, e.name),
            format!("dashboard tab `{name}`: {url}"),
        );
        list.push(json!({"name": name, "url": url}));
    }
    if list.len() > before {
        session["dashboards"] = Value::Array(list);
    }
}

/// Where Educates downloads the workshop's files from: the image
/// `educates publish-workshop` makes of the export folder.
fn set_files(
    spec: &mut Value,
    name: &str,
    folders: &[String],
    generated: bool,
    report: &mut Report,
) {
    let image = format!("$(image_repository)/{name}-files:$(workshop_version)");
    let mut include: Vec<String> = folders.iter().map(|f| format!("/{f}/**")).collect();
    if generated {
        include.push(format!("/{SERVICES_DIR}/**"));
    }
    let workshop = object_at(spec, "workshop");
    if let Some(old) = workshop.get("files").filter(|f| !f.is_null()) {
        report.dropped(
            format!("spec.workshop.files {old}"),
            "replaced by the export's own files, which are what was checked",
        );
    }
    workshop["files"] = json!([{ "image": {"url": image}, "includePaths": include }]);
    object_at(spec, "publish")["image"] = json!(image);
    report.mapped(
        format!("the workshop's files ({})", folders.join(", ")),
        format!("spec.workshop.files and spec.publish.image: {image}"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workshop_without_lectern_yaml_gets_no_compose_services() {
        let inputs = Inputs {
            name: "plain".into(),
            title: "Plain".into(),
            description: "No services".into(),
            folders: vec!["workshop".into()],
            uses: Uses {
                examiner: true,
                ..Uses::default()
            },
            ..Inputs::default()
        };
        let p = plan(&inputs).unwrap();
        let spec = &p.workshop["spec"];
        assert!(
            spec["session"]["applications"].get("docker").is_none(),
            "{spec}"
        );
        assert_eq!(spec["session"]["applications"]["examiner"]["enabled"], true);
        assert_eq!(
            spec["workshop"]["files"][0]["includePaths"],
            json!(["/workshop/**"])
        );
        assert_eq!(
            spec["publish"]["image"],
            "$(image_repository)/plain-files:$(workshop_version)"
        );
        assert!(p.files.is_empty());
        assert!(p.report.mentions(
            super::super::report::Kind::Mapped,
            "no workshop/lectern.yaml"
        ));
    }

    #[test]
    fn a_second_terminal_in_the_pages_splits_the_layout() {
        let mut inputs = Inputs {
            name: "w".into(),
            uses: Uses {
                terminals: 2,
                ..Uses::default()
            },
            ..Inputs::default()
        };
        let p = plan(&inputs).unwrap();
        assert_eq!(
            p.workshop["spec"]["session"]["applications"]["terminal"],
            json!({"enabled": true, "layout": "split"})
        );
        inputs.uses.terminals = 1;
        let p = plan(&inputs).unwrap();
        assert!(
            p.workshop["spec"].get("session").is_none(),
            "{}",
            p.workshop
        );
    }

    #[test]
    fn dashboards_alone_bring_grafana_with_a_tab_unless_pages_name_it() {
        let dash = DashboardFile {
            source: "workshop/dashboards/x.json".into(),
            json: json!({"uid": "x", "panels": []}),
        };
        let mut inputs = Inputs {
            name: "w".into(),
            title: "W".into(),
            dashboards: vec![dash],
            ..Inputs::default()
        };
        let p = plan(&inputs).unwrap();
        let s = &p.workshop["spec"]["session"];
        assert!(s["applications"]["docker"]["compose"]["services"]["grafana"].is_object());
        assert_eq!(s["ingresses"], json!([{"name": "grafana", "port": 3000}]));
        assert_eq!(s["dashboards"][0]["name"], "Grafana");
        inputs.uses.dashboard_names = vec!["grafana".into()];
        let p = plan(&inputs).unwrap();
        assert!(p.workshop["spec"]["session"].get("dashboards").is_none());
    }
}
