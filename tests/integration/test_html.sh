#!/bin/bash
# The HTML report in a real browser: sonde report --html, sonde diff --html
# and sonde trend --html on recorded runs of tests/targets/abswitch (step_parse 40 us, step_lookup
# 100 us or 200 us with SLOWER 2, step_render 60 us) and memtarget, opened in
# headless chromium by html_check.py (the DevTools protocol on a pipe; Python's
# standard library only). Each page: no console error and no request beyond
# the file, every function of the profile's JSON in its table with the JSON's
# numbers, the tables the same with JavaScript off, sorting by a click, and a
# screenshot that is not blank. SONDE_HTML_SHOTS=DIR keeps the screenshots
# (docs/img/ holds the README's).
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

ITER=1500
CHECK_PY=$IT_ROOT/tests/integration/html_check.py

need_chromium()
{
	CHROMIUM=$(command -v chromium || command -v chromium-browser) ||
		skip "needs chromium (Debian: apt-get install chromium)"
	command -v python3 >/dev/null || skip "needs python3"
}

# record FILE SLOWER: one run of abswitch under sonde lat -o FILE, and its own summary.
record()
{
	sonde_run lat -o "$1" 'step_*' -- "$TGT/abswitch" "$ITER" "$2"
	expect_ok
	grep -q "^calls=$ITER lookup_us=$3\$" "$T_DIR/out" ||
		fail "abswitch did not print calls=$ITER lookup_us=$3; stdout: $(tail -c 300 "$T_DIR/out" | tr '\n' '|')"
}

# browse PAGE NAME [--sort-by COLUMN]: the page as the browser shows it, in
# $PAGE (html_check.py's JSON); the screenshot in $T_DIR/NAME.png.
browse()
{
	local page=$1 name=$2
	shift 2
	PAGE=$(timeout -k 5 120 python3 "$CHECK_PY" "$CHROMIUM" "$page" "$T_DIR/$name.png" "$@" \
		2>"$T_DIR/browser.err") ||
		fail "html_check.py failed on $page: $(head -c 400 "$T_DIR/browser.err" | tr '\n' '|')"
	if [ -n "${SONDE_HTML_SHOTS:-}" ]; then
		mkdir -p "$SONDE_HTML_SHOTS" && cp "$T_DIR/$name.png" "$SONDE_HTML_SHOTS/$name.png"
	fi
}

# What every page must hold, whatever it reports.
expect_clean_page()
{
	expect_eq "console errors ($(jq -c .errors <<<"$PAGE"))" "$(jq '.errors | length' <<<"$PAGE")" 0
	expect_eq "requests beyond the file ($(jq -c .requests <<<"$PAGE"))" \
		"$(jq '.requests | length' <<<"$PAGE")" 0
	expect_eq "table rows with JavaScript off" "$(jq -c .names_nojs <<<"$PAGE")" \
		"$(jq -c .names <<<"$PAGE")"
	# A blank or failed render is one colour; text and charts are hundreds.
	expect_ge "distinct colours in the screenshot" "$(jq .colors <<<"$PAGE")" 64
	expect_ge "non-white share of the screenshot (%)" "$(jq .nonwhite_pct <<<"$PAGE")" 2
}

# column NAME: the index of the first table's column titled NAME.
column()
{
	jq --arg c "$1" '.table.headers | index($c)' <<<"$PAGE"
}

