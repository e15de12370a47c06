//! Servers a workshop needs (workshop/lectern.yaml `services`): started when the
//! workshop starts, each in its own session with its output in a log file,
//! checked for readiness with a deadline, stopped with everything else. A
//! service that fails is reported with its log; it never holds lectern up.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use super::{http, procs, Event};
use crate::workshop::lectern_config::{AfterStep, ServiceSpec};

#[derive(Debug, Clone, PartialEq)]
pub enum ServiceState {
    Starting,
    Ready,
    /// Something already answered on the ready URL: that is used, not started.
    External,
    Failed(String),
    /// A compose service whose image only a container engine runs (the image).
    NeedsEngine(String),
    Stopped,
}

#[derive(Debug, Clone)]
pub struct ServiceProgress {
    pub index: usize,
    pub state: ServiceState,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub spec: ServiceSpec,
    pub state: ServiceState,
    pub log: PathBuf,
}

#[derive(Debug, Default)]
pub struct Services {
    pub list: Vec<Service>,
    children: Arc<Mutex<Vec<(i32, Child)>>>,
    stop: Arc<AtomicBool>,
}

impl Services {
    pub fn apply(&mut self, p: &ServiceProgress) {
        if let Some(s) = self.list.get_mut(p.index) {
            s.state = p.state.clone();
        }
    }

    pub fn all_settled(&self) -> bool {
        !self.list.iter().any(|s| s.state == ServiceState::Starting)
    }

    /// A line for the status bar while something starts or failed.
    pub fn summary(&self) -> Option<String> {
        let starting: Vec<&str> = self
            .list
            .iter()
            .filter(|s| s.state == ServiceState::Starting)
            .map(|s| s.spec.title.as_str())
            .collect();
        if !starting.is_empty() {
            return Some(format!("starting {}…", starting.join(", ")));
        }
        let failed: Vec<&str> = self
            .list
            .iter()
            .filter(|s| {
                matches!(
                    s.state,
                    ServiceState::Failed(_) | ServiceState::NeedsEngine(_)
                )
            })
            .map(|s| s.spec.title.as_str())
            .collect();
        (!failed.is_empty()).then(|| format!("{} failed to start (L shows why)", failed.join(", ")))
    }

    /// What a page that needs services should say when one is not there.
    pub fn page_notice(&self, page: &str) -> Option<String> {
        self.list.iter().find_map(|s| {
            let needed = s.spec.pages.iter().any(|p| p == page);
            match (&s.state, needed) {
                (ServiceState::Failed(why), true) => Some(format!(
                    "this page needs {}, which failed to start: {why}",
                    s.spec.title
                )),
                (ServiceState::NeedsEngine(image), true) => Some(format!(
                    "this page needs {}, which needs a container engine: {image}",
                    s.spec.title
                )),
                (ServiceState::Starting, true) => Some(format!(
                    "this page needs {}, which is still starting",
                    s.spec.title
                )),
                _ => None,
            }
        })
    }

    /// Stop every service this lectern started, and wait for them.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Release);
        let children =
            std::mem::take(&mut *self.children.lock().unwrap_or_else(|e| e.into_inner()));
        for (pid, mut child) in children {
            procs::kill_session(pid, Duration::from_secs(3));
            let _ = child.wait();
            procs::unregister_session(pid);
        }
        for s in &mut self.list {
            if matches!(s.state, ServiceState::Ready | ServiceState::Starting) {
                s.state = ServiceState::Stopped;
            }
        }
    }
}

