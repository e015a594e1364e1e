#!/bin/bash
# make bench: sonde's per-call cost against the floor (empty uprobe+uretprobe),
# bpftrace's hist() script and libbpf-tools funclatency, all attached at once
# to copies of one function (bench/interleave.c), on two entry shapes; then
# attach+detach time for 10,000 functions, accuracy, ring buffer, memory.
# Writes bench/RESULTS.md. Needs root; installs bpftrace and libbpf-tools.
# BENCH_PARTS="sched mem redis diff verdicts prometheus" (the default) picks the other benchmarks run after.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/stats.sh

ROUNDS=${ROUNDS:-12}
CALLS_PUSH=${CALLS_PUSH:-500000}
CALLS_ENDBR=${CALLS_ENDBR:-100000}
B=build/bench
SONDE=build/sonde
OUT=bench/RESULTS.md
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "sonde bench: needs root (it attaches uprobes)" >&2
	exit 2
fi
command -v bpftrace >/dev/null && command -v funclatency >/dev/null ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q bpftrace libbpf-tools >/dev/null

# Every mode traces its own copy of tiny() in bench/interleave (the untraced
# one too, by not tracing it); all tracers are attached at once. Two
# instances of one tracer differ by up to 25 ns per call, the same one every
# round when the tracers start in the same order (where the kernel places an
# instance's programs and data depends on what came before it): every round
# starts the tracers afresh, in another order, each on another copy
# (slots in bench/stats.sh).
MODES="untraced floor clock bpftrace funclatency sonde nosched tree"
declare -A FUNC
declare -A LABEL=([nosched]="sonde --no-sched" [tree]="sonde --tree")
TRACERS=()

# start_tracer MODE BINARY: start a tracer on BINARY's copy of tiny() for MODE,
# and wait until it is attached.
start_tracer() {
	local mode=$1 bin=$2 fn=${FUNC[$1]} log=$TMP/$1.log marker
	: >"$log"
	case $mode in
	untraced) return 0 ;;
	floor) $B/floor "$bin" "$fn" 2>"$log" & marker="floor: attached" ;;
	clock) $B/floor "$bin" "$fn" clock 2>"$log" & marker="floor: attached" ;;
	bpftrace)
		bpftrace -e "uprobe:$bin:$fn { @s[tid] = nsecs; }
			uretprobe:$bin:$fn /@s[tid]/ { @ns = hist(nsecs - @s[tid]); delete(@s[tid]); }" \
			>"$log" 2>&1 &
		marker="Attaching" ;;
	# Line-buffered: its marker would sit in a full stdio buffer.
	funclatency) stdbuf -oL funclatency "$bin:$fn" >"$log" 2>&1 & marker="Tracing" ;;
	sonde) $SONDE lat -b "$bin" "$fn" >/dev/null 2>"$log" & marker="sonde: tracing" ;;
	nosched) $SONDE lat --no-sched -b "$bin" "$fn" >/dev/null 2>"$log" & marker="sonde: tracing" ;;
	tree) $SONDE lat --tree -b "$bin" "$fn" >/dev/null 2>"$log" & marker="sonde: tracing" ;;
	esac
	TRACERS+=($!)
	for _ in $(seq 100); do
		grep -q "$marker" "$log" && return 0
		sleep 0.1
	done
	echo "sonde bench: $mode did not attach: $(head -c 300 "$log")" >&2
	return 1
}

# Per round and mode: the 25th percentile of the mode's 1,000-call batches (RES)
# and its mean (MEAN); bench/batch_timer.h and bench/interleave.c say why.
declare -A RES MEAN
run_shape() {
	local shape=$1 calls=$2 bin out mode slot r
	bin=$(realpath $B/interleave_$shape)
	for r in $(seq "$ROUNDS"); do
		# shellcheck disable=SC2086 # the modes are words
		while read -r -u 4 mode slot; do
			FUNC[$mode]=tiny_$slot
			start_tracer "$mode" "$bin"
		done 4< <(slots "$r" $MODES)
		# bpftrace prints its marker before attaching: let every tracer settle.
		sleep 1
		# shellcheck disable=SC2086 # one copy of tiny() per mode
		out=$("$bin" "$calls" "$(set -- $MODES && echo $#)")
		stop_tracers
		for mode in $MODES; do
			ns=$(sed -n "s/^${FUNC[$mode]} .*p25_ns_per_call=\([0-9.]*\).*/\1/p" <<<"$out")
			mean=$(sed -n "s/^${FUNC[$mode]} ns_per_call=\([0-9.]*\).*/\1/p" <<<"$out")
			RES[$shape.$mode]="${RES[$shape.$mode]:-} $ns"
			MEAN[$shape.$mode]="${MEAN[$shape.$mode]:-} $mean"
			echo "  $shape round $r $mode: $ns ns/call (batches' p25), $mean (mean)" >&2
		done
	done
}


