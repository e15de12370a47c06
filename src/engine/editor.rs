//! The editor as lectern keeps it: open files, their selections, search
//! results, and every editor action applied to real files. Writes are atomic;
//! a file changed on disk since it was shown is re-read before it is edited,
//! so the learner's own edits are never overwritten; each file keeps an undo
//! history. Shared by the app and `lectern test`.

use std::path::{Path, PathBuf};

use super::outcome::Outcome;
use crate::action::{EditorAction, YamlOp};
use crate::model::edits::{self, Edited};
use crate::model::selection::{self, Selection};
use crate::model::yaml_edit;
use crate::runtime::files::{self, Hit};
use crate::runtime::store::write_atomic;

/// A file shown in the editor view.
#[derive(Debug, Clone)]
pub struct OpenFile {
    pub path: PathBuf,
    /// As shown: the file's text when it was (re)read.
    pub text: String,
    pub modified: Option<std::time::SystemTime>,
    pub selection: Option<Selection>,
    /// Lines changed by the last edit, highlighted until the next action.
    pub changed: Option<std::ops::RangeInclusive<usize>>,
    pub scroll: usize,
    /// Earlier contents, for undo.
    pub undo: Vec<String>,
}

impl OpenFile {
    pub fn read(path: PathBuf) -> std::io::Result<OpenFile> {
        let text = std::fs::read_to_string(&path)?;
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        Ok(OpenFile {
            path,
            text,
            modified,
            selection: None,
            changed: None,
            scroll: 0,
            undo: Vec::new(),
        })
    }

    /// Re-read when the file changed on disk since it was shown.
    pub fn refresh(&mut self) {
        let now = std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok();
        if now != self.modified {
            if let Ok(t) = std::fs::read_to_string(&self.path) {
                if t != self.text {
                    self.selection = None;
                    self.changed = None;
                }
                self.text = t;
                self.modified = now;
            }
        }
    }

    /// Scroll so that `line` sits a few lines from the top of a `height` view.
    pub fn reveal(&mut self, line: usize, height: usize) {
        if line < self.scroll || line >= self.scroll + height.max(1) {
            self.scroll = line.saturating_sub(3);
        }
    }
}

#[derive(Debug, Clone)]
pub struct SearchResults {
    pub query: String,
    pub include: String,
    pub hits: Vec<Hit>,
    pub selected: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Editor {
    pub files: Vec<OpenFile>,
    pub active: usize,
    pub search: Option<SearchResults>,
    /// Show the search results rather than the file.
    pub show_search: bool,
}

impl Editor {
    pub fn current(&self) -> Option<&OpenFile> {
        self.files.get(self.active)
    }

    pub fn current_mut(&mut self) -> Option<&mut OpenFile> {
        self.files.get_mut(self.active)
    }

    /// Open (or bring forward) a file; the file is re-read if it changed.
    pub fn open(&mut self, path: PathBuf) -> std::io::Result<&mut OpenFile> {
        self.show_search = false;
        if let Some(i) = self.files.iter().position(|f| f.path == path) {
            self.active = i;
            self.files[i].refresh();
        } else {
            self.files.push(OpenFile::read(path)?);
            self.active = self.files.len() - 1;
        }
        Ok(&mut self.files[self.active])
    }

    pub fn close(&mut self, path: &std::path::Path) {
        self.files.retain(|f| f.path != path);
        self.active = self.active.min(self.files.len().saturating_sub(1));
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// What an editor action did.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    Done(String),
    /// A search, with its number of hits.
    Hits(usize),
    /// A VS Code command the terminal has no equivalent for.
    NotHere(String),
}

/// Where editor actions may reach.
pub struct Scope<'a> {
    /// The learner's home (`~`): the workshop root.
    pub home: &'a Path,
    /// Relative paths start here.
    pub exercises: &'a Path,
    pub allow_outside: bool,
}

impl Scope<'_> {
    pub fn resolve(&self, p: &str) -> Result<PathBuf, String> {
        crate::paths::learner_path(self.home, self.exercises, p, self.allow_outside)
    }
}

