#!/bin/bash
# sonde rules: Prometheus alerting rules from baselines recorded here (sonde lat
# -o on abswitch, cxxnames and evilname; sonde mem -o on memtarget), checked by
# Prometheus's own promtool: `promtool check rules` parses the YAML, the PromQL
# and the templates and counts the rules; `promtool test rules` runs them on
# series of known values, which shows that the names' escaping round-trips
# (the alert's labels are the exporter's) and that rules fire where they must.
# abswitch: step_lookup spins 100 us, step_parse 40 us, step_render 60 us;
# memtarget leaks 100 x 10,000 B a second.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

MT=$TGT/memtarget

# base_lat FILE [PROBE] [TARGET ARGS...]: a latency baseline of abswitch 1500
# (or of the target given), its own output checked.
base_lat()
{
	local file=$1

	sonde_run lat 'step_*' -o "$file" -- "$TGT/abswitch" 1500
	expect_ok
	grep -qx "calls=1500 lookup_us=100" "$T_DIR/out" ||
		fail "abswitch's own line is missing: $(head -c 300 "$T_DIR/out" | tr '\n' '|')"
}

# rules_ok FILE ARGS...: sonde rules ARGS into FILE, exit 0, nothing on stderr
# but the baselines' "recorded" lines, and promtool's count of its rules in RULES.
rules_ok()
{
	local file=$1

	shift
	sonde_run rules "$@"
	expect_ok
	cp "$T_DIR/out" "$file"
	promtool check rules "$file" >"$T_DIR/promtool" 2>&1 ||
		fail "promtool check rules refused it: $(head -c 600 "$T_DIR/promtool" | tr '\n' '|') file: $(head -c 600 "$file" | tr '\n' '|')"
	RULES=$(sed -En 's/^ *SUCCESS: ([0-9]+) rules found$/\1/p' "$T_DIR/promtool")
}

# called FILE: how many functions of a recorded profile were called.
called()
{
	"$SONDE" report "$1" --json 2>/dev/null | jq '[.functions[] | select(.calls > 0)] | length'
}

# limit_of FILE ALERT FUNCTION SEVERITY: the number an alert's expr compares
# its value with (FUNCTION "": memory).
limit_of()
{
	local fn=

	[ -n "$3" ] && fn="function: \"$3\""
	awk -v alert="$2" -v fn="$fn" -v sev="severity: $4" '
		/^      - alert: / { a = ($3 == alert); e = ""; s = 0; f = 0; next }
		a && /^        expr: / { getline; e = $0; sub(/.* >=? /, "", e); sub(/\)$/, "", e); next }
		a && index($0, sev) { s = 1 }
		a && (fn == "" || index($0, fn)) { f = 1 }
		a && s && f && e != "" { print e; exit }
		' "$1"
}

# A latency baseline: two rules a function (warning, critical), the warning
# at the baseline's p90 + 10 %, the critical at + 50 %, in seconds.
t_lat_baseline()
{
	local p90 w c

	base_lat "$T_DIR/base.sonde"
	rules_ok "$T_DIR/r.yml" "$T_DIR/base.sonde"
	expect_eq "rules (3 functions x 2)" "$RULES" 6
	grep -q '^  - name: "sonde-base"$' "$T_DIR/r.yml" || fail "no group sonde-base: $(head -c 300 "$T_DIR/r.yml")"
	p90=$("$SONDE" report "$T_DIR/base.sonde" --json 2>/dev/null |
		jq '.functions[] | select(.name == "step_lookup") | .p90_ns')
	w=$(limit_of "$T_DIR/r.yml" SondeLatencyRegression step_lookup warning)
	c=$(limit_of "$T_DIR/r.yml" SondeLatencyRegression step_lookup critical)
	within_pct "$w" "$(awk -v p="$p90" 'BEGIN { printf "%.9f", p * 1.1 / 1e9 }')" 0.1 ||
		fail "step_lookup's warning at $w s, its p90 $p90 ns + 10 % expected"
	within_pct "$c" "$(awk -v p="$p90" 'BEGIN { printf "%.9f", p * 1.5 / 1e9 }')" 0.1 ||
		fail "step_lookup's critical at $c s, its p90 $p90 ns + 50 % expected"
	grep -qF '(histogram_quantile(0.9, sum by (le, function, object) (rate(sonde_function_duration_seconds_bucket{function="step_lookup",object="abswitch"}[5m]))) > ' "$T_DIR/r.yml" ||
		fail "no classic p90 expression for step_lookup: $(grep -m1 histogram "$T_DIR/r.yml")"
	expect_eq "for: lines" "$(grep -c '^        for: 10m$' "$T_DIR/r.yml")" 6
	# --metric p99, --threshold, --critical as sonde diff takes them.
	rules_ok "$T_DIR/r99.yml" "$T_DIR/base.sonde" --metric p99 --threshold 20 --critical 100
	expect_eq "rules" "$RULES" 6
	grep -q 'histogram_quantile(0.99, ' "$T_DIR/r99.yml" || fail "no p99 expression"
	grep -q 'p99 latency of step_lookup in abswitch more than 100 % above its baseline' "$T_DIR/r99.yml" ||
		fail "no critical summary at + 100 %: $(grep -m2 summary "$T_DIR/r99.yml")"
}

