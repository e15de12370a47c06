//! `workshop/setup.d/*.sh`: run once when the workshop starts, one after the
//! other, each in its own session (so it can be stopped with everything it
//! started), output kept in a log file. A failing script is reported, not fatal.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use super::{procs, Event};

#[derive(Debug, Clone, PartialEq)]
pub enum ScriptState {
    Waiting,
    Running,
    Succeeded(Duration),
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct Progress {
    pub index: usize,
    pub state: ScriptState,
}

#[derive(Debug, Clone)]
pub struct Script {
    pub name: String,
    pub path: PathBuf,
    pub log: PathBuf,
    pub state: ScriptState,
}

#[derive(Debug, Default)]
pub struct SetupState {
    pub scripts: Vec<Script>,
    stop: Arc<AtomicBool>,
}

impl SetupState {
    pub fn apply(&mut self, p: &Progress) {
        if let Some(s) = self.scripts.get_mut(p.index) {
            s.state = p.state.clone();
        }
    }

    pub fn done(&self) -> bool {
        self.scripts
            .iter()
            .all(|s| matches!(s.state, ScriptState::Succeeded(_) | ScriptState::Failed(_)))
    }

    pub fn failed(&self) -> impl Iterator<Item = &Script> {
        self.scripts
            .iter()
            .filter(|s| matches!(s.state, ScriptState::Failed(_)))
    }

    /// One line for the status bar, while something is going on or went wrong.
    pub fn summary(&self) -> Option<String> {
        if self.scripts.is_empty() {
            return None;
        }
        if let Some((i, s)) = self
            .scripts
            .iter()
            .enumerate()
            .find(|(_, s)| s.state == ScriptState::Running)
        {
            return Some(format!(
                "setup {}/{}: {}…",
                i + 1,
                self.scripts.len(),
                s.name
            ));
        }
        let failed: Vec<&str> = self.failed().map(|s| s.name.as_str()).collect();
        if !failed.is_empty() {
            return Some(format!(
                "setup failed: {} (L shows the log)",
                failed.join(", ")
            ));
        }
        None
    }

    pub fn stop(&self) {
        self.stop.store(true, Ordering::Release);
    }
}

/// The setup scripts of a workshop, in name order.
pub fn scripts(workshop_dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(workshop_dir.join("setup.d"))
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "sh"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Start running `paths` in the background; progress arrives as `Event::Setup`.
pub fn start(
    paths: Vec<PathBuf>,
    cwd: PathBuf,
    env: Vec<(String, String)>,
    log_dir: PathBuf,
    tx: UnboundedSender<Event>,
    sandbox: Option<super::sandbox::Sandbox>,
) -> SetupState {
    let _ = std::fs::create_dir_all(&log_dir);
    let scripts: Vec<Script> = paths
        .iter()
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Script {
                log: log_dir.join(format!("{name}.log")),
                name,
                path: p.clone(),
                state: ScriptState::Waiting,
            }
        })
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let state = SetupState {
        scripts: scripts.clone(),
        stop: stop.clone(),
    };
    if scripts.is_empty() {
        return state;
    }
    let _ = std::thread::Builder::new()
        .name("setup".into())
        .spawn(move || {
            for (index, s) in scripts.iter().enumerate() {
                if stop.load(Ordering::Acquire) {
                    break;
                }
                let _ = tx.send(Event::Setup(Progress {
                    index,
                    state: ScriptState::Running,
                }));
                let result = super::guard::run("running a setup script", || {
                    run_one(s, &cwd, &env, &stop, sandbox.as_ref())
                })
                .unwrap_or_else(ScriptState::Failed);
                let _ = tx.send(Event::Setup(Progress {
                    index,
                    state: result,
                }));
            }
        });
    state
}

fn run_one(
    s: &Script,
    cwd: &Path,
    env: &[(String, String)],
    stop: &AtomicBool,
    sandbox: Option<&super::sandbox::Sandbox>,
) -> ScriptState {
    let started = Instant::now();
    let log = match std::fs::File::create(&s.log) {
        Ok(f) => f,
        Err(e) => return ScriptState::Failed(format!("cannot write {}: {e}", s.log.display())),
    };
    let err = match log.try_clone() {
        Ok(f) => f,
        Err(e) => return ScriptState::Failed(e.to_string()),
    };
    let argv = [
        "/bin/bash".to_string(),
        s.path.to_string_lossy().into_owned(),
    ];
    let mut cmd = super::sandbox::command(sandbox, &argv, cwd);
    cmd.envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err);
    // SAFETY: setsid() is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return ScriptState::Failed(format!("cannot start: {e}")),
    };
    let pid = child.id() as i32;
    procs::register_session(pid);
    let status = loop {
        if stop.load(Ordering::Acquire) {
            procs::kill_session(pid, Duration::from_millis(500));
            let _ = child.wait();
            procs::unregister_session(pid);
            return ScriptState::Failed("stopped".into());
        }
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => break break_err(e),
        }
    };
    // Anything the script left running in its session goes now.
    procs::kill_session(pid, Duration::from_millis(200));
    procs::unregister_session(pid);
    if status.success() {
        ScriptState::Succeeded(started.elapsed())
    } else {
        ScriptState::Failed(match status.code() {
            Some(c) => format!("exit {c}"),
            None => "killed by a signal".into(),
        })
    }
}

/// `NAME=VALUE` lines (an `export ` before them allowed) of a WORKSHOP_ENV file.
pub fn workshop_env(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l.strip_prefix("export ").unwrap_or(l).trim_start();
            let (k, v) = l.split_once('=')?;
            let valid = !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !k.starts_with(|c: char| c.is_ascii_digit());
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            valid.then(|| (k.to_string(), v.to_string()))
        })
        .collect()
}

fn break_err(e: std::io::Error) -> std::process::ExitStatus {
    use std::os::unix::process::ExitStatusExt;
    crate::say_err!("lectern: waiting for a setup script failed: {e}");
    std::process::ExitStatus::from_raw(1 << 8)
}