run_shape push "$CALLS_PUSH"
run_shape endbr "$CALLS_ENDBR"

# Attach and detach of 10,000 functions, as sonde -v reports them; bpftrace
# for 100 (its perf-event uprobes take ~0.1 s each to detach, DESIGN.md).
ATT=$($SONDE lat -v -b $B/many 'fn_*' --max-probes 20000 -d 200ms 2>&1 >/dev/null |
	sed -n 's/.*attached \([0-9]*\) functions in \([0-9.]*\) s.*/\1 \2/p')
DET=$($SONDE lat -v -b $B/many 'fn_*' --max-probes 20000 -d 200ms 2>&1 >/dev/null |
	sed -n 's/.*detached in \([0-9.]*\) s.*/\1/p')
MANY=$(realpath $B/many)
t0=$(date +%s%N)
# (bpftrace 0.17 has no '?' in probe globs: fn_10* is fn_10, fn_100..109, fn_1000..1099.)
bpftrace -e "uprobe:$MANY:fn_10* { @c = count(); } interval:s:1 { exit(); }" >/dev/null 2>&1 || true
BPFTRACE_100=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 - 1 }')

# Accuracy: the reported p50 of a ~2 ns function, and of a 50 us spin.
p50_of() { jq -r --arg n "$1" 'select(.type == "lat" and .final) | .functions[] | select(.name == $n) | .p50_ns'; }
ACC_TINY_PUSH=$($SONDE lat --json tiny -- $B/loop_push 200000 2>/dev/null | grep '^{' | p50_of tiny)
ACC_TINY_ENDBR=$($SONDE lat --json tiny -- $B/loop_endbr 200000 2>/dev/null | grep '^{' | p50_of tiny)
ACC_TINY_RAW=$($SONDE lat --raw --json tiny -- $B/loop_push 200000 2>/dev/null | grep '^{' | p50_of tiny)
ACC_SPIN=$($SONDE lat --json spin_50us -- build/targets/spin 2000 2>/dev/null | grep '^{' | p50_of spin_50us)

# Ring buffer: every call of a 1M-call loop becomes a slow-call record
# (--raw --slower-than 1ns); records printed + records counted as dropped
# must equal the calls, exactly.
RB_CALLS=1000000
$SONDE lat --raw --slower-than 1ns --json tiny -- $B/loop_push $RB_CALLS >"$TMP/rb.json" 2>/dev/null
RB_GOT=$(grep -c '"type":"slow"' "$TMP/rb.json")
RB_DROPS=$(tail -n 1 "$TMP/rb.json" | jq '.drops.ringbuf')
RB_SECS=$(tail -n 1 "$TMP/rb.json" | jq '.duration_ns / 1e9')

