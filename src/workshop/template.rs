//! Variable substitution in page text, as the two Educates renderers do it,
//! keeping a map from output offsets back to the source for diagnostics.
//!
//! Classic: the page is Liquid (`{{ name }}`, filters, `{% if %}`, `{% for %}`,
//! `{% raw %}`, …; see `classic`), plus legacy `%name%` and `{{ ENV_NAME }}`
//! for environment variables. Hugo: `{{< param name >}}`; other `{{ … }}` stay
//! as written.

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

/// Output from `out` on came from source offset `src`; the first `len` bytes
/// map byte for byte (literal text), the rest to `src + len` (what a
/// substitution put there maps to where it was written).
#[derive(Debug, Clone, Copy)]
pub(super) struct Segment {
    pub(super) out: usize,
    pub(super) src: usize,
    pub(super) len: usize,
}

impl Templated {
    pub(super) fn from_parts(text: String, segments: Vec<Segment>) -> Templated {
        Templated { text, segments }
    }

    fn literal(&mut self, src_start: usize, s: &str) {
        if s.is_empty() {
            return;
        }
        self.segments.push(Segment {
            out: self.text.len(),
            src: src_start,
            len: s.len(),
        });
        self.text.push_str(s);
    }

    fn substitute(&mut self, src_start: usize, s: &str) {
        self.segments.push(Segment {
            out: self.text.len(),
            src: src_start,
            len: 0,
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
        seg.src + (out - seg.out).min(seg.len)
    }

    /// Text that needs no templating maps one to one.
    pub fn identity(text: &str) -> Templated {
        let mut t = Templated::default();
        t.literal(0, text);
        t
    }
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
        Dialect::Classic => super::classic::render(src, vars),
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
                issues.push(super::classic::unknown_variable(m.start(), name));
                out.literal(m.start(), m.as_str());
            }
        }
        last = m.end();
    }
    out.literal(last, &src[last..]);
    (out, issues)
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
        // Educates' Liquid fails on a page with Go templates outside `{% raw %}`:
        // errors, each where it is, and the text stays as written.
        let src = "{{range .items}}{{.name}} {{ session_name | upcase }} {{ x | default: \"d\" }}";
        let (t, issues) = render(src, Dialect::Classic, &vars());
        assert_eq!(t.text, "{{range .items}}{{.name}} DEMO d");
        let at: Vec<usize> = issues.iter().map(|i| i.offset).collect();
        assert_eq!(at, vec![0, src.find("{{.name").unwrap()], "{issues:?}");
        assert!(issues.iter().all(|i| i.is_error));
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
