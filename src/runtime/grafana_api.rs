//! Grafana's HTTP API, served by lectern on 127.0.0.1, so that workshop
//! set-up scripts that curl a Grafana (datasources, dashboards) work
//! unchanged and lectern draws what they post. The server runs on its own
//! thread with its own small tokio runtime: lectern's event loop never waits
//! on it, and it works the same under `lectern test`. Dropping the `Handle`
//! stops it. What was posted is kept in a JSON file, so it outlives lectern.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::FutureExt;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response};
use serde_json::{json, Value};
use tokio::sync::mpsc::UnboundedSender;

use super::Event;
use crate::model::grafana_store::{ApiError, DsKey, GrafanaStore, MAX_BYTES};

/// A request body larger than this is refused (413).
pub const MAX_BODY: usize = 16 * 1024 * 1024;
/// Connections served at once; more wait to be accepted.
const MAX_CONNECTIONS: usize = 64;
/// How long a client may take to send its headers, and its body.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// No connection lives longer than this (keep-alive included).
const CONNECTION_LIFE: Duration = Duration::from_secs(300);

/// Who may use the API: basic auth with this user and password; with
/// `anonymous`, reading needs no credentials (as Grafana's anonymous viewer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth {
    pub user: String,
    pub password: String,
    pub anonymous: bool,
}

impl Default for Auth {
    fn default() -> Auth {
        Auth {
            user: "admin".into(),
            password: "admin".into(),
            anonymous: false,
        }
    }
}

/// The store the server keeps, for lectern to read.
#[derive(Clone, Default)]
pub struct SharedStore(Arc<Mutex<GrafanaStore>>);

impl SharedStore {
    fn lock(&self) -> MutexGuard<'_, GrafanaStore> {
        // A panic in a handler leaves the store as it was before the
        // operation (operations change it only once they succeed).
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn read<T>(&self, f: impl FnOnce(&GrafanaStore) -> T) -> T {
        f(&self.lock())
    }
}

struct State {
    store: SharedStore,
    auth: Auth,
    path: PathBuf,
    /// Changes made / changes written, so an older snapshot never lands last.
    changes: AtomicU64,
    written: Mutex<u64>,
    events: Option<UnboundedSender<Event>>,
}

/// A running server. Dropping it (or `stop`) stops it.
pub struct Handle {
    addr: SocketAddr,
    store: SharedStore,
    notice: Option<String>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Handle {
    /// Where it listens (the port chosen when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn store(&self) -> SharedStore {
        self.store.clone()
    }

    /// What happened to a kept file that could not be read, if anything.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Stop serving and wait (briefly) for the server's thread to end.
    pub fn stop(mut self) {
        self.shut();
    }

    fn shut(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shut();
    }
}

/// Read the kept store. A file that is not JSON is set aside, and said so.
fn load(path: &Path) -> (GrafanaStore, Option<String>) {
    match std::fs::symlink_metadata(path) {
        Err(_) => return (GrafanaStore::default(), None),
        Ok(m) if !m.file_type().is_file() || m.len() > (MAX_BYTES as u64) * 2 => {
            return (
                GrafanaStore::default(),
                Some(format!(
                    "{} is not a file of Grafana dashboards lectern can read; starting with none",
                    path.display()
                )),
            )
        }
        Ok(_) => {}
    }
    let parsed = std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice::<GrafanaStore>(&b).map_err(|e| e.to_string()));
    match parsed {
        Ok(s) => (s, None),
        Err(e) => {
            let aside = path.with_extension("corrupt.json");
            let kept = std::fs::rename(path, &aside).is_ok();
            let note = if kept {
                format!(" (kept as {})", aside.display())
            } else {
                String::new()
            };
            (
                GrafanaStore::default(),
                Some(format!(
                    "the Grafana dashboards lectern kept were unreadable ({e}){note}; starting with none"
                )),
            )
        }
    }
}

