//! lectern: run Educates-format workshops in the terminal.
//!
//! Data flows one way: files -> workshop model -> lesson documents -> actions
//! -> runtime -> screen. `workshop`, `lesson` and `action` are pure.

pub mod action;
pub mod app;
pub mod check;
pub mod diag;
pub mod headless;
pub mod lesson;
pub mod page;
pub mod progress;
pub mod runtime;
pub mod sanitize;
pub mod text_render;
pub mod ui;
pub mod workshop;
pub mod yaml;
