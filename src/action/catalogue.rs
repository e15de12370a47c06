//! Every action name lectern knows, and how its fields are read.

use std::time::Duration;

use serde_json::{Map, Value};

use super::fields::{FieldError, Fields};
use super::*;
use crate::yaml;

const TERMINAL: &[&str] = &[
    "execute",
    "execute-all",
    "interrupt",
    "interrupt-all",
    "input",
    "clear",
    "clear-all",
    "select",
];
const EDITOR: &[&str] = &[
    "open-file",
    "select-matching-text",
    "select-lines-in-file",
    "select-lines-in-range",
    "select-yaml-path",
    "replace-text-selection",
    "delete-text-selection",
    "insert-lines-before-selection",
    "append-lines-after-selection",
    "create-file",
    "create-directory",
    "append-lines-to-file",
    "prepend-lines-to-file",
    "insert-lines-before-line",
    "append-lines-after-line",
    "insert-lines-after-line",
    "insert-lines-before-match",
    "append-lines-after-match",
    "replace-matching-text",
    "replace-lines-in-range",
    "delete-lines-in-range",
    "delete-matching-lines",
    "copy-file",
    "rename-file",
    "close-file",
    "delete-file",
    "set-yaml-value",
    "add-yaml-item",
    "insert-yaml-item",
    "replace-yaml-item",
    "delete-yaml-value",
    "merge-yaml-values",
    "insert-value-into-yaml",
    "execute-command",
    "open-terminal",
    "send-to-terminal",
    "interrupt-terminal",
    "clear-terminal",
    "close-terminal",
];
const DASHBOARD: &[&str] = &[
    "open-dashboard",
    "expose-dashboard",
    "create-dashboard",
    "reload-dashboard",
    "delete-dashboard",
    "open-url",
];
const WORKSHOP: &[&str] = &["copy", "copy-and-edit"];
const EXAMINER: &[&str] = &["execute-test"];
const SECTION: &[&str] = &["begin", "end", "heading"];
const FILES: &[&str] = &["download-file", "copy-file", "upload-file", "upload-files"];
/// Pre-YAML names whose body is the raw text.
const LEGACY: &[&str] = &[
    "execute",
    "execute-1",
    "execute-2",
    "execute-3",
    "execute-all",
    "copy",
    "copy-and-edit",
    "expose-dashboard",
];

const GROUPS: &[(&str, &[&str])] = &[
    ("terminal", TERMINAL),
    ("editor", EDITOR),
    ("dashboard", DASHBOARD),
    ("workshop", WORKSHOP),
    ("examiner", EXAMINER),
    ("section", SECTION),
    ("files", FILES),
];

/// Every action name, for listings and checks.
pub fn known_names() -> Vec<String> {
    let mut v: Vec<String> = GROUPS
        .iter()
        .flat_map(|(g, names)| names.iter().map(move |n| format!("{g}:{n}")))
        .collect();
    v.extend(LEGACY.iter().map(|s| s.to_string()));
    v
}

