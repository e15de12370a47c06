//! Recordings in asciicast v2 (what `asciinema play` reads): a JSON header
//! line, then one `[seconds, "o", text]` line per piece of output.
//!
//! Every event is written to the file as it happens (no buffer in between),
//! so a recording cut short by a crash keeps all that came before.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::time::Instant;

pub struct Cast {
    file: File,
    start: Instant,
    /// The start of a UTF-8 character whose other bytes are still to come.
    partial: Vec<u8>,
}

impl Cast {
    /// Start a recording of a `width` x `height` screen at `path`.
    pub fn create(path: &Path, width: u16, height: u16, title: Option<&str>) -> io::Result<Cast> {
        let mut file = File::create(path)?;
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut header = serde_json::json!({
            "version": 2,
            "width": width,
            "height": height,
            "timestamp": timestamp,
            "env": {
                "TERM": std::env::var("TERM").unwrap_or_default(),
                "SHELL": std::env::var("SHELL").unwrap_or_default(),
            },
        });
        if let Some(t) = title {
            header["title"] = serde_json::Value::String(t.to_string());
        }
        file.write_all(format!("{header}\n").as_bytes())?;
        Ok(Cast {
            file,
            start: Instant::now(),
            partial: Vec::new(),
        })
    }

    fn event(&mut self, kind: &str, data: &str) -> io::Result<()> {
        let t = self.start.elapsed().as_secs_f64();
        let line = serde_json::json!([(t * 1e6).round() / 1e6, kind, data]);
        self.file.write_all(format!("{line}\n").as_bytes())
    }

    /// Bytes written to the screen. A character split between two writes is
    /// kept until it is whole; bytes that are not UTF-8 become U+FFFD.
    pub fn output(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let mut all = std::mem::take(&mut self.partial);
        all.extend_from_slice(bytes);
        let cut = complete_prefix(&all);
        self.partial = all.split_off(cut);
        if all.is_empty() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&all).into_owned();
        self.event("o", &text)
    }

    /// The screen took a new size.
    pub fn resize(&mut self, width: u16, height: u16) -> io::Result<()> {
        self.event("r", &format!("{width}x{height}"))
    }
}

/// How many bytes of `b` end on a character boundary: all but an unfinished
/// UTF-8 sequence at the very end.
fn complete_prefix(b: &[u8]) -> usize {
    // A sequence is at most 4 bytes: look at the last 3 for its lead byte.
    for back in 1..=3.min(b.len()) {
        let byte = b[b.len() - back];
        if byte & 0b1100_0000 == 0b1000_0000 {
            continue; // a continuation byte: keep looking for the lead
        }
        let need = match byte {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => return b.len(),
        };
        return if back < need { b.len() - back } else { b.len() };
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(path: &Path) -> Vec<serde_json::Value> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn a_recording_is_asciicast_v2_and_keeps_split_characters_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.cast");
        let mut c = Cast::create(&path, 80, 24, Some("t")).unwrap();
        let euro = "€".as_bytes();
        c.output(b"\x1b[1mhi ").unwrap();
        c.output(&euro[..1]).unwrap();
        // Written at once: what is there survives a crash now.
        assert_eq!(lines(&path).len(), 2);
        c.output(&euro[1..]).unwrap();
        c.output(b"\xff").unwrap();
        c.resize(100, 30).unwrap();
        let l = lines(&path);
        assert_eq!(l[0]["version"], 2);
        assert_eq!(l[0]["width"], 80);
        assert_eq!(l[0]["height"], 24);
        assert!(l[0]["timestamp"].as_u64().unwrap() > 1_600_000_000);
        assert_eq!(l[1][1], "o");
        assert_eq!(l[1][2], "\x1b[1mhi ");
        assert_eq!(l[2][2], "€");
        assert_eq!(l[3][2], "\u{fffd}");
        assert_eq!(l[4][1], "r");
        assert_eq!(l[4][2], "100x30");
        let times: Vec<f64> = l[1..].iter().map(|e| e[0].as_f64().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    }

    #[test]
    fn complete_prefixes() {
        assert_eq!(complete_prefix(b"abc"), 3);
        assert_eq!(complete_prefix(&[b'a', 0xE2, 0x82]), 1);
        assert_eq!(complete_prefix(&[0xE2, 0x82, 0xAC]), 3);
        assert_eq!(complete_prefix(&[0xF0, 0x9F, 0x98]), 0);
        assert_eq!(complete_prefix(&[0xFF]), 1);
    }
}
