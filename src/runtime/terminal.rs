//! One terminal session: a shell on a real PTY, its output parsed by vt100 on a
//! reader thread (never the UI thread), queries answered, OSC 133 marks reported.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};
use tokio::sync::mpsc::UnboundedSender;
use tui_term::vt100;

use super::shell::{self, ShellKind};
use super::{procs, Event, TermId};
use crate::model::terminal_state::Observation;

pub const DEFAULT_SCROLLBACK: usize = 10_000;

pub use crate::model::terminal_state::Mark;

/// What the emulator saw that needs acting on outside the parser.
#[derive(Default)]
pub struct Hooks {
    replies: Vec<u8>,
    marks: Vec<Mark>,
    /// The token lectern's shell integration signs its marks with. Marks
    /// without it come from a program's own output and are not believed.
    nonce: String,
    /// Marks that did not carry the token.
    pub forged: usize,
    pub title: Option<String>,
}

impl Hooks {
    pub fn new(nonce: String) -> Hooks {
        Hooks {
            nonce,
            ..Hooks::default()
        }
    }
}

/// `ESC ] 133 ; X [; status] ; k=NONCE BEL` as lectern's rc files write them.
pub fn parse_mark(params: &[&[u8]], nonce: &str) -> Option<Result<Mark, ()>> {
    if params.first() != Some(&&b"133"[..]) {
        return None;
    }
    let signed = !nonce.is_empty()
        && params
            .last()
            .and_then(|p| p.strip_prefix(b"k="))
            .is_some_and(|k| k == nonce.as_bytes());
    if !signed {
        return Some(Err(()));
    }
    let mark = match params.get(1).copied() {
        Some(b"A") => Mark::PromptStart,
        Some(b"B") => Mark::PromptEnd,
        Some(b"C") => Mark::CommandStart,
        Some(b"D") => Mark::CommandEnd(
            params
                .get(2)
                .filter(|p| !p.starts_with(b"k="))
                .and_then(|s| std::str::from_utf8(s).ok())
                .and_then(|s| s.trim().parse().ok()),
        ),
        _ => return Some(Err(())),
    };
    Some(Ok(mark))
}

impl vt100::Callbacks for Hooks {
    fn unhandled_osc(&mut self, _: &mut vt100::Screen, params: &[&[u8]]) {
        match parse_mark(params, &self.nonce) {
            Some(Ok(mark)) => self.marks.push(mark),
            Some(Err(())) => self.forged += 1,
            None => {}
        }
    }

    fn unhandled_csi(
        &mut self,
        screen: &mut vt100::Screen,
        i1: Option<u8>,
        _i2: Option<u8>,
        params: &[&[u16]],
        c: char,
    ) {
        let first = params.first().and_then(|p| p.first()).copied().unwrap_or(0);
        match (i1, c, first) {
            // DSR: cursor position report.
            (None, 'n', 6) => {
                let (row, col) = screen.cursor_position();
                self.replies
                    .extend(format!("\x1b[{};{}R", row + 1, col + 1).as_bytes());
            }
            // DSR: status report, "OK".
            (None, 'n', 5) => self.replies.extend(b"\x1b[0n"),
            // Primary device attributes: a VT100 with advanced video.
            (None, 'c', 0) => self.replies.extend(b"\x1b[?1;2c"),
            // Secondary device attributes.
            (Some(b'>'), 'c', 0) => self.replies.extend(b"\x1b[>0;276;0c"),
            _ => {}
        }
    }

    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.title = Some(crate::sanitize::clean_line(&String::from_utf8_lossy(title)));
    }
}

pub type Parser = vt100::Parser<Hooks>;

/// How to start a terminal's shell.
#[derive(Debug, Clone)]
pub struct ShellSpec {
    pub shell: PathBuf,
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
    /// Where generated rc files live.
    pub rc_dir: PathBuf,
    pub scrollback: usize,
}

