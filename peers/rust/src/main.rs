//! iobench-rust: the Rust peer of iobench. It serves GET /test from Redis
//! with axum and redis-rs, delaying a share of requests like the Go service.
//!
//! Settings come from IOBENCH_* environment variables (see config.rs).
//! `iobench-rust --version` prints the versions it was built with, and
//! `iobench-rust --version axum` only the version of axum.

mod app;
mod config;
mod delay;
mod duration;
mod server;
mod target;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::config::Config;
use crate::delay::Delayer;

/// Versions recorded by build.rs, printed by --version.
const VERSIONS: &str = concat!(
    "iobench-rust ",
    env!("CARGO_PKG_VERSION"),
    " rustc=",
    env!("IOBENCH_RUSTC_VERSION"),
    " axum=",
    env!("IOBENCH_AXUM_VERSION"),
    " redis=",
    env!("IOBENCH_REDIS_VERSION"),
    " tokio=",
    env!("IOBENCH_TOKIO_VERSION"),
);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        [] => {}
        ["--version" | "-V"] => {
            println!("{VERSIONS}");
            return ExitCode::SUCCESS;
        }
        ["--version" | "-V", component] => return print_component_version(component),
        _ => {
            eprintln!(
                "iobench-rust: unexpected arguments {args:?}: settings come from IOBENCH_* environment variables; \
                 --version prints versions, --version NAME one of rustc, axum, redis, tokio"
            );
            return ExitCode::from(2);
        }
    }
    let config = match Config::from_lookup(|name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("iobench-rust: {err}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("iobench-rust: start the tokio runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("iobench-rust: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the version of one component named in VERSIONS, e.g. "axum".
fn print_component_version(component: &str) -> ExitCode {
    let prefix = format!("{component}=");
    match VERSIONS
        .split(' ')
        .find_map(|field| field.strip_prefix(&prefix))
    {
        Some(version) => {
            println!("{version}");
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("iobench-rust: unknown component {component:?} for --version (expected rustc, axum, redis or tokio)");
            ExitCode::from(2)
        }
    }
}

/// Connects to Redis, serves until SIGINT or SIGTERM, then lets in-flight
/// requests (delayed ones included) finish.
async fn run(config: Config) -> Result<(), String> {
    let redis_url = config::redact_url(&config.redis_url);
    let redis = connect(&config, &redis_url).await?;
    let listener = tokio::net::TcpListener::bind(&config.addr)
        .await
        .map_err(|err| {
            format!(
                "listen on {}: {err} (set IOBENCH_ADDR to a free host:port)",
                config.addr
            )
        })?;
    let local = listener
        .local_addr()
        .map_err(|err| format!("read the listen address: {err}"))?;
    eprintln!(
        "iobench-rust: listening on {local}, redis {} key {:?}, redis timeout {:?}, delay {:?} ratio {} seed {}",
        redis_url, config.key, config.redis_timeout, config.delay, config.delay_ratio, config.delay_seed
    );

    let state = Arc::new(app::App {
        redis,
        key: config.key.clone(),
        redis_timeout: config.redis_timeout,
        delayer: Delayer::new(config.delay_ratio, config.delay, config.delay_seed),
        errors: app::ErrorLimiter::new(),
    });
    server::serve(listener, app::router(state), shutdown_signal()).await;
    eprintln!("iobench-rust: stopped");
    Ok(())
}

/// Opens the multiplexed Redis connection, retrying until IOBENCH_REDIS_WAIT
/// has passed. The connection manager reconnects by itself afterwards.
/// `redis_url` is the URL with its password hidden, for messages.
async fn connect(config: &Config, redis_url: &str) -> Result<ConnectionManager, String> {
    let client = redis::Client::open(config.redis_url.as_str())
        .map_err(|err| format!("invalid IOBENCH_REDIS {redis_url:?}: {err}"))?;
    let manager_config = ConnectionManagerConfig::new()
        .set_connection_timeout(config.redis_timeout)
        .set_response_timeout(config.redis_timeout)
        .set_factor(100)
        .set_max_delay(1000)
        .set_number_of_retries(3);
    let deadline = Instant::now() + config.redis_wait;
    let mut attempt = 1;
    loop {
        let result = client
            .get_connection_manager_with_config(manager_config.clone())
            .await;
        match result {
            Ok(manager) => return Ok(manager),
            Err(err) if Instant::now() >= deadline => {
                return Err(format!(
                    "connect to Redis at {} failed for {:?}: {err} (start redis-server there or set IOBENCH_REDIS)",
                    redis_url, config.redis_wait
                ));
            }
            Err(err) => {
                eprintln!(
                    "iobench-rust: connect to Redis at {} (attempt {attempt}): {err}; retrying",
                    redis_url
                );
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(stream) => stream,
            Err(err) => {
                eprintln!(
                "iobench-rust: listen for SIGTERM: {err}; only SIGINT stops the server gracefully"
            );
                let _ = interrupt.await;
                return;
            }
        };
    tokio::select! {
        _ = interrupt => {}
        _ = terminate.recv() => {}
    }
    eprintln!("iobench-rust: shutting down, waiting for in-flight requests");
}
