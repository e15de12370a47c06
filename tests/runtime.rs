//! The runtime without a screen: real shells on real PTYs.

use std::time::{Duration, Instant};

use lectern::action::Session;
use lectern::runtime::{ActionRef, Outcome, Runtime, ShellSpec, Update};

fn runtime(
    dir: &std::path::Path,
) -> (
    Runtime,
    tokio::sync::mpsc::UnboundedReceiver<lectern::runtime::Event>,
) {
    let (mut rt, rx) = Runtime::new(ShellSpec {
        shell: "/bin/bash".into(),
        cwd: dir.to_path_buf(),
        env: vec![
            ("LECTERN_NO_USER_RC".into(), "1".into()),
            ("HOME".into(), dir.to_string_lossy().into_owned()),
        ],
        rc_dir: dir.join("rc"),
        scrollback: 1000,
    });
    rt.terminal("1").unwrap();
    (rt, rx)
}

/// Drive the runtime until `pred` sees an update or `limit` passes.
fn pump(
    rt: &mut Runtime,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<lectern::runtime::Event>,
    limit: Duration,
    mut pred: impl FnMut(&Update) -> bool,
) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        let mut ups = Vec::new();
        while let Ok(ev) = rx.try_recv() {
            ups.extend(rt.on_event(&ev));
        }
        ups.extend(rt.on_timer(Instant::now()));
        if ups.iter().any(&mut pred) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn wait_idle(
    rt: &mut Runtime,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<lectern::runtime::Event>,
) {
    let end = Instant::now() + Duration::from_secs(10);
    while !rt.busy_terminals().is_empty() {
        assert!(Instant::now() < end, "terminal stayed busy");
        pump(rt, rx, Duration::from_millis(50), |_| false);
    }
}

#[test]
fn exit_status_comes_from_shell_integration() {
    let d = tempfile::tempdir().unwrap();
    let (mut rt, mut rx) = runtime(d.path());
    let r = ActionRef { page: 0, id: 0 };
    assert!(rt
        .execute(r, &Session::Named("1".into()), "sh -c 'exit 7'", false)
        .is_running());
    let mut got = None;
    assert!(pump(
        &mut rt,
        &mut rx,
        Duration::from_secs(10),
        |u| match u {
            Update::Action(a, o) if *a == r => {
                got = Some(o.clone());
                true
            }
            _ => false,
        }
    ));
    assert!(
        matches!(got, Some(Outcome::Exited { code: 7, .. })),
        "{got:?}"
    );
    // Multi-line input: one outcome after the last line.
    let r2 = ActionRef { page: 0, id: 1 };
    rt.execute(r2, &Session::Named("1".into()), "true\nfalse\ntrue", false);
    let mut got = None;
    pump(&mut rt, &mut rx, Duration::from_secs(10), |u| match u {
        Update::Action(a, o) if *a == r2 => {
            got = Some(o.clone());
            true
        }
        _ => false,
    });
    assert!(
        matches!(got, Some(Outcome::Exited { code: 0, .. })),
        "{got:?}"
    );
}

#[test]
fn an_interrupt_does_not_reach_the_next_job() {
    let d = tempfile::tempdir().unwrap();
    let (mut rt, mut rx) = runtime(d.path());
    let s = Session::Named("1".into());
    rt.execute(ActionRef { page: 0, id: 0 }, &s, "sleep 1000", false);
    let end = Instant::now() + Duration::from_secs(5);
    while rt.busy_terminals().is_empty() && Instant::now() < end {
        pump(&mut rt, &mut rx, Duration::from_millis(50), |_| false);
    }
    rt.interrupt(ActionRef { page: 0, id: 1 }, &s);
    wait_idle(&mut rt, &mut rx);
    // A new job right after: the escalation meant for the old one must not touch it.
    let next = ActionRef { page: 0, id: 2 };
    rt.execute(next, &s, "sleep 1001", false);
    let ended = pump(
        &mut rt,
        &mut rx,
        Duration::from_secs(4),
        |u| matches!(u, Update::Action(a, o) if *a == next && !o.is_running()),
    );
    assert!(!ended, "the new job was stopped by an old interrupt");
    assert_eq!(rt.busy_terminals(), vec!["1".to_string()]);
    rt.shutdown();
}
