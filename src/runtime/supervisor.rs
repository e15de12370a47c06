//! `workshop/supervisor/*.conf`: programs an Educates workshop keeps running
//! under supervisord. lectern runs supervisord (Debian's `supervisor`) in the
//! session, as process 1 of its own process namespace so that programs that
//! log to `/proc/1/fd/1` log to supervisord's output, which lectern keeps
//! (L shows it). `supervisorctl` in the terminals finds it at its usual place.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::workshop::lectern_config::ServiceSpec;

/// The workshop's program files, sorted.
pub fn program_files(workshop_dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(workshop_dir.join("supervisor"))
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "conf") && p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// supervisord's own configuration: a socket in `dir`, logs in `dir`, and
/// the workshop's programs.
pub fn config(dir: &Path, programs: &[PathBuf]) -> String {
    let d = dir.display();
    let files: Vec<String> = programs.iter().map(|p| p.display().to_string()).collect();
    format!(
        "; made by lectern for this workshop's session\n\
         [unix_http_server]\nfile={d}/supervisor.sock\nchmod=0700\n\n\
         [supervisord]\nnodaemon=true\nlogfile={d}/supervisord.log\npidfile={d}/supervisord.pid\n\
         childlogdir={d}/logs\nloglevel=info\n\n\
         [rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n\
         [supervisorctl]\nserverurl=unix://{d}/supervisor.sock\n\n\
         [include]\nfiles = {}\n",
        files.join(" ")
    )
}

/// A service that runs supervisord with the workshop's programs, its config
/// written under `state`; none when the workshop has no programs.
pub fn service(
    workshop_dir: &Path,
    state: &Path,
) -> Result<Option<(ServiceSpec, PathBuf)>, String> {
    let programs = program_files(workshop_dir);
    if programs.is_empty() {
        return Ok(None);
    }
    let dir = state.join("supervisor");
    std::fs::create_dir_all(dir.join("logs"))
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let conf = dir.join("supervisord.conf");
    super::store::write_atomic(&conf, config(&dir, &programs).as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", conf.display()))?;
    let spec = ServiceSpec {
        name: "supervisord".into(),
        title: "supervisord (workshop programs)".into(),
        command: format!("supervisord -n -c '{}'", conf.display()),
        ready: None,
        timeout: Duration::from_secs(30),
        install: Some("sudo apt-get install supervisor".into()),
        files: Vec::new(),
        after: Vec::new(),
        pages: Vec::new(),
        own_pid_namespace: true,
        needs_engine: None,
    };
    Ok(Some((spec, conf)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_config_includes_the_programs() {
        let c = super::config(
            std::path::Path::new("/s"),
            &[
                "/w/supervisor/web.conf".into(),
                "/w/supervisor/b.conf".into(),
            ],
        );
        assert!(c.contains("file=/s/supervisor.sock"));
        assert!(c.contains("files = /w/supervisor/web.conf /w/supervisor/b.conf"));
        assert!(c.contains("serverurl=unix:///s/supervisor.sock"));
    }
}
