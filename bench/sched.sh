#!/bin/bash
# bench/sched.sh: what the on-CPU / run-queue / blocked split of `sonde lat`
# costs. Run by `make bench`, as root. Prints a markdown fragment for
# bench/RESULTS.md on stdout; progress goes to stderr.
#
# 1. Context switches of processes sonde does not trace. The scheduler hooks
#    run on every context switch of the machine, so an untraced pipe
#    ping-pong (build/bench/pingpong) is timed while nothing traces, while
#    `sonde lat --no-sched` and while `sonde lat` trace another process
#    (build/targets/sleeper, ~480 sleeps of 2 ms a second, with -p), and
#    while bench/schedfloor's empty programs run, the floor any scheduler
#    hook pays: a sched_switch program alone (the shape of sonde lat's hooks
#    on a kernel that counts run-queue waits itself, task->sched_info.
#    run_delay), and sched_switch with sched_wakeup (the shape before, and
#    still on a kernel without sched_info). The ping-pong runs with both processes on one CPU (every round trip is two
#    switches straight between them: the most switches a second, so the
#    worst case) and with one process on each of two CPUs (every wakeup
#    crosses CPUs). sonde and the traced process stay off the measured CPU.
#    Budget: <= 5 % fewer round trips.
# 2. The added cost per traced call: tiny() of build/bench/loop_push (push-
#    first entry) under `sonde lat -b` with and without --no-sched.
# 3. The same two costs without the noise of wall-clock timing on a shared
#    machine: the BPF programs' own run time (kernel.bpf_stats_enabled, set
#    for this phase only) per scheduler hook run and per traced call.
#
# Each mode runs once per round, in an order that rotates every round, so
# drift in the machine hits every mode alike; the figures are medians.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/stats.sh

ROUNDS=${ROUNDS:-7}
PP_TRIPS=${PP_TRIPS:-200000}  # round trips per run, both processes on one CPU
PP_TRIPS2=${PP_TRIPS2:-25000} # round trips per run, one process per CPU (~8x slower)
PP_RUNS=${PP_RUNS:-3}         # ping-pong runs per placement and tracer start
LOOP_CALLS=${LOOP_CALLS:-1000000}
LOOP_RUNS=${LOOP_RUNS:-3} # loop runs per tracer start
SETTLE=${SETTLE:-1}       # seconds between "sonde: tracing" and the measurement
SONDE=build/sonde
PINGPONG=build/bench/pingpong
LOOP=build/bench/loop_push
SLEEPER=build/targets/sleeper
FLOOR=build/bench/schedfloor
FLOOR_OBJ=build/bench/schedfloor.bpf.o
MODES="none nosched sched"
# Section 1 also runs the floors: an empty sched_switch program alone, and
# empty sched_switch and sched_wakeup programs.
PP_MODES="none floor-emptyswitch floor-empty nosched sched"
STATS_RUNS=${STATS_RUNS:-3} # runs per mode with kernel.bpf_stats_enabled=1
declare -A LABEL=([none]="no tracer" [nosched]="sonde lat --no-sched" [sched]="sonde lat"
	[floor-emptyswitch]="empty sched_switch program (floor)"
	[floor-empty]="empty sched_switch + sched_wakeup programs (old floor)"
	[floor-lookup]="task storage lookup only"
	[floor-peek]="storage pointer read, lookup only if set")

TMP=$(mktemp -d)
TRACER=
RUNQ_SOURCE=unknown # where sonde lat took run-queue time from, as its -v says
TRACED=
STATS_WAS=
cleanup()
{
	[ -z "$TRACER" ] || kill -KILL "$TRACER" 2>/dev/null
	[ -z "$TRACED" ] || kill -KILL "$TRACED" 2>/dev/null
	[ -z "$STATS_WAS" ] || echo "$STATS_WAS" >/proc/sys/kernel/bpf_stats_enabled
	rm -rf "$TMP"
}
trap cleanup EXIT

