//! The presenter's side of `lectern notes`: a Unix socket that tells every
//! notes window which page is shown, as one JSON line per change.
//!
//! The socket sits in a folder only its owner may enter (0700) and is itself
//! 0600, so no other user of the machine reads the notes or the page.
//! Writing to the windows happens on a thread of its own: a notes window
//! that stops reading never holds up the presenter's screen.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What a notes window is told about the presentation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NotesState {
    pub workshop: String,
    /// 1-based.
    pub page: usize,
    pub pages: usize,
    pub title: String,
    /// The next page's title; none on the last page.
    pub next: Option<String>,
    pub notes: Vec<String>,
    /// When the presentation started and when this page was opened (unix ms).
    pub started_ms: i64,
    pub page_started_ms: i64,
}

/// Where the notes socket of a workshop whose state lives in `store_dir` is:
/// under $XDG_RUNTIME_DIR when there is one, else in the state folder.
pub fn socket_path(store_dir: &Path) -> PathBuf {
    let name = store_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "workshop".into());
    match std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute() && p.is_dir())
    {
        Some(run) => run.join("lectern").join(format!("{name}.notes.sock")),
        None => store_dir.join("run").join("notes.sock"),
    }
}

/// The presenter's end: publishes states to every notes window connected.
pub struct NotesServer {
    path: PathBuf,
    tx: mpsc::Sender<String>,
}

const WRITE_TIMEOUT: Duration = Duration::from_millis(500);
const MAX_WINDOWS: usize = 16;

impl NotesServer {
    /// Listen at `path` (its folder made private). A socket left by a run
    /// that was killed is replaced; one another lectern listens on is not.
    pub fn start(path: &Path) -> Result<NotesServer, String> {
        let dir = path.parent().ok_or("no folder for the notes socket")?;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        // A folder that existed before may be open to others: close it.
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        if path.exists() {
            if UnixStream::connect(path).is_ok() {
                return Err(format!(
                    "another lectern presents this workshop (its notes socket is {})",
                    path.display()
                ));
            }
            let _ = std::fs::remove_file(path);
        }
        let listener = UnixListener::bind(path)
            .map_err(|e| format!("cannot listen on {}: {e}", path.display()))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("cannot make {} private: {e}", path.display()))?;
        let windows: Arc<Mutex<(Option<String>, Vec<UnixStream>)>> = Default::default();
        let (tx, rx) = mpsc::channel::<String>();
        let w = windows.clone();
        std::thread::Builder::new()
            .name("notes-accept".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    let Ok(mut s) = stream else { continue };
                    let _ = s.set_write_timeout(Some(WRITE_TIMEOUT));
                    let Ok(mut guard) = w.lock() else { return };
                    let (last, list) = &mut *guard;
                    if list.len() >= MAX_WINDOWS {
                        continue;
                    }
                    // A new window is told at once where the presenter is.
                    if let Some(line) = last {
                        if s.write_all(line.as_bytes()).is_err() {
                            continue;
                        }
                    }
                    list.push(s);
                }
            })
            .map_err(|e| e.to_string())?;
        std::thread::Builder::new()
            .name("notes-send".into())
            .spawn(move || {
                while let Ok(line) = rx.recv() {
                    let Ok(mut guard) = windows.lock() else {
                        return;
                    };
                    let (last, list) = &mut *guard;
                    list.retain_mut(|s| s.write_all(line.as_bytes()).is_ok());
                    *last = Some(line);
                }
            })
            .map_err(|e| e.to_string())?;
        Ok(NotesServer {
            path: path.to_path_buf(),
            tx,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Tell every window (and any that connects later) the state now.
    pub fn publish(&self, state: &NotesState) {
        if let Ok(mut line) = serde_json::to_string(state) {
            line.push('\n');
            let _ = self.tx.send(line);
        }
    }
}

impl Drop for NotesServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A notes window's end: states as they come, until the presenter goes.
/// Lines that are not states (or too long) are skipped.
pub fn follow(stream: UnixStream, mut on_state: impl FnMut(NotesState) -> bool) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        // Bounded: a line longer than this is not one lectern wrote.
        match (&mut reader).take(1 << 20).read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if let Ok(state) = serde_json::from_str::<NotesState>(line.trim_end()) {
            if !on_state(state) {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_follow_the_presenter_privately() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run/notes.sock");
        let server = NotesServer::start(&path).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        // A second presenter of the same workshop is refused.
        assert!(NotesServer::start(&path).is_err());
        let first = NotesState {
            page: 1,
            pages: 2,
            notes: vec!["hello".into()],
            ..Default::default()
        };
        server.publish(&first);
        std::thread::sleep(Duration::from_millis(100));
        // A window that connects later is told the state at once, then each change.
        let stream = UnixStream::connect(&path).unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || follow(stream, |s| tx.send(s).is_ok()));
        let got = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(got, first);
        let second = NotesState {
            page: 2,
            ..first.clone()
        };
        server.publish(&second);
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), second);
        drop(server);
        assert!(!path.exists());
    }
}
