//! Live reload: the workshop's content is watched while lectern runs, so an
//! author sees an edit at once. Changes arrive as `Event::ContentChanged`.

use std::path::Path;

use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc::UnboundedSender;

use super::Event;

/// Watch `dirs` (recursively) until the returned watcher is dropped; `None`
/// when the system cannot watch (content then reloads on restart only).
pub fn content(dirs: &[&Path], tx: UnboundedSender<Event>) -> Option<notify::RecommendedWatcher> {
    let mut w = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res {
            if matches!(
                ev.kind,
                EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
            ) {
                let _ = tx.send(Event::ContentChanged);
            }
        }
    })
    .ok()?;
    let mut any = false;
    for d in dirs.iter().filter(|d| d.is_dir()) {
        any |= w.watch(d, RecursiveMode::Recursive).is_ok();
    }
    any.then_some(w)
}
