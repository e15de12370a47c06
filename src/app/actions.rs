//! The app side of editor, dashboard, examiner, section and file actions.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::views::{DashboardContent, DashboardTab, View};
use super::{App, InputFor, Overlay};
use crate::action::{
    ActionKind, DashboardAction, EditorAction, ExaminerTest, FilesAction, SectionAction,
};
use crate::lesson::{walk_blocks, BlockKind};
use crate::runtime::{
    self, datasource, editor::Scope, examiner, grafana, ActionRef, Event, Outcome,
};

impl App {
    pub(super) fn scope_parts(&self) -> (PathBuf, PathBuf) {
        (self.ws.home_dir().to_path_buf(), self.ws.exercises_dir())
    }

    pub(super) fn editor_action(&mut self, r: ActionRef, e: &EditorAction) -> Outcome {
        if let EditorAction::Terminal {
            op,
            session,
            text,
            endl,
        } = e
        {
            return self
                .runtime
                .editor_terminal(r, op, session, text.as_deref(), *endl);
        }
        let (home, exercises) = self.scope_parts();
        let scope = Scope {
            home: &home,
            exercises: &exercises,
            allow_outside: self.allow_outside,
        };
        let result = self.editor.apply(&scope, e);
        // Bring the editor forward, sized to what is on screen.
        if !matches!(
            e,
            EditorAction::CloseFile { .. } | EditorAction::CreateDirectory { .. }
        ) {
            self.view = View::Editor;
            let h = self.view_height();
            if let Some(f) = self.editor.current_mut() {
                if let Some(s) = f.selection {
                    f.reveal(s.start.0, h);
                }
            }
        }
        match result {
            Ok(note) => Outcome::Done(note),
            Err(why) => Outcome::Failed(why),
        }
    }

    pub(super) fn view_height(&self) -> usize {
        usize::from(self.areas.view.height.saturating_sub(2)).max(5)
    }

    /// Find a dashboard tab by name (case-insensitive).
    pub(super) fn dashboard_index(&self, name: &str) -> Option<usize> {
        self.dashboards
            .iter()
            .position(|d| d.name.eq_ignore_ascii_case(name))
    }