say() { echo "sched bench: $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
	say "needs root (it attaches uprobes and scheduler tracepoints)"
	exit 2
fi
for f in "$SONDE" "$PINGPONG" "$LOOP" "$SLEEPER" "$FLOOR" "$FLOOR_OBJ"; do
	[ -e "$f" ] || { say "$f is missing (run: make bench)"; exit 2; }
done
"$SONDE" lat --help 2>&1 | grep -q -- --no-sched || { say "$SONDE has no --no-sched"; exit 2; }

# The measured program gets the last CPU; sonde and the traced process the others.
LAST_CPU=$(($(getconf _NPROCESSORS_ONLN) - 1))
if [ "$LAST_CPU" -gt 1 ]; then
	OTHERS="0-$((LAST_CPU - 1))"
else
	OTHERS=0
fi

# start_tracer MODE ARGS...: sonde lat [--no-sched] ARGS in the background,
# on the other CPUs (MODE floor-KIND: bench/schedfloor KIND instead);
# returns once it has attached and settled.
start_tracer()
{
	local mode=$1 marker="sonde: tracing" _

	shift
	TRACER=
	case $mode in
	none) return 0 ;;
	nosched) set -- "$SONDE" lat --json --no-sched "$@" ;;
	sched) set -- "$SONDE" lat -v --json "$@" ;;
	floor-*) set -- "$FLOOR" "$FLOOR_OBJ" "${mode#floor-}" && marker="schedfloor: attached" ;;
	esac
	taskset -c "$OTHERS" "$@" >"$TMP/tracer.out" 2>"$TMP/tracer.err" &
	TRACER=$!
	for _ in $(seq 100); do
		grep -q "$marker" "$TMP/tracer.err" && break
		kill -0 "$TRACER" 2>/dev/null || { say "$1 failed: $(cat "$TMP/tracer.err")"; exit 1; }
		sleep 0.1
	done
	grep -q "$marker" "$TMP/tracer.err" || { say "$1 did not attach in 10 s"; exit 1; }
	if [ "$mode" = sched ]; then
		RUNQ_SOURCE=$(sed -n 's/^sonde: run-queue time from //p' "$TMP/tracer.err" | head -n 1)
	fi
	sleep "$SETTLE"
}

# stop_tracer: SIGINT, wait; CALLS is what sonde counted (its final report).
stop_tracer()
{
	CALLS=-
	[ -n "$TRACER" ] || return 0
	kill -INT "$TRACER" 2>/dev/null || true
	wait "$TRACER" 2>/dev/null || true
	TRACER=
	CALLS=$(grep '^{' "$TMP/tracer.out" | tail -n 1 | jq -r '[.functions[].calls] | add // 0' || true)
}

# order ROUND MODES: the modes, rotated by ROUND.
order()
{
	echo "$2" | tr ' ' '\n' |
		awk -v r="$1" '{ a[NR] = $0 } END { for (i = 0; i < NR; i++) print a[(i + r) % NR + 1] }'
}


# slowdown BASE X: how much lower X is than BASE, in percent.
slowdown()
{
	awk -v b="$1" -v x="$2" 'BEGIN { printf "%.1f", (b - x) * 100 / b }'
}

declare -A RES

# ---- 1. context switches of an untraced ping-pong ---------------------------

# Placements: both processes on the last CPU; the parent there, the child on CPU 0.
declare -A PP_ARGS=([one]="$PP_TRIPS $LAST_CPU $LAST_CPU" [two]="$PP_TRIPS2 $LAST_CPU 0")
PLACES="one two"
declare -A PLACE_NAME=([one]="one CPU" [two]="two CPUs")
[ "$LAST_CPU" -gt 0 ] || PLACES=one

