//! `examiner:execute-test`: run `workshop/examiner/tests/NAME ARGS...` in the
//! exercises folder with a timeout, retrying after `delay` up to `retries`
//! times (or until stopped). Exit 0 passes. Form inputs go in as JSON on stdin.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::procs;
use crate::action::ExaminerTest;

#[derive(Debug, Clone, PartialEq)]
pub struct ExamResult {
    pub passed: bool,
    /// What the script printed on its last attempt (stdout and stderr).
    pub output: String,
    pub attempts: u32,
    pub took: Duration,
}

impl ExamResult {
    /// The last non-empty line of output, for a card.
    pub fn summary(&self) -> String {
        let last = self
            .output
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        let verdict = if self.passed { "passed" } else { "failed" };
        let tries = if self.attempts > 1 {
            format!(" after {} tries", self.attempts)
        } else {
            String::new()
        };
        if last.is_empty() {
            format!("{verdict}{tries}")
        } else {
            format!("{verdict}{tries}: {last}")
        }
    }
}

/// Run a test to the end (blocking). `stop` ends retrying early.
/// Where and how examiner scripts run.
pub struct Context<'a> {
    pub workshop_dir: &'a Path,
    pub cwd: &'a Path,
    pub env: &'a [(String, String)],
    pub sessions: &'a procs::Sessions,
    pub sandbox: Option<&'a super::sandbox::Sandbox>,
}

pub fn run(
    ctx: &Context,
    test: &ExaminerTest,
    input: Option<&serde_json::Value>,
    stop: &AtomicBool,
) -> ExamResult {
    let (workshop_dir, cwd) = (ctx.workshop_dir, ctx.cwd);
    let started = Instant::now();
    let script = match crate::paths::within(&workshop_dir.join("examiner/tests"), &test.name) {
        Ok(p) => p,
        Err(e) => {
            return ExamResult {
                passed: false,
                output: format!("examiner test: {e}"),
                attempts: 0,
                took: Duration::ZERO,
            }
        }
    };
    let mut attempts = 0;
    loop {
        attempts += 1;
        let (passed, output) = attempt(ctx, &script, cwd, test, input, stop);
        let more = match test.retries {
            None => !stop.load(Ordering::Acquire),
            Some(n) => attempts <= n && !stop.load(Ordering::Acquire),
        };
        if passed || !more {
            return ExamResult {
                passed,
                output,
                attempts,
                took: started.elapsed(),
            };
        }
        let until = Instant::now() + test.delay;
        while Instant::now() < until && !stop.load(Ordering::Acquire) {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn attempt(
    ctx: &Context,
    script: &Path,
    cwd: &Path,
    test: &ExaminerTest,
    input: Option<&serde_json::Value>,
    stop: &AtomicBool,
) -> (bool, String) {
    let (env, sessions, sandbox) = (ctx.env, ctx.sessions, ctx.sandbox);
    if !script.is_file() {
        return (false, format!("no test script at {}", script.display()));
    }
    let mut argv = vec![script.to_string_lossy().into_owned()];
    argv.extend(test.args.iter().cloned());
    let mut cmd = super::sandbox::command(sandbox, &argv, cwd);
    cmd.envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setsid() is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return (false, format!("cannot run {}: {e}", script.display())),
    };
    let pid = child.id() as i32;
    sessions.register(pid);
    if let (Some(mut stdin), Some(v)) = (child.stdin.take(), input) {
        let _ = stdin.write_all(v.to_string().as_bytes());
    }
    let collect = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            // A script that floods output keeps only its last megabyte.
            r.map(|r| super::tail::Tail::new(super::tail::CAP).read_from(r).text())
                .unwrap_or_default()
        })
    };
    let out = collect(
        child
            .stdout
            .take()
            .map(|o| Box::new(o) as Box<dyn Read + Send>),
    );
    let err = collect(
        child
            .stderr
            .take()
            .map(|o| Box::new(o) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + test.timeout;
    let mut stopped = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if Instant::now() >= deadline => break None,
            // The learner left the page, or lectern is ending: the test goes now.
            Ok(None) if stop.load(Ordering::Acquire) => {
                stopped = true;
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => break None,
        }
    };
    procs::kill_session(pid, Duration::from_millis(200));
    let _ = child.wait();
    sessions.unregister(pid);
    let mut output = out.join().unwrap_or_default();
    let e = err.join().unwrap_or_default();
    if !e.is_empty() {
        output.push_str(&e);
    }
    match status {
        Some(s) => (s.success(), output),
        None if stopped => {
            output.push_str("\nstopped before it finished");
            (false, output)
        }
        None => {
            output.push_str(&format!(
                "\ntimed out after {}s",
                test.timeout.as_secs_f64()
            ));
            (false, output)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::procs::Sessions;

    fn ctx(dir: &Path) -> Context<'_> {
        static SESSIONS: std::sync::OnceLock<Sessions> = std::sync::OnceLock::new();
        Context {
            workshop_dir: dir,
            cwd: dir,
            env: &[],
            sessions: SESSIONS.get_or_init(Sessions::default),
            sandbox: None,
        }
    }
    use std::os::unix::fs::PermissionsExt;

    fn script(dir: &Path, name: &str, body: &str) {
        let p = dir.join("examiner/tests").join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn test(name: &str, retries: Option<u32>, timeout_ms: u64) -> ExaminerTest {
        ExaminerTest {
            name: name.into(),
            args: vec!["a b".into()],
            timeout: Duration::from_millis(timeout_ms),
            retries,
            delay: Duration::from_millis(10),
            inputs: None,
        }
    }

    #[test]
    fn pass_fail_retry_timeout_and_stdin() {
        let d = tempfile::tempdir().unwrap();
        let stop = AtomicBool::new(false);
        script(d.path(), "ok", "#!/bin/sh\necho \"got $1\"\n");
        let r = run(&ctx(d.path()), &test("ok", Some(0), 5000), None, &stop);
        assert!(r.passed && r.output.contains("got a b"), "{r:?}");
        // Fails twice, then passes: a counter file in the cwd.
        script(
            d.path(),
            "flaky",
            "#!/bin/sh\nn=$(cat n 2>/dev/null || echo 0); n=$((n+1)); echo $n > n; [ $n -ge 3 ]\n",
        );
        let r = run(&ctx(d.path()), &test("flaky", Some(5), 5000), None, &stop);
        assert!(r.passed && r.attempts == 3, "{r:?}");
        script(d.path(), "slow", "#!/bin/sh\nsleep 30\n");
        let r = run(&ctx(d.path()), &test("slow", Some(0), 200), None, &stop);
        assert!(!r.passed && r.output.contains("timed out"), "{r:?}");
        script(d.path(), "form", "#!/bin/sh\ngrep -q '\"name\":\"x\"'\n");
        let v = serde_json::json!({"name": "x"});
        let r = run(
            &ctx(d.path()),
            &test("form", Some(0), 5000),
            Some(&v),
            &stop,
        );
        assert!(r.passed, "{r:?}");
        let r = run(&ctx(d.path()), &test("missing", Some(0), 5000), None, &stop);
        assert!(!r.passed && r.output.contains("no test script"));
    }
}
