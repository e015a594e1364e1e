#!/bin/bash
# Budgets (--budget): absolute limits on a run's final report, on sonde lat,
# sonde mem and sonde report. tests/targets/abswitch's step_lookup spins
# 100 us, step_parse 40 us, step_render 60 us; memtarget leaks at a known rate.
# Live runs use wide margins (a limit 3x over, or 20-60 % under, the spin), and
# the exact boundaries are tested on a recorded profile, whose figures are fixed.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

MT=$TGT/memtarget

# lat_budgets BUDGET...: sonde lat on abswitch 1500 with each --budget.
lat_budgets()
{
	local args=() b
	for b in "$@"; do
		args+=(--budget "$b")
	done
	sonde_run lat 'step_*' "${args[@]}" -- "$TGT/abswitch" 1500
}

# The traced program's own output is there, unchanged, whatever the budgets say.
expect_target_line()
{
	grep -qx "calls=1500 lookup_us=100" "$T_DIR/out" ||
		fail "the target's own line is missing: $(head -c 300 "$T_DIR/out" | tr '\n' '|')"
}

# budget_line PATTERN: the report's budget line matching PATTERN (grep -E), or fail.
expect_budget_line()
{
	grep -Eq "^budget $1" "$T_DIR/out" ||
		fail "no budget line '$1': $(grep '^budget' "$T_DIR/out" | tr '\n' '|') stderr: $(err_text)"
}

# A budget it keeps: exit 0, "budget ok", listed before the report's table.
t_lat_budget_met()
{
	NO_COLOR=1 lat_budgets 'step_lookup:p50<300us'
	expect_ok
	expect_target_line
	expect_budget_line 'ok step_lookup p50 [0-9.]+us < 300us \(-[0-9]+ %\)$'
	local b t
	b=$(grep -n '^budget ok' "$T_DIR/out" | cut -d: -f1)
	t=$(grep -n '^FUNCTION' "$T_DIR/out" | cut -d: -f1)
	if [ -z "$t" ] || [ "$b" -ge "$t" ]; then
		fail "the budget block is not before the table (lines $b, $t)"
	fi
}

# Broken by less than 50 %: a warning, exit 1; the kept one listed after it.
t_lat_budget_warning()
{
	NO_COLOR=1 lat_budgets 'step_parse:p50<200us' 'step_lookup:p50<80us'
	expect_eq "exit status on a breach" "$RC" 1
	expect_target_line
	expect_budget_line 'breached \(warning\) step_lookup p50 [0-9.]+us > 80.0us \(\+[0-9.]+ %\)$'
	expect_eq "first budget line" "$(grep -m1 '^budget' "$T_DIR/out" | cut -d' ' -f2-4)" \
		"breached (warning) step_lookup"
	expect_budget_line 'ok step_parse p50'
}

# Broken by more than 50 %: critical; --critical 200 makes the same breach a warning.
t_lat_budget_critical()
{
	NO_COLOR=1 lat_budgets 'step_lookup:p50<40us'
	expect_eq "exit status on a breach" "$RC" 1
	expect_target_line
	expect_budget_line 'breached \(critical\) step_lookup p50 [0-9.]+us > 40.0us \(\+[0-9]+ %\)$'
	NO_COLOR=1 sonde_run lat 'step_*' --budget 'step_lookup:p50<40us' --critical 200 \
		-- "$TGT/abswitch" 1500
	expect_eq "exit status on a breach" "$RC" 1
	expect_budget_line 'breached \(warning\) step_lookup p50'
}