taskset -c "$OTHERS" "$SLEEPER" >/dev/null &
TRACED=$!
say "ping-pong: $ROUNDS rounds x $PP_RUNS runs per placement; traced: sleeper (pid $TRACED) on CPU $OTHERS"
for r in $(seq "$ROUNDS"); do
	for mode in $(order "$r" "$PP_MODES"); do
		start_tracer "$mode" -p "$TRACED" sleep_2ms
		for _ in $(seq "$PP_RUNS"); do
			for place in $PLACES; do
				# shellcheck disable=SC2086 # PP_ARGS holds three arguments
				# The rate of the run's faster batches: 1e9 / the 25th percentile of
				# its 1,000-round-trip batches (bench/batch_timer.h).
				rate=$("$PINGPONG" ${PP_ARGS[$place]} |
					sed -n 's/.*p25_ns_per_round_trip=\([0-9.]*\).*/\1/p' |
					awk '{ printf "%.0f", 1e9 / $1 }')
				RES[pp.$place.$mode]="${RES[pp.$place.$mode]:-} $rate"
				say "  round $r ${LABEL[$mode]}, ${PLACE_NAME[$place]}: $rate round trips/s"
			done
		done
		stop_tracer
		[ "${mode%-*}" = floor ] || [ "$mode" = none ] || say "  (sonde counted $CALLS sleep_2ms calls)"
		if [ "${mode%-*}" != floor ] && [ "$mode" != none ] && [ "$CALLS" = 0 ]; then
			say "sonde traced no call of the sleeper: the measurement is void"
			exit 1
		fi
	done
done
kill -TERM "$TRACED" 2>/dev/null || true
wait "$TRACED" 2>/dev/null || true
TRACED=

# ---- 2. cost per traced call -------------------------------------------------

bin=$(realpath "$LOOP")
say "per call: $ROUNDS rounds x $LOOP_RUNS runs x $LOOP_CALLS calls of tiny() in $LOOP, on CPU $LAST_CPU"
for r in $(seq "$ROUNDS"); do
	for mode in $(order "$r" "$MODES"); do
		start_tracer "$mode" -b "$bin" tiny
		runs=
		for _ in $(seq "$LOOP_RUNS"); do
			ns=$(taskset -c "$LAST_CPU" "$bin" "$LOOP_CALLS" | sed -n 's/^ns_per_call=\([0-9.]*\).*/\1/p')
			runs+=" $ns"
			say "  round $r ${LABEL[$mode]}: $ns ns/call"
		done
		stop_tracer
		if [ "$mode" != none ] && [ "$CALLS" != $((LOOP_CALLS * LOOP_RUNS)) ]; then
			say "sonde counted $CALLS calls of tiny, not $((LOOP_CALLS * LOOP_RUNS)): the measurement is void"
			exit 1
		fi
		RES[loop.$mode]="${RES[loop.$mode]:-}$runs"
		RES[loop.$mode.$r]=$(echo "$runs" | median)
	done
done

# ---- 3. BPF run time of the hooks --------------------------------------------

# prog_stats PID: "name run_cnt run_time_ns" of each BPF program PID holds.
prog_stats()
{
	local id

	grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -u |
		while read -r id; do
			bpftool prog show id "$id" -j | jq -r '"\(.name) \(.run_cnt // 0) \(.run_time_ns // 0)"'
		done
}

# stats_delta BEFORE AFTER REGEX: "runs ns" added up over the programs whose
# name matches REGEX, between two prog_stats files.
stats_delta()
{
	awk -v re="$3" 'NR == FNR { c[$1] = $2; t[$1] = $3; next }
		$1 ~ re { dc += $2 - c[$1]; dt += $3 - t[$1] } END { print dc + 0, dt + 0 }' "$1" "$2"
}

STATS_WAS=$(cat /proc/sys/kernel/bpf_stats_enabled)
echo 1 >/proc/sys/kernel/bpf_stats_enabled
declare -A PROG_NS
say "BPF run time ($STATS_RUNS runs each, kernel.bpf_stats_enabled=1): $LOOP_CALLS calls of tiny(), then one-CPU ping-pongs"
for r in $(seq "$STATS_RUNS"); do
	for mode in $(order "$r" "nosched sched"); do
		start_tracer "$mode" -b "$bin" tiny
		prog_stats "$TRACER" >"$TMP/before"
		taskset -c "$LAST_CPU" "$bin" "$LOOP_CALLS" >/dev/null
		prog_stats "$TRACER" >"$TMP/after"
		stop_tracer
		read -r runs ns < <(stats_delta "$TMP/before" "$TMP/after" '^lat_(entry|return)')
		# The sysctl is one switch for the machine: another user may turn it off.
		[ "$runs" = $((2 * LOOP_CALLS)) ] ||
			say "  warning: statistics counted $runs entry+return runs, not $((2 * LOOP_CALLS)): was kernel.bpf_stats_enabled turned off meanwhile?"
		per=$(awk -v t="$ns" -v n="$LOOP_CALLS" 'BEGIN { printf "%.1f", t / n }')
		PROG_NS[call.$mode]="${PROG_NS[call.$mode]:-} $per"
		say "  ${LABEL[$mode]}: $runs entry+return runs, $per ns per call"
	done
