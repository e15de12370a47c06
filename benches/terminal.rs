//! Terminal benchmarks, printed as a table (run: `cargo bench --bench terminal`).
//!
//! - `seq 1 5000000` through a lectern pane (the real binary in a PTY, card
//!   waiting for exit 0) against the same in a tmux pane, side by side;
//! - time from start to the first complete frame of the bundled workshop;
//! - CPU used while idle with its terminals open (and bytes drawn meanwhile);
//! - memory after 100 MB of output through one pane, and with four terminals
//!   each holding 10,000 lines of history (against tmux's server);
//! - key latency: a key typed into an idle terminal while four others flood
//!   output, until the character is in the drawn frame (against tmux), and
//!   keys on a page with a 100,000-line code block.
//!
//! Timings vary with the machine; compare the ratios measured in one run.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};
use tui_term::vt100;

struct Run {
    _master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    screen: Arc<Mutex<vt100::Parser>>,
    bytes: Arc<AtomicUsize>,
    seen: Arc<Seen>,
    _state: tempfile::TempDir,
}

/// What the reader thread saw on the drawn screen, updated as each chunk of
/// output is parsed: how often `MARK` shows and a digest of the whole screen,
/// each with when it last changed.
struct Seen {
    marks: AtomicUsize,
    marks_at: Mutex<Instant>,
    digest: AtomicUsize,
    digest_at: Mutex<Instant>,
}

/// The character typed in the latency rows (nothing else on those screens has it).
const MARK: char = 'Z';

impl Seen {
    fn new() -> Arc<Seen> {
        Arc::new(Seen {
            marks: AtomicUsize::new(0),
            marks_at: Mutex::new(Instant::now()),
            digest: AtomicUsize::new(0),
            digest_at: Mutex::new(Instant::now()),
        })
    }

    fn update(&self, screen: &vt100::Screen) {
        use std::hash::{Hash, Hasher};
        let now = Instant::now();
        let text = screen.contents();
        let marks = text.matches(MARK).count();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut h);
        let digest = h.finish() as usize;
        if self.marks.load(Ordering::Acquire) != marks {
            *self.marks_at.lock().unwrap() = now;
            self.marks.store(marks, Ordering::Release);
        }
        if self.digest.load(Ordering::Acquire) != digest {
            *self.digest_at.lock().unwrap() = now;
            self.digest.store(digest, Ordering::Release);
        }
    }
}

/// Key-in to the drawn frame, `n` times: `press` sends a key, `shown` says
/// whether the screen shows its effect and when it first did. Pauses of
/// varying length between keys sample every phase of the frame clock.
fn latencies(
    n: usize,
    mut press: impl FnMut(usize),
    shown: impl Fn() -> Option<Instant>,
    mut after: impl FnMut(),
) -> Vec<Duration> {
    let mut out = Vec::new();
    for i in 0..n {
        let t0 = Instant::now();
        press(i);
        loop {
            if let Some(at) = shown() {
                out.push(at.saturating_duration_since(t0));
                break;
            }
            if t0.elapsed() > Duration::from_secs(5) {
                out.push(t0.elapsed());
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        after();
        std::thread::sleep(Duration::from_millis(10 + (i as u64 * 7) % 31));
    }
    out
}

/// `MARK` typed `n` times into the terminal that has the keys (a Backspace
/// after each keeps its line short): key-in until the character is drawn.
fn typing_latency(n: usize, send: &mut dyn FnMut(&[u8]), seen: &Seen) -> Vec<Duration> {
    let base = seen.marks.load(Ordering::Acquire);
    let send = std::cell::RefCell::new(send);
    latencies(
        n,
        |_| (send.borrow_mut())(&[MARK as u8]),
        || (seen.marks.load(Ordering::Acquire) > base).then(|| *seen.marks_at.lock().unwrap()),
        || {
            (send.borrow_mut())(b"\x7f");
            let t0 = Instant::now();
            while seen.marks.load(Ordering::Acquire) > base && t0.elapsed() < Duration::from_secs(5)
            {
                std::thread::sleep(Duration::from_micros(500));
            }
        },
    )
}

fn percentile(v: &[Duration], p: f64) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v.get(((v.len() as f64 - 1.0) * p).round() as usize)
        .copied()
        .unwrap_or_default()
}

/// A PTY of `rows` x `cols` whose output is parsed into `screen` (answering
/// cursor position queries) and watched by `seen`.
fn parse_into(
    mut reader: Box<dyn Read + Send>,
    mut answer: Option<Box<dyn Write + Send>>,
    screen: Arc<Mutex<vt100::Parser>>,
    bytes: Arc<AtomicUsize>,
    seen: Arc<Seen>,
) {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            bytes.fetch_add(n, Ordering::Relaxed);
            let mut p = screen.lock().unwrap();
            p.process(&buf[..n]);
            if buf[..n].windows(4).any(|w| w == b"\x1b[6n") {
                let (r, c) = p.screen().cursor_position();
                if let Some(w) = answer.as_mut() {
                    let _ = write!(w, "\x1b[{};{}R", r + 1, c + 1);
                }
            }
            seen.update(p.screen());
        }
    });
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn lectern_bin() -> PathBuf {
    let status = Command::new("cargo")
        .args(["build", "--release", "--quiet"])
        .current_dir(root())
        .status()
        .unwrap();
    assert!(status.success());
    root().join("target/release/lectern")
}

