//! Classic-layout pages are Liquid templates, as Educates' classic renderer
//! treats them; lectern renders them with the `liquid` crate and keeps the way
//! back from every output byte to the page source.
//!
//! The page is cut into text, `{{ … }}` outputs and `{% … %}` tags. Each output
//! and tag is parsed on its own and block tags are paired without recursion,
//! so a bad one is reported where it is and shown as written while the rest of
//! the page still renders. The page is then rendered whole, with invisible
//! markers (private-use characters) in front of every piece of text and every
//! output; reading them back gives the source offset of each output byte.
//! Outputs go through lectern's own tag, so an unknown variable or a failing
//! filter costs that output only. Loops, values and the page have budgets, so
//! any input renders quickly.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Write;
use std::ops::Range;
use std::sync::OnceLock;

use liquid_core::model::{KString, KStringCow, ScalarCow, State, Value, ValueCow, ValueView};
use liquid_core::parser::{FilterArguments, FilterChain, ParameterReflection};
use liquid_core::runtime::{PartialStore, Registers, RuntimeBuilder};
use liquid_core::{
    Expression, Filter, FilterReflection, Language, ObjectView, ParseBlock, ParseFilter, ParseTag,
    Renderable, Runtime, TagReflection, TagTokenIter, Template,
};
use liquid_lib::stdlib;
use regex::Regex;

use super::template::{Segment, TemplateIssue, Templated};
use super::vars::Vars;

/// Block tags nested deeper than this are shown as written (the Liquid parser
/// and renderer recurse once per level).
pub const MAX_DEPTH: usize = 32;
/// Loop iterations a page may run in all.
pub const MAX_LOOP_ITERATIONS: usize = 10_000;
/// The longest value one output or string filter may produce.
pub const MAX_VALUE: usize = 1 << 20;
/// The most a page may render to, besides its own length.
pub const MAX_PAGE: usize = 16 << 20;
/// Bracket nesting inside one tag or output (the Liquid parser recurses on it).
const MAX_BRACKETS: usize = 16;

/// Render a classic page; problems come in source order.
pub fn render(src: &str, vars: &Vars) -> (Templated, Vec<TemplateIssue>) {
    let (t, mut issues) = render_unsorted(src, vars);
    issues.sort_by_key(|i| i.offset);
    (t, issues)
}

fn render_unsorted(src: &str, vars: &Vars) -> (Templated, Vec<TemplateIssue>) {
    let mut issues = Vec::new();
    let scan = scan(src, &mut issues);
    let mut page = Page::new(src, scan, vars);
    page.check(&mut issues);
    let globals = Globals::new(vars);
    let Some(markers) = Markers::choose(src, &globals) else {
        issues.push(error(
            0,
            "the page uses every marker character lectern could render it with".into(),
            None,
        ));
        return (Templated::identity(src), issues);
    };
    let assembled = page.assemble(markers);
    let parsed = match parse(&assembled.text) {
        Ok(t) => Template::new(t),
        Err(e) => {
            // Each piece parsed on its own; together they should too.
            let at = assembled.source_offset(pest_offset(&assembled.text, &e));
            issues.push(error(
                at,
                format!("this page is not valid Liquid: {}", condense(&e).text()),
                Some(SHOW_AS_WRITTEN.into()),
            ));
            return (Templated::identity(src), issues);
        }
    };
    let state = RenderState {
        guarded: page.outs.iter().map(|o| o.guarded).collect(),
        loops_left: MAX_LOOP_ITERATIONS,
        output_left: MAX_PAGE,
        markers,
        ..RenderState::default()
    };
    STATE.with(|s| *s.borrow_mut() = Some(state));
    let mut out = Capped {
        buf: Vec::new(),
        left: MAX_PAGE + src.len(),
    };
    let runtime = RuntimeBuilder::new().set_globals(&globals.obj).build();
    let result = parsed.render_to(&mut out, &Lenient { inner: &runtime });
    let state = STATE.with(|s| s.borrow_mut().take()).unwrap_or_default();
    if let Err(e) = result {
        let msg = condense(&e).text();
        issues.push(error(
            page.locate_render_error(&msg),
            format!("Liquid could not render this page: {msg}"),
            Some("lectern shows the page as written; fix the tag this points at".into()),
        ));
        return (Templated::identity(src), issues);
    }
    let rendered = String::from_utf8_lossy(&out.buf).into_owned();
    let templated = page.read_back(&rendered, markers, &assembled, &state, &mut issues);
    page.report_unknown_in_tags(&state, &mut issues);
    if let Some(&t) = state.loop_cut.and_then(|l| page.loops.get(l)) {
        issues.push(error(
            page.tokens[t].span.start,
            format!("loops on this page ran more than {MAX_LOOP_ITERATIONS} times in all; lectern stopped them here"),
            Some("loop over fewer items".into()),
        ));
    }
    (templated, issues)
}

const SHOW_AS_WRITTEN: &str =
    "wrap text that is not Liquid in `{% raw %}…{% endraw %}`; lectern shows it as written";

fn error(offset: usize, message: String, help: Option<String>) -> TemplateIssue {
    TemplateIssue {
        offset,
        message,
        help,
        is_error: true,
    }
}

fn warning(offset: usize, message: String, help: Option<String>) -> TemplateIssue {
    TemplateIssue {
        offset,
        message,
        help,
        is_error: false,
    }
}

// ---------------------------------------------------------------------------
// Cutting the page into text, outputs and tags.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Output,
    Tag,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    /// The whole `{{ … }}` or `{% … %}`.
    span: Range<usize>,
    /// Its markup: without the delimiters and `-`.
    inner: Range<usize>,
    trim_before: bool,
    trim_after: bool,
}

#[derive(Debug, Clone)]
enum Item {
    Text(Range<usize>),
    Token(usize),
    /// `{% raw %}…{% endraw %}`: the two tags; what is between is text.
    Raw(usize, usize),
    /// `{% comment %}…{% endcomment %}`: dropped.
    Comment(usize, usize),
}

struct Scan {
    tokens: Vec<Token>,
    items: Vec<Item>,
}

fn raw_end_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\{%-?\s*endraw\s*-?%\}").expect("valid regex"))
}

fn comment_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\{%-?\s*(end)?comment\b").expect("valid regex"))
}

/// Where the first `close` after `from` ends a token: quotes may hold the
/// closing characters, so an unbalanced quote moves on to the next `close`
/// (a few times; then the first one stands).
fn find_close(src: &str, from: usize, close: &str) -> Option<usize> {
    let first = src[from..].find(close)? + from;
    let mut at = first;
    for _ in 0..4 {
        if quotes_balanced(&src[from..at]) {
            return Some(at);
        }
        match src[at + close.len()..].find(close) {
            Some(next) => at = at + close.len() + next,
            None => break,
        }
    }
    Some(first)
}

fn quotes_balanced(s: &str) -> bool {
    let mut open: Option<char> = None;
    for c in s.chars() {
        match open {
            Some(q) if c == q => open = None,
            None if c == '"' || c == '\'' => open = Some(c),
            _ => {}
        }
    }
    open.is_none()
}

/// A token starting at `start` (`{{` or `{%`), if it closes.
fn token_at(src: &str, start: usize, kind: Kind, no_close: &mut [bool; 2]) -> Option<Token> {
    let (close, slot) = match kind {
        Kind::Output => ("}}", 0),
        Kind::Tag => ("%}", 1),
    };
    if no_close[slot] {
        return None;
    }
    let open_end = start + 2;
    let Some(end) = find_close(src, open_end, close) else {
        // Nothing closes it, and nothing later will be closed either.
        no_close[slot] = true;
        return None;
    };
    let trim_before = src[open_end..end].starts_with('-');
    let inner_start = open_end + usize::from(trim_before);
    let trim_after = end > inner_start && src[..end].ends_with('-');
    let inner_end = if trim_after { end - 1 } else { end };
    Some(Token {
        kind,
        span: start..end + 2,
        inner: inner_start..inner_end.max(inner_start),
        trim_before,
        trim_after,
    })
}

/// The first word of a tag's markup.
fn tag_name(markup: &str) -> &str {
    let m = markup.trim_start();
    let end = m
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(m.len());
    &m[..end]
}

fn scan(src: &str, issues: &mut Vec<TemplateIssue>) -> Scan {
    let mut tokens = Vec::new();
    let mut items = Vec::new();
    let mut text_start = 0;
    let mut pos = 0;
    let mut no_close = [false; 2];
    let bytes = src.as_bytes();
    while let Some(rel) = src[pos..].find('{') {
        let start = pos + rel;
        let kind = match bytes.get(start + 1) {
            Some(b'{') => Kind::Output,
            Some(b'%') => Kind::Tag,
            _ => {
                pos = start + 1;
                continue;
            }
        };
        let Some(tok) = token_at(src, start, kind, &mut no_close) else {
            let what = if kind == Kind::Output { "{{" } else { "{%" };
            issues.push(error(
                start,
                format!("`{what}` is never closed; Educates' Liquid fails on this page"),
                Some(SHOW_AS_WRITTEN.into()),
            ));
            pos = start + 2;
            continue;
        };
        let name = if kind == Kind::Tag {
            tag_name(&src[tok.inner.clone()])
        } else {
            ""
        };
        let block_end = match name {
            "raw" => raw_end_re()
                .find(&src[tok.span.end..])
                .map(|m| (tok.span.end + m.start(), false)),
            "comment" => comment_end(src, tok.span.end).map(|at| (at, true)),
            _ => None,
        };
        if matches!(name, "raw" | "comment") && block_end.is_none() {
            issues.push(error(
                start,
                format!("`{{% {name} %}}` is never closed"),
                Some(format!("close it with `{{% end{name} %}}`")),
            ));
        }
        if start > text_start {
            items.push(Item::Text(text_start..start));
        }
        let open = tokens.len();
        tokens.push(tok.clone());
        match block_end.and_then(|(at, comment)| {
            let close_kind = Kind::Tag;
            token_at(src, at, close_kind, &mut [false; 2]).map(|t| (t, comment))
        }) {
            Some((close, comment)) => {
                pos = close.span.end;
                tokens.push(close);
                items.push(if comment {
                    Item::Comment(open, open + 1)
                } else {
                    Item::Raw(open, open + 1)
                });
            }
            None => {
                pos = tok.span.end;
                items.push(Item::Token(open));
            }
        }
        text_start = pos;
    }
    if text_start < src.len() {
        items.push(Item::Text(text_start..src.len()));
    }
    Scan { tokens, items }
}