/// Whether a fence info word names an action.
pub fn is_known(name: &str) -> bool {
    match name.split_once(':') {
        Some((g, n)) => GROUPS
            .iter()
            .any(|(group, names)| *group == g && names.contains(&n)),
        None => LEGACY.contains(&name),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub errors: Vec<FieldError>,
}

impl ParseError {
    fn one(body_line: usize, column: usize, message: String, help: Option<String>) -> Self {
        ParseError {
            errors: vec![FieldError {
                body_line,
                column,
                message,
                help,
            }],
        }
    }
}

/// Parse an action block. `name` must satisfy `is_known`.
pub fn parse(name: &str, body: &str) -> Result<Action, ParseError> {
    if !name.contains(':') {
        return parse_legacy(name, body);
    }
    let map = match yaml::parse(body) {
        Ok(Value::Null) => Map::new(),
        Ok(Value::Object(m)) => m,
        Ok(other) => {
            return Err(ParseError::one(
                0,
                1,
                format!(
                    "the body of `{name}` must be YAML fields (`key: value`), found {}",
                    match other {
                        Value::String(_) => "plain text",
                        Value::Array(_) => "a list",
                        _ => "a single value",
                    }
                ),
                Some(example_for(name)),
            ))
        }
        Err(e) => {
            return Err(ParseError::one(
                e.line.unwrap_or(1).saturating_sub(1),
                e.column.unwrap_or(1),
                format!("invalid YAML in `{name}`: {}", e.message),
                Some(
                    "values holding `: ` or `#` need quotes or a block scalar (`command: |-`)"
                        .into(),
                ),
            ))
        }
    };
    let mut f = Fields::new(map, body);
    let mut common = common_fields(&mut f);
    let mut kind = kind_fields(name, &mut f);
    // A section's `title` is the section's own text, not a banner override.
    if let ActionKind::Section(
        SectionAction::Begin { title, .. } | SectionAction::Heading { title },
    ) = &mut kind
    {
        if let Some(t) = common.title.take() {
            *title = t;
        }
    }
    let (rest, errors) = f.rest();
    if !errors.is_empty() {
        return Err(ParseError { errors });
    }
    Ok(Action {
        name: name.to_string(),
        kind,
        common,
        extra: rest.into_iter().collect(),
        body: body.to_string(),
    })
}

fn example_for(name: &str) -> String {
    match name {
        "terminal:execute" | "terminal:execute-all" => "write `command: ls -l`".into(),
        n if n.starts_with("editor:") => {
            "write `file: ~/exercises/...` and the action's other fields".into()
        }
        _ => "write the action's fields as `key: value` lines".into(),
    }
}

fn parse_legacy(name: &str, body: &str) -> Result<Action, ParseError> {
    let text = body.trim().to_string();
    let kind = match name {
        "execute" => term_exec(text, Session::Named("1".into())),
        "execute-1" | "execute-2" | "execute-3" => term_exec(
            text,
            Session::Named(name.trim_start_matches("execute-").into()),
        ),
        "execute-all" => term_exec(text, Session::All),
        "copy" => ActionKind::Copy { text, edit: false },
        "copy-and-edit" => ActionKind::Copy { text, edit: true },
        _ => ActionKind::Dashboard(DashboardAction::Open { name: text }),
    };
    Ok(Action {
        name: name.to_string(),
        kind,
        common: Common::default(),
        extra: Default::default(),
        body: body.to_string(),
    })
}

fn term_exec(command: String, session: Session) -> ActionKind {
    ActionKind::Terminal(TerminalAction::Execute {
        command,
        session,
        clear: false,
    })
}

fn common_fields(f: &mut Fields) -> Common {
    let mut c = Common {
        prefix: f.string("prefix"),
        title: f.string("title"),
        description: f.string("description"),
        autostart: f.bool("autostart").unwrap_or(false),
        cascade: f.bool("cascade").unwrap_or(false),
        hidden: f.bool("hidden").unwrap_or(false),
        required: f.bool("required").unwrap_or(false),
        event: f.take("event"),
        ..Common::default()
    };
    if let Some(ms) = f.bounded("pause", HOUR * 1000.0, false, "milliseconds") {
        c.pause = Duration::from_millis(ms as u64);
    }
    if let Some(cd) = f.bounded("cooldown", WEEK, true, "seconds") {
        c.cooldown = if cd.is_infinite() {
            Cooldown::Once
        } else {
            Cooldown::Seconds(cd)
        };
    }
    if let Some(hints) = f.take("lectern") {
        c.test = test_hints(f, hints);
    }
    c
}

fn test_hints(f: &mut Fields, v: Value) -> TestHints {
    let Value::Object(map) = v else {
        f.errors.push(FieldError {
            body_line: f.key_line("lectern"),
            column: 1,
            message: "field `lectern` must be a mapping such as `{budget: 30s, expect: running}`"
                .into(),
            help: None,
        });
        return TestHints::default();
    };
    let mut hints = TestHints::default();
    for (k, v) in map {
        match (k.as_str(), &v) {
            ("budget", v) => match parse_duration(v) {
                Some(d) => hints.budget = Some(d),
                None => f.errors.push(FieldError {
                    body_line: f.key_line("lectern"),
                    column: 1,
                    message: format!(
                        "`lectern.budget` must be a duration such as `30s` or `2m`, at most a day, found {v}"
                    ),
                    help: None,
                }),
            },
            ("expect", Value::String(s)) => match s.as_str() {
                "exit" | "success" => hints.expect = Some(Expect::Exit),
                "running" => hints.expect = Some(Expect::Running),
                "failure" | "fail" => hints.expect = Some(Expect::Failure),
                _ => f.errors.push(FieldError {
                    body_line: f.key_line("lectern"),
                    column: 1,
                    message: format!(
                        "`lectern.expect` must be exit, running or failure, found {s:?}"
                    ),
                    help: None,
                }),
            },
            ("skip", Value::Bool(b)) => hints.skip = *b,
            ("keys", Value::String(k)) => match super::keys::decode(k) {
                Ok(steps) => hints.keys = Some(steps),
                Err(e) => f.errors.push(FieldError {
                    body_line: f.key_line("keys").max(f.key_line("lectern")),
                    column: 1,
                    message: format!("`lectern.keys`: {e}"),
                    help: Some("see README, \"Keys for interactive programs\"".into()),
                }),
            },
            ("answers", Value::Object(m)) => hints.answers = Some(m.clone()),
            (k, v) => f.errors.push(FieldError {
                body_line: f.key_line(k).max(f.key_line("lectern")),
                column: 1,
                message: if matches!(k, "budget" | "expect" | "skip" | "keys" | "answers") {
                    format!("`lectern.{k}` has the wrong type: {v}")
                } else {
                    format!("unknown field `lectern.{k}`")
                },
                help: Some(
                    "lectern: takes budget, expect (exit, running, failure), skip, keys and answers"
                        .into(),
                ),
            }),
        }
    }
    hints
}

const HOUR: f64 = 3600.0;
const DAY: f64 = 24.0 * HOUR;
const WEEK: f64 = 7.0 * DAY;

/// "30s", "2m", "500ms", "1h" or a number of seconds, up to a day; anything
/// else (negative, NaN, infinite, longer) is `None`.
pub fn parse_duration(v: &Value) -> Option<Duration> {
    match v {
        Value::Number(n) => n.as_f64().and_then(seconds),
        Value::String(s) => parse_duration_str(s),
        _ => None,
    }
}

fn seconds(s: f64) -> Option<Duration> {
    (s.is_finite() && (0.0..=DAY).contains(&s)).then(|| Duration::from_secs_f64(s))
}

pub fn parse_duration_str(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return None,
    };
    seconds(secs)
}

