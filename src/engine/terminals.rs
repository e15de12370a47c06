//! Commands typed into terminals for actions, and what became of them: OSC 133
//! marks give each one its exit status; interrupts escalate from Ctrl-C to
//! signals for a job that stays.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::outcome::{Detail, Outcome, Why};
use crate::action::{Expect, Session};
use crate::model::ActionRef;
use crate::runtime::{procs, Mark, Runtime, ShellKind, TermId};

/// A command typed for an action, waiting for its OSC 133 marks.
#[derive(Debug)]
struct Pending {
    action: ActionRef,
    expect: Option<Expect>,
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

/// What the terminals tell the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    Action(ActionRef, Outcome),
    TerminalExited(TermId),
    Notice(String),
}

#[derive(Debug, Default)]
pub struct Commands {
    pending: HashMap<TermId, VecDeque<Pending>>,
    escalations: Vec<Escalation>,
}

/// The terminals a session names: one (started if need be), or all that live.
pub fn targets(rt: &mut Runtime, session: &Session) -> Result<Vec<TermId>, String> {
    match session {
        Session::All => Ok(rt
            .terminals
            .iter()
            .filter(|t| !t.has_exited())
            .map(|t| t.id)
            .collect()),
        Session::Named(n) => rt
            .terminal(n)
            .map(|id| vec![id])
            .map_err(|e| format!("cannot start terminal {n}: {e}")),
    }
}

