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
    let mut provided = provided_words(workshop);
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
        check_programs(
            workshop,
            &page.path,
            source,
            &doc.lesson,
            &mut provided,
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

/// Debian packages of commands lessons often use.
const PACKAGES: &[(&str, &str)] = &[
    ("ab", "apache2-utils"),
    ("bwrap", "bubblewrap"),
    ("curl", "curl"),
    ("dig", "dnsutils"),
    ("docker", "docker.io"),
    ("git", "git"),
    ("hey", "hey"),
    ("http", "httpie"),
    ("influx", "influxdb-client"),
    ("influxd", "influxdb"),
    ("jq", "jq"),
    ("less", "less"),
    ("make", "make"),
    ("nc", "netcat-openbsd"),
    ("nano", "nano"),
    ("pip", "python3-pip"),
    ("pip3", "python3-pip"),
    ("prometheus", "prometheus"),
    ("promtool", "prometheus"),
    ("psql", "postgresql-client"),
    ("python3", "python3"),
    ("redis-cli", "redis-tools"),
    ("sqlite3", "sqlite3"),
    ("supervisorctl", "supervisor"),
    ("tmux", "tmux"),
    ("tree", "tree"),
    ("unzip", "unzip"),
    ("vim", "vim"),
    ("watch", "procps"),
    ("wget", "wget"),
    ("wrk", "wrk"),
    ("yq", "yq"),
    ("zip", "zip"),
];

/// Words that are the shell's own, not programs to look for.
const SHELL_WORDS: &[&str] = &[
    "!", ".", ":", "[", "[[", "alias", "bg", "break", "case", "cd", "command", "continue",
    "declare", "do", "done", "echo", "elif", "else", "env", "esac", "eval", "exec", "exit",
    "export", "false", "fg", "fi", "for", "function", "if", "in", "jobs", "kill", "let", "local",
    "nohup", "popd", "printf", "pushd", "pwd", "read", "return", "select", "set", "shift",
    "source", "sudo", "test", "then", "time", "trap", "true", "type", "ulimit", "umask", "unset",
    "until", "wait", "while", "{", "}", "(", ")",
];

/// The programs a command line runs: the first word of each part.
pub fn programs(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    // What is quoted is an argument, whatever it holds (`'q=SELECT count(x) FROM y'`):
    // its characters become one plain word so that no separator is seen there.
    let mut quote = None;
    let unquoted: String = command
        .chars()
        .map(|c| match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                c
            }
            (Some(q), c) if c == q => {
                quote = None;
                c
            }
            (Some(_), _) => '_',
            (None, c) => c,
        })
        .collect();
    for part in unquoted.split(['\n', ';', '|', '&', '(', ')', '`']) {
        let mut words = part.split_whitespace();
        let first = loop {
            match words.next() {
                // VAR=value before a command, and wrappers that run the next word.
                Some(w) if w.contains('=') && !w.starts_with('=') => continue,
                Some("sudo" | "time" | "exec" | "nohup" | "env" | "command") => continue,
                other => break other,
            }
        };
        let Some(w) = first else { continue };
        let plain = w
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c));
        if plain && !SHELL_WORDS.contains(&w) && !w.starts_with(['-', '.']) {
            out.push(w.to_string());
        }
    }
    out
}

/// Whether `name` is a program here: on PATH, in the workshop's `bin/`.
fn installed(workshop: &Workshop, name: &str) -> bool {
    let in_bin = workshop.root.join("bin").join(name).is_file();
    in_bin
        || std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
}

/// Words of what a workshop sets up for itself (set-up scripts, its profile,
/// requirements files): a program named there is made by the workshop.
fn provided_words(workshop: &Workshop) -> HashSet<String> {
    let mut texts = Vec::new();
    for dir in [
        workshop.workshop_dir.join("setup.d"),
        workshop.root.join("bin"),
    ] {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            texts.push(std::fs::read_to_string(e.path()).unwrap_or_default());
        }
    }
    texts.push(std::fs::read_to_string(workshop.workshop_dir.join("profile")).unwrap_or_default());
    for e in std::fs::read_dir(workshop.exercises_dir())
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("requirements") || name == "package.json" || name == "Makefile" {
            texts.push(std::fs::read_to_string(e.path()).unwrap_or_default());
        }
    }
    words(&texts.join("\n"))
}

fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c)))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A program a page runs that this machine does not have, and nothing in the
/// workshop makes: said at the action, with the package that has it.
fn check_programs(
    workshop: &Workshop,
    page_path: &Path,
    source: &str,
    lesson: &crate::lesson::Lesson,
    provided: &mut HashSet<String>,
    out: &mut Vec<Diagnostic>,
) {
    let mut lines = std::collections::HashMap::new();
    crate::lesson::walk_blocks(&lesson.blocks, &mut |b| {
        if let crate::lesson::BlockKind::Action(a) = &b.kind {
            lines.insert(a.id, b.line);
        }
    });
    for ab in lesson.actions() {
        let ActionKind::Terminal(crate::action::TerminalAction::Execute { command, .. }) =
            &ab.action.kind
        else {
            continue;
        };
        for p in programs(command) {
            let lower = p.to_lowercase();
            let stem = lower.split(['-', '_']).next().unwrap_or(&lower).to_string();
            let made = provided.contains(&lower)
                || lower
                    .rsplit_once('-')
                    .is_some_and(|(head, _)| provided.contains(head))
                || (stem.len() > 3 && provided.contains(&stem));
            let package = PACKAGES.iter().find(|(c, _)| *c == p).map(|(_, pkg)| *pkg);
            // `pip install httpie && http ...`: its package is installed first.
            let by_package =
                package.is_some_and(|pkg| provided.contains(pkg) || words(command).contains(pkg));
            if made || by_package || installed(workshop, &p) {
                continue;
            }
            let help = match package {
                Some(pkg) => format!(
                    "install it with `sudo apt-get install {pkg}`, or make it in a set-up script"
                ),
                None => "install it, put it in the workshop's bin/, or make it in a set-up script"
                    .into(),
            };
            out.push(
                Diagnostic::warning(
                    page_path,
                    format!("`{p}` is not installed here and nothing in the workshop makes it"),
                )
                .at(source, lines.get(&ab.id).copied().unwrap_or(1) + 1, 1)
                .with_help(help),
            );
        }
        // What this command installs counts as made for the pages after it.
        provided.extend(words(command));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn programs_of_a_command_line() {
        assert_eq!(
            super::programs("FOO=1 sudo kubectl get pods && jq . x | tool --x; echo $(date) &"),
            ["kubectl", "jq", "tool", "date"]
        );
        assert_eq!(
            super::programs("cd x; ./run.sh; VAR=2"),
            Vec::<String>::new()
        );
        assert_eq!(super::programs("command -v hey"), Vec::<String>::new());
        assert_eq!(
            super::programs(
                "curl -G x --data-urlencode 'q=SELECT count(v) FROM h' | grep \"a; b\""
            ),
            ["curl", "grep"]
        );
    }
}
