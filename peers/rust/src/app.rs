//! HTTP routes of the peer: GET/HEAD /test, GET/HEAD /healthz, 404 and 405,
//! with the same status codes, bodies and headers as the Go service.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode};
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
        return method_not_allowed(&method);
    }
    let mut conn = app.redis.clone();
    let read =
        tokio::time::timeout(app.redis_timeout, conn.get::<_, Option<Vec<u8>>>(&app.key)).await;
    let mut response = match read {
        Ok(Ok(Some(value))) => text(StatusCode::OK, value),
        Ok(Ok(None)) => text(
            StatusCode::NOT_FOUND,
            format!("key {:?} not found in Redis\n", app.key),
        ),
        Ok(Err(err)) => text(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "redis get {:?} failed: {}\n",
                app.key,
                one_line(&err.to_string())
            ),
        ),
        Err(_) => text(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "redis get {:?} timed out after {:?}\n",
                app.key, app.redis_timeout
            ),
        ),
    };
    if let Some(wait) = app.delayer.draw() {
        tokio::time::sleep(wait).await;
        response
            .headers_mut()
            .insert("x-delayed", HeaderValue::from_static("true"));
    }
    response
}

/// GET/HEAD /healthz: 200 "ok" when Redis answers PING, 503 otherwise.
async fn health(State(app): State<Arc<App>>, method: Method) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return method_not_allowed(&method);
    }
    let mut conn = app.redis.clone();
    let ping = tokio::time::timeout(
        app.redis_timeout,
        redis::cmd("PING").query_async::<String>(&mut conn),
    )
    .await;
    match ping {
        Ok(Ok(_)) => text(StatusCode::OK, "ok\n"),
        Ok(Err(err)) => text(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("redis ping failed: {}\n", one_line(&err.to_string())),
        ),
        Err(_) => text(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("redis ping timed out after {:?}\n", app.redis_timeout),
        ),
    }
}

/// Any other path: 404.
async fn not_found() -> Response {
    text(StatusCode::NOT_FOUND, "404 page not found\n")
}

/// 405 with `Allow: GET, HEAD`.
fn method_not_allowed(method: &Method) -> Response {
    let mut response = text(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method {method} not allowed, use GET or HEAD\n"),
    );
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

/// Joins a multi-line error message into one line for a response body.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
