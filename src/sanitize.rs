//! Lesson content must never put escape sequences on the user's terminal.
//! Everything shown from content passes through here first.

/// Replace control characters (C0 except tab and newline, DEL, C1) and bidi
/// overrides with visible stand-ins.
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            '\u{1b}' => out.push('␛'),
            '\r' => {}
            c if (c as u32) < 0x20 => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('�')),
            '\u{7f}' => out.push('␡'),
            '\u{80}'..='\u{9f}' => out.push('�'),
            // Bidirectional overrides can make text display differently from what runs.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => out.push('�'),
            c => out.push(c),
        }
    }
    out
}

/// Like `clean`, for text that must stay on one line (newlines and tabs become spaces).
pub fn clean_line(text: &str) -> String {
    clean(text).replace(['\n', '\t'], " ")
}

/// True when `text` has nothing `clean` would change (apart from CR).
pub fn is_clean(text: &str) -> bool {
    !text.chars().any(|c| {
        (c != '\n' && c != '\t' && c != '\r' && (c as u32) < 0x20)
            || c == '\u{7f}'
            || ('\u{80}'..='\u{9f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_become_visible() {
        let s = clean("a\u{1b}[2Jb\u{7}c\u{9b}d\ne\tf");
        assert_eq!(s, "a␛[2Jb␇c�d\ne\tf");
        assert!(is_clean(&s));
        assert!(!is_clean("\u{1b}]52;c;x\u{7}"));
        assert_eq!(clean_line("a\nb"), "a b");
    }
}
