//! Commands typed into terminals for actions, and what became of them.
//!
//! Each terminal has a state (model::terminal_state): at its prompt, running
//! a command, held by a program that waits for a person. A command is typed
//! only at a prompt: a person is asked first (or it waits, in a test), so a
//! command is never silently typed into an editor or a running server. OSC 133
//! marks signed with the terminal's token give each command its exit status;
//! interrupts escalate from Ctrl-C to signals for a job that stays.
//!
//! In a test, each command has a budget. One still running when it ends is
//! left running (settled for the test to go on); its verdict comes when it
//! ends: a late failure still fails the test.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::outcome::{Detail, Outcome, Why};
use super::Mode;
use crate::action::keys::KeyStep;
use crate::action::{Expect, Session};
use crate::model::terminal_state::{judge, Phase, TermState};
use crate::model::ActionRef;
use crate::runtime::{procs, Mark, Runtime, TermId};

/// What the engine asks of the terminals for one `terminal:execute`.
#[derive(Debug, Clone)]
pub struct Exec {
    pub action: ActionRef,
    pub session: Session,
    pub command: String,
    pub clear: bool,
    pub expect: Option<Expect>,
    /// Keys to type when the command waits for a person (tests only).
    pub keys: Option<Vec<KeyStep>>,
    /// When the terminal is busy: interrupt what runs, then type.
    pub interrupt_first: bool,
}

/// A command typed for an action, waiting for its OSC 133 marks.
#[derive(Debug)]
struct Pending {
    action: ActionRef,
    expect: Option<Expect>,
    command: String,
    started: Option<Instant>,
    sent: Instant,
    multiline: bool,
    /// For multi-line input: the last command end seen, waiting for quiet.
    settle: Option<(Instant, i32)>,
    interrupted: Option<String>,
    /// In a test: when the budget ends.
    budget_end: Option<(Instant, Duration)>,
    /// The budget ended with the command still running.
    left: bool,
    /// Keys still to type, and when the next step is due.
    keys: Option<VecDeque<KeyStep>>,
    next_key: Option<Instant>,
    /// A program that waits for a person was seen holding the terminal.
    waiting: Option<(Instant, String)>,
    /// The verdict is given; the marks that follow are only swallowed.
    judged: bool,
    /// The card already says a program waits for the learner.
    told_waiting: bool,
}

/// A command not typed yet: its terminals are not at their prompts.
#[derive(Debug)]
struct Queued {
    exec: Exec,
    terms: Vec<TermId>,
    until: Instant,
    budget: Option<Duration>,
    /// When `until` passes: ask a person (the app), or type anyway (a test).
    ask: bool,
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

#[derive(Debug, Default)]
struct Track {
    phase: Phase,
    /// The command line typed last, to name a builtin that holds the terminal.
    last_command: Option<String>,
    pending: VecDeque<Pending>,
}

pub const INTERRUPT_GRACE: Duration = Duration::from_secs(2);
const ESCALATION_STEP: Duration = Duration::from_secs(1);
/// Multi-line input counts as done when no new command starts this long after one ended.
const SETTLE: Duration = Duration::from_millis(300);
/// How often a terminal with a command in flight is looked at.
const LOOK: Duration = Duration::from_millis(200);
/// A program must wait for keys this long before it counts as waiting for a person.
const WAITING: Duration = Duration::from_millis(600);
/// With keys to type and no sign of waiting, type them after this long anyway.
const KEYS_ANYWAY: Duration = Duration::from_secs(2);
/// A shell that has not drawn its first prompt after this long gets the command anyway.
const STARTING: Duration = Duration::from_secs(15);
/// After "interrupt first", how long the terminal may take to come back.
const BACK_TO_PROMPT: Duration = Duration::from_secs(8);
/// How long a busy terminal may take to come back before the learner is asked.
const MOMENT: Duration = Duration::from_millis(1500);

/// What the terminals tell the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    Action(ActionRef, Outcome),
    TerminalExited(TermId),
    Notice(String),
}