fn start(bin: &Path, workshop: &Path) -> Run {
    start_with(bin, workshop, &[])
}

fn start_with(bin: &Path, workshop: &Path, args: &[&str]) -> Run {
    let state = tempfile::tempdir().unwrap();
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 140,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(bin);
    cmd.arg(workshop);
    cmd.arg("--restart");
    cmd.args(args);
    cmd.env("XDG_STATE_HOME", state.path());
    cmd.env("SHELL", "/bin/bash");
    cmd.env("LECTERN_NO_USER_RC", "1");
    cmd.env("TERM", "xterm-256color");
    let child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let screen = Arc::new(Mutex::new(vt100::Parser::new(40, 140, 0)));
    let bytes = Arc::new(AtomicUsize::new(0));
    let seen = Seen::new();
    let writer = pair.master.take_writer().unwrap();
    parse_into(
        pair.master.try_clone_reader().unwrap(),
        pair.master.take_writer().ok(),
        screen.clone(),
        bytes.clone(),
        seen.clone(),
    );
    Run {
        _master: pair.master,
        writer,
        child,
        screen,
        bytes,
        seen,
        _state: state,
    }
}

impl Run {
    fn wait(&self, text: &str, limit: Duration) -> Duration {
        let t0 = Instant::now();
        loop {
            if self
                .screen
                .lock()
                .unwrap()
                .screen()
                .contents()
                .contains(text)
            {
                return t0.elapsed();
            }
            assert!(
                t0.elapsed() < limit,
                "never saw {text:?} on:\n{}",
                self.screen.lock().unwrap().screen().contents()
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn send(&mut self, b: &[u8]) {
        self.writer.write_all(b).unwrap();
        self.writer.flush().unwrap();
    }

    /// The process that runs the app: lectern starts itself again as a
    /// child (the one started stays to clean up), so that child when there is one.
    fn pid(&self) -> i32 {
        let pid = self.child.process_id().unwrap() as i32;
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|c| c.parse::<i32>().ok())
            .find(|c| {
                std::fs::read_to_string(format!("/proc/{c}/comm"))
                    .is_ok_and(|n| n.trim() == "lectern")
            })
            .unwrap_or(pid)
    }

    fn quit(mut self) {
        self.send(b"q");
        std::thread::sleep(Duration::from_millis(300));
        self.send(b"y");
        let _ = self.child.wait();
    }
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: i32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = &stat[stat.rfind(')').map_or(0, |i| i + 2)..];
    let f: Vec<&str> = after.split_whitespace().collect();
    f.get(11).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)
}

fn rss_kib(pid: i32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// `seq` in a tmux pane like lectern's (about 76x18, 10,000 lines of history),
/// with a client attached and drawing, as lectern draws; until the command is done.
fn tmux_seq() -> Option<Duration> {
    if Command::new("tmux").arg("-V").output().is_err() {
        return None;
    }
    let sock = format!("lectern-bench-{}", std::process::id());
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(["-L", &sock, "-f", "/dev/null"])
            .args(args)
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    tmux(&[
        "new-session",
        "-d",
        "-x",
        "76",
        "-y",
        "19",
        "bash --norc --noprofile",
    ]);
    tmux(&["set-option", "-g", "history-limit", "10000"]);
    tmux(&["set-option", "-g", "status", "off"]);
    // Panes created before the option keep the old limit: start a fresh window.
    tmux(&["new-window", "-k", "-t", "0", "bash --norc --noprofile"]);
    // An attached client, drawing into a PTY that something reads and parses.
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 19,
            cols: 76,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new("tmux");
    cmd.args(["-L", &sock, "attach"]);
    cmd.env("TERM", "xterm-256color");
    let mut client = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    std::thread::spawn(move || {
        let mut p = vt100::Parser::new(19, 76, 0);
        let mut buf = vec![0u8; 1 << 16];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            p.process(&buf[..n]);
        }
    });
    std::thread::sleep(Duration::from_millis(500));
    let t0 = Instant::now();
    tmux(&[
        "send-keys",
        "seq 1 5000000; tmux -L ",
        &sock,
        " wait-for -S done",
        "Enter",
    ]);
    tmux(&["wait-for", "done"]);
    let took = t0.elapsed();
    tmux(&["kill-server"]);
    let _ = client.wait();
    Some(took)
}

/// A one-page workshop in a temporary directory.
fn workshop(page: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let w = d.path().join("workshop");
    std::fs::create_dir_all(w.join("content")).unwrap();
    std::fs::write(
        w.join("workshop.yaml"),
        "name: bench\nmodules:\n  activate:\n  - page\n",
    )
    .unwrap();
    std::fs::write(
        w.join("modules.yaml"),
        "modules:\n  page:\n    name: Page\n",
    )
    .unwrap();
    std::fs::write(w.join("content/page.md"), page).unwrap();
    d
}

/// Cards running `command` in terminals 1 to 4 when the page opens.
fn four_running(command: &str) -> String {
    (1..=4)
        .map(|n| {
            format!("```terminal:execute\ncommand: {command}\nsession: \"{n}\"\nautostart: true\n```\n\n")
        })
        .collect()
}

/// A tmux server of its own (no configuration, no status line, 10,000 lines
/// of history) with one window of `panes` panes, stacked, 140x40.
struct Tmux {
    sock: String,
}

impl Tmux {
    fn start(panes: usize) -> Option<Tmux> {
        Command::new("tmux").arg("-V").output().ok()?;
        let t = Tmux {
            sock: format!("lectern-bench-{}-{panes}", std::process::id()),
        };
        let shell = "bash --norc --noprofile";
        t.run(&["new-session", "-d", "-x", "140", "-y", "40", shell]);
        t.run(&["set-option", "-g", "history-limit", "10000"]);
        t.run(&["set-option", "-g", "status", "off"]);
        // Panes created before the option keep the old limit: a fresh window.
        t.run(&["new-window", "-k", "-t", "0", shell]);
        for _ in 1..panes {
            t.run(&["split-window", "-v", "-t", "0", shell]);
            t.run(&["select-layout", "-t", "0", "even-vertical"]);
        }
        Some(t)
    }

