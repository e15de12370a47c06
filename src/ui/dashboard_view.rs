//! Grafana dashboards drawn in the terminal as Grafana draws them: panels
//! placed by `gridPos`, each computed by `model::plot` into cells once per
//! answer or resize (`prepare`), then copied to the screen on every frame.

use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Widget, Wrap};
use ratatui::{Frame, Terminal};

use crate::engine::dashboards::{DashboardContent, DashboardTab};
use crate::model::plot::{self, Canvas, Rgb};
use crate::model::series::{time_range, TimeRange};
use crate::model::units::utc_datetime;
use crate::sanitize::clean_line;

/// What the learner chose on a dashboard tab: a panel, full screen, scrolling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DashView {
    /// The tab this belongs to: another tab starts afresh.
    pub tab: usize,
    pub selected: Option<usize>,
    pub full: bool,
    pub scroll: u16,
}

/// Everything a prepared dashboard depends on: when it changes, draw again.
#[derive(Debug, Clone, PartialEq)]
struct Key {
    tab: usize,
    generation: u64,
    pending: bool,
    answers: usize,
    from: String,
    to: String,
    area: Rect,
    selected: Option<usize>,
    full: bool,
    focused: bool,
}

/// A dashboard's panels drawn off screen, as tall as they need to be.
#[derive(Debug, Clone)]
pub struct Prepared {
    key: Key,
    pub buffer: Buffer,
    /// Each panel's place in `buffer`.
    pub places: Vec<(usize, Rect)>,
}

impl Prepared {
    pub fn tab(&self) -> usize {
        self.key.tab
    }

    /// How far the panels can scroll in `area`.
    pub fn max_scroll(&self, area: Rect) -> u16 {
        self.buffer
            .area
            .height
            .saturating_sub(pane_inner(area).height)
    }
}

fn key(
    tab: &DashboardTab,
    index: usize,
    area: Rect,
    view: &DashView,
    focused: bool,
) -> Option<Key> {
    let DashboardContent::Grafana {
        from,
        to,
        data,
        generation,
        pending,
        ..
    } = &tab.content
    else {
        return None;
    };
    let view = if view.tab == index {
        *view
    } else {
        DashView::default()
    };
    Some(Key {
        tab: index,
        generation: *generation,
        pending: *pending,
        answers: data.len(),
        from: from.clone(),
        to: to.clone(),
        area,
        selected: view.selected,
        full: view.full,
        focused,
    })
}

fn pane_inner(area: Rect) -> Rect {
    Block::default().borders(Borders::ALL).inner(area)
}

/// Draw tab `index` off screen when something it shows changed.
pub fn refresh(
    cache: &mut Option<Prepared>,
    tab: &DashboardTab,
    index: usize,
    area: Rect,
    view: &DashView,
    focused: bool,
    now_ms: i64,
) {
    let k = key(tab, index, area, view, focused);
    if k.is_none() {
        *cache = None;
    } else if cache.as_ref().map(|c| &c.key) != k.as_ref() {
        *cache = prepare(tab, index, area, view, focused, now_ms);
    }
}

