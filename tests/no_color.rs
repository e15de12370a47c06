//! NO_COLOR: the app draws without any colour, and what was highlighted by a
//! background colour stays visible in reverse video. Its own test binary,
//! since the setting is read once per process.

use std::path::Path;

use lectern::app::{App, Intent, Overlay};
use lectern::engine::{self, Engine, Mode};
use lectern::runtime::{Runtime, ShellSpec, Store};
use lectern::workshop::{self, LoadOptions};
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;

#[test]
fn no_color_draws_no_colour_and_keeps_highlights() {
    std::env::set_var("NO_COLOR", "1");
    let state = tempfile::tempdir().unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/e2e");
    let ws = workshop::load(&dir, &LoadOptions::default()).unwrap();
    let (rt, _rx) = Runtime::new(ShellSpec {
        shell: "/bin/bash".into(),
        cwd: dir.clone(),
        env: vec![],
        rc_dir: state.path().join("shell"),
        scrollback: 100,
    });
    let engine = Engine::new(
        ws,
        rt,
        Store::at(state.path()),
        engine::Options {
            mode: Mode::Interactive,
            allow_outside: false,
            downloads: state.path().join("downloads"),
        },
    );
    let mut app = App::new(engine, true, false);
    app.apply(Intent::SelectCard(1));
    app.overlay = Some(Overlay::Pages { selected: 1 });
    let (w, h) = (100, 30);
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    app.prepare(Rect::new(0, 0, w, h));
    term.draw(|f| lectern::app::draw::draw(f, &app)).unwrap();

    let buf = term.backend().buffer();
    for y in 0..h {
        for x in 0..w {
            let c = &buf[(x, y)];
            assert_eq!(
                (c.fg, c.bg),
                (Color::Reset, Color::Reset),
                "colour at {x},{y} ({:?})\n{}",
                c.symbol(),
                term.backend()
            );
        }
    }
    // The status line and the chosen page were on a background colour.
    let reversed = |y: u16| (0..w).any(|x| buf[(x, y)].modifier.contains(Modifier::REVERSED));
    assert!(reversed(h - 1), "status line\n{}", term.backend());
    assert!(
        (0..h - 1).any(reversed),
        "selected page in the list\n{}",
        term.backend()
    );
    // Bold stays: the page title and the selected card.
    assert!((0..h).any(|y| (0..w).any(|x| buf[(x, y)].modifier.contains(Modifier::BOLD))));
}
