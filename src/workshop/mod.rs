//! Find and load a workshop: layout (classic or Hugo), page order, titles,
//! variables and the Workshop resource. Pure: reads files, returns values and
//! diagnostics.

pub mod classic;
pub mod compose;
pub mod lectern_config;
pub mod resources;
pub mod schema;
pub mod template;
pub mod vars;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::diag::Diagnostic;
use crate::yaml;
pub use resources::{DashboardSpec, Resources, TerminalLayout};
pub use template::Dialect;
pub use vars::Vars;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no workshop in {0}: expected a `workshop/` folder (with `content/`, `workshop.yaml` or `config.yaml`)\n  = help: pass the folder that holds `workshop/`, or `workshop/` itself")]
    NotAWorkshop(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Hugo pathway to follow instead of the default one.
    pub pathway: Option<String>,
    /// `--var name=value` overrides, applied last.
    pub vars: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PageFormat {
    Markdown,
    /// AsciiDoc pages exist in old content; lectern does not render them.
    AsciiDoc,
}

#[derive(Debug, Clone)]
pub struct Page {
    /// Path under `content/` without extension (`index` of a bundle dropped).
    pub name: String,
    pub path: PathBuf,
    pub title: String,
    pub exit_sign: Option<String>,
    pub format: PageFormat,
    /// The file as written, front matter blanked out so offsets stay true.
    pub source: String,
    weight: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Workshop {
    /// The folder that holds `workshop/` (and `exercises/`, `resources/`).
    pub root: PathBuf,
    pub workshop_dir: PathBuf,
    pub dialect: Dialect,
    pub name: String,
    pub title: String,
    pub description: String,
    pub pages: Vec<Page>,
    pub vars: Vars,
    pub resources: Resources,
    /// `session.env` of the Workshop resource, variables filled in: what the
    /// workshop's terminals get in their environment on Educates.
    pub session_env: Vec<(String, String)>,
    /// `workshop/lectern.yaml`: services and datasources.
    pub config: lectern_config::LecternConfig,
    pub pathway: Option<String>,
    /// Problems found while loading (not page content; see `lesson_for`).
    pub diagnostics: Vec<Diagnostic>,
}

impl Workshop {
    /// Where the learner's files live: `exercises/` when present, else the root.
    pub fn exercises_dir(&self) -> PathBuf {
        let ex = self.root.join("exercises");
        if ex.is_dir() {
            ex
        } else {
            self.root.clone()
        }
    }

    /// The learner's home: `~/` in lesson paths (where `exercises/` lives).
    pub fn home_dir(&self) -> &Path {
        &self.root
    }

    pub fn terminal_count(&self) -> usize {
        self.resources
            .layout
            .map_or(2, TerminalLayout::terminal_count)
    }

    /// Find a page by 1-based number or by name (exact, then unique suffix).
    pub fn find_page(&self, key: &str) -> Option<usize> {
        if let Ok(n) = key.parse::<usize>() {
            return (n >= 1 && n <= self.pages.len()).then(|| n - 1);
        }
        let key = key.trim_end_matches(".md");
        if let Some(i) = self.pages.iter().position(|p| p.name == key) {
            return Some(i);
        }
        let matches: Vec<usize> = (0..self.pages.len())
            .filter(|&i| {
                let n = &self.pages[i].name;
                n.ends_with(key) || n.rsplit('/').next() == Some(key)
            })
            .collect();
        (matches.len() == 1).then(|| matches[0])
    }
}

/// Resolve the directory the user named to the workshop root.
pub fn find_root(dir: &Path) -> Result<PathBuf, LoadError> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let abs = std::fs::canonicalize(dir).map_err(|source| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    if abs.join("workshop").is_dir() {
        return Ok(abs);
    }
    let looks_like_workshop_dir = ["content", "workshop.yaml", "modules.yaml", "config.yaml"]
        .iter()
        .any(|f| abs.join(f).exists());
    if looks_like_workshop_dir && abs.file_name().is_some_and(|n| n == "workshop") {
        if let Some(parent) = abs.parent() {
            return Ok(parent.to_path_buf());
        }
    }
    Err(LoadError::NotAWorkshop(abs))
}

/// Load the workshop at `dir` (its root, or its `workshop/` folder).
pub fn load(dir: &Path, opts: &LoadOptions) -> Result<Workshop, LoadError> {
    let root = find_root(dir)?;
    let workshop_dir = root.join("workshop");
    let mut diags = Vec::new();

    let resources_path = root.join("resources").join("workshop.yaml");
    let mut resources = match read_yaml_docs(&resources_path, &mut diags) {
        Some(docs) => {
            let text = std::fs::read_to_string(&resources_path).unwrap_or_default();
            let (res, notes) = resources::from_documents(&docs);
            for n in notes {
                diags.push(resource_diagnostic(&resources_path, &text, n));
            }
            res
        }
        None => Resources::default(),
    };

    let classic =
        workshop_dir.join("workshop.yaml").exists() || workshop_dir.join("modules.yaml").exists();
    let dialect = if classic {
        Dialect::Classic
    } else {
        Dialect::Hugo
    };

    let workshop_yaml = if classic {
        read_yaml_docs(&workshop_dir.join("workshop.yaml"), &mut diags)
            .and_then(|d| d.into_iter().next())
            .unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    let config_yaml = if classic {
        Value::Null
    } else {
        read_yaml_docs(&workshop_dir.join("config.yaml"), &mut diags)
            .and_then(|d| d.into_iter().next())
            .unwrap_or(Value::Null)
    };

    let dir_name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "workshop".into());
    let name = resources
        .name
        .clone()
        .or_else(|| workshop_yaml["name"].as_str().map(str::to_string))
        .unwrap_or(dir_name);
    let title = resources
        .title
        .clone()
        .or_else(|| workshop_yaml["title"].as_str().map(str::to_string))
        .unwrap_or_else(|| titleize(&name));
    let description = resources.description.clone().unwrap_or_default();

    let mut vars = Vars::builtin(&name, &title, &description);
    if let Some(v) = &resources.version {
        vars.set("workshop_version", v.clone());
    }
    if let Some(image) = &resources.workshop_image {
        let image = resources::expand_vars(image, &vars, resources::Place::Session);
        vars.set("workshop_image", image);
    }
    vars.set("workshop_dir", root.to_string_lossy());
    let ex = root.join("exercises");
    vars.set(
        "exercises_dir",
        if ex.is_dir() { ex } else { root.clone() }.to_string_lossy(),
    );
    let own_vars = if classic {
        &workshop_yaml["vars"]
    } else {
        &config_yaml["params"]
    };
    for v in own_vars.as_array().into_iter().flatten() {
        if let Some(n) = v["name"].as_str() {
            vars.set(n, scalar_text(&v["value"]));
        }
    }
    if classic {
        // modules.yaml `config.vars`: defaults that an environment variable of
        // the same name (or one of its aliases, checked first) overrides.
        let modules = read_yaml_docs(&workshop_dir.join("modules.yaml"), &mut Vec::new())
            .and_then(|d| d.into_iter().next())
            .unwrap_or(Value::Null);
        for v in modules["config"]["vars"].as_array().into_iter().flatten() {
            let Some(n) = v["name"].as_str() else {
                continue;
            };
            let from_env = v["aliases"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a.as_str())
                .chain(std::iter::once(n))
                .find_map(|e| std::env::var(e).ok());
            vars.set(n, from_env.unwrap_or_else(|| scalar_text(&v["value"])));
        }
    }

    let (pages, pathway) = if classic {
        (
            classic_pages(&workshop_dir, &workshop_yaml, &mut diags),
            None,
        )
    } else {
        hugo_pages(
            &workshop_dir,
            &config_yaml,
            opts.pathway.as_deref(),
            &mut diags,
        )
    };
    vars.set("pathway_name", pathway.clone().unwrap_or_default());
    for (k, v) in &opts.vars {
        vars.set(k, v.clone());
    }
    resources.expand(&vars);
    vars.set_session_env(resources.session_env.clone());
    let session_env = resources.session_env.clone();
    if pages.is_empty() {
        diags.push(
            Diagnostic::error(workshop_dir.join("content"), "the workshop has no pages")
                .with_help("add Markdown pages under workshop/content/"),
        );
    }

    let config_path = workshop_dir.join("lectern.yaml");
    let mut config =
        match read_yaml_docs(&config_path, &mut diags).and_then(|d| d.into_iter().next()) {
            Some(v) => {
                let text = std::fs::read_to_string(&config_path).unwrap_or_default();
                let (cfg, problems) = lectern_config::from_value(&v);
                for (key, msg) in problems {
                    let d = Diagnostic::error(&config_path, msg);
                    diags.push(match find_line(&text, &key) {
                        Some((line, col)) => d.at(&text, line, col),
                        None => d,
                    });
                }
                cfg
            }
            None => Default::default(),
        };

    compose_services(&resources, &root, &resources_path, &mut config, &mut diags);

    Ok(Workshop {
        root,
        config,
        workshop_dir,
        dialect,
        name,
        title,
        description,
        pages,
        vars,
        resources,
        session_env,
        pathway,
        diagnostics: diags,
    })
}

/// Compose services become local programs (see [`compose`]), added to what
/// lectern.yaml says; a service of lectern.yaml with the same name, or its
/// own `grafana:`, wins.
fn compose_services(
    resources: &Resources,
    root: &Path,
    resources_path: &Path,
    config: &mut lectern_config::LecternConfig,
    diags: &mut Vec<Diagnostic>,
) {
    if resources.compose.is_empty() {
        return;
    }
    let local = compose::local(&resources.compose, root);
    let text = std::fs::read_to_string(resources_path).unwrap_or_default();
    for p in local.problems {
        let mut d = Diagnostic::error(resources_path, p.message).with_help(p.help);
        if p.needs_engine {
            d = d.with_code(crate::diag::Code::NeedsContainerEngine);
        }
        diags.push(match yaml::position(&text, resources.doc, &p.path) {
            Some((line, col)) => d.at(&text, line, col),
            None => d,
        });
    }
    for s in local.services {
        if !config.services.iter().any(|c| c.name == s.name) {
            config.services.push(s);
        }
    }
    if config.grafana.is_none() {
        config.grafana = local.grafana;
    }
}

/// A note about the Workshop resource, at its line when the file shows it.
fn resource_diagnostic(path: &Path, text: &str, n: resources::Note) -> Diagnostic {
    let mut d = if n.error {
        Diagnostic::error(path, n.message)
    } else {
        Diagnostic::warning(path, n.message)
    };
    if n.unknown_field {
        d = d.with_code(crate::diag::Code::UnknownField);
    }
    if let Some(h) = n.help {
        d = d.with_help(h);
    }
    match yaml::position(text, n.doc, &n.path) {
        Some((line, col)) => d.at(text, line, col),
        None => d,
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Read a YAML file if it exists; report syntax errors with their position.
/// A content file as text. Binary content (NUL bytes, invalid UTF-8) is an
/// error that says so, kept readable (lossy) so that what can be shown still is.
pub fn read_text(path: &Path, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let raw = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            diags.push(Diagnostic::error(path, format!("cannot read it: {e}")));
            return None;
        }
    };
    let problem = match std::str::from_utf8(&raw) {
        Err(e) => Some(format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        )),
        Ok(t) if t.contains('\0') => Some("not text: it holds NUL bytes".to_string()),
        Ok(_) => None,
    };
    if let Some(p) = problem {
        diags.push(Diagnostic::error(path, p).with_help(
            "save the file as UTF-8 text; lectern shows it with the bad bytes replaced",
        ));
    }
    Some(String::from_utf8_lossy(&raw).replace('\0', "\u{fffd}"))
}

fn read_yaml_docs(path: &Path, diags: &mut Vec<Diagnostic>) -> Option<Vec<Value>> {
    let mut problems = Vec::new();
    let text = read_text(path, &mut problems)?;
    if !problems.is_empty() {
        diags.extend(problems);
        return None;
    }
    match yaml::parse_all(&text) {
        Ok(docs) => Some(docs),
        Err(e) => {
            let d = Diagnostic::error(path, format!("invalid YAML: {}", e.message));
            diags.push(match e.line {
                Some(line) => d.at(&text, line, e.column.unwrap_or(1)),
                None => d,
            });
            None
        }
    }
}

/// "01-workshop-overview" -> "Workshop Overview".
pub fn titleize(name: &str) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    let base = base.trim_start_matches(|c: char| c.is_ascii_digit());
    let base = base.trim_start_matches(['-', '_', '.', ' ']);
    let base = if base.is_empty() { name } else { base };
    base.split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Line and column (1-based) of `needle` as a YAML list item or key in `text`.
fn find_line(text: &str, needle: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(i, l)| {
        let t = l.trim_start().trim_start_matches("- ").trim();
        let hit = t == needle || t.trim_end_matches(':') == needle || t == format!("\"{needle}\"");
        hit.then(|| {
            (
                i + 1,
                l.find(needle).map_or(1, |c| l[..c].chars().count() + 1),
            )
        })
    })
}

