//! Processes and I/O: terminal sessions on PTYs, services, setup scripts,
//! examiner processes, HTTP, the state folder. Knows nothing of ratatui or of
//! verdicts; the engine decides what the things seen here mean.
//!
//! Reader threads and helpers report through one channel of `Event`s.

pub mod browser;
pub mod cast;
pub mod datasource;
pub mod echo_first;
pub mod examiner;
pub mod files;
pub mod grafana_api;
pub mod guard;
pub mod http;
pub mod keeper;
pub mod notes_socket;
pub mod procs;
pub mod sandbox;
pub mod services;
pub mod setup;
pub mod shell;
pub mod store;
pub mod supervisor;
pub mod tail;
pub mod terminal;
pub mod watch;

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use crate::model::series::PanelData;
use crate::model::ActionRef;
use crate::workshop::Workshop;
pub use shell::ShellKind;
pub use store::Store;
pub use terminal::{Mark, ShellSpec, Terminal};

pub type TermId = usize;

/// From reader threads and helpers to the driver.
#[derive(Debug, Clone)]
pub enum Event {
    Output(TermId),
    Mark(TermId, Mark),
    Exited(TermId),
    Setup(setup::Progress),
    Service(services::ServiceProgress),
    /// Fresh data for dashboard tab `tab` (its query generation, then one entry per panel).
    Dashboard(usize, u64, Vec<PanelData>),
    /// The data a dashboard check asked for (its action, then one entry per panel).
    DashboardCheck(ActionRef, Vec<(String, PanelData)>),
    Examiner(ActionRef, examiner::ExamResult),
    /// A background job of an action ended: `Ok(note)` or `Err(why)`.
    Done(ActionRef, Result<String, String>),
    /// Something outside the runtime changed what is drawn (e.g. highlighting is ready).
    Redraw,
    /// A file of the workshop's content changed (live reload).
    ContentChanged,
    /// Datasources or dashboards were posted to lectern's Grafana API.
    Grafana,
}

/// The processes of a workshop: its terminals, services and setup scripts.
pub struct Runtime {
    pub terminals: Vec<Terminal>,
    spec: ShellSpec,
    size: (u16, u16),
    tx: UnboundedSender<Event>,
    pub setup: setup::SetupState,
    pub services: services::Services,
    /// Sessions of short-lived helpers (examiner scripts).
    pub sessions: procs::Sessions,
    /// The Educates session shape, when bubblewrap can give it.
    pub sandbox: Option<sandbox::Sandbox>,
    /// Why there is no session shape, to say once.
    pub sandbox_note: Option<String>,
    /// Other things to say once about starting the workshop.
    pub notes: Vec<String>,
    /// `workshop/terminal/`: a terminal's `NAME.sh` there runs instead of its shell.
    pub start_scripts: Option<PathBuf>,
}