# --native: the native histogram's series, no le, no _bucket; --metric mean in both forms.
t_native_and_mean()
{
	base_lat "$T_DIR/base.sonde"
	rules_ok "$T_DIR/n.yml" "$T_DIR/base.sonde" --native
	expect_eq "rules" "$RULES" 6
	grep -q '_bucket\|\ble\b' "$T_DIR/n.yml" && fail "classic buckets in a native rule: $(grep -m1 _bucket "$T_DIR/n.yml")"
	grep -qF 'histogram_quantile(0.9, sum by (function, object) (rate(sonde_function_duration_seconds{function="step_parse",object="abswitch"}[5m]))) > ' "$T_DIR/n.yml" ||
		fail "no native p90 expression: $(grep -m1 histogram "$T_DIR/n.yml")"
	rules_ok "$T_DIR/m.yml" "$T_DIR/base.sonde" --metric mean
	expect_eq "rules" "$RULES" 6
	grep -qF 'rate(sonde_function_duration_seconds_sum{function="step_parse",object="abswitch"}[5m])) / sum by (function, object) (rate(sonde_function_duration_seconds_count{' "$T_DIR/m.yml" ||
		fail "no classic mean: $(grep -m1 -A1 expr "$T_DIR/m.yml")"
	rules_ok "$T_DIR/mn.yml" "$T_DIR/base.sonde" --metric mean --native --by instance
	expect_eq "rules" "$RULES" 6
	grep -qF 'histogram_sum(sum by (function, object, instance) (rate(sonde_function_duration_seconds{' "$T_DIR/mn.yml" ||
		fail "no native mean by instance: $(grep -m1 -A1 expr "$T_DIR/mn.yml")"
}

# --budget: a rule pair on each function the glob matches; a typo is refused with the name.
t_lat_budgets()
{
	base_lat "$T_DIR/base.sonde"
	rules_ok "$T_DIR/b.yml" "$T_DIR/base.sonde" --budget 'step_*:p99<2ms' --budget 'step_parse:mean<50us'
	expect_eq "rules (6 regressions, 3 x 2 + 2 budgets)" "$RULES" 14
	expect_eq "budget warnings at 2ms" "$(grep -c '\[5m\]))) >= 0.002)$' "$T_DIR/b.yml")" 3
	expect_eq "budget criticals at 3ms" "$(grep -c '\[5m\]))) > 0.003)$' "$T_DIR/b.yml")" 3
	# Each on the p99's calls: 1000 in the window, summed as the histogram is.
	expect_eq "calls needed" "$(grep -c 'and on (function, object) sum by (function, object) (increase(sonde_function_duration_seconds_count{function="step_[a-z]*",object="abswitch"}\[5m\])) >= 1000$' "$T_DIR/b.yml")" 6
	grep -q '^          budget: "step_parse:mean<50us"$' "$T_DIR/b.yml" || fail "no budget label"
	bad_input 2 "'step_lokup:p99<2ms' matches none .*did you mean 'step_lookup'" \
		rules "$T_DIR/base.sonde" --budget 'step_lokup:p99<2ms'
	bad_input 2 "no maximum" rules "$T_DIR/base.sonde" --budget 'step_*:max<2ms'
	bad_input 2 "is for memory" rules "$T_DIR/base.sonde" --budget 'rss<1GiB'
}

# Two baselines: the geometric mean of their p90s, said in the description; -o FILE.
t_two_baselines_to_a_file()
{
	local p1 p2 w

	base_lat "$T_DIR/a.sonde"
	base_lat "$T_DIR/b.sonde"
	sonde_run rules "$T_DIR/a.sonde" "$T_DIR/b.sonde" -o "$T_DIR/two.yml" --group fleet
	expect_ok
	expect_eq "stdout with -o" "$(wc -c <"$T_DIR/out")" 0
	promtool check rules "$T_DIR/two.yml" >"$T_DIR/promtool" 2>&1 || fail "promtool: $(cat "$T_DIR/promtool")"
	grep -q '^  - name: "fleet"$' "$T_DIR/two.yml" || fail "no group fleet"
	grep -q "the geometric mean of its runs' values, in 2 of 2 runs" "$T_DIR/two.yml" ||
		fail "the description does not say how the baseline was made: $(grep -m1 description "$T_DIR/two.yml")"
	p1=$("$SONDE" report "$T_DIR/a.sonde" --json 2>/dev/null | jq '.functions[] | select(.name == "step_render") | .p90_ns')
	p2=$("$SONDE" report "$T_DIR/b.sonde" --json 2>/dev/null | jq '.functions[] | select(.name == "step_render") | .p90_ns')
	w=$(limit_of "$T_DIR/two.yml" SondeLatencyRegression step_render warning)
	within_pct "$w" "$(awk -v a="$p1" -v b="$p2" 'BEGIN { printf "%.9f", sqrt(a * b) * 1.1 / 1e9 }')" 0.1 ||
		fail "step_render's warning at $w s, expected sqrt($p1 x $p2) ns + 10 %"
}