    fn run(&self, args: &[&str]) -> bool {
        Command::new("tmux")
            .args(["-L", &self.sock, "-f", "/dev/null"])
            .args(args)
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }

    fn out(&self, args: &[&str]) -> String {
        Command::new("tmux")
            .args(["-L", &self.sock, "-f", "/dev/null"])
            .args(args)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    }

    /// A client attached in a 140x40 PTY whose output is parsed and watched.
    fn attach(&self) -> Run {
        let state = tempfile::tempdir().unwrap();
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 40,
                cols: 140,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new("tmux");
        cmd.args(["-L", &self.sock, "attach"]);
        cmd.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(40, 140, 0)));
        let bytes = Arc::new(AtomicUsize::new(0));
        let seen = Seen::new();
        parse_into(
            pair.master.try_clone_reader().unwrap(),
            None,
            screen.clone(),
            bytes.clone(),
            seen.clone(),
        );
        Run {
            writer: pair.master.take_writer().unwrap(),
            _master: pair.master,
            child,
            screen,
            bytes,
            seen,
            _state: state,
        }
    }

    fn stop(self, client: Option<Run>) {
        self.run(&["kill-server"]);
        if let Some(mut c) = client {
            let _ = c.child.wait();
        }
    }
}

/// The flood each busy terminal runs in the key latency rows.
const FLOOD: &str = "seq 1 999999999";
const KEYS: usize = 200;

/// Key latency in tmux: four panes flooding, keys typed into the fifth.
fn tmux_keys() -> Option<Vec<Duration>> {
    let t = Tmux::start(5)?;
    for p in 0..4 {
        t.run(&["send-keys", "-t", &format!("0.{p}"), FLOOD, "Enter"]);
    }
    t.run(&["select-pane", "-t", "0.4"]);
    let mut c = t.attach();
    std::thread::sleep(Duration::from_secs(2));
    let seen = c.seen.clone();
    let got = typing_latency(KEYS, &mut |b| c.send(b), &seen);
    t.stop(Some(c));
    Some(got)
}

