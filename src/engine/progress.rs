//! Where the learner is: current page, settled action outcomes, whether the
//! workshop is trusted. Saved through `runtime::store`; read leniently, so an
//! entry lectern no longer understands is dropped, not the whole file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::outcome::Saved;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Name of the current page.
    pub page: Option<String>,
    /// The content hash of the workshop as the learner trusted it (never a "no").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted: Option<String>,
    /// Settled action outcomes by page name, then action id.
    #[serde(default)]
    pub actions: BTreeMap<String, BTreeMap<usize, Saved>>,
    /// The file the editor showed and how far it was scrolled, to reopen on resume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub editor: Option<EditorPlace>,
    /// Names of the pages the learner has been on.
    #[serde(default, skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    pub visited: std::collections::BTreeSet<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EditorPlace {
    pub path: String,
    #[serde(default)]
    pub scroll: usize,
}

impl Progress {
    /// Read what can be read of a saved file's JSON.
    pub fn from_json(v: &serde_json::Value) -> Progress {
        let mut p = Progress {
            page: v["page"].as_str().map(String::from),
            trusted: v["trusted"].as_str().map(String::from),
            actions: BTreeMap::new(),
            editor: serde_json::from_value(v["editor"].clone()).ok(),
            visited: v["visited"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|n| n.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
        };
        if let Some(pages) = v["actions"].as_object() {
            for (page, acts) in pages {
                let Some(acts) = acts.as_object() else {
                    continue;
                };
                let kept: BTreeMap<usize, Saved> = acts
                    .iter()
                    .filter_map(|(id, s)| {
                        Some((id.parse().ok()?, serde_json::from_value(s.clone()).ok()?))
                    })
                    .collect();
                if !kept.is_empty() {
                    p.actions.insert(page.clone(), kept);
                }
            }
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::outcome::{Detail, Outcome};

    #[test]
    fn round_trip_and_unknown_entries_are_dropped() {
        let mut p = Progress {
            page: Some("intro".into()),
            trusted: Some("abc".into()),
            visited: ["intro".to_string(), "setup".to_string()].into(),
            ..Default::default()
        };
        let saved = Saved::from_outcome(&Outcome::Passed(Detail::exit(
            0,
            std::time::Duration::from_millis(5),
        )))
        .unwrap();
        p.actions
            .entry("intro".into())
            .or_default()
            .insert(2, saved);
        p.editor = Some(EditorPlace {
            path: "/home/eduk8s/exercises/app.py".into(),
            scroll: 12,
        });
        let mut v = serde_json::to_value(&p).unwrap();
        assert_eq!(Progress::from_json(&v), p);
        v["actions"]["intro"]["3"] = serde_json::json!({"outcome": "exited", "code": 0});
        assert_eq!(Progress::from_json(&v), p);
    }
}
