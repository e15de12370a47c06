//! `lectern test`: run a workshop without a screen, page by page and action by
//! action, on the same runtime as the app (real PTY sessions, real services).
//!
//! A command that exits is judged by its exit status. One still running when
//! its budget ends is left running for the lesson's own interrupt (or judged by
//! `lectern: {expect: running}`). Examiner tests must pass, each dashboard
//! reload must return data for every panel, and file actions must succeed.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use crate::action::{
    Action, ActionKind, DashboardAction, EditorAction, Expect, FilesAction, TerminalAction,
};
use crate::diag::Severity;
use crate::page;
use crate::progress::Store;
use crate::runtime::{
    self, datasource, examiner, files, grafana, ActionRef, Event, Outcome, Runtime, Update,
};
use crate::sanitize::clean_line;
use crate::workshop::{self, LoadOptions, Workshop};

pub struct TestOptions {
    pub budget: Duration,
    pub junit: Option<PathBuf>,
    pub dry_run: bool,
    pub page: Option<String>,
    /// Run on the workshop's own files instead of a temporary copy.
    pub in_place: bool,
    pub allow_outside: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    Pass(String),
    Fail(String),
    Skip(String),
}

struct Record {
    page: String,
    name: String,
    label: String,
    verdict: Verdict,
    took: Duration,
}

/// Run the test; returns whether everything passed.
pub fn run(dir: &Path, load: &LoadOptions, opts: &TestOptions) -> Result<bool, String> {
    let ws = workshop::load(dir, load).map_err(|e| e.to_string())?;
    let base = std::env::current_dir().unwrap_or_default();
    let mut content_errors = 0;
    for d in crate::check::run(&ws).diagnostics {
        if d.severity == Severity::Error {
            content_errors += 1;
            print!("{}", d.render(&base));
        }
    }
    if content_errors > 0 {
        println!("{content_errors} content error(s): fix them first (`lectern check`)");
        println!("0 passed, {content_errors} failed");
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

    // A copy, so that lessons that edit files leave the workshop as it was.
    let temp = tempfile::Builder::new()
        .prefix("lectern-test-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let ws = if opts.in_place {
        ws
    } else {
        let root = temp.path().join("workshop-copy");
        copy_workshop(&ws.root, &root).map_err(|e| format!("cannot copy the workshop: {e}"))?;
        workshop::load(&root, load).map_err(|e| e.to_string())?
    };
    let store = Store::at(temp.path().join("state"));
    println!(
        "lectern test: {} ({} page{}) in {}",
        ws.title,
        pages.len(),
        if pages.len() == 1 { "" } else { "s" },
        ws.root.display()
    );

    let (mut rt, mut rx) =
        runtime::start(&ws, &store, 40, 120).map_err(|e| format!("cannot start terminals: {e}"))?;
    let mut records = Vec::new();
    let started = Instant::now();
    wait_for_setup(&mut rt, &mut rx, &mut records);

    let mut runner = Runner {
        ws: &ws,
        rt,
        rx,
        opts,
        running: HashMap::new(),
        editor: Default::default(),
    };
    for &pi in &pages {
        let doc = page::load(&ws, pi);
        let pname = ws.pages[pi].name.clone();
        println!(
            "page {}/{}: {}",
            pi + 1,
            ws.pages.len(),
            clean_line(&ws.pages[pi].title)
        );
        for ab in doc.lesson.actions() {
            let a = &ab.action;
            let label = short(&a.card().body);
            let t0 = Instant::now();
            let verdict = if a.common.test.skip {
                Verdict::Skip("skipped (lectern: {skip: true})".into())
            } else {
                runner.action(
                    ActionRef {
                        page: pi,
                        id: ab.id,
                    },
                    a,
                )
            };
            let took = t0.elapsed();
            print_line(&a.name, &label, &verdict, took);
            records.push(Record {
                page: pname.clone(),
                name: a.name.clone(),
                label,
                verdict,
                took,
            });
        }
    }
    runner.rt.shutdown();
    let (passed, failed, skipped) = counts(&records);
    if let Some(path) = &opts.junit {
        std::fs::write(path, junit(&ws.title, &records, started.elapsed()))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if failed > 0 {
        println!("\nfailures:");
        for r in records
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Fail(_)))
        {
            if let Verdict::Fail(why) = &r.verdict {
                let first = why.lines().next().unwrap_or("");
                println!(
                    "  {} · {} {}: {}",
                    r.page,
                    r.name,
                    r.label,
                    clean_line(first)
                );
            }
        }
    }
    println!("\ntook {:.1}s", started.elapsed().as_secs_f64());
    // The last line in the plain form test reports end with.
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    Ok(failed == 0)
}