/// The panels of a Grafana tab drawn for `area` (the pane, with its frame).
pub fn prepare(
    tab: &DashboardTab,
    index: usize,
    area: Rect,
    view: &DashView,
    focused: bool,
    now_ms: i64,
) -> Option<Prepared> {
    let key = key(tab, index, area, view, focused)?;
    let DashboardContent::Grafana {
        dash,
        from,
        to,
        data,
        ..
    } = &tab.content
    else {
        return None;
    };
    // The range the answers were queried over; before any, the one asked for.
    let range = data
        .iter()
        .find_map(|d| d.range)
        .or_else(|| time_range(from, to, now_ms).ok())
        .unwrap_or(TimeRange {
            from_ms: 0,
            to_ms: 0,
        });
    let inner = pane_inner(area);
    let full = key
        .full
        .then_some(key.selected)
        .flatten()
        .filter(|i| *i < dash.panels.len());
    let (places, height) = match full {
        Some(i) => (
            vec![(i, Rect::new(0, 0, inner.width, inner.height))],
            inner.height,
        ),
        None => {
            let grids: Vec<_> = dash.panels.iter().map(|p| p.grid).collect();
            let (areas, rows) = plot::place(&grids, inner.width, inner.height);
            let places = areas
                .iter()
                .enumerate()
                .map(|(i, a)| (i, Rect::new(a.x, a.y, a.w, a.h)))
                .collect();
            (places, rows.max(inner.height))
        }
    };
    let mut buffer = Buffer::empty(Rect::new(0, 0, inner.width, height));
    for (i, r) in &places {
        let r = r.intersection(buffer.area);
        if r.width < 3 || r.height < 2 {
            continue;
        }
        let p = &dash.panels[*i];
        let selected = focused && key.selected == Some(*i);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_type(if selected {
                BorderType::Thick
            } else {
                BorderType::Rounded
            })
            .border_style(Style::default().fg(if selected { Color::Yellow } else { Color::Blue }))
            .title(Span::styled(
                format!(" {} ", clean_line(&p.title)),
                Style::default().add_modifier(Modifier::BOLD),
            ));
        let body = block.inner(r);
        block.render(r, &mut buffer);
        let canvas = plot::draw_panel(p, data.get(*i), range, body.width, body.height);
        blit(&canvas, body, &mut buffer);
    }
    Some(Prepared {
        key,
        buffer,
        places,
    })
}

/// A model colour on a 256-colour terminal (its 6x6x6 cube): every
/// terminal shows those, unlike 24-bit colour.
fn color(c: Rgb) -> Color {
    let q = |v: u8| match v {
        0..=47 => 0,
        48..=114 => 1,
        _ => (v - 35) / 40,
    };
    Color::Indexed(16 + 36 * q(c.0) + 6 * q(c.1) + q(c.2))
}

fn blit(c: &Canvas, at: Rect, buf: &mut Buffer) {
    for y in 0..c.height.min(at.height) {
        for x in 0..c.width.min(at.width) {
            let Some(cell) = c.get(x, y) else { continue };
            let target = &mut buf[(at.x + x, at.y + y)];
            if cell.ch == '\0' {
                // The right half of a wide character: hidden behind it.
                target.reset();
                continue;
            }
            let mut style = Style::default();
            match cell.style.fg {
                Some(fg) => style = style.fg(color(fg)),
                None if cell.style.dim => style = style.fg(Color::DarkGray),
                None => {}
            }
            if let Some(bg) = cell.style.bg {
                style = style.bg(color(bg));
            }
            if cell.style.bold {
                style = style.add_modifier(Modifier::BOLD);
            }
            target.set_char(cell.ch).set_style(style);
        }
    }
}

/// A Grafana time as written (`now-30s`), or an absolute one as a UTC date.
fn when(s: &str) -> String {
    match s.trim().parse::<i64>() {
        Ok(ms) => utc_datetime(ms),
        Err(_) => clean_line(s),
    }
}