done
for mode in nosched sched; do
	PROG_NS[call.$mode.runs]=${PROG_NS[call.$mode]}
	PROG_NS[call.$mode]=$(echo "${PROG_NS[call.$mode]}" | median)
done

# The scheduler hooks during one-CPU ping-pong runs: sonde lat's, and the
# floor's (empty programs; a task storage lookup that finds nothing; the
# storage pointer read first). A hook a mode does not attach has no runs.
taskset -c "$OTHERS" "$SLEEPER" >/dev/null &
TRACED=$!
HOOK_MODES="floor-emptyswitch floor-empty floor-lookup floor-peek sched"
for r in $(seq "$STATS_RUNS"); do
	for mode in $(order "$r" "$HOOK_MODES"); do
		start_tracer "$mode" -p "$TRACED" sleep_2ms
		prog_stats "$TRACER" >"$TMP/before"
		# shellcheck disable=SC2086 # PP_ARGS holds three arguments
		"$PINGPONG" ${PP_ARGS[one]} >/dev/null
		prog_stats "$TRACER" >"$TMP/after"
		stop_tracer
		trip_ns=0
		for hook in switch wakeup; do
			read -r runs ns < <(stats_delta "$TMP/before" "$TMP/after" "(^lat_sched_|^)${hook}(_[a-z]+)?\$")
			PROG_NS[$hook.runs.$mode]="${PROG_NS[$hook.runs.$mode]:-} $runs"
			if [ "$runs" = 0 ]; then
				say "  ${LABEL[$mode]} sched_$hook: no program attached"
				continue
			fi
			per=$(awk -v t="$ns" -v n="$runs" 'BEGIN { printf "%.1f", t / n }')
			PROG_NS[$hook.$mode]="${PROG_NS[$hook.$mode]:-} $per"
			trip_ns=$((trip_ns + ns))
			say "  ${LABEL[$mode]} sched_$hook: $runs runs, $per ns each"
		done
		# BPF time of all hook runs during the ping-pong, per round trip.
		PROG_NS[trip.$mode]="${PROG_NS[trip.$mode]:-} $(awk -v t="$trip_ns" -v n="$PP_TRIPS" 'BEGIN { printf "%.0f", t / n }')"
	done
done
for mode in $HOOK_MODES; do
	for k in switch wakeup switch.runs wakeup.runs trip; do
		PROG_NS[$k.$mode]=$(echo "${PROG_NS[$k.$mode]:-}" | median)
	done
done
kill -TERM "$TRACED" 2>/dev/null || true
wait "$TRACED" 2>/dev/null || true
TRACED=
echo "$STATS_WAS" >/proc/sys/kernel/bpf_stats_enabled
STATS_WAS=

# ---- report --------------------------------------------------------------------

declare -A PP_BASE
verdict=within
for place in $PLACES; do
	PP_BASE[$place]=$(echo "${RES[pp.$place.none]}" | median)
	m=$(echo "${RES[pp.$place.sched]}" | median)
	if awk -v s="$(slowdown "${PP_BASE[$place]}" "$m")" 'BEGIN { exit !(s > 5) }'; then
		verdict=over
	fi
done

loop_base=$(echo "${RES[loop.none]}" | median)
diffs=
for r in $(seq "$ROUNDS"); do
	diffs+=" $(awk -v a="${RES[loop.sched.$r]}" -v b="${RES[loop.nosched.$r]}" 'BEGIN { printf "%.1f", a - b }')"
