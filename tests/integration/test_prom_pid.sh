#!/usr/bin/env bash
# sonde lat --prometheus --prometheus-pid: sonde_function_duration_seconds
# split by process. Each process's _count is its own count of calls, exactly
# (the target prints it); without the flag there is no pid label; a process
# gone keeps its series for two scrapes, then they go; a full table is
# counted as dropped (pid_table), never lost silently. promtool checks every
# scrape.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# A TCP port nothing listens on now (the kernel picks it).
free_port()
{
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_exporter ARGS...: sonde lat spin_50us --prometheus 127.0.0.1:$PORT ARGS,
# back once it traces.
start_exporter()
{
	local _

	command -v curl >/dev/null && command -v promtool >/dev/null ||
		skip "needs curl and promtool (Debian: curl, prometheus)"
	PORT=$(free_port)
	start_sonde lat spin_50us --json --prometheus "127.0.0.1:$PORT" "$@"
	for _ in $(seq 200); do
		grep -q '^sonde: tracing' "$T_DIR/err" && return 0
		kill -0 "$SONDE_PID" 2>/dev/null || break
		sleep 0.05
	done
	fail "sonde did not start tracing; stderr: $(err_text)"
}

# scrape N: GET /metrics into $T_DIR/scrape.N, which promtool must accept.
scrape()
{
	local f=$T_DIR/scrape.$1

	curl -sf "http://127.0.0.1:$PORT/metrics" >"$f" || fail "scrape $1 failed"
	promtool check metrics <"$f" >"$f.check" 2>&1 ||
		fail "promtool check metrics on scrape $1: $(head -c 300 "$f.check" | tr '\n' '|')"
}

# sample N SERIES: the value of SERIES (name{labels}, as written) in scrape N;
# "none" when it is not there.
sample()
{
	awk -v s="$2" '$1 == s { v = $2 } END { print v == "" ? "none" : v }' "$T_DIR/scrape.$1"
}

duration_count()
{
	echo "sonde_function_duration_seconds_count{function=\"spin_50us\",object=\"spin\"${1:+,pid=\"$1\"}}"
}

# hold_spins N...: a held spin (start_held) per N, calling spin_50us N
# times once let go (0: until SIGTERM); their PIDs in HELD, outputs in
# $T_DIR/spin.K.
hold_spins()
{
	local n k=0

	HELD=()
	for n in "$@"; do
		start_held "$T_DIR/spin.$k" "$TGT/spin" "$n"
		HELD+=("$BG_PID")
		k=$((k + 1))
	done
}

# wait_exit PID OUTFILE WANT: the target ran to its end and counted WANT calls.
wait_exit()
{
	wait "$1"
	expect_eq "target $1's exit status" "$?" 0
	expect_eq "target $1's calls" "$(grep -oE 'calls=[0-9]+' "$2" | cut -d= -f2)" "$3"
}

# Two processes under -p, each with its own series; a third, held until
# the end, keeps sonde running after they exit and never calls.
t_pid_counts_per_process()
{
	local a b c n

	hold_spins 3000 5000 0
	a=${HELD[0]} b=${HELD[1]} c=${HELD[2]}
	# Scrapes, not a minute (the time bound, LAT_PID_GONE_NS), decide here.
	SONDE_PID_GONE_MS=0 start_exporter --prometheus-pid -p "$a" -p "$b" -p "$c"
	kill -USR1 "$a" "$b"
	wait_exit "$a" "$T_DIR/spin.0" 3000
	wait_exit "$b" "$T_DIR/spin.1" 5000
	for n in 1 2 3; do
		scrape "$n"
	done
	# Found gone by scrapes 1 and 2, which still serve them; deleted at 3.
	for n in 1 2; do
		expect_eq "scrape $n: pid $a's count" "$(sample "$n" "$(duration_count "$a")")" 3000
		expect_eq "scrape $n: pid $b's count" "$(sample "$n" "$(duration_count "$b")")" 5000
	done
	expect_eq "pid $a's +Inf bucket" "$(sample 1 "sonde_function_duration_seconds_bucket{function=\"spin_50us\",object=\"spin\",pid=\"$a\",le=\"+Inf\"}")" 3000
	expect_eq "series of the process that never called" "$(grep -c "pid=\"$c\"" "$T_DIR/scrape.1")" 0
	expect_eq "duration series without a pid" "$(sample 1 "$(duration_count)")" none
	expect_eq "probe hits (per function, not split)" \
		"$(sample 1 'sonde_probe_hits_total{function="spin_50us",object="spin"}')" 16000
	expect_eq "pid_table drops" "$(sample 1 'sonde_dropped_total{reason="pid_table"}')" 0
	expect_eq "scrape 3: duration series of exited processes" \
		"$(grep -c '^sonde_function_duration_seconds_count' "$T_DIR/scrape.3")" 0
	expect_eq "scrape 3: probe hits" \
		"$(sample 3 'sonde_probe_hits_total{function="spin_50us",object="spin"}')" 16000
	stop_bg "$c"
	wait_sonde
	expect_ok
	need_final
	expect_eq "sonde's own count" "$(fn_field spin_50us calls)" 8000
	expect_eq "drops ($(drops_text))" "$(drops_total)" 0
}