# Memory with 1,000 traced functions: sonde's RSS plus the BPF maps it holds.
$SONDE lat -b "$MANY" 'fn_1???' --max-probes 2000 >/dev/null 2>"$TMP/mem.log" &
MEMPID=$!
for _ in $(seq 100); do grep -q "sonde: tracing" "$TMP/mem.log" && break; sleep 0.1; done
"$MANY" >/dev/null
RSS_KB=$(awk '/^VmRSS/ { print $2 }' /proc/$MEMPID/status)
# Every map fd sonde holds says its size in /proc/PID/fdinfo (memlock:).
MAPS_B=$(grep -h -A20 '^map_type' /proc/$MEMPID/fdinfo/* 2>/dev/null | awk '/^memlock:/ { s += $2 } END { print s + 0 }')
kill -INT $MEMPID; wait $MEMPID || true
MEM_MIB=$(awk -v r="$RSS_KB" -v m="$MAPS_B" 'BEGIN { printf "%.1f", (r * 1024 + m) / 1048576 }')

{
	echo "# sonde benchmarks"
	echo
	echo "Produced by \`make bench\` (bench/run.sh) on $(date -u +%Y-%m-%d), $(uname -sr), $(nproc) CPUs;"
	echo "ROUNDS=$ROUNDS, $CALLS_PUSH calls of each copy per round (push-first), $CALLS_ENDBR (endbr64-first)."
	echo "All eight modes run at once: each traces its own copy of tiny() in bench/interleave (the"
	echo "same instructions at another address), and the loop calls the copies in turn, 1,000 calls"
	echo "at a time, so every tracer is timed in the same stretches of time (other tenants of this"
	echo "virtual machine slow whole seconds by up to 2x). Each round starts the tracers afresh, each"
	echo "on another copy and started after another tracer than the round before (where the kernel"
	echo "puts a tracer's programs and data depends on what was loaded before it; over 6 rounds each"
	echo "mode starts once after each other one: bench/stats.sh, slots). A mode's figure in a round is the 25th"
	echo "percentile of its batches (interference only adds time: bench/batch_timer.h); the table"
	echo "shows the median over rounds. \"added\" is ns per call above the untraced loop. \"× floor\" is"
	echo "the median of the rounds' own ratios of added costs (a round's modes share its conditions);"
	echo "\"× floor (means)\" is the ratio of the batches' means' medians, for comparison. \"clock\" is the"
	echo "floor plus what any latency tracer must add: a clock read at the entry and at the return"
	echo "(bench/floor.bpf.c); what a tracer adds beyond it is its own bookkeeping. \"sonde --no-sched\""
	echo "next to \"sonde\" shows what the on-CPU / run-queue / blocked split adds per traced call, and"
	echo "\"sonde --tree\" what counting calls by call path adds (the issue's bound: at most 10 % per call)."
	echo
	for shape in push endbr; do
		echo "## tiny() with a \`$shape\`-first entry"
		echo
		echo "| tracer | ns/call | added ns/call | × floor | × floor (means) | runs |"
		echo "|---|---:|---:|---:|---:|---|"
		for mode in $MODES; do
			m=$(echo ${RES[$shape.$mode]} | median)
			add=$(added "${RES[$shape.$mode]}" "${RES[$shape.untraced]}")
			ratio=$(paired_ratio "${RES[$shape.$mode]}" "${RES[$shape.floor]}" "${RES[$shape.untraced]}")
			mratio=$(ratio "${MEAN[$shape.$mode]}" "${MEAN[$shape.floor]}" "${MEAN[$shape.untraced]}")
			[ "$mode" = untraced ] && add=0 && ratio=- && mratio=-
			echo "| ${LABEL[$mode]:-$mode} | $m | $add | $ratio | $mratio | ${RES[$shape.$mode]} |"
		done
		echo
	done
	echo "## Attach and detach"
	echo
	echo "sonde lat -b build/bench/many 'fn_*' (uprobe_multi): attached ${ATT% *} functions in ${ATT#* } s, detached in $DET s."
	echo "bpftrace, 111 functions (fn_10*) with perf-event uprobes: attach + detach ${BPFTRACE_100} s."
	echo
	echo "## Accuracy (calibrated: the probes' own cost measured at start and every 5 s, and subtracted)"
	echo
	echo "| function | true time | sonde p50 | sonde --raw p50 |"
	echo "|---|---:|---:|---:|"
	echo "| tiny(), push-first | ~2 ns | $ACC_TINY_PUSH ns | $ACC_TINY_RAW ns |"
	echo "| tiny(), endbr64-first (probe moved to the push) | ~2 ns | $ACC_TINY_ENDBR ns | |"
	echo "| spin_50us (tests/targets/spin) | 50,000 ns | $ACC_SPIN ns | |"
	echo
	echo "## Ring buffer"
	echo
	echo "$RB_CALLS calls, each a record (sonde lat --raw --slower-than 1ns --json, stacks symbolized, printed):"
	echo "$RB_GOT printed + $RB_DROPS counted as dropped = $((RB_GOT + RB_DROPS)) (exact: $([ $((RB_GOT + RB_DROPS)) = $RB_CALLS ] && echo yes || echo NO)),"
	echo "over $(printf '%.2f' "$RB_SECS") s: the producer (one thread, ~2 us per probed call with a stack) makes $(awk -v n=$RB_CALLS -v s="$RB_SECS" 'BEGIN { printf "%.0f", n / s }') records/s;"
	echo "the consumer's JSON printing and symbolization is the bottleneck, and every record it could not take is counted."
	echo
	echo "## Memory"
	echo
	echo "1,000 traced functions (sonde lat -b build/bench/many 'fn_1???'): sonde RSS $((RSS_KB / 1024)) MiB + BPF maps $((MAPS_B / 1048576)) MiB = $MEM_MIB MiB."
} >"$OUT"

# The other benchmarks print their own sections (markdown on stdout).
for part in ${BENCH_PARTS-sched mem redis diff verdicts prometheus}; do
	echo "== bench/$part.sh" >&2
	{
		echo
		bench/$part.sh
	} >>"$OUT" || echo "(bench/$part.sh failed: see its output above)" >>"$OUT"
done
cat "$OUT"