/// Where the `{% endcomment %}` matching a comment opened before `from` starts.
fn comment_end(src: &str, from: usize) -> Option<usize> {
    let mut depth = 1usize;
    for m in comment_re().captures_iter(&src[from..]) {
        let at = from + m.get(0).map_or(0, |g| g.start());
        if m.get(1).is_some() {
            depth -= 1;
            if depth == 0 {
                return Some(at);
            }
        } else {
            depth += 1;
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Checking each tag and pairing blocks.

#[derive(Debug, Clone, PartialEq)]
enum Role {
    /// Shown as written.
    Literal,
    /// An output: index into `Page::outs`.
    Output(usize),
    /// A tag emitted as this markup.
    Tag(String),
    /// Not emitted as a tag: a comment, or the delimiters of a raw block.
    Drop,
}

#[derive(Debug, Clone)]
struct Out {
    token: usize,
    /// Has a `default` filter: the author expects the variable may be missing.
    guarded: bool,
}

struct Page<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    items: Vec<Item>,
    roles: Vec<Role>,
    outs: Vec<Out>,
    /// Tokens of `for`/`tablerow` tags, by loop number.
    loops: Vec<usize>,
    /// Names the page itself binds (assign, capture, loop variables).
    bound: BTreeSet<String>,
    /// `%name%` occurrences: source range and value.
    legacy: Vec<(Range<usize>, String)>,
}

fn opener_end(name: &str) -> Option<&'static str> {
    Some(match name {
        "if" => "endif",
        "unless" => "endunless",
        "for" => "endfor",
        "tablerow" => "endtablerow",
        "case" => "endcase",
        "capture" => "endcapture",
        "ifchanged" => "endifchanged",
        _ => return None,
    })
}

fn closer_of(name: &str) -> Option<&'static str> {
    Some(match name {
        "endif" => "if",
        "endunless" => "unless",
        "endfor" => "for",
        "endtablerow" => "tablerow",
        "endcase" => "case",
        "endcapture" => "capture",
        "endifchanged" => "ifchanged",
        _ => return None,
    })
}

/// Which blocks a middle tag may sit in.
fn middle_parents(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "elsif" => &["if"],
        "else" => &["if", "unless", "for", "case"],
        "when" => &["case"],
        _ => return None,
    })
}

struct Open {
    token: usize,
    name: String,
    live: bool,
    middles: Vec<usize>,
}

impl<'a> Page<'a> {
    fn new(src: &'a str, scan: Scan, vars: &Vars) -> Page<'a> {
        let n = scan.tokens.len();
        let legacy = legacy_vars(src, &scan.items, &scan.tokens, vars);
        Page {
            src,
            tokens: scan.tokens,
            items: scan.items,
            roles: vec![Role::Literal; n],
            outs: Vec::new(),
            loops: Vec::new(),
            bound: BTreeSet::new(),
            legacy,
        }
    }

    fn markup(&self, t: usize) -> &'a str {
        &self.src[self.tokens[t].inner.clone()]
    }

    fn whole(&self, t: usize) -> &'a str {
        &self.src[self.tokens[t].span.clone()]
    }

    /// Decide what each token becomes, reporting what is wrong where it is.
    fn check(&mut self, issues: &mut Vec<TemplateIssue>) {
        let items = self.items.clone();
        let mut stack: Vec<Open> = Vec::new();
        let mut too_deep_said = false;
        for item in &items {
            match *item {
                Item::Text(_) => {}
                Item::Raw(open, close) | Item::Comment(open, close) => {
                    self.roles[open] = Role::Drop;
                    self.roles[close] = Role::Drop;
                }
                Item::Token(t) if self.tokens[t].kind == Kind::Output => {
                    self.check_output(t, issues);
                }
                Item::Token(t) => {
                    self.check_tag(t, &mut stack, &mut too_deep_said, issues);
                }
            }
        }
        while let Some(open) = stack.pop() {
            if open.live {
                self.unclosed(&open, issues);
            }
        }
    }

    fn check_output(&mut self, t: usize, issues: &mut Vec<TemplateIssue>) {
        let markup = self.markup(t);
        let at = self.tokens[t].span.start;
        if let Some(problem) = too_nested(markup) {
            issues.push(error(at, problem, None));
            return;
        }
        let snippet = format!("{{{{ {markup} }}}}");
        if let Err(e) = parse(&snippet) {
            issues.push(self.liquid_problem(t, &e));
            return;
        }
        let guarded = default_filter_re().is_match(markup);
        self.outs.push(Out { token: t, guarded });
        self.roles[t] = Role::Output(self.outs.len() - 1);
    }

    fn check_tag(
        &mut self,
        t: usize,
        stack: &mut Vec<Open>,
        too_deep_said: &mut bool,
        issues: &mut Vec<TemplateIssue>,
    ) {
        let markup = self.markup(t);
        let name = tag_name(markup).to_string();
        let at = self.tokens[t].span.start;
        if let Some(end) = opener_end(&name) {
            let depth = stack.iter().filter(|o| o.live).count();
            let mut live = true;
            if depth >= MAX_DEPTH {
                live = false;
                if !*too_deep_said {
                    *too_deep_said = true;
                    issues.push(error(
                        at,
                        format!("Liquid blocks nest deeper than {MAX_DEPTH} levels here; lectern shows the deeper ones as written"),
                        None,
                    ));
                }
            } else if let Some(problem) = too_nested(markup) {
                live = false;
                issues.push(error(at, problem, None));
            } else if let Err(e) = parse(&format!("{{% {markup} %}}{{% {end} %}}")) {
                live = false;
                issues.push(self.liquid_problem(t, &e));
            }
            if live {
                self.roles[t] = Role::Tag(self.opener_markup(t, &name, markup));
            }
            stack.push(Open {
                token: t,
                name,
                live,
                middles: Vec::new(),
            });
        } else if let Some(parents) = middle_parents(&name) {
            match stack.last_mut() {
                Some(open) if parents.contains(&open.name.as_str()) => {
                    open.middles.push(t);
                    if !open.live {
                        return;
                    }
                    let probe = match name.as_str() {
                        "elsif" => format!("{{% if true %}}{{% {markup} %}}{{% endif %}}"),
                        "when" => format!("{{% case 1 %}}{{% {markup} %}}{{% endcase %}}"),
                        _ => String::new(),
                    };
                    if let Some(problem) = too_nested(markup) {
                        issues.push(error(at, problem, None));
                    } else if let Err(e) = parse(&probe) {
                        issues.push(self.liquid_problem(t, &e));
                    } else if name == "else" {
                        // Liquid ignores what follows `else`.
                        self.roles[t] = Role::Tag("else".into());
                    } else {
                        self.roles[t] = Role::Tag(collapse(markup));
                    }
                }
                _ => issues.push(error(
                    at,
                    format!(
                        "`{{% {name} %}}` outside {}",
                        parents
                            .iter()
                            .map(|p| format!("`{{% {p} %}}`"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                    Some(SHOW_AS_WRITTEN.into()),
                )),
            }
        } else if let Some(opener) = closer_of(&name) {
            let Some(pos) = stack.iter().rposition(|o| o.name == opener) else {
                issues.push(error(
                    at,
                    format!("`{{% {name} %}}` without a matching `{{% {opener} %}}`"),
                    Some(SHOW_AS_WRITTEN.into()),
                ));
                return;
            };
            while stack.len() > pos + 1 {
                if let Some(open) = stack.pop() {
                    if open.live {
                        self.unclosed(&open, issues);
                    }
                }
            }
            if let Some(open) = stack.pop() {
                if open.live {
                    self.roles[t] = Role::Tag(name);
                }
            }
        } else if matches!(name.as_str(), "raw" | "comment") {
            // Never closed: said when the page was cut up.
        } else if let Some(opener) = name
            .strip_prefix("end")
            .filter(|o| matches!(*o, "raw" | "comment"))
        {
            issues.push(error(
                at,
                format!("`{{% {name} %}}` without a matching `{{% {opener} %}}`"),
                Some(SHOW_AS_WRITTEN.into()),
            ));
        } else if matches!(name.as_str(), "include" | "render") {
            issues.push(warning(
                at,
                format!(
                    "lectern does not include other files: `{{% {name} %}}` is shown as written"
                ),
                Some("put the text in the page itself".into()),
            ));
        } else if let Some(problem) = too_nested(markup) {
            issues.push(error(at, problem, None));
        } else if let Err(e) = parse(&format!("{{% {markup} %}}")) {
            issues.push(self.liquid_problem(t, &e));
        } else {
            if matches!(
                name.as_str(),
                "assign" | "capture" | "increment" | "decrement"
            ) {
                self.bind_first_word(markup, &name);
            }
            self.roles[t] = Role::Tag(collapse(markup));
        }
    }

    /// An opener's markup as emitted; loops get their items from lectern's
    /// budgeted filters.
    fn opener_markup(&mut self, t: usize, name: &str, markup: &str) -> String {
        if name == "capture" {
            self.bind_first_word(markup, name);
        }
        if name != "for" && name != "tablerow" {
            return collapse(markup);
        }
        let Some(l) = split_loop(markup) else {
            return collapse(markup);
        };
        self.bound.insert(l.var.to_string());
        let n = self.loops.len();
        self.loops.push(t);
        let items = match l.range {
            Some((a, b)) => format!("{a} | lectern_range: {b}, {n}"),
            None => format!("{} | lectern_items: {n}", l.collection),
        };
        // The assignment sits in front of the loop, inside whatever encloses it.
        format!(
            "assign lectern_loop_{n} = {items} %}}{{% {name} {} in lectern_loop_{n} {}",
            l.var, l.rest
        )
    }

    fn bind_first_word(&mut self, markup: &str, name: &str) {
        let rest = markup.trim_start()[name.len()..].trim_start();
        let word = tag_name(rest);
        if !word.is_empty() {
            self.bound.insert(word.to_string());
        }
    }

    fn unclosed(&mut self, open: &Open, issues: &mut Vec<TemplateIssue>) {
        self.roles[open.token] = Role::Literal;
        for &m in &open.middles {
            self.roles[m] = Role::Literal;
        }
        let end = opener_end(&open.name).unwrap_or("end");
        issues.push(error(
            self.tokens[open.token].span.start,
            format!("`{{% {} %}}` is never closed", open.name),
            Some(format!("add `{{% {end} %}}` where the block ends")),
        ));
    }

    /// A Liquid parse error of token `t` as a diagnostic.
    fn liquid_problem(&self, t: usize, e: &liquid_core::Error) -> TemplateIssue {
        let at = self.tokens[t].span.start;
        let whole = self.whole(t);
        match condense(e) {
            Problem::UnknownFilter(f) => warning(
                at,
                format!("unknown Liquid filter `{f}` in `{}`: lectern shows it as written, Educates leaves the filter out", short(whole)),
                Some(format!("filters lectern knows: {}", filter_names())),
            ),
            Problem::UnknownTag(tag) => error(
                at,
                format!("unknown Liquid tag `{tag}`: Educates' Liquid fails on this page"),
                Some(SHOW_AS_WRITTEN.into()),
            ),
            Problem::Other(msg) => error(
                at,
                format!(
                    "`{}` is not valid Liquid ({msg}): Educates' Liquid fails on this page",
                    short(whole)
                ),
                Some(SHOW_AS_WRITTEN.into()),
            ),
        }
    }
}

/// The filters a page may use, for a message.
fn filter_names() -> String {
    let mut names: Vec<&str> = language()
        .filters
        .plugin_names()
        .filter(|n| !n.starts_with("lectern_"))
        .collect();
    names.sort_unstable();
    names.join(", ")
}

fn default_filter_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\|\s*default\b").expect("valid regex"))
}

/// A token's text for a message: one line, not too long.
fn short(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 60 {
        let cut: String = one.chars().take(57).collect();
        format!("{cut}…")
    } else {
        one
    }
}

/// Markup as emitted: without the space around it.
fn collapse(markup: &str) -> String {
    markup.trim().to_string()
}

fn too_nested(markup: &str) -> Option<String> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for c in markup.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '(') => {
                depth += 1;
                if depth > MAX_BRACKETS {
                    return Some(format!(
                        "brackets nest deeper than {MAX_BRACKETS} levels; lectern shows this as written"
                    ));
                }
            }
            (None, ']' | ')') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

