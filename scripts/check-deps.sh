#!/bin/sh
# Called by make before building: are sonde's build dependencies present?
# If not, install them as root, or say exactly what to run.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
missing=""

need_cmd() { command -v "$1" >/dev/null 2>&1 || missing="$missing $1"; }
need_pc() { pkg-config --exists "$1" 2>/dev/null || missing="$missing $1"; }

need_cmd clang
need_cmd g++
need_cmd bpftool
need_cmd pkg-config
need_cmd jq
# The tests' needs: pgrep, gcc -m32 (gcc-multilib), go.
need_cmd pgrep
need_cmd go
[ -e /usr/lib32/crt1.o ] || missing="$missing gcc-multilib"
# The services test_services.sh traces: PostgreSQL (server and pgbench),
# redis, nginx, and the load generators.
pg=""
for f in /usr/lib/postgresql/*/bin/pgbench; do
	[ -x "$f" ] && [ -x "${f%/pgbench}/postgres" ] && pg=$f
done
[ -n "$pg" ] || missing="$missing postgresql"
need_cmd redis-server
need_cmd redis-benchmark
[ -x /usr/sbin/nginx ] || missing="$missing nginx"
need_cmd wrk
need_cmd curl
# Tests of what real code looks like: a CPU hog, a debuginfod server, Rust,
# jemalloc, a private mount namespace.
need_cmd stress-ng
need_cmd debuginfod
need_cmd eu-readelf
need_cmd rustc
need_cmd unshare
# The Prometheus tests: a real server and promtool; protoc-c builds the exposition format.
need_cmd prometheus
need_cmd promtool
need_cmd protoc-c
# The pictures' tests: SVG checked by xmllint, HTML opened in headless Chromium.
need_cmd xmllint
need_cmd chromium
# test_trend.sh reads --csv back with Python's csv module (an RFC 4180 reader).
[ -x /usr/bin/python3 ] || missing="$missing python3"
[ -e /usr/include/jemalloc/jemalloc.h ] || missing="$missing libjemalloc-dev"
[ -e /usr/include/libiberty/demangle.h ] || missing="$missing libiberty-dev"
if command -v pkg-config >/dev/null 2>&1; then
	need_pc libelf
	need_pc zlib
	need_pc cmocka
	need_pc jansson
	need_pc capstone
	need_pc libdebuginfod
	need_pc libmicrohttpd
	need_pc libprotobuf-c
	pkg-config --atleast-version=1.4 libbpf 2>/dev/null || missing="$missing libbpf>=1.4"
fi
[ -z "$missing" ] && exit 0

echo "sonde: missing build dependencies:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "sonde: run as root: sudo $here/install-deps.sh" >&2
	exit 2
fi
echo "sonde: installing them with $here/install-deps.sh" >&2
exec "$here/install-deps.sh"
