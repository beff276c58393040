//! Request-target checks and the 404 body, byte for byte those of the Go
//! service.

/// How many bytes of a request path a 404 body repeats.
const MAX_ECHOED_PATH: usize = 64;

/// Reports whether the Go service accepts a request for `path`: one that
/// starts with "/", or "*" with OPTIONS, where every `%` starts a two-digit
/// hex escape. hyper has already rejected control bytes.
pub fn valid_target(method: &axum::http::Method, path: &str) -> bool {
    if path == "*" {
        return method == axum::http::Method::OPTIONS;
    }
    path.starts_with('/') && valid_escapes(path.as_bytes())
}

/// Reports whether every `%` in `target` starts a two-digit hex escape.
fn valid_escapes(target: &[u8]) -> bool {
    let mut i = 0;
    while i < target.len() {
        if target[i] == b'%' {
            let ok = i + 2 < target.len()
                && target[i + 1].is_ascii_hexdigit()
                && target[i + 2].is_ascii_hexdigit();
            if !ok {
                return false;
            }
            i += 2;
        }
        i += 1;
    }
    true
}

/// Returns the 404 body for `path`: its first 64 bytes, then "..." when it
/// is longer, with the escapes of Go's strconv.QuoteToASCII, so the body is
/// one line of printable ASCII.
pub fn not_found_body(path: &[u8]) -> String {
    let (shown, more) = if path.len() > MAX_ECHOED_PATH {
        (&path[..MAX_ECHOED_PATH], "...")
    } else {
        (path, "")
    };
    format!(
        "not found: {}{more}: this server serves /test and /healthz\n",
        quote_to_ascii(shown)
    )
}

/// Escapes `bytes` as Go's strconv.QuoteToASCII does, without the quotes:
/// `\"`, `\\`, the C escapes for control characters, `\xNN` for other
/// control bytes and for bytes that are not valid UTF-8, and `\uNNNN` or
/// `\UNNNNNNNN` for every non-ASCII character.
fn quote_to_ascii(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        let (ch, width) = decode_rune(rest);
        match ch {
            None => out.push_str(&format!("\\x{:02x}", rest[0])),
            Some(c) => push_escaped(&mut out, c),
        }
        rest = &rest[width..];
    }
    out
}

/// Decodes the first UTF-8 character of `bytes`, or returns None and width
/// 1 when its first byte starts no valid encoding.
fn decode_rune(bytes: &[u8]) -> (Option<char>, usize) {
    let width = match bytes[0] {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return (None, 1),
    };
    match bytes.get(..width).map(std::str::from_utf8) {
        Some(Ok(text)) => (text.chars().next(), width),
        _ => (None, 1),
    }
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        ' '..='~' => out.push(c),
        '\0'..='\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_go() {
        let cases: [(&[u8], &str); 6] = [
            (b"/a\"b\\c", r#"/a\"b\\c"#),
            (b"/x\ny\x01\x7f", r"/x\ny\x01\x7f"),
            ("/é€😀".as_bytes(), r"/\u00e9\u20ac\U0001f600"),
            (b"/\xff\xc3", r"/\xff\xc3"),
            (b"/\xed\xa0\x80", r"/\xed\xa0\x80"),
            (b"/%74est", "/%74est"),
        ];
        for (input, want) in cases {
            assert_eq!(quote_to_ascii(input), want, "input {input:?}");
        }
    }

    #[test]
    fn caps_long_paths() {
        let long = format!("/{}", "a".repeat(100));
        let body = not_found_body(long.as_bytes());
        assert!(
            body.starts_with(&format!("not found: /{}...: ", "a".repeat(63))),
            "{body}"
        );
    }

    #[test]
    fn checks_escapes() {
        for (target, want) in [
            ("/%74est", true),
            ("/a%", false),
            ("/a%7", false),
            ("/%zz", false),
            ("/%%41", false),
        ] {
            assert_eq!(valid_escapes(target.as_bytes()), want, "{target}");
        }
    }
}
