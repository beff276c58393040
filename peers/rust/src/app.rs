//! HTTP routes of the peer: GET/HEAD /test, GET/HEAD /healthz, 404 and 405,
//! with the same status codes, bodies and headers as the Go service.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use redis::aio::ConnectionManager;
use redis::AsyncCommands;

use crate::delay::Delayer;

/// Shared state of the handlers.
pub struct App {
    /// Multiplexed connection that reconnects after Redis restarts.
    pub redis: ConnectionManager,
    /// Key served by /test.
    pub key: String,
    /// Bound on each Redis call; a slower call gives 503.
    pub redis_timeout: Duration,
    /// Picks the delayed requests.
    pub delayer: Delayer,
    /// Rate-limits the log lines of Redis errors.
    pub errors: ErrorLimiter,
}

/// Logs at most one Redis error per second, with the count of errors left
/// out since the previous line, so an outage under load does not flood
/// stderr.
pub struct ErrorLimiter {
    start: Instant,
    /// Milliseconds after `start` before which errors are only counted.
    next_ms: AtomicU64,
    suppressed: AtomicU64,
}

impl ErrorLimiter {
    /// Creates a limiter that logs the first error at once.
    pub fn new() -> ErrorLimiter {
        ErrorLimiter {
            start: Instant::now(),
            next_ms: AtomicU64::new(0),
            suppressed: AtomicU64::new(0),
        }
    }

    /// Logs `error` of `action` on `key`, or counts it.
    fn log(&self, action: &str, key: &str, error: &str) {
        let now_ms = self.start.elapsed().as_millis() as u64;
        let next_ms = self.next_ms.load(Ordering::Relaxed);
        let won = now_ms >= next_ms
            && self
                .next_ms
                .compare_exchange(next_ms, now_ms + 1000, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok();
        if !won {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let suppressed = self.suppressed.swap(0, Ordering::Relaxed);
        eprintln!(
            "iobench-rust: redis request failed: action={action} key={key:?} err={} suppressed_since_last={suppressed}",
            one_line(error)
        );
    }
}

/// Builds the router over `app`. Every request goes to `dispatch`, which
/// routes on the raw path, because axum's router would match
/// percent-decoded paths in some cases and the Go service matches none.
pub fn router(app: Arc<App>) -> Router {
    Router::new().fallback(dispatch).with_state(app)
}

/// Routes one request as the Go service does: on the request target's path
/// as the client sent it, with no percent-decoding and no normalisation, so
/// `/%74est` and `//test` get 404. An invalid target gets 400 (see
/// `valid_target`).
async fn dispatch(State(app): State<Arc<App>>, method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if !crate::target::valid_target(&method, path) {
        let mut response = text(StatusCode::BAD_REQUEST, "400 Bad Request");
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    if path != "/test" && path != "/healthz" {
        return text(
            StatusCode::NOT_FOUND,
            crate::target::not_found_body(path.as_bytes()),
        );
    }
    if method != Method::GET && method != Method::HEAD {
        return method_not_allowed();
    }
    if path == "/test" {
        serve_key(&app).await
    } else {
        health(&app).await
    }
}

/// GET/HEAD /test: 200 with the value, 404 when the key is missing, 503 on a
/// Redis error or timeout. A delayed request waits before the Redis read,
/// as in the Go service's delay middleware, and its response carries
/// `X-Delayed: true`. axum drops the body of a HEAD response and keeps its
/// Content-Length.
async fn serve_key(app: &App) -> Response {
    let wait = app.delayer.draw();
    if let Some(wait) = wait {
        tokio::time::sleep(wait).await;
    }
    let read = tokio::time::timeout(app.redis_timeout, get_value(app)).await;
    let mut response = match read {
        Ok(Ok(Some(value))) => text(StatusCode::OK, value),
        Ok(Ok(None)) => text(
            StatusCode::NOT_FOUND,
            format!("key {:?} not found in Redis\n", app.key),
        ),
        Ok(Err(err)) => unavailable(app, "GET", &err.to_string()),
        Err(_) => unavailable(
            app,
            "GET",
            &format!("timed out after {:?}", app.redis_timeout),
        ),
    };
    if wait.is_some() {
        response
            .headers_mut()
            .insert("x-delayed", HeaderValue::from_static("true"));
    }
    response
}

/// Reads the key. A command that fails on a dropped connection (Redis
/// restarted) is sent once more: the failure made the connection manager
/// reconnect, and the second try waits for the new connection.
async fn get_value(app: &App) -> redis::RedisResult<Option<Vec<u8>>> {
    let mut conn = app.redis.clone();
    match conn.get(&app.key).await {
        Err(err) if err.is_connection_dropped() || err.is_io_error() => conn.get(&app.key).await,
        result => result,
    }
}

/// GET/HEAD /healthz: 200 "ok" when Redis replies to PING, 503 otherwise.
async fn health(app: &App) -> Response {
    let mut conn = app.redis.clone();
    let ping = tokio::time::timeout(
        app.redis_timeout,
        redis::cmd("PING").query_async::<String>(&mut conn),
    )
    .await;
    match ping {
        Ok(Ok(_)) => text(StatusCode::OK, "ok\n"),
        Ok(Err(err)) => unavailable(app, "PING", &err.to_string()),
        Err(_) => unavailable(
            app,
            "PING",
            &format!("timed out after {:?}", app.redis_timeout),
        ),
    }
}

/// 405 with `Allow: GET, HEAD`.
fn method_not_allowed() -> Response {
    let body = "method not allowed: use GET or HEAD\n";
    let mut response = text(StatusCode::METHOD_NOT_ALLOWED, body);
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    response
}

/// Builds a text/plain response.
fn text(status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
    let content_type = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
    (status, content_type, body.into()).into_response()
}

/// Logs a failed Redis call and builds its 503 response.
fn unavailable(app: &App, action: &str, error: &str) -> Response {
    app.errors.log(action, &app.key, error);
    let body = format!("redis unavailable: {}\n", one_line(error));
    text(StatusCode::SERVICE_UNAVAILABLE, body)
}

/// Joins a multi-line error message into one line for a response body.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
