//! Reads the peer's settings from the same IOBENCH_* environment variables
//! as the Go service, with the same defaults.

use std::time::Duration;

use crate::duration;

/// Expected form of a Redis URL, quoted in error messages.
const REDIS_URL_FORM: &str = "redis://[user:password@]host:port/db";

/// Expected form of a duration, quoted in error messages.
const DURATION_FORM: &str = "a Go duration such as 3s, 250ms or 1m30s";

/// Settings of the Rust peer. An unset or empty variable takes the default.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// IOBENCH_ADDR: listen address, default ":8000" (all interfaces, as Go).
    pub addr: String,
    /// IOBENCH_REDIS: Redis URL, default "redis://127.0.0.1:6379/0".
    pub redis_url: String,
    /// IOBENCH_KEY: key served by GET /test, default "test".
    pub key: String,
    /// IOBENCH_REDIS_TIMEOUT: bound on each Redis call, default 1s.
    pub redis_timeout: Duration,
    /// IOBENCH_REDIS_WAIT: how long start-up waits for Redis, default 10s.
    pub redis_wait: Duration,
    /// IOBENCH_DELAY: extra wait of a delayed request, default 3s.
    pub delay: Duration,
    /// IOBENCH_DELAY_RATIO: share of delayed requests in [0, 1], default 0.05.
    pub delay_ratio: f64,
    /// IOBENCH_DELAY_SEED: 0 draws at random, any other value makes the
    /// sequence of delayed requests repeatable, default 0.
    pub delay_seed: i64,
}

impl Config {
    /// Builds the settings from `lookup`, usually `std::env::var(name).ok()`.
    /// The error names the variable, its value and the expected form.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let get = |name: &str| lookup(name).filter(|value| !value.is_empty());
        let duration_of = |name: &str, default: Duration, positive: bool| {
            let Some(text) = get(name) else {
                return Ok(default);
            };
            match duration::parse(&text) {
                Ok(d) if positive && d.is_zero() => {
                    Err(invalid(name, &text, "must be above 0", DURATION_FORM))
                }
                Ok(d) => Ok(d),
                Err(reason) => Err(invalid(name, &text, &reason, DURATION_FORM)),
            }
        };

        let config = Config {
            addr: parse_addr(get("IOBENCH_ADDR").unwrap_or_else(|| ":8000".to_string()))?,
            redis_url: parse_redis_url(
                get("IOBENCH_REDIS").unwrap_or_else(|| "redis://127.0.0.1:6379/0".to_string()),
            )?,
            key: get("IOBENCH_KEY").unwrap_or_else(|| "test".to_string()),
            redis_timeout: duration_of("IOBENCH_REDIS_TIMEOUT", Duration::from_secs(1), true)?,
            redis_wait: duration_of("IOBENCH_REDIS_WAIT", Duration::from_secs(10), false)?,
            delay: duration_of("IOBENCH_DELAY", Duration::from_secs(3), false)?,
            delay_ratio: parse_ratio(get("IOBENCH_DELAY_RATIO"))?,
            delay_seed: parse_seed(get("IOBENCH_DELAY_SEED"))?,
        };
        Ok(config)
    }
}

/// Formats the error for an invalid variable.
fn invalid(name: &str, value: &str, reason: &str, form: &str) -> String {
    format!("invalid value {value:?} for {name}: {reason} (expected {form})")
}

/// Checks a "host:port" or ":port" address and turns ":port" into
/// "0.0.0.0:port", which is what Go's ":port" binds for IPv4.
fn parse_addr(text: String) -> Result<String, String> {
    const FORM: &str = "host:port such as 127.0.0.1:8000 or :8000";
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err(invalid("IOBENCH_ADDR", &text, "has no port", FORM));
    };
    if port.parse::<u16>().is_err() {
        return Err(invalid("IOBENCH_ADDR", &text, "has an invalid port", FORM));
    }
    if host.is_empty() {
        return Ok(format!("0.0.0.0:{port}"));
    }
    Ok(text)
}

