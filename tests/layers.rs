//! The crate's modules import downward only: no two top-level modules use each
//! other, directly or through others. Read from the source, so a new `use`
//! that makes a cycle fails here with the files that make it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file belongs to (`src/engine/mod.rs` -> `engine`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_string())
}

/// Every `crate::name` a file mentions outside comments, with its line number.
fn crate_refs(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push((name, i + 1));
            }
            rest = after;
        }
        // `use crate::{a, b::c}`
        if let Some(at) = code.find("crate::{") {
            let inner = &code[at + "crate::{".len()..];
            for part in inner.split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push((name, i + 1));
                }
            }
        }
    }
    out
}

#[test]
fn no_import_cycles_between_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(&src, f)).collect();
    // module -> module it uses -> where
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for f in &files {
        let Some(from) = module_of(&src, f) else {
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        for (to, line) in crate_refs(&text) {
            if to != from && modules.contains(&to) {
                edges
                    .entry(from.clone())
                    .or_default()
                    .entry(to)
                    .or_insert_with(|| {
                        format!("{}:{line}", f.strip_prefix(&src).unwrap().display())
                    });
            }
        }
    }
    if let Some(cycle) = find_cycle(&edges) {
        let steps: Vec<String> = cycle
            .windows(2)
            .map(|w| format!("{} -> {} ({})", w[0], w[1], edges[&w[0]][&w[1]]))
            .collect();
        panic!("import cycle:\n  {}", steps.join("\n  "));
    }
}

type Edges = BTreeMap<String, BTreeMap<String, String>>;

/// A cycle in the module graph, as the modules along it (first = last).
fn find_cycle(edges: &Edges) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        edges: &Edges,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(pos) = path.iter().position(|p| p == m) {
            let mut cycle = path[pos..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in edges.get(m).map(|e| e.keys()).into_iter().flatten() {
            if let Some(c) = visit(next, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|m| visit(m, edges, &mut Vec::new(), &mut done))
}

#[test]
fn pure_layers_stay_pure() {
    // What the pure layers may use: each other, and nothing that runs things.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let pure = ["workshop", "lesson", "action", "model"];
    let forbidden = ["runtime", "engine", "app", "ui", "headless"];
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    for f in &files {
        let Some(m) = module_of(&src, f) else {
            continue;
        };
        if !pure.contains(&m.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        for (to, line) in crate_refs(&text) {
            assert!(
                !forbidden.contains(&to.as_str()),
                "{}:{line}: the pure module `{m}` uses `{to}`",
                f.display()
            );
        }
    }
}

#[test]
fn the_cycle_finder_finds_cycles() {
    // The check above is only worth something if it can fail.
    let refs = crate_refs("use crate::{app, ui::x};\nlet a = crate::engine::run(); // crate::no\n");
    let names: Vec<&str> = refs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["app", "ui", "engine"]);
    let edge = |a: &str, b: &str, e: &mut Edges| {
        e.entry(a.into())
            .or_default()
            .insert(b.into(), String::new());
    };
    let mut e = Edges::new();
    edge("app", "ui", &mut e);
    edge("ui", "engine", &mut e);
    assert_eq!(find_cycle(&e), None);
    edge("engine", "app", &mut e);
    assert_eq!(
        find_cycle(&e),
        Some(vec![
            "app".into(),
            "ui".into(),
            "engine".into(),
            "app".into()
        ])
    );
}
