//! The real workshop pages in `../shared/seeds/` parse to exactly the actions they hold.
//! The seed text stays outside the repository; only what we expect of it is here.

use std::path::{Path, PathBuf};

use lectern::action::{ActionKind, DashboardAction, EditorAction, Session, TerminalAction};
use lectern::lesson;
use lectern::workshop::template::{self, Dialect};
use lectern::workshop::Vars;

fn seeds_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    if dir.is_dir() {
        Some(dir)
    } else if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("../shared/seeds is missing in CI");
    } else {
        eprintln!("skipping: ../shared/seeds not present");
        None
    }
}

/// One line per action: name and the fields that matter.
fn signatures(file: &Path) -> Vec<String> {
    let source = std::fs::read_to_string(file).unwrap();
    let vars = Vars::builtin("metrics", "Metrics", "");
    let (t, _) = template::render(&source, Dialect::Classic, &vars);
    let (l, diags) = lesson::parse(file, &source, &t, Dialect::Classic);
    assert!(
        diags
            .iter()
            .all(|d| d.severity != lectern::diag::Severity::Error),
        "{diags:?}"
    );
    l.actions()
        .iter()
        .map(|ab| {
            let a = &ab.action;
            let detail = match &a.kind {
                ActionKind::Terminal(TerminalAction::Execute {
                    command, session, ..
                }) => {
                    let s = match session {
                        Session::All => "*".to_string(),
                        Session::Named(n) => n.clone(),
                    };
                    format!("session={s} command={command}")
                }
                ActionKind::Terminal(TerminalAction::Interrupt {
                    session: Session::All,
                }) => "all".into(),
                ActionKind::Editor(EditorAction::OpenFile { file, .. }) => format!("file={file}"),
                ActionKind::Editor(EditorAction::SelectMatchingText {
                    file,
                    matching,
                    before,
                    after,
                }) => format!(
                    "file={file} text={} regex={} before={before:?} after={after:?}",
                    matching.text, matching.is_regex
                ),
                ActionKind::Editor(EditorAction::ExecuteCommand { command, args }) => format!(
                    "{command} query={} include={} regex={}",
                    args[0]["query"].as_str().unwrap(),
                    args[0]["filesToInclude"].as_str().unwrap(),
                    args[0]["isRegex"]
                ),
                ActionKind::Dashboard(DashboardAction::Reload { name, url, .. }) => {
                    format!("name={name} url={}", url.as_deref().unwrap_or(""))
                }
                other => format!("{other:?}"),
            };
            format!("{} {detail}", a.name)
        })
        .collect()
}

fn seed(prefix: &str) -> Option<PathBuf> {
    let dir = seeds_dir()?;
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .collect();
    found.sort();
    found.pop()
}

const GRAFANA: &str = "url=http://metrics-grafana.localhost/d/raw-requests?orgId=1&refresh=5s";

#[test]
fn seed_000_timing_decorator() {
    let Some(p) = seed("000_") else { return };
    let v2 = "~/exercises/hello-world-v2";
    assert_eq!(
        signatures(&p),
        vec![
            format!("editor:open-file file={v2}/wsgi_1.py"),
            format!("editor:select-matching-text file={v2}/wsgi_1.py text=@metrics.function_call regex=false before=None after=None"),
            format!("editor:open-file file={v2}/metrics.py"),
            format!("editor:select-matching-text file={v2}/metrics.py text=def function_call\\(.*\\): regex=true before=Some(1) after=None"),
            format!("editor:select-matching-text file={v2}/metrics.py text=client.write_points\\(.* regex=true before=None after=Some(12)"),
            "terminal:execute session=1 command=mod_wsgi-express start-server hello-world-v2/wsgi_1.py --log-to-terminal --working-directory hello-world-v2".to_string(),
            "terminal:execute session=2 command=bombardier -d 120s -c 5 http://localhost:8000".to_string(),
            format!("dashboard:reload-dashboard name=Grafana {GRAFANA}"),
            "terminal:interrupt-all all".to_string(),
        ]
    );
}

fn batching_page(with_prose: bool) -> Vec<String> {
    let find = |v: &str, f: &str| {
        format!("editor:execute-command workbench.action.findInFiles query=def {f}\\(.*\\): include=hello-world-{v}/metrics.py regex=true")
    };
    let run = |v: &str| {
        format!("terminal:execute session=1 command=mod_wsgi-express start-server hello-world-{v}/wsgi.py --log-to-terminal --working-directory hello-world-{v}")
    };
    let load = "terminal:execute session=2 command=bombardier -d 120s -c 5 http://localhost:8000"
        .to_string();
    let reload = format!("dashboard:reload-dashboard name=Grafana {GRAFANA}");
    let stop = "terminal:interrupt-all all".to_string();
    let mut v = vec![
        "editor:open-file file=~/exercises/hello-world-v4/metrics.py".to_string(),
        find("v4", "record_metric"),
        find("v4", "report_metrics"),
        run("v4"),
        load.clone(),
        reload.clone(),
        stop.clone(),
    ];
    if with_prose {
        v.push("editor:open-file file=~/exercises/hello-world-v5/metrics.py".into());
        v.push(find("v5", "record_metric"));
    }
    v.extend([run("v5"), load, reload, stop]);
    v
}

#[test]
fn seed_001_batching_and_line_protocol() {
    let Some(p) = seed("001_") else { return };
    assert_eq!(signatures(&p), batching_page(true));
}

#[test]
fn seed_002_actions_only() {
    let Some(p) = seed("002_") else { return };
    assert_eq!(signatures(&p), batching_page(false));
}

#[test]
fn seeds_003_and_004_hold_code_but_no_actions() {
    for prefix in ["003_", "004_"] {
        let Some(p) = seed(prefix) else { return };
        assert!(signatures(&p).is_empty(), "{prefix}");
    }
}
