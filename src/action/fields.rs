//! Typed reading of an action's YAML fields, with errors that point at the
//! line of the offending key inside the block. Fields nobody asked for are
//! kept (`rest`), not rejected: content in the wild carries extra keys.

use serde_json::{Map, Value};

/// An error about one action body, at a 0-based line within the body.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub body_line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
}

pub struct Fields<'a> {
    map: Map<String, Value>,
    body: &'a str,
    pub errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    pub fn new(map: Map<String, Value>, body: &'a str) -> Self {
        Fields {
            map,
            body,
            errors: Vec::new(),
        }
    }

    /// 0-based body line where `key:` is written at the top level.
    pub fn key_line(&self, key: &str) -> usize {
        key_line(self.body, key).unwrap_or(0)
    }

    fn error(&mut self, key: &str, message: String, help: Option<String>) {
        let line = self.key_line(key);
        let column = self
            .body
            .lines()
            .nth(line)
            .map_or(1, |l| l.len() - l.trim_start().len() + 1);
        self.errors.push(FieldError {
            body_line: line,
            column,
            message,
            help,
        });
    }

    fn type_error(&mut self, key: &str, want: &str, got: &Value) {
        self.error(
            key,
            format!("field `{key}` must be {want}, found {}", describe(got)),
            None,
        );
    }

    pub fn take(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key)
    }

    /// A text field; numbers and booleans are accepted as their text.
    pub fn string(&mut self, key: &str) -> Option<String> {
        match self.map.remove(key)? {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null => None,
            other => {
                self.type_error(key, "text", &other);
                None
            }
        }
    }

    pub fn required_string(&mut self, key: &str, action: &str) -> String {
        match self.string(key) {
            Some(s) => s,
            None => {
                if !self
                    .errors
                    .iter()
                    .any(|e| e.message.contains(&format!("`{key}`")))
                {
                    self.errors.push(FieldError {
                        body_line: 0,
                        column: 1,
                        message: format!("`{action}` needs a `{key}` field"),
                        help: Some(format!("add `{key}: ...` to the block")),
                    });
                }
                String::new()
            }
        }
    }

    /// First of several accepted spellings of a text field.
    pub fn string_any(&mut self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| self.string(k))
    }

    /// An integer; numeric text such as "2" is accepted.
    pub fn int(&mut self, key: &str) -> Option<i64> {
        match self.map.remove(key)? {
            Value::Number(n) if n.as_i64().is_some() => n.as_i64(),
            Value::Number(n) => n.as_f64().map(|f| f as i64),
            Value::String(s) => match s.trim().parse::<i64>() {
                Ok(i) => Some(i),
                Err(_) => {
                    self.type_error(key, "a whole number", &Value::String(s));
                    None
                }
            },
            Value::Null => None,
            other => {
                self.type_error(key, "a whole number", &other);
                None
            }
        }
    }

    pub fn float(&mut self, key: &str) -> Option<f64> {
        match self.map.remove(key)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                ".inf" | "inf" | "+.inf" => Some(f64::INFINITY),
                t => match t.parse::<f64>() {
                    Ok(f) => Some(f),
                    Err(_) => {
                        self.type_error(key, "a number", &Value::String(s));
                        None
                    }
                },
            },
            Value::Null => None,
            other => {
                self.type_error(key, "a number", &other);
                None
            }
        }
    }

    /// A number in `0..=max` (or `.inf` when `inf_ok`); anything else (NaN, a
    /// negative, too large) is an error at the key, and `None`.
    pub fn bounded(&mut self, key: &str, max: f64, inf_ok: bool, unit: &str) -> Option<f64> {
        let v = self.float(key)?;
        if v.is_infinite() && v > 0.0 && inf_ok {
            return Some(v);
        }
        if v.is_finite() && (0.0..=max).contains(&v) {
            return Some(v);
        }
        let inf = if inf_ok { " (or .INF)" } else { "" };
        self.error(
            key,
            format!("`{key}` must be a number of {unit} from 0 to {max}{inf}, found {v}"),
            None,
        );
        None
    }

    /// A boolean; YAML 1.1 spellings ("yes", "on", "true" as text) are accepted.
    pub fn bool(&mut self, key: &str) -> Option<bool> {
        match self.map.remove(key)? {
            Value::Bool(b) => Some(b),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" => Some(true),
                "false" | "no" | "off" => Some(false),
                _ => {
                    self.type_error(key, "true or false", &Value::String(s));
                    None
                }
            },
            Value::Null => None,
            other => {
                self.type_error(key, "true or false", &other);
                None
            }
        }
    }

    /// The fields nobody took, in body order.
    pub fn rest(self) -> (Map<String, Value>, Vec<FieldError>) {
        (self.map, self.errors)
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "nothing".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the text {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

/// 0-based line of a top-level `key:` in a YAML body.
pub fn key_line(body: &str, key: &str) -> Option<usize> {
    let min_indent = body
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    body.lines().position(|l| {
        let indent = l.len() - l.trim_start().len();
        let t = l.trim_start();
        indent == min_indent
            && (t
                .strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with(':'))
                || t.strip_prefix(&format!("\"{key}\""))
                    .is_some_and(|r| r.trim_start().starts_with(':')))
    })
}
