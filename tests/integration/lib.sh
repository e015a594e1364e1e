# shellcheck shell=bash
# Helpers for the integration tests: sourced by tests/integration/test_*.sh.
#
# A test file defines functions named t_<name> and ends with `run_tests`,
# which runs them in the order they appear, each in its own subshell, and
# prints one line per test:
#   ok - <name>
#   FAIL - <name>: <why, with the numbers>
#   skip - <name>: <reason>
# Without root or BPF every test reports "skip - <name>: skipped: needs root and BPF".
# Background processes a test starts with start_bg are killed after it.

IT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SONDE=${SONDE:-$IT_ROOT/build/sonde}
TGT=$IT_ROOT/build/targets
# Upper bound on any single sonde run, so a hang fails a test instead of CI.
IT_TIMEOUT=${IT_TIMEOUT:-40}

IT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sonde-it.XXXXXX")
trap 'it_kill_bg; rm -rf "$IT_TMP"' EXIT

# ---- running tests --------------------------------------------------------

# Why integration tests cannot run here, or nothing when they can.
it_skip_reason()
{
	if [ "$(id -u)" != 0 ]; then
		echo "skipped: needs root and BPF"
	elif ! command -v bpftool >/dev/null || ! bpftool prog show >/dev/null 2>&1; then
		echo "skipped: needs root and BPF"
	elif [ ! -x "$SONDE" ]; then
		echo "skipped: $SONDE is not built (run make)"
	fi
}

fail()
{
	echo "FAIL - $T_NAME: $*"
	: >"$IT_TMP/failed"
	exit 1
}

skip()
{
	echo "skip - $T_NAME: $*"
	: >"$IT_TMP/skipped"
	exit 0
}

it_kill_bg()
{
	local pid

	[ -f "$IT_TMP/pids" ] || return 0
	while read -r pid; do
		kill -TERM "$pid" 2>/dev/null
	done <"$IT_TMP/pids"
	sleep 0.1
	while read -r pid; do
		kill -KILL "$pid" 2>/dev/null
	done <"$IT_TMP/pids"
	rm -f "$IT_TMP/pids"
}