done
split_med=$(awk -v a="$(echo "${RES[loop.sched]}" | median)" -v b="$(echo "${RES[loop.nosched]}" | median)" \
	'BEGIN { printf "%.1f", a - b }')

cat <<EOF
## Scheduler split: what the on-CPU / run-queue / blocked hooks cost

Produced by \`bench/sched.sh\` on $(date -u +%Y-%m-%d), $(uname -sr), $(getconf _NPROCESSORS_ONLN) CPUs;
ROUNDS=$ROUNDS. Each mode runs once per round, in rotating order; figures are medians.
sonde and the process it traces run on CPU $OTHERS, the measured program on CPU $LAST_CPU.

### Context switches of a process sonde does not trace

\`build/bench/pingpong\`: two processes pass one byte back and forth over two pipes,
$PP_RUNS runs per round and placement; a run's rate is that of its faster batches (1e9 / the 25th
percentile of its 1,000-round-trip batches in ns: this VM's other tenants only add time). On one CPU (CPU $LAST_CPU, $PP_TRIPS round trips a run)
every round trip is two context switches straight between them: the most switches a second,
the worst case for the hooks. On two CPUs (CPU $LAST_CPU and CPU 0, $PP_TRIPS2 round trips a run)
every wakeup crosses CPUs. Meanwhile \`sonde lat -p PID sleep_2ms\` traces
\`build/targets/sleeper\` (about 480 blocking calls a second); sonde lat took its run-queue
time from $RUNQ_SOURCE. The floors are \`bench/schedfloor\`'s empty programs: a sched_switch
program alone, the floor of sonde lat's hooks where the kernel counts run-queue waits itself,
and sched_switch with sched_wakeup, the floor of the shape before (still sonde's on a kernel
without sched_info).

| tracer running | one CPU: round trips/s | slowdown | two CPUs: round trips/s | slowdown |
|---|---:|---:|---:|---:|
EOF
for mode in $PP_MODES; do
	row="| ${LABEL[$mode]} |"
	for place in one two; do
		m=$(echo "${RES[pp.$place.$mode]:-}" | median)
		if [ -z "$m" ]; then
			row+=" - | - |"
		elif [ "$mode" = none ]; then
			row+=" $m | - |"
		else
			row+=" $m | $(slowdown "${PP_BASE[$place]}" "$m") % |"
		fi
	done
	echo "$row"
done
echo
for place in $PLACES; do
	line="Runs on ${PLACE_NAME[$place]} (round trips/s):"
	for mode in $PP_MODES; do
		line+=" ${LABEL[$mode]}${RES[pp.$place.$mode]};"
	done
	echo "${line%;}."
done
cat <<EOF

Budget (issue 3): at most 5 % slowdown; sonde lat is $verdict the budget in this run. The
--no-sched and floor rows, which hook the scheduler less or not at all, show how far this
machine's noise alone moves the figure; the BPF run times below are the steadier measure.

### Added cost per traced call

\`tiny()\` of \`build/bench/loop_push\` (push-first entry) on CPU $LAST_CPU, $LOOP_CALLS calls per
run, $LOOP_RUNS runs per round, traced with \`sonde lat -b BIN tiny\`; sonde's count of calls is
checked against the loop's.

| mode | ns/call | added ns/call | runs |
|---|---:|---:|---|
EOF
for mode in $MODES; do
	m=$(echo "${RES[loop.$mode]}" | median)
	add=$(awk -v a="$m" -v b="$loop_base" 'BEGIN { printf "%.1f", a - b }')
	[ "$mode" != none ] || add=0
	echo "| ${LABEL[$mode]} | $m | $add |${RES[loop.$mode]} |"
done
cat <<EOF

The scheduler split adds $split_med ns per traced call (difference of the medians). Per round,
sonde lat minus --no-sched (medians of each round's runs):$diffs ns; median $(echo "$diffs" | median) ns.

### BPF run time of the hooks

Wall-clock timing on a shared virtual machine is noisy; the BPF programs' own run time is not
(\`kernel.bpf_stats_enabled=1\` for this phase only: run_time_ns / run_cnt from \`bpftool prog
show\`; it leaves out the few ns of the tracepoint's dispatch).

| BPF time per traced call of tiny() | --no-sched | sonde lat |
|---|---:|---:|
| entry + return programs | ${PROG_NS[call.nosched]} ns | ${PROG_NS[call.sched]} ns |
| runs | ${PROG_NS[call.nosched.runs]} | ${PROG_NS[call.sched.runs]} |

The scheduler split adds $(awk -v a="${PROG_NS[call.sched]}" -v b="${PROG_NS[call.nosched]}" \
	'BEGIN { printf "%.1f", a - b }') ns of BPF time per traced call.

The scheduler hooks during one-CPU ping-pong runs ($PP_TRIPS round trips, medians of $STATS_RUNS runs), next to the floor
(\`bench/schedfloor\`): a sched_switch program that does nothing, alone; sched_switch and
sched_wakeup programs that do nothing; programs that only look up task storage that is not
there, which is what a per-thread tracer's hooks do for a thread it does not trace; and programs
that read the task's storage pointer first and call the lookup only when it is set (never, for a
process nobody traces). - : no such program attached.

| hooks | sched_switch, ns per run | sched_wakeup, ns per run | BPF ns per round trip | share of an untraced round trip |
|---|---:|---:|---:|---:|
EOF
for mode in $HOOK_MODES; do
	case $mode in
	floor-emptyswitch) name="empty sched_switch program alone" ;;
	floor-empty) name="empty sched_switch + sched_wakeup programs" ;;
	floor-lookup) name="task storage lookup only" ;;
	floor-peek) name="pointer read, then lookup if set" ;;
	sched) name="sonde lat" ;;
	esac
	share=$(awk -v c="${PROG_NS[trip.$mode]}" -v r="${PP_BASE[one]}" 'BEGIN { printf "%.1f", c * r / 1e7 }')
	echo "| $name | ${PROG_NS[switch.$mode]:--} | ${PROG_NS[wakeup.$mode]:--} | ${PROG_NS[trip.$mode]} | $share % |"
done
cat <<EOF

An untraced round trip takes $(awk -v r="${PP_BASE[one]}" \
	'BEGIN { printf "%.2f", 1e6 / r }') us (the median of section 1). During a run, sonde lat's
sched_switch program ran ${PROG_NS[switch.runs.sched]} times machine-wide and its sched_wakeup program
${PROG_NS[wakeup.runs.sched]} times (run-queue time from $RUNQ_SOURCE). Per round trip, sonde lat's
hooks take $(awk -v a="${PROG_NS[trip.sched]}" -v b="${PROG_NS[trip.floor-emptyswitch]}" \
	'BEGIN { printf "%+.0f", a - b }') ns of BPF time next to the empty sched_switch program alone
(the like-for-like floor) and $(awk -v a="${PROG_NS[trip.sched]}" -v b="${PROG_NS[trip.floor-empty]}" \
	'BEGIN { printf "%+.0f", a - b }') ns next to the empty sched_switch + sched_wakeup pair.
With statistics on, the kernel reads the clock around every program run, and on this machine that
alone is most of what the empty programs show: the absolute figures overstate every row alike, so
compare the rows. Per context switch, sonde lat's sched_switch program takes $(awk \
	-v a="${PROG_NS[switch.sched]}" -v b="${PROG_NS[switch.floor-emptyswitch]}" 'BEGIN { printf "%+.1f", a - b }') ns
next to an empty program, $(awk -v a="${PROG_NS[switch.sched]}" -v b="${PROG_NS[switch.floor-lookup]}" \
	'BEGIN { printf "%+.1f", a - b }') ns next to a bare task storage lookup and $(awk -v a="${PROG_NS[switch.sched]}" \
	-v b="${PROG_NS[switch.floor-peek]}" 'BEGIN { printf "%+.1f", a - b }') ns next to the pointer read.
EOF