fn read_page(name: &str, path: PathBuf, diags: &mut Vec<Diagnostic>) -> Option<Page> {
    let format = if path.extension().is_some_and(|e| e == "adoc") {
        PageFormat::AsciiDoc
    } else {
        PageFormat::Markdown
    };
    let source = read_text(&path, diags)?;
    Some(Page {
        name: name.to_string(),
        title: titleize(name),
        exit_sign: None,
        format,
        source,
        path,
        weight: None,
    })
}

/// The file of page `name` under `content/`; none that leads out of it.
fn page_file(content: &Path, name: &str) -> Option<PathBuf> {
    let name = name.trim_matches('/');
    let candidates = [
        format!("{name}.md"),
        format!("{name}/index.md"),
        format!("{name}.adoc"),
        name.to_string(),
    ];
    candidates
        .iter()
        .filter_map(|c| crate::paths::within(content, c).ok())
        .find(|p| p.is_file())
}

fn classic_pages(
    workshop_dir: &Path,
    workshop_yaml: &Value,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Page> {
    let content = workshop_dir.join("content");
    let modules_path = workshop_dir.join("modules.yaml");
    let modules = read_yaml_docs(&modules_path, diags)
        .and_then(|d| d.into_iter().next())
        .unwrap_or(Value::Null);
    let modules = &modules["modules"];
    let ws_path = workshop_dir.join("workshop.yaml");
    let ws_text = std::fs::read_to_string(&ws_path).unwrap_or_default();

    let activate: Vec<String> = match workshop_yaml["modules"]["activate"].as_array() {
        Some(list) => list
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        None => match modules.as_object() {
            // Without an activate list, eduk8s used every module in order.
            Some(map) => map.keys().cloned().collect(),
            None => list_content(&content),
        },
    };

    let mut pages = Vec::new();
    for name in activate {
        if let Err(e) = crate::paths::within(&content, name.trim_matches('/')) {
            let d = Diagnostic::error(
                &ws_path,
                format!("page `{name}` is not a page of workshop/content/: {e}"),
            )
            .with_help("list pages by their names under workshop/content/");
            diags.push(match find_line(&ws_text, &name) {
                Some((line, col)) => d.at(&ws_text, line, col),
                None => d,
            });
            continue;
        }
        let module = modules.get(&name);
        let Some(path) = page_file(&content, &name) else {
            let d = Diagnostic::warning(
                &ws_path,
                format!("page `{name}` is listed but there is no workshop/content/{name}.md"),
            )
            .with_help("create the page or remove it from `modules.activate`");
            diags.push(match find_line(&ws_text, &name) {
                Some((line, col)) => d.at(&ws_text, line, col),
                None => d,
            });
            continue;
        };
        if !modules.is_null() && module.is_none() {
            let d = Diagnostic::warning(
                &ws_path,
                format!("page `{name}` is not in modules.yaml; Educates leaves such pages out, and so does lectern"),
            )
            .with_help(format!("add `{name}:` with a `name:` under `modules:` in modules.yaml"));
            diags.push(match find_line(&ws_text, &name) {
                Some((line, col)) => d.at(&ws_text, line, col),
                None => d,
            });
            continue;
        }
        let Some(mut page) = read_page(&name, path, diags) else {
            continue;
        };
        if let Some(m) = module {
            if let Some(t) = m["name"].as_str() {
                page.title = t.to_string();
            }
            page.exit_sign = m["exit_sign"].as_str().map(str::to_string);
        }
        pages.push(page);
    }
    pages
}

/// Every page under `content/`, as names, sorted by path.
fn list_content(content: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    walk(content, content, &mut out, &mut seen, 0);
    out.sort();
    out
}

/// How deep folders of pages may go.
const MAX_CONTENT_DEPTH: usize = 16;

/// Pages below `dir`. A symlinked folder is followed only when it stays inside
/// `base` and was not seen yet, so a link loop ends.
fn walk(
    base: &Path,
    dir: &Path,
    out: &mut Vec<String>,
    seen: &mut std::collections::HashSet<PathBuf>,
    depth: usize,
) {
    if depth > MAX_CONTENT_DEPTH {
        return;
    }
    let Ok(real) = dir.canonicalize() else {
        return;
    };
    let base_real = base.canonicalize().unwrap_or_else(|_| base.to_path_buf());
    if !real.starts_with(&base_real) || !seen.insert(real) {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(base, &p, out, seen, depth + 1);
        } else if let Some(ext) = p.extension().and_then(|e| e.to_str()) {
            if ext != "md" && ext != "adoc" {
                continue;
            }
            let rel = p.strip_prefix(base).unwrap_or(&p).with_extension("");
            let mut name = rel.to_string_lossy().replace('\\', "/");
            if let Some(stripped) = name.strip_suffix("/index") {
                name = stripped.to_string();
            }
            out.push(name);
        }
    }
}

