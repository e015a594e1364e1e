#!/usr/bin/env bash
# Targets as operators name them: -- CMD through wrappers (taskset, env, nice,
# timeout, shell scripts), a traced function that execs, the same process
# given twice, and -b / --ns for a program in another mount namespace.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

SC=$TGT/slowcalls

# lookup_exact N: lookup counted N times, slowcalls said calls=N, nothing dropped.
lookup_exact()
{
	need_final
	expect_eq "lookup calls" "$(fn_field lookup calls)" "$1"
	expect_eq "slowcalls' own count" "$(target_says calls)" "$1"
	expect_eq "drops ($(drops_text))" "$(drops_total)" 0
	expect_eq "object" "$(fn_field lookup object)" "$SC"
}

# wrapped WRAPPER...: sonde lat lookup -- WRAPPER... slowcalls 60, exact.
wrapped()
{
	sonde_run lat --json lookup -- "$@" "$SC" 60
	expect_ok
	lookup_exact 60
	grep -q "^sonde: the command .*$SC.*: its probes go there" "$T_DIR/err" ||
		fail "no line saying which program is traced: $(err_text)"
}

t_taskset()
{
	wrapped taskset -c 0
}

t_env()
{
	wrapped env SONDE_IT_X=1
}

t_nice()
{
	wrapped nice -n 5
}

# timeout forks: the program runs in a child of the command sonde started.
t_timeout()
{
	wrapped timeout 30
	grep -q "^sonde: the command started $SC as process [0-9]*: its probes go there" "$T_DIR/err" ||
		fail "timeout's child is not named as the traced process: $(err_text)"
}

# A script that execs the program (its interpreter is not the program).
t_script_exec()
{
	printf '#!/bin/sh\nexec "%s" 60\n' "$SC" >"$T_DIR/run.sh"
	chmod +x "$T_DIR/run.sh"
	sonde_run lat --json lookup -- "$T_DIR/run.sh"
	expect_ok
	lookup_exact 60
}

# A script that runs the program as a child, then goes on and exits 3: the
# script's output and its exit status are its own, said after the report.
t_script_child_status()
{
	printf '#!/bin/bash\n"%s" 60\necho script-after=$?\nexit 3\n' "$SC" >"$T_DIR/run.sh"
	chmod +x "$T_DIR/run.sh"
	sonde_run lat --json lookup -- "$T_DIR/run.sh"
	expect_ok
	lookup_exact 60
	grep -q '^script-after=0$' "$T_DIR/out" || fail "the script's own line is missing: $(grep -v '^{' "$T_DIR/out" | head -c 300)"
	grep -q '^sonde: the command exited with status 3$' "$T_DIR/err" ||
		fail "the script's status 3 is not said: $(err_text)"
}

# A traced function that execs: the two traced calls in progress (exec_outer,
# exec_inner) are counted as drops of kind exec, not as missed or orphan
# returns, and the new program's calls count. Through timeout, the program's
# exit status 5 is the wrapper's, said after the report.
t_exec_from_traced_function()
{
	sonde_run lat --json tick 'exec_*' -- timeout 30 "$TGT/execer" 100 5
	expect_ok
	need_final
	expect_eq "tick calls (100 before the exec, 5 after)" "$(fn_field tick calls)" 105
	expect_eq "exec_outer calls" "$(fn_field exec_outer calls)" 0
	expect_eq "drops.exec" "$(jq -r '.drops.exec' <<<"$FINAL")" 2
	expect_eq "drops other than exec ($(drops_text))" \
		"$(jq -r '[.drops | to_entries[] | select(.key != "exec") | .value] | add' <<<"$FINAL")" 0
	grep -q '^before=100$' "$T_DIR/out" || fail "execer's first line is missing"
	grep -q '^after=5$' "$T_DIR/out" || fail "execer's line after the exec is missing"
	grep -q '^sonde: the command exited with status 5$' "$T_DIR/err" ||
		fail "execer's status 5 (through timeout) is not said: $(err_text)"
}

