//! What an action card says: a short label (`Terminal 2`) and the text the
//! learner reads (`bombardier -d 120s ...`). Shared by `lectern render` and the app.

use super::*;

#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    /// `Terminal 2`, `Editor`, `Dashboard Grafana`, or `Prefix: Title` when given.
    pub label: String,
    /// What will happen, e.g. the command to run; the description when given.
    pub body: String,
}

fn session_label(s: &Session) -> String {
    match s {
        Session::All => "All terminals".into(),
        Session::Named(n) => format!("Terminal {n}"),
    }
}

fn matcher(m: &TextMatch) -> String {
    let mut s = if m.is_regex {
        format!("/{}/", m.text)
    } else {
        format!("\"{}\"", m.text)
    };
    if let Some(g) = m.group {
        s.push_str(&format!(" group {g}"));
    }
    match (m.start, m.stop) {
        (Some(a), Some(b)) => s.push_str(&format!(" in lines {a}..{b}")),
        (Some(a), None) => s.push_str(&format!(" from line {a}")),
        (None, Some(b)) => s.push_str(&format!(" before line {b}")),
        (None, None) => {}
    }
    s
}

fn with_text(head: String, text: &str) -> String {
    if text.is_empty() {
        head
    } else {
        format!("{head}\n{}", text.trim_end_matches('\n'))
    }
}

impl Action {
    pub fn card(&self) -> Card {
        let (label, body) = self.summary();
        let label = match (&self.common.prefix, &self.common.title) {
            (Some(p), Some(t)) => format!("{p}: {t}"),
            (None, Some(t)) => format!("{label}: {t}"),
            (Some(p), None) => format!("{p}: {label}"),
            (None, None) => label,
        };
        let body = match &self.common.description {
            Some(d) => d.trim_end().to_string(),
            None => body,
        };
        Card { label, body }
    }

    fn summary(&self) -> (String, String) {
        match &self.kind {
            ActionKind::Terminal(t) => match t {
                TerminalAction::Execute {
                    command,
                    session,
                    clear,
                } => {
                    let mut label = session_label(session);
                    if *clear {
                        label.push_str(" (clear)");
                    }
                    if super::is_ctrl_c(command) {
                        (label, "Ctrl-C".into())
                    } else {
                        (label, command.trim_end_matches('\n').to_string())
                    }
                }
                TerminalAction::Interrupt { session } => {
                    (session_label(session), "Ctrl-C (interrupt)".into())
                }
                TerminalAction::Input {
                    text,
                    session,
                    endl,
                } => (
                    session_label(session),
                    format!(
                        "type {}{}",
                        text.trim_end_matches('\n'),
                        if *endl { " ⏎" } else { "" }
                    ),
                ),
                TerminalAction::Clear { session } => {
                    (session_label(session), "clear the screen".into())
                }
                TerminalAction::Select { session } => {
                    (session_label(session), "bring to the front".into())
                }
            },
            ActionKind::Editor(e) => ("Editor".into(), editor_summary(e)),
            ActionKind::Dashboard(d) => match d {
                DashboardAction::Open { name } => (format!("Dashboard {name}"), "open".into()),
                DashboardAction::Create { name, url, .. } => {
                    (format!("Dashboard {name}"), format!("create {url}"))
                }
                DashboardAction::Reload { name, url, .. } => (
                    format!("Dashboard {name}"),
                    match url {
                        Some(u) => format!("reload {u}"),
                        None => "reload".into(),
                    },
                ),
                DashboardAction::Delete { name } => (format!("Dashboard {name}"), "delete".into()),
                DashboardAction::OpenUrl { url } => ("Open URL".into(), url.clone()),
            },
            ActionKind::Copy { text, edit } => (
                if *edit { "Copy and edit" } else { "Copy" }.into(),
                text.trim_end_matches('\n').to_string(),
            ),
            ActionKind::Examiner(t) => {
                let mut s = format!("check {}", t.name);
                for a in &t.args {
                    s.push(' ');
                    s.push_str(a);
                }
                ("Examiner".into(), s)
            }
            ActionKind::Section(s) => match s {
                SectionAction::Begin { title, open, .. } => (
                    "Section".into(),
                    format!("{} {title}", if *open { "▾" } else { "▸" }),
                ),
                SectionAction::End { .. } => ("Section".into(), "end".into()),
                SectionAction::Heading { title } => ("Heading".into(), title.clone()),
            },
            ActionKind::Files(f) => match f {
                FilesAction::Download {
                    path,
                    url,
                    download,
                } => (
                    "Download".into(),
                    format!(
                        "{}{}",
                        path.as_deref().or(url.as_deref()).unwrap_or("?"),
                        download
                            .as_ref()
                            .map(|d| format!(" as {d}"))
                            .unwrap_or_default()
                    ),
                ),
                FilesAction::CopyContents { path, url } => (
                    "Copy file".into(),
                    path.as_deref()
                        .or(url.as_deref())
                        .unwrap_or("?")
                        .to_string(),
                ),
                FilesAction::Upload { path } => ("Upload".into(), format!("a file to {path}")),
                FilesAction::UploadMany { directory } => {
                    ("Upload".into(), format!("files to {directory}"))
                }
            },
        }
    }
}

