//! Variable substitution in page text, as the two Educates renderers do it,
//! keeping a map from output offsets back to the source for diagnostics.
//!
//! Classic: `{{ name }}`, `{% raw %}…{% endraw %}`, `{% if name %}…{% else %}…{% endif %}`,
//! legacy `%name%`, and `{{ ENV_NAME }}` for environment variables.
//! Hugo: `{{< param name >}}`; other `{{ … }}` stay as written.

use super::vars::Vars;
use regex::Regex;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Classic,
    Hugo,
}

/// A problem found while templating, at a byte offset of the source.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateIssue {
    pub offset: usize,
    pub message: String,
    pub help: Option<String>,
    pub is_error: bool,
}

/// Templated text plus the way back to source offsets.
#[derive(Debug, Clone, Default)]
pub struct Templated {
    pub text: String,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, Copy)]
struct Segment {
    out: usize,
    src: usize,
    /// Literal copies map byte for byte; substitutions map to where they started.
    literal: bool,
}

impl Templated {
    fn literal(&mut self, src_start: usize, s: &str) {
        if s.is_empty() {
            return;
        }
        self.segments.push(Segment {
            out: self.text.len(),
            src: src_start,
            literal: true,
        });
        self.text.push_str(s);
    }

    fn substitute(&mut self, src_start: usize, s: &str) {
        self.segments.push(Segment {
            out: self.text.len(),
            src: src_start,
            literal: false,
        });
        self.text.push_str(s);
    }

    /// The source byte offset that produced output byte `out`.
    pub fn source_offset(&self, out: usize) -> usize {
        let idx = self.segments.partition_point(|s| s.out <= out);
        if idx == 0 {
            return out;
        }
        let seg = self.segments[idx - 1];
        if seg.literal {
            seg.src + (out - seg.out)
        } else {
            seg.src
        }
    }

    /// Text that needs no templating maps one to one.
    pub fn identity(text: &str) -> Templated {
        let mut t = Templated::default();
        t.literal(0, text);
        t
    }
}

fn classic_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?s)\{%-?\s*raw\s*-?%\}(?P<raw>.*?)\{%-?\s*endraw\s*-?%\}|\{%-?\s*(?P<tag>if|elsif|else|endif|unless|endunless)\b(?P<cond>[^%]*?)-?%\}|\{\{-?\s*(?P<expr>[^{}]*?)\s*-?\}\}|%(?P<legacy>[A-Za-z_][A-Za-z0-9_]*)%",
        )
        .expect("valid regex")
    })
}

fn hugo_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"\{\{[<%]\s*param\s+"?(?P<name>[^"\s>%]+)"?\s*[>%]\}\}"#).expect("valid regex")
    })
}

/// Apply the dialect's templating to `src`.
pub fn render(src: &str, dialect: Dialect, vars: &Vars) -> (Templated, Vec<TemplateIssue>) {
    match dialect {
        Dialect::Classic => render_classic(src, vars),
        Dialect::Hugo => render_hugo(src, vars),
    }
}

fn render_hugo(src: &str, vars: &Vars) -> (Templated, Vec<TemplateIssue>) {
    let mut out = Templated::default();
    let mut issues = Vec::new();
    let mut last = 0;
    for caps in hugo_re().captures_iter(src) {
        let m = caps.get(0).expect("whole match");
        out.literal(last, &src[last..m.start()]);
        let name = &caps["name"];
        match vars.get(name) {
            Some(value) => out.substitute(m.start(), value),
            None => {
                issues.push(unknown_variable(m.start(), name));
                out.literal(m.start(), m.as_str());
            }
        }
        last = m.end();
    }
    out.literal(last, &src[last..]);
    (out, issues)
}

/// One open `{% if %}`: whether its branch is taken and whether any branch was.
struct Cond {
    parent_active: bool,
    active: bool,
    taken: bool,
    offset: usize,
}

