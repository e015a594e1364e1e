#!/bin/bash
# sonde lat/mem --prometheus, read by a real Prometheus (Debian's 2.42, on
# 127.0.0.1, scraping every second, its own config and data in a temporary
# directory: prom_lib.sh). The target, promtarget, calls spin_50us (50 us on
# CPU) and sleep_2ms (a 2 ms nanosleep) N times each, then idles until
# SIGTERM, so Prometheus's last samples hold the final counts. It is held
# before its first call until Prometheus has scraped zero counts: every
# series starts at 0 in the window, which is where rate() does not
# extrapolate (a counter is not extrapolated below zero; Prometheus 2.42
# does extrapolate native histograms there: expect_increase).
#
# Prometheus's answers are compared with sonde's own final report (--json)
# of the same calls, and with the count the target prints.
IT_TIMEOUT=${IT_TIMEOUT:-150}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/prom_lib.sh"

N=${PROM_N:-1500}
FUNCS=(spin_50us sleep_2ms)
DUR=sonde_function_duration_seconds

# count_expr FUNCTION: the series of FUNCTION's call count (a native
# histogram has no _count series: its count is inside it).
count_expr()
{
	if [ "$NATIVE" = native ]; then
		echo "histogram_count($DUR{function=\"$1\"})"
	else
		echo "${DUR}_count{function=\"$1\"}"
	fi
}

# count_series FUNCTION: the stored series that carries FUNCTION's count,
# for its raw samples (prom_samples reads a native histogram's count).
count_series()
{
	if [ "$NATIVE" = native ]; then
		echo "$DUR{function=\"$1\"}"
	else
		echo "${DUR}_count{function=\"$1\"}"
	fi
}

# prom_run [native] SONDE_ARGS...: Prometheus scraping sonde lat --prometheus
# on promtarget N. Returns with the calls done and scraped: T_END the time
# of the queries, W a window that covers the calling phase from a scrape of
# zero counts on; the target still idles (TPID).
prom_run()
{
	local t_start f secs

	NATIVE=${1:-}
	shift
	SPORT=$(free_port)
	SADDR=127.0.0.1:$SPORT
	prom_start "$SADDR" "$NATIVE"
	start_held "$T_DIR/target" "$TGT/promtarget" "$N"
	TPID=$BG_PID
	start_sonde lat --json --prometheus "$SADDR" "$@" -p "$TPID" "${FUNCS[@]}"
	wait_links_on "$TGT/promtarget"
	prom_wait_up
	for f in "${FUNCS[@]}"; do
		prom_wait_value "$(count_expr "$f")" 'v == 0' ||
			fail "Prometheus has no sample of 0 calls of $f before the first call (got $PROM_LAST); $(prom_targets_text)"
	done
	t_start=$(now_s)
	kill -USR1 "$TPID"
	wait_file_match "$T_DIR/target" '^idle calls=' 100 ||
		fail "promtarget did not finish its $N calls: $(head -c 300 "$T_DIR/target")"
	for f in "${FUNCS[@]}"; do
		prom_wait_value "$(count_expr "$f")" "v == $N" ||
			fail "Prometheus's last sample of $f's count is $PROM_LAST, expected $N"
	done
	prom_wait_scrapes 2
	T_END=$(now_s)
	# From 10 s before the release: scrapes of zero counts are in it, even late ones.
	secs=$(awk -v a="$t_start" -v b="$T_END" 'BEGIN { printf "%d", b - a + 11 }')
	W=${secs}s
}

# term_target NAME: SIGTERM to the target (TPID), which prints its counts
# and must exit 0; then sonde, which ends with it, must exit 0.
term_target()
{
	local rc

	kill -TERM "$TPID"
	wait "$TPID"
	rc=$?
	expect_eq "$1's exit status" "$rc" 0
	wait_sonde
	expect_ok
}

