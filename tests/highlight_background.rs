//! Colours for a long listing are made off the thread that asks for them, so
//! the screen never waits for them (a page with a huge code block stays
//! responsive); short texts are coloured at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lectern::ui::highlight;

#[test]
fn a_long_listing_is_coloured_in_the_background_and_then_cached() {
    let woken = Arc::new(AtomicUsize::new(0));
    let w = woken.clone();
    highlight::start_loading(move || {
        w.fetch_add(1, Ordering::AcqRel);
    });
    let end = Instant::now() + Duration::from_secs(60);
    // Loaded, and the app told so (that is the first call).
    let h = loop {
        if let Some(h) = highlight::get().filter(|_| woken.load(Ordering::Acquire) == 1) {
            break h;
        }
        assert!(Instant::now() < end, "the highlighter never loaded");
        std::thread::sleep(Duration::from_millis(20));
    };
    // Short: at once, where it is asked for.
    assert!(h.cached("python", "x = 1\n").is_some());

    let long: String = (0..5000).map(|n| format!("print({n})\n")).collect();
    let before = highlight::generation();
    assert!(
        h.cached("python", &long).is_none(),
        "a long text must not be coloured on the asking thread"
    );
    // Asking again while it is being made starts no second job.
    assert!(h.cached("python", &long).is_none());
    let lines = loop {
        if let Some(l) = h.cached("python", &long) {
            break l;
        }
        assert!(Instant::now() < end, "the colours never came");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(lines.len(), 5000);
    assert!(lines[0].len() > 1, "coloured spans: {:?}", lines[0]);
    // The app was told, and a layout made before is out of date.
    assert!(highlight::generation() > before);
    assert_eq!(woken.load(Ordering::Acquire), 2);
}
