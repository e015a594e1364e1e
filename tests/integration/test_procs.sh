#!/usr/bin/env bash
# Processes and objects as they really are: a process whose main thread has
# exited (pthread_exit), a library deleted while it is mapped (a package
# upgrade), and memory that stays flat over thousands of short-lived processes.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# start_leaderexit OUTFILE N: leaderexit in the background, returning once its
# main thread has exited (the leader is a zombie, State: Z) and the worker
# waits for SIGUSR1. Its PID is in BG_PID; its exit status lands in OUTFILE.rc
# once the subshell in LE_SHELL, which waits for it, has ended.
start_leaderexit()
{
	local out=$1 state threads _

	(
		"$TGT/leaderexit" "$2" >"$out" 2>&1
		echo "$?" >"$out.rc"
	) &
	LE_SHELL=$!
	for _ in $(seq 100); do
		BG_PID=$(pgrep -P "$LE_SHELL" -x leaderexit)
		[ -n "$BG_PID" ] && break
		sleep 0.05
	done
	[ -n "$BG_PID" ] || fail "leaderexit did not start"
	echo "$BG_PID" >>"$IT_TMP/pids"
	for _ in $(seq 100); do
		state=$(awk '/^State:/ { print $2 }' "/proc/$BG_PID/status" 2>/dev/null)
		threads=$(awk '/^Threads:/ { print $2 }' "/proc/$BG_PID/status" 2>/dev/null)
		[ "$state" = Z ] && [ "$threads" = 2 ] && return 0
		sleep 0.05
	done
	fail "leaderexit's main thread did not exit (state $state)"
}

# The main thread called pthread_exit(): /proc/PID/exe and maps are empty for
# the leader, but the worker thread runs the program. Every call counts, and
# the target's output and exit status are its own. (Until attach.c stops
# relying on the kernel's uprobe_multi PID filter, which compares the leader's
# mm, NULL for a zombie leader, the kernel installs no probe: 0 calls.)
t_main_thread_exited()
{
	start_leaderexit "$T_DIR/target" 1500
	pid=$BG_PID
	start_sonde lat --json -p "$pid" leader_gone_tick -d 20s
	wait_links_on "$TGT/leaderexit"
	kill -USR1 "$pid"
	wait "$LE_SHELL"
	wait_sonde
	expect_ok
	need_final
	expect_eq "leaderexit's output" "$(cat "$T_DIR/target")" "calls=1500"
	expect_eq "leaderexit's exit status" "$(cat "$T_DIR/target.rc")" 0
	expect_eq "leader_gone_tick calls" "$(fn_field leader_gone_tick calls)" 1500
	expect_eq "object" "$(fn_field leader_gone_tick object)" "$TGT/leaderexit"
}

# start_dlopener N: a copy of libsondedel.so in $T_DIR, loaded by dlopener,
# which waits for SIGUSR1 before its first call; then the copy is deleted.
start_dlopener()
{
	LIB=$T_DIR/lib/libsondedel.so
	mkdir -p "$T_DIR/lib"
	cp "$TGT/libsondedel.so" "$LIB"
	start_held "$T_DIR/target" "$TGT/dlopener" "$LIB" "$1"
	wait_mapped "$BG_PID" "$LIB"
}

