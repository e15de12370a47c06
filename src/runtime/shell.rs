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

// The marks carry a token (NONCE) that only this rc file knows: output of
// programs cannot fake them. The file removes itself once read, and the
// escapes stay as text in variables, so printing them does not sign anything.
const BASH_RC: &str = r#"# lectern shell integration (generated)
if [ -z "$LECTERN_NO_USER_RC" ] && [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi
if [ -n "$LECTERN_PROFILE" ] && [ -f "$LECTERN_PROFILE" ]; then . "$LECTERN_PROFILE"; fi
__lectern_envmark="${WORKSHOP_ENV:-/nonexistent}.seen-$$"
__lectern_env() { if [ -s "$WORKSHOP_ENV" ] && [ "$WORKSHOP_ENV" -nt "$__lectern_envmark" ]; then set -a; . "$WORKSHOP_ENV"; set +a; : > "$__lectern_envmark"; fi; }
__lectern_env
__lectern_precmd() { local s=$?; __lectern_env; printf '\033]133;D;%s;k=NONCE\007\033]133;A;k=NONCE\007' "$s"; return $s; }
if [[ "$(declare -p PROMPT_COMMAND 2>/dev/null)" == "declare -a"* ]]; then
  PROMPT_COMMAND=(__lectern_precmd "${PROMPT_COMMAND[@]}")
else
  PROMPT_COMMAND="__lectern_precmd${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
fi
PS1="${PS1:-\\u@\\h:\\w\\$ }\[\033]133;B;k=NONCE\007\]"
PS0='\033]133;C;k=NONCE\007'"${PS0:-}"
command rm -f -- "${BASH_SOURCE[0]}" 2>/dev/null
"#;

const ZSH_RC: &str = r#"# lectern shell integration (generated)
command rm -f -- "$ZDOTDIR/.zshrc" 2>/dev/null
if [ -z "$LECTERN_NO_USER_RC" ] && [ -f "$LECTERN_USER_ZDOTDIR/.zshrc" ]; then . "$LECTERN_USER_ZDOTDIR/.zshrc"; fi
if [ -n "$LECTERN_PROFILE" ] && [ -f "$LECTERN_PROFILE" ]; then . "$LECTERN_PROFILE"; fi
__lectern_precmd() { local s=$?; printf '\033]133;D;%s;k=NONCE\007\033]133;A;k=NONCE\007' "$s"; }
__lectern_preexec() { printf '\033]133;C;k=NONCE\007'; }
autoload -Uz add-zsh-hook
add-zsh-hook precmd __lectern_precmd
add-zsh-hook preexec __lectern_preexec
PS1="$PS1%{"$'\033]133;B;k='NONCE$'\007'"%}"
"#;

/// A fresh token for one terminal's marks.
pub fn nonce() -> String {
    use std::io::Read;
    let mut b = [0u8; 12];
    let random = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b));
    if random.is_err() {
        // No /dev/urandom: time and process id still differ between runs.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        b[..8].copy_from_slice(&(t as u64 ^ u64::from(std::process::id())).to_le_bytes());
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// How to start a shell: its argv and extra environment.
pub struct Launch {
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
}

/// Write terminal `name`'s rc files under `dir` and say how to start `shell` with them.
pub fn prepare(shell: &Path, dir: &Path, name: &str, nonce: &str) -> std::io::Result<Launch> {
    std::fs::create_dir_all(dir)?;
    let sh = shell.to_string_lossy().into_owned();
    let safe: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    match kind_of(shell) {
        ShellKind::Bash => {
            let rc = dir.join(format!("bashrc-{safe}"));
            write_private(&rc, &BASH_RC.replace("NONCE", nonce))?;
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
            let zdot = dir.join(format!("zsh-{safe}"));
            std::fs::create_dir_all(&zdot)?;
            write_private(&zdot.join(".zshrc"), &ZSH_RC.replace("NONCE", nonce))?;
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

/// Only the user may read the file that holds a terminal's token.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}