    /// Make a tab's content from its URL: Grafana JSON drawn here, a terminal, or a web page.
    pub(super) fn dashboard_content(&mut self, url: &str) -> DashboardContent {
        if let Some(name) = url.strip_prefix("terminal:") {
            return match self.runtime.terminal(name) {
                Ok(id) => DashboardContent::Terminal(id),
                Err(_) => DashboardContent::Url(url.to_string()),
            };
        }
        if let Some(du) = grafana::parse_url(url) {
            if let Some(path) =
                grafana::find_json(&self.ws.workshop_dir, &self.ws.exercises_dir(), &du.uid)
            {
                let parsed = std::fs::read_to_string(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
                    .and_then(|v| grafana::parse(&v));
                match parsed {
                    Ok(dash) => {
                        let refresh = du
                            .refresh
                            .as_deref()
                            .and_then(crate::action::parse_duration_str)
                            .or(dash.refresh);
                        return DashboardContent::Grafana {
                            from: du.from.unwrap_or_else(|| dash.from.clone()),
                            to: du.to.unwrap_or_else(|| dash.to.clone()),
                            dash: Box::new(dash),
                            refresh,
                            data: Vec::new(),
                            generation: 0,
                            queried: None,
                            pending: false,
                        };
                    }
                    Err(e) => self.notice = Some(format!("{}: {e}", path.display())),
                }
            }
        }
        DashboardContent::Url(url.to_string())
    }

    pub(super) fn dashboard_action(&mut self, d: &DashboardAction) -> Outcome {
        match d {
            DashboardAction::Open { name } => self.show_dashboard(name),
            DashboardAction::Create { name, url, focus }
            | DashboardAction::Reload {
                name,
                url: Some(url),
                focus,
            } => {
                let reload = matches!(d, DashboardAction::Reload { .. });
                let idx = match self.dashboard_index(name) {
                    Some(i) if !reload => i,
                    Some(i) => {
                        if self.dashboards[i].url != *url {
                            self.dashboards[i].content = self.dashboard_content(url);
                            self.dashboards[i].url = url.clone();
                        }
                        i
                    }
                    None => {
                        let content = self.dashboard_content(url);
                        self.dashboards.push(DashboardTab {
                            name: name.clone(),
                            url: url.clone(),
                            content,
                            builtin: false,
                        });
                        self.dashboards.len() - 1
                    }
                };
                if *focus {
                    self.focus_dashboard(idx);
                }
                self.query_dashboard(idx);
                self.dashboard_outcome(idx)
            }
            DashboardAction::Reload {
                name,
                url: None,
                focus,
            } => match self.dashboard_index(name) {
                Some(i) => {
                    if *focus {
                        self.focus_dashboard(i);
                    }
                    self.query_dashboard(i);
                    self.dashboard_outcome(i)
                }
                None => self.show_dashboard(name),
            },
            DashboardAction::Delete { name } => match self.dashboard_index(name) {
                Some(i) if !self.dashboards[i].builtin => {
                    self.dashboards.remove(i);
                    if matches!(self.view, View::Dashboard(_)) {
                        self.view = View::Terminals;
                    }
                    Outcome::Done("deleted".into())
                }
                Some(_) => Outcome::Failed(format!("{name} is built in and cannot be deleted")),
                None => Outcome::Done(format!("there is no dashboard named {name}")),
            },
            DashboardAction::OpenUrl { url } => Outcome::Done(open_in_browser(url)),
        }
    }

    fn dashboard_outcome(&self, i: usize) -> Outcome {
        match &self.dashboards[i].content {
            DashboardContent::Url(u) => Outcome::Done(open_in_browser(u)),
            DashboardContent::Terminal(_) => Outcome::Done("terminal ready".into()),
            DashboardContent::Grafana { dash, .. } => {
                Outcome::Done(format!("showing {}", dash.title))
            }
        }
    }

    fn show_dashboard(&mut self, name: &str) -> Outcome {
        match name.to_ascii_lowercase().as_str() {
            "terminal" | "terminals" => {
                self.view = View::Terminals;
                return Outcome::Done("terminals".into());
            }
            "editor" => {
                self.view = View::Editor;
                return Outcome::Done("editor".into());
            }
            _ => {}
        }
        match self.dashboard_index(name) {
            Some(i) => {
                self.focus_dashboard(i);
                self.query_dashboard(i);
                self.dashboard_outcome(i)
            }
            None => Outcome::Failed(format!("there is no dashboard named {name}")),
        }
    }

    fn focus_dashboard(&mut self, i: usize) {
        match self.dashboards[i].content {
            DashboardContent::Terminal(id) => {
                self.view = View::Terminals;
                self.active_term = id;
            }
            _ => self.view = View::Dashboard(i),
        }
    }

    /// Query a Grafana tab's panels on a thread; the answer arrives as an event.
    pub(super) fn query_dashboard(&mut self, i: usize) {
        let cfg = self.ws.config.clone();
        let tx = self.runtime.sender();
        let Some(DashboardTab {
            content:
                DashboardContent::Grafana {
                    dash,
                    from,
                    to,
                    generation,
                    queried,
                    pending,
                    ..
                },
            ..
        }) = self.dashboards.get_mut(i)
        else {
            return;
        };
        *generation += 1;
        *queried = Some(Instant::now());
        *pending = true;
        let (dash, from, to, generation) = (dash.clone(), from.clone(), to.clone(), *generation);
        std::thread::spawn(move || {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64);
            let data = match datasource::time_range(&from, &to, now) {
                Ok(range) => dash
                    .panels
                    .iter()
                    .map(|p| datasource::query_panel(&cfg, p, range, Duration::from_secs(4)))
                    .collect(),
                Err(e) => dash
                    .panels
                    .iter()
                    .map(|_| datasource::PanelData {
                        series: Vec::new(),
                        error: Some(e.clone()),
                    })
                    .collect(),
            };
            let _ = tx.send(Event::Dashboard(i, generation, data));
        });
    }

    /// When the visible dashboard wants its next refresh.
    pub(super) fn dashboard_deadline(&self) -> Option<Instant> {
        let View::Dashboard(i) = self.view else {
            return None;
        };
        match &self.dashboards.get(i)?.content {
            DashboardContent::Grafana {
                refresh: Some(r),
                queried: Some(q),
                pending: false,
                ..
            } => Some(*q + *r),
            _ => None,
        }
    }

    pub(super) fn on_dashboard_data(
        &mut self,
        i: usize,
        gen: u64,
        new: Vec<datasource::PanelData>,
    ) {
        if let Some(DashboardTab {
            content:
                DashboardContent::Grafana {
                    data,
                    generation,
                    pending,
                    ..
                },
            ..
        }) = self.dashboards.get_mut(i)
        {
            if *generation == gen {
                *data = new;
                *pending = false;
            }
        }
    }

    pub(super) fn examiner_action(&mut self, r: ActionRef, t: &ExaminerTest) -> Outcome {
        let fields = form_fields(t.inputs.as_ref());
        if !fields.is_empty() {
            self.overlay = Some(Overlay::Input {
                prompt: fields[0].1.clone(),
                value: fields[0].3.clone(),
                target: InputFor::ExamForm {
                    action: r,
                    test: Box::new(t.clone()),
                    fields,
                    values: Default::default(),
                    index: 0,
                },
            });
            return Outcome::Running {
                since: Instant::now(),
            };
        }
        self.run_examiner(r, t, None)
    }