# Without --prometheus-pid: one series per function, no pid label anywhere.
t_no_pid_label_without_flag()
{
	local a c

	hold_spins 3000 0
	a=${HELD[0]} c=${HELD[1]}
	start_exporter -p "$a" -p "$c"
	kill -USR1 "$a"
	wait_exit "$a" "$T_DIR/spin.0" 3000
	scrape 1
	expect_eq "the function's count" "$(sample 1 "$(duration_count)")" 3000
	expect_eq "lines with a pid label" "$(grep -c 'pid=' "$T_DIR/scrape.1")" 0
	stop_bg "$c"
	wait_sonde
	expect_ok
}

# -b: processes of the binary started after sonde, each its own series.
t_binary_later_processes()
{
	local a b

	start_exporter --prometheus-pid -b "$TGT/spin"
	wait_links_on "$TGT/spin"
	start_bg "$T_DIR/a" "$TGT/spin" 2000
	a=$BG_PID
	start_bg "$T_DIR/b" "$TGT/spin" 4000
	b=$BG_PID
	wait_exit "$a" "$T_DIR/a" 2000
	wait_exit "$b" "$T_DIR/b" 4000
	scrape 1
	expect_eq "pid $a's count" "$(sample 1 "$(duration_count "$a")")" 2000
	expect_eq "pid $b's count" "$(sample 1 "$(duration_count "$b")")" 4000
	kill -TERM "$SONDE_PID"
	wait_sonde
	expect_ok
	need_final
	expect_eq "sonde's own count" "$(fn_field spin_50us calls)" 6000
}

# Room for one process: the second one's calls are dropped from the split
# (reason pid_table), and still in the function's own totals.
t_full_table_counts_drops()
{
	local a b c

	hold_spins 3000 2000 0
	a=${HELD[0]} b=${HELD[1]} c=${HELD[2]}
	start_exporter --prometheus-pid --prometheus-pid-max 1 -p "$a" -p "$b" -p "$c"
	kill -USR1 "$a"
	wait_exit "$a" "$T_DIR/spin.0" 3000
	kill -USR1 "$b"
	wait_exit "$b" "$T_DIR/spin.1" 2000
	scrape 1
	expect_eq "pid $a's count" "$(sample 1 "$(duration_count "$a")")" 3000
	expect_eq "pid $b's count" "$(sample 1 "$(duration_count "$b")")" none
	expect_eq "pid_table drops" "$(sample 1 'sonde_dropped_total{reason="pid_table"}')" 2000
	expect_eq "probe hits" \
		"$(sample 1 'sonde_probe_hits_total{function="spin_50us",object="spin"}')" 10000
	stop_bg "$c"
	wait_sonde
	expect_ok
	need_final
	expect_eq "sonde's own count" "$(fn_field spin_50us calls)" 5000
	expect_eq "drops.pid_table in JSON" "$(jq -r '.drops.pid_table' <<<"$FINAL")" 2000
}

# More functions x processes than PROM_SERIES_WARN: said once, at start.
t_cardinality_warning()
{
	sonde_run lat spin_50us -d 500ms --prometheus "127.0.0.1:$(free_port)" --prometheus-pid \
		--prometheus-pid-max 6000 -b "$TGT/spin"
	expect_ok
	expect_eq "warnings" "$(grep -c 'up to 6000 processes x 1 function make 6000 duration histograms, over 18000 series: more than Prometheus handles well' "$T_DIR/err")" 1
	sonde_run lat spin_50us -d 500ms --prometheus "127.0.0.1:$(free_port)" --prometheus-pid \
		-b "$TGT/spin"
	expect_ok
	expect_eq "warnings at the default bound" "$(grep -c 'more than Prometheus handles well' "$T_DIR/err")" 0
}

t_bad_input()
{
	bad_input 2 "prometheus-pid needs --prometheus" lat spin_50us --prometheus-pid -b "$TGT/spin"
	bad_input 2 "prometheus-pid-max needs --prometheus-pid" \
		lat spin_50us --prometheus 9 --prometheus-pid-max 4 -b "$TGT/spin"
	bad_input 2 "prometheus-pid-max .0. is not a number" \
		lat spin_50us --prometheus 9 --prometheus-pid --prometheus-pid-max 0 -b "$TGT/spin"
}

run_tests
