//! The one module that knows which YAML library lectern uses.
//!
//! serde_yaml is deprecated upstream; everything else in lectern sees YAML
//! documents as `serde_json::Value` trees and `YamlError`s, so replacing the
//! library touches this file only.

use serde_json::{Map, Number, Value};

/// A YAML syntax or shape error, with a 1-based position when the parser knows it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

/// Parse one YAML document. An empty document is `Value::Null`.
pub fn parse(text: &str) -> Result<Value, YamlError> {
    let doc: serde_yaml::Value = serde_yaml::from_str(text).map_err(convert_error)?;
    Ok(to_json(doc))
}

/// Parse every document of a multi-document YAML stream (`---` separated).
pub fn parse_all(text: &str) -> Result<Vec<Value>, YamlError> {
    use serde::Deserialize;
    let mut docs = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let value = serde_yaml::Value::deserialize(doc).map_err(convert_error)?;
        docs.push(to_json(value));
    }
    Ok(docs)
}

/// Serialize a value as a YAML document (used when lectern writes YAML files).
pub fn to_string(value: &Value) -> Result<String, YamlError> {
    serde_yaml::to_string(value).map_err(convert_error)
}

fn convert_error(err: serde_yaml::Error) -> YamlError {
    let location = err.location();
    let mut message = err.to_string();
    // serde_yaml appends " at line X column Y"; we report the position ourselves.
    if let Some(cut) = message.find(" at line ") {
        message.truncate(cut);
    }
    YamlError {
        message,
        line: location.as_ref().map(|l| l.line()),
        column: location.as_ref().map(|l| l.column()),
    }
}

fn to_json(value: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                match Number::from_f64(f) {
                    Some(num) => Value::Number(num),
                    // JSON has no infinity; keep YAML's spelling so callers can read it.
                    None if f.is_nan() => Value::String(".nan".into()),
                    None if f > 0.0 => Value::String(".inf".into()),
                    None => Value::String("-.inf".into()),
                }
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Y::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(key_string(k), to_json(v));
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => to_json(tagged.value),
    }
}

/// YAML allows any scalar as a key; lectern's model uses strings.
fn key_string(key: serde_yaml::Value) -> String {
    match key {
        serde_yaml::Value::String(s) => s,
        serde_yaml::Value::Null => "null".into(),
        other => match to_json(other) {
            Value::String(s) => s,
            v => v.to_string(),
        },
    }
}

/// One step of a path into a YAML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// `spec.session.env[1].name`.
pub fn path_text(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// A content line of block-style YAML: where its text starts and the text.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    line: usize,
    col: usize,
    text: &'a str,
}

/// The 1-based line and column of the deepest part of `path` found in
/// document `doc` of `text`. Reads block style (what resource files use) by
/// indentation; where flow style (`{…}`, `[…]`) hides the rest, the position
/// is that of the part that holds it. The parser itself keeps no positions.
pub fn position(text: &str, doc: usize, path: &[Seg]) -> Option<(usize, usize)> {
    let lines = document_lines(text, doc)?;
    let mut block: Vec<Line> = lines;
    let mut found: Option<Line> = None;
    for seg in path {
        let (at, inner) = match seg {
            Seg::Key(k) => {
                let Some(i) = find_key(&block, k) else { break };
                (block[i], after_key(&block, i))
            }
            Seg::Index(n) => {
                let Some((at, inner)) = find_item(&block, *n) else {
                    break;
                };
                (at, inner)
            }
        };
        found = Some(at);
        block = inner;
    }
    found.map(|l| (l.line, l.col))
}

/// The content lines of document `doc` (0-based, as `parse_all` counts them).
fn document_lines(text: &str, doc: usize) -> Option<Vec<Line<'_>>> {
    let mut docs: Vec<Vec<Line>> = vec![Vec::new()];
    let mut started = false;
    for (i, raw) in text.lines().enumerate() {
        let marker = raw == "---" || raw.starts_with("--- ") || raw.starts_with("---\t");
        if marker || raw == "..." {
            if started || !docs[docs.len() - 1].is_empty() {
                docs.push(Vec::new());
            }
            started = true;
            continue;
        }
        let body = raw.trim_start_matches(' ');
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let col = raw.len() - body.len();
        if let Some(d) = docs.last_mut() {
            d.push(Line {
                line: i + 1,
                col: raw[..col].chars().count() + 1,
                text: body,
            });
        }
    }
    docs.retain(|d| !d.is_empty());
    docs.into_iter().nth(doc)
}

