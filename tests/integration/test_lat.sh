#!/bin/bash
# sonde lat measures what the targets are known to do: latencies within 10 %,
# call counts exact, self time right under nesting, recursion and threads.
# The targets start with `push %rbp`, so a probe hit costs ~1 us here
# (DESIGN.md), small next to the 10 % tolerances.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

# spin_50us busy-waits 50 us: p50 within 10 % of 50 us (traced with -p).
t_spin_50us_p50()
{
	start_bg "$T_DIR/target" "$TGT/spin"
	sonde_run lat --json -p "$BG_PID" spin_50us -d 2s
	expect_ok
	need_final
	expect_ge "spin_50us calls in 2s" "$(fn_field spin_50us calls)" 1000 "about 35,000 expected"
	expect_ns "spin_50us p50" "$(fn_field spin_50us p50_ns)" 50000 10
	# The calibration subtracts an estimate of the probes' own cost: a call may
	# read up to the jitter of that cost (~0.1-0.2 us here) less than it ran.
	expect_ge "spin_50us min_ns (it never takes less than 50us, minus the probe cost's jitter)" \
		"$(fn_field spin_50us min_ns)" 49750
}

# sleep_2ms is one 2 ms nanosleep: p50 within 10 % of 2 ms (traced with -p).
t_sleep_2ms_p50()
{
	start_bg "$T_DIR/target" "$TGT/sleeper"
	sonde_run lat --json -p "$BG_PID" sleep_2ms -d 2s
	expect_ok
	need_final
	expect_ge "sleep_2ms calls in 2s" "$(fn_field sleep_2ms calls)" 200 "about 950 expected"
	expect_ns "sleep_2ms p50" "$(fn_field sleep_2ms p50_ns)" 2000000 10
}

# outer spins 60 us itself, then calls inner (40 us): outer's wall time is
# 100 us, its self time 60 us per call; inner's wall and self time 40 us.
t_nested_self_time()
{
	sonde_run lat --json outer inner -- "$TGT/nested" 3000
	expect_ok
	need_final
	expect_eq "target's calls" "$(target_says calls)" 3000
	expect_eq "outer calls" "$(fn_field outer calls)" 3000
	expect_eq "inner calls" "$(fn_field inner calls)" 3000
	outer_self=$(fn_field outer self_ns)
	inner_total=$(fn_field inner total_ns)
	# Against the spins' wall time as the target measured it: a busy machine
	# stretches a preempted spin for both alike. Its self time excludes inner's.
	expect_ns "outer self time" "$outer_self" "$(target_says outer_spin_ns)" 10
	expect_ns "outer p50 (wall)" "$(fn_field outer p50_ns)" 100000 10
	expect_ns "inner p50 (wall)" "$(fn_field inner p50_ns)" 40000 10
	expect_ns "inner wall time" "$inner_total" "$(target_says inner_spin_ns)" 10
	# inner calls nothing traced: its self time is all of its wall time.
	expect_ns "inner self time" "$(fn_field inner self_ns)" "$inner_total" 1
}

# main calls recurse(20) 1000 times: recurse runs exactly 20,000 times, and
# none of its 20-deep stacks overflows sonde's call stack.
t_recursion_20_deep()
{
	sonde_run lat --json recurse -- "$TGT/recurse" 1000 20
	expect_ok
	need_final
	expect_eq "target's recurse_calls" "$(target_says recurse_calls)" 20000
	expect_eq "recurse calls" "$(fn_field recurse calls)" 20000
	[ "$(drops_total)" = 0 ] || fail "records dropped: $(drops_text)"
	expect_eq "histogram total" "$(hist_sum recurse)" 20000
}

# 4 threads each call thread_work 5,000 times, concurrently: exactly 20,000.
t_threads_4_x_n()
{
	sonde_run lat --json thread_work -- "$TGT/threads" 5000 4
	expect_ok
	need_final
	expect_eq "target's calls" "$(target_says calls)" 20000
	expect_eq "thread_work calls" "$(fn_field thread_work calls)" 20000
	[ "$(drops_total)" = 0 ] || fail "records dropped: $(drops_text)"
}

