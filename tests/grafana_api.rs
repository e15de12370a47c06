//! lectern's Grafana HTTP API against real HTTP clients (ureq, curl) on a
//! free 127.0.0.1 port: shapes, status codes, auth, limits, persistence.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use lectern::runtime::grafana_api::{self, Auth, Handle};
use serde_json::{json, Value};

fn start(dir: &Path, auth: Auth) -> Handle {
    grafana_api::start(
        "127.0.0.1:0".parse().unwrap(),
        auth,
        dir.join("grafana-api.json"),
        None,
    )
    .unwrap()
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

const ADMIN: Option<(&str, &str)> = Some(("admin", "admin"));

/// One request: its status and JSON body (Null when the body is not JSON).
fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    auth: Option<(&str, &str)>,
    body: Option<&str>,
) -> (u16, Value) {
    let (status, text) = call_text(addr, method, path, auth, body);
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn call_text(
    addr: SocketAddr,
    method: &str,
    path: &str,
    auth: Option<(&str, &str)>,
    body: Option<&str>,
) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into();
    let url = format!("http://{addr}{path}");
    let header = auth.map(|(u, p)| format!("Basic {}", base64(format!("{u}:{p}").as_bytes())));
    macro_rules! with_auth {
        ($req:expr) => {{
            let r = $req;
            match &header {
                Some(h) => r.header("Authorization", h),
                None => r,
            }
        }};
    }
    let resp = match method {
        "GET" => with_auth!(agent.get(&url)).call(),
        "DELETE" => with_auth!(agent.delete(&url)).call(),
        "POST" => with_auth!(agent.post(&url))
            .header("Content-Type", "application/json")
            .send(body.unwrap_or("")),
        "PUT" => with_auth!(agent.put(&url))
            .header("Content-Type", "application/json")
            .send(body.unwrap_or("")),
        m => panic!("{m}"),
    };
    let mut resp = resp.unwrap();
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    (status, text)
}

fn influx_ds(name: &str) -> String {
    json!({"name": name, "type": "influxdb", "url": "http://127.0.0.1:8086", "access": "proxy",
        "database": "wsgi", "isDefault": true})
    .to_string()
}

