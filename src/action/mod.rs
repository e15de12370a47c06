//! The typed catalogue of clickable actions: fence info string + body -> `Action`.
//! Pure: no terminal, no processes, no clock.

mod catalogue;
mod describe;
pub mod fields;
pub mod keys;

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

pub use catalogue::{is_known, known_names, parse, parse_duration, parse_duration_str, ParseError};
pub use describe::Card;

/// Which terminal(s) an action addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Session {
    /// A named session; Educates numbers them "1", "2", "3".
    Named(String),
    /// `session: "*"` or an `-all` action: every terminal.
    All,
}

/// `<ctrl+c>` (or the older `<ctrl-c>`) as a command means: interrupt.
pub fn is_ctrl_c(command: &str) -> bool {
    matches!(
        command.trim().to_ascii_lowercase().as_str(),
        "<ctrl+c>" | "<ctrl-c>"
    )
}

impl Session {
    pub fn from_field(s: Option<String>) -> Session {
        match s.as_deref().map(str::trim) {
            Some("*") => Session::All,
            Some(s) if !s.is_empty() => Session::Named(s.to_string()),
            _ => Session::Named("1".into()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum TerminalAction {
    /// `terminal:execute`, `execute-all`, legacy `execute`, `execute-N`.
    Execute {
        command: String,
        session: Session,
        clear: bool,
    },
    /// `terminal:interrupt`, `interrupt-all`.
    Interrupt { session: Session },
    /// `terminal:input`.
    Input {
        text: String,
        session: Session,
        endl: bool,
    },
    /// `terminal:clear`, `clear-all`.
    Clear { session: Session },
    /// `terminal:select`.
    Select { session: Session },
}

/// How a text is found in a file (`select-matching-text`, `replace-matching-text`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct TextMatch {
    pub text: String,
    pub is_regex: bool,
    pub group: Option<i64>,
    /// Search range: 1-based start line, negative = from the end.
    pub start: Option<i64>,
    /// Exclusive stop line, negative = from the end.
    pub stop: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YamlOp {
    Set,
    Add,
    Insert,
    Replace,
    Delete,
    Merge,
    /// Deprecated `insert-value-into-yaml`.
    InsertValue,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EditorAction {
    OpenFile {
        file: String,
        line: Option<i64>,
    },
    SelectMatchingText {
        file: String,
        matching: TextMatch,
        before: Option<i64>,
        after: Option<i64>,
    },
    SelectLinesInRange {
        file: String,
        start: i64,
        stop: Option<i64>,
    },
    SelectYamlPath {
        file: String,
        path: Option<String>,
    },
    ReplaceTextSelection {
        file: String,
        text: String,
    },
    DeleteTextSelection {
        file: String,
    },
    InsertLinesBeforeSelection {
        file: String,
        text: String,
    },
    AppendLinesAfterSelection {
        file: String,
        text: String,
    },
    CreateFile {
        file: String,
        text: String,
    },
    CreateDirectory {
        directory: String,
    },
    AppendLinesToFile {
        file: String,
        text: String,
    },
    PrependLinesToFile {
        file: String,
        text: String,
    },
    InsertLinesBeforeLine {
        file: String,
        line: i64,
        text: String,
    },
    AppendLinesAfterLine {
        file: String,
        line: i64,
        text: String,
    },
    InsertLinesBeforeMatch {
        file: String,
        matching: TextMatch,
        text: String,
    },
    AppendLinesAfterMatch {
        file: String,
        matching: TextMatch,
        text: String,
    },
    ReplaceMatchingText {
        file: String,
        matching: TextMatch,
        replacement: String,
        count: i64,
    },
    ReplaceLinesInRange {
        file: String,
        start: i64,
        stop: i64,
        text: String,
    },
    DeleteLinesInRange {
        file: String,
        start: i64,
        stop: Option<i64>,
    },
    DeleteMatchingLines {
        file: String,
        matching: TextMatch,
        before: i64,
        after: i64,
    },
    CopyFile {
        src: String,
        dest: String,
        open: bool,
    },
    RenameFile {
        src: String,
        dest: String,
        open: bool,
    },
    CloseFile {
        file: String,
    },
    DeleteFile {
        file: String,
    },
    Yaml {
        op: YamlOp,
        file: String,
        path: String,
        index: Option<i64>,
        value: Option<Value>,
    },
    ExecuteCommand {
        command: String,
        args: Value,
    },
    /// `editor:open-terminal`, `send-to-terminal`, ...: terminals inside VS Code,
    /// which lectern maps onto named terminals.
    Terminal {
        op: String,
        session: String,
        text: Option<String>,
        endl: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum DashboardAction {
    Open {
        name: String,
    },
    Create {
        name: String,
        url: String,
        focus: bool,
    },
    Reload {
        name: String,
        url: Option<String>,
        focus: bool,
    },
    Delete {
        name: String,
    },
    OpenUrl {
        url: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExaminerTest {
    pub name: String,
    pub args: Vec<String>,
    pub timeout: Duration,
    /// -1 (`None`) = retry until the learner leaves the page.
    pub retries: Option<u32>,
    pub delay: Duration,
    /// Form fields to ask for; passed as JSON on stdin.
    pub inputs: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SectionAction {
    Begin {
        name: Option<String>,
        title: String,
        open: bool,
    },
    End {
        name: Option<String>,
        toggle: bool,
    },
    Heading {
        title: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum FilesAction {
    Download {
        path: Option<String>,
        url: Option<String>,
        download: Option<String>,
    },
    CopyContents {
        path: Option<String>,
        url: Option<String>,
    },
    Upload {
        path: String,
    },
    UploadMany {
        directory: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum ActionKind {
    Terminal(TerminalAction),
    Editor(EditorAction),
    Dashboard(DashboardAction),
    /// `workshop:copy`, `copy-and-edit`, legacy `copy`.
    Copy {
        text: String,
        edit: bool,
    },
    Examiner(ExaminerTest),
    Section(SectionAction),
    Files(FilesAction),
}

/// `cooldown`: seconds before the action may run again, or never again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cooldown {
    Seconds(f64),
    Once,
}

/// What `lectern test` should expect of an action (`lectern:` key, ignored by Educates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The command finishes (judged by its exit status).
    Exit,
    /// The command keeps running (a server, a load run): left for the lesson's interrupt.
    Running,
    /// The command is expected to fail.
    Failure,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestHints {
    pub budget: Option<Duration>,
    pub expect: Option<Expect>,
    pub skip: bool,
    /// Keys `lectern test` types into a program that waits for a person.
    pub keys: Option<Vec<keys::KeyStep>>,
    /// Answers `lectern test` gives an examiner form, by field name.
    pub answers: Option<serde_json::Map<String, Value>>,
}

/// Fields every YAML action accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct Common {
    pub prefix: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub autostart: bool,
    pub cascade: bool,
    /// Delay before a cascade triggers the next action.
    pub pause: Duration,
    pub hidden: bool,
    pub cooldown: Cooldown,
    pub event: Option<Value>,
    pub required: bool,
    pub test: TestHints,
}

impl Default for Common {
    fn default() -> Self {
        Common {
            prefix: None,
            title: None,
            description: None,
            autostart: false,
            cascade: false,
            pause: Duration::from_millis(750),
            hidden: false,
            cooldown: Cooldown::Seconds(3.0),
            event: None,
            required: false,
            test: TestHints::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// The info string as written: `terminal:execute`, `execute-2`, ...
    pub name: String,
    pub kind: ActionKind,
    pub common: Common,
    /// Fields lectern does not know, kept as written.
    pub extra: BTreeMap<String, Value>,
    /// The block's body as written.
    pub body: String,
}

impl Action {
    /// The group before the colon (`terminal`, `editor`, ...), `terminal` for legacy names.
    pub fn group(&self) -> &'static str {
        match &self.kind {
            ActionKind::Terminal(_) => "terminal",
            ActionKind::Editor(_) => "editor",
            ActionKind::Dashboard(_) => "dashboard",
            ActionKind::Copy { .. } => "workshop",
            ActionKind::Examiner(_) => "examiner",
            ActionKind::Section(_) => "section",
            ActionKind::Files(_) => "files",
        }
    }

    /// The file an editor action reads or writes, if any.
    pub fn file(&self) -> Option<&str> {
        match &self.kind {
            ActionKind::Editor(e) => e.file(),
            _ => None,
        }
    }
}

impl EditorAction {
    pub fn file(&self) -> Option<&str> {
        use EditorAction::*;
        match self {
            OpenFile { file, .. }
            | SelectMatchingText { file, .. }
            | SelectLinesInRange { file, .. }
            | SelectYamlPath { file, .. }
            | ReplaceTextSelection { file, .. }
            | DeleteTextSelection { file }
            | InsertLinesBeforeSelection { file, .. }
            | AppendLinesAfterSelection { file, .. }
            | CreateFile { file, .. }
            | AppendLinesToFile { file, .. }
            | PrependLinesToFile { file, .. }
            | InsertLinesBeforeLine { file, .. }
            | AppendLinesAfterLine { file, .. }
            | InsertLinesBeforeMatch { file, .. }
            | AppendLinesAfterMatch { file, .. }
            | ReplaceMatchingText { file, .. }
            | ReplaceLinesInRange { file, .. }
            | DeleteLinesInRange { file, .. }
            | DeleteMatchingLines { file, .. }
            | CloseFile { file }
            | DeleteFile { file }
            | Yaml { file, .. } => Some(file),
            CopyFile { src, .. } | RenameFile { src, .. } => Some(src),
            CreateDirectory { .. } | ExecuteCommand { .. } | Terminal { .. } => None,
        }
    }

    /// Whether the action needs its file to exist beforehand.
    pub fn needs_existing_file(&self) -> bool {
        use EditorAction::*;
        !matches!(
            self,
            CreateFile { .. }
                | AppendLinesToFile { .. }
                | PrependLinesToFile { .. }
                | CreateDirectory { .. }
                | CloseFile { .. }
                | ExecuteCommand { .. }
                | Terminal { .. }
        )
    }

    /// A file this action brings into being (for checks of later actions).
    pub fn creates(&self) -> Option<&str> {
        use EditorAction::*;
        match self {
            CreateFile { file, .. }
            | AppendLinesToFile { file, .. }
            | PrependLinesToFile { file, .. } => Some(file),
            CopyFile { dest, .. } | RenameFile { dest, .. } => Some(dest),
            CreateDirectory { directory } => Some(directory),
            _ => None,
        }
    }
}
