//! What actions do: terminal sessions, command outcomes, interrupts, setup
//! scripts. Knows nothing of ratatui; the app and `lectern test` drive it alike.
//!
//! The runtime is a state machine: the driver feeds it `Event`s (from PTY reader
//! threads, through a channel) and calls `on_timer` at `next_deadline`; it answers
//! with `Update`s about action outcomes.

pub mod datasource;
pub mod editor;
pub mod edits;
pub mod examiner;
pub mod files;
pub mod grafana;
pub mod http;
pub mod procs;
pub mod services;
pub mod setup;
pub mod shell;
pub mod terminal;
pub mod yaml_edit;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use crate::action::Session;
use crate::progress::Store;
use crate::workshop::Workshop;
pub use shell::ShellKind;
pub use terminal::{Mark, ShellSpec, Terminal};

pub type TermId = usize;

/// Identifies an action: page index and action id within the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActionRef {
    pub page: usize,
    pub id: usize,
}

/// From reader threads and helpers to the driver.
#[derive(Debug, Clone)]
pub enum Event {
    Output(TermId),
    Mark(TermId, Mark),
    Exited(TermId),
    Setup(setup::Progress),
    Service(services::ServiceProgress),
    /// Fresh data for dashboard tab `tab` (its query generation, then one entry per panel).
    Dashboard(usize, u64, Vec<datasource::PanelData>),
    Examiner(ActionRef, examiner::ExamResult),
    /// Something outside the runtime changed what is drawn (e.g. highlighting is ready).
    Redraw,
}

/// What happened to an action.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Running {
        since: Instant,
    },
    /// Typed into a shell without integration: no outcome can be known.
    Sent,
    Exited {
        code: i32,
        took: Duration,
    },
    Interrupted {
        how: String,
        took: Duration,
    },
    Failed(String),
    /// Finished, with a note (copy actions and the like).
    Done(String),
}

impl Outcome {
    pub fn is_success(&self) -> bool {
        matches!(
            self,
            Outcome::Exited { code: 0, .. } | Outcome::Done(_) | Outcome::Sent
        )
    }

    pub fn is_running(&self) -> bool {
        matches!(self, Outcome::Running { .. })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    Action(ActionRef, Outcome),
    TerminalExited(TermId),
    /// Something the user should read in the status line.
    Notice(String),
}

/// A command typed for an action, waiting for its OSC 133 marks.
#[derive(Debug)]
struct Pending {
    action: ActionRef,
    started: Option<Instant>,
    sent: Instant,
    multiline: bool,
    /// For multi-line input: the last command end seen, waiting for quiet.
    settle: Option<(Instant, i32)>,
    interrupted: Option<String>,
}

/// Interrupt escalation: SIGINT, SIGTERM, SIGKILL to a foreground group that stays.
#[derive(Debug)]
struct Escalation {
    term: TermId,
    /// The foreground job that was interrupted: a later job is left alone.
    pgrp: i32,
    at: Instant,
    stage: u8,
}

pub const INTERRUPT_GRACE: Duration = Duration::from_secs(2);
const ESCALATION_STEP: Duration = Duration::from_secs(1);
/// Multi-line input counts as done when no new command starts this long after one ended.
const SETTLE: Duration = Duration::from_millis(300);

pub struct Runtime {
    pub terminals: Vec<Terminal>,
    spec: ShellSpec,
    size: (u16, u16),
    tx: UnboundedSender<Event>,
    pending: HashMap<TermId, VecDeque<Pending>>,
    escalations: Vec<Escalation>,
    pub setup: setup::SetupState,
    pub services: services::Services,
}

impl Runtime {
    pub fn new(spec: ShellSpec) -> (Runtime, UnboundedReceiver<Event>) {
        let (tx, rx) = unbounded_channel();
        (
            Runtime {
                terminals: Vec::new(),
                spec,
                size: (24, 80),
                tx,
                pending: HashMap::new(),
                escalations: Vec::new(),
                setup: setup::SetupState::default(),
                services: services::Services::default(),
            },
            rx,
        )
    }

    pub fn sender(&self) -> UnboundedSender<Event> {
        self.tx.clone()
    }