impl Editor {
    fn selection_of(&self, path: &Path) -> Result<Selection, String> {
        self.files
            .iter()
            .find(|f| f.path == path)
            .and_then(|f| f.selection)
            .ok_or_else(|| {
                format!(
                    "nothing is selected in {}: a select action has to run first",
                    path.display()
                )
            })
    }

    /// Re-read (the learner may have edited it), edit, write atomically, show the change.
    fn edit(
        &mut self,
        path: &Path,
        f: impl FnOnce(&str) -> Result<Edited, String>,
    ) -> Result<Applied, String> {
        let current = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let edited = f(&current)?;
        write_atomic(path, edited.text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let file = self.open(path.to_path_buf()).map_err(|e| e.to_string())?;
        file.undo.push(current);
        file.text = edited.text;
        file.modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        file.selection = None;
        file.changed = edited.changed.clone();
        if let Some(c) = &edited.changed {
            file.reveal(*c.start(), 20);
        }
        Ok(Applied::Done(match edited.changed {
            Some(c) if c.start() == c.end() => format!("changed line {}", c.start() + 1),
            Some(c) => format!("changed lines {}–{}", c.start() + 1, c.end() + 1),
            None => "done".into(),
        }))
    }

    /// Undo the last edit lectern made to the current file.
    pub fn undo(&mut self) -> Result<String, String> {
        let file = self.current_mut().ok_or("no file is open")?;
        let previous = file.undo.pop().ok_or("nothing to undo in this file")?;
        write_atomic(&file.path, previous.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", file.path.display()))?;
        file.text = previous;
        file.modified = std::fs::metadata(&file.path)
            .and_then(|m| m.modified())
            .ok();
        file.changed = None;
        file.selection = None;
        Ok(format!("undid the last change to {}", file.path.display()))
    }

    fn select(
        &mut self,
        path: PathBuf,
        sel: Option<Selection>,
        height: usize,
    ) -> Result<(), String> {
        let file = self.open(path).map_err(|e| e.to_string())?;
        file.selection = sel;
        file.changed = None;
        if let Some(s) = sel {
            file.reveal(s.start.0, height);
        }
        Ok(())
    }

    /// Apply an editor action and judge it. Terminal-related actions
    /// (`editor:open-terminal`, ...) are not handled here.
    pub fn run(&mut self, scope: &Scope, action: &EditorAction) -> Outcome {
        match self.apply(scope, action) {
            Ok(Applied::Done(note)) => Outcome::passed(note),
            // A search a lesson points at should find what it talks about.
            Ok(Applied::Hits(0)) => Outcome::failed("the search found nothing"),
            Ok(Applied::Hits(n)) => {
                Outcome::passed(format!("{n} hit{}", if n == 1 { "" } else { "s" }))
            }
            Ok(Applied::NotHere(command)) => {
                Outcome::Skipped(format!("{command} is not available in the terminal"))
            }
            Err(why) => Outcome::failed(why),
        }
    }

    /// Apply an editor action. Ok says what was done; Err says why it failed.
    pub fn apply(&mut self, scope: &Scope, action: &EditorAction) -> Result<Applied, String> {
        use EditorAction as E;
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
        };
        match action {
            E::OpenFile { file, line } => {
                let p = scope.resolve(file)?;
                let f = self
                    .open(p.clone())
                    .map_err(|e| format!("cannot open {}: {e}", p.display()))?;
                f.selection = None;
                f.changed = None;
                let n = f.text.lines().count();
                match line {
                    Some(l) if *l >= 1 => {
                        let l = (*l as usize).min(n.max(1));
                        f.selection = Some(Selection {
                            start: (l - 1, 0),
                            end: (l, 0),
                        });
                        f.reveal(l - 1, 20);
                        Ok(Applied::Done(format!("opened at line {l}")))
                    }
                    _ => {
                        f.scroll = 0;
                        Ok(Applied::Done(format!("opened ({n} lines)")))
                    }
                }
            }
            E::SelectMatchingText {
                file,
                matching,
                before,
                after,
            } => {
                let p = scope.resolve(file)?;
                let text = read(&p)?;
                let sel = selection::select_matching(&text, matching, *before, *after)?;
                self.select(p, sel, 20)?;
                match sel {
                    Some(s) => Ok(Applied::Done(format!(
                        "selected lines {}–{}",
                        s.lines().start() + 1,
                        s.lines().end() + 1
                    ))),
                    None => Err(format!(
                        "no match for `{}` in {}",
                        matching.text,
                        file_name(file)
                    )),
                }
            }
            E::SelectLinesInRange { file, start, stop } => {
                let p = scope.resolve(file)?;
                let sel = selection::select_lines(&read(&p)?, *start, *stop)?;
                self.select(p, Some(sel), 20)?;
                Ok(Applied::Done("selected".into()))
            }
            E::SelectYamlPath { file, path } => {
                let p = scope.resolve(file)?;
                let (s, e) = yaml_edit::locate(&read(&p)?, path.as_deref())?;
                self.select(
                    p,
                    Some(Selection {
                        start: (s, 0),
                        end: (e + 1, 0),
                    }),
                    20,
                )?;
                Ok(Applied::Done(format!("selected lines {}–{}", s + 1, e + 1)))
            }
            E::ReplaceTextSelection { file, text } => {
                let p = scope.resolve(file)?;
                let sel = self.selection_of(&p)?;
                self.edit(&p, |t| Ok(edits::replace_selection(t, &sel, text)))
            }
            E::DeleteTextSelection { file } => {
                let p = scope.resolve(file)?;
                let sel = self.selection_of(&p)?;
                self.edit(&p, |t| Ok(edits::replace_selection(t, &sel, "")))
            }
            E::InsertLinesBeforeSelection { file, text } => {
                let p = scope.resolve(file)?;
                let sel = self.selection_of(&p)?;
                self.edit(&p, |t| Ok(edits::insert_before_selection(t, &sel, text)))
            }
            E::AppendLinesAfterSelection { file, text } => {
                let p = scope.resolve(file)?;
                let sel = self.selection_of(&p)?;
                self.edit(&p, |t| Ok(edits::append_after_selection(t, &sel, text)))
            }
            E::CreateFile { file, text } => {
                let p = scope.resolve(file)?;
                let parent = p.parent().unwrap_or(Path::new("."));
                if !parent.is_dir() {
                    return Err(format!(
                        "the folder {} does not exist (editor:create-directory makes it)",
                        parent.display()
                    ));
                }
                let old = std::fs::read_to_string(&p).ok();
                write_atomic(&p, text.as_bytes())
                    .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
                let f = self.open(p).map_err(|e| e.to_string())?;
                f.text = text.clone();
                f.changed = (!text.is_empty()).then(|| 0..=text.lines().count().saturating_sub(1));
                if let Some(o) = old {
                    f.undo.push(o);
                }
                Ok(Applied::Done("created".into()))
            }
            E::CreateDirectory { directory } => {
                let p = scope.resolve(directory)?;
                std::fs::create_dir_all(&p)
                    .map_err(|e| format!("cannot create {}: {e}", p.display()))?;
                Ok(Applied::Done("created".into()))
            }
            E::AppendLinesToFile { file, text } | E::PrependLinesToFile { file, text } => {
                let p = scope.resolve(file)?;
                if !p.exists() {
                    write_atomic(&p, b"")
                        .map_err(|e| format!("cannot create {}: {e}", p.display()))?;
                }
                let prepend = matches!(action, E::PrependLinesToFile { .. });
                self.edit(&p, |t| {
                    Ok(if prepend {
                        edits::prepend_lines(t, text)
                    } else {
                        edits::append_lines(t, text)
                    })
                })
            }
            E::InsertLinesBeforeLine { file, line, text } => {
                let p = scope.resolve(file)?;
                self.edit(&p, |t| Ok(edits::insert_before_line(t, *line, text)))
            }
            E::AppendLinesAfterLine { file, line, text } => {
                let p = scope.resolve(file)?;
                self.edit(&p, |t| Ok(edits::append_after_line(t, *line, text)))
            }
            E::InsertLinesBeforeMatch {
                file,
                matching,
                text,
            } => {
                let p = scope.resolve(file)?;
                self.edit(&p, |t| edits::insert_before_match(t, matching, text))
            }
            E::AppendLinesAfterMatch {
                file,
                matching,
                text,
            } => {
                let p = scope.resolve(file)?;
                self.edit(&p, |t| edits::append_after_match(t, matching, text))
            }
            E::ReplaceMatchingText {
                file,
                matching,
                replacement,
                count,
            } => {
                let p = scope.resolve(file)?;
                self.edit(&p, |t| {
                    edits::replace_matching(t, matching, replacement, *count)
                })
            }
            E::ReplaceLinesInRange {
                file,
                start,
                stop,
                text,
            } => {
                let p = scope.resolve(file)?;
                self.edit(&p, |t| edits::replace_lines(t, *start, *stop, text))
            }
            E::DeleteLinesInRange { file, start, stop } => {
                let p = scope.resolve(file)?;
                self.edit(&p, |t| edits::delete_lines(t, *start, *stop))
            }
            E::DeleteMatchingLines {
                file,
                matching,
                before,
                after,
            } => {
                let p = scope.resolve(file)?;
                self.edit(&p, |t| {
                    edits::delete_matching_lines(t, matching, *before, *after)
                })
            }
            E::CopyFile { src, dest, open } | E::RenameFile { src, dest, open } => {
                let (s, d) = (scope.resolve(src)?, scope.resolve(dest)?);
                if !s.is_file() {
                    return Err(format!("{} does not exist", s.display()));
                }
                if let Some(parent) = d.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
                }
                let verb = if matches!(action, E::CopyFile { .. }) {
                    let bytes = std::fs::read(&s).map_err(|e| e.to_string())?;
                    write_atomic(&d, &bytes)
                        .map_err(|e| format!("cannot write {}: {e}", d.display()))?;
                    "copied"
                } else {
                    std::fs::rename(&s, &d).map_err(|e| format!("cannot rename: {e}"))?;
                    self.close(&s);
                    "renamed"
                };
                if *open {
                    self.open(d).map_err(|e| e.to_string())?;
                }
                Ok(Applied::Done(verb.into()))
            }
            E::CloseFile { file } => {
                let p = scope.resolve(file)?;
                self.close(&p);
                Ok(Applied::Done("closed".into()))
            }
            E::DeleteFile { file } => {
                let p = scope.resolve(file)?;
                std::fs::remove_file(&p)
                    .map_err(|e| format!("cannot delete {}: {e}", p.display()))?;
                self.close(&p);
                Ok(Applied::Done("deleted".into()))
            }
            E::Yaml {
                op,
                file,
                path,
                index,
                value,
            } => {
                let p = scope.resolve(file)?;
                if !p.exists() && matches!(op, YamlOp::Set | YamlOp::Merge | YamlOp::Add) {
                    write_atomic(&p, b"").map_err(|e| e.to_string())?;
                }
                self.edit(&p, |t| {
                    let out = yaml_edit::apply(t, *op, path, *index, value.as_ref())?;
                    let changed = yaml_edit::locate(&out, Some(path)).ok().map(|(s, e)| s..=e);
                    Ok(Edited { text: out, changed })
                })
            }
            E::ExecuteCommand { command, args } => match command.as_str() {
                "workbench.action.findInFiles" => {
                    let a = args.get(0).unwrap_or(args);
                    let query = a["query"].as_str().unwrap_or("").to_string();
                    let include = a["filesToInclude"].as_str().unwrap_or("").to_string();
                    let hits = files::search(
                        scope.exercises,
                        &query,
                        a["isRegex"].as_bool().unwrap_or(false),
                        &include,
                        500,
                    )?;
                    let n = hits.len();
                    self.search = Some(SearchResults {
                        query,
                        include,
                        hits,
                        selected: 0,
                    });
                    self.show_search = true;
                    Ok(Applied::Hits(n))
                }
                "workbench.action.files.save" | "workbench.action.files.saveAll" => Ok(
                    Applied::Done("saved (lectern saves every change at once)".into()),
                ),
                "workbench.action.closeActiveEditor" => {
                    if let Some(p) = self.current().map(|f| f.path.clone()) {
                        self.close(&p);
                    }
                    Ok(Applied::Done("closed".into()))
                }
                other => Ok(Applied::NotHere(other.to_string())),
            },
            E::Terminal { .. } => Err("editor terminals are handled by the engine".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::TextMatch;

    fn scope(d: &Path) -> (PathBuf, PathBuf) {
        let ex = d.join("exercises");
        std::fs::create_dir_all(&ex).unwrap();
        (d.to_path_buf(), ex)
    }

    #[test]
    fn select_then_replace_then_undo() {
        let d = tempfile::tempdir().unwrap();
        let (home, ex) = scope(d.path());
        std::fs::write(ex.join("app.yaml"), "image: nginx:1.19\r\nport: 80").unwrap();
        let sc = Scope {
            home: &home,
            exercises: &ex,
            allow_outside: false,
        };
        let mut ed = Editor::default();
        let m = TextMatch {
            text: "1.19".into(),
            is_regex: false,
            group: None,
            start: None,
            stop: None,
        };
        ed.apply(
            &sc,
            &EditorAction::SelectMatchingText {
                file: "app.yaml".into(),
                matching: m,
                before: None,
                after: None,
            },
        )
        .unwrap();
        ed.apply(
            &sc,
            &EditorAction::ReplaceTextSelection {
                file: "~/exercises/app.yaml".into(),
                text: "1.25".into(),
            },
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(ex.join("app.yaml")).unwrap(),
            "image: nginx:1.25\r\nport: 80"
        );
        // Nothing selected any more.
        assert!(ed
            .apply(
                &sc,
                &EditorAction::DeleteTextSelection {
                    file: "app.yaml".into()
                }
            )
            .unwrap_err()
            .contains("nothing is selected"));
        ed.undo().unwrap();
        assert_eq!(
            std::fs::read_to_string(ex.join("app.yaml")).unwrap(),
            "image: nginx:1.19\r\nport: 80"
        );
    }

    #[test]
    fn the_learners_own_edits_are_kept() {
        let d = tempfile::tempdir().unwrap();
        let (home, ex) = scope(d.path());
        std::fs::write(ex.join("a.py"), "one\n").unwrap();
        let sc = Scope {
            home: &home,
            exercises: &ex,
            allow_outside: false,
        };
        let mut ed = Editor::default();
        ed.apply(
            &sc,
            &EditorAction::OpenFile {
                file: "a.py".into(),
                line: None,
            },
        )
        .unwrap();
        // The learner changes the file behind lectern's back...
        std::fs::write(ex.join("a.py"), "one\nmine\n").unwrap();
        ed.apply(
            &sc,
            &EditorAction::AppendLinesToFile {
                file: "a.py".into(),
                text: "two\n".into(),
            },
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(ex.join("a.py")).unwrap(),
            "one\nmine\ntwo\n"
        );
        assert_eq!(ed.current().unwrap().text, "one\nmine\ntwo\n");
    }

    #[test]
    fn failed_edits_leave_the_file_alone_and_escapes_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let (home, ex) = scope(d.path());
        std::fs::write(ex.join("a.txt"), "keep\n").unwrap();
        let sc = Scope {
            home: &home,
            exercises: &ex,
            allow_outside: false,
        };
        let mut ed = Editor::default();
        let m = TextMatch {
            text: "absent".into(),
            is_regex: false,
            group: None,
            start: None,
            stop: None,
        };
        let err = ed
            .apply(
                &sc,
                &EditorAction::AppendLinesAfterMatch {
                    file: "a.txt".into(),
                    matching: m,
                    text: "x".into(),
                },
            )
            .unwrap_err();
        assert!(err.contains("no line matches"), "{err}");
        assert_eq!(std::fs::read_to_string(ex.join("a.txt")).unwrap(), "keep\n");
        let err = ed
            .apply(
                &sc,
                &EditorAction::CreateFile {
                    file: "../../outside.txt".into(),
                    text: "x".into(),
                },
            )
            .unwrap_err();
        assert!(err.contains("outside the workshop"), "{err}");
        assert!(!d.path().parent().unwrap().join("outside.txt").exists());
        // An atomic write that cannot happen leaves the old file intact.
        use std::os::unix::fs::PermissionsExt;
        if unsafe { libc::geteuid() } != 0 {
            std::fs::set_permissions(&ex, std::fs::Permissions::from_mode(0o555)).unwrap();
            assert!(ed
                .apply(
                    &sc,
                    &EditorAction::AppendLinesToFile {
                        file: "a.txt".into(),
                        text: "x".into()
                    }
                )
                .is_err());
            std::fs::set_permissions(&ex, std::fs::Permissions::from_mode(0o755)).unwrap();
            assert_eq!(std::fs::read_to_string(ex.join("a.txt")).unwrap(), "keep\n");
        }
    }

    #[test]
    fn yaml_edits_and_file_management() {
        let d = tempfile::tempdir().unwrap();
        let (home, ex) = scope(d.path());
        std::fs::write(ex.join("d.yaml"), "spec:\n  replicas: 1\n").unwrap();
        let sc = Scope {
            home: &home,
            exercises: &ex,
            allow_outside: false,
        };
        let mut ed = Editor::default();
        let note = ed
            .apply(
                &sc,
                &EditorAction::Yaml {
                    op: YamlOp::Set,
                    file: "d.yaml".into(),
                    path: "spec.replicas".into(),
                    index: None,
                    value: Some(serde_json::json!(3)),
                },
            )
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(ex.join("d.yaml")).unwrap(),
            "spec:\n  replicas: 3\n"
        );
        assert!(
            matches!(&note, Applied::Done(n) if n.contains("line 2")),
            "{note:?}"
        );
        ed.apply(
            &sc,
            &EditorAction::CopyFile {
                src: "d.yaml".into(),
                dest: "sub/e.yaml".into(),
                open: true,
            },
        )
        .unwrap();
        ed.apply(
            &sc,
            &EditorAction::RenameFile {
                src: "sub/e.yaml".into(),
                dest: "sub/f.yaml".into(),
                open: false,
            },
        )
        .unwrap();
        assert!(ex.join("sub/f.yaml").exists() && !ex.join("sub/e.yaml").exists());
        ed.apply(
            &sc,
            &EditorAction::DeleteFile {
                file: "sub/f.yaml".into(),
            },
        )
        .unwrap();
        assert!(!ex.join("sub/f.yaml").exists());
        let n = ed
            .apply(
                &sc,
                &EditorAction::ExecuteCommand {
                    command: "workbench.action.findInFiles".into(),
                    args: serde_json::json!([{"query": "replicas", "filesToInclude": "*.yaml"}]),
                },
            )
            .unwrap();
        assert_eq!(n, Applied::Hits(1));
        let n = ed
            .apply(
                &sc,
                &EditorAction::ExecuteCommand {
                    command: "editor.action.foo".into(),
                    args: serde_json::Value::Null,
                },
            )
            .unwrap();
        assert_eq!(n, Applied::NotHere("editor.action.foo".into()));
    }
}
