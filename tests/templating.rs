//! Liquid in classic pages: what the lesson parser reports after templating
//! points at the line of the page file it is about, and arbitrary templates
//! render quickly without panicking.

use std::path::Path;
use std::time::{Duration, Instant};

use lectern::diag::line_col;
use lectern::lesson;
use lectern::workshop::template::{self, Dialect};
use lectern::workshop::Vars;
use proptest::prelude::*;

fn vars() -> Vars {
    let mut v = Vars::builtin("demo", "Demo", "");
    v.set("language", "python");
    v.set("load_duration", "30s");
    v
}

#[test]
fn diagnostics_after_templating_point_at_their_line() {
    // Tags that span lines, vanish, repeat text and add text all come before
    // the broken action; its diagnostic must still name line 22.
    let src = "\
# {{ workshop_title | upcase }}

{% if language == 'java' %}
Java only.
{% elsif language == 'python' %}
Python: {{ load_duration | default: '1m' }}.
{% endif %}
{% for i in (1..3) %}
- item {{ i }}
{% endfor %}
{% capture note %}
a note
spread over lines
{% endcapture %}
{{ note | strip_newlines }}
{%- comment -%}
gone
{%- endcomment %}
{% raw %}{{ kept }}{% endraw %} and %session_name%

```terminal:execute
command: [not closed
```

```editor:explode
file: x
```
";
    let (t, issues) = template::render(src, Dialect::Classic, &vars());
    assert!(issues.is_empty(), "{issues:?}");
    assert!(t.text.contains("Python: 30s."), "{}", t.text);
    assert!(t.text.contains("- item 3"), "{}", t.text);
    let (_, diags) = lesson::parse(Path::new("p.md"), src, &t, Dialect::Classic);
    let lines: Vec<(usize, String)> = diags.iter().map(|d| (d.line, d.message.clone())).collect();
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 22 && m.contains("invalid YAML in `terminal:execute`")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 25 && m.contains("unknown action `editor:explode`")),
        "{lines:?}"
    );
}

#[test]
fn template_problems_point_at_their_line_too() {
    let src = "one\n{% if true %}\ntwo {{ nope }}\n{% endif %}\n{% for x in (1..2) %}\n{{ x | nosuch }}\n{% endfor %}\n{% endif %}\n";
    let (_, issues) = template::render(src, Dialect::Classic, &vars());
    let at: Vec<(usize, usize)> = issues.iter().map(|i| line_col(src, i.offset)).collect();
    assert_eq!(at, vec![(3, 5), (6, 1), (8, 1)], "{issues:?}");
}

#[derive(Debug, Clone)]
enum Piece {
    Line,
    Var,
    If(bool),
    Unless,
    EndIf,
    For(u8),
    EndFor,
    Capture,
    EndCapture,
    Comment,
    Raw,
    Assign,
    Legacy,
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        4 => Just(Piece::Line),
        1 => Just(Piece::Var),
        1 => any::<bool>().prop_map(Piece::If),
        1 => Just(Piece::Unless),
        2 => Just(Piece::EndIf),
        1 => (0u8..3).prop_map(Piece::For),
        1 => Just(Piece::EndFor),
        1 => Just(Piece::Capture),
        1 => Just(Piece::EndCapture),
        1 => Just(Piece::Comment),
        1 => Just(Piece::Raw),
        1 => Just(Piece::Assign),
        1 => Just(Piece::Legacy),
    ]
}