struct Loop<'m> {
    var: &'m str,
    collection: &'m str,
    range: Option<(&'m str, &'m str)>,
    rest: &'m str,
}

/// `for VAR in COLLECTION REST` (also `tablerow`), COLLECTION a value or a
/// `(A..B)` range.
fn split_loop(markup: &str) -> Option<Loop<'_>> {
    let m = markup.trim_start();
    let m = m
        .strip_prefix("for")
        .or_else(|| m.strip_prefix("tablerow"))?;
    let m = m.trim_start();
    let var_len = m.find(|c: char| c.is_whitespace())?;
    let var = &m[..var_len];
    let m = m[var_len..].trim_start().strip_prefix("in")?;
    if !m.starts_with(char::is_whitespace) && !m.starts_with('(') {
        return None;
    }
    let m = m.trim_start();
    let end = value_end(m)?;
    let collection = &m[..end];
    let rest = &m[end..];
    let range = collection
        .strip_prefix('(')
        .and_then(|c| c.strip_suffix(')'))
        .and_then(|c| c.split_once(".."))
        .map(|(a, b)| (a.trim(), b.trim()));
    if collection.starts_with('(') && range.is_none() {
        return None;
    }
    Some(Loop {
        var,
        collection,
        range,
        rest,
    })
}

/// Where a value (or a parenthesized range) at the start of `s` ends.
fn value_end(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[') => depth += 1,
            (None, ')' | ']') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 && c == ')' && s.starts_with('(') {
                    return Some(i + 1);
                }
            }
            (None, c) if c.is_whitespace() && depth == 0 => return Some(i),
            _ => {}
        }
    }
    (quote.is_none() && depth == 0 && !s.is_empty()).then_some(s.len())
}

