//! The one place an action is run and its outcome decided, for every driver:
//! the terminal app, `lectern test`. Drivers send intents (`run`, `answer`,
//! events from the runtime) and show what comes back: outcomes in
//! `Engine::outcomes`, and `Note`s about what to bring forward.

pub mod consent;
pub mod dashboards;
pub mod editor;
mod examiner;
pub mod files;
pub mod outcome;
pub mod progress;
pub mod terminals;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::action::{Action, ActionKind, Cooldown, SectionAction, Session, TerminalAction};
use crate::model::ActionRef;
use crate::page::{self, PageDoc};
use crate::runtime::{self, Event, Runtime, Store, TermId};
use crate::workshop::Workshop;
use dashboards::{Check, DashboardTab};
use editor::{Editor, Scope};
pub use examiner::{form_fields, typed_value as examiner_value};
pub use outcome::{Detail, Outcome, Why};
use progress::Progress;
use terminals::{Commands, Seen};

/// Who the engine runs for: a person at the screen, or `lectern test`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    Interactive,
    /// No person: what needs one is reported, never waited for.
    Test {
        budget: Duration,
    },
}

/// What the right-hand side should bring forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    Terminals,
    Terminal(TermId),
    Editor,
    Dashboard(usize),
}

/// One field of an examiner form.
#[derive(Debug, Clone, PartialEq)]
pub struct FormField {
    pub key: String,
    pub prompt: String,
    /// JSON type: string, integer, number, boolean.
    pub kind: String,
    pub default: String,
}

/// Something only the learner can give.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// A local file to copy into the workshop's uploads.
    Upload { target: String },
    /// The fields of an examiner test's `inputs` form.
    Form {
        test: String,
        fields: Vec<FormField>,
    },
}

impl Request {
    pub fn title(&self) -> &'static str {
        match self {
            Request::Upload { .. } => " Upload a file ",
            Request::Form { .. } => " Examiner form ",
        }
    }
}

/// The learner's answer to a `Request`.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Text(String),
    Form(serde_json::Map<String, serde_json::Value>),
    Cancel,
}

/// What a driver should know about besides outcomes.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// The outcome of this action changed.
    Changed(ActionRef),
    Notice(String),
    Show(Show),
    FocusTerminal(TermId),
    Clipboard(String),
    Ask(ActionRef, Request),
    /// A section card ran: fold or unfold it.
    Section(usize, SectionAction),
    TerminalExited(TermId),
    DashboardRemoved(usize),
    /// A command lectern typed itself (the external editor) ended.
    InternalDone,
}

/// A note about starting the workshop: printed by `lectern test`, a notice in the app.
fn println_or_notice(notes: &mut Vec<Note>, mode: Mode, text: String) {
    match mode {
        Mode::Test { .. } => crate::say!("note: {text}"),
        Mode::Interactive => notes.push(Note::Notice(text)),
    }
}

/// The action reference used for commands lectern types itself (e.g. `$EDITOR`).
pub const INTERNAL: ActionRef = ActionRef {
    page: usize::MAX,
    id: 0,
};

/// Where the learner stands with a page, as the page list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStatus {
    Unvisited,
    /// Visited, with actions not run (or still running).
    Begun,
    /// Visited, and every action went well.
    Done,
    /// An action's last outcome is a failure.
    Failed,
}

/// What the learner chose when running an action.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunFlags {
    /// The terminal is busy: interrupt what runs there, then run.
    pub interrupt_first: bool,
}

pub struct Options {
    pub mode: Mode,
    pub allow_outside: bool,
    /// Where `files:download-file` saves.
    pub downloads: PathBuf,
}

/// An interrupt action waiting for its terminals to come back to their prompts.
struct Stopping {
    action: ActionRef,
    terms: Vec<TermId>,
    until: Instant,
}

const STOP_WAIT: Duration = Duration::from_secs(6);
const POLL: Duration = Duration::from_millis(100);

