//! `lectern export` through the real binary: the Workshop it writes is valid
//! against Educates' published CRD (strictly: unknown fields fail, as
//! Kubernetes would prune them), and the exported folder is the same
//! workshop to lectern (same pages and actions, page files byte for byte).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn lectern(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lectern"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run lectern");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn export(dir: &Path, out: &Path) -> String {
    let (code, stdout, stderr) = lectern(&[
        "export",
        dir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    stdout
}

fn workshop_resource(out: &Path) -> Value {
    let text = std::fs::read_to_string(out.join("resources/workshop.yaml")).unwrap();
    let docs = lectern::yaml::parse_all(&text).unwrap();
    assert_eq!(docs.len(), 1, "{text}");
    docs.into_iter().next().unwrap()
}

/// Every object schema that lists its properties and does not preserve
/// unknown fields gets `additionalProperties: false`: what Kubernetes prunes
/// silently becomes an error here.
fn strict(schema: &mut Value) {
    match schema {
        Value::Object(m) => {
            let preserves = m.get("x-kubernetes-preserve-unknown-fields") == Some(&json!(true));
            if m.contains_key("properties") && !preserves && !m.contains_key("additionalProperties")
            {
                m.insert("additionalProperties".into(), json!(false));
            }
            for v in m.values_mut() {
                strict(v);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strict),
        _ => {}
    }
}

/// The v1beta1 schema of Educates' Workshop CRD (tests/fixtures/educates/, a
/// copy of the CRD Educates publishes; its first lines say from where).
fn crd_validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(repo().join("tests/fixtures/educates/workshop-crd.yaml")).unwrap();
    let crd = lectern::yaml::parse_all(&text)
        .unwrap()
        .into_iter()
        .find(|d| d["kind"] == "CustomResourceDefinition")
        .unwrap();
    let version = crd["spec"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "v1beta1")
        .unwrap();
    let mut schema = version["schema"]["openAPIV3Schema"].clone();
    strict(&mut schema);
    // Kubernetes gives every object these three; the CRD leaves them out.
    let props = schema["properties"].as_object_mut().unwrap();
    props.insert(
        "apiVersion".into(),
        json!({"type": "string", "enum": ["training.educates.dev/v1beta1"]}),
    );
    props.insert(
        "kind".into(),
        json!({"type": "string", "enum": ["Workshop"]}),
    );
    props.insert(
        "metadata".into(),
        json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}),
    );
    schema["required"] = json!(["apiVersion", "kind", "metadata", "spec"]);
    jsonschema::draft4::new(&schema).unwrap()
}

