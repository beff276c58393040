"""Read the peer's settings from the IOBENCH_* environment variables.

The names, defaults and duration syntax are those of the Go service, so one
environment configures every stack the same way.
"""

import json
import re
import urllib.parse
from dataclasses import dataclass

REDIS_URL_FORM = "redis://[user:password@]host:port/db"
DURATION_FORM = "a Go duration such as 3s, 250ms or 1m30s"

# Units of Go's time.ParseDuration in nanoseconds. "µs" is U+00B5 (micro
# sign) and "μs" is U+03BC (Greek mu); Go accepts both.
_UNITS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,
    "\u03bcs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_COMPONENT = re.compile(r"(\d*)(?:\.(\d*))?([^\d.]*)")
_MAX_NANOS = 2**63 - 1


class ConfigError(ValueError):
    """An environment variable has an invalid value."""


@dataclass(frozen=True)
class Config:
    """Settings of the Django peer; an unset or empty variable takes the default."""

    redis_url: str = "redis://127.0.0.1:6379/0"  # IOBENCH_REDIS
    key: str = "test"  # IOBENCH_KEY
    redis_timeout: float = 1.0  # IOBENCH_REDIS_TIMEOUT, seconds, above 0
    delay: float = 3.0  # IOBENCH_DELAY, seconds
    delay_ratio: float = 0.05  # IOBENCH_DELAY_RATIO, from 0 to 1
    delay_seed: int = 0  # IOBENCH_DELAY_SEED, 0 picks a random seed


def parse_go_duration(text):
    """Return the seconds of a non-negative duration in Go's syntax.

    A bare "0" is zero, as in Go. Raises ValueError with the reason.
    """
    rest = text[1:] if text.startswith("+") else text
    if rest.startswith("-"):
        raise ValueError("must not be negative")
    if rest == "0":
        return 0.0
    if not rest:
        raise ValueError("is empty")
    nanos = 0
    while rest:
        whole, fraction, unit = _COMPONENT.match(rest).groups()
        fraction = fraction or ""
        if not whole and not fraction:
            raise ValueError("has no number before a unit")
        if not unit:
            raise ValueError("is missing a unit (ns, us, ms, s, m or h)")
        if unit not in _UNITS:
            raise ValueError(f"has unknown unit {unit!r} (use ns, us, ms, s, m or h)")
        scale = _UNITS[unit]
        nanos += int(whole or "0") * scale
        # Go truncates the fraction to whole nanoseconds.
        if fraction:
            nanos += int(fraction) * scale // 10 ** len(fraction)
        if nanos > _MAX_NANOS:
            raise ValueError("is too large (the maximum is about 2562047h)")
        rest = rest[_COMPONENT.match(rest).end():]
    return nanos / 1e9


def _invalid(name, value, reason, form):
    # json.dumps quotes the value in double quotes, as the Go service does.
    quoted = json.dumps(value, ensure_ascii=False)
    return ConfigError(f"invalid value {quoted} for {name}: {reason} (expected {form})")


def _duration(env, name, default, positive):
    text = env.get(name) or ""
    if not text:
        return default
    try:
        seconds = parse_go_duration(text)
    except ValueError as err:
        raise _invalid(name, text, str(err), DURATION_FORM) from None
    if positive and seconds == 0:
        raise _invalid(name, text, "must be above 0", DURATION_FORM)
    return seconds


def redact_url(url):
    """Return url with its password replaced by xxxxx, for messages and logs.

    The userinfo ends at the last "@", so a password containing "/" or "#"
    is hidden too.
    """
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:xxxxx@{host}"


def _redis_url(env):
    text = env.get("IOBENCH_REDIS") or Config.redis_url

    def invalid(reason):
        return _invalid("IOBENCH_REDIS", redact_url(text), reason, REDIS_URL_FORM)

    parts = urllib.parse.urlsplit(text)
    if parts.scheme != "redis":
        raise invalid("the scheme must be redis://")
    try:
        parts.port
    except ValueError:
        raise invalid("the port is not a number from 0 to 65535") from None
    if not parts.hostname:
        raise invalid("the host is missing")
    db = parts.path.lstrip("/")
    if db and not db.isdigit():
        raise invalid("the database is not a number")
    return text


def _ratio(env):
    text = env.get("IOBENCH_DELAY_RATIO") or ""
    if not text:
        return Config.delay_ratio
    form = "a number from 0 to 1 such as 0.05"
    try:
        ratio = float(text)
    except ValueError:
        raise _invalid("IOBENCH_DELAY_RATIO", text, "is not a number", form) from None
    if not 0 <= ratio <= 1:
        raise _invalid("IOBENCH_DELAY_RATIO", text, "is outside [0, 1]", form)
    return ratio


def _seed(env):
    text = env.get("IOBENCH_DELAY_SEED") or ""
    if not text:
        return 0
    form = "a 64-bit integer, 0 for random"
    if not re.fullmatch(r"[+-]?\d+", text) or not -(2**63) <= int(text) < 2**63:
        raise _invalid("IOBENCH_DELAY_SEED", text, "is not a 64-bit integer", form)
    return int(text)


def from_env(env):
    """Build the Config from a mapping such as os.environ.

    Raises ConfigError naming the variable, its value and the expected form.
    """
    return Config(
        redis_url=_redis_url(env),
        key=env.get("IOBENCH_KEY") or Config.key,
        redis_timeout=_duration(env, "IOBENCH_REDIS_TIMEOUT", Config.redis_timeout, True),
        delay=_duration(env, "IOBENCH_DELAY", Config.delay, False),
        delay_ratio=_ratio(env),
        delay_seed=_seed(env),
    )