/// tmux's server after four panes each printed 20,000 lines (10,000 kept).
fn tmux_rss_history() -> Option<u64> {
    let t = Tmux::start(4)?;
    for p in 0..4 {
        let cmd = format!("seq 1 20000; tmux -L {} wait-for -S done{p}", t.sock);
        t.run(&["send-keys", "-t", &format!("0.{p}"), &cmd, "Enter"]);
    }
    for p in 0..4 {
        t.run(&["wait-for", &format!("done{p}")]);
    }
    std::thread::sleep(Duration::from_millis(500));
    let pid: i32 = t.out(&["display-message", "-p", "#{pid}"]).parse().ok()?;
    let rss = rss_kib(pid);
    t.stop(None);
    Some(rss)
}

/// Whether to run row group `name`: all of them unless `LECTERN_BENCH` lists
/// some (comma-separated: flood, start, memory, history, keys, listing).
fn want(name: &str) -> bool {
    std::env::var("LECTERN_BENCH")
        .map(|v| v.split(',').any(|w| w.trim() == name))
        .unwrap_or(true)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A row with lectern's figure, tmux's and their ratio when tmux was measured.
fn row(what: &str, ours: f64, theirs: Option<f64>, unit: &str) {
    match theirs {
        Some(t) if t > 0.0 => println!(
            "{what:<52} {ours:>10.1} {unit:<4} {t:>10.1} {unit:<4} {:>7.2} x",
            ours / t
        ),
        _ => println!("{what:<52} {ours:>10.1} {unit:<4} {:>15} {:>9}", "–", "–"),
    }
}

fn main() {
    // `cargo test --all-targets` runs this binary too, without `--bench`:
    // benchmarks are not tests, so there is nothing to do then.
    if !std::env::args().any(|a| a == "--bench") {
        println!("terminal benchmarks: run them with `cargo bench --bench terminal`");
        return;
    }
    let bin = lectern_bin();
    let bench = root().join("tests/fixtures/bench");
    println!(
        "lectern terminal benchmarks ({} cores; a noisy machine moves single runs, so floods are the median of 3)\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<52} {:>15} {:>15} {:>9}",
        "measure", "lectern", "tmux", "ratio"
    );

    // 1. Throughput: lectern pane (card shows exit 0) vs tmux pane, 3 runs each, interleaved.
    if want("flood") {
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        let mut bare = Vec::new();
        for _ in 0..3 {
            let mut r = start(&bin, &bench);
            r.wait("root@", Duration::from_secs(20));
            let t0 = Instant::now();
            r.send(b"\r");
            r.wait("exit 0", Duration::from_secs(300));
            ours.push(t0.elapsed());
            r.quit();
            if let Some(t) = tmux_seq() {
                theirs.push(t);
            }
            // The PTY alone: `script` copies it to /dev/null, parsing nothing.
            let t0 = Instant::now();
            let ok = Command::new("script")
                .args(["-q", "/dev/null", "-c", "seq 1 5000000"])
                .stdout(std::process::Stdio::null())
                .stdin(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                bare.push(t0.elapsed());
            }
        }
        let baseline = {
            let t0 = Instant::now();
            Command::new("sh")
                .args(["-c", "seq 1 5000000 > /dev/null"])
                .status()
                .unwrap();
            t0.elapsed()
        };
        row(
            "seq 1 5000000 in a pane, until done (median of 3)",
            median(ours).as_secs_f64(),
            (!theirs.is_empty()).then(|| median(theirs).as_secs_f64()),
            "s",
        );
        if !bare.is_empty() {
            row(
                "the same through a bare PTY, nothing parsed (median of 3)",
                median(bare).as_secs_f64(),
                None,
                "s",
            );
        }
        row(
            "seq 1 5000000 > /dev/null (no terminal)",
            baseline.as_secs_f64(),
            None,
            "s",
        );
    }

    // 2. Start to first complete frame (the status line is drawn last), bundled workshop.
    if want("start") {
        let mut firsts = Vec::new();
        let mut idle = None;
        for _ in 0..5 {
            let t0 = Instant::now();
            // Trusted: its set-up scripts run and its terminals open unasked.
            let r = start_with(&bin, &root(), &["--trust"]);
            r.wait("Instrumenting a Python web app │", Duration::from_secs(20));
            firsts.push(t0.elapsed());
            // 3. (first run only) idle CPU and drawing once everything has settled.
            if firsts.len() == 1 {
                r.wait("root@", Duration::from_secs(180));
                std::thread::sleep(Duration::from_secs(3));
                let (c0, b0, w0) = (
                    cpu_ticks(r.pid()),
                    r.bytes.load(Ordering::Relaxed),
                    Instant::now(),
                );
                std::thread::sleep(Duration::from_secs(10));
                let ticks = cpu_ticks(r.pid()) - c0;
                let hz = 100.0;
                let cpu = ticks as f64 / hz / w0.elapsed().as_secs_f64() * 100.0;
                let drawn = r.bytes.load(Ordering::Relaxed) - b0;
                idle = Some((cpu, drawn));
            }
            r.quit();
        }
        row(
            "start to first frame, bundled workshop (median of 5)",
            ms(median(firsts)),
            None,
            "ms",
        );
        if let Some((cpu, drawn)) = idle {
            row("CPU while idle, 10 s, terminals open", cpu, None, "%");
            row("bytes drawn while idle, 10 s", drawn as f64, None, "B");
        }
    }

    // 4. Memory after 100 MB through one pane.
    if want("memory") {
        let mut r = start(&bin, &bench);
        r.wait("root@", Duration::from_secs(20));
        let before = rss_kib(r.pid());
        r.send(b"\t\r");
        r.wait("exit 0", Duration::from_secs(600));
        std::thread::sleep(Duration::from_millis(500));
        let after = rss_kib(r.pid());
        row("RSS before the flood", before as f64 / 1024.0, None, "MiB");
        row(
            "RSS after 100 MB of output (10,000 lines kept)",
            after as f64 / 1024.0,
            None,
            "MiB",
        );
        r.quit();
    }

    // 5. Memory with four terminals each holding 10,000 lines of history.
    if want("history") {
        let page = four_running("seq 1 20000");
        let ws = workshop(&format!("Four terminals.\n\n{page}"));
        let r = start_with(&bin, ws.path(), &["--trust"]);
        let t0 = Instant::now();
        while r
            .screen
            .lock()
            .unwrap()
            .screen()
            .contents()
            .matches("exit 0")
            .count()
            < 4
        {
            assert!(
                t0.elapsed() < Duration::from_secs(120),
                "the four commands never ended"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(500));
        let ours = rss_kib(r.pid());
        r.quit();
        row(
            "RSS, 4 terminals each with 10,000 lines of history",
            ours as f64 / 1024.0,
            tmux_rss_history().map(|k| k as f64 / 1024.0),
            "MiB",
        );
    }

    // 6. Key latency: four terminals flooding, keys typed into a fifth.
    if want("keys") {
        let page = format!(
            "Four floods and an idle terminal.\n\n{}```terminal:select\nsession: \"5\"\nautostart: true\n```\n",
            four_running(FLOOD)
        );
        let ws = workshop(&page);
        let mut r = start_with(&bin, ws.path(), &["--trust"]);
        r.wait("Terminal 5", Duration::from_secs(20));
        std::thread::sleep(Duration::from_secs(3));
        let seen = r.seen.clone();
        let ours = typing_latency(KEYS, &mut |b| r.send(b), &seen);
        r.send(b"\x1d");
        r.quit();
        let theirs = tmux_keys();
        for (what, p) in [("p50", 0.5), ("p99", 0.99)] {
            row(
                &format!("key to drawn echo, 4 panes flooding, {what} of {KEYS}"),
                ms(percentile(&ours, p)),
                theirs.as_ref().map(|t| ms(percentile(t, p))),
                "ms",
            );
        }
    }

    // 7. Keys on a page with a 100,000-line code block: each scrolls the lesson.
    if want("listing") {
        let block: String = (1..=100_000)
            .map(|n| format!("print(\"line {n:06}\")\n"))
            .collect();
        let ws = workshop(&format!("A long listing.\n\n```python\n{block}```\n"));
        let mut r = start_with(&bin, ws.path(), &["--trust"]);
        r.wait("line 000001", Duration::from_secs(60));
        std::thread::sleep(Duration::from_secs(3));
        let seen = r.seen.clone();
        let last = std::cell::Cell::new(seen.digest.load(Ordering::Acquire));
        let got = latencies(
            KEYS,
            |i| r.send(if i % 4 == 3 { b"k" } else { b"j" }),
            || {
                let d = seen.digest.load(Ordering::Acquire);
                (d != last.get()).then(|| *seen.digest_at.lock().unwrap())
            },
            || {
                std::thread::sleep(Duration::from_millis(5));
                last.set(seen.digest.load(Ordering::Acquire));
            },
        );
        r.quit();
        for (what, p) in [("p50", 0.5), ("p99", 0.99)] {
            row(
                &format!("key to drawn scroll, 100,000-line code block, {what}"),
                ms(percentile(&got, p)),
                None,
                "ms",
            );
        }
    }
}
