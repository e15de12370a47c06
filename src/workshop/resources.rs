//! `resources/workshop.yaml`: the Educates Workshop resource. lectern reads the
//! parts that mean something on one machine: title, description, terminal
//! layout, dashboards and ingresses.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerminalLayout {
    /// Educates `default`: one terminal.
    Single,
    /// `split`: two terminals.
    Split,
    /// `split/2`: three terminals.
    SplitThree,
    /// `lower`: one terminal below the lesson.
    Lower,
    /// `none`: no terminals.
    NoTerminals,
}

impl TerminalLayout {
    pub fn from_name(name: &str) -> Option<TerminalLayout> {
        Some(match name {
            "default" => TerminalLayout::Single,
            "split" => TerminalLayout::Split,
            "split/2" => TerminalLayout::SplitThree,
            "lower" => TerminalLayout::Lower,
            "none" => TerminalLayout::NoTerminals,
            _ => return None,
        })
    }

    pub fn terminal_count(self) -> usize {
        match self {
            TerminalLayout::Single | TerminalLayout::Lower => 1,
            TerminalLayout::Split => 2,
            TerminalLayout::SplitThree => 3,
            TerminalLayout::NoTerminals => 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DashboardSpec {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IngressSpec {
    pub name: String,
    pub port: Option<u16>,
    pub host: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resources {
    pub name: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub layout: Option<TerminalLayout>,
    pub dashboards: Vec<DashboardSpec>,
    pub ingresses: Vec<IngressSpec>,
}

/// Read the Workshop resource out of the (possibly multi-document) file.
/// Returns the resource and messages about parts that were not understood.
pub fn from_documents(docs: &[Value]) -> (Resources, Vec<String>) {
    let mut notes = Vec::new();
    let Some(doc) = docs
        .iter()
        .find(|d| d["kind"] == "Workshop")
        .or_else(|| docs.first())
    else {
        return (Resources::default(), notes);
    };
    let spec = &doc["spec"];
    let text = |v: &Value| v.as_str().map(str::to_string);
    let mut res = Resources {
        name: text(&doc["metadata"]["name"]),
        title: text(&spec["title"]),
        description: text(&spec["description"]),
        ..Resources::default()
    };
    let session = &spec["session"];
    let terminal = &session["applications"]["terminal"];
    if let Some(layout) = terminal["layout"].as_str() {
        match TerminalLayout::from_name(layout) {
            Some(l) => res.layout = Some(l),
            None => notes.push(format!(
                "unknown terminal layout `{layout}`; expected default, split, split/2, lower or none"
            )),
        }
    }
    if terminal["enabled"] == Value::Bool(false) {
        res.layout = Some(TerminalLayout::NoTerminals);
    }
    for d in session["dashboards"].as_array().into_iter().flatten() {
        match (d["name"].as_str(), d["url"].as_str()) {
            (Some(name), Some(url)) => res.dashboards.push(DashboardSpec {
                name: name.to_string(),
                url: url.to_string(),
            }),
            _ => notes.push("a dashboard needs both `name` and `url`".into()),
        }
    }
    for i in session["ingresses"].as_array().into_iter().flatten() {
        if let Some(name) = i["name"].as_str() {
            res.ingresses.push(IngressSpec {
                name: name.to_string(),
                port: i["port"].as_u64().and_then(|p| u16::try_from(p).ok()),
                host: text(&i["host"]),
            });
        }
    }
    (res, notes)
}

/// Educates resources write variables as `$(name)`; fill in the ones we know.
pub fn expand_vars(text: &str, vars: &super::Vars) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("$(") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find(')') {
            Some(j) if vars.get(&after[..j]).is_some() => {
                out.push_str(vars.get(&after[..j]).unwrap_or_default());
                rest = &after[j + 1..];
            }
            _ => {
                out.push_str("$(");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}
