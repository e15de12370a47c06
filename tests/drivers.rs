//! The terminal app and `lectern test` cannot disagree about what an action
//! did: the same actions, run through each driver, come to the same outcomes.

use std::path::Path;
use std::time::{Duration, Instant};

use lectern::app::App;
use lectern::engine::{self, Detail, Engine, Mode, Outcome};
use lectern::model::ActionRef;
use lectern::runtime::{Event, Runtime, ShellSpec, Store};
use lectern::workshop::{self, LoadOptions};
use tokio::sync::mpsc::UnboundedReceiver;

const PAGE: &str = "\
```terminal:execute
command: echo same
```

```terminal:execute
command: sh -c 'exit 3'
```

```terminal:execute
command: false
lectern: {expect: failure}
```

```editor:open-file
file: app.py
```

```editor:select-matching-text
file: app.py
text: absent-text
```

```editor:append-lines-to-file
file: app.py
text: \"# added\"
```

```files:download-file
path: app.py
```
";

fn engine(dir: &Path, mode: Mode) -> (Engine, UnboundedReceiver<Event>) {
    let ws = workshop::load(dir, &LoadOptions::default()).unwrap();
    let tag = match mode {
        Mode::Interactive => "app",
        Mode::Test { .. } => "test",
    };
    let (mut rt, rx) = Runtime::new(ShellSpec {
        shell: "/bin/bash".into(),
        cwd: ws.exercises_dir(),
        env: vec![("LECTERN_NO_USER_RC".into(), "1".into())],
        rc_dir: dir.join(format!("state-{tag}/shell")),
        scrollback: 100,
    });
    rt.terminal("1").unwrap();
    let e = Engine::new(
        ws,
        rt,
        Store::at(dir.join(format!("state-{tag}"))),
        engine::Options {
            mode,
            allow_outside: false,
            downloads: dir.join(format!("downloads-{tag}")),
        },
    );
    (e, rx)
}

/// The outcome without its clock: what the verdict and its reason are.
fn timeless(o: &Outcome) -> Outcome {
    match o {
        Outcome::Passed(Detail::Exit { code, .. }) => Outcome::Passed(Detail::Exit {
            code: *code,
            took_ms: 0,
        }),
        Outcome::Failed(Detail::Exit { code, .. }) => Outcome::Failed(Detail::Exit {
            code: *code,
            took_ms: 0,
        }),
        Outcome::Passed(Detail::Note { text }) if text.starts_with("saved to ") => {
            Outcome::passed("saved to a downloads folder")
        }
        other => other.clone(),
    }
}

#[test]
fn the_app_and_lectern_test_reach_the_same_outcomes() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("workshop/content")).unwrap();
    std::fs::create_dir_all(d.path().join("exercises")).unwrap();
    std::fs::write(d.path().join("workshop/content/page.md"), PAGE).unwrap();
    let app_py = d.path().join("exercises/app.py");

    // Through the app: keys become intents; the driver waits as the event loop does.
    std::fs::write(&app_py, "print('hello')\n").unwrap();
    let (e, mut rx) = engine(d.path(), Mode::Interactive);
    let mut app = App::new(e, true, true);
    let n = app.engine.doc.lesson.actions().len();
    let mut from_app = Vec::new();
    for id in 0..n {
        app.run_action(id);
        let r = ActionRef { page: 0, id };
        let end = Instant::now() + Duration::from_secs(15);
        while !app.engine.settled(r) && Instant::now() < end {
            while let Ok(ev) = rx.try_recv() {
                app.on_event(&ev);
            }
            app.on_timer(Instant::now());
            std::thread::sleep(Duration::from_millis(20));
        }
        from_app.push(timeless(app.engine.outcome(r).unwrap()));
    }
    app.engine.shutdown();

    // Through the headless driver, on a fresh copy of the file.
    std::fs::write(&app_py, "print('hello')\n").unwrap();
    let (mut e, mut rx) = engine(
        d.path(),
        Mode::Test {
            budget: Duration::from_secs(10),
        },
    );
    let mut from_test = Vec::new();
    for id in 0..n {
        let o = lectern::headless::drive_action(&mut e, &mut rx, id, Duration::from_secs(15));
        from_test.push(timeless(&o.unwrap()));
    }
    e.shutdown();

    assert_eq!(from_app, from_test);
    // And the outcomes are the true ones.
    assert!(matches!(
        from_app[..3],
        [
            Outcome::Passed(Detail::Exit { code: 0, .. }),
            Outcome::Failed(Detail::Exit { code: 3, .. }),
            Outcome::Passed(Detail::Exit { code: 1, .. }),
        ]
    ));
    assert!(from_app[3].is_passed() && from_app[4].is_failed() && from_app[5].is_passed());
}
