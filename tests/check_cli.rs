//! `lectern check` and `lectern render` on the fixture workshops, through the real binary.

use std::path::PathBuf;
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn lectern(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lectern"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run lectern");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn classic_fixture_is_clean() {
    let (code, out, _) = lectern(&["check", fixture("classic").to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("3 pages, 10 actions"), "{out}");
    assert!(out.contains("terminal:execute 2"), "{out}");
    assert!(out.contains("0 errors, 0 warnings"), "{out}");
}

#[test]
fn hugo_fixture_follows_pathways() {
    let dir = fixture("hugo");
    let (code, out, _) = lectern(&["check", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("2 pages, 3 actions"), "{out}");
    let (code, out, _) = lectern(&["check", dir.to_str().unwrap(), "--pathway", "full"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("3 pages, 4 actions"), "{out}");
    let (code, _, err) = lectern(&["check", dir.to_str().unwrap(), "--pathway", "nope"]);
    assert_eq!(code, 1);
    let _ = err;
}

#[test]
fn broken_fixture_reports_each_problem_where_it_is() {
    let (code, out, _) = lectern(&["check", "tests/fixtures/broken"]);
    assert_eq!(code, 1, "{out}");
    let page = "tests/fixtures/broken/workshop/content/page-one.md";
    for expected in [
        format!("{page}:1:7: warning: unknown variable `no_such_variable`"),
        format!("{page}:5:1: error: invalid YAML in `terminal:execute`"),
        format!("{page}:9:1: warning: `editor:open-file` names `~/exercises/not-there.py`, which does not exist"),
        format!("{page}:20:1: error: field `session` must be text, found a list"),
        format!("{page}:23:1: warning: unknown action `editor:explode`"),
        format!("{page}:28:1: error: examiner test `no-such-test` not found"),
        "tests/fixtures/broken/workshop/workshop.yaml:5:5: warning: page `missing-page` is listed but there is no workshop/content/missing-page.md".to_string(),
        "tests/fixtures/broken/workshop/content/old-page.adoc: error: AsciiDoc pages are not supported".to_string(),
        "4 errors, 4 warnings".to_string(),
    ] {
        assert!(out.contains(&expected), "missing `{expected}` in:\n{out}");
    }
    // The example inside the ~~~markdown fence is content, not a broken action.
    assert!(!out.contains(":14:"), "{out}");
    // Carets under the source line.
    assert!(out.contains("5 | clear: [true\n  | ^"), "{out}");
}

#[test]
fn check_json_is_machine_readable() {
    let (code, out, _) = lectern(&["check", "tests/fixtures/broken", "--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["pages"], 2);
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.iter().filter(|d| d["severity"] == "error").count(), 4);
    assert!(diags.iter().any(|d| d["line"] == 20 && d["column"] == 1));
}

#[test]
fn render_shows_cards_with_resolved_fields() {
    let (code, out, _) = lectern(&[
        "render",
        "tests/fixtures/classic",
        "--page",
        "first-steps",
        "--width",
        "60",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("[Terminal 1] echo hello from $PWD"), "{out}");
    assert!(out.contains("[Terminal 2] date"), "{out}");
    assert!(out.contains("[Editor] open ~/exercises/app.py:2"), "{out}");
    assert!(out.contains("[All terminals] Ctrl-C (interrupt)"), "{out}");
    assert!(out.contains("[Section] ▸ More details"), "{out}");
    assert!(out.contains("    command: not-an-action"), "{out}");
    assert!(
        out.lines()
            .all(|l| l.chars().count() <= 60 || l.starts_with("    ")),
        "{out}"
    );
}

#[test]
fn render_of_a_missing_page_lists_the_pages() {
    let (code, _, err) = lectern(&["render", "tests/fixtures/classic", "--page", "zzz"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no page `zzz`") && err.contains("first-steps"),
        "{err}"
    );
}

#[test]
fn no_workshop_is_a_clear_error() {
    let (code, _, err) = lectern(&["check", "tests"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no workshop in") && err.contains("help"),
        "{err}"
    );
}

#[test]
fn content_cannot_inject_escape_sequences() {
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("workshop/content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(
        content.join("evil.md"),
        "# Title \u{1b}]0;pwned\u{7}\n\nText \u{1b}[2J and \u{9b}31m.\n\n```terminal:execute\ncommand: \"echo \\e[31m \\u001b]52;c;aGk=\\u0007\"\n```\n\n| a\u{1b}[5m |\n|---|\n| b |\n",
    )
    .unwrap();
    let (code, out, _) = lectern(&["render", tmp.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(lectern::sanitize::is_clean(&out), "{out:?}");
    assert!(out.contains("␛[2J"), "{out}");
    let (_, out, _) = lectern(&["check", tmp.path().to_str().unwrap()]);
    assert!(lectern::sanitize::is_clean(&out), "{out:?}");
}

#[test]
fn lectern_test_runs_a_workshop_and_writes_junit() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("results.xml");
    let out = Command::new(env!("CARGO_BIN_EXE_lectern"))
        .args(["test", "tests/fixtures/classic", "--junit"])
        .arg(&junit)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("SHELL", "/bin/bash")
        .env("LECTERN_NO_USER_RC", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("✓ terminal:execute") && text.contains("exit 0"),
        "{text}"
    );
    // The examiner check ran its script and passed.
    assert!(
        text.lines()
            .any(|l| l.contains("✓ examiner:execute-test") && l.contains("check check-file app.py")),
        "{text}"
    );
    assert_eq!(
        text.lines().last(),
        Some("8 passed, 0 failed, 2 skipped"),
        "{text}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testsuite name=\"Classic Demo\"") && xml.contains("failures=\"0\""),
        "{xml}"
    );
    // The fixture's files are untouched: the run used a copy.
    let (code, _, _) = lectern(&["check", "tests/fixtures/classic"]);
    assert_eq!(code, 0);
}

#[test]
fn lectern_test_fails_on_content_errors_and_dry_run_runs_nothing() {
    let (code, out, _) = lectern(&["test", "tests/fixtures/broken"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("content error(s)"), "{out}");
    let (code, out, _) = lectern(&["test", "tests/fixtures/hugo", "--dry-run"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("dry run: nothing was run"), "{out}");
    // The file is made by the page's own create-file action: said, not failed.
    assert!(
        out.lines().any(|l| l.contains("✓ editor:open-file")
            && l.ends_with("notes.txt (does not exist yet) (0.0s)")),
        "{out}"
    );
}

/// A workshop with one dashboard whose InfluxDB is at `url`.
fn dashboard_workshop(url: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workshop");
    std::fs::create_dir_all(ws.join("content")).unwrap();
    std::fs::create_dir_all(ws.join("dashboards")).unwrap();
    std::fs::write(ws.join("content/page.md"), "# Page\n").unwrap();
    std::fs::copy(
        fixture("dashboards/service-health.json"),
        ws.join("dashboards/service-health.json"),
    )
    .unwrap();
    std::fs::write(
        ws.join("lectern.yaml"),
        format!("datasources:\n- {{name: TestInflux, type: influxdb, url: \"{url}\", database: metrics}}\n"),
    )
    .unwrap();
    dir
}

#[test]
fn render_a_dashboard_whose_datasource_is_down() {
    // Port 9 (discard) refuses: every panel says why it has no data, quickly.
    let dir = dashboard_workshop("http://127.0.0.1:9");
    let d = dir.path().to_str().unwrap();
    let started = std::time::Instant::now();
    let (code, out, err) = lectern(&[
        "render",
        d,
        "--dashboard",
        "service-health",
        "--from",
        "1767225600000",
        "--to",
        "1767225660000",
        "--width",
        "100",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(8));
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with(
            "╭ Service health · 2026-01-01 00:00:00 UTC to 2026-01-01 00:01:00 UTC · every 10s"
        ),
        "{out}"
    );
    // Two rows per grid row: 14 grid rows, and the frame.
    assert_eq!(lines.len(), 30, "{out}");
    assert!(
        out.contains("no data: TestInflux is not reachable"),
        "{out}"
    );
    assert!(lines.iter().all(|l| l.chars().count() <= 100));

    let (code, _, err) = lectern(&["render", d, "--dashboard", "absent"]);
    assert_eq!(code, 2);
    assert!(err.contains("no dashboard with uid `absent`"), "{err}");
    let (code, _, err) = lectern(&[
        "render",
        d,
        "--dashboard",
        "service-health",
        "--from",
        "yesterday",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("bad time `yesterday`"), "{err}");
    // --from belongs to dashboards only.
    let (code, _, _) = lectern(&["render", d, "--from", "now-1h"]);
    assert_eq!(code, 2);
}

#[test]
fn session_env_ingresses_and_compose_services_are_read() {
    for fixture in ["sessions", "eduk8s"] {
        let (code, out, _) = lectern(&["check", "--strict", fixture_str(fixture).as_str()]);
        assert_eq!(code, 0, "{fixture}: {out}");
        assert!(out.contains("0 errors, 0 warnings"), "{fixture}: {out}");
    }
    // `session.env` reaches the page as ENV_ variables, its `$(…)` filled in.
    let (code, out, _) = lectern(&["render", fixture_str("sessions").as_str(), "--width", "200"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Sources come from https://github.com/example/sessions; the database answers at http://influxdb-sessions.localhost with password `lectern`."),
        "{out}"
    );
    assert!(out.contains("The repository is on GitHub."), "{out}");
    assert!(out.contains("http://grafana-sessions.localhost/"), "{out}");
    let (_, out, _) = lectern(&["render", fixture_str("eduk8s").as_str(), "--width", "200"]);
    assert!(
        out.contains("The application runs at http://lab-eduk8s-app.localhost in lab-eduk8s."),
        "{out}"
    );
    let (_, out, _) = lectern(&[
        "render",
        fixture_str("sessions").as_str(),
        "--var",
        "ingress_domain=example.org",
        "--width",
        "200",
    ]);
    assert!(
        out.contains("http://influxdb-sessions.example.org"),
        "{out}"
    );
}

fn fixture_str(name: &str) -> String {
    fixture(name).to_string_lossy().into_owned()
}

#[test]
fn strict_check_fails_on_a_field_educates_does_not_know() {
    let (code, out, _) = lectern(&["check", "tests/fixtures/resource-typo"]);
    assert_eq!(code, 0, "{out}");
    let at = "tests/fixtures/resource-typo/resources/workshop.yaml:9:5";
    assert!(
        out.contains(&format!("{at}: warning: `spec.session.ingress` is not a field of Educates' Workshop (training.educates.dev/v1beta1); Educates drops it")),
        "{out}"
    );
    assert!(out.contains("= help: did you mean `ingresses`?"), "{out}");
    // Free-form compose services are not checked.
    assert!(!out.contains("x-anything"), "{out}");
    let (code, out, _) = lectern(&["check", "--strict", "tests/fixtures/resource-typo"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("{at}: error: `spec.session.ingress`")),
        "{out}"
    );
    let (_, out, _) = lectern(&["check", "--format", "json", "tests/fixtures/resource-typo"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let d = &v["diagnostics"][0];
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(9), Some(5))
    );
    assert_eq!(d["code"], "unknown-field");
}