fn editor_summary(e: &EditorAction) -> String {
    use EditorAction::*;
    match e {
        OpenFile { file, line } => match line {
            Some(l) => format!("open {file}:{l}"),
            None => format!("open {file}"),
        },
        SelectMatchingText {
            file,
            matching,
            before,
            after,
        } => {
            let mut s = format!("select {} in {file}", matcher(matching));
            if before.is_some() || after.is_some() {
                let side = |v: &Option<i64>| match v {
                    Some(-1) => "all".to_string(),
                    Some(n) => n.to_string(),
                    None => "0".into(),
                };
                s.push_str(&format!(
                    " (lines: {} before, {} after)",
                    side(before),
                    side(after)
                ));
            }
            s
        }
        SelectLinesInRange { file, start, stop } => {
            format!("select lines {start}..{} in {file}", stop.unwrap_or(*start))
        }
        SelectYamlPath { file, path } => format!(
            "select {} in {file}",
            path.as_deref().unwrap_or("the document")
        ),
        ReplaceTextSelection { file, text } => {
            with_text(format!("replace the selection in {file} with"), text)
        }
        DeleteTextSelection { file } => format!("delete the selection in {file}"),
        InsertLinesBeforeSelection { file, text } => {
            with_text(format!("insert before the selection in {file}"), text)
        }
        AppendLinesAfterSelection { file, text } => {
            with_text(format!("add after the selection in {file}"), text)
        }
        CreateFile { file, text } => with_text(format!("create {file}"), text),
        CreateDirectory { directory } => format!("create folder {directory}"),
        AppendLinesToFile { file, text } => with_text(format!("append to {file}"), text),
        PrependLinesToFile { file, text } => with_text(format!("prepend to {file}"), text),
        InsertLinesBeforeLine { file, line, text } => {
            with_text(format!("insert before line {line} of {file}"), text)
        }
        AppendLinesAfterLine { file, line, text } => {
            with_text(format!("add after line {line} of {file}"), text)
        }
        InsertLinesBeforeMatch {
            file,
            matching,
            text,
        } => with_text(
            format!("insert before {} in {file}", matcher(matching)),
            text,
        ),
        AppendLinesAfterMatch {
            file,
            matching,
            text,
        } => with_text(format!("add after {} in {file}", matcher(matching)), text),
        ReplaceMatchingText {
            file,
            matching,
            replacement,
            count,
        } => {
            let times = match count {
                -1 => " (all)".to_string(),
                1 => String::new(),
                n => format!(" ({n} times)"),
            };
            with_text(
                format!("replace {}{times} in {file} with", matcher(matching)),
                replacement,
            )
        }
        ReplaceLinesInRange {
            file,
            start,
            stop,
            text,
        } => with_text(
            format!("replace lines {start}..{stop} of {file} with"),
            text,
        ),
        DeleteLinesInRange { file, start, stop } => {
            format!("delete lines {start}..{} of {file}", stop.unwrap_or(*start))
        }
        DeleteMatchingLines { file, matching, .. } => {
            format!("delete lines matching {} in {file}", matcher(matching))
        }
        CopyFile { src, dest, .. } => format!("copy {src} to {dest}"),
        RenameFile { src, dest, .. } => format!("rename {src} to {dest}"),
        CloseFile { file } => format!("close {file}"),
        DeleteFile { file } => format!("delete {file}"),
        Yaml {
            op,
            file,
            path,
            index,
            value,
        } => {
            let verb = match op {
                YamlOp::Set => "set",
                YamlOp::Add => "add an item to",
                YamlOp::Insert => "insert an item into",
                YamlOp::Replace => "replace",
                YamlOp::Delete => "delete",
                YamlOp::Merge => "merge into",
                YamlOp::InsertValue => "insert into",
            };
            let at = index.map(|i| format!(" at {i}")).unwrap_or_default();
            let v = value
                .as_ref()
                .and_then(|v| crate::yaml::to_string(v).ok())
                .unwrap_or_default();
            with_text(format!("{verb} {path}{at} in {file}"), v.trim_end())
        }
        ExecuteCommand { command, args } => {
            if command == "workbench.action.findInFiles" {
                let a = args.get(0).unwrap_or(args);
                let q = a["query"].as_str().unwrap_or("");
                let re = a["isRegex"].as_bool().unwrap_or(false);
                let inc = a["filesToInclude"].as_str().unwrap_or("the exercises");
                if re {
                    format!("search /{q}/ in {inc}")
                } else {
                    format!("search \"{q}\" in {inc}")
                }
            } else if args.is_null() {
                format!("run editor command {command}")
            } else {
                format!("run editor command {command} {args}")
            }
        }
        Terminal {
            op, session, text, ..
        } => {
            let t = text
                .as_deref()
                .map(|t| format!(": {t}"))
                .unwrap_or_default();
            format!("{op} {session}{t}")
        }
    }
}