# end_run: the target and sonde ended (term_target), sonde's final report in
# $FINAL and the counts of both.
end_run()
{
	term_target promtarget
	need_final
	expect_eq "promtarget's calls" "$(tsays calls)" "$N"
	expect_eq "promtarget's slow calls" "$(tsays slow_calls)" 0
	for f in "${FUNCS[@]}"; do
		expect_eq "sonde's $f calls (promtarget made $N)" "$(fn_field "$f" calls)" "$N"
	done
}

# tsays KEY: KEY=... in promtarget's summary line.
tsays()
{
	grep -oE "(^| )$1=[0-9]+" "$T_DIR/target" | tail -n 1 | cut -d= -f2
}

# s_ns SECONDS: Prometheus's seconds as nanoseconds ("none" stays).
s_ns()
{
	is_num_e "$1" || { echo none; return; }
	awk -v s="$1" 'BEGIN { printf "%.1f\n", s * 1e9 }'
}

# expect_in WHAT VALUE LO HI NOTE: LO <= VALUE <= HI (0.5 ns of rounding allowed).
expect_in()
{
	if ! is_num "$2" || ! awk -v v="$2" -v l="$3" -v h="$4" \
		'BEGIN { exit !(v >= l - 0.5 && v <= h + 0.5) }'; then
		fail "$1 is $2, expected in [$3, $4] ($5)"
	fi
}

