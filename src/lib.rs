//! lectern: run Educates-format workshops in the terminal.
//!
//! Data flows one way: files -> workshop model -> lesson documents -> actions
//! -> runtime -> screen. `workshop`, `lesson` and `action` are pure.

pub mod action;
pub mod check;
pub mod diag;
pub mod lesson;
pub mod page;
pub mod sanitize;
pub mod text_render;
pub mod workshop;
pub mod yaml;
