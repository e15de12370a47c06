//! The terminal app: input becomes an `Intent`; `apply` turns intents into
//! engine calls and screen state; `draw` only reads. Actions are run by the
//! engine alone: the app shows their outcomes and what the engine brings forward.

pub mod draw;
pub mod images;
pub mod notes_view;
pub mod run;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use ratatui::layout::Rect;

use crate::action::{ActionKind, SectionAction, TerminalAction};
use crate::engine::dashboards::{DashboardContent, DashboardTab};
use crate::engine::{Answer, Engine, FormField, Note, Outcome, Request, RunFlags, Show, Why};
use crate::lesson::{walk_blocks, BlockKind};
use crate::model::ActionRef;
use crate::runtime::TermId;
use crate::ui;
use crate::ui::dashboard_view::{self, DashView, Prepared};
use crate::ui::lesson_view::{self, Laid, ViewState};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Lesson,
    Terminal(TermId),
    /// The editor or the dashboard shown on the right.
    View,
}

/// A pane enlarged to the whole screen (the presenter's zoom).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zoom {
    Lesson,
    /// The right side: the terminal shown, the editor or a dashboard.
    Side,
}

/// What the right side shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Terminals,
    Editor,
    Dashboard(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help {
        scroll: usize,
    },
    Pages {
        selected: usize,
    },
    ConfirmQuit {
        busy: Vec<String>,
    },
    /// What the workshop would run by itself, in full, before it may.
    Consent {
        scroll: usize,
        lines: Vec<String>,
    },
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
    /// A key on the dashboard shown: its time range, panels, refresh.
    Dash(DashIntent),
    /// Enlarge this pane to the whole screen, or put it back.
    ToggleZoom(Zoom),
    /// Present mode: type the rest of the command at once.
    FinishTyping,
    /// Present mode: pause typing, or go on.
    PauseTyping,
    /// Test-only: proves the panic hook restores the terminal.
    Panic,
}

/// What the keys of a focused dashboard ask for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DashIntent {
    /// Scale the time range about its middle: 2 zooms out, 0.5 in.
    Zoom(f64),
    /// Move the time range back (-1) or forward (1) by half its span.
    Shift(i64),
    /// The last span up to now, as Grafana writes its start: `now-5m`.
    Last(&'static str),
    ToggleRefresh,
    /// Select the next (1) or previous (-1) panel.
    Select(isize),
    /// The selected panel alone, or the whole dashboard again.
    ToggleFull,
    Scroll(isize),
}

/// What an input prompt is for.
#[derive(Debug, Clone, PartialEq)]
pub enum InputFor {
    Upload(ActionRef),
    /// The fields of an examiner test's `inputs` form, asked one at a time.
    ExamForm {
        action: ActionRef,
        fields: Vec<FormField>,
        values: serde_json::Map<String, serde_json::Value>,
        index: usize,
    },
}

impl InputFor {
    pub fn title(&self) -> &'static str {
        match self {
            InputFor::Upload(_) => Request::Upload {
                target: String::new(),
            }
            .title(),
            InputFor::ExamForm { .. } => Request::Form {
                test: String::new(),
                fields: Vec::new(),
            }
            .title(),
        }
    }

    fn action(&self) -> ActionRef {
        match self {
            InputFor::Upload(r) | InputFor::ExamForm { action: r, .. } => *r,
        }
    }
}

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
    pub engine: Engine,
    pub focus: Focus,
    pub selected: Option<usize>,
    pub scroll: usize,
    pub overlay: Option<Overlay>,
    pub notice: Option<String>,
    pub active_term: TermId,
    pub term_scroll: HashMap<TermId, usize>,
    /// What each terminal showed when the frame was prepared: drawing never
    /// waits for a terminal that is busy parsing output.
    pub screens: HashMap<TermId, tui_term::vt100::Screen>,
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
        std::sync::Arc<crate::ui::highlight::Lines>,
    )>,
    pub view: View,
    /// `section:begin` ids whose contents are folded on this page.
    pub folded: HashSet<usize>,
    /// The logs shown behind `L`, and when they were read.
    pub logs: (Option<Instant>, Vec<ratatui::text::Line<'static>>),
    /// The selected panel, full screen and scrolling of the dashboard shown.
    pub dash: DashView,
    /// The dashboard shown, drawn off screen when it changes (not per frame).
    pub dash_drawn: Option<Prepared>,
    /// Refresh intervals of dashboards whose auto-refresh was turned off.
    refresh_off: HashMap<usize, Duration>,
    laid_key: Option<(u16, usize, u64, u64)>,
    generation: u64,
    /// Terminals, services and setup started (only once the workshop is trusted).
    launched: bool,
    /// Where to load the workshop again from when its content changes.
    pub reload_from: Option<(std::path::PathBuf, crate::workshop::LoadOptions)>,
    /// When to load it again (changes come in bursts: wait for the last).
    reload_at: Option<Instant>,
    /// A content error after a reload, shown over the lesson until fixed.
    pub banner: Option<String>,
    /// The page list's marks, made in `prepare` while the list is open.
    pub page_marks: Vec<crate::engine::PageStatus>,
    /// The ids of each page's runnable actions (pages are parsed once per load).
    page_actions: Vec<Vec<usize>>,
    /// `lectern present`: commands are typed; its keys are on.
    pub present: bool,
    pub zoom: Option<Zoom>,
    /// The lesson's images, decoded and ready to draw.
    pub images: images::Images,
}

