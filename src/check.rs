//! `lectern check`: load everything, check what actions point at, report.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::action::ActionKind;
use crate::diag::{Diagnostic, Severity};
use crate::page;
use crate::workshop::Workshop;

#[derive(Debug, Serialize)]
pub struct Report {
    pub pages: usize,
    /// Action counts by name (`terminal:execute`: 12).
    pub actions: BTreeMap<String, usize>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    /// `check --strict`: every warning is an error.
    pub fn strict(mut self) -> Report {
        for d in &mut self.diagnostics {
            d.severity = Severity::Error;
        }
        self
    }

    pub fn render_text(&self, base: &Path) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            out.push_str(&d.render(base));
            out.push('\n');
        }
        let total: usize = self.actions.values().sum();
        out.push_str(&format!("{} pages, {} actions", self.pages, total));
        if !self.actions.is_empty() {
            let kinds: Vec<String> = self
                .actions
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            out.push_str(&format!(" ({})", kinds.join(", ")));
        }
        let (e, w) = (self.count(Severity::Error), self.count(Severity::Warning));
        out.push_str(&format!(
            "\n{e} error{}, {w} warning{}\n",
            if e == 1 { "" } else { "s" },
            if w == 1 { "" } else { "s" }
        ));
        out
    }
}

/// Resolve a lesson path (`~/exercises/x`, `$HOME/x`, relative) to a file of the workshop.
/// Relative paths are taken from `exercises/` (where terminals start), as lessons expect.
pub fn resolve_learner_path(workshop: &Workshop, path: &str) -> PathBuf {
    let home = workshop.home_dir();
    let p = path.trim();
    if let Some(rest) = p
        .strip_prefix("~/")
        .or_else(|| p.strip_prefix("$HOME/"))
        .or_else(|| p.strip_prefix("${HOME}/"))
    {
        return home.join(rest);
    }
    if p == "~" || p == "$HOME" {
        return home.to_path_buf();
    }
    let pb = Path::new(p);
    if pb.is_absolute() {
        return pb.to_path_buf();
    }
    workshop.exercises_dir().join(pb)
}

pub fn run(workshop: &Workshop) -> Report {
    let mut diagnostics = workshop.diagnostics.clone();
    let mut actions: BTreeMap<String, usize> = BTreeMap::new();
    // Files brought into being by earlier actions are not "missing" later.
    let mut created: HashSet<PathBuf> = HashSet::new();
    for (i, page) in workshop.pages.iter().enumerate() {
        let doc = page::load(workshop, i);
        diagnostics.extend(doc.diagnostics);
        let source = &page.source;
        for ab in doc.lesson.actions() {
            *actions.entry(ab.action.name.clone()).or_default() += 1;
        }
        check_targets(
            workshop,
            &page.path,
            source,
            &doc.lesson,
            &mut created,
            &mut diagnostics,
        );
    }
    diagnostics.sort_by(|a, b| {
        (a.file.clone(), a.line, a.column).cmp(&(b.file.clone(), b.line, b.column))
    });
    Report {
        pages: workshop.pages.len(),
        actions,
        diagnostics,
    }
}