run_one()
{
	local fn=$1 rc

	T_NAME=${fn#t_}
	T_DIR=$IT_TMP/$T_NAME
	mkdir -p "$T_DIR"
	rm -f "$IT_TMP/failed" "$IT_TMP/skipped"
	("$fn")
	rc=$?
	it_kill_bg
	if [ -e "$IT_TMP/failed" ] || [ -e "$IT_TMP/skipped" ]; then
		return 0
	fi
	if [ "$rc" != 0 ]; then
		echo "FAIL - $T_NAME: the test itself stopped with status $rc"
	else
		echo "ok - $T_NAME"
	fi
}

# Run every t_* function of the calling script, in file order.
run_tests()
{
	local reason fn

	reason=${SONDE_IT_SKIP:-$(it_skip_reason)}
	for fn in $(grep -oE '^t_[A-Za-z0-9_]+\(\)' "$0" | tr -d '()'); do
		if [ -n "$reason" ]; then
			echo "skip - ${fn#t_}: $reason"
		else
			run_one "$fn"
		fi
	done
}

# ---- processes --------------------------------------------------------------

# start_bg OUTFILE CMD ARGS...: start CMD in the background, output to OUTFILE;
# its PID is in BG_PID. Killed after the test.
start_bg()
{
	local out=$1 want _

	shift
	"$@" >"$out" 2>&1 &
	BG_PID=$!
	echo "$BG_PID" >>"$IT_TMP/pids"
	# Back once the child runs CMD, not the shell that forked it: a sonde -p
	# started at once on a busy machine would otherwise find bash there.
	want=$(readlink -f "$(command -v "$1")" 2>/dev/null)
	[ -n "$want" ] && [ "$want" != "$(readlink -f "/proc/$$/exe")" ] || return 0
	for _ in $(seq 300); do
		[ "$(readlink "/proc/$BG_PID/exe" 2>/dev/null)" = "$want" ] && return 0
		kill -0 "$BG_PID" 2>/dev/null || return 0
		sleep 0.01
	done
}

# start_held OUTFILE CMD ARGS...: start a target that waits for SIGUSR1 before
# its first call (TGT_WAIT_USR1, tests/targets/targets.h); returns once it
# waits. Its PID is in BG_PID; let it go with: kill -USR1 PID.
start_held()
{
	local caught _

	TGT_WAIT_USR1=1 start_bg "$@"
	for _ in $(seq 100); do
		# SigCgt holds SIGUSR1 (signal 10: 0x200) once the target waits for it.
		caught=$(awk '/^SigCgt:/ { print $2 }' "/proc/$BG_PID/status" 2>/dev/null)
		if [ -n "$caught" ] && ((16#$caught & 0x200)); then
			return 0
		fi
		sleep 0.05
	done
	fail "$* did not get ready to wait for SIGUSR1"
}

# start_sonde ARGS...: sonde in the background (stdout, stderr as sonde_run);
# its PID is in SONDE_PID. Collect it with wait_sonde.
start_sonde()
{
	timeout -k 5 "$IT_TIMEOUT" "$SONDE" "$@" >"$T_DIR/out" 2>"$T_DIR/err" &
	SONDE_PID=$!
	echo "$SONDE_PID" >>"$IT_TMP/pids"
	SONDE_T0=$(date +%s%N)
}

wait_sonde()
{
	local pid t

	# Shortly before timeout(1) kills a sonde that hangs, note where each of
	# its threads waits, so the failure says why and not only that.
	while kill -0 "$SONDE_PID" 2>/dev/null &&
		[ $((($(date +%s%N) - SONDE_T0) / 1000000000)) -lt $((IT_TIMEOUT - 3)) ]; do
		sleep 0.1
	done
	pid=$(pgrep -P "$SONDE_PID" -x sonde | head -n 1)
	if [ -n "$pid" ]; then
		for t in /proc/"$pid"/task/*; do
			echo "thread $(cat "$t/comm" 2>/dev/null) in $(cat "$t/wchan" 2>/dev/null):" \
				"$(tr '\n' ' ' <"$t/stack" 2>/dev/null)"
		done >"$T_DIR/hang"
	fi
	wait "$SONDE_PID"
	RC=$?
	# shellcheck disable=SC2034 # read by the tests
	ELAPSED_MS=$((($(date +%s%N) - SONDE_T0) / 1000000))
	if [ "$RC" = 124 ] || [ "$RC" = 137 ]; then
		fail "sonde did not finish within ${IT_TIMEOUT}s; its threads: $(tr '\n' '|' <"$T_DIR/hang" 2>/dev/null); stderr: $(err_text)"
	fi
	[ "$RC" -lt 128 ] || fail "sonde was killed by signal $((RC - 128)); stderr: $(err_text)"
	return 0
}

# stop_bg PID: SIGTERM, then wait for it (the targets print their summary).
stop_bg()
{
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# sonde_run ARGS...: run sonde with a time limit; stdout in $T_DIR/out,
# stderr in $T_DIR/err, exit status in RC, wall time in ms in ELAPSED_MS.
sonde_run()
{
	local t0 t1

	t0=$(date +%s%N)
	timeout -k 5 "$IT_TIMEOUT" "$SONDE" "$@" >"$T_DIR/out" 2>"$T_DIR/err"
	RC=$?
	t1=$(date +%s%N)
	# shellcheck disable=SC2034 # read by the tests
	ELAPSED_MS=$(((t1 - t0) / 1000000))
	if [ "$RC" = 124 ] || [ "$RC" = 137 ]; then
		fail "sonde $* did not finish within ${IT_TIMEOUT}s"
	fi
	if [ "$RC" -ge 128 ]; then
		fail "sonde $* was killed by signal $((RC - 128)); stderr: $(err_text)"
	fi
	return 0
}

# Must exit 0: otherwise fail with the status and what sonde said.
expect_ok()
{
	[ "$RC" = 0 ] || fail "sonde exited $RC, expected 0; stderr: $(err_text)"
}

err_text()
{
	head -c 400 "$T_DIR/err" | tr '\n' '|'
}

# Wait until a process has mapped FILE (a library loads after exec).
wait_mapped()
{
	local pid=$1 file=$2 _

	for _ in $(seq 50); do
		grep -qF "$file" "/proc/$pid/maps" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "process $pid never mapped $file"
}

# ---- JSON output ------------------------------------------------------------

# The final report (the last "final":true lat object) of $T_DIR/out.
final_json()
{
	grep '^{' "$T_DIR/out" | jq -c 'select(.type == "lat" and .final == true)' 2>/dev/null | tail -n 1
}

# Fails the test unless the output holds a final report.
need_final()
{
	FINAL=$(final_json)
	[ -n "$FINAL" ] || fail "no final JSON report on stdout (exit $RC); stdout: $(head -c 300 "$T_DIR/out" | tr '\n' '|') stderr: $(err_text)"
}

# The final mem report of $T_DIR/out, in FINAL.
need_mem_final()
{
	FINAL=$(grep '^{' "$T_DIR/out" | jq -c 'select(.type == "mem" and .final == true)' 2>/dev/null | tail -n 1)
	[ -n "$FINAL" ] || fail "no final mem report on stdout (exit $RC); stdout: $(head -c 300 "$T_DIR/out" | tr '\n' '|') stderr: $(err_text)"
}

# fn_count NAME: how many rows of the final report are named NAME.
fn_count()
{
	jq -r --arg n "$1" '[.functions[] | select(.name == $n)] | length' <<<"$FINAL"
}

# fn_field NAME FIELD: FIELD of the row named NAME in the final report;
# "none" when there is no such row, the values joined by "," when several.
# (It never fails: it runs inside $(...), where fail could not end the test.)
fn_field()
{
	jq -r --arg n "$1" --arg f "$2" '
		[.functions[] | select(.name == $n) | .[$f]]
		| if length == 0 then "none" else map(tostring) | join(",") end' <<<"$FINAL"
}

# hist_sum NAME: the counts of NAME's histogram, added up.
hist_sum()
{
	jq -r --arg n "$1" '[.functions[] | select(.name == $n) | .hist[][1]] | add // 0' <<<"$FINAL"
}

# drops: the drop counters of the final report, "k=v ..." for messages.
drops_text()
{
	jq -r '.drops | to_entries | map("\(.key)=\(.value)") | join(" ")' <<<"$FINAL"
}

drops_total()
{
	jq -r '[.drops[]] | add // 0' <<<"$FINAL"
}

# ---- numbers ----------------------------------------------------------------

is_num()
{
	[[ $1 =~ ^-?[0-9]+(\.[0-9]+)?$ ]]
}

# within_pct ACTUAL EXPECTED PCT: |ACTUAL - EXPECTED| <= PCT % of EXPECTED.
within_pct()
{
	is_num "$1" && awk -v a="$1" -v e="$2" -v p="$3" \
		'BEGIN { d = a - e; if (d < 0) d = -d; exit !(d <= e * p / 100) }'
}

# expect_eq WHAT ACTUAL EXPECTED
expect_eq()
{
	[ "$2" = "$3" ] || fail "$1 is $2, expected exactly $3"
}

# expect_ge WHAT ACTUAL MIN [NOTE]
expect_ge()
{
	if ! is_num "$2" || ! awk -v a="$2" -v m="$3" 'BEGIN { exit !(a >= m) }'; then
		fail "$1 is $2, expected >= $3${4:+ ($4)}"
	fi
}

# expect_ns WHAT ACTUAL_NS EXPECTED_NS PCT: a time within PCT % of EXPECTED.
expect_ns()
{
	within_pct "$2" "$3" "$4" ||
		fail "$1 is $(ns_us "$2"), expected $(ns_us "$3") +-$4% ($(pct_off "$2" "$3"))"
}

# pct_off ACTUAL EXPECTED: the signed difference in percent, for messages.
pct_off()
{
	is_num "$1" || { echo "n/a"; return; }
	awk -v a="$1" -v e="$2" 'BEGIN { printf "%+.1f%%", (a - e) * 100 / e }'
}

# ns_us NS: nanoseconds as microseconds with one decimal, for messages.
ns_us()
{
	is_num "$1" || { echo "$1"; return; }
	awk -v n="$1" 'BEGIN { printf "%.1fus", n / 1000 }'
}

# target_says KEY: the value of KEY=... in the target's summary line in $T_DIR/out.
target_says()
{
	grep -oE "(^| )$1=[0-9]+" "$T_DIR/out" | tail -n 1 | cut -d= -f2
}

# ---- uprobe links -----------------------------------------------------------

# Uprobe links (uprobe_multi, or perf_event uprobes of the per-function
# fallback) on the test targets and on libc: every file these tests probe.
# Limited to those files so that other tracers running on the machine do not
# disturb the before/after comparison.
uprobe_links()
{
	bpftool link show -j 2>/dev/null | jq -r --arg t "$TGT/" '
		[.[] | select(.type == "uprobe_multi" or (.type == "perf_event" and has("file")))
		     | (.path // .file // "")
		     | select(startswith($t) or test("/libc[.-]"))] | length'
}

links_on()
{
	bpftool link show -j 2>/dev/null |
		jq -r --arg f "$1" '[.[] | select((.path // .file // "") == $f)] | length'
}

# wait_links_on FILE: wait until sonde (start_sonde) says it is tracing, uprobe
# links are on FILE, and their number has not changed for 0.3 s: sonde has
# attached. The line alone is not enough for -b, whose later processes get
# links of their own; the count alone was not under load (free() is attached
# well before the allocator functions). Up to 10 s.
wait_links_on()
{
	local n last=0 same=0 _

	for _ in $(seq 100); do
		n=$(links_on "$1")
		if [ "$n" -gt 0 ] && [ "$n" = "$last" ] && grep -q '^sonde: tracing' "$T_DIR/err"; then
			same=$((same + 1))
			[ "$same" -ge 3 ] && return 0
		else
			same=0
		fi
		last=$n
		sleep 0.1
	done
	fail "no settled uprobe links on $1 within 10s (last count $last); sonde stderr: $(err_text)"
}

# ---- bad input --------------------------------------------------------------

# bad_input STATUS REGEX ARGS...: sonde ARGS must exit STATUS with exactly one
# line on stderr, starting "sonde: " and matching the extended REGEX
# (case-insensitive), and leave no uprobe link behind.
bad_input()
{
	local want=$1 re=$2 before after lines

	shift 2
	before=$(uprobe_links)
	sonde_run "$@"
	after=$(uprobe_links)
	lines=$(grep -c . "$T_DIR/err")
	[ "$RC" = "$want" ] || fail "exit status $RC, expected $want; stderr: $(err_text)"
	[ "$lines" = 1 ] || fail "expected one line on stderr, got $lines: $(err_text)"
	grep -q '^sonde: ' "$T_DIR/err" || fail "stderr does not start with 'sonde: ': $(err_text)"
	grep -qiE "$re" "$T_DIR/err" || fail "message does not match /$re/: $(err_text)"
	[ "$before" = "$after" ] || fail "uprobe links before: $before, after: $after"
	return 0
}

# ---- scheduler split, slow calls, threads -----------------------------------

# expect_gt WHAT ACTUAL MIN [NOTE]
expect_gt()
{
	if ! is_num "$2" || ! awk -v a="$2" -v m="$3" 'BEGIN { exit !(a > m) }'; then
		fail "$1 is $2, expected > $3${4:+ ($4)}"
	fi
}

# expect_le WHAT ACTUAL MAX [NOTE]
expect_le()
{
	if ! is_num "$2" || ! awk -v a="$2" -v m="$3" 'BEGIN { exit !(a <= m) }'; then
		fail "$1 is $2, expected <= $3${4:+ ($4)}"
	fi
}

# fn_share NAME FIELD: FIELD / total_ns of the row named NAME (3 decimals),
# "none" when there is no such row or total_ns is 0.
fn_share()
{
	jq -r --arg n "$1" --arg f "$2" '
		[.functions[] | select(.name == $n)] | .[0]
		| if . == null or .total_ns == 0 or (.[$f] | type) != "number" then "none"
		  else (.[$f] * 1000 / .total_ns | round) / 1000 end' <<<"$FINAL"
}

# sched_text NAME: NAME's split as "oncpu=X% runq=Y% blocked=Z% of total_ns=N",
# for failure messages.
sched_text()
{
	jq -r --arg n "$1" '
		[.functions[] | select(.name == $n)] | .[0] // {}
		| def pct(x): if (.total_ns // 0) > 0 and (x | type) == "number"
			then "\((x * 1000 / .total_ns | round) / 10)%" else "\(x)" end;
		  "oncpu=\(pct(.oncpu_ns)) runq=\(pct(.runq_ns)) blocked=\(pct(.blocked_ns)) of total_ns=\(.total_ns)"' <<<"$FINAL"
}

# expect_split_adds_up NAME PCT: oncpu_ns + runq_ns + blocked_ns of NAME is
# within PCT % of its total_ns. Since the kernel keeps no on-CPU sum (sonde
# derives it: lat.bpf.c, account_call()), this guards the derivation and the
# report path, not the measurement; the share checks do that.
expect_split_adds_up()
{
	local sum total

	sum=$(jq -r --arg n "$1" '[.functions[] | select(.name == $n)] | .[0]
		| (.oncpu_ns + .runq_ns + .blocked_ns) // "none"' <<<"$FINAL" 2>/dev/null)
	total=$(fn_field "$1" total_ns)
	within_pct "$sum" "$total" "$2" ||
		fail "$1: oncpu_ns + runq_ns + blocked_ns = $sum, total_ns = $total ($(pct_off "$sum" "$total"), allowed +-$2%)"
}

# offcpu_hist_sum NAME: the counts of NAME's off-CPU histogram, added up.
offcpu_hist_sum()
{
	jq -r --arg n "$1" '[.functions[] | select(.name == $n) | .offcpu_hist[]?[1]] | add // 0' <<<"$FINAL"
}

# offcpu_hist_median NAME: lower_ns of the off-CPU histogram bucket that holds
# NAME's median call.
offcpu_hist_median()
{
	jq -r --arg n "$1" '
		[.functions[] | select(.name == $n)] | .[0].offcpu_hist // []
		| (map(.[1]) | add // 0) as $all
		| reduce .[] as $b ({c: 0, m: null};
			.c += $b[1] | if .m == null and .c * 2 >= $all then .m = $b[0] else . end)
		| .m // "none"' <<<"$FINAL"
}

# threads_field KEY: .threads.KEY of the final report ("null" when absent).
threads_field()
{
	jq -r --arg k "$1" '.threads[$k]' <<<"$FINAL"
}

# slow_records: the {"type":"slow"} lines of $T_DIR/out into $T_DIR/slow,
# one per line; prints how many.
slow_records()
{
	grep '^{' "$T_DIR/out" | jq -c 'select(.type == "slow")' >"$T_DIR/slow" 2>/dev/null
	grep -c . "$T_DIR/slow"
}

# tp_links PID: the tracepoints of the BPF links PID holds open, one per line
# (from /proc/PID/fdinfo, so links of other tracers on the machine never count).
tp_links()
{
	grep -h '^tp_name:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ print $2 }'
}

# sonde_child: the PID of the sonde that start_sonde started under timeout(1).
sonde_child()
{
	local pid _

	for _ in $(seq 50); do
		pid=$(pgrep -P "$SONDE_PID" -x sonde | head -n 1)
		[ -n "$pid" ] && { echo "$pid"; return 0; }
		sleep 0.1
	done
	return 1
}

# wait_file_match FILE REGEX SECONDS: wait until a line of FILE matches the
# extended REGEX; returns 1 if none did in time.
wait_file_match()
{
	local _

	for _ in $(seq $(($3 * 20))); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# pin_self_off CPU: move the calling test (and what it starts afterwards) to
# every online CPU but CPU, so sonde and the test's own work leave CPU alone;
# and raise its priority to nice -20, so that whatever else the machine runs
# on CPU (CI jobs, a stray busy loop) gets about 1 % of it next to the target
# (CFS weights: 88761 for nice -20, 1024 for nice 0).
pin_self_off()
{
	local last

	renice -n -20 -p "$BASHPID" >/dev/null

	last=$(($(getconf _NPROCESSORS_ONLN) - 1))
	if [ "$1" = 0 ]; then
		taskset -pc "1-$last" "$BASHPID" >/dev/null
	elif [ "$1" = "$last" ]; then
		taskset -pc "0-$(($1 - 1))" "$BASHPID" >/dev/null
	else
		taskset -pc "0-$(($1 - 1)),$(($1 + 1))-$last" "$BASHPID" >/dev/null
	fi
}