# --json: the final report object carries "budgets", one entry per function a
# glob matches, whose value is the report's own figure for it.
t_lat_budget_json()
{
	sonde_run lat --json 'step_*' --budget 'step_*:p50<80us' -- "$TGT/abswitch" 1500
	expect_eq "exit status on a breach" "$RC" 1
	expect_target_line
	need_final
	expect_eq "budget entries" "$(jq '.budgets | length' <<<"$FINAL")" 3
	local e
	e=$(jq -c '.budgets[] | select(.target == "step_lookup")' <<<"$FINAL")
	expect_eq "step_lookup verdict" "$(jq -r .verdict <<<"$e")" breach
	expect_eq "step_lookup severity" "$(jq -r .severity <<<"$e")" warning
	expect_eq "budget text" "$(jq -r .budget <<<"$e")" 'step_*:p50<80us'
	expect_eq "metric" "$(jq -r .metric <<<"$e")" p50
	expect_eq "limit" "$(jq -r .limit <<<"$e")" 80000
	expect_eq "value (the report's p50_ns)" "$(jq -r .value <<<"$e")" "$(fn_field step_lookup p50_ns)"
	jq -e '(.over_pct - ((.value - .limit) / .limit * 100)) | fabs < 1e-6' <<<"$e" >/dev/null ||
		fail "over_pct does not follow from value and limit: $e"
	for f in step_parse step_render; do
		expect_eq "$f verdict" "$(jq -r --arg f $f '.budgets[] | select(.target == $f) | .verdict' <<<"$FINAL")" ok
	done
	expect_eq "breaches first" "$(jq -r '.budgets[0].target' <<<"$FINAL")" step_lookup
}

# On a recorded profile the figures are fixed: the limits just above and just
# below step_lookup's p50, and either side of 50 % over it, with their exit statuses.
t_report_boundaries()
{
	local f=$T_DIR/r.sonde v lo hi
	sonde_run lat -o "$f" 'step_*' -- "$TGT/abswitch" 500
	expect_ok
	sonde_run report --json "$f"
	v=$(jq -r '.functions[] | select(.name == "step_lookup") | .p50_ns' "$T_DIR/out")
	is_num "$v" || fail "no p50_ns for step_lookup: $(head -c 200 "$T_DIR/out")"
	check()
	{
		sonde_run report "$f" --budget "step_lookup:p50<$1ns"
		expect_eq "exit status at limit $1 (p50 $v)" "$RC" "$2"
		expect_budget_line "$3 step_lookup p50"
	}
	check $((v + 1)) 0 'ok'
	check "$v" 1 'breached \(warning\)' # '<': at the limit is over it
	lo=$((v * 2 / 3 + 1))               # v < 1.5 x lo: under 50 % over
	hi=$((v * 2 / 3 - 1))               # v > 1.5 x hi
	check "$lo" 1 'breached \(warning\)'
	check "$hi" 1 'breached \(critical\)'
	sonde_run report "$f" --budget "step_lookup:p50<${hi}ns" --critical 51
	expect_budget_line 'breached \(warning\) step_lookup'
	# The same in report --json.
	sonde_run report --json "$f" --budget "step_lookup:p50<${hi}ns" --budget 'step_parse:p50<1s'
	expect_eq "exit status" "$RC" 1
	expect_eq "verdicts" "$(jq -r '[.budgets[] | .verdict + "/" + .severity] | join(",")' "$T_DIR/out")" \
		"breach/critical,ok/none"
	# sonde diff judges them on the NEW profile: the same file on both sides.
	sonde_run diff "$f" "$f" --budget "step_lookup:p50<$((v + 1))ns"
	expect_eq "sonde diff A/A, budget kept" "$RC" 0
	sonde_run diff --json "$f" "$f" --budget "step_lookup:p50<${v}ns"
	expect_eq "sonde diff A/A, budget at its limit" "$RC" 1
	expect_eq "regressions" "$(jq .regressions "$T_DIR/out")" 0
	expect_eq "budget value (NEW's p50)" "$(jq '.budgets[0].value' "$T_DIR/out")" "$v"
}

# sonde ab: the budgets hold for the NEW runs; a breach alone exits 1.
t_ab_budgets()
{
	local ab=("$TGT/abswitch" 300)
	sonde_run ab 'step_*' --runs 2 --json --budget 'step_lookup:p50<300us' --budget 'step_lookup:p50<110us' \
		-- "${ab[@]}" 0 ::: "${ab[@]}" 1
	expect_eq "exit status (a regression, a breach)" "$RC" 1
	expect_eq "verdicts" "$(jq -r '[.budgets[] | .budget + " " + .verdict] | join(",")' "$T_DIR/out")" \
		"step_lookup:p50<110us breach,step_lookup:p50<300us ok"
	local v
	v=$(jq '.budgets[0].value' "$T_DIR/out")
	within_pct "$v" 130000 15 || fail "the budget's value $v is not NEW's p50 (130 us)"
	NO_COLOR=1 sonde_run ab 'step_*' --runs 2 --budget 'step_lookup:p50<80us' -- "${ab[@]}" 0 ::: "${ab[@]}" 0
	expect_eq "exit status of A/A with a breached budget" "$RC" 1
	grep -q '^budget breached (warning) step_lookup p50' "$T_DIR/out" || fail "no budget line: $(head -c 300 "$T_DIR/out")"
	grep -q '^0 regressions' "$T_DIR/out" || fail "A/A found a regression: $(grep '^regression' "$T_DIR/out")"
	sonde_run ab 'step_*' --runs 2 --budget 'rss<1GiB' -- "${ab[@]}" 0 ::: "${ab[@]}" 0
	expect_eq "exit status of a memory budget on sonde ab" "$RC" 2
	! grep -q '^calls=' "$T_DIR/out" || fail "runs started despite the refused budget"
}

