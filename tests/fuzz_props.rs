//! Bounded fuzzing with proptest: the workshop loader and the YAML edit
//! engine take arbitrary input and answer (a value or an error), never panic.
//! The case counts keep each property to a few seconds in CI.

use lectern::action::YamlOp;
use lectern::model::yaml_edit;
use proptest::prelude::*;

/// YAML-ish text: the pieces that make documents, paths and edits interesting.
fn yamlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("a:\n".to_string()),
        Just("  b: 1\n".to_string()),
        Just("- x\n".to_string()),
        Just("- name: n\n  image: i\n".to_string()),
        Just("---\n".to_string()),
        Just("&a ".to_string()),
        Just("*a".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just(": ".to_string()),
        Just("'q".to_string()),
        Just("\"".to_string()),
        Just("\t".to_string()),
        Just("\n".to_string()),
        "[a-z0-9 :\\-\\[\\]{}.]{0,8}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

fn pathish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("a".to_string()),
        Just(".b".to_string()),
        Just("[0]".to_string()),
        Just("[-1]".to_string()),
        Just("[name=n]".to_string()),
        Just("[\"x.y\"]".to_string()),
        Just("[".to_string()),
        Just(".".to_string()),
        "[a-z.\\[\\]=\"0-9]{0,6}",
    ];
    prop::collection::vec(piece, 0..6).prop_map(|v| v.concat())
}

fn op() -> impl Strategy<Value = YamlOp> {
    prop_oneof![
        Just(YamlOp::Set),
        Just(YamlOp::Add),
        Just(YamlOp::Insert),
        Just(YamlOp::Replace),
        Just(YamlOp::Delete),
        Just(YamlOp::Merge),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn yaml_edits_never_panic(
        text in yamlish(),
        path in pathish(),
        op in op(),
        index in proptest::option::of(-3i64..5),
        value in yamlish(),
    ) {
        let v = lectern::yaml::parse(&value).ok();
        let _ = yaml_edit::apply(&text, op, &path, index, v.as_ref());
        let _ = yaml_edit::locate(&text, Some(&path));
    }
}

/// Names and contents a workshop folder could hold.
fn files() -> impl Strategy<Value = Vec<(usize, String)>> {
    prop::collection::vec((0usize..12, yamlish()), 0..8)
}

const PLACES: [&str; 12] = [
    "workshop/workshop.yaml",
    "workshop/modules.yaml",
    "workshop/config.yaml",
    "workshop/lectern.yaml",
    "resources/workshop.yaml",
    "workshop/content/a.md",
    "workshop/content/b/index.md",
    "workshop/content/c.adoc",
    "workshop/profile",
    "workshop/setup.d/01.sh",
    "workshop/dashboards/d.json",
    "workshop/examiner/tests/t",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn the_loader_and_check_never_panic(files in files()) {
        let d = tempfile::tempdir().unwrap();
        for (i, text) in &files {
            let p = d.path().join(PLACES[*i]);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text).unwrap();
        }
        if let Ok(ws) = lectern::workshop::load(d.path(), &Default::default()) {
            let _ = lectern::check::run(&ws);
            let _ = lectern::engine::consent::what_runs(&ws);
            for i in 0..ws.pages.len() {
                let doc = lectern::page::load(&ws, i);
                let _ = lectern::text_render::render(&doc.lesson, 60);
            }
        }
    }
}