    /// Start a terminal named `name` (or return the one that exists).
    pub fn terminal(&mut self, name: &str) -> std::io::Result<TermId> {
        if let Some(t) = self.terminals.iter().find(|t| t.name == name) {
            return Ok(t.id);
        }
        let id = self.terminals.len();
        let (rows, cols) = self.size;
        let t = Terminal::spawn(id, name, &self.spec, rows, cols, self.tx.clone())?;
        self.terminals.push(t);
        Ok(id)
    }

    pub fn find(&self, name: &str) -> Option<TermId> {
        self.terminals.iter().find(|t| t.name == name).map(|t| t.id)
    }

    /// Default size for terminals started later.
    pub fn set_default_size(&mut self, rows: u16, cols: u16) {
        self.size = (rows, cols);
    }

    fn targets(&mut self, session: &Session) -> Result<Vec<TermId>, String> {
        match session {
            Session::All => Ok(self
                .terminals
                .iter()
                .filter(|t| !t.has_exited())
                .map(|t| t.id)
                .collect()),
            Session::Named(n) => self
                .terminal(n)
                .map(|id| vec![id])
                .map_err(|e| format!("cannot start terminal {n}: {e}")),
        }
    }

    /// Type `command` into the session's terminal(s), line by line.
    pub fn execute(
        &mut self,
        action: ActionRef,
        session: &Session,
        command: &str,
        clear: bool,
    ) -> Outcome {
        if crate::action::is_ctrl_c(command) {
            return self.interrupt(action, session);
        }
        let ids = match self.targets(session) {
            Ok(ids) if !ids.is_empty() => ids,
            Ok(_) => return Outcome::Failed("there are no terminals".into()),
            Err(e) => return Outcome::Failed(e),
        };
        let now = Instant::now();
        let mut tracked = false;
        let body = command.trim_end_matches('\n');
        for id in &ids {
            let t = &self.terminals[*id];
            if t.has_exited() {
                return Outcome::Failed(format!("terminal {} has exited", t.name));
            }
            if clear {
                t.clear();
            }
            let mut bytes = Vec::with_capacity(body.len() + 2);
            for line in body.split('\n') {
                bytes.extend_from_slice(line.trim_end_matches('\r').as_bytes());
                bytes.push(b'\r');
            }
            t.write(&bytes);
            // With several terminals, the outcome is that of the first one.
            if t.shell_kind != ShellKind::Other && !tracked {
                tracked = true;
                self.pending.entry(*id).or_default().push_back(Pending {
                    action,
                    started: None,
                    sent: now,
                    multiline: body.contains('\n'),
                    settle: None,
                    interrupted: None,
                });
            }
        }
        if tracked {
            Outcome::Running { since: now }
        } else {
            Outcome::Sent
        }
    }

    pub fn input(&mut self, session: &Session, text: &str, endl: bool) -> Outcome {
        match self.targets(session) {
            Ok(ids) => {
                for id in ids {
                    let mut b = text.as_bytes().to_vec();
                    if endl {
                        b.push(b'\r');
                    }
                    self.terminals[id].write(&b);
                }
                Outcome::Done("typed".into())
            }
            Err(e) => Outcome::Failed(e),
        }
    }

    pub fn clear(&mut self, session: &Session) -> Outcome {
        match self.targets(session) {
            Ok(ids) => {
                for id in ids {
                    self.terminals[id].clear();
                }
                Outcome::Done("cleared".into())
            }
            Err(e) => Outcome::Failed(e),
        }
    }

    /// Ctrl-C, then signals to a foreground job that does not stop.
    pub fn interrupt(&mut self, _action: ActionRef, session: &Session) -> Outcome {
        let ids = match self.targets(session) {
            Ok(ids) => ids,
            Err(e) => return Outcome::Failed(e),
        };
        let now = Instant::now();
        for id in ids {
            let job = self.terminals[id].foreground_job();
            self.terminals[id].write(b"\x03");
            for p in self.pending.entry(id).or_default().iter_mut() {
                p.interrupted.get_or_insert_with(|| "Ctrl-C".into());
            }
            self.escalations.retain(|e| e.term != id);
            if let Some(pgrp) = job {
                self.escalations.push(Escalation {
                    term: id,
                    pgrp,
                    at: now + INTERRUPT_GRACE,
                    stage: 0,
                });
            }
        }
        Outcome::Done("Ctrl-C sent".into())
    }