# A function traced but never called has no data (exit 0); a glob that matches
# no traced function is a typo and refused before the command runs.
t_no_data_and_typo()
{
	sonde_run lat sleep_2ms two_naps --budget 'two_naps:p50<5ms' --json -- "$TGT/sleeper" 20
	expect_ok
	need_final
	expect_eq "verdict of an uncalled function" "$(jq -r '.budgets[0].verdict' <<<"$FINAL")" no_data
	expect_eq "its value" "$(jq -r '.budgets[0].value' <<<"$FINAL")" null
	sonde_run lat 'step_*' --budget 'step_lokup:p50<1ms' -- "$TGT/abswitch" 1500
	expect_eq "exit status of a typo" "$RC" 2
	grep -q "did you mean 'step_lookup'" "$T_DIR/err" || fail "no suggestion: $(err_text)"
	! grep -q '^calls=' "$T_DIR/out" || fail "the command ran despite the refused budget"
}

# Budgets that do not parse, or are for the other command: one line, exit 2,
# before anything runs.
t_bad_budgets_refused()
{
	local b
	for b in 'step_lookup:p50>1ms' 'p50<1ms' 'step_lookup:p95<1ms' 'step_lookup:p50<1' \
		'step_lookup:p50<1parsec' 'step_lookup:p50<-1ms' 'step_lookup:p50<nanms' \
		'step_lookup:p50<0ns' 'rss<1GiB' 'step_lookup'; do
		sonde_run lat 'step_*' --budget "$b" -- "$TGT/abswitch" 1500
		expect_eq "exit status of --budget '$b'" "$RC" 2
		expect_eq "stderr lines for '$b'" "$(grep -c . "$T_DIR/err")" 1
		grep -q "^sonde: --budget '" "$T_DIR/err" || fail "--budget '$b': $(err_text)"
		! grep -q '^calls=' "$T_DIR/out" || fail "the command ran despite --budget '$b'"
	done
	for b in 'step_lookup:p50<1ms' 'rss<1parsec' 'growth<1MiB' 'live<lots'; do
		sonde_run mem --budget "$b" -- "$MT" leak 100 1000 1
		expect_eq "sonde mem exit status of --budget '$b'" "$RC" 2
		! grep -q 'iterations=' "$T_DIR/out" || fail "the command ran despite --budget '$b'"
	done
	sonde_run lat 'step_*' --critical nan --budget 'step_lookup:p50<1ms' -- "$TGT/abswitch" 1
	expect_eq "exit status of --critical nan" "$RC" 2
}

# How the command ended still rules where it decided before: killed by a
# signal is 3, breach or not; a non-zero exit status of its own is said on
# stderr and the budgets decide (1 on a breach, 0 when kept).
t_exit_status_combines()
{
	sonde_run lat crash_step --budget 'crash_step:max<1ns' -- "$TGT/crasher" segv 10
	expect_eq "exit status: killed by SIGSEGV, budget breached" "$RC" 3
	grep -q '^budget breached' "$T_DIR/out" || fail "no budget line before the crash's report"
	sonde_run lat crash_step --budget 'crash_step:max<1ns' -- "$TGT/crasher" exit:4 10
	expect_eq "exit status: exit 4, budget breached" "$RC" 1
	sonde_run lat crash_step --budget 'crash_step:max<1s' -- "$TGT/crasher" exit:4 10
	expect_eq "exit status: exit 4, budget kept" "$RC" 0
	grep -q 'exited with status 4' "$T_DIR/err" || fail "the command's status is not said: $(err_text)"
}

