#!/bin/bash
# Profiles and regression diffs: sonde lat -o, sonde report, sonde diff on
# recorded runs of tests/targets/abswitch, whose step_lookup takes 100 us, or
# 130 us (30 % slower) when its second argument is 1.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

ITER=1500

# record FILE [SLOWER]: one run of abswitch under sonde lat -o FILE.
record()
{
	sonde_run lat -o "$1" 'step_*' -- "$TGT/abswitch" "$ITER" "${2:-0}"
	expect_ok
	[ -s "$1" ] || fail "sonde lat -o $1 wrote nothing; stderr: $(err_text)"
}

# diff_json FILES...: sonde diff --json; the report in $DIFF, the status in RC.
diff_json()
{
	sonde_run diff --json "$@"
	DIFF=$(cat "$T_DIR/out")
	jq -e '.type == "diff"' >/dev/null <<<"$DIFF" ||
		fail "sonde diff $* printed no diff report (exit $RC); stderr: $(err_text)"
}

# A/A: the same deterministic target recorded three times; every pair of
# runs, both ways, reports no regression and exits 0.
t_aa_never_regresses()
{
	local a b
	for a in 1 2 3; do
		record "$T_DIR/a$a.sonde"
	done
	for a in 1 2 3; do
		for b in 1 2 3; do
			[ "$a" = "$b" ] && continue
			diff_json "$T_DIR/a$a.sonde" "$T_DIR/a$b.sonde"
			[ "$RC" = 0 ] || fail "A/A diff a$a -> a$b exited $RC: $(jq -c '[.rows[] | select(.verdict == "regression") | {name, change_pct, p_value}]' <<<"$DIFF")"
			expect_eq "regressions in A/A diff a$a -> a$b" "$(jq .regressions <<<"$DIFF")" 0
		done
	done
}

# A/B: step_lookup 30 % slower in the new build. Three runs a side,
# interleaved: exactly it is flagged, with a measured change within 10 points
# of 30 %; exit status 1. One run a side is not enough to call 30 %: it says
# inconclusive, with the runs that would settle it, and exits 0. The median:
# on a busy machine more than a tenth of a run's calls can be preempted, which
# moves its p90 (sonde then says inconclusive, rightly, but not what this tests).
t_ab_flags_exactly_the_slower_function()
{
	local flagged change k
	for k in 1 2 3; do
		record "$T_DIR/base$k.sonde"
		record "$T_DIR/new$k.sonde" 1
	done
	diff_json --metric p50 "$T_DIR"/base{1,2,3}.sonde ::: "$T_DIR"/new{1,2,3}.sonde
	expect_eq "exit status with a regression" "$RC" 1
	flagged=$(jq -r '[.rows[] | select(.verdict == "regression") | .name] | join(",")' <<<"$DIFF")
	expect_eq "regressed functions" "$flagged" step_lookup
	change=$(jq -r '.rows[] | select(.name == "step_lookup") | .change_pct' <<<"$DIFF")
	within_pct "$change" 30 33.4 || fail "step_lookup change is $change %, expected 30 +-10 points"
	expect_eq "metric" "$(jq -r '.rows[0].metric' <<<"$DIFF")" p50
	expect_eq "basis" "$(jq -r '.rows[0].basis' <<<"$DIFF")" runs
	expect_eq "runs counted" "$(jq -r '[.rows[0].base_runs, .rows[0].new_runs] | join(",")' <<<"$DIFF")" 3,3
	# One run a side: +30 % is below what slices alone may call.
	diff_json --metric p50 "$T_DIR/base1.sonde" "$T_DIR/new1.sonde"
	expect_eq "exit status, one run a side" "$RC" 0
	expect_eq "step_lookup verdict, one run a side" \
		"$(jq -r '.rows[] | select(.name == "step_lookup") | .verdict' <<<"$DIFF")" inconclusive
	[ "$(jq -r '.runs_needed' <<<"$DIFF")" -ge 2 ] || fail "no runs_needed: $(head -c 300 <<<"$DIFF")"
	# The terminal table says the same, and --hist draws both histograms.
	sonde_run diff --metric p50 "$T_DIR"/base{1,2,3}.sonde ::: "$T_DIR"/new{1,2,3}.sonde --hist
	expect_eq "exit status" "$RC" 1
	grep -q '^regression (warning) *step_lookup' "$T_DIR/out" || fail "no regression row: $(head -c 300 "$T_DIR/out")"
	grep -q 'step_lookup: base (left) and new (right)' "$T_DIR/out" || fail "--hist drew nothing"
}

