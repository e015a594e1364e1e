#!/bin/bash
# The Prometheus exporter's own cost: sonde lat --prometheus -b on a hot
# function (tiny() in build/bench/loop_push, a tight loop), scraped 10 times
# a second by curl (the text format, or the protobuf one with native
# histograms that Prometheus asks for with native histograms on), against
# the same run not scraped. Per mode: the loop's
# calls per second, sonde's own CPU time (utime + stime, /proc/PID/stat)
# over the loop's run, and whether the counts agree: the loop's calls,
# sonde's final report and the last scrape. Rounds interleaved, medians.
# Prints a markdown fragment for bench/RESULTS.md on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/stats.sh

ROUNDS=${PROM_ROUNDS:-3}
# ~20 s of traced calls a run on a loaded machine (~4 us a call, mean).
CALLS=${PROM_CALLS:-5000000}
SCRAPE_EVERY=0.1
SONDE=build/sonde
BIN=$(realpath build/bench/loop_push)
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT
TICK=$(getconf CLK_TCK)

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# cpu_s PID: the process's user + system CPU time in seconds.
cpu_s() {
	# Fields 14 and 15 of /proc/PID/stat, counted after the command's ")".
	awk -v t="$TICK" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat"
}

PROTO_ACCEPT='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'

# scrape ADDR OUT [ACCEPT]: one GET /metrics; 0 on HTTP 200.
scrape() {
	[ "$(curl -s --max-time 5 ${3:+-H "Accept: $3"} -o "$2" -w '%{http_code}' "http://$1/metrics")" = 200 ]
}

# run MODE: one traced run of the loop, scraped or not. Prints
# "calls_per_s mean_calls_per_s sonde_cpu_s scrapes counts_equal", the first
# from the 25th percentile of the loop's 1,000-call batches (bench/batch_timer.h).
run() {
	local mode=$1 port addr sonde cpu0 cpu1 out n scraper final last accept
	port=$(free_port)
	addr=127.0.0.1:$port
	$SONDE lat --json --prometheus "$addr" -b "$BIN" tiny >"$TMP/sonde.out" 2>"$TMP/sonde.err" &
	sonde=$!
	for _ in $(seq 100); do grep -q "sonde: tracing" "$TMP/sonde.err" && break; sleep 0.1; done
	grep -q "sonde: tracing" "$TMP/sonde.err" ||
		{ echo "sonde bench: sonde did not attach: $(head -c 300 "$TMP/sonde.err")" >&2; return 1; }
	sleep 1
	: >"$TMP/scrapes"
	if [ "$mode" != unscraped ]; then
		accept=
		[ "$mode" = protobuf ] && accept=$PROTO_ACCEPT
		(while :; do
			scrape "$addr" "$TMP/m" "$accept" && echo ok >>"$TMP/scrapes"
			sleep $SCRAPE_EVERY
		done) &
		scraper=$!
	fi
	cpu0=$(cpu_s "$sonde")
	out=$("$BIN" "$CALLS")
	cpu1=$(cpu_s "$sonde")
	[ "$mode" != unscraped ] && { kill "$scraper"; wait "$scraper" 2>/dev/null || true; }
	n=$(grep -c . "$TMP/scrapes" || true)
	scrape "$addr" "$TMP/last"
	last=$(awk '$1 ~ /^sonde_function_duration_seconds_count\{/ && /function="tiny"/ { print $2 }' "$TMP/last")
	kill -INT "$sonde"
	wait "$sonde" || true
	final=$(grep '^{' "$TMP/sonde.out" | jq -r 'select(.type == "lat" and .final) | .functions[] | select(.name == "tiny") | .calls' | tail -n 1)
	echo "$(sed -n 's/.*p25_ns_per_call=\([0-9.]*\).*/\1/p' <<<"$out" | awk '{ printf "%.0f", 1e9 / $1 }') \
$(sed -n 's/^ns_per_call=\([0-9.]*\) .*/\1/p' <<<"$out" | awk '{ printf "%.0f", 1e9 / $1 }') \
$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }') $n \
$([ "$final" = "$CALLS" ] && [ "$last" = "$CALLS" ] && echo yes || echo "no(final=$final,last=$last)")"
}

declare -A RATE MRATE CPU SCRAPES EQUAL
for r in $(seq "$ROUNDS"); do
	# Another order each round.
	case $((r % 3)) in
	1) modes="unscraped scraped protobuf" ;;
	2) modes="scraped protobuf unscraped" ;;
	0) modes="protobuf unscraped scraped" ;;
	esac
	for mode in $modes; do
		read -r rate mrate cpu n eq <<<"$(run "$mode")"
		RATE[$mode]="${RATE[$mode]:-} $rate"
		MRATE[$mode]="${MRATE[$mode]:-} $mrate"
		CPU[$mode]="${CPU[$mode]:-} $cpu"
		SCRAPES[$mode]="${SCRAPES[$mode]:-} $n"
		EQUAL[$mode]="${EQUAL[$mode]:-} $eq"
		echo "  prometheus round $r $mode: $rate calls/s (batches' p25), $mrate (mean), sonde CPU $cpu s, $n scrapes, counts equal: $eq" >&2
	done
done

base=$(echo ${RATE[unscraped]} | median)
mbase=$(echo ${MRATE[unscraped]} | median)
cpu_u=$(echo ${CPU[unscraped]} | median)

echo "## The Prometheus exporter's own cost"
echo
echo "sonde lat --prometheus -b build/bench/loop_push tiny; the loop makes $CALLS calls of tiny() (traced);"
echo "\"scraped\": curl GETs /metrics every ${SCRAPE_EVERY} s meanwhile (10 a second, the text format); \"protobuf\": the"
echo "same with the Accept header of a Prometheus with native histograms on. sonde's CPU is utime +"
echo "stime (/proc/PID/stat) over the loop's run. calls/s is the loop's rate in its 1,000-call batches'"
echo "25th percentile (bench/batch_timer.h), \"mean\" over the whole run. $ROUNDS rounds, interleaved, medians."
echo
echo "| mode | calls/s | × unscraped | mean calls/s | × unscraped | sonde CPU s | scrapes | counts equal (loop = final = last scrape) | runs (calls/s) |"
echo "|---|---:|---:|---:|---:|---:|---:|---|---|"
for mode in unscraped scraped protobuf; do
	m=$(echo ${RATE[$mode]} | median)
	mm=$(echo ${MRATE[$mode]} | median)
	echo "| $mode | $m | $(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.3f", a / b }') | $mm | $(awk -v a="$mm" -v b="$mbase" 'BEGIN { printf "%.3f", a / b }') | $(echo ${CPU[$mode]} | median) | $(echo ${SCRAPES[$mode]} | median) |${EQUAL[$mode]} | ${RATE[$mode]} |"
done
echo
per_scrape() {
	awk -v s="$(echo ${CPU[$1]} | median)" -v u="$cpu_u" -v n="$(echo ${SCRAPES[$1]} | median)" \
		'BEGIN { if (n > 0) printf "%.2f ms", (s - u) * 1000 / n; else print "n/a" }'
}
echo "sonde's CPU per scrape: $(per_scrape scraped) (text), $(per_scrape protobuf) (protobuf)"
echo "((scraped − unscraped CPU) / scrapes, medians; CPU time is counted in ${TICK}ths of a second)."
