//! lectern draws what a set-up script posts to its own Grafana API: a
//! workshop whose lectern.yaml turns the API on and whose setup script curls a
//! datasource and a dashboard into it, against a real InfluxDB. Under CI=true
//! a missing program is a failure.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lectern::engine::dashboards::DashboardContent;
use lectern::engine::{self, Engine, Mode};
use lectern::runtime::{self, http, Event, Store};
use serde_json::json;
use tokio::sync::mpsc::UnboundedReceiver;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The program, or None outside CI (skip) — in CI its absence fails the test.
fn program(name: &str) -> Option<()> {
    let found = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()));
    if found {
        return Some(());
    }
    assert!(
        !std::env::var("CI").is_ok_and(|v| v == "true"),
        "`{name}` is not installed; scripts/install-deps.sh installs it"
    );
    eprintln!("skipping: `{name}` is not installed");
    None
}

fn start_influxd(dir: &Path) -> Option<(Server, u16)> {
    program("influxd")?;
    let (port, bind) = (free_port(), free_port());
    let d = dir.display();
    let conf = format!(
        "reporting-disabled = true\nbind-address = \"127.0.0.1:{bind}\"\n[meta]\n  dir = \"{d}/meta\"\n[data]\n  dir = \"{d}/data\"\n  wal-dir = \"{d}/wal\"\n  query-log-enabled = false\n[http]\n  bind-address = \"127.0.0.1:{port}\"\n  log-enabled = false\n[monitor]\n  store-enabled = false\n"
    );
    std::fs::write(dir.join("influxdb.conf"), conf).unwrap();
    let child = Command::new("influxd")
        .arg("-config")
        .arg(dir.join("influxdb.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let s = Server(child);
    let end = Instant::now() + Duration::from_secs(30);
    while !http::is_up(&format!("http://127.0.0.1:{port}/ping")) {
        assert!(Instant::now() < end, "influxd never came up");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some((s, port))
}

fn pump(
    e: &mut Engine,
    rx: &mut UnboundedReceiver<Event>,
    what: &str,
    done: impl Fn(&Engine) -> bool,
) {
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        while let Ok(ev) = rx.try_recv() {
            e.on_event(&ev);
        }
        e.on_timer(Instant::now());
        e.take_notes();
        if done(e) {
            return;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn title(e: &Engine) -> Option<String> {
    match &e.dashboards.first()?.content {
        DashboardContent::Grafana { dash, .. } => Some(dash.title.clone()),
        _ => None,
    }
}

fn dashboard(title: &str) -> serde_json::Value {
    json!({"dashboard": {"id": null, "uid": "raw-requests", "title": title,
        "time": {"from": "now-5m", "to": "now"},
        "panels": [{"type": "graph", "title": "Requests",
            "datasource": {"type": "influxdb", "uid": "influx-main"},
            "gridPos": {"x": 0, "y": 0, "w": 24, "h": 8},
            "targets": [{"rawQuery": true,
                "query": "SELECT count(\"duration\") FROM \"requests\" WHERE $timeFilter GROUP BY time(1s) fill(none)"}]}]},
        "folderId": 0, "overwrite": true})
}

#[test]
fn a_dashboard_a_setup_script_posts_is_drawn_with_its_posted_datasource() {
    let d = tempfile::tempdir().unwrap();
    let Some((_influx, influx)) = start_influxd(d.path()) else {
        return;
    };
    let Some(()) = program("curl") else { return };
    let base = format!("http://127.0.0.1:{influx}");
    http::post_form(
        &format!("{base}/query"),
        &[("q".into(), "CREATE DATABASE wsgi".into())],
        Duration::from_secs(5),
    )
    .unwrap();

    let port = free_port();
    let root = d.path().join("ws");
    for dir in ["workshop/content", "workshop/setup.d", "exercises"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    // lectern.yaml's datasource of the same name points nowhere: the posted one wins.
    std::fs::write(
        root.join("workshop/lectern.yaml"),
        format!("grafana: {{port: {port}, anonymous: true}}\ndatasources:\n- {{name: Metrics, type: influxdb, url: \"http://127.0.0.1:9\", database: nothing}}\n"),
    )
    .unwrap();
    std::fs::write(
        root.join("exercises/ds.json"),
        json!({"name": "Metrics", "type": "influxdb", "uid": "influx-main", "access": "proxy",
            "url": base, "jsonData": {"dbName": "wsgi"}, "isDefault": true})
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        root.join("exercises/dash.json"),
        dashboard("Raw Requests").to_string(),
    )
    .unwrap();
    // As an Educates workshop's setup script does it, byte for byte but the port.
    std::fs::write(
        root.join("workshop/setup.d/10-grafana.sh"),
        format!(
            "set -e\nGRAFANA=http://127.0.0.1:{port}\nuntil curl -sf $GRAFANA/api/health >/dev/null; do sleep 0.2; done\n\
             curl -sf -u admin:admin -H 'Content-Type: application/json' -X POST $GRAFANA/api/datasources -d @ds.json\n\
             curl -sf -u admin:admin -H 'Content-Type: application/json' -X POST $GRAFANA/api/dashboards/db -d @dash.json\n"
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("workshop/content/page.md"),
        "# Requests\n\n```dashboard:reload-dashboard\nname: Grafana\nurl: http://localhost:3000/d/raw-requests?refresh=1s\n```\n",
    )
    .unwrap();

    let ws = lectern::workshop::load(&root, &Default::default()).unwrap();
    assert!(ws.config.grafana.is_some());
    let store = Store::at(d.path().join("state"));
    let (rt, mut rx) = runtime::prepare(&ws, &store, 24, 80);
    let mut e = Engine::new(
        ws,
        rt,
        store,
        engine::Options {
            mode: Mode::Test {
                budget: Duration::from_secs(10),
            },
            allow_outside: false,
            downloads: d.path().join("dl"),
        },
    );
    e.launch().unwrap();
    assert_eq!(e.grafana().unwrap().addr().port(), port);
    pump(&mut e, &mut rx, "the setup script", |e| e.rt.setup.done());
    let failed: Vec<String> = e.rt.setup.failed().map(|s| format!("{s:?}")).collect();
    assert!(failed.is_empty(), "{failed:?}");

    // Points written after the page was opened: the check counts only those.
    let now_ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let lines: String = (0..5)
        .map(|i| format!("requests duration={}i {}\n", 10 + i, now_ns + i * 1_000_000))
        .collect();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let status = agent
        .post(format!("{base}/write?db=wsgi"))
        .send(lines.as_str())
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(status, 204);

    let o = lectern::headless::drive_action(&mut e, &mut rx, 0, Duration::from_secs(30)).unwrap();
    assert!(o.is_passed(), "{o:?}");
    assert!(o.text().contains("every panel has new data"), "{o:?}");
    assert_eq!(title(&e).as_deref(), Some("Raw Requests"));
    pump(&mut e, &mut rx, "the tab's data", |e| {
        matches!(&e.dashboards[0].content,
            DashboardContent::Grafana { data, .. } if data.first().is_some_and(|p| p.has_data()))
    });

    // Posted again, changed: the tab follows, and a reload shows it.
    let (status, _) = http_post(port, &dashboard("Raw Requests v2").to_string());
    assert_eq!(status, 200);
    pump(&mut e, &mut rx, "the changed dashboard", |e| {
        title(e).as_deref() == Some("Raw Requests v2")
    });
    let o = lectern::headless::drive_action(&mut e, &mut rx, 0, Duration::from_secs(30)).unwrap();
    assert!(o.is_passed(), "{o:?}");
    assert_eq!(e.dashboards.len(), 1);

    // The server stops with lectern.
    e.shutdown();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
}

fn http_post(port: u16, body: &str) -> (u16, String) {
    let out = Command::new("curl")
        .args(["-s", "-w", "\n%{http_code}", "-u", "admin:admin"])
        .args(["-H", "Content-Type: application/json", "-X", "POST"])
        .arg(format!("http://127.0.0.1:{port}/api/dashboards/db"))
        .args(["-d", body])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", ""));
    (code.trim().parse().unwrap_or(0), body.to_string())
}
