#!/bin/bash
# bench/tree.sh: what sonde lat --tree adds per traced call over plain sonde
# lat. As bench/run.sh's per-call comparison: every mode traces its own copy
# of tiny() in bench/interleave at once, so all are timed in the same
# stretches of time, each round starting the tracers afresh in another order
# (slots, bench/stats.sh). With SONDE_BASE=path, that sonde (one from before
# --tree) traces a copy too: what the frame's path id costs calls without it.
# Prints one line per round and the medians; writes no file. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/stats.sh

ROUNDS=${ROUNDS:-8}
CALLS=${CALLS:-200000}
SHAPE=${SHAPE:-push}
B=build/bench
SONDE=build/sonde
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT

[ "$(id -u)" -eq 0 ] || { echo "bench/tree.sh: needs root (it attaches uprobes)" >&2; exit 2; }
MODES="untraced floor sonde tree${SONDE_BASE:+ base}"
declare -A FUNC RES
TRACERS=()

start_tracer() {
	local mode=$1 bin=$2 fn=${FUNC[$1]} log=$TMP/$1.log marker="sonde: tracing"
	: >"$log"
	case $mode in
	untraced) return 0 ;;
	floor) $B/floor "$bin" "$fn" 2>"$log" & marker="floor: attached" ;;
	sonde) $SONDE lat -b "$bin" "$fn" >/dev/null 2>"$log" & ;;
	tree) $SONDE lat --tree -b "$bin" "$fn" >/dev/null 2>"$log" & ;;
	base) "$SONDE_BASE" lat -b "$bin" "$fn" >/dev/null 2>"$log" & ;;
	esac
	TRACERS+=($!)
	for _ in $(seq 100); do
		grep -q "$marker" "$log" && return 0
		sleep 0.1
	done
	echo "bench/tree.sh: $mode did not attach: $(head -c 300 "$log")" >&2
	return 1
}

bin=$(realpath $B/interleave_$SHAPE)
nmodes=$(wc -w <<<"$MODES")
for r in $(seq "$ROUNDS"); do
	TRACERS=()
	# shellcheck disable=SC2086 # the modes are words
	while read -r -u 4 mode slot; do
		FUNC[$mode]=tiny_$slot
		start_tracer "$mode" "$bin"
	done 4< <(slots "$r" $MODES)
	sleep 1
	out=$("$bin" "$CALLS" "$nmodes")
	stop_tracers
	line="round $r:"
	for mode in $MODES; do
		ns=$(sed -n "s/^${FUNC[$mode]} .*p25_ns_per_call=\([0-9.]*\).*/\1/p" <<<"$out")
		RES[$mode]="${RES[$mode]:-} $ns"
		line+=" $mode=$ns"
	done
	echo "$line"
done
echo "ns per call, median of the rounds' batch p25 ($SHAPE entry, $ROUNDS rounds of $CALLS calls):"
for mode in $MODES; do
	echo "  $mode: $(echo ${RES[$mode]} | median) (added $(added "${RES[$mode]}" "${RES[untraced]}"))"
done
# Per round: (tree - untraced) / (sonde - untraced), then the median.
echo "  --tree over plain lat, per traced call: x$(paired_ratio "${RES[tree]}" "${RES[sonde]}" "${RES[untraced]}")"
[ -z "${SONDE_BASE:-}" ] ||
	echo "  plain lat over the base sonde: x$(paired_ratio "${RES[sonde]}" "${RES[base]}" "${RES[untraced]}")"
