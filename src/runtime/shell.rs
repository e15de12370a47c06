//! Shell integration: rc files that make bash and zsh emit OSC 133 marks
//! (A prompt start, B prompt end, C command start, D;status command end), so
//! lectern knows when a command typed for an action finished and how.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShellKind {
    Bash,
    Zsh,
    /// Any other shell: commands are typed, outcomes are unknown ("sent").
    Other,
}

pub fn kind_of(shell: &Path) -> ShellKind {
    match shell.file_name().and_then(|n| n.to_str()) {
        Some("bash") => ShellKind::Bash,
        Some("zsh") => ShellKind::Zsh,
        _ => ShellKind::Other,
    }
}

/// The user's shell, else bash.
pub fn user_shell() -> PathBuf {
    std::env::var_os("SHELL")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("/bin/bash"))
}

const BASH_RC: &str = r#"# lectern shell integration (generated)
if [ -z "$LECTERN_NO_USER_RC" ] && [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi
if [ -n "$LECTERN_PROFILE" ] && [ -f "$LECTERN_PROFILE" ]; then . "$LECTERN_PROFILE"; fi
__lectern_precmd() { local s=$?; printf '\033]133;D;%s\007\033]133;A\007' "$s"; return $s; }
if [[ "$(declare -p PROMPT_COMMAND 2>/dev/null)" == "declare -a"* ]]; then
  PROMPT_COMMAND=(__lectern_precmd "${PROMPT_COMMAND[@]}")
else
  PROMPT_COMMAND="__lectern_precmd${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
fi
PS1="${PS1:-\\u@\\h:\\w\\$ }\[\033]133;B\007\]"
PS0=$'\033]133;C\007'"${PS0:-}"
"#;

const ZSH_RC: &str = r#"# lectern shell integration (generated)
if [ -z "$LECTERN_NO_USER_RC" ] && [ -f "$LECTERN_USER_ZDOTDIR/.zshrc" ]; then . "$LECTERN_USER_ZDOTDIR/.zshrc"; fi
if [ -n "$LECTERN_PROFILE" ] && [ -f "$LECTERN_PROFILE" ]; then . "$LECTERN_PROFILE"; fi
__lectern_precmd() { local s=$?; printf '\033]133;D;%s\007\033]133;A\007' "$s"; }
__lectern_preexec() { printf '\033]133;C\007'; }
autoload -Uz add-zsh-hook
add-zsh-hook precmd __lectern_precmd
add-zsh-hook preexec __lectern_preexec
PS1="$PS1%{"$'\033]133;B\007'"%}"
"#;

/// How to start a shell: its argv and extra environment.
pub struct Launch {
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
}

/// Write the rc files under `dir` and say how to start `shell` with them.
pub fn prepare(shell: &Path, dir: &Path) -> std::io::Result<Launch> {
    std::fs::create_dir_all(dir)?;
    let sh = shell.to_string_lossy().into_owned();
    match kind_of(shell) {
        ShellKind::Bash => {
            let rc = dir.join("bashrc");
            std::fs::write(&rc, BASH_RC)?;
            Ok(Launch {
                argv: vec![
                    sh,
                    "--rcfile".into(),
                    rc.to_string_lossy().into_owned(),
                    "-i".into(),
                ],
                env: vec![],
            })
        }
        ShellKind::Zsh => {
            let zdot = dir.join("zsh");
            std::fs::create_dir_all(&zdot)?;
            std::fs::write(zdot.join(".zshrc"), ZSH_RC)?;
            let user = std::env::var("ZDOTDIR")
                .or_else(|_| std::env::var("HOME"))
                .unwrap_or_default();
            Ok(Launch {
                argv: vec![sh, "-i".into()],
                env: vec![
                    ("ZDOTDIR".into(), zdot.to_string_lossy().into_owned()),
                    ("LECTERN_USER_ZDOTDIR".into(), user),
                ],
            })
        }
        ShellKind::Other => Ok(Launch {
            argv: vec![sh],
            env: vec![],
        }),
    }
}
