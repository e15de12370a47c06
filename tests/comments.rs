//! HTML comments never reach learners, in any view; `notes:` comments are
//! the page's speaker notes.

use std::path::Path;

use lectern::lesson;
use lectern::workshop::template::{Dialect, Templated};

#[test]
fn html_comments_never_reach_the_lesson_and_notes_are_kept() {
    let src = "# Title <!-- in heading -->\n\n<!-- notes: Start with\n  the story -->\n\nText <!-- inline --> more <!-- notes: spread\nover lines --> end.\n\n<!-- a -->\n<div>kept</div>\n\n- item <!-- in list -->\n\n```html\n<!-- shown: code -->\n```\n";
    let (l, d) = lesson::parse(
        Path::new("p.md"),
        src,
        &Templated::identity(src),
        Dialect::Classic,
    );
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(
        l.notes,
        vec![
            "Start with\nthe story".to_string(),
            "spread\nover lines".to_string()
        ]
    );
    let text = lectern::text_render::render(&l, 80);
    assert_eq!(text.matches("<!--").count(), 1, "{text}");
    for hidden in ["in heading", "Start with", "inline", "spread", "in list"] {
        assert!(!text.contains(hidden), "{hidden} shown:\n{text}");
    }
    assert!(text.contains("<div>kept</div>"), "{text}");
    assert!(text.contains("<!-- shown: code -->"), "{text}");
    let (outputs, folded, outcomes, images) = Default::default();
    let st = lectern::ui::lesson_view::ViewState {
        outputs: &outputs,
        folded: &folded,
        outcomes: &outcomes,
        selected: None,
        now: std::time::Instant::now(),
        images: &images,
    };
    let laid = lectern::ui::lesson_view::layout(&l, 80, &st);
    let shown: String = laid
        .lines
        .iter()
        .map(|line| line.to_string() + "\n")
        .collect();
    assert!(
        !shown.contains("inline") && !shown.contains("Start with"),
        "{shown}"
    );
    assert!(shown.contains("<!-- shown: code -->"), "{shown}");
}
