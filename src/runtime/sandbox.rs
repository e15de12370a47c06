//! The Educates session shape on one machine, with bubblewrap: terminals,
//! services, set-up scripts and examiner tests run with HOME at
//! `/home/eduk8s`, the workshop's `workshop/`, `exercises/` and `bin/` under
//! it, `~/bin` on PATH, and a private `/etc/hosts` that sends every ingress
//! and compose service name to 127.0.0.1. The rest of the machine is as it is
//! (the root filesystem is bound as it is): the sandbox gives the shape, it is
//! not a jail.

use std::path::{Path, PathBuf};

/// Where Educates puts the learner's home.
pub const HOME: &str = "/home/eduk8s";

#[derive(Debug, Clone)]
pub struct Sandbox {
    /// The bwrap program.
    bwrap: PathBuf,
    /// Folders bound into the session: (outside, inside).
    binds: Vec<(PathBuf, String)>,
    hosts: PathBuf,
    /// The user's own home, kept visible under the private /home.
    user_home: Option<PathBuf>,
    /// Not root: bwrap needs a user namespace.
    unshare_user: bool,
}

/// The names that resolve to this machine inside the session.
pub fn hosts_file(names: &[String]) -> String {
    let mut text = std::fs::read_to_string("/etc/hosts")
        .unwrap_or_else(|_| "127.0.0.1 localhost\n::1 localhost\n".into());
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("# the workshop's hosts (lectern)\n");
    for chunk in names.chunks(8) {
        text.push_str("127.0.0.1");
        for n in chunk {
            text.push(' ');
            text.push_str(n);
        }
        text.push('\n');
    }
    text
}