    /// `editor:open-terminal`, `send-to-terminal`, ...: VS Code's terminals,
    /// here named terminals like any other.
    pub fn editor_terminal(
        &mut self,
        action: ActionRef,
        op: &str,
        session: &str,
        text: Option<&str>,
        endl: bool,
    ) -> Outcome {
        let s = Session::Named(session.to_string());
        match op {
            "open-terminal" => match self.terminal(session) {
                Ok(_) => Outcome::Done(format!("terminal {session} ready")),
                Err(e) => Outcome::Failed(e.to_string()),
            },
            "send-to-terminal" => self.input(&s, text.unwrap_or(""), endl),
            "interrupt-terminal" => self.interrupt(action, &s),
            "clear-terminal" => self.clear(&s),
            _ => match self.find(session) {
                Some(id) => {
                    self.terminals[id].shutdown(Duration::from_millis(500));
                    Outcome::Done("closed".into())
                }
                None => Outcome::Done("no such terminal".into()),
            },
        }
    }

    /// Whether any terminal has a foreground job running.
    pub fn busy_terminals(&self) -> Vec<String> {
        self.terminals
            .iter()
            .filter(|t| t.foreground_job().is_some())
            .map(|t| t.name.clone())
            .collect()
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        let esc = self.escalations.iter().map(|e| e.at);
        let settle = self
            .pending
            .values()
            .flatten()
            .filter_map(|p| p.settle.map(|(at, _)| at + SETTLE));
        esc.chain(settle).min()
    }

    /// Handle an event from a reader thread.
    pub fn on_event(&mut self, ev: &Event) -> Vec<Update> {
        let mut out = Vec::new();
        match ev {
            Event::Mark(id, Mark::CommandStart) => {
                if let Some(q) = self.pending.get_mut(id) {
                    if let Some(p) = q
                        .iter_mut()
                        .find(|p| p.started.is_none() || p.settle.is_some())
                    {
                        p.settle = None;
                        p.started.get_or_insert_with(Instant::now);
                    }
                }
            }
            Event::Mark(id, Mark::CommandEnd(code)) => {
                let code = code.unwrap_or(0);
                if let Some(q) = self.pending.get_mut(id) {
                    if let Some(pos) = q.iter().position(|p| p.started.is_some()) {
                        if q[pos].multiline {
                            q[pos].settle = Some((Instant::now(), code));
                        } else if let Some(p) = q.remove(pos) {
                            out.push(Update::Action(p.action, finish(&p, code)));
                        }
                    }
                }
            }
            Event::Exited(id) => {
                if let Some(q) = self.pending.remove(id) {
                    for p in q {
                        out.push(Update::Action(
                            p.action,
                            Outcome::Failed("the terminal's shell exited".into()),
                        ));
                    }
                }
                out.push(Update::TerminalExited(*id));
            }
            Event::Setup(p) => self.setup.apply(p),
            Event::Service(p) => self.services.apply(p),
            _ => {}
        }
        out
    }

    /// Advance timers (interrupt escalation, multi-line settling).
    pub fn on_timer(&mut self, now: Instant) -> Vec<Update> {
        let mut out = Vec::new();
        for q in self.pending.values_mut() {
            while let Some(pos) = q
                .iter()
                .position(|p| p.settle.is_some_and(|(at, _)| now >= at + SETTLE))
            {
                if let Some(p) = q.remove(pos) {
                    let code = p.settle.map_or(0, |(_, c)| c);
                    out.push(Update::Action(p.action, finish(&p, code)));
                }
            }
        }
        let due: Vec<Escalation> = {
            let (due, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.escalations)
                .into_iter()
                .partition(|e| now >= e.at);
            self.escalations = keep;
            due
        };
        for e in due {
            let Some(t) = self.terminals.get(e.term) else {
                continue;
            };
            // Only the job that was interrupted, and only while it is still there.
            let pgrp = e.pgrp;
            if t.foreground_job() != Some(pgrp) {
                continue;
            }
            let (sig, how) = match e.stage {
                0 => (libc::SIGINT, "SIGINT to the job"),
                1 => (libc::SIGTERM, "SIGTERM"),
                _ => (libc::SIGKILL, "SIGKILL"),
            };
            procs::signal(-pgrp, sig);
            if sig == libc::SIGTERM || sig == libc::SIGKILL {
                procs::signal(-pgrp, libc::SIGCONT);
            }
            for p in self.pending.entry(e.term).or_default().iter_mut() {
                p.interrupted = Some(how.into());
            }
            out.push(Update::Notice(format!(
                "terminal {}: the job ignored Ctrl-C; sent {how}",
                t.name
            )));
            if e.stage < 2 {
                self.escalations.push(Escalation {
                    term: e.term,
                    pgrp,
                    at: now + ESCALATION_STEP,
                    stage: e.stage + 1,
                });
            }
        }
        out
    }

