//! Dashboards against real servers: an InfluxDB 1.x and a Prometheus started
//! by the test on 127.0.0.1. Under CI=true a missing server is a failure.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lectern::engine::dashboards::{DashboardContent, DashboardTab};
use lectern::model::grafana;
use lectern::model::series::{time_range, TimeRange};
use lectern::runtime::{datasource, http};
use lectern::workshop::lectern_config::{DatasourceKind, DatasourceSpec, LecternConfig};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

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
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("`{name}` is not installed; scripts/install-deps.sh installs it");
    }
    eprintln!("skipping: `{name}` is not installed");
    None
}

fn wait_up(url: &str) {
    let end = Instant::now() + Duration::from_secs(30);
    while !http::is_up(url) {
        assert!(Instant::now() < end, "{url} never came up");
        std::thread::sleep(Duration::from_millis(100));
    }
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
    wait_up(&format!("http://127.0.0.1:{port}/ping"));
    Some((s, port))
}

fn post(url: &str, body: &str) {
    // A tiny HTTP/1.0 POST: the test needs nothing more.
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(s, "POST /{path} HTTP/1.0\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(
        resp.starts_with("HTTP/1.1 2") || resp.starts_with("HTTP/1.0 2"),
        "{url}: {resp}"
    );
}

/// Fixed times, so that the time axis of the snapshot never changes.
const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

fn dashboard() -> grafana::Dashboard {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dashboards/service-health.json");
    grafana::parse(&serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()).unwrap()
}

#[test]
fn influxdb_panels_query_and_draw() {
    let dir = tempfile::tempdir().unwrap();
    let Some((_server, port)) = start_influxd(dir.path()) else {
        return;
    };
    let base = format!("http://127.0.0.1:{port}");
    post(&format!("{base}/query"), "q=CREATE+DATABASE+metrics");
    // 60 requests over a minute from two hosts; web1 takes 0.1 s, web2 0.3 s.
    let mut lines = String::new();
    for i in 0..60 {
        let host = if i % 2 == 0 { "web1" } else { "web2" };
        let d = if i % 2 == 0 { 0.1 } else { 0.3 };
        lines.push_str(&format!(
            "requests,host={host} duration={d} {}\n",
            T0 + i * 1000
        ));
    }
    post(&format!("{base}/write?db=metrics&precision=ms"), &lines);

    let cfg = LecternConfig {
        services: vec![],
        datasources: vec![DatasourceSpec {
            name: "TestInflux".into(),
            kind: DatasourceKind::InfluxDb,
            url: base.clone(),
            database: Some("metrics".into()),
            auth: None,
        }],
        ..Default::default()
    };
    let dash = dashboard();
    assert_eq!(dash.panels.len(), 5, "the row's panels are read too");
    let range = TimeRange {
        from_ms: T0,
        to_ms: T0 + 60_000,
    };
    let data: Vec<_> = dash
        .panels
        .iter()
        .map(|p| datasource::query_panel(&cfg, p, range, Duration::from_secs(5)))
        .collect();

    // Query builder: count per 10 s, one series per host, named by the alias.
    let names: Vec<&str> = data[0].series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["web1", "web2"]);
    let total: f64 = data[0].series.iter().flat_map(|s| s.values()).sum();
    assert_eq!(total, 60.0);
    // Raw InfluxQL with $timeFilter: the mean of all durations.
    assert!((data[1].series[0].reduce("last").unwrap() - 0.2).abs() < 1e-9);
    // percentile(duration, 95)
    assert!((data[2].series[0].reduce("last").unwrap() - 0.3).abs() < 1e-9);
    assert_eq!(data[3].series.len(), 2);
    // A panel without data says why instead of failing.
    assert!(!data[4].has_data());
    assert!(
        data[4].error.as_deref().unwrap().contains("no points"),
        "{:?}",
        data[4].error
    );

    // Drawn in the terminal, with absolute times so that the picture is stable.
    let tab = DashboardTab {
        name: "Health".into(),
        url: String::new(),
        builtin: false,
        content: DashboardContent::Grafana {
            dash: Box::new(dash),
            from: T0.to_string(),
            to: (T0 + 60_000).to_string(),
            refresh: Some(Duration::from_secs(10)),
            data,
            generation: 1,
            queried: None,
            pending: false,
        },
    };
    let mut term = Terminal::new(TestBackend::new(120, 36)).unwrap();
    term.draw(|f| lectern::ui::dashboard_view::draw(f, f.area(), &tab, false))
        .unwrap();
    insta::assert_snapshot!(term.backend().to_string());

    // `lectern render --dashboard` draws the same from the same server.
    let ws = tempfile::tempdir().unwrap();
    let wd = ws.path().join("workshop");
    std::fs::create_dir_all(wd.join("content")).unwrap();
    std::fs::create_dir_all(wd.join("dashboards")).unwrap();
    std::fs::write(wd.join("content/page.md"), "# Page\n").unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dashboards/service-health.json"),
        wd.join("dashboards/service-health.json"),
    )
    .unwrap();
    std::fs::write(
        wd.join("lectern.yaml"),
        format!("datasources:\n- {{name: TestInflux, type: influxdb, url: \"{base}\", database: metrics}}\n"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lectern"))
        .args([
            "render",
            ws.path().to_str().unwrap(),
            "--dashboard",
            "service-health",
        ])
        .args([
            "--from",
            &T0.to_string(),
            "--to",
            &(T0 + 60_000).to_string(),
        ])
        .args(["--width", "120", "--height", "36"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        lectern::ui::dashboard_view::buffer_text(term.backend().buffer())
    );
}

/// A scrape target that always reports the same counter.
fn tiny_target() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let mut s = s;
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf);
            let body =
                "# TYPE test_requests_total counter\ntest_requests_total{endpoint=\"/\"} 42\n\
                # TYPE test_latency_seconds histogram\n\
                test_latency_seconds_bucket{le=\"0.1\"} 3\n\
                test_latency_seconds_bucket{le=\"0.5\"} 8\n\
                test_latency_seconds_bucket{le=\"+Inf\"} 9\n\
                test_latency_seconds_sum 2\ntest_latency_seconds_count 9\n";
            let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        }
    });
    port
}