# expect_increase FUNCTION EXPR: EXPR (an increase over $W of FUNCTION's
# count, at $T_END) agrees with the N calls within what Prometheus's
# extrapolation adds. The window's first sample is 0, and a counter is not
# extrapolated below zero: nothing is added at the start. At the end,
# increase() extrapolates from the last sample towards the window's end, by
# at most the gap D between them: the last-first difference (N) is scaled by
# (span + D) / span, span being the time from the first sample to the last.
# So N <= increase <= N * (span + D) / span. Prometheus 2.42 does not floor a
# native histogram at zero (the rule is for float counters): there the gap
# from the window's start to the first sample is added too, or half the
# samples' mean interval when the gap is more than 1.1 of it.
expect_increase()
{
	local inc max first span start=0

	prom_samples "$(count_series "$1")" "$W" "$T_END" >"$T_DIR/samples.$1"
	first=$(head -n 1 "$T_DIR/samples.$1")
	expect_eq "the first sample of $1's count in the window" "${first#* }" 0
	span=$(awk 'NR == 1 { t0 = $1 } { t = $1 } END { printf "%.3f", t - t0 }' "$T_DIR/samples.$1")
	[ "$NATIVE" = native ] && start=1
	max=$(awk -v n="$N" -v end="$T_END" -v s="$span" -v w="${W%s}" -v st="$start" '
		NR == 1 { d0 = $1 - (end - w) } { t = $1 }
		END { avg = s / (NR - 1); if (d0 >= 1.1 * avg) d0 = avg / 2
		      printf "%.6f", n * (s + st * d0 + end - t) / s }' "$T_DIR/samples.$1")
	inc=$(prom_value "$2" "$T_END")
	if ! is_num_e "$inc" || ! awk -v v="$inc" -v n="$N" -v m="$max" \
		'BEGIN { exit !(v >= n - 1e-6 && v <= m + 0.01) }'; then
		fail "$2 is $inc, expected in [$N, $max] ($N calls; samples over ${span}s, the query $(awk -v e="$T_END" '{ t = $1 } END { printf "%.3f", e - t }' "$T_DIR/samples.$1")s after the last)"
	fi
	echo "  $1: increase over $W = $inc (calls $N, bound $max)" >&2
}

# ---- classic histograms: the text format ------------------------------------

# late_les FUNCTION: the le of FUNCTION's bucket series whose first sample in
# the window is not 0 (a bucket that appeared after calls had landed in it:
# rate() cannot know what it held before, so the buckets of a window would
# not add up), "le=first" each, space-separated.
late_les()
{
	prom_query "${DUR}_bucket{function=\"$1\"}[$W]" "$T_END" | jq -r '
		[.data.result[] | select(.values[0][1] != "0") | "\(.metric.le)=\(.values[0][1])"]
		| join(" ")'
}

# cumulative_p50 FUNCTION: Prometheus's p50 of the last samples of the bucket
# series (since sonde started: what sonde's final report covers).
cumulative_p50()
{
	prom_value "histogram_quantile(0.5, sum by (le) (${DUR}_bucket{function=\"$1\"}))" "$T_END"
}

# --prometheus-buckets 16/octave: the classic buckets are sonde's own, so
# Prometheus's p50 is in the sonde bucket of sonde's own p50 (both
# interpolate inside the bucket that holds the median call).
t_classic_p50_16_per_octave()
{
	local f b lo hi q sp

	prom_run "" --prometheus-buckets 16/octave
	for f in "${FUNCS[@]}"; do
		Q[$f]=$(prom_value "histogram_quantile(0.5, sum by (le) (rate(${DUR}_bucket{function=\"$f\"}[$W])))" "$T_END")
		C[$f]=$(cumulative_p50 "$f")
		LATE[$f]=$(late_les "$f")
	done
	end_run
	for f in "${FUNCS[@]}"; do
		b=$(median_bucket "$f")
		lo=$(bucket_lower_ns "$b")
		hi=$(bucket_lower_ns $((b + 1)))
		q=$(s_ns "${Q[$f]}")
		sp=$(fn_field "$f" p50_ns)
		expect_in "Prometheus's p50 of $f's last samples (sonde's: $sp ns)" "$(s_ns "${C[$f]}")" \
			"$lo" "$hi" "sonde's median bucket $b"
		[ -z "${LATE[$f]}" ] ||
			fail "$f: le buckets appeared after calls had landed in them (their first sample in the window is not 0): ${LATE[$f]:0:300}; the window's p50 is $q ns, sonde's $sp ns (bucket [$lo, $hi))"
		expect_in "Prometheus's p50 of $f over $W (sonde's: $sp ns)" "$q" "$lo" "$hi" \
			"sonde's median bucket $b, $(pct_off "$q" "$sp") off sonde's p50"
		echo "  $f: Prometheus p50 $q ns, sonde $sp ns, bucket [$lo, $hi)" >&2
	done
}

# Counts: the last sample is sonde's final count exactly (and the target's);
# increase() over the window within the extrapolation bound.
t_counts()
{
	local f

	prom_run ""
	for f in "${FUNCS[@]}"; do
		LAST[$f]=$(prom_value "$(count_expr "$f")" "$T_END")
		expect_increase "$f" "increase($(count_expr "$f")[$W])"
	done
	end_run
	for f in "${FUNCS[@]}"; do
		expect_eq "Prometheus's last sample of $f's count" "${LAST[$f]}" "$(fn_field "$f" calls)"
	done
}

# The default buckets (4 per octave over the range seen): every le is a
# sonde bucket boundary, and Prometheus's p50 is in the le bucket that holds
# sonde's median bucket. Also: promtool check metrics passes on a scrape,
# the labels and sonde_build_info are there, an unknown path is a 404.
t_default_buckets()
{
	local f b lo hi q sp les le_lo le_hi bad code

	prom_run ""
	curl -s --max-time 10 -o "$T_DIR/metrics" "http://$SADDR/metrics" ||
		fail "curl of http://$SADDR/metrics failed"
	promtool check metrics <"$T_DIR/metrics" >"$T_DIR/promtool" 2>&1 ||
		fail "promtool check metrics: $(head -c 400 "$T_DIR/promtool" | tr '\n' '|')"
	[ ! -s "$T_DIR/promtool" ] || fail "promtool check metrics says: $(head -c 400 "$T_DIR/promtool" | tr '\n' '|')"
	code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "http://$SADDR/nope")
	expect_eq "HTTP status of /nope" "$code" 404
	expect_eq "sonde_build_info series" "$(prom_count 'sonde_build_info{version!="",kernel="'"$(uname -r)"'"} == 1' "$T_END")" 1
	for f in "${FUNCS[@]}"; do
		expect_eq "$f series with object=\"promtarget\"" \
			"$(prom_count "${DUR}_count{function=\"$f\",object=\"promtarget\"}" "$T_END")" 1
		Q[$f]=$(prom_value "histogram_quantile(0.5, sum by (le) (rate(${DUR}_bucket{function=\"$f\"}[$W])))" "$T_END")
		prom_query "count by (le) (${DUR}_bucket{function=\"$f\"})" "$T_END" |
			jq -r '.data.result[].metric.le' | grep -v Inf | sort -g >"$T_DIR/le.$f"
	done
	end_run
	for f in "${FUNCS[@]}"; do
		les=$(grep -c . "$T_DIR/le.$f")
		expect_gt "$f's le buckets" "$les" 1
		# Exact unions of sonde's buckets: each le (in ns) is a bucket's lower bound.
		bad=$(while read -r le; do
			n=$(awk -v s="$le" 'BEGIN { printf "%.0f", s * 1e9 }')
			[ "$(bucket_lower_ns "$(bucket_of_ns "$n")")" = "$n" ] || echo "$le"
		done <"$T_DIR/le.$f")
		[ -z "$bad" ] || fail "$f: le not on a sonde bucket boundary: $(tr '\n' ' ' <<<"$bad")"
		b=$(median_bucket "$f")
		lo=$(bucket_lower_ns "$b")
		hi=$(bucket_lower_ns $((b + 1)))
		le_lo=$(awk -v lo="$lo" '{ n = $1 * 1e9 } n <= lo + 0.5 { m = n } END { printf "%.0f", m + 0 }' "$T_DIR/le.$f")
		le_hi=$(awk -v hi="$hi" '{ n = $1 * 1e9 } n >= hi - 0.5 { printf "%.0f", n; exit }' "$T_DIR/le.$f")
		[ -n "$le_hi" ] || fail "$f: no le bucket above sonde's median bucket [$lo, $hi): $(tr '\n' ' ' <"$T_DIR/le.$f")"
		q=$(s_ns "${Q[$f]}")
		sp=$(fn_field "$f" p50_ns)
		expect_in "Prometheus's p50 of $f (sonde's: $sp ns; $les le buckets)" "$q" "$le_lo" "$le_hi" \
			"the le bucket of sonde's median bucket [$lo, $hi), $(pct_off "$q" "$sp") off sonde's p50"
		echo "  $f: Prometheus p50 $q ns, sonde $sp ns, le bucket [$le_lo, $le_hi], $les le" >&2
	done
}

