//! `lectern export`: write a folder that Educates deploys unchanged — a
//! `training.educates.dev/v1beta1` Workshop in `resources/workshop.yaml`, the
//! workshop's own folders, and the files its compose services read.
//!
//! `plan` decides everything from values read here (pure, unit-tested);
//! this file reads the workshop and writes the folder.

pub mod copy;
pub mod grafana;
pub mod plan;
pub mod report;
pub mod resource;
pub mod services;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::action::{ActionKind, DashboardAction, FilesAction, Session, TerminalAction};
use crate::workshop::Workshop;
pub use plan::{Inputs, Plan, Uses};
pub use report::Report;

/// A file the export writes, relative to its folder (`/`-separated).
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

/// Bad input found while planning, in a file of the workshop.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Relative to the workshop root.
    pub file: String,
    pub message: String,
    pub help: String,
}

impl Problem {
    pub fn new(file: &str, message: impl Into<String>) -> Problem {
        Problem {
            file: file.into(),
            message: message.into(),
            help: String::new(),
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Problem {
        self.help = help.into();
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{}: {message}\n  = help: {help}", file.display())]
    Content {
        file: PathBuf,
        message: String,
        help: String,
    },
    #[error("{report}the workshop has errors; fix them first (`lectern check` shows the same)")]
    Check { report: String },
    #[error("{0}")]
    Out(String),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Write into a folder that is not empty, replacing what export writes there.
    pub force: bool,
}

/// Folders of the workshop copied as they are.
const FOLDERS: [&str; 3] = ["workshop", "exercises", "bin"];

/// Export `ws` into `out`; returns what was done with each part.
pub fn export(ws: &Workshop, out: &Path, opts: &Options) -> Result<Report, ExportError> {
    let check = crate::check::run(ws);
    if check.has_errors() {
        let base = std::env::current_dir().unwrap_or_default();
        return Err(ExportError::Check {
            report: check.render_text(&base),
        });
    }
    let out = prepare_out(&ws.root, out, opts)?;
    let inputs = read_inputs(ws)?;
    let mut plan = plan::plan(&inputs).map_err(|p| ExportError::Content {
        file: ws.root.join(&p.file),
        message: p.message,
        help: p.help,
    })?;

    let mut copied = copy::Copied::default();
    for f in &inputs.folders {
        copy::copy_folder(&ws.root, f, &out, &mut copied)?;
    }
    for s in &copied.skipped {
        plan.report
            .dropped(s.clone(), "made by running the workshop, not part of it");
    }
    // Speaker notes are the presenter's: a learner can read an exported page's source.
    for page in &ws.pages {
        let Ok(rel) = page.path.strip_prefix(&ws.root) else {
            continue;
        };
        let copy = out.join(rel);
        if let Some(text) = std::fs::read_to_string(&copy)
            .ok()
            .and_then(|t| crate::lesson::without_notes(&t))
        {
            write(&copy, &text)?;
        }
    }
    for f in &plan.files {
        write(&out.join(&f.path), &f.contents)?;
    }
    let text = crate::yaml::to_string(&plan.workshop).map_err(|e| {
        ExportError::Out(format!(
            "cannot write the Workshop resource as YAML: {}",
            e.message
        ))
    })?;
    write(&out.join("resources").join("workshop.yaml"), &text)?;
    Ok(plan.report)
}

fn write(path: &Path, text: &str) -> Result<(), ExportError> {
    let err = |source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    std::fs::write(path, text).map_err(err)
}

/// The output folder, absolute, checked and ready to write into.
fn prepare_out(root: &Path, out: &Path, opts: &Options) -> Result<PathBuf, ExportError> {
    let abs = if out.is_absolute() {
        out.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|source| ExportError::Io {
                path: out.to_path_buf(),
                source,
            })?
            .join(out)
    };
    // Resolve what exists of it so links and `..` cannot hide where it is.
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(p), Some(n)) => {
                rest.push(n.to_os_string());
                existing = p;
            }
            _ => break,
        }
    }
    let mut real = existing
        .canonicalize()
        .unwrap_or_else(|_| existing.to_path_buf());
    for n in rest.iter().rev() {
        if n == ".." {
            real.pop();
        } else if n != "." {
            real.push(n);
        }
    }
    let copied_into = FOLDERS.iter().any(|f| real.starts_with(root.join(f)));
    if real == root || root.starts_with(&real) || copied_into {
        return Err(ExportError::Out(format!(
            "cannot export into {}: it overlaps the workshop at {}\n  = help: choose a folder outside workshop/, exercises/ and bin/, e.g. --out ../{}-export",
            real.display(),
            root.display(),
            root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        )));
    }
    if real.is_dir() {
        let mut entries = std::fs::read_dir(&real).map_err(|source| ExportError::Io {
            path: real.clone(),
            source,
        })?;
        if entries.next().is_some() {
            if !opts.force {
                return Err(ExportError::Out(format!(
                    "{} is not empty\n  = help: choose an empty or new folder, or pass --force to replace what export writes there",
                    real.display()
                )));
            }
            for name in FOLDERS.iter().copied().chain([services::SERVICES_DIR]) {
                let p = real.join(name);
                if p.exists() {
                    std::fs::remove_dir_all(&p).map_err(|source| ExportError::Io {
                        path: p.clone(),
                        source,
                    })?;
                }
            }
        }
    } else if real.exists() {
        return Err(ExportError::Out(format!(
            "{} is a file, not a folder\n  = help: name a folder for --out",
            real.display()
        )));
    }
    std::fs::create_dir_all(&real).map_err(|source| ExportError::Io {
        path: real.clone(),
        source,
    })?;
    Ok(real)
}