pub struct Terminal {
    pub id: TermId,
    /// Educates session name: "1", "2", ... or a dashboard terminal's name.
    pub name: String,
    pub parser: Arc<Mutex<Parser>>,
    pub shell_kind: ShellKind,
    pub pid: i32,
    /// Set by the reader when output arrived; cleared by whoever redraws.
    pub dirty: Arc<AtomicBool>,
    pub exited: Arc<AtomicBool>,
    /// Whether a full-screen program holds the alternate screen, as the
    /// reader last saw: known without waiting for a busy parser.
    alternate: Arc<AtomicBool>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    master: Box<dyn MasterPty + Send>,
    child: Box<dyn Child + Send + Sync>,
    size: (u16, u16),
    /// The PTY's terminal device (`/dev/pts/N`), to see who reads from it.
    tty: Option<PathBuf>,
    /// The shell's process group, seen at its prompt (0 until then). The
    /// process started may not be the shell (bwrap starts it).
    shell_pgrp: Arc<std::sync::atomic::AtomicI32>,
    /// Started through a wrapper (bwrap): the shell is the wrapper's child.
    wrapped: bool,
    /// Where the output is recorded too, while it is (`lectern test --record`).
    tap: Arc<Mutex<Option<super::cast::Cast>>>,
}

/// What a terminal runs in: its shell, the session shape, a start script.
pub struct Setting<'a> {
    pub spec: &'a ShellSpec,
    pub sandbox: Option<&'a super::sandbox::Sandbox>,
    /// A workshop's `terminal/NAME.sh`, run instead of the shell.
    pub start: Option<&'a std::path::Path>,
}

impl Terminal {
    pub fn spawn(
        id: TermId,
        name: &str,
        setting: Setting,
        rows: u16,
        cols: u16,
        events: UnboundedSender<Event>,
    ) -> std::io::Result<Terminal> {
        let Setting {
            spec,
            sandbox,
            start,
        } = setting;
        let pty = native_pty_system();
        let size = PtySize {
            rows: rows.max(2),
            cols: cols.max(10),
            pixel_width: 0,
            pixel_height: 0,
        };
        let pair = pty.openpty(size).map_err(io_err)?;
        let nonce = shell::nonce();
        // A workshop's `terminal/NAME.sh` runs instead of the shell, as in Educates.
        let (argv, extra_env, shell_kind) = match start {
            Some(script) => (
                vec![script.to_string_lossy().into_owned()],
                Vec::new(),
                ShellKind::Other,
            ),
            None => {
                let l = shell::prepare(&spec.shell, &spec.rc_dir, name, &nonce)?;
                (l.argv, l.env, shell::kind_of(&spec.shell))
            }
        };
        let wrapped = sandbox.is_some();
        let argv = match sandbox {
            Some(sb) => sb.wrap(&argv, &spec.cwd),
            None => argv,
        };
        let mut cmd = CommandBuilder::new(&argv[0]);
        cmd.args(&argv[1..]);
        cmd.cwd(&spec.cwd);
        for (k, v) in &spec.env {
            cmd.env(k, v);
        }
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("LECTERN_SESSION", name);
        let child = pair.slave.spawn_command(cmd).map_err(io_err)?;
        // Without dropping the slave, the reader never sees EOF when the shell exits.
        drop(pair.slave);
        let pid = child.process_id().map_or(0, |p| p as i32);
        super::procs::register_session(pid);

        let parser = Arc::new(Mutex::new(vt100::Parser::new_with_callbacks(
            size.rows,
            size.cols,
            spec.scrollback,
            Hooks::new(nonce),
        )));
        let writer = Arc::new(Mutex::new(pair.master.take_writer().map_err(io_err)?));
        let mut reader = pair.master.try_clone_reader().map_err(io_err)?;
        let dirty = Arc::new(AtomicBool::new(false));
        let exited = Arc::new(AtomicBool::new(false));
        let alternate = Arc::new(AtomicBool::new(false));

        let shell_pgrp = Arc::new(std::sync::atomic::AtomicI32::new(0));
        let tap: Arc<Mutex<Option<super::cast::Cast>>> = Arc::default();
        {
            let tap = tap.clone();
            let shell_pgrp = shell_pgrp.clone();
            // SAFETY: dup of the master's descriptor, owned by the reader thread.
            let pty_fd = pair
                .master
                .as_raw_fd()
                .map_or(-1, |fd| unsafe { libc::dup(fd) });
            let parser = parser.clone();
            let writer = writer.clone();
            let dirty = dirty.clone();
            let exited = exited.clone();
            let alternate = alternate.clone();
            std::thread::Builder::new()
                .name(format!("pty-{name}"))
                .spawn(move || {
                    let mut buf = vec![0u8; 64 * 1024];
                    // A panic while parsing ends this terminal, not lectern.
                    let _ = super::guard::run("reading a terminal", || loop {
                        super::echo_first::shared().hold(id);
                        let n = match reader.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        if let Ok(mut t) = tap.lock() {
                            // A recording that cannot be written stops; the terminal goes on.
                            if t.as_mut().is_some_and(|c| c.output(&buf[..n]).is_err()) {
                                *t = None;
                            }
                        }
                        let (replies, marks) = {
                            let Ok(mut p) = parser.lock() else { break };
                            p.process(&buf[..n]);
                            alternate.store(p.screen().alternate_screen(), Ordering::Release);
                            let hooks = p.callbacks_mut();
                            (
                                std::mem::take(&mut hooks.replies),
                                std::mem::take(&mut hooks.marks),
                            )
                        };
                        if !replies.is_empty() {
                            if let Ok(mut w) = writer.lock() {
                                let _ = w.write_all(&replies);
                                let _ = w.flush();
                            }
                        }
                        for m in marks {
                            // At its prompt the shell holds the terminal: that
                            // process group is the shell's, whatever started it.
                            if matches!(m, Mark::PromptStart | Mark::PromptEnd) && pty_fd >= 0 {
                                // SAFETY: tcgetpgrp on our own duplicate of the master.
                                let pg = unsafe { libc::tcgetpgrp(pty_fd) };
                                if pg > 0 {
                                    shell_pgrp.store(pg, Ordering::Release);
                                }
                            }
                            let _ = events.send(Event::Mark(id, m));
                        }
                        super::echo_first::shared().answered(id);
                        if !dirty.swap(true, Ordering::AcqRel) {
                            let _ = events.send(Event::Output(id));
                        }
                    });
                    exited.store(true, Ordering::Release);
                    if pty_fd >= 0 {
                        // SAFETY: closing the duplicate this thread owns.
                        unsafe {
                            libc::close(pty_fd);
                        }
                    }
                    let _ = events.send(Event::Exited(id));
                })?;
        }

        Ok(Terminal {
            id,
            name: name.to_string(),
            parser,
            shell_kind,
            pid,
            dirty,
            exited,
            alternate,
            writer,
            tty: pair.master.tty_name(),
            shell_pgrp,
            wrapped,
            tap,
            master: pair.master,
            child,
            size: (size.rows, size.cols),
        })
    }