/// How long content must be quiet after a change before it is loaded again.
const RELOAD_QUIET: Duration = Duration::from_millis(60);

/// The consent overlay's text: each thing the workshop runs, in full.
pub fn consent_lines(title: &str, items: &[crate::engine::consent::Item]) -> Vec<String> {
    let mut out = vec![
        format!("“{title}” runs these on your machine when you let it:"),
        String::new(),
    ];
    for it in items {
        out.push(format!("■ {}", it.title));
        out.extend(it.text.lines().map(|l| format!("    {l}")));
        out.push(String::new());
    }
    out.push(
        "Until you agree, nothing of it runs: the lesson is read-only. Your answer \"yes\" is kept until the workshop's content changes."
            .into(),
    );
    out
}

impl App {
    pub fn new(mut engine: Engine, restart: bool, trust: bool) -> App {
        let notice = engine.resume(restart);
        // Trusted before (this very content), told so now, or nothing runs by
        // itself. The list of what runs reads every page: made only when asked.
        let items = if trust || engine.trusted() {
            Vec::new()
        } else {
            crate::engine::consent::what_runs(&engine.ws)
        };
        let consent = if items.is_empty() {
            engine.trust();
            None
        } else {
            Some(Overlay::Consent {
                scroll: 0,
                lines: consent_lines(&engine.ws.title, &items),
            })
        };
        let mut app = App {
            engine,
            focus: Focus::Lesson,
            selected: None,
            scroll: 0,
            overlay: None,
            notice,
            active_term: 0,
            term_scroll: HashMap::new(),
            screens: HashMap::new(),
            areas: Areas::default(),
            laid: Laid::default(),
            quit: false,
            clipboard: None,
            highlighted: None,
            view: View::Terminals,
            folded: Default::default(),
            logs: (None, Vec::new()),
            dash: DashView::default(),
            dash_drawn: None,
            refresh_off: HashMap::new(),
            laid_key: None,
            generation: 0,
            launched: false,
            reload_from: None,
            reload_at: None,
            banner: None,
            page_marks: Vec::new(),
            page_actions: Vec::new(),
            present: false,
            zoom: None,
            images: Default::default(),
        };
        app.overlay = consent;
        app.selected = app.visible_cards().first().copied();
        app.folded = app.initial_folds();
        app.take_notes();
        app
    }

    /// Ids of the cards a learner can select on this page (shown, not folded away).
    pub fn visible_cards(&self) -> Vec<usize> {
        if !self.laid.cards.is_empty() || self.laid_key.is_some() {
            return self.laid.cards.iter().map(|c| c.id).collect();
        }
        self.engine
            .doc
            .lesson
            .actions()
            .iter()
            .filter(|a| {
                !a.action.common.hidden
                    && !matches!(
                        a.action.kind,
                        ActionKind::Section(SectionAction::End { .. })
                    )
            })
            .map(|a| a.id)
            .collect()
    }

