//! What happened when an action ran: the one verdict both drivers show. The
//! variant is the verdict; the text inside only explains it.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// How an action ended, for its card and its report line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Detail {
    /// A command ended with this status.
    Exit { code: i32, took_ms: u64 },
    /// A command was stopped: by Ctrl-C, or by the signal named.
    Interrupted { how: String, took_ms: u64 },
    /// Anything else, in words: "opened app.py (46 lines)".
    Note { text: String },
}

impl Detail {
    pub fn note(text: impl Into<String>) -> Detail {
        Detail::Note { text: text.into() }
    }

    pub fn exit(code: i32, took: Duration) -> Detail {
        Detail::Exit {
            code,
            took_ms: took.as_millis() as u64,
        }
    }

    pub fn interrupted(how: impl Into<String>, took: Duration) -> Detail {
        Detail::Interrupted {
            how: how.into(),
            took_ms: took.as_millis() as u64,
        }
    }

    /// One line of plain words.
    pub fn text(&self) -> String {
        match self {
            Detail::Exit { code, took_ms } => format!("exit {code} ({})", secs_ms(*took_ms)),
            Detail::Interrupted { how, took_ms } => {
                format!("stopped by {how} after {}", secs_ms(*took_ms))
            }
            Detail::Note { text } => text.clone(),
        }
    }
}

/// Why a person has to act: lectern cannot do it, or cannot know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Why {
    /// The terminal is not at its prompt: typing would go to `program`.
    TerminalBusy { terminal: String, program: String },
    /// An editor, pager, REPL or `read` waits for keys.
    Interactive { program: String },
    /// A form or a file only the learner can give.
    Input { what: String },
    /// The shell has no integration: the command was typed, its end cannot be seen.
    Unobservable { shell: String },
    /// The learner has not trusted the workshop: nothing of it runs.
    NotTrusted,
}

impl Why {
    pub fn text(&self) -> String {
        match self {
            Why::TerminalBusy { terminal, program } => format!(
                "not sent: terminal {terminal} is running {program} (Enter again: interrupt it, then run)"
            ),
            Why::Interactive { program } => format!("{program} waits for keys from a person"),
            Why::Input { what } => what.clone(),
            Why::Unobservable { shell } => {
                format!("sent; {shell} has no shell integration, so its end cannot be seen")
            }
            Why::NotTrusted => {
                "not run: this workshop is not trusted (T shows what it runs)".into()
            }
        }
    }
}

/// The verdict on an action.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Passed(Detail),
    Failed(Detail),
    /// Still going. `what` says what it waits for, when that is not obvious.
    Running {
        since: Instant,
        what: Option<String>,
    },
    /// A command was typed into a program instead of the shell: it did not run.
    TypedInto {
        program: String,
        terminal: String,
    },
    NeedsPerson(Why),
    Skipped(String),
}

impl Outcome {
    pub fn running() -> Outcome {
        Outcome::Running {
            since: Instant::now(),
            what: None,
        }
    }

    pub fn passed(text: impl Into<String>) -> Outcome {
        Outcome::Passed(Detail::note(text))
    }

    pub fn failed(text: impl Into<String>) -> Outcome {
        Outcome::Failed(Detail::note(text))
    }

    pub fn is_passed(&self) -> bool {
        matches!(self, Outcome::Passed(_))
    }

    pub fn is_failed(&self) -> bool {
        matches!(self, Outcome::Failed(_) | Outcome::TypedInto { .. })
    }

    pub fn is_running(&self) -> bool {
        matches!(self, Outcome::Running { .. })
    }

    /// Done as far as the lesson is concerned: a required action counts, a cascade goes on.
    pub fn lets_the_lesson_go_on(&self) -> bool {
        matches!(
            self,
            Outcome::Passed(_) | Outcome::NeedsPerson(Why::Unobservable { .. })
        )
    }

    /// One line of plain words, without a mark.
    pub fn text(&self) -> String {
        match self {
            Outcome::Passed(d) | Outcome::Failed(d) => d.text(),
            Outcome::Running { since, what } => match what {
                Some(w) => format!("running {} · {w}", secs(since.elapsed())),
                None => format!("running {}", secs(since.elapsed())),
            },
            Outcome::TypedInto { program, terminal } => {
                format!("typed into {program} in terminal {terminal}: the command did not run")
            }
            Outcome::NeedsPerson(w) => w.text(),
            Outcome::Skipped(w) => w.clone(),
        }
    }
}

/// A short duration for people: 1.2s, 42s, 3m05s.
pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 10.0 {
        format!("{s:.1}s")
    } else if s < 120.0 {
        format!("{}s", s as u64)
    } else {
        format!("{}m{:02}s", s as u64 / 60, s as u64 % 60)
    }
}

fn secs_ms(ms: u64) -> String {
    secs(Duration::from_millis(ms))
}

/// An outcome as saved in progress: every settled one (a running one is not kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Saved {
    Passed { detail: Detail },
    Failed { detail: Detail },
    TypedInto { program: String, terminal: String },
    NeedsPerson { why: Why },
    Skipped { why: String },
}

impl Saved {
    pub fn from_outcome(o: &Outcome) -> Option<Saved> {
        Some(match o {
            Outcome::Running { .. } => return None,
            Outcome::Passed(d) => Saved::Passed { detail: d.clone() },
            Outcome::Failed(d) => Saved::Failed { detail: d.clone() },
            Outcome::TypedInto { program, terminal } => Saved::TypedInto {
                program: program.clone(),
                terminal: terminal.clone(),
            },
            Outcome::NeedsPerson(w) => Saved::NeedsPerson { why: w.clone() },
            Outcome::Skipped(w) => Saved::Skipped { why: w.clone() },
        })
    }

    pub fn to_outcome(&self) -> Outcome {
        match self {
            Saved::Passed { detail } => Outcome::Passed(detail.clone()),
            Saved::Failed { detail } => Outcome::Failed(detail.clone()),
            Saved::TypedInto { program, terminal } => Outcome::TypedInto {
                program: program.clone(),
                terminal: terminal.clone(),
            },
            Saved::NeedsPerson { why } => Outcome::NeedsPerson(why.clone()),
            Saved::Skipped { why } => Outcome::Skipped(why.clone()),
        }
    }
}