/// Draw a dashboard tab: its panels as prepared, or prepared now when not.
pub fn draw_prepared(
    f: &mut Frame,
    area: Rect,
    tab: &DashboardTab,
    focused: bool,
    view: &DashView,
    prepared: Option<&Prepared>,
) {
    let DashboardContent::Grafana {
        dash,
        from,
        to,
        refresh,
        pending,
        ..
    } = &tab.content
    else {
        if let DashboardContent::Url(url) = &tab.content {
            draw_url(f, area, tab, url, focused);
        }
        return;
    };
    let mut title = format!(
        " {} · {} to {}",
        clean_line(&dash.title),
        when(from),
        when(to)
    );
    match refresh {
        Some(r) => title.push_str(&format!(" · every {}s", r.as_secs())),
        None if dash.refresh.is_some() => title.push_str(" · refresh off"),
        None => {}
    }
    if *pending {
        title.push_str(" · querying…");
    }
    title.push(' ');
    let mut outer = crate::ui::pane(focused, Color::Green).title(title);
    if focused {
        let hint = if view.full {
            " Esc back · Tab panel · -/+ zoom · ←→ shift · 5/f/h last 5m/15m/1h · r refresh "
        } else {
            " Tab panel · Enter full · -/+ zoom · ←→ shift · 5/f/h last 5m/15m/1h · r refresh "
        };
        outer = outer.title_bottom(Line::styled(hint, Style::default().fg(Color::DarkGray)));
    }
    let inner = outer.inner(area);
    let own;
    let prepared = match prepared
        .filter(|p| Some(&p.key) == key(tab, p.key.tab, area, view, focused).as_ref())
    {
        Some(p) => p,
        None => {
            own = prepare(tab, view.tab, area, view, focused, now_ms());
            match &own {
                Some(p) => p,
                None => return,
            }
        }
    };
    let max = prepared.max_scroll(area);
    let scroll = if view.full { 0 } else { view.scroll.min(max) };
    if max > 0 && !view.full {
        outer = outer.title_bottom(
            Line::styled(
                format!(
                    " rows {}–{} of {} ",
                    scroll + 1,
                    scroll + inner.height,
                    prepared.buffer.area.height
                ),
                Style::default().fg(Color::DarkGray),
            )
            .right_aligned(),
        );
    }
    f.render_widget(outer, area);
    let buf = f.buffer_mut();
    let src = &prepared.buffer;
    for y in 0..inner.height.min(src.area.height.saturating_sub(scroll)) {
        for x in 0..inner.width.min(src.area.width) {
            buf[(inner.x + x, inner.y + y)] = src[(x, y + scroll)].clone();
        }
    }
}

fn draw_url(f: &mut Frame, area: Rect, tab: &DashboardTab, url: &str, focused: bool) {
    let lines = vec![
        Line::styled(
            clean_line(&tab.name),
            Style::default().add_modifier(Modifier::BOLD),
        ),
        Line::raw(""),
        Line::raw(clean_line(url)),
        Line::raw(""),
        Line::styled(
            "This dashboard is a web page: lectern opens it in your browser when there is a display. Press y on its action card to copy the URL.",
            Style::default().fg(Color::DarkGray),
        ),
    ];
    let b = crate::ui::pane(focused, Color::Green).title(format!(" {} ", clean_line(&tab.name)));
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(b),
        area,
    );
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Draw a dashboard tab as it is now (prepared on the spot).
pub fn draw(f: &mut Frame, area: Rect, tab: &DashboardTab, focused: bool) {
    draw_prepared(f, area, tab, focused, &DashView::default(), None);
}

/// The rows a tab needs to show every panel at two rows per grid row, frame included.
pub fn natural_height(tab: &DashboardTab, width: u16) -> u16 {
    match &tab.content {
        DashboardContent::Grafana { dash, .. } => {
            let grids: Vec<_> = dash.panels.iter().map(|p| p.grid).collect();
            plot::place(&grids, width.saturating_sub(2), u16::MAX).1 + 2
        }
        _ => 10,
    }
}

/// A tab drawn as plain text, `width` x `height` (for `lectern render`).
pub fn render_text(
    tab: &DashboardTab,
    view: &DashView,
    width: u16,
    height: u16,
    now_ms: i64,
) -> String {
    let (width, height) = (width.max(10), height.max(4));
    let area = Rect::new(0, 0, width, height);
    let Ok(mut term) = Terminal::new(TestBackend::new(width, height));
    let prepared = prepare(tab, view.tab, area, view, false, now_ms);
    let Ok(_) = term.draw(|f| draw_prepared(f, area, tab, false, view, prepared.as_ref()));
    buffer_text(term.backend().buffer())
}

/// A buffer's characters, one line per row, trailing blanks trimmed.
pub fn buffer_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buf.area.width {
            let sym = buf[(x, y)].symbol();
            if skip > 0 {
                skip -= 1;
                continue;
            }
            line.push_str(sym);
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