impl Commands {
    /// Type `command` into the session's terminal(s), line by line.
    pub fn execute(
        &mut self,
        rt: &mut Runtime,
        action: ActionRef,
        session: &Session,
        command: &str,
        clear: bool,
        expect: Option<Expect>,
    ) -> Outcome {
        if crate::action::is_ctrl_c(command) {
            return self.interrupt(rt, session);
        }
        let ids = match targets(rt, session) {
            Ok(ids) if !ids.is_empty() => ids,
            Ok(_) => return Outcome::failed("there are no terminals"),
            Err(e) => return Outcome::failed(e),
        };
        let now = Instant::now();
        let mut tracked = false;
        let mut untracked_shell = None;
        let body = command.trim_end_matches('\n');
        for id in &ids {
            let t = &rt.terminals[*id];
            if t.has_exited() {
                return Outcome::failed(format!("terminal {} has exited", t.name));
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
            if t.shell_kind == ShellKind::Other {
                untracked_shell.get_or_insert_with(|| rt.spec().shell.display().to_string());
            } else if !tracked {
                tracked = true;
                self.pending.entry(*id).or_default().push_back(Pending {
                    action,
                    expect,
                    started: None,
                    sent: now,
                    multiline: body.contains('\n'),
                    settle: None,
                    interrupted: None,
                });
            }
        }
        match (tracked, untracked_shell) {
            (true, _) => Outcome::Running {
                since: now,
                what: None,
            },
            (false, shell) => Outcome::NeedsPerson(Why::Unobservable {
                shell: shell.unwrap_or_else(|| "the shell".into()),
            }),
        }
    }

    /// Keys for whatever runs in the session's terminal(s).
    pub fn input(rt: &mut Runtime, session: &Session, text: &str, endl: bool) -> Outcome {
        match targets(rt, session) {
            Ok(ids) => {
                for id in ids {
                    let mut b = text.as_bytes().to_vec();
                    if endl {
                        b.push(b'\r');
                    }
                    rt.terminals[id].write(&b);
                }
                Outcome::passed("typed")
            }
            Err(e) => Outcome::failed(e),
        }
    }

    pub fn clear(rt: &mut Runtime, session: &Session) -> Outcome {
        match targets(rt, session) {
            Ok(ids) => {
                for id in ids {
                    rt.terminals[id].clear();
                }
                Outcome::passed("cleared")
            }
            Err(e) => Outcome::failed(e),
        }
    }

    /// Ctrl-C, then signals to a foreground job that does not stop.
    pub fn interrupt(&mut self, rt: &mut Runtime, session: &Session) -> Outcome {
        let ids = match targets(rt, session) {
            Ok(ids) => ids,
            Err(e) => return Outcome::failed(e),
        };
        let now = Instant::now();
        for id in ids {
            let job = rt.terminals[id].foreground_job();
            rt.terminals[id].write(b"\x03");
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
        Outcome::passed("Ctrl-C sent")
    }

    /// `editor:open-terminal`, `send-to-terminal`, ...: VS Code's terminals,
    /// here named terminals like any other.
    pub fn editor_terminal(
        &mut self,
        rt: &mut Runtime,
        op: &str,
        session: &str,
        text: Option<&str>,
        endl: bool,
    ) -> Outcome {
        let s = Session::Named(session.to_string());
        match op {
            "open-terminal" => match rt.terminal(session) {
                Ok(_) => Outcome::passed(format!("terminal {session} ready")),
                Err(e) => Outcome::failed(e.to_string()),
            },
            "send-to-terminal" => Self::input(rt, &s, text.unwrap_or(""), endl),
            "interrupt-terminal" => self.interrupt(rt, &s),
            "clear-terminal" => Self::clear(rt, &s),
            _ => match rt.find(session) {
                Some(id) => {
                    rt.terminals[id].shutdown(Duration::from_millis(500));
                    Outcome::passed("closed")
                }
                None => Outcome::passed("no such terminal"),
            },
        }
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

    pub fn on_mark(&mut self, id: TermId, mark: Mark) -> Vec<Seen> {
        let mut out = Vec::new();
        match mark {
            Mark::CommandStart => {
                if let Some(q) = self.pending.get_mut(&id) {
                    if let Some(p) = q
                        .iter_mut()
                        .find(|p| p.started.is_none() || p.settle.is_some())
                    {
                        p.settle = None;
                        p.started.get_or_insert_with(Instant::now);
                    }
                }
            }
            Mark::CommandEnd(code) => {
                let code = code.unwrap_or(0);
                if let Some(q) = self.pending.get_mut(&id) {
                    if let Some(pos) = q.iter().position(|p| p.started.is_some()) {
                        if q[pos].multiline {
                            q[pos].settle = Some((Instant::now(), code));
                        } else if let Some(p) = q.remove(pos) {
                            out.push(Seen::Action(p.action, finish(&p, code)));
                        }
                    }
                }
            }
            _ => {}
        }
        out
    }

    pub fn on_exit(&mut self, id: TermId) -> Vec<Seen> {
        let mut out = Vec::new();
        if let Some(q) = self.pending.remove(&id) {
            for p in q {
                out.push(Seen::Action(
                    p.action,
                    Outcome::failed("the terminal's shell exited"),
                ));
            }
        }
        out.push(Seen::TerminalExited(id));
        out
    }

    /// Advance timers (interrupt escalation, multi-line settling).
    pub fn on_timer(&mut self, rt: &Runtime, now: Instant) -> Vec<Seen> {
        let mut out = Vec::new();
        for q in self.pending.values_mut() {
            while let Some(pos) = q
                .iter()
                .position(|p| p.settle.is_some_and(|(at, _)| now >= at + SETTLE))
            {
                if let Some(p) = q.remove(pos) {
                    let code = p.settle.map_or(0, |(_, c)| c);
                    out.push(Seen::Action(p.action, finish(&p, code)));
                }
            }
        }
        let (due, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.escalations)
            .into_iter()
            .partition(|e| now >= e.at);
        self.escalations = keep;
        for e in due {
            let Some(t) = rt.terminals.get(e.term) else {
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
            out.push(Seen::Notice(format!(
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
}

/// The verdict on a command that ended with `code`.
fn finish(p: &Pending, code: i32) -> Outcome {
    let took = p.started.unwrap_or(p.sent).elapsed();
    match (&p.interrupted, p.expect) {
        (Some(how), _) if code != 0 => Outcome::Passed(Detail::interrupted(how.clone(), took)),
        (_, Some(Expect::Failure)) if code != 0 => Outcome::Passed(Detail::exit(code, took)),
        (_, Some(Expect::Failure)) => Outcome::Failed(Detail::exit(code, took)),
        (_, _) if code == 0 => Outcome::Passed(Detail::exit(code, took)),
        _ => Outcome::Failed(Detail::exit(code, took)),
    }
}