    /// Record what the terminal shows from now on to `cast` (none: stop).
    pub fn record(&self, cast: Option<super::cast::Cast>) {
        if let Ok(mut t) = self.tap.lock() {
            *t = cast;
        }
    }

    /// Whether the terminal's output is being recorded.
    pub fn recording(&self) -> bool {
        self.tap.lock().is_ok_and(|t| t.is_some())
    }

    pub fn write(&self, bytes: &[u8]) {
        super::echo_first::shared().typed(self.id);
        if let Ok(mut w) = self.writer.lock() {
            let _ = w.write_all(bytes);
            let _ = w.flush();
        }
    }

    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    pub fn resize(&mut self, rows: u16, cols: u16) {
        let (rows, cols) = (rows.max(2), cols.max(10));
        if (rows, cols) == self.size {
            return;
        }
        let old_rows = self.size.0;
        self.size = (rows, cols);
        if let Ok(mut p) = self.parser.lock() {
            // Fewer rows: keep the cursor's line on screen, as terminals do,
            // by scrolling the top lines into the scrollback first.
            let (row, col) = p.screen().cursor_position();
            if rows < old_rows && row >= rows && !p.screen().alternate_screen() {
                let k = row + 1 - rows;
                let mut b = format!("\x1b[{old_rows};1H").into_bytes();
                b.extend(std::iter::repeat_n(b'\n', usize::from(k)));
                b.extend(format!("\x1b[{};{}H", row + 1 - k, col + 1).as_bytes());
                p.process(&b);
            }
            p.screen_mut().set_size(rows, cols);
        }
        let _ = self.master.resize(PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        });
    }

    /// Forget the screen and scrollback, then ask the shell to redraw its prompt.
    pub fn clear(&self) {
        if let Ok(mut p) = self.parser.lock() {
            let (rows, cols) = p.screen().size();
            let hooks = std::mem::take(p.callbacks_mut());
            *p = vt100::Parser::new_with_callbacks(rows, cols, DEFAULT_SCROLLBACK, hooks);
            self.alternate.store(false, Ordering::Release);
        }
        self.dirty.store(true, Ordering::Release);
        self.write(b"\x0c");
    }

    /// The foreground process group when it is not the shell itself: something runs.
    pub fn foreground_job(&self) -> Option<i32> {
        if self.exited.load(Ordering::Acquire) {
            return None;
        }
        let shell = self.shell_group();
        self.master
            .process_group_leader()
            .filter(|pg| *pg != self.pid && *pg != shell && *pg > 0)
    }

    /// The shell's process group: as seen at its prompt, or before the first
    /// prompt the process started (or, under a wrapper, the wrapper's child).
    fn shell_group(&self) -> i32 {
        match self.shell_pgrp.load(Ordering::Acquire) {
            0 if self.wrapped => self
                .master
                .process_group_leader()
                .filter(|pg| super::procs::stat_field(*pg, 4) == Some(self.pid))
                .unwrap_or(self.pid),
            0 => self.pid,
            pg => pg,
        }
    }

    pub fn has_exited(&self) -> bool {
        self.exited.load(Ordering::Acquire)
    }

    /// What holds the terminal now: its foreground job, screen and line mode.
    pub fn observe(&self) -> Observation {
        let exited = self.has_exited();
        let fg = self.foreground_job();
        let foreground = fg.map(|pg| {
            (
                pg,
                procs::command_name(pg).unwrap_or_else(|| "a program".into()),
            )
        });
        let alternate_screen = self.alternate.load(Ordering::Acquire);
        let canonical = self.master.as_raw_fd().and_then(|fd| {
            // SAFETY: tcgetattr writes into the termios we own; fd is the PTY master.
            let mut t: libc::termios = unsafe { std::mem::zeroed() };
            (unsafe { libc::tcgetattr(fd, &mut t) } == 0).then_some(t.c_lflag & libc::ICANON != 0)
        });
        // Who would read a key now: the foreground job, or the shell running a builtin.
        let reader = fg.unwrap_or_else(|| self.shell_group());
        let reading_terminal = !exited
            && self
                .tty
                .as_deref()
                .is_some_and(|tty| procs::reads_from(reader, tty));
        Observation {
            integrated: self.shell_kind != ShellKind::Other,
            exited,
            foreground,
            alternate_screen,
            canonical,
            reading_terminal,
        }
    }

    /// Stop the shell and everything it started, in the background: the
    /// caller does not wait. The reader sees the end and reports it.
    pub fn close(&self) {
        let pid = self.pid;
        if pid > 0 {
            std::thread::spawn(move || {
                procs::kill_session(pid, std::time::Duration::from_millis(500))
            });
        }
    }

    /// Stop the shell and everything it started, and reap it.
    pub fn shutdown(&mut self, grace: std::time::Duration) {
        if self.pid > 0 {
            super::procs::kill_session(self.pid, grace);
            super::procs::unregister_session(self.pid);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// portable-pty returns `anyhow::Error`; keep that crate out of our signatures.
fn io_err(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

#[cfg(test)]
mod tests {
    //! The vt100 lectern builds with (vendor/vt100) keeps its history packed
    //! and recycles rows: what a learner scrolls back to must be what was
    //! printed, colours and wide characters included.
    use tui_term::vt100;

    fn numbers(p: &mut vt100::Parser, from: usize, to: usize) {
        let text: String = (from..=to).map(|n| format!("{n}\r\n")).collect();
        p.process(text.as_bytes());
    }

    #[test]
    fn terminal_history_keeps_the_last_lines_in_order() {
        let mut p = vt100::Parser::new(5, 20, 100);
        numbers(&mut p, 1, 1000);
        // On screen: 997..1000 and the empty line the cursor is on.
        assert_eq!(p.screen().contents(), "997\n998\n999\n1000");
        p.screen_mut().set_scrollback(usize::MAX);
        assert_eq!(p.screen().scrollback(), 100);
        assert_eq!(p.screen().contents(), "897\n898\n899\n900\n901");
        p.screen_mut().set_scrollback(3);
        assert_eq!(p.screen().contents(), "994\n995\n996\n997\n998");
        p.screen_mut().set_scrollback(0);
        assert_eq!(p.screen().contents(), "997\n998\n999\n1000");
    }

    #[test]
    fn terminal_history_view_stays_on_its_lines_while_output_goes_on() {
        let mut p = vt100::Parser::new(5, 20, 100);
        numbers(&mut p, 1, 50);
        // Scrolled back 2 lines (the view reaches into the screen), then 30
        // more lines: the same lines stay in view.
        p.screen_mut().set_scrollback(2);
        let seen = p.screen().contents();
        assert_eq!(seen, "45\n46\n47\n48\n49");
        numbers(&mut p, 51, 80);
        assert_eq!(p.screen().contents(), seen);
        // The history is full and the view at its top: the oldest line goes,
        // and the view moves with the top.
        numbers(&mut p, 81, 500);
        p.screen_mut().set_scrollback(usize::MAX);
        assert_eq!(p.screen().contents(), "397\n398\n399\n400\n401");
        numbers(&mut p, 501, 501);
        assert_eq!(p.screen().contents(), "398\n399\n400\n401\n402");
        p.screen_mut().set_scrollback(0);
        assert_eq!(p.screen().contents(), "498\n499\n500\n501");
    }

    #[test]
    fn terminal_history_keeps_colours_attributes_and_wide_characters() {
        let mut p = vt100::Parser::new(3, 12, 10);
        p.process("\x1b[31mred\x1b[0m \x1b[1;44mbold\x1b[0m 界\r\n".as_bytes());
        p.process("\x1b[38;2;1;2;3m\x1b[48;5;200mrgb\x1b[K\x1b[0m\r\n".as_bytes());
        let cells = |p: &vt100::Parser, row: u16| -> Vec<_> {
            (0..12)
                .map(|c| {
                    let cell = p.screen().cell(row, c).unwrap();
                    (
                        cell.contents().to_string(),
                        cell.fgcolor(),
                        cell.bgcolor(),
                        cell.bold(),
                        cell.is_wide(),
                        cell.is_wide_continuation(),
                    )
                })
                .collect()
        };
        let before = (cells(&p, 0), cells(&p, 1));
        p.process(b"a\r\nb\r\nc\r\nd\r\n");
        assert_ne!(cells(&p, 0), before.0);
        p.screen_mut().set_scrollback(4);
        assert_eq!((cells(&p, 0), cells(&p, 1)), before);
        assert_eq!(p.screen().contents(), "red bold 界\nrgb\na");
    }

    #[test]
    fn terminal_wide_characters_at_the_edge_wrap_and_never_panic() {
        // A wide character that does not fit in the last column wraps whole.
        let mut p = vt100::Parser::new(4, 10, 10);
        p.process("123456789界".as_bytes());
        assert_eq!(p.screen().contents(), "123456789\n界");
        // A narrower screen cuts a wide character in half; writing over,
        // erasing around or inserting at what is left must not panic.
        let mut p = vt100::Parser::new(4, 10, 10);
        p.process("abcd界xy\r\n界界界界界".as_bytes());
        p.screen_mut().set_size(4, 5);
        for seq in [
            "\x1b[1;5Hz",
            "\x1b[1;5H界",
            "\x1b[2;5H\x1b[K",
            "\x1b[2;1H\x1b[2P",
            "\x1b[2;2H\x1b[3@",
            "\x1b[1;4H\x1b[1X界界",
            "\x1b[2;5H\x1b[1K",
        ] {
            p.process(seq.as_bytes());
        }
        p.screen_mut().set_size(4, 10);
        p.process("\x1b[1;9H界界界\r\n".as_bytes());
        let text = p.screen().contents();
        assert!(text.contains('界'), "{text}");
        // Rows cut by a resize go to the history as they are, and come back.
        numbers(&mut p, 1, 20);
        p.screen_mut().set_scrollback(usize::MAX);
        let _ = p.screen().contents();
        let _ = p.screen().contents_formatted();
    }
}
