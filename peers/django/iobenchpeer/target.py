"""Request-target checks and the 404 body, byte for byte those of the Go
service, which routes on the target as the client sent it.
"""

import urllib.parse

# How many bytes of a request path a 404 body repeats.
MAX_ECHOED_PATH = 64
# Characters of a path that percent-encoding leaves as they are (RFC 3986).
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_C_ESCAPES = {0x07: "\\a", 0x08: "\\b", 0x0C: "\\f", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x0B: "\\v"}


def raw_target(environ):
    """Return the request target as sent, as bytes.

    gunicorn passes it in RAW_URI and some servers in REQUEST_URI, both
    decoded as Latin-1. Other servers only give the percent-decoded
    PATH_INFO, which is encoded again, so "/%74est" comes back as "/test".
    """
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return raw.encode("latin-1")
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    quoted = urllib.parse.quote(path.encode("latin-1"), safe=_PATH_SAFE)
    return (quoted + ("?" + query if query else "")).encode("latin-1")


def request_path(target):
    """Return the path of target: the part before any "?", without the
    scheme and host of an absolute-form target ("http://host/test").
    """
    target = target.split(b"?", 1)[0]
    if not target or target.startswith(b"/"):
        return target
    scheme_end = target.find(b"://")
    if scheme_end < 0:
        return target
    rest = target[scheme_end + 3:]
    slash = rest.find(b"/")
    return rest[slash:] if slash >= 0 else b""


def valid_target(method, target):
    """Report whether the Go service would accept target: no control
    bytes, every "%" starting a two-digit hex escape, and an origin-form
    or absolute-form target, or "*" with OPTIONS.
    """
    if any(b < 0x20 or b == 0x7F for b in target):
        return False
    if target == b"*":
        return method == "OPTIONS"
    if not target.startswith(b"/") and b"://" not in target:
        return False
    i = 0
    while i < len(target):
        if target[i] == ord("%"):
            escape = target[i + 1:i + 3]
            if len(escape) != 2 or not all(chr(c) in "0123456789abcdefABCDEF" for c in escape):
                return False
            i += 2
        i += 1
    return True


def not_found_body(path):
    """Return the 404 body for path (bytes): its first 64 bytes, then
    "..." when it is longer, with the escapes of Go's
    strconv.QuoteToASCII, so the body is one line of printable ASCII.
    """
    more = ""
    if len(path) > MAX_ECHOED_PATH:
        path, more = path[:MAX_ECHOED_PATH], "..."
    return f"not found: {quote_to_ascii(path)}{more}: this server serves /test and /healthz\n"


def quote_to_ascii(data):
    """Escape bytes as Go's strconv.QuoteToASCII does, without the quotes."""
    out = []
    i = 0
    while i < len(data):
        char, width = _decode_rune(data, i)
        if char is None:
            out.append(f"\\x{data[i]:02x}")
        else:
            out.append(_escape(ord(char)))
        i += width
    return "".join(out)


def _decode_rune(data, i):
    lead = data[i]
    if lead < 0x80:
        width = 1
    elif 0xC2 <= lead <= 0xDF:
        width = 2
    elif 0xE0 <= lead <= 0xEF:
        width = 3
    elif 0xF0 <= lead <= 0xF4:
        width = 4
    else:
        return None, 1
    try:
        # Python's strict UTF-8 decoder rejects overlong forms and
        # surrogates, as Go's utf8.DecodeRune does.
        return data[i:i + width].decode("utf-8"), width
    except UnicodeDecodeError:
        return None, 1


def _escape(code):
    if code == ord('"'):
        return '\\"'
    if code == ord("\\"):
        return "\\\\"
    if code in _C_ESCAPES:
        return _C_ESCAPES[code]
    if 0x20 <= code < 0x7F:
        return chr(code)
    if code < 0x80:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