fn crd_errors(doc: &Value) -> Vec<String> {
    crd_validator()
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Files under `dir`, relative, leaving out what running a workshop leaves behind.
fn files(dir: &Path) -> BTreeSet<String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if matches!(name.as_str(), ".git" | ".venv" | "__pycache__") || name.ends_with(".pyc") {
                continue;
            }
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.insert(p.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = BTreeSet::new();
    if dir.is_dir() {
        walk(dir, dir, &mut out);
    }
    out
}

#[test]
fn the_crd_check_is_strict() {
    // Worth something only if it fails on what Kubernetes would drop.
    let ok = json!({
        "apiVersion": "training.educates.dev/v1beta1",
        "kind": "Workshop",
        "metadata": {"name": "w"},
        "spec": {"title": "T", "description": "D",
                 "session": {"applications": {"docker": {"enabled": true,
                     "compose": {"services": {"x": {"anything": 1}}}}}}},
    });
    assert_eq!(crd_errors(&ok), Vec::<String>::new());
    let mut bad = ok.clone();
    bad["spec"]["session"]["lectern"] = json!({"budget": "10s"});
    assert!(!crd_errors(&bad).is_empty());
    let mut bad = ok.clone();
    bad["spec"]["session"]["applications"]["docker"]["compose"]["configs"] = json!({});
    assert!(!crd_errors(&bad).is_empty());
    let mut bad = ok;
    bad["spec"].as_object_mut().unwrap().remove("description");
    assert!(!crd_errors(&bad).is_empty());
}

#[test]
fn the_bundled_workshop_exports_to_a_valid_workshop_with_its_services() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let report = export(&repo(), &out);
    assert!(report.contains("Mapped:"), "{report}");
    assert!(report.contains("Dropped:"), "{report}");

    let doc = workshop_resource(&out);
    assert_eq!(crd_errors(&doc), Vec::<String>::new(), "{doc:#}");
    assert_eq!(doc["apiVersion"], "training.educates.dev/v1beta1");
    assert!(
        !serde_json::to_string(&doc).unwrap().contains("lectern"),
        "{doc:#}"
    );

    let session = &doc["spec"]["session"];
    let docker = &session["applications"]["docker"];
    assert_eq!(docker["enabled"], true);
    assert_eq!(docker["memory"], "1024Mi");
    let services = &docker["compose"]["services"];
    let image = |name: &str| services[name]["image"].as_str().unwrap_or("").to_string();
    assert!(
        image("influxdb").starts_with("influxdb:1.8"),
        "{services:#}"
    );
    assert!(
        image("prometheus").starts_with("prom/prometheus"),
        "{services:#}"
    );
    assert!(
        image("grafana").starts_with("grafana/grafana"),
        "{services:#}"
    );
    assert_eq!(services["influxdb"]["environment"][0], "INFLUXDB_DB=wsgi");
    assert_eq!(services["influxdb"]["ports"][0], "127.0.0.1:8086:8086");
    assert_eq!(services["prometheus"]["ports"][0], "127.0.0.1:9090:9090");
    assert_eq!(session["applications"]["examiner"]["enabled"], true);
    assert_eq!(session["applications"]["editor"]["enabled"], true);

    let ingresses: BTreeSet<(String, u64)> = session["ingresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().to_string(),
                i["port"].as_u64().unwrap(),
            )
        })
        .collect();
    for want in [("grafana", 3000), ("influxdb", 8086), ("prometheus", 9090)] {
        assert!(
            ingresses.contains(&(want.0.to_string(), want.1)),
            "{ingresses:?}"
        );
    }
    assert!(session["dashboards"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["name"] == "Grafana" && d["url"].as_str().unwrap().contains("-grafana.")));

    // Grafana's provisioning: datasources at the compose services, the dashboards' JSON.
    let ds = std::fs::read_to_string(
        out.join("services/grafana/provisioning/datasources/datasources.yaml"),
    )
    .unwrap();
    let ds = lectern::yaml::parse(&ds).unwrap();
    let urls: Vec<&str> = ds["datasources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["url"].as_str().unwrap())
        .collect();
    assert_eq!(urls, ["http://influxdb:8086", "http://prometheus:9090"]);
    for d in ["raw-requests.json", "prometheus-app.json"] {
        let json: Value = serde_json::from_str(
            &std::fs::read_to_string(out.join("services/grafana/dashboards").join(d)).unwrap(),
        )
        .unwrap();
        assert!(json["uid"].is_string(), "{d}");
    }
    let prom = std::fs::read_to_string(out.join("services/prometheus/prometheus.yml")).unwrap();
    assert!(prom.contains("host.docker.internal:8001"), "{prom}");
    let includes = doc["spec"]["workshop"]["files"][0]["includePaths"].clone();
    assert_eq!(
        includes,
        json!(["/workshop/**", "/exercises/**", "/services/**"])
    );

    // The same workshop: file lists equal, every file byte for byte.
    for folder in ["workshop", "exercises"] {
        let (a, b) = (files(&repo().join(folder)), files(&out.join(folder)));
        assert_eq!(a, b, "{folder}/");
        for f in &a {
            let same = std::fs::read(repo().join(folder).join(f)).unwrap()
                == std::fs::read(out.join(folder).join(f)).unwrap();
            assert!(same, "{folder}/{f} differs");
        }
    }

    let out_s = out.to_str().unwrap();
    let (code, stdout, stderr) = lectern(&["check", "--strict", out_s]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("0 errors, 0 warnings"), "{stdout}");
    let (_, source_check, _) = lectern(&["check", repo().to_str().unwrap()]);
    let summary = |s: &str| {
        s.lines()
            .find(|l| l.contains(" pages, "))
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(summary(&stdout), summary(&source_check));

    // `lectern test --dry-run` resolves the same pages and actions.
    let (code, dry_out, err) = lectern(&["test", out_s, "--dry-run"]);
    assert_eq!(code, 0, "{dry_out}{err}");
    let (code, dry_src, err) = lectern(&["test", repo().to_str().unwrap(), "--dry-run"]);
    assert_eq!(code, 0, "{dry_src}{err}");
    let norm = |text: &str, root: &str| -> Vec<String> {
        text.lines()
            .map(|l| l.replace(root, "ROOT"))
            .filter(|l| !l.trim().is_empty())
            .collect()
    };
    let src_root = std::fs::canonicalize(repo()).unwrap();
    let out_root = std::fs::canonicalize(&out).unwrap();
    assert_eq!(
        norm(&dry_out, out_root.to_str().unwrap()),
        norm(&dry_src, src_root.to_str().unwrap())
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn an_eduk8s_v1alpha2_workshop_is_upgraded() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("lab-old");
    copy_dir(&repo().join("tests/fixtures/classic"), &src);
    std::fs::write(
        src.join("resources/workshop.yaml"),
        "apiVersion: training.eduk8s.io/v1alpha2
kind: Workshop
metadata:
  name: lab-old
spec:
  title: Old
  description: From eduk8s
  vendor: eduk8s.io
  duration: 30m
  content:
    image: quay.io/eduk8s/base-environment:master
    files: github.com/eduk8s/lab-old
  session:
    budget: small
    security: {policy: nonroot}
    applications:
      terminal: {enabled: true, layout: split}
      editor: {enabled: true, plugins: {enabled: true}}
      console: {enabled: true}
    ingresses:
    - {name: app, port: 8080}
    dashboards:
    - {name: App, url: '$(ingress_protocol)://$(session_namespace)-app.$(ingress_domain)/'}
",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let report = export(&src, &out);
    assert!(
        report.contains("training.eduk8s.io/v1alpha2 -> training.educates.dev/v1beta1"),
        "{report}"
    );
    let doc = workshop_resource(&out);
    assert_eq!(crd_errors(&doc), Vec::<String>::new(), "{doc:#}");
    assert_eq!(doc["spec"]["workshop"]["image"], "base-environment:*");
    assert_eq!(doc["spec"]["session"]["namespaces"]["budget"], "small");
    assert!(doc["spec"]["session"]["applications"]
        .get("docker")
        .is_none());
    let (code, stdout, _) = lectern(&["check", "--strict", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn workshops_without_lectern_yaml_or_resource_export_too() {
    for fixture in ["classic", "hugo"] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let report = export(&repo().join("tests/fixtures").join(fixture), &out);
        assert!(report.contains("no workshop/lectern.yaml"), "{report}");
        let doc = workshop_resource(&out);
        assert_eq!(crd_errors(&doc), Vec::<String>::new(), "{fixture}: {doc:#}");
        assert!(doc["spec"]["session"]["applications"]
            .get("docker")
            .is_none());
        assert!(!out.join("services").exists());
        assert!(!out.join("workshop/lectern.yaml").exists());
        let (code, stdout, _) = lectern(&["check", out.to_str().unwrap()]);
        assert_eq!(code, 0, "{fixture}: {stdout}");
    }
    // The Hugo fixture has no resources/workshop.yaml: one is made.
    let tmp = tempfile::tempdir().unwrap();
    export(&repo().join("tests/fixtures/hugo"), &tmp.path().join("o"));
    let doc = workshop_resource(&tmp.path().join("o"));
    assert_eq!(doc["metadata"]["name"], "hugo");
}

#[test]
fn bad_input_is_refused_with_the_file_and_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("ws");
    copy_dir(&repo().join("tests/fixtures/classic"), &src);

    // A service file that would be written outside its folder.
    std::fs::write(
        src.join("workshop/lectern.yaml"),
        "services:\n- name: prometheus\n  command: prometheus\n  files: {'../../escape.yml': x}\n",
    )
    .unwrap();
    // The loader refuses it as a content error, as `lectern check` does.
    let (code, out, err) = lectern(&[
        "export",
        src.to_str().unwrap(),
        "--out",
        tmp.path().join("o1").to_str().unwrap(),
    ]);
    let all = format!("{out}{err}");
    assert_eq!(code, 1, "{all}");
    assert!(
        all.contains("lectern.yaml") && all.contains("../../escape.yml"),
        "{all}"
    );
    std::fs::remove_file(src.join("workshop/lectern.yaml")).unwrap();

    // The output inside the folders it copies, and a folder that is not empty.
    let (code, _, err) = lectern(&[
        "export",
        src.to_str().unwrap(),
        "--out",
        src.join("exercises/out").to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("overlaps the workshop"), "{err}");
    let full = tmp.path().join("full");
    std::fs::create_dir_all(&full).unwrap();
    std::fs::write(full.join("x"), "x").unwrap();
    let (code, _, err) = lectern(&[
        "export",
        src.to_str().unwrap(),
        "--out",
        full.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--force"), "{err}");

    // --force replaces what export wrote before, and only that.
    let again = tmp.path().join("again");
    export(&src, &again);
    std::fs::write(again.join("notes.txt"), "mine").unwrap();
    let (code, _, err) = lectern(&[
        "export",
        src.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(again.join("notes.txt")).unwrap(),
        "mine"
    );

    // Content with errors is not exported.
    let (code, _, err) = lectern(&[
        "export",
        "tests/fixtures/broken",
        "--out",
        tmp.path().join("o-broken").to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("page-one.md") && err.contains("fix them first"),
        "{err}"
    );
    assert!(!tmp.path().join("o-broken").exists());

    // A link to a file outside the workshop.
    #[cfg(unix)]
    {
        std::fs::write(tmp.path().join("secret"), "s").unwrap();
        std::os::unix::fs::symlink(tmp.path().join("secret"), src.join("exercises/secret"))
            .unwrap();
        let (code, _, err) = lectern(&[
            "export",
            src.to_str().unwrap(),
            "--out",
            tmp.path().join("o2").to_str().unwrap(),
        ]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("exercises/secret") && err.contains("outside the workshop"),
            "{err}"
        );
    }

    // An apiVersion export cannot read.
    std::fs::write(
        src.join("resources/workshop.yaml"),
        "apiVersion: example.com/v9\nkind: Workshop\n",
    )
    .unwrap();
    let _ = std::fs::remove_file(src.join("exercises/secret"));
    let (code, _, err) = lectern(&[
        "export",
        src.to_str().unwrap(),
        "--out",
        tmp.path().join("o3").to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("resources/workshop.yaml") && err.contains("example.com/v9"),
        "{err}"
    );
}

#[test]
fn speaker_notes_are_not_exported() {
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("class");
    export(&repo().join("tests/fixtures/present"), &dest);
    let page = std::fs::read_to_string(dest.join("workshop/content/first.md")).unwrap();
    assert!(!page.contains("Welcome everyone."), "{page}");
    assert!(!page.contains("notes:"), "{page}");
    // Other comments and the rest of the page are the author's, kept as written.
    assert!(
        page.contains("<!-- a comment for authors only -->"),
        "{page}"
    );
    assert!(page.contains("command: echo typed-$((6*7))"), "{page}");
}