# The kernel's refusal check (/proc/PID/mem) still runs on a followed program.
t_refusal_check_through_wrapper()
{
	sonde_run lat --json 'lock_*' '*_fn' -- env "$TGT/unprobeable" 1000
	expect_ok
	need_final
	grep -q "^sonde: tracing 3 functions" "$T_DIR/err" || fail "expected 'tracing 3 functions': $(err_text)"
	for f in lock_skip segnop_fn plain_fn; do
		expect_eq "$f calls" "$(fn_field "$f" calls)" 1000
	done
}

# A typo in a PROBE through a wrapper fails at once, naming the program the
# wrapper would run, and runs nothing.
t_typo_through_wrapper_names_program()
{
	bad_input 2 "no function matches 'lokup' in $SC .*did you mean 'lookup'" \
		lat lokup -- taskset -c 0 "$SC" 5
	grep -q 'calls=' "$T_DIR/out" && fail "the command ran: $(cat "$T_DIR/out")"
	return 0
}

# A script that ends without running a program with the function: one line
# naming the last program it ran and what to do.
t_chain_without_match()
{
	printf '#!/bin/sh\n/bin/true\n' >"$T_DIR/run.sh"
	chmod +x "$T_DIR/run.sh"
	bad_input 2 "the command ended without exec'ing a program with a function matching 'lookup'; the last it ran was /usr/bin/true \(see what it has: sonde list -b /usr/bin/true\)" \
		lat lookup -- "$T_DIR/run.sh"
}

# The probes fail after the program was found (--max-probes): it never ran,
# and the script that started it does not run on either.
t_error_after_hold_ends_wrapper()
{
	printf '#!/bin/bash\n"%s" 5\necho script-after\n' "$SC" >"$T_DIR/run.sh"
	chmod +x "$T_DIR/run.sh"
	sonde_run lat lookup 'tgt_*' --max-probes 1 -- "$T_DIR/run.sh"
	expect_eq "exit status" "$RC" 2
	grep -q "more than --max-probes 1" "$T_DIR/err" || fail "no --max-probes error: $(err_text)"
	grep -q 'calls=' "$T_DIR/out" && fail "slowcalls ran: $(cat "$T_DIR/out")"
	grep -q 'script-after' "$T_DIR/out" && fail "the script ran on after sonde gave up"
	return 0
}

# Ctrl-C through timeout: the final report, the program stopped (timeout
# passes the SIGTERM on and ends with it), nothing left running.
t_sigint_through_wrapper()
{
	start_sonde lat --json lookup -- timeout 30 "$SC" 0
	wait_links_on "$SC"
	sonde=$(sonde_child) || fail "no sonde process under $SONDE_PID"
	prog=$(pgrep -f "^$SC 0\$" | head -n 1)
	[ -n "$prog" ] || fail "slowcalls is not running"
	kill -INT "$sonde"
	wait_sonde
	expect_ok
	need_final
	expect_ge "lookup calls" "$(fn_field lookup calls)" 1
	[ -e "/proc/$prog" ] && fail "slowcalls ($prog) still runs after the trace"
	grep -qE '^sonde: (stopped the command with SIGTERM|the command ended with the trace)' \
		"$T_DIR/err" || fail "no line saying how the command ended: $(err_text)"
}

# sonde killed with SIGKILL: the program timeout started is not sonde's child
# (PR_SET_PDEATHSIG does not reach it), and sonde's guard kills it within 1 s.
t_sigkill_through_fork_wrapper()
{
	start_sonde lat lookup -- timeout 60 "$SC" 0
	wait_links_on "$SC"
	sonde=$(sonde_child) || fail "no sonde process under $SONDE_PID"
	prog=$(pgrep -f "^$SC 0\$" | head -n 1)
	[ -n "$prog" ] || fail "slowcalls is not running"
	pgrep -P "$sonde" -x sonde-guard >/dev/null || fail "no sonde-guard under sonde $sonde"
	kill -KILL "$sonde"
	for _ in $(seq 20); do
		[ "$(awk '{ print $3 }' "/proc/$prog/stat" 2>/dev/null)" = Z ] && break
		[ -e "/proc/$prog" ] || break
		sleep 0.05
	done
	state=$(awk '{ print $3 }' "/proc/$prog/stat" 2>/dev/null)
	[ -z "$state" ] || [ "$state" = Z ] || fail "slowcalls ($prog) still runs 1 s after sonde's SIGKILL (state $state)"
	wait "$SONDE_PID" 2>/dev/null
	return 0
}

