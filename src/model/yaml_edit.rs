//! YAML edits by path (`spec.template.spec.containers[name=nginx].image`,
//! `items[0]`, `data["index.html"]`). The document is rewritten through the
//! YAML library: key order is kept, comments and custom formatting are not.

use serde_json::{Map, Value};

use crate::action::YamlOp;
use crate::yaml;

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
    Match(String, String),
}

fn parse_path(path: &str) -> Result<Vec<Seg>, String> {
    let mut segs = Vec::new();
    let mut rest = path.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            rest = r;
            continue;
        }
        if let Some(r) = rest.strip_prefix('[') {
            let end = r
                .find(']')
                .ok_or_else(|| format!("`[` without `]` in `{path}`"))?;
            let inner = r[..end].trim();
            rest = &r[end + 1..];
            let unquote = |s: &str| s.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
            if inner.starts_with('"') || inner.starts_with('\'') {
                segs.push(Seg::Key(unquote(inner)));
            } else if let Some((k, v)) = inner.split_once('=') {
                segs.push(Seg::Match(unquote(k), unquote(v)));
            } else {
                segs.push(Seg::Index(inner.parse().map_err(|_| {
                    format!("`[{inner}]` is not an index in `{path}`")
                })?));
            }
            continue;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        segs.push(Seg::Key(rest[..end].to_string()));
        rest = &rest[end..];
    }
    if segs.is_empty() {
        return Err("the path is empty".into());
    }
    Ok(segs)
}

fn describe(segs: &[Seg]) -> String {
    segs.iter()
        .map(|s| match s {
            Seg::Key(k) => format!(".{k}"),
            Seg::Index(i) => format!("[{i}]"),
            Seg::Match(k, v) => format!("[{k}={v}]"),
        })
        .collect::<String>()
        .trim_start_matches('.')
        .to_string()
}

fn scalar_eq(v: &Value, want: &str) -> bool {
    match v {
        Value::String(s) => s == want,
        Value::Number(n) => want.parse::<f64>().ok() == n.as_f64(),
        Value::Bool(b) => want == if *b { "true" } else { "false" },
        _ => false,
    }
}

/// The node at `segs`, creating mappings on the way when `create`.
fn walk<'a>(mut node: &'a mut Value, segs: &[Seg], create: bool) -> Result<&'a mut Value, String> {
    for (i, seg) in segs.iter().enumerate() {
        let here = describe(&segs[..=i]);
        node = match seg {
            Seg::Key(k) => {
                if node.is_null() && create {
                    *node = Value::Object(Map::new());
                }
                let Value::Object(m) = node else {
                    return Err(format!("`{}` is not a mapping", describe(&segs[..i])));
                };
                if !m.contains_key(k) {
                    if !create {
                        return Err(format!("`{here}` does not exist"));
                    }
                    m.insert(k.clone(), Value::Null);
                }
                m.get_mut(k).expect("just checked")
            }
            Seg::Index(n) => {
                let Value::Array(a) = node else {
                    return Err(format!("`{}` is not a list", describe(&segs[..i])));
                };
                let len = a.len();
                a.get_mut(*n)
                    .ok_or_else(|| format!("`{here}`: the list has {len} items"))?
            }
            Seg::Match(k, v) => {
                let Value::Array(a) = node else {
                    return Err(format!("`{}` is not a list", describe(&segs[..i])));
                };
                a.iter_mut()
                    .find(|item| item.get(k).is_some_and(|x| scalar_eq(x, v)))
                    .ok_or_else(|| format!("no item with {k}={v} in `{}`", describe(&segs[..i])))?
            }
        };
    }
    Ok(node)
}

fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// Apply a YAML edit to the text of a YAML file (its first document).
pub fn apply(
    text: &str,
    op: YamlOp,
    path: &str,
    index: Option<i64>,
    value: Option<&Value>,
) -> Result<String, String> {
    let mut docs = yaml::parse_all(text).map_err(|e| match e.line {
        Some(l) => format!("the file is not valid YAML (line {l}): {}", e.message),
        None => format!("the file is not valid YAML: {}", e.message),
    })?;
    if docs.is_empty() {
        docs.push(Value::Null);
    }
    let segs = parse_path(path)?;
    let value = value.cloned().unwrap_or(Value::Null);
    let root = &mut docs[0];
    match op {
        YamlOp::Set => *walk(root, &segs, true)? = value,
        YamlOp::Merge => {
            if !value.is_object() {
                return Err("`value` must be a mapping to merge".into());
            }
            merge(walk(root, &segs, true)?, value);
        }
        YamlOp::Add | YamlOp::Insert => {
            let node = walk(root, &segs, true)?;
            if node.is_null() {
                *node = Value::Array(Vec::new());
            }
            let Value::Array(a) = node else {
                return Err(format!("`{path}` is not a list"));
            };
            let at = match (op, index) {
                (YamlOp::Insert, Some(i)) if i < 0 => {
                    a.len().saturating_sub(i.unsigned_abs() as usize)
                }
                (YamlOp::Insert, Some(i)) => (i as usize).min(a.len()),
                (YamlOp::Insert, None) => return Err("`insert-yaml-item` needs an `index`".into()),
                _ => a.len(),
            };
            a.insert(at, value);
        }
        YamlOp::Replace => match (segs.iter().any(|s| !matches!(s, Seg::Key(_))), index) {
            (true, _) => *walk(root, &segs, false)? = value,
            (_, Some(i)) => {
                let mut s = segs.clone();
                s.push(Seg::Index(i.max(0) as usize));
                *walk(root, &s, false)? = value;
            }
            _ => {
                return Err(
                    "give the item to replace: `path[0]`, `path[name=x]` or an `index`".into(),
                )
            }
        },
        YamlOp::Delete => {
            let (last, parent) = segs.split_last().expect("non-empty");
            let p = if parent.is_empty() {
                root
            } else {
                walk(root, parent, false)?
            };
            match (last, p) {
                (Seg::Key(k), Value::Object(m)) => {
                    m.shift_remove(k)
                        .ok_or_else(|| format!("`{path}` does not exist"))?;
                }
                (Seg::Index(i), Value::Array(a)) if *i < a.len() => {
                    a.remove(*i);
                }
                (Seg::Match(k, v), Value::Array(a)) => {
                    let pos = a
                        .iter()
                        .position(|item| item.get(k).is_some_and(|x| scalar_eq(x, v)))
                        .ok_or_else(|| format!("no item with {k}={v}"))?;
                    a.remove(pos);
                }
                _ => return Err(format!("`{path}` does not exist")),
            }
        }
        YamlOp::InsertValue => {
            let node = walk(root, &segs, true)?;
            match (node, value) {
                (Value::Array(a), v) => a.push(v),
                (n @ Value::Object(_), v @ Value::Object(_)) => merge(n, v),
                (n, v) => *n = v,
            }
        }
    }
    let mut out = String::new();
    for (i, d) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&yaml::to_string(d).map_err(|e| e.message)?);
    }
    Ok(out)
}