fn text_match(f: &mut Fields, key: &str, name: &str) -> TextMatch {
    TextMatch {
        text: f.required_string(key, name),
        is_regex: f.bool("isRegex").unwrap_or(false),
        group: f.int("group"),
        start: f.int("start"),
        stop: f.int("stop"),
    }
}

fn kind_fields(name: &str, f: &mut Fields) -> ActionKind {
    let (group, op) = name.split_once(':').unwrap_or(("", name));
    match group {
        "terminal" => ActionKind::Terminal(terminal(op, name, f)),
        "editor" => ActionKind::Editor(editor(op, name, f)),
        "dashboard" => ActionKind::Dashboard(dashboard(op, name, f)),
        "workshop" => ActionKind::Copy {
            text: f.required_string("text", name),
            edit: op == "copy-and-edit",
        },
        "examiner" => ActionKind::Examiner(examiner(name, f)),
        "section" => ActionKind::Section(match op {
            "begin" => SectionAction::Begin {
                name: f.string("name"),
                title: f.string("title").unwrap_or_else(|| "Instructions".into()),
                open: f.bool("open").unwrap_or(false),
            },
            "end" => SectionAction::End {
                name: f.string("name"),
                toggle: f.bool("toggle").unwrap_or(true),
            },
            _ => SectionAction::Heading {
                title: f.string("title").unwrap_or_default(),
            },
        }),
        _ => ActionKind::Files(match op {
            "download-file" => FilesAction::Download {
                path: f.string("path"),
                url: f.string("url"),
                download: f.string("download"),
            },
            "copy-file" => FilesAction::CopyContents {
                path: f.string("path"),
                url: f.string("url"),
            },
            "upload-file" => FilesAction::Upload {
                path: f.required_string("path", name),
            },
            _ => FilesAction::UploadMany {
                directory: f
                    .string_any(&["directory", "path"])
                    .unwrap_or_else(|| ".".into()),
            },
        }),
    }
}