# -p X -p X: traced once, with a note; exact counts, no orphan or missed return.
t_same_pid_twice()
{
	start_held "$T_DIR/target" "$SC" 80
	pid=$BG_PID
	start_sonde lat --json -p "$pid" -p "$pid" lookup -d 20s
	wait_links_on "$SC"
	kill -USR1 "$pid"
	wait "$pid"
	wait_sonde
	expect_ok
	need_final
	expect_eq "lookup calls" "$(fn_field lookup calls)" 80
	expect_eq "drops ($(drops_text))" "$(drops_total)" 0
	grep -q "^sonde: note: process $pid is given more than once: traced once$" "$T_DIR/err" ||
		fail "no note about the duplicate: $(err_text)"
}

# A thread ID next to its process's ID: the process, traced once.
t_thread_id_merged()
{
	start_bg "$T_DIR/target" "$TGT/threads" 0 2
	pid=$BG_PID
	for _ in $(seq 50); do
		tid=$(ls "/proc/$pid/task" 2>/dev/null | grep -vx "$pid" | head -n 1)
		[ -n "$tid" ] && break
		sleep 0.1
	done
	[ -n "$tid" ] || fail "threads started no thread"
	sonde_run lat --json -p "$pid" -p "$tid" thread_work -d 1s
	expect_ok
	need_final
	grep -q "^sonde: note: $tid is a thread of process $pid: tracing the process, given already (traced once)$" \
		"$T_DIR/err" || fail "no note about the thread: $(err_text)"
	expect_ge "thread_work calls" "$(fn_field thread_work calls)" 1
	expect_eq "missed returns" "$(jq -r '.drops.missed_return' <<<"$FINAL")" 0
}

# start_in_private_ns DIR: slowcalls copied onto a tmpfs mounted on DIR in a
# private mount namespace, started there (held for SIGUSR1): $DIR/slowcalls
# does not exist in sonde's namespace. Its PID is in BG_PID.
start_in_private_ns()
{
	mkdir -p "$1"
	start_held "$T_DIR/target" unshare -m --propagation private \
		sh -c "mount -t tmpfs sonde-it '$1' && cp '$SC' '$1/' && exec '$1/slowcalls' 70"
	[ -e "$1/slowcalls" ] && fail "$1/slowcalls is visible outside the namespace"
	grep -q "$1/slowcalls" "/proc/$BG_PID/maps" || fail "process $BG_PID does not run $1/slowcalls"
}

# ns_run ARGS...: sonde lat ARGS on the held process, let go; exact counts.
ns_run()
{
	start_sonde lat --json "$@" lookup -d 30s
	wait_file_match "$T_DIR/err" '^sonde: tracing' 10 || fail "sonde did not start tracing: $(err_text)"
	kill -USR1 "$BG_PID"
	wait "$BG_PID"
	kill -INT "$(sonde_child)"
	wait_sonde
	expect_ok
	need_final
	expect_eq "lookup calls" "$(fn_field lookup calls)" 70
	expect_eq "drops ($(drops_text))" "$(drops_total)" 0
	grep -q '^calls=70 ' "$T_DIR/target" || fail "slowcalls said: $(cat "$T_DIR/target")"
}

t_binary_in_private_mount_ns()
{
	command -v unshare >/dev/null || skip "no unshare"
	start_in_private_ns "$T_DIR/ns"
	ns_run -b "$T_DIR/ns/slowcalls"
	grep -q "^sonde: note: '$T_DIR/ns/slowcalls' is not in sonde's mount namespace: tracing the file by that name in the namespace of process $BG_PID" \
		"$T_DIR/err" || fail "no note naming the namespace: $(err_text)"
	expect_eq "object" "$(fn_field lookup object)" "$T_DIR/ns/slowcalls"
}

t_ns_pid()
{
	command -v unshare >/dev/null || skip "no unshare"
	start_in_private_ns "$T_DIR/ns"
	ns_run --ns "$BG_PID" -b "$T_DIR/ns/slowcalls"
}

run_tests
