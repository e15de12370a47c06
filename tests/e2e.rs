//! End to end: the real `lectern` binary in a PTY, keys in, the screen read
//! back through a vt100 parser. Every wait has a deadline; none is an assertion.

use std::io::{Read, Write};
use std::os::fd::FromRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};
use tui_term::vt100;

const DEADLINE: Duration = Duration::from_secs(20);

struct Lectern {
    master: Box<dyn MasterPty + Send>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    child: Box<dyn Child + Send + Sync>,
    screen: Arc<Mutex<vt100::Parser>>,
    /// Every byte lectern wrote, for what the screen does not show (OSC 8).
    raw: Arc<Mutex<Vec<u8>>>,
    /// Tells the reader to stop and let go of its copy of the PTY's master.
    stop: Arc<AtomicBool>,
    reading: Option<std::thread::JoinHandle<()>>,
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

impl Lectern {
    fn start(workshop: &Path, state: &Path, args: &[&str], env: &[(&str, &str)]) -> Lectern {
        Lectern::start_with(&[], workshop, state, args, env)
    }

    /// `lectern SUB... WORKSHOP ARGS...` (a subcommand such as `present`).
    fn start_with(
        sub: &[&str],
        workshop: &Path,
        state: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Lectern {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows: 40,
                cols: 130,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_lectern"));
        cmd.args(sub);
        cmd.arg(workshop);
        cmd.args(args);
        cmd.env("XDG_STATE_HOME", state);
        cmd.env("HOME", state);
        cmd.env("SHELL", "/bin/bash");
        cmd.env("LECTERN_NO_USER_RC", "1");
        cmd.env("TERM", "xterm-256color");
        cmd.env("RUST_BACKTRACE", "0");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn lectern");
        drop(pair.slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(40, 130, 0)));
        let mut reader = pair.master.try_clone_reader().unwrap();
        // A plain copy of the master to write to: portable-pty's own writer
        // types a newline and end-of-file when dropped, which is not a hangup.
        let fd = pair.master.as_raw_fd().expect("the master's fd");
        // SAFETY: dup gives a new descriptor that the File owns.
        let copy = unsafe { std::fs::File::from_raw_fd(libc::dup(fd)) };
        let writer: Arc<Mutex<Box<dyn Write + Send>>> = Arc::new(Mutex::new(Box::new(copy)));
        let s = screen.clone();
        let answer = writer.clone();
        let raw = Arc::new(Mutex::new(Vec::new()));
        let raw_in = raw.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let reading = std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            loop {
                // Wait a little at a time, so the reader can be told to stop.
                let mut p = libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                };
                if stopped.load(Ordering::Acquire) {
                    break;
                }
                if unsafe { libc::poll(&mut p, 1, 50) } == 0 {
                    continue;
                }
                let n = match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                raw_in.lock().unwrap().extend_from_slice(&buf[..n]);
                let mut p = s.lock().unwrap();
                p.process(&buf[..n]);
                // Answer cursor position queries as a terminal would.
                if buf[..n].windows(4).any(|w| w == b"\x1b[6n") {
                    let (r, c) = p.screen().cursor_position();
                    let mut w = answer.lock().unwrap();
                    let _ = write!(w, "\x1b[{};{}R", r + 1, c + 1);
                    let _ = w.flush();
                }
            }
        });
        Lectern {
            master: pair.master,
            writer,
            child,
            screen,
            raw,
            stop,
            reading: Some(reading),
        }
    }

    /// Close the terminal lectern runs in, as closing its window does.
    fn hang_up(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(r) = self.reading.take() {
            r.join().unwrap();
        }
        // The last copies of the master: the writer, then the master itself.
        self.writer = Arc::new(Mutex::new(Box::new(std::io::sink())));
        let (replacement, _) = native_pty_system()
            .openpty(PtySize::default())
            .map(|p| (p.master, p.slave))
            .expect("pty");
        drop(std::mem::replace(&mut self.master, replacement));
    }

    fn send(&mut self, bytes: &[u8]) {
        let mut w = self.writer.lock().unwrap();
        w.write_all(bytes).unwrap();
        w.flush().unwrap();
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + DEADLINE;
        loop {
            let c = self.contents();
            if pred(&c) {
                return c;
            }
            if Instant::now() > end {
                panic!("timed out waiting for {what}; screen:\n{c}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_text(&self, text: &str) -> String {
        self.wait_for(text, |c| c.contains(text))
    }

    fn pid(&self) -> i32 {
        self.child.process_id().unwrap() as i32
    }

    /// Quit; when a command is still finishing, confirm.
    fn quit(&mut self) {
        self.send(b"q");
        let end = Instant::now() + DEADLINE;
        while self.child.try_wait().unwrap().is_none() {
            if self.contents().contains("Quitting stops them") {
                self.send(b"y");
            }
            assert!(
                Instant::now() < end,
                "lectern did not quit:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let end = Instant::now() + DEADLINE;
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            if Instant::now() > end {
                // Say what is still there, and where its threads wait.
                let mut left = Vec::new();
                for p in std::iter::once(self.pid()).chain(descendants(self.pid())) {
                    let mut threads = Vec::new();
                    for t in std::fs::read_dir(format!("/proc/{p}/task"))
                        .into_iter()
                        .flatten()
                        .flatten()
                    {
                        let comm =
                            std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
                        let wchan =
                            std::fs::read_to_string(t.path().join("wchan")).unwrap_or_default();
                        threads.push(format!("{}:{}", comm.trim(), wchan.trim()));
                    }
                    left.push(format!("{p} {} [{}]", cmdline(p), threads.join(" ")));
                }
                // The bytes as written, for replaying what the screen shows.
                let raw = std::env::temp_dir().join(format!("lectern-e2e-{}.raw", self.pid()));
                let _ = std::fs::write(&raw, &*self.raw.lock().unwrap());
                left.push(format!("output kept in {}", raw.display()));
                // The screen before the kill: a killed lectern restores the terminal.
                let screen = self.contents();
                let _ = self.child.kill();
                panic!("lectern did not exit; left: {left:#?}\nscreen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Every process below `pid`, found through /proc parent links.
fn descendants(pid: i32) -> Vec<i32> {
    let mut all: Vec<(i32, i32)> = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(p) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        if let Some(pp) = lectern::runtime::procs::stat_field(p, 4) {
            all.push((p, pp));
        }
    }
    let mut out = vec![];
    let mut frontier = vec![pid];
    while let Some(p) = frontier.pop() {
        for (c, pp) in &all {
            if *pp == p {
                out.push(*c);
                frontier.push(*c);
            }
        }
    }
    out
}

fn cmdline(pid: i32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

/// Wait until descendants of `pid` include one whose command line holds each of `needles`.
fn wait_processes(pid: i32, needles: &[&str]) -> Vec<i32> {
    let end = Instant::now() + DEADLINE;
    loop {
        let d = descendants(pid);
        let found: Vec<i32> = d
            .iter()
            .copied()
            .filter(|p| needles.iter().any(|n| cmdline(*p).contains(n)))
            .collect();
        if needles
            .iter()
            .all(|n| found.iter().any(|p| cmdline(*p).contains(n)))
        {
            return found;
        }
        if Instant::now() > end {
            panic!("processes {needles:?} never appeared below {pid}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn assert_all_gone(pids: &[i32]) {
    let end = Instant::now() + Duration::from_secs(5);
    loop {
        let left: Vec<i32> = pids
            .iter()
            .copied()
            .filter(|p| lectern::runtime::procs::alive(*p))
            .collect();
        if left.is_empty() {
            return;
        }
        if Instant::now() > end {
            let what: Vec<String> = left
                .iter()
                .map(|p| format!("{p} {}", cmdline(*p)))
                .collect();
            panic!("processes left behind: {what:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn actions_run_fail_and_are_interrupted() {
    let state = tempfile::tempdir().unwrap();
    let mut l = Lectern::start(&fixture("e2e"), state.path(), &["--restart"], &[]);
    l.wait_text("Card one prints");
    l.wait_text("root@");
    // Card 1: output in terminal 2, exit 0.
    l.send(b"\r");
    l.wait_text("e2e-42");
    l.wait_text("✓ exit 0");
    // Card 2: a failing command shows its exit status (on its card, not in the terminal).
    l.send(b"\t\r");
    l.wait_text("✗ exit 3");
    // Cards 3 and 4: a sleeper and a job that ignores SIGINT.
    l.send(b"\t\r");
    l.send(b"\t\r");
    l.wait_for("two running cards", |c| c.matches("running").count() >= 2);
    let pid = l.pid();
    let sleepers = std::panic::catch_unwind(move || wait_processes(pid, &["sleep 1000", "trap"]))
        .unwrap_or_else(|_| panic!("screen:\n{}", l.contents()));
    // Card 5: interrupt-all. Ctrl-C stops the sleeper; the other needs signals.
    l.send(b"\t\r");
    l.wait_text("stopped by Ctrl-C");
    l.wait_text("stopped by SIGTERM");
    // The interrupt card itself ends once both terminals are back at their prompts.
    l.wait_for("nothing running", |c| !c.contains("running"));
    // Nothing of the interrupted jobs is left.
    assert_all_gone(&sleepers);
    l.send(b"q");
    l.wait_exit();
}

#[test]
fn a_flood_does_not_block_keys_and_full_screen_programs_work() {
    let state = tempfile::tempdir().unwrap();
    let mut l = Lectern::start(&fixture("e2e"), state.path(), &["--restart"], &[]);
    l.wait_text("root@");
    l.send(b"n");
    l.wait_text("Flood the first terminal");
    l.send(b"\r");
    l.wait_for("yes output", |c| {
        c.matches("\ny").count() > 5 || c.contains("│y ")
    });
    // While `yes` floods terminal 1, the lesson still follows keys.
    l.send(b"G");
    l.wait_text("flood page bottom");
    l.send(b"p");
    l.wait_text("Card one prints");
    l.send(b"n");
    l.wait_text("Flood the first terminal");
    // Interrupt, then `less` in terminal 2, driven through the focused pane.
    l.send(b"g\t\r");
    l.wait_text("■ stopped by");
    l.send(b"\t\r");
    l.wait_text("notes line 1 ");
    l.send(b"2");
    l.send(b"G");
    l.wait_text("notes line 200");
    l.send(b"q");
    l.wait_for("less to quit", |c| {
        c.contains("exit 0") || c.matches("exit 0").count() >= 1
    });
    l.send(b"\x1d");
    l.send(b"q");
    l.wait_exit();
}

#[test]
fn quitting_leaves_no_process_behind() {
    let state = tempfile::tempdir().unwrap();
    let mut l = Lectern::start(&fixture("e2e"), state.path(), &["--restart"], &[]);
    l.wait_text("root@");
    l.send(b"\t\t\r"); // sleep 1000 in terminal 1
    l.wait_text("running");
    // A background job too, typed by hand into terminal 2.
    l.send(b"2");
    l.send(b"sleep 999 &\r");
    l.send(b"\x1d");
    wait_processes(l.pid(), &["sleep 1000", "sleep 999"]);
    let kids = descendants(l.pid());
    l.send(b"q");
    l.wait_text("Quit?");
    l.send(b"y");
    l.wait_exit();
    assert_all_gone(&kids);
}

#[test]
fn a_panic_restores_the_terminal_and_stops_children() {
    let state = tempfile::tempdir().unwrap();
    let mut l = Lectern::start(
        &fixture("e2e"),
        state.path(),
        &["--restart"],
        &[("LECTERN_TEST_PANIC", "1")],
    );
    l.wait_text("root@");
    l.send(b"\t\t\r");
    l.wait_text("running");
    wait_processes(l.pid(), &["sleep 1000"]);
    let kids = descendants(l.pid());
    l.send(b"!");
    let st = l.wait_exit();
    assert!(!st.success());
    let p = l.screen.lock().unwrap();
    assert!(
        !p.screen().alternate_screen(),
        "still on the alternate screen"
    );
    assert!(!p.screen().hide_cursor(), "cursor still hidden");
    drop(p);
    // Raw mode is off again: the line discipline echoes and edits lines.
    let fd = l.master.as_raw_fd().unwrap();
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::tcgetattr(fd, &mut t) }, 0);
    assert!(
        t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0,
        "terminal left in raw mode"
    );
    assert!(l.contents().contains("test-only panic"), "{}", l.contents());
    assert_all_gone(&kids);
}

#[test]
fn progress_resumes_after_restart() {
    let state = tempfile::tempdir().unwrap();
    let mut l = Lectern::start(&fixture("e2e"), state.path(), &[], &[]);
    l.wait_text("Card one prints");
    l.send(b"\r");
    l.wait_text("e2e-42");
    l.send(b"n");
    l.wait_text("Flood the first terminal");
    l.send(b"q");
    l.wait_exit();

    let mut l = Lectern::start(&fixture("e2e"), state.path(), &[], &[]);
    l.wait_text("Flood the first terminal");
    l.wait_text("2/3 Flood Page");
    l.send(b"p");
    // The outcome of the first card was kept.
    l.wait_text("✓ exit 0");
    l.send(b"q");
    l.wait_exit();

    let mut l = Lectern::start(&fixture("e2e"), state.path(), &["--restart"], &[]);
    l.wait_text("1/3 Basics");
    let c = l.contents();
    assert!(!c.contains("✓ exit 0"), "{c}");
    l.send(b"q");
    l.wait_exit();
}

#[test]
fn required_actions_lock_the_next_page() {
    let state = tempfile::tempdir().unwrap();
    let mut l = Lectern::start(&fixture("e2e"), state.path(), &["--restart"], &[]);
    l.wait_text("root@");
    l.send(b"l");
    l.wait_text("Pages");
    l.send(b"jj\r");
    l.wait_text("The end is here");
    l.wait_text("next page locked");
    l.send(b"\r");
    l.wait_text("required-done");
    l.wait_for("the lock to lift", |c| !c.contains("next page locked"));
    l.send(b"q");
    l.wait_exit();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn the_learners_editor_runs_in_a_pane_and_the_viewer_reloads() {
    let state = tempfile::tempdir().unwrap();
    let ws = state.path().join("ws");
    copy_dir(&fixture("classic"), &ws);
    // A stand-in for $EDITOR that changes the file and exits.
    let mut l = Lectern::start(
        &ws,
        state.path(),
        &["--restart"],
        &[("EDITOR", "sed -i s/hello/bye/"), ("VISUAL", "")],
    );
    l.wait_text("root@");
    l.send(b"n");
    l.wait_text("Run something");
    l.send(b"\t\t\t\r");
    l.wait_text("opened at line 2");
    l.wait_text("return [b\"hello\"]");
    l.send(b"e");
    l.wait_text("return [b\"bye\"]");
    assert_eq!(
        std::fs::read_to_string(ws.join("exercises/app.py"))
            .unwrap()
            .matches("bye")
            .count(),
        1
    );
    l.send(b"\x1d");
    l.send(b"q");
    l.wait_exit();
}

#[test]
fn links_become_hyperlinks_where_the_terminal_has_them() {
    let state = tempfile::tempdir().unwrap();
    let mut l = Lectern::start(
        &fixture("e2e"),
        state.path(),
        &["--restart"],
        &[("LECTERN_HYPERLINKS", "1")],
    );
    l.wait_text("Card one prints");
    let end = Instant::now() + DEADLINE;
    let want = b"\x1b]8;;https://example.org/lectern\x1b\\docs\x1b]8;;\x1b\\";
    while !l.raw.lock().unwrap().windows(want.len()).any(|w| w == want) {
        assert!(Instant::now() < end, "no OSC 8 hyperlink in the output");
        std::thread::sleep(Duration::from_millis(50));
    }
    l.send(b"q");
    l.wait_exit();
    // Without support, no OSC 8 at all.
    let state = tempfile::tempdir().unwrap();
    let mut l = Lectern::start(
        &fixture("e2e"),
        state.path(),
        &["--restart"],
        &[("LECTERN_HYPERLINKS", "0")],
    );
    l.wait_text("Card one prints");
    l.send(b"q");
    l.wait_exit();
    assert!(!l.raw.lock().unwrap().windows(4).any(|w| w == b"\x1b]8;"));
}

#[test]
fn a_card_for_a_busy_terminal_is_not_typed_and_enter_again_interrupts_first() {
    let state = tempfile::tempdir().unwrap();
    let mut l = Lectern::start(&fixture("busy"), state.path(), &["--restart"], &[]);
    l.wait_text("root@");
    l.send(b"\r");
    l.wait_text("running");
    let sleeper = wait_processes(l.pid(), &["sleep 1000"]);
    l.send(b"\t\r");
    let screen = l.wait_text("not sent: terminal 1 is running sleep");
    assert!(!screen.contains("after-busy\n"), "{screen}");
    // Enter again: Ctrl-C first, then the command at the prompt.
    l.send(b"\r");
    l.wait_text("■ stopped by Ctrl-C");
    l.wait_for("the command ran", |c| {
        c.lines().any(|line| line.contains("│after-busy"))
    });
    l.wait_text("✓ exit 0");
    assert_all_gone(&sleeper);
    l.send(b"q");
    l.wait_exit();
}

/// A workshop whose service listens on `port` and whose first card leaves
/// processes behind in two ways: a foreground job, and a job in a session of
/// its own (`setsid`), which no session kill reaches.
fn leaky_workshop(dir: &Path, port: u16) {
    let content = dir.join("workshop/content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::create_dir_all(dir.join("exercises")).unwrap();
    std::fs::write(
        dir.join("workshop/lectern.yaml"),
        format!(
            "services:\n- name: web\n  command: python3 -m http.server {port} --bind 127.0.0.1\n  ready: http://127.0.0.1:{port}/\n  timeout: 20s\n"
        ),
    )
    .unwrap();
    std::fs::write(
        content.join("01.md"),
        "```terminal:execute\ncommand: setsid sleep 1001 & sleep 1000\n```\n",
    )
    .unwrap();
}

fn port_answers(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// lectern on a leaky workshop, its service answering on the port returned.
/// `d` holds the workshop and lectern's state.
fn start_leaky(d: &Path, what: &str) -> (Lectern, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    leaky_workshop(d, port);
    let state = d.join("state");
    std::fs::create_dir_all(&state).unwrap();
    let l = Lectern::start(d, &state, &["--restart", "--trust"], &[]);
    l.wait_text("root@");
    let end = Instant::now() + DEADLINE;
    while !port_answers(port) {
        assert!(Instant::now() < end, "{what}: the service never answered");
        std::thread::sleep(Duration::from_millis(50));
    }
    (l, port)
}

/// Start the page's commands (one leaves its session) and wait for them.
fn start_leaky_commands(l: &mut Lectern) {
    l.send(b"\r");
    wait_processes(l.pid(), &["sleep 1000", "sleep 1001"]);
}

/// Every process in `kids` is gone and nothing answers on `port`.
fn assert_all_stopped(what: &str, kids: &[i32], port: u16) {
    assert_all_gone(kids);
    let end = Instant::now() + Duration::from_secs(5);
    while port_answers(port) {
        assert!(Instant::now() < end, "{what}: port {port} still answers");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn every_way_lectern_ends_stops_everything_and_restores_the_terminal() {
    let cases: &[(&str, i32, bool)] = &[
        ("SIGTERM", libc::SIGTERM, false),
        ("SIGHUP", libc::SIGHUP, false),
        ("SIGINT", libc::SIGINT, false),
        ("SIGQUIT", libc::SIGQUIT, false),
        ("SIGUSR1", libc::SIGUSR1, false),
        ("SIGUSR2", libc::SIGUSR2, false),
        ("SIGPIPE", libc::SIGPIPE, false),
        ("SIGKILL", libc::SIGKILL, false),
        // SIGKILL to lectern itself, below the keeper that started it.
        ("SIGKILL (lectern)", libc::SIGKILL, true),
    ];
    for (name, sig, inner) in cases {
        let d = tempfile::tempdir().unwrap();
        let (mut l, port) = start_leaky(d.path(), name);
        start_leaky_commands(&mut l);
        let kids = descendants(l.pid());
        let target = if *inner {
            *descendants(l.pid())
                .iter()
                .find(|p| cmdline(**p).starts_with(env!("CARGO_BIN_EXE_lectern")))
                .expect("lectern below its keeper")
        } else {
            l.pid()
        };
        unsafe {
            libc::kill(target, *sig);
        }
        l.wait_exit();
        assert_all_stopped(name, &kids, port);
        let screen = l.screen.lock().unwrap();
        assert!(
            !screen.screen().alternate_screen() && !screen.screen().hide_cursor(),
            "{name}: the terminal was not restored"
        );
    }
}

#[test]
fn closing_the_terminal_ends_lectern_and_everything_it_started() {
    // Idle (nothing to draw, so only the hangup itself can tell lectern) and
    // busy (a running card redraws, and drawing finds the terminal gone).
    for busy in [false, true] {
        let d = tempfile::tempdir().unwrap();
        let what = if busy { "busy" } else { "idle" };
        let (mut l, port) = start_leaky(d.path(), what);
        if busy {
            start_leaky_commands(&mut l);
        } else {
            std::thread::sleep(Duration::from_millis(500));
        }
        let kids = descendants(l.pid());
        l.hang_up();
        let st = l.wait_exit();
        assert!(st.success(), "{what}: {st:?}");
        assert_all_stopped(what, &kids, port);
    }
}

/// A workshop that would run things by itself: a setup script that leaves a
/// mark, a profile, an autostart command.
fn eager_workshop(dir: &Path) {
    let w = dir.join("workshop");
    std::fs::create_dir_all(w.join("content")).unwrap();
    std::fs::create_dir_all(w.join("setup.d")).unwrap();
    std::fs::create_dir_all(dir.join("exercises")).unwrap();
    std::fs::write(
        w.join("setup.d/01-mark.sh"),
        "touch \"$WORKSHOP_DIR/setup-ran\"\n",
    )
    .unwrap();
    std::fs::write(w.join("profile"), "touch \"$WORKSHOP_DIR/profile-ran\"\n").unwrap();
    std::fs::write(
        w.join("content/01.md"),
        "# Eager\n\n```terminal:execute\ncommand: touch autostart-ran\nautostart: true\n```\n",
    )
    .unwrap();
}

#[test]
fn an_untrusted_workshop_runs_nothing_until_the_learner_agrees() {
    let d = tempfile::tempdir().unwrap();
    eager_workshop(d.path());
    let state = d.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let ran = |f: &str| d.path().join(f).exists() || d.path().join("exercises").join(f).exists();
    // First run: the consent lists everything in full; nothing has run.
    let mut l = Lectern::start(d.path(), &state, &[], &[]);
    let screen = l.wait_text("Trust this workshop?");
    assert!(
        screen.contains("touch \"$WORKSHOP_DIR/setup-ran\"")
            && screen.contains("touch \"$WORKSHOP_DIR/profile-ran\"")
            && screen.contains("touch autostart-ran"),
        "{screen}"
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(descendants(l.pid())
        .iter()
        .all(|p| !cmdline(*p).contains("bash")));
    assert!(!ran("setup-ran") && !ran("profile-ran") && !ran("autostart-ran"));
    // No: read-only, and the answer is not kept.
    l.send(b"n");
    l.wait_text("read-only");
    l.send(b"\r");
    l.wait_text("not run: this workshop is not trusted");
    assert!(!ran("setup-ran") && !ran("profile-ran") && !ran("autostart-ran"));
    l.quit();
    // Asked again; yes runs it all.
    let mut l = Lectern::start(d.path(), &state, &[], &[]);
    l.wait_text("Trust this workshop?");
    l.send(b"y");
    let end = Instant::now() + DEADLINE;
    while !(ran("setup-ran") && ran("profile-ran") && ran("autostart-ran")) {
        assert!(
            Instant::now() < end,
            "trusted, but it did not run:\n{}",
            l.contents()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    l.quit();
    // Remembered for this content...
    let mut l = Lectern::start(d.path(), &state, &[], &[]);
    l.wait_text("root@");
    assert!(!l.contents().contains("Trust this workshop?"));
    l.quit();
    // ...and asked again once the content changes.
    std::fs::write(
        d.path().join("workshop/setup.d/01-mark.sh"),
        "touch \"$WORKSHOP_DIR/setup-ran-again\"\n",
    )
    .unwrap();
    let mut l = Lectern::start(d.path(), &state, &[], &[]);
    l.wait_text("setup-ran-again");
    l.send(b"n");
    l.quit();
    assert!(!ran("setup-ran-again"));
}

#[test]
fn an_edited_page_shows_at_once_and_a_broken_one_says_where() {
    let d = tempfile::tempdir().unwrap();
    let content = d.path().join("workshop/content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::create_dir_all(d.path().join("exercises")).unwrap();
    std::fs::write(
        content.join("01.md"),
        "# Live\n\nFirst version of the text.\n\n```terminal:execute\ncommand: echo kept-running\n```\n",
    )
    .unwrap();
    let state = d.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let mut l = Lectern::start(d.path(), &state, &[], &[]);
    l.wait_text("First version");
    l.wait_text("root@");
    l.send(b"\r");
    l.wait_text("✓ exit 0");
    let shell = descendants(l.pid())
        .into_iter()
        .filter(|p| cmdline(*p).contains("bash"))
        .collect::<Vec<_>>();
    // An edit shows without a restart; the terminals and outcomes stay.
    std::fs::write(
        content.join("01.md"),
        "# Live\n\nSecond version of the text.\n\n```terminal:execute\ncommand: echo kept-running\n```\n",
    )
    .unwrap();
    let screen = l.wait_text("Second version");
    assert!(screen.contains("✓ exit 0"), "{screen}");
    assert!(shell.iter().all(|p| lectern::runtime::procs::alive(*p)));
    // A broken page: a banner with file and line; the last good content stays.
    std::fs::write(
        content.join("01.md"),
        "# Live\n\nSecond version of the text.\n\n```terminal:execute\ncommand: [unclosed\n```\n",
    )
    .unwrap();
    let screen = l.wait_text("01.md:6");
    assert!(screen.contains("✗"), "{screen}");
    l.quit();
}

/// What follows the shell's prompt on the terminal pane's line where `needle`
/// was typed (the lesson beside it shows the same command on its card).
fn typed(screen: &str, needle: &str) -> Option<String> {
    screen
        .lines()
        .filter_map(|l| l.find("root@").map(|at| &l[at..]))
        .find(|l| l.contains(needle))
        .map(|l| l.trim_end().to_string())
}

#[test]
fn present_types_commands_at_a_persons_pace() {
    let state = tempfile::tempdir().unwrap();
    let mut l = Lectern::start_with(
        &["present"],
        &fixture("present"),
        state.path(),
        &["--restart", "--typing-speed", "12"],
        &[],
    );
    l.wait_text("Typing at a person");
    // HTML comments and speaker notes are not in the lesson.
    let c = l.wait_text("root@");
    assert!(
        !c.contains("for authors only") && !c.contains("Welcome"),
        "{c}"
    );
    // Card 1, typed: seen part-way (the command not all there, nothing run yet).
    l.send(b"\r");
    let mid = l.wait_for("the command part-typed", |c| typed(c, "echo typ").is_some());
    let line = typed(&mid, "echo typ").unwrap();
    assert!(!line.contains("xyz"), "typed at once: {line}");
    assert!(!mid.contains("typed-42 "), "ran before Enter:\n{mid}");
    assert!(!mid.contains("exit 0"), "a verdict before Enter:\n{mid}");
    assert!(mid.contains("typing"), "the card says typing:\n{mid}");
    // Then all of it, Enter, and the command's own verdict.
    l.wait_text("typed-42 abcdefghijklmnopqrstuvwxyz");
    l.wait_text("✓ exit 0");
    // Card 2: f finishes typing at once.
    l.send(b"\t\r");
    l.wait_for("typing", |c| typed(c, "echo fin").is_some());
    l.send(b"f");
    l.wait_text("finished-49 abcdefghijklmnopqrstuvwxyz0123456789");
    l.wait_for("two verdicts", |c| c.matches("✓ exit 0").count() >= 2);
    // Card 3: s pauses typing; nothing more is typed until s again.
    l.send(b"\t\r");
    l.wait_for("typing", |c| typed(c, "echo pau").is_some());
    l.send(b"s");
    let paused = l.wait_text("typing paused");
    let at = typed(&paused, "echo pau").unwrap();
    assert!(!at.contains("xyz"), "typed at once: {at}");
    std::thread::sleep(Duration::from_millis(800));
    let later = typed(&l.contents(), "echo pau").unwrap();
    assert_eq!(at, later, "typing went on while paused");
    l.send(b"s");
    l.wait_text("paused-64 abcdefghijklmnopqrstuvwxyz");
    l.wait_for("three verdicts", |c| c.matches("✓ exit 0").count() >= 3);
    // z: the lesson takes the whole screen (the terminal is gone), z again: back.
    l.send(b"z");
    l.wait_for("the lesson zoomed", |c| !c.contains("root@"));
    l.send(b"z");
    l.wait_text("root@");
    // Z: the terminal alone (the lesson's text is gone).
    l.send(b"Z");
    l.wait_for("the terminal zoomed", |c| !c.contains("Typing at a person"));
    l.send(b"Z");
    l.wait_text("Typing at a person");
    // Ctrl-C in the terminal while a command is typed: it never runs.
    l.send(b"\r");
    l.wait_text("typing ·");
    l.send(b"1");
    l.send(b"\x03");
    l.wait_text("interrupted while it was typed");
    l.send(b"\x1d");
    std::thread::sleep(Duration::from_millis(800));
    let c = l.contents();
    assert_eq!(
        c.matches("paused-64 abc").count(),
        1,
        "ran after Ctrl-C:\n{c}"
    );
    l.quit();
}

#[test]
fn present_judges_a_multi_line_command_by_its_last_line_once_all_is_typed() {
    let d = tempfile::tempdir().unwrap();
    let content = d.path().join("workshop/content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(
        d.path().join("workshop/workshop.yaml"),
        "name: lines\nmodules:\n  activate:\n  - page\n",
    )
    .unwrap();
    // The first line passes at once, the last fails: no ✓ while the rest is
    // typed, and the verdict is the last line's.
    std::fs::write(
        content.join("page.md"),
        "Two lines.\n\n```terminal:execute\ncommand: |\n  echo first-$((2*3))\n  echo second-$((3*4)); false\n```\n",
    )
    .unwrap();
    let state = d.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let mut l = Lectern::start_with(
        &["present"],
        d.path(),
        &state,
        &["--restart", "--typing-speed", "12"],
        &[],
    );
    l.wait_text("root@");
    l.send(b"\r");
    // The first line ran, the second is being typed: the card has no verdict.
    let mid = l.wait_for("the first line's output", |c| c.contains("first-6"));
    assert!(
        !mid.contains("✓") && !mid.contains("exit 0"),
        "a verdict before every line was typed:\n{mid}"
    );
    l.wait_text("second-12");
    l.wait_text("exit 1");
    let c = l.contents();
    assert!(
        !c.contains("✓ exit 0"),
        "passed though its last line failed:\n{c}"
    );
    l.quit();
}

#[test]
fn the_notes_window_follows_the_presenter_over_a_private_socket() {
    use std::os::unix::fs::PermissionsExt;
    let state = tempfile::tempdir().unwrap();
    let run = tempfile::tempdir().unwrap();
    let env = [("XDG_RUNTIME_DIR", run.path().to_str().unwrap())];
    let mut p = Lectern::start_with(
        &["present"],
        &fixture("present"),
        state.path(),
        &["--restart"],
        &env,
    );
    p.wait_text("Typing at a person");
    let mut n = Lectern::start_with(&["notes"], &fixture("present"), state.path(), &[], &env);
    let c = n.wait_text("Welcome everyone.");
    assert!(c.contains("Say why the echo matters."), "{c}");
    assert!(c.contains("Next: Second Steps"), "{c}");
    assert!(c.contains("page 1/2: First Steps"), "{c}");
    assert!(c.contains("elapsed 0:0"), "{c}");
    assert!(!c.contains("for authors only"), "{c}");
    // The socket and its folder are the user's alone.
    let sock = std::fs::read_dir(run.path().join("lectern"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".notes.sock"))
        .expect("the notes socket");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&sock), 0o600);
    assert_eq!(mode(&run.path().join("lectern")), 0o700);
    // The presenter turns the page: the notes window follows.
    p.send(b"n");
    let c = n.wait_text("Wrap up.");
    assert!(c.contains("this is the last page"), "{c}");
    assert!(!c.contains("Welcome everyone."), "{c}");
    // The presenter goes: the window says so and waits.
    p.quit();
    n.wait_text("the presenter has gone");
    n.send(b"q");
    n.wait_exit();
}

#[test]
fn present_records_the_whole_screen_as_it_goes() {
    let state = tempfile::tempdir().unwrap();
    let file = state.path().join("class.cast");
    let mut l = Lectern::start_with(
        &["present"],
        &fixture("present"),
        state.path(),
        &[
            "--restart",
            "--typing-speed",
            "200",
            "--record",
            file.to_str().unwrap(),
        ],
        &[],
    );
    l.wait_text("root@");
    l.send(b"\r");
    l.wait_text("✓ exit 0");
    // Written as it goes: what was shown is in the file before lectern ends.
    let read = |p: &Path| -> Vec<serde_json::Value> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
            .collect()
    };
    let text = |lines: &[serde_json::Value]| -> String {
        lines[1..]
            .iter()
            .filter(|e| e[1] == "o")
            .map(|e| e[2].as_str().unwrap().to_string())
            .collect()
    };
    let end = Instant::now() + DEADLINE;
    while !text(&read(&file)).contains("typed-42") {
        assert!(Instant::now() < end, "the recording lags the screen");
        std::thread::sleep(Duration::from_millis(100));
    }
    l.quit();
    let lines = read(&file);
    let head = &lines[0];
    assert_eq!(head["version"], 2);
    assert_eq!(head["width"], 130);
    assert_eq!(head["height"], 40);
    assert!(head["timestamp"].as_u64().unwrap() > 1_600_000_000);
    let mut last = 0.0;
    for e in &lines[1..] {
        let t = e[0].as_f64().unwrap();
        assert!(t >= last && (e[1] == "o" || e[1] == "r"), "{e}");
        last = t;
    }
    // Replayed, the recording shows what the screen showed.
    let mut screen = vt100::Parser::new(40, 130, 0);
    screen.process(text(&lines).as_bytes());
    let shown = screen.screen().contents();
    assert!(shown.contains("Typing at a person"), "{shown}");
}

#[test]
fn the_page_list_shows_each_pages_status() {
    let state = tempfile::tempdir().unwrap();
    let mut l = Lectern::start(&fixture("present"), state.path(), &["--restart"], &[]);
    l.wait_text("root@");
    l.send(b"\r");
    l.wait_text("✓ exit 0");
    l.send(b"l");
    let c = l.wait_text("✓ done");
    assert!(c.contains("◐  1. First Steps"), "{c}");
    assert!(c.contains("·  2. Second Steps"), "{c}");
    l.send(b"\x1b");
    l.wait_for("the list to close", |c| !c.contains("✓ done"));
    l.send(b"\t\r");
    l.wait_for("two verdicts", |c| c.matches("✓ exit 0").count() >= 2);
    l.send(b"\t\r");
    l.wait_for("three verdicts", |c| c.matches("✓ exit 0").count() >= 3);
    // A page without actions is done once seen.
    l.send(b"n");
    l.wait_text("The second page.");
    l.send(b"l");
    let c = l.wait_text("✓ done");
    assert!(c.contains("✓  1. First Steps"), "{c}");
    assert!(c.contains("✓  2. Second Steps"), "{c}");
    l.send(b"\x1b");
    l.wait_for("the list to close", |c| !c.contains("✓ done"));
    l.quit();
    // A failed action marks its page.
    let state = tempfile::tempdir().unwrap();
    let mut l = Lectern::start(&fixture("e2e"), state.path(), &["--restart"], &[]);
    l.wait_text("root@");
    l.send(b"\t\r");
    l.wait_text("✗ exit 3");
    l.send(b"l");
    let c = l.wait_text("✓ done");
    assert!(c.contains("✗  1. Basics"), "{c}");
    assert!(c.contains("·  2. Flood Page"), "{c}");
    l.send(b"\x1b");
    l.wait_for("the list to close", |c| !c.contains("✓ done"));
    l.quit();
}