fn render_classic(src: &str, vars: &Vars) -> (Templated, Vec<TemplateIssue>) {
    let mut out = Templated::default();
    let mut issues = Vec::new();
    let mut stack: Vec<Cond> = Vec::new();
    let mut last = 0;
    let active = |stack: &[Cond]| stack.last().is_none_or(|c| c.active);

    for caps in classic_re().captures_iter(src) {
        let m = caps.get(0).expect("whole match");
        if active(&stack) {
            out.literal(last, &src[last..m.start()]);
        }
        last = m.end();
        if let Some(raw) = caps.name("raw") {
            if active(&stack) {
                out.literal(raw.start(), raw.as_str());
            }
        } else if let Some(tag) = caps.name("tag") {
            let cond = caps.name("cond").map_or("", |c| c.as_str()).trim();
            match tag.as_str() {
                "if" | "unless" => {
                    let parent_active = active(&stack);
                    let mut truth = eval_condition(cond, vars, m.start(), &mut issues);
                    if tag.as_str() == "unless" {
                        truth = !truth;
                    }
                    stack.push(Cond {
                        parent_active,
                        active: parent_active && truth,
                        taken: truth,
                        offset: m.start(),
                    });
                }
                "elsif" | "else" => match stack.last_mut() {
                    Some(c) => {
                        let truth = tag.as_str() == "else"
                            || eval_condition(cond, vars, m.start(), &mut issues);
                        c.active = c.parent_active && !c.taken && truth;
                        c.taken |= truth;
                    }
                    None => issues.push(TemplateIssue {
                        offset: m.start(),
                        message: format!(
                            "`{{% {} %}}` without a matching `{{% if %}}`",
                            tag.as_str()
                        ),
                        help: None,
                        is_error: true,
                    }),
                },
                _ => {
                    if stack.pop().is_none() {
                        issues.push(TemplateIssue {
                            offset: m.start(),
                            message: "`{% endif %}` without a matching `{% if %}`".into(),
                            help: None,
                            is_error: true,
                        });
                    }
                }
            }
        } else if let Some(expr) = caps.name("expr") {
            if !active(&stack) {
                continue;
            }
            match lookup_expr(expr.as_str(), vars) {
                Lookup::Value(v) => out.substitute(m.start(), &v),
                Lookup::Unknown(name) => {
                    issues.push(unknown_variable(m.start(), &name));
                    out.literal(m.start(), m.as_str());
                }
                Lookup::NotAVariable => out.literal(m.start(), m.as_str()),
            }
        } else if let Some(name) = caps.name("legacy") {
            if !active(&stack) {
                continue;
            }
            // `%name%` only when it names a variable: a bare percent sign is common prose.
            let key = name.as_str();
            match vars.get(key) {
                Some(v) if key == key.to_ascii_lowercase() || vars.contains(key) => {
                    out.substitute(m.start(), v)
                }
                _ => out.literal(m.start(), m.as_str()),
            }
        }
    }
    if active(&stack) {
        out.literal(last, &src[last..]);
    }
    for c in stack {
        issues.push(TemplateIssue {
            offset: c.offset,
            message: "`{% if %}` is never closed".into(),
            help: Some("add `{% endif %}` where the conditional text ends".into()),
            is_error: true,
        });
    }
    (out, issues)
}

enum Lookup {
    Value(String),
    Unknown(String),
    /// Not a plain variable reference (e.g. a Go template); left as written.
    NotAVariable,
}

fn lookup_expr(expr: &str, vars: &Vars) -> Lookup {
    let mut parts = expr.split('|').map(str::trim);
    let name = parts.next().unwrap_or("");
    if !super::vars::valid_name(name) {
        return Lookup::NotAVariable;
    }
    let mut value = if let Some(v) = vars.get(name) {
        Some(v.to_string())
    } else if let Some(env) = name.strip_prefix("ENV_") {
        // {{ ENV_NAME }}: the environment variable NAME of the lectern process.
        std::env::var(env).ok()
    } else {
        None
    };
    for filter in parts {
        let (fname, arg) = match filter.split_once(':') {
            Some((f, a)) => (
                f.trim(),
                Some(a.trim().trim_matches(|c| c == '"' || c == '\'')),
            ),
            None => (filter, None),
        };
        value = match (fname, value) {
            ("default", None) => arg.map(str::to_string),
            ("default", Some(v)) if v.is_empty() => arg.map(str::to_string),
            (_, None) => None,
            ("upcase", Some(v)) => Some(v.to_uppercase()),
            ("downcase", Some(v)) => Some(v.to_lowercase()),
            (_, Some(v)) => Some(v),
        };
    }
    match value {
        Some(v) => Lookup::Value(v),
        None => Lookup::Unknown(name.to_string()),
    }
}