/// A command typed at a person's pace (present mode). Nothing of it runs
/// until its Enter is written at the prompt: only then is it tracked.
#[derive(Debug)]
struct Typing {
    exec: Exec,
    terms: Vec<TermId>,
    budget: Option<Duration>,
    /// The lines, each ended by Enter (`\r`).
    text: String,
    /// Bytes of `text` written so far (always on a character boundary).
    pos: usize,
    next: Instant,
    /// The first Enter went in: the command is tracked as any other.
    entered: bool,
}

/// How fast commands are typed in present mode, with a little jitter.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    pub chars_per_sec: f64,
}

#[derive(Debug, Default)]
pub struct Commands {
    tracks: HashMap<TermId, Track>,
    queued: Vec<Queued>,
    escalations: Vec<Escalation>,
    /// Set in present mode: commands are typed, not pasted.
    pace: Option<Pace>,
    typing: Vec<Typing>,
    typing_paused: bool,
    /// Verdicts decided outside a timer (typing cut short), given at the next one.
    told: Vec<Seen>,
    /// A small xorshift state for the jitter (no need for a random source).
    jitter: u64,
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
    /// Commands typed at `pace` (present mode) instead of all at once.
    pub fn with_pace(pace: Option<Pace>) -> Commands {
        Commands {
            pace,
            jitter: 0x9E37_79B9_7F4A_7C15,
            ..Commands::default()
        }
    }

    /// Whether a command is being typed now (present mode).
    pub fn typing(&self) -> bool {
        !self.typing.is_empty()
    }

    pub fn typing_paused(&self) -> bool {
        self.typing_paused
    }

    /// Pause typing, or go on; returns whether it is paused now.
    pub fn toggle_typing_pause(&mut self) -> bool {
        self.typing_paused = !self.typing_paused;
        if !self.typing_paused {
            let now = Instant::now();
            for t in &mut self.typing {
                t.next = now;
            }
        }
        self.typing_paused
    }

    /// Type the rest of every command being typed at once (Enter included).
    pub fn finish_typing(&mut self, rt: &mut Runtime) -> Vec<Seen> {
        let mut out = Vec::new();
        for mut t in std::mem::take(&mut self.typing) {
            while t.pos < t.text.len() {
                if !self.type_char(rt, &mut t, &mut out) {
                    break;
                }
            }
        }
        self.typing_paused = false;
        out
    }

    /// Stop typing into terminal `id` (Ctrl-C went to it): a command whose
    /// Enter did not go in never ran; the lines of one that did stay untyped.
    pub fn cancel_typing(&mut self, id: TermId) {
        let (cut, keep): (Vec<Typing>, Vec<Typing>) = std::mem::take(&mut self.typing)
            .into_iter()
            .partition(|t| t.terms.contains(&id));
        self.typing = keep;
        for t in cut.into_iter().filter(|t| !t.entered) {
            self.told.push(Seen::Action(
                t.exec.action,
                Outcome::Skipped("interrupted while it was typed: not run".into()),
            ));
        }
    }

    /// The time between two characters: 1/pace, give or take 40%.
    fn gap(&mut self) -> Duration {
        let pace = self.pace.map_or(25.0, |p| p.chars_per_sec).max(0.1);
        self.jitter ^= self.jitter << 13;
        self.jitter ^= self.jitter >> 7;
        self.jitter ^= self.jitter << 17;
        let f = 0.6 + (self.jitter % 1000) as f64 / 1250.0;
        Duration::from_secs_f64(f / pace)
    }

