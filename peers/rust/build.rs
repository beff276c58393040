//! Records the versions of rustc, axum, redis and tokio in the binary, so
//! `iobench-rust --version` reports what it was built with whichever source
//! (crates.io or Debian's packages) supplied the crates.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=build.rs");

    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let rustc_version = Command::new(&rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.split_whitespace().nth(1).map(str::to_string))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=IOBENCH_RUSTC_VERSION={rustc_version}");

    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let lock = std::fs::read_to_string(format!("{manifest_dir}/Cargo.lock")).unwrap_or_default();
    for (krate, var) in [("axum", "AXUM"), ("redis", "REDIS"), ("tokio", "TOKIO")] {
        let version = locked_version(&lock, krate).unwrap_or_else(|| "unknown".to_string());
        println!("cargo:rustc-env=IOBENCH_{var}_VERSION={version}");
    }
}

/// Returns the version of package `name` in a Cargo.lock text: the
/// `version = "..."` line that follows `name = "<name>"`.
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let name_line = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    lines.find(|line| line.trim() == name_line)?;
    let version_line = lines.next()?.trim();
    let version = version_line
        .strip_prefix("version = \"")?
        .strip_suffix('"')?;
    Some(version.to_string())
}
