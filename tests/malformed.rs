//! A corpus of broken and hostile workshops. Each must give an answer (an exit
//! status of 0, 1 or 2 and, where it is wrong, an error that names the file),
//! never a panic, a crash or a hang: through `check`, `render`, `test
//! --dry-run`, and the app drawing every page.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lectern::app::App;
use lectern::engine::{self, Engine, Mode};
use lectern::runtime::{Runtime, ShellSpec, Store};
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::Terminal;

type Files = Vec<(&'static str, Vec<u8>)>;

fn page(text: impl Into<Vec<u8>>) -> Files {
    vec![("workshop/content/01.md", text.into())]
}

fn with(mut f: Files, path: &'static str, text: impl Into<Vec<u8>>) -> Files {
    f.push((path, text.into()));
    f
}

fn action(body: &str) -> Files {
    page(format!("# A\n\n```examiner:execute-test\n{body}\n```\n"))
}

fn cases() -> Vec<(&'static str, Files)> {
    let ok = || page("# Fine\n\nText.\n");
    let binary: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    let mut big = String::new();
    while big.len() < 5_000_000 {
        big.push_str("## Part\n\nSome *text* [link](http://x) `code`.\n\n```terminal:execute\ncommand: echo hi\n```\n\n");
    }
    let mut many = String::new();
    for i in 0..10_000 {
        many.push_str(&format!("```terminal:execute\ncommand: echo {i}\n```\n"));
    }
    vec![
        ("an empty folder", vec![]),
        ("no content folder", vec![("workshop/workshop.yaml", b"name: x\n".to_vec())]),
        ("no pages", vec![("workshop/content/notes.txt", b"x".to_vec())]),
        ("a binary page", page(binary.clone())),
        ("invalid UTF-8 in a page", page(b"# Title \xff\xfe text\n".to_vec())),
        ("NUL bytes in a page", page(b"# T\x00itle\n\x00\n".to_vec())),
        ("50,000 nested quotes", page(">".repeat(50_000) + " deep")),
        ("30,000 nested emphasis", page("*".repeat(30_000) + "x" + &"*".repeat(30_000))),
        ("20,000 nested links", page("[".repeat(20_000) + "a" + &"]".repeat(20_000))),
        (
            "10,000 nested lists",
            page((0..10_000).map(|i| format!("{}- x\n", "  ".repeat(i))).collect::<String>()),
        ),
        ("a 5 MB page", page(big)),
        (
            "a 100,000-line code block",
            page(format!("```python\n{}```\n", "x = 1\n".repeat(100_000))),
        ),
        ("a 2 MB line", page("y".repeat(2_000_000))),
        ("10,000 actions", page(many)),
        ("invalid YAML in an action", action("name: [unclosed")),
        ("binary YAML in an action", {
            let mut b = b"# A\n\n```terminal:execute\ncommand: ".to_vec();
            b.extend_from_slice(&binary[..300]);
            b.extend_from_slice(b"\n```\n");
            page(b)
        }),
        ("deeply nested YAML in an action", action(&format!("name: {}", "[".repeat(10_000)))),
        (
            "a YAML alias bomb",
            action("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\nname: x"),
        ),
        ("an infinite timeout", action("name: t\ntimeout: .inf")),
        ("a NaN timeout", action("name: t\ntimeout: .nan")),
        ("a huge timeout", action("name: t\ntimeout: 1e300")),
        ("a negative cooldown", action("name: t\ncooldown: -1")),
        ("huge retries", action("name: t\nretries: 1e19")),
        ("a huge pause", action("name: t\npause: 1e300")),
        ("a huge budget", action("name: t\nlectern: {budget: 99999999h}")),
        ("a bad key escape", action("name: t\nlectern: {keys: \"\\\\q\"}")),
        ("lectern hints not a map", action("name: t\nlectern: 42")),
        ("an unknown action", page("```terminal:exeucte\ncommand: x\n```\n")),
        ("an unknown field", page("```terminal:execute\ncommand: x\nsesion: 2\n```\n")),
        ("a binary workshop.yaml", with(ok(), "workshop/workshop.yaml", binary.clone())),
        ("invalid workshop.yaml", with(ok(), "workshop/workshop.yaml", "modules: [\n")),
        (
            "a page outside the content folder",
            with(ok(), "workshop/workshop.yaml", "modules:\n  activate:\n  - ../../etc/passwd\n  - 01\n"),
        ),
        (
            "activate is not a list",
            with(ok(), "workshop/workshop.yaml", "modules:\n  activate: 7\n"),
        ),
        (
            "modules.yaml of the wrong types",
            with(ok(), "workshop/modules.yaml", "modules: [1, 2, {x: [y]}]\n"),
        ),
        ("services not a list", with(ok(), "workshop/lectern.yaml", "services: 5\n")),
        (
            "a service that climbs out",
            with(ok(), "workshop/lectern.yaml", "services:\n- name: ../evil\n  command: \"true\"\n"),
        ),
        (
            "a service file that climbs out",
            with(ok(), "workshop/lectern.yaml", "services:\n- name: s\n  command: \"true\"\n  files: {'../../x': y}\n"),
        ),
        (
            "an infinite service timeout",
            with(ok(), "workshop/lectern.yaml", "services:\n- name: s\n  command: \"true\"\n  timeout: .inf\n"),
        ),
        ("a binary lectern.yaml", with(ok(), "workshop/lectern.yaml", binary.clone())),
        ("invalid resources", with(ok(), "resources/workshop.yaml", "spec: {session: [\n")),
        (
            "resources of another kind",
            with(ok(), "resources/workshop.yaml", "apiVersion: v9\nkind: Pod\nspec: 3\n"),
        ),
        (
            "a dashboard with an empty URL",
            with(ok(), "resources/workshop.yaml", "kind: Workshop\nspec:\n  session:\n    dashboards:\n    - {name: x, url: ''}\n"),
        ),
        (
            "a Hugo pathway that does not exist",
            vec![
                ("workshop/config.yaml", b"pathways:\n  default: nope\n".to_vec()),
                ("workshop/content/a.md", b"# A\n".to_vec()),
            ],
        ),
        (
            "unterminated front matter",
            vec![
                ("workshop/config.yaml", b"params: []\n".to_vec()),
                ("workshop/content/a.md", b"---\ntitle: x\n# never closed\n".to_vec()),
            ],
        ),
        (
            "invalid front matter",
            vec![
                ("workshop/config.yaml", b"params: []\n".to_vec()),
                ("workshop/content/a.md", b"---\ntitle: [\n---\n# A\n".to_vec()),
            ],
        ),
        ("an unterminated if", page("{% if x %}\n# A\n")),
        ("10,000 nested ifs", page("{% if a %}".repeat(10_000) + "x")),
        ("an unterminated variable", page("# A {{ session_namespace\n")),
        ("an examiner name that climbs out", action("name: ../../../bin/sh")),
        (
            "a download name that climbs out",
            page("```files:download-file\npath: x\ndownload: ../../x\n```\n"),
        ),
        (
            "an upload that climbs out",
            page("```files:upload-file\npath: ../../../etc/\n```\n"),
        ),
        (
            "an editor file outside",
            page("```editor:open-file\nfile: /etc/passwd\n```\n"),
        ),
        (
            "invalid dashboard JSON",
            with(
                page("```dashboard:reload-dashboard\nname: D\nurl: http://g/d/dd\n```\n"),
                "workshop/dashboards/d.json",
                "{\"uid\": \"dd\", \"panels\": [",
            ),
        ),
        (
            "deeply nested dashboard JSON",
            with(
                page("```dashboard:reload-dashboard\nname: D\nurl: http://g/d/dd\n```\n"),
                "workshop/dashboards/d.json",
                format!("{{\"uid\": \"dd\", \"panels\": {}{}}}", "[".repeat(5_000), "]".repeat(5_000)),
            ),
        ),
        (
            "escape sequences in titles and exit signs",
            vec![
                (
                    "workshop/modules.yaml",
                    b"modules:\n  01:\n    name: \"\\e[2J\\e]0;owned\\a Title\"\n    exit_sign: \"\\e[31mNext\\e]8;;http://x\\a\"\n".to_vec(),
                ),
                ("workshop/content/01.md", b"# \x1b[2J Page\n\n\x1b]52;c;aGk=\x07text\n".to_vec()),
            ],
        ),
        ("an image path that climbs out", page("![x](../../../../etc/hostname)\n")),
        ("a page name of odd characters", vec![("workshop/content/☃ \t x.md", b"# Snow\n".to_vec())]),
        (
            "a section that never ends and an end that never began",
            page("```section:end\n```\n\n```section:begin\ntitle: open\n```\n"),
        ),
    ]
}

fn write(dir: &Path, files: &Files) {
    for (p, bytes) in files {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

/// Run lectern with a deadline: (exit code, stderr).
fn run(args: &[&str], dir: &Path) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lectern"))
        .args(args)
        .arg(dir)
        .env("SHELL", "/bin/bash")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let end = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            let mut err = String::new();
            use std::io::Read;
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            return (st.code(), err);
        }
        if Instant::now() > end {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "lectern {args:?} on {} did not finish within 60 s",
                dir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Load the workshop into the app (nothing launched) and draw every page.
fn draw_every_page(dir: &Path) {
    let Ok(ws) = lectern::workshop::load(dir, &Default::default()) else {
        return;
    };
    if ws.pages.is_empty() {
        return;
    }
    let (rt, _rx) = Runtime::new(ShellSpec {
        shell: "/bin/bash".into(),
        cwd: dir.to_path_buf(),
        env: vec![],
        rc_dir: dir.join("state/shell"),
        scrollback: 10,
    });
    let e = Engine::new(
        ws,
        rt,
        Store::at(dir.join("state")),
        engine::Options {
            mode: Mode::Interactive,
            allow_outside: false,
            downloads: dir.join("downloads"),
        },
    );
    let mut app = App::new(e, true, false);
    let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
    for p in 0..app.engine.page_count() {
        app.open_page(p);
        app.prepare(Rect::new(0, 0, 100, 30));
        term.draw(|f| lectern::app::draw::draw(f, &app)).unwrap();
        let text = term.backend().to_string();
        // Content never writes escape sequences to the learner's terminal.
        assert!(
            !text.contains('\x1b'),
            "an escape sequence reached the screen"
        );
    }
}

#[test]
fn every_broken_workshop_gets_an_answer_never_a_panic_or_a_hang() {
    let cases = cases();
    assert!(cases.len() >= 50, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for (name, files) in cases {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), &files);
        if name.contains("loop") || name.contains("symlink") {
            continue;
        }
        for args in [
            &["check"][..],
            &["check", "--format", "json"],
            &["render"],
            &["test", "--dry-run"],
        ] {
            let (code, err) = run(args, d.path());
            if !matches!(code, Some(0..=2)) || err.contains("panicked") {
                failures.push(format!("{name}: lectern {args:?} gave {code:?}: {err}"));
            }
        }
        let drawn = std::panic::catch_unwind(|| draw_every_page(d.path()));
        if drawn.is_err() {
            failures.push(format!("{name}: the app panicked drawing it"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn symlink_loops_and_links_out_of_the_content_end() {
    let d = tempfile::tempdir().unwrap();
    let content = d.path().join("workshop/content");
    std::fs::create_dir_all(content.join("a")).unwrap();
    std::fs::write(d.path().join("workshop/config.yaml"), "params: []\n").unwrap();
    std::fs::write(content.join("a/index.md"), "# A\n").unwrap();
    std::os::unix::fs::symlink(&content, content.join("a/loop")).unwrap();
    std::os::unix::fs::symlink("/etc", content.join("etc")).unwrap();
    let (code, err) = run(&["check"], d.path());
    assert!(
        matches!(code, Some(0..=2)) && !err.contains("panicked"),
        "{err}"
    );
    let ws = lectern::workshop::load(d.path(), &Default::default()).unwrap();
    assert!(ws.pages.iter().all(|p| p.path.starts_with(&content)));
    assert!(ws.pages.iter().all(|p| !p.name.starts_with("etc")));
}
