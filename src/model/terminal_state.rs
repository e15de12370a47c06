//! What holds a terminal: its shell at the prompt, a command, a program that
//! waits for a person, or nobody knows. Decided from the shell's OSC 133
//! marks together with what the terminal shows of its processes: the
//! foreground process group, the alternate screen, the line discipline's mode.
//! Pure: marks and observations in, a state out.

/// OSC 133 shell-integration marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    PromptStart,
    PromptEnd,
    CommandStart,
    CommandEnd(Option<i32>),
}

/// Where the shell is, as its own marks tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// No mark yet: the shell is starting (or has no integration).
    #[default]
    Starting,
    /// A prompt was drawn (A/B): the shell reads a command line.
    Prompt,
    /// A command line started (C) and has not ended.
    Command,
    /// A command ended (D); the next prompt follows.
    Ended,
}

impl Phase {
    pub fn after(self, mark: Mark) -> Phase {
        match mark {
            Mark::PromptStart | Mark::PromptEnd => Phase::Prompt,
            Mark::CommandStart => Phase::Command,
            Mark::CommandEnd(_) => Phase::Ended,
        }
    }
}

/// What the terminal's processes look like right now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observation {
    /// The shell has integration (its marks can be trusted to come).
    pub integrated: bool,
    pub exited: bool,
    /// The foreground job when it is not the shell: (process group, command name).
    pub foreground: Option<(i32, String)>,
    /// Full-screen programs switch to the alternate screen.
    pub alternate_screen: bool,
    /// The line discipline is in canonical (cooked) mode; `None` when unknown.
    /// Editors, pagers and REPLs switch it off while they wait for keys.
    pub canonical: Option<bool>,
    /// The foreground process (or the shell, for a builtin) is blocked reading the terminal.
    pub reading_terminal: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermState {
    /// The shell has not drawn its first prompt yet.
    Starting,
    AtPrompt,
    /// A command runs: `program` is what holds the terminal.
    Running {
        program: String,
    },
    /// A program waits for keys from a person: an editor, a pager, a REPL, `read`.
    Interactive {
        program: String,
    },
    Exited,
    /// A shell without integration: lectern cannot tell.
    Unknown,
}

impl TermState {
    pub fn at_prompt(&self) -> bool {
        *self == TermState::AtPrompt
    }

    /// What holds the terminal, when something other than the shell's prompt does.
    pub fn program(&self) -> Option<&str> {
        match self {
            TermState::Running { program } | TermState::Interactive { program } => Some(program),
            _ => None,
        }
    }
}

/// The state of a terminal from its shell's phase and what it shows now.
/// `command` is the command line lectern typed last, to name a builtin.
pub fn judge(phase: Phase, obs: &Observation, command: Option<&str>) -> TermState {
    if obs.exited {
        return TermState::Exited;
    }
    // Before its first prompt the shell (or what starts it) holds the terminal.
    if phase == Phase::Starting && obs.integrated {
        return TermState::Starting;
    }
    if let Some((_, name)) = &obs.foreground {
        let program = name.clone();
        let waits = obs.alternate_screen || obs.canonical == Some(false) || obs.reading_terminal;
        return if waits {
            TermState::Interactive { program }
        } else {
            TermState::Running { program }
        };
    }
    if !obs.integrated {
        return TermState::Unknown;
    }
    match phase {
        Phase::Starting => TermState::Starting,
        Phase::Prompt | Phase::Ended => TermState::AtPrompt,
        // The shell itself runs the command: a builtin such as `read`.
        Phase::Command => {
            let program = command
                .and_then(|c| c.split_whitespace().next())
                .unwrap_or("a shell builtin")
                .to_string();
            if obs.reading_terminal {
                TermState::Interactive { program }
            } else {
                TermState::Running { program }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs() -> Observation {
        Observation {
            integrated: true,
            canonical: Some(false),
            ..Default::default()
        }
    }

    #[test]
    fn the_prompt_needs_the_shell_in_front_and_a_prompt_mark() {
        let o = obs();
        assert_eq!(judge(Phase::Starting, &o, None), TermState::Starting);
        assert_eq!(judge(Phase::Prompt, &o, None), TermState::AtPrompt);
        assert_eq!(judge(Phase::Ended, &o, None), TermState::AtPrompt);
        let plain = Observation {
            integrated: false,
            ..o.clone()
        };
        assert_eq!(judge(Phase::Prompt, &plain, None), TermState::Unknown);
    }

    #[test]
    fn a_foreground_job_is_running_or_waits_for_a_person() {
        let server = Observation {
            foreground: Some((42, "httpd".into())),
            canonical: Some(true),
            ..obs()
        };
        assert_eq!(
            judge(Phase::Command, &server, None),
            TermState::Running {
                program: "httpd".into()
            }
        );
        for waiting in [
            Observation {
                alternate_screen: true,
                ..server.clone()
            },
            Observation {
                canonical: Some(false),
                ..server.clone()
            },
            Observation {
                reading_terminal: true,
                ..server.clone()
            },
        ] {
            assert_eq!(
                judge(Phase::Command, &waiting, None),
                TermState::Interactive {
                    program: "httpd".into()
                }
            );
        }
    }

    #[test]
    fn a_builtin_is_named_from_its_command_line() {
        let reading = Observation {
            reading_terminal: true,
            ..obs()
        };
        assert_eq!(
            judge(Phase::Command, &reading, Some("read name")),
            TermState::Interactive {
                program: "read".into()
            }
        );
        assert_eq!(
            judge(Phase::Command, &obs(), Some("sleep 1; true")),
            TermState::Running {
                program: "sleep".into()
            }
        );
        let gone = Observation {
            exited: true,
            ..obs()
        };
        assert_eq!(judge(Phase::Prompt, &gone, None), TermState::Exited);
    }
}
