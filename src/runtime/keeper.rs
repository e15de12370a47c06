//! Nothing lectern starts outlives it, however it ends.
//!
//! `protect()` splits lectern in two before anything else runs: the parent
//! (the keeper) becomes a child subreaper and waits; the child goes on to be
//! lectern. Every process lectern starts is a descendant of the keeper, and
//! one that leaves its session or double-forks is re-parented to the keeper,
//! not to init. When lectern ends by any means (quit, a signal, a panic, a
//! stack overflow, SIGKILL), the keeper stops every descendant still there,
//! puts the terminal back as it was if lectern could not, and exits with
//! lectern's status. If the keeper itself is killed, lectern gets SIGTERM
//! (PR_SET_PDEATHSIG) and cleans up on its own.

use std::io::Write;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

/// The lectern process the keeper watches (for its signal handlers).
static CHILD: AtomicI32 = AtomicI32::new(0);

/// Signals from outside that are lectern's to handle: the keeper passes them on.
const FORWARDED: [libc::c_int; 7] = [
    libc::SIGINT,
    libc::SIGTERM,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGPIPE,
];

extern "C" fn forward(sig: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // A key press (Ctrl-C) already reached lectern, which shares the terminal's
    // process group: pass on only what was sent with kill(). A hangup is
    // always passed on: the kernel sends it to the session leader alone.
    // SAFETY: the kernel hands a valid siginfo to an SA_SIGINFO handler.
    let from_user = sig == libc::SIGHUP || unsafe { info.as_ref() }.is_none_or(|i| i.si_code <= 0);
    let child = CHILD.load(Ordering::Relaxed);
    if from_user && child > 0 {
        // SAFETY: kill(2) is async-signal-safe.
        unsafe {
            libc::kill(child, sig);
        }
    }
}

/// Split into keeper and lectern; returns in lectern. Call before any thread
/// starts. When the split is impossible, lectern runs unprotected (it still
/// cleans up after itself on every ending it can see).
pub fn protect() {
    // Skip when asked (tests of lectern's own cleanup) or already protected.
    if std::env::var_os("LECTERN_NO_KEEPER").is_some() {
        return;
    }
    let saved = saved_termios();
    // SAFETY: no other thread exists yet; fork duplicates only this one.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return;
    }
    if pid == 0 {
        // SAFETY: prctl with these arguments only sets flags on this process.
        unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM, 0, 0, 0);
            // Orphans come to lectern too, for when the keeper is gone.
            libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        }
        // The keeper may have died before the flag was set.
        if unsafe { libc::getppid() } == 1 {
            std::process::exit(1);
        }
        return;
    }
    CHILD.store(pid, Ordering::Relaxed);
    let status = keep(pid, saved);
    std::process::exit(status);
}

fn saved_termios() -> Option<libc::termios> {
    // SAFETY: tcgetattr fills the struct we own; fd 0 may not be a terminal.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    (unsafe { libc::tcgetattr(0, &mut t) } == 0).then_some(t)
}

/// The keeper's life: wait for lectern, then clean up. Returns the exit status.
fn keep(child: libc::pid_t, saved: Option<libc::termios>) -> i32 {
    // SAFETY: setting process flags and signal dispositions of this process.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        for sig in FORWARDED {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = forward as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
    let status = loop {
        let mut st = 0;
        // SAFETY: waitpid writes the status we own.
        let got = unsafe { libc::waitpid(-1, &mut st, 0) };
        if got == child {
            break st;
        }
        if got < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            // No children at all: nothing more to wait for.
            break 0;
        }
    };
    let signalled = libc::WIFSIGNALED(status);
    stop_descendants();
    if signalled {
        restore_terminal(saved);
        let sig = libc::WTERMSIG(status);
        let _ = writeln!(
            std::io::stderr(),
            "lectern ended on signal {sig}; everything it started has been stopped"
        );
        128 + sig
    } else {
        libc::WEXITSTATUS(status)
    }
}

/// Every process below this one, found through /proc's children lists.
fn descendants() -> Vec<i32> {
    let mut out = Vec::new();
    let mut todo = vec![std::process::id() as i32];
    while let Some(p) = todo.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else {
            continue;
        };
        for t in tasks.flatten() {
            let path = t.path().join("children");
            let Ok(list) = std::fs::read_to_string(path) else {
                continue;
            };
            for c in list
                .split_whitespace()
                .filter_map(|c| c.parse::<i32>().ok())
            {
                if !out.contains(&c) {
                    out.push(c);
                    todo.push(c);
                }
            }
        }
    }
    out
}

fn reap_all() {
    loop {
        let mut st = 0;
        // SAFETY: non-blocking waitpid on our own children.
        if unsafe { libc::waitpid(-1, &mut st, libc::WNOHANG) } <= 0 {
            return;
        }
    }
}

/// SIGTERM to every descendant, SIGKILL to those still there a second later.
/// Only for a process that owns all its descendants (the keeper, lectern at
/// its very end): it reaps every child.
pub fn stop_descendants() {
    let first = descendants();
    if first.is_empty() {
        return;
    }
    for p in &first {
        // SAFETY: kill(2) on pids that are our descendants.
        unsafe {
            libc::kill(*p, libc::SIGTERM);
            libc::kill(*p, libc::SIGCONT);
        }
    }
    let end = Instant::now() + Duration::from_secs(1);
    while Instant::now() < end {
        reap_all();
        if descendants().is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    for p in descendants() {
        // SAFETY: as above.
        unsafe {
            libc::kill(p, libc::SIGKILL);
        }
    }
    let end = Instant::now() + Duration::from_secs(2);
    while Instant::now() < end && !descendants().is_empty() {
        reap_all();
        std::thread::sleep(Duration::from_millis(20));
    }
    reap_all();
}

/// What lectern's own exit would have done to the terminal: line mode back,
/// main screen, cursor shown, mouse and paste modes off.
fn restore_terminal(saved: Option<libc::termios>) {
    if let Some(t) = saved {
        // SAFETY: tcsetattr with the attributes read at start.
        unsafe {
            libc::tcsetattr(0, libc::TCSANOW, &t);
        }
    }
    // SAFETY: isatty only inspects the descriptor.
    if unsafe { libc::isatty(1) } == 1 {
        let mut out = std::io::stdout();
        let _ = out.write_all(
            b"\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[?1049l\x1b[?25h\r\n",
        );
        let _ = out.flush();
    }
}