# ---- native histograms: protobuf ---------------------------------------------

# With --enable-feature=native-histograms Prometheus asks for protobuf and
# keeps the native histogram only (the classic _bucket series are not
# stored). sonde maps each of its buckets whole to the schema-5 bucket that
# holds its largest value (conservative), so the p50 is in sonde's median
# bucket or up to one native bucket (2^(1/32): 2.2 %) above it.
t_native()
{
	local f b lo hi q sp

	prom_run native
	for f in "${FUNCS[@]}"; do
		prom_is_histogram "$DUR{function=\"$f\"}" "$T_END" ||
			fail "$DUR{function=\"$f\"} is not a native histogram in Prometheus: $(prom_query "$DUR{function=\"$f\"}" "$T_END" | head -c 300)"
		expect_eq "classic ${DUR}_bucket series of $f" \
			"$(prom_count "${DUR}_bucket{function=\"$f\"}" "$T_END")" 0
		LAST[$f]=$(prom_value "$(count_expr "$f")" "$T_END")
		expect_increase "$f" "histogram_count(sum(increase($DUR{function=\"$f\"}[$W])))"
		Q[$f]=$(prom_value "histogram_quantile(0.5, sum(rate($DUR{function=\"$f\"}[$W])))" "$T_END")
	done
	end_run
	for f in "${FUNCS[@]}"; do
		expect_eq "Prometheus's last histogram_count of $f" "${LAST[$f]}" "$(fn_field "$f" calls)"
		b=$(median_bucket "$f")
		lo=$(bucket_lower_ns "$b")
		hi=$(awk -v h="$(bucket_lower_ns $((b + 1)))" 'BEGIN { printf "%.1f", h * 2 ^ (1 / 32) }')
		q=$(s_ns "${Q[$f]}")
		sp=$(fn_field "$f" p50_ns)
		expect_in "Prometheus's native p50 of $f (sonde's: $sp ns)" "$q" "$lo" "$hi" \
			"sonde's median bucket $b plus one schema-5 bucket, $(pct_off "$q" "$sp") off sonde's p50"
		echo "  $f: Prometheus native p50 $q ns, sonde $sp ns, allowed [$lo, $hi]" >&2
	done
}

