//! Snapshots of what the app draws (ratatui TestBackend), for the lesson pane
//! with cards in each state, the status line, the overlays and a narrow screen.

use std::path::Path;
use std::time::Duration;

use lectern::app::{App, Overlay};
use lectern::progress::Store;
use lectern::runtime::{ActionRef, Outcome, Runtime, ShellSpec};
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
    App::new(ws, rt, Store::at(state), true, false)
}

fn draw(app: &mut App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    app.prepare(Rect::new(0, 0, w, h));
    term.draw(|f| lectern::ui::draw(f, app)).unwrap();
    let text = term.backend().to_string();
    // The running clock is the one thing that moves.
    regex::Regex::new(r"running \d+\.\ds")
        .unwrap()
        .replace_all(&text, "running N.Ns")
        .into_owned()
}

fn with_outcomes(app: &mut App) {
    let r = |id| ActionRef { page: 0, id };
    app.outcomes.insert(
        r(0),
        Outcome::Exited {
            code: 0,
            took: Duration::from_millis(1200),
        },
    );
    app.outcomes.insert(
        r(1),
        Outcome::Exited {
            code: 3,
            took: Duration::from_millis(40),
        },
    );
    app.outcomes.insert(
        r(2),
        Outcome::Running {
            since: std::time::Instant::now(),
        },
    );
    app.outcomes.insert(
        r(3),
        Outcome::Interrupted {
            how: "SIGTERM".into(),
            took: Duration::from_secs(3),
        },
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
    a.overlay = Some(Overlay::Help);
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
    a.outcomes.insert(
        ActionRef { page: 1, id: 3 },
        Outcome::Failed("file not found: ~/exercises/app.py".into()),
    );
    a.notice = Some("copied to the clipboard".into());
    a.scroll = 12;
    insta::assert_snapshot!(draw(&mut a, 120, 30));
}