#[test]
fn prometheus_panels_query_range() {
    if program("prometheus").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let target = tiny_target();
    let port = free_port();
    std::fs::write(
        dir.path().join("prometheus.yml"),
        format!("global:\n  scrape_interval: 1s\nscrape_configs:\n- job_name: tiny\n  static_configs:\n  - targets: ['127.0.0.1:{target}']\n"),
    )
    .unwrap();
    let child = Command::new("prometheus")
        .arg(format!(
            "--config.file={}",
            dir.path().join("prometheus.yml").display()
        ))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _server = Server(child);
    let base = format!("http://127.0.0.1:{port}");
    wait_up(&format!("{base}/-/ready"));
    let cfg = LecternConfig {
        services: vec![],
        datasources: vec![DatasourceSpec {
            name: "Prometheus".into(),
            kind: DatasourceKind::Prometheus,
            url: base,
            database: None,
            auth: None,
        }],
        ..Default::default()
    };
    let panel: serde_json::Value = serde_json::json!({"panels": [{
        "type": "timeseries", "title": "t", "datasource": {"type": "prometheus", "uid": "prom"},
        "targets": [{"refId": "A", "expr": "test_requests_total", "legendFormat": "{{endpoint}} requests"}]
    }]});
    let dash = grafana::parse(&panel).unwrap();
    // Wait for a few scrapes.
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let range = time_range("now-1m", "now", now).unwrap();
        let data = datasource::query_panel(&cfg, &dash.panels[0], range, Duration::from_secs(5));
        if data.has_data() {
            assert_eq!(data.series[0].name, "/ requests");
            assert_eq!(data.series[0].reduce("last"), Some(42.0));
            // A histogram's `_bucket` series as a heatmap: cumulative buckets
            // (format: heatmap) become counts of 3, 5 and 1 per bucket.
            let heat = grafana::parse(&serde_json::json!({"panels": [{
                "type": "heatmap", "title": "h", "datasource": {"type": "prometheus", "uid": "prom"},
                "fieldConfig": {"defaults": {"unit": "s"}},
                "targets": [{"refId": "A", "expr": "test_latency_seconds_bucket", "legendFormat": "{{le}}", "format": "heatmap"}]
            }]}))
            .unwrap();
            let hd = datasource::query_panel(&cfg, &heat.panels[0], range, Duration::from_secs(5));
            let mut names: Vec<&str> = hd.series.iter().map(|s| s.name.as_str()).collect();
            names.sort();
            assert_eq!(names, ["+Inf", "0.1", "0.5"]);
            let c = lectern::model::plot::draw_panel(&heat.panels[0], Some(&hd), range, 40, 8);
            let lines = c.lines();
            let row = |label: &str| {
                lines
                    .iter()
                    .find(|l| l.trim_start().starts_with(label))
                    .cloned()
                    .unwrap_or_default()
            };
            // The 0.5 s bucket holds the most: the brightest shade.
            assert!(row("500 ms").contains('█'), "{lines:#?}");
            assert!(row("+Inf").contains('░'), "{lines:#?}");
            assert!(row("100 ms").contains('▓'), "{lines:#?}");
            break;
        }
        assert!(
            Instant::now() < end,
            "Prometheus never had data: {:?}",
            data.error
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// A dashboard check counts only points written since the page was opened:
/// old data in the database does not make a new page's dashboard pass.
#[test]
fn a_dashboard_check_judges_only_new_points() {
    use lectern::engine::{self, Engine, Mode};
    use lectern::runtime::{Runtime, ShellSpec, Store};
    let d = tempfile::tempdir().unwrap();
    let Some((_influx, port)) = start_influxd(d.path()) else {
        return;
    };
    let base = format!("http://127.0.0.1:{port}");
    post(&format!("{base}/query"), "q=CREATE DATABASE checks");
    let write = |ns: i64| {
        post(
            &format!("{base}/write?db=checks&precision=ns"),
            &format!("hits value=1 {ns}"),
        )
    };
    // Points from a minute ago: the dashboard's range holds them.
    let now_ns = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as i64
    };
    for i in 0..5 {
        write(now_ns() - 60_000_000_000 + i);
    }
    let ws_dir = d.path().join("ws");
    std::fs::create_dir_all(ws_dir.join("workshop/content")).unwrap();
    std::fs::create_dir_all(ws_dir.join("workshop/dashboards")).unwrap();
    std::fs::create_dir_all(ws_dir.join("exercises")).unwrap();
    std::fs::write(
        ws_dir.join("workshop/lectern.yaml"),
        format!("datasources:\n- {{name: InfluxDB, type: influxdb, url: \"{base}\", database: checks}}\n"),
    )
    .unwrap();
    std::fs::write(
        ws_dir.join("workshop/dashboards/hits.json"),
        r#"{"uid": "hits", "title": "Hits", "time": {"from": "now-5m", "to": "now"},
            "panels": [{"type": "graph", "title": "Hits", "datasource": "InfluxDB",
              "gridPos": {"x": 0, "y": 0, "w": 24, "h": 8},
              "targets": [{"rawQuery": true, "query": "SELECT count(value) FROM hits WHERE $timeFilter GROUP BY time(1s) fill(none)"}]}]}"#,
    )
    .unwrap();
    std::fs::write(
        ws_dir.join("workshop/content/page.md"),
        "```dashboard:reload-dashboard\nname: Hits\nurl: http://grafana.localhost/d/hits\n```\n",
    )
    .unwrap();
    let check = |write_new: bool| {
        let ws = lectern::workshop::load(&ws_dir, &Default::default()).unwrap();
        let (rt, mut rx) = Runtime::new(ShellSpec {
            shell: "/bin/bash".into(),
            cwd: ws_dir.clone(),
            env: vec![],
            rc_dir: d.path().join("rc"),
            scrollback: 10,
        });
        let mut e = Engine::new(
            ws,
            rt,
            Store::at(d.path().join("state")),
            engine::Options {
                mode: Mode::Test {
                    budget: Duration::from_secs(5),
                },
                allow_outside: false,
                downloads: d.path().join("dl"),
            },
        );
        e.open_page(0);
        if write_new {
            std::thread::sleep(Duration::from_millis(50));
            write(now_ns());
        }
        let o = lectern::headless::drive_action(&mut e, &mut rx, 0, Duration::from_secs(30));
        e.shutdown();
        o.unwrap()
    };
    let old_only = check(false);
    assert!(
        old_only.is_failed()
            && old_only
                .text()
                .contains("no new data since the page was opened"),
        "{old_only:?}"
    );
    let fresh = check(true);
    assert!(fresh.is_passed(), "{fresh:?}");
}
