//! The app's handling of examiner forms and sections, on a workshop made here.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use lectern::app::{App, Intent, Overlay};
use lectern::engine::{self, Engine, Mode, Outcome};
use lectern::model::ActionRef;
use lectern::runtime::{Event, Runtime, ShellSpec, Store};
use lectern::workshop::{self, LoadOptions};

fn workshop(dir: &Path, page: &str) {
    let content = dir.join("workshop/content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::create_dir_all(dir.join("workshop/examiner/tests")).unwrap();
    std::fs::write(content.join("page.md"), page).unwrap();
    let script = dir.join("workshop/examiner/tests/greeting");
    // Passes when the form's JSON arrives on stdin with the name typed.
    std::fs::write(
        &script,
        "#!/bin/sh\ngrep -q '\"name\":\"Ada\"' && echo hello Ada\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn app(dir: &Path) -> (App, tokio::sync::mpsc::UnboundedReceiver<Event>) {
    app_with(dir, true)
}

/// `restart`: forget saved progress, as `lectern run --restart` does.
fn app_with(dir: &Path, restart: bool) -> (App, tokio::sync::mpsc::UnboundedReceiver<Event>) {
    let ws = workshop::load(dir, &LoadOptions::default()).unwrap();
    let (rt, rx) = Runtime::new(ShellSpec {
        shell: "/bin/bash".into(),
        cwd: dir.to_path_buf(),
        env: vec![],
        rc_dir: dir.join("state/shell"),
        scrollback: 100,
    });
    let engine = Engine::new(
        ws,
        rt,
        Store::at(dir.join("state")),
        engine::Options {
            mode: Mode::Interactive,
            allow_outside: false,
            downloads: dir.join("downloads"),
        },
    );
    (App::new(engine, restart, true), rx)
}

fn wait_outcome(
    app: &mut App,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Event>,
    r: ActionRef,
) -> Outcome {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        while let Ok(ev) = rx.try_recv() {
            app.on_event(&ev);
        }
        match app.engine.outcomes.get(&r) {
            Some(o) if !o.is_running() => return o.clone(),
            _ => {}
        }
        assert!(
            Instant::now() < end,
            "no outcome: {:?}",
            app.engine.outcomes.get(&r)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_examiner_form_asks_each_field_and_sends_json() {
    let d = tempfile::tempdir().unwrap();
    workshop(
        d.path(),
        "```examiner:execute-test\nname: greeting\ninputs:\n  schema:\n    type: object\n    properties:\n      name:\n        type: string\n        title: Your name\n```\n",
    );
    let (mut a, mut rx) = app(d.path());
    a.run_action(0);
    assert!(
        matches!(&a.overlay, Some(Overlay::Input { prompt, .. }) if prompt == "Your name:"),
        "{:?}",
        a.overlay
    );
    for c in "Ada".chars() {
        a.apply(Intent::InputChar(c));
    }
    a.apply(Intent::OverlayAccept);
    let o = wait_outcome(&mut a, &mut rx, ActionRef { page: 0, id: 0 });
    assert_eq!(o, Outcome::passed("passed: hello Ada"));
    // The card shows what the test printed.
    assert_eq!(
        a.engine
            .outputs
            .get(&ActionRef { page: 0, id: 0 })
            .map(|s| s.trim()),
        Some("hello Ada")
    );
}

#[test]
fn autostart_inside_a_folded_section_waits_for_it_to_open() {
    let d = tempfile::tempdir().unwrap();
    workshop(
        d.path(),
        "```section:begin\ntitle: Checks\n```\n\n```examiner:execute-test\nname: greeting\nautostart: true\n```\n\n```section:end\n```\n",
    );
    let (mut a, mut rx) = app(d.path());
    a.start();
    let check = ActionRef { page: 0, id: 1 };
    assert!(!a.engine.outcomes.contains_key(&check), "ran while folded");
    a.run_action(0);
    // It starts now; without the form's input it fails, which is still an outcome.
    let o = wait_outcome(&mut a, &mut rx, check);
    assert!(o.is_failed(), "{o:?}");
}

#[test]
fn the_educates_form_shape_with_a_default() {
    let d = tempfile::tempdir().unwrap();
    workshop(
        d.path(),
        "```examiner:execute-test\nname: greeting\ninputs:\n  schema:\n    name:\n      type: string\n      title: \"Name:\"\n      default: \"Ada\"\n      required: true\n  form:\n  - \"*\"\n  - type: submit\n    title: Start\n```\n",
    );
    let (mut a, mut rx) = app(d.path());
    a.run_action(0);
    assert!(
        matches!(&a.overlay, Some(Overlay::Input { prompt, value, .. }) if prompt == "Name:" && value == "Ada"),
        "{:?}",
        a.overlay
    );
    a.apply(Intent::OverlayAccept);
    let o = wait_outcome(&mut a, &mut rx, ActionRef { page: 0, id: 0 });
    assert_eq!(o, Outcome::passed("passed: hello Ada"));
}

#[test]
fn resume_reopens_the_editor_file_where_it_was() {
    let d = tempfile::tempdir().unwrap();
    workshop(
        d.path(),
        "```editor:open-file\nfile: ~/exercises/app.py\n```\n",
    );
    std::fs::create_dir_all(d.path().join("exercises")).unwrap();
    let text: String = (1..=100).map(|i| format!("line {i}\n")).collect();
    std::fs::write(d.path().join("exercises/app.py"), text).unwrap();
    {
        let (mut a, mut rx) = app(d.path());
        a.start();
        a.run_action(0);
        let o = wait_outcome(&mut a, &mut rx, ActionRef { page: 0, id: 0 });
        assert!(o.is_passed(), "{o:?}");
        a.engine.editor.current_mut().unwrap().scroll = 40;
        a.engine.save();
    }
    let (a, _rx) = app_with(d.path(), false);
    let f = a
        .engine
        .editor
        .current()
        .expect("the editor file is open again");
    assert!(f.path.ends_with("exercises/app.py"), "{:?}", f.path);
    assert_eq!(f.scroll, 40);
    // A fresh start forgets it.
    let (a, _rx) = app(d.path());
    assert!(a.engine.editor.current().is_none());
}