    /// Write the next character of `t`; at the first Enter the command is
    /// tracked, but only if its terminals are still at their prompts. Returns
    /// false when typing ends (its command was found not to be at a prompt).
    fn type_char(&mut self, rt: &mut Runtime, t: &mut Typing, out: &mut Vec<Seen>) -> bool {
        let Some(c) = t.text[t.pos..].chars().next() else {
            return false;
        };
        if c == '\r' && !t.entered {
            if let Some((_, TermState::Exited)) = self.busy(rt, &t.terms) {
                let names = names(rt, &t.terms);
                out.push(Seen::Action(
                    t.exec.action,
                    Outcome::failed(format!(
                        "terminal {names} exited while the command was typed"
                    )),
                ));
                return false;
            }
            if let Some((id, held)) = self.busy(rt, &t.terms) {
                // What was typed went to whatever holds the terminal now: not run.
                let program = held.program().unwrap_or("a program").to_string();
                let terminal = rt
                    .terminals
                    .get(id)
                    .map_or(String::new(), |x| x.name.clone());
                out.push(Seen::Action(
                    t.exec.action,
                    Outcome::TypedInto { program, terminal },
                ));
                return false;
            }
        }
        let mut buf = [0u8; 4];
        for id in &t.terms {
            if let Some(term) = rt.terminals.get(*id) {
                term.write(c.encode_utf8(&mut buf).as_bytes());
            }
        }
        t.pos += c.len_utf8();
        if c == '\r' && t.entered {
            // A later line went in: a line before it that ended does not end
            // the command; this one gets its time to start.
            let now = Instant::now();
            for id in &t.terms {
                let Some(track) = self.tracks.get_mut(id) else {
                    continue;
                };
                for p in track
                    .pending
                    .iter_mut()
                    .filter(|p| p.action == t.exec.action)
                {
                    if let Some((_, code)) = p.settle {
                        p.settle = Some((now, code));
                    }
                }
            }
        }
        if c == '\r' && !t.entered {
            t.entered = true;
            let o = self.track(rt, &t.terms, &t.exec, t.budget);
            out.push(Seen::Action(t.exec.action, o));
        }
        true
    }

    /// Advance typing: each command's characters that are due.
    fn type_due(&mut self, rt: &mut Runtime, now: Instant, out: &mut Vec<Seen>) {
        if self.typing_paused {
            return;
        }
        let mut keep = Vec::new();
        for mut t in std::mem::take(&mut self.typing) {
            let mut going = true;
            while going && t.pos < t.text.len() && t.next <= now {
                going = self.type_char(rt, &mut t, out);
                t.next += self.gap();
            }
            if going && t.pos < t.text.len() {
                keep.push(t);
            }
        }
        // Commands started while these were typed go after them.
        keep.append(&mut self.typing);
        self.typing = keep;
    }

    /// What holds terminal `id` now.
    pub fn state(&self, rt: &Runtime, id: TermId) -> TermState {
        let Some(t) = rt.terminals.get(id) else {
            return TermState::Exited;
        };
        let track = self.tracks.get(&id);
        judge(
            track.map(|t| t.phase).unwrap_or_default(),
            &t.observe(),
            track.and_then(|t| t.last_command.as_deref()),
        )
    }

    /// Type a command for an action, or say why it was not typed.
    pub fn execute(
        &mut self,
        rt: &mut Runtime,
        mode: Mode,
        budget: Option<Duration>,
        exec: Exec,
    ) -> Outcome {
        if crate::action::is_ctrl_c(&exec.command) {
            return self.interrupt(rt, &exec.session);
        }
        let terms = match targets(rt, &exec.session) {
            Ok(ids) if !ids.is_empty() => ids,
            Ok(_) => return Outcome::failed("there are no terminals"),
            Err(e) => return Outcome::failed(e),
        };
        let now = Instant::now();
        let busy = self.busy(rt, &terms);
        match busy {
            None => self.type_now(rt, &terms, exec, budget),
            Some((_, TermState::Exited)) => {
                Outcome::failed(format!("terminal {} has exited", names(rt, &terms)))
            }
            // The shell is still starting: the command follows its first prompt.
            Some((_, TermState::Starting)) => {
                let until = now + budget.unwrap_or(STARTING).max(STARTING);
                self.queue(exec, terms, until, budget, false)
            }
            Some(_) => match mode {
                // A test waits for the prompt, as a learner would (or types into the program).
                Mode::Test { .. } => {
                    let until = now + budget.unwrap_or(Duration::from_secs(10));
                    self.queue(exec, terms, until, budget, false)
                }
                Mode::Interactive if exec.interrupt_first => {
                    self.interrupt(rt, &exec.session);
                    self.queue(exec, terms, now + BACK_TO_PROMPT, budget, true)
                }
                // A command that is just ending gets a moment; then the learner decides.
                Mode::Interactive => self.queue(exec, terms, now + MOMENT, budget, true),
            },
        }
    }