# ---- an alert rule fires when the target slows down --------------------------

# The baseline is a run of promtarget of its own (sonde lat -o); sonde rules
# makes its rules (spin_50us's p50 over 5 s above the baseline's by 10 %:
# warning, by 50 %: critical; for 2 s), which promtool accepts. They stay
# inactive while the target runs as in the baseline, and both fire once
# SIGUSR1 makes spin_50us spin 150 us (3 times the baseline).
t_rule_fires()
{
	local alert=SondeLatencyRegression states p50 _

	sonde_run lat --json -o "$T_DIR/base.sonde" spin_50us -- "$TGT/promtarget" 600 0 exit
	expect_ok
	need_final
	expect_eq "the baseline's spin_50us calls" "$(fn_field spin_50us calls)" 600
	sonde_run rules "$T_DIR/base.sonde" --metric p50 --window 5s --for 2s -o "$T_DIR/rules.yml"
	expect_ok
	promtool check rules "$T_DIR/rules.yml" >"$T_DIR/promtool" 2>&1 ||
		fail "promtool check rules on sonde rules' output: $(head -c 300 "$T_DIR/promtool" | tr '\n' '|')"
	SPORT=$(free_port)
	SADDR=127.0.0.1:$SPORT
	prom_start "$SADDR" "" "$T_DIR/rules.yml"
	expect_eq "$alert rules loaded" "$(prom_alert_states "$alert" | grep -c .)" 2
	start_held "$T_DIR/target" "$TGT/promtarget" 0
	TPID=$BG_PID
	start_sonde lat --json --prometheus "$SADDR" -p "$TPID" "${FUNCS[@]}"
	wait_links_on "$TGT/promtarget"
	prom_wait_up
	kill -USR1 "$TPID"
	# The rules' quantile has a value over a whole window of calls, then 4
	# evaluations without either alert pending or firing.
	p50="histogram_quantile(0.5, sum by (le) (rate(${DUR}_bucket{function=\"spin_50us\"}[5s])))"
	prom_wait_value "$p50" 'v > 0' || fail "no p50 of spin_50us in Prometheus (got $PROM_LAST)"
	prom_wait_scrapes 6
	for _ in 1 2 3 4; do
		states=$(prom_alert_states "$alert" | awk '{ print $1 }' | sort -u | tr '\n' ' ')
		[ "$states" = "inactive " ] ||
			fail "$alert is '$states' before the switch (baseline p50 $(fn_field spin_50us p50_ns) ns, now $(s_ns "$(prom_value "$p50")") ns)"
		sleep 1
	done
	kill -USR1 "$TPID"
	for _ in $(seq $((PROM_WAIT * 2))); do
		[ "$(prom_firing "$alert")" = 2 ] && break
		sleep 0.5
	done
	[ "$(prom_firing "$alert")" = 2 ] ||
		fail "$alert (warning and critical) not both firing ${PROM_WAIT}s after the switch: $(prom_alert_states "$alert" | tr '\n' '|'); p50 now $(s_ns "$(prom_value "$p50")") ns"
	term_target promtarget
	need_final
	expect_gt "promtarget's slow calls" "$(tsays slow_calls)" 0
	expect_eq "promtarget's spin_us" "$(tsays spin_us)" 150
	expect_eq "sonde's spin_50us calls (promtarget made $(tsays spin_calls))" \
		"$(fn_field spin_50us calls)" "$(tsays spin_calls)"
}

