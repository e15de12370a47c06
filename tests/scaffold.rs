//! `lectern new`: what it writes is a working workshop as it stands, in both
//! layouts (`check --strict` and `test` pass, and Educates' CRD accepts the
//! Workshop), and bad input gets a clear error. Run as the real binary.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{json, Value};

fn lectern(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lectern"))
        .args(args)
        .current_dir(cwd)
        .env("SHELL", "/bin/bash")
        .env("LECTERN_NO_USER_RC", "1")
        .output()
        .expect("run lectern")
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

fn new_workshop_passes_check_and_test(layout: &str, pages: &[&str]) {
    let d = tempfile::tempdir().unwrap();
    let out = lectern(
        &[
            "new",
            "git-basics",
            "--layout",
            layout,
            "--title",
            "Git: the basics",
        ],
        d.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    let ws = d.path().join("git-basics");
    for p in pages {
        assert!(ws.join(p).is_file(), "{p} missing:\n{said}");
        assert!(said.contains(p), "{p} not listed:\n{said}");
    }
    for next in [
        "lectern git-basics",
        "lectern check --strict git-basics",
        "lectern test git-basics",
    ] {
        assert!(said.contains(next), "{said}");
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(ws.join("workshop/examiner/tests/check-greeting"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o755);
    // Nothing left behind by the writing.
    let leftovers: Vec<_> = walk(&ws)
        .into_iter()
        .filter(|p| p.contains(".new"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let check = lectern(&["check", "--strict", "git-basics"], d.path());
    let report = text(&check);
    assert!(check.status.success(), "{report}");
    assert!(report.contains("2 pages, 8 actions"), "{report}");
    for action in [
        "terminal:execute",
        "terminal:interrupt",
        "editor:open-file",
        "editor:select-matching-text",
        "examiner:execute-test",
    ] {
        assert!(report.contains(action), "{action}: {report}");
    }
    let test = lectern(&["test", "git-basics"], d.path());
    let report = text(&test);
    assert!(test.status.success(), "{report}");
    assert!(
        report.trim_end().ends_with("8 passed, 0 failed, 0 skipped"),
        "{report}"
    );
    assert!(!report.contains("need a person"), "{report}");
    assert!(!report.contains('\x1b'), "{report}");
    // The test ran on a copy: the workshop is as it was made.
    let script = std::fs::read_to_string(ws.join("exercises/hello.sh")).unwrap();
    assert!(script.contains("name=\"world\""), "{script}");

    let resource = std::fs::read_to_string(ws.join("resources/workshop.yaml")).unwrap();
    let doc = lectern::yaml::parse_all(&resource).unwrap().remove(0);
    assert_eq!(doc["metadata"]["name"], "git-basics");
    assert_eq!(doc["spec"]["title"], "Git: the basics");
    assert_eq!(
        doc["spec"]["session"]["applications"]["terminal"]["layout"],
        "split"
    );
    assert_eq!(
        doc["spec"]["session"]["applications"]["editor"]["enabled"],
        true
    );
    assert_eq!(
        doc["spec"]["workshop"]["files"][0]["image"]["url"],
        "$(image_repository)/git-basics-files:$(workshop_version)"
    );
    assert_eq!(crd_errors(&doc), Vec::<String>::new(), "{doc:#}");
}

#[test]
fn a_new_classic_workshop_passes_check_and_test() {
    new_workshop_passes_check_and_test(
        "classic",
        &[
            "README.md",
            "resources/workshop.yaml",
            "workshop/workshop.yaml",
            "workshop/modules.yaml",
            "workshop/content/01-first-steps.md",
            "workshop/content/02-checking-work.md",
            "workshop/examiner/tests/check-greeting",
            "exercises/hello.sh",
        ],
    );
}

#[test]
fn a_new_hugo_workshop_passes_check_and_test() {
    new_workshop_passes_check_and_test(
        "hugo",
        &[
            "README.md",
            "resources/workshop.yaml",
            "workshop/config.yaml",
            "workshop/content/01-first-steps/index.md",
            "workshop/content/02-checking-work/index.md",
            "workshop/examiner/tests/check-greeting",
            "exercises/hello.sh",
        ],
    );
}

#[test]
fn an_empty_folder_is_used_and_its_name_is_the_workshops() {
    let d = tempfile::tempdir().unwrap();
    let ws = d.path().join("My Lab");
    std::fs::create_dir(&ws).unwrap();
    let out = lectern(&["new", "."], &ws);
    assert!(out.status.success(), "{}", text(&out));
    let resource = std::fs::read_to_string(ws.join("resources/workshop.yaml")).unwrap();
    assert!(resource.contains("name: my-lab"), "{resource}");
    assert!(resource.contains("title: \"My Lab\""), "{resource}");
    let out = lectern(&["check", "--strict", "."], &ws);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn bad_input_is_refused_with_what_to_do() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("full")).unwrap();
    std::fs::write(d.path().join("full/notes.txt"), "mine").unwrap();
    std::fs::write(d.path().join("a-file"), "x").unwrap();
    for (args, expected) in [
        (vec!["new", "full"], "full is not empty"),
        (vec!["new", "a-file"], "a-file is a file, not a folder"),
        (
            vec!["new", "***"],
            "cannot make a workshop name from the folder",
        ),
        (vec!["new", "ws", "--title", ""], "is empty"),
        (vec!["new", "ws", "--title", "two\nlines"], "line break"),
        (
            vec!["new", "ws", "--layout", "asciidoc"],
            "invalid value 'asciidoc'",
        ),
    ] {
        let out = lectern(&args, d.path());
        let said = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {said}");
        assert!(said.contains(expected), "{args:?}: {said}");
        assert!(!said.contains("panicked"), "{said}");
    }
    // Nothing was written for any of them.
    assert_eq!(
        std::fs::read_to_string(d.path().join("full/notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(std::fs::read_dir(d.path().join("full")).unwrap().count(), 1);
    assert!(!d.path().join("ws").exists());
    assert!(!d.path().join("***").exists());
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

/// Every object in the schema rejects properties it does not declare, as
/// Kubernetes does for this CRD (its own pruning would drop them silently).
fn strict(schema: &mut Value) {
    match schema {
        Value::Object(m) => {
            let preserves = m.get("x-kubernetes-preserve-unknown-fields") == Some(&json!(true));
            if m.contains_key("properties") && !preserves && !m.contains_key("additionalProperties")
            {
                m.insert("additionalProperties".into(), json!(false));
            }
            m.values_mut().for_each(strict);
        }
        Value::Array(a) => a.iter_mut().for_each(strict),
        _ => {}
    }
}

/// Problems Educates' v1beta1 Workshop CRD (tests/fixtures/educates/) finds in `doc`.
fn crd_errors(doc: &Value) -> Vec<String> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/educates/workshop-crd.yaml");
    let crd = lectern::yaml::parse_all(&std::fs::read_to_string(path).unwrap())
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
    let props = schema["properties"].as_object_mut().unwrap();
    props.insert(
        "apiVersion".into(),
        json!({"enum": ["training.educates.dev/v1beta1"]}),
    );
    props.insert("kind".into(), json!({"enum": ["Workshop"]}));
    props.insert(
        "metadata".into(),
        json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}),
    );
    schema["required"] = json!(["apiVersion", "kind", "metadata", "spec"]);
    jsonschema::draft4::new(&schema)
        .unwrap()
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}