/// Read what the plan needs from the workshop's files.
pub fn read_inputs(ws: &Workshop) -> Result<Inputs, ExportError> {
    let resource_path = ws.root.join("resources").join("workshop.yaml");
    if resource_path.exists() {
        copy::inside(&ws.root, &resource_path)?;
    }
    let resource = match std::fs::read_to_string(&resource_path) {
        Ok(text) => {
            let docs = crate::yaml::parse_all(&text).map_err(|e| ExportError::Content {
                file: resource_path.clone(),
                message: format!(
                    "invalid YAML{}: {}",
                    e.line.map(|l| format!(" at line {l}")).unwrap_or_default(),
                    e.message
                ),
                help: "fix the file; `lectern check` shows where".into(),
            })?;
            let docs: Vec<Value> = docs.into_iter().filter(|d| !d.is_null()).collect();
            docs.iter()
                .find(|d| d["kind"] == "Workshop")
                .or_else(|| docs.first())
                .cloned()
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(ExportError::Io {
                path: resource_path,
                source,
            })
        }
    };
    let folders: Vec<String> = FOLDERS
        .iter()
        .filter(|f| ws.root.join(f).is_dir())
        .map(|f| f.to_string())
        .collect();
    Ok(Inputs {
        name: resource::dns_name(&ws.name),
        title: ws.title.clone(),
        description: ws.description.clone(),
        resource,
        config: ws.config.clone(),
        has_lectern_yaml: ws.workshop_dir.join("lectern.yaml").is_file(),
        dashboards: read_dashboards(ws)?,
        uses: uses(ws),
        folders,
    })
}

/// Dashboard JSON where lectern finds it, in the order it looks.
fn read_dashboards(ws: &Workshop) -> Result<Vec<grafana::DashboardFile>, ExportError> {
    let mut out = Vec::new();
    for rel in [
        "workshop/dashboards",
        "exercises/grafana",
        "exercises/dashboards",
    ] {
        let Ok(entries) = std::fs::read_dir(ws.root.join(rel)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json") && p.is_file())
            .collect();
        paths.sort();
        for p in paths {
            copy::inside(&ws.root, &p)?;
            let text = std::fs::read_to_string(&p).map_err(|source| ExportError::Io {
                path: p.clone(),
                source,
            })?;
            let json: Value = serde_json::from_str(&text).map_err(|e| ExportError::Content {
                file: p.clone(),
                message: format!(
                    "not valid JSON (line {}, column {}): {e}",
                    e.line(),
                    e.column()
                ),
                help: "export the dashboard from Grafana again, or fix the file".into(),
            })?;
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push(grafana::DashboardFile {
                source: format!("{rel}/{name}"),
                json,
            });
        }
    }
    Ok(out)
}

/// What the pages' actions need of Educates, and lectern-only bits in them.
fn uses(ws: &Workshop) -> Uses {
    let mut u = Uses::default();
    let vars = regex::Regex::new(
        r#"\{\{\s*(workshop_dir|exercises_dir)\s*\}\}|\{\{<\s*param\s+"?(workshop_dir|exercises_dir)"?\s*>\}\}"#,
    )
    .expect("a valid pattern");
    for (i, page) in ws.pages.iter().enumerate() {
        let doc = crate::page::load(ws, i);
        let mut hints = 0;
        for ab in doc.lesson.actions() {
            let a = &ab.action;
            if crate::action::fields::key_line(&a.body, "lectern").is_some() {
                hints += 1;
            }
            let session = match &a.kind {
                ActionKind::Terminal(
                    TerminalAction::Execute { session, .. }
                    | TerminalAction::Interrupt { session }
                    | TerminalAction::Input { session, .. }
                    | TerminalAction::Clear { session }
                    | TerminalAction::Select { session },
                ) => Some(session),
                _ => None,
            };
            if let Some(Session::Named(n)) = session {
                let n: usize = n.trim().parse().unwrap_or(0);
                if n <= 3 {
                    u.terminals = u.terminals.max(n);
                }
            }
            match &a.kind {
                ActionKind::Editor(_) => u.editor = true,
                ActionKind::Examiner(_) => u.examiner = true,
                ActionKind::Files(FilesAction::Upload { .. } | FilesAction::UploadMany { .. }) => {
                    u.uploads = true
                }
                ActionKind::Files(_) => u.downloads = true,
                ActionKind::Dashboard(
                    DashboardAction::Open { name }
                    | DashboardAction::Create { name, .. }
                    | DashboardAction::Reload { name, .. },
                ) if !u
                    .dashboard_names
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(name)) =>
                {
                    u.dashboard_names.push(name.clone());
                }
                _ => {}
            }
        }
        if hints > 0 {
            u.lectern_hints += hints;
            u.hint_pages += 1;
        }
        let rel = page
            .path
            .strip_prefix(&ws.root)
            .unwrap_or(&page.path)
            .display()
            .to_string();
        for c in vars.captures_iter(&page.source) {
            let var = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
            let entry = (rel.clone(), var.to_string());
            if !u.lectern_vars.contains(&entry) {
                u.lectern_vars.push(entry);
            }
        }
    }
    u
}