/// A well-formed page from the pieces: numbered plain lines (`L<n>:`) among
/// tags, with `-` trimming here and there. Returns the page and, for each
/// line, whether it is shown at least once.
fn page(pieces: &[(Piece, bool)]) -> (String, Vec<bool>) {
    let mut out = String::new();
    let mut open: Vec<(&str, bool)> = Vec::new(); // (end tag, shown)
    let mut shown = Vec::new();
    let visible = |open: &[(&str, bool)]| open.iter().all(|(_, s)| *s);
    for (p, trim) in pieces {
        let d = if *trim { "-" } else { "" };
        match p {
            Piece::Line => {
                shown.push(visible(&open));
                out.push_str(&format!("L{}: text of line\n", shown.len() - 1));
            }
            Piece::Var => out.push_str("{{ session_name }} and {{ 'x' | upcase }}\n"),
            Piece::If(c) => {
                out.push_str(&format!("{{%{d} if {c} {d}%}}\n"));
                open.push(("endif", *c));
            }
            Piece::Unless => {
                out.push_str("{% unless false %}\n");
                open.push(("endunless", true));
            }
            Piece::For(n) => {
                out.push_str(&format!("{{% for i in (1..{n}) {d}%}}\n"));
                open.push(("endfor", *n > 0));
            }
            Piece::Capture => {
                out.push_str("{% capture c %}\n");
                open.push(("endcapture", false));
            }
            Piece::EndIf | Piece::EndFor | Piece::EndCapture => {
                if let Some((end, _)) = open.pop() {
                    out.push_str(&format!("{{%{d} {end} %}}\n"));
                }
            }
            Piece::Comment => out.push_str("{% comment %}L: gone {{ x }}{% endcomment %}\n"),
            Piece::Raw => out.push_str("{% raw %}{{ raw }}{% endraw %}\n"),
            Piece::Assign => out.push_str("{% assign c = 'v' | append: session_id %}{{ c }}\n"),
            Piece::Legacy => out.push_str("%session_id% 50%\n"),
        }
    }
    while let Some((end, _)) = open.pop() {
        out.push_str(&format!("{{% {end} %}}\n"));
    }
    (out, shown)
}

/// Text built from what makes templates interesting, valid or not.
fn templatish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("{{ ".to_string()),
        Just(" }}".to_string()),
        Just("{%".to_string()),
        Just("%}".to_string()),
        Just("-".to_string()),
        Just("{% if x %}".to_string()),
        Just("{% elsif y %}".to_string()),
        Just("{% else %}".to_string()),
        Just("{% endif %}".to_string()),
        Just("{% for i in (1..99999999999) %}".to_string()),
        Just("{% for i in (1..n) %}".to_string()),
        Just("{% endfor %}".to_string()),
        Just("{% raw %}".to_string()),
        Just("{% endraw %}".to_string()),
        Just("{% comment %}".to_string()),
        Just("{% endcomment %}".to_string()),
        Just("{% capture s %}{{ s }}{{ s }}".to_string()),
        Just("{% endcapture %}".to_string()),
        Just("{% assign s = s | append: s %}".to_string()),
        Just("{% case x %}{% when 1 %}".to_string()),
        Just("{% endcase %}".to_string()),
        Just("{{ s | size }}".to_string()),
        Just("{{ a[b[c]] }}".to_string()),
        Just("{{ x | nosuch }}".to_string()),
        Just("{% include 'f' %}".to_string()),
        Just("%session_name%".to_string()),
        Just("\u{e000}\u{e006}\u{e005}".to_string()),
        Just("'\"".to_string()),
        Just("\n".to_string()),
        "[a-z{}%|:'\"()\\[\\]. -]{0,8}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_line_maps_back_to_where_it_was_written(
        pieces in prop::collection::vec((piece(), any::<bool>()), 0..40)
    ) {
        let (src, shown) = page(&pieces);
        let mut v = vars();
        v.set("n", "2");
        let (t, issues) = template::render(&src, Dialect::Classic, &v);
        prop_assert!(issues.iter().all(|i| !i.is_error), "{issues:?}\n{src}");
        for (n, shown) in shown.iter().enumerate() {
            let label = format!("L{n}: ");
            let at = src.find(&label).unwrap();
            let found: Vec<usize> = t.text.match_indices(&label).map(|(i, _)| i).collect();
            prop_assert_eq!(!found.is_empty(), *shown, "{}\n---\n{}", src, t.text);
            for out in found {
                prop_assert_eq!(t.source_offset(out), at);
                prop_assert_eq!(t.source_offset(out + 3), at + 3);
            }
        }
    }

    #[test]
    fn any_template_renders_quickly_without_panicking(src in templatish()) {
        let started = Instant::now();
        let mut v = vars();
        v.set("n", "99999999");
        let (t, issues) = template::render(&src, Dialect::Classic, &v);
        prop_assert!(started.elapsed() < Duration::from_secs(3), "{src:?}");
        for i in &issues {
            prop_assert!(i.offset <= src.len());
        }
        for out in 0..=t.text.len() {
            prop_assert!(t.source_offset(out) <= src.len());
        }
        let (_, diags) = lesson::parse(Path::new("p.md"), &src, &t, Dialect::Classic);
        for d in diags {
            prop_assert!(d.line <= src.lines().count() + 1);
        }
    }
}