#[test]
fn datasource_endpoints_answer_as_grafana_does() {
    let d = tempfile::tempdir().unwrap();
    let g = start(d.path(), Auth::default());
    let a = g.addr();
    let (s, v) = call(a, "GET", "/api/health", None, None);
    assert_eq!((s, v["database"].as_str()), (200, Some("ok")));

    let (s, v) = call(
        a,
        "POST",
        "/api/datasources",
        ADMIN,
        Some(&influx_ds("InfluxDB")),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["message"], "Datasource added");
    assert_eq!(v["id"], 1);
    assert_eq!(v["datasource"]["type"], "influxdb");
    let uid = v["datasource"]["uid"].as_str().unwrap().to_string();
    let (s, v) = call(
        a,
        "POST",
        "/api/datasources",
        ADMIN,
        Some(&influx_ds("InfluxDB")),
    );
    assert_eq!(s, 409);
    assert!(v["message"].as_str().unwrap().contains("same name"));

    let (s, v) = call(a, "GET", "/api/datasources", ADMIN, None);
    assert_eq!((s, v.as_array().map(Vec::len)), (200, Some(1)));
    let (s, v) = call(a, "GET", "/api/datasources/name/InfluxDB", ADMIN, None);
    assert_eq!((s, v["uid"].as_str()), (200, Some(uid.as_str())));
    let (s, v) = call(
        a,
        "GET",
        &format!("/api/datasources/uid/{uid}"),
        ADMIN,
        None,
    );
    assert_eq!((s, v["name"].as_str()), (200, Some("InfluxDB")));
    let (s, v) = call(a, "GET", "/api/datasources/id/InfluxDB", ADMIN, None);
    assert_eq!((s, v["id"].as_u64()), (200, Some(1)));
    // A name with a space, as a URL carries it.
    call(
        a,
        "POST",
        "/api/datasources",
        ADMIN,
        Some(&influx_ds("My Influx")),
    );
    let (s, _) = call(a, "GET", "/api/datasources/name/My%20Influx", ADMIN, None);
    assert_eq!(s, 200);

    let mut changed: Value = serde_json::from_str(&influx_ds("InfluxDB")).unwrap();
    changed["database"] = json!("other");
    let (s, v) = call(
        a,
        "PUT",
        "/api/datasources/1",
        ADMIN,
        Some(&changed.to_string()),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["message"], "Datasource updated");
    assert_eq!(v["datasource"]["database"], "other");
    let (s, _) = call(
        a,
        "PUT",
        "/api/datasources/99",
        ADMIN,
        Some(&changed.to_string()),
    );
    assert_eq!(s, 404);
    // Renaming onto another's name is a conflict.
    changed["name"] = json!("My Influx");
    let (s, _) = call(
        a,
        "PUT",
        "/api/datasources/1",
        ADMIN,
        Some(&changed.to_string()),
    );
    assert_eq!(s, 409);

    let (s, v) = call(a, "DELETE", "/api/datasources/1", ADMIN, None);
    assert_eq!(
        (s, v["message"].as_str()),
        (200, Some("Data source deleted"))
    );
    let (s, v) = call(a, "GET", "/api/datasources/name/InfluxDB", ADMIN, None);
    assert_eq!(
        (s, v["message"].as_str()),
        (404, Some("Data source not found"))
    );
    let (s, _) = call(
        a,
        "DELETE",
        "/api/datasources/name/My%20Influx",
        ADMIN,
        None,
    );
    assert_eq!(s, 200);
    let (s, _) = call(a, "DELETE", "/api/datasources/1", ADMIN, None);
    assert_eq!(s, 404);
}

