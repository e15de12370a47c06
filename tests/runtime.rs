//! Commands in real shells on real PTYs, as the engine tracks them.

use std::time::{Duration, Instant};

use lectern::action::Session;
use lectern::engine::terminals::{Commands, Exec, Seen};
use lectern::engine::{Detail, Mode, Outcome};
use lectern::model::ActionRef;
use lectern::runtime::{Event, Runtime, ShellSpec};
use tokio::sync::mpsc::UnboundedReceiver;

struct Rig {
    rt: Runtime,
    rx: UnboundedReceiver<Event>,
    cmds: Commands,
}

fn rig(dir: &std::path::Path) -> Rig {
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
    Rig {
        rt,
        rx,
        cmds: Commands::default(),
    }
}

impl Rig {
    /// Drive the tracker until `pred` sees something or `limit` passes.
    fn pump(&mut self, limit: Duration, mut pred: impl FnMut(&Seen) -> bool) -> bool {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            let mut seen = Vec::new();
            while let Ok(ev) = self.rx.try_recv() {
                match ev {
                    Event::Mark(id, m) => seen.extend(self.cmds.on_mark(id, m)),
                    Event::Exited(id) => seen.extend(self.cmds.on_exit(id)),
                    _ => {}
                }
            }
            seen.extend(
                self.cmds
                    .on_timer(&mut self.rt, Mode::Interactive, Instant::now()),
            );
            if seen.iter().any(&mut pred) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    fn exec(&mut self, r: ActionRef, session: &Session, command: &str) -> Outcome {
        self.cmds.execute(
            &mut self.rt,
            Mode::Interactive,
            None,
            Exec {
                action: r,
                session: session.clone(),
                command: command.into(),
                clear: false,
                expect: None,
                keys: None,
                interrupt_first: false,
            },
        )
    }

    fn outcome_of(&mut self, r: ActionRef) -> Option<Outcome> {
        let mut got = None;
        self.pump(Duration::from_secs(10), |s| match s {
            Seen::Action(a, o) if *a == r && !o.is_running() => {
                got = Some(o.clone());
                true
            }
            _ => false,
        });
        got
    }

    fn wait_idle(&mut self) {
        let end = Instant::now() + Duration::from_secs(10);
        while !self.rt.busy_terminals().is_empty() {
            assert!(Instant::now() < end, "terminal stayed busy");
            self.pump(Duration::from_millis(50), |_| false);
        }
    }
}

#[test]
fn exit_status_comes_from_shell_integration() {
    let d = tempfile::tempdir().unwrap();
    let mut rig = rig(d.path());
    let one = Session::Named("1".into());
    let r = ActionRef { page: 0, id: 0 };
    assert!(rig.exec(r, &one, "sh -c 'exit 7'").is_running());
    let got = rig.outcome_of(r);
    assert!(
        matches!(got, Some(Outcome::Failed(Detail::Exit { code: 7, .. }))),
        "{got:?}"
    );
    // Multi-line input: one outcome after the last line.
    let r2 = ActionRef { page: 0, id: 1 };
    rig.exec(r2, &one, "true\nfalse\ntrue");
    let got = rig.outcome_of(r2);
    assert!(
        matches!(got, Some(Outcome::Passed(Detail::Exit { code: 0, .. }))),
        "{got:?}"
    );
}

#[test]
fn an_interrupt_does_not_reach_the_next_job() {
    let d = tempfile::tempdir().unwrap();
    let mut rig = rig(d.path());
    let s = Session::Named("1".into());
    rig.exec(ActionRef { page: 0, id: 0 }, &s, "sleep 1000");
    let end = Instant::now() + Duration::from_secs(5);
    while rig.rt.busy_terminals().is_empty() && Instant::now() < end {
        rig.pump(Duration::from_millis(50), |_| false);
    }
    rig.cmds.interrupt(&mut rig.rt, &s);
    rig.wait_idle();
    // A new job right after: the escalation meant for the old one must not touch it.
    let next = ActionRef { page: 0, id: 2 };
    rig.exec(next, &s, "sleep 1001");
    let ended = rig.pump(
        Duration::from_secs(4),
        |u| matches!(u, Seen::Action(a, o) if *a == next && !o.is_running()),
    );
    assert!(!ended, "the new job was stopped by an old interrupt");
    assert_eq!(rig.rt.busy_terminals(), vec!["1".to_string()]);
    rig.rt.shutdown();
}

#[test]
fn every_new_shell_reports_its_prompt() {
    // Ten terminals at once: each one's first prompt arrives as a signed mark.
    let d = tempfile::tempdir().unwrap();
    let mut rig = rig(d.path());
    for i in 2..=10 {
        rig.rt.terminal(&i.to_string()).unwrap();
    }
    let mut seen = std::collections::HashSet::new();
    let end = Instant::now() + Duration::from_secs(20);
    while seen.len() < 10 && Instant::now() < end {
        while let Ok(ev) = rig.rx.try_recv() {
            if let Event::Mark(id, lectern::runtime::Mark::PromptEnd) = ev {
                seen.insert(id);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let forged: usize = rig
        .rt
        .terminals
        .iter()
        .map(|t| t.parser.lock().unwrap().callbacks().forged)
        .sum();
    assert_eq!(
        seen.len(),
        10,
        "prompts seen from {seen:?}; forged marks: {forged}"
    );
    rig.rt.shutdown();
}

#[test]
fn after_a_command_ends_the_shell_holds_its_terminal_again() {
    let d = tempfile::tempdir().unwrap();
    let mut rig = rig(d.path());
    let one = Session::Named("1".into());
    for i in 0..20 {
        let r = ActionRef { page: 0, id: i };
        rig.exec(r, &one, "sh -c 'exit 3'");
        let o = rig.outcome_of(r);
        assert!(o.is_some_and(|o| o.is_failed()));
        let s = rig.cmds.state(&rig.rt, 0);
        assert_eq!(
            s,
            lectern::model::terminal_state::TermState::AtPrompt,
            "round {i}"
        );
    }
    rig.rt.shutdown();
}

fn screen(rt: &Runtime, id: usize) -> String {
    rt.terminals[id].parser.lock().unwrap().screen().contents()
}

#[test]
fn shrinking_a_terminal_keeps_its_last_lines_on_screen() {
    let d = tempfile::tempdir().unwrap();
    let (mut rt, rx) = Runtime::new(ShellSpec {
        shell: "/bin/bash".into(),
        cwd: d.path().to_path_buf(),
        env: vec![("LECTERN_NO_USER_RC".into(), "1".into())],
        rc_dir: d.path().join("rc"),
        scrollback: 1000,
    });
    rt.set_default_size(48, 160);
    rt.terminal("1").unwrap();
    let mut rig = Rig {
        rt,
        rx,
        cmds: Commands::default(),
    };
    let r = ActionRef { page: 0, id: 0 };
    rig.exec(r, &Session::Named("1".into()), "seq 1 100");
    assert!(rig.outcome_of(r).is_some_and(|o| o.is_passed()));
    rig.rt.terminals[0].resize(30, 100);
    let text = screen(&rig.rt, 0);
    let lines: Vec<&str> = text.lines().collect();
    for n in 90..=100 {
        assert!(
            lines.contains(&n.to_string().as_str()),
            "line {n} is gone from the screen:\n{text}"
        );
    }
    rig.rt.shutdown();
}

#[test]
fn a_profile_that_prints_is_shown_whole_before_the_first_command() {
    let d = tempfile::tempdir().unwrap();
    let profile = d.path().join("profile");
    // Slow enough that a command typed at once would land in the middle.
    std::fs::write(
        &profile,
        "for i in 1 2 3; do echo \"profile line $i\"; sleep 0.1; done\n",
    )
    .unwrap();
    for launch in 0..10 {
        let (mut rt, rx) = Runtime::new(ShellSpec {
            shell: "/bin/bash".into(),
            cwd: d.path().to_path_buf(),
            env: vec![
                ("LECTERN_NO_USER_RC".into(), "1".into()),
                (
                    "LECTERN_PROFILE".into(),
                    profile.to_string_lossy().into_owned(),
                ),
            ],
            rc_dir: d.path().join(format!("rc{launch}")),
            scrollback: 1000,
        });
        // A pane of an 80x24 screen.
        rt.set_default_size(11, 78);
        rt.terminal("1").unwrap();
        let mut rig = Rig {
            rt,
            rx,
            cmds: Commands::default(),
        };
        let r = ActionRef { page: 0, id: 0 };
        rig.exec(r, &Session::Named("1".into()), "echo after-the-profile");
        assert!(rig.outcome_of(r).is_some_and(|o| o.is_passed()));
        let text = screen(&rig.rt, 0);
        let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
        let pos = |want: &str| lines.iter().position(|l| *l == want);
        let (a, b, c, out) = (
            pos("profile line 1"),
            pos("profile line 2"),
            pos("profile line 3"),
            pos("after-the-profile"),
        );
        // The command as typed shows after the profile too, not in between.
        let typed = lines
            .iter()
            .position(|l| l.contains("echo after-the-profile"));
        assert!(
            a.is_some() && a < b && b < c && c < typed && typed < out,
            "launch {launch}: the profile's lines are lost or interleaved:\n{text}"
        );
        rig.rt.shutdown();
    }
}

/// A shell still reading its profile runs nothing of the learner's: quitting
/// then must not ask "commands are still running", in the session shape
/// (bwrap starts the shell) or not. A real command is busy in both.
#[test]
fn a_starting_shell_is_not_a_busy_terminal() {
    let d = tempfile::tempdir().unwrap();
    let profile = d.path().join("profile");
    // Builtins only: the shell itself is busy, no job of its own.
    std::fs::write(&profile, "SECONDS=0; while (( SECONDS < 2 )); do :; done\n").unwrap();
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    for wrapped in [false, true] {
        let (mut rt, rx) = Runtime::new(ShellSpec {
            shell: "/bin/bash".into(),
            cwd: d.path().to_path_buf(),
            env: vec![
                ("LECTERN_NO_USER_RC".into(), "1".into()),
                (
                    "LECTERN_PROFILE".into(),
                    profile.to_string_lossy().into_owned(),
                ),
            ],
            rc_dir: d.path().join(format!("rc-{wrapped}")),
            scrollback: 1000,
        });
        if wrapped {
            let state = d.path().join("state");
            match lectern::runtime::sandbox::Sandbox::prepare(&state, d.path(), d.path(), None, &[])
            {
                Ok(sb) => rt.sandbox = Some(sb),
                Err(why) if in_ci => panic!("bubblewrap is needed under CI: {why}"),
                Err(why) => {
                    eprintln!("skipping the session-shape half: {why}");
                    continue;
                }
            }
        }
        rt.terminal("1").unwrap();
        let end = Instant::now() + Duration::from_millis(1200);
        while Instant::now() < end {
            assert_eq!(
                rt.busy_terminals(),
                Vec::<String>::new(),
                "wrapped={wrapped}: a shell reading its profile counted as busy"
            );
            std::thread::sleep(Duration::from_millis(30));
        }
        let mut rig = Rig {
            rt,
            rx,
            cmds: Commands::default(),
        };
        let r = ActionRef { page: 0, id: 0 };
        rig.exec(r, &Session::Named("1".into()), "sleep 30");
        let end = Instant::now() + Duration::from_secs(20);
        while rig.rt.busy_terminals().is_empty() {
            assert!(
                Instant::now() < end,
                "wrapped={wrapped}: `sleep 30` never counted as busy"
            );
            rig.pump(Duration::from_millis(50), |_| false);
        }
        rig.rt.shutdown();
    }
}

/// The history a learner scrolls back to (Shift-PgUp) holds the lines the
/// command printed, in order, up to the terminal's scrollback size.
#[test]
fn scrolling_back_shows_the_lines_printed_in_order() {
    let d = tempfile::tempdir().unwrap();
    let (mut rt, rx) = Runtime::new(ShellSpec {
        shell: "/bin/bash".into(),
        cwd: d.path().to_path_buf(),
        env: vec![("LECTERN_NO_USER_RC".into(), "1".into())],
        rc_dir: d.path().join("rc"),
        scrollback: 1000,
    });
    rt.set_default_size(12, 60);
    rt.terminal("1").unwrap();
    let mut rig = Rig {
        rt,
        rx,
        cmds: Commands::default(),
    };
    let r = ActionRef { page: 0, id: 0 };
    rig.exec(r, &Session::Named("1".into()), "seq 1 5000");
    assert!(rig.outcome_of(r).is_some_and(|o| o.is_passed()));
    let numbers = |rt: &Runtime, back: usize| -> Vec<u32> {
        let mut p = rt.terminals[0].parser.lock().unwrap();
        p.screen_mut().set_scrollback(back);
        let text = p.screen().contents();
        p.screen_mut().set_scrollback(0);
        text.lines().filter_map(|l| l.trim().parse().ok()).collect()
    };
    // The whole history: 1000 lines, the oldest ones forgotten.
    let top = numbers(&rig.rt, usize::MAX);
    assert_eq!(top.len(), 12, "{top:?}");
    assert!(top.windows(2).all(|w| w[1] == w[0] + 1), "{top:?}");
    assert!(top[0] > 3900 && top[0] < 4000, "{top:?}");
    // Ten lines back at a time, as Shift-PgUp goes: each view is the one
    // before moved by ten lines.
    for back in (10..=990).step_by(10) {
        let here = numbers(&rig.rt, back);
        let below = numbers(&rig.rt, back - 10);
        assert!(
            here.windows(2).all(|w| w[1] == w[0] + 1),
            "{back}: {here:?}"
        );
        if let (Some(a), Some(b)) = (here.first(), below.first()) {
            if below.len() == 12 {
                assert_eq!(a + 10, *b, "{back}: {here:?} then {below:?}");
            }
        }
    }
    rig.rt.shutdown();
}
