//! A workshop shaped like one written for an Educates cluster, run unchanged
//! by `lectern test`: compose services (influxdb:1.8.1 as influxd,
//! prom/prometheus with the workshop's configuration, grafana/grafana as
//! lectern's Grafana API), ingresses and compose names
//! reached by host name, `session.env` with `$(var)`s, a supervisord program
//! from bin/, a set-up script that posts a datasource and a dashboard with
//! curl, and pages that write points by host name and reload the dashboard.
//! Under CI=true a missing program is a failure, never a skip.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/upstream-shape");

fn have(program: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()));
    assert!(
        found || !std::env::var("CI").is_ok_and(|v| v == "true"),
        "`{program}` is not installed; scripts/install-deps.sh installs it"
    );
    found
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The fixture copied to `to` with free ports in place of its placeholders
/// (other tests run at the same time), executable bits kept.
fn copy_with_ports(from: &Path, to: &Path, ports: &[(&str, u16)]) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_with_ports(&src, &dst, ports);
            continue;
        }
        let mut text = std::fs::read_to_string(&src).unwrap();
        for (name, port) in ports {
            text = text.replace(name, &port.to_string());
        }
        std::fs::write(&dst, text).unwrap();
        let mode = std::fs::metadata(&src).unwrap().permissions().mode();
        std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

fn fixture(dir: &Path) {
    copy_with_ports(
        Path::new(FIXTURE),
        dir,
        &[
            ("@INFLUX_PORT@", free_port()),
            ("@PROM_PORT@", free_port()),
            ("@GRAFANA_PORT@", free_port()),
        ],
    );
}

fn lectern_test(dir: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lectern"))
        .arg("test")
        .arg(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn ready() -> bool {
    // `&` on purpose: under CI each missing program is named.
    have("influxd") & have("prometheus") & have("bwrap") & have("supervisord") & have("curl")
}

/// A copy of the upstream-shaped fixture (in a folder named as upstream
/// names it), or None when its programs are missing outside CI.
fn upstream_copy() -> Option<(tempfile::TempDir, std::path::PathBuf)> {
    if !ready() {
        eprintln!("skipping: influxd, prometheus, bwrap, supervisord or curl is not installed");
        return None;
    }
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("lab-wsgi-metrics");
    fixture(&root);
    Some((d, root))
}

#[test]
fn an_upstream_shaped_workshop_passes_unchanged() {
    let Some((_d, root)) = upstream_copy() else {
        return;
    };
    let (ok, out) = lectern_test(&root);
    assert!(ok, "{out}");
    let last = out.lines().last().unwrap_or("");
    assert!(last.ends_with(" 0 failed, 0 skipped"), "{out}");
    // Everything that should have run did: the services, set-up, programs.
    assert!(
        out.contains("influxdb (influxdb:1.8.1 as influxd)"),
        "{out}"
    );
    assert!(
        out.contains("prometheus (prom/prometheus:v2.42.0 as prometheus)"),
        "{out}"
    );
    assert!(out.contains("supervisord"), "{out}");
    assert!(out.contains("01-grafana.sh"), "{out}");
    assert!(
        out.contains("Raw Requests: every panel has new data"),
        "{out}"
    );
}

#[test]
fn with_influxdb_auth_on_the_users_are_made_and_used() {
    let Some((_d, root)) = upstream_copy() else {
        return;
    };
    // As the image documents: auth on needs an admin, made first.
    let res = root.join("resources/workshop.yaml");
    let text = std::fs::read_to_string(&res).unwrap().replace(
        "              - INFLUXDB_DB=wsgi\n",
        "              - INFLUXDB_DB=wsgi\n              - INFLUXDB_HTTP_AUTH_ENABLED=true\n              - INFLUXDB_ADMIN_USER=admin\n              - INFLUXDB_ADMIN_PASSWORD=admin-secret\n",
    );
    std::fs::write(&res, text).unwrap();
    let (ok, out) = lectern_test(&root);
    assert!(ok, "{out}");
    // lectern's own dashboard queries use the posted datasource's user.
    assert!(
        out.contains("Raw Requests: every panel has new data"),
        "{out}"
    );
}

#[test]
fn a_broken_variant_fails_and_says_why() {
    let Some((_d, root)) = upstream_copy() else {
        return;
    };
    // No database made, and a service only a container engine can run.
    let res = root.join("resources/workshop.yaml");
    let text = std::fs::read_to_string(&res)
        .unwrap()
        .replace("              - INFLUXDB_DB=wsgi\n", "")
        .replace(
            "            grafana:\n",
            "            cache:\n              image: redis:7\n            grafana:\n",
        );
    std::fs::write(&res, &text).unwrap();
    let line = 1 + text
        .lines()
        .position(|l| l.trim() == "image: redis:7")
        .unwrap();

    let check = Command::new(env!("CARGO_BIN_EXE_lectern"))
        .arg("check")
        .arg(&root)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&check.stdout).into_owned()
        + &String::from_utf8_lossy(&check.stderr);
    assert!(!check.status.success(), "{said}");
    assert!(
        said.contains(&format!(
            "resources/workshop.yaml:{line}:15: error: compose service `cache` needs a container engine: redis:7"
        )),
        "{said}"
    );

    let (ok, out) = lectern_test(&root);
    assert!(!ok, "{out}");
    assert!(out.contains("needs a container engine: redis:7"), "{out}");
    // The writes to a database that was never made fail for real.
    assert!(
        out.contains("02-metrics · terminal:execute curl -sf -XPOST"),
        "{out}"
    );
}
