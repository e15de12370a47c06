//! `files:` actions: download a workshop file (or a URL) to the learner's
//! downloads folder, copy a file's contents, upload a local file.

use std::path::PathBuf;
use std::time::Duration;

use super::outcome::{Outcome, Why};
use super::{Engine, Mode, Note, Request};
use crate::action::FilesAction;
use crate::model::ActionRef;
use crate::runtime::{self, store::write_atomic, Event};

impl Engine {
    fn resolve(&self, p: &str) -> Result<PathBuf, String> {
        crate::paths::learner_path(
            self.ws.home_dir(),
            &self.ws.exercises_dir(),
            p,
            self.allow_outside,
        )
    }

    pub(super) fn files_action(&mut self, r: ActionRef, f: &FilesAction) -> Outcome {
        match f {
            FilesAction::Download {
                path,
                url,
                download,
            } => {
                let dir = self.downloads.clone();
                match (path, url) {
                    (Some(p), _) => {
                        let read = self.resolve(p).and_then(|pb| {
                            std::fs::read(&pb)
                                .map(|b| (pb, b))
                                .map_err(|e| e.to_string())
                        });
                        match read {
                            Ok((pb, bytes)) => {
                                let name = match download {
                                    Some(d) => match crate::paths::plain_name(d) {
                                        Ok(n) => n.to_string(),
                                        Err(e) => return Outcome::failed(format!("download: {e}")),
                                    },
                                    None => pb
                                        .file_name()
                                        .map(|n| n.to_string_lossy().into_owned())
                                        .unwrap_or_else(|| "download".into()),
                                };
                                match save(&dir, &name, &bytes) {
                                    Ok(note) => Outcome::passed(note),
                                    Err(e) => Outcome::failed(e),
                                }
                            }
                            Err(e) => Outcome::failed(e),
                        }
                    }
                    (None, Some(u)) => {
                        // The network is slow next to a frame: fetch on a thread.
                        let (u, tx) = (u.clone(), self.rt.sender());
                        let wanted = download.clone().unwrap_or_else(|| {
                            u.rsplit('/')
                                .next()
                                .filter(|s| !s.is_empty())
                                .unwrap_or("download")
                                .to_string()
                        });
                        let name = match crate::paths::plain_name(&wanted) {
                            Ok(n) => n.to_string(),
                            Err(e) => return Outcome::failed(format!("download: {e}")),
                        };
                        std::thread::spawn(move || {
                            let result = runtime::guard::run("downloading", || {
                                match runtime::http::get(&u, Duration::from_secs(20)) {
                                    Ok((200..=299, body)) => save(&dir, &name, body.as_bytes()),
                                    Ok((s, _)) => Err(format!("{u} answered {s}")),
                                    Err(e) => Err(format!("cannot fetch {u}: {e}")),
                                }
                            })
                            .and_then(|r| r);
                            let _ = tx.send(Event::Done(r, result));
                        });
                        Outcome::Running {
                            since: std::time::Instant::now(),
                            what: Some("downloading".into()),
                        }
                    }
                    _ => Outcome::failed("files:download-file needs `path` or `url`"),
                }
            }
            FilesAction::CopyContents { path: Some(p), .. } => match self
                .resolve(p)
                .and_then(|pb| std::fs::read_to_string(&pb).map_err(|e| e.to_string()))
            {
                Ok(text) => {
                    self.notes.push(Note::Clipboard(text));
                    Outcome::passed("copied the file's contents")
                }
                Err(e) => Outcome::failed(e),
            },
            FilesAction::CopyContents { .. } => Outcome::failed("files:copy-file needs a `path`"),
            FilesAction::Upload { path } | FilesAction::UploadMany { directory: path } => {
                if self.mode == Mode::Interactive {
                    self.notes.push(Note::Ask(
                        r,
                        Request::Upload {
                            target: path.clone(),
                        },
                    ));
                }
                Outcome::NeedsPerson(Why::Input {
                    what: format!("a file to upload to {path}"),
                })
            }
        }
    }

    /// Copy a local file into the workshop's uploads (the answer to an upload request).
    pub(super) fn upload(&mut self, f: &FilesAction, local: &str) -> Outcome {
        let (FilesAction::Upload { path: target } | FilesAction::UploadMany { directory: target }) =
            f
        else {
            return Outcome::failed("not an upload");
        };
        let src = PathBuf::from(local.trim());
        // Uploads land in the workshop's uploads folder, never elsewhere.
        let uploads = self.ws.home_dir().join("uploads");
        let target_rel = target
            .trim()
            .trim_start_matches("~/")
            .trim_start_matches("uploads/")
            .trim_end_matches('/');
        let dest_dir = if target_rel.is_empty() {
            uploads.clone()
        } else {
            match crate::paths::within(&uploads, target_rel) {
                Ok(d) => d,
                Err(e) => return Outcome::failed(format!("upload target: {e}")),
            }
        };
        let name = src
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        let into_dir = target_rel.is_empty()
            || target.ends_with('/')
            || dest_dir.is_dir()
            || matches!(f, FilesAction::UploadMany { .. });
        let dest = if into_dir {
            dest_dir.join(name)
        } else {
            dest_dir
        };
        let result = dest
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|_| std::fs::copy(&src, &dest).map(|_| ()));
        match result {
            Ok(()) => Outcome::passed(format!("uploaded to {}", dest.display())),
            Err(e) => Outcome::failed(format!("cannot upload {}: {e}", src.display())),
        }
    }
}

fn save(dir: &std::path::Path, name: &str, bytes: &[u8]) -> Result<String, String> {
    let dest = dir.join(name);
    std::fs::create_dir_all(dir)
        .and_then(|_| write_atomic(&dest, bytes))
        .map(|()| format!("saved to {}", dest.display()))
        .map_err(|e| format!("cannot save to {}: {e}", dest.display()))
}

/// The learner's downloads folder.
pub fn downloads_dir() -> PathBuf {
    std::env::var_os("XDG_DOWNLOAD_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join("Downloads")))
        .unwrap_or_else(std::env::temp_dir)
}
