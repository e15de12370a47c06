//! Images in the lesson: drawn where the page puts them (half blocks when the
//! terminal has no graphics), only from inside the workshop.

use std::path::Path;
use std::time::{Duration, Instant};

use lectern::app::App;
use lectern::engine::{self, Engine, Mode};
use lectern::runtime::{Runtime, ShellSpec, Store};
use lectern::workshop::{self, LoadOptions};
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::Terminal;

/// A workshop whose page shows `logo.png` (inside) and `../outside.png`.
fn workshop(root: &Path) {
    let w = root.join("workshop");
    std::fs::create_dir_all(w.join("content")).unwrap();
    std::fs::write(
        w.join("workshop.yaml"),
        "name: img\nmodules:\n  activate:\n  - one\n",
    )
    .unwrap();
    std::fs::write(w.join("modules.yaml"), "modules:\n  one:\n    name: One\n").unwrap();
    std::fs::write(
        w.join("content/one.md"),
        "Above.\n\n![the logo](logo.png)\n\nBetween.\n\n![secret](../../outside.png)\n\nBelow.\n",
    )
    .unwrap();
    let img = image::RgbImage::from_fn(40, 40, |x, _| {
        if x < 20 {
            image::Rgb([255, 0, 0])
        } else {
            image::Rgb([0, 0, 255])
        }
    });
    img.save(w.join("content/logo.png")).unwrap();
    img.save(root.join("outside.png")).unwrap();
}

fn app(dir: &Path, state: &Path) -> App {
    let ws = workshop::load(dir, &LoadOptions::default()).unwrap();
    let (rt, _rx) = Runtime::new(ShellSpec {
        shell: "/bin/bash".into(),
        cwd: dir.to_path_buf(),
        env: vec![],
        rc_dir: state.join("shell"),
        scrollback: 100,
    });
    let engine = Engine::new(
        ws,
        rt,
        Store::at(state),
        engine::Options {
            mode: Mode::Interactive,
            allow_outside: false,
            downloads: state.join("downloads"),
        },
    );
    App::new(engine, true, false)
}

#[test]
fn an_image_is_drawn_in_half_blocks_and_one_outside_stays_text() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("ws");
    std::fs::create_dir_all(&dir).unwrap();
    workshop(&dir);
    std::fs::rename(dir.join("outside.png"), root.path().join("outside.png")).unwrap();
    let state = tempfile::tempdir().unwrap();
    let mut a = app(&dir, state.path());
    let mut term = Terminal::new(TestBackend::new(100, 40)).unwrap();
    // Decoded on a thread: drawn once it is ready.
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        a.prepare(Rect::new(0, 0, 100, 40));
        if !a.laid.images.is_empty() {
            break;
        }
        assert!(Instant::now() < end, "the image was never ready");
        std::thread::sleep(Duration::from_millis(20));
    }
    term.draw(|f| lectern::app::draw::draw(f, &a)).unwrap();
    let text = term.backend().to_string();
    assert_eq!(a.laid.images.len(), 1, "{:?}", a.laid.images);
    let pos = &a.laid.images[0];
    assert_eq!(pos.url, "logo.png");
    // 40x40 pixels at 10x20 per cell: 4 columns, 2 rows.
    assert_eq!((pos.cols, pos.rows), (4, 2));
    // Half blocks in the image's colours, where the page puts it.
    let buf = term.backend().buffer();
    let y = 1 + (pos.line - a.scroll) as u16;
    let x = 1 + pos.col as u16;
    // A half block, or a space in the background colour where both halves match.
    let colour = |x: u16, y: u16| {
        let c = &buf[(x, y)];
        match c.symbol() {
            "▀" | "▄" | "█" => c.fg,
            _ => c.bg,
        }
    };
    assert_eq!(
        colour(x, y),
        ratatui::style::Color::Rgb(255, 0, 0),
        "{text}"
    );
    assert_eq!(colour(x + 3, y + 1), ratatui::style::Color::Rgb(0, 0, 255));
    assert!(!text.contains("logo]"), "the name shows through:\n{text}");
    assert!(text.contains("Above.") && text.contains("Between.") && text.contains("Below."));
    // Outside the workshop: never read, shown as text.
    assert!(text.contains("[image: secret"), "{text}");
}
