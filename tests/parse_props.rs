//! Arbitrary page text and action bodies never make the parsers panic.

use std::path::Path;

use lectern::action;
use lectern::lesson;
use lectern::workshop::template::{self, Dialect};
use lectern::workshop::Vars;
use proptest::prelude::*;

/// Text built from the pieces that make Markdown, YAML and templates interesting.
fn markdownish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("```".to_string()),
        Just("~~~".to_string()),
        Just("```terminal:execute\n".to_string()),
        Just("```editor:select-matching-text\n".to_string()),
        Just("```section:begin\n".to_string()),
        Just("command: ".to_string()),
        Just("file: ~/x\n".to_string()),
        Just("{{ ".to_string()),
        Just(" }}".to_string()),
        Just("{% if x %}".to_string()),
        Just("{% endif %}".to_string()),
        Just("{% raw %}".to_string()),
        Just("{{< note >}}\n".to_string()),
        Just("{{< /note >}}\n".to_string()),
        Just("%session_name%".to_string()),
        Just("\n".to_string()),
        Just("   ".to_string()),
        Just("- ".to_string()),
        Just("1. ".to_string()),
        Just("> ".to_string()),
        Just("| a | b |\n|---|---|\n".to_string()),
        Just("[^1]".to_string()),
        Just("---\n".to_string()),
        Just("![x](y)".to_string()),
        Just("\u{1b}[".to_string()),
        "[a-z:\\[\\]{}#*_`|>-]{0,6}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn pages_never_panic(src in markdownish(), hugo in any::<bool>()) {
        let dialect = if hugo { Dialect::Hugo } else { Dialect::Classic };
        let vars = Vars::builtin("w", "W", "");
        let (t, _) = template::render(&src, dialect, &vars);
        let (lesson, diags) = lesson::parse(Path::new("p.md"), &src, &t, dialect);
        for d in diags {
            prop_assert!(d.line <= src.lines().count() + 1);
        }
        for b in &lesson.blocks {
            prop_assert!(b.span.start <= b.span.end && b.span.end <= src.len());
        }
        let _ = lectern::text_render::render(&lesson, 40);
    }

    #[test]
    fn action_bodies_never_panic(body in markdownish(), which in 0usize..200) {
        let names = action::known_names();
        let name = &names[which % names.len()];
        let _ = action::parse(name, &body);
    }
}
