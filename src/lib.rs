//! lectern: run Educates-format workshops in the terminal.
//!
//! Data flows one way: files -> workshop model -> lesson documents -> actions
//! -> engine -> runtime -> outcomes -> screen or report. `workshop`, `lesson`,
//! `action` and `model` are pure; `runtime` is processes and I/O only; the
//! `engine` runs actions and decides outcomes for both drivers, the terminal
//! app (`app` + `ui`) and `lectern test` (`headless`).

/// `println!` that never panics: when whoever reads stdout has gone (`| head`),
/// the rest of the report is dropped and the run still ends with its own exit code.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `print!` that never panics; see `say!`.
#[macro_export]
macro_rules! say_part {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that never panics: a closed terminal (its window shut while
/// lectern was ending) must not turn a clean exit into a panic.
#[macro_export]
macro_rules! say_err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod action;
pub mod app;
pub mod check;
pub mod diag;
pub mod engine;
pub mod export;
pub mod headless;
pub mod lesson;
pub mod model;
pub mod page;
pub mod paths;
pub mod runtime;
pub mod sanitize;
pub mod scaffold;
pub mod text_render;
pub mod ui;
pub mod workshop;
pub mod yaml;