/// The key a mapping line starts with (`name:`, `"name":`, `'name':`).
fn key_of(text: &str) -> Option<String> {
    let quoted = |q: char| {
        let rest = text.strip_prefix(q)?;
        let end = rest.find(q)?;
        let after = rest[end + 1..].trim_start();
        after.starts_with(':').then(|| rest[..end].to_string())
    };
    if text.starts_with('"') {
        return quoted('"');
    }
    if text.starts_with('\'') {
        return quoted('\'');
    }
    let bytes = text.as_bytes();
    let at = (0..bytes.len()).find(|&i| {
        bytes[i] == b':' && (i + 1 == bytes.len() || bytes[i + 1] == b' ' || bytes[i + 1] == b'\t')
    })?;
    let key = text[..at].trim_end();
    (!key.is_empty() && !key.starts_with("- ") && key != "-").then(|| key.to_string())
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

fn find_key(block: &[Line], key: &str) -> Option<usize> {
    let indent = block.first()?.col;
    block
        .iter()
        .position(|l| l.col == indent && !is_item(l.text) && key_of(l.text).as_deref() == Some(key))
}

/// The lines that belong to the value of the key on line `i`: deeper ones,
/// and a list written at the key's own indentation.
fn after_key<'a>(block: &[Line<'a>], i: usize) -> Vec<Line<'a>> {
    let key = block[i];
    let mut out = Vec::new();
    // A value on the key's own line (`key: - x` is not YAML) stays put.
    for l in &block[i + 1..] {
        if l.col > key.col || (l.col == key.col && is_item(l.text)) {
            out.push(*l);
        } else {
            break;
        }
    }
    out
}

/// Item `n` of the list that `block` is: where it is and its content, the
/// text after `- ` starting a block of its own.
fn find_item<'a>(block: &[Line<'a>], n: usize) -> Option<(Line<'a>, Vec<Line<'a>>)> {
    let indent = block.first()?.col;
    let starts: Vec<usize> = (0..block.len())
        .filter(|&i| block[i].col == indent && is_item(block[i].text))
        .collect();
    let i = *starts.get(n)?;
    let dash = block[i];
    let mut inner = Vec::new();
    let rest = dash.text[1..].trim_start_matches(' ');
    if !rest.is_empty() && !rest.starts_with('#') {
        inner.push(Line {
            line: dash.line,
            col: dash.col + dash.text[..dash.text.len() - rest.len()].chars().count(),
            text: rest,
        });
    }
    for l in &block[i + 1..] {
        if l.col > dash.col {
            inner.push(*l);
        } else {
            break;
        }
    }
    Some((dash, inner))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mappings_and_keeps_position_of_errors() {
        let v = parse("a: 1\nb: [x, y]\n").unwrap();
        assert_eq!(v["a"], 1);
        assert_eq!(v["b"][1], "y");
        let err = parse("a: 1\nb: [x\n").unwrap_err();
        assert!(err.line.is_some());
        assert!(!err.message.contains(" at line "));
    }

    fn key(k: &str) -> Seg {
        Seg::Key(k.into())
    }

    #[test]
    fn positions_of_paths() {
        let text = "# a comment\napiVersion: v1\n---\nkind: Workshop\nspec:\n  title: T\n  session:\n    env:\n    - name: A\n      value: x\n    -   name: B\n        value: \"y\"\n    ingresses:\n      - {name: app, port: 80}\n    dashboards: [{name: x}]\n    \"quoted key\": 1\n    lit: |\n      name: not a key\n    after: 2\n";
        assert_eq!(parse_all(text).unwrap().len(), 2);
        let at = |doc, path: &[Seg]| position(text, doc, path);
        assert_eq!(at(0, &[key("apiVersion")]), Some((2, 1)));
        assert_eq!(at(1, &[key("spec"), key("title")]), Some((6, 3)));
        let env = [key("spec"), key("session"), key("env")];
        assert_eq!(
            at(1, &[&env[..], &[Seg::Index(0), key("value")]].concat()),
            Some((10, 7))
        );
        assert_eq!(at(1, &[&env[..], &[Seg::Index(1)]].concat()), Some((11, 5)));
        assert_eq!(
            at(1, &[&env[..], &[Seg::Index(1), key("name")]].concat()),
            Some((11, 9))
        );
        assert_eq!(
            at(1, &[&env[..], &[Seg::Index(1), key("value")]].concat()),
            Some((12, 9))
        );
        // Flow style: the part that holds it.
        let ing = [
            key("spec"),
            key("session"),
            key("ingresses"),
            Seg::Index(0),
            key("port"),
        ];
        assert_eq!(at(1, &ing), Some((14, 7)));
        let dash = [
            key("spec"),
            key("session"),
            key("dashboards"),
            Seg::Index(0),
        ];
        assert_eq!(at(1, &dash), Some((15, 5)));
        assert_eq!(
            at(1, &[key("spec"), key("session"), key("quoted key")]),
            Some((16, 5))
        );
        assert_eq!(
            at(1, &[key("spec"), key("session"), key("after")]),
            Some((19, 5))
        );
        assert_eq!(
            at(1, &[key("spec"), key("session"), key("name")]),
            Some((7, 3))
        );
        assert_eq!(at(2, &[key("spec")]), None);
        assert_eq!(path_text(&env), "spec.session.env");
        assert_eq!(path_text(&ing), "spec.session.ingresses[0].port");
    }

    #[test]
    fn infinity_and_odd_keys_survive() {
        let v = parse("cooldown: .INF\n1: one\n").unwrap();
        assert_eq!(v["cooldown"], ".inf");
        assert_eq!(v["1"], "one");
        assert_eq!(parse("").unwrap(), Value::Null);
    }
}