# One run a side, twice as slow: the run's slices agree, and that is called.
# Runs of a second or more, so that even a late tick leaves slices enough.
t_single_runs_call_a_large_change()
{
	local flagged ITER=5000
	record "$T_DIR/one-base.sonde"
	record "$T_DIR/one-new.sonde" 2
	diff_json --metric p50 "$T_DIR/one-base.sonde" "$T_DIR/one-new.sonde"
	expect_eq "exit status, twice as slow" "$RC" 1
	flagged=$(jq -r '[.rows[] | select(.verdict == "regression") | .name] | join(",")' <<<"$DIFF")
	expect_eq "regressed functions" "$flagged" step_lookup
	expect_eq "basis" "$(jq -r '.rows[] | select(.name == "step_lookup") | .basis' <<<"$DIFF")" slices
	expect_eq "severity" "$(jq -r '.rows[] | select(.name == "step_lookup") | .severity' <<<"$DIFF")" critical
}

# csv_col CSV NAME COLUMN: the COLUMN field of the row whose name is NAME
# (fields without commas or quotes: sonde's names of abswitch's functions).
csv_col()
{
	awk -F, -v name="$2" -v col="$3" 'NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
		$idx["name"] == name { sub(/\r$/, ""); print $idx[col] }' "$1"
}

# --csv: one header line, CRLF rows, the JSON's fields and numbers, for
# report and diff.
t_csv_matches_json()
{
	local fn ITER=5000 # runs long enough for slices: the 1v1 diff is called from them
	record "$T_DIR/c1.sonde"
	record "$T_DIR/c2.sonde" 2
	sonde_run report --csv "$T_DIR/c1.sonde"
	expect_ok
	cp "$T_DIR/out" "$T_DIR/report.csv"
	sonde_run report --json "$T_DIR/c1.sonde"
	expect_eq "header lines" "$(grep -c '^type,' "$T_DIR/report.csv")" 1
	expect_eq "rows" "$(grep -c $'\r$' "$T_DIR/report.csv")" 4
	for fn in step_parse step_lookup step_render; do
		expect_eq "$fn calls" "$(csv_col "$T_DIR/report.csv" $fn calls)" \
			"$(jq -r --arg f $fn '.functions[] | select(.name == $f) | .calls' "$T_DIR/out")"
		expect_eq "$fn p90_ns" "$(csv_col "$T_DIR/report.csv" $fn p90_ns)" \
			"$(jq -r --arg f $fn '.functions[] | select(.name == $f) | .p90_ns' "$T_DIR/out")"
	done
	sonde_run diff --csv --metric p50 "$T_DIR/c1.sonde" "$T_DIR/c2.sonde"
	expect_eq "exit status of diff --csv" "$RC" 1
	expect_eq "step_lookup verdict in CSV" "$(csv_col "$T_DIR/out" step_lookup verdict)" regression
	expect_eq "step_parse verdict in CSV" "$(csv_col "$T_DIR/out" step_parse verdict)" unchanged
	bad_input report --format yaml "$T_DIR/c1.sonde" "use term, json or csv"
}

# A gate cannot be talked out of its job: values that compare false with
# everything, or out of range, are refused.
t_gate_refuses_nonsense()
{
	record "$T_DIR/g1.sonde"
	local v
	for v in "--threshold nan" "--alpha nan" "--critical nan" "--threshold inf" \
		"--alpha 0" "--alpha 2" "--threshold -5"; do
		# shellcheck disable=SC2086 # option and value
		bad_input diff $v "$T_DIR/g1.sonde" "$T_DIR/g1.sonde" "is not a number in"
	done
	bad_input diff "$T_DIR/g1.sonde" ::: "give a NEW profile after ':::'"
	bad_input diff ::: "$T_DIR/g1.sonde" "give a BASE profile before ':::'"
}

# sonde report FILE prints exactly the final report the live run printed.
t_report_matches_live()
{
	NO_COLOR=1 sonde_run lat -o "$T_DIR/r.sonde.gz" 'step_*' --hist -- "$TGT/abswitch" 500
	expect_ok
	# The live output is the target's own line, then the final report.
	grep -v '^calls=' "$T_DIR/out" >"$T_DIR/live"
	NO_COLOR=1 sonde_run report "$T_DIR/r.sonde.gz" --hist
	expect_ok
	cmp -s "$T_DIR/live" "$T_DIR/out" || fail "report differs from the live run: $(diff "$T_DIR/live" "$T_DIR/out" | head -5 | tr '\n' '|')"
	grep -q 'recorded .* by sonde' "$T_DIR/err" || fail "report does not say what the run was: $(err_text)"
	# The same for JSON.
	sonde_run lat --json -o "$T_DIR/j.sonde" 'step_*' -- "$TGT/abswitch" 300
	expect_ok
	final_json >"$T_DIR/live.json"
	sonde_run report --json "$T_DIR/j.sonde"
	expect_ok
	cmp -s "$T_DIR/live.json" "$T_DIR/out" || fail "report --json differs from the live final JSON"
}