fn eval_condition(cond: &str, vars: &Vars, offset: usize, issues: &mut Vec<TemplateIssue>) -> bool {
    let value_of = |tok: &str| -> Option<String> {
        let tok = tok.trim();
        if (tok.starts_with('"') && tok.ends_with('"') && tok.len() >= 2)
            || (tok.starts_with('\'') && tok.ends_with('\'') && tok.len() >= 2)
        {
            Some(tok[1..tok.len() - 1].to_string())
        } else {
            vars.get(tok).map(str::to_string)
        }
    };
    for (op, want) in [("==", true), ("!=", false)] {
        if let Some((a, b)) = cond.split_once(op) {
            return (value_of(a) == value_of(b)) == want;
        }
    }
    let name = cond.trim();
    if !vars.contains(name) && super::vars::valid_name(name) {
        issues.push(TemplateIssue {
            offset,
            message: format!("unknown variable `{name}` in `{{% if %}}` (treated as false)"),
            help: Some(format!(
                "define it in the workshop's vars or pass `--var {name}=VALUE`"
            )),
            is_error: false,
        });
    }
    matches!(vars.get(name), Some(v) if !v.is_empty() && v != "false")
}

fn unknown_variable(offset: usize, name: &str) -> TemplateIssue {
    TemplateIssue {
        offset,
        message: format!("unknown variable `{name}`; left as written"),
        help: Some(format!(
            "define it in the workshop's vars (workshop.yaml `vars`, config.yaml `params`) or pass `--var {name}=VALUE`"
        )),
        is_error: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        let mut v = Vars::builtin("demo", "Demo", "");
        v.set("load_duration", "120s");
        v
    }

    #[test]
    fn classic_substitution_maps_back() {
        let src = "url {{ ingress_protocol }}://x{{ingress_port_suffix}}/y and {{ nope }}";
        let (t, issues) = render(src, Dialect::Classic, &vars());
        assert_eq!(t.text, "url http://x/y and {{ nope }}");
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].offset, src.find("{{ nope").unwrap());
        let out = t.text.find("and").unwrap();
        assert_eq!(t.source_offset(out), src.find("and").unwrap());
    }

    #[test]
    fn raw_if_and_legacy() {
        let src = "{% raw %}{{ x }}{% endraw %} %session_namespace% 50% off %nope%\n{% if load_duration %}yes{% else %}no{% endif %}{% if missing_thing %}A{% endif %}";
        let (t, issues) = render(src, Dialect::Classic, &vars());
        assert_eq!(t.text, "{{ x }} demo 50% off %nope%\nyes");
        assert_eq!(issues.len(), 1, "{issues:?}");
    }

    #[test]
    fn env_variables() {
        std::env::set_var("LECTERN_TEMPLATE_TEST", "v42");
        let (t, issues) = render("{{ ENV_LECTERN_TEMPLATE_TEST }}", Dialect::Classic, &vars());
        assert_eq!(t.text, "v42");
        assert!(issues.is_empty());
    }

    #[test]
    fn go_templates_and_filters() {
        let src = "{{range .items}}{{.name}} {{ session_name | upcase }} {{ x | default: \"d\" }}";
        let (t, issues) = render(src, Dialect::Classic, &vars());
        assert_eq!(t.text, "{{range .items}}{{.name}} DEMO d");
        assert!(issues.is_empty());
    }

    #[test]
    fn hugo_params_only() {
        let src = "{{< param session_namespace >}} {{ .Site }} {{< param \"nope\" >}}";
        let (t, issues) = render(src, Dialect::Hugo, &vars());
        assert_eq!(t.text, "demo {{ .Site }} {{< param \"nope\" >}}");
        assert_eq!(issues.len(), 1);
    }

    #[test]
    fn unclosed_if_is_an_error() {
        let (_, issues) = render("{% if x %}abc", Dialect::Classic, &vars());
        assert!(issues.iter().any(|i| i.is_error));
    }
}
