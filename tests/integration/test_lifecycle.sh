#!/bin/bash
# How a traced target ends, and how sonde stops: a command that crashes is
# named with its signal after the final report and sonde exits 3; a non-zero
# exit status is said, exit 0; -p processes that exit are said with their
# status; a second Ctrl-C SIGKILLs a command that ignores SIGTERM at once and
# still prints the report; the command never outlives sonde, not even sonde's
# SIGKILL. tests/targets/crasher calls crash_step() a known number of times
# before it ends, so every report's count is asserted exactly.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

CR=$TGT/crasher

# Core files: none from these tests, unless core_pattern pipes them elsewhere
# (then the kernel dumps whatever RLIMIT_CORE says, and says "core dumped").
ulimit -S -c 0
core_suffix_re()
{
	case $(cat /proc/sys/kernel/core_pattern) in
	'|'*) echo '( \(core dumped\))?' ;;
	*) echo '' ;;
	esac
}

# expect_err_line REGEX: a line of sonde's stderr matches ^REGEX$ (extended).
expect_err_line()
{
	grep -qE "^$1\$" "$T_DIR/err" || fail "no stderr line matching /^$1\$/ (exit $RC); stderr: $(err_text)"
}

# expect_rc STATUS
expect_rc()
{
	[ "$RC" = "$1" ] || fail "sonde exited $RC, expected $1; stderr: $(err_text)"
}

# gone PID: no process PID, not even a zombie: it was reaped.
gone()
{
	[ ! -e "/proc/$1" ]
}

