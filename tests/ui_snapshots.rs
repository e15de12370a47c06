//! Snapshots of what the app draws (ratatui TestBackend), for the lesson pane
//! with cards in each state, the status line, the overlays and a narrow screen.

use std::path::Path;
use std::time::Duration;

use lectern::app::{App, Overlay};
use lectern::engine::{self, Detail, Engine, Mode, Outcome};
use lectern::model::ActionRef;
use lectern::runtime::{Runtime, ShellSpec, Store};
use lectern::workshop::{self, LoadOptions};
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::Terminal;

fn app(fixture: &str, state: &Path) -> App {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture);
    let ws = workshop::load(&dir, &LoadOptions::default()).unwrap();
    // No terminals: the lesson side only.
    let (rt, _rx) = Runtime::new(ShellSpec {
        shell: "/bin/bash".into(),
        cwd: dir.clone(),
        env: vec![],
        rc_dir: state.join("shell"),
        scrollback: 100,
    });
    let engine = Engine::new(
        ws,
        rt,
        Store::at(state),
        engine::Options {
            mode: Mode::Interactive,
            allow_outside: false,
            downloads: state.join("downloads"),
        },
    );
    App::new(engine, true, false)
}

fn draw(app: &mut App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    app.prepare(Rect::new(0, 0, w, h));
    term.draw(|f| lectern::app::draw::draw(f, app)).unwrap();
    let text = term.backend().to_string();
    // The running clock is the one thing that moves.
    regex::Regex::new(r"running \d+\.\ds")
        .unwrap()
        .replace_all(&text, "running N.Ns")
        .into_owned()
}

fn with_outcomes(app: &mut App) {
    let r = |id| ActionRef { page: 0, id };
    app.engine.outcomes.insert(
        r(0),
        Outcome::Passed(Detail::exit(0, Duration::from_millis(1200))),
    );
    app.engine.outcomes.insert(
        r(1),
        Outcome::Failed(Detail::exit(3, Duration::from_millis(40))),
    );
    app.engine.outcomes.insert(
        r(2),
        Outcome::Running {
            since: std::time::Instant::now(),
            what: None,
        },
    );
    app.engine.outcomes.insert(
        r(3),
        Outcome::Passed(Detail::interrupted("SIGTERM", Duration::from_secs(3))),
    );
}

#[test]
fn lesson_cards_in_every_state() {
    let state = tempfile::tempdir().unwrap();
    let mut a = app("e2e", state.path());
    with_outcomes(&mut a);
    a.apply(lectern::app::Intent::SelectCard(1));
    insta::assert_snapshot!(draw(&mut a, 100, 40));
}

#[test]
fn narrow_screen() {
    let state = tempfile::tempdir().unwrap();
    let mut a = app("classic", state.path());
    a.open_page(1);
    insta::assert_snapshot!(draw(&mut a, 80, 24));
}

#[test]
fn help_overlay() {
    let state = tempfile::tempdir().unwrap();
    let mut a = app("classic", state.path());
    a.overlay = Some(Overlay::Help { scroll: 0 });
    insta::assert_snapshot!(draw(&mut a, 100, 30));
}

#[test]
fn page_list_and_locked_status() {
    let state = tempfile::tempdir().unwrap();
    let mut a = app("e2e", state.path());
    a.open_page(2);
    a.overlay = Some(Overlay::Pages { selected: 1 });
    insta::assert_snapshot!(draw(&mut a, 90, 24));
}

#[test]
fn failed_action_and_notice() {
    let state = tempfile::tempdir().unwrap();
    let mut a = app("classic", state.path());
    a.open_page(1);
    a.engine.outcomes.insert(
        ActionRef { page: 1, id: 3 },
        Outcome::failed("file not found: ~/exercises/app.py"),
    );
    a.notice = Some("copied to the clipboard".into());
    a.scroll = 12;
    insta::assert_snapshot!(draw(&mut a, 120, 30));
}

#[test]
fn editor_selection_changes_and_search() {
    use lectern::action::{EditorAction, TextMatch};
    use lectern::engine::editor::{Editor, Scope};
    let d = tempfile::tempdir().unwrap();
    let ex = d.path().join("exercises");
    std::fs::create_dir_all(&ex).unwrap();
    std::fs::write(ex.join("app.py"), "import time\n\n\ndef handler(environ, start_response):\n    start_response('200 OK', [])\n    return [b'hello']\n").unwrap();
    let scope = Scope {
        home: d.path(),
        exercises: &ex,
        allow_outside: false,
    };
    let mut ed = Editor::default();
    let m = TextMatch {
        text: r"def (\w+)\(".into(),
        is_regex: true,
        group: Some(1),
        start: None,
        stop: None,
    };
    ed.apply(
        &scope,
        &EditorAction::SelectMatchingText {
            file: "app.py".into(),
            matching: m,
            before: None,
            after: None,
        },
    )
    .unwrap();
    let draw = |ed: &Editor| {
        let mut term = Terminal::new(TestBackend::new(70, 12)).unwrap();
        term.draw(|f| lectern::ui::editor_view::draw(f, f.area(), ed, d.path(), true, None))
            .unwrap();
        term.backend().to_string()
    };
    insta::assert_snapshot!("editor_selection", draw(&ed));
    let m = TextMatch {
        text: "import time".into(),
        is_regex: false,
        group: None,
        start: None,
        stop: None,
    };
    ed.apply(
        &scope,
        &EditorAction::AppendLinesAfterMatch {
            file: "app.py".into(),
            matching: m,
            text: "import os\nimport sys\n".into(),
        },
    )
    .unwrap();
    insta::assert_snapshot!("editor_changed_lines", draw(&ed));
    ed.apply(
        &scope,
        &EditorAction::ExecuteCommand {
            command: "workbench.action.findInFiles".into(),
            args: serde_json::json!([{"query": "import", "filesToInclude": "*.py"}]),
        },
    )
    .unwrap();
    insta::assert_snapshot!("search_results", draw(&ed));
}

#[test]
fn sections_fold_and_open() {
    let state = tempfile::tempdir().unwrap();
    let mut a = app("classic", state.path());
    a.open_page(1);
    let text = draw(&mut a, 120, 80);
    assert!(
        text.contains("▸ More details") && !text.contains("What"),
        "{text}"
    );
    // The section card toggles its contents.
    let begin = a
        .engine
        .doc
        .lesson
        .actions()
        .iter()
        .find(|x| x.action.name == "section:begin")
        .unwrap()
        .id;
    a.run_action(begin);
    let text = draw(&mut a, 120, 80);
    assert!(
        text.contains("▾ More details") && text.contains("What"),
        "{text}"
    );
}

#[test]
fn the_log_overlay_is_read_before_drawing() {
    let state = tempfile::tempdir().unwrap();
    let mut a = app("classic", state.path());
    a.overlay = Some(Overlay::SetupLog { scroll: 0 });
    let text = draw(&mut a, 100, 30);
    assert!(
        text.contains("Services and setup logs") && text.contains("no services or setup scripts"),
        "{text}"
    );
}