/// `%name%` in text (and raw blocks) for names that are variables, as
/// Educates substitutes them after Liquid.
fn legacy_vars(
    src: &str,
    items: &[Item],
    tokens: &[Token],
    vars: &Vars,
) -> Vec<(Range<usize>, String)> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"%([A-Za-z_][A-Za-z0-9_-]*)%").expect("valid regex"));
    let mut out = Vec::new();
    let mut scan_range = |r: Range<usize>| {
        for c in re.captures_iter(&src[r.clone()]) {
            let (Some(m), Some(name)) = (c.get(0), c.get(1)) else {
                continue;
            };
            let name = name.as_str();
            let value = match name.strip_prefix("ENV_") {
                Some(env) => vars.env_value(env),
                None => vars.get(name).map(str::to_string),
            };
            if let Some(v) = value {
                out.push((r.start + m.start()..r.start + m.end(), v));
            }
        }
    };
    for item in items {
        match item {
            Item::Text(r) => scan_range(r.clone()),
            Item::Raw(o, c) => scan_range(tokens[*o].span.end..tokens[*c].span.start),
            _ => {}
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Markers: invisible characters in the rendered text saying where it came from.

#[derive(Debug, Clone, Copy, Default)]
struct Markers {
    base: u32,
}

/// Marker kinds, offsets from the base character.
const LIT: u32 = 0;
const SUB: u32 = 1;
const UNK: u32 = 2;
const ERR: u32 = 3;
const LEG: u32 = 4;
const END: u32 = 5;
const DIGIT: u32 = 6;
const SPAN: u32 = 16;

impl Markers {
    /// A block of private-use characters that neither the page nor any value uses.
    fn choose(src: &str, globals: &Globals) -> Option<Markers> {
        let mut used = BTreeSet::new();
        let mut note = |s: &str| {
            for c in s.chars() {
                let c = c as u32;
                if (0xE000..0xF900).contains(&c) {
                    used.insert((c - 0xE000) / SPAN);
                }
            }
        };
        note(src);
        for v in globals.obj.values() {
            note(&v.to_kstr());
        }
        (0..(0x1900 / SPAN))
            .find(|b| !used.contains(b))
            .map(|b| Markers {
                base: 0xE000 + b * SPAN,
            })
    }

    fn ch(self, off: u32) -> char {
        char::from_u32(self.base + off).unwrap_or('\u{E000}')
    }

    fn mark(self, kind: u32, n: usize) -> String {
        let mut s = String::new();
        s.push(self.ch(kind));
        for d in n.to_string().bytes() {
            s.push(self.ch(DIGIT + u32::from(d - b'0')));
        }
        s.push(self.ch(END));
        s
    }

    /// The marker kind of `c`, if it is one of ours.
    fn offset(self, c: char) -> Option<u32> {
        let c = c as u32;
        (self.base..self.base + SPAN)
            .contains(&c)
            .then(|| c - self.base)
    }
}

// ---------------------------------------------------------------------------
// Assembling the template Liquid renders.

struct Assembled {
    text: String,
    /// Literal text pieces: source offset and length, by LIT number.
    lits: Vec<(usize, usize)>,
    /// Assembled offset -> source offset, for errors of the whole parse.
    map: Vec<(usize, usize)>,
}

impl Assembled {
    fn source_offset(&self, at: usize) -> usize {
        let i = self.map.partition_point(|(a, _)| *a <= at);
        if i == 0 {
            0
        } else {
            self.map[i - 1].1
        }
    }
}

impl Page<'_> {
    /// Does the item at `i` trim whitespace on its `after` (or before) side?
    fn trims(&self, i: usize, after: bool) -> bool {
        let tok = match self.items.get(i) {
            Some(Item::Token(t)) => *t,
            Some(Item::Raw(o, c)) | Some(Item::Comment(o, c)) => {
                if after {
                    *c
                } else {
                    *o
                }
            }
            _ => return false,
        };
        if self.roles[tok] == Role::Literal {
            return false;
        }
        let t = &self.tokens[tok];
        if after {
            t.trim_after
        } else {
            t.trim_before
        }
    }

    fn assemble(&mut self, m: Markers) -> Assembled {
        let mut a = Assembled {
            text: String::with_capacity(self.src.len() * 2),
            lits: Vec::new(),
            map: Vec::new(),
        };
        let mut captures = 0usize;
        let items = self.items.clone();
        for (i, item) in items.iter().enumerate() {
            match item {
                Item::Text(r) => {
                    let mut r = r.clone();
                    if i > 0 && self.trims(i - 1, true) {
                        r.start += trimmed_len(&self.src[r.clone()]);
                    }
                    if self.trims(i + 1, false) {
                        r.end -= trimmed_len_end(&self.src[r.clone()]);
                    }
                    self.emit_text(&mut a, m, r, captures > 0, true);
                }
                Item::Raw(o, c) => {
                    let mut r = self.tokens[*o].span.end..self.tokens[*c].span.start;
                    if self.tokens[*o].trim_after {
                        r.start += trimmed_len(&self.src[r.clone()]);
                    }
                    if self.tokens[*c].trim_before {
                        r.end -= trimmed_len_end(&self.src[r.clone()]);
                    }
                    self.emit_text(&mut a, m, r, captures > 0, true);
                }
                Item::Comment(..) => {}
                Item::Token(t) => {
                    let t = *t;
                    a.map.push((a.text.len(), self.tokens[t].span.start));
                    match self.roles[t].clone() {
                        Role::Literal => {
                            let r = self.tokens[t].span.clone();
                            self.emit_text(&mut a, m, r, captures > 0, false);
                        }
                        Role::Drop => {}
                        Role::Output(n) => {
                            let tag = if captures > 0 {
                                "lectern_value"
                            } else {
                                "lectern_out"
                            };
                            a.text
                                .push_str(&format!("{{% {tag} {n} {} %}}", self.markup(t)));
                        }
                        Role::Tag(markup) => {
                            match tag_name(&markup) {
                                "capture" => captures += 1,
                                "endcapture" => captures = captures.saturating_sub(1),
                                _ => {}
                            }
                            a.text.push_str("{% ");
                            a.text.push_str(&markup);
                            a.text.push_str(" %}");
                        }
                    }
                }
            }
        }
        a
    }

    /// Literal text: a marker (outside captures, where it would become part
    /// of a value), then the text with Liquid's delimiters made harmless, and
    /// `%name%` as markers.
    fn emit_text(
        &self,
        a: &mut Assembled,
        m: Markers,
        r: Range<usize>,
        in_capture: bool,
        legacy: bool,
    ) {
        let mut start = r.start;
        let legs: Vec<usize> = if legacy {
            self.legacy
                .iter()
                .enumerate()
                .filter(|(_, (lr, _))| lr.start >= r.start && lr.end <= r.end)
                .map(|(k, _)| k)
                .collect()
        } else {
            Vec::new()
        };
        for k in legs {
            let lr = self.legacy[k].0.clone();
            self.emit_piece(a, m, start..lr.start, in_capture);
            a.text.push_str(&m.mark(LEG, k));
            start = lr.end;
        }
        self.emit_piece(a, m, start..r.end, in_capture);
    }

    fn emit_piece(&self, a: &mut Assembled, m: Markers, r: Range<usize>, in_capture: bool) {
        if r.is_empty() {
            return;
        }
        a.map.push((a.text.len(), r.start));
        if !in_capture {
            a.text.push_str(&m.mark(LIT, a.lits.len()));
            a.lits.push((r.start, r.len()));
        }
        let text = &self.src[r];
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            // `{` before `{`, `%` or whatever comes next would start Liquid.
            if c == '{' && matches!(chars.peek(), Some('{' | '%') | None) {
                a.text.push_str("{{ \"{\" }}");
            } else {
                a.text.push(c);
            }
        }
    }
}

/// Liquid's `-` trims spaces and line ends (not tabs).
fn trimmed_len(s: &str) -> usize {
    s.len() - s.trim_start_matches([' ', '\n', '\r']).len()
}

fn trimmed_len_end(s: &str) -> usize {
    s.len() - s.trim_end_matches([' ', '\n', '\r']).len()
}

// ---------------------------------------------------------------------------
// Reading the rendered text back.

impl Page<'_> {
    fn read_back(
        &self,
        rendered: &str,
        m: Markers,
        a: &Assembled,
        state: &RenderState,
        issues: &mut Vec<TemplateIssue>,
    ) -> Templated {
        let mut text = String::with_capacity(rendered.len());
        let mut segments = vec![Segment {
            out: 0,
            src: 0,
            len: 0,
        }];
        let mut said_unknown = BTreeSet::new();
        let mut said_error = BTreeSet::new();
        let mut chars = rendered.chars().peekable();
        while let Some(c) = chars.next() {
            let Some(kind) = m.offset(c) else {
                text.push(c);
                continue;
            };
            if kind >= END {
                continue; // a stray piece of a marker cut by a filter
            }
            let mut n: Option<usize> = None;
            let mut closed = false;
            while let Some(&d) = chars.peek() {
                match m.offset(d) {
                    Some(o) if o >= DIGIT => {
                        chars.next();
                        let digit = (o - DIGIT) as usize;
                        n = n
                            .unwrap_or(0)
                            .checked_mul(10)
                            .and_then(|v| v.checked_add(digit));
                        if n.is_none() {
                            break;
                        }
                    }
                    Some(END) => {
                        chars.next();
                        closed = true;
                        break;
                    }
                    _ => break,
                }
            }
            let Some(n) = n.filter(|_| closed) else {
                continue;
            };
            let here = text.len();
            match kind {
                LIT => {
                    if let Some(&(src, len)) = a.lits.get(n) {
                        segments.push(Segment {
                            out: here,
                            src,
                            len,
                        });
                    }
                }
                SUB => {
                    if let Some(o) = self.outs.get(n) {
                        segments.push(Segment {
                            out: here,
                            src: self.tokens[o.token].span.start,
                            len: 0,
                        });
                    }
                }
                UNK | ERR => {
                    let Some(o) = self.outs.get(n) else { continue };
                    let span = self.tokens[o.token].span.clone();
                    let resume = resume_after(&segments, here);
                    segments.push(Segment {
                        out: here,
                        src: span.start,
                        len: span.len(),
                    });
                    text.push_str(&self.src[span.clone()]);
                    segments.push(Segment {
                        out: text.len(),
                        ..resume
                    });
                    if kind == UNK && said_unknown.insert(n) {
                        let name = state
                            .unknown
                            .iter()
                            .find(|(_, o)| *o == Some(n))
                            .map_or_else(|| short(self.markup(o.token)), |(k, _)| k.clone());
                        issues.push(unknown_variable(span.start, &name));
                    } else if kind == ERR && said_error.insert(n) {
                        let msg = state.errors.get(&n).cloned().unwrap_or_default();
                        issues.push(error(
                            span.start,
                            format!(
                                "Liquid could not render `{}`: {msg}",
                                short(&self.src[span])
                            ),
                            Some("lectern shows it as written".into()),
                        ));
                    }
                }
                LEG => {
                    let Some((lr, value)) = self.legacy.get(n) else {
                        continue;
                    };
                    let resume = resume_after(&segments, here);
                    segments.push(Segment {
                        out: here,
                        src: lr.start,
                        len: 0,
                    });
                    text.push_str(value);
                    segments.push(Segment {
                        out: text.len(),
                        ..resume
                    });
                }
                _ => {}
            }
        }
        // Outputs whose markers went into a value never shown.
        for (n, msg) in &state.errors {
            if let Some(o) = self.outs.get(*n).filter(|_| !said_error.contains(n)) {
                let span = self.tokens[o.token].span.clone();
                issues.push(error(
                    span.start,
                    format!(
                        "Liquid could not render `{}`: {msg}",
                        short(&self.src[span])
                    ),
                    None,
                ));
            }
        }
        for (name, n) in &state.unknown {
            let Some(n) = *n else { continue };
            if self.outs[n].guarded || !said_unknown.insert(n) {
                continue;
            }
            issues.push(unknown_variable(
                self.tokens[self.outs[n].token].span.start,
                name,
            ));
        }
        Templated::from_parts(text, segments)
    }

    /// Warnings for unknown variables that tags (conditions, loops) looked up.
    fn report_unknown_in_tags(&self, state: &RenderState, issues: &mut Vec<TemplateIssue>) {
        let guarded: BTreeSet<&str> = self
            .outs
            .iter()
            .filter(|o| o.guarded)
            .filter_map(|o| root_name(self.markup(o.token)))
            .collect();
        let mut said = BTreeSet::new();
        for (name, out) in &state.unknown {
            if out.is_some()
                || name.starts_with("ENV_")
                || name.starts_with("lectern_")
                || matches!(name.as_str(), "forloop" | "tablerowloop")
                || self.bound.contains(name)
                || guarded.contains(name.as_str())
                || !said.insert(name.clone())
            {
                continue;
            }
            let found = (0..self.tokens.len())
                .find(|&t| matches!(self.roles[t], Role::Tag(_)) && mentions(self.markup(t), name));
            let (at, tag) = match found {
                Some(t) => (self.tokens[t].span.start, tag_name(self.markup(t))),
                None => (0, "if"),
            };
            let treated = if matches!(tag, "if" | "elsif" | "unless") {
                "false"
            } else {
                "empty"
            };
            issues.push(warning(
                at,
                format!("unknown variable `{name}` in `{{% {tag} %}}` (treated as {treated})"),
                Some(define_it(name)),
            ));
        }
    }

    /// Where a failed render most likely went wrong.
    fn locate_render_error(&self, msg: &str) -> usize {
        static LOOP: OnceLock<Regex> = OnceLock::new();
        let re = LOOP.get_or_init(|| Regex::new(r"lectern_loop_(\d+)").expect("valid regex"));
        if let Some(t) = re
            .captures(msg)
            .and_then(|c| c[1].parse::<usize>().ok())
            .and_then(|n| self.loops.get(n))
        {
            return self.tokens[*t].span.start;
        }
        static VAR: OnceLock<Regex> = OnceLock::new();
        let var =
            VAR.get_or_init(|| Regex::new(r"variable: ([A-Za-z0-9_-]+)").expect("valid regex"));
        let tags = || (0..self.tokens.len()).filter(|&t| matches!(self.roles[t], Role::Tag(_)));
        for c in var.captures_iter(msg) {
            if let Some(t) = tags().find(|&t| mentions(self.markup(t), &c[1])) {
                return self.tokens[t].span.start;
            }
        }
        tags().next().map_or(0, |t| self.tokens[t].span.start)
    }
}

