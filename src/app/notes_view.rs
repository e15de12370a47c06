//! `lectern notes`: the presenter's second window. It follows `lectern
//! present` over its notes socket and shows the current page's speaker
//! notes, the time since the presentation started, the clock and the next
//! page's title. Everything shown is content: cleaned of escape sequences.

use std::io;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::terminal::{enable_raw_mode, EnterAlternateScreen};
use crossterm::{cursor, execute};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::{Constraint, Direction, Layout};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::{Frame, Terminal};

use crate::runtime::notes_socket::{follow, NotesState};
use crate::sanitize::clean_line;

enum Msg {
    State(NotesState),
    /// The presenter went away (or was never there).
    Gone,
}

/// Show the notes of the presentation whose socket is `socket` until q.
pub fn run(socket: &Path) -> io::Result<()> {
    use std::io::IsTerminal;
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        return Err(io::Error::other("lectern notes needs a terminal"));
    }
    let (tx, rx) = mpsc::channel::<Msg>();
    let path = socket.to_path_buf();
    // Connects, follows, and connects again when the presenter comes back.
    std::thread::Builder::new()
        .name("notes-follow".into())
        .spawn(move || loop {
            if let Ok(s) = UnixStream::connect(&path) {
                follow(s, |st| tx.send(Msg::State(st)).is_ok());
            }
            if tx.send(Msg::Gone).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(500));
        })?;

    enable_raw_mode()?;
    let _guard = Restore;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All),
        cursor::Hide
    )?;
    let mut term = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    let mut state: Option<NotesState> = None;
    let mut connected = false;
    let mut last_draw: Option<Instant> = None;
    let mut dirty = true;
    // A terminal that went away ends the loop with an error: the screen is
    // let go of either way.
    let mut follow_presenter = || -> io::Result<()> {
        loop {
            while let Ok(m) = rx.try_recv() {
                match m {
                    Msg::State(s) => {
                        state = Some(s);
                        connected = true;
                    }
                    Msg::Gone => connected = false,
                }
                dirty = true;
            }
            // The clocks tick once a second.
            if dirty || last_draw.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
                term.draw(|f| draw(f, state.as_ref(), connected, socket))?;
                last_draw = Some(Instant::now());
                dirty = false;
            }
            if event::poll(Duration::from_millis(100))? {
                match event::read()? {
                    Event::Key(k) if k.kind != KeyEventKind::Release => {
                        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
                        match k.code {
                            KeyCode::Char('q') | KeyCode::Esc => break,
                            KeyCode::Char('c') if ctrl => break,
                            _ => {}
                        }
                    }
                    Event::Resize(..) => dirty = true,
                    _ => {}
                }
            }
        }
        Ok(())
    };
    let ended = follow_presenter();
    super::run::let_go(term);
    ended
}

struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        super::run::restore_terminal();
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// `h:mm:ss` (or `m:ss`) of a span in ms.
pub fn span(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// The local time of day, `HH:MM`.
fn clock() -> String {
    let t = (now_ms() / 1000) as libc::time_t;
    // SAFETY: localtime_r only writes the tm it is given.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&t, &mut tm).is_null() };
    if ok {
        format!("{:02}:{:02}", tm.tm_hour, tm.tm_min)
    } else {
        String::new()
    }
}

fn draw(f: &mut Frame, state: Option<&NotesState>, connected: bool, socket: &Path) {
    let area = f.area();
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .split(area);
    let dim = Style::default().fg(Color::DarkGray);
    let Some(s) = state else {
        let msg = vec![
            Line::raw("Waiting for `lectern present` of this workshop…"),
            Line::styled(
                format!("(on {})", clean_line(&socket.to_string_lossy())),
                dim,
            ),
            Line::raw(""),
            Line::styled("q quits", dim),
        ];
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: false }), rows[1]);
        return;
    };
    let now = now_ms();
    let head = format!(
        " {} │ page {}/{}: {} ",
        clean_line(&s.workshop),
        s.page,
        s.pages,
        clean_line(&s.title)
    );
    let times = format!(
        " elapsed {} · on this page {} · {} ",
        span(now - s.started_ms),
        span(now - s.page_started_ms),
        clock()
    );
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(head, Style::default().add_modifier(Modifier::BOLD)),
            Span::styled(times, Style::default().fg(Color::Yellow)),
        ])),
        rows[0],
    );
    let mut lines: Vec<Line> = Vec::new();
    if s.notes.is_empty() {
        lines.push(Line::styled("(no notes on this page)", dim));
    }
    for (i, n) in s.notes.iter().enumerate() {
        if i > 0 {
            lines.push(Line::raw(""));
        }
        lines.extend(n.lines().map(|l| Line::raw(clean_line(l))));
    }
    let title = if connected {
        " Notes "
    } else {
        " Notes (the presenter has gone; waiting) "
    };
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(title)),
        rows[1],
    );
    let next = match &s.next {
        Some(t) => format!(" Next: {}", clean_line(t)),
        None => " Next: (this is the last page)".into(),
    };
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(next, Style::default().fg(Color::Cyan)),
            Span::styled("   q quits", dim),
        ])),
        rows[2],
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn spans_read_as_clocks() {
        assert_eq!(super::span(0), "0:00");
        assert_eq!(super::span(61_500), "1:01");
        assert_eq!(super::span(3_723_000), "1:02:03");
        assert_eq!(super::span(-5), "0:00");
    }
}
