#!/bin/bash
# sonde trend on a series of recorded profiles: tests/targets/abswitch, whose
# step_lookup takes 100 us, or 130 us (30 % slower) when its second argument
# is 1, recorded three times as it is and three times slower; and memtarget
# leaking at one rate and then at twice it.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

ITER=1500

# trend attaches no probe: lib.sh's bad_input compares the machine's uprobe
# links before and after, which any other tracer running meanwhile changes.
uprobe_links() { echo 0; }

# record FILE SLOWER: one run of abswitch under sonde lat -o FILE; the target
# ran to its end with the step it was told.
record()
{
	local us=100
	[ "$2" = 1 ] && us=130
	sonde_run lat -o "$1" 'step_*' -- "$TGT/abswitch" "$ITER" "$2"
	expect_ok
	grep -q "^calls=$ITER lookup_us=$us\$" "$T_DIR/out" || fail "abswitch printed: $(grep '^calls=' "$T_DIR/out")"
	[ -s "$1" ] || fail "sonde lat -o $1 wrote nothing; stderr: $(err_text)"
}

# trend_json FILES... [OPTIONS]: sonde trend --json; the report in $TREND.
trend_json()
{
	sonde_run trend --json "$@"
	expect_ok
	TREND=$(cat "$T_DIR/out")
	jq -e '.type == "trend"' >/dev/null <<<"$TREND" ||
		fail "sonde trend $* printed no trend report; stderr: $(err_text)"
}

# points NAME: the change points of row NAME as "index:change_pct ...", rounded.
points()
{
	jq -r --arg n "$1" '[.rows[] | select(.name == $n) | .change_points[] |
		"\(.index):\(.change_pct | round)"] | join(" ")' <<<"$TREND"
}

# Three runs, then three slower: step_lookup changed at the 4th profile
# (index 3) by about 30 %, the other steps not at all; the same with p50,
# and as an improvement when the series is read backwards.
t_step_change_found()
{
	local i files=() sl
	for i in 0 1 2; do
		record "$T_DIR/r$i.sonde" 0
		files+=("$T_DIR/r$i.sonde")
	done
	for i in 3 4 5; do
		record "$T_DIR/r$i.sonde" 1
		files+=("$T_DIR/r$i.sonde")
	done
	trend_json "${files[@]}"
	sl=$(points step_lookup)
	[[ $sl =~ ^3:([0-9]+)$ ]] || fail "step_lookup change points: '$sl', expected one at index 3; $(jq -c '.rows[] | {name, values_ns}' <<<"$TREND" | tr '\n' ' ')"
	within_pct "${BASH_REMATCH[1]}" 30 33.4 || fail "step_lookup changed by ${BASH_REMATCH[1]} %, expected 30 +-10 points"
	expect_eq "step_parse change points" "$(points step_parse)" ""
	expect_eq "step_render change points" "$(points step_render)" ""
	expect_eq "functions changed" "$(jq .changed <<<"$TREND")" 1
	expect_eq "first row" "$(jq -r '.rows[0].name' <<<"$TREND")" step_lookup
	expect_eq "values of step_lookup" "$(jq '.rows[0].values_ns | length' <<<"$TREND")" 6
	expect_eq "profile of the change" "$(jq -r '.rows[0].change_points[0].profile' <<<"$TREND")" "${files[3]}"
	jq -e '.rows[0].change_points[0] | .p_value < 0.01 and .before_ns < .after_ns' >/dev/null <<<"$TREND" ||
		fail "change point of step_lookup: $(jq -c '.rows[0].change_points' <<<"$TREND")"
	trend_json "${files[@]}" --metric p50
	[[ $(points step_lookup) =~ ^3:[0-9]+$ ]] || fail "p50: step_lookup change points: '$(points step_lookup)'"
	expect_eq "metric" "$(jq -r .metric <<<"$TREND")" p50
	# Newest first by mistake: the same place, downwards.
	trend_json "${files[5]}" "${files[4]}" "${files[3]}" "${files[2]}" "${files[1]}" "${files[0]}"
	[[ $(points step_lookup) =~ ^3:-[0-9]+$ ]] || fail "reversed: step_lookup change points: '$(points step_lookup)'"
	# CSV read back by a real CSV parser (Python's): the rows, the change point.
	sonde_run trend --csv "${files[@]}"
	expect_ok
	expect_eq "CSV rows (name:largest_change_index)" "$(python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
print(" ".join(sorted("%s:%s" % (r["name"], r["largest_change_index"]) for r in rows)))' "$T_DIR/out")" \
		"step_lookup:3 step_parse: step_render:"
	# Three runs of one build: nothing changed.
	trend_json "${files[@]:0:3}"
	expect_eq "functions changed in three equal runs" "$(jq .changed <<<"$TREND")" 0

	# The table: step_lookup first, its sparkline low then high, the mark, the file.
	LC_ALL=C.UTF-8 sonde_run trend "${files[@]}"
	expect_ok
	grep -E '^ *[0-9.]+us +[0-9.]+us +\+[0-9.]+% +▁▁▁[▅▆▇█]{3} +#3 \+[0-9.]+% \(p [0-9.e-]+\) +step_lookup$' "$T_DIR/out" >/dev/null ||
		fail "no step_lookup row with its sparkline and change point: $(tr '\n' '|' <"$T_DIR/out")"
	grep -qE ' - +step_parse$' "$T_DIR/out" || fail "step_parse row: $(tr '\n' '|' <"$T_DIR/out")"
	grep -qxF "#3: ${files[3]}" "$T_DIR/out" || fail "the change point's file is not named: $(tr '\n' '|' <"$T_DIR/out")"
	grep -qx '1 of 3 functions changed' "$T_DIR/out" || fail "no summary line: $(tr '\n' '|' <"$T_DIR/out")"
	# ASCII where the locale is not UTF-8.
	LC_ALL=C sonde_run trend "${files[@]}"
	expect_ok
	grep -qE ' ___[=+*#]{3} +#3 .*step_lookup$' "$T_DIR/out" || fail "ASCII sparkline: $(tr '\n' '|' <"$T_DIR/out")"
	! grep -q '▁' "$T_DIR/out" || fail "UTF-8 in a C locale"
}

