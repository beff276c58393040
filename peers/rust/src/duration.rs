//! Parses durations written in Go's `time.ParseDuration` syntax, so the peer
//! reads `IOBENCH_DELAY=1m30s` exactly as the Go service does.

use std::time::Duration;

/// Units in the order Go accepts them, with their length in nanoseconds.
/// "µs" is U+00B5 (micro sign) and "μs" is U+03BC (Greek mu); Go takes both.
const UNITS: [(&str, u128); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("\u{b5}s", 1_000),
    ("\u{3bc}s", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Go's largest duration, `math.MaxInt64` nanoseconds (about 292 years).
const MAX_NANOS: u128 = i64::MAX as u128;

/// Parses a non-negative Go duration such as "3s", "250ms", "1m30s" or
/// "1.5h". A bare "0" is zero, as in Go. Negative durations are rejected
/// because no setting of the peer takes one.
pub fn parse(text: &str) -> Result<Duration, String> {
    let rest = text.strip_prefix('+').unwrap_or(text);
    if rest.starts_with('-') {
        return Err("must not be negative".to_string());
    }
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err("is empty".to_string());
    }
    let mut total: u128 = 0;
    let mut rest = rest;
    while !rest.is_empty() {
        let (nanos, tail) = parse_component(rest)?;
        total = total.saturating_add(nanos);
        if total > MAX_NANOS {
            return Err("is too large (the maximum is about 2562047h)".to_string());
        }
        rest = tail;
    }
    Ok(Duration::from_nanos(total as u64))
}

/// Parses one "<number><unit>" component and returns its length in
/// nanoseconds and the text after it.
fn parse_component(text: &str) -> Result<(u128, &str), String> {
    let int_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (int_digits, after_int) = text.split_at(int_end);
    let (frac_digits, after_number) = match after_int.strip_prefix('.') {
        Some(tail) => {
            let end = tail
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(tail.len());
            tail.split_at(end)
        }
        None => ("", after_int),
    };
    if int_digits.is_empty() && frac_digits.is_empty() {
        return Err("has no number before a unit".to_string());
    }

    let unit_end = after_number
        .find(|c: char| c.is_ascii_digit() || c == '.')
        .unwrap_or(after_number.len());
    let (unit, tail) = after_number.split_at(unit_end);
    if unit.is_empty() {
        return Err("is missing a unit (ns, us, ms, s, m or h)".to_string());
    }
    let scale = UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|(_, nanos)| *nanos)
        .ok_or_else(|| format!("has unknown unit {unit:?} (use ns, us, ms, s, m or h)"))?;

    let whole = digits_value(int_digits).saturating_mul(scale);
    Ok((
        whole.saturating_add(fraction_nanos(frac_digits, scale)),
        tail,
    ))
}

/// Returns the value of a run of decimal digits, saturating far above the
/// largest valid duration so that overflow is reported by the caller.
fn digits_value(digits: &str) -> u128 {
    digits.bytes().fold(0u128, |value, byte| {
        value
            .saturating_mul(10)
            .saturating_add(u128::from(byte - b'0'))
    })
}

/// Returns the nanoseconds of a decimal fraction of one unit, truncated as
/// Go truncates it.
fn fraction_nanos(digits: &str, scale: u128) -> u128 {
    let mut numerator: u128 = 0;
    let mut denominator: u128 = 1;
    // Digits past the 20th cannot change a whole nanosecond of an hour.
    for byte in digits.bytes().take(20) {
        numerator = numerator * 10 + u128::from(byte - b'0');
        denominator *= 10;
    }
    numerator * scale / denominator
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_examples() {
        let cases = [
            ("0", Duration::ZERO),
            ("3s", Duration::from_secs(3)),
            ("250ms", Duration::from_millis(250)),
            ("1m30s", Duration::from_secs(90)),
            ("1.5h", Duration::from_secs(5400)),
            (".5s", Duration::from_millis(500)),
            ("2.s", Duration::from_secs(2)),
            ("+10us", Duration::from_micros(10)),
            ("10\u{b5}s", Duration::from_micros(10)),
            ("1h2m3s4ms5us6ns", Duration::new(3723, 4_005_006)),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), Ok(want), "parse({text:?})");
        }
    }

    #[test]
    fn rejects_invalid_text() {
        for text in ["", "3", "s", "-1s", "1x", "1.2.3s", "3 s", "9999999h"] {
            assert!(parse(text).is_err(), "parse({text:?}) succeeded");
        }
    }
}
