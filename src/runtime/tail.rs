//! The end of a stream, in bounded memory: a script that prints without end
//! (`yes`) costs at most `cap` bytes, and what is shown says how much went.

use std::collections::VecDeque;
use std::io::Read;

/// Output tails are kept to this size.
pub const CAP: usize = 1024 * 1024;

pub struct Tail {
    buf: VecDeque<u8>,
    cap: usize,
    dropped: u64,
}

impl Tail {
    pub fn new(cap: usize) -> Tail {
        Tail {
            buf: VecDeque::new(),
            cap,
            dropped: 0,
        }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        let bytes = if bytes.len() > self.cap {
            self.dropped += (bytes.len() - self.cap) as u64;
            &bytes[bytes.len() - self.cap..]
        } else {
            bytes
        };
        let over = (self.buf.len() + bytes.len()).saturating_sub(self.cap);
        self.buf.drain(..over);
        self.dropped += over as u64;
        self.buf.extend(bytes);
    }

    /// Read `r` to its end, keeping the tail.
    pub fn read_from(mut self, mut r: impl Read) -> Tail {
        let mut chunk = [0u8; 64 * 1024];
        while let Ok(n) = r.read(&mut chunk) {
            if n == 0 {
                break;
            }
            self.push(&chunk[..n]);
        }
        self
    }

    /// The text kept, with a first line saying what was dropped.
    pub fn text(self) -> String {
        let (a, b) = self.buf.as_slices();
        let mut bytes = a.to_vec();
        bytes.extend_from_slice(b);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if self.dropped == 0 {
            text
        } else {
            format!(
                "[… {} earlier bytes of output not kept]\n{text}",
                self.dropped
            )
        }
    }
}

/// The last `cap` bytes of a file, as text (a log that grew large).
pub fn of_file(path: &std::path::Path, cap: u64) -> String {
    use std::io::{Seek, SeekFrom};
    let Ok(mut f) = std::fs::File::open(path) else {
        return String::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(cap);
    if f.seek(SeekFrom::Start(start)).is_err() {
        return String::new();
    }
    let mut bytes = Vec::new();
    let _ = f.take(cap).read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if start > 0 {
        format!("[… {start} earlier bytes of the log not shown]\n{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_end_and_counts_the_rest() {
        let mut t = Tail::new(4);
        t.push(b"abc");
        t.push(b"defgh");
        assert_eq!(t.text(), "[… 4 earlier bytes of output not kept]\nefgh");
        let t = Tail::new(10).read_from(&b"short"[..]);
        assert_eq!(t.text(), "short");
        let big = vec![b'y'; 3 * 1024 * 1024];
        let t = Tail::new(CAP).read_from(&big[..]);
        assert!(t.text().len() < CAP + 100);
    }
}
