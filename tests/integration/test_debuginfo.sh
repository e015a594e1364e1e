#!/bin/bash
# Symbols of stripped programs from their separate debug files: a build-id
# tree, .gnu_debuglink, and a debuginfod server on 127.0.0.1 (Debian's
# debuginfod). build/targets/debugsyms.stripped is stripped; its static
# dbg_only_fn is named only in debugsyms.debug (tests/targets/targets.mk).
# Each test lays the files out in its own directory; the debug root is
# SONDE_DEBUG_ROOT there, never /usr/lib/debug. libc's static _int_malloc
# comes from Debian's libc6-dbg, in the real /usr/lib/debug.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

N=400

# DIR/bin/debugsyms, the stripped program, alone; its build-id in BUILD_ID.
lay_out()
{
	mkdir -p "$T_DIR/bin" "$T_DIR/root"
	cp "$TGT/debugsyms.stripped" "$T_DIR/bin/debugsyms"
	BUILD_ID=$(readelf -n "$T_DIR/bin/debugsyms" | awk '/Build ID:/ { print $3 }')
	[ -n "$BUILD_ID" ] || fail "debugsyms.stripped has no build-id"
}

# trace_dbg_only_fn: sonde lat -v dbg_only_fn -- the stripped program N times,
# with the debug root of this test and no debuginfod unless the test set one.
trace_dbg_only_fn()
{
	SONDE_DEBUG_ROOT=$T_DIR/root sonde_run lat -v --json dbg_only_fn -- "$T_DIR/bin/debugsyms" "$N"
	expect_ok
	need_final
	expect_eq "dbg_only_fn calls" "$(fn_field dbg_only_fn calls)" "$N"
	expect_eq "the target's own count" "$(target_says calls)" "$N"
}

t_build_id_tree()
{
	lay_out
	mkdir -p "$T_DIR/root/.build-id/${BUILD_ID:0:2}"
	cp "$TGT/debugsyms.debug" "$T_DIR/root/.build-id/${BUILD_ID:0:2}/${BUILD_ID:2}.debug"
	unset DEBUGINFOD_URLS
	trace_dbg_only_fn
	grep -qF "from $T_DIR/root/.build-id/${BUILD_ID:0:2}/${BUILD_ID:2}.debug (build-id)" "$T_DIR/err" ||
		fail "-v does not say the symbols came from the build-id tree: $(err_text)"
}

t_debuglink_next_to_binary()
{
	lay_out
	cp "$TGT/debugsyms.debug" "$T_DIR/bin/debugsyms.debug"
	unset DEBUGINFOD_URLS
	trace_dbg_only_fn
	grep -qF "from $T_DIR/bin/debugsyms.debug (.gnu_debuglink)" "$T_DIR/err" ||
		fail "-v does not say the symbols came from the debuglink: $(err_text)"
	# sonde list says so too.
	SONDE_DEBUG_ROOT=$T_DIR/root sonde_run list 'dbg_*' -b "$T_DIR/bin/debugsyms"
	expect_ok
	grep -qF "symbols of $T_DIR/bin/debugsyms from $T_DIR/bin/debugsyms.debug" "$T_DIR/out" ||
		fail "sonde list does not name the debug file: $(head -c 400 "$T_DIR/out" | tr '\n' '|')"
}

# A debug file of the same code under another build-id, where this build-id's belongs.
t_wrong_build_id_refused()
{
	lay_out
	mkdir -p "$T_DIR/root/.build-id/${BUILD_ID:0:2}"
	cp "$TGT/debugsyms.other.debug" "$T_DIR/root/.build-id/${BUILD_ID:0:2}/${BUILD_ID:2}.debug"
	unset DEBUGINFOD_URLS
	SONDE_DEBUG_ROOT=$T_DIR/root sonde_run lat dbg_only_fn -- "$T_DIR/bin/debugsyms" "$N"
	expect_eq "exit status" "$RC" 2
	grep -qE "note: not using .*${BUILD_ID:2}\.debug .*build-id 0123456789abcdef0123456789abcdef01234567 is not the object's $BUILD_ID" "$T_DIR/err" ||
		fail "no note refusing the wrong build's debug file: $(err_text)"
	grep -qE "no function matches 'dbg_only_fn' .* it is stripped" "$T_DIR/err" ||
		fail "not the stripped-binary error: $(err_text)"
}