/// Start serving on `addr` (port 0: any free port). The store is read from
/// `store_path` and written back after every change; each change is also sent
/// as `Event::Grafana` so the screen can follow.
pub fn start(
    addr: SocketAddr,
    auth: Auth,
    store_path: PathBuf,
    events: Option<UnboundedSender<Event>>,
) -> Result<Handle, String> {
    // Bound here, so a port in use is an error now, not a silent thread.
    let listener = std::net::TcpListener::bind(addr)
        .map_err(|e| format!("cannot listen on {addr} for the Grafana API: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let (store, notice) = load(&store_path);
    let store = SharedStore(Arc::new(Mutex::new(store)));
    let state = Arc::new(State {
        store: store.clone(),
        auth,
        path: store_path,
        changes: AtomicU64::new(0),
        written: Mutex::new(0),
        events,
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the Grafana API: {e}"))?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
    let thread = std::thread::Builder::new()
        .name("grafana-api".into())
        .spawn(move || {
            rt.block_on(serve(listener, state, stop_rx));
            // A file being written finishes; nothing else is waited for long.
            rt.shutdown_timeout(Duration::from_secs(2));
        })
        .map_err(|e| format!("cannot start the Grafana API: {e}"))?;
    Ok(Handle {
        addr,
        store,
        notice,
        stop: Some(stop_tx),
        thread: Some(thread),
    })
}

async fn serve(
    listener: std::net::TcpListener,
    state: Arc<State>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit = tokio::select! {
            _ = &mut stop => return,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return,
            },
        };
        let stream = tokio::select! {
            _ = &mut stop => return,
            a = listener.accept() => match a {
                Ok((s, _)) => s,
                // Out of descriptors and the like: wait, then go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let state = state.clone();
                async move {
                    // A bug in a handler answers 500; the server goes on.
                    let r = std::panic::AssertUnwindSafe(handle(req, state))
                        .catch_unwind()
                        .await
                        .unwrap_or_else(|_| {
                            json_response(
                                500,
                                &json!({"message": "internal error in lectern's Grafana API"}),
                            )
                        });
                    Ok::<_, std::convert::Infallible>(r)
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(READ_TIMEOUT)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let _ = tokio::time::timeout(CONNECTION_LIFE, conn).await;
            drop(permit);
        });
    }
}

fn json_response(status: u16, body: &Value) -> Response<Full<Bytes>> {
    response(status, "application/json", body.to_string())
}

fn response(status: u16, kind: &str, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or_default();
    if let Ok(v) = hyper::header::HeaderValue::from_str(kind) {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

fn message(status: u16, m: &str) -> Response<Full<Bytes>> {
    json_response(status, &json!({ "message": m }))
}

/// `%XX` and (in queries) `+` decoded; invalid escapes are kept as written.
fn decode(s: &str, plus: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_pairs(q: Option<&str>) -> Vec<(String, String)> {
    q.unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k, true), decode(v, true))
        })
        .collect()
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    };
    let s = s.trim().trim_end_matches('=');
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        acc = (acc << 6) | val(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Whether the request may go on: right credentials, or a read when anonymous
/// viewing is on. The answer when not.
fn authorize(req: &Request<Incoming>, auth: &Auth, write: bool) -> Result<(), &'static str> {
    match req.headers().get(hyper::header::AUTHORIZATION) {
        None if auth.anonymous && !write => Ok(()),
        None => Err("Unauthorized"),
        Some(h) => {
            let given = h
                .to_str()
                .ok()
                .and_then(|v| {
                    v.strip_prefix("Basic ")
                        .or_else(|| v.strip_prefix("basic "))
                })
                .and_then(base64_decode)
                .and_then(|b| String::from_utf8(b).ok());
            match given.as_deref().and_then(|g| g.split_once(':')) {
                Some((u, p)) if u == auth.user && p == auth.password => Ok(()),
                Some(_) => Err("invalid username or password"),
                None => Err("invalid API key"),
            }
        }
    }
}

/// The body as JSON, or the answer to a body that is too large, late or not JSON.
async fn json_body(req: Request<Incoming>) -> Result<Value, Response<Full<Bytes>>> {
    let too_large = || {
        message(
            413,
            &format!("request body larger than {} MiB", MAX_BODY >> 20),
        )
    };
    // Said up front: refused before a byte of it is read.
    let declared = req
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    let read = Limited::new(req.into_body(), MAX_BODY).collect();
    let bytes = match tokio::time::timeout(READ_TIMEOUT, read).await {
        Err(_) => return Err(message(408, "the request body took too long to arrive")),
        Ok(Err(e))
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            return Err(message(
                413,
                &format!("request body larger than {} MiB", MAX_BODY >> 20),
            ))
        }
        Ok(Err(e)) => return Err(message(400, &format!("cannot read the request: {e}"))),
        Ok(Ok(b)) => b.to_bytes(),
    };
    serde_json::from_slice(&bytes).map_err(|e| {
        message(
            400,
            &format!("bad request data: the body is not JSON ({e})"),
        )
    })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Grafana's web pages: lectern draws dashboards in its terminal, and says so
/// (a page that answers, for scripts that check the UI is up).
fn page(state: &State, path: &str, may_read: bool) -> Response<Full<Bytes>> {
    let what = path
        .strip_prefix("/d/")
        .map(|rest| rest.split('/').next().unwrap_or(""))
        .filter(|uid| !uid.is_empty())
        .map(|uid| {
            let title = may_read
                .then(|| {
                    state
                        .store
                        .read(|s| s.dashboard(uid).map(|d| d.title.clone()))
                })
                .flatten();
            match title {
                Some(t) => format!(
                    "The dashboard “{}” is drawn in lectern's terminal.",
                    html_escape(&t)
                ),
                None => format!(
                    "The dashboard {} is drawn in lectern's terminal.",
                    html_escape(uid)
                ),
            }
        })
        .unwrap_or_else(|| "Dashboards are drawn in lectern's terminal.".into());
    let body = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Grafana (lectern)</title></head>\n<body><h1>Grafana API served by lectern</h1><p>{what}</p><p>The HTTP API answers under <code>/api/</code>.</p></body></html>\n"
    );
    response(200, "text/html; charset=utf-8", body)
}

/// A change to the store, made under its lock.
type Change = Box<dyn FnOnce(&mut GrafanaStore) -> Result<Value, ApiError> + Send>;

enum Op {
    Read(Result<Value, ApiError>),
    /// A change: `Ok` answers are kept and announced.
    Write(Change),
    NotFound,
}

async fn handle(req: Request<Incoming>, state: Arc<State>) -> Response<Full<Bytes>> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = query_pairs(req.uri().query());
    let read = method == Method::GET || method == Method::HEAD;
    #[cfg(test)]
    if path == "/api/test/panic" {
        panic!("a handler that fails");
    }
    if !path.starts_with("/api/") {
        if read {
            return page(&state, &path, authorize(&req, &state.auth, false).is_ok());
        }
        return message(404, "Not found");
    }
    if path == "/api/health" {
        // Unauthenticated, as Grafana's. The version is that of the API shapes.
        return json_response(
            200,
            &json!({"commit": "lectern", "database": "ok", "version": "10.0.0"}),
        );
    }
    if let Err(why) = authorize(&req, &state.auth, !read) {
        return message(401, why);
    }
    let segs: Vec<String> = path
        .trim_start_matches("/api/")
        .trim_end_matches('/')
        .split('/')
        .map(|s| decode(s, false))
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let body = if method == Method::POST || method == Method::PUT {
        match json_body(req).await {
            Ok(v) => v,
            Err(r) => return r,
        }
    } else {
        Value::Null
    };
    let now = now_ms();
    let op = {
        let store = state.store.lock();
        route(&method, &segs, &query, body, now, &store)
    };
    match op {
        Op::NotFound => message(404, "Not found"),
        Op::Read(r) => answer(r),
        Op::Write(f) => {
            let result = {
                let mut store = state.store.lock();
                f(&mut store).map(|v| {
                    let n = state.changes.fetch_add(1, Ordering::AcqRel) + 1;
                    (v, n, serde_json::to_vec(&*store))
                })
            };
            match result {
                Err(e) => answer(Err(e)),
                Ok((v, n, bytes)) => {
                    if let Some(tx) = &state.events {
                        let _ = tx.send(Event::Grafana);
                    }
                    match persist(&state, n, bytes).await {
                        Ok(()) => json_response(200, &v),
                        Err(e) => message(
                            500,
                            &format!("kept until lectern stops, but not saved: {e}"),
                        ),
                    }
                }
            }
        }
    }
}