pub struct Engine {
    pub ws: Workshop,
    pub mode: Mode,
    pub rt: Runtime,
    pub editor: Editor,
    pub dashboards: Vec<DashboardTab>,
    pub outcomes: HashMap<ActionRef, Outcome>,
    /// What examiner tests printed, shown under their cards.
    pub outputs: HashMap<ActionRef, String>,
    pub page: usize,
    pub doc: PageDoc,
    pub progress: Progress,
    store: Store,
    commands: Commands,
    checks: Vec<Check>,
    stopping: Vec<Stopping>,
    exam_stops: Vec<(ActionRef, Arc<AtomicBool>)>,
    last_run: HashMap<ActionRef, Instant>,
    cascades: Vec<(Instant, ActionRef)>,
    notes: Vec<Note>,
    allow_outside: bool,
    downloads: PathBuf,
    queries: runtime::datasource::QueryWorker,
    /// When the current page was opened (unix ms): dashboard checks count newer points only.
    page_opened_ms: i64,
    /// The hash the learner's trust is kept with (consent::content_hash).
    content_hash: String,
    /// The learner said no, or has not answered yet: nothing of the workshop runs.
    read_only: bool,
    /// Whether lectern may write its own state (after an answer, or in a test).
    writes: bool,
    /// Grafana's HTTP API, when lectern serves it.
    grafana: Option<runtime::grafana_api::Handle>,
}

impl Engine {
    /// An engine for `ws` on runtime `rt` (nothing is started yet).
    pub fn new(ws: Workshop, rt: Runtime, store: Store, opts: Options) -> Engine {
        let rt_sender = rt.sender();
        let testing = matches!(opts.mode, Mode::Test { .. });
        // `lectern test` is the author's own run: running it is the consent.
        let content_hash = if testing {
            String::new()
        } else {
            consent::content_hash(&ws)
        };
        let doc = if ws.pages.is_empty() {
            PageDoc::default()
        } else {
            page::load(&ws, 0)
        };
        let mut e = Engine {
            ws,
            mode: opts.mode,
            rt,
            editor: Editor::default(),
            dashboards: Vec::new(),
            outcomes: HashMap::new(),
            outputs: HashMap::new(),
            page: 0,
            doc,
            progress: Progress::default(),
            store,
            commands: Commands::default(),
            checks: Vec::new(),
            stopping: Vec::new(),
            exam_stops: Vec::new(),
            last_run: HashMap::new(),
            cascades: Vec::new(),
            notes: Vec::new(),
            allow_outside: opts.allow_outside,
            downloads: opts.downloads,
            queries: runtime::datasource::QueryWorker::start(rt_sender),
            page_opened_ms: dashboards::now_ms(),
            content_hash,
            read_only: !testing,
            writes: testing,
            grafana: None,
        };
        e.builtin_dashboards();
        e
    }

    /// Present mode: the lesson's commands are typed at `pace`, as a person
    /// would, through the same path as any command (a person is there to watch).
    pub fn set_typing(&mut self, pace: terminals::Pace) {
        if self.mode == Mode::Interactive {
            self.commands = Commands::with_pace(Some(pace));
        }
    }

    /// Whether a command is being typed now (present mode).
    pub fn typing(&self) -> bool {
        self.commands.typing()
    }

    pub fn typing_paused(&self) -> bool {
        self.commands.typing_paused()
    }

    /// Type the rest of the commands being typed at once.
    pub fn finish_typing(&mut self) {
        let seen = self.commands.finish_typing(&mut self.rt);
        self.on_seen(seen);
    }

    /// Ctrl-C typed into terminal `id` by a person: what lectern was typing there stops.
    pub fn cancel_typing(&mut self, id: TermId) {
        self.commands.cancel_typing(id);
    }

    /// Pause typing or go on; returns whether it is paused now.
    pub fn toggle_typing_pause(&mut self) -> bool {
        self.commands.toggle_typing_pause()
    }

    /// Take up saved progress (or forget it): the page and settled outcomes.
    /// Returns a notice when the saved file could not be read.
    pub fn resume(&mut self, restart: bool) -> Option<String> {
        let (json, notice) = if restart {
            self.store.reset();
            (serde_json::Value::Null, None)
        } else {
            self.store.load::<serde_json::Value>()
        };
        self.progress = Progress::from_json(&json);
        for (pname, acts) in &self.progress.actions {
            if let Some(pi) = self.ws.pages.iter().position(|p| &p.name == pname) {
                for (id, saved) in acts {
                    self.outcomes
                        .insert(ActionRef { page: pi, id: *id }, saved.to_outcome());
                }
            }
        }
        let page = self
            .progress
            .page
            .as_deref()
            .and_then(|p| self.ws.find_page(p))
            .unwrap_or(0);
        if page != self.page && page < self.ws.pages.len() {
            self.page = page;
            self.doc = page::load(&self.ws, page);
        }
        if let Some(p) = self.ws.pages.get(self.page) {
            self.progress.visited.insert(p.name.clone());
        }
        self.reopen_editor();
        notice
    }