t_no_debug_file_anywhere()
{
	lay_out
	unset DEBUGINFOD_URLS
	SONDE_DEBUG_ROOT=$T_DIR/root bad_input 2 "no function matches 'dbg_only_fn' in .*debugsyms: it is stripped.*debug symbols" \
		lat dbg_only_fn -- "$T_DIR/bin/debugsyms" "$N"
}

# start_debuginfod DIR: Debian's debuginfod serving DIR on a free port of
# 127.0.0.1 (PORT), once it has indexed the file with build-id BUILD_ID.
start_debuginfod()
{
	local try _

	command -v debuginfod >/dev/null || skip "debuginfod is not installed"
	for try in 1 2 3 4 5; do
		PORT=$((20000 + RANDOM % 20000))
		# No DEBUGINFOD_URLS for the server itself: it would forward misses upstream.
		env -u DEBUGINFOD_URLS debuginfod -p "$PORT" -d "$T_DIR/db.sqlite" -t 0 -g 0 -F "$1" \
			>"$T_DIR/debuginfod.log" 2>&1 &
		echo $! >>"$IT_TMP/pids"
		DFD_PID=$!
		for _ in $(seq 100); do
			kill -0 "$DFD_PID" 2>/dev/null || break
			if curl -sf -o /dev/null "http://127.0.0.1:$PORT/buildid/$BUILD_ID/debuginfo"; then
				return 0
			fi
			sleep 0.1
		done
		kill "$DFD_PID" 2>/dev/null
		wait "$DFD_PID" 2>/dev/null
		rm -f "$T_DIR/db.sqlite"*
	done
	fail "debuginfod did not serve build-id $BUILD_ID within 10s on any port; log: $(tail -c 300 "$T_DIR/debuginfod.log" | tr '\n' '|')"
}

t_debuginfod_served()
{
	lay_out
	mkdir -p "$T_DIR/served" "$T_DIR/cache"
	cp "$TGT/debugsyms.debug" "$T_DIR/served/"
	start_debuginfod "$T_DIR/served"
	export DEBUGINFOD_URLS=http://127.0.0.1:$PORT DEBUGINFOD_CACHE_PATH=$T_DIR/cache
	trace_dbg_only_fn
	grep -qF "(debuginfod)" "$T_DIR/err" || fail "-v does not say debuginfod served it: $(err_text)"
	[ -n "$(find "$T_DIR/cache" -name debuginfo -size +0)" ] ||
		fail "nothing in libdebuginfod's cache $T_DIR/cache"
	# From the cache now, with the server gone.
	kill "$DFD_PID"
	wait "$DFD_PID" 2>/dev/null
	trace_dbg_only_fn
}

# Debian's libc6-dbg: libc's static functions by build-id in /usr/lib/debug.
# Every malloc past the tcache's sizes reaches _int_malloc once, and the
# first malloc of a thread once more (tcache_init allocates the tcache).
t_libc_int_malloc()
{
	local libc id

	libc=$(ldd "$TGT/debugsyms.stripped" | awk '/libc\.so\.6/ { print $3 }')
	id=$(readelf -n "$libc" | awk '/Build ID:/ { print $3 }')
	[ -e "/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug" ] || skip "no libc6-dbg for $libc"
	unset DEBUGINFOD_URLS
	sonde_run lat -v --json 'libc:_int_malloc' -- "$TGT/debugsyms.stripped" "$N" 70000
	expect_ok
	need_final
	expect_eq "_int_malloc calls (-- CMD)" "$(fn_field _int_malloc calls)" $((N + 1))
	expect_eq "the target's own count" "$(target_says calls)" "$N"
	grep -qF "from /usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug" "$T_DIR/err" ||
		fail "-v does not say libc's symbols came from libc6-dbg: $(err_text)"

	start_held "$T_DIR/target.out" "$TGT/debugsyms.stripped" "$N" 70000
	start_sonde lat --json 'libc:_int_malloc' -p "$BG_PID"
	wait_file_match "$T_DIR/err" '^sonde: tracing' 20 || fail "sonde did not start tracing: $(err_text)"
	kill -USR1 "$BG_PID"
	wait_sonde
	expect_ok
	need_final
	expect_eq "_int_malloc calls (-p)" "$(fn_field _int_malloc calls)" $((N + 1))
}

run_tests