fn terminal(op: &str, name: &str, f: &mut Fields) -> TerminalAction {
    let all = op.ends_with("-all");
    let session = if all {
        Session::All
    } else {
        Session::from_field(f.string("session"))
    };
    match op {
        "execute" | "execute-all" => TerminalAction::Execute {
            command: f.required_string("command", name),
            session,
            clear: f.bool("clear").unwrap_or(false),
        },
        "interrupt" | "interrupt-all" => TerminalAction::Interrupt { session },
        "input" => TerminalAction::Input {
            text: f.required_string("text", name),
            session,
            endl: f.bool("endl").unwrap_or(true),
        },
        "clear" | "clear-all" => TerminalAction::Clear { session },
        _ => TerminalAction::Select { session },
    }
}

fn editor(op: &str, name: &str, f: &mut Fields) -> EditorAction {
    use EditorAction as E;
    if op == "execute-command" {
        return E::ExecuteCommand {
            command: f.required_string("command", name),
            args: f.take("args").unwrap_or(Value::Null),
        };
    }
    if op == "create-directory" {
        return E::CreateDirectory {
            directory: f
                .string_any(&["directory", "path", "file"])
                .unwrap_or_else(|| f.required_string("directory", name)),
        };
    }
    if matches!(op, "copy-file" | "rename-file") {
        let src = f.required_string("src", name);
        let dest = f.required_string("dest", name);
        let open = f.bool("open").unwrap_or(true);
        return if op == "copy-file" {
            E::CopyFile { src, dest, open }
        } else {
            E::RenameFile { src, dest, open }
        };
    }
    if matches!(
        op,
        "open-terminal"
            | "send-to-terminal"
            | "interrupt-terminal"
            | "clear-terminal"
            | "close-terminal"
    ) {
        return E::Terminal {
            op: op.to_string(),
            session: f.string("session").unwrap_or_else(|| "educates".into()),
            text: f.string_any(&["text", "command"]),
            endl: f.bool("endl").unwrap_or(true),
        };
    }
    let file = f.required_string("file", name);
    match op {
        "open-file" => E::OpenFile {
            file,
            line: f.int("line"),
        },
        "select-matching-text" | "select-lines-in-file" => E::SelectMatchingText {
            matching: text_match(f, "text", name),
            before: f.int("before"),
            after: f.int("after"),
            file,
        },
        "select-lines-in-range" => E::SelectLinesInRange {
            start: f.int("start").unwrap_or(1),
            stop: f.int("stop"),
            file,
        },
        "select-yaml-path" => E::SelectYamlPath {
            path: f.string("path"),
            file,
        },
        "replace-text-selection" => E::ReplaceTextSelection {
            text: f.required_string("text", name),
            file,
        },
        "delete-text-selection" => E::DeleteTextSelection { file },
        "insert-lines-before-selection" => E::InsertLinesBeforeSelection {
            text: f.required_string("text", name),
            file,
        },
        "append-lines-after-selection" => E::AppendLinesAfterSelection {
            text: f.required_string("text", name),
            file,
        },
        "create-file" => E::CreateFile {
            text: f.string("text").unwrap_or_default(),
            file,
        },
        "append-lines-to-file" => E::AppendLinesToFile {
            text: f.required_string("text", name),
            file,
        },
        "prepend-lines-to-file" => E::PrependLinesToFile {
            text: f.required_string("text", name),
            file,
        },
        "insert-lines-before-line" => E::InsertLinesBeforeLine {
            line: required_int(f, "line", name),
            text: f.required_string("text", name),
            file,
        },
        "append-lines-after-line" | "insert-lines-after-line" => E::AppendLinesAfterLine {
            line: required_int(f, "line", name),
            text: f.required_string("text", name),
            file,
        },
        "insert-lines-before-match" => E::InsertLinesBeforeMatch {
            matching: text_match(f, "match", name),
            text: f.required_string("text", name),
            file,
        },
        "append-lines-after-match" => E::AppendLinesAfterMatch {
            matching: text_match(f, "match", name),
            text: f.required_string("text", name),
            file,
        },
        "replace-matching-text" => E::ReplaceMatchingText {
            matching: text_match(f, "match", name),
            replacement: f.string("replacement").unwrap_or_default(),
            count: f.int("count").unwrap_or(1),
            file,
        },
        "replace-lines-in-range" => E::ReplaceLinesInRange {
            start: required_int(f, "start", name),
            stop: required_int(f, "stop", name),
            text: f.string("text").unwrap_or_default(),
            file,
        },
        "delete-lines-in-range" => E::DeleteLinesInRange {
            start: required_int(f, "start", name),
            stop: f.int("stop"),
            file,
        },
        "delete-matching-lines" => E::DeleteMatchingLines {
            matching: text_match(f, "match", name),
            before: f.int("before").unwrap_or(0),
            after: f.int("after").unwrap_or(0),
            file,
        },
        "close-file" => E::CloseFile { file },
        "delete-file" => E::DeleteFile { file },
        yaml_op => {
            let op = match yaml_op {
                "set-yaml-value" => YamlOp::Set,
                "add-yaml-item" => YamlOp::Add,
                "insert-yaml-item" => YamlOp::Insert,
                "replace-yaml-item" => YamlOp::Replace,
                "delete-yaml-value" => YamlOp::Delete,
                "merge-yaml-values" => YamlOp::Merge,
                _ => YamlOp::InsertValue,
            };
            let path = f.required_string("path", name);
            let index = f.int("index");
            let value = f.take("value");
            if value.is_none() && op != YamlOp::Delete {
                f.errors.push(FieldError {
                    body_line: 0,
                    column: 1,
                    message: format!("`{name}` needs a `value` field"),
                    help: Some("add `value: ...` (a scalar, mapping or list)".into()),
                });
            }
            E::Yaml {
                op,
                file,
                path,
                index,
                value,
            }
        }
    }
}

