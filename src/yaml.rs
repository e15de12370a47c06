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

    #[test]
    fn infinity_and_odd_keys_survive() {
        let v = parse("cooldown: .INF\n1: one\n").unwrap();
        assert_eq!(v["cooldown"], ".inf");
        assert_eq!(v["1"], "one");
        assert_eq!(parse("").unwrap(), Value::Null);
    }
}
