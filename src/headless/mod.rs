//! `lectern test`: run a workshop without a screen, page by page and action by
//! action. The engine runs each action and decides its outcome, exactly as it
//! does for the app; this driver waits for the verdicts and reports them.

mod copy;
mod report;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedReceiver;

use crate::action::{ActionKind, DashboardAction, TerminalAction};
use crate::diag::Severity;
use crate::engine::dashboards::find_json;
use crate::engine::{self, Engine, Mode, Outcome};
use crate::model::{grafana, ActionRef};
use crate::page;
use crate::runtime::{self, Event, Store};
use crate::sanitize::clean_line;
use crate::workshop::{self, LoadOptions, Workshop};
use report::{counts, junit, print_line, short, Record, Verdict};

pub struct TestOptions {
    pub budget: Duration,
    pub junit: Option<PathBuf>,
    pub dry_run: bool,
    pub page: Option<String>,
    /// Run on the workshop's own files instead of a temporary copy.
    pub in_place: bool,
    pub allow_outside: bool,
    /// Record each terminal's output on each page to this folder.
    pub record: Option<PathBuf>,
}

/// Run action `id` of the engine's current page the way `lectern test` does:
/// start it, then feed the engine events and timers until it has a verdict
/// (or `cap` passes). For tests that compare drivers.
pub fn drive_action(
    engine: &mut Engine,
    rx: &mut UnboundedReceiver<Event>,
    id: usize,
    cap: Duration,
) -> Option<Outcome> {
    let r = ActionRef {
        page: engine.page,
        id,
    };
    engine.run(id);
    pump(engine, rx, Instant::now() + cap, |e| e.settled(r));
    engine.outcome(r).cloned()
}