impl Drop for Services {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Start every service on its own thread; progress arrives as `Event::Service`.
pub fn start(
    specs: &[ServiceSpec],
    state_dir: &Path,
    tx: UnboundedSender<Event>,
    sandbox: Option<super::sandbox::Sandbox>,
    env: Vec<(String, String)>,
) -> Services {
    let env = Arc::new(env);
    let children: Arc<Mutex<Vec<(i32, Child)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut list = Vec::new();
    for (index, spec) in specs.iter().enumerate() {
        let dir = state_dir.join(&spec.name);
        let log = dir.join("service.log");
        list.push(Service {
            spec: spec.clone(),
            state: ServiceState::Starting,
            log: log.clone(),
        });
        let (spec, tx, children, stop) = (spec.clone(), tx.clone(), children.clone(), stop.clone());
        let (sandbox, env) = (sandbox.clone(), env.clone());
        let _ = std::thread::Builder::new()
            .name(format!("service-{}", spec.name))
            .spawn(move || {
                let state = super::guard::run("starting a service", || {
                    run(&spec, &dir, &log, &children, &stop, sandbox.as_ref(), &env)
                })
                .unwrap_or_else(ServiceState::Failed);
                let _ = tx.send(Event::Service(ServiceProgress { index, state }));
            });
    }
    Services {
        list,
        children,
        stop,
    }
}

fn fill(text: &str, dir: &Path) -> String {
    let d = dir.to_string_lossy();
    text.replace("{{ service_dir }}", &d)
        .replace("{{service_dir}}", &d)
}

fn last_lines(log: &Path, n: usize) -> String {
    let text = super::tail::of_file(log, 16 * 1024);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}

fn run(
    spec: &ServiceSpec,
    dir: &Path,
    log: &Path,
    children: &Mutex<Vec<(i32, Child)>>,
    stop: &AtomicBool,
    sandbox: Option<&super::sandbox::Sandbox>,
    env: &[(String, String)],
) -> ServiceState {
    if let Some(image) = &spec.needs_engine {
        return ServiceState::NeedsEngine(image.clone());
    }
    if let Some(url) = &spec.ready {
        if http::is_up(url) {
            return ServiceState::External;
        }
    }
    let command = fill(&spec.command, dir);
    let program = command.split_whitespace().next().unwrap_or("");
    if !program_exists(program) {
        let how = spec
            .install
            .as_deref()
            .map(|i| format!("; install it with `{i}`"))
            .unwrap_or_default();
        return ServiceState::Failed(format!("`{program}` is not installed{how}"));
    }
    if let Err(e) = std::fs::create_dir_all(dir) {
        return ServiceState::Failed(format!("cannot create {}: {e}", dir.display()));
    }
    for (name, content) in &spec.files {
        let path = match crate::paths::within(dir, name) {
            Ok(p) => p,
            Err(e) => return ServiceState::Failed(format!("file {e}")),
        };
        if let Err(e) = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| super::store::write_atomic(&path, fill(content, dir).as_bytes()))
        {
            return ServiceState::Failed(format!("cannot write {name}: {e}"));
        }
    }
    let (out, err) = match std::fs::File::create(log).and_then(|f| Ok((f.try_clone()?, f))) {
        Ok(p) => p,
        Err(e) => return ServiceState::Failed(format!("cannot write {}: {e}", log.display())),
    };
    let argv = [
        "/bin/sh".to_string(),
        "-c".into(),
        format!("exec {command}"),
    ];
    let mut cmd = match sandbox {
        Some(sb) if spec.own_pid_namespace => {
            let full = sb.wrap_as_init(&argv, dir);
            let mut c = std::process::Command::new(&full[0]);
            c.args(&full[1..]).current_dir(dir);
            c
        }
        _ => super::sandbox::command(sandbox, &argv, dir),
    };
    // Session variables reach supervisor programs and services as they do terminals.
    cmd.envs(env.iter().cloned());
    cmd.stdin(Stdio::null()).stdout(out).stderr(err);
    // SAFETY: setsid() is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return ServiceState::Failed(format!("cannot start `{program}`: {e}")),
    };
    let pid = child.id() as i32;
    procs::register_session(pid);
    children
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((pid, child));

    let deadline = Instant::now() + spec.timeout;
    if let Some(url) = &spec.ready {
        loop {
            if stop.load(Ordering::Acquire) {
                return ServiceState::Stopped;
            }
            if http::is_up(url) {
                break;
            }
            if !procs::alive(pid) {
                return ServiceState::Failed(format!("`{program}` exited: {}", last_lines(log, 3)));
            }
            if Instant::now() > deadline {
                return ServiceState::Failed(format!(
                    "not ready after {}s: {}",
                    spec.timeout.as_secs(),
                    last_lines(log, 3)
                ));
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }
    for step in &spec.after {
        let result = match step {
            AfterStep::Post { url, form } => {
                // Said without its query, which may hold credentials.
                let url_said = url.split('?').next().unwrap_or(url);
                match http::post_form(url, form, Duration::from_secs(10)) {
                    Ok((s, _)) if (200..300).contains(&s) => Ok(()),
                    Ok((s, body)) => Err(format!("POST {url_said} answered {s}: {}", body.trim())),
                    Err(e) => Err(format!("POST {url_said}: {e}")),
                }
            }
            AfterStep::Run(c) => match super::sandbox::command(
                sandbox,
                &["/bin/sh".to_string(), "-c".into(), fill(c, dir)],
                dir,
            )
            .envs(env.iter().cloned())
            .status()
            {
                Ok(s) if s.success() => Ok(()),
                Ok(s) => Err(format!("`{c}` failed ({s})")),
                Err(e) => Err(format!("`{c}`: {e}")),
            },
        };
        if let Err(e) = result {
            return ServiceState::Failed(e);
        }
    }
    ServiceState::Ready
}

fn program_exists(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}
