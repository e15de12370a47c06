//! App state and what input does to it. Input becomes an `Intent`; `apply`
//! changes state; `ui::draw` only reads it.

mod actions;
pub mod run;
pub mod views;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use ratatui::layout::Rect;

use crate::action::{ActionKind, Cooldown, Session, TerminalAction};
use crate::page::{self, PageDoc};
use crate::progress::{Progress, Saved, Store};
use crate::runtime::{ActionRef, Outcome, Runtime, TermId, Update};
use crate::ui;
use crate::ui::lesson_view::{self, Laid, ViewState};
use crate::workshop::Workshop;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Lesson,
    Terminal(TermId),
    /// The editor or the dashboard shown on the right.
    View,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help,
    Pages {
        selected: usize,
    },
    ConfirmQuit {
        busy: Vec<String>,
    },
    Trust,
    SetupLog {
        scroll: usize,
    },
    /// A line of text from the learner: an upload's local path, or a field of an examiner form.
    Input {
        prompt: String,
        value: String,
        target: InputFor,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    Quit,
    ForceQuit,
    NextPage,
    PrevPage,
    GotoPage(usize),
    Scroll(isize),
    ScrollHome,
    ScrollEnd,
    SelectCard(isize),
    RunSelected,
    ClickLesson(u16),
    CopySelected,
    FocusLesson,
    FocusTerminal(TermId),
    TermBytes(Vec<u8>),
    TermScroll(TermId, isize),
    Paste(String),
    Open(Overlay),
    CloseOverlay,
    OverlayMove(isize),
    OverlayAccept,
    Trust(bool),
    /// Show the next / previous tab on the right: terminals, Editor, dashboards.
    CycleTab(isize),
    SelectTab(Tab),
    FocusView,
    ViewScroll(isize),
    /// Open the selected search hit.
    SearchOpen,
    Undo,
    /// Open the current file in $VISUAL / $EDITOR in a terminal.
    ExternalEditor,
    InputChar(char),
    InputBackspace,
    /// Test-only: proves the panic hook restores the terminal.
    Panic,
}

/// What an input prompt is for.
#[derive(Debug, Clone, PartialEq)]
pub enum InputFor {
    Upload(String),
    /// The fields of an examiner test's `inputs` form, asked one at a time.
    ExamForm {
        action: ActionRef,
        test: Box<crate::action::ExaminerTest>,
        /// (key, prompt, JSON type, default) of each field.
        fields: Vec<(String, String, String, String)>,
        values: serde_json::Map<String, serde_json::Value>,
        index: usize,
    },
}

/// The action reference used for commands lectern types itself (e.g. `$EDITOR`).
pub const INTERNAL: ActionRef = ActionRef {
    page: usize::MAX,
    id: 0,
};

/// A tab on the right-hand side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Terminal(TermId),
    Editor,
    Dashboard(usize),
}

/// Where things were drawn last, for mouse hit-testing and PTY sizes.
#[derive(Debug, Clone, Default)]
pub struct Areas {
    pub lesson: Rect,
    pub lesson_inner: Rect,
    pub terms: Vec<(TermId, Rect)>,
    pub tabs: Rect,
    /// The editor or dashboard area, when one is shown.
    pub view: Rect,
    pub status: Rect,
}

