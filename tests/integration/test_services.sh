#!/bin/bash
# Real services from Debian, started privately and traced as an operator would:
# PostgreSQL under pgbench, redis under redis-benchmark, nginx under wrk.
# sonde's counts must agree with each service's own counters (pg_stat_database,
# the statement log, INFO commandstats, the access log), sonde must exit 0, and
# the service must keep serving: the load generator's own result and status.
# Every service runs from a directory of the test and is stopped after it,
# failed or not; the system's own instances are never touched.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

# The newest PostgreSQL installed (Debian 12: 15), server and pgbench.
PG_BIN=/usr/lib/postgresql/15/bin
for f in /usr/lib/postgresql/*/bin/pgbench; do
	[ -x "$f" ] && [ -x "${f%/pgbench}/postgres" ] && PG_BIN=${f%/pgbench}
done
PG=$PG_BIN/postgres
NGINX=/usr/sbin/nginx

# ---- helpers ----------------------------------------------------------------

# need_cmd CMD PACKAGE: skip the test when CMD is missing.
need_cmd()
{
	command -v "$1" >/dev/null ||
		skip "$1 is not installed (package $2; scripts/install-deps.sh installs it)"
}

# free_port: a TCP port nothing on the machine uses (listening or connected).
free_port()
{
	local p _

	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 30000))
		if ! awk -v p="$(printf '%04X' "$p")" \
			'FNR > 1 { split($2, a, ":"); if (a[2] == p) f = 1 } END { exit !f }' \
			/proc/net/tcp /proc/net/tcp6 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# The services' own users (postgres, nginx's workers) read the test's
# directory: let them through it (and no further than the files made for them).
open_test_dir()
{
	chmod a+x "$IT_TMP" "$T_DIR"
}

# wait_until SECONDS CMD ARGS...: until CMD succeeds; 1 if it never did.
wait_until()
{
	local _

	for _ in $(seq $(($1 * 10))); do
		"${@:2}" && return 0
		sleep 0.1
	done
	return 1
}

# stop_sonde: SIGTERM to the sonde of start_sonde (through timeout(1)) and
# collect it: it prints its final report and must exit 0.
stop_sonde()
{
	kill -TERM "$SONDE_PID"
	wait_sonde
	expect_ok
	need_final
}

# tracing_count: N of sonde's "tracing N functions" line.
tracing_count()
{
	sed -nE 's/^sonde: tracing ([0-9]+) functions?.*/\1/p' "$T_DIR/err" | head -n 1
}