# A memory baseline: growth over the run's (100 x 10,000 B/s, within 10 %) and RSS over its peak.
t_mem_baseline()
{
	local w peak

	sonde_run mem -o "$T_DIR/m.sonde" -- "$MT" leak 100 10000 2
	expect_ok
	grep -q '^leak iterations=200 ' "$T_DIR/out" || fail "the target's own line is missing"
	rules_ok "$T_DIR/m.yml" "$T_DIR/m.sonde" --window 30m
	expect_eq "rules (growth, RSS x 2)" "$RULES" 4
	w=$(limit_of "$T_DIR/m.yml" SondeHeapGrowthRegression "" warning)
	within_pct "$w" 1100000 10 || fail "growth warning at $w B/s, expected 1.1 x 1,000,000 within 10 %"
	grep -qF 'deriv(sonde_heap_live_bytes[30m]) > ' "$T_DIR/m.yml" || fail "no deriv over 30m"
	peak=$("$SONDE" report "$T_DIR/m.sonde" --json 2>/dev/null | jq .rss_peak_bytes)
	w=$(limit_of "$T_DIR/m.yml" SondeRSSRegression "" warning)
	within_pct "$w" "$((peak * 11 / 10))" 0.01 || fail "RSS warning at $w B, its peak $peak + 10 % expected"
	rules_ok "$T_DIR/mb.yml" "$T_DIR/m.sonde" --budget 'rss<512MiB' --budget 'live<100MiB' --budget 'growth<2MiB/s'
	expect_eq "rules (4 + 3 budgets x 2)" "$RULES" 10
	grep -qx '          sonde_rss_bytes >= 536870912' "$T_DIR/mb.yml" || fail "no rss budget at 512MiB"
	grep -qx '          sonde_heap_live_bytes > 157286400' "$T_DIR/mb.yml" || fail "no critical live budget at 150MiB"
	grep -qx '          deriv(sonde_heap_live_bytes\[5m\]) >= 2097152' "$T_DIR/mb.yml" || fail "no growth budget"
	bad_input 2 "is for latency" rules "$T_DIR/m.sonde" --budget 'step_*:p99<2ms'
}

# C++ names with '<', '>', ',', ' ', ':', '&' and '*' in them, in PromQL and labels as the table has them.
t_cxx_names()
{
	local n

	sonde_run lat 'shop::*' -o "$T_DIR/cx.sonde" -- "$TGT/cxxnames" 2000
	expect_ok
	grep -q '^n=2000 sum=' "$T_DIR/out" || fail "cxxnames' own line is missing"
	n=$(called "$T_DIR/cx.sonde")
	expect_ge "functions called" "$n" 5
	# Cache<int>::put, Cache<int>::get, Cache<long>::get (a budget's FUNCTION cannot hold '<').
	rules_ok "$T_DIR/cx.yml" "$T_DIR/cx.sonde" --budget 'shop::Cache*:p99<1ms'
	expect_eq "rules" "$RULES" $((n * 2 + 3 * 2))
	grep -qF '{function="shop::Cache<int>::put(int, int)",object="cxxnames"}[5m]' "$T_DIR/cx.yml" ||
		fail "no selector of shop::Cache<int>::put(int, int): $(grep -m1 Cache "$T_DIR/cx.yml")"
	grep -qxF '          function: "shop::Cache<int>::get(int) const"' "$T_DIR/cx.yml" || fail "no label"
}

# Names that attack the terminal: escaped as sonde shows them, no control byte in the file.
t_evil_names()
{
	sonde_run lat '*_step' 'evil_*' -o "$T_DIR/e.sonde" -- "$TGT/evilname" 300
	expect_ok
	rules_ok "$T_DIR/e.yml" "$T_DIR/e.sonde"
	expect_eq "rules" "$RULES" 6
	[ "$(LC_ALL=C tr -d '\n\040-\176\200-\377' <"$T_DIR/e.yml" | wc -c)" = 0 ] || fail "control bytes in the rules"
	grep -qF 'function="evil_\\x1b]0;pwned\\x07_title\\x1b[2J"' "$T_DIR/e.yml" || fail "the evil name is not escaped: $(grep -m1 evil "$T_DIR/e.yml")"
	grep -qF "function: \"caf"$'\xc3\xa9'"_step\"" "$T_DIR/e.yml" || fail "café_step is not as it is"
}

