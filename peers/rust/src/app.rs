//! HTTP routes of the peer: GET/HEAD /test, GET/HEAD /healthz, 404 and 405,
//! with the same status codes, bodies and headers as the Go service.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
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
}

/// Builds the router over `app`.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/test", any(serve_key))
        .route("/healthz", any(health))
        .fallback(not_found)
        .with_state(app)
}

/// GET/HEAD /test: 200 with the value, 404 when the key is missing, 503 on a
/// Redis error or timeout. A delayed response waits after the Redis read
/// and carries `X-Delayed: true`. axum drops the body of a HEAD response
/// and keeps its Content-Length.
async fn serve_key(State(app): State<Arc<App>>, method: Method) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return method_not_allowed();
    }
    let read = tokio::time::timeout(app.redis_timeout, get_value(&app)).await;
    let mut response = match read {
        Ok(Ok(Some(value))) => text(StatusCode::OK, value),
        Ok(Ok(None)) => text(
            StatusCode::NOT_FOUND,
            format!("key {:?} not found in Redis\n", app.key),
        ),
        Ok(Err(err)) => unavailable(&err.to_string()),
        Err(_) => unavailable(&format!(
            "GET {:?} timed out after {:?}",
            app.key, app.redis_timeout
        )),
    };
    if let Some(wait) = app.delayer.draw() {
        tokio::time::sleep(wait).await;
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

/// GET/HEAD /healthz: 200 "ok" when Redis answers PING, 503 otherwise.
async fn health(State(app): State<Arc<App>>, method: Method) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return method_not_allowed();
    }
    let mut conn = app.redis.clone();
    let ping = tokio::time::timeout(
        app.redis_timeout,
        redis::cmd("PING").query_async::<String>(&mut conn),
    )
    .await;
    match ping {
        Ok(Ok(_)) => text(StatusCode::OK, "ok\n"),
        Ok(Err(err)) => unavailable(&err.to_string()),
        Err(_) => unavailable(&format!("PING timed out after {:?}", app.redis_timeout)),
    }
}

/// Any other path: 404 naming the path.
async fn not_found(uri: Uri) -> Response {
    let body = format!(
        "not found: {}: this server serves /test and /healthz\n",
        uri.path()
    );
    text(StatusCode::NOT_FOUND, body)
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

/// Builds the 503 response for a failed Redis call.
fn unavailable(error: &str) -> Response {
    let body = format!("redis unavailable: {}\n", one_line(error));
    text(StatusCode::SERVICE_UNAVAILABLE, body)
}

/// Joins a multi-line error message into one line for a response body.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