fn required_int(f: &mut Fields, key: &str, name: &str) -> i64 {
    match f.int(key) {
        Some(i) => i,
        None => {
            f.errors.push(FieldError {
                body_line: f.key_line(key),
                column: 1,
                message: format!("`{name}` needs a whole-number `{key}` field"),
                help: None,
            });
            0
        }
    }
}

fn dashboard(op: &str, name: &str, f: &mut Fields) -> DashboardAction {
    match op {
        "open-url" => DashboardAction::OpenUrl {
            url: f.required_string("url", name),
        },
        "create-dashboard" => DashboardAction::Create {
            name: f.required_string("name", name),
            url: f.required_string("url", name),
            focus: f.bool("focus").unwrap_or(true),
        },
        "reload-dashboard" => DashboardAction::Reload {
            name: f.required_string("name", name),
            url: f.string("url"),
            focus: f.bool("focus").unwrap_or(true),
        },
        "delete-dashboard" => DashboardAction::Delete {
            name: f.required_string("name", name),
        },
        _ => DashboardAction::Open {
            name: f.required_string("name", name),
        },
    }
}

fn examiner(name: &str, f: &mut Fields) -> ExaminerTest {
    let test = f.required_string("name", name);
    // The name picks a script in workshop/examiner/tests/: nothing elsewhere.
    if !test.is_empty() {
        if let Err(e) = crate::paths::plain_name(&test) {
            f.errors.push(FieldError {
                body_line: f.key_line("name"),
                column: 1,
                message: format!("examiner test name: {e}"),
                help: Some("name a script in workshop/examiner/tests/".into()),
            });
        }
    }
    let args = match f.take("args") {
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => s,
                other => other.to_string(),
            })
            .collect(),
        Some(Value::String(s)) => vec![s],
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other.to_string()],
    };
    let secs = |v: Option<f64>, d: f64| Duration::from_secs_f64(v.unwrap_or(d));
    let timeout = secs(f.bounded("timeout", DAY, false, "seconds"), 15.0);
    let retries = match f.bounded("retries", 1_000_000.0, true, "tries") {
        Some(r) if r.is_infinite() => None,
        Some(r) => Some(r as u32),
        None => Some(0),
    };
    let delay = secs(f.bounded("delay", HOUR, false, "seconds"), 1.0);
    ExaminerTest {
        name: test,
        args,
        timeout,
        retries,
        delay,
        inputs: f.take("inputs"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execute_defaults_and_sessions() {
        let a = parse("terminal:execute", "command: ls -l\nsession: 2\n").unwrap();
        assert_eq!(
            a.kind,
            ActionKind::Terminal(TerminalAction::Execute {
                command: "ls -l".into(),
                session: Session::Named("2".into()),
                clear: false
            })
        );
        assert_eq!(a.common.pause, Duration::from_millis(750));
        let all = parse("terminal:execute", "command: x\nsession: \"*\"").unwrap();
        assert!(matches!(
            all.kind,
            ActionKind::Terminal(TerminalAction::Execute {
                session: Session::All,
                ..
            })
        ));
        let legacy = parse("execute-2", "  echo hi  \n").unwrap();
        assert!(
            matches!(legacy.kind, ActionKind::Terminal(TerminalAction::Execute { ref command, session: Session::Named(ref s), .. }) if command == "echo hi" && s == "2")
        );
    }

    #[test]
    fn wrong_type_points_at_the_key_line() {
        let err = parse("terminal:execute", "command: ls\nclear: [1, 2]\n").unwrap_err();
        assert_eq!(err.errors[0].body_line, 1);
        assert!(err.errors[0].message.contains("`clear`"), "{:?}", err);
        let err = parse("terminal:execute", "command: [oops\n").unwrap_err();
        assert!(err.errors[0].message.contains("invalid YAML"));
        let err = parse("editor:open-file", "line: 3").unwrap_err();
        assert!(err.errors[0].message.contains("needs a `file`"));
    }

    #[test]
    fn unknown_fields_are_kept_and_hints_read() {
        let a = parse(
            "terminal:execute",
            "command: hey\nsomething: else\ncooldown: .INF\nlectern: {budget: 30s, expect: running}",
        )
        .unwrap();
        assert_eq!(
            a.extra.get("something"),
            Some(&Value::String("else".into()))
        );
        assert_eq!(a.common.cooldown, Cooldown::Once);
        assert_eq!(a.common.test.budget, Some(Duration::from_secs(30)));
        assert_eq!(a.common.test.expect, Some(Expect::Running));
    }

    #[test]
    fn select_matching_text_fields() {
        let a = parse(
            "editor:select-matching-text",
            "text: \"def f\\\\(.*\\\\):\"\nfile: ~/x.py\nisRegex: true\nbefore: 1\nafter: -1\n",
        )
        .unwrap();
        let ActionKind::Editor(EditorAction::SelectMatchingText {
            matching,
            before,
            after,
            ..
        }) = a.kind
        else {
            panic!()
        };
        assert!(matching.is_regex);
        assert_eq!(matching.text, "def f\\(.*\\):");
        assert_eq!((before, after), (Some(1), Some(-1)));
    }

    #[test]
    fn every_known_name_parses_with_minimal_fields() {
        let body = "file: a\nsrc: a\ndest: b\ntext: t\nmatch: m\nline: 1\nstart: 1\nstop: 2\npath: p\nvalue: 1\nname: n\nurl: u\ncommand: c\ndirectory: d\n";
        for n in known_names() {
            assert!(is_known(&n), "{n}");
            let r = parse(&n, body);
            assert!(r.is_ok(), "{n}: {r:?}");
        }
        assert!(!is_known("terminal:explode"));
    }
}