fn hugo_pages(
    workshop_dir: &Path,
    config: &Value,
    pathway: Option<&str>,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Page>, Option<String>) {
    let content = workshop_dir.join("content");
    let config_path = workshop_dir.join("config.yaml");
    let config_text = std::fs::read_to_string(&config_path).unwrap_or_default();
    let mut all: Vec<Page> = Vec::new();
    for name in list_content(&content) {
        if let Some(path) = page_file(&content, &name) {
            if let Some(mut page) = read_page(&name, path, diags) {
                apply_front_matter(&mut page, diags);
                all.push(page);
            }
        }
    }

    let paths = &config["pathways"]["paths"];
    let chosen = pathway
        .map(str::to_string)
        .or_else(|| config["pathways"]["default"].as_str().map(str::to_string));
    if let Some(name) = &chosen {
        match paths.get(name) {
            Some(path) => {
                let mut pages = Vec::new();
                for step in path["steps"].as_array().into_iter().flatten() {
                    let Some(step) = step.as_str() else { continue };
                    let key = step.trim_matches('/').trim_end_matches(".md");
                    let key = key.strip_suffix("/index").unwrap_or(key);
                    match all.iter().position(|p| p.name == key) {
                        Some(i) => pages.push(all[i].clone()),
                        None => {
                            let d = Diagnostic::warning(
                                &config_path,
                                format!("pathway `{name}` lists step `{step}` but there is no such page under workshop/content/"),
                            );
                            diags.push(match find_line(&config_text, step) {
                                Some((line, col)) => d.at(&config_text, line, col),
                                None => d,
                            });
                        }
                    }
                }
                return (pages, chosen);
            }
            None => {
                let known: Vec<&str> = paths
                    .as_object()
                    .map(|m| m.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                diags.push(
                    Diagnostic::error(&config_path, format!("no pathway named `{name}`"))
                        .with_help(if known.is_empty() {
                            "config.yaml defines no pathways".to_string()
                        } else {
                            format!("choose one of: {}", known.join(", "))
                        }),
                );
            }
        }
    }
    // No pathway: front-matter weight, then path.
    all.sort_by(|a, b| match (a.weight, b.weight) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.name.cmp(&b.name)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.name.cmp(&b.name),
    });
    (all, None)
}