/// Feed events and timers to the engine until `done` says so or `until` passes.
fn pump(
    engine: &mut Engine,
    rx: &mut UnboundedReceiver<Event>,
    until: Instant,
    done: impl Fn(&Engine) -> bool,
) -> bool {
    loop {
        while let Ok(ev) = rx.try_recv() {
            engine.on_event(&ev);
        }
        engine.on_timer(Instant::now());
        engine.take_notes();
        if done(engine) {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Run the test; returns whether everything passed.
pub fn run(dir: &Path, load: &LoadOptions, opts: &TestOptions) -> Result<bool, String> {
    let ws = workshop::load(dir, load).map_err(|e| e.to_string())?;
    let base = std::env::current_dir().unwrap_or_default();
    let mut content_errors = 0;
    for d in crate::check::run(&ws).diagnostics {
        if d.severity == Severity::Error {
            // An image only a container engine runs is that service's verdict, below.
            if d.code != crate::diag::Code::NeedsContainerEngine {
                content_errors += 1;
            }
            crate::say_part!("{}", d.render(&base));
        }
    }
    if content_errors > 0 {
        crate::say!("{content_errors} content error(s): fix them first (`lectern check`)");
        crate::say!("0 passed, {content_errors} failed, 0 skipped");
        return Ok(false);
    }
    let pages: Vec<usize> = match &opts.page {
        Some(key) => vec![ws
            .find_page(key)
            .ok_or_else(|| format!("no page `{key}`"))?],
        None => (0..ws.pages.len()).collect(),
    };
    if opts.dry_run {
        return Ok(dry_run(&ws, &pages, opts));
    }
    if let Some(d) = &opts.record {
        std::fs::create_dir_all(d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    }

    let temp = tempfile::Builder::new()
        .prefix("lectern-test-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    // Said as the author named it: the copy is gone when the test ends.
    let origin = if opts.in_place {
        format!("in {}", ws.root.display())
    } else {
        format!("on a copy of {}", ws.root.display())
    };
    let ws = if opts.in_place {
        ws
    } else {
        // Same folder name: a workshop without a title is named after it.
        let name = ws
            .root
            .file_name()
            .map_or_else(|| "workshop".into(), |n| n.to_os_string());
        let root = temp.path().join("copy").join(name);
        copy::copy_workshop(&ws.root, temp.path(), &root)
            .map_err(|e| format!("cannot copy the workshop: {e}"))?;
        workshop::load(&root, load).map_err(|e| e.to_string())?
    };
    let store = Store::at(temp.path().join("state"));
    crate::say!(
        "lectern test: {} ({} page{}) {origin}",
        ws.title,
        pages.len(),
        if pages.len() == 1 { "" } else { "s" },
    );

    let (rt, rx) = runtime::prepare(&ws, &store, 40, 120);
    let downloads = temp.path().join("downloads");
    let mut engine = Engine::new(
        ws,
        rt,
        store,
        engine::Options {
            mode: Mode::Test {
                budget: opts.budget,
            },
            allow_outside: opts.allow_outside,
            downloads,
        },
    );
    engine
        .launch()
        .map_err(|e| format!("cannot start terminals: {e}"))?;
    match (&engine.rt.sandbox, &engine.rt.sandbox_note) {
        (Some(_), _) => crate::say!("session: HOME=/home/eduk8s (bubblewrap)"),
        (None, Some(why)) => crate::say!("session: without the Educates session shape: {why}"),
        (None, None) => {}
    }
    let mut runner = Runner {
        engine,
        rx,
        opts,
        records: Vec::new(),
        waiting: Vec::new(),
    };
    let started = Instant::now();
    runner.wait_for_setup();

    runner.content_problems(&pages);
    for &pi in &pages {
        runner.page(pi);
    }
    // Commands still running get their last chance, then their final verdicts.
    runner.pump(Instant::now() + WIND_DOWN, |_| false);
    runner.late_verdicts();
    runner.engine.finish();
    runner.late_verdicts();
    runner.engine.shutdown();
    let title = runner.engine.ws.title.clone();
    let records = runner.records;
    let c = counts(&records);
    if let Some(path) = &opts.junit {
        std::fs::write(path, junit(&title, &records, started.elapsed()))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if c.failed + c.person > 0 {
        crate::say!("\nfailures:");
        for r in &records {
            if let Verdict::Fail(why) | Verdict::Person(why) | Verdict::Running(why) = &r.verdict {
                let first = why.lines().next().unwrap_or("");
                let at = if r.at.is_empty() || r.at == r.label {
                    String::new()
                } else {
                    format!(" ({})", r.at)
                };
                crate::say!(
                    "  {} · {} {}{at}: {}",
                    r.page,
                    r.name,
                    r.label,
                    clean_line(first)
                );
            }
        }
    }
    crate::say!("\ntook {:.1}s", started.elapsed().as_secs_f64());
    // The last line in the plain form test reports end with.
    crate::say!("{}", report::summary(c));
    Ok(c.failed == 0 && c.person == 0)
}

const SETUP_LIMIT: Duration = Duration::from_secs(900);
/// Actions other than commands end by their own deadlines; this only guards a hang.
const SAFETY: Duration = Duration::from_secs(1800);
const SAFETY_STEP: Duration = Duration::from_secs(30);
/// After the last page: how long commands still running may take to end.
const WIND_DOWN: Duration = Duration::from_secs(2);

struct Runner<'a> {
    engine: Engine,
    rx: UnboundedReceiver<Event>,
    opts: &'a TestOptions,
    records: Vec<Record>,
    /// Records of commands left running: their verdicts come later.
    waiting: Vec<(usize, ActionRef)>,
}

impl Runner<'_> {
    /// Feed events and timers to the engine until `done` says so or `until` passes.
    /// `pump`, printing late verdicts as they come.
    fn pump(&mut self, until: Instant, done: impl Fn(&Engine) -> bool) -> bool {
        loop {
            let step = (Instant::now() + Duration::from_millis(100)).min(until);
            if pump(&mut self.engine, &mut self.rx, step, &done) {
                return true;
            }
            if !self.waiting.is_empty() {
                self.late_verdicts();
            }
            if Instant::now() >= until {
                return false;
            }
        }
    }

    fn record(&mut self, page: &str, name: &str, label: String, verdict: Verdict, took: Duration) {
        print_line(name, &label, &verdict, took);
        self.records.push(Record {
            page: page.to_string(),
            name: name.to_string(),
            label,
            at: String::new(),
            verdict,
            took,
        });
    }

    /// Content `lectern test` would have to guess about fails: an unknown
    /// action is shown as code, an unknown field is ignored.
    fn content_problems(&mut self, pages: &[usize]) {
        use crate::diag::Code;
        let root = self.engine.ws.root.clone();
        for &pi in pages {
            let doc = page::load(&self.engine.ws, pi);
            for d in doc.diagnostics {
                if !matches!(d.code, Code::UnknownAction | Code::UnknownField) {
                    continue;
                }
                let at = format!("{}:{}", relative(&d.file, &root).display(), d.line);
                let verdict = Verdict::Fail(format!(
                    "{}{}",
                    d.message,
                    d.help.map(|h| format!(": {h}")).unwrap_or_default()
                ));
                print_line("content", &at, &verdict, Duration::ZERO);
                self.records.push(Record {
                    page: self.engine.ws.pages[pi].name.clone(),
                    name: "content".into(),
                    label: at.clone(),
                    at,
                    verdict,
                    took: Duration::ZERO,
                });
            }
        }
    }

    fn wait_for_setup(&mut self) {
        let t0 = Instant::now();
        let mut reported = vec![false; self.engine.rt.services.list.len()];
        let mut reported_setup = vec![false; self.engine.rt.setup.scripts.len()];
        loop {
            self.pump(Instant::now(), |_| false);
            let services: Vec<(usize, String, runtime::services::ServiceState)> = self
                .engine
                .rt
                .services
                .list
                .iter()
                .enumerate()
                .map(|(i, s)| (i, s.spec.title.clone(), s.state.clone()))
                .collect();
            for (i, title, state) in services {
                if reported[i] || state == runtime::services::ServiceState::Starting {
                    continue;
                }
                reported[i] = true;
                let verdict = match &state {
                    runtime::services::ServiceState::Failed(why) => Verdict::Fail(why.clone()),
                    runtime::services::ServiceState::NeedsEngine(image) => {
                        Verdict::Fail(format!("needs a container engine: {image}"))
                    }
                    other => Verdict::Pass(format!("{other:?}").to_lowercase()),
                };
                self.record("(services)", "service", title, verdict, t0.elapsed());
            }
            let scripts: Vec<(usize, String, runtime::setup::ScriptState, PathBuf)> = self
                .engine
                .rt
                .setup
                .scripts
                .iter()
                .enumerate()
                .map(|(i, s)| (i, s.name.clone(), s.state.clone(), s.log.clone()))
                .collect();
            for (i, name, state, log) in scripts {
                use runtime::setup::ScriptState;
                if reported_setup[i] || matches!(state, ScriptState::Waiting | ScriptState::Running)
                {
                    continue;
                }
                reported_setup[i] = true;
                let verdict = match &state {
                    ScriptState::Failed(why) => {
                        let log = crate::runtime::tail::of_file(&log, 64 * 1024);
                        let tail: Vec<&str> = log.lines().rev().take(15).collect();
                        crate::say!("    --- {name} (last lines of its log)");
                        for l in tail.iter().rev() {
                            crate::say!("    {}", clean_line(l));
                        }
                        Verdict::Fail(why.clone())
                    }
                    _ => Verdict::Pass("done".into()),
                };
                self.record("(setup)", "setup", name, verdict, t0.elapsed());
            }
            let rt = &self.engine.rt;
            if (rt.services.all_settled() && rt.setup.done()) || t0.elapsed() > SETUP_LIMIT {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `--record`: every terminal that is not recorded yet on page `pi`
    /// starts a recording of its own (one that cannot be written is said).
    fn record_terminals(&mut self, pi: usize) {
        let Some(dir) = &self.opts.record else {
            return;
        };
        let page = &self.engine.ws.pages[pi];
        for t in &self.engine.rt.terminals {
            if t.recording() || t.has_exited() {
                continue;
            }
            let path = dir.join(cast_name(pi, &page.name, &t.name));
            let (rows, cols) = t.size();
            let title = format!("page {}: {} · terminal {}", pi + 1, page.title, t.name);
            match runtime::cast::Cast::create(&path, cols, rows, Some(&title)) {
                Ok(c) => t.record(Some(c)),
                Err(e) => crate::say!("note: cannot record to {}: {e}", path.display()),
            }
        }
    }

    /// The end of page `pi`: its recordings are complete.
    fn stop_recording(&mut self) {
        for t in &self.engine.rt.terminals {
            t.record(None);
        }
    }

    /// Where a terminal of page `pi` is recorded, when it is.
    fn recorded_at(&self, pi: usize, session: &crate::action::Session) -> Option<PathBuf> {
        let dir = self.opts.record.as_ref()?;
        let name = match session {
            crate::action::Session::Named(n) => n.as_str(),
            crate::action::Session::All => "1",
        };
        Some(dir.join(cast_name(pi, &self.engine.ws.pages[pi].name, name)))
    }

    fn page(&mut self, pi: usize) {
        self.engine.open_page(pi);
        self.record_terminals(pi);
        let pname = self.engine.ws.pages[pi].name.clone();
        let path = self.engine.ws.pages[pi].path.clone();
        crate::say!(
            "page {}/{}: {}",
            pi + 1,
            self.engine.page_count(),
            clean_line(&self.engine.ws.pages[pi].title)
        );
        let actions: Vec<(usize, crate::action::Action)> = self
            .engine
            .doc
            .lesson
            .actions()
            .iter()
            .map(|a| (a.id, a.action.clone()))
            .collect();
        for (id, a) in actions {
            let label = short(&a.card().body);
            let at = format!(
                "{}:{}",
                relative(&path, &self.engine.ws.root).display(),
                self.engine.action_line(id)
            );
            let t0 = Instant::now();
            let r = ActionRef { page: pi, id };
            let verdict = if a.common.test.skip {
                Verdict::Skip("skipped (lectern: {skip: true})".into())
            } else {
                self.action(r, &a)
            };
            let running = matches!(verdict, Verdict::Running(_));
            print_line(&a.name, &label, &verdict, t0.elapsed());
            self.records.push(Record {
                page: pname.clone(),
                name: a.name.clone(),
                label,
                at,
                verdict,
                took: t0.elapsed(),
            });
            if running {
                self.waiting.push((self.records.len() - 1, r));
            }
            // A terminal the action started is recorded from here on.
            self.record_terminals(pi);
        }
        self.stop_recording();
    }

    /// Verdicts that arrived for commands left running: record and print them.
    fn late_verdicts(&mut self) {
        let engine = &self.engine;
        let (done, still): (Vec<_>, Vec<_>) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|(_, r)| engine.outcome(*r).is_some_and(|o| !o.is_running()));
        self.waiting = still;
        for (i, r) in done {
            let v = verdict(self.engine.outcome(r));
            self.records[i].verdict = v;
            report::print_late(&self.records[i]);
        }
    }

    fn action(&mut self, r: ActionRef, a: &crate::action::Action) -> Verdict {
        let command = match &a.kind {
            ActionKind::Terminal(TerminalAction::Execute {
                command, session, ..
            }) if !crate::action::is_ctrl_c(command) => Some(session.clone()),
            _ => None,
        };
        // The engine keeps every deadline (budgets, retries, grace periods);
        // this one only guards against a hang.
        let cap = match command {
            Some(_) => a.common.test.budget.unwrap_or(self.opts.budget) * 2 + SAFETY_STEP,
            None => SAFETY,
        };
        if let (Some(crate::action::Session::Named(n)), Some(_)) = (&command, &self.opts.record) {
            // A terminal the command starts is recorded from its first byte.
            if self.engine.rt.terminal(n).is_ok() {
                self.record_terminals(r.page);
            }
        }
        self.engine.run(r.id);
        let settled = self.pump(Instant::now() + cap, |e| e.settled(r));
        let v = if settled {
            verdict(self.engine.outcome(r))
        } else {
            Verdict::Fail(format!(
                "no verdict after {}s (lectern gave up waiting)",
                cap.as_secs()
            ))
        };
        match (v, command) {
            (Verdict::Fail(why), Some(session)) => {
                let recorded = self
                    .recorded_at(r.page, &session)
                    .filter(|p| p.exists())
                    .map(|p| format!("\n      recorded: asciinema play {}", p.display()))
                    .unwrap_or_default();
                Verdict::Fail(format!(
                    "{why}\n{}{recorded}",
                    self.screen_tail(&session, 12)
                ))
            }
            (Verdict::Person(why), Some(_)) => Verdict::Person(format!(
                "{why}: give the action `lectern: {{keys: ...}}` to type for it, or `skip: true`"
            )),
            (v, _) => v,
        }
    }

    /// The last non-empty lines of a session's screen, to show with a failure.
    fn screen_tail(&self, session: &crate::action::Session, n: usize) -> String {
        let name = match session {
            crate::action::Session::Named(n) => n.as_str(),
            crate::action::Session::All => "1",
        };
        let Some(t) = self.engine.rt.terminals.iter().find(|t| t.name == name) else {
            return String::new();
        };
        let text = t
            .parser
            .lock()
            .map(|p| p.screen().contents())
            .unwrap_or_default();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = &lines[lines.len().saturating_sub(n)..];
        tail.iter()
            .map(|l| format!("      │ {}", clean_line(l)))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// `03-setup.terminal-1.cast`: the page's number and name first, so the
/// files sort as the workshop runs and an author finds the failing step.
fn cast_name(pi: usize, page: &str, terminal: &str) -> String {
    let safe = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!(
        "{:02}-{}.terminal-{}.cast",
        pi + 1,
        safe(page),
        safe(terminal)
    )
}

fn relative<'a>(path: &'a Path, root: &Path) -> &'a Path {
    path.strip_prefix(root).unwrap_or(path)
}

/// The report's verdict on an engine outcome.
fn verdict(o: Option<&Outcome>) -> Verdict {
    match o {
        None => Verdict::Fail("no outcome".into()),
        Some(Outcome::Running { what, .. }) => {
            Verdict::Running(what.clone().unwrap_or_else(|| "running".into()))
        }
        // The report line gives the time taken itself.
        Some(Outcome::Passed(engine::Detail::Exit { code, .. })) => {
            Verdict::Pass(format!("exit {code}"))
        }
        Some(Outcome::Failed(engine::Detail::Exit { code, .. })) => {
            Verdict::Fail(format!("exit {code}"))
        }
        Some(Outcome::Passed(d)) => Verdict::Pass(d.text()),
        Some(o @ (Outcome::Failed(_) | Outcome::TypedInto { .. })) => Verdict::Fail(o.text()),
        Some(o @ Outcome::NeedsPerson(_)) => Verdict::Person(o.text()),
        Some(o @ Outcome::Skipped(_)) => Verdict::Skip(o.text()),
    }
}

fn dry_run(ws: &Workshop, pages: &[usize], opts: &TestOptions) -> bool {
    let mut failed = 0;
    let mut passed = 0;
    for &pi in pages {
        let doc = page::load(ws, pi);
        crate::say!(
            "page {}/{}: {}",
            pi + 1,
            ws.pages.len(),
            clean_line(&ws.pages[pi].title)
        );
        for ab in doc.lesson.actions() {
            let a = &ab.action;
            let v = match &a.kind {
                ActionKind::Editor(e) => match e.file() {
                    Some(f) => match crate::paths::learner_path(
                        ws.home_dir(),
                        &ws.exercises_dir(),
                        f,
                        opts.allow_outside,
                    ) {
                        Ok(p) if p.exists() || !e.needs_existing_file() => {
                            Verdict::Pass(format!("→ {}", p.display()))
                        }
                        Ok(p) => Verdict::Pass(format!("→ {} (does not exist yet)", p.display())),
                        Err(why) => Verdict::Fail(why),
                    },
                    None => Verdict::Pass("resolved".into()),
                },
                ActionKind::Dashboard(
                    DashboardAction::Reload { url: Some(url), .. }
                    | DashboardAction::Create { url, .. },
                ) => match grafana::parse_url(url) {
                    Some(du) => match find_json(&ws.workshop_dir, &ws.exercises_dir(), &du.uid) {
                        Some(p) => Verdict::Pass(format!("dashboard {}", p.display())),
                        None => Verdict::Pass(format!("{url} (browser)")),
                    },
                    None => Verdict::Pass(url.clone()),
                },
                _ => Verdict::Pass("would run".into()),
            };
            if matches!(v, Verdict::Fail(_)) {
                failed += 1;
            } else {
                passed += 1;
            }
            print_line(&a.name, &short(&a.card().body), &v, Duration::ZERO);
        }
    }
    crate::say!("\n(dry run: nothing was run)\n{passed} passed, {failed} failed, 0 skipped");
    failed == 0
}
