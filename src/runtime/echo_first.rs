//! A key typed into one terminal is answered first. Until its echo is on the
//! screen (for at most `WAIT`), the readers of the other terminals hold off:
//! their programs soon block on a full PTY, and the cores go to the shell that
//! echoes and the frame that shows it. On a busy two-core machine this is what
//! keeps typing responsive next to floods in other panes; the floods lose a
//! few milliseconds per key, nothing else. Without a screen (`lectern test`),
//! the echo itself ends the wait.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::TermId;

/// The longest the other terminals wait for one key's echo.
const WAIT: Duration = Duration::from_millis(40);
/// How long a holding reader sleeps before it looks again.
const NAP: Duration = Duration::from_millis(1);

pub struct EchoFirst {
    /// The terminal awaiting its echo, plus one (0: none).
    waiting: AtomicUsize,
    /// Until when, in nanoseconds since `start`.
    until: AtomicU64,
    start: Instant,
    /// The awaited echo arrived; a screen still has to show it.
    answered: AtomicBool,
    /// A screen draws the echo (`shown` ends the wait), or nothing does.
    drawn: AtomicBool,
}

/// The one every terminal of this process shares.
pub fn shared() -> &'static EchoFirst {
    static SHARED: OnceLock<EchoFirst> = OnceLock::new();
    SHARED.get_or_init(EchoFirst::new)
}

impl EchoFirst {
    pub fn new() -> EchoFirst {
        EchoFirst {
            waiting: AtomicUsize::new(0),
            until: AtomicU64::new(0),
            start: Instant::now(),
            answered: AtomicBool::new(false),
            drawn: AtomicBool::new(false),
        }
    }

    /// A screen shows the terminals: the wait lasts until `shown`.
    pub fn drawn_by_screen(&self) {
        self.drawn.store(true, Ordering::Release);
    }

    fn now(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    /// Bytes were written to terminal `id`: its answer goes first.
    pub fn typed(&self, id: TermId) {
        self.answered.store(false, Ordering::Release);
        self.until
            .store(self.now() + WAIT.as_nanos() as u64, Ordering::Release);
        self.waiting.store(id + 1, Ordering::Release);
    }

    /// Terminal `id` wrote something back: without a screen, the others may
    /// go on; with one, once it is drawn.
    pub fn answered(&self, id: TermId) {
        if self.waiting.load(Ordering::Acquire) != id + 1 {
            return;
        }
        if self.drawn.load(Ordering::Acquire) {
            self.answered.store(true, Ordering::Release);
        } else {
            let _ = self
                .waiting
                .compare_exchange(id + 1, 0, Ordering::AcqRel, Ordering::Relaxed);
        }
    }

    /// Whether the awaited echo arrived (asked before a frame is made from
    /// the terminals' screens: `shown` after drawing it).
    pub fn has_answer(&self) -> bool {
        self.answered.load(Ordering::Acquire)
    }

    /// A frame that holds the awaited echo was drawn: the others may go on.
    pub fn shown(&self) {
        if self.answered.swap(false, Ordering::AcqRel) {
            self.waiting.store(0, Ordering::Release);
        }
    }

    /// Called by terminal `id`'s reader before it reads more: returns at once
    /// unless another terminal awaits its echo, then when it got it (or the
    /// wait is over).
    pub fn hold(&self, id: TermId) {
        loop {
            let w = self.waiting.load(Ordering::Acquire);
            if w == 0 || w == id + 1 {
                return;
            }
            let (now, until) = (self.now(), self.until.load(Ordering::Acquire));
            if now >= until {
                let _ = self
                    .waiting
                    .compare_exchange(w, 0, Ordering::AcqRel, Ordering::Relaxed);
                return;
            }
            std::thread::sleep(NAP.min(Duration::from_nanos(until - now)));
        }
    }
}

impl Default for EchoFirst {
    fn default() -> Self {
        EchoFirst::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn other_terminals_wait_for_the_echo_and_no_longer() {
        let e = Arc::new(EchoFirst::new());
        // Nobody waiting: nobody holds.
        e.hold(0);
        assert_eq!(e.waiting.load(Ordering::Acquire), 0);

        // Terminal 1 typed into: terminal 1 itself never holds.
        e.typed(1);
        e.hold(1);
        assert_eq!(e.waiting.load(Ordering::Acquire), 2, "still waiting for 1");

        // Terminal 2 holds until terminal 1 answered.
        let (e2, done) = (
            e.clone(),
            Arc::new(std::sync::atomic::AtomicBool::new(false)),
        );
        let d = done.clone();
        let other = std::thread::spawn(move || {
            e2.hold(2);
            d.store(true, Ordering::Release);
        });
        e.answered(1);
        other.join().unwrap();
        assert!(done.load(Ordering::Acquire));

        // With a screen, the wait lasts until the echo was drawn.
        e.drawn_by_screen();
        e.typed(1);
        assert!(!e.has_answer());
        e.shown();
        assert_eq!(
            e.waiting.load(Ordering::Acquire),
            2,
            "drawn before the echo"
        );
        e.answered(1);
        assert!(e.has_answer());
        assert_eq!(e.waiting.load(Ordering::Acquire), 2, "echo not drawn yet");
        e.shown();
        assert_eq!(e.waiting.load(Ordering::Acquire), 0);

        // Without an answer, the wait ends by itself.
        e.typed(1);
        let t = Instant::now();
        e.hold(2);
        assert!(t.elapsed() >= WAIT - NAP, "{:?}", t.elapsed());
        // And it is over for everyone after that.
        assert_eq!(e.waiting.load(Ordering::Acquire), 0);
    }
}
