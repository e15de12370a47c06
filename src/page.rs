//! A page of a workshop made ready to show: templated and parsed.

use crate::diag::Diagnostic;
use crate::lesson::{self, Block, BlockKind, CalloutKind, Inline, Lesson};
use crate::workshop::{template, PageFormat, Workshop};

#[derive(Debug, Clone, Default)]
pub struct PageDoc {
    pub lesson: Lesson,
    pub diagnostics: Vec<Diagnostic>,
}

/// Template and parse page `index` of the workshop.
pub fn load(workshop: &Workshop, index: usize) -> PageDoc {
    let page = &workshop.pages[index];
    if page.format == PageFormat::AsciiDoc {
        let msg = "AsciiDoc pages are not supported; lectern runs Markdown pages";
        return PageDoc {
            lesson: Lesson {
                blocks: vec![Block {
                    kind: BlockKind::Callout {
                        kind: CalloutKind::Warning,
                        blocks: vec![Block {
                            kind: BlockKind::Paragraph(vec![Inline::Text(format!(
                                "{msg}. Convert {} to Markdown to use it here.",
                                page.path.display()
                            ))]),
                            span: 0..0,
                            line: 1,
                        }],
                    },
                    span: 0..0,
                    line: 1,
                }],
                notes: Vec::new(),
            },
            diagnostics: vec![Diagnostic::error(&page.path, msg).with_help(
                "convert the page to Markdown (.md); the action blocks keep the same names",
            )],
        };
    }
    let (templated, issues) = template::render(&page.source, workshop.dialect, &workshop.vars);
    let index = crate::diag::LineIndex::new(&page.source);
    let mut diagnostics: Vec<Diagnostic> = issues
        .into_iter()
        .map(|i| {
            let d = if i.is_error {
                Diagnostic::error(&page.path, i.message)
            } else {
                Diagnostic::warning(&page.path, i.message)
            }
            .at_indexed(&index, &page.source, i.offset);
            match i.help {
                Some(h) => d.with_help(h),
                None => d,
            }
        })
        .collect();
    let (lesson, more) = lesson::parse(&page.path, &page.source, &templated, workshop.dialect);
    diagnostics.extend(more);
    PageDoc {
        lesson,
        diagnostics,
    }
}
