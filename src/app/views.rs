//! What the right-hand side shows besides terminals and the editor:
//! dashboards (Grafana JSON drawn here, or a URL to open in a browser).

use std::time::{Duration, Instant};

use crate::runtime::datasource::PanelData;
use crate::runtime::grafana::Dashboard;

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

/// What the right side shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Terminals,
    Editor,
    Dashboard(usize),
}