impl Sandbox {
    /// Set up the session's folders under `state`, or say why bubblewrap
    /// cannot be used here (it is then not used at all).
    pub fn prepare(
        state: &Path,
        workshop_dir: &Path,
        exercises: &Path,
        bin: Option<&Path>,
        hosts: &[String],
    ) -> Result<Sandbox, String> {
        if std::env::var("LECTERN_SANDBOX").is_ok_and(|v| v == "0") {
            return Err("LECTERN_SANDBOX=0 turned it off".into());
        }
        let bwrap = find_program("bwrap").ok_or(
            "bubblewrap (bwrap) is not installed; install it with `sudo apt-get install bubblewrap`",
        )?;
        let home = state.join("home");
        std::fs::create_dir_all(&home)
            .map_err(|e| format!("cannot create {}: {e}", home.display()))?;
        let hosts_path = state.join("hosts");
        super::store::write_atomic(&hosts_path, hosts_file(hosts).as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", hosts_path.display()))?;
        let mut binds = vec![(home, HOME.to_string())];
        binds.push((workshop_dir.to_path_buf(), format!("{HOME}/workshop")));
        if exercises.is_dir() {
            binds.push((exercises.to_path_buf(), format!("{HOME}/exercises")));
        }
        if let Some(b) = bin.filter(|b| b.is_dir()) {
            binds.push((b.to_path_buf(), format!("{HOME}/bin")));
        }
        let user_home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .filter(|h| h.starts_with("/home/") && h.is_dir());
        // SAFETY: geteuid has no side effects.
        let unshare_user = unsafe { libc::geteuid() } != 0;
        let sb = Sandbox {
            bwrap,
            binds,
            hosts: hosts_path,
            user_home,
            unshare_user,
        };
        sb.works()?;
        Ok(sb)
    }

    /// A quick run of `true` inside: kernels and containers may forbid it.
    fn works(&self) -> Result<(), String> {
        let out = std::process::Command::new(&self.bwrap)
            .args(self.args(Path::new("/")))
            .arg("true")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .output()
            .map_err(|e| format!("cannot run bwrap: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "bwrap cannot run here: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// bwrap's arguments up to the command, for a process starting in `cwd`
    /// (a path inside the session).
    fn args(&self, cwd: &Path) -> Vec<String> {
        let mut a: Vec<String> = vec!["--dev-bind".into(), "/".into(), "/".into()];
        if self.unshare_user {
            a.push("--unshare-user".into());
        }
        // A private /home holds /home/eduk8s without touching the machine's.
        a.extend(["--tmpfs".into(), "/home".into()]);
        if let Some(h) = &self.user_home {
            let h = h.to_string_lossy().into_owned();
            a.extend(["--bind".into(), h.clone(), h]);
        }
        for (outside, inside) in &self.binds {
            a.extend([
                "--bind".into(),
                outside.to_string_lossy().into_owned(),
                inside.clone(),
            ]);
        }
        a.extend([
            "--ro-bind".into(),
            self.hosts.to_string_lossy().into_owned(),
            "/etc/hosts".into(),
            // No --die-with-parent: it follows the *thread* that started the
            // process (a service's thread ends once it is ready). The keeper
            // and the session kills end everything instead.
            "--setenv".into(),
            "HOME".into(),
            HOME.into(),
            "--setenv".into(),
            "PATH".into(),
            format!(
                "{HOME}/bin:{}",
                std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into())
            ),
            "--chdir".into(),
            cwd.to_string_lossy().into_owned(),
        ]);
        a
    }

    /// The path a process inside sees for `outside` (a bound folder or below).
    pub fn inside(&self, outside: &Path) -> PathBuf {
        for (o, i) in self.binds.iter().rev() {
            if let Ok(rest) = outside.strip_prefix(o) {
                return if rest.as_os_str().is_empty() {
                    PathBuf::from(i)
                } else {
                    Path::new(i).join(rest)
                };
            }
        }
        outside.to_path_buf()
    }

    /// `argv` run inside the session, starting in `cwd` (an outside path).
    pub fn wrap(&self, argv: &[String], cwd: &Path) -> Vec<String> {
        let mut out = vec![self.bwrap.to_string_lossy().into_owned()];
        out.extend(self.args(&self.inside(cwd)));
        out.push("--".into());
        out.extend(argv.iter().cloned());
        out
    }

    /// `wrap` for a process that is process 1 of a namespace of its own.
    pub fn wrap_as_init(&self, argv: &[String], cwd: &Path) -> Vec<String> {
        let mut out = self.wrap(argv, cwd);
        let at = out.iter().position(|a| a == "--").unwrap_or(out.len());
        out.splice(
            at..at,
            ["--unshare-pid", "--as-pid-1", "--proc", "/proc"].map(String::from),
        );
        out
    }

    /// A file bound into the session (e.g. a configuration at its usual place).
    pub fn bind_file(&mut self, outside: &Path, inside: &str) {
        self.binds.push((outside.to_path_buf(), inside.to_string()));
    }

    /// The same, as a `std::process::Command`.
    pub fn command(&self, argv: &[String], cwd: &Path) -> std::process::Command {
        let full = self.wrap(argv, cwd);
        let mut c = std::process::Command::new(&full[0]);
        c.args(&full[1..]);
        c
    }
}

/// `argv` in `cwd`, inside the session when there is one.
pub fn command(sb: Option<&Sandbox>, argv: &[String], cwd: &Path) -> std::process::Command {
    match sb {
        Some(sb) => {
            let mut c = sb.command(argv, cwd);
            c.current_dir(cwd);
            c
        }
        None => {
            let mut c = std::process::Command::new(&argv[0]);
            c.args(&argv[1..]).current_dir(cwd);
            c
        }
    }
}

fn find_program(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_into_the_session() {
        let sb = Sandbox {
            bwrap: "/usr/bin/bwrap".into(),
            binds: vec![
                ("/s/home".into(), HOME.into()),
                ("/w/workshop".into(), format!("{HOME}/workshop")),
                ("/w/exercises".into(), format!("{HOME}/exercises")),
            ],
            hosts: "/s/hosts".into(),
            user_home: None,
            unshare_user: false,
        };
        assert_eq!(
            sb.inside(Path::new("/w/exercises/a/b.py")),
            Path::new("/home/eduk8s/exercises/a/b.py")
        );
        assert_eq!(sb.inside(Path::new("/etc")), Path::new("/etc"));
        let argv = sb.wrap(&["bash".into()], Path::new("/w/exercises"));
        assert_eq!(argv[0], "/usr/bin/bwrap");
        assert!(argv
            .windows(2)
            .any(|w| w == ["--chdir", "/home/eduk8s/exercises"]));
        assert_eq!(argv.last().map(String::as_str), Some("bash"));
        let hosts = hosts_file(&["influxdb".into(), "grafana-lab.localhost".into()]);
        assert!(hosts.contains("127.0.0.1 influxdb grafana-lab.localhost\n"));
    }
}