# Memory: a leak that doubles its rate from the third profile on.
t_mem_growth_change()
{
	local i rate files=() leak
	for i in 0 1 2 3; do
		rate=200
		[ "$i" -ge 2 ] && rate=400
		sonde_run mem -o "$T_DIR/m$i.sonde" -- "$TGT/memtarget" leak "$rate" 1024 2
		expect_ok
		files+=("$T_DIR/m$i.sonde")
	done
	trend_json "${files[@]}"
	expect_eq "kind" "$(jq -r .kind <<<"$TREND")" mem
	leak=$(jq -r '.rows[0].name' <<<"$TREND")
	[[ $leak == "leak_block < "* ]] || fail "first row: '$leak', expected the leak_block stack"
	[[ $(points "$leak") =~ ^2:([0-9]+)$ ]] || fail "leak change points: '$(points "$leak")'; $(jq -c '.rows[0].values_bytes_per_s' <<<"$TREND")"
	within_pct "${BASH_REMATCH[1]}" 100 15 || fail "leak growth changed by ${BASH_REMATCH[1]} %, expected +100 %"
	within_pct "$(jq '.rows[0].change_points[0].before_bytes_per_s' <<<"$TREND")" $((200 * 1024)) 15 ||
		fail "growth before: $(jq '.rows[0].change_points[0]' <<<"$TREND")"
	[ "$(jq .changed <<<"$TREND")" = 1 ] || fail "stacks changed: $(jq -c '.rows[] | select(.change_points != []) | [.name, .values_bytes_per_s, .change_points]' <<<"$TREND" | tr '\n' ' ')"
}

# Bad input: one line, exit status 2, and no report.
t_bad_input()
{
	local ok=$T_DIR/ok.sonde
	record "$ok" 0
	bad_input 2 'give two profiles or more' trend "$ok"
	bad_input 2 'give two profiles or more' trend
	head -c 300 "$ok" >"$T_DIR/cut.sonde"
	bad_input 2 'truncated' trend "$ok" "$ok" "$T_DIR/cut.sonde"
	bad_input 2 'No such file' trend "$ok" "$T_DIR/missing.sonde"
	sonde_run mem -o "$T_DIR/mem.sonde" -- "$TGT/memtarget" leak 50 1024 1
	expect_ok
	bad_input 2 'different kinds' trend "$ok" "$T_DIR/mem.sonde"
	bad_input 2 "threshold 'nan' is not a number" trend "$ok" "$ok" --threshold nan
	bad_input 2 "alpha '0' is not a number" trend "$ok" "$ok" --alpha 0
	bad_input 2 'use p50, p90, p99 or mean' trend "$ok" "$ok" --metric p95
	bad_input 2 'unknown option' trend "$ok" "$ok" --color
	[ ! -s "$T_DIR/out" ] || fail "printed a report: $(head -c 200 "$T_DIR/out")"
}

run_tests