    fn run_examiner(
        &mut self,
        r: ActionRef,
        t: &ExaminerTest,
        input: Option<serde_json::Value>,
    ) -> Outcome {
        let stop = Arc::new(AtomicBool::new(false));
        self.exam_stops.push(stop.clone());
        let (dir, cwd) = (self.ws.workshop_dir.clone(), self.ws.exercises_dir());
        let env = runtime::session_env(&self.ws, &self.store);
        let tx = self.runtime.sender();
        let test = t.clone();
        std::thread::spawn(move || {
            let res = examiner::run(&dir, &cwd, &env, &test, input.as_ref(), &stop);
            let _ = tx.send(Event::Examiner(r, res));
        });
        Outcome::Running {
            since: Instant::now(),
        }
    }

    /// An answer to the input prompt.
    pub(super) fn input_done(&mut self, value: String, target: InputFor) {
        match target {
            InputFor::Upload(path) => self.upload(&value, &path),
            InputFor::ExamForm {
                action,
                test,
                fields,
                mut values,
                index,
            } => {
                let (key, _, ty, _) = &fields[index];
                let v = match ty.as_str() {
                    "integer" => value
                        .trim()
                        .parse::<i64>()
                        .map(serde_json::Value::from)
                        .unwrap_or(serde_json::Value::String(value)),
                    "number" => value
                        .trim()
                        .parse::<f64>()
                        .map(serde_json::Value::from)
                        .unwrap_or(serde_json::Value::String(value)),
                    "boolean" => {
                        serde_json::Value::Bool(matches!(value.trim(), "y" | "yes" | "true" | "1"))
                    }
                    _ => serde_json::Value::String(value),
                };
                values.insert(key.clone(), v);
                if index + 1 < fields.len() {
                    self.overlay = Some(Overlay::Input {
                        prompt: fields[index + 1].1.clone(),
                        value: fields[index + 1].3.clone(),
                        target: InputFor::ExamForm {
                            action,
                            test,
                            fields,
                            values,
                            index: index + 1,
                        },
                    });
                } else {
                    let o =
                        self.run_examiner(action, &test, Some(serde_json::Value::Object(values)));
                    self.outcomes.insert(action, o);
                }
            }
        }
    }

