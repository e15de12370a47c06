//! A panic on a worker thread is a bug in lectern, never the learner's
//! problem: it ends that piece of work with an error where the work shows (a
//! card, a service, a panel), and lectern carries on.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Run `f`; a panic becomes `Err` with its message.
pub fn run<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| {
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        format!("lectern failed while {what}: {msg} (a bug in lectern; please report it)")
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_becomes_an_error() {
        std::panic::set_hook(Box::new(|_| {}));
        let r: Result<(), String> = super::run("testing", || panic!("boom"));
        let _ = std::panic::take_hook();
        assert!(r.unwrap_err().contains("while testing: boom"));
        assert_eq!(super::run("adding", || 1 + 1), Ok(2));
    }
}