fn short(s: &str) -> String {
    let one = clean_line(s.lines().next().unwrap_or(""));
    if one.chars().count() > 60 {
        format!("{}…", one.chars().take(59).collect::<String>())
    } else {
        one
    }
}

fn print_line(name: &str, label: &str, v: &Verdict, took: Duration) {
    let (mark, why) = match v {
        Verdict::Pass(w) => ("✓", w),
        Verdict::Fail(w) => ("✗", w),
        Verdict::Skip(w) => ("-", w),
    };
    let (first, rest) = why.split_once('\n').unwrap_or((why, ""));
    println!(
        "  {mark} {name:<28} {label:<60} {} ({:.1}s)",
        clean_line(first),
        took.as_secs_f64()
    );
    for l in rest.lines() {
        println!("{}", clean_line(l));
    }
}

/// Copy what a workshop consists of; leave out environments and build output.
fn copy_workshop(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    // Programs the lesson starts (e.g. Apache dropping to `nobody`) must read it.
    set_mode(to, 0o755)?;
    set_mode(to.parent().unwrap_or(to), 0o755)?;
    for part in ["workshop", "exercises", "resources", "assets"] {
        let src = from.join(part);
        if src.is_dir() {
            copy_tree(&src, &to.join(part))?;
        }
    }
    Ok(())
}

fn set_mode(p: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let name = e.file_name();
        if [
            ".venv",
            "venv",
            "__pycache__",
            ".git",
            "target",
            "node_modules",
        ]
        .iter()
        .any(|s| name == *s)
        {
            continue;
        }
        let ft = e.file_type()?;
        let dest = to.join(&name);
        if ft.is_dir() {
            copy_tree(&e.path(), &dest)?;
        } else if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(e.path())?, &dest)?;
        } else {
            std::fs::copy(e.path(), &dest)?;
        }
    }
    Ok(())
}

const SETUP_LIMIT: Duration = Duration::from_secs(900);

