//! Recordings: `lectern test --record DIR` writes one asciicast v2 file per
//! terminal per page, named after the page, and a failure says which to play.

use std::path::Path;
use std::process::Command;

/// The lines of a cast file as JSON values, header first.
fn cast(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

/// The output events of a cast, checked for shape and order, as one text.
fn output_of(lines: &[serde_json::Value]) -> String {
    let head = &lines[0];
    assert_eq!(head["version"], 2, "{head}");
    assert!(head["width"].as_u64().unwrap() > 0, "{head}");
    assert!(head["height"].as_u64().unwrap() > 0, "{head}");
    assert!(
        head["timestamp"].as_u64().unwrap() > 1_600_000_000,
        "{head}"
    );
    let mut last = 0.0;
    let mut text = String::new();
    for e in &lines[1..] {
        let ev = e.as_array().unwrap_or_else(|| panic!("not an event: {e}"));
        assert_eq!(ev.len(), 3, "{e}");
        let t = ev[0].as_f64().unwrap();
        assert!(t >= last, "time goes back: {e}");
        last = t;
        if ev[1] == "o" {
            text.push_str(ev[2].as_str().unwrap());
        }
    }
    text
}

#[test]
fn test_record_writes_a_cast_per_terminal_per_page() {
    let ws = tempfile::tempdir().unwrap();
    let w = ws.path().join("workshop");
    std::fs::create_dir_all(w.join("content")).unwrap();
    std::fs::write(
        w.join("workshop.yaml"),
        "name: rec\nmodules:\n  activate:\n  - one\n  - two\n",
    )
    .unwrap();
    std::fs::write(
        w.join("modules.yaml"),
        "modules:\n  one:\n    name: One\n  two:\n    name: Two\n",
    )
    .unwrap();
    std::fs::write(
        w.join("content/one.md"),
        "```terminal:execute\ncommand: echo rec-$((6*7))\n```\n\n```terminal:execute\ncommand: echo second-$((7*7))\nsession: 2\n```\n",
    )
    .unwrap();
    std::fs::write(
        w.join("content/two.md"),
        "```terminal:execute\ncommand: sh -c 'echo boom-$((8*8)); exit 3'\n```\n",
    )
    .unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let casts = out_dir.path().join("casts");
    let out = Command::new(env!("CARGO_BIN_EXE_lectern"))
        .arg("test")
        .arg(ws.path())
        .arg("--record")
        .arg(&casts)
        .env("SHELL", "/bin/bash")
        .env("LECTERN_NO_USER_RC", "1")
        .output()
        .unwrap();
    let report =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let mut names: Vec<String> = std::fs::read_dir(&casts)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.contains(&"01-one.terminal-1.cast".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"01-one.terminal-2.cast".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"02-two.terminal-1.cast".to_string()),
        "{names:?}"
    );
    let one = output_of(&cast(&casts.join("01-one.terminal-1.cast")));
    assert!(one.contains("rec-42"), "{one}");
    assert!(
        !one.contains("boom-64"),
        "page two's output in page one's cast: {one}"
    );
    let second = output_of(&cast(&casts.join("01-one.terminal-2.cast")));
    assert!(second.contains("second-49"), "{second}");
    let two = output_of(&cast(&casts.join("02-two.terminal-1.cast")));
    assert!(two.contains("boom-64"), "{two}");
    // The failure says which recording shows it.
    let played = casts.join("02-two.terminal-1.cast");
    assert!(
        report.contains(&format!("asciinema play {}", played.display())),
        "{report}"
    );
}