/// The segment to go on with after text spliced in at `here`.
fn resume_after(segments: &[Segment], here: usize) -> Segment {
    let last = segments.last().copied().unwrap_or(Segment {
        out: 0,
        src: 0,
        len: 0,
    });
    let used = (here - last.out.min(here)).min(last.len);
    Segment {
        out: here,
        src: last.src + used,
        len: last.len - used,
    }
}

/// Does `markup` use `name` as a word?
fn mentions(markup: &str, name: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    markup.match_indices(name).any(|(i, _)| {
        let before = markup[..i].chars().next_back();
        let after = markup[i + name.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// The variable an output starts with, if it starts with one.
fn root_name(markup: &str) -> Option<&str> {
    let m = markup.trim_start();
    let end = m
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(m.len());
    let name = &m[..end];
    let literal = matches!(
        name,
        "" | "nil" | "null" | "empty" | "blank" | "true" | "false"
    ) || name.starts_with(|c: char| c.is_ascii_digit() || c == '-');
    (!literal).then_some(name)
}

pub(super) fn define_it(name: &str) -> String {
    format!(
        "define it in the workshop's vars (workshop.yaml `vars`, config.yaml `params`) or pass `--var {name}=VALUE`"
    )
}

pub(super) fn unknown_variable(offset: usize, name: &str) -> TemplateIssue {
    warning(
        offset,
        format!("unknown variable `{name}`; left as written"),
        Some(define_it(name)),
    )
}

// ---------------------------------------------------------------------------
// Liquid errors in words.

enum Problem {
    UnknownFilter(String),
    UnknownTag(String),
    Other(String),
}

impl Problem {
    fn text(&self) -> String {
        match self {
            Problem::UnknownFilter(f) => format!("unknown filter `{f}`"),
            Problem::UnknownTag(t) => format!("unknown tag `{t}`"),
            Problem::Other(m) => m.clone(),
        }
    }
}

/// The gist of a Liquid error, without the parser's drawing of the source.
fn condense(e: &liquid_core::Error) -> Problem {
    let full = e.to_string();
    let mut main: Vec<String> = Vec::new();
    let mut context: Vec<(String, String)> = Vec::new();
    for line in full.lines() {
        let t = line.trim();
        let t = t.strip_prefix("liquid:").map_or(t, str::trim);
        if t.is_empty() || t.starts_with("-->") || t.starts_with('|') || t == "with:" {
            continue;
        }
        if t.chars().next().is_some_and(|c| c.is_ascii_digit()) && t.contains(" | ") {
            continue; // a numbered source line
        }
        if let Some(rest) = t.strip_prefix("= ") {
            main.push(rest.trim_end_matches('.').to_string());
        } else if let Some((k, v)) = t.split_once('=') {
            context.push((k.trim().to_string(), v.trim().to_string()));
        } else if t.starts_with("from:") {
            // Where in lectern's assembled template: not the author's text.
        } else {
            main.push(t.trim_end_matches('.').to_string());
        }
    }
    let get = |key: &str| {
        context
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let first = main.first().cloned().unwrap_or_default();
    if first == "Unknown filter" {
        if let Some(f) = get("requested filter") {
            return Problem::UnknownFilter(f);
        }
    }
    if first == "Unknown tag" {
        if let Some(t) = get("requested") {
            return Problem::UnknownTag(t);
        }
    }
    let details: Vec<String> = [
        "cause",
        "requested variable",
        "variable",
        "requested index",
        "filter",
    ]
    .iter()
    .filter_map(|key| get(key).map(|v| format!("{key}: {v}")))
    .collect();
    let mut msg = if first.is_empty() {
        short(&full)
    } else {
        first
    };
    if !details.is_empty() {
        msg = format!("{msg} ({})", details.join(", "));
    }
    Problem::Other(lower_first(&msg))
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The byte offset a pest error points at in `text` (0 if it says none).
fn pest_offset(text: &str, e: &liquid_core::Error) -> usize {
    static AT: OnceLock<Regex> = OnceLock::new();
    let re = AT.get_or_init(|| Regex::new(r"--> (\d+):(\d+)").expect("valid regex"));
    let s = e.to_string();
    let Some(c) = re.captures(&s) else { return 0 };
    let (Ok(line), Ok(col)) = (c[1].parse::<usize>(), c[2].parse::<usize>()) else {
        return 0;
    };
    let start = crate::diag::line_start(text, line);
    let line_text = &text[start..];
    start
        + line_text
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(line_text.len(), |(i, _)| i)
}

// ---------------------------------------------------------------------------
// The variables Liquid sees.

/// The page's variables: every workshop variable under its lower-case name,
/// and `ENV_NAME` for each environment variable.
#[derive(Debug)]
struct Globals {
    obj: liquid_core::Object,
}

impl Globals {
    fn new(vars: &Vars) -> Globals {
        let mut obj = liquid_core::Object::new();
        for (k, v) in vars.iter() {
            obj.insert(k.to_string().into(), Value::scalar(v.to_string()));
        }
        let names: BTreeSet<String> = std::env::vars()
            .map(|(k, _)| k)
            .chain(vars.env().into_iter().map(|(k, _)| k))
            .chain(vars.session_env().iter().map(|(k, _)| k.clone()))
            .collect();
        for k in names {
            if let Some(v) = vars.env_value(&k) {
                obj.insert(format!("ENV_{k}").into(), Value::scalar(v));
            }
        }
        Globals { obj }
    }
}

/// What an unknown name is: nil to Liquid (false, empty, `default` applies),
/// and an empty mapping where Liquid wants one, so `contains` or a loop on it
/// is false or empty rather than a failure of the page, as in liquidjs.
#[derive(Debug)]
struct Missing;

static MISSING: Missing = Missing;

impl ValueView for Missing {
    fn as_debug(&self) -> &dyn fmt::Debug {
        self
    }
    fn render(&self) -> liquid_core::model::DisplayCow<'_> {
        liquid_core::model::DisplayCow::Borrowed(&"")
    }
    fn source(&self) -> liquid_core::model::DisplayCow<'_> {
        liquid_core::model::DisplayCow::Borrowed(&"nil")
    }
    fn type_name(&self) -> &'static str {
        "nil"
    }
    fn query_state(&self, state: State) -> bool {
        !matches!(state, State::Truthy)
    }
    fn to_kstr(&self) -> KStringCow<'_> {
        KStringCow::from_static("")
    }
    fn to_value(&self) -> Value {
        Value::Nil
    }
    fn is_nil(&self) -> bool {
        true
    }
    fn as_object(&self) -> Option<&dyn ObjectView> {
        Some(self)
    }
}

impl ObjectView for Missing {
    fn as_value(&self) -> &dyn ValueView {
        self
    }
    fn size(&self) -> i64 {
        0
    }
    fn keys<'k>(&'k self) -> Box<dyn Iterator<Item = KStringCow<'k>> + 'k> {
        Box::new(std::iter::empty())
    }
    fn values<'k>(&'k self) -> Box<dyn Iterator<Item = &'k dyn ValueView> + 'k> {
        Box::new(std::iter::empty())
    }
    fn iter<'k>(&'k self) -> Box<dyn Iterator<Item = (KStringCow<'k>, &'k dyn ValueView)> + 'k> {
        Box::new(std::iter::empty())
    }
    fn contains_key(&self, _index: &str) -> bool {
        false
    }
    fn get<'s>(&'s self, _index: &str) -> Option<&'s dyn ValueView> {
        None
    }
}

/// Liquid's runtime, except that a name nothing defines is `Missing` (and
/// noted) rather than an error, and a workshop variable matches in any case.
struct Lenient<'r> {
    inner: &'r dyn Runtime,
}