# sonde mem: memtarget leaks 100 x 10,000 B a second (977 KiB/s; test_mem.sh
# holds the measured growth to 10 %): growth budgets either side of it, and
# a peak RSS far above.
t_mem_budgets()
{
	NO_COLOR=1 sonde_run mem --budget 'growth<10MiB/s' --budget 'rss<1GiB' -- "$MT" leak 100 10000 2
	expect_ok
	grep -q '^leak iterations=200 ' "$T_DIR/out" || fail "the target's own line is missing"
	expect_budget_line 'ok growth [0-9.]+KiB/s < 10.0MiB/s'
	expect_budget_line 'ok rss [0-9.]+MiB < 1.00GiB'
	NO_COLOR=1 sonde_run mem --budget 'growth<800KiB/s' --budget 'growth<400KiB/s' \
		--budget 'rss<1GiB' -- "$MT" leak 100 10000 2
	expect_eq "exit status on a breach" "$RC" 1
	grep -q '^leak iterations=200 ' "$T_DIR/out" || fail "the target's own line is missing"
	expect_eq "budget lines, in order" "$(sed -En 's/^budget (breached \([a-z]+\)|ok) ([a-z]+) .*/\1 \2/p' "$T_DIR/out" | tr '\n' ',')" \
		"breached (critical) growth,breached (warning) growth,ok rss,"
}

# sonde mem --json: the final report object carries "budgets", with the
# report's own figures; interval reports carry none.
t_mem_budget_json()
{
	sonde_run mem --json -i 500ms --budget 'rss<1GiB' --budget 'live<512KiB' -- "$MT" leak 100 10000 2
	expect_eq "exit status on a breach" "$RC" 1
	local final
	final=$(grep '^{' "$T_DIR/out" | jq -c 'select(.type == "mem" and .final == true)' | tail -n 1)
	[ -n "$final" ] || fail "no final mem report: $(head -c 300 "$T_DIR/out")"
	expect_eq "budgets" "$(jq -r '[.budgets[] | .budget + " " + .verdict + " " + .severity] | join(",")' <<<"$final")" \
		"live<512KiB breach critical,rss<1GiB ok none"
	expect_eq "live value (the report's live_bytes)" "$(jq '.budgets[0].value' <<<"$final")" "$(jq .live_bytes <<<"$final")"
	expect_eq "rss value (the report's rss_peak_bytes)" "$(jq '.budgets[1].value' <<<"$final")" "$(jq .rss_peak_bytes <<<"$final")"
	expect_eq "target of a memory budget" "$(jq '.budgets[0].target' <<<"$final")" null
	expect_eq "unit" "$(jq -r '.budgets[0].unit' <<<"$final")" bytes
	expect_eq "interval reports with budgets" \
		"$(grep '^{' "$T_DIR/out" | jq -c 'select(.final == false and has("budgets"))' | grep -c .)" 0
}

# sonde report on a memory profile: the same budgets, read back from the file.
t_report_mem_budgets()
{
	local f=$T_DIR/m.sonde
	sonde_run mem -o "$f" -- "$MT" leak 100 10000 2
	expect_ok
	NO_COLOR=1 sonde_run report "$f" --budget 'growth<400KiB/s' --budget 'live<100MiB'
	expect_eq "exit status on a breach" "$RC" 1
	expect_budget_line 'breached \(critical\) growth [0-9.]+KiB/s > 400KiB/s'
	expect_budget_line 'ok live [0-9.]+MiB < 100MiB'
	sonde_run report --json "$f" --budget 'growth<400KiB/s'
	expect_eq "exit status on a breach (--json)" "$RC" 1
	expect_eq "verdict" "$(jq -r '.budgets[0].verdict + " " + .budgets[0].unit' "$T_DIR/out")" "breach bytes_per_s"
	sonde_run report "$f" --budget 'step_*:p50<1ms'
	expect_eq "exit status of a latency budget on a memory profile" "$RC" 2
	[ ! -s "$T_DIR/out" ] || fail "a refused budget printed a report: $(head -c 200 "$T_DIR/out")"
}

run_tests