# The report of a lat profile: each function of its JSON a row, with the
# JSON's calls and percentiles (the page's sort values, within 1 ns of the
# JSON's rounding), and its histogram drawn.
t_lat_report_in_browser()
{
	local json bad col
	need_chromium
	record "$T_DIR/a.sonde" 0 100
	sonde_run report "$T_DIR/a.sonde" --json
	expect_ok
	json=$(grep '^{' "$T_DIR/out")
	sonde_run report "$T_DIR/a.sonde" --html "$T_DIR/report.html"
	expect_ok
	grep -q '^step_lookup ' "$T_DIR/out" || fail "no terminal report beside --html: $(head -c 300 "$T_DIR/out" | tr '\n' '|')"
	browse "$T_DIR/report.html" html-report --sort-by function
	expect_clean_page
	expect_eq "functions in the table" "$(jq -c '.names | sort' <<<"$PAGE")" \
		"$(jq -c '[.functions[].name] | sort' <<<"$json")"
	expect_eq "functions in the JSON" "$(jq '.functions | length' <<<"$json")" 3
	for col in calls p50 p90 p99; do
		bad=$(jq -rn --argjson page "$PAGE" --argjson j "$json" --arg c "$col" \
			--argjson i "$(column "$col")" '
			[$page.table.rows[] | {name: .[0].text, v: .[$i].v}] as $rows
			| [$j.functions[] | . as $f
			   | ($rows[] | select(.name == $f.name) | .v) as $v
			   | ($f[if $c == "calls" then "calls" else $c + "_ns" end]) as $want
			   | select((($v - $want) | fabs) > 1)
			   | "\($f.name): \($v) vs \($want)"] | join(", ")')
		expect_eq "$col on the page vs the JSON (differences)" "$bad" ""
	done
	expect_ge "histograms drawn" "$(jq '.svgs.hist // 0' <<<"$PAGE")" 3
	expect_eq "rows after a click on 'function' (descending)" "$(jq -c .sorted <<<"$PAGE")" \
		"$(jq -c '.names | sort | reverse' <<<"$PAGE")"
	jq -e '.text | test("Where the wall time went")' <<<"$PAGE" >/dev/null ||
		fail "no on-CPU / run-queue / blocked split on the page"
}

# A --tree profile's page draws its call paths as a flame graph: one box per
# path of the JSON tree (a frame is a <g class="f"> holding one <rect>).
t_tree_flame_graph_in_browser()
{
	local paths boxes
	need_chromium
	sonde_run lat --tree -o "$T_DIR/t.sonde" outer inner -- "$TGT/nested" 500
	expect_ok
	sonde_run report "$T_DIR/t.sonde" --json
	expect_ok
	paths=$(grep '^{' "$T_DIR/out" | jq '[.tree[] | select(.self_ns > 0)] | length')
	expect_eq "paths with self time" "$paths" 2
	sonde_run report "$T_DIR/t.sonde" --html "$T_DIR/tree.html"
	expect_ok
	boxes=$(grep -o '<g class="f" data-o="' "$T_DIR/tree.html" | wc -l)
	expect_eq "flame graph boxes (one per path)" "$boxes" "$paths"
	browse "$T_DIR/tree.html" html-tree
	expect_clean_page
	expect_eq "flame graphs drawn" "$(jq '.svgs["sonde-flamegraph"] // 0' <<<"$PAGE")" 1
	jq -e '.text | test("self time by call path"; "i")' <<<"$PAGE" >/dev/null ||
		fail "the flame graph section does not say what it draws"
}

# The diff of abswitch against itself with step_lookup twice as slow: the
# verdict of each function as the JSON says, its p90 base and new, and base
# and new histograms side by side for each.
t_diff_report_in_browser()
{
	local json rc_json bad vcol bcol ncol
	need_chromium
	record "$T_DIR/base.sonde" 0 100
	record "$T_DIR/new.sonde" 2 200
	sonde_run diff --json "$T_DIR/base.sonde" "$T_DIR/new.sonde"
	rc_json=$RC
	json=$(grep '^{' "$T_DIR/out")
	[ -n "$json" ] || fail "sonde diff --json printed nothing (exit $RC); stderr: $(err_text)"
	sonde_run diff "$T_DIR/base.sonde" "$T_DIR/new.sonde" --html "$T_DIR/diff.html"
	expect_eq "exit status with --html (as with --json)" "$RC" "$rc_json"
	[ -s "$T_DIR/diff.html" ] || fail "sonde diff --html wrote nothing; stderr: $(err_text)"
	browse "$T_DIR/diff.html" html-diff
	expect_clean_page
	expect_eq "functions in the verdict table" "$(jq -c '.names | sort' <<<"$PAGE")" \
		"$(jq -c '[.rows[].name] | sort' <<<"$json")"
	vcol=$(column verdict)
	bcol=$(column "p90 base")
	ncol=$(column "p90 new")
	bad=$(jq -rn --argjson page "$PAGE" --argjson j "$json" --argjson v "$vcol" \
		--argjson b "$bcol" --argjson n "$ncol" '
		[$page.table.rows[] | {name: .[1].text, verdict: .[$v].text, base: .[$b].v,
		                       new: .[$n].v}] as $rows
		| [$j.rows[] | . as $r | ($rows[] | select(.name == $r.name)) as $p
		   | select(($p.verdict | startswith($r.verdict) | not)
		            or (($p.base - $r.base_ns) | fabs) > 1 or (($p.new - $r.new_ns) | fabs) > 1)
		   | "\($r.name): \($p.verdict) \($p.base) \($p.new) vs \($r.verdict) \($r.base_ns) \($r.new_ns)"]
		| join(", ")')
	expect_eq "verdicts and p90 on the page vs the JSON (differences)" "$bad" ""
	expect_eq "histograms drawn (base and new per function)" "$(jq '.svgs.hist // 0' <<<"$PAGE")" \
		"$(jq '[.rows[] | select(.base_calls > 0 and .new_calls > 0)] | length * 2' <<<"$json")"
}

# A memory profile of memtarget leaking 1024 B 200 times a second: every
# stack of the JSON in the table by its innermost function, leak_block's
# judged a leak suspect, and its live bytes drawn over the run.
t_mem_report_in_browser()
{
	local json bad
	need_chromium
	sonde_run mem -o "$T_DIR/m.sonde" -i 500ms -- "$TGT/memtarget" leak 200 1024 3
	expect_ok
	sonde_run report "$T_DIR/m.sonde" --json
	json=$(grep '^{' "$T_DIR/out")
	sonde_run report "$T_DIR/m.sonde" --html "$T_DIR/mem.html"
	expect_ok
	browse "$T_DIR/mem.html" html-mem
	expect_clean_page
	bad=$(jq -rn --argjson page "$PAGE" --argjson j "$json" '
		[$j.stacks[] | select(.frames | length > 0) | .frames[0] as $f
		 | select([$page.names[] | startswith($f)] | any | not) | $f] | join(", ")')
	expect_eq "stacks of the JSON missing from the table" "$bad" ""
	expect_eq "judgement of leak_block's stack" "$(jq -r '
		.table.rows[] | select(.[6].text | startswith("leak_block")) | .[5].text' <<<"$PAGE")" \
		"leak suspect"
	expect_ge "live-bytes charts drawn" "$(jq '.svgs.series // 0' <<<"$PAGE")" 1
	expect_eq "flame graphs of the live bytes" "$(jq '.svgs["sonde-flamegraph"] // 0' <<<"$PAGE")" 1
}

# The trend of four runs, step_lookup twice as slow in the last two: each
# row of the JSON in the table with its first and last values and its change
# points, and a chart of each series.
t_trend_report_in_browser()
{
	local json bad
	need_chromium
	record "$T_DIR/1.sonde" 0 100
	record "$T_DIR/2.sonde" 0 100
	record "$T_DIR/3.sonde" 2 200
	record "$T_DIR/4.sonde" 2 200
	sonde_run trend --json "$T_DIR"/{1,2,3,4}.sonde
	expect_ok
	json=$(grep '^{' "$T_DIR/out")
	sonde_run trend "$T_DIR"/{1,2,3,4}.sonde --html "$T_DIR/trend.html"
	expect_ok
	browse "$T_DIR/trend.html" html-trend
	expect_clean_page
	expect_eq "functions in the table" "$(jq -c '.names | sort' <<<"$PAGE")" \
		"$(jq -c '[.rows[].name] | sort' <<<"$json")"
	bad=$(jq -rn --argjson page "$PAGE" --argjson j "$json" '
		[$page.table.rows[] | {name: .[0].text, first: .[1].v, last: .[2].v,
		                       points: .[4].text}] as $rows
		| [$j.rows[] | . as $r | ($rows[] | select(.name == $r.name)) as $p
		   | ([$r.change_points[] | "#\(.index) "] | join("")) as $want
		   | select((($p.first - $r.first_ns) | fabs) > 1 or (($p.last - $r.last_ns) | fabs) > 1
		            or ($want == "" and $p.points != "-")
		            or ($want != "" and ($p.points | startswith($want[0:3]) | not)))
		   | "\($r.name): \($p) vs \($r.first_ns) \($r.last_ns) \($want)"] | join(", ")')
	expect_eq "first, last and change points on the page vs the JSON (differences)" "$bad" ""
	expect_eq "series drawn" "$(jq '.svgs.series // 0' <<<"$PAGE")" "$(jq '.rows | length' <<<"$json")"
}

# --html to a directory that does not exist: exit 2 before anything is printed.
t_html_unwritable()
{
	record "$T_DIR/a.sonde" 0 100
	sonde_run report "$T_DIR/a.sonde" --html "$T_DIR/no/such/dir/r.html"
	expect_eq "exit status" "$RC" 2
	expect_eq "stdout" "$(wc -c <"$T_DIR/out")" 0
	grep -q "no/such/dir" "$T_DIR/err" || fail "the message does not name the path: $(err_text)"
}

run_tests
