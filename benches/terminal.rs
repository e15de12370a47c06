//! Terminal benchmarks, printed as a table (run: `cargo bench --bench terminal`).
//!
//! - `seq 1 5000000` through a lectern pane (the real binary in a PTY, card
//!   waiting for exit 0) against the same in a tmux pane, side by side;
//! - time from start to the first complete frame of the bundled workshop;
//! - CPU used while idle with its terminals open (and bytes drawn meanwhile);
//! - memory after 100 MB of output through one pane.
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
    _state: tempfile::TempDir,
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
    cmd.env("XDG_STATE_HOME", state.path());
    cmd.env("SHELL", "/bin/bash");
    cmd.env("LECTERN_NO_USER_RC", "1");
    cmd.env("TERM", "xterm-256color");
    let child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let screen = Arc::new(Mutex::new(vt100::Parser::new(40, 140, 0)));
    let bytes = Arc::new(AtomicUsize::new(0));
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    let (s, b) = (screen.clone(), bytes.clone());
    let mut answer = pair.master.take_writer().ok();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            b.fetch_add(n, Ordering::Relaxed);
            let mut p = s.lock().unwrap();
            p.process(&buf[..n]);
            if buf[..n].windows(4).any(|w| w == b"\x1b[6n") {
                let (r, c) = p.screen().cursor_position();
                if let Some(w) = answer.as_mut() {
                    let _ = write!(w, "\x1b[{};{}R", r + 1, c + 1);
                }
            }
        }
    });
    let _ = writer.flush();
    Run {
        _master: pair.master,
        writer,
        child,
        screen,
        bytes,
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
            assert!(t0.elapsed() < limit, "never saw {text:?}");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn send(&mut self, b: &[u8]) {
        self.writer.write_all(b).unwrap();
        self.writer.flush().unwrap();
    }

    fn pid(&self) -> i32 {
        self.child.process_id().unwrap() as i32
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
        "lectern terminal benchmarks ({} cores)\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    // 1. Throughput: lectern pane (card shows exit 0) vs tmux pane, 3 runs each, interleaved.
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
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
    }
    let baseline = {
        let t0 = Instant::now();
        Command::new("sh")
            .args(["-c", "seq 1 5000000 > /dev/null"])
            .status()
            .unwrap();
        t0.elapsed()
    };
    let (o, t) = (
        median(ours),
        if theirs.is_empty() {
            Duration::ZERO
        } else {
            median(theirs)
        },
    );
    println!("{:<44} {:>12}", "measure", "result");
    println!(
        "{:<44} {:>10.2} s",
        "seq 1 5000000 in a lectern pane (median of 3)",
        o.as_secs_f64()
    );
    if t > Duration::ZERO {
        println!(
            "{:<44} {:>10.2} s",
            "seq 1 5000000 in a tmux pane, attached (median of 3)",
            t.as_secs_f64()
        );
        println!(
            "{:<44} {:>10.2} x",
            "lectern / tmux",
            o.as_secs_f64() / t.as_secs_f64()
        );
    }
    println!(
        "{:<44} {:>10.2} s",
        "seq 1 5000000 > /dev/null (no terminal)",
        baseline.as_secs_f64()
    );

    // 2. Start to first complete frame (the status line is drawn last), bundled workshop.
    let mut firsts = Vec::new();
    for _ in 0..5 {
        let t0 = Instant::now();
        let r = start(&bin, &root());
        r.wait("Instrumenting a Python web app │", Duration::from_secs(20));
        firsts.push(t0.elapsed());
        // 3. (first run only) idle CPU and drawing once everything has settled.
        if firsts.len() == 1 {
            r.wait("root@", Duration::from_secs(20));
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
            println!(
                "{:<44} {:>10.2} %",
                "CPU while idle, 10 s, terminals open", cpu
            );
            println!("{:<44} {:>10} B", "bytes drawn while idle, 10 s", drawn);
        }
        r.quit();
    }
    println!(
        "{:<44} {:>10.1} ms",
        "start to first frame (median of 5)",
        median(firsts).as_secs_f64() * 1000.0
    );

    // 4. Memory after 100 MB through one pane.
    let mut r = start(&bin, &bench);
    r.wait("root@", Duration::from_secs(20));
    let before = rss_kib(r.pid());
    r.send(b"\t\r");
    r.wait("exit 0", Duration::from_secs(600));
    std::thread::sleep(Duration::from_millis(500));
    let after = rss_kib(r.pid());
    println!(
        "{:<44} {:>10.1} MiB",
        "RSS before the flood",
        before as f64 / 1024.0
    );
    println!(
        "{:<44} {:>10.1} MiB",
        "RSS after 100 MB of output (10,000 lines kept)",
        after as f64 / 1024.0
    );
    r.quit();
}