#[test]
fn dashboard_endpoints_answer_as_grafana_does() {
    let d = tempfile::tempdir().unwrap();
    let g = start(d.path(), Auth::default());
    let a = g.addr();
    let post = |body: Value| {
        call(
            a,
            "POST",
            "/api/dashboards/db",
            ADMIN,
            Some(&body.to_string()),
        )
    };
    let (s, v) = post(
        json!({"dashboard": {"id": null, "uid": null, "title": "Production Overview",
        "tags": ["prod"], "panels": []}, "folderId": 0, "overwrite": false}),
    );
    assert_eq!(s, 200, "{v}");
    for k in ["id", "uid", "url", "status", "version", "slug"] {
        assert!(v.get(k).is_some(), "no {k} in {v}");
    }
    assert_eq!(v["status"], "success");
    assert_eq!(v["slug"], "production-overview");
    assert_eq!(v["version"], 1);
    let uid = v["uid"].as_str().unwrap().to_string();
    assert!(!uid.is_empty());

    let (s, v) = call(a, "GET", &format!("/api/dashboards/uid/{uid}"), ADMIN, None);
    assert_eq!(s, 200);
    assert_eq!(v["dashboard"]["title"], "Production Overview");
    assert_eq!(v["dashboard"]["uid"], uid.as_str());
    assert_eq!(v["meta"]["url"], format!("/d/{uid}/production-overview"));
    assert_eq!(v["meta"]["version"], 1);

    // A stale version without overwrite: 412; with overwrite: version 2.
    let again = json!({"dashboard": {"uid": uid, "title": "Production Overview", "version": 0}});
    let (s, v) = post(again.clone());
    assert_eq!((s, v["status"].as_str()), (412, Some("version-mismatch")));
    let mut over = again.clone();
    over["overwrite"] = json!(true);
    let (s, v) = post(over);
    assert_eq!((s, v["version"].as_u64()), (200, Some(2)));

    post(json!({"dashboard": {"uid": "other", "title": "Raw Requests", "panels": []}}));
    let titles = |q: &str| -> Vec<String> {
        let (s, v) = call(a, "GET", &format!("/api/search{q}"), ADMIN, None);
        assert_eq!(s, 200);
        v.as_array()
            .unwrap()
            .iter()
            .map(|h| h["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(titles(""), ["Production Overview", "Raw Requests"]);
    assert_eq!(titles("?query=raw+req&type=dash-db"), ["Raw Requests"]);
    assert_eq!(titles("?query=Production%20"), ["Production Overview"]);
    assert!(titles("?type=dash-folder").is_empty());
    let (_, v) = call(a, "GET", "/api/search?query=raw", ADMIN, None);
    assert_eq!(v[0]["type"], "dash-db");
    assert_eq!(v[0]["url"], "/d/other/raw-requests");

    let (s, v) = call(a, "DELETE", "/api/dashboards/uid/other", ADMIN, None);
    assert_eq!(s, 200);
    assert_eq!(v["title"], "Raw Requests");
    let (s, v) = call(a, "GET", "/api/dashboards/uid/other", ADMIN, None);
    assert_eq!(
        (s, v["message"].as_str()),
        (404, Some("Dashboard not found"))
    );
    let (s, _) = call(a, "GET", "/api/nothing/here", ADMIN, None);
    assert_eq!(s, 404);

    // The web pages answer, so checks of Grafana's UI pass.
    let (s, page) = call_text(a, "GET", "/", None, None);
    assert_eq!(s, 200);
    assert!(page.contains("lectern's terminal"));
    let (s, page) = call_text(a, "GET", &format!("/d/{uid}/x?orgId=1"), ADMIN, None);
    assert_eq!(s, 200);
    assert!(page.contains("Production Overview"), "{page}");
}

#[test]
fn credentials_are_checked_and_anonymous_viewers_only_read() {
    let d = tempfile::tempdir().unwrap();
    let g = start(d.path(), Auth::default());
    let a = g.addr();
    let ds = influx_ds("InfluxDB");
    assert_eq!(call(a, "GET", "/api/datasources", None, None).0, 401);
    assert_eq!(call(a, "POST", "/api/datasources", None, Some(&ds)).0, 401);
    let (s, v) = call(a, "GET", "/api/search", Some(("admin", "wrong")), None);
    assert_eq!(
        (s, v["message"].as_str()),
        (401, Some("invalid username or password"))
    );
    // Health needs no credentials, as in Grafana.
    assert_eq!(call(a, "GET", "/api/health", None, None).0, 200);
    // The page does not tell an anonymous caller what a dashboard is called.
    call(
        a,
        "POST",
        "/api/dashboards/db",
        ADMIN,
        Some(&json!({"dashboard": {"uid": "s", "title": "Secret"}}).to_string()),
    );
    let (_, page) = call_text(a, "GET", "/d/s", None, None);
    assert!(!page.contains("Secret"));
    drop(g);

    let g = start(
        d.path(),
        Auth {
            user: "teacher".into(),
            password: "s3cret:x".into(),
            anonymous: true,
        },
    );
    let a = g.addr();
    assert_eq!(call(a, "GET", "/api/datasources", None, None).0, 200);
    assert_eq!(call(a, "GET", "/api/dashboards/uid/s", None, None).0, 200);
    assert_eq!(call(a, "POST", "/api/datasources", None, Some(&ds)).0, 401);
    assert_eq!(
        call(a, "DELETE", "/api/dashboards/uid/s", None, None).0,
        401
    );
    assert_eq!(call(a, "POST", "/api/datasources", ADMIN, Some(&ds)).0, 401);
    let teacher = Some(("teacher", "s3cret:x"));
    assert_eq!(
        call(a, "POST", "/api/datasources", teacher, Some(&ds)).0,
        200
    );
}

#[test]
fn what_was_posted_survives_a_restart() {
    let d = tempfile::tempdir().unwrap();
    let g = start(d.path(), Auth::default());
    let a = g.addr();
    call(
        a,
        "POST",
        "/api/datasources",
        ADMIN,
        Some(&influx_ds("InfluxDB")),
    );
    let dash = json!({"dashboard": {"uid": "keep", "title": "Kept", "panels": []}});
    call(
        a,
        "POST",
        "/api/dashboards/db",
        ADMIN,
        Some(&dash.to_string()),
    );
    g.stop();
    // Stopped means stopped: the port no longer answers.
    assert!(TcpStream::connect_timeout(&a, Duration::from_secs(1)).is_err());

    let g = start(d.path(), Auth::default());
    assert!(g.notice().is_none());
    let a = g.addr();
    let (s, v) = call(a, "GET", "/api/dashboards/uid/keep", ADMIN, None);
    assert_eq!((s, v["dashboard"]["title"].as_str()), (200, Some("Kept")));
    let (s, _) = call(a, "GET", "/api/datasources/name/InfluxDB", ADMIN, None);
    assert_eq!(s, 200);
    // Ids go on from where they were.
    let (_, v) = call(
        a,
        "POST",
        "/api/datasources",
        ADMIN,
        Some(&influx_ds("Second")),
    );
    assert_eq!(v["id"], 2);
    assert!(g
        .store()
        .read(|s| s.dashboard("keep").map(|d| d.title.clone()))
        .is_some());
    drop(g);

    // A kept file that is not JSON is set aside, said so, and not fatal.
    std::fs::write(d.path().join("grafana-api.json"), "{torn").unwrap();
    let g = start(d.path(), Auth::default());
    assert!(g.notice().unwrap().contains("unreadable"));
    assert_eq!(
        call(g.addr(), "GET", "/api/dashboards/uid/keep", ADMIN, None).0,
        404
    );
}

#[test]
fn concurrent_requests_are_all_answered_and_kept() {
    let d = tempfile::tempdir().unwrap();
    let g = start(d.path(), Auth::default());
    let a = g.addr();
    let workers: Vec<_> = (0..12)
        .map(|w| {
            std::thread::spawn(move || {
                for i in 0..6 {
                    let body = json!({"dashboard": {"uid": format!("w{w}-{i}"),
                        "title": format!("Dashboard {w}-{i}"), "panels": []}});
                    let (s, v) = call(
                        a,
                        "POST",
                        "/api/dashboards/db",
                        ADMIN,
                        Some(&body.to_string()),
                    );
                    assert_eq!(s, 200, "{v}");
                    assert_eq!(call(a, "GET", "/api/search", ADMIN, None).0, 200);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let (_, v) = call(a, "GET", "/api/search?limit=5000", ADMIN, None);
    assert_eq!(v.as_array().unwrap().len(), 72);
    g.stop();
    // The file holds the last of them, not an older snapshot.
    let g = start(d.path(), Auth::default());
    assert_eq!(g.store().read(|s| s.dashboards.len()), 72);
}

#[test]
fn oversized_and_malformed_bodies_are_refused_with_a_message() {
    let d = tempfile::tempdir().unwrap();
    let g = start(d.path(), Auth::default());
    let a = g.addr();
    let (s, v) = call(
        a,
        "POST",
        "/api/dashboards/db",
        ADMIN,
        Some("{\"dashboard\": "),
    );
    assert_eq!(s, 400);
    assert!(v["message"].as_str().unwrap().contains("not JSON"), "{v}");
    let (s, v) = call(a, "POST", "/api/datasources", ADMIN, Some("[1, 2]"));
    assert_eq!(s, 400);
    assert!(v["message"].is_string());
    let (s, _) = call(a, "POST", "/api/dashboards/db", ADMIN, Some(""));
    assert_eq!(s, 400);
    let (s, _) = call(a, "PUT", "/api/datasources/1", ADMIN, Some("\u{0}"));
    assert_eq!(s, 400);

    // A declared length over the limit is refused before the body is sent.
    let mut t = TcpStream::connect(a).unwrap();
    t.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        t,
        "POST /api/dashboards/db HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        base64(b"admin:admin"),
        17 * 1024 * 1024
    )
    .unwrap();
    let mut head = [0u8; 64];
    let n = t.read(&mut head).unwrap();
    let head = String::from_utf8_lossy(&head[..n]);
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");

    // Sent chunked (no length said), it is cut off at the limit all the same.
    if let Some(curl) = curl() {
        let big = d.path().join("big.json");
        let mut f = std::fs::File::create(&big).unwrap();
        f.write_all(b"{\"dashboard\": {\"title\": \"").unwrap();
        f.write_all(&vec![b'x'; 17 * 1024 * 1024]).unwrap();
        f.write_all(b"\"}}").unwrap();
        drop(f);
        let out = Command::new(curl)
            .args([
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-u",
                "admin:admin",
            ])
            .args([
                "-H",
                "Content-Type: application/json",
                "-H",
                "Transfer-Encoding: chunked",
            ])
            .args(["-X", "POST", &format!("http://{a}/api/dashboards/db")])
            .arg("--data-binary")
            .arg(format!("@{}", big.display()))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "413");
    }
    // The server is still there.
    assert_eq!(call(a, "GET", "/api/health", None, None).0, 200);
}

/// curl, or None outside CI (skip) — in CI its absence fails the test.
fn curl() -> Option<&'static str> {
    let found = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("curl").is_file()));
    if found {
        return Some("curl");
    }
    assert!(
        !std::env::var("CI").is_ok_and(|v| v == "true"),
        "curl is not installed; scripts/install-deps.sh installs it"
    );
    eprintln!("skipping: curl is not installed");
    None
}

#[test]
fn a_set_up_script_with_curl_works_unchanged() {
    let Some(_) = curl() else { return };
    let d = tempfile::tempdir().unwrap();
    let g = start(d.path(), Auth::default());
    std::fs::write(d.path().join("ds.json"), influx_ds("InfluxDB")).unwrap();
    std::fs::write(
        d.path().join("dash.json"),
        json!({"dashboard": {"id": null, "uid": "raw-requests", "title": "Raw Requests",
            "panels": [{"type": "graph", "title": "Requests", "datasource": "InfluxDB",
                "targets": [{"rawQuery": true, "query": "SELECT count(\"duration\") FROM \"requests\""}]}]},
            "overwrite": true, "folderId": 0})
        .to_string(),
    )
    .unwrap();
    // As Educates workshops write it: wait for Grafana, then post.
    let script = r#"set -e
GRAFANA=http://127.0.0.1:$PORT
until curl -sf "$GRAFANA/api/health" >/dev/null; do sleep 0.2; done
curl -sf "$GRAFANA/login" >/dev/null
curl -s -u admin:admin -H 'Content-Type: application/json' -X POST $GRAFANA/api/datasources -d @ds.json
echo
curl -s -u admin:admin -H 'Content-Type: application/json' -X POST $GRAFANA/api/dashboards/db -d @dash.json
echo
curl -s -o /dev/null -w '%{http_code}\n' -u admin:admin -H 'Content-Type: application/json' -X POST $GRAFANA/api/datasources -d @ds.json
curl -s http://admin:admin@127.0.0.1:$PORT/api/search?query=Raw
"#;
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(d.path())
        .env("PORT", g.addr().port().to_string())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    let ds: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(ds["message"], "Datasource added");
    let dash: Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(dash["status"], "success");
    assert_eq!(dash["url"], "/d/raw-requests/raw-requests");
    assert_eq!(lines[2], "409");
    let found: Value = serde_json::from_str(lines[3]).unwrap();
    assert_eq!(found[0]["uid"], "raw-requests");
}