# promtool test rules: a function renamed odd"name\q{{x}} in the baseline; its
# rules, over series with those labels, fire with the exporter's label values
# once `for` has passed; step_lookup's, whose series stay fast, do not, nor
# step_render's, slow but with 4 calls a minute where a p90 needs 100.
t_rules_fire_with_the_names_labels()
{
	local odd='odd"name\q{{x}}' sel

	base_lat "$T_DIR/base.sonde"
	jq -c --arg n "$odd" '(.report.functions[] | select(.name == "step_parse") | .name) = $n' \
		"$T_DIR/base.sonde" >"$T_DIR/odd.sonde" || fail "jq could not rename step_parse"
	rules_ok "$T_DIR/odd.yml" "$T_DIR/odd.sonde" --window 1m --for 1m
	expect_eq "rules" "$RULES" 6
	# Only the labels are compared: annotations out.
	grep -vE '^ *(annotations|summary|description):' "$T_DIR/odd.yml" >"$T_DIR/rules.yml"
	sel='function="odd\"name\\q{{x}}",object="abswitch"'
	cat >"$T_DIR/test.yml" <<EOF
rule_files: [rules.yml]
evaluation_interval: 15s
tests:
  - interval: 15s
    input_series:
      - {series: 'sonde_function_duration_seconds_bucket{$sel,le="0.001"}', values: '0+0x40'}
      - {series: 'sonde_function_duration_seconds_bucket{$sel,le="0.01"}', values: '0+100x40'}
      - {series: 'sonde_function_duration_seconds_bucket{$sel,le="+Inf"}', values: '0+100x40'}
      - {series: 'sonde_function_duration_seconds_bucket{function="step_lookup",object="abswitch",le="0.00005"}', values: '0+100x40'}
      - {series: 'sonde_function_duration_seconds_count{$sel}', values: '0+100x40'}
      - {series: 'sonde_function_duration_seconds_bucket{function="step_lookup",object="abswitch",le="+Inf"}', values: '0+100x40'}
      - {series: 'sonde_function_duration_seconds_count{function="step_lookup",object="abswitch"}', values: '0+100x40'}
      - {series: 'sonde_function_duration_seconds_bucket{function="step_render",object="abswitch",le="0.01"}', values: '0+1x40'}
      - {series: 'sonde_function_duration_seconds_bucket{function="step_render",object="abswitch",le="+Inf"}', values: '0+1x40'}
      - {series: 'sonde_function_duration_seconds_count{function="step_render",object="abswitch"}', values: '0+1x40'}
    alert_rule_test:
      - {eval_time: 45s, alertname: SondeLatencyRegression, exp_alerts: []}
      - eval_time: 5m
        alertname: SondeLatencyRegression
        exp_alerts:
          - exp_labels: {severity: warning, function: 'odd"name\q{{x}}', object: abswitch}
          - exp_labels: {severity: critical, function: 'odd"name\q{{x}}', object: abswitch}
EOF
	(cd "$T_DIR" && promtool test rules test.yml) >"$T_DIR/ptest" 2>&1 ||
		fail "promtool test rules: $(head -c 800 "$T_DIR/ptest" | tr '\n' '|')"
}

t_bad_input()
{
	base_lat "$T_DIR/base.sonde"
	sonde_run mem -o "$T_DIR/m.sonde" -- "$MT" leak 100 10000 1
	expect_ok
	echo "not a profile" >"$T_DIR/text"
	bad_input 2 "give a baseline" rules
	bad_input 2 "is not a sonde profile" rules "$T_DIR/text"
	bad_input 2 "cannot|no such" rules "$T_DIR/missing.sonde"
	bad_input 2 "different kinds" rules "$T_DIR/base.sonde" "$T_DIR/m.sonde"
	bad_input 2 "threshold 'abc' is not a number" rules "$T_DIR/base.sonde" --threshold abc
	bad_input 2 "critical 50 is not above --threshold 60" rules "$T_DIR/base.sonde" --threshold 60
	bad_input 2 "window.*whole milliseconds" rules "$T_DIR/base.sonde" --window 1500us
	bad_input 2 "by 'le'" rules "$T_DIR/base.sonde" --by le
	bad_input 2 "metric 'p95'" rules "$T_DIR/base.sonde" --metric p95
}

run_tests
