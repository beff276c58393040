#!/usr/bin/env bash
# Installs what the peers need on Debian or Ubuntu, then builds the Rust
# peer. Safe to run again: installed packages are skipped, and the Rust
# build is skipped when its binary is newer than Cargo.toml, build.rs and
# src/ (delete the binary to force a rebuild).
#
#   Django peer: python3-django, gunicorn, python3-gevent, python3-redis
#                from apt, used through /usr/bin/python3
#   Rust peer:   debian-archive-keyring from apt, then
#                peers/rust/vendor-debian.sh, which fetches Debian
#                unstable's librust-*-dev packages with a private apt
#                configuration and builds with cargo --offline
#
# Usage: peers/install.sh [--no-rust | --crates-io]
#   --no-rust    install the Django peer's packages only
#   --crates-io  build the Rust peer from crates.io (cargo build --release)
#                instead of Debian's packages
# Run it as root, or as a user with sudo, which apt-get then runs through.
# The Rust peer is built as the user who ran the script (SUDO_USER under
# sudo). That user's cargo, 1.80 or newer, must be on PATH or in
# ~/.cargo/bin.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
rust=debian
case ${1:-} in
"") ;;
--no-rust) rust=none ;;
--crates-io) rust=crates-io ;;
-h | --help)
	sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "$0"
	exit 0
	;;
*)
	echo "install.sh: unknown argument '$1' (expected --no-rust, --crates-io or --help)" >&2
	exit 2
	;;
esac

fail() {
	echo "install.sh: $*" >&2
	exit 1
}

command -v apt-get >/dev/null || fail "apt-get not found: this script supports Debian and Ubuntu"
as_root=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || fail "run as root, or install sudo"
	as_root=(sudo)
fi

# Install only the packages that are missing, so a second run needs no
# network and no apt-get update.
packages=(python3-django gunicorn python3-gevent python3-redis)
if [ "$rust" = debian ]; then
	packages+=(debian-archive-keyring)
fi
missing=()
for pkg in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "install.sh: installing ${missing[*]}"
	"${as_root[@]}" apt-get update -q
	"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
else
	echo "install.sh: ${packages[*]} already installed"
fi
/usr/bin/python3 -c "import django, gunicorn, gevent, redis" ||
	fail "/usr/bin/python3 cannot import Django, gunicorn, gevent and redis-py after the install"

# Build the Rust peer as the user who ran the script, not as root.
as_user=()
if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
	as_user=(sudo -u "$SUDO_USER" -H)
fi
# rust_up_to_date reports whether the Rust peer's binary exists and is
# newer than Cargo.toml, build.rs and every file under src/, so a second
# run contacts no mirror and no registry.
rust_up_to_date() {
	local binary=$here/rust/target/release/iobench-rust
	[ -x "$binary" ] || return 1
	[ -z "$(find "$here/rust/Cargo.toml" "$here/rust/build.rs" "$here/rust/src" -newer "$binary" -print -quit)" ]
}
if [ "$rust" != none ] && rust_up_to_date; then
	echo "install.sh: the Rust peer is up to date ($here/rust/target/release/iobench-rust); skipping its build"
	rust=none-needed
fi
case $rust in
none) echo "install.sh: skipping the Rust peer (--no-rust)" ;;
none-needed) ;;
debian) "${as_user[@]}" "$here/rust/vendor-debian.sh" ;;
crates-io)
	"${as_user[@]}" bash -c 'PATH=$PATH:$HOME/.cargo/bin && cd "$1" && cargo build --release' _ "$here/rust"
	;;
esac
echo "install.sh: done"