fn is_executable(p: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

impl Runtime {
    pub fn new(spec: ShellSpec) -> (Runtime, UnboundedReceiver<Event>) {
        let (tx, rx) = unbounded_channel();
        (
            Runtime {
                terminals: Vec::new(),
                spec,
                size: (24, 80),
                tx,
                setup: setup::SetupState::default(),
                services: services::Services::default(),
                sessions: procs::Sessions::default(),
                sandbox: None,
                sandbox_note: None,
                notes: Vec::new(),
                start_scripts: None,
            },
            rx,
        )
    }

    pub fn sender(&self) -> UnboundedSender<Event> {
        self.tx.clone()
    }

    pub fn spec(&self) -> &ShellSpec {
        &self.spec
    }

    /// Start a terminal named `name` (or return the one that exists).
    pub fn terminal(&mut self, name: &str) -> std::io::Result<TermId> {
        if let Some(t) = self.terminals.iter().find(|t| t.name == name) {
            return Ok(t.id);
        }
        let id = self.terminals.len();
        let (rows, cols) = self.size;
        let start = self
            .start_scripts
            .as_ref()
            .map(|d| d.join(format!("{name}.sh")))
            .filter(|p| is_executable(p));
        let t = Terminal::spawn(
            id,
            name,
            terminal::Setting {
                spec: &self.spec,
                sandbox: self.sandbox.as_ref(),
                start: start.as_deref(),
            },
            rows,
            cols,
            self.tx.clone(),
        )?;
        self.terminals.push(t);
        Ok(id)
    }

    pub fn find(&self, name: &str) -> Option<TermId> {
        self.terminals.iter().find(|t| t.name == name).map(|t| t.id)
    }

    /// Default size for terminals started later.
    pub fn set_default_size(&mut self, rows: u16, cols: u16) {
        self.size = (rows, cols);
    }

    /// Names of the terminals with a foreground job running.
    pub fn busy_terminals(&self) -> Vec<String> {
        self.terminals
            .iter()
            .filter(|t| t.foreground_job().is_some())
            .map(|t| t.name.clone())
            .collect()
    }

    /// Keep the setup and service views in step with their threads.
    pub fn on_event(&mut self, ev: &Event) {
        match ev {
            Event::Setup(p) => self.setup.apply(p),
            Event::Service(p) => self.services.apply(p),
            _ => {}
        }
    }

    /// Stop every terminal and setup script, and everything they started.
    pub fn shutdown(&mut self) {
        self.setup.stop();
        let grace = Duration::from_millis(500);
        for t in &mut self.terminals {
            t.shutdown(grace);
        }
        self.services.stop();
        // Whatever else it started (an examiner script mid-run) goes too.
        self.sessions.kill_all(grace);
    }

    pub fn state_dir(&self) -> PathBuf {
        self.spec.rc_dir.clone()
    }
}

/// The environment of terminals and setup scripts: the user's, plus the
/// workshop variables upper-cased, plus lectern's own.
pub fn session_env(ws: &Workshop, store: &Store) -> Vec<(String, String)> {
    let mut env = ws.vars.env();
    // `session.env` from the resource, its `$(var)`s filled in, after the
    // standard variables so that it can override them as in Educates.
    env.extend(ws.session_env.iter().cloned());
    let profile = ws.workshop_dir.join("profile");
    if profile.is_file() {
        env.push((
            "LECTERN_PROFILE".into(),
            profile.to_string_lossy().into_owned(),
        ));
    }
    env.push((
        "HISTFILE".into(),
        store
            .dir()
            .join("shell_history")
            .to_string_lossy()
            .into_owned(),
    ));
    env.push((
        "WORKSHOP_DIR".into(),
        ws.root.to_string_lossy().into_owned(),
    ));
    // Set-up scripts add `NAME=VALUE` lines here for later scripts and shells.
    env.push((
        "WORKSHOP_ENV".into(),
        store
            .dir()
            .join("workshop-env")
            .to_string_lossy()
            .into_owned(),
    ));
    env
}

/// A runtime for a workshop, with nothing started yet (cheap: the app draws
/// its first frame before `launch` starts shells, services and setup).
pub fn prepare(
    ws: &Workshop,
    store: &Store,
    rows: u16,
    cols: u16,
) -> (Runtime, UnboundedReceiver<Event>) {
    let spec = ShellSpec {
        shell: shell::user_shell(),
        cwd: ws.exercises_dir(),
        env: session_env(ws, store),
        rc_dir: store.dir().join("shell"),
        scrollback: terminal::DEFAULT_SCROLLBACK,
    };
    let (mut rt, rx) = Runtime::new(spec);
    rt.set_default_size(rows, cols);
    (rt, rx)
}

/// The host names a session's processes reach this machine by: each ingress
/// (`NAME`, `NAME-NS`, `NAME-NS.DOMAIN` and the older `NS-NAME.DOMAIN`) and
/// each compose service (its name, as on the compose network).
pub fn session_hosts(ws: &Workshop) -> Vec<String> {
    let ns = ws
        .vars
        .get("session_namespace")
        .unwrap_or("workshop")
        .to_string();
    let domain = ws
        .vars
        .get("ingress_domain")
        .unwrap_or("localhost")
        .to_string();
    let mut names = Vec::new();
    for i in &ws.resources.ingresses {
        let n = &i.name;
        names.extend([
            n.clone(),
            format!("{n}-{ns}"),
            format!("{n}-{ns}.{domain}"),
            format!("{ns}-{n}.{domain}"),
        ]);
        if let Some(h) = &i.host {
            names.push(crate::workshop::resources::expand_vars(
                h,
                &ws.vars,
                crate::workshop::resources::Place::Gateway,
            ));
        }
    }
    names.extend(ws.resources.compose.iter().map(|c| c.name.clone()));
    names.retain(|n| {
        !n.is_empty()
            && n.len() < 254
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    });
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.to_ascii_lowercase()));
    names
}