fn wait_for_setup(
    rt: &mut Runtime,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Event>,
    records: &mut Vec<Record>,
) {
    let t0 = Instant::now();
    let mut reported = vec![false; rt.services.list.len()];
    let mut reported_setup = vec![false; rt.setup.scripts.len()];
    loop {
        while let Ok(ev) = rx.try_recv() {
            let _ = rt.on_event(&ev);
        }
        for (i, s) in rt.services.list.iter().enumerate() {
            if reported[i] || s.state == runtime::services::ServiceState::Starting {
                continue;
            }
            reported[i] = true;
            let verdict = match &s.state {
                runtime::services::ServiceState::Failed(why) => Verdict::Fail(why.clone()),
                other => Verdict::Pass(format!("{other:?}").to_lowercase()),
            };
            print_line("service", &s.spec.title, &verdict, t0.elapsed());
            records.push(Record {
                page: "(services)".into(),
                name: "service".into(),
                label: s.spec.title.clone(),
                verdict,
                took: t0.elapsed(),
            });
        }
        for (i, s) in rt.setup.scripts.iter().enumerate() {
            use runtime::setup::ScriptState;
            if reported_setup[i] || matches!(s.state, ScriptState::Waiting | ScriptState::Running) {
                continue;
            }
            reported_setup[i] = true;
            let verdict = match &s.state {
                ScriptState::Failed(why) => {
                    let log = std::fs::read_to_string(&s.log).unwrap_or_default();
                    let tail: Vec<&str> = log.lines().rev().take(15).collect();
                    println!("    --- {} (last lines of its log)", s.name);
                    for l in tail.iter().rev() {
                        println!("    {}", clean_line(l));
                    }
                    Verdict::Fail(why.clone())
                }
                _ => Verdict::Pass("done".into()),
            };
            print_line("setup", &s.name, &verdict, t0.elapsed());
            records.push(Record {
                page: "(setup)".into(),
                name: "setup".into(),
                label: s.name.clone(),
                verdict,
                took: t0.elapsed(),
            });
        }
        if (rt.services.all_settled() && rt.setup.done()) || t0.elapsed() > SETUP_LIMIT {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

struct Runner<'a> {
    ws: &'a Workshop,
    rt: Runtime,
    rx: tokio::sync::mpsc::UnboundedReceiver<Event>,
    opts: &'a TestOptions,
    /// Actions left running, by terminal session name.
    running: HashMap<String, ActionRef>,
    editor: runtime::editor::Editor,
}

impl Runner<'_> {
    /// Feed events and timers to the runtime for up to `d`, or until `done` says so.
    fn pump(&mut self, d: Duration, mut done: impl FnMut(&Update) -> bool) -> bool {
        let end = Instant::now() + d;
        loop {
            let mut updates = Vec::new();
            while let Ok(ev) = self.rx.try_recv() {
                updates.extend(self.rt.on_event(&ev));
            }
            updates.extend(self.rt.on_timer(Instant::now()));
            for u in &updates {
                if done(u) {
                    return true;
                }
            }
            if Instant::now() >= end {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The last non-empty lines of a session's screen, to show with a failure.
    fn screen_tail(&self, session: &crate::action::Session, n: usize) -> String {
        let name = match session {
            crate::action::Session::Named(n) => n.as_str(),
            crate::action::Session::All => "1",
        };
        let Some(t) = self.rt.terminals.iter().find(|t| t.name == name) else {
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

    fn budget(&self, a: &Action) -> Duration {
        a.common.test.budget.unwrap_or(self.opts.budget)
    }

    fn action(&mut self, r: ActionRef, a: &Action) -> Verdict {
        match &a.kind {
            ActionKind::Terminal(t) => self.terminal(r, a, t),
            ActionKind::Editor(EditorAction::Terminal {
                op,
                session,
                text,
                endl,
            }) => verdict(
                self.rt
                    .editor_terminal(r, op, session, text.as_deref(), *endl),
            ),
            ActionKind::Editor(e) => {
                let exercises = self.ws.exercises_dir();
                let scope = runtime::editor::Scope {
                    home: self.ws.home_dir(),
                    exercises: &exercises,
                    allow_outside: self.opts.allow_outside,
                };
                match self.editor.apply(&scope, e) {
                    Ok(note) if note.contains("not available in the terminal") => {
                        Verdict::Skip(note)
                    }
                    // A search a lesson points at should find what it talks about.
                    Ok(note) if note == "0 hits" => {
                        Verdict::Fail("the search found nothing".into())
                    }
                    Ok(note) => Verdict::Pass(note),
                    Err(why) => Verdict::Fail(why),
                }
            }
            ActionKind::Dashboard(d) => self.dashboard(d),
            ActionKind::Examiner(t) => {
                let stop = std::sync::Arc::new(AtomicBool::new(false));
                if t.retries.is_none() {
                    // "Until the learner leaves the page": here, until the budget ends.
                    let (s, b) = (stop.clone(), self.budget(a));
                    std::thread::spawn(move || {
                        std::thread::sleep(b);
                        s.store(true, std::sync::atomic::Ordering::Release);
                    });
                }
                let env = runtime::session_env(self.ws, &Store::at(self.rt.state_dir()));
                let res = examiner::run(
                    &self.ws.workshop_dir,
                    &self.ws.exercises_dir(),
                    &env,
                    t,
                    None,
                    &stop,
                );
                if res.passed {
                    Verdict::Pass(res.summary())
                } else {
                    Verdict::Fail(format!("{}\n{}", res.summary(), res.output.trim()))
                }
            }
            ActionKind::Copy { .. } => Verdict::Pass("copied (no clipboard here)".into()),
            ActionKind::Section(_) => Verdict::Skip("section".into()),
            ActionKind::Files(f) => match f {
                FilesAction::Download { path: Some(p), .. }
                | FilesAction::CopyContents { path: Some(p), .. } => match self.path(p) {
                    Ok(pb) if pb.exists() => Verdict::Pass(format!("{} exists", pb.display())),
                    Ok(pb) => Verdict::Fail(format!("{} does not exist", pb.display())),
                    Err(e) => Verdict::Fail(e),
                },
                _ => Verdict::Skip("needs a person (upload or a URL)".into()),
            },
        }
    }

    fn path(&self, p: &str) -> Result<PathBuf, String> {
        files::confine(
            self.ws.home_dir(),
            &self.ws.exercises_dir(),
            p,
            self.opts.allow_outside,
        )
    }

    fn terminal(&mut self, r: ActionRef, a: &Action, t: &TerminalAction) -> Verdict {
        let expect = a.common.test.expect;
        match t {
            TerminalAction::Execute {
                command,
                session,
                clear,
            } if !crate::action::is_ctrl_c(command) => {
                if let crate::action::Session::Named(n) = session {
                    if let Some(prev) = self.running.remove(n) {
                        let _ = prev;
                    }
                }
                let outcome = self.rt.execute(r, session, command, *clear);
                if !outcome.is_running() {
                    return match outcome {
                        Outcome::Failed(why) => Verdict::Fail(why),
                        o => Verdict::Pass(format!("{o:?}").to_lowercase()),
                    };
                }
                let budget = self.budget(a);
                let mut result = None;
                self.pump(budget, |u| match u {
                    Update::Action(ar, o) if *ar == r && !o.is_running() => {
                        result = Some(o.clone());
                        true
                    }
                    _ => false,
                });
                let verdict = match (result, expect) {
                    (None, Some(Expect::Exit | Expect::Failure)) => {
                        Verdict::Fail(format!("still running after {}s", budget.as_secs_f64()))
                    }
                    (None, _) => {
                        if let crate::action::Session::Named(n) = session {
                            self.running.insert(n.clone(), r);
                        }
                        Verdict::Pass(format!(
                            "running after {}s; left for the lesson's interrupt",
                            budget.as_secs_f64()
                        ))
                    }
                    (Some(Outcome::Exited { code, .. }), Some(Expect::Running)) => {
                        Verdict::Fail(format!("exited ({code}) but should keep running"))
                    }
                    (Some(Outcome::Exited { code, .. }), Some(Expect::Failure)) if code != 0 => {
                        Verdict::Pass(format!("failed as expected (exit {code})"))
                    }
                    (Some(Outcome::Exited { code: 0, .. }), Some(Expect::Failure)) => {
                        Verdict::Fail("succeeded but should fail".into())
                    }
                    (Some(Outcome::Exited { code: 0, .. }), _) => Verdict::Pass("exit 0".into()),
                    (Some(Outcome::Exited { code, .. }), _) => {
                        Verdict::Fail(format!("exit {code}"))
                    }
                    (Some(o), _) => Verdict::Fail(format!("{o:?}")),
                };
                match verdict {
                    Verdict::Fail(why) => {
                        Verdict::Fail(format!("{why}\n{}", self.screen_tail(session, 12)))
                    }
                    v => v,
                }
            }
            TerminalAction::Execute { session, .. } | TerminalAction::Interrupt { session } => {
                self.rt.interrupt(r, session);
                // Give Ctrl-C and, if needed, the signals their time.
                let deadline = runtime::INTERRUPT_GRACE + Duration::from_secs(4);
                let end = Instant::now() + deadline;
                loop {
                    self.pump(Duration::from_millis(100), |_| false);
                    let busy = self.rt.busy_terminals();
                    if busy.is_empty() {
                        self.running.clear();
                        return Verdict::Pass("stopped".into());
                    }
                    if Instant::now() > end {
                        return Verdict::Fail(format!(
                            "still running in terminal {} after {}s",
                            busy.join(", "),
                            deadline.as_secs()
                        ));
                    }
                }
            }
            TerminalAction::Input {
                text,
                session,
                endl,
            } => verdict(self.rt.input(session, text, *endl)),
            TerminalAction::Clear { session } => verdict(self.rt.clear(session)),
            TerminalAction::Select { .. } => Verdict::Pass("selected".into()),
        }
    }

    fn dashboard(&mut self, d: &DashboardAction) -> Verdict {
        let url = match d {
            DashboardAction::Create { url, .. } => Some(url.clone()),
            DashboardAction::Reload { url, name, .. } => {
                url.clone().or_else(|| self.named_dashboard(name))
            }
            DashboardAction::Open { name } => self.named_dashboard(name),
            DashboardAction::OpenUrl { url } => {
                return Verdict::Pass(format!("would open {url} in a browser"))
            }
            DashboardAction::Delete { .. } => return Verdict::Pass("deleted".into()),
        };
        let Some(url) = url else {
            return Verdict::Pass("built-in dashboard".into());
        };
        if let Some(name) = url.strip_prefix("terminal:") {
            return match self.rt.terminal(name) {
                Ok(_) => Verdict::Pass(format!("terminal {name} started")),
                Err(e) => Verdict::Fail(e.to_string()),
            };
        }
        let Some(du) = grafana::parse_url(&url) else {
            return Verdict::Pass(format!("would open {url} in a browser"));
        };
        let Some(path) =
            grafana::find_json(&self.ws.workshop_dir, &self.ws.exercises_dir(), &du.uid)
        else {
            return Verdict::Pass(format!(
                "no dashboard JSON for `{}` in the workshop: would open the URL in a browser",
                du.uid
            ));
        };
        let dash = match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
            .and_then(|v| grafana::parse(&v))
        {
            Ok(d) => d,
            Err(e) => return Verdict::Fail(format!("{}: {e}", path.display())),
        };
        // A dashboard refreshes by itself: give it up to two refreshes (at most
        // 15 s) to show data, as a learner looking at it would.
        let grace = dash.refresh.map_or(Duration::from_secs(10), |r| {
            (r * 2).min(Duration::from_secs(15))
        });
        let started = Instant::now();
        let mut empty;
        loop {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64);
            let range = match datasource::time_range(
                du.from.as_deref().unwrap_or(&dash.from),
                du.to.as_deref().unwrap_or(&dash.to),
                now,
            ) {
                Ok(r) => r,
                Err(e) => return Verdict::Fail(e),
            };
            empty = Vec::new();
            for p in dash.panels.iter().filter(|p| !p.targets.is_empty()) {
                let data =
                    datasource::query_panel(&self.ws.config, p, range, Duration::from_secs(5));
                if !data.has_data() {
                    empty.push(format!(
                        "“{}”: no data: {}",
                        p.title,
                        data.error.unwrap_or_default()
                    ));
                }
            }
            if empty.is_empty() || started.elapsed() >= grace {
                break;
            }
            self.pump(Duration::from_secs(1), |_| false);
        }
        if empty.is_empty() {
            Verdict::Pass(format!("{}: every panel has data", dash.title))
        } else {
            Verdict::Fail(empty.join("; "))
        }
    }

    fn named_dashboard(&self, name: &str) -> Option<String> {
        self.ws
            .resources
            .dashboards
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
            .map(|d| d.url.clone())
    }
}

fn verdict(o: Outcome) -> Verdict {
    match o {
        Outcome::Failed(why) => Verdict::Fail(why),
        Outcome::Done(n) => Verdict::Pass(n),
        o => Verdict::Pass(format!("{o:?}")),
    }
}

fn dry_run(ws: &Workshop, pages: &[usize], opts: &TestOptions) -> bool {
    let mut failed = 0;
    let mut passed = 0;
    for &pi in pages {
        let doc = page::load(ws, pi);
        println!(
            "page {}/{}: {}",
            pi + 1,
            ws.pages.len(),
            clean_line(&ws.pages[pi].title)
        );
        for ab in doc.lesson.actions() {
            let a = &ab.action;
            let v = match &a.kind {
                ActionKind::Editor(e) => match e.file() {
                    Some(f) => match files::confine(
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
                    Some(du) => {
                        match grafana::find_json(&ws.workshop_dir, &ws.exercises_dir(), &du.uid) {
                            Some(p) => Verdict::Pass(format!("dashboard {}", p.display())),
                            None => Verdict::Pass(format!("{url} (browser)")),
                        }
                    }
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
    println!("\n{passed} passed, {failed} failed (dry run: nothing was run)");
    failed == 0
}

fn xml(s: &str) -> String {
    clean_line(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Passed, failed and skipped records.
fn counts(records: &[Record]) -> (usize, usize, usize) {
    records
        .iter()
        .fold((0, 0, 0), |(p, f, s), r| match r.verdict {
            Verdict::Pass(_) => (p + 1, f, s),
            Verdict::Fail(_) => (p, f + 1, s),
            Verdict::Skip(_) => (p, f, s + 1),
        })
}

fn junit(title: &str, records: &[Record], total: Duration) -> String {
    let (_, failures, skipped) = counts(records);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{:.3}\">",
        xml(title),
        records.len(),
        total.as_secs_f64()
    );
    for (i, r) in records.iter().enumerate() {
        let _ = write!(
            out,
            "  <testcase classname=\"{}\" name=\"{:03} {} {}\" time=\"{:.3}\"",
            xml(&r.page),
            i + 1,
            xml(&r.name),
            xml(&r.label),
            r.took.as_secs_f64()
        );
        match &r.verdict {
            Verdict::Pass(_) => out.push_str("/>\n"),
            Verdict::Fail(why) => {
                let _ = writeln!(
                    out,
                    ">\n    <failure message=\"{}\"/>\n  </testcase>",
                    xml(why)
                );
            }
            Verdict::Skip(why) => {
                let _ = writeln!(
                    out,
                    ">\n    <skipped message=\"{}\"/>\n  </testcase>",
                    xml(why)
                );
            }
        }
    }
    out.push_str("</testsuite>\n");
    out
}
