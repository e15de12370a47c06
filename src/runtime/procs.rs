//! Processes lectern starts must die with it. Every terminal shell and setup
//! script leads its own session (setsid); on exit we signal every process in
//! those sessions, found through /proc, so background jobs go too.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Session ids (= leader pids) of everything lectern started. Read by the panic hook.
static SESSIONS: Mutex<Vec<i32>> = Mutex::new(Vec::new());

pub fn register_session(pid: i32) {
    if let Ok(mut s) = SESSIONS.lock() {
        s.push(pid);
    }
}

pub fn unregister_session(pid: i32) {
    if let Ok(mut s) = SESSIONS.lock() {
        s.retain(|p| *p != pid);
    }
}

/// Pids whose session id is `sid` (Linux /proc; empty elsewhere).
pub fn session_members(sid: i32) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| stat_field(*pid, 6) == Some(sid))
        .collect()
}

/// A numeric field of /proc/PID/stat (1-based as in proc(5)); fields after the
/// command name are counted from its closing parenthesis.
pub fn stat_field(pid: i32, field: usize) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    after
        .split_whitespace()
        .nth(field.checked_sub(3)?)?
        .parse()
        .ok()
}

pub fn signal(pid: i32, sig: i32) {
    // SAFETY: kill(2) with a pid and a signal number has no memory effects.
    unsafe {
        libc::kill(pid, sig);
    }
}

pub fn alive(pid: i32) -> bool {
    // A zombie still has a /proc entry but is gone for our purposes.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => !s[s.rfind(')').map_or(0, |i| i + 1)..]
            .trim_start()
            .starts_with('Z'),
        Err(_) => false,
    }
}

/// Stop every process of the session: SIGHUP + SIGTERM, then SIGKILL for those
/// still there after `grace`. Returns when all are gone or after the kill.
pub fn kill_session(sid: i32, grace: Duration) {
    let members = session_members(sid);
    for pid in &members {
        signal(*pid, libc::SIGHUP);
        signal(*pid, libc::SIGCONT);
        signal(*pid, libc::SIGTERM);
    }
    let deadline = Instant::now() + grace;
    loop {
        let left: Vec<i32> = session_members(sid)
            .into_iter()
            .filter(|p| alive(*p))
            .collect();
        if left.is_empty() {
            return;
        }
        if Instant::now() >= deadline {
            for pid in left {
                signal(pid, libc::SIGKILL);
            }
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Used by the panic hook and signal handlers: no waiting, no allocation-heavy work.
pub fn kill_all_now() {
    let sessions = SESSIONS.lock().map(|s| s.clone()).unwrap_or_default();
    for sid in sessions {
        for pid in session_members(sid) {
            signal(pid, libc::SIGKILL);
        }
    }
}

/// A process's command name (`/proc/PID/comm`).
pub fn command_name(pid: i32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The number of `read(2)` on this machine.
const SYS_READ: i64 = if cfg!(target_arch = "aarch64") { 63 } else { 0 };

/// Whether process `pid` is blocked in `read(2)` on the terminal `tty`: it
/// waits for a key (`cat`, `read`, a password prompt).
pub fn reads_from(pid: i32, tty: &std::path::Path) -> bool {
    let Ok(sys) = std::fs::read_to_string(format!("/proc/{pid}/syscall")) else {
        return false;
    };
    let mut f = sys.split_whitespace();
    let (Some(nr), Some(fd)) = (f.next(), f.next()) else {
        return false;
    };
    if nr.parse::<i64>().ok() != Some(SYS_READ) {
        return false;
    }
    let Ok(fd) = i64::from_str_radix(fd.trim_start_matches("0x"), 16) else {
        return false;
    };
    std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).is_ok_and(|p| p == tty)
}

/// Sessions one owner started (e.g. a runtime's examiner scripts), so that
/// owner can stop them all without touching another's.
#[derive(Debug, Clone, Default)]
pub struct Sessions(std::sync::Arc<Mutex<Vec<i32>>>);

impl Sessions {
    pub fn register(&self, pid: i32) {
        register_session(pid);
        if let Ok(mut s) = self.0.lock() {
            s.push(pid);
        }
    }

    pub fn unregister(&self, pid: i32) {
        unregister_session(pid);
        if let Ok(mut s) = self.0.lock() {
            s.retain(|p| *p != pid);
        }
    }

    /// SIGTERM to every process of every session, then SIGKILL after `grace`.
    pub fn kill_all(&self, grace: Duration) {
        let sessions = self.0.lock().map(|s| s.clone()).unwrap_or_default();
        for sid in sessions {
            kill_session(sid, grace);
            self.unregister(sid);
        }
    }
}