impl Lenient<'_> {
    /// The path with its first name in lower case, when that is what is defined.
    fn lower(&self, path: &[ScalarCow<'_>]) -> Option<Vec<ScalarCow<'static>>> {
        let root = path.first()?.to_kstr();
        if root.starts_with("ENV_") || root.chars().all(|c| !c.is_ascii_uppercase()) {
            return None;
        }
        let lower = root.to_ascii_lowercase();
        self.inner.try_get(&[ScalarCow::new(lower.clone())])?;
        let mut p = vec![ScalarCow::new(lower)];
        p.extend(
            path[1..]
                .iter()
                .map(|s| ScalarCow::new(s.clone().into_owned())),
        );
        Some(p)
    }

    fn missing(&self, path: &[ScalarCow<'_>]) -> bool {
        let Some(root) = path.first() else {
            return false;
        };
        if self.inner.try_get(std::slice::from_ref(root)).is_some() {
            return false;
        }
        let name = root.to_kstr().to_string();
        with_state(|s| {
            let out = s.current_out;
            s.unknown.push((name, out));
        });
        true
    }
}

impl Runtime for Lenient<'_> {
    fn partials(&self) -> &dyn PartialStore {
        self.inner.partials()
    }
    fn name(&self) -> Option<liquid_core::model::KStringRef<'_>> {
        self.inner.name()
    }
    fn roots(&self) -> BTreeSet<KStringCow<'_>> {
        self.inner.roots()
    }
    fn try_get(&self, path: &[ScalarCow<'_>]) -> Option<ValueCow<'_>> {
        if let Some(v) = self.inner.try_get(path) {
            return Some(v);
        }
        if let Some(p) = self.lower(path) {
            return self
                .inner
                .try_get(&p)
                .map(|v| ValueCow::Owned(v.into_owned()));
        }
        self.missing(path)
            .then_some(ValueCow::Borrowed(&MISSING as &dyn ValueView))
    }
    fn get(&self, path: &[ScalarCow<'_>]) -> liquid_core::Result<ValueCow<'_>> {
        match self.inner.get(path) {
            Ok(v) => Ok(v),
            Err(e) => {
                if let Some(p) = self.lower(path) {
                    return self.inner.get(&p).map(|v| ValueCow::Owned(v.into_owned()));
                }
                if self.missing(path) {
                    Ok(ValueCow::Borrowed(&MISSING as &dyn ValueView))
                } else {
                    Err(e)
                }
            }
        }
    }
    fn set_global(&self, name: KString, val: Value) -> Option<Value> {
        self.inner.set_global(name, val)
    }
    fn set_index(&self, name: KString, val: Value) -> Option<Value> {
        self.inner.set_index(name, val)
    }
    fn get_index<'a>(&'a self, name: &str) -> Option<ValueCow<'a>> {
        self.inner.get_index(name)
    }
    fn registers(&self) -> &Registers {
        self.inner.registers()
    }
}

// ---------------------------------------------------------------------------
// What rendering keeps track of.

#[derive(Default)]
struct RenderState {
    guarded: Vec<bool>,
    current_out: Option<usize>,
    /// Unknown names looked up, with the output being rendered then.
    unknown: Vec<(String, Option<usize>)>,
    errors: BTreeMap<usize, String>,
    loops_left: usize,
    loop_cut: Option<usize>,
    output_left: usize,
    markers: Markers,
}

thread_local! {
    static STATE: RefCell<Option<RenderState>> = const { RefCell::new(None) };
}

fn with_state<R>(f: impl FnOnce(&mut RenderState) -> R) -> Option<R> {
    STATE.with(|s| s.try_borrow_mut().ok()?.as_mut().map(f))
}

/// The rendered page, up to a limit.
struct Capped {
    buf: Vec<u8>,
    left: usize,
}

impl Write for Capped {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if b.len() > self.left {
            return Err(std::io::Error::other(format!(
                "the page renders to more than {} MiB",
                MAX_PAGE >> 20
            )));
        }
        self.left -= b.len();
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// lectern's tags and filters.

/// Parse with lectern's Liquid: the standard library, lectern's output tag
/// and loop filters, and the filters that can grow a value capped.
fn parse(text: &str) -> liquid_core::Result<Vec<Box<dyn Renderable>>> {
    liquid_core::parser::parse(text, language())
}

fn language() -> &'static Language {
    static LANGUAGE: OnceLock<Language> = OnceLock::new();
    LANGUAGE.get_or_init(|| {
        let mut l = Language::empty();
        let blocks: Vec<Box<dyn ParseBlock>> = vec![
            Box::new(stdlib::RawBlock),
            Box::new(stdlib::IfBlock),
            Box::new(stdlib::UnlessBlock),
            Box::new(stdlib::IfChangedBlock),
            Box::new(stdlib::ForBlock),
            Box::new(stdlib::TableRowBlock),
            Box::new(stdlib::CommentBlock),
            Box::new(stdlib::CaptureBlock),
            Box::new(stdlib::CaseBlock),
        ];
        for b in blocks {
            l.blocks.register(b.reflection().start_tag().to_string(), b);
        }
        // No `include` or `render`: a page is one file here.
        let tags: Vec<Box<dyn ParseTag>> = vec![
            Box::new(stdlib::AssignTag),
            Box::new(stdlib::BreakTag),
            Box::new(stdlib::ContinueTag),
            Box::new(stdlib::CycleTag),
            Box::new(stdlib::IncrementTag),
            Box::new(stdlib::DecrementTag),
            Box::new(OutTag { mark: true }),
            Box::new(OutTag { mark: false }),
        ];
        for t in tags {
            l.tags.register(t.reflection().tag().to_string(), t);
        }
        let plain: Vec<Box<dyn ParseFilter>> = vec![
            Box::new(stdlib::Abs),
            Box::new(stdlib::AtLeast),
            Box::new(stdlib::AtMost),
            Box::new(stdlib::Capitalize),
            Box::new(stdlib::Ceil),
            Box::new(stdlib::Compact),
            Box::new(stdlib::Date),
            Box::new(stdlib::Default),
            Box::new(stdlib::DividedBy),
            Box::new(stdlib::Downcase),
            Box::new(stdlib::Escape),
            Box::new(stdlib::EscapeOnce),
            Box::new(stdlib::First),
            Box::new(stdlib::Floor),
            Box::new(stdlib::Last),
            Box::new(stdlib::Lstrip),
            Box::new(stdlib::Map),
            Box::new(stdlib::Minus),
            Box::new(stdlib::Modulo),
            Box::new(stdlib::NewlineToBr),
            Box::new(stdlib::Plus),
            Box::new(stdlib::Remove),
            Box::new(stdlib::RemoveFirst),
            Box::new(stdlib::Reverse),
            Box::new(stdlib::Round),
            Box::new(stdlib::Rstrip),
            Box::new(stdlib::Size),
            Box::new(stdlib::Slice),
            Box::new(stdlib::Sort),
            Box::new(stdlib::SortNatural),
            Box::new(stdlib::Split),
            Box::new(stdlib::Strip),
            Box::new(stdlib::StripHtml),
            Box::new(stdlib::StripNewlines),
            Box::new(stdlib::Times),
            Box::new(stdlib::Truncate),
            Box::new(stdlib::TruncateWords),
            Box::new(stdlib::Uniq),
            Box::new(stdlib::Upcase),
            Box::new(stdlib::UrlDecode),
            Box::new(stdlib::UrlEncode),
            Box::new(stdlib::Where),
            Box::new(RangeFilter),
            Box::new(ItemsFilter),
        ];
        // Filters that can make a value grow, doubled in a loop.
        let growing: Vec<Box<dyn ParseFilter>> = vec![
            Box::new(stdlib::Append),
            Box::new(stdlib::Prepend),
            Box::new(stdlib::Concat),
            Box::new(stdlib::Join),
            Box::new(stdlib::Replace),
            Box::new(stdlib::ReplaceFirst),
        ];
        let capped = growing
            .into_iter()
            .map(|f| Box::new(CappedFilter(f)) as Box<dyn ParseFilter>);
        for f in plain.into_iter().chain(capped) {
            l.filters.register(f.reflection().name().to_string(), f);
        }
        l
    })
}

/// `{% lectern_out N EXPR %}`: output N of the page. An unknown variable
/// (without `default`) or an error leaves the output as written, and only it.
#[derive(Clone)]
struct OutTag {
    /// Outside captures a marker says where the value came from.
    mark: bool,
}

impl TagReflection for OutTag {
    fn tag(&self) -> &str {
        if self.mark {
            "lectern_out"
        } else {
            "lectern_value"
        }
    }
    fn description(&self) -> &str {
        "an output of the page"
    }
}

impl ParseTag for OutTag {
    fn parse(
        &self,
        mut arguments: TagTokenIter<'_>,
        options: &Language,
    ) -> liquid_core::Result<Box<dyn Renderable>> {
        let n = arguments
            .expect_next("output number")?
            .expect_literal()
            .into_result()?
            .as_scalar()
            .and_then(|s| s.to_integer())
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| liquid_core::Error::with_msg("output number"))?;
        let chain = arguments
            .expect_next("expression")?
            .expect_filter_chain(options)
            .into_result()?;
        arguments.expect_nothing()?;
        Ok(Box::new(OutRender {
            n,
            chain,
            mark: self.mark,
        }))
    }
    fn reflection(&self) -> &dyn TagReflection {
        self
    }
}

#[derive(Debug)]
struct OutRender {
    n: usize,
    chain: FilterChain,
    mark: bool,
}

