//! `lectern test` tells the truth: one test per rule of the engine's verdicts,
//! each with its negative (the same page with the mistake must fail). Run as
//! the real binary on small workshops written here.

use std::path::Path;
use std::process::Command;

fn workshop(pages: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let content = d.path().join("workshop/content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::create_dir_all(d.path().join("exercises")).unwrap();
    for (name, text) in pages {
        std::fs::write(content.join(format!("{name}.md")), text).unwrap();
    }
    d
}

/// Exit code and output of `lectern test DIR`.
fn lectern_test(dir: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lectern"))
        .arg("test")
        .arg(dir)
        .env("SHELL", "/bin/bash")
        .env("LECTERN_NO_USER_RC", "1")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

/// The report line of the action whose label starts with `label`.
fn line<'a>(out: &'a str, label: &str) -> &'a str {
    out.lines()
        .find(|l| l.contains(label) && !l.contains("late:") && l.starts_with("  "))
        .unwrap_or_else(|| panic!("no line for {label}:\n{out}"))
}

fn last_line(out: &str) -> &str {
    out.lines().last().unwrap_or("")
}

#[test]
fn a_command_typed_into_a_busy_terminal_is_never_passed() {
    // The lesson forgot to stop the server: the next command goes to `sleep`.
    let bad = workshop(&[(
        "01",
        "```terminal:execute\ncommand: sleep 30\nlectern: {expect: running, budget: 1s}\n```\n\n\
         ```terminal:execute\ncommand: echo next\nlectern: {budget: 2s}\n```\n",
    )]);
    let (code, out) = lectern_test(bad.path());
    assert_ne!(code, 0, "{out}");
    let l = line(&out, "echo next");
    assert!(
        l.contains('✗') && l.contains("typed into sleep in terminal 1"),
        "{out}"
    );
    // The same page with the interrupt in its place passes.
    let good = workshop(&[(
        "01",
        "```terminal:execute\ncommand: sleep 30\nlectern: {expect: running, budget: 1s}\n```\n\n\
         ```terminal:interrupt\n```\n\n\
         ```terminal:execute\ncommand: echo next\nlectern: {budget: 2s}\n```\n",
    )]);
    let (code, out) = lectern_test(good.path());
    assert_eq!(code, 0, "{out}");
    assert!(line(&out, "echo next").contains("✓"), "{out}");
    assert_eq!(last_line(&out), "3 passed, 0 failed, 0 skipped", "{out}");
}

#[test]
fn an_interactive_program_needs_a_person_unless_keys_drive_it() {
    let bare = workshop(&[
        ("01", "```terminal:execute\ncommand: vi notes.txt\n```\n"),
        (
            "02",
            "```terminal:execute\ncommand: echo first-after-editor\n```\n",
        ),
    ]);
    let (code, out) = lectern_test(bare.path());
    assert_ne!(code, 0, "{out}");
    assert!(
        line(&out, "vi notes.txt").contains("! ") && out.contains("vi waits for keys"),
        "{out}"
    );
    // The editor was ended, so the next page's command really ran.
    assert!(line(&out, "echo first-after-editor").contains('✓'), "{out}");
    let tail: Vec<&str> = out.lines().rev().take(2).collect();
    assert_eq!(
        tail,
        ["1 passed, 0 failed, 0 skipped", "1 need a person"],
        "{out}"
    );
    // With keys the test types for the person and judges the real exit.
    let driven = workshop(&[(
        "01",
        "```terminal:execute\ncommand: vi notes.txt\nlectern:\n  keys: \"ihello\\e:wq\\r\"\n```\n\n\
         ```terminal:execute\ncommand: grep -q hello notes.txt\n```\n",
    )]);
    let (code, out) = lectern_test(driven.path());
    assert_eq!(code, 0, "{out}");
    assert!(line(&out, "vi notes.txt").contains("✓ "), "{out}");
    // Keys that make vi fail (`:cq`) give a failure: the exit is real.
    let failing = workshop(&[(
        "01",
        "```terminal:execute\ncommand: vi notes.txt\nlectern:\n  keys: \"\\e:cq\\r\"\n```\n",
    )]);
    let (code, out) = lectern_test(failing.path());
    assert_ne!(code, 0, "{out}");
    assert!(line(&out, "vi notes.txt").contains("✗ "), "{out}");
    // `read` waits for a person too.
    let read = workshop(&[("01", "```terminal:execute\ncommand: read answer\n```\n")]);
    let (code, out) = lectern_test(read.path());
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("read waits for keys"), "{out}");
}

