//! The keys of a dashboard tab in the app: time range (zoom, shift, last
//! span), auto-refresh, panel selection, full screen and scrolling, and that
//! what the app draws follows them.

use std::path::Path;
use std::time::Duration;

use lectern::app::{App, DashIntent, Intent, Tab};
use lectern::engine::dashboards::{DashboardContent, DashboardTab};
use lectern::engine::{self, Engine, Mode};
use lectern::model::grafana;
use lectern::runtime::{Runtime, ShellSpec, Store};
use lectern::workshop::{self, LoadOptions};
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::Terminal;

fn app(dir: &Path) -> App {
    let content = dir.join("workshop/content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(
        content.join("page.md"),
        "# Metrics\n\nLook at the dashboard.\n",
    )
    .unwrap();
    let ws = workshop::load(dir, &LoadOptions::default()).unwrap();
    let (rt, _rx) = Runtime::new(ShellSpec {
        shell: "/bin/bash".into(),
        cwd: dir.to_path_buf(),
        env: vec![],
        rc_dir: dir.join("state/shell"),
        scrollback: 100,
    });
    let engine = Engine::new(
        ws,
        rt,
        Store::at(dir.join("state")),
        engine::Options {
            mode: Mode::Interactive,
            allow_outside: false,
            downloads: dir.join("downloads"),
        },
    );
    App::new(engine, true, true)
}

fn range(app: &App) -> (String, String, Option<Duration>) {
    match &app.engine.dashboards[0].content {
        DashboardContent::Grafana {
            from, to, refresh, ..
        } => (from.clone(), to.clone(), *refresh),
        _ => unreachable!(),
    }
}

fn screen(app: &mut App) -> String {
    let mut term = Terminal::new(TestBackend::new(140, 40)).unwrap();
    app.prepare(Rect::new(0, 0, 140, 40));
    term.draw(|f| lectern::app::draw::draw(f, app)).unwrap();
    lectern::ui::dashboard_view::buffer_text(term.backend().buffer())
}

#[test]
fn dashboard_keys_change_range_refresh_and_panels() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path());
    // A terminal, so that the right-hand side (where dashboards go) has room.
    a.engine.rt.terminal("1").unwrap();
    let json = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dashboards/service-health.json"),
    )
    .unwrap();
    let dash = grafana::parse(&serde_json::from_str(&json).unwrap()).unwrap();
    a.engine.dashboards.push(DashboardTab {
        name: "Health".into(),
        url: String::new(),
        builtin: false,
        content: DashboardContent::Grafana {
            dash: Box::new(dash),
            from: "now-30s".into(),
            to: "now".into(),
            refresh: Some(Duration::from_secs(10)),
            data: Vec::new(),
            generation: 0,
            queried: None,
            pending: false,
        },
    });
    a.apply(Intent::SelectTab(Tab::Dashboard(0)));
    a.apply(Intent::FocusView);
    let generation = |a: &App| match &a.engine.dashboards[0].content {
        DashboardContent::Grafana { generation, .. } => *generation,
        _ => 0,
    };
    let asked = generation(&a);

    a.apply(Intent::Dash(DashIntent::Zoom(2.0)));
    assert_eq!(range(&a).0, "now-1m");
    // Each change of range asks the datasources again.
    assert_eq!(generation(&a), asked + 1);
    a.apply(Intent::Dash(DashIntent::Zoom(0.5)));
    a.apply(Intent::Dash(DashIntent::Zoom(0.5)));
    assert_eq!(range(&a).0, "now-15s");
    a.apply(Intent::Dash(DashIntent::Shift(-1)));
    let (from, to, _) = range(&a);
    let (f, t): (i64, i64) = (from.parse().unwrap(), to.parse().unwrap());
    assert_eq!(t - f, 15_000, "back by half the span, now absolute");
    a.apply(Intent::Dash(DashIntent::Shift(1)));
    assert_eq!(range(&a).0, "now-15s");
    assert_eq!(range(&a).1, "now");
    a.apply(Intent::Dash(DashIntent::Last("now-1h")));
    assert_eq!(range(&a).0, "now-1h");

    a.apply(Intent::Dash(DashIntent::ToggleRefresh));
    assert_eq!(range(&a).2, None);
    assert!(screen(&mut a).contains("refresh off"));
    a.apply(Intent::Dash(DashIntent::ToggleRefresh));
    assert_eq!(range(&a).2, Some(Duration::from_secs(10)));

    // Panels: Tab moves the selection (wrapping), Enter shows it alone.
    a.apply(Intent::Dash(DashIntent::Select(-1)));
    assert_eq!(a.dash_view(0).selected, Some(4));
    a.apply(Intent::Dash(DashIntent::Select(1)));
    a.apply(Intent::Dash(DashIntent::Select(1)));
    assert_eq!(a.dash_view(0).selected, Some(1));
    let whole = screen(&mut a);
    assert!(whole.contains("Requests per second") && whole.contains("Mean duration"));
    a.apply(Intent::Dash(DashIntent::ToggleFull));
    let full = screen(&mut a);
    assert!(full.contains("┏ Mean duration"), "{full}");
    assert!(!full.contains("Requests per second"), "{full}");
    a.apply(Intent::Dash(DashIntent::ToggleFull));
    assert!(screen(&mut a).contains("Requests per second"));

    // Scrolling stops where the panels end.
    a.apply(Intent::Dash(DashIntent::Scroll(1000)));
    let max = a.dash_drawn.as_ref().unwrap().max_scroll(a.areas.view);
    assert_eq!(a.dash_view(0).scroll, max);
    a.engine.shutdown();
}