impl Renderable for OutRender {
    fn render_to(&self, writer: &mut dyn Write, runtime: &dyn Runtime) -> liquid_core::Result<()> {
        let (before, guarded) = with_state(|s| {
            s.current_out = Some(self.n);
            (
                s.unknown.len(),
                s.guarded.get(self.n).copied().unwrap_or(false),
            )
        })
        .unwrap_or((0, false));
        let result = self.chain.evaluate(runtime).map(|v| v.render().to_string());
        let text = with_state(|s| {
            s.current_out = None;
            let m = s.markers;
            let unknown = s.unknown.len() > before;
            match result {
                _ if unknown && !guarded => m.mark(UNK, self.n),
                Ok(v) if v.len() > MAX_VALUE || v.len() > s.output_left => {
                    s.errors.entry(self.n).or_insert_with(|| {
                        format!("the value is longer than {} MiB", MAX_VALUE >> 20)
                    });
                    m.mark(ERR, self.n)
                }
                Ok(v) => {
                    s.output_left -= v.len();
                    if self.mark {
                        m.mark(SUB, self.n) + &v
                    } else {
                        v
                    }
                }
                Err(e) => {
                    s.errors
                        .entry(self.n)
                        .or_insert_with(|| condense(&e).text());
                    m.mark(ERR, self.n)
                }
            }
        })
        .unwrap_or_default();
        writer
            .write_all(text.as_bytes())
            .map_err(|e| liquid_core::Error::with_msg(e.to_string()))
    }
}

fn no_params() -> &'static [ParameterReflection] {
    &[]
}

/// Positional arguments of a filter, exactly `n` of them.
fn positional(
    args: FilterArguments<'_>,
    n: usize,
    name: &str,
) -> liquid_core::Result<Vec<Expression>> {
    let FilterArguments {
        positional,
        mut keyword,
    } = args;
    let list: Vec<Expression> = positional.collect();
    if list.len() != n || keyword.next().is_some() {
        return Err(liquid_core::Error::with_msg(format!(
            "`{name}` takes {n} arguments"
        )));
    }
    Ok(list)
}

fn budget_error() -> liquid_core::Error {
    liquid_core::Error::with_msg("loop budget")
}

/// Take up to `want` loop iterations from the page's budget for loop `l`.
fn take_iterations(want: usize, l: usize) -> usize {
    with_state(|s| {
        let got = want.min(s.loops_left);
        s.loops_left -= got;
        if got < want && s.loop_cut.is_none() {
            s.loop_cut = Some(l);
        }
        got
    })
    .unwrap_or(0)
}

fn whole_number(v: &dyn ValueView, what: &str) -> liquid_core::Result<i64> {
    v.as_scalar()
        .and_then(|s: ScalarCow<'_>| s.to_integer())
        .ok_or_else(|| {
            liquid_core::Error::with_msg(format!(
                "expected a whole number for the range {what}, found `{}`",
                v.render()
            ))
        })
}

/// `A | lectern_range: B, L`: the numbers of the range `(A..B)` of loop L,
/// within the page's loop budget.
#[derive(Clone)]
struct RangeFilter;

impl FilterReflection for RangeFilter {
    fn name(&self) -> &str {
        "lectern_range"
    }
    fn description(&self) -> &str {
        "a loop's range, within the page's budget"
    }
    fn positional_parameters(&self) -> &'static [ParameterReflection] {
        no_params()
    }
    fn keyword_parameters(&self) -> &'static [ParameterReflection] {
        no_params()
    }
}

impl ParseFilter for RangeFilter {
    fn parse(&self, arguments: FilterArguments<'_>) -> liquid_core::Result<Box<dyn Filter>> {
        let mut args = positional(arguments, 2, "lectern_range")?.into_iter();
        match (args.next(), args.next()) {
            (Some(end), Some(l)) => Ok(Box::new(RangeEval { end, l })),
            _ => Err(budget_error()),
        }
    }
    fn reflection(&self) -> &dyn FilterReflection {
        self
    }
}

#[derive(Debug)]
struct RangeEval {
    end: Expression,
    l: Expression,
}

impl fmt::Display for RangeEval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "lectern_range: {}, {}", self.end, self.l)
    }
}

fn loop_number(l: &Expression, runtime: &dyn Runtime) -> liquid_core::Result<usize> {
    let v = l.evaluate(runtime)?;
    Ok(whole_number(v.as_view(), "number")
        .ok()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0))
}

impl Filter for RangeEval {
    fn evaluate(&self, input: &dyn ValueView, runtime: &dyn Runtime) -> liquid_core::Result<Value> {
        let start = whole_number(input, "start")?;
        let end_v = self.end.evaluate(runtime)?;
        let end = whole_number(end_v.as_view(), "end")?;
        let l = loop_number(&self.l, runtime)?;
        let want = if end < start {
            0
        } else {
            usize::try_from(i128::from(end) - i128::from(start) + 1).unwrap_or(usize::MAX)
        };
        let got = take_iterations(want, l);
        Ok(Value::Array(
            (0..got as i64).map(|i| Value::scalar(start + i)).collect(),
        ))
    }
}

/// `X | lectern_items: L`: what loop L goes over, as Educates' liquidjs takes
/// it (a text is one item, a number none), within the page's loop budget.
#[derive(Clone)]
struct ItemsFilter;

impl FilterReflection for ItemsFilter {
    fn name(&self) -> &str {
        "lectern_items"
    }
    fn description(&self) -> &str {
        "a loop's items, within the page's budget"
    }
    fn positional_parameters(&self) -> &'static [ParameterReflection] {
        no_params()
    }
    fn keyword_parameters(&self) -> &'static [ParameterReflection] {
        no_params()
    }
}

impl ParseFilter for ItemsFilter {
    fn parse(&self, arguments: FilterArguments<'_>) -> liquid_core::Result<Box<dyn Filter>> {
        let l = positional(arguments, 1, "lectern_items")?
            .into_iter()
            .next()
            .ok_or_else(budget_error)?;
        Ok(Box::new(ItemsEval { l }))
    }
    fn reflection(&self) -> &dyn FilterReflection {
        self
    }
}

#[derive(Debug)]
struct ItemsEval {
    l: Expression,
}

impl fmt::Display for ItemsEval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "lectern_items: {}", self.l)
    }
}

impl Filter for ItemsEval {
    fn evaluate(&self, input: &dyn ValueView, runtime: &dyn Runtime) -> liquid_core::Result<Value> {
        let l = loop_number(&self.l, runtime)?;
        let items: Vec<Value> = if let Some(a) = input.as_array() {
            a.values().map(|v| v.to_value()).collect()
        } else if let Some(o) = input.as_object() {
            o.iter()
                .map(|(k, v)| Value::Array(vec![Value::scalar(k.into_owned()), v.to_value()]))
                .collect()
        } else if input.type_name() == "string" && !input.to_kstr().is_empty() {
            vec![input.to_value()]
        } else {
            Vec::new()
        };
        let got = take_iterations(items.len(), l);
        Ok(Value::Array(items.into_iter().take(got).collect()))
    }
}

/// A standard filter whose result may not grow past `MAX_VALUE`.
#[derive(Clone)]
struct CappedFilter(Box<dyn ParseFilter>);

impl ParseFilter for CappedFilter {
    fn parse(&self, arguments: FilterArguments<'_>) -> liquid_core::Result<Box<dyn Filter>> {
        Ok(Box::new(Capping(self.0.parse(arguments)?)))
    }
    fn reflection(&self) -> &dyn FilterReflection {
        self.0.reflection()
    }
}

#[derive(Debug)]
struct Capping(Box<dyn Filter>);

impl fmt::Display for Capping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Filter for Capping {
    fn evaluate(&self, input: &dyn ValueView, runtime: &dyn Runtime) -> liquid_core::Result<Value> {
        let v = self.0.evaluate(input, runtime)?;
        let size = match v.as_array() {
            Some(a) => a.size().max(0) as usize,
            None => v.to_kstr().len(),
        };
        if size > MAX_VALUE {
            return Err(liquid_core::Error::with_msg(format!(
                "the value grows past {} MiB",
                MAX_VALUE >> 20
            )));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        let mut v = Vars::builtin("demo", "Demo", "");
        v.set("LANGUAGE", "python");
        v.set("items", "a,b,c");
        v.set("n", "3");
        v
    }

    fn r(src: &str) -> (Templated, Vec<TemplateIssue>) {
        render(src, &vars())
    }

    fn text(src: &str) -> String {
        let (t, issues) = r(src);
        assert!(issues.is_empty(), "{src:?}: {issues:?}");
        t.text
    }

    /// `needle` in the output maps back to `needle` in the source.
    fn maps(src: &str, t: &Templated, needle: &str) {
        let out = t
            .text
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} in {:?}", t.text));
        let at = t.source_offset(out);
        assert_eq!(&src[at..at + needle.len()], needle, "{:?}", t.text);
    }

    #[test]
    fn filters() {
        assert_eq!(
            text("{{ session_name | upcase }} {{ 'ABC' | downcase }} {{ nope | default: 'd' }}"),
            "DEMO abc d"
        );
        assert_eq!(
            text("{{ items | split: ',' | size }} {{ items | replace: ',', '+' }} {{ items | split: ',' | join: '-' }}"),
            "3 a+b+c a-b-c"
        );
        assert_eq!(
            text("{{ 'x' | append: session_id }} {{ '  t ' | strip }} {{ 10 | plus: n }}"),
            "xs001 t 13"
        );
    }

