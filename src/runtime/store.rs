//! A workshop's state folder under `$XDG_STATE_HOME/lectern/`: the learner's
//! progress as one JSON file, written atomically; a corrupt file is set aside
//! and reported, never fatal.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::workshop::Workshop;

pub struct Store {
    dir: PathBuf,
    /// The progress file is something other than a file (a FIFO, a link to a
    /// device): it is neither read nor written.
    refused: std::cell::Cell<bool>,
}

/// A progress file larger than this is not progress.
const MAX_PROGRESS: u64 = 16 * 1024 * 1024;

impl Store {
    /// The state folder of a workshop: name plus a hash of its location, so two
    /// copies of one workshop keep separate progress.
    pub fn for_workshop(ws: &Workshop) -> Store {
        let base = std::env::var_os("XDG_STATE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
            .unwrap_or_else(std::env::temp_dir);
        let safe: String = ws
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let hash = fnv1a(ws.root.to_string_lossy().as_bytes());
        Store::at(base.join("lectern").join(format!("{safe}-{hash:08x}")))
    }

    /// A store in a folder of the caller's choosing (tests, `lectern test`).
    pub fn at(dir: impl Into<PathBuf>) -> Store {
        Store {
            dir: dir.into(),
            refused: std::cell::Cell::new(false),
        }
    }

    fn clean_debris(&self) {
        clean_debris(&self.dir, 0);
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file(&self) -> PathBuf {
        self.dir.join("progress.json")
    }

    /// Load saved progress. A notice says what happened to a corrupt file.
    pub fn load<T: DeserializeOwned + Default>(&self) -> (T, Option<String>) {
        self.clean_debris();
        let path = self.file();
        // Look before reading: a FIFO would block, a link to /dev/zero never end.
        match std::fs::symlink_metadata(&path) {
            Err(_) => return (T::default(), None),
            Ok(m) if !m.file_type().is_file() || m.len() > MAX_PROGRESS => {
                self.refused.set(true);
                return (
                    T::default(),
                    Some(format!(
                        "{} is not a regular file of progress; lectern leaves it alone and keeps no progress this time",
                        path.display()
                    )),
                );
            }
            Ok(_) => {}
        }
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(_) => return (T::default(), None),
        };
        match serde_json::from_slice(&bytes) {
            Ok(p) => (p, None),
            Err(e) => {
                let aside = path.with_extension(format!(
                    "corrupt-{}.json",
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs())
                ));
                let moved = std::fs::rename(&path, &aside).is_ok();
                let notice = if moved {
                    format!(
                        "saved progress was unreadable ({e}); kept it as {} and started fresh",
                        aside.display()
                    )
                } else {
                    format!("saved progress was unreadable ({e}); starting fresh")
                };
                (T::default(), Some(notice))
            }
        }
    }

    pub fn save<T: Serialize>(&self, p: &T) -> std::io::Result<()> {
        if self.refused.get() {
            return Ok(());
        }
        let json = serde_json::to_vec_pretty(p).map_err(std::io::Error::other)?;
        write_atomic(&self.file(), &json)
    }

    pub fn reset(&self) {
        let _ = std::fs::remove_file(self.file());
    }
}

/// Temporary files of atomic writes that never finished (lectern was killed
/// mid-write, `.NAME.tmp-PID` of a process that is gone): nothing reads them;
/// they go. Looks `depth` folders down.
pub fn clean_debris(dir: &Path, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() && depth > 0 {
            clean_debris(&e.path(), depth - 1);
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix('.')
            .and_then(|n| n.rsplit_once(".tmp-"))
            .and_then(|(_, p)| p.parse::<u32>().ok())
        else {
            continue;
        };
        let alive = pid != std::process::id() && Path::new(&format!("/proc/{pid}")).exists();
        if ft.is_file() && !alive {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Write via a temporary file in the same folder, fsync, rename: readers see the
/// old content or the new, never a torn file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        if let Ok(meta) = std::fs::metadata(path) {
            let _ = f.set_permissions(meta.permissions());
        }
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn fnv1a(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x01000193);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file_whole() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("a.txt");
        std::fs::write(&path, "old\n").unwrap();
        // The temporary file cannot be made (its name is taken by a folder),
        // which fails even for root.
        std::fs::create_dir(d.path().join(format!(".a.txt.tmp-{}", std::process::id()))).unwrap();
        assert!(write_atomic(&path, b"new\n").is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
    }

    #[test]
    fn atomic_write_replaces_and_corrupt_is_set_aside() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::at(d.path().join("w"));
        let mut p = std::collections::BTreeMap::new();
        p.insert("page".to_string(), "intro".to_string());
        store.save(&p).unwrap();
        assert_eq!(store.load(), (p, None));
        std::fs::write(store.file(), b"{not json").unwrap();
        let (fresh, notice): (std::collections::BTreeMap<String, String>, _) = store.load();
        assert!(fresh.is_empty());
        assert!(notice.unwrap().contains("unreadable"));
        assert!(!store.file().exists());
        assert_eq!(std::fs::read_dir(store.dir()).unwrap().count(), 1);
    }
}

#[cfg(test)]
mod refusals {
    use super::*;

    #[test]
    fn a_progress_path_that_is_not_a_file_is_refused_not_read() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::at(d.path());
        let fifo = std::ffi::CString::new(store.file().to_string_lossy().as_bytes()).unwrap();
        // SAFETY: mkfifo with a valid C string.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let (p, notice): (serde_json::Value, _) = store.load();
        assert!(p.is_null() && notice.unwrap().contains("not a regular file"));
        store.save(&serde_json::json!({"page": "x"})).unwrap();
        assert!(!std::fs::metadata(store.file()).unwrap().is_file());
        // Debris of a killed write is cleaned up.
        let debris = d.path().join(".progress.json.tmp-999999999");
        std::fs::write(&debris, "x").unwrap();
        let _: (serde_json::Value, _) = Store::at(d.path()).load();
        assert!(!debris.exists());
    }
}