    /// Lay out the lesson for `width` when something changed.
    pub fn relayout(&mut self, width: u16) {
        // Running cards show a clock in whole seconds (tenths below 10 s): lay
        // out again when what it shows changes, not on every frame.
        let clock = self
            .engine
            .outcomes
            .values()
            .filter_map(|o| match o {
                Outcome::Running { since, .. } => Some(since.elapsed().as_millis() as u64 / 100),
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
        let key = (
            width,
            self.engine.page,
            self.generation.wrapping_add(clock << 32),
            crate::ui::highlight::generation(),
        );
        if self.laid_key == Some(key) {
            return;
        }
        let outcomes = self.engine.page_outcomes();
        let outputs: HashMap<usize, String> = self
            .engine
            .outputs
            .iter()
            .filter(|(r, _)| r.page == self.engine.page)
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
            images: &self.images.sizes,
        };
        self.laid = lesson_view::layout(&self.engine.doc.lesson, width, &st);
        self.laid_key = Some(key);
        for i in &self.laid.images {
            self.images.prepare(&i.url, i.cols, i.rows);
        }
    }

    fn changed(&mut self) {
        self.generation = self.generation.wrapping_add(1);
    }

    pub fn open_page(&mut self, index: usize) {
        if index >= self.engine.page_count() {
            return;
        }
        self.engine.open_page(index);
        self.scroll = 0;
        self.laid = Laid::default();
        self.laid_key = None;
        self.selected = self.visible_cards().first().copied();
        self.folded = self.initial_folds();
        self.changed();
        self.autostart();
        self.take_notes();
    }

    fn autostart(&mut self) {
        // Inside a folded section, autostart waits until the section is opened.
        let ids: Vec<usize> = self
            .engine
            .autostart_ids()
            .into_iter()
            .filter(|id| !self.in_folded_section(*id))
            .collect();
        self.autostart_ids(ids);
    }

    fn autostart_ids(&mut self, ids: Vec<usize>) {
        if ids.is_empty() {
            return;
        }
        if self.engine.read_only() {
            self.notice =
                Some("autostart actions skipped: the workshop is read-only (T to review)".into());
            return;
        }
        for id in ids {
            self.run_action(id);
        }
    }

    /// Run action `id` of the current page: the engine does it; the app shows it.
    /// A card whose terminal was busy runs again after interrupting what runs there.
    pub fn run_action(&mut self, id: usize) {
        let r = ActionRef {
            page: self.engine.page,
            id,
        };
        let busy = matches!(
            self.engine.outcome(r),
            Some(Outcome::NeedsPerson(Why::TerminalBusy { .. }))
        );
        self.engine.run_with(
            id,
            RunFlags {
                interrupt_first: busy,
            },
        );
        self.changed();
        self.take_notes();
    }

    /// Act on what the engine says besides outcomes.
    fn take_notes(&mut self) {
        for n in self.engine.take_notes() {
            match n {
                Note::Changed(_) => {}
                Note::Notice(m) => self.notice = Some(m),
                Note::Show(s) => self.show(s),
                Note::FocusTerminal(id) => {
                    self.active_term = id;
                    self.view = View::Terminals;
                    self.focus = Focus::Terminal(id);
                }
                Note::Clipboard(text) => self.clipboard = Some(text),
                Note::Ask(r, req) => self.ask(r, req),
                Note::Section(id, s) => self.section(id, &s),
                Note::TerminalExited(id) => {
                    let name = self
                        .engine
                        .rt
                        .terminals
                        .get(id)
                        .map(|t| t.name.clone())
                        .unwrap_or_default();
                    self.notice = Some(format!("the shell in terminal {name} exited"));
                }
                Note::DashboardRemoved(i) => {
                    if self.view == View::Dashboard(i) {
                        self.view = View::Terminals;
                    }
                    // Tabs after it move down: their view state would not match.
                    self.dash = DashView::default();
                    self.dash_drawn = None;
                    self.refresh_off.clear();
                }
                Note::InternalDone => {
                    // The external editor exited: show the file as it is now.
                    if let Some(f) = self.engine.editor.current_mut() {
                        f.refresh();
                    }
                    self.view = View::Editor;
                    self.focus = Focus::View;
                }
            }
        }
        self.changed();
    }

    fn show(&mut self, s: Show) {
        match s {
            Show::Terminals => self.view = View::Terminals,
            Show::Terminal(id) => {
                self.view = View::Terminals;
                self.active_term = id;
                self.term_scroll.remove(&id);
            }
            Show::Editor => {
                self.view = View::Editor;
                let h = self.view_height();
                if let Some(f) = self.engine.editor.current_mut() {
                    if let Some(s) = f.selection {
                        f.reveal(s.start.0, h);
                    }
                }
            }
            Show::Dashboard(i) => self.view = View::Dashboard(i),
        }
    }

    fn ask(&mut self, r: ActionRef, req: Request) {
        self.overlay = Some(match req {
            Request::Upload { target } => Overlay::Input {
                prompt: format!("Local file to upload to {target}:"),
                value: String::new(),
                target: InputFor::Upload(r),
            },
            Request::Form { fields, .. } => {
                let Some(first) = fields.first() else {
                    self.engine.answer(r, Answer::Form(Default::default()));
                    return;
                };
                Overlay::Input {
                    prompt: first.prompt.clone(),
                    value: first.default.clone(),
                    target: InputFor::ExamForm {
                        action: r,
                        fields,
                        values: Default::default(),
                        index: 0,
                    },
                }
            }
        });
    }

    /// An answer to the input prompt.
    fn input_done(&mut self, value: String, target: InputFor) {
        match target {
            InputFor::Upload(r) => self.engine.answer(r, Answer::Text(value)),
            InputFor::ExamForm {
                action,
                fields,
                mut values,
                index,
            } => {
                let f = &fields[index];
                values.insert(
                    f.key.clone(),
                    crate::engine::examiner_value(&f.kind, &value),
                );
                if index + 1 < fields.len() {
                    self.overlay = Some(Overlay::Input {
                        prompt: fields[index + 1].prompt.clone(),
                        value: fields[index + 1].default.clone(),
                        target: InputFor::ExamForm {
                            action,
                            fields,
                            values,
                            index: index + 1,
                        },
                    });
                } else {
                    self.engine.answer(action, Answer::Form(values));
                }
            }
        }
        self.take_notes();
    }

    /// A section card ran: fold or unfold it; autostart actions inside start when it opens.
    fn section(&mut self, id: usize, s: &SectionAction) {
        match s {
            SectionAction::Begin { .. } => {
                let was_open = !self.folded.remove(&id);
                if was_open {
                    self.folded.insert(id);
                } else {
                    let inside: Vec<usize> = self
                        .engine
                        .doc
                        .lesson
                        .actions()
                        .iter()
                        .filter(|a| a.id > id)
                        .take_while(|a| {
                            !matches!(
                                a.action.kind,
                                ActionKind::Section(SectionAction::End { .. })
                            )
                        })
                        .filter(|a| a.action.common.autostart && !self.in_folded_section(a.id))
                        .map(|a| a.id)
                        .collect();
                    self.autostart_ids(inside);
                }
            }
            SectionAction::End { name, toggle } => {
                if *toggle {
                    if let Some(b) = self.matching_begin(id, name.as_deref()) {
                        self.folded.insert(b);
                    }
                }
            }
            SectionAction::Heading { .. } => {}
        }
    }

    /// Whether action `id` sits inside a section that is folded.
    fn in_folded_section(&self, id: usize) -> bool {
        let mut open: Vec<usize> = Vec::new();
        for a in self.engine.doc.lesson.actions() {
            if a.id == id {
                return open.iter().any(|b| self.folded.contains(b));
            }
            match &a.action.kind {
                ActionKind::Section(SectionAction::Begin { .. }) => open.push(a.id),
                ActionKind::Section(SectionAction::End { .. }) => {
                    open.pop();
                }
                _ => {}
            }
        }
        false
    }

    /// The `section:begin` ids of a page that start folded.
    fn initial_folds(&self) -> HashSet<usize> {
        let mut out = HashSet::new();
        walk_blocks(&self.engine.doc.lesson.blocks, &mut |b| {
            if let BlockKind::Action(a) = &b.kind {
                if let ActionKind::Section(SectionAction::Begin { open: false, .. }) = a.action.kind
                {
                    out.insert(a.id);
                }
            }
        });
        out
    }

    /// The `section:begin` that a `section:end` closes: same name, else the nearest open one.
    fn matching_begin(&self, end_id: usize, end_name: Option<&str>) -> Option<usize> {
        let mut stack: Vec<(usize, Option<String>)> = Vec::new();
        for a in self.engine.doc.lesson.actions() {
            if a.id == end_id {
                return match end_name {
                    Some(n) => stack
                        .iter()
                        .rev()
                        .find(|(_, name)| name.as_deref() == Some(n))
                        .map(|(id, _)| *id),
                    None => stack.last().map(|(id, _)| *id),
                };
            }
            match &a.action.kind {
                ActionKind::Section(SectionAction::Begin { name, .. }) => {
                    stack.push((a.id, name.clone()))
                }
                ActionKind::Section(SectionAction::End { .. }) => {
                    stack.pop();
                }
                _ => {}
            }
        }
        None
    }

    pub fn view_height(&self) -> usize {
        usize::from(self.areas.view.height.saturating_sub(2)).max(5)
    }

    /// Events from the runtime: the engine takes them; the app shows the result.
    pub fn on_event(&mut self, ev: &crate::runtime::Event) {
        if let crate::runtime::Event::ContentChanged = ev {
            self.reload_at = Some(Instant::now() + RELOAD_QUIET);
            return;
        }
        self.engine.on_event(ev);
        self.take_notes();
    }

    /// Load the workshop again and show it, same page and scroll; a content
    /// error becomes a banner, and the last good content stays.
    fn reload(&mut self) {
        let Some((dir, opts)) = self.reload_from.clone() else {
            return;
        };
        match crate::workshop::load(&dir, &opts) {
            Ok(ws) if ws.pages.is_empty() => {
                self.banner =
                    Some("the workshop has no pages now; showing the last good content".into());
            }
            Ok(ws) => {
                let scroll = self.scroll;
                self.engine.reload(ws);
                self.page_actions.clear();
                self.laid_key = None;
                self.folded = self.initial_folds();
                self.scroll = scroll;
                let base = std::env::current_dir().unwrap_or_default();
                self.banner = self
                    .engine
                    .ws
                    .diagnostics
                    .iter()
                    .chain(self.engine.doc.diagnostics.iter())
                    .find(|d| d.severity == crate::diag::Severity::Error)
                    .map(|d| {
                        let file = d.file.strip_prefix(&base).unwrap_or(&d.file);
                        format!("{}:{}: {}", file.display(), d.line, d.message)
                    });
                self.changed();
            }
            Err(e) => self.banner = Some(format!("cannot load the workshop: {e}")),
        }
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        let dash = match self.view {
            View::Dashboard(i) => self.engine.dashboard_deadline(i),
            _ => None,
        };
        [dash, self.engine.next_deadline(), self.reload_at]
            .into_iter()
            .flatten()
            .min()
    }

    pub fn on_timer(&mut self, now: Instant) {
        if self.reload_at.is_some_and(|t| t <= now) {
            self.reload_at = None;
            self.reload();
        }
        if let View::Dashboard(i) = self.view {
            if self
                .engine
                .dashboard_deadline(i)
                .is_some_and(|at| at <= now)
            {
                self.engine.query_dashboard(i);
            }
        }
        self.engine.on_timer(now);
        self.take_notes();
    }

    pub fn apply(&mut self, intent: Intent) {
        match intent {
            Intent::Quit => {
                let busy = self.engine.rt.busy_terminals();
                if busy.is_empty() {
                    self.quit = true;
                } else {
                    self.overlay = Some(Overlay::ConfirmQuit { busy });
                }
            }
            Intent::ForceQuit => self.quit = true,
            Intent::NextPage => {
                if let Some(reason) = self.engine.lock_reason() {
                    self.notice = Some(reason);
                } else if self.engine.page + 1 < self.engine.page_count() {
                    self.open_page(self.engine.page + 1);
                } else {
                    self.notice = Some("this is the last page".into());
                }
            }
            Intent::PrevPage => {
                if self.engine.page > 0 {
                    self.open_page(self.engine.page - 1);
                }
            }
            Intent::GotoPage(i) => {
                // Jumping ahead past a locked page is not allowed either.
                if i > self.engine.page && self.engine.lock_reason().is_some() {
                    self.notice = self.engine.lock_reason();
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
                if let Some(a) = self.selected.and_then(|id| self.engine.action(id)) {
                    let text = match &a.kind {
                        ActionKind::Terminal(TerminalAction::Execute { command, .. }) => {
                            command.clone()
                        }
                        ActionKind::Copy { text, .. } => text.clone(),
                        _ => a.card().body,
                    };
                    self.clipboard = Some(text);
                    self.notice = Some("copied to the clipboard".into());
                }
            }
            Intent::FocusLesson => {
                self.focus = Focus::Lesson;
                self.changed();
            }
            Intent::FocusTerminal(id) => {
                if id < self.engine.rt.terminals.len() {
                    self.active_term = id;
                    self.focus = Focus::Terminal(id);
                    self.changed();
                }
            }
            Intent::TermBytes(b) => {
                if let Focus::Terminal(id) = self.focus {
                    if b.contains(&0x03) {
                        self.engine.cancel_typing(id);
                    }
                    self.term_scroll.remove(&id);
                    if let Some(t) = self.engine.rt.terminals.get(id) {
                        if let Ok(mut p) = t.parser.lock() {
                            p.screen_mut().set_scrollback(0);
                        }
                        t.write(&b);
                    }
                }
            }
            Intent::TermScroll(id, n) => {
                if let Some(t) = self.engine.rt.terminals.get(id) {
                    if let Ok(mut p) = t.parser.lock() {
                        // The parser's offset, not the one last set: output
                        // arriving meanwhile moves it to keep the view still.
                        let cur = p.screen().scrollback();
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
                    if let Some(t) = self.engine.rt.terminals.get(id) {
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
            Intent::CloseOverlay => {
                // A request left unanswered: its action does not hang as running.
                if let Some(Overlay::Input { target, .. }) = self.overlay.take() {
                    self.engine.answer(target.action(), Answer::Cancel);
                    self.take_notes();
                }
            }
            Intent::OverlayMove(d) => match &mut self.overlay {
                Some(Overlay::Pages { selected }) => {
                    *selected = (*selected as isize + d)
                        .clamp(0, self.engine.page_count() as isize - 1)
                        as usize;
                }
                Some(Overlay::SetupLog { scroll })
                | Some(Overlay::Consent { scroll, .. })
                | Some(Overlay::Help { scroll }) => {
                    *scroll = (*scroll as isize + d).max(0) as usize
                }
                _ => {}
            },
            Intent::OverlayAccept => match self.overlay.take() {
                Some(Overlay::Pages { selected }) => self.apply(Intent::GotoPage(selected)),
                Some(Overlay::ConfirmQuit { .. }) => self.quit = true,
                Some(Overlay::Consent { .. }) => self.apply(Intent::Trust(true)),
                Some(Overlay::Input { value, target, .. }) => self.input_done(value, target),
                _ => {}
            },
            Intent::Trust(yes) => {
                self.overlay = None;
                if yes {
                    self.engine.trust();
                    if let Err(e) = self.launch() {
                        self.notice = Some(format!("cannot start the terminals: {e}"));
                    }
                    self.start();
                } else {
                    self.engine.decline();
                    self.notice = Some(
                        "read-only: nothing of this workshop runs (T shows what it would run)"
                            .into(),
                    );
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
                    View::Terminals => Focus::Terminal(self.active_term),
                    _ => Focus::View,
                };
                self.changed();
            }
            Intent::ViewScroll(n) => match self.view {
                View::Editor if self.engine.editor.show_search => {
                    if let Some(s) = &mut self.engine.editor.search {
                        s.selected = (s.selected as isize + n)
                            .clamp(0, s.hits.len().saturating_sub(1) as isize)
                            as usize;
                    }
                }
                View::Editor => {
                    if let Some(f) = self.engine.editor.current_mut() {
                        let max = f.text.lines().count().saturating_sub(1);
                        f.scroll = (f.scroll as isize + n).clamp(0, max as isize) as usize;
                    }
                }
                View::Dashboard(_) => self.dash_intent(DashIntent::Scroll(n)),
                View::Terminals => {}
            },
            Intent::SearchOpen => {
                let hit = self
                    .engine
                    .editor
                    .search
                    .as_ref()
                    .and_then(|s| s.hits.get(s.selected).cloned());
                if let Some(h) = hit {
                    let height = self.view_height();
                    match self.engine.editor.open(h.path.clone()) {
                        Ok(f) => {
                            f.selection = Some(crate::model::selection::Selection {
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
                self.notice = Some(match self.engine.editor.undo() {
                    Ok(m) | Err(m) => m,
                });
            }
            Intent::ExternalEditor => {
                let Some(path) = self.engine.editor.current().map(|f| f.path.clone()) else {
                    self.notice = Some("no file is open in the editor".into());
                    return;
                };
                let set = |k: &str| std::env::var(k).ok().filter(|e| !e.trim().is_empty());
                let editor = set("VISUAL")
                    .or_else(|| set("EDITOR"))
                    .unwrap_or_else(|| "vi".into());
                let quoted = format!("'{}'", path.to_string_lossy().replace('\'', "'\\''"));
                if let Some(id) = self
                    .engine
                    .run_internal("edit", &format!("{editor} {quoted}"))
                {
                    self.view = View::Terminals;
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
            Intent::Dash(d) => self.dash_intent(d),
            Intent::ToggleZoom(z) => {
                self.zoom = if self.zoom == Some(z) { None } else { Some(z) };
                self.changed();
            }
            Intent::FinishTyping => {
                if self.engine.typing() {
                    self.engine.finish_typing();
                    self.take_notes();
                } else {
                    self.notice = Some("nothing is being typed".into());
                }
            }
            Intent::PauseTyping => {
                if self.engine.typing() {
                    let paused = self.engine.toggle_typing_pause();
                    self.notice = Some(if paused {
                        "typing paused (s goes on, f finishes)".into()
                    } else {
                        "typing goes on".into()
                    });
                } else {
                    self.notice = Some("nothing is being typed".into());
                }
            }
            Intent::Panic => panic!("test-only panic requested (LECTERN_TEST_PANIC)"),
        }
    }

    /// The view state of dashboard tab `i` (a tab not looked at yet starts afresh).
    pub fn dash_view(&self, i: usize) -> DashView {
        if self.dash.tab == i {
            self.dash
        } else {
            DashView {
                tab: i,
                ..DashView::default()
            }
        }
    }

    /// Every dashboard key lands here: time range, refresh, panels, scrolling.
    fn dash_intent(&mut self, d: DashIntent) {
        let View::Dashboard(i) = self.view else {
            return;
        };
        self.dash = self.dash_view(i);
        let Some(DashboardTab {
            content:
                DashboardContent::Grafana {
                    dash,
                    from,
                    to,
                    refresh,
                    ..
                },
            ..
        }) = self.engine.dashboards.get_mut(i)
        else {
            return;
        };
        let panels = dash.panels.len();
        match d {
            DashIntent::Zoom(_) | DashIntent::Shift(_) | DashIntent::Last(_) => {
                let now = now_ms();
                let next = match d {
                    DashIntent::Zoom(f) => crate::model::series::zoom(from, to, f, now),
                    DashIntent::Shift(dir) => crate::model::series::shift(from, to, dir, now),
                    DashIntent::Last(start) => Ok((start.to_string(), "now".to_string())),
                    _ => return,
                };
                match next {
                    Ok((f, t)) => {
                        (*from, *to) = (f, t);
                        self.engine.query_dashboard(i);
                    }
                    Err(e) => self.notice = Some(e),
                }
            }
            DashIntent::ToggleRefresh => match refresh.take() {
                Some(r) => {
                    self.refresh_off.insert(i, r);
                    self.notice = Some("auto-refresh off (r turns it back on)".into());
                }
                None => {
                    let r = self
                        .refresh_off
                        .remove(&i)
                        .or(dash.refresh)
                        .unwrap_or(Duration::from_secs(5));
                    *refresh = Some(r);
                    self.notice = Some(format!("auto-refresh every {}s", r.as_secs()));
                    self.engine.query_dashboard(i);
                }
            },
            DashIntent::Select(n) if panels > 0 => {
                let next = match self.dash.selected {
                    Some(s) => (s as isize + n).rem_euclid(panels as isize) as usize,
                    None if n < 0 => panels - 1,
                    None => 0,
                };
                self.dash.selected = Some(next);
                self.reveal_panel(next);
            }
            DashIntent::ToggleFull if panels > 0 => {
                self.dash.selected.get_or_insert(0);
                self.dash.full = !self.dash.full;
            }
            DashIntent::Scroll(n) => {
                let max = self
                    .dash_drawn
                    .as_ref()
                    .filter(|p| p.tab() == i)
                    .map_or(0, |p| p.max_scroll(self.areas.view));
                self.dash.scroll = (self.dash.scroll as isize + n).clamp(0, max as isize) as u16;
            }
            _ => {}
        }
    }

    /// Scroll the dashboard so that panel `p` is in sight.
    fn reveal_panel(&mut self, p: usize) {
        let Some(drawn) = self
            .dash_drawn
            .as_ref()
            .filter(|d| d.tab() == self.dash.tab)
        else {
            return;
        };
        let Some((_, r)) = drawn.places.iter().find(|(i, _)| *i == p) else {
            return;
        };
        let h = self.areas.view.height.saturating_sub(2);
        if r.y < self.dash.scroll {
            self.dash.scroll = r.y;
        } else if r.y + r.height > self.dash.scroll + h {
            self.dash.scroll = (r.y + r.height).saturating_sub(h).min(r.y);
        }
    }

    /// The tabs on the right, in order: each terminal, the editor, each dashboard.
    pub fn tabs(&self) -> Vec<Tab> {
        let mut v: Vec<Tab> = self
            .engine
            .rt
            .terminals
            .iter()
            .map(|t| Tab::Terminal(t.id))
            .collect();
        v.push(Tab::Editor);
        for (i, d) in self.engine.dashboards.iter().enumerate() {
            if !matches!(d.content, DashboardContent::Terminal(_)) {
                v.push(Tab::Dashboard(i));
            }
        }
        v
    }

    pub fn current_tab(&self) -> Tab {
        match self.view {
            View::Terminals => Tab::Terminal(self.active_term),
            View::Editor => Tab::Editor,
            View::Dashboard(i) => Tab::Dashboard(i),
        }
    }

    pub fn select_tab(&mut self, t: Tab) {
        match t {
            Tab::Terminal(id) => {
                self.view = View::Terminals;
                self.active_term = id;
            }
            Tab::Editor => self.view = View::Editor,
            Tab::Dashboard(i) => {
                self.view = View::Dashboard(i);
                self.engine.query_dashboard(i);
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
                self.engine
                    .rt
                    .terminals
                    .get(id)
                    .map_or("?", |t| t.name.as_str())
            ),
            Tab::Editor => "Editor".into(),
            Tab::Dashboard(i) => self
                .engine
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
        let mut ids: Vec<usize> = self.engine.rt.terminals.iter().map(|t| t.id).collect();
        let (mut lesson, mut terms, status) = ui::layout(area, ids.len());
        let active = self.active_term.min(ids.len().saturating_sub(1));
        match self.zoom {
            Some(Zoom::Lesson) => {
                lesson = Rect {
                    height: status.y.saturating_sub(area.y),
                    ..area
                };
                terms = Rect::default();
            }
            Some(Zoom::Side) if !ids.is_empty() => {
                terms = Rect {
                    height: status.y.saturating_sub(area.y),
                    ..area
                };
                lesson = Rect::default();
                // The terminal shown alone, never stacked with the others.
                ids = vec![active];
            }
            _ => {}
        }
        let (tabs, mut panes) = ui::term_areas(terms, &ids, active);
        self.areas.view = Rect::default();
        if self.view != View::Terminals {
            // The editor or a dashboard takes the place of the terminals.
            let body = Rect {
                y: terms.y + 1,
                height: terms.height.saturating_sub(1),
                ..terms
            };
            self.areas.view = body;
            let keep = panes.first().map(|(_, r)| *r);
            panes.clear();
            for t in &mut self.engine.rt.terminals {
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
        for t in &mut self.engine.rt.terminals {
            let pane = panes
                .iter()
                .find(|(id, _)| *id == t.id)
                .map(|(_, r)| *r)
                .or_else(|| (!stacked).then(|| panes.first().map(|(_, r)| *r)).flatten());
            if let Some(r) = pane {
                t.resize(r.height.saturating_sub(2), r.width.saturating_sub(2));
            }
            t.dirty.store(false, std::sync::atomic::Ordering::Release);
            // A terminal parsing a flood may hold its parser, or be stopped
            // by the scheduler while it does: keep its last screen rather
            // than make the frame (and a key's echo elsewhere) wait. It
            // reports its output again, so a fresh one follows.
            let shot = match t.parser.try_lock() {
                Ok(p) => Some(p.screen().snapshot()),
                Err(std::sync::TryLockError::WouldBlock) if !self.screens.contains_key(&t.id) => {
                    t.parser.lock().ok().map(|p| p.screen().snapshot())
                }
                Err(_) => None,
            };
            if let Some(shot) = shot {
                self.screens.insert(t.id, shot);
            }
        }
        if let Some((_, r)) = panes.first() {
            self.engine
                .rt
                .set_default_size(r.height.saturating_sub(2), r.width.saturating_sub(2));
        }
        if let Some(page) = self.engine.current_page() {
            let urls: Vec<String> = self
                .engine
                .doc
                .lesson
                .images()
                .into_iter()
                .map(|(u, _)| u)
                .collect();
            let path = page.path.clone();
            let tx = self.engine.rt.sender();
            if self.images.want(&self.engine.ws, &path, &urls, &tx) {
                self.changed();
            }
        }
        self.relayout(self.areas.lesson_inner.width);
        self.highlight_editor_file();
        // The dashboard shown is drawn off screen when it changed, not per frame.
        match self.view {
            View::Dashboard(i) if i < self.engine.dashboards.len() => {
                let view = self.dash_view(i);
                dashboard_view::refresh(
                    &mut self.dash_drawn,
                    &self.engine.dashboards[i],
                    i,
                    self.areas.view,
                    &view,
                    self.focus == Focus::View,
                    now_ms(),
                );
            }
            _ => self.dash_drawn = None,
        }
        if matches!(self.overlay, Some(Overlay::Pages { .. })) {
            let ws = &self.engine.ws;
            if self.page_actions.len() != ws.pages.len() {
                self.page_actions = (0..ws.pages.len())
                    .map(|i| {
                        crate::page::load(ws, i)
                            .lesson
                            .actions()
                            .iter()
                            .filter(|a| !matches!(a.action.kind, ActionKind::Section(_)))
                            .map(|a| a.id)
                            .collect()
                    })
                    .collect();
            }
            self.page_marks = self
                .page_actions
                .iter()
                .enumerate()
                .map(|(i, ids)| self.engine.page_status(i, ids))
                .collect();
        }
        // The log overlay's files: read here, at most once a second, never while drawing.
        if matches!(self.overlay, Some(Overlay::SetupLog { .. })) {
            if self
                .logs
                .0
                .is_none_or(|t| t.elapsed() >= Duration::from_secs(1))
            {
                self.logs = (Some(Instant::now()), draw::log_lines(self));
            }
        } else {
            self.logs.0 = None;
        }
        let max = self.laid.lines.len().saturating_sub(1);
        self.scroll = self.scroll.min(max);
    }

    /// Highlight the editor's current file when it changed (not on every frame).
    fn highlight_editor_file(&mut self) {
        if self.view != View::Editor {
            return;
        }
        let Some(f) = self.engine.editor.current() else {
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
        // Very large files stay plain; long ones show plain until their
        // colours are made in the background.
        self.highlighted = if f.text.len() <= 128 * 1024 {
            h.cached(&ext, &f.text)
                .map(|lines| (f.path.clone(), sum, lines))
        } else {
            None
        };
    }

    /// Start the workshop's terminals, services and setup scripts, once it is trusted.
    pub fn launch(&mut self) -> std::io::Result<()> {
        if self.launched || self.engine.read_only() {
            return Ok(());
        }
        self.launched = true;
        let tx = self.engine.rt.sender();
        crate::ui::highlight::start_loading(move || {
            let _ = tx.send(crate::runtime::Event::Redraw);
        });
        self.engine.launch()?;
        self.take_notes();
        self.changed();
        Ok(())
    }

    /// Start the page the learner is on (autostart) once the app is up.
    pub fn start(&mut self) {
        if !self.engine.read_only() {
            self.autostart();
        }
        self.take_notes();
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