    /// The first of `terms` that is not at its prompt, with what holds it.
    fn busy(&self, rt: &Runtime, terms: &[TermId]) -> Option<(TermId, TermState)> {
        // A command still being typed holds its terminals (its Enter is to come).
        if let Some(id) = terms.iter().find(|id| {
            self.typing
                .iter()
                .any(|t| !t.entered && t.terms.contains(id))
        }) {
            return Some((
                *id,
                TermState::Running {
                    program: "a command being typed".into(),
                },
            ));
        }
        terms.iter().find_map(|id| {
            let s = self.state(rt, *id);
            (!matches!(s, TermState::AtPrompt | TermState::Unknown)).then_some((*id, s))
        })
    }

    fn queue(
        &mut self,
        exec: Exec,
        terms: Vec<TermId>,
        until: Instant,
        budget: Option<Duration>,
        ask: bool,
    ) -> Outcome {
        self.queued.retain(|q| q.exec.action != exec.action);
        self.queued.push(Queued {
            exec,
            terms,
            until,
            budget,
            ask,
        });
        Outcome::Running {
            since: Instant::now(),
            what: Some("waiting for the terminal's prompt".into()),
        }
    }

    fn type_now(
        &mut self,
        rt: &mut Runtime,
        terms: &[TermId],
        exec: Exec,
        budget: Option<Duration>,
    ) -> Outcome {
        let now = Instant::now();
        let body = exec.command.trim_end_matches('\n');
        let mut text = String::with_capacity(body.len() + 2);
        for line in body.split('\n') {
            text.push_str(line.trim_end_matches('\r'));
            text.push('\r');
        }
        for id in terms {
            if exec.clear {
                rt.terminals[*id].clear();
            }
        }
        // Present mode types the lesson's commands as a person would; what
        // lectern types for itself (the external editor) goes at once.
        if self.pace.is_some() && exec.action != super::INTERNAL {
            self.typing.push(Typing {
                exec,
                terms: terms.to_vec(),
                budget,
                text,
                pos: 0,
                next: now,
                entered: false,
            });
            return Outcome::Running {
                since: now,
                what: Some("typing".into()),
            };
        }
        for id in terms {
            rt.terminals[*id].write(text.as_bytes());
        }
        self.track(rt, terms, &exec, budget)
    }

