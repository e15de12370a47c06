//! Pure models that actions work on: text selections and edits, YAML edits,
//! Grafana dashboards and their time series, what the Grafana API was sent,
//! the state of a terminal.
//! Values in, values out: no processes, no clock, no files.

pub mod edits;
pub mod grafana;
pub mod grafana_store;
pub mod plot;
pub mod selection;
pub mod series;
pub mod terminal_state;
pub mod units;
pub mod yaml_edit;

/// Identifies an action: page index and action id within the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActionRef {
    pub page: usize,
    pub id: usize,
}