    /// Reopen the file the editor showed when the learner left, at the same
    /// place, if it is still there and still within reach.
    fn reopen_editor(&mut self) {
        let Some(place) = self.progress.editor.clone() else {
            return;
        };
        let (home, exercises) = (self.ws.home_dir().to_path_buf(), self.ws.exercises_dir());
        let scope = Scope {
            home: &home,
            exercises: &exercises,
            allow_outside: self.allow_outside,
        };
        let Ok(path) = scope.resolve(&place.path) else {
            return;
        };
        if let Ok(file) = self.editor.open(path) {
            let last = file.text.lines().count().saturating_sub(1);
            file.scroll = place.scroll.min(last);
        }
    }

    /// The workshop's content changed on disk: show the new content, on the
    /// same page (by name), keeping outcomes, terminals and everything running.
    pub fn reload(&mut self, ws: Workshop) {
        let name_of = |ws: &Workshop, i: usize| ws.pages.get(i).map(|p| p.name.clone());
        let page_name = name_of(&self.ws, self.page);
        let outcomes: Vec<(Option<String>, usize, Outcome)> = self
            .outcomes
            .drain()
            .map(|(r, o)| (name_of(&self.ws, r.page), r.id, o))
            .collect();
        self.ws = ws;
        for (name, id, o) in outcomes {
            if let Some(page) = name.and_then(|n| self.ws.pages.iter().position(|p| p.name == n)) {
                self.outcomes.insert(ActionRef { page, id }, o);
            }
        }
        self.page = page_name
            .and_then(|n| self.ws.find_page(&n))
            .unwrap_or(0)
            .min(self.ws.pages.len().saturating_sub(1));
        self.doc = if self.ws.pages.is_empty() {
            PageDoc::default()
        } else {
            page::load(&self.ws, self.page)
        };
    }

    /// Whether the learner trusted this workshop as it is now.
    pub fn trusted(&self) -> bool {
        !self.read_only || self.progress.trusted.as_deref() == Some(self.content_hash.as_str())
    }

    /// The learner agreed to what the workshop runs: kept with its content hash.
    pub fn trust(&mut self) {
        self.progress.trusted = Some(self.content_hash.clone());
        self.read_only = false;
        self.writes = true;
        self.save();
    }

    /// The learner said no: the lesson is read-only, and the answer is not kept.
    pub fn decline(&mut self) {
        self.read_only = true;
        self.writes = true;
        if self.progress.trusted.is_some() {
            self.progress.trusted = None;
        }
        self.save();
    }

