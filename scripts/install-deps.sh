#!/bin/sh
# Install sonde's build and test dependencies from the distribution archive.
# Debian 12 needs bookworm-backports for libbpf >= 1.4 (uprobe_multi) and
# bpftool >= 7.4; Ubuntu >= 24.04 has them in its own archive.
set -eu

if [ "$(id -u)" -ne 0 ]; then
	echo "sonde: installing dependencies needs root; run: sudo $0" >&2
	exit 2
fi

. /etc/os-release
export DEBIAN_FRONTEND=noninteractive
PKGS="clang llvm jq libcapstone-dev libelf-dev zlib1g-dev libcmocka-dev pkg-config libjansson-dev make gcc g++"
# Debug symbols from separate files and debuginfod servers; C++/Rust demangling.
PKGS="$PKGS libdebuginfod-dev libiberty-dev"
# The Prometheus exporter: an HTTP server library, and protobuf-c for native
# histograms (protoc-c compiles user/out/prom_metrics.proto).
PKGS="$PKGS libmicrohttpd-dev libprotobuf-c-dev protobuf-c-compiler"
# For the tests: pgrep, a 32-bit toolchain (sonde must refuse 32-bit code),
# Go (return probes must not break its stacks).
PKGS="$PKGS procps gcc-multilib golang-go"
# Real services the tests trace (tests/integration/test_services.sh), and
# their load generators and clients.
PKGS="$PKGS postgresql redis-server redis-tools nginx wrk curl"
# Truth on real code (tests of issue 13): a CPU-bound neighbour, a debuginfod
# server and its tools, Rust, a program linked with jemalloc, unshare.
PKGS="$PKGS stress-ng debuginfod elfutils rustc libjemalloc-dev util-linux python3"
# A real Prometheus server (and promtool) scrapes sonde in the tests; the
# pictures' tests read SVG back (xmllint) and open HTML in a real browser.
PKGS="$PKGS prometheus libxml2-utils chromium"

case "${ID}:${VERSION_CODENAME:-}" in
debian:bookworm)
	list=/etc/apt/sources.list.d/bookworm-backports.list
	if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		echo "deb http://deb.debian.org/debian bookworm-backports main" >"$list"
	fi
	apt-get update -q
	apt-get install -y -q $PKGS
	apt-get install -y -q -t bookworm-backports libbpf-dev bpftool
	;;
ubuntu:*)
	apt-get update -q
	apt-get install -y -q $PKGS libbpf-dev
	apt-get install -y -q bpftool 2>/dev/null ||
		apt-get install -y -q linux-tools-common "linux-tools-$(uname -r)" || true
	;;
*)
	echo "sonde: unsupported distribution '$ID'; install: $PKGS libbpf-dev (>= 1.4) bpftool (>= 7.4)" >&2
	exit 2
	;;
esac