/// Checks that the URL uses the redis:// scheme and that redis-rs accepts it.
fn parse_redis_url(text: String) -> Result<String, String> {
    let redacted = redact_url(&text);
    if !text.starts_with("redis://") {
        let reason = "the scheme must be redis://";
        return Err(invalid("IOBENCH_REDIS", &redacted, reason, REDIS_URL_FORM));
    }
    if let Err(err) = redis::Client::open(text.as_str()) {
        let reason = err.to_string();
        return Err(invalid("IOBENCH_REDIS", &redacted, &reason, REDIS_URL_FORM));
    }
    Ok(text)
}

/// Returns `url` with its password replaced by "xxxxx", for messages and
/// logs. The userinfo ends at the last '@', so a password containing '/'
/// or '#' is hidden too.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:xxxxx@{host}"),
        None => url.to_string(),
    }
}

/// Parses IOBENCH_DELAY_RATIO, a number from 0 (never delay) to 1 (always).
fn parse_ratio(text: Option<String>) -> Result<f64, String> {
    const FORM: &str = "a number from 0 to 1 such as 0.05";
    let Some(text) = text else {
        return Ok(0.05);
    };
    match text.trim().parse::<f64>() {
        Ok(ratio) if (0.0..=1.0).contains(&ratio) => Ok(ratio),
        Ok(_) => Err(invalid(
            "IOBENCH_DELAY_RATIO",
            &text,
            "is outside [0, 1]",
            FORM,
        )),
        Err(_) => Err(invalid(
            "IOBENCH_DELAY_RATIO",
            &text,
            "is not a number",
            FORM,
        )),
    }
}

/// Parses IOBENCH_DELAY_SEED, a signed 64-bit integer as in Go.
fn parse_seed(text: Option<String>) -> Result<i64, String> {
    let Some(text) = text else {
        return Ok(0);
    };
    text.parse::<i64>().map_err(|_| {
        invalid(
            "IOBENCH_DELAY_SEED",
            &text,
            "is not an integer",
            "a 64-bit integer, 0 for random",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_with(pairs: &[(&str, &str)]) -> Result<Config, String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_match_go_service() {
        let config = config_with(&[]).unwrap();
        assert_eq!(config.addr, "0.0.0.0:8000");
        assert_eq!(config.redis_url, "redis://127.0.0.1:6379/0");
        assert_eq!(config.key, "test");
        assert_eq!(config.redis_timeout, Duration::from_secs(1));
        assert_eq!(config.delay, Duration::from_secs(3));
        assert_eq!(config.delay_ratio, 0.05);
        assert_eq!(config.delay_seed, 0);
    }

    #[test]
    fn redact_hides_password() {
        assert_eq!(redact_url("redis://u:p/a#b@h:1/0"), "redis://u:xxxxx@h:1/0");
        assert_eq!(redact_url("redis://:pw@h/0"), "redis://:xxxxx@h/0");
        assert_eq!(redact_url("redis://u@h:1/0"), "redis://u@h:1/0");
        assert_eq!(redact_url("redis://h:1/0"), "redis://h:1/0");
    }

    #[test]
    fn errors_name_variable_and_value() {
        let cases = [
            ("IOBENCH_DELAY", "3"),
            ("IOBENCH_REDIS_TIMEOUT", "0"),
            ("IOBENCH_DELAY_RATIO", "1.5"),
            ("IOBENCH_DELAY_SEED", "x"),
            ("IOBENCH_REDIS", "http://127.0.0.1:6379"),
            ("IOBENCH_ADDR", "8000"),
        ];
        for (name, value) in cases {
            let err = config_with(&[(name, value)]).unwrap_err();
            assert!(err.contains(name), "error {err:?} does not name {name}");
            assert!(
                err.contains(&format!("{value:?}")),
                "error {err:?} does not quote {value:?}"
            );
        }
    }
}
