#!/bin/bash
# A real service: redis-server from Debian under redis-benchmark on loopback,
# untraced, traced by sonde lat on hot functions, and traced by bpftrace on
# the same functions with a hist() per function; interleaved rounds, medians.
# Prints a markdown fragment for bench/RESULTS.md on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/stats.sh

ROUNDS=${ROUNDS:-3}
REQS=${REDIS_REQS:-200000}
PORT=6399
SONDE=build/sonde
FUNCS="processCommand call lookupKey dictFind addReply"
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "${SRV:-}" ] && kill "$SRV" 2>/dev/null; rm -rf "$TMP"' EXIT

command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server redis-tools >/dev/null
BIN=$(realpath "$(command -v redis-server)")

redis-server --port $PORT --save "" --appendonly no --daemonize no >/dev/null 2>&1 &
SRV=$!
for _ in $(seq 50); do redis-cli -p $PORT ping >/dev/null 2>&1 && break; sleep 0.1; done

bpftrace_script() {
	local f
	for f in $FUNCS; do
		echo "uprobe:$BIN:$f /pid == $SRV/ { @s_$f[tid] = nsecs; }"
		echo "uretprobe:$BIN:$f /@s_$f[tid]/ { @h_$f = hist(nsecs - @s_$f[tid]); delete(@s_$f[tid]); }"
	done
}
bpftrace_script >"$TMP/redis.bt"

start() {
	: >"$TMP/log"
	case $1 in
	untraced) TR= ; return 0 ;;
	sonde)
		# shellcheck disable=SC2086 # one PROBE per function
		$SONDE lat -p $SRV $FUNCS >/dev/null 2>"$TMP/log" &
		TR=$! marker="sonde: tracing" ;;
	bpftrace) bpftrace "$TMP/redis.bt" >"$TMP/log" 2>&1 & TR=$! marker="Attaching" ;;
	esac
	for _ in $(seq 300); do grep -q "$marker" "$TMP/log" && break; sleep 0.1; done
	sleep 2
}

stop() {
	[ -n "$TR" ] || return 0
	kill -INT "$TR" 2>/dev/null || true
	wait "$TR" 2>/dev/null || true
}

declare -A RPS
for r in $(seq "$ROUNDS"); do
	for mode in untraced sonde bpftrace; do
		start $mode
		rps=$(redis-benchmark -p $PORT -t get,set -n "$REQS" -c 20 -q 2>/dev/null |
			awk '/requests per second/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) { s += $i; n++; break } } END { printf "%.0f", s / n }')
		stop
		RPS[$mode]="${RPS[$mode]:-} $rps"
		echo "  redis round $r $mode: $rps requests/s (mean of GET and SET)" >&2
	done
done

base=$(echo ${RPS[untraced]} | median)
echo "## A real service: redis-server (Debian) under redis-benchmark"
echo
echo "redis-benchmark -t get,set -n $REQS -c 20 on loopback; traced functions: $FUNCS"
echo "(each sonde probe site as \`sonde list -b $BIN\` shows it). $ROUNDS rounds, interleaved, medians."
echo
echo "| tracer | requests/s | × untraced | runs |"
echo "|---|---:|---:|---|"
for mode in untraced sonde bpftrace; do
	m=$(echo ${RPS[$mode]} | median)
	echo "| $mode | $m | $(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.2f", a / b }') | ${RPS[$mode]} |"
done