    pub fn read_only(&self) -> bool {
        self.read_only
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Start the workshop's terminals, services and setup scripts.
    pub fn launch(&mut self) -> std::io::Result<()> {
        // Half-written files of an earlier run that was killed go first.
        runtime::store::clean_debris(&self.ws.exercises_dir(), 8);
        // Before the setup scripts, which may post to it.
        if let Some(g) = self.ws.config.grafana.clone() {
            let auth = runtime::grafana_api::Auth {
                user: g.user,
                password: g.password,
                anonymous: g.anonymous,
            };
            if let Err(e) = self.serve_grafana(g.port, auth) {
                self.notes.push(Note::Notice(e));
            }
        }
        runtime::launch(&mut self.rt, &self.ws, &self.store)?;
        for n in std::mem::take(&mut self.rt.notes) {
            println_or_notice(&mut self.notes, self.mode, n);
        }
        if let Some(why) = &self.rt.sandbox_note {
            self.notes.push(Note::Notice(format!(
                "running without the Educates session shape (HOME=/home/eduk8s, hosts): {why}"
            )));
        }
        self.start_dashboard_terminals();
        Ok(())
    }

    pub fn take_notes(&mut self) -> Vec<Note> {
        std::mem::take(&mut self.notes)
    }

    /// The page shown; none only for a workshop without pages.
    pub fn current_page(&self) -> Option<&crate::workshop::Page> {
        self.ws.pages.get(self.page)
    }

    pub fn page_count(&self) -> usize {
        self.ws.pages.len()
    }

    /// Show page `index`: examiner retries of the page left end.
    pub fn open_page(&mut self, index: usize) {
        if index >= self.page_count() {
            return;
        }
        self.page = index;
        self.page_opened_ms = dashboards::now_ms();
        self.stop_examiners(None);
        self.doc = page::load(&self.ws, index);
        self.cascades.clear();
        self.progress.page = Some(self.ws.pages[index].name.clone());
        self.progress
            .visited
            .insert(self.ws.pages[index].name.clone());
        self.save();
    }

    /// Where the learner stands with page `i`, given the ids of its actions
    /// that can be run: a failure shows first, then whether all of them went well.
    pub fn page_status(&self, i: usize, actions: &[usize]) -> PageStatus {
        let outcome = |id: &usize| self.outcomes.get(&ActionRef { page: i, id: *id });
        if actions
            .iter()
            .any(|id| outcome(id).is_some_and(Outcome::is_failed))
        {
            return PageStatus::Failed;
        }
        let visited = self
            .ws
            .pages
            .get(i)
            .is_some_and(|p| self.progress.visited.contains(&p.name));
        if !visited {
            PageStatus::Unvisited
        } else if actions
            .iter()
            .all(|id| outcome(id).is_some_and(Outcome::lets_the_lesson_go_on))
        {
            PageStatus::Done
        } else {
            PageStatus::Begun
        }
    }

    pub fn action(&self, id: usize) -> Option<&Action> {
        self.doc
            .lesson
            .actions()
            .into_iter()
            .find(|a| a.id == id)
            .map(|a| &a.action)
    }

    /// The 1-based line of the page's source where action `id` is written.
    pub fn action_line(&self, id: usize) -> usize {
        let mut line = 0;
        crate::lesson::walk_blocks(&self.doc.lesson.blocks, &mut |b| {
            if let crate::lesson::BlockKind::Action(a) = &b.kind {
                if a.id == id {
                    line = b.line;
                }
            }
        });
        line
    }

    pub fn outcome(&self, r: ActionRef) -> Option<&Outcome> {
        self.outcomes.get(&r)
    }

    /// Outcomes of the current page by action id.
    pub fn page_outcomes(&self) -> HashMap<usize, Outcome> {
        self.outcomes
            .iter()
            .filter(|(r, _)| r.page == self.page)
            .map(|(r, o)| (r.id, o.clone()))
            .collect()
    }

    /// Why the next page is locked, if it is: a required action not yet done.
    pub fn lock_reason(&self) -> Option<String> {
        self.doc.lesson.actions().iter().find_map(|a| {
            let done = self
                .outcomes
                .get(&ActionRef {
                    page: self.page,
                    id: a.id,
                })
                .is_some_and(Outcome::lets_the_lesson_go_on);
            (a.action.common.required && !done)
                .then(|| format!("next page locked: run “{}” first", a.action.card().label))
        })
    }

    /// The autostart actions of this page.
    pub fn autostart_ids(&self) -> Vec<usize> {
        self.doc
            .lesson
            .actions()
            .iter()
            .filter(|a| a.action.common.autostart)
            .map(|a| a.id)
            .collect()
    }

    pub fn save(&mut self) {
        if !self.writes {
            return;
        }
        let mut actions: std::collections::BTreeMap<
            String,
            std::collections::BTreeMap<usize, outcome::Saved>,
        > = Default::default();
        for (r, o) in &self.outcomes {
            if let (Some(p), Some(s)) = (self.ws.pages.get(r.page), outcome::Saved::from_outcome(o))
            {
                actions.entry(p.name.clone()).or_default().insert(r.id, s);
            }
        }
        self.progress.actions = actions;
        self.progress.editor = self.editor.current().map(|f| progress::EditorPlace {
            path: f.path.to_string_lossy().into_owned(),
            scroll: f.scroll,
        });
        if let Err(e) = self.store.save(&self.progress) {
            self.notes.push(Note::Notice(format!(
                "cannot save progress in {}: {e}",
                self.store.dir().display()
            )));
        }
    }

    /// Record an outcome; a settled success may cascade to the next action.
    fn settle(&mut self, r: ActionRef, o: Outcome) {
        let go_on = o.lets_the_lesson_go_on();
        let settled = !o.is_running();
        self.outcomes.insert(r, o);
        self.notes.push(Note::Changed(r));
        if r == INTERNAL {
            return;
        }
        if settled {
            self.save();
        }
        if go_on && r.page == self.page && self.mode == Mode::Interactive {
            let cascade = self
                .doc
                .lesson
                .actions()
                .iter()
                .find(|a| a.id == r.id)
                .filter(|a| a.action.common.cascade)
                .map(|a| a.action.common.pause);
            if let Some(pause) = cascade {
                if r.id + 1 < self.doc.lesson.actions().len() {
                    self.cascades.push((
                        Instant::now() + pause,
                        ActionRef {
                            page: r.page,
                            id: r.id + 1,
                        },
                    ));
                }
            }
        }
    }

    /// Run action `id` of the current page and record what it comes to.
    pub fn run(&mut self, id: usize) -> Option<Outcome> {
        self.run_with(id, RunFlags::default())
    }

    /// `run`, with what the learner chose (e.g. to interrupt a busy terminal first).
    pub fn run_with(&mut self, id: usize, flags: RunFlags) -> Option<Outcome> {
        let action = self.action(id)?.clone();
        let r = ActionRef {
            page: self.page,
            id,
        };
        if self.read_only {
            let o = Outcome::NeedsPerson(Why::NotTrusted);
            self.settle(r, o.clone());
            return Some(o);
        }
        // A command that was not typed (the terminal was busy) ran nothing: no cooldown.
        let ran = !matches!(self.outcomes.get(&r), Some(Outcome::NeedsPerson(_)));
        if self.mode == Mode::Interactive && ran {
            if let Some(last) = self.last_run.get(&r) {
                match action.common.cooldown {
                    Cooldown::Once if self.outcomes.get(&r).is_some_and(Outcome::is_passed) => {
                        self.notes
                            .push(Note::Notice("this action runs only once".into()));
                        return self.outcomes.get(&r).cloned();
                    }
                    Cooldown::Seconds(s) if last.elapsed() < Duration::from_secs_f64(s) => {
                        self.notes.push(Note::Notice(format!(
                            "wait {:.0}s before running it again",
                            s - last.elapsed().as_secs_f64()
                        )));
                        return self.outcomes.get(&r).cloned();
                    }
                    _ => {}
                }
            }
        }
        if self.mode == Mode::Interactive {
            self.last_run.insert(r, Instant::now());
        }
        let o = self.dispatch(r, &action, flags);
        self.settle(r, o.clone());
        Some(o)
    }

    fn dispatch(&mut self, r: ActionRef, a: &Action, flags: RunFlags) -> Outcome {
        match &a.kind {
            ActionKind::Terminal(t) => self.terminal_action(r, a, t, flags),
            ActionKind::Editor(crate::action::EditorAction::Terminal {
                op,
                session,
                text,
                endl,
            }) => self
                .commands
                .editor_terminal(&mut self.rt, op, session, text.as_deref(), *endl),
            ActionKind::Editor(e) => {
                let (home, exercises) = (self.ws.home_dir().to_path_buf(), self.ws.exercises_dir());
                let scope = Scope {
                    home: &home,
                    exercises: &exercises,
                    allow_outside: self.allow_outside,
                };
                let o = self.editor.run(&scope, e);
                if !matches!(
                    e,
                    crate::action::EditorAction::CloseFile { .. }
                        | crate::action::EditorAction::CreateDirectory { .. }
                ) {
                    self.notes.push(Note::Show(Show::Editor));
                }
                o
            }
            ActionKind::Dashboard(d) => self.dashboard_action(r, d),
            ActionKind::Examiner(t) => self.examiner_action(r, a, t),
            ActionKind::Section(s) => {
                self.notes.push(Note::Section(r.id, s.clone()));
                Outcome::Skipped("a section: nothing to run".into())
            }
            ActionKind::Files(f) => self.files_action(r, f),
            ActionKind::Copy { text, .. } => {
                self.notes.push(Note::Clipboard(text.clone()));
                match self.mode {
                    Mode::Interactive => Outcome::passed("copied to the clipboard"),
                    Mode::Test { .. } => Outcome::passed("copied (no clipboard in a test)"),
                }
            }
        }
    }

    /// A command's budget: the action's own, else the test's (none for a person).
    fn budget(&self, a: &Action) -> Option<Duration> {
        match self.mode {
            Mode::Test { budget } => Some(a.common.test.budget.unwrap_or(budget)),
            Mode::Interactive => None,
        }
    }

    fn terminal_action(
        &mut self,
        r: ActionRef,
        a: &Action,
        t: &TerminalAction,
        flags: RunFlags,
    ) -> Outcome {
        match t {
            TerminalAction::Execute {
                command,
                session,
                clear,
            } if !crate::action::is_ctrl_c(command) => {
                if let Session::Named(n) = session {
                    if let Ok(id) = self.rt.terminal(n) {
                        self.notes.push(Note::Show(Show::Terminal(id)));
                    }
                } else {
                    self.notes.push(Note::Show(Show::Terminals));
                }
                let keys = match self.mode {
                    Mode::Test { .. } => a.common.test.keys.clone(),
                    Mode::Interactive => None,
                };
                let budget = self.budget(a);
                self.commands.execute(
                    &mut self.rt,
                    self.mode,
                    budget,
                    terminals::Exec {
                        action: r,
                        session: session.clone(),
                        command: command.clone(),
                        clear: *clear,
                        expect: a.common.test.expect,
                        keys,
                        interrupt_first: flags.interrupt_first,
                    },
                )
            }
            TerminalAction::Execute { session, .. } | TerminalAction::Interrupt { session } => {
                self.interrupt(r, session)
            }
            TerminalAction::Input {
                text,
                session,
                endl,
            } => Commands::input(&mut self.rt, session, text, *endl),
            TerminalAction::Clear { session } => Commands::clear(&mut self.rt, session),
            TerminalAction::Select { session } => {
                if let Session::Named(n) = session {
                    if let Ok(id) = self.rt.terminal(n) {
                        self.notes.push(Note::FocusTerminal(id));
                    }
                }
                Outcome::passed("selected")
            }
        }
    }

    /// Ctrl-C to the session's terminals; the action ends when they are back at their prompts.
    fn interrupt(&mut self, r: ActionRef, session: &Session) -> Outcome {
        let terms = match terminals::targets(&mut self.rt, session) {
            Ok(t) => t,
            Err(e) => return Outcome::failed(e),
        };
        let o = self.commands.interrupt(&mut self.rt, session);
        if o.is_failed() {
            return o;
        }
        let now = Instant::now();
        self.stopping.retain(|s| s.action != r);
        self.stopping.push(Stopping {
            action: r,
            terms,
            until: now + STOP_WAIT,
        });
        Outcome::Running {
            since: now,
            what: Some("waiting for the terminal to stop".into()),
        }
    }

    /// Type a command lectern itself needs (the external editor) into terminal `session`.
    pub fn run_internal(&mut self, session: &str, command: &str) -> Option<TermId> {
        let s = Session::Named(session.to_string());
        let id = self.rt.terminal(session).ok()?;
        let o = self.commands.execute(
            &mut self.rt,
            Mode::Interactive,
            None,
            terminals::Exec {
                action: INTERNAL,
                session: s,
                command: command.to_string(),
                clear: false,
                expect: None,
                keys: None,
                interrupt_first: false,
            },
        );
        self.outcomes.insert(INTERNAL, o);
        Some(id)
    }

    /// Interrupt a terminal on the learner's behalf (not an action).
    pub fn interrupt_terminal(&mut self, id: TermId) {
        if let Some(name) = self.rt.terminals.get(id).map(|t| t.name.clone()) {
            self.commands.interrupt(&mut self.rt, &Session::Named(name));
        }
    }

    /// The learner answered a request (or cancelled it).
    pub fn answer(&mut self, r: ActionRef, a: Answer) {
        let Some(action) = (r.page == self.page)
            .then(|| self.action(r.id).cloned())
            .flatten()
        else {
            return;
        };
        let o = match (&action.kind, a) {
            (_, Answer::Cancel) => Outcome::Skipped("cancelled".into()),
            (ActionKind::Examiner(t), Answer::Form(values)) => {
                self.start_examiner(r, &action, t, Some(serde_json::Value::Object(values)))
            }
            (ActionKind::Files(f), Answer::Text(local)) => self.upload(f, &local),
            _ => return,
        };
        self.settle(r, o);
    }

    /// Whether `lectern test` may go on from action `r`: it has a verdict, or
    /// its command was left running when its budget ended.
    pub fn settled(&self, r: ActionRef) -> bool {
        self.outcomes.get(&r).is_some_and(|o| !o.is_running()) || self.commands.left_running(r)
    }

    /// The end of a test: commands still running get their final verdicts.
    pub fn finish(&mut self) {
        let seen = self.commands.finish_all();
        self.on_seen(seen);
    }

    /// What holds terminal `id` now.
    pub fn terminal_state(&self, id: TermId) -> crate::model::terminal_state::TermState {
        self.commands.state(&self.rt, id)
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        let cascade = self.cascades.iter().map(|(t, _)| *t).min();
        let stopping = (!self.stopping.is_empty()).then(|| Instant::now() + POLL);
        let running = self
            .outcomes
            .values()
            .any(Outcome::is_running)
            .then(|| Instant::now() + Duration::from_secs(1));
        [
            cascade,
            stopping,
            running,
            self.commands.next_deadline(),
            self.checks_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn on_seen(&mut self, seen: Vec<Seen>) {
        for s in seen {
            match s {
                Seen::Action(r, o) if r == INTERNAL => {
                    self.outcomes.insert(r, o);
                    self.notes.push(Note::InternalDone);
                }
                Seen::Action(r, o) => self.settle(r, o),
                Seen::Notice(n) => self.notes.push(Note::Notice(n)),
                Seen::TerminalExited(id) => self.notes.push(Note::TerminalExited(id)),
            }
        }
    }

    /// Handle an event from the runtime's threads.
    pub fn on_event(&mut self, ev: &Event) {
        self.rt.on_event(ev);
        match ev {
            Event::Mark(id, m) => {
                let seen = self.commands.on_mark(*id, *m);
                self.on_seen(seen);
            }
            Event::Exited(id) => {
                let seen = self.commands.on_exit(*id);
                self.on_seen(seen);
            }
            Event::Dashboard(i, gen, data) => self.on_dashboard_data(*i, *gen, data),
            Event::Grafana => self.on_grafana_change(),
            Event::DashboardCheck(r, data) => self.on_check_data(*r, data),
            Event::Examiner(r, res) => {
                self.exam_stops.retain(|(a, _)| a != r);
                // A card shows the last lines; more would only be copied around.
                let lines: Vec<&str> = res
                    .output
                    .lines()
                    .rev()
                    .filter(|l| !l.trim().is_empty())
                    .take(8)
                    .collect();
                let kept: Vec<&str> = lines.into_iter().rev().collect();
                self.outputs.insert(*r, kept.join("\n"));
                let o = if res.passed {
                    Outcome::passed(res.summary())
                } else {
                    Outcome::failed(res.summary())
                };
                self.settle(*r, o);
            }
            Event::Done(r, result) => {
                let o = match result {
                    Ok(note) => Outcome::passed(note.clone()),
                    Err(why) => Outcome::failed(why.clone()),
                };
                self.settle(*r, o);
            }
            _ => {}
        }
    }

    /// Advance timers: escalations, checks, interrupts, cascades.
    pub fn on_timer(&mut self, now: Instant) {
        let seen = self.commands.on_timer(&mut self.rt, self.mode, now);
        self.on_seen(seen);
        self.checks_on_timer(now);
        let stopping = std::mem::take(&mut self.stopping);
        for s in stopping {
            let busy: Vec<String> = s
                .terms
                .iter()
                .filter_map(|id| self.rt.terminals.get(*id))
                .filter(|t| t.foreground_job().is_some())
                .map(|t| t.name.clone())
                .collect();
            if busy.is_empty() {
                self.settle(s.action, Outcome::passed("stopped"));
            } else if now >= s.until {
                self.settle(
                    s.action,
                    Outcome::failed(format!(
                        "still running in terminal {} after {}s",
                        busy.join(", "),
                        STOP_WAIT.as_secs()
                    )),
                );
            } else {
                self.stopping.push(s);
            }
        }
        let (due, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.cascades)
            .into_iter()
            .partition(|(t, _)| *t <= now);
        self.cascades = keep;
        for (_, r) in due {
            if r.page == self.page {
                self.run(r.id);
            }
        }
    }

    /// Stop examiner tests that retry "until the learner leaves the page"
    /// (all of them, or the one of action `only`).
    fn stop_examiners(&mut self, only: Option<ActionRef>) {
        self.exam_stops.retain(|(r, s)| {
            if only.is_none_or(|o| o == *r) {
                s.store(true, Ordering::Release);
                false
            } else {
                true
            }
        });
    }

    /// Stop everything the workshop started.
    pub fn shutdown(&mut self) {
        self.stop_examiners(None);
        self.rt.shutdown();
        self.grafana = None;
    }
}