fn answer(r: Result<Value, ApiError>) -> Response<Full<Bytes>> {
    match r {
        Ok(v) => json_response(200, &v),
        Err(e) => json_response(e.http_status(), &e.body()),
    }
}

/// Write the store, unless a newer change was written already.
async fn persist(
    state: &Arc<State>,
    n: u64,
    bytes: Result<Vec<u8>, serde_json::Error>,
) -> Result<(), String> {
    let bytes = bytes.map_err(|e| e.to_string())?;
    let state = state.clone();
    // The write blocks (fsync): off the server's thread; the lock keeps two
    // writes in order.
    let write = tokio::task::spawn_blocking(move || {
        let path = &state.path;
        let mut last = state.written.lock().unwrap_or_else(|e| e.into_inner());
        if *last >= n {
            return Ok(());
        }
        super::store::write_atomic(path, &bytes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        *last = n;
        Ok(())
    });
    write
        .await
        .unwrap_or_else(|_| Err("lectern failed while saving".into()))
}

fn route(
    method: &Method,
    segs: &[&str],
    query: &[(String, String)],
    body: Value,
    now: i64,
    store: &GrafanaStore,
) -> Op {
    match (method.as_str(), segs) {
        ("GET" | "HEAD", ["datasources"]) => Op::Read(Ok(store.list_datasources())),
        ("GET" | "HEAD", ["datasources", "id", name]) => Op::Read(
            store
                .get_datasource(DsKey::Name(name))
                .map(|d| json!({"id": d["id"]})),
        ),
        ("GET" | "HEAD", ["datasources", kind @ ("name" | "uid"), v]) => {
            Op::Read(store.get_datasource(ds_key(kind, v)))
        }
        ("GET" | "HEAD", ["datasources", id]) => match id.parse() {
            Ok(id) => Op::Read(store.get_datasource(DsKey::Id(id))),
            Err(_) => Op::Read(Err(ApiError::NotFound("Data source not found".into()))),
        },
        ("POST", ["datasources"]) => Op::Write(Box::new(move |s| s.create_datasource(&body, now))),
        ("PUT", ["datasources", "uid", uid]) => {
            let uid = uid.to_string();
            Op::Write(Box::new(move |s| {
                s.update_datasource(DsKey::Uid(&uid), &body)
            }))
        }
        ("PUT", ["datasources", id]) => match id.parse() {
            Ok(id) => Op::Write(Box::new(move |s| s.update_datasource(DsKey::Id(id), &body))),
            Err(_) => Op::Read(Err(ApiError::NotFound("Data source not found".into()))),
        },
        ("DELETE", ["datasources", kind @ ("name" | "uid"), v]) => {
            let (kind, v) = (kind.to_string(), v.to_string());
            Op::Write(Box::new(move |s| s.delete_datasource(ds_key(&kind, &v))))
        }
        ("DELETE", ["datasources", id]) => match id.parse() {
            Ok(id) => Op::Write(Box::new(move |s| s.delete_datasource(DsKey::Id(id)))),
            Err(_) => Op::Read(Err(ApiError::NotFound("Data source not found".into()))),
        },
        ("POST", ["dashboards", "db"]) => {
            Op::Write(Box::new(move |s| s.save_dashboard(&body, now)))
        }
        ("POST", ["dashboards", "import"]) => {
            Op::Write(Box::new(move |s| s.import_dashboard(&body, now)))
        }
        ("GET" | "HEAD", ["dashboards", "uid", uid]) => Op::Read(store.get_dashboard(uid)),
        ("DELETE", ["dashboards", "uid", uid]) => {
            let uid = uid.to_string();
            Op::Write(Box::new(move |s| s.delete_dashboard(&uid)))
        }
        ("GET" | "HEAD", ["search"]) => Op::Read(Ok(store.search(query))),
        ("GET" | "HEAD", ["org"]) => Op::Read(Ok(json!({"id": 1, "name": "Main Org."}))),
        _ => Op::NotFound,
    }
}

fn ds_key<'a>(kind: &str, v: &'a str) -> DsKey<'a> {
    if kind == "name" {
        DsKey::Name(v)
    } else {
        DsKey::Uid(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_keeps_what_is_not_an_escape() {
        assert_eq!(decode("My%20Influx", false), "My Influx");
        assert_eq!(decode("a+b%2", true), "a b%2");
        assert_eq!(decode("%zz%", false), "%zz%");
        assert_eq!(base64_decode("YWRtaW46YWRtaW4=").unwrap(), b"admin:admin");
        assert!(base64_decode("a*b").is_none());
    }

    #[test]
    fn a_panic_in_a_handler_answers_500_and_the_server_goes_on() {
        let d = tempfile::tempdir().unwrap();
        let g = start(
            "127.0.0.1:0".parse().unwrap(),
            Auth::default(),
            d.path().join("g.json"),
            None,
        )
        .unwrap();
        let get = |path: &str| {
            super::super::http::get(
                &format!("http://{}{path}", g.addr()),
                Duration::from_secs(5),
            )
            .unwrap()
        };
        let (status, body) = get("/api/test/panic");
        assert_eq!(status, 500);
        assert!(body.contains("internal error"));
        assert_eq!(get("/api/health").0, 200);
    }
}
