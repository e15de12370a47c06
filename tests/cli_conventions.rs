//! Command-line conventions, through the real binary: shell completions, the
//! manual page, examples in every command's help, and NO_COLOR for what is
//! printed.

use std::process::{Command, Output};

fn lectern(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lectern"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run lectern")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const COMMANDS: [&str; 8] = [
    "run",
    "check",
    "test",
    "export",
    "render",
    "new",
    "completions",
    "man",
];

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef lectern"),
        ("fish", "complete -c lectern"),
        ("elvish", "edit:completion:arg-completer[lectern]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = lectern(&["completions", shell]);
        let text = stdout(&out);
        assert!(out.status.success(), "{shell}");
        assert!(text.contains(marker), "{shell}: no `{marker}` in\n{text}");
        // The commands are offered.
        assert!(text.contains("check") && text.contains("new"), "{shell}");
    }
    let out = lectern(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_manual_page_renders() {
    let out = lectern(&["man"]);
    let page = stdout(&out);
    assert!(out.status.success());
    assert!(page.contains("\n.TH LECTERN 1 "), "{page}");
    assert_eq!(page.matches(".ds Aq").count(), 2, "{page}");
    for part in [
        ".SH SYNOPSIS",
        ".SH SUBCOMMANDS",
        ".SH EXAMPLES",
        "NO_COLOR",
        "lectern\\-new(1)",
    ] {
        assert!(page.contains(part), "no {part} in\n{page}");
    }
    // Examples stay one a line.
    assert!(page.contains(".nf\nlectern "), "{page}");

    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("man1");
    let out = lectern(&["man", "--out-dir", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let check = std::fs::read_to_string(dir.join("lectern-check.1")).unwrap();
    assert!(check.contains("\n.TH LECTERN-CHECK 1 "), "{check}");
    assert!(check.contains("\\-\\-strict"), "{check}");
    for c in COMMANDS {
        assert!(dir.join(format!("lectern-{c}.1")).is_file(), "{c}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("lectern.1")).unwrap(),
        page
    );
    // Rendered by man itself, when the machine has it.
    if Command::new("man").arg("--version").output().is_ok() {
        let out = Command::new("man")
            .args(["-l", dir.join("lectern.1").to_str().unwrap()])
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("lectern new my-workshop"), "{text}");
    }
}

#[test]
fn every_command_has_examples_in_its_help() {
    let out = lectern(&["--help"]);
    assert!(stdout(&out).contains("Examples:"), "{}", stdout(&out));
    for c in COMMANDS {
        let out = lectern(&[c, "--help"]);
        let help = stdout(&out);
        assert!(out.status.success(), "{c}");
        assert!(help.contains("Examples:"), "{c}:\n{help}");
        assert!(help.contains(&format!("lectern {c}")), "{c}:\n{help}");
    }
}

#[test]
fn printed_output_has_no_escape_sequences() {
    for no_color in [None, Some("1")] {
        for args in [
            vec!["check", "tests/fixtures/broken"],
            vec!["check", "tests/fixtures/classic", "--strict"],
            vec!["render", "tests/fixtures/classic"],
            vec!["--help"],
            vec!["check", "--help"],
        ] {
            let mut c = Command::new(env!("CARGO_BIN_EXE_lectern"));
            c.args(&args).current_dir(env!("CARGO_MANIFEST_DIR"));
            if let Some(v) = no_color {
                c.env("NO_COLOR", v);
            }
            let out = c.output().unwrap();
            for stream in [&out.stdout, &out.stderr] {
                assert!(
                    !stream.contains(&0x1b),
                    "{args:?} NO_COLOR={no_color:?}: {}",
                    String::from_utf8_lossy(stream)
                );
            }
        }
    }
}

#[test]
fn a_reader_that_stops_early_is_no_error() {
    use std::process::Stdio;
    for args in [&["completions", "zsh"][..], &["man"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lectern"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// `lectern … | head`: when the reader goes away, lectern neither panics nor
/// lies: the run ends with the exit code of what happened.
#[test]
fn a_closed_pipe_is_no_panic_and_keeps_the_exit_code() {
    let d = tempfile::tempdir().unwrap();
    let content = d.path().join("workshop/content");
    std::fs::create_dir_all(&content).unwrap();
    let page: String = (0..30)
        .map(|i| format!("# Step {i}\n\n```terminal:execute\ncommand: test {i} -ne 29\n```\n\n"))
        .collect();
    std::fs::write(content.join("01.md"), page).unwrap();
    for (args, code) in [
        (vec!["test", "--budget", "5"], 1),
        (vec!["check"], 0),
        (vec!["render"], 0),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lectern"))
            .args(&args)
            .arg(d.path())
            .env("LECTERN_NO_USER_RC", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The reader leaves before anything is written.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    }
}
