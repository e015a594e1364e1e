#!/bin/bash
# bench/mem.sh: the cost of sonde mem on a one-thread malloc(64)+free loop,
# against the floor (empty probes of the same shape: malloc entry + return,
# free entry) and a bpftrace script doing comparable accounting, interleaved
# in one run; then sonde's RSS and BPF map memory at 1M live allocations.
# Prints a markdown fragment for bench/RESULTS.md. Needs root and bpftrace.
# SONDE_BASE="path/to/sonde ..." adds a mode per other build (base1, base2,
# ...), interleaved with the rest: a before/after comparison from one run.
#
# Two floors: probes at the functions' first instructions (glibc's free starts
# with `test`, single-stepped, ~12 us here: DESIGN.md), and at the instructions
# sonde's probe-site choice picks (`sonde list`), the like-for-like floor.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/stats.sh

ROUNDS=${ROUNDS:-10}
PAIRS=${PAIRS:-100000}
HOLD=${HOLD:-1000000}
B=build/bench
SONDE=${SONDE:-build/sonde}
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "sonde mem bench: needs root (it attaches uprobes)" >&2
	exit 2
fi
command -v bpftrace >/dev/null ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q bpftrace >/dev/null
LIBC=$(realpath "$(ldd $B/memloop | awk '/libc\.so/ { print $3 }')")
# Where sonde probes malloc and free: bytes past each function's start.
probe_delta() {
	$SONDE list -b $B/memloop "libc:$1" 2>/dev/null | awk -v f="$1" '$5 == f { sub(/^\+/, "", $3); print $3 }'
}
MALLOC_D=$(probe_delta malloc)
FREE_D=$(probe_delta free)

# wait_for FILE TEXT: up to 10 s for TEXT to appear in FILE.
wait_for() {
	for _ in $(seq 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "sonde mem bench: no '$2' in $1: $(head -c 300 "$1")" >&2
	return 1
}

# start_loop MODE N: memloop waiting for SIGUSR1; its PID in LOOP.
start_loop() {
	$B/memloop "$1" "$2" >"$TMP/loop.out" 2>&1 &
	LOOP=$!
	wait_for "$TMP/loop.out" ready
}

# start_tracer MODE PID: attach MODE to the process PID, and wait until it is attached.
start_tracer() {
	local mode=$1 pid=$2 log=$TMP/$1.log marker
	: >"$log"
	case $mode in
	untraced) return 0 ;;
	floor_entry) $B/memfloor "$pid" "$LIBC" 2>"$log" & marker="memfloor: attached" ;;
	floor) $B/memfloor "$pid" "$LIBC" "${MALLOC_D:-0}" "${FREE_D:-0}" 2>"$log" &
		marker="memfloor: attached" ;;
	bpftrace)
		# Per-thread size, address -> size, bytes per stack; free drops the address.
		bpftrace -p "$pid" -e "
			uprobe:$LIBC:malloc { @sz[tid] = arg0; }
			uretprobe:$LIBC:malloc /@sz[tid]/ {
				@live[retval] = @sz[tid]; @stack_bytes[ustack] = sum(@sz[tid]);
				delete(@sz[tid]); }
			uprobe:$LIBC:free /@live[arg0]/ { @freed = sum(@live[arg0]); delete(@live[arg0]); }" \
			>"$log" 2>&1 &
		marker="Attaching" ;;
	sonde) $SONDE mem -p "$pid" >/dev/null 2>"$log" & marker="sonde: tracing" ;;
	base*) "${BASES[${mode#base}]}" mem -p "$pid" >/dev/null 2>"$log" & marker="sonde: tracing" ;;
	esac
	TRACERS+=($!)
	wait_for "$log" "$marker"
}

