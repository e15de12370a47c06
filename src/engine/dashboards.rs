//! Dashboards: the tabs a workshop shows beside its terminals (Grafana JSON
//! drawn here, a terminal, or a web page), their data, and the check a
//! dashboard action makes: every panel must show data. Dashboards and
//! datasources posted to lectern's Grafana API come before the workshop's own.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::outcome::Outcome;
use super::{Engine, Mode, Note, Show};
use crate::action::DashboardAction;
use crate::model::grafana::{self, Dashboard, Panel};
use crate::model::series::PanelData;
use crate::model::ActionRef;
use crate::runtime::datasource::{PanelsQuery, QueryFor};
use crate::runtime::grafana_api;
use crate::workshop::lectern_config::{self, LecternConfig};

#[derive(Debug, Clone)]
pub enum DashboardContent {
    /// A Grafana dashboard drawn in the terminal.
    Grafana {
        dash: Box<Dashboard>,
        from: String,
        to: String,
        refresh: Option<Duration>,
        data: Vec<PanelData>,
        /// Which query round the data belongs to (older answers are dropped).
        generation: u64,
        queried: Option<Instant>,
        pending: bool,
    },
    /// A web page: shown with a key to copy it, opened in a browser when possible.
    Url(String),
    /// `terminal:NAME`: the terminals view shows it.
    Terminal(usize),
}

#[derive(Debug, Clone)]
pub struct DashboardTab {
    pub name: String,
    pub url: String,
    pub content: DashboardContent,
    pub builtin: bool,
}

/// A dashboard action waiting for its panels' data.
#[derive(Debug)]
pub(super) struct Check {
    pub action: ActionRef,
    pub tab: usize,
    pub until: Instant,
    /// When to ask again (none while a query is out).
    pub next: Option<Instant>,
}

/// Find the JSON of dashboard `uid` shipped with a workshop.
pub fn find_json(workshop_dir: &Path, exercises: &Path, uid: &str) -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    for dir in [
        workshop_dir.join("dashboards"),
        exercises.join("grafana"),
        exercises.join("dashboards"),
    ] {
        if let Ok(rd) = std::fs::read_dir(&dir) {
            let mut v: Vec<PathBuf> = rd
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect();
            v.sort();
            candidates.extend(v);
        }
    }
    candidates.into_iter().find(|p| {
        std::fs::read_to_string(p)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .is_some_and(|v| {
                let d = if v.get("dashboard").is_some() {
                    &v["dashboard"]
                } else {
                    &v
                };
                d["uid"].as_str() == Some(uid)
            })
    })
}