# dead PID: gone, or a zombie waiting for whoever inherited it.
dead()
{
	gone "$1" || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# crash_step called 1234 times, then a null-pointer write: the final report
# has all 1234 calls, then stderr names SIGSEGV, and sonde exits 3. stdout and
# stderr go to one file here, to show the report comes first.
t_cmd_sigsegv_named_after_report_exit_3()
{
	local all=$T_DIR/all report_line crash_line

	timeout -k 5 "$IT_TIMEOUT" "$SONDE" lat --json crash_step -- "$CR" segv 1234 >"$all" 2>&1
	RC=$?
	grep -v '^sonde: ' "$all" >"$T_DIR/out"
	grep '^sonde: ' "$all" >"$T_DIR/err"
	expect_rc 3
	need_final
	expect_eq "target's calls" "$(target_says calls)" 1234
	expect_eq "crash_step calls" "$(fn_field crash_step calls)" 1234
	expect_err_line "sonde: the command was killed by SIGSEGV \(Segmentation fault\)$(core_suffix_re)"
	report_line=$(grep -n '"final":true' "$all" | tail -n 1 | cut -d: -f1)
	crash_line=$(grep -n 'killed by SIGSEGV' "$all" | cut -d: -f1)
	[ "$report_line" -lt "$crash_line" ] ||
		fail "the crash is said on line $crash_line, before the final report (line $report_line)"
}

# abort() (what std::terminate ends in): SIGABRT, named, exit 3, and "(core
# dumped)" when the kernel wrote a core file (into the test's directory).
t_cmd_sigabrt_named_exit_3()
{
	cd "$T_DIR" || fail "cannot cd to $T_DIR"
	ulimit -S -c unlimited 2>/dev/null
	sonde_run lat --json crash_step -- "$CR" abort 777
	expect_rc 3
	need_final
	expect_eq "crash_step calls" "$(fn_field crash_step calls)" 777
	expect_err_line 'sonde: the command was killed by SIGABRT \(Aborted\)( \(core dumped\))?'
	if compgen -G "$T_DIR/core*" >/dev/null; then
		expect_err_line 'sonde: the command was killed by SIGABRT \(Aborted\) \(core dumped\)'
	fi
}

# exit(7): said on stderr; not sonde's failure, so exit 0; report complete.
t_cmd_exit_7_said_exit_0()
{
	sonde_run lat --json crash_step -- "$CR" exit:7 500
	expect_rc 0
	need_final
	expect_eq "crash_step calls" "$(fn_field crash_step calls)" 500
	expect_err_line 'sonde: the command exited with status 7'
}

# exit(0): nothing said but the tracing line (-v would say the status).
t_cmd_exit_0_says_nothing()
{
	sonde_run lat --json crash_step -- "$CR" exit:0 300
	expect_rc 0
	need_final
	expect_eq "crash_step calls" "$(fn_field crash_step calls)" 300
	lines=$(grep -c . "$T_DIR/err")
	expect_eq "stderr lines (only 'sonde: tracing ...')" "$lines" 1
}

# -d ends a command that handles SIGTERM: a plain note that sonde stopped it,
# exit 0, and every call it made (its own count, printed on SIGTERM) is in
# the report.
t_duration_stops_command_with_note()
{
	sonde_run lat --json crash_step -d 1s -- "$CR" deaf 0
	# deaf ignores SIGTERM: this one is SIGKILLed after the grace period.
	expect_rc 0
	need_final
	expect_err_line 'sonde: stopped the command with SIGKILL \(still running 2 s after SIGTERM\)'
	expect_ge "crash_step calls" "$(fn_field crash_step calls)" 1
	expect_ge "run time (1 s, then 2 s of grace)" "$ELAPSED_MS" 2900

	sonde_run lat --json spin_50us -d 1s -- "$TGT/spin"
	expect_rc 0
	need_final
	expect_err_line 'sonde: stopped the command with SIGTERM; it exited with status 0'
	expect_eq "spin_50us calls (the target's own count)" "$(fn_field spin_50us calls)" \
		"$(target_says calls)"
}

# sonde mem shares the ending: a crash is named after the final mem report,
# exit 3; the 100 leaked blocks of 4096 bytes from crash_step are all there.
t_mem_cmd_sigsegv_named_exit_3()
{
	sonde_run mem --json -- "$CR" segv 100 4096
	expect_rc 3
	FINAL=$(grep '^{' "$T_DIR/out" | jq -c 'select(.type == "mem" and .final == true)' | tail -n 1)
	[ -n "$FINAL" ] || fail "no final mem report; stderr: $(err_text)"
	allocs=$(jq -r '[.stacks[] | select(.frames[0] == "crash_step") | .allocs] | add // 0' <<<"$FINAL")
	live=$(jq -r '[.stacks[] | select(.frames[0] == "crash_step") | .live_bytes] | add // 0' <<<"$FINAL")
	expect_eq "allocations from crash_step" "$allocs" 100
	expect_eq "live bytes from crash_step" "$live" 409600
	expect_err_line "sonde: the command was killed by SIGSEGV \(Segmentation fault\)$(core_suffix_re)"
}

# A -p target that makes 400 traced calls, then is killed with kill -9: the
# report has the 400 calls, stderr says SIGKILL, sonde exits 3.
t_pid_killed_by_sigkill_exit_3()
{
	start_held "$T_DIR/target" "$CR" pause 400
	target=$BG_PID
	start_sonde lat --json -p "$target" crash_step
	wait_links_on "$CR"
	kill -USR1 "$target"
	wait_file_match "$T_DIR/target" '^calls=400$' 10 || fail "the target never made its 400 calls"
	kill -KILL "$target"
	wait_sonde
	expect_rc 3
	need_final
	expect_eq "crash_step calls" "$(fn_field crash_step calls)" 400
	expect_err_line "sonde: process $target was killed by SIGKILL \(Killed\)"
}

# A -p target that exits 0 after 250 calls: the trace ends with it, the exit
# is said, exit 0.
t_pid_exit_0_said_exit_0()
{
	start_held "$T_DIR/target" "$CR" exit:0 250
	target=$BG_PID
	start_sonde lat --json -p "$target" crash_step
	wait_links_on "$CR"
	kill -USR1 "$target"
	wait_sonde
	expect_rc 0
	need_final
	expect_eq "crash_step calls" "$(fn_field crash_step calls)" 250
	expect_err_line "sonde: process $target exited with status 0"
}

# Where the exit watch cannot load (SONDE_NO_EXIT_WATCH=1 takes that path),
# the exit is still said, without a status it does not know; -v says why.
t_pid_exit_without_watch_said_plainly()
{
	start_held "$T_DIR/target" "$CR" pause 150
	target=$BG_PID
	SONDE_NO_EXIT_WATCH=1 start_sonde lat -v --json -p "$target" crash_step
	wait_links_on "$CR"
	kill -USR1 "$target"
	wait_file_match "$T_DIR/target" '^calls=150$' 10 || fail "the target never made its 150 calls"
	kill -KILL "$target"
	wait_sonde
	expect_rc 0
	need_final
	expect_eq "crash_step calls" "$(fn_field crash_step calls)" 150
	expect_err_line "sonde: process $target exited"
	expect_err_line 'sonde: cannot watch how the processes end \(Operation not supported\): an exit is said without its status'
}

# Two -p processes: the one that exits 5 is said while the trace goes on
# with the other; then the other is killed by SIGKILL: both said, exit 3.
t_two_pids_each_said()
{
	start_held "$T_DIR/first" "$CR" exit:5 100
	first=$BG_PID
	start_held "$T_DIR/second" "$CR" pause 200
	second=$BG_PID
	start_sonde lat --json -p "$first" -p "$second" crash_step
	wait_links_on "$CR"
	kill -USR1 "$first" "$second"
	wait_file_match "$T_DIR/err" "^sonde: process $first exited with status 5\$" 10 ||
		fail "the first process's exit was not said during the trace; stderr: $(err_text)"
	wait_file_match "$T_DIR/second" '^calls=200$' 10 || fail "the second target never made its 200 calls"
	kill -0 "$SONDE_PID" 2>/dev/null || fail "sonde ended with one of its two processes still running"
	kill -KILL "$second"
	wait_sonde
	expect_rc 3
	need_final
	expect_eq "crash_step calls (both processes)" "$(fn_field crash_step calls)" 300
	expect_err_line "sonde: process $second was killed by SIGKILL \(Killed\)"
}

# -b: processes come and go; none is said (it would flood).
t_binary_says_no_process_exits()
{
	start_sonde lat --json -b "$CR" crash_step -d 4s
	wait_links_on "$CR"
	"$CR" exit:3 10 >/dev/null
	{ "$CR" segv 10 >/dev/null; } 2>/dev/null
	wait_sonde
	expect_rc 0
	need_final
	expect_eq "crash_step calls (two processes)" "$(fn_field crash_step calls)" 20
	if grep -q '^sonde: process' "$T_DIR/err"; then
		fail "-b said a process's exit: $(err_text)"
	fi
}

# Ctrl-C twice, 0.5 s apart, with a command that ignores SIGINT and SIGTERM:
# the first starts the 2 s grace (the command still runs 0.5 s later), the
# second SIGKILLs it at once; the final report is printed, sonde exits 0, and
# the command is gone (reaped, not left to init).
t_second_sigint_kills_deaf_command()
{
	start_sonde lat --json crash_step -- "$CR" deaf 0
	wait_links_on "$CR"
	sonde=$(sonde_child) || fail "no sonde process under $SONDE_PID"
	cmd=$(pgrep -P "$sonde" -x crasher) || fail "no command under sonde $sonde"
	t0=$(date +%s%N)
	kill -INT "$sonde"
	sleep 0.5
	kill -0 "$sonde" 2>/dev/null || fail "sonde ended before the grace period did; stderr: $(err_text)"
	dead "$cmd" && fail "the command ignores SIGTERM, yet ended on the first SIGINT"
	kill -INT "$sonde"
	wait_sonde
	ms=$((($(date +%s%N) - t0) / 1000000))
	expect_rc 0
	need_final
	expect_ge "crash_step calls" "$(fn_field crash_step calls)" 1
	expect_err_line 'sonde: stopped the command with SIGKILL \(a second Ctrl-C or SIGTERM\)'
	# Without the cut, sonde would wait out the 2 s after the first SIGINT.
	expect_le "ms from the first SIGINT to sonde's exit" "$ms" 1800
	gone "$cmd" || fail "the command $cmd is still there: $(cat "/proc/$cmd/stat" 2>/dev/null)"
}

# sonde killed with SIGKILL cannot stop the command: the kernel does
# (PR_SET_PDEATHSIG), within 1 s, even though the command ignores SIGTERM.
t_sonde_sigkill_takes_command_along()
{
	start_sonde lat crash_step -- "$CR" deaf 0
	wait_links_on "$CR"
	sonde=$(sonde_child) || fail "no sonde process under $SONDE_PID"
	cmd=$(pgrep -P "$sonde" -x crasher) || fail "no command under sonde $sonde"
	kill -KILL "$sonde"
	for _ in $(seq 20); do
		dead "$cmd" && break
		sleep 0.05
	done
	dead "$cmd" || fail "the command $cmd still runs 1 s after sonde's SIGKILL"
	wait "$SONDE_PID" 2>/dev/null
	return 0
}

# A -p process that forks while traced: its child inherits the probes (the
# kernel copies the breakpoints with the memory) but is not counted, and
# sonde says so as it happens; the parent's calls are exact.
t_pid_fork_is_said()
{
	start_held "$T_DIR/target" "$TGT/forker" 1000
	pid=$BG_PID
	start_sonde lat --json -p "$pid" fork_work -d 20s
	wait_links_on "$TGT/forker"
	kill -USR1 "$pid"
	wait "$pid"
	wait_sonde
	expect_ok
	need_final
	grep -q "^sonde: note: process $pid forked while traced: the new process inherits its probes" \
		"$T_DIR/err" || fail "no note about the fork: $(err_text)"
	expect_eq "fork_work calls (the parent's only)" "$(fn_field fork_work calls)" 1000
	grep -q "^child=" "$T_DIR/target" || fail "the child did not finish: $(cat "$T_DIR/target")"
}

run_tests
