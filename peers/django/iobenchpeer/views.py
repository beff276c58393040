"""Views of the peer: GET/HEAD /test and /healthz, and the 404 and 500 pages.

Status codes, bodies and headers are those of the Go service.
"""

import json
import logging
import os
import threading
import time

import redis
from django.http import HttpResponse

from iobenchpeer import config, target
from iobenchpeer.delay import Delayer, worker_seed

CONTENT_TYPE = "text/plain; charset=utf-8"
ALLOWED = ("GET", "HEAD")
# The Go service's bodies for requests it rejects before routing.
BAD_REQUEST_BODY = "400 Bad Request"
VERSION_BODY = "505 HTTP Version Not Supported: unsupported protocol version"

log = logging.getLogger("iobenchpeer")


class ErrorLimiter:
    """Log at most one Redis error per second with the count of errors left
    out since the previous line, so an outage under load does not flood the
    log.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._next = 0.0
        self._suppressed = 0

    def log(self, action, key, err):
        """Log err of action on key, or count it."""
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                self._suppressed += 1
                return
            self._next = now + 1.0
            suppressed, self._suppressed = self._suppressed, 0
        log.warning(
            "redis request failed: action=%s key=%r err=%s suppressed_since_last=%d",
            action, key, " ".join(str(err).split()), suppressed,
        )


class _Worker:
    """Per-process state: settings, connection pool and delayer."""

    def __init__(self):
        self.pid = os.getpid()
        self.config = config.from_env(os.environ)
        cfg = self.config
        # One pool per worker process. Under the gevent worker the socket
        # module is monkey-patched before this runs, so reads are cooperative.
        # A command that fails on a dead connection (Redis restarted) is
        # retried once on a new one; a timeout is not retried.
        pool = redis.ConnectionPool.from_url(
            cfg.redis_url,
            socket_timeout=cfg.redis_timeout,
            socket_connect_timeout=cfg.redis_timeout,
            retry_on_error=[redis.ConnectionError],
        )
        self.redis = redis.Redis(connection_pool=pool)
        worker_id = int(os.environ.get("IOBENCH_WORKER_ID") or 0)
        self.delayer = Delayer(cfg.delay, cfg.delay_ratio, worker_seed(cfg.delay_seed, worker_id))
        self.missing_body = f"key {json.dumps(cfg.key, ensure_ascii=False)} not found in Redis\n"
        self.errors = ErrorLimiter()
        log.info(
            "pid %d serving key %r from %s, redis timeout %ss, delay %ss ratio %s seed %d (worker %d)",
            os.getpid(), cfg.key, config.redact_url(cfg.redis_url), cfg.redis_timeout,
            cfg.delay, cfg.delay_ratio, self.delayer.seed, worker_id,
        )


_worker = None
_worker_lock = threading.Lock()


def worker():
    """Return this process's state, created on first use after the fork."""
    global _worker
    if _worker is None or _worker.pid != os.getpid():
        with _worker_lock:
            if _worker is None or _worker.pid != os.getpid():
                _worker = _Worker()
    return _worker


def text(request, status, body, headers=None):
    """Return a text/plain response. A HEAD response keeps the
    Content-Length of body and sends none, because gunicorn would send it.
    """
    data = body if isinstance(body, bytes) else body.encode()
    response = HttpResponse(b"" if request.method == "HEAD" else data, status=status, content_type=CONTENT_TYPE)
    response["Content-Length"] = str(len(data))
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def not_allowed(request):
    """Return 405 with Allow: GET, HEAD."""
    return text(request, 405, "method not allowed: use GET or HEAD\n", {"Allow": ", ".join(ALLOWED)})


def unavailable(request, err):
    """Return 503 with the Redis error on one line."""
    return text(request, 503, f"redis unavailable: {' '.join(str(err).split())}\n")


def dispatch(request):
    """Route one request as the Go service does: on the request target as
    the client sent it, with no percent-decoding and no normalisation, so
    /%74est and //test get 404. The HTTP version comes first (505 unless
    1.x), then the target's validity (400), the path (404) and the method
    (405).
    """
    environ = request.META
    method = request.method
    if not environ.get("SERVER_PROTOCOL", "HTTP/1.1").startswith("HTTP/1."):
        return text(request, 505, VERSION_BODY)
    target_bytes = target.raw_target(environ)
    if not target.valid_target(method, target_bytes):
        return text(request, 400, BAD_REQUEST_BODY, {"Connection": "close"})
    path = target.request_path(target_bytes)
    view = ROUTES.get(path)
    if view is None:
        return text(request, 404, target.not_found_body(path))
    if method not in ALLOWED:
        return not_allowed(request)
    return view(request)


def serve_key(request):
    """GET/HEAD /test: 200 with the value, 404 when the key is missing, 503
    on a Redis error or timeout. A delayed request waits before the Redis
    read, as in the Go service's delay middleware, and its response carries
    X-Delayed: true.
    """
    state = worker()
    wait = state.delayer.draw()
    if wait is not None:
        time.sleep(wait)
    try:
        value = state.redis.get(state.config.key)
    except (redis.RedisError, OSError) as err:
        state.errors.log("GET", state.config.key, err)
        response = unavailable(request, err)
    else:
        if value is None:
            response = text(request, 404, state.missing_body)
        else:
            response = text(request, 200, value)
    if wait is not None:
        response["X-Delayed"] = "true"
    return response


def health(request):
    """GET/HEAD /healthz: 200 "ok" when Redis replies to PING, else 503."""
    state = worker()
    try:
        state.redis.ping()
    except (redis.RedisError, OSError) as err:
        state.errors.log("PING", state.config.key, err)
        return unavailable(request, err)
    return text(request, 200, "ok\n")


ROUTES = {b"/test": serve_key, b"/healthz": health}


def not_found(request, exception=None):
    """Route a request that Django's resolver rejected, such as one for
    "*" or "test", whose path does not start with "/".
    """
    return dispatch(request)


def server_error(request):
    """Return 500 for an unhandled exception, which django.request logs."""
    return text(request, 500, "internal server error\n")