# text_diff PID FILE: how many bytes of FILE's executable mapping in PID's
# memory differ from FILE: the breakpoints of uprobes in that process.
text_diff()
{
	local pid=$1 file=$2 line range start end off

	line=$(awk -v f="$file" '$2 ~ /x/ && $6 == f { print; exit }' "/proc/$pid/maps" 2>/dev/null)
	[ -n "$line" ] || { echo "unmapped"; return 0; }
	read -r range _ off _ <<<"$line"
	start=$((16#${range%-*}))
	end=$((16#${range#*-}))
	off=$((16#$off))
	dd if="/proc/$pid/mem" of="$T_DIR/mem.bin" bs=4096 skip=$((start / 4096)) \
		count=$(((end - start) / 4096)) 2>/dev/null
	dd if="$file" of="$T_DIR/file.bin" bs=4096 skip=$((off / 4096)) \
		count=$(((end - start) / 4096)) 2>/dev/null
	if [ ! -s "$T_DIR/mem.bin" ]; then
		echo "unreadable"
		return 0
	fi
	# The file may end inside the mapping's last page: compare what it has.
	cmp -l -n "$(stat -c %s "$T_DIR/file.bin")" "$T_DIR/mem.bin" "$T_DIR/file.bin" | wc -l
}

# ---- PostgreSQL ---------------------------------------------------------------

# pg_start: a private cluster in $T_DIR/pg (initdb as the postgres user), on a
# free port, its socket in that directory, no TCP; stopped when the test ends.
# autovacuum and the logical replication launcher are off, so that only the
# test's clients run transactions; every statement is logged with its
# database and PID (the service's own record of what it was sent).
# Sets PG_DIR, PG_PID, and PGHOST/PGPORT/PGUSER for psql and pgbench.
pg_start()
{
	{ [ -x "$PG" ] && [ -x "$PG_BIN/pgbench" ]; } ||
		skip "$PG is not installed (package postgresql; scripts/install-deps.sh installs it)"
	id postgres >/dev/null 2>&1 || skip "no postgres user (package postgresql)"
	open_test_dir
	PG_DIR=$T_DIR/pg
	mkdir -p "$PG_DIR"
	chown postgres: "$PG_DIR"
	runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres \
		--no-sync >"$T_DIR/initdb.log" 2>&1 ||
		fail "initdb failed: $(tail -n 3 "$T_DIR/initdb.log" | tr '\n' '|')"
	PGPORT=$(free_port) || fail "no free port"
	cat >>"$PG_DIR/data/postgresql.conf" <<-EOF
		port = $PGPORT
		listen_addresses = ''
		unix_socket_directories = '$PG_DIR'
		autovacuum = off
		max_logical_replication_workers = 0
		max_parallel_workers_per_gather = 0
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		log_statement = 'all'
		log_line_prefix = '%d %p '
	EOF
	trap pg_stop EXIT
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 \
		start >"$T_DIR/pg_ctl.log" 2>&1 ||
		fail "pg_ctl start failed: $(tail -n 3 "$PG_DIR/log" | tr '\n' '|')"
	PG_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid")
	export PGHOST=$PG_DIR PGPORT PGUSER=postgres
	pg_sql postgres "create database bench" >/dev/null || fail "create database failed"
	"$PG_BIN/pgbench" -i -q bench >"$T_DIR/pgbench-init.log" 2>&1 ||
		fail "pgbench -i failed: $(tail -n 3 "$T_DIR/pgbench-init.log" | tr '\n' '|')"
	# Its backend's counts are in pg_stat_database once it has exited.
	wait_until 20 no_bench_backends || fail "pgbench -i's backend did not exit"
}

pg_stop()
{
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 20 \
		stop >/dev/null 2>&1
	[ -n "${PG_PID:-}" ] && kill -KILL "$PG_PID" 2>/dev/null
	return 0
}

# pg_sql DB SQL: one value per line, unaligned.
pg_sql()
{
	"$PG_BIN/psql" -X -At -v ON_ERROR_STOP=1 -d "$1" -c "$2" 2>>"$T_DIR/psql.err"
}

# Transactions ended (committed or rolled back) in database bench: what
# pg_stat_database counts, once per AtEOXact_PgStat. Read from database
# postgres, whose own transactions do not count here.
bench_xacts()
{
	pg_sql postgres "select xact_commit + xact_rollback from pg_stat_database where datname = 'bench'"
}

# A backend flushes its counts to pg_stat_database when it exits.
no_bench_backends()
{
	[ "$(pg_sql postgres "select count(*) from pg_stat_activity where datname = 'bench'")" = 0 ]
}

# Statements postgres logged for database bench (log_statement = 'all': one
# line per simple-protocol query message, where it was parsed).
bench_statements()
{
	grep -c '^bench [0-9]* LOG:  statement: ' "$PG_DIR/log"
}

# pgbench_ok OUT CLIENTS TRANSACTIONS_EACH RC: pgbench exited 0, did every
# transaction, none failed, and reported its rate.
pgbench_ok()
{
	local out=$1 n=$(($2 * $3))

	[ "$4" = 0 ] || fail "pgbench exited $4: $(tail -n 5 "$out" | tr '\n' '|')"
	grep -q "^number of transactions actually processed: $n/$n\$" "$out" ||
		fail "pgbench did not process $n transactions: $(grep processed "$out")"
	grep -q "^number of failed transactions: 0 " "$out" ||
		fail "pgbench had failed transactions: $(grep failed "$out")"
	grep -qE '^tps = [0-9.]+ ' "$out" || fail "pgbench printed no tps line"
}

# The whole of postgres (every function it exports: it is stripped) on the
# running postmaster. Backends forked while it is traced keep serving;
# afterwards no breakpoint is left in the postmaster nor in a backend it
# forked meanwhile, and it serves a pgbench run as before.
t_postgres_postmaster_all_functions()
{
	local n listed sleeper during after rc

	pg_start
	sonde_run list -p "$PG_PID"
	expect_ok
	listed=$(sed -nE 's/^([0-9]+) functions.*/\1/p' "$T_DIR/out")
	start_sonde lat '*' -p "$PG_PID" -d 30s --max-probes 100000 --json
	wait_links_on "$PG"
	n=$(tracing_count)
	expect_gt "functions traced" "$n" 5000
	expect_eq "functions traced (sonde list -p $PG_PID counts $listed)" "$n" "$listed"
	if grep -q 'not probed:' "$T_DIR/err"; then
		grep -qE 'note: [0-9]+ functions? not probed: [A-Za-z_]' "$T_DIR/err" ||
			fail "functions skipped without their names: $(err_text)"
	fi
	during=$(text_diff "$PG_PID" "$PG")
	expect_ge "bytes of the postmaster's code changed by breakpoints while traced" "$during" "$n"

	# A backend forked while traced, alive until after sonde ends.
	PGAPPNAME=sonde-sleeper start_bg "$T_DIR/sleeper" \
		"$PG_BIN/psql" -X -d postgres -c "select pg_sleep(60)"
	wait_until 20 pg_app_sleeps sonde-sleeper || fail "the sleeping session never started"
	sleeper=$(pg_sql postgres "select pid from pg_stat_activity where application_name = 'sonde-sleeper'")
	"$PG_BIN/pgbench" -n -t 20 -c 2 -M simple bench >"$T_DIR/pgbench-during" 2>&1
	rc=$?
	pgbench_ok "$T_DIR/pgbench-during" 2 20 "$rc"
	stop_sonde

	after=$(text_diff "$PG_PID" "$PG")
	expect_eq "bytes of the postmaster's code unlike $PG after sonde" "$after" 0
	after=$(text_diff "$sleeper" "$PG")
	expect_eq "bytes of a backend's code unlike $PG after sonde (forked while traced)" "$after" 0
	pg_sql postgres "select pg_cancel_backend($sleeper)" >/dev/null
	"$PG_BIN/pgbench" -n -t 200 -c 2 -M simple bench >"$T_DIR/pgbench-after" 2>&1
	rc=$?
	pgbench_ok "$T_DIR/pgbench-after" 2 200 "$rc"
}

# pg_app_sleeps NAME: the session named NAME is in its pg_sleep().
pg_app_sleeps()
{
	[ "$(pg_sql postgres "select count(*) from pg_stat_activity where application_name = '$1' and wait_event = 'PgSleep'")" = 1 ]
}

# SetLatch starts with `lock add [rsp], 0`, which the kernel refuses to
# probe: sonde probes it past that, at an emulated instruction.
t_postgres_setlatch_moved_past_lock()
{
	[ -x "$PG" ] || skip "$PG is not installed (package postgresql)"
	sonde_run list -b "$PG" SetLatch
	expect_ok
	grep -qE '^0x[0-9a-f]+ +[0-9]+ +\+[1-9][0-9]* +[^ ]+ +SetLatch +[a-z]+ .*\(moved past' \
		"$T_DIR/out" || fail "SetLatch is not probed at a moved site: $(tr '\n' '|' <"$T_DIR/out")"
	grep -q 'not probed' "$T_DIR/out" && fail "SetLatch is refused: $(tr '\n' '|' <"$T_DIR/out")"
	return 0
}

# pgbench (TPC-B, simple protocol) with every postgres process traced, as an
# operator would (-b). postgres is stripped: CommitTransaction and
# exec_simple_query are static, not in .dynsym. Their exported stand-ins:
# AtEOXact_PgStat, called once by every CommitTransaction and
# AbortTransaction, where pg_stat_database counts them; pg_parse_query,
# called once by exec_simple_query for each query message. Statements:
# exactly what postgres logged for database bench. Transactions: at least
# what pg_stat_database counted for bench, and at most 20 more: -b also sees
# other clusters on the machine (the system's own runs autovacuum).
t_postgres_pgbench_whole_binary()
{
	local x0 x1 s0 s1 rc calls

	pg_start
	x0=$(bench_xacts)
	s0=$(bench_statements)
	start_sonde lat -b "$PG" AtEOXact_PgStat pg_parse_query --json
	wait_links_on "$PG"
	"$PG_BIN/pgbench" -n -t 1000 -c 2 -M simple bench >"$T_DIR/pgbench" 2>&1
	rc=$?
	stop_sonde
	pgbench_ok "$T_DIR/pgbench" 2 1000 "$rc"
	wait_until 20 no_bench_backends || fail "pgbench's backends did not exit"
	x1=$(bench_xacts)
	s1=$(bench_statements)

	expect_ge "statements logged (7 per TPC-B transaction)" $((s1 - s0)) 14000
	expect_eq "pg_parse_query calls (statements logged: $((s1 - s0)))" \
		"$(fn_field pg_parse_query calls)" $((s1 - s0))
	calls=$(fn_field AtEOXact_PgStat calls)
	expect_ge "AtEOXact_PgStat calls" "$calls" $((x1 - x0)) \
		"pg_stat_database counted $((x1 - x0)) transactions in bench"
	expect_le "AtEOXact_PgStat calls" "$calls" $((x1 - x0 + 20)) \
		"pg_stat_database counted $((x1 - x0)) in bench; 20 allowed for other clusters"
	expect_eq "drops" "$(drops_total)" 0
}

# The same load, traced in pgbench's own two backends only (-p): exact. To
# attach before the load, the backends are held: a session locks
# pgbench_accounts, each client's first transaction waits there (its BEGIN
# and UPDATE already parsed), sonde attaches to both waiting backends, the
# lock goes. Every transaction of theirs commits once: 2000 calls of
# AtEOXact_PgStat, pgbench's count; 2 x (7 x 1000 - 2) statements parsed,
# what postgres logged for those PIDs less the 4 before the attach. sonde
# ends by itself when pgbench disconnects and the backends exit.
t_postgres_pgbench_backends_exact()
{
	local locker b1 b2 logged rc

	pg_start
	PGAPPNAME=sonde-locker start_bg "$T_DIR/locker" "$PG_BIN/psql" -X -d bench \
		-c "begin; lock table pgbench_accounts in access exclusive mode; select pg_sleep(60)"
	# Sleeping: it holds the lock.
	wait_until 20 pg_app_sleeps sonde-locker || fail "the locking session never started"
	locker=$(pg_sql postgres "select pid from pg_stat_activity where application_name = 'sonde-locker'")
	start_bg "$T_DIR/pgbench" "$PG_BIN/pgbench" -n -t 1000 -c 2 -M simple bench
	local pgbench_pid=$BG_PID
	wait_until 20 pgbench_waiting ||
		fail "pgbench's clients never waited for the lock: $(pg_sql postgres "select application_name, wait_event_type, query from pg_stat_activity" | tr '\n' '|')"
	# (Not pgbench's first connection, which asked for the scale and may still be exiting.)
	read -r b1 b2 <<<"$(pg_sql postgres "select pid from pg_stat_activity where application_name = 'pgbench' and wait_event_type = 'Lock' order by pid" | tr '\n' ' ')"
	start_sonde lat -p "$b1" -p "$b2" AtEOXact_PgStat pg_parse_query --json
	wait_links_on "$PG"
	pg_sql postgres "select pg_cancel_backend($locker)" >/dev/null
	wait "$pgbench_pid"
	rc=$?
	pgbench_ok "$T_DIR/pgbench" 2 1000 "$rc"
	wait_sonde
	expect_ok
	need_final

	logged=$(grep -cE "^bench ($b1|$b2) LOG:  statement: " "$PG_DIR/log")
	expect_eq "statements postgres logged for backends $b1 $b2" "$logged" 14000
	expect_eq "AtEOXact_PgStat calls (pgbench's transactions)" \
		"$(fn_field AtEOXact_PgStat calls)" 2000
	expect_eq "pg_parse_query calls (statements logged after the attach)" \
		"$(fn_field pg_parse_query calls)" $((logged - 4))
	expect_eq "drops ($(drops_text))" "$(drops_total)" 0
}

# ExecutorRun ends in a tail call to standard_ExecutorRun (`jmp`, no frame of
# its own; its first instruction, a load of ExecutorRun_hook, is single-
# stepped). Both traced, with return probes and with the returns probed at
# the exit instructions: every ExecutorRun is one standard_ExecutorRun, no
# return is lost, and the caller, whose call goes on in the callee, takes at
# least as long.
t_postgres_executor_run_tail_call()
{
	local returns rc

	pg_start
	for returns in uretprobe insns; do
		start_sonde lat -b "$PG" --returns "$returns" ExecutorRun standard_ExecutorRun --json
		wait_links_on "$PG"
		"$PG_BIN/pgbench" -n -t 300 -c 2 -S -M simple bench >"$T_DIR/pgbench" 2>&1
		rc=$?
		stop_sonde
		pgbench_ok "$T_DIR/pgbench" 2 300 "$rc"
		expect_ge "ExecutorRun calls ($returns)" "$(fn_field ExecutorRun calls)" 600
		expect_eq "ExecutorRun calls = standard_ExecutorRun calls ($returns)" \
			"$(fn_field ExecutorRun calls)" "$(fn_field standard_ExecutorRun calls)"
		expect_eq "drops ($returns: $(drops_text))" "$(drops_total)" 0
		expect_ge "ExecutorRun total_ns vs standard_ExecutorRun's ($returns)" \
			"$(fn_field ExecutorRun total_ns)" "$(fn_field standard_ExecutorRun total_ns)"
		expect_ge "ExecutorRun p50 vs standard_ExecutorRun's ($returns)" \
			"$(fn_field ExecutorRun p50_ns)" "$(fn_field standard_ExecutorRun p50_ns)"
	done
}

pgbench_waiting()
{
	[ "$(pg_sql postgres "select count(*) from pg_stat_activity where application_name = 'pgbench' and wait_event_type = 'Lock'")" = 2 ]
}

# ---- redis ----------------------------------------------------------------------

redis_stat()
{
	redis-cli -p "$REDIS_PORT" info commandstats | tr -d '\r' |
		sed -nE "s/^cmdstat_$1:calls=([0-9]+),.*/\1/p" | grep . || echo 0
}

# redis-server (stripped; its commands are exported) under redis-benchmark:
# sonde's calls of setCommand and getCommand are INFO commandstats' counts.
t_redis_benchmark()
{
	local pid obj set0 get0 set1 get1 rc

	need_cmd redis-server redis-server
	need_cmd redis-benchmark redis-tools
	REDIS_PORT=$(free_port) || fail "no free port"
	start_bg "$T_DIR/redis.log" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' \
		--appendonly no --daemonize no
	pid=$BG_PID
	REDIS_PID=$pid
	trap redis_stop EXIT
	wait_until 20 redis_ping || fail "redis-server did not answer PING: $(tail -n 3 "$T_DIR/redis.log")"
	obj=$(readlink -f "/proc/$pid/exe")
	set0=$(redis_stat set)
	get0=$(redis_stat get)
	start_sonde lat -p "$pid" setCommand getCommand --json
	wait_links_on "$obj"
	redis-benchmark -p "$REDIS_PORT" -n 20000 -t set,get -q >"$T_DIR/bench" 2>&1
	rc=$?
	stop_sonde
	[ "$rc" = 0 ] || fail "redis-benchmark exited $rc: $(tail -c 300 "$T_DIR/bench")"
	grep -qE 'SET: [0-9.]+ requests per second' "$T_DIR/bench" || fail "no SET rate: $(tail -c 300 "$T_DIR/bench")"
	grep -qE 'GET: [0-9.]+ requests per second' "$T_DIR/bench" || fail "no GET rate: $(tail -c 300 "$T_DIR/bench")"
	set1=$(redis_stat set)
	get1=$(redis_stat get)
	expect_eq "SET calls redis counted" $((set1 - set0)) 20000
	expect_eq "GET calls redis counted" $((get1 - get0)) 20000
	expect_eq "setCommand calls" "$(fn_field setCommand calls)" $((set1 - set0))
	expect_eq "getCommand calls" "$(fn_field getCommand calls)" $((get1 - get0))
	expect_eq "drops ($(drops_text))" "$(drops_total)" 0
	redis_ping || fail "redis-server does not answer PING after the trace"
}

redis_stop()
{
	kill -TERM "$REDIS_PID" 2>/dev/null
	wait_until 5 not_running "$REDIS_PID" || kill -KILL "$REDIS_PID" 2>/dev/null
	wait "$REDIS_PID" 2>/dev/null
	return 0
}

redis_ping()
{
	[ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
}

# ---- nginx ------------------------------------------------------------------------

# nginx_start: a private nginx (master and 2 workers) serving one static
# file from $T_DIR/nginx on a free port, access log in that directory.
# Sets NGX_DIR, NGX_URL, NGX_PID; master and workers are stopped after the test.
nginx_start()
{

	[ -x "$NGINX" ] || skip "$NGINX is not installed (package nginx; scripts/install-deps.sh installs it)"
	need_cmd wrk wrk
	need_cmd curl curl
	open_test_dir
	NGX_DIR=$T_DIR/nginx
	mkdir -p "$NGX_DIR/html" "$NGX_DIR/logs" "$NGX_DIR/tmp"
	chmod a+rx "$NGX_DIR" "$NGX_DIR/html"
	head -c 3000 /dev/urandom | base64 >"$NGX_DIR/html/file.txt"
	chmod a+r "$NGX_DIR/html/file.txt"
	NGX_PORT=$(free_port) || fail "no free port"
	cat >"$NGX_DIR/nginx.conf" <<-EOF
		worker_processes 2;
		pid nginx.pid;
		error_log logs/error.log;
		events { worker_connections 256; }
		http {
			access_log logs/access.log;
			client_body_temp_path tmp;
			proxy_temp_path tmp;
			fastcgi_temp_path tmp;
			uwsgi_temp_path tmp;
			scgi_temp_path tmp;
			server {
				listen 127.0.0.1:$NGX_PORT;
				root html;
			}
		}
	EOF
	NGX_URL=http://127.0.0.1:$NGX_PORT/file.txt
	start_bg "$T_DIR/nginx.out" "$NGINX" -p "$NGX_DIR/" -e "$NGX_DIR/logs/error.log" \
		-c nginx.conf -g 'daemon off;'
	NGX_PID=$BG_PID
	trap nginx_stop EXIT
	wait_until 20 nginx_serves || fail "nginx does not serve $NGX_URL: $(tail -n 3 "$NGX_DIR/logs/error.log" "$T_DIR/nginx.out" 2>/dev/null | tr '\n' '|')"
	NGX_WORKERS=$(pgrep -P "$NGX_PID" | tr '\n' ' ')
	[ "$(wc -w <<<"$NGX_WORKERS")" = 2 ] || fail "nginx did not start 2 workers: $NGX_WORKERS"
}

# The master stops its workers (SIGTERM: fast shutdown) and is waited for;
# whatever is left after 5 s is killed.
nginx_stop()
{
	kill -TERM "$NGX_PID" 2>/dev/null
	if ! wait_until 5 not_running "$NGX_PID"; then
		# shellcheck disable=SC2086 # a list of PIDs
		kill -KILL "$NGX_PID" ${NGX_WORKERS:-} 2>/dev/null
	fi
	wait "$NGX_PID" 2>/dev/null
	return 0
}

# not_running PID: PID has exited (a child of this shell is reaped here).
not_running()
{
	! kill -0 "$1" 2>/dev/null || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

nginx_serves()
{
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$NGX_URL")" = 200 ]
}

# access_lines: requests in nginx's access log.
access_lines()
{
	wc -l <"$NGX_DIR/logs/access.log"
}

# nginx_load: wrk for 2 s on the file, between sonde's attach and its end;
# sets REQS (wrk's count) and LOGGED (the access log's, for the same time).
# Requests still open when wrk stops are answered and logged after its count.
nginx_load()
{
	local l0 rc prev

	l0=$(access_lines)
	wrk -t2 -c8 -d2s "$NGX_URL" >"$T_DIR/wrk" 2>&1
	rc=$?
	[ "$rc" = 0 ] || fail "wrk exited $rc: $(tr '\n' '|' <"$T_DIR/wrk")"
	REQS=$(sed -nE 's/^ *([0-9]+) requests in .*/\1/p' "$T_DIR/wrk")
	[ -n "$REQS" ] || fail "wrk printed no request count: $(tr '\n' '|' <"$T_DIR/wrk")"
	grep -qE 'Non-2xx|Socket errors' "$T_DIR/wrk" && fail "wrk saw errors: $(tr '\n' '|' <"$T_DIR/wrk")"
	# All requests finished: the log has stopped growing.
	prev=-1
	while [ "$(access_lines)" != "$prev" ]; do
		prev=$(access_lines)
		sleep 0.3
	done
	LOGGED=$((prev - l0))
	expect_ge "requests nginx logged" "$LOGGED" "$REQS" "wrk counted $REQS"
	expect_ge "requests wrk counted in 2 s" "$REQS" 1000
	[ "$(tail -n "$LOGGED" "$NGX_DIR/logs/access.log" | awk '$9 != 200' | wc -l)" = 0 ] ||
		fail "requests logged with a status other than 200: $(tail -n "$LOGGED" "$NGX_DIR/logs/access.log" | awk '$9 != 200' | head -n 3)"
}

# Master and workers traced (-b): ngx_http_process_request_header (once per
# request, when its header is read) and ngx_http_handler (once per request:
# a static file, no internal redirect) are each called once for every
# request the access log holds.
t_nginx_wrk()
{
	nginx_start
	start_sonde lat -b "$NGINX" ngx_http_process_request_header ngx_http_handler --json
	wait_links_on "$NGINX"
	nginx_load
	stop_sonde
	expect_eq "ngx_http_process_request_header calls (requests logged)" \
		"$(fn_field ngx_http_process_request_header calls)" "$LOGGED"
	expect_eq "ngx_http_handler calls (requests logged)" "$(fn_field ngx_http_handler calls)" "$LOGGED"
	expect_eq "drops ($(drops_text))" "$(drops_total)" 0
	nginx_serves || fail "nginx does not serve $NGX_URL after the trace"
}

# ngx_http_process_request ends in a tail call to ngx_http_handler (`jmp`,
# after popping its registers): the callee's entry comes at the caller's
# entry sp, its return address is the caller's, already the uretprobe
# trampoline, and both return through it at once. Both are traced: each
# call of each is one request logged.
t_nginx_traced_tail_call()
{
	local pr

	nginx_start
	start_sonde lat -b "$NGINX" ngx_http_process_request ngx_http_handler --json
	wait_links_on "$NGINX"
	nginx_load
	stop_sonde
	nginx_serves || fail "nginx does not serve $NGX_URL after the trace"
	pr=$(fn_field ngx_http_process_request calls)
	expect_eq "ngx_http_handler calls (requests logged)" "$(fn_field ngx_http_handler calls)" "$LOGGED"
	expect_eq "ngx_http_process_request calls (requests logged; drops: $(drops_text))" "$pr" "$LOGGED"
	expect_eq "drops ($(drops_text))" "$(drops_total)" 0
}

run_tests