# Plain adds to the per-CPU totals only where the kernel cannot preempt a BPF
# program (user/core/preempt_model.h); -v names the model and the choice, and the
# atomic path, forced, counts 4 concurrent threads as exactly.
t_stats_adds_follow_preemption_model()
{
	local line

	sonde_run lat -v --json thread_work -- "$TGT/threads" 5000 4
	expect_ok
	need_final
	line=$(grep 'preemption model' "$T_DIR/err")
	case $line in
	*"model none "* | *"model voluntary "*) [[ $line == *"by plain adds" ]] ;;
	*) [[ $line == *"by atomic adds" ]] ;;
	esac || fail "the adds do not follow the model: '$line'"
	expect_eq "thread_work calls (plain or atomic, as the kernel needs)" \
		"$(fn_field thread_work calls)" 20000
	SONDE_ATOMIC_STATS=1 sonde_run lat -v --json thread_work -- "$TGT/threads" 5000 4
	expect_ok
	need_final
	grep -q 'per-CPU counters by atomic adds' "$T_DIR/err" || fail "not atomic: $(err_text)"
	expect_eq "thread_work calls (atomic)" "$(fn_field thread_work calls)" 20000
	expect_eq "histogram total (atomic)" "$(hist_sum thread_work)" 20000
	[ "$(drops_total)" = 0 ] || fail "records dropped: $(drops_text)"
}

# The histogram holds every call, and the percentiles are ordered.
t_hist_consistent()
{
	sonde_run lat --json --hist spin_50us -- "$TGT/spin" 2000
	expect_ok
	need_final
	calls=$(fn_field spin_50us calls)
	expect_eq "spin_50us calls" "$calls" 2000
	expect_eq "histogram total" "$(hist_sum spin_50us)" "$calls"
	jq -e '.functions[0] | .min_ns <= .p50_ns and .p50_ns <= .p90_ns and .p90_ns <= .p99_ns
		and .p99_ns <= .p999_ns and .p999_ns <= .max_ns' <<<"$FINAL" >/dev/null ||
		fail "percentiles out of order: $(jq -c '.functions[0] | {min_ns,p50_ns,p90_ns,p99_ns,p999_ns,max_ns}' <<<"$FINAL")"
	total=$(fn_field spin_50us total_ns)
	mean=$(fn_field spin_50us mean_ns)
	within_pct "$mean" $((total / calls)) 1 || fail "mean_ns $mean but total_ns/calls = $((total / calls))"
}

# -i: an interval report ("final":false) every 200 ms with that interval's
# calls, then the final report with all of them.
t_interval_reports()
{
	sonde_run lat --json -i 200ms spin_50us -- "$TGT/spin" 12000
	expect_ok
	need_final
	grep '^{' "$T_DIR/out" | jq -c 'select(.type == "lat" and .final == false)' >"$T_DIR/intervals"
	n=$(grep -c . "$T_DIR/intervals")
	expect_ge "interval reports in a run of about 0.6s" "$n" 2
	expect_eq "final spin_50us calls" "$(fn_field spin_50us calls)" 12000
	sum=$(jq -s '[.[].functions[].calls] | add' "$T_DIR/intervals")
	[ "$sum" -le 12000 ] || fail "the interval reports add up to $sum calls, more than the 12000 made"
	expect_ge "calls in the interval reports" "$sum" $((12000 * (n - 1) / (n + 1)))
	while read -r dur; do
		expect_ns "an interval's duration_ns" "$dur" 200000000 25
	done < <(jq -r .duration_ns "$T_DIR/intervals")
}

# The terminal report (no --json) names the function and its call count.
t_terminal_report()
{
	sonde_run lat --hist spin_50us -- "$TGT/spin" 500
	expect_ok
	grep -qE '^ *spin_50us +500 ' "$T_DIR/out" ||
		fail "no row 'spin_50us  500 ...' in the report: $(head -c 400 "$T_DIR/out" | tr '\n' '|')"
	grep -q $'\e\\[' "$T_DIR/out" && fail "colour escapes in a report written to a file"
	return 0
}

# Colour on a terminal (script(1) gives sonde one), never with NO_COLOR.
t_colour_only_on_terminal()
{
	local cmd="$SONDE lat --hist spin_50us -- $TGT/spin 300"

	# script -e exits with sonde's status; the typescript's first line
	# names the command, so the report is looked for by its row.
	script -qec "$cmd" "$T_DIR/tty" >/dev/null 2>&1 </dev/null || fail "sonde failed on a terminal"
	grep -qaE '^ *spin_50us +300 ' "$T_DIR/tty" || fail "no report row on the terminal"
	grep -qa $'\e\\[' "$T_DIR/tty" || fail "no colour on a terminal: $(head -c 300 "$T_DIR/tty" | tr '\n' '|')"
	NO_COLOR=1 script -qec "$cmd" "$T_DIR/tty" >/dev/null 2>&1 </dev/null ||
		fail "sonde failed on a terminal with NO_COLOR"
	grep -qaE '^ *spin_50us +300 ' "$T_DIR/tty" || fail "no report row on the terminal with NO_COLOR"
	grep -qa $'\e\\[' "$T_DIR/tty" && fail "colour on a terminal despite NO_COLOR"
	return 0
}

run_tests