fn check_targets(
    workshop: &Workshop,
    page_path: &Path,
    source: &str,
    lesson: &crate::lesson::Lesson,
    created: &mut HashSet<PathBuf>,
    out: &mut Vec<Diagnostic>,
) {
    // Action lines: the block line of each action, in order.
    let mut lines = std::collections::HashMap::new();
    crate::lesson::walk_blocks(&lesson.blocks, &mut |b| {
        if let crate::lesson::BlockKind::Action(a) = &b.kind {
            lines.insert(a.id, b.line);
        }
    });
    let line_of = |id: usize| lines.get(&id).copied().unwrap_or(1);
    let exists = |p: &Path, created: &HashSet<PathBuf>| {
        p.exists() || created.iter().any(|c| p.starts_with(c))
    };

    for ab in lesson.actions() {
        // Point at the field that names the target, inside the block.
        let field_line = |key: &str| {
            line_of(ab.id) + 1 + crate::action::fields::key_line(&ab.action.body, key).unwrap_or(0)
        };
        let line = field_line(match &ab.action.kind {
            ActionKind::Examiner(_) => "name",
            ActionKind::Editor(
                crate::action::EditorAction::CopyFile { .. }
                | crate::action::EditorAction::RenameFile { .. },
            ) => "src",
            _ => "file",
        });
        // Every path an action names must stay inside the workshop's files.
        let outside = |path: &str, what: &str| -> Option<Diagnostic> {
            let refused = match what {
                "download" => crate::paths::plain_name(path).err(),
                "upload" => {
                    let rel = path
                        .trim()
                        .trim_start_matches("~/")
                        .trim_start_matches("uploads/");
                    let rel = rel.trim_end_matches('/');
                    (!rel.is_empty())
                        .then(|| {
                            crate::paths::within(&workshop.home_dir().join("uploads"), rel).err()
                        })
                        .flatten()
                }
                _ => crate::paths::learner_path(
                    workshop.home_dir(),
                    &workshop.exercises_dir(),
                    path,
                    false,
                )
                .err(),
            };
            refused.map(|why| {
                Diagnostic::error(page_path, format!("`{}`: {why}", ab.action.name))
                    .at(source, field_line(what), 1)
                    .with_help("content paths stay inside the workshop; a learner can allow more with --allow-outside-files")
            })
        };
        match &ab.action.kind {
            ActionKind::Editor(e) => {
                for p in [e.file(), e.creates()].into_iter().flatten() {
                    out.extend(outside(p, "file"));
                }
            }
            ActionKind::Files(crate::action::FilesAction::Download { path, download, .. }) => {
                out.extend(path.as_deref().and_then(|p| outside(p, "path")));
                out.extend(download.as_deref().and_then(|d| outside(d, "download")));
            }
            ActionKind::Files(crate::action::FilesAction::CopyContents {
                path: Some(p), ..
            }) => {
                out.extend(outside(p, "path"));
            }
            ActionKind::Files(
                crate::action::FilesAction::Upload { path: p }
                | crate::action::FilesAction::UploadMany { directory: p },
            ) => out.extend(outside(p, "upload")),
            _ => {}
        }
        match &ab.action.kind {
            ActionKind::Editor(e) => {
                if let Some(file) = e.file() {
                    let resolved = resolve_learner_path(workshop, file);
                    if e.needs_existing_file() && !exists(&resolved, created) {
                        out.push(
                            Diagnostic::warning(page_path, format!("`{}` names `{file}`, which does not exist ({})", ab.action.name, resolved.display()))
                                .at(source, line, 1)
                                .with_help("lessons may create it with a command first; otherwise add it to exercises/"),
                        );
                    }
                }
                if let Some(c) = e.creates() {
                    created.insert(resolve_learner_path(workshop, c));
                }
            }
            ActionKind::Examiner(t) => {
                let script = workshop
                    .workshop_dir
                    .join("examiner")
                    .join("tests")
                    .join(&t.name);
                if !script.is_file() {
                    out.push(
                        Diagnostic::error(
                            page_path,
                            format!(
                                "examiner test `{}` not found at {}",
                                t.name,
                                script.display()
                            ),
                        )
                        .at(source, line, 1)
                        .with_help(format!(
                            "add an executable script workshop/examiner/tests/{}",
                            t.name
                        )),
                    );
                } else if !is_executable(&script) {
                    out.push(
                        Diagnostic::error(
                            page_path,
                            format!("examiner test `{}` is not executable", t.name),
                        )
                        .at(source, line, 1)
                        .with_help(format!("chmod +x workshop/examiner/tests/{}", t.name)),
                    );
                }
            }
            _ => {}
        }
    }
    for (url, line) in lesson.images() {
        if url.contains("://") || url.starts_with("data:") || url.is_empty() {
            continue;
        }
        if image_path(workshop, page_path, &url).is_none() {
            out.push(
                Diagnostic::warning(page_path, format!("image `{url}` not found"))
                    .at(source, line, 1)
                    .with_help("put it beside the page, under workshop/static/ or under assets/"),
            );
        }
    }
}

/// Where an image of a page lives: beside the page, in `workshop/static`, or in `assets/`.
pub fn image_path(workshop: &Workshop, page_path: &Path, url: &str) -> Option<PathBuf> {
    let rel = url.split(['?', '#']).next().unwrap_or(url);
    let rel = rel.trim_start_matches('/');
    let dir = page_path.parent().unwrap_or(Path::new("."));
    // Images are looked for inside the workshop only.
    [
        dir.to_path_buf(),
        workshop.workshop_dir.join("static"),
        workshop.workshop_dir.join("content"),
        workshop.root.join("assets"),
    ]
    .into_iter()
    .filter_map(|base| crate::paths::within(&base, rel).ok())
    .find(|p| p.is_file())
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_: &Path) -> bool {
    true
}