pub struct App {
    pub ws: Workshop,
    pub page: usize,
    pub doc: PageDoc,
    pub outcomes: HashMap<ActionRef, Outcome>,
    pub focus: Focus,
    pub selected: Option<usize>,
    pub scroll: usize,
    pub overlay: Option<Overlay>,
    pub runtime: Runtime,
    pub notice: Option<String>,
    pub active_term: TermId,
    pub term_scroll: HashMap<TermId, usize>,
    pub areas: Areas,
    pub laid: Laid,
    pub quit: bool,
    /// OSC 52 clipboard text for the driver to write to the real terminal.
    pub clipboard: Option<String>,
    /// The editor's current file, highlighted: (path, a hash of its text, one
    /// list of spans per line). Made in `prepare`, read by drawing.
    pub highlighted: Option<(
        std::path::PathBuf,
        u64,
        Vec<Vec<ratatui::text::Span<'static>>>,
    )>,
    pub editor: crate::runtime::editor::Editor,
    pub view: views::View,
    pub dashboards: Vec<views::DashboardTab>,
    /// `section:begin` ids whose contents are folded on this page.
    pub folded: std::collections::HashSet<usize>,
    /// The logs shown behind `L`, and when they were read.
    pub logs: (Option<Instant>, Vec<ratatui::text::Line<'static>>),
    /// What examiner tests printed, shown under their cards.
    pub outputs: HashMap<ActionRef, String>,
    pub allow_outside: bool,
    exam_stops: Vec<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    store: Store,
    progress: Progress,
    cascades: Vec<(Instant, ActionRef)>,
    last_run: HashMap<ActionRef, Instant>,
    laid_key: Option<(u16, usize, u64)>,
    generation: u64,
}

impl App {
    pub fn new(ws: Workshop, runtime: Runtime, store: Store, restart: bool, trust: bool) -> App {
        let (mut progress, notice) = if restart {
            store.reset();
            (Progress::default(), None)
        } else {
            store.load()
        };
        let page = progress
            .page
            .as_deref()
            .and_then(|p| ws.find_page(p))
            .unwrap_or(0);
        let mut outcomes = HashMap::new();
        for (pname, acts) in &progress.actions {
            if let Some(pi) = ws.pages.iter().position(|p| &p.name == pname) {
                for (id, saved) in acts {
                    outcomes.insert(ActionRef { page: pi, id: *id }, saved.to_outcome());
                }
            }
        }
        if trust {
            progress.trusted = Some(true);
        }
        let doc = page::load(&ws, page.min(ws.pages.len().saturating_sub(1)));
        let mut app = App {
            ws,
            page,
            doc,
            outcomes,
            focus: Focus::Lesson,
            selected: None,
            scroll: 0,
            overlay: None,
            runtime,
            notice,
            active_term: 0,
            term_scroll: HashMap::new(),
            areas: Areas::default(),
            laid: Laid::default(),
            quit: false,
            clipboard: None,
            highlighted: None,
            editor: Default::default(),
            view: views::View::Terminals,
            dashboards: Vec::new(),
            folded: Default::default(),
            outputs: HashMap::new(),
            logs: (None, Vec::new()),
            allow_outside: false,
            exam_stops: Vec::new(),
            store,
            progress,
            cascades: Vec::new(),
            last_run: HashMap::new(),
            laid_key: None,
            generation: 0,
        };
        app.selected = app.visible_cards().first().copied();
        app.folded = app.initial_folds();
        // The workshop's own dashboards (resources/workshop.yaml), as tabs.
        for d in app.ws.resources.dashboards.clone() {
            let url = crate::workshop::resources::expand_vars(&d.url, &app.ws.vars);
            // Terminals start with `launch`; until then a terminal tab is only its URL.
            let content = if url.starts_with("terminal:") {
                views::DashboardContent::Url(url.clone())
            } else {
                app.dashboard_content(&url)
            };
            app.dashboards.push(views::DashboardTab {
                name: d.name,
                url,
                content,
                builtin: false,
            });
        }
        app
    }

    pub fn page_count(&self) -> usize {
        self.ws.pages.len()
    }

    pub fn page_outcomes(&self) -> HashMap<usize, Outcome> {
        self.outcomes
            .iter()
            .filter(|(r, _)| r.page == self.page)
            .map(|(r, o)| (r.id, o.clone()))
            .collect()
    }

