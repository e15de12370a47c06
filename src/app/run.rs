//! The event loop: input, PTY output, timers and signals in, frames out.
//! Frames are drawn only when something changed, at most ~60 a second.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    Event as CtEvent, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton,
    MouseEvent, MouseEventKind,
};
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use crossterm::{cursor, execute};
use futures::StreamExt;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::Terminal;

use super::{App, DashIntent, Focus, Intent, Overlay, View, Zoom};
use crate::engine::{self, Engine, Mode};
use crate::runtime::{procs, Store};
use crate::ui;
use crate::workshop::Workshop;

const FRAME: Duration = Duration::from_millis(16);
/// While only terminal output changes the screen (a flood), fewer frames leave
/// the CPU to parsing; anything the user does is drawn at the full rate.
const OUTPUT_FRAME: Duration = Duration::from_millis(33);

pub struct Options {
    pub trust: bool,
    pub restart: bool,
    pub allow_outside_files: bool,
    /// Where the workshop came from, to load it again when its content changes.
    pub reload: Option<(std::path::PathBuf, crate::workshop::LoadOptions)>,
    /// `lectern present`: how fast the lesson's commands are typed.
    pub present: Option<crate::engine::terminals::Pace>,
    /// Record the whole screen to this asciicast file.
    pub record: Option<std::path::PathBuf>,
}

/// Where the screen is written: the terminal, and the recording when there is one.
/// A frame goes to the recording as one event, when it is flushed.
struct Out {
    stdout: io::Stdout,
    /// Shared with the event loop, which records resizes.
    cast: Recording,
    frame: Vec<u8>,
}

/// The recording, and why it stopped when it could not be written (the app
/// goes on without it and says so).
type Recording =
    std::sync::Arc<std::sync::Mutex<(Option<crate::runtime::cast::Cast>, Option<String>)>>;

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.stdout.write(buf)?;
        if self.cast.lock().is_ok_and(|c| c.0.is_some()) {
            self.frame.extend_from_slice(&buf[..n]);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stdout.flush()?;
        let frame = std::mem::take(&mut self.frame);
        if let Ok(mut c) = self.cast.lock() {
            if let Some(Err(e)) = c.0.as_mut().map(|cast| cast.output(&frame)) {
                *c = (
                    None,
                    Some(format!("recording stopped: cannot write it: {e}")),
                );
            }
        }
        Ok(())
    }
}

/// Put the user's terminal back as it was. Safe to call more than once.
pub fn restore_terminal() {
    let _ = disable_raw_mode();
    let mut out = io::stdout();
    let _ = execute!(
        out,
        DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = out.flush();
}

struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // A worker thread's panic ends only its work (runtime::guard turns it
        // into an error where the work shows): the screen stays as it is.
        if std::thread::current().name() != Some("main") {
            return;
        }
        // Processes first (they must not outlive us), then the screen, then the message.
        procs::kill_all_now();
        restore_terminal();
        default(info);
    }));
}

pub fn run(ws: Workshop, opts: Options) -> io::Result<()> {
    use std::io::IsTerminal;
    if ws.pages.is_empty() {
        return Err(io::Error::other(format!(
            "{} has no pages: add Markdown pages under workshop/content/ (`lectern check` says what it found)",
            ws.root.display()
        )));
    }
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        return Err(io::Error::other(
            "lectern needs a terminal; use `lectern render` or `lectern test` without one",
        ));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run_async(ws, opts))
}

