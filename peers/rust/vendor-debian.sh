#!/usr/bin/env bash
# Builds the Rust peer without crates.io: fetches the librust-*-dev packages
# of axum, redis and tokio and all the librust packages they depend on from
# Debian unstable, unpacks them, and builds offline against them through
# cargo source replacement.
#
# The system apt configuration is left alone: apt runs with a private
# configuration, sources.list, state and cache under the build folder.
#
# Usage: peers/rust/vendor-debian.sh [--no-build]
#   --no-build  fetch and unpack the crates and write the cargo config only
# Environment:
#   IOBENCH_RUST_BUILD_DIR  build folder (default: peers/rust/build)
#   IOBENCH_DEBIAN_MIRROR   Debian mirror (default: http://deb.debian.org/debian)
# Needs: apt-get, apt-cache, dpkg-deb, cargo, and Debian's archive keyring
# (package debian-archive-keyring). peers/install.sh installs them.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${IOBENCH_RUST_BUILD_DIR:-$here/build}
mirror=${IOBENCH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
# Debian packages of the crates named in Cargo.toml's [dependencies].
crate_packages=(librust-axum-dev librust-redis-dev librust-tokio-dev)

no_build=0
for arg in "$@"; do
	case $arg in
	--no-build) no_build=1 ;;
	-h | --help)
		sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "$0"
		exit 0
		;;
	*)
		echo "vendor-debian.sh: unknown argument '$arg' (expected --no-build or --help)" >&2
		exit 2
		;;
	esac
done

fail() {
	echo "vendor-debian.sh: $*" >&2
	exit 1
}

for tool in apt-get apt-cache dpkg-deb dpkg; do
	command -v "$tool" >/dev/null || fail "$tool not found: this script needs a Debian or Ubuntu system"
done
[ -r "$keyring" ] || fail "$keyring not found: install it with 'apt-get install debian-archive-keyring'"
# rustup installs cargo in ~/.cargo/bin, which a sudo or CI PATH may lack.
PATH=$PATH:$HOME/.cargo/bin
if [ "$no_build" = 0 ]; then
	command -v cargo >/dev/null || fail "cargo not found: install Rust 1.80 or newer (rustup, or 'apt-get install cargo' where it is that recent)"
fi

apt_dir=$build/apt
debs=$build/debs
root=$build/debian-root
registry=$root/usr/share/cargo/registry
cargo_config=$build/cargo-config.toml

# Private apt configuration. APT_CONFIG is read before anything else, so the
# Dir::Etc settings below also keep apt from reading /etc/apt.
write_apt_config() {
	mkdir -p "$apt_dir"/{etc/apt.conf.d,etc/sources.list.d,etc/preferences.d,etc/trusted.gpg.d} \
		"$apt_dir"/state/lists/partial "$apt_dir"/cache/archives/partial
	: >"$apt_dir/state/status"
	: >"$apt_dir/etc/apt.conf"
	echo "deb [signed-by=$keyring] $mirror unstable main" >"$apt_dir/etc/sources.list"
	cat >"$apt_dir/apt.conf" <<CONF
Dir::Etc "$apt_dir/etc";
Dir::Etc::Main "apt.conf";
Dir::Etc::Parts "apt.conf.d";
Dir::Etc::SourceList "sources.list";
Dir::Etc::SourceParts "sources.list.d";
Dir::Etc::Preferences "preferences";
Dir::Etc::PreferencesParts "preferences.d";
Dir::Etc::TrustedParts "trusted.gpg.d";
Dir::State "$apt_dir/state";
Dir::State::status "$apt_dir/state/status";
Dir::Cache "$apt_dir/cache";
APT::Architecture "$(dpkg --print-architecture)";
APT::Architectures { "$(dpkg --print-architecture)"; };
APT::Sandbox::User "$(id -un)";
Acquire::Languages "none";
Acquire::Retries "3";
CONF
	# Carry over the host's proxy and Release-file date checks, so the
	# private apt reaches the mirror the same way the system apt does.
	env -u APT_CONFIG apt-config dump |
		grep -iE '^Acquire::(Check-Valid-Until|Check-Date|Retries|https?::Proxy)( |::)' \
			>>"$apt_dir/apt.conf" || true
}

# Prints the real librust-*-dev packages that the crate packages need,
# directly or through other librust packages. Virtual package names (shown
# in angle brackets) and non-Rust dependencies are dropped.
dependency_closure() {
	apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances "${crate_packages[@]}" |
		grep -E '^librust-[a-z0-9.+-]+$' | sort -u
}

# Downloads the packages named on stdin into $debs. apt-get download skips
# a file that is already there with the expected checksum. One apt-get
# pipelines the requests; parallel ones were twice as slow here.
download() {
	(cd "$debs" && xargs apt-get download -q=2) || fail "apt-get download failed (see above); rerun to retry"
}

write_apt_config
export APT_CONFIG=$apt_dir/apt.conf

echo "vendor-debian.sh: apt-get update ($mirror unstable, private state in $apt_dir)"
apt-get update -q=1 >/dev/null || fail "apt-get update from $mirror failed (see above)"

packages=$(dependency_closure)
count=$(echo "$packages" | grep -c .)
[ "$count" -gt 0 ] || fail "no librust packages found for ${crate_packages[*]}"
for pkg in "${crate_packages[@]}"; do
	echo "$packages" | grep -qx "$pkg" || fail "$pkg is not in Debian unstable any more: build from crates.io instead"
done
mkdir -p "$debs"
echo "$packages" >"$build/packages.txt"
# --print-uris lists 'URL' FILE SIZE HASH for each package without fetching.
# It leaves out files already in the current folder, so run it elsewhere.
(cd "$apt_dir" && apt-get download --print-uris $packages) | awk '{print $2}' >"$build/files.txt"
[ "$(grep -c . "$build/files.txt")" = "$count" ] ||
	fail "apt-get download --print-uris listed $(grep -c . "$build/files.txt") files for $count packages"
echo "vendor-debian.sh: downloading $count librust packages into $debs"
echo "$packages" | download

# Unpack only the files of the current versions into a fresh tree, so that
# packages left from an earlier run cannot shadow them.
echo "vendor-debian.sh: unpacking into $root"
rm -rf "$root"
mkdir -p "$root"
while read -r file; do
	[ -f "$debs/$file" ] || fail "downloaded file $file not found in $debs"
	dpkg-deb -x "$debs/$file" "$root"
done <"$build/files.txt"

# Debian's .cargo-checksum.json files list no files and carry a placeholder
# package checksum, which cargo accepts and copies into Cargo.lock.
cat >"$cargo_config" <<CONF
# Written by vendor-debian.sh: build against Debian's unpacked crates.
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "$registry"
CONF
echo "vendor-debian.sh: wrote $cargo_config"

if [ "$no_build" = 1 ]; then
	echo "vendor-debian.sh: build with: cargo build --release --offline --config $cargo_config"
	exit 0
fi

# A Cargo.lock made from crates.io has other versions and checksums than
# the Debian crates, so let cargo lock again from the Debian folder.
cd "$here"
if [ -f Cargo.lock ] && ! grep -q 'checksum = "Could not get crate checksum"' Cargo.lock; then
	echo "vendor-debian.sh: moving the crates.io Cargo.lock to Cargo.lock.crates-io"
	mv Cargo.lock Cargo.lock.crates-io
fi
cargo build --release --offline --config "$cargo_config"
echo "vendor-debian.sh: built $here/target/release/iobench-rust"