/// The lines of the node at `path`, found in the text itself (1-based key
/// line to the end of its block), for `select-yaml-path`.
pub fn locate(text: &str, path: Option<&str>) -> Result<(usize, usize), String> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(path) = path else {
        return Ok((0, lines.len().saturating_sub(1)));
    };
    let segs = parse_path(path)?;
    let indent = |l: &str| l.len() - l.trim_start().len();
    let (mut from, mut to) = (0usize, lines.len());
    let mut found = None;
    let mut min_indent = 0usize;
    for seg in &segs {
        // A block ends at the next line indented no deeper; for a key, list items
        // at the key's own indentation still belong to it.
        let block_end = |start: usize, ind: usize, key: bool| {
            (start + 1..to)
                .find(|&i| {
                    let l = lines[i];
                    !l.trim().is_empty()
                        && !l.trim_start().starts_with('#')
                        && (indent(l) < ind
                            || (indent(l) == ind && !(key && l.trim_start().starts_with("- "))))
                })
                .unwrap_or(to)
        };
        match seg {
            Seg::Key(k) => {
                let hit = (from..to).find(|&i| {
                    let l = lines[i].trim_start().trim_start_matches("- ");
                    indent(lines[i]) >= min_indent
                        && (l.starts_with(&format!("{k}:")) || l.starts_with(&format!("\"{k}\":")))
                });
                let i = hit.ok_or_else(|| format!("`{k}` not found on the path `{path}`"))?;
                let ind = indent(lines[i])
                    + if lines[i].trim_start().starts_with("- ") {
                        2
                    } else {
                        0
                    };
                let end = block_end(i, ind, true);
                found = Some((i, end - 1));
                from = i + 1;
                to = end;
                min_indent = ind + 1;
            }
            Seg::Index(_) | Seg::Match(..) => {
                let items: Vec<usize> = (from..to)
                    .filter(|&i| lines[i].trim_start().starts_with("- "))
                    .collect();
                let base = items.iter().map(|&i| indent(lines[i])).min().unwrap_or(0);
                let items: Vec<usize> = items
                    .into_iter()
                    .filter(|&i| indent(lines[i]) == base)
                    .collect();
                let pick = match seg {
                    Seg::Index(n) => items.get(*n).copied(),
                    Seg::Match(k, v) => items.iter().copied().find(|&i| {
                        let end = block_end(i, base, false);
                        (i..end).any(|j| {
                            let l = lines[j].trim_start().trim_start_matches("- ");
                            l.strip_prefix(&format!("{k}:")).is_some_and(|r| {
                                r.trim().trim_matches(|c| c == '"' || c == '\'') == v
                            })
                        })
                    }),
                    _ => None,
                };
                let i = pick.ok_or_else(|| {
                    format!("item `{}` not found", describe(std::slice::from_ref(seg)))
                })?;
                let end = block_end(i, base, false);
                found = Some((i, end - 1));
                from = i;
                to = end;
                min_indent = base;
            }
        }
    }
    let (s, e) = found.expect("non-empty path");
    // Trailing blank lines are not part of the node.
    let e = (s..=e)
        .rev()
        .find(|&i| !lines[i].trim().is_empty())
        .unwrap_or(s);
    Ok((s, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:1.19\n      - name: sidecar\n        image: busybox\n";

    #[test]
    fn set_add_insert_replace_delete_merge() {
        let v = |s: &str| yaml::parse(s).unwrap();
        let out = apply(DEPLOY, YamlOp::Set, "spec.replicas", None, Some(&v("3"))).unwrap();
        assert!(
            out.contains("replicas: 3") && out.starts_with("apiVersion"),
            "{out}"
        );
        let out = apply(
            DEPLOY,
            YamlOp::Set,
            "metadata.labels.app",
            None,
            Some(&v("web")),
        )
        .unwrap();
        assert!(out.contains("metadata:\n  labels:\n    app: web"), "{out}");
        let out = apply(
            DEPLOY,
            YamlOp::Replace,
            "spec.template.spec.containers[name=nginx].image",
            None,
            Some(&v("nginx:1.25")),
        )
        .unwrap();
        assert!(out.contains("image: nginx:1.25"), "{out}");
        let out = apply(
            DEPLOY,
            YamlOp::Add,
            "spec.template.spec.containers",
            None,
            Some(&v("{name: third}")),
        )
        .unwrap();
        assert!(out.contains("- name: third"), "{out}");
        let out = apply(
            DEPLOY,
            YamlOp::Insert,
            "spec.template.spec.containers",
            Some(0),
            Some(&v("{name: init}")),
        )
        .unwrap();
        assert!(
            out.find("name: init").unwrap() < out.find("name: nginx").unwrap(),
            "{out}"
        );
        let out = apply(
            DEPLOY,
            YamlOp::Delete,
            "spec.template.spec.containers[name=sidecar]",
            None,
            None,
        )
        .unwrap();
        assert!(!out.contains("sidecar"), "{out}");
        let out = apply(
            DEPLOY,
            YamlOp::Merge,
            "spec",
            None,
            Some(&v("{replicas: 2, paused: true}")),
        )
        .unwrap();
        assert!(
            out.contains("replicas: 2") && out.contains("paused: true"),
            "{out}"
        );
        assert!(apply(DEPLOY, YamlOp::Delete, "spec.nothing", None, None)
            .unwrap_err()
            .contains("does not exist"));
        assert!(apply("a: [1\n", YamlOp::Set, "a", None, Some(&v("1")))
            .unwrap_err()
            .contains("not valid YAML"));
        let out = apply(
            "data: {}\n",
            YamlOp::Set,
            "data[\"index.html\"]",
            None,
            Some(&v("hi")),
        )
        .unwrap();
        assert!(out.contains("index.html: hi"), "{out}");
        let out = apply(
            "ports:\n- port: 80\n  name: web\n",
            YamlOp::Replace,
            "ports[port=80].name",
            None,
            Some(&v("http")),
        )
        .unwrap();
        assert!(out.contains("name: http"), "{out}");
    }

    #[test]
    fn locate_finds_blocks() {
        assert_eq!(locate(DEPLOY, Some("spec.replicas")).unwrap(), (3, 3));
        assert_eq!(
            locate(DEPLOY, Some("spec.template.spec.containers")).unwrap(),
            (6, 10)
        );
        assert_eq!(
            locate(DEPLOY, Some("spec.template.spec.containers[1]")).unwrap(),
            (9, 10)
        );
        assert_eq!(
            locate(DEPLOY, Some("spec.template.spec.containers[name=nginx]")).unwrap(),
            (7, 8)
        );
        assert!(locate(DEPLOY, Some("spec.nope")).is_err());
    }
}