    /// A command's Enter went in: follow it to its verdict.
    fn track(
        &mut self,
        rt: &Runtime,
        terms: &[TermId],
        exec: &Exec,
        budget: Option<Duration>,
    ) -> Outcome {
        let now = Instant::now();
        let body = exec.command.trim_end_matches('\n');
        let mut tracked = false;
        for id in terms {
            let t = &rt.terminals[*id];
            let integrated = t.shell_kind != crate::runtime::ShellKind::Other;
            let track = self.tracks.entry(*id).or_default();
            track.last_command = Some(body.to_string());
            // With several terminals, the outcome is that of the first one.
            if integrated && !tracked {
                tracked = true;
                track.pending.push_back(Pending {
                    action: exec.action,
                    expect: exec.expect,
                    command: body.to_string(),
                    started: None,
                    sent: now,
                    multiline: body.contains('\n'),
                    settle: None,
                    interrupted: None,
                    budget_end: budget.map(|b| (now + b, b)),
                    left: false,
                    keys: exec.keys.clone().map(VecDeque::from),
                    next_key: None,
                    waiting: None,
                    judged: false,
                    told_waiting: false,
                });
            }
        }
        if tracked {
            Outcome::Running {
                since: now,
                what: None,
            }
        } else {
            Outcome::NeedsPerson(Why::Unobservable {
                shell: rt.spec().shell.display().to_string(),
            })
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
        for id in ids {
            self.cancel_typing(id);
            self.interrupt_one(rt, id, INTERRUPT_GRACE);
        }
        Outcome::passed("Ctrl-C sent")
    }

    fn interrupt_one(&mut self, rt: &Runtime, id: TermId, grace: Duration) {
        let Some(t) = rt.terminals.get(id) else {
            return;
        };
        let job = t.foreground_job();
        t.write(b"\x03");
        if let Some(track) = self.tracks.get_mut(&id) {
            for p in track.pending.iter_mut() {
                p.interrupted.get_or_insert_with(|| "Ctrl-C".into());
            }
        }
        self.escalations.retain(|e| e.term != id);
        if let Some(pgrp) = job {
            self.escalations.push(Escalation {
                term: id,
                pgrp,
                at: Instant::now() + grace,
                stage: 0,
            });
        }
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
                    rt.terminals[id].close();
                    Outcome::passed("closed")
                }
                None => Outcome::passed("no such terminal"),
            },
        }
    }

    /// Whether action `r` was left running when its budget ended.
    pub fn left_running(&self, r: ActionRef) -> bool {
        self.tracks
            .values()
            .flat_map(|t| t.pending.iter())
            .any(|p| p.action == r && p.left && !p.judged)
    }

    /// Whether anything is in flight that wants looking at.
    fn watching(&self) -> bool {
        !self.queued.is_empty() || self.tracks.values().any(|t| !t.pending.is_empty())
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        let esc = self.escalations.iter().map(|e| e.at);
        let settle = self
            .tracks
            .values()
            .flat_map(|t| t.pending.iter())
            .filter_map(|p| p.settle.map(|(at, _)| at + SETTLE));
        let keys = self
            .tracks
            .values()
            .flat_map(|t| t.pending.iter())
            .filter_map(|p| p.next_key);
        let look = (self.watching() || !self.told.is_empty()).then(|| Instant::now() + LOOK);
        let typing = self
            .typing
            .iter()
            .filter(|_| !self.typing_paused)
            .map(|t| t.next);
        esc.chain(settle)
            .chain(keys)
            .chain(look)
            .chain(typing)
            .min()
    }

    pub fn on_mark(&mut self, id: TermId, mark: Mark) -> Vec<Seen> {
        let mut out = Vec::new();
        let track = self.tracks.entry(id).or_default();
        track.phase = track.phase.after(mark);
        match mark {
            Mark::CommandStart => {
                if let Some(p) = track
                    .pending
                    .iter_mut()
                    .find(|p| p.started.is_none() || p.settle.is_some())
                {
                    p.settle = None;
                    p.started.get_or_insert_with(Instant::now);
                }
            }
            Mark::CommandEnd(code) => {
                let code = code.unwrap_or(0);
                if let Some(pos) = track.pending.iter().position(|p| p.started.is_some()) {
                    if track.pending[pos].multiline {
                        track.pending[pos].settle = Some((Instant::now(), code));
                    } else if let Some(p) = track.pending.remove(pos) {
                        if !p.judged {
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
        if let Some(track) = self.tracks.remove(&id) {
            for p in track.pending.into_iter().filter(|p| !p.judged) {
                out.push(Seen::Action(
                    p.action,
                    Outcome::failed("the terminal's shell exited"),
                ));
            }
        }
        out.push(Seen::TerminalExited(id));
        out
    }

    /// Advance timers: queued commands, budgets, programs that wait for keys,
    /// keys to type, multi-line settling, interrupt escalation.
    pub fn on_timer(&mut self, rt: &mut Runtime, mode: Mode, now: Instant) -> Vec<Seen> {
        let mut out = std::mem::take(&mut self.told);
        self.type_due(rt, now, &mut out);
        self.settle_multiline(now, &mut out);
        self.run_queued(rt, now, &mut out);
        self.watch_pending(rt, mode, now, &mut out);
        self.escalate(rt, now, &mut out);
        out
    }

    fn settle_multiline(&mut self, now: Instant, out: &mut Vec<Seen>) {
        // Lines still being typed are still to run: no verdict before them.
        let typing: Vec<ActionRef> = self.typing.iter().map(|t| t.exec.action).collect();
        for track in self.tracks.values_mut() {
            while let Some(pos) = track.pending.iter().position(|p| {
                p.settle.is_some_and(|(at, _)| now >= at + SETTLE) && !typing.contains(&p.action)
            }) {
                if let Some(p) = track.pending.remove(pos) {
                    if !p.judged {
                        let code = p.settle.map_or(0, |(_, c)| c);
                        out.push(Seen::Action(p.action, finish(&p, code)));
                    }
                }
            }
        }
    }

    /// Type queued commands whose terminals are back at their prompts; past
    /// their deadline, say what held the terminal.
    fn run_queued(&mut self, rt: &mut Runtime, now: Instant, out: &mut Vec<Seen>) {
        for q in std::mem::take(&mut self.queued) {
            match self.busy(rt, &q.terms) {
                None => {
                    let r = q.exec.action;
                    let o = self.type_now(rt, &q.terms, q.exec, q.budget);
                    out.push(Seen::Action(r, o));
                }
                Some(_) if now < q.until => self.queued.push(q),
                Some((_, TermState::Starting)) => {
                    // The shell never showed a prompt: type anyway, as a person would.
                    let r = q.exec.action;
                    let o = self.type_now(rt, &q.terms, q.exec, q.budget);
                    out.push(Seen::Action(r, o));
                }
                Some((id, held)) => {
                    let program = held.program().unwrap_or("a program").to_string();
                    let terminal = rt.terminals[id].name.clone();
                    let r = q.exec.action;
                    if q.ask {
                        // Still busy (even after an interrupt): a person decides.
                        out.push(Seen::Action(
                            r,
                            Outcome::NeedsPerson(Why::TerminalBusy { terminal, program }),
                        ));
                    } else {
                        // A test: what a learner's click would do, and it did not run.
                        let _ = self.type_now(rt, &q.terms, q.exec, None);
                        if let Some(t) = self.tracks.get_mut(&id) {
                            t.pending.retain(|p| p.action != r);
                        }
                        out.push(Seen::Action(r, Outcome::TypedInto { program, terminal }));
                    }
                }
            }
        }
    }

    /// Look at terminals with commands in flight: budgets, waiting programs, keys.
    fn watch_pending(&mut self, rt: &mut Runtime, mode: Mode, now: Instant, out: &mut Vec<Seen>) {
        let ids: Vec<TermId> = self
            .tracks
            .iter()
            .filter(|(_, t)| t.pending.iter().any(|p| !p.judged))
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            let state = self.state(rt, id);
            let mut end_program = false;
            let Some(track) = self.tracks.get_mut(&id) else {
                continue;
            };
            let Some(p) = track.pending.iter_mut().find(|p| !p.judged) else {
                continue;
            };
            // Keys due.
            if let (Some(keys), Some(at)) = (&mut p.keys, p.next_key) {
                if now >= at {
                    p.next_key = None;
                    while let Some(step) = keys.pop_front() {
                        match step {
                            KeyStep::Bytes(b) => {
                                if let Some(t) = rt.terminals.get(id) {
                                    t.write(&b);
                                }
                            }
                            KeyStep::Pause(d) => {
                                p.next_key = Some(now + d);
                                break;
                            }
                        }
                    }
                }
            }
            // A program that waits for a person.
            match &state {
                TermState::Interactive { program } => {
                    let since = match &p.waiting {
                        Some((t, name)) if name == program => *t,
                        _ => {
                            p.waiting = Some((now, program.clone()));
                            now
                        }
                    };
                    let has_keys = p.keys.as_ref().is_some_and(|k| !k.is_empty());
                    if has_keys && p.next_key.is_none() {
                        p.next_key = Some(now);
                    } else if !has_keys && p.keys.is_none() && now.duration_since(since) >= WAITING
                    {
                        if let Mode::Test { .. } = mode {
                            // No person in a test: say so, and end the program so the test goes on.
                            p.judged = true;
                            end_program = true;
                            out.push(Seen::Action(
                                p.action,
                                Outcome::NeedsPerson(Why::Interactive {
                                    program: program.clone(),
                                }),
                            ));
                        } else if p.started.is_some() && !p.told_waiting {
                            p.told_waiting = true;
                            out.push(Seen::Action(
                                p.action,
                                Outcome::Running {
                                    since: p.sent,
                                    what: Some(format!("{program} waits for you")),
                                },
                            ));
                        }
                    }
                }
                TermState::Running { .. } => {
                    p.waiting = None;
                    let has_keys = p.keys.as_ref().is_some_and(|k| !k.is_empty());
                    if has_keys
                        && p.next_key.is_none()
                        && p.started
                            .is_some_and(|s| now.duration_since(s) >= KEYS_ANYWAY)
                    {
                        p.next_key = Some(now);
                    }
                }
                _ => {}
            }
            // The budget.
            if let (false, false, Some((end, budget))) = (p.judged, p.left, p.budget_end) {
                if now >= end {
                    match p.expect {
                        Some(Expect::Exit | Expect::Failure) => {
                            p.judged = true;
                            out.push(Seen::Action(
                                p.action,
                                Outcome::failed(format!(
                                    "still running after its budget of {}",
                                    super::outcome::secs(budget)
                                )),
                            ));
                        }
                        Some(Expect::Running) => {
                            p.left = true;
                            out.push(Seen::Action(
                                p.action,
                                Outcome::Running {
                                    since: p.sent,
                                    what: Some("running, as declared".into()),
                                },
                            ));
                        }
                        None => {
                            p.left = true;
                            out.push(Seen::Action(
                                p.action,
                                Outcome::Running {
                                    since: p.sent,
                                    what: Some(format!(
                                        "still running after its budget of {}",
                                        super::outcome::secs(budget)
                                    )),
                                },
                            ));
                        }
                    }
                }
            }
            if end_program {
                self.interrupt_one(rt, id, Duration::from_millis(500));
            }
        }
    }

    fn escalate(&mut self, rt: &Runtime, now: Instant, out: &mut Vec<Seen>) {
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
            if let Some(track) = self.tracks.get_mut(&e.term) {
                for p in track.pending.iter_mut() {
                    p.interrupted = Some(how.into());
                }
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
    }

    /// The end of a test: commands still running get their final verdict.
    pub fn finish_all(&mut self) -> Vec<Seen> {
        let mut out = Vec::new();
        self.queued.clear();
        for track in self.tracks.values_mut() {
            for p in track.pending.iter_mut().filter(|p| !p.judged) {
                p.judged = true;
                let o = match p.expect {
                    Some(Expect::Running) => {
                        Outcome::passed("still running at the end, as declared")
                    }
                    _ => Outcome::failed(format!(
                        "still running when the test ended: `{}` never finished",
                        first_line(&p.command)
                    )),
                };
                out.push(Seen::Action(p.action, o));
            }
        }
        out
    }
}

fn names(rt: &Runtime, terms: &[TermId]) -> String {
    terms
        .iter()
        .filter_map(|id| rt.terminals.get(*id))
        .map(|t| t.name.clone())
        .collect::<Vec<_>>()
        .join(", ")
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// The verdict on a command that ended with `code`.
fn finish(p: &Pending, code: i32) -> Outcome {
    let took = p.started.unwrap_or(p.sent).elapsed();
    // Stopped by an interrupt, whatever status it chose to exit with (Apache exits 0).
    let stopped = p.interrupted.as_ref();
    match (stopped, p.expect) {
        // A server stopped by the lesson's interrupt ran as it should.
        (Some(how), Some(Expect::Running)) => {
            Outcome::Passed(Detail::interrupted(how.clone(), took))
        }
        // Stopped after its budget ran out: it never finished by itself.
        (Some(how), _) if p.left && p.budget_end.is_some() => Outcome::failed(format!(
            "did not finish within its budget of {}; stopped by {how} after {}",
            super::outcome::secs(p.budget_end.map_or(Duration::ZERO, |(_, b)| b)),
            super::outcome::secs(took)
        )),
        (Some(how), _) => Outcome::Passed(Detail::interrupted(how.clone(), took)),
        (None, Some(Expect::Running)) => Outcome::failed(format!(
            "exited ({code}) after {} but should keep running",
            super::outcome::secs(took)
        )),
        (None, Some(Expect::Failure)) if code != 0 => Outcome::Passed(Detail::exit(code, took)),
        (None, Some(Expect::Failure)) => Outcome::Failed(Detail::exit(code, took)),
        (None, _) if code == 0 => Outcome::Passed(Detail::exit(code, took)),
        (None, _) => Outcome::Failed(Detail::exit(code, took)),
    }
}