# A library deleted while mapped: traced by name, through the mapped inode
# (/proc/PID/map_files); exact counts, and named "PATH (deleted)".
t_deleted_library()
{
	start_dlopener 1200
	pid=$BG_PID
	rm "$LIB"
	grep -qF "$LIB (deleted)" "/proc/$pid/maps" || fail "the maps do not show $LIB as deleted"
	start_sonde lat --json -p "$pid" 'libsondedel:sondedel_*' --slower-than 1ns -d 20s \
		-o "$T_DIR/run.sonde"
	wait_file_match "$T_DIR/err" '^sonde: tracing' 10
	grep -q '^sonde: tracing 2 functions' "$T_DIR/err" ||
		fail "sonde did not trace the two functions; stderr: $(err_text)"
	kill -USR1 "$pid"
	wait "$pid"
	status=$?
	wait_sonde
	expect_ok
	need_final
	expect_eq "dlopener's exit status" "$status" 0
	expect_eq "dlopener's output" "$(cat "$T_DIR/target")" "calls=1200"
	expect_eq "sondedel_outer calls" "$(fn_field sondedel_outer calls)" 1200
	expect_eq "sondedel_inner calls" "$(fn_field sondedel_inner calls)" 1200
	expect_eq "sondedel_inner object" "$(fn_field sondedel_inner object)" "$LIB (deleted)"
	# Stack frames in the deleted object are named from its symbols.
	slow=$(slow_records)
	expect_ge "slow-call records" "$slow" 1
	inner=$(jq -r 'select(.name == "sondedel_inner") | .stack[0]' "$T_DIR/slow" | sort -u)
	[[ $inner =~ ^sondedel_outer\+0x[0-9a-f]+$ ]] ||
		fail "sondedel_inner's caller frame is '$inner', expected sondedel_outer+0x..."
	# The recorded objects name the file as it was, deleted.
	"$SONDE" report --json "$T_DIR/run.sonde" >"$T_DIR/report" 2>"$T_DIR/report.err" ||
		fail "sonde report failed: $(head -c 300 "$T_DIR/report.err")"
	grep -qF "\"path\":\"$LIB (deleted)\"" "$T_DIR/run.sonde" ||
		fail "the profile's objects do not name '$LIB (deleted)': $(grep -o '"objects":[^]]*' "$T_DIR/run.sonde" | head -c 300)"
}

# A library replaced by another file of the same name (a package upgrade
# renames the new file over the old): the process still runs the old one, and
# that one is traced when the probe names the path, not the new file there
# (a copy of libsondetest.so, which has no sondedel_inner).
t_replaced_library()
{
	start_dlopener 800
	pid=$BG_PID
	cp "$TGT/libsondetest.so" "$LIB.new"
	mv "$LIB.new" "$LIB"
	start_sonde lat --json -p "$pid" "$LIB:sondedel_inner" -d 20s
	wait_file_match "$T_DIR/err" '^sonde: tracing' 10
	grep -q '^sonde: tracing 1 function' "$T_DIR/err" ||
		fail "sonde did not trace sondedel_inner; stderr: $(err_text)"
	kill -USR1 "$pid"
	wait "$pid"
	status=$?
	wait_sonde
	expect_ok
	need_final
	expect_eq "dlopener's exit status" "$status" 0
	expect_eq "dlopener's output" "$(cat "$T_DIR/target")" "calls=800"
	expect_eq "sondedel_inner calls" "$(fn_field sondedel_inner calls)" 800
}

# vm_rss PID: VmRSS of a process in kB.
vm_rss()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# -b over 2,000 short-lived processes, every call a record with a symbolized
# stack: sonde's memory stays flat (it remembered every process before), and
# the last process's records are still named right.
t_many_short_lived_processes()
{
	local i rss200 rss2000 last

	start_sonde lat -b "$TGT/shortlived" tick --slower-than 1ns -d 50s
	wait_links_on "$TGT/shortlived"
	spid=$(sonde_child) || fail "no sonde process under timeout"
	for i in $(seq 2000); do
		"$TGT/shortlived" 1 >/dev/null || fail "shortlived run $i failed"
		[ "$i" = 200 ] && rss200=$(vm_rss "$spid")
	done
	# The last one lives long enough (100 ms) for its records to be read while it runs.
	"$TGT/shortlived" 100 >"$T_DIR/last" &
	last=$!
	wait "$last"
	sleep 0.3
	rss2000=$(vm_rss "$spid")
	kill -INT "$spid"
	wait_sonde
	expect_ok
	expect_le "sonde's VmRSS growth from 200 to 2000 processes (kB; $rss200 -> $rss2000)" \
		$((rss2000 - rss200)) 2048
	n=$(grep -c "^slow .* tick pid=$last " "$T_DIR/out")
	made=$(grep -oE '[0-9]+' "$T_DIR/last")
	expect_eq "records of the last process (it made $made calls)" "$n" "$made"
	bad=$(grep "^slow .* tick pid=$last " "$T_DIR/out" | grep -cv ' stack=main+0x[0-9a-f]*;')
	expect_eq "records of the last process not named main+0x...;..." "$bad" 0
}

run_tests
