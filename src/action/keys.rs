//! `lectern: {keys: "..."}`: the keys `lectern test` types for a person into
//! a program that waits for them. Written with escapes:
//!
//! | escape | key |
//! |---|---|
//! | `\e` | Esc |
//! | `\r` | Enter |
//! | `\n` | line feed (Ctrl-J) |
//! | `\t` | Tab |
//! | `\b` | Backspace (DEL, as terminals send it) |
//! | `\cX` | Ctrl-X, for a letter or one of `@[\]^_` |
//! | `\xHH` | the byte HH |
//! | `\p` | wait half a second |
//! | `\\` | a backslash |

use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub enum KeyStep {
    Bytes(Vec<u8>),
    Pause(Duration),
}

pub const PAUSE: Duration = Duration::from_millis(500);

/// Decode `keys`; an unknown escape is an error naming it.
pub fn decode(keys: &str) -> Result<Vec<KeyStep>, String> {
    let mut steps = Vec::new();
    let mut bytes = Vec::new();
    let mut chars = keys.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next() {
            Some('e') => bytes.push(0x1b),
            Some('r') => bytes.push(b'\r'),
            Some('n') => bytes.push(b'\n'),
            Some('t') => bytes.push(b'\t'),
            Some('b') => bytes.push(0x7f),
            Some('\\') => bytes.push(b'\\'),
            Some('c') => match chars.next() {
                Some(x) if x.is_ascii_alphabetic() => {
                    bytes.push(x.to_ascii_uppercase() as u8 - b'@')
                }
                Some(x @ ('@' | '[' | '\\' | ']' | '^' | '_')) => bytes.push(x as u8 - b'@'),
                other => {
                    return Err(format!(
                        "`\\c` takes a letter or one of @[\\]^_, found {:?}",
                        other.map(String::from).unwrap_or_default()
                    ))
                }
            },
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                match u8::from_str_radix(&hex, 16) {
                    Ok(b) if hex.len() == 2 => bytes.push(b),
                    _ => return Err(format!("`\\x` takes two hex digits, found {hex:?}")),
                }
            }
            Some('p') => {
                if !bytes.is_empty() {
                    steps.push(KeyStep::Bytes(std::mem::take(&mut bytes)));
                }
                steps.push(KeyStep::Pause(PAUSE));
            }
            Some(other) => {
                return Err(format!(
                    "unknown escape `\\{other}`: use \\e \\r \\n \\t \\b \\cX \\xHH \\p or \\\\"
                ))
            }
            None => return Err("a lone `\\` at the end: write `\\\\` for a backslash".into()),
        }
    }
    if !bytes.is_empty() {
        steps.push(KeyStep::Bytes(bytes));
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            decode("ihello\\e:wq\\r").unwrap(),
            vec![KeyStep::Bytes(b"ihello\x1b:wq\r".to_vec())]
        );
        assert_eq!(
            decode("a\\pb\\cC\\x41\\\\").unwrap(),
            vec![
                KeyStep::Bytes(b"a".to_vec()),
                KeyStep::Pause(PAUSE),
                KeyStep::Bytes(vec![b'b', 3, b'A', b'\\']),
            ]
        );
        assert!(decode("\\q").unwrap_err().contains("unknown escape"));
        assert!(decode("\\x4").is_err());
        assert!(decode("end\\").is_err());
        assert!(decode("\\c1").is_err());
    }
}
