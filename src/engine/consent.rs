//! Consent: a workshop is code from someone else. Until the learner has seen
//! what it would run and agreed, nothing of it runs: no setup script, no
//! terminal profile, no service, no autostart action. The answer "yes" is
//! kept with a hash of the workshop's content, so content that changes asks
//! again; "no" is never kept.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::action::ActionKind;
use crate::workshop::Workshop;

/// One thing the workshop would run, in full.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub title: String,
    pub text: String,
}

/// Files of a workshop that decide what runs: everything under `workshop/`
/// and `resources/` (not `exercises/`, which the learner edits).
fn content_files(ws: &Workshop) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [ws.workshop_dir.clone(), ws.root.join("resources")] {
        walk(&dir, &mut out, 0);
    }
    out.sort();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    // Symlink loops and absurd depths end here.
    if depth > 32 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            walk(&e.path(), out, depth + 1);
        } else if ft.is_file() {
            out.push(e.path());
        }
    }
}

/// A hash of the workshop's runnable content (paths and bytes).
pub fn content_hash(ws: &Workshop) -> String {
    let mut h = Sha256::new();
    for f in content_files(ws) {
        let rel = f.strip_prefix(&ws.root).unwrap_or(&f);
        h.update(rel.to_string_lossy().as_bytes());
        h.update([0]);
        if let Ok(bytes) = std::fs::read(&f) {
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(&bytes);
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Everything the workshop would run by itself once trusted, each in full.
pub fn what_runs(ws: &Workshop) -> Vec<Item> {
    let mut items = Vec::new();
    // A service that needs a container engine runs nothing here.
    for s in ws
        .config
        .services
        .iter()
        .filter(|s| s.needs_engine.is_none())
    {
        let files: String = s
            .files
            .iter()
            .map(|(name, text)| format!("\n--- writes {name}:\n{text}"))
            .collect();
        let after: String = s
            .after
            .iter()
            .map(|step| match step {
                crate::workshop::lectern_config::AfterStep::Run(c) => {
                    format!("\n--- then runs: {c}")
                }
                crate::workshop::lectern_config::AfterStep::Post { url, .. } => {
                    format!("\n--- then posts to {url}")
                }
            })
            .collect();
        items.push(Item {
            title: format!("Service {}: started with the workshop", s.title),
            text: format!("{}{files}{after}", s.command),
        });
    }
    if let Some(g) = &ws.config.grafana {
        items.push(Item {
            title: format!(
                "Grafana API: lectern listens on 127.0.0.1:{} while the workshop runs",
                g.port
            ),
            text: format!(
                "Programs on this machine that give the user `{}` and its password may post datasources and dashboards there{}; lectern draws the dashboards and queries the datasources' URLs.",
                g.user,
                if g.anonymous {
                    ", and anyone on it may read them"
                } else {
                    ""
                }
            ),
        });
    }
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(ws.workshop_dir.join("setup.d"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    scripts.retain(|p| p.extension().is_some_and(|e| e == "sh"));
    scripts.sort();
    for p in scripts {
        items.push(Item {
            title: format!(
                "Setup script {}: runs once when the workshop starts",
                p.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            ),
            text: read_text(&p),
        });
    }
    let profile = ws.workshop_dir.join("profile");
    if profile.is_file() {
        items.push(Item {
            title: "Terminal profile (workshop/profile): read by every terminal's shell".into(),
            text: read_text(&profile),
        });
    }
    for (i, page) in ws.pages.iter().enumerate() {
        let doc = crate::page::load(ws, i);
        for a in doc.lesson.actions() {
            if !a.action.common.autostart {
                continue;
            }
            let what = match &a.action.kind {
                ActionKind::Terminal(_) | ActionKind::Examiner(_) | ActionKind::Files(_) => {
                    a.action.card().body
                }
                _ => a.action.card().label,
            };
            items.push(Item {
                title: format!(
                    "Autostart on page “{}”: {} runs when the page opens",
                    page.title, a.action.name
                ),
                text: what,
            });
        }
    }
    items
}

fn read_text(p: &Path) -> String {
    match std::fs::read(p) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => format!("(cannot read {}: {e})", p.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_follows_the_content() {
        let d = tempfile::tempdir().unwrap();
        let content = d.path().join("workshop/content");
        std::fs::create_dir_all(&content).unwrap();
        std::fs::create_dir_all(d.path().join("workshop/setup.d")).unwrap();
        std::fs::write(content.join("a.md"), "# A\n").unwrap();
        std::fs::write(d.path().join("workshop/setup.d/01.sh"), "echo one\n").unwrap();
        let load = || crate::workshop::load(d.path(), &Default::default()).unwrap();
        let (h1, items) = (content_hash(&load()), what_runs(&load()));
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].text, "echo one\n");
        // Exercises are the learner's: editing them changes nothing.
        std::fs::create_dir_all(d.path().join("exercises")).unwrap();
        std::fs::write(d.path().join("exercises/x.txt"), "mine").unwrap();
        assert_eq!(content_hash(&load()), h1);
        std::fs::write(d.path().join("workshop/setup.d/01.sh"), "echo two\n").unwrap();
        assert_ne!(content_hash(&load()), h1);
    }
}