    /// Whether action `id` sits inside a section that is folded.
    pub(super) fn in_folded_section(&self, id: usize) -> bool {
        let mut open: Vec<usize> = Vec::new();
        for a in self.doc.lesson.actions() {
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

    /// Stop examiner tests that retry "until the learner leaves the page".
    pub(super) fn stop_examiners(&mut self) {
        for s in self.exam_stops.drain(..) {
            s.store(true, Ordering::Release);
        }
    }

    /// The `section:begin` ids of a page that start folded.
    pub(super) fn initial_folds(&self) -> HashSet<usize> {
        let mut out = HashSet::new();
        walk_blocks(&self.doc.lesson.blocks, &mut |b| {
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
        let actions = self.doc.lesson.actions();
        let mut stack: Vec<(usize, Option<String>)> = Vec::new();
        for a in actions {
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

    pub(super) fn section_action(&mut self, id: usize, s: &SectionAction) -> Outcome {
        match s {
            SectionAction::Begin { .. } => {
                let was_open = !self.folded.remove(&id);
                if was_open {
                    self.folded.insert(id);
                } else {
                    // Autostart actions of the section start when it is opened.
                    let inside: Vec<usize> = self
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
                Outcome::Done(if was_open { "folded" } else { "opened" }.into())
            }
            SectionAction::End { name, toggle } => {
                if *toggle {
                    if let Some(b) = self.matching_begin(id, name.as_deref()) {
                        self.folded.insert(b);
                    }
                }
                Outcome::Done("section done".into())
            }
            SectionAction::Heading { .. } => Outcome::Done(String::new()),
        }
    }

    pub(super) fn files_action(&mut self, f: &FilesAction) -> Outcome {
        let (home, exercises) = self.scope_parts();
        let resolve = |p: &str| runtime::files::confine(&home, &exercises, p, self.allow_outside);
        match f {
            FilesAction::Download {
                path,
                url,
                download,
            } => {
                let dir = downloads_dir();
                let (name, bytes) = match (path, url) {
                    (Some(p), _) => match resolve(p).and_then(|pb| {
                        std::fs::read(&pb)
                            .map(|b| (pb, b))
                            .map_err(|e| e.to_string())
                    }) {
                        Ok((pb, b)) => (
                            pb.file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_else(|| "download".into()),
                            b,
                        ),
                        Err(e) => return Outcome::Failed(e),
                    },
                    (None, Some(u)) => match runtime::http::get(u, Duration::from_secs(20)) {
                        Ok((200..=299, body)) => (
                            u.rsplit('/')
                                .next()
                                .filter(|s| !s.is_empty())
                                .unwrap_or("download")
                                .to_string(),
                            body.into_bytes(),
                        ),
                        Ok((s, _)) => return Outcome::Failed(format!("{u} answered {s}")),
                        Err(e) => return Outcome::Failed(format!("cannot fetch {u}: {e}")),
                    },
                    _ => {
                        return Outcome::Failed("files:download-file needs `path` or `url`".into())
                    }
                };
                let name = download.clone().unwrap_or(name);
                let dest = dir.join(&name);
                match std::fs::create_dir_all(&dir)
                    .and_then(|_| crate::progress::write_atomic(&dest, &bytes))
                {
                    Ok(()) => Outcome::Done(format!("saved to {}", dest.display())),
                    Err(e) => Outcome::Failed(format!("cannot save to {}: {e}", dest.display())),
                }
            }
            FilesAction::CopyContents { path: Some(p), .. } => match resolve(p)
                .and_then(|pb| std::fs::read_to_string(&pb).map_err(|e| e.to_string()))
            {
                Ok(text) => {
                    self.clipboard = Some(text);
                    Outcome::Done("copied the file's contents".into())
                }
                Err(e) => Outcome::Failed(e),
            },
            FilesAction::CopyContents { .. } => {
                Outcome::Failed("files:copy-file needs a `path`".into())
            }
            FilesAction::Upload { path } | FilesAction::UploadMany { directory: path } => {
                self.overlay = Some(Overlay::Input {
                    prompt: format!("Local file to upload to {path}:"),
                    value: String::new(),
                    target: InputFor::Upload(path.clone()),
                });
                Outcome::Done("waiting for a file name".into())
            }
        }
    }

    /// Copy a local file into the workshop's uploads (answer of the upload prompt).
    pub(super) fn upload(&mut self, local: &str, target: &str) {
        let src = PathBuf::from(local.trim());
        let (home, exercises) = self.scope_parts();
        let dest_dir = match runtime::files::confine(
            &home,
            &exercises,
            &format!("~/uploads/{}", target.trim_start_matches("~/")),
            true,
        ) {
            Ok(d) => d,
            Err(e) => {
                self.notice = Some(e);
                return;
            }
        };
        let name = src
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        let dest = if target.ends_with('/') || dest_dir.is_dir() {
            dest_dir.join(name)
        } else {
            dest_dir
        };
        let result = dest
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|_| std::fs::copy(&src, &dest).map(|_| ()));
        self.notice = Some(match result {
            Ok(()) => format!("uploaded to {}", dest.display()),
            Err(e) => format!("cannot upload {}: {e}", src.display()),
        });
    }
}

/// The fields of an examiner `inputs` form: (key, prompt, JSON type, default).
/// Educates lists them under `inputs.schema` (`name: {type, title, default}`);
/// a JSON schema's `properties` is read too.
fn form_fields(inputs: Option<&serde_json::Value>) -> Vec<(String, String, String, String)> {
    let Some(inputs) = inputs else {
        return Vec::new();
    };
    let schema = &inputs["schema"];
    let props = schema["properties"]
        .as_object()
        .or_else(|| schema.as_object())
        .or_else(|| inputs["properties"].as_object());
    props
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.is_object())
                .map(|(k, v)| {
                    let title = v["title"]
                        .as_str()
                        .or_else(|| v["description"].as_str())
                        .unwrap_or(k)
                        .trim();
                    let prompt = if title.ends_with(':') {
                        title.to_string()
                    } else {
                        format!("{title}:")
                    };
                    let default = match &v["default"] {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (
                        k.clone(),
                        prompt,
                        v["type"].as_str().unwrap_or("string").to_string(),
                        default,
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn downloads_dir() -> PathBuf {
    std::env::var_os("XDG_DOWNLOAD_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join("Downloads")))
        .unwrap_or_else(std::env::temp_dir)
}

/// Open a URL in the user's browser when there is a display; say what happened.
pub fn open_in_browser(url: &str) -> String {
    let display = std::env::var_os("DISPLAY").is_some()
        || std::env::var_os("WAYLAND_DISPLAY").is_some()
        || cfg!(target_os = "macos");
    if !display || url.starts_with("terminal:") {
        return format!("{url} (no browser here: y copies it)");
    }
    let candidates: Vec<String> = std::env::var("BROWSER")
        .ok()
        .into_iter()
        .chain(["xdg-open".to_string(), "open".to_string()])
        .collect();
    for c in candidates {
        let spawned = std::process::Command::new(&c)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if spawned.is_ok() {
            return format!("opened {url} in your browser");
        }
    }
    format!("{url} (no browser found: y copies it)")
}