    /// Ids of the cards a learner can select on this page (shown, not folded away).
    pub fn visible_cards(&self) -> Vec<usize> {
        if !self.laid.cards.is_empty() || self.laid_key.is_some() {
            return self.laid.cards.iter().map(|c| c.id).collect();
        }
        self.doc
            .lesson
            .actions()
            .iter()
            .filter(|a| {
                !a.action.common.hidden
                    && !matches!(
                        a.action.kind,
                        ActionKind::Section(crate::action::SectionAction::End { .. })
                    )
            })
            .map(|a| a.id)
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
                .is_some_and(Outcome::is_success);
            (a.action.common.required && !done)
                .then(|| format!("next page locked: run “{}” first", a.action.card().label))
        })
    }

    /// Lay out the lesson for `width` when something changed.
    pub fn relayout(&mut self, width: u16) {
        // Running cards show a clock in whole seconds (tenths below 10 s): lay
        // out again when what it shows changes, not on every frame.
        let clock = self
            .outcomes
            .values()
            .filter_map(|o| match o {
                Outcome::Running { since } => Some(since.elapsed().as_millis() as u64 / 100),
                _ => None,
            })
            .max()
            .map_or(0, |tenths| {
                if tenths < 100 {
                    tenths
                } else {
                    tenths / 10 * 10
                }
            });
        let highlighted = u64::from(crate::ui::highlight::get().is_some()) << 63;
        let key = (
            width,
            self.page,
            self.generation.wrapping_add(clock << 32) ^ highlighted,
        );
        if self.laid_key == Some(key) {
            return;
        }
        let outcomes = self.page_outcomes();
        let outputs: HashMap<usize, String> = self
            .outputs
            .iter()
            .filter(|(r, _)| r.page == self.page)
            .map(|(r, o)| (r.id, o.clone()))
            .collect();
        let st = ViewState {
            outputs: &outputs,
            folded: &self.folded,
            outcomes: &outcomes,
            selected: if self.focus == Focus::Lesson {
                self.selected
            } else {
                None
            },
            now: Instant::now(),
        };
        self.laid = lesson_view::layout(&self.doc.lesson, width, &st);
        self.laid_key = Some(key);
    }

    fn changed(&mut self) {
        self.generation = self.generation.wrapping_add(1);
    }

    pub fn open_page(&mut self, index: usize) {
        if index >= self.page_count() {
            return;
        }
        self.page = index;
        self.stop_examiners();
        self.doc = page::load(&self.ws, index);
        self.scroll = 0;
        self.laid = Laid::default();
        self.laid_key = None;
        self.selected = self.visible_cards().first().copied();
        self.folded = self.initial_folds();
        self.cascades.clear();
        self.progress.page = Some(self.ws.pages[index].name.clone());
        self.save();
        self.changed();
        self.autostart();
    }

    fn autostart(&mut self) {
        // Inside a folded section, autostart waits until the section is opened.
        let ids: Vec<usize> = self
            .doc
            .lesson
            .actions()
            .iter()
            .filter(|a| a.action.common.autostart && !self.in_folded_section(a.id))
            .map(|a| a.id)
            .collect();
        self.autostart_ids(ids);
    }

    pub(crate) fn autostart_ids(&mut self, ids: Vec<usize>) {
        if ids.is_empty() {
            return;
        }
        match self.progress.trusted {
            Some(true) => {
                for id in ids {
                    self.run_action(id);
                }
            }
            Some(false) => {
                self.notice = Some(
                    "autostart actions skipped: this workshop is not trusted (start with --trust)"
                        .into(),
                )
            }
            None => self.overlay = Some(Overlay::Trust),
        }
    }

    pub fn save(&mut self) {
        let mut actions: std::collections::BTreeMap<
            String,
            std::collections::BTreeMap<usize, Saved>,
        > = Default::default();
        for (r, o) in &self.outcomes {
            if let (Some(p), Some(s)) = (self.ws.pages.get(r.page), Saved::from_outcome(o)) {
                actions.entry(p.name.clone()).or_default().insert(r.id, s);
            }
        }
        self.progress.actions = actions;
        if let Err(e) = self.store.save(&self.progress) {
            self.notice = Some(format!(
                "cannot save progress in {}: {e}",
                self.store.dir().display()
            ));
        }
    }

    fn record(&mut self, r: ActionRef, o: Outcome) {
        let success = o.is_success() && !o.is_running();
        let settled = !o.is_running();
        self.outcomes.insert(r, o);
        self.changed();
        if settled {
            self.save();
        }
        if success && r.page == self.page {
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

    /// Run action `id` of the current page.
    pub fn run_action(&mut self, id: usize) {
        let Some(ab) = self
            .doc
            .lesson
            .actions()
            .into_iter()
            .find(|a| a.id == id)
            .cloned()
        else {
            return;
        };
        let r = ActionRef {
            page: self.page,
            id,
        };
        let a = &ab.action;
        if let Some(last) = self.last_run.get(&r) {
            match a.common.cooldown {
                Cooldown::Once if self.outcomes.get(&r).is_some_and(Outcome::is_success) => {
                    self.notice = Some("this action runs only once".into());
                    return;
                }
                Cooldown::Seconds(s) if last.elapsed() < Duration::from_secs_f64(s) => {
                    self.notice = Some(format!(
                        "wait {:.0}s before running it again",
                        s - last.elapsed().as_secs_f64()
                    ));
                    return;
                }
                _ => {}
            }
        }
        self.last_run.insert(r, Instant::now());
        let outcome = match &a.kind {
            ActionKind::Terminal(t) => {
                self.view = views::View::Terminals;
                self.run_terminal(r, t)
            }
            ActionKind::Editor(e) => self.editor_action(r, e),
            ActionKind::Dashboard(d) => self.dashboard_action(d),
            ActionKind::Examiner(t) => self.examiner_action(r, t),
            ActionKind::Section(s) => self.section_action(id, s),
            ActionKind::Files(f) => self.files_action(f),
            ActionKind::Copy { text, .. } => {
                self.clipboard = Some(text.clone());
                Outcome::Done("copied to the clipboard".into())
            }
        };
        self.changed();
        self.record(r, outcome);
    }

    fn session_term(&mut self, s: &Session) -> Option<TermId> {
        match s {
            Session::Named(n) => self.runtime.terminal(n).ok(),
            Session::All => None,
        }
    }

    fn run_terminal(&mut self, r: ActionRef, t: &TerminalAction) -> Outcome {
        match t {
            TerminalAction::Execute {
                command,
                session,
                clear,
            } => {
                if let Some(id) = self.session_term(session) {
                    self.active_term = id;
                    self.term_scroll.remove(&id);
                }
                self.runtime.execute(r, session, command, *clear)
            }
            TerminalAction::Interrupt { session } => self.runtime.interrupt(r, session),
            TerminalAction::Input {
                text,
                session,
                endl,
            } => self.runtime.input(session, text, *endl),
            TerminalAction::Clear { session } => self.runtime.clear(session),
            TerminalAction::Select { session } => match self.session_term(session) {
                Some(id) => {
                    self.active_term = id;
                    self.focus = Focus::Terminal(id);
                    Outcome::Done("selected".into())
                }
                None => Outcome::Done("selected".into()),
            },
        }
    }

    pub fn on_update(&mut self, u: Update) {
        match u {
            Update::Action(r, o) if r == INTERNAL => {
                // The external editor exited: show the file as it is now.
                if !o.is_running() {
                    if let Some(f) = self.editor.current_mut() {
                        f.refresh();
                    }
                    self.view = views::View::Editor;
                    self.focus = Focus::View;
                }
            }
            Update::Action(r, o) => self.record(r, o),
            Update::Notice(n) => self.notice = Some(n),
            Update::TerminalExited(id) => {
                let name = self
                    .runtime
                    .terminals
                    .get(id)
                    .map(|t| t.name.clone())
                    .unwrap_or_default();
                self.notice = Some(format!("the shell in terminal {name} exited"));
            }
        }
        self.changed();
    }

    /// Events the runtime does not handle: dashboard data and examiner results.
    pub fn on_app_event(&mut self, ev: &crate::runtime::Event) {
        match ev {
            crate::runtime::Event::Dashboard(i, gen, data) => {
                self.on_dashboard_data(*i, *gen, data.clone())
            }
            crate::runtime::Event::Examiner(r, res) => {
                self.outputs.insert(*r, res.output.clone());
                let o = if res.passed {
                    Outcome::Done(res.summary())
                } else {
                    Outcome::Failed(res.summary())
                };
                self.record(*r, o);
            }
            _ => {}
        }
        self.changed();
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        let c = self.cascades.iter().map(|(t, _)| *t).min();
        let running = self
            .outcomes
            .values()
            .any(Outcome::is_running)
            .then(|| Instant::now() + Duration::from_secs(1));
        [c, running, self.runtime.next_deadline()]
            .into_iter()
            .flatten()
            .min()
    }

    pub fn on_timer(&mut self, now: Instant) {
        if let (Some(at), views::View::Dashboard(i)) = (self.dashboard_deadline(), self.view) {
            if at <= now {
                self.query_dashboard(i);
            }
        }
        for u in self.runtime.on_timer(now) {
            self.on_update(u);
        }
        let (due, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.cascades)
            .into_iter()
            .partition(|(t, _)| *t <= now);
        self.cascades = keep;
        for (_, r) in due {
            if r.page == self.page {
                self.run_action(r.id);
            }
        }
    }

    pub fn apply(&mut self, intent: Intent) {
        match intent {
            Intent::Quit => {
                let busy = self.runtime.busy_terminals();
                if busy.is_empty() {
                    self.quit = true;
                } else {
                    self.overlay = Some(Overlay::ConfirmQuit { busy });
                }
            }
            Intent::ForceQuit => self.quit = true,
            Intent::NextPage => {
                if let Some(reason) = self.lock_reason() {
                    self.notice = Some(reason);
                } else if self.page + 1 < self.page_count() {
                    self.open_page(self.page + 1);
                } else {
                    self.notice = Some("this is the last page".into());
                }
            }
            Intent::PrevPage => {
                if self.page > 0 {
                    self.open_page(self.page - 1);
                }
            }
            Intent::GotoPage(i) => {
                // Jumping ahead past a locked page is not allowed either.
                if i > self.page && self.lock_reason().is_some() {
                    self.notice = self.lock_reason();
                } else {
                    self.open_page(i);
                }
            }
            Intent::Scroll(n) => {
                let max = self.laid.lines.len().saturating_sub(1);
                self.scroll = (self.scroll as isize + n).clamp(0, max as isize) as usize;
            }
            Intent::ScrollHome => self.scroll = 0,
            Intent::ScrollEnd => {
                let h = usize::from(self.areas.lesson_inner.height);
                self.scroll = self.laid.lines.len().saturating_sub(h);
            }
            Intent::SelectCard(d) => {
                let cards = self.visible_cards();
                if cards.is_empty() {
                    return;
                }
                let pos = self
                    .selected
                    .and_then(|s| cards.iter().position(|c| *c == s));
                let next = match pos {
                    Some(p) => (p as isize + d).rem_euclid(cards.len() as isize) as usize,
                    None => 0,
                };
                self.selected = Some(cards[next]);
                self.changed();
                self.scroll_to_selected();
            }
            Intent::RunSelected => {
                if let Some(id) = self.selected {
                    self.run_action(id);
                }
            }
            Intent::ClickLesson(row) => {
                let line = self.scroll + usize::from(row.saturating_sub(self.areas.lesson_inner.y));
                if let Some(c) = self
                    .laid
                    .cards
                    .iter()
                    .find(|c| line >= c.start && line < c.end)
                    .copied()
                {
                    self.focus = Focus::Lesson;
                    self.selected = Some(c.id);
                    self.changed();
                    self.run_action(c.id);
                } else {
                    self.focus = Focus::Lesson;
                    self.changed();
                }
            }
            Intent::CopySelected => {
                if let Some(id) = self.selected {
                    if let Some(a) = self.doc.lesson.actions().iter().find(|a| a.id == id) {
                        let text = match &a.action.kind {
                            ActionKind::Terminal(TerminalAction::Execute { command, .. }) => {
                                command.clone()
                            }
                            ActionKind::Copy { text, .. } => text.clone(),
                            _ => a.action.card().body,
                        };
                        self.clipboard = Some(text);
                        self.notice = Some("copied to the clipboard".into());
                    }
                }
            }
            Intent::FocusLesson => {
                self.focus = Focus::Lesson;
                self.changed();
            }
            Intent::FocusTerminal(id) => {
                if id < self.runtime.terminals.len() {
                    self.active_term = id;
                    self.focus = Focus::Terminal(id);
                    self.changed();
                }
            }
            Intent::TermBytes(b) => {
                if let Focus::Terminal(id) = self.focus {
                    self.term_scroll.remove(&id);
                    if let Some(t) = self.runtime.terminals.get(id) {
                        if let Ok(mut p) = t.parser.lock() {
                            p.screen_mut().set_scrollback(0);
                        }
                        t.write(&b);
                    }
                }
            }
            Intent::TermScroll(id, n) => {
                if let Some(t) = self.runtime.terminals.get(id) {
                    if let Ok(mut p) = t.parser.lock() {
                        let cur = self.term_scroll.get(&id).copied().unwrap_or(0);
                        let next = (cur as isize + n).max(0) as usize;
                        p.screen_mut().set_scrollback(next);
                        let actual = p.screen().scrollback();
                        self.term_scroll.insert(id, actual);
                    }
                    t.dirty.store(true, std::sync::atomic::Ordering::Release);
                }
            }
            Intent::Paste(s) => {
                if let Focus::Terminal(id) = self.focus {
                    if let Some(t) = self.runtime.terminals.get(id) {
                        let bracketed = t
                            .parser
                            .lock()
                            .map(|p| p.screen().bracketed_paste())
                            .unwrap_or(false);
                        let text = s.replace("\r\n", "\r").replace('\n', "\r");
                        if bracketed {
                            t.write(format!("\x1b[200~{text}\x1b[201~").as_bytes());
                        } else {
                            t.write(text.as_bytes());
                        }
                    }
                }
            }
            Intent::Open(o) => self.overlay = Some(o),
            Intent::CloseOverlay => self.overlay = None,
            Intent::OverlayMove(d) => match &mut self.overlay {
                Some(Overlay::Pages { selected }) => {
                    *selected = (*selected as isize + d).clamp(0, self.ws.pages.len() as isize - 1)
                        as usize;
                }
                Some(Overlay::SetupLog { scroll }) => {
                    *scroll = (*scroll as isize + d).max(0) as usize
                }
                _ => {}
            },
            Intent::OverlayAccept => match self.overlay.take() {
                Some(Overlay::Pages { selected }) => self.apply(Intent::GotoPage(selected)),
                Some(Overlay::ConfirmQuit { .. }) => self.quit = true,
                Some(Overlay::Trust) => self.apply(Intent::Trust(true)),
                Some(Overlay::Input { value, target, .. }) => self.input_done(value, target),
                _ => {}
            },
            Intent::Trust(yes) => {
                self.overlay = None;
                self.progress.trusted = Some(yes);
                self.save();
                if yes {
                    self.autostart();
                } else {
                    self.notice = Some("autostart actions skipped; run them with Enter".into());
                }
            }
            Intent::CycleTab(d) => {
                let tabs = self.tabs();
                let cur = tabs
                    .iter()
                    .position(|t| *t == self.current_tab())
                    .unwrap_or(0) as isize;
                let next = tabs[(cur + d).rem_euclid(tabs.len() as isize) as usize];
                self.select_tab(next);
            }
            Intent::SelectTab(t) => self.select_tab(t),
            Intent::FocusView => {
                self.focus = match self.view {
                    views::View::Terminals => Focus::Terminal(self.active_term),
                    _ => Focus::View,
                };
                self.changed();
            }
            Intent::ViewScroll(n) => match self.view {
                views::View::Editor if self.editor.show_search => {
                    if let Some(s) = &mut self.editor.search {
                        s.selected = (s.selected as isize + n)
                            .clamp(0, s.hits.len().saturating_sub(1) as isize)
                            as usize;
                    }
                }
                views::View::Editor => {
                    if let Some(f) = self.editor.current_mut() {
                        let max = f.text.lines().count().saturating_sub(1);
                        f.scroll = (f.scroll as isize + n).clamp(0, max as isize) as usize;
                    }
                }
                _ => {}
            },
            Intent::SearchOpen => {
                let hit = self
                    .editor
                    .search
                    .as_ref()
                    .and_then(|s| s.hits.get(s.selected).cloned());
                if let Some(h) = hit {
                    let height = self.view_height();
                    match self.editor.open(h.path.clone()) {
                        Ok(f) => {
                            f.selection = Some(crate::runtime::files::Selection {
                                start: (h.line, h.cols.start),
                                end: (h.line, h.cols.end),
                            });
                            f.reveal(h.line, height);
                        }
                        Err(e) => {
                            self.notice = Some(format!("cannot open {}: {e}", h.path.display()))
                        }
                    }
                }
            }
            Intent::Undo => {
                self.notice = Some(match self.editor.undo() {
                    Ok(m) | Err(m) => m,
                });
            }
            Intent::ExternalEditor => {
                let Some(path) = self.editor.current().map(|f| f.path.clone()) else {
                    self.notice = Some("no file is open in the editor".into());
                    return;
                };
                let set = |k: &str| std::env::var(k).ok().filter(|e| !e.trim().is_empty());
                let editor = set("VISUAL")
                    .or_else(|| set("EDITOR"))
                    .unwrap_or_else(|| "vi".into());
                let quoted = format!("'{}'", path.to_string_lossy().replace('\'', "'\\''"));
                let session = Session::Named("edit".into());
                if let Some(id) = self.session_term(&session) {
                    self.runtime
                        .execute(INTERNAL, &session, &format!("{editor} {quoted}"), false);
                    self.view = views::View::Terminals;
                    self.active_term = id;
                    self.focus = Focus::Terminal(id);
                }
            }
            Intent::InputChar(c) => {
                if let Some(Overlay::Input { value, .. }) = &mut self.overlay {
                    value.push(c);
                }
            }
            Intent::InputBackspace => {
                if let Some(Overlay::Input { value, .. }) = &mut self.overlay {
                    value.pop();
                }
            }
            Intent::Panic => panic!("test-only panic requested (LECTERN_TEST_PANIC)"),
        }
    }

    /// The tabs on the right, in order: each terminal, the editor, each dashboard.
    pub fn tabs(&self) -> Vec<Tab> {
        let mut v: Vec<Tab> = self
            .runtime
            .terminals
            .iter()
            .map(|t| Tab::Terminal(t.id))
            .collect();
        v.push(Tab::Editor);
        for (i, d) in self.dashboards.iter().enumerate() {
            if !matches!(d.content, views::DashboardContent::Terminal(_)) {
                v.push(Tab::Dashboard(i));
            }
        }
        v
    }

    pub fn current_tab(&self) -> Tab {
        match self.view {
            views::View::Terminals => Tab::Terminal(self.active_term),
            views::View::Editor => Tab::Editor,
            views::View::Dashboard(i) => Tab::Dashboard(i),
        }
    }

    pub fn select_tab(&mut self, t: Tab) {
        match t {
            Tab::Terminal(id) => {
                self.view = views::View::Terminals;
                self.active_term = id;
            }
            Tab::Editor => self.view = views::View::Editor,
            Tab::Dashboard(i) => {
                self.view = views::View::Dashboard(i);
                self.query_dashboard(i);
            }
        }
        if self.focus != Focus::Lesson {
            self.apply(Intent::FocusView);
        }
        self.changed();
    }

    pub fn tab_label(&self, t: Tab) -> String {
        match t {
            Tab::Terminal(id) => format!(
                "Terminal {}",
                self.runtime
                    .terminals
                    .get(id)
                    .map_or("?", |t| t.name.as_str())
            ),
            Tab::Editor => "Editor".into(),
            Tab::Dashboard(i) => self
                .dashboards
                .get(i)
                .map_or("?".into(), |d| d.name.clone()),
        }
    }

    fn scroll_to_selected(&mut self) {
        let Some(id) = self.selected else { return };
        let Some(c) = self.laid.cards.iter().find(|c| c.id == id) else {
            return;
        };
        let h = usize::from(self.areas.lesson_inner.height.max(1));
        if c.start < self.scroll {
            self.scroll = c.start;
        } else if c.end > self.scroll + h {
            self.scroll = c.end.saturating_sub(h).min(c.start);
        }
    }

    /// Compute areas, size the PTYs to their panes and lay out the lesson.
    pub fn prepare(&mut self, area: Rect) {
        let ids: Vec<usize> = self.runtime.terminals.iter().map(|t| t.id).collect();
        let (lesson, terms, status) = ui::layout(area, ids.len());
        let active = self.active_term.min(ids.len().saturating_sub(1));
        let (tabs, mut panes) = ui::term_areas(terms, &ids, active);
        self.areas.view = Rect::default();
        if self.view != views::View::Terminals {
            // The editor or a dashboard takes the place of the terminals.
            let body = Rect {
                y: terms.y + 1,
                height: terms.height.saturating_sub(1),
                ..terms
            };
            self.areas.view = body;
            let keep = panes.first().map(|(_, r)| *r);
            panes.clear();
            for t in &mut self.runtime.terminals {
                if let Some(r) = keep {
                    t.resize(r.height.saturating_sub(2), r.width.saturating_sub(2));
                }
            }
        }
        self.areas.lesson = lesson;
        self.areas.lesson_inner = Rect {
            x: lesson.x + 1,
            y: lesson.y + 1,
            width: lesson.width.saturating_sub(2),
            height: lesson.height.saturating_sub(2),
        };
        self.areas.status = status;
        self.areas.tabs = tabs;
        self.areas.terms = panes.clone();
        let stacked = panes.len() > 1;
        for t in &mut self.runtime.terminals {
            let pane = panes
                .iter()
                .find(|(id, _)| *id == t.id)
                .map(|(_, r)| *r)
                .or_else(|| (!stacked).then(|| panes.first().map(|(_, r)| *r)).flatten());
            if let Some(r) = pane {
                t.resize(r.height.saturating_sub(2), r.width.saturating_sub(2));
            }
            t.dirty.store(false, std::sync::atomic::Ordering::Release);
        }
        if let Some((_, r)) = panes.first() {
            self.runtime
                .set_default_size(r.height.saturating_sub(2), r.width.saturating_sub(2));
        }
        self.relayout(self.areas.lesson_inner.width);
        self.highlight_editor_file();
        // The log overlay's files: read here, at most once a second, never while drawing.
        if matches!(self.overlay, Some(Overlay::SetupLog { .. })) {
            if self
                .logs
                .0
                .is_none_or(|t| t.elapsed() >= Duration::from_secs(1))
            {
                self.logs = (Some(Instant::now()), ui::log_lines(self));
            }
        } else {
            self.logs.0 = None;
        }
        let max = self.laid.lines.len().saturating_sub(1);
        self.scroll = self.scroll.min(max);
    }

    /// Highlight the editor's current file when it changed (not on every frame).
    fn highlight_editor_file(&mut self) {
        if self.view != views::View::Editor {
            return;
        }
        let Some(f) = self.editor.current() else {
            return;
        };
        let Some(h) = crate::ui::highlight::get() else {
            return;
        };
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        f.text.hash(&mut hasher);
        let sum = hasher.finish();
        if self
            .highlighted
            .as_ref()
            .is_some_and(|(p, s, _)| *p == f.path && *s == sum)
        {
            return;
        }
        let ext = f
            .path
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Very large files stay plain: highlighting them would stall the screen.
        self.highlighted = if f.text.len() <= 512 * 1024 {
            h.lines(&ext, &f.text)
                .map(|lines| (f.path.clone(), sum, lines))
        } else {
            None
        };
    }

    /// Start the workshop's terminals, services and setup scripts.
    pub fn launch(&mut self) -> std::io::Result<()> {
        let tx = self.runtime.sender();
        crate::ui::highlight::start_loading(move || {
            let _ = tx.send(crate::runtime::Event::Redraw);
        });
        crate::runtime::launch(&mut self.runtime, &self.ws, &self.store)?;
        // Dashboards of `terminal:NAME` need their terminals now.
        for i in 0..self.dashboards.len() {
            if self.dashboards[i].url.starts_with("terminal:") {
                let url = self.dashboards[i].url.clone();
                self.dashboards[i].content = self.dashboard_content(&url);
            }
        }
        self.changed();
        Ok(())
    }

    /// Start the page the learner is on (autostart) once the app is up.
    pub fn start(&mut self) {
        self.autostart();
    }
}