pub(super) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Engine {
    /// The dashboard tabs a workshop declares (resources/workshop.yaml).
    pub(super) fn builtin_dashboards(&mut self) {
        for d in self.ws.resources.dashboards.clone() {
            // Variables were filled in when the workshop was loaded.
            let url = d.url;
            // Terminals start with `launch`; until then a terminal tab is only its URL.
            let content = if url.starts_with("terminal:") {
                DashboardContent::Url(url.clone())
            } else {
                self.dashboard_content(&url)
            };
            self.dashboards.push(DashboardTab {
                name: d.name,
                url,
                content,
                builtin: false,
            });
        }
    }

    /// Dashboards of `terminal:NAME` get their terminals once terminals start.
    pub(super) fn start_dashboard_terminals(&mut self) {
        for i in 0..self.dashboards.len() {
            if self.dashboards[i].url.starts_with("terminal:") {
                let url = self.dashboards[i].url.clone();
                self.dashboards[i].content = self.dashboard_content(&url);
            }
        }
    }

    /// Find a dashboard tab by name (case-insensitive).
    pub fn dashboard_index(&self, name: &str) -> Option<usize> {
        self.dashboards
            .iter()
            .position(|d| d.name.eq_ignore_ascii_case(name))
    }

    /// Make a tab's content from its URL: Grafana JSON drawn here, a terminal, or a web page.
    fn dashboard_content(&mut self, url: &str) -> DashboardContent {
        if let Some(name) = url.strip_prefix("terminal:") {
            return match self.rt.terminal(name) {
                Ok(id) => DashboardContent::Terminal(id),
                Err(_) => DashboardContent::Url(url.to_string()),
            };
        }
        if let Some(du) = grafana::parse_url(url) {
            let posted = self.grafana.as_ref().and_then(|g| {
                g.store()
                    .read(|s| s.dashboard(&du.uid).map(|d| d.json.clone()))
            });
            let found = match posted {
                Some(v) => Some((
                    format!("dashboard {} posted to the Grafana API", du.uid),
                    grafana::parse(&v),
                )),
                None => find_json(&self.ws.workshop_dir, &self.ws.exercises_dir(), &du.uid).map(
                    |path| {
                        let parsed = std::fs::read_to_string(&path)
                            .map_err(|e| e.to_string())
                            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
                            .and_then(|v| grafana::parse(&v));
                        (path.display().to_string(), parsed)
                    },
                ),
            };
            if let Some((source, parsed)) = found {
                match parsed {
                    Ok(dash) => {
                        let refresh = du
                            .refresh
                            .as_deref()
                            .and_then(crate::action::parse_duration_str)
                            .or(dash.refresh);
                        return DashboardContent::Grafana {
                            from: du.from.unwrap_or_else(|| dash.from.clone()),
                            to: du.to.unwrap_or_else(|| dash.to.clone()),
                            dash: Box::new(dash),
                            refresh,
                            data: Vec::new(),
                            generation: 0,
                            queried: None,
                            pending: false,
                        };
                    }
                    Err(e) => self.notes.push(Note::Notice(format!("{source}: {e}"))),
                }
            }
        }
        DashboardContent::Url(url.to_string())
    }

    pub(super) fn dashboard_action(&mut self, r: ActionRef, d: &DashboardAction) -> Outcome {
        match d {
            DashboardAction::Open { name } => self.show_dashboard(r, name),
            DashboardAction::Create { name, url, focus }
            | DashboardAction::Reload {
                name,
                url: Some(url),
                focus,
            } => {
                let reload = matches!(d, DashboardAction::Reload { .. });
                let idx = match self.dashboard_index(name) {
                    Some(i) if !reload => i,
                    Some(i) => {
                        if self.dashboards[i].url != *url {
                            self.dashboards[i].content = self.dashboard_content(url);
                            self.dashboards[i].url = url.clone();
                        } else {
                            self.reread_tab(i);
                        }
                        i
                    }
                    None => {
                        let content = self.dashboard_content(url);
                        self.dashboards.push(DashboardTab {
                            name: name.clone(),
                            url: url.clone(),
                            content,
                            builtin: false,
                        });
                        self.dashboards.len() - 1
                    }
                };
                if *focus {
                    self.focus_dashboard(idx);
                }
                self.query_dashboard(idx);
                self.dashboard_outcome(r, idx)
            }
            DashboardAction::Reload {
                name,
                url: None,
                focus,
            } => match self.dashboard_index(name) {
                Some(i) => {
                    self.reread_tab(i);
                    if *focus {
                        self.focus_dashboard(i);
                    }
                    self.query_dashboard(i);
                    self.dashboard_outcome(r, i)
                }
                None => self.show_dashboard(r, name),
            },
            DashboardAction::Delete { name } => match self.dashboard_index(name) {
                Some(i) if !self.dashboards[i].builtin => {
                    self.dashboards.remove(i);
                    self.checks.retain(|c| c.tab != i);
                    for c in &mut self.checks {
                        if c.tab > i {
                            c.tab -= 1;
                        }
                    }
                    self.notes.push(Note::DashboardRemoved(i));
                    Outcome::passed("deleted")
                }
                Some(_) => Outcome::failed(format!("{name} is built in and cannot be deleted")),
                None => Outcome::passed(format!("there is no dashboard named {name}")),
            },
            DashboardAction::OpenUrl { url } => self.open_url(url),
        }
    }

    /// Serve Grafana's HTTP API on 127.0.0.1:`port` (0: any free port) until
    /// lectern stops; what is posted is kept in the workshop's state folder.
    pub fn serve_grafana(
        &mut self,
        port: u16,
        auth: grafana_api::Auth,
    ) -> Result<std::net::SocketAddr, String> {
        if let Some(g) = &self.grafana {
            return Ok(g.addr());
        }
        let g = grafana_api::start(
            std::net::SocketAddr::from(([127, 0, 0, 1], port)),
            auth,
            self.store.dir().join("grafana-api.json"),
            Some(self.rt.sender()),
        )?;
        if let Some(n) = g.notice() {
            self.notes.push(Note::Notice(n.to_string()));
        }
        let addr = g.addr();
        self.grafana = Some(g);
        // Dashboards kept from an earlier run are there from the start.
        self.on_grafana_change();
        Ok(addr)
    }

    /// The Grafana API lectern serves, if it does.
    pub fn grafana(&self) -> Option<&grafana_api::Handle> {
        self.grafana.as_ref()
    }

    /// What was posted to the Grafana API changed: tabs showing (or waiting
    /// for) a dashboard it now holds show the new one.
    pub(super) fn on_grafana_change(&mut self) {
        let Some(store) = self.grafana.as_ref().map(grafana_api::Handle::store) else {
            return;
        };
        for i in 0..self.dashboards.len() {
            let posted = grafana::parse_url(&self.dashboards[i].url)
                .is_some_and(|du| store.read(|s| s.dashboard(&du.uid).is_some()));
            if posted && self.reread_tab(i) {
                self.query_dashboard(i);
            }
        }
    }

    /// Read a tab's Grafana dashboard again (it may have been posted or
    /// changed since). The time range the learner chose stays. Whether it changed.
    fn reread_tab(&mut self, i: usize) -> bool {
        let url = self.dashboards[i].url.clone();
        if url.starts_with("terminal:") || grafana::parse_url(&url).is_none() {
            return false;
        }
        let fresh = self.dashboard_content(&url);
        let tab = &mut self.dashboards[i];
        match (&mut tab.content, fresh) {
            (
                DashboardContent::Grafana {
                    dash,
                    refresh,
                    data,
                    pending,
                    ..
                },
                DashboardContent::Grafana {
                    dash: new,
                    refresh: new_refresh,
                    ..
                },
            ) => {
                if **dash == *new {
                    return false;
                }
                *dash = new;
                *refresh = new_refresh;
                data.clear();
                *pending = false;
                true
            }
            (DashboardContent::Url(_), fresh @ DashboardContent::Grafana { .. }) => {
                tab.content = fresh;
                true
            }
            // Gone from where it was found: what is drawn stays.
            _ => false,
        }
    }

    /// The datasources panels' names mean: those posted to the Grafana API
    /// (its default first), then lectern.yaml's of other names.
    fn query_config(&self) -> LecternConfig {
        let mut cfg = self.ws.config.clone();
        if let Some(g) = &self.grafana {
            Self::add_posted(g, &mut cfg);
        }
        // Posted URLs may name a session host (`http://influxdb:8086`):
        // lectern reaches it at 127.0.0.1, as the session's hosts file does.
        let hosts = crate::runtime::session_hosts(&self.ws);
        for d in &mut cfg.datasources {
            d.url = crate::runtime::loopback_url(&d.url, &hosts);
        }
        cfg
    }

    fn add_posted(g: &grafana_api::Handle, cfg: &mut LecternConfig) {
        let mut posted: Vec<(bool, lectern_config::DatasourceSpec)> = g.store().read(|s| {
            s.datasources
                .iter()
                .filter_map(|d| {
                    let mut spec = lectern_config::datasource_from_json(&d.json).ok()?;
                    spec.name = d.name.clone();
                    Some((d.json["isDefault"] == serde_json::Value::Bool(true), spec))
                })
                .collect()
        });
        posted.sort_by_key(|(default, _)| !*default);
        cfg.datasources.retain(|d| {
            !posted
                .iter()
                .any(|(_, p)| p.name.eq_ignore_ascii_case(&d.name))
        });
        cfg.datasources
            .splice(0..0, posted.into_iter().map(|(_, spec)| spec));
    }

    /// Panels refer to posted datasources by uid (Grafana 8+) or by name:
    /// the queries name them.
    fn datasource_names(&self) -> impl Fn(&Panel) -> Panel {
        let store = self.grafana.as_ref().map(grafana_api::Handle::store);
        move |p: &Panel| {
            let mut p = p.clone();
            if let (Some(store), Some(r)) = (&store, p.datasource.as_deref()) {
                if let Some(name) = store.read(|s| s.datasource_name(r).map(str::to_string)) {
                    p.datasource = Some(name);
                }
            }
            p
        }
    }

    /// A web page: opened in the learner's browser; nothing to check in a test.
    fn open_url(&mut self, url: &str) -> Outcome {
        match self.mode {
            Mode::Test { .. } => {
                Outcome::Skipped(format!("{url} is a web page for the learner: not checked"))
            }
            // Not opening is no failure of the lesson: the card says how to get there.
            Mode::Interactive => match crate::runtime::browser::open(url) {
                Ok(note) => Outcome::passed(note),
                Err(why) => Outcome::NeedsPerson(crate::engine::Why::Input { what: why }),
            },
        }
    }

    /// What a dashboard action comes to: Grafana panels must show data.
    fn dashboard_outcome(&mut self, r: ActionRef, i: usize) -> Outcome {
        match &self.dashboards[i].content {
            DashboardContent::Url(u) => {
                let u = u.clone();
                self.open_url(&u)
            }
            DashboardContent::Terminal(_) => Outcome::passed("terminal ready"),
            DashboardContent::Grafana { dash, .. } => {
                // A dashboard refreshes by itself: give it up to two refreshes
                // (at most 15 s) to show data, as a learner looking at it would.
                let grace = dash.refresh.map_or(Duration::from_secs(10), |r| {
                    (r * 2).min(Duration::from_secs(15))
                });
                let what = format!("waiting for data in {}", dash.title);
                let now = Instant::now();
                self.checks.retain(|c| c.action != r);
                self.checks.push(Check {
                    action: r,
                    tab: i,
                    until: now + grace,
                    next: None,
                });
                self.query_check(r, i);
                Outcome::Running {
                    since: now,
                    what: Some(what),
                }
            }
        }
    }

    fn show_dashboard(&mut self, r: ActionRef, name: &str) -> Outcome {
        match name.to_ascii_lowercase().as_str() {
            "terminal" | "terminals" => {
                self.notes.push(Note::Show(Show::Terminals));
                return Outcome::passed("terminals");
            }
            "editor" => {
                self.notes.push(Note::Show(Show::Editor));
                return Outcome::passed("editor");
            }
            _ => {}
        }
        match self.dashboard_index(name) {
            Some(i) => {
                self.focus_dashboard(i);
                self.query_dashboard(i);
                self.dashboard_outcome(r, i)
            }
            None => Outcome::failed(format!("there is no dashboard named {name}")),
        }
    }

    fn focus_dashboard(&mut self, i: usize) {
        let show = match self.dashboards[i].content {
            DashboardContent::Terminal(id) => Show::Terminal(id),
            _ => Show::Dashboard(i),
        };
        self.notes.push(Note::Show(show));
    }

    /// Query a Grafana tab's panels over its own range, to draw them.
    pub fn query_dashboard(&mut self, i: usize) {
        let config = self.query_config();
        let resolve = self.datasource_names();
        let Some(DashboardTab {
            content:
                DashboardContent::Grafana {
                    dash,
                    from,
                    to,
                    generation,
                    queried,
                    pending,
                    ..
                },
            ..
        }) = self.dashboards.get_mut(i)
        else {
            return;
        };
        *generation += 1;
        *queried = Some(Instant::now());
        *pending = true;
        self.queries.submit(PanelsQuery {
            what: QueryFor::Tab(i, *generation),
            config,
            panels: dash.panels.iter().map(&resolve).collect(),
            from: from.clone(),
            to: to.clone(),
            not_before: None,
        });
    }

    /// Query the panels that have targets, for a dashboard action's check:
    /// only points written since the page was opened count.
    fn query_check(&mut self, r: ActionRef, i: usize) {
        let Some(DashboardTab {
            content: DashboardContent::Grafana { dash, from, to, .. },
            ..
        }) = self.dashboards.get(i)
        else {
            return;
        };
        let resolve = self.datasource_names();
        self.queries.submit(PanelsQuery {
            what: QueryFor::Check(r),
            config: self.query_config(),
            panels: dash
                .panels
                .iter()
                .filter(|p| !p.targets.is_empty())
                .map(&resolve)
                .collect(),
            from: from.clone(),
            to: to.clone(),
            not_before: Some(self.page_opened_ms),
        });
    }

    /// The answer to a check: a verdict, or another try while there is time.
    pub(super) fn on_check_data(&mut self, r: ActionRef, data: &[(String, PanelData)]) {
        let Some(pos) = self.checks.iter().position(|c| c.action == r) else {
            return;
        };
        let empty: Vec<String> = data
            .iter()
            .filter(|(_, d)| !d.has_data())
            .map(|(title, d)| {
                format!(
                    "“{title}”: no new data since the page was opened: {}",
                    d.error.clone().unwrap_or_default()
                )
            })
            .collect();
        let now = Instant::now();
        if !empty.is_empty() && now < self.checks[pos].until {
            self.checks[pos].next = Some(now + Duration::from_secs(1));
            return;
        }
        let c = self.checks.remove(pos);
        let title = match &self.dashboards.get(c.tab).map(|d| &d.content) {
            Some(DashboardContent::Grafana { dash, .. }) => dash.title.clone(),
            _ => String::new(),
        };
        let o = if empty.is_empty() {
            Outcome::passed(format!("{title}: every panel has new data"))
        } else {
            Outcome::failed(empty.join("; "))
        };
        self.settle(r, o);
    }

    /// When the checks want their next query.
    pub(super) fn checks_deadline(&self) -> Option<Instant> {
        self.checks.iter().filter_map(|c| c.next).min()
    }

    pub(super) fn checks_on_timer(&mut self, now: Instant) {
        let due: Vec<(ActionRef, usize)> = self
            .checks
            .iter_mut()
            .filter(|c| c.next.is_some_and(|n| n <= now))
            .map(|c| {
                c.next = None;
                (c.action, c.tab)
            })
            .collect();
        for (r, tab) in due {
            self.query_check(r, tab);
        }
    }

    /// When tab `i` wants its next refresh, while it is shown.
    pub fn dashboard_deadline(&self, i: usize) -> Option<Instant> {
        match &self.dashboards.get(i)?.content {
            DashboardContent::Grafana {
                refresh: Some(r),
                queried: Some(q),
                pending: false,
                ..
            } => Some(*q + *r),
            _ => None,
        }
    }

    pub(super) fn on_dashboard_data(&mut self, i: usize, gen: u64, new: &[PanelData]) {
        if let Some(DashboardTab {
            content:
                DashboardContent::Grafana {
                    data,
                    generation,
                    pending,
                    ..
                },
            ..
        }) = self.dashboards.get_mut(i)
        {
            if *generation == gen {
                *data = new.to_vec();
                *pending = false;
            }
        }
    }
}