# bad_input ARGS... -- TEXT: sonde exits 2 with one line that contains TEXT.
bad_input()
{
	local text=${*: -1}
	sonde_run "${@:1:$#-1}"
	expect_eq "exit status of sonde ${*:1:$#-1}" "$RC" 2
	grep -qF "$text" "$T_DIR/err" || fail "sonde ${*:1:$#-1} said: $(err_text); expected '$text'"
	[ "$(wc -l <"$T_DIR/err")" = 1 ] || fail "more than one line: $(err_text)"
}

t_bad_profiles()
{
	record "$T_DIR/ok.sonde"
	bad_input diff "$T_DIR/ok.sonde" "$T_DIR/missing.sonde" "No such file"
	head -c 300 "$T_DIR/ok.sonde" >"$T_DIR/cut.sonde"
	bad_input diff "$T_DIR/ok.sonde" "$T_DIR/cut.sonde" "truncated"
	gzip -c "$T_DIR/ok.sonde" | head -c 200 >"$T_DIR/cut.sonde.gz"
	bad_input report "$T_DIR/cut.sonde.gz" "truncated or corrupt"
	echo "garbage" >"$T_DIR/junk.sonde"
	bad_input report "$T_DIR/junk.sonde" "not a sonde profile"
	sed 's/"version":1/"version":7/' "$T_DIR/ok.sonde" >"$T_DIR/v7.sonde"
	bad_input report "$T_DIR/v7.sonde" "format version 7"
	# A profile of another program: no function in common.
	sonde_run lat -o "$T_DIR/other.sonde" inner -- "$TGT/nested" 50
	expect_ok
	bad_input diff "$T_DIR/ok.sonde" "$T_DIR/other.sonde" "no function was called in both"
	bad_input diff "$T_DIR/ok.sonde" "give at least two profiles"
	bad_input diff "$T_DIR/ok.sonde" "$T_DIR/ok.sonde" --metric p95 "use p50, p90, p99 or mean"
}

# Memory: sonde mem -o; report prints the live final report; a build leaking
# twice as fast is flagged (and the same rate is not).
t_mem_profiles_and_diff()
{
	local flagged
	NO_COLOR=1 sonde_run mem -o "$T_DIR/m1.sonde" -- "$TGT/memtarget" leak 200 1024 2
	expect_ok
	grep -v '^leak iterations=' "$T_DIR/out" >"$T_DIR/live"
	NO_COLOR=1 sonde_run report "$T_DIR/m1.sonde"
	expect_ok
	cmp -s "$T_DIR/live" "$T_DIR/out" || fail "mem report differs from the live run: $(diff "$T_DIR/live" "$T_DIR/out" | head -5 | tr '\n' '|')"
	sonde_run mem -o "$T_DIR/m2.sonde" -- "$TGT/memtarget" leak 200 1024 2
	expect_ok
	sonde_run mem -o "$T_DIR/fast.sonde" -- "$TGT/memtarget" leak 400 1024 2
	expect_ok
	diff_json "$T_DIR/m1.sonde" "$T_DIR/m2.sonde"
	expect_eq "exit status, same leak rate" "$RC" 0
	diff_json "$T_DIR/m1.sonde" "$T_DIR/fast.sonde"
	expect_eq "exit status, leak twice as fast" "$RC" 1
	flagged=$(jq -r '[.rows[] | select(.verdict == "regression") | .name] | join(",")' <<<"$DIFF")
	[[ $flagged == "leak_block < "* ]] || fail "flagged stacks: '$flagged', expected the leak_block stack"
	within_pct "$(jq -r '.rows[] | select(.verdict == "regression") | .change_pct' <<<"$DIFF")" 100 15 ||
		fail "leak growth change is $(jq -c '.rows[0].change_pct' <<<"$DIFF") %, expected +100 %"
	record "$T_DIR/lat.sonde"
	bad_input diff "$T_DIR/m1.sonde" "$T_DIR/lat.sonde" "different kinds"
}

run_tests