/// `url` with a session host name (see [`session_hosts`]) replaced by
/// 127.0.0.1: lectern itself runs outside the session's hosts file, yet
/// reads datasources that set-up scripts post with those names.
pub fn loopback_url(url: &str, hosts: &[String]) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    // Credentials (`user:pw@`) stay; the host is what follows them.
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), authority),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => (h, format!(":{p}")),
        _ => (hostport, String::new()),
    };
    if hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        format!("{scheme}://{userinfo}127.0.0.1{port}{tail}")
    } else {
        url.to_string()
    }
}

/// Start the workshop's terminals, services and setup scripts, in the
/// Educates session shape when bubblewrap can give it.
pub fn launch(rt: &mut Runtime, ws: &Workshop, store: &Store) -> std::io::Result<()> {
    match sandbox::Sandbox::prepare(
        store.dir(),
        &ws.workshop_dir,
        &ws.exercises_dir(),
        Some(&ws.root.join("bin")),
        &session_hosts(ws),
    ) {
        Ok(sb) => rt.sandbox = Some(sb),
        Err(why) => rt.sandbox_note = Some(why),
    }
    // supervisord for the workshop's programs, found by supervisorctl at its usual place.
    let mut specs = ws.config.services.clone();
    match supervisor::service(&ws.workshop_dir, store.dir()) {
        Ok(Some((spec, conf))) => {
            if let Some(sb) = rt.sandbox.as_mut() {
                sb.bind_file(&conf, "/etc/supervisor/supervisord.conf");
            }
            specs.push(spec);
        }
        Ok(None) => {}
        Err(e) => rt.notes.push(format!(
            "workshop programs (supervisor/*.conf) not started: {e}"
        )),
    }
    rt.start_scripts = Some(ws.workshop_dir.join("terminal"));
    for i in 1..=ws.terminal_count() {
        rt.terminal(&i.to_string())?;
    }
    rt.services = services::start(
        &specs,
        &store.dir().join("services"),
        rt.sender(),
        rt.sandbox.clone(),
        rt.spec.env.clone(),
    );
    let scripts = setup::scripts(&ws.workshop_dir);
    let env = rt.spec.env.clone();
    rt.setup = setup::start(
        scripts,
        ws.exercises_dir(),
        env,
        store.dir().join("setup-logs"),
        rt.sender(),
        rt.sandbox.clone(),
    );
    Ok(())
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn session_hosts_become_loopback_for_lectern() {
        let hosts = vec!["influxdb".to_string(), "grafana-lab.localhost".to_string()];
        let l = |u: &str| super::loopback_url(u, &hosts);
        assert_eq!(l("http://influxdb:8086"), "http://127.0.0.1:8086");
        assert_eq!(
            l("http://u:p@InfluxDB:8086/query?db=x"),
            "http://u:p@127.0.0.1:8086/query?db=x"
        );
        assert_eq!(
            l("http://grafana-lab.localhost/d/x"),
            "http://127.0.0.1/d/x"
        );
        assert_eq!(l("http://example.org:8086"), "http://example.org:8086");
        assert_eq!(l("influxdb:8086"), "influxdb:8086");
    }
}