# ---- many scrapes do not change the counts ------------------------------------

# A hot function (promtarget's hot_add, a few ns, 5,000,000 calls in a tight
# loop) scraped 20 times a second by curl while it runs, then in its idle
# phase: the last scrape's count, sonde's final one and the target's agree
# exactly, and nothing was dropped.
t_many_scrapes()
{
	local want=5000000 scrapes=0 ok=0 calling=0 idle=0 code last drops

	start_held "$T_DIR/target" "$TGT/promtarget" "$want" 0 hot
	TPID=$BG_PID
	SADDR=127.0.0.1:$(free_port)
	start_sonde lat --json --prometheus "$SADDR" -p "$TPID" hot_add
	wait_links_on "$TGT/promtarget"
	kill -USR1 "$TPID"
	# While it calls, and 5 scrapes into the idle phase; bounded by sonde's time limit.
	while kill -0 "$SONDE_PID" 2>/dev/null; do
		code=$(curl -s --max-time 5 -o "$T_DIR/metrics" -w '%{http_code}' "http://$SADDR/metrics")
		scrapes=$((scrapes + 1))
		[ "$code" = 200 ] && ok=$((ok + 1)) && cp "$T_DIR/metrics" "$T_DIR/metrics.last"
		if grep -q '^idle calls=' "$T_DIR/target"; then
			idle=$((idle + 1))
			[ "$idle" -ge 5 ] && break
		else
			calling=$((calling + 1))
		fi
		sleep 0.05
	done
	term_target promtarget
	need_final
	expect_ge "scrapes while hot_add was called" "$calling" 20
	expect_eq "scrapes that failed" $((scrapes - ok)) 0
	expect_eq "promtarget's hot_add calls" "$(tsays hot_calls)" "$want"
	expect_eq "sonde's hot_add calls" "$(fn_field hot_add calls)" "$want"
	expect_eq "sonde's drops" "$(drops_total)" 0
	last=$(awk '$1 ~ /^sonde_function_duration_seconds_count\{/ && /function="hot_add"/ { print $2 }' \
		"$T_DIR/metrics.last")
	drops=$(awk '$1 ~ /^sonde_dropped_total/ { s += $2 } END { print s + 0 }' "$T_DIR/metrics.last")
	echo "  $scrapes scrapes ($calling while calling); the last one's count $last, drops $drops" >&2
	expect_eq "hot_add's count in the last scrape" "$last" "$want"
	expect_eq "sonde_dropped_total in the last scrape" "$drops" 0
}

# ---- sonde mem --prometheus ---------------------------------------------------