    #[test]
    fn loops() {
        assert_eq!(
            text(
                "{% for i in (1..n) %}{{ i }}{% unless forloop.last %},{% endunless %}{% endfor %}"
            ),
            "1,2,3"
        );
        assert_eq!(
            text("{% assign xs = items | split: ',' %}{% for x in xs reversed limit: 2 %}[{{ x }}]{% endfor %}"),
            "[b][a]"
        );
        assert_eq!(
            text("{% assign xs = '' | split: ',' %}{% for x in xs %}x{% else %}none{% endfor %}"),
            "none"
        );
        // A text is one item, as liquidjs has it.
        assert_eq!(
            text("{% for x in session_name %}<{{ x }}>{% endfor %}"),
            "<demo>"
        );
    }

    #[test]
    fn conditions() {
        let src =
            "{% if LANGUAGE == 'java' %}J{% elsif LANGUAGE == 'python' %}P{% else %}O{% endif %}";
        assert_eq!(text(src), "P");
        assert_eq!(
            text("{% unless LANGUAGE == 'java' %}not java{% endunless %}"),
            "not java"
        );
        assert_eq!(
            text("{% case LANGUAGE %}{% when 'java' %}J{% when 'python' %}P{% endcase %}"),
            "P"
        );
        assert_eq!(
            text("{% if items contains 'b' and n == '3' %}yes{% endif %}"),
            "yes"
        );
    }

    #[test]
    fn raw_comment_and_whitespace_control() {
        assert_eq!(
            text(
                "{% raw %}{{ kept }} {% if %}{% endraw %}|{% comment %}{{ gone }}{% endcomment %}|"
            ),
            "{{ kept }} {% if %}||"
        );
        assert_eq!(text("a  {%- if true -%}  b  {%- endif -%}\n  c"), "abc");
        assert_eq!(text("x\n{{- session_id -}}\ny"), "xs001y");
        assert_eq!(text("a {%- raw -%} {{ b }} {%- endraw -%} c"), "a{{ b }}c");
    }

    #[test]
    fn legacy_and_environment_variables() {
        std::env::set_var("LECTERN_CLASSIC_TEST", "e1");
        assert_eq!(
            text("%session_id% 50% off %nope% {{ ENV_LECTERN_CLASSIC_TEST }} %ENV_LECTERN_CLASSIC_TEST%"),
            "s001 50% off %nope% e1 e1"
        );
        // The session's environment includes the variables upper-cased.
        assert_eq!(text("{{ ENV_SESSION_NAME }}"), "demo");
        let mut v = vars();
        v.set_session_env(vec![("REPO".into(), "https://example.org".into())]);
        assert_eq!(render("{{ ENV_REPO }}", &v).0.text, "https://example.org");
    }

    #[test]
    fn unknown_variables_are_false_and_empty_to_liquid() {
        let (t, issues) = r("{% if nope contains 'x' %}A{% endif %}{% for i in nope %}B{% endfor %}{% if nope == nil and nope == empty %}C{% endif %}");
        assert_eq!(t.text, "C", "{:?}", issues);
        assert!(issues.iter().all(|i| !i.is_error), "{issues:?}");
    }

    #[test]
    fn unknown_variables_are_left_as_written_where_they_are() {
        let src = "a {{ nope }} b\n{% if missing %}x{% endif %}{{ nope | default: 'd' }}";
        let (t, issues) = r(src);
        assert_eq!(t.text, "a {{ nope }} b\nd");
        assert_eq!(issues.len(), 2, "{issues:?}");
        assert_eq!(issues[0].offset, 2);
        assert!(issues[0]
            .message
            .contains("unknown variable `nope`; left as written"));
        assert_eq!(issues[1].offset, src.find("{% if").unwrap());
        assert!(issues[1]
            .message
            .contains("`missing` in `{% if %}` (treated as false)"));
        assert!(issues.iter().all(|i| !i.is_error));
        maps(src, &t, "{{ nope }} b");
        // Unknown inside a branch not taken: nothing to say.
        assert!(r("{% if false %}{{ nope }}{% endif %}").1.is_empty());
        // ENV_ of an unset variable in a condition is the usual test for it.
        assert!(r("{% if ENV_LECTERN_NEVER_SET %}x{% endif %}").1.is_empty());
    }

    #[test]
    fn a_failing_output_costs_only_itself() {
        let src = "{{ session_name.nothing }} and {{ 1 | divided_by: 0 }} but {{ session_id }}";
        let (t, issues) = r(src);
        assert_eq!(
            t.text,
            "{{ session_name.nothing }} and {{ 1 | divided_by: 0 }} but s001"
        );
        assert_eq!(issues.len(), 2, "{issues:?}");
        assert!(issues.iter().all(|i| i.is_error));
        assert_eq!(issues[1].offset, src.find("{{ 1").unwrap());
        assert!(issues[1].message.contains("divide by zero"), "{issues:?}");
    }

    #[test]
    fn bad_liquid_is_reported_and_shown_as_written() {
        let (t, issues) = r("{{ x | lower }} {% highlight %} {% if a = b %}y{% endif %} ok");
        assert!(
            t.text
                .starts_with("{{ x | lower }} {% highlight %} {% if a = b %}y"),
            "{}",
            t.text
        );
        assert!(t.text.ends_with(" ok"));
        assert!(!issues[0].is_error && issues[0].message.contains("unknown Liquid filter `lower`"));
        assert!(issues[1].is_error && issues[1].message.contains("unknown Liquid tag `highlight`"));
        assert!(issues[2].is_error && issues[2].message.contains("not valid Liquid"));
        // The bad `if`'s `endif` goes with it, unremarked.
        assert_eq!(issues.len(), 3, "{issues:?}");
    }

    #[test]
    fn blocks_are_paired_without_trusting_the_author() {
        let (t, issues) = r("{% if true %}a{% for i in (1..2) %}{{ i }}{% endfor %}");
        assert_eq!(t.text, "{% if true %}a12");
        assert_eq!(issues.len(), 1);
        assert!(issues[0].message.contains("`{% if %}` is never closed"));
        let (t, issues) = r("{% else %}x{% endfor %}{% when 1 %}");
        assert_eq!(t.text, "{% else %}x{% endfor %}{% when 1 %}");
        assert_eq!(issues.len(), 3, "{issues:?}");
        let (t, issues) = r("{% raw %} never ends {% endcomment %}");
        assert_eq!(t.text, "{% raw %} never ends {% endcomment %}");
        assert_eq!(issues.len(), 2, "{issues:?}");
        assert!(issues[0].message.contains("`{% raw %}` is never closed"));
        assert!(issues[1]
            .message
            .contains("`{% endcomment %}` without a matching `{% comment %}`"));
        let (_, issues) = r("text {{ no end");
        assert!(issues[0].message.contains("`{{` is never closed"));
    }

    #[test]
    fn deep_nesting_is_shown_as_written() {
        let depth = 5000;
        let src = "{% if true %}".repeat(depth) + "x" + &"{% endif %}".repeat(depth);
        let started = std::time::Instant::now();
        let (t, issues) = r(&src);
        assert!(started.elapsed().as_secs() < 5);
        assert!(t.text.contains('x'));
        assert_eq!(issues.len(), 1, "{:?}", &issues[..issues.len().min(3)]);
        assert!(issues[0].message.contains("nest deeper than 32"));
        let brackets = format!("{{{{ a{}0{} }}}}", "[".repeat(100), "]".repeat(100));
        assert!(r(&brackets).1[0].message.contains("brackets nest deeper"));
    }

    #[test]
    fn loops_and_values_have_budgets() {
        let started = std::time::Instant::now();
        let (t, issues) = r(
            "{% for i in (1..1000000000000) %}{% for j in (1..1000000) %}{% endfor %}{% endfor %}.",
        );
        assert_eq!(t.text, ".");
        assert!(
            issues[0].message.contains("ran more than 10000 times"),
            "{issues:?}"
        );
        let (_, issues) = r("{% assign s = 'xx' %}{% for i in (1..64) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}");
        assert!(!issues.is_empty());
        let (_, issues) = r("{% capture s %}x{% endcapture %}{% for i in (1..40) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}{{ s | size }}");
        assert!(!issues.is_empty());
        assert!(started.elapsed().as_secs() < 10);
    }

    #[test]
    fn captures_keep_their_values_clean() {
        assert_eq!(
            text("{% capture c %}hi {{ session_id }}{% endcapture %}{{ c | size }} {{ c }}"),
            "7 hi s001"
        );
    }

    #[test]
    fn every_literal_byte_maps_to_where_it_was_written() {
        let src = "# Title {{ workshop_title }}\n{% if true %}\nline two\n{% for i in (1..2) %}\nloop {{ i }}\n{% endfor %}\n{% endif %}\nlast %session_id% line\n";
        let (t, issues) = r(src);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(
            t.text,
            "# Title Demo\n\nline two\n\nloop 1\n\nloop 2\n\n\nlast s001 line\n"
        );
        maps(src, &t, "line two");
        maps(src, &t, " line\n");
        maps(src, &t, "loop ");
        // Output of a substitution maps to where it was written.
        let demo = t.text.find("Demo").unwrap();
        assert_eq!(
            t.source_offset(demo),
            src.find("{{ workshop_title").unwrap()
        );
        let s = t.text.find("s001").unwrap();
        assert_eq!(t.source_offset(s), src.find("%session_id%").unwrap());
    }
}
