#!/bin/bash
# The probes' own cost is subtracted by what it costs now, only where it was
# paid, and every function says how uncertain its figures are (error_ns):
# - a caller's p50 does not move when its hot callee is traced too, beside a
#   CPU-bound neighbour (callees: work_unit makes 10 calls of tick);
# - a caller never reads below the traced callees it contains;
# - a leaf at a single-stepped site (a few ns of work, ~10 us of probe) reads
#   within its error_ns of the truth, run after run;
# - a sleep is never counted as on-CPU time, beside a CPU hog or not.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

# cpu_hog: two CPU-bound stress-ng workers for the rest of the test.
cpu_hog()
{
	command -v stress-ng >/dev/null || fail "stress-ng is not installed (scripts/install-deps.sh)"
	start_bg "$T_DIR/hog" stress-ng --cpu 2 --timeout 300s
}

# p50 NAME: NAME's p50_ns in $FINAL.
p50()
{
	fn_field "$1" p50_ns
}

t_caller_unmoved_by_traced_callee_under_load()
{
	local run alone with err

	cpu_hog
	for run in 1 2 3; do
		sonde_run lat --json work_unit -- "$TGT/callees" 2000 10
		expect_ok
		need_final
		expect_eq "run $run: work_unit calls" "$(fn_field work_unit calls)" 2000
		alone=$(p50 work_unit)
		sonde_run lat --json work_unit tick -- "$TGT/callees" 2000 10
		expect_ok
		need_final
		expect_eq "run $run: target's own count" "$(target_says tick)" 20000
		expect_eq "run $run: tick calls" "$(fn_field tick calls)" 20000
		with=$(p50 work_unit)
		within_pct "$with" "$alone" 20 ||
			fail "run $run: work_unit p50 ${with}ns with tick traced, ${alone}ns without ($(pct_off "$with" "$alone"), allowed +-20%)"
		err=$(fn_field work_unit error_ns)
		expect_gt "run $run: work_unit error_ns (its callees' probe cost has a spread)" "$err" 0
		# Its ten ticks ran inside it, whatever the estimate of their cost.
		expect_ge "run $run: work_unit self_ns" "$(fn_field work_unit self_ns)" 0
		expect_ge "run $run: work_unit total vs its callees" \
			"$(fn_field work_unit total_ns)" "$(fn_field tick total_ns)"
	done
}

# callees' stepped_leaf is `lea 1(%rdi), %rax; ret`: ~1 ns of work at a site
# the kernel single-steps. Its p50 is within its error_ns of 0-5 ns.
t_stepped_leaf_within_its_error()
{
	local run p err

	for run in 1 2 3; do
		sonde_run lat --json stepped_leaf -- "$TGT/callees" 3000 0
		expect_ok
		need_final
		expect_eq "run $run: stepped_leaf calls" "$(fn_field stepped_leaf calls)" 3000
		p=$(p50 stepped_leaf)
		err=$(fn_field stepped_leaf error_ns)
		expect_gt "run $run: stepped_leaf error_ns" "$err" 0
		expect_le "run $run: stepped_leaf p50 - 5ns (truth: a few ns)" "$((p - 5))" "$err" \
			"p50 ${p}ns, error_ns ${err}ns"
	done
	# The terminal shows the bound beside the percentiles.
	sonde_run lat stepped_leaf -- "$TGT/callees" 300 0
	expect_ok
	grep -q '±ERR' "$T_DIR/out" || fail "no ±ERR column: $(cat "$T_DIR/out")"
	grep -E '^stepped_leaf .* ±[0-9.]+(ns|us) ' "$T_DIR/out" >/dev/null ||
		fail "no ± figure on stepped_leaf's row: $(cat "$T_DIR/out")"
}

# 2,000 sleeps over four runs, two of them beside a CPU hog: not one reads
# as a call that never left the CPU, and each is mostly off-CPU.
t_sleeps_never_oncpu()
{
	local run oncalls

	for run in 1 2 3 4; do
		[ "$run" = 3 ] && cpu_hog
		sonde_run lat --json sleep_2ms -- "$TGT/sleeper" 500
		expect_ok
		need_final
		expect_eq "run $run: sleep_2ms calls" "$(fn_field sleep_2ms calls)" 500
		oncalls=$(jq '[.functions[] | select(.name == "sleep_2ms")
			| .offcpu_hist[] | select(.[0] == 0) | .[1]] | add // 0' <<<"$FINAL")
		expect_eq "run $run: sleeps counted as all on-CPU" "$oncalls" 0
		expect_eq "run $run: calls in the off-CPU histogram" "$(offcpu_hist_sum sleep_2ms)" 500
		expect_le "run $run: sleep_2ms on-CPU share" "$(fn_share sleep_2ms oncpu_ns)" 0.10 \
			"$(sched_text sleep_2ms)"
		is_num "$(jq '.sched_resyncs' <<<"$FINAL")" || fail "run $run: no sched_resyncs in the JSON"
	done
}

run_tests