MODES="untraced floor_entry floor bpftrace sonde"
read -r -a BASES <<<"${SONDE_BASE:-}"
BASES=("" "${BASES[@]}")
for ((i = 1; i < ${#BASES[@]}; i++)); do MODES="$MODES base$i"; done
# Per round: the 25th percentile of 1,000-pair batches (RES) and their mean
# (MEAN). Every mode traces its own worker of bench/memturns, all at once, and
# the workers take turns batch by batch; each round starts the tracers afresh
# and moves each mode to another worker. All but bpftrace: its -p does not
# keep its uprobes out of the other processes (0.17), so it has a worker, and
# a turn of the round, to itself.
declare -A RES MEAN
TRACERS=()

# run_turns ROUND MODE...: one round of MODEs taking turns.
run_turns() {
	local r=$1 n mode slot line ns mean
	shift
	n=$#
	rm -f "$TMP/go"
	mkfifo "$TMP/go"
	$B/memturns "$PAIRS" "$n" <"$TMP/go" >"$TMP/turns.out" 2>&1 &
	TURNS=$!
	exec 3>"$TMP/go"
	wait_for "$TMP/turns.out" ready
	declare -A worker=()
	# In worker order, which changes from round to round (bench/stats.sh, slots).
	while read -r -u 4 mode slot; do
		worker[$mode]=$slot
		start_tracer "$mode" "$(sed -n "s/^worker $slot pid \([0-9]*\)/\1/p" "$TMP/turns.out")"
	done 4< <(slots "$r" "$@")
	# bpftrace prints its marker before attaching: let every tracer settle.
	sleep 1
	echo go >&3
	exec 3>&-
	wait "$TURNS"
	stop_tracers
	for mode in "$@"; do
		line=$(grep "^worker ${worker[$mode]} ns_per_pair" "$TMP/turns.out")
		ns=$(sed -n 's/.*p25_ns_per_pair=\([0-9.]*\).*/\1/p' <<<"$line")
		mean=$(sed -n 's/.*ns_per_pair=\([0-9.]*\) pairs.*/\1/p' <<<"$line")
		RES[$mode]="${RES[$mode]:-} $ns"
		MEAN[$mode]="${MEAN[$mode]:-} $mean"
		echo "  round $r $mode: $ns ns per malloc+free (batches' p25), $mean (mean)" >&2
	done
}

for r in $(seq "$ROUNDS"); do
	# shellcheck disable=SC2046 # the modes are words
	run_turns "$r" $(tr ' ' '\n' <<<"$MODES" | grep -vx bpftrace)
	run_turns "$r" bpftrace
done

# 1M live allocations: sonde's RSS and its maps' memory (the kernel's memlock
# accounting), and how long the final report's scan of them takes.
start_loop hold "$HOLD"
$SONDE mem -p "$LOOP" --json --max-allocs $((HOLD * 2)) >"$TMP/hold.json" 2>"$TMP/hold.err" &
SP=$!
wait_for "$TMP/hold.err" "sonde: tracing"
kill -USR1 "$LOOP"
for _ in $(seq 1200); do
	grep -q held "$TMP/loop.out" && break
	sleep 0.1
done
sleep 1
RSS_KB=$(awk '/^VmRSS/ { print $2 }' "/proc/$SP/status")
# The maps sonde holds open: their fdinfo carries map_type and memlock.
MAP_BYTES=$(cat /proc/"$SP"/fdinfo/* 2>/dev/null | awk '/^map_type/ { m = 1 } m && /^memlock/ { s += $2; m = 0 } END { print s + 0 }')
t0=$(date +%s%N)
kill -INT "$SP"
wait "$SP" || true
t1=$(date +%s%N)
kill -TERM "$LOOP" 2>/dev/null || true
LIVE=$(grep '^{' "$TMP/hold.json" | jq -r 'select(.final) | .live_allocs' | tail -n 1)
HELD=$(sed -n 's/^held [0-9]* in \([0-9.]*\) s/\1/p' "$TMP/loop.out")

echo "## sonde mem: malloc(64) + free, one thread"
echo
echo "Produced by bench/mem.sh on $(date -u +%Y-%m-%d), $(uname -sr), $(nproc) CPUs, $(basename "$LIBC") ($(ldd --version | head -n 1 | awk '{print $NF}'));"
echo "ROUNDS=$ROUNDS, $PAIRS pairs per worker per round. All modes but bpftrace run at once, each tracing"
echo "its own process of bench/memturns, and the processes take turns 1,000 pairs at a time, so they are"
echo "timed in the same stretches of time; each round starts the tracers afresh on other processes."
echo "bpftrace runs alone after them in each round: its -p leaves its uprobes in every process."
echo "A round's figure is the 25th percentile of a mode's 1,000-pair batches (bench/batch_timer.h: this"
echo "machine's other tenants only add time); the table shows the median over rounds. × floor is the"
echo "median of the rounds' own ratios of added costs; (means) is from the batches' means, for comparison."
echo "The floors are"
echo "empty probes of sonde mem's shape (uprobe_multi entry + return on malloc, entry on free):"
echo "\"floor_entry\" at the functions' first instructions, \"floor\" where sonde probes them"
echo "(malloc+${MALLOC_D:-0}, free+${FREE_D:-0}); × floor is against \"floor\". bpftrace (at the first"
echo "instructions) keeps size per thread, address -> size and bytes per stack, drops freed addresses."
echo
echo "| tracer | ns/pair | added ns/pair | × floor | × floor (means) | runs |"
echo "|---|---:|---:|---:|---:|---|"
for mode in $MODES; do
	m=$(echo ${RES[$mode]} | median)
	add=$(added "${RES[$mode]}" "${RES[untraced]}")
	ratio=$(paired_ratio "${RES[$mode]}" "${RES[floor]}" "${RES[untraced]}")
	mratio=$(ratio "${MEAN[$mode]}" "${MEAN[floor]}" "${MEAN[untraced]}")
	[ "$mode" = untraced ] && add=0 && ratio=- && mratio=-
	echo "| $mode | $m | $add | $ratio | $mratio | ${RES[$mode]} |"
done
for ((i = 1; i < ${#BASES[@]}; i++)); do echo; echo "base$i: ${BASES[$i]}"; done
echo
echo "At $LIVE live allocations (memloop hold $HOLD, --max-allocs $((HOLD * 2))): sonde RSS" \
	"$(awk -v k="$RSS_KB" 'BEGIN {printf "%.1f MiB", k / 1024}'), BPF maps" \
	"$(awk -v b="$MAP_BYTES" -v n="$LIVE" 'BEGIN {printf "%.1f MiB (%.0f bytes per live allocation)", b / 1048576, n ? b / n : 0}');" \
	"making them took ${HELD}s traced; the final report (with the scan of all of them) took" \
	"$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f s", (b - a) / 1e9}')."