    /// Stop every terminal and setup script, and everything they started.
    pub fn shutdown(&mut self) {
        self.setup.stop();
        let grace = Duration::from_millis(500);
        for t in &mut self.terminals {
            t.shutdown(grace);
        }
        self.services.stop();
    }

    pub fn state_dir(&self) -> PathBuf {
        self.spec.rc_dir.clone()
    }
}

/// The environment of terminals and setup scripts: the user's, plus the
/// workshop variables upper-cased, plus lectern's own.
pub fn session_env(ws: &Workshop, store: &Store) -> Vec<(String, String)> {
    let mut env = ws.vars.env();
    let profile = ws.workshop_dir.join("profile");
    if profile.is_file() {
        env.push((
            "LECTERN_PROFILE".into(),
            profile.to_string_lossy().into_owned(),
        ));
    }
    env.push((
        "HISTFILE".into(),
        store
            .dir()
            .join("shell_history")
            .to_string_lossy()
            .into_owned(),
    ));
    env.push((
        "WORKSHOP_DIR".into(),
        ws.root.to_string_lossy().into_owned(),
    ));
    env
}

/// Start the runtime for a workshop: shells, then setup scripts.
/// A runtime for a workshop, with nothing started yet (cheap: the app draws
/// its first frame before `launch` starts shells, services and setup).
pub fn prepare(
    ws: &Workshop,
    store: &Store,
    rows: u16,
    cols: u16,
) -> (Runtime, tokio::sync::mpsc::UnboundedReceiver<Event>) {
    let spec = ShellSpec {
        shell: shell::user_shell(),
        cwd: ws.exercises_dir(),
        env: session_env(ws, store),
        rc_dir: store.dir().join("shell"),
        scrollback: terminal::DEFAULT_SCROLLBACK,
    };
    let (mut rt, rx) = Runtime::new(spec);
    rt.set_default_size(rows, cols);
    (rt, rx)
}

/// Start the workshop's terminals, services and setup scripts.
pub fn launch(rt: &mut Runtime, ws: &Workshop, store: &Store) -> std::io::Result<()> {
    for i in 1..=ws.terminal_count() {
        rt.terminal(&i.to_string())?;
    }
    rt.services = services::start(
        &ws.config.services,
        &store.dir().join("services"),
        rt.sender(),
    );
    let scripts = setup::scripts(&ws.workshop_dir);
    let env = rt.spec.env.clone();
    rt.setup = setup::start(
        scripts,
        ws.exercises_dir(),
        env,
        store.dir().join("setup-logs"),
        rt.sender(),
    );
    Ok(())
}

/// `prepare` and `launch` in one.
pub fn start(
    ws: &Workshop,
    store: &Store,
    rows: u16,
    cols: u16,
) -> std::io::Result<(Runtime, tokio::sync::mpsc::UnboundedReceiver<Event>)> {
    let (mut rt, rx) = prepare(ws, store, rows, cols);
    launch(&mut rt, ws, store)?;
    Ok((rt, rx))
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn finish(p: &Pending, code: i32) -> Outcome {
    let took = p.started.unwrap_or(p.sent).elapsed();
    match &p.interrupted {
        Some(how) if code != 0 => Outcome::Interrupted {
            how: how.clone(),
            took,
        },
        _ => Outcome::Exited { code, took },
    }
}