#[test]
fn a_command_left_running_gets_its_verdict_when_it_ends() {
    // Still running when its budget ends, then exits 4 on its own: a failure.
    let bad = workshop(&[(
        "01",
        "```terminal:execute\ncommand: sleep 2; exit 4\nlectern: {budget: 1s}\n```\n\n\
         ```terminal:execute\ncommand: sleep 3\nsession: 2\n```\n",
    )]);
    let (code, out) = lectern_test(bad.path());
    assert_ne!(code, 0, "{out}");
    assert!(line(&out, "sleep 2; exit 4").contains('⋯'), "{out}");
    assert!(
        out.lines()
            .any(|l| l.contains("✗ late:") && l.contains("exit 4")),
        "{out}"
    );
    assert_eq!(last_line(&out), "1 passed, 1 failed, 0 skipped", "{out}");
    // Ending well later is a pass.
    let good = workshop(&[(
        "01",
        "```terminal:execute\ncommand: sleep 2; true\nlectern: {budget: 1s}\n```\n\n\
         ```terminal:execute\ncommand: sleep 3\nsession: 2\n```\n",
    )]);
    let (code, out) = lectern_test(good.path());
    assert_eq!(code, 0, "{out}");
    assert!(out.lines().any(|l| l.contains("✓ late:")), "{out}");
    // Still running at the end without saying so: never a pass.
    let never = workshop(&[(
        "01",
        "```terminal:execute\ncommand: sleep 600\nlectern: {budget: 1s}\n```\n",
    )]);
    let (code, out) = lectern_test(never.path());
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("still running when the test ended"), "{out}");
}

#[test]
fn a_declared_server_must_keep_running() {
    let bad = workshop(&[(
        "01",
        "```terminal:execute\ncommand: sleep 0.5\nlectern: {expect: running, budget: 2s}\n```\n",
    )]);
    let (code, out) = lectern_test(bad.path());
    assert_ne!(code, 0, "{out}");
    assert!(
        line(&out, "sleep 0.5").contains("but should keep running"),
        "{out}"
    );
    let good = workshop(&[(
        "01",
        "```terminal:execute\ncommand: sleep 600\nlectern: {expect: running, budget: 1s}\n```\n\n\
         ```terminal:interrupt\n```\n",
    )]);
    let (code, out) = lectern_test(good.path());
    assert_eq!(code, 0, "{out}");
    assert_eq!(last_line(&out), "2 passed, 0 failed, 0 skipped", "{out}");
}

#[test]
fn program_output_cannot_forge_a_verdict() {
    // The program prints a command-end mark with status 0, then fails.
    let forged = workshop(&[(
        "01",
        "```terminal:execute\ncommand: printf '\\033]133;D;0\\007\\033]133;A\\007'; sleep 1; false\n```\n",
    )]);
    let (code, out) = lectern_test(forged.path());
    assert_ne!(code, 0, "{out}");
    assert!(
        line(&out, "printf").contains("✗ ") && line(&out, "printf").contains("exit 1"),
        "{out}"
    );
    let honest = workshop(&[(
        "01",
        "```terminal:execute\ncommand: printf '\\033]133;D;1\\007'; sleep 1; true\n```\n",
    )]);
    let (code, out) = lectern_test(honest.path());
    assert_eq!(code, 0, "{out}");
}

#[test]
fn unknown_actions_and_fields_fail_the_test_and_strict_check() {
    let bad = workshop(&[(
        "01",
        "```terminal:exeucte\ncommand: echo hi\n```\n\n```terminal:execute\ncommand: echo hi\nsesion: 2\n```\n",
    )]);
    let (code, out) = lectern_test(bad.path());
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("unknown action `terminal:exeucte`"), "{out}");
    assert!(out.contains("unknown field `sesion`"), "{out}");
    let check = |strict: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_lectern"));
        c.arg("check").arg(bad.path());
        if strict {
            c.arg("--strict");
        }
        c.output().unwrap().status.code()
    };
    assert_eq!(check(false), Some(0));
    assert_eq!(check(true), Some(1));
    let good = workshop(&[(
        "01",
        "```terminal:execute\ncommand: echo hi\nsession: 2\n```\n",
    )]);
    let (code, out) = lectern_test(good.path());
    assert_eq!(code, 0, "{out}");
}

#[test]
fn an_examiner_form_is_answered_by_its_hints_or_needs_a_person() {
    let page = |hint: &str| {
        format!(
            "```examiner:execute-test\nname: greeting\ninputs:\n  schema:\n    name:\n      type: string\n      title: Name\n{hint}```\n"
        )
    };
    let make = |text: String| {
        let d = workshop(&[("01", &text)]);
        let script = d.path().join("workshop/examiner/tests/greeting");
        std::fs::create_dir_all(script.parent().unwrap()).unwrap();
        std::fs::write(&script, "#!/bin/sh\ngrep -q '\"name\":\"Ada\"'\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        d
    };
    let asks = make(page(""));
    let (code, out) = lectern_test(asks.path());
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("the form needs answers for name"), "{out}");
    let answered = make(page("lectern:\n  answers: {name: Ada}\n"));
    let (code, out) = lectern_test(answered.path());
    assert_eq!(code, 0, "{out}");
    let wrong = make(page("lectern:\n  answers: {name: Bob}\n"));
    let (code, out) = lectern_test(wrong.path());
    assert_ne!(code, 0, "{out}");
}