# memtarget leaks 200 blocks of 1000 bytes a second from leak_block() (and
# churns 4 blocks meanwhile, freed at once): in Prometheus the live heap
# grows at about the target's own rate, and with --top 1 the stacks are at
# most 2 series, leak_block's and stack="other".
t_mem()
{
	local top=1 v1 v2 rate own leaked n other

	SADDR=127.0.0.1:$(free_port)
	prom_start "$SADDR"
	start_held "$T_DIR/target" "$TGT/memtarget" leak 200 1000
	TPID=$BG_PID
	start_sonde mem --json --top "$top" --prometheus "$SADDR" -p "$TPID"
	wait_file_match "$T_DIR/err" '^sonde: tracing' 20 || fail "sonde mem did not start tracing: $(err_text)"
	prom_wait_up
	kill -USR1 "$TPID"
	prom_wait_value 'sonde_heap_live_bytes' 'v >= 100000' ||
		fail "sonde_heap_live_bytes never reached 100000 (last $PROM_LAST)"
	v1=$PROM_LAST
	prom_wait_scrapes 6
	T_END=$(now_s)
	v2=$(prom_value 'sonde_heap_live_bytes' "$T_END")
	expect_gt "sonde_heap_live_bytes 6 scrapes after $v1" "$v2" "$v1"
	# bytes per second over the samples of the last 5 s (Prometheus's timestamps).
	rate=$(prom_samples sonde_heap_live_bytes 5s "$T_END" |
		awk 'NR == 1 { t0 = $1; v0 = $2 } { t = $1; v = $2 } END { if (t > t0) printf "%.0f", (v - v0) / (t - t0) }')
	n=$(prom_count 'sonde_stack_live_bytes' "$T_END")
	other=$(prom_count 'sonde_stack_live_bytes{stack="other"}' "$T_END")
	leaked=$(prom_value 'sonde_stack_live_bytes{stack=~".*;leak_block"}' "$T_END")
	term_target memtarget
	own=$(awk '/^leak iterations=/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		printf "%.0f", f["bytes"] / (f["elapsed_ns"] / 1e9) }' "$T_DIR/target")
	echo "  live heap $v1 -> $v2 bytes; $rate B/s in Prometheus, $own B/s by memtarget; $n stack series" >&2
	expect_ns "the live heap's growth in Prometheus (B/s)" "$rate" "$own" 40
	expect_le "sonde_stack_live_bytes series (--top $top)" "$n" $((top + 1))
	expect_eq 'sonde_stack_live_bytes{stack="other"} series' "$other" 1
	expect_gt "leak_block's live bytes" "$leaked" 0
	expect_le "leak_block's live bytes" "$leaked" \
		"$(awk '/^leak iterations=/ { sub(/.*bytes=/, ""); print $1 + 0 }' "$T_DIR/target")"
}

# ---- bad input ------------------------------------------------------------------

# A port in use, an address that cannot be bound, garbage: exit 2, one line,
# before any probe is attached; the target runs on unchanged.
t_bad_address()
{
	# bad_input's links before and after: only those on promtarget, the one
	# file these runs probe (another tracer on the machine may probe libc).
	# shellcheck disable=SC2317 # called by bad_input
	uprobe_links() { links_on "$(readlink -f "$TGT/promtarget")"; }
	local port busy rc

	port=$(free_port)
	python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); print("listening", flush=True)
time.sleep(120)' "$port" >"$T_DIR/busy" 2>&1 &
	busy=$!
	echo "$busy" >>"$IT_TMP/pids"
	wait_file_match "$T_DIR/busy" '^listening' 10 || fail "could not listen on 127.0.0.1:$port"
	start_held "$T_DIR/target" "$TGT/promtarget" 200 0 exit
	TPID=$BG_PID
	bad_input 2 "127\.0\.0\.1:$port" lat --prometheus "127.0.0.1:$port" -p "$TPID" "${FUNCS[@]}"
	bad_input 2 "$port" lat --prometheus "$port" -p "$TPID" "${FUNCS[@]}"
	# 192.0.2.1 (TEST-NET-1) is no address of this machine.
	bad_input 2 "192\.0\.2\.1" lat --prometheus 192.0.2.1:9 -p "$TPID" "${FUNCS[@]}"
	bad_input 2 "prometheus" lat --prometheus 'not an address' -p "$TPID" "${FUNCS[@]}"
	bad_input 2 "prometheus|port" lat --prometheus 127.0.0.1:99999 -p "$TPID" "${FUNCS[@]}"
	kill -USR1 "$TPID"
	wait "$TPID"
	rc=$?
	expect_eq "promtarget's exit status" "$rc" 0
	expect_eq "promtarget's calls" "$(tsays calls)" 200
	expect_eq "promtarget's spin_50us calls" "$(tsays spin_calls)" 200
}

declare -A Q C LAST LATE
run_tests
