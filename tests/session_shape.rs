//! The Educates session shape on one machine: HOME, ~/bin on PATH, the
//! ingress names in /etc/hosts, $WORKSHOP_ENV from set-up scripts, and
//! supervisord running the workshop's programs, `supervisorctl` included.
//! Run through `lectern test` on a workshop written here.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn have(program: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()));
    if !found && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("`{program}` is not installed; scripts/install-deps.sh installs it");
    }
    found
}

fn write(dir: &Path, path: &str, text: &str, exec: bool) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    if exec {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn a_workshop_gets_the_educates_session_shape() {
    if !have("bwrap") || !have("supervisord") {
        // Under CI the set-up script installs both: missing is a failure there.
        assert!(
            std::env::var_os("CI").is_none(),
            "bubblewrap and supervisor must be installed under CI"
        );
        eprintln!("skipping: bubblewrap or supervisor is not installed");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    write(
        d.path(),
        "resources/workshop.yaml",
        "apiVersion: training.educates.dev/v1beta1\nkind: Workshop\nmetadata:\n  name: shape\nspec:\n  title: Shape\n  description: The session shape\n  session:\n    ingresses:\n    - name: web\n      port: 8080\n    env:\n    - name: WEB_URL\n      value: http://web-$(session_namespace).$(ingress_domain)\n",
        false,
    );
    write(
        d.path(),
        "bin/start-web",
        &format!("#!/bin/bash\necho \"WEB_URL=$WEB_URL\" > /home/eduk8s/web-env\nexec python3 -m http.server {port} --bind 127.0.0.1\n"),
        true,
    );
    write(
        d.path(),
        "workshop/supervisor/web.conf",
        "[program:web]\ncommand=/home/eduk8s/bin/start-web\nstdout_logfile=/proc/1/fd/1\nstdout_logfile_maxbytes=0\nredirect_stderr=true\nautorestart=true\n",
        false,
    );
    write(
        d.path(),
        "workshop/setup.d/01-env.sh",
        "echo 'GREETING=hello-from-setup' >> \"$WORKSHOP_ENV\"\n",
        false,
    );
    let wait_web = format!(
        "for i in $(seq 50); do curl -sf http://web-shape.localhost:{port}/ >/dev/null && break; sleep 0.2; done; curl -sf http://web-shape.localhost:{port}/ >/dev/null"
    );
    write(
        d.path(),
        "workshop/content/01.md",
        &format!(
            "# Session\n\n\
             ```terminal:execute\ncommand: test \"$HOME\" = /home/eduk8s && test -d ~/exercises && test -x ~/bin/start-web && command -v start-web\n```\n\n\
             ```terminal:execute\ncommand: test \"$GREETING\" = hello-from-setup\n```\n\n\
             ```terminal:execute\ncommand: test -n \"$SESSION_NAMESPACE\" && test \"$WEB_URL\" = \"http://web-$SESSION_NAMESPACE.$INGRESS_DOMAIN\"\n```\n\n\
             ```terminal:execute\ncommand: getent hosts web web-shape web-shape.localhost\n```\n\n\
             ```terminal:execute\ncommand: {wait_web}\n```\n\n\
             ```terminal:execute\ncommand: for i in $(seq 30); do supervisorctl status web | grep -q RUNNING && break; sleep 0.2; done; supervisorctl status web | grep RUNNING\n```\n\n\
             ```terminal:execute\ncommand: grep -x \"WEB_URL=$WEB_URL\" /home/eduk8s/web-env\n```\n\n\
             ```terminal:execute\ncommand: supervisorctl restart web && {wait_web}\n```\n"
        ),
        false,
    );
    std::fs::create_dir_all(d.path().join("exercises")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lectern"))
        .arg("test")
        .arg(d.path())
        .env("SHELL", "/bin/bash")
        .env("LECTERN_NO_USER_RC", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("session: HOME=/home/eduk8s"), "{text}");
    assert_eq!(
        text.lines().last(),
        Some("10 passed, 0 failed, 0 skipped"),
        "{text}"
    );
}
