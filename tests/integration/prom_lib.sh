# shellcheck shell=bash
# A real Prometheus for the integration tests (test_prometheus.sh): sourced
# after lib.sh. prom_start runs Debian's prometheus on 127.0.0.1 with its own
# config and data directory in the test's temporary directory, scraping one
# target every second; it is registered with lib.sh's background processes,
# so it is stopped after the test whether the test passed or not, and its
# files go with $IT_TMP. The query helpers read /api/v1/query with curl + jq.

PROM=${PROM:-prometheus}
# Upper bound on any wait for Prometheus (start, a scrape, a rule).
PROM_WAIT=${PROM_WAIT:-40}

# A signal that ends the script still runs lib.sh's EXIT trap (it stops
# Prometheus and sonde and removes $IT_TMP).
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# free_port: a TCP port on 127.0.0.1 that nothing listens on (the kernel's pick).
free_port()
{
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# now_s: the wall clock in seconds with milliseconds, as Prometheus's API takes times.
now_s()
{
	date +%s.%3N
}

# prom_start TARGET [native] [RULES_FILE]: Prometheus scraping TARGET
# (ADDR:PORT) every second, with native histograms when asked, evaluating
# RULES_FILE every second. Sets PROM_URL, PROM_PID, PROM_DIR; returns once
# Prometheus says it is ready. Fails the test when it is not within
# $PROM_WAIT seconds.
prom_start()
{
	local target=$1 native=${2:-} rules=${3:-} port feature=() _

	PROM_DIR=$(mktemp -d "$T_DIR/prom.XXXXXX")
	port=$(free_port)
	PROM_URL=http://127.0.0.1:$port
	{
		echo "global:"
		echo "  scrape_interval: 1s"
		echo "  scrape_timeout: 1s"
		echo "  evaluation_interval: 1s"
		if [ -n "$rules" ]; then
			cp "$rules" "$PROM_DIR/rules.yml"
			echo "rule_files: [rules.yml]"
		fi
		echo "scrape_configs:"
		echo "  - job_name: sonde"
		echo "    static_configs:"
		echo "      - targets: ['$target']"
	} >"$PROM_DIR/prometheus.yml"
	[ "$native" = native ] && feature=(--enable-feature=native-histograms)
	"$PROM" --config.file="$PROM_DIR/prometheus.yml" --storage.tsdb.path="$PROM_DIR/data" \
		--web.listen-address="127.0.0.1:$port" "${feature[@]}" >"$PROM_DIR/log" 2>&1 &
	PROM_PID=$!
	echo "$PROM_PID" >>"$IT_TMP/pids"
	for _ in $(seq $((PROM_WAIT * 5))); do
		curl -sf "$PROM_URL/-/ready" >/dev/null 2>&1 && return 0
		kill -0 "$PROM_PID" 2>/dev/null ||
			fail "prometheus exited at start: $(tail -c 400 "$PROM_DIR/log" | tr '\n' '|')"
		sleep 0.2
	done
	fail "prometheus not ready within ${PROM_WAIT}s: $(tail -c 400 "$PROM_DIR/log" | tr '\n' '|')"
}

# prom_query EXPR [TIME]: the API's answer to an instant query (JSON on
# stdout), at TIME (seconds, default now); returns 1 when it is not a success.
prom_query()
{
	local out args=(--data-urlencode "query=$1")

	[ -n "${2:-}" ] && args+=(--data-urlencode "time=$2")
	out=$(curl -s --max-time 10 "${args[@]}" "$PROM_URL/api/v1/query") || return 1
	jq -e '.status == "success"' >/dev/null 2>&1 <<<"$out" || { echo "$out"; return 1; }
	echo "$out"
}

# prom_value EXPR [TIME]: the value of the first element of an instant
# vector (or a scalar), "none" when the result is empty or the query failed.
# Native histograms' values are not numbers: see prom_is_histogram.
prom_value()
{
	prom_query "$@" 2>/dev/null | jq -r '
		.data as $d
		| if $d.resultType == "scalar" then $d.result[1]
		  elif ($d.result | length) == 0 then "none"
		  else ($d.result[0].value[1] // "none") end' 2>/dev/null || echo none
}

# prom_count EXPR [TIME]: how many series an instant query returns.
prom_count()
{
	prom_query "$@" 2>/dev/null | jq -r '.data.result | length' 2>/dev/null || echo none
}

# prom_is_histogram EXPR [TIME]: the first series of the result is a native
# histogram (the API gives "histogram" instead of "value").
prom_is_histogram()
{
	prom_query "$@" 2>/dev/null | jq -e '.data.result[0].histogram != null' >/dev/null 2>&1
}

# prom_samples SELECTOR WINDOW [TIME]: the raw samples of SELECTOR's first
# series over the last WINDOW, one "timestamp value" line each, oldest first
# (classic series: numbers; native: the histogram's count).
prom_samples()
{
	prom_query "$1[$2]" "${3:-}" 2>/dev/null | jq -r '
		.data.result[0] // {} | (.values // [] | .[] | "\(.[0]) \(.[1])"),
		(.histograms // [] | .[] | "\(.[0]) \(.[1].count)")' 2>/dev/null
}

# prom_wait_value EXPR AWK_COND [SECONDS]: wait until EXPR's value v makes
# the awk condition (e.g. 'v == 0', 'v >= 100') true; its value in
# PROM_LAST. Returns 1 (PROM_LAST the last value seen) when it did not in time.
prom_wait_value()
{
	local _

	for _ in $(seq $((${3:-$PROM_WAIT} * 4))); do
		PROM_LAST=$(prom_value "$1")
		if is_num_e "$PROM_LAST" && awk -v v="$PROM_LAST" "BEGIN { exit !($2) }"; then
			return 0
		fi
		sleep 0.25
	done
	return 1
}

# prom_wait_up: wait until Prometheus has scraped its target successfully.
prom_wait_up()
{
	prom_wait_value 'up{job="sonde"}' 'v == 1' ||
		fail "prometheus never scraped the target (up = $PROM_LAST): $(prom_targets_text)"
}

# prom_wait_scrapes N: wait until Prometheus has scraped its target N more times.
prom_wait_scrapes()
{
	local n0 want

	n0=$(prom_scrapes)
	want=$((n0 + $1))
	prom_wait_value 'count_over_time(up{job="sonde"}[1h])' "v >= $want" ||
		fail "prometheus did not scrape $1 more times in ${PROM_WAIT}s (at $PROM_LAST, wanted $want)"
}

prom_scrapes()
{
	local n

	n=$(prom_value 'count_over_time(up{job="sonde"}[1h])')
	is_num "$n" && echo "$n" || echo 0
}

# prom_targets_text: the scrape target's health and last error, for messages.
prom_targets_text()
{
	curl -s --max-time 5 "$PROM_URL/api/v1/targets" 2>/dev/null |
		jq -r '.data.activeTargets[]? | "\(.scrapeUrl) \(.health) \(.lastError)"' 2>/dev/null |
		tr '\n' '|'
}

# prom_alert_states NAME: "STATE LAST_EVALUATION HEALTH" of each alert rule
# named NAME, one a line (STATE "inactive", "pending" or "firing").
prom_alert_states()
{
	curl -s --max-time 5 "$PROM_URL/api/v1/rules?type=alert" 2>/dev/null | jq -r --arg n "$1" '
		.data.groups[]?.rules[]? | select(.name == $n)
		| "\(.state) \(.lastEvaluation) \(.health)"' 2>/dev/null
}

# prom_firing NAME: how many alerts named NAME /api/v1/alerts shows firing.
prom_firing()
{
	curl -s --max-time 5 "$PROM_URL/api/v1/alerts" 2>/dev/null | jq -r --arg n "$1" '
		[.data.alerts[]? | select(.labels.alertname == $n and .state == "firing")] | length' \
		2>/dev/null || echo none
}

# is_num_e V: a number, in the exponent notation Prometheus prints too.
is_num_e()
{
	[[ $1 =~ ^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]]
}

# ---- sonde's buckets, as include/sonde/hist.h computes them ----------------

# bucket_of_ns NS: the sonde bucket of a value (hist.h, sonde_bucket_of_ns).
bucket_of_ns()
{
	awk -v ns="$1" 'BEGIN {
		ns = int(ns)
		if (ns < 16) { print ns; exit }
		e = 0; v = ns
		while (v >= 2) { v = int(v / 2); e++ }
		if (e > 40) { print 16 + (40 - 4 + 1) * 16 - 1; exit }
		mant = int(ns / 2 ^ (e - 4)) % 16
		print 16 + (e - 4) * 16 + mant }'
}

# bucket_lower_ns B: the smallest value of sonde bucket B (sonde_bucket_lower_ns).
bucket_lower_ns()
{
	awk -v b="$1" 'BEGIN {
		if (b < 16) { print b; exit }
		e = int((b - 16) / 16) + 4
		mant = (b - 16) % 16
		printf "%.0f\n", (16 + mant) * 2 ^ (e - 4) }'
}

# median_bucket: the sonde bucket of NAME's median call in $FINAL's
# histogram, found as hist_quantile() finds it (the first bucket whose
# cumulative count reaches half the calls).
median_bucket()
{
	local lower

	lower=$(jq -r --arg n "$1" '
		[.functions[] | select(.name == $n)] | .[0].hist // []
		| (map(.[1]) | add // 0) as $all
		| reduce .[] as $b ({c: 0, m: null};
			.c += $b[1] | if .m == null and .c >= $all * 0.5 then .m = $b[0] else . end)
		| .m // "none"' <<<"$FINAL")
	is_num "$lower" || { echo none; return; }
	bucket_of_ns "$lower"
}