/// Read `---` YAML front matter (title, weight) and blank it out of the source.
fn apply_front_matter(page: &mut Page, diags: &mut Vec<Diagnostic>) {
    let src = &page.source;
    let first_line_end = src.find('\n').unwrap_or(src.len());
    if src[..first_line_end].trim_end() != "---" {
        return;
    }
    let body_start = first_line_end + 1;
    let mut end = None;
    let mut pos = body_start;
    for line in src[body_start.min(src.len())..].split_inclusive('\n') {
        if line.trim_end() == "---" || line.trim_end() == "..." {
            end = Some((pos, pos + line.len()));
            break;
        }
        pos += line.len();
    }
    let Some((yaml_end, fm_end)) = end else {
        diags.push(
            Diagnostic::error(&page.path, "front matter starts with `---` but never ends")
                .at(src, 1, 1)
                .with_help("close it with a line holding only `---`"),
        );
        return;
    };
    match yaml::parse(&src[body_start..yaml_end]) {
        Ok(fm) => {
            if let Some(t) = fm["title"].as_str() {
                page.title = t.to_string();
            }
            page.weight = fm["weight"].as_i64();
        }
        Err(e) => {
            let line = e.line.unwrap_or(0) + 1;
            diags.push(
                Diagnostic::error(&page.path, format!("invalid front matter: {}", e.message)).at(
                    src,
                    line,
                    e.column.unwrap_or(1),
                ),
            );
        }
    }
    let blanked: String = src[..fm_end]
        .chars()
        .map(|c| if c == '\n' { '\n' } else { ' ' })
        .collect();
    page.source = blanked + &src[fm_end..];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_from_file_names() {
        assert_eq!(titleize("01-workshop-overview"), "Workshop Overview");
        assert_eq!(titleize("exercises/sample_exercise"), "Sample Exercise");
        assert_eq!(titleize("42"), "42");
    }
}