async fn run_async(ws: Workshop, opts: Options) -> io::Result<()> {
    let store = Store::for_workshop(&ws);
    let (cols, rows) = crossterm::terminal::size().unwrap_or((80, 24));
    let (runtime, mut rx) = crate::runtime::prepare(&ws, &store, rows / 2, cols / 2);
    let engine = Engine::new(
        ws,
        runtime,
        store,
        engine::Options {
            mode: Mode::Interactive,
            allow_outside: opts.allow_outside_files,
            downloads: engine::files::downloads_dir(),
        },
    );
    let mut engine = engine;
    if let Some(pace) = opts.present {
        engine.set_typing(pace);
    }
    let mut app = App::new(engine, opts.restart, opts.trust);
    app.present = opts.present.is_some();
    app.reload_from = opts.reload.clone();
    // Live reload (edits to the workshop's content show without a restart)
    // watches from the first frame on: setting up the watches takes a while.
    let mut _watcher = None;

    // The recording starts before the screen is taken, so it replays from a clear screen.
    let cast = match &opts.record {
        Some(path) => Some(
            crate::runtime::cast::Cast::create(path, cols, rows, Some(&app.engine.ws.title))
                .map_err(|e| {
                    io::Error::other(format!("cannot record to {}: {e}", path.display()))
                })?,
        ),
        None => None,
    };
    let recording: Recording = std::sync::Arc::new(std::sync::Mutex::new((cast, None)));
    let mut out = Out {
        stdout: io::stdout(),
        cast: recording.clone(),
        frame: Vec::new(),
    };

    install_panic_hook();
    enable_raw_mode()?;
    // Graphics (kitty, sixel, iTerm2) where the terminal says it has them;
    // asked before input is read, so its answer is not taken for keys.
    if crate::app::images::terminal_has_graphics() {
        if let Ok(p) = ratatui_image::picker::Picker::from_query_stdio() {
            app.images.picker = p;
        }
    }
    let _guard = TerminalGuard;
    // A plain clear: ratatui's `clear()` asks the terminal for the cursor position.
    execute!(
        out,
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste,
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
    )?;
    let mut term = Terminal::new(CrosstermBackend::new(out))?;

    // Every signal that asks a program to end ends lectern cleanly: its
    // processes stopped, its progress saved, the terminal restored.
    use tokio::signal::unix::{signal, SignalKind};
    let mut quit_signals = futures::stream::select_all(
        [
            SignalKind::terminate(),
            SignalKind::hangup(),
            SignalKind::interrupt(),
            SignalKind::quit(),
            SignalKind::user_defined1(),
            SignalKind::user_defined2(),
            SignalKind::pipe(),
        ]
        .into_iter()
        .map(|k| signal(k).map(tokio_stream_of))
        .collect::<io::Result<Vec<_>>>()?,
    );
    crate::runtime::echo_first::shared().drawn_by_screen();
    let mut input = EventStream::new();
    let test_panic = std::env::var_os("LECTERN_TEST_PANIC").is_some();
    let hyperlinks = hyperlinks_supported();

    // Present mode: notes windows follow the presenter over a private socket.
    let notes = if app.present {
        let path = crate::runtime::notes_socket::socket_path(app.engine.store().dir());
        match crate::runtime::notes_socket::NotesServer::start(&path) {
            Ok(s) => Some(s),
            Err(e) => {
                app.notice = Some(format!("no notes window can follow: {e}"));
                None
            }
        }
    } else {
        None
    };
    let started_ms = now_ms();
    let mut notes_sent: Option<crate::runtime::notes_socket::NotesState> = None;

    let mut need_draw = true;
    let mut output_only = false;
    let mut last_draw = Instant::now() - FRAME;
    let mut started = false;
    // A key sent to a terminal shows when the terminal echoes it: the frame
    // waits for that output (at most a frame's time) instead of going out at
    // once with nothing new and making the echo wait for the next one.
    let mut echo: Option<(crate::runtime::TermId, Instant)> = None;
    // The loop ends on quit, a signal or a screen error; each way, progress
    // is saved and everything started is stopped below.
    let ended: io::Result<()> = async {
    loop {
        if app.quit {
            break;
        }
        if echo.is_some_and(|(_, until)| Instant::now() >= until) {
            echo = None;
            need_draw = true;
            output_only = false;
        }
        let frame = if output_only { OUTPUT_FRAME } else { FRAME };
        if need_draw && last_draw.elapsed() >= frame {
            let size = term.size()?;
            // Whether the awaited echo is in the screen this frame is made from.
            let echo_in = crate::runtime::echo_first::shared().has_answer();
            app.prepare(Rect::new(0, 0, size.width, size.height));
            term.draw(|f| super::draw::draw(f, &app))?;
            if echo_in {
                crate::runtime::echo_first::shared().shown();
            }
            let stopped = recording.lock().ok().and_then(|mut r| r.1.take());
            if hyperlinks && app.overlay.is_none() {
                write_hyperlinks(&app, term.backend_mut())?;
            }
            if let Some(text) = app.clipboard.take() {
                write_clipboard(&text);
            }
            if let Some(server) = &notes {
                publish_notes(&app, server, started_ms, &mut notes_sent);
            }
            last_draw = Instant::now();
            need_draw = false;
            output_only = true;
            if let Some(why) = stopped {
                app.notice = Some(why);
                need_draw = true;
            }
            if !started {
                // The first frame is up: now start shells, services and setup.
                started = true;
                _watcher = opts.reload.as_ref().and_then(|_| {
                    let ws = &app.engine.ws;
                    crate::runtime::watch::content(
                        &[&ws.workshop_dir, &ws.root.join("resources")],
                        app.engine.rt.sender(),
                    )
                });
                app.launch()?;
                app.start();
                need_draw = true;
            }
        }
        let frame_at = need_draw.then(|| last_draw + frame);
        let deadline = [app.next_deadline(), frame_at, echo.map(|(_, until)| until)]
            .into_iter()
            .flatten()
            .min();
        let sleep = async move {
            match deadline {
                Some(d) => tokio::time::sleep_until(d.into()).await,
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(ev)) => {
                    if let CtEvent::Resize(w, h) = ev {
                        if let Ok((Some(c), _)) = recording.lock().as_deref_mut() {
                            let _ = c.resize(w, h);
                        }
                    }
                    let intent = to_intent(&app, &ev, test_panic);
                    // Keys to a terminal shown live (not scrolled back) change
                    // nothing on screen until the terminal answers.
                    let typed = match (&intent, app.focus) {
                        (Some(Intent::TermBytes(_)), Focus::Terminal(id))
                            if app.notice.is_none() && live(&app, id) =>
                        {
                            Some(id)
                        }
                        _ => None,
                    };
                    if let Some(intent) = intent {
                        app.notice = None;
                        app.apply(intent);
                    }
                    match typed {
                        Some(id) => echo = Some((id, Instant::now() + FRAME)),
                        None => {
                            need_draw = true;
                            output_only = false;
                        }
                    }
                }
                Some(Err(_)) | None => break,
            },
            Some(ev) = rx.recv() => {
                let visible = match &ev {
                    crate::runtime::Event::Output(id) => app.areas.terms.iter().any(|(t, _)| t == id),
                    _ => true,
                };
                app.on_event(&ev);
                match ev {
                    crate::runtime::Event::Output(id) => {
                        if echo.is_some_and(|(t, _)| t == id) {
                            echo = None;
                            output_only = false;
                        }
                    }
                    _ => output_only = false,
                }
                need_draw |= visible;
            },
            _ = sleep => {
                app.on_timer(Instant::now());
                need_draw = true;
            },
            _ = quit_signals.next() => break,
        }
    }
    Ok(())
    }
    .await;
    app.engine.save();
    app.engine.shutdown();
    let_go(term);
    match ended {
        // The terminal went away (its window was closed): an ending, not a
        // failure to report to a screen that is gone.
        Err(e) if e.raw_os_error() == Some(libc::EIO) => Ok(()),
        other => other,
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Tell the notes windows where the presenter is, when that changed.
fn publish_notes(
    app: &App,
    server: &crate::runtime::notes_socket::NotesServer,
    started_ms: i64,
    sent: &mut Option<crate::runtime::notes_socket::NotesState>,
) {
    let e = &app.engine;
    let title = |i: usize| e.ws.pages.get(i).map(|p| p.title.clone());
    let mut state = crate::runtime::notes_socket::NotesState {
        workshop: e.ws.title.clone(),
        page: e.page + 1,
        pages: e.page_count(),
        title: title(e.page).unwrap_or_default(),
        next: title(e.page + 1),
        notes: e.doc.lesson.notes.clone(),
        started_ms,
        page_started_ms: 0,
    };
    // The page's clock runs from when the presenter came to it.
    state.page_started_ms = match sent {
        Some(s) if s.page == state.page => s.page_started_ms,
        _ => now_ms(),
    };
    if sent.as_ref() != Some(&state) {
        server.publish(&state);
        *sent = Some(state);
    }
}

/// Drop the screen. ratatui reports a cursor it could not show again with
/// eprintln!, which panics when the terminal is gone; when showing it fails
/// here, there is no screen left to put back.
pub(crate) fn let_go<B: ratatui::backend::Backend>(mut term: Terminal<B>) {
    if term.show_cursor().is_ok() {
        drop(term);
    } else {
        std::mem::forget(term);
    }
}

/// Whether terminal `id` shows its live screen (not scrolled back).
fn live(app: &App, id: crate::runtime::TermId) -> bool {
    app.engine
        .rt
        .terminals
        .get(id)
        .and_then(|t| t.parser.lock().ok().map(|p| p.screen().scrollback() == 0))
        .unwrap_or(false)
}

/// A tokio signal as a stream, so several can be waited on as one.
fn tokio_stream_of(
    mut s: tokio::signal::unix::Signal,
) -> std::pin::Pin<Box<dyn futures::Stream<Item = ()> + Send>> {
    Box::pin(futures::stream::poll_fn(move |cx| s.poll_recv(cx)))
}

/// Whether the terminal lectern runs in shows OSC 8 hyperlinks. There is no
/// query for it: known terminals say who they are; `LECTERN_HYPERLINKS=1` or `0` decides.
fn hyperlinks_supported() -> bool {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    match var("LECTERN_HYPERLINKS").as_str() {
        "1" => return true,
        "0" => return false,
        _ => {}
    }
    let term = var("TERM");
    if term.starts_with("screen") || term.starts_with("tmux") || std::env::var_os("TMUX").is_some()
    {
        return false;
    }
    matches!(
        var("TERM_PROGRAM").as_str(),
        "iTerm.app" | "WezTerm" | "vscode" | "ghostty" | "Hyper" | "rio"
    ) || var("VTE_VERSION").parse::<u32>().is_ok_and(|v| v >= 5000)
        || term.contains("kitty")
        || term.contains("foot")
        || term.contains("alacritty")
        || std::env::var_os("WT_SESSION").is_some()
        || std::env::var_os("KONSOLE_VERSION").is_some()
}

/// Print the lesson's visible link text again, wrapped in OSC 8, over what
/// ratatui drew (same look), so that the terminal makes it clickable.
fn write_hyperlinks(app: &App, out: &mut impl Write) -> io::Result<()> {
    use crossterm::style::{Attribute, Color, Print, ResetColor, SetAttribute, SetForegroundColor};
    let inner = app.areas.lesson_inner;
    for l in &app.laid.links {
        if l.line < app.scroll || l.line >= app.scroll + usize::from(inner.height) {
            continue;
        }
        let (x, y) = (
            inner.x + l.col as u16,
            inner.y + (l.line - app.scroll) as u16,
        );
        if x >= inner.x + inner.width {
            continue;
        }
        crossterm::queue!(
            out,
            cursor::MoveTo(x, y),
            SetForegroundColor(if crate::ui::no_color::enabled() {
                Color::Reset
            } else {
                Color::Blue
            }),
            SetAttribute(Attribute::Underlined),
            Print(format!("\x1b]8;;{}\x1b\\{}\x1b]8;;\x1b\\", l.url, l.text)),
            SetAttribute(Attribute::Reset),
            ResetColor
        )?;
    }
    out.flush()
}

/// OSC 52 asks the terminal lectern runs in to take the text; the desktop's
/// own clipboard tool, when there is one, takes it too (OSC 52 is often off).
fn write_clipboard(text: &str) {
    let encoded = base64(text.as_bytes());
    let mut out = io::stdout();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07");
    let _ = out.flush();
    // A clipboard tool can take its time: never on the event loop.
    let text = text.to_string();
    std::thread::spawn(move || clipboard_tool(&text));
}

/// Give `text` to the desktop's clipboard tool, when there is one.
fn clipboard_tool(text: &str) {
    let tools: &[(&str, &[&str], bool)] = &[
        (
            "wl-copy",
            &[],
            std::env::var_os("WAYLAND_DISPLAY").is_some(),
        ),
        (
            "xclip",
            &["-selection", "clipboard"],
            std::env::var_os("DISPLAY").is_some(),
        ),
        (
            "xsel",
            &["--clipboard", "--input"],
            std::env::var_os("DISPLAY").is_some(),
        ),
        ("pbcopy", &[], cfg!(target_os = "macos")),
    ];
    for (tool, args, usable) in tools {
        if !usable {
            continue;
        }
        let child = std::process::Command::new(tool)
            .args(*args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if let Ok(mut c) = child {
            if let Some(mut stdin) = c.stdin.take() {
                let _ = stdin.write_all(text.as_bytes());
            }
            let _ = c.wait();
            return;
        }
    }
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

fn to_intent(app: &App, ev: &CtEvent, test_panic: bool) -> Option<Intent> {
    match ev {
        CtEvent::Key(k) if k.kind != KeyEventKind::Release => key_intent(app, k, test_panic),
        CtEvent::Mouse(m) => mouse_intent(app, m),
        CtEvent::Paste(s) => Some(Intent::Paste(s.clone())),
        CtEvent::Resize(..) => Some(Intent::Scroll(0)),
        _ => None,
    }
}

fn key_intent(app: &App, k: &KeyEvent, test_panic: bool) -> Option<Intent> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    if let Some(Overlay::Input { .. }) = &app.overlay {
        return match k.code {
            KeyCode::Enter => Some(Intent::OverlayAccept),
            KeyCode::Esc => Some(Intent::CloseOverlay),
            KeyCode::Backspace => Some(Intent::InputBackspace),
            KeyCode::Char(c) if !ctrl => Some(Intent::InputChar(c)),
            _ => None,
        };
    }
    if let Some(o) = &app.overlay {
        return match (o, k.code) {
            (Overlay::Consent { .. }, KeyCode::Char('y')) => Some(Intent::Trust(true)),
            (Overlay::Consent { .. }, KeyCode::Char('n') | KeyCode::Esc | KeyCode::Char('q')) => {
                Some(Intent::Trust(false))
            }
            (Overlay::ConfirmQuit { .. }, KeyCode::Char('y') | KeyCode::Enter) => {
                Some(Intent::OverlayAccept)
            }
            (Overlay::ConfirmQuit { .. }, KeyCode::Char('n') | KeyCode::Esc) => {
                Some(Intent::CloseOverlay)
            }
            (Overlay::Pages { .. }, KeyCode::Enter) => Some(Intent::OverlayAccept),
            (_, KeyCode::Up | KeyCode::Char('k')) => Some(Intent::OverlayMove(-1)),
            (_, KeyCode::Down | KeyCode::Char('j')) => Some(Intent::OverlayMove(1)),
            (_, KeyCode::PageUp) => Some(Intent::OverlayMove(-10)),
            (_, KeyCode::PageDown) => Some(Intent::OverlayMove(10)),
            (
                Overlay::Help { .. } | Overlay::Pages { .. } | Overlay::SetupLog { .. },
                KeyCode::Esc | KeyCode::Char('q' | '?' | 'l' | 'L'),
            ) => Some(Intent::CloseOverlay),
            _ => None,
        };
    }
    // Zoom the focused pane to the whole screen, from any focus.
    if k.code == KeyCode::F(11) {
        return Some(Intent::ToggleZoom(match app.focus {
            Focus::Lesson => Zoom::Lesson,
            Focus::Terminal(_) | Focus::View => Zoom::Side,
        }));
    }
    if let Focus::Terminal(id) = app.focus {
        if ctrl && matches!(k.code, KeyCode::Char(']') | KeyCode::Char('5')) {
            return Some(Intent::FocusLesson);
        }
        if k.modifiers.contains(KeyModifiers::SHIFT) {
            match k.code {
                KeyCode::PageUp => return Some(Intent::TermScroll(id, 10)),
                KeyCode::PageDown => return Some(Intent::TermScroll(id, -10)),
                _ => {}
            }
        }
        let app_cursor = app
            .engine
            .rt
            .terminals
            .get(id)
            .and_then(|t| {
                t.parser
                    .lock()
                    .ok()
                    .map(|p| p.screen().application_cursor())
            })
            .unwrap_or(false);
        let bytes = ui::keys::encode(k, app_cursor);
        return (!bytes.is_empty()).then_some(Intent::TermBytes(bytes));
    }
    if app.focus == Focus::View {
        let page = app.areas.view.height.saturating_sub(3).max(1) as isize;
        if let View::Dashboard(i) = app.view {
            if let Some(d) = dash_key(k, app.dash_view(i).full, page) {
                return Some(Intent::Dash(d));
            }
        }
        return match k.code {
            KeyCode::Char(']') if ctrl => Some(Intent::FocusLesson),
            KeyCode::Char('5') if ctrl => Some(Intent::FocusLesson),
            KeyCode::Esc => Some(Intent::FocusLesson),
            KeyCode::Up | KeyCode::Char('k') => Some(Intent::ViewScroll(-1)),
            KeyCode::Down | KeyCode::Char('j') => Some(Intent::ViewScroll(1)),
            KeyCode::PageUp => Some(Intent::ViewScroll(-page)),
            KeyCode::PageDown | KeyCode::Char(' ') => Some(Intent::ViewScroll(page)),
            KeyCode::Enter => Some(Intent::SearchOpen),
            KeyCode::Char('u') => Some(Intent::Undo),
            KeyCode::Char('e') => Some(Intent::ExternalEditor),
            KeyCode::Char('[') => Some(Intent::CycleTab(-1)),
            KeyCode::Char(']') => Some(Intent::CycleTab(1)),
            KeyCode::Char('q') => Some(Intent::Quit),
            KeyCode::Char('?') => Some(Intent::Open(Overlay::Help { scroll: 0 })),
            _ => None,
        };
    }
    let page = usize::from(app.areas.lesson_inner.height.max(2)) as isize - 1;
    Some(match k.code {
        KeyCode::Char('q') => Intent::Quit,
        KeyCode::Char('c') if ctrl => Intent::Quit,
        KeyCode::Char('?') => Intent::Open(Overlay::Help { scroll: 0 }),
        KeyCode::Char('l') => Intent::Open(Overlay::Pages {
            selected: app.engine.page,
        }),
        KeyCode::Char('L') => Intent::Open(Overlay::SetupLog { scroll: 0 }),
        KeyCode::Char('T') => Intent::Open(Overlay::Consent {
            scroll: 0,
            lines: super::consent_lines(
                &app.engine.ws.title,
                &crate::engine::consent::what_runs(&app.engine.ws),
            ),
        }),
        KeyCode::Tab => Intent::SelectCard(1),
        KeyCode::BackTab => Intent::SelectCard(-1),
        KeyCode::Enter => Intent::RunSelected,
        KeyCode::Up | KeyCode::Char('k') => Intent::Scroll(-1),
        KeyCode::Down | KeyCode::Char('j') => Intent::Scroll(1),
        KeyCode::PageUp => Intent::Scroll(-page),
        KeyCode::PageDown | KeyCode::Char(' ') => Intent::Scroll(page),
        KeyCode::Home | KeyCode::Char('g') => Intent::ScrollHome,
        KeyCode::End | KeyCode::Char('G') => Intent::ScrollEnd,
        KeyCode::Right | KeyCode::Char('n') => Intent::NextPage,
        KeyCode::Left | KeyCode::Char('p') => Intent::PrevPage,
        KeyCode::Char('y') => Intent::CopySelected,
        KeyCode::Char('t') => Intent::FocusView,
        KeyCode::Char('e') => Intent::ExternalEditor,
        KeyCode::Char('[') => Intent::CycleTab(-1),
        KeyCode::Char(']') => Intent::CycleTab(1),
        KeyCode::Char(c @ '1'..='9') => Intent::FocusTerminal(c as usize - '1' as usize),
        KeyCode::Char('z') => Intent::ToggleZoom(Zoom::Lesson),
        KeyCode::Char('Z') => Intent::ToggleZoom(Zoom::Side),
        KeyCode::Char('f') if app.present => Intent::FinishTyping,
        KeyCode::Char('s') if app.present => Intent::PauseTyping,
        KeyCode::Char('!') if test_panic => Intent::Panic,
        _ => return None,
    })
}

/// The keys of a focused dashboard (`full`: one panel is shown full screen).
pub fn dash_key(k: &KeyEvent, full: bool, page: isize) -> Option<DashIntent> {
    if k.modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return None;
    }
    Some(match k.code {
        KeyCode::Char('-' | 'z') => DashIntent::Zoom(2.0),
        KeyCode::Char('+' | '=' | 'Z') => DashIntent::Zoom(0.5),
        KeyCode::Left => DashIntent::Shift(-1),
        KeyCode::Right => DashIntent::Shift(1),
        KeyCode::Char('5') => DashIntent::Last("now-5m"),
        KeyCode::Char('f') => DashIntent::Last("now-15m"),
        KeyCode::Char('h') => DashIntent::Last("now-1h"),
        KeyCode::Char('r') => DashIntent::ToggleRefresh,
        KeyCode::Tab => DashIntent::Select(1),
        KeyCode::BackTab => DashIntent::Select(-1),
        KeyCode::Enter | KeyCode::Char('v') => DashIntent::ToggleFull,
        KeyCode::Esc if full => DashIntent::ToggleFull,
        KeyCode::Up | KeyCode::Char('k') => DashIntent::Scroll(-1),
        KeyCode::Down | KeyCode::Char('j') => DashIntent::Scroll(1),
        KeyCode::PageUp => DashIntent::Scroll(-page),
        KeyCode::PageDown | KeyCode::Char(' ') => DashIntent::Scroll(page),
        _ => return None,
    })
}

fn contains(r: &Rect, x: u16, y: u16) -> bool {
    x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height
}

fn mouse_intent(app: &App, m: &MouseEvent) -> Option<Intent> {
    let (x, y) = (m.column, m.row);
    let over_term = app
        .areas
        .terms
        .iter()
        .find(|(_, r)| contains(r, x, y))
        .map(|(id, _)| *id);
    match m.kind {
        MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
            let up = m.kind == MouseEventKind::ScrollUp;
            if let Some(id) = over_term {
                let alt = app
                    .engine
                    .rt
                    .terminals
                    .get(id)
                    .and_then(|t| t.parser.lock().ok().map(|p| p.screen().alternate_screen()))
                    .unwrap_or(false);
                if alt {
                    // Full-screen programs get arrow keys for the wheel.
                    if let Some(t) = app.engine.rt.terminals.get(id) {
                        t.write(if up {
                            b"\x1b[A\x1b[A\x1b[A"
                        } else {
                            b"\x1b[B\x1b[B\x1b[B"
                        });
                    }
                    return None;
                }
                return Some(Intent::TermScroll(id, if up { 3 } else { -3 }));
            }
            if contains(&app.areas.view, x, y) {
                return Some(Intent::ViewScroll(if up { -3 } else { 3 }));
            }
            contains(&app.areas.lesson, x, y).then_some(Intent::Scroll(if up { -3 } else { 3 }))
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(id) = over_term {
                return Some(Intent::FocusTerminal(id));
            }
            if contains(&app.areas.view, x, y) {
                return Some(Intent::FocusView);
            }
            if contains(&app.areas.tabs, x, y) {
                let mut start = app.areas.tabs.x;
                for t in app.tabs() {
                    let w = app.tab_label(t).chars().count() as u16 + 3;
                    if x < start + w {
                        return Some(Intent::SelectTab(t));
                    }
                    start += w;
                }
                return None;
            }
            contains(&app.areas.lesson_inner, x, y).then_some(Intent::ClickLesson(y))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashboard_keys() {
        let key = |code, mods| KeyEvent::new(code, mods);
        let none = KeyModifiers::NONE;
        let d = |code| dash_key(&key(code, none), false, 10);
        assert_eq!(d(KeyCode::Char('-')), Some(DashIntent::Zoom(2.0)));
        assert_eq!(d(KeyCode::Char('+')), Some(DashIntent::Zoom(0.5)));
        assert_eq!(d(KeyCode::Left), Some(DashIntent::Shift(-1)));
        assert_eq!(d(KeyCode::Char('f')), Some(DashIntent::Last("now-15m")));
        assert_eq!(d(KeyCode::Char('r')), Some(DashIntent::ToggleRefresh));
        assert_eq!(d(KeyCode::BackTab), Some(DashIntent::Select(-1)));
        assert_eq!(d(KeyCode::Enter), Some(DashIntent::ToggleFull));
        assert_eq!(d(KeyCode::PageDown), Some(DashIntent::Scroll(10)));
        // Esc leaves full screen first, then the dashboard; Ctrl keys are not these.
        assert_eq!(d(KeyCode::Esc), None);
        assert_eq!(
            dash_key(&key(KeyCode::Esc, none), true, 10),
            Some(DashIntent::ToggleFull)
        );
        assert_eq!(
            dash_key(&key(KeyCode::Char('5'), KeyModifiers::CONTROL), false, 10),
            None
        );
        assert_eq!(d(KeyCode::Char('q')), None);
    }

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(super::base64(b"hi"), "aGk=");
        assert_eq!(super::base64(b"hello!"), "aGVsbG8h");
        assert_eq!(super::base64(b""), "");
    }
}
