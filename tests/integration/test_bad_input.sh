#!/bin/bash
# Bad input and targets that go away: each gives one line on stderr that says
# what to do, the exit status of DESIGN.md (2 bad input, 3 system refused), and
# leaves no uprobe link behind; a target that exits is not an error.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

# Not root: the system refuses, exit 3.
t_not_root()
{
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	before=$(uprobe_links)
	timeout -k 5 "$IT_TIMEOUT" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$SONDE" lat spin_50us -b "$TGT/spin" -d 1s >"$T_DIR/out" 2>"$T_DIR/err"
	RC=$?
	after=$(uprobe_links)
	expect_eq "exit status as nobody (stderr: $(err_text))" "$RC" 3
	expect_eq "lines on stderr ($(err_text))" "$(grep -c . "$T_DIR/err")" 1
	grep -q '^sonde: ' "$T_DIR/err" || fail "stderr does not start with 'sonde: ': $(err_text)"
	grep -qiE 'root|CAP_BPF|privilege' "$T_DIR/err" ||
		fail "message does not say it needs root: $(err_text)"
	expect_eq "uprobe links after (before: $before)" "$after" "$before"
}

# A PID that does not exist (a process that just exited): exit 2, naming it.
t_nonexistent_pid()
{
	"$TGT/shortlived" 0 >/dev/null &
	pid=$!
	wait "$pid"
	kill -0 "$pid" 2>/dev/null && skip "PID $pid was reused at once"
	bad_input 2 "$pid" lat -p "$pid" spin_50us -d 1s
}

t_missing_binary()
{
	bad_input 2 "$T_DIR/no-such-binary" lat -b "$T_DIR/no-such-binary" 'main' -d 1s
}

# An executable file that is not ELF (a shell script).
t_binary_not_elf()
{
	printf '#!/bin/sh\necho hello\n' >"$T_DIR/script"
	chmod +x "$T_DIR/script"
	bad_input 2 'ELF' lat -b "$T_DIR/script" 'main' -d 1s
}

# -- CMD that cannot be run.
t_cmd_not_found()
{
	bad_input 2 "$T_DIR/no-such-command" lat spin_50us -- "$T_DIR/no-such-command" 1
}

# A typo close to a real name: exit 2, suggest it and `sonde list`.
t_no_match_did_you_mean()
{
	bad_input 2 "did you mean.*spin_50us.*sonde list" lat 'spn_50us' -b "$TGT/spin" -d 1s
}

# Nothing close: exit 2, still point to `sonde list`.
t_no_match_nothing_close()
{
	bad_input 2 "zzqqxx_.*sonde list" lat 'zzqqxx_*' -b "$TGT/spin" -d 1s
}

# A glob that matches only an IFUNC whose implementation sonde cannot know (a
# program's own, not running yet): refused, and the message says why and what
# to probe instead. (glibc's are traced where they resolve to: test_ifunc.sh.)
t_ifunc_only()
{
	bad_input 2 "'ifc_pick' in .*ifunccalls is an IFUNC .*not probed.*ifc_pick_impl" \
		lat ifc_pick -- "$TGT/ifunccalls"
}

# The same with -- CMD: the command must not be left running or held.
t_no_match_cmd()
{
	bad_input 2 "did you mean.*spin_50us" lat 'spn_50us' -- "$TGT/spin" 100
	grep -q '^calls=' "$T_DIR/out" && fail "the command ran although sonde refused to trace it"
	for cmdline in /proc/[0-9]*/cmdline; do
		[ "$(tr '\0' ' ' 2>/dev/null <"$cmdline")" = "$TGT/spin 100 " ] &&
			fail "the held command is still running: ${cmdline%/cmdline}"
	done
	return 0
}

# 'fan_*' matches 12 functions; --max-probes 5 refuses and says 12.
t_max_probes()
{
	bad_input 2 '(^|[^0-9])12 ' lat --max-probes 5 'fan_*' -b "$TGT/fanout" -d 1s
}

# Stripped: hidden_fn was only in .symtab, now gone; .dynsym lacks it.
t_stripped_missing_name()
{
	readelf -S "$TGT/dynsyms.stripped" | grep -q '\.symtab' && fail "dynsyms.stripped still has .symtab"
	bad_input 2 'stripped' lat hidden_fn -b "$TGT/dynsyms.stripped" -d 1s
}

# The target exits by itself during the trace: exit 0, and the final report is
# printed at once (not after -d) with the calls it made while traced. The
# target is held until sonde has attached, then runs 1.5 s: however slow the
# machine, the exit comes while sonde traces, and every call is counted.
t_target_exits_mid_trace()
{
	local t0

	start_held "$T_DIR/target" "$TGT/shortlived" 1500
	pid=$BG_PID
	before=$(uprobe_links)
	start_sonde lat --json -p "$pid" tick -d 30s
	wait_links_on "$TGT/shortlived"
	t0=$(date +%s%N)
	kill -USR1 "$pid"
	wait_sonde
	after=$(uprobe_links)
	expect_ok
	need_final
	made=$(grep -oE 'calls=[0-9]+' "$T_DIR/target" | cut -d= -f2)
	expect_gt "tick calls the target made" "$made" 0
	expect_eq "tick calls (the target made $made)" "$(fn_field tick calls)" "$made"
	elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$elapsed_ms" -lt 10000 ] || fail "sonde took ${elapsed_ms}ms after the release; the target exited after 1.5s"
	expect_eq "uprobe links after (before: $before)" "$after" "$before"
}

# -- CMD that exits at once without calling the probed function: exit 0, a
# final report with 0 calls.
t_cmd_exits_at_once()
{
	before=$(uprobe_links)
	sonde_run lat --json never_called -- "$TGT/shortlived" 0
	after=$(uprobe_links)
	expect_ok
	need_final
	expect_eq "never_called calls" "$(jq -r '[.functions[].calls] | add // 0' <<<"$FINAL")" 0
	expect_eq "uprobe links after (before: $before)" "$after" "$before"
}

# The same with a library probe on /bin/true, which never calls qsort.
t_cmd_true_library_probe()
{
	before=$(uprobe_links)
	sonde_run lat --json 'libc:qsort' -- /bin/true
	after=$(uprobe_links)
	expect_ok
	need_final
	expect_eq "qsort calls" "$(jq -r '[.functions[].calls] | add // 0' <<<"$FINAL")" 0
	expect_eq "uprobe links after (before: $before)" "$after" "$before"
}

# A -p target that exits while the probes are being attached (timing varies,
# so several tries): either a final report (exit 0) or one line that says the
# process exited, and exit 3 (2 if it was gone before sonde looked); never a
# crash, a hang or a link left behind.
t_target_exits_during_attach()
{
	before=$(uprobe_links)
	for delay in 0 0.01 0.02 0.03 0.05; do
		"$TGT/shortlived" 40 >/dev/null &
		pid=$!
		sleep "$delay"
		sonde_run lat --json -p "$pid" tick -d 5s
		wait "$pid"
		case $RC in
		0)
			[ -n "$(final_json)" ] || fail "delay $delay: exit 0 but no final report; stderr: $(err_text)"
			;;
		2 | 3)
			expect_eq "delay $delay: lines on stderr ($(err_text))" "$(grep -c . "$T_DIR/err")" 1
			grep -qiE "$pid.*(exit|vanish|gone|no longer|not running)|no process with PID $pid" \
				"$T_DIR/err" ||
				fail "delay $delay: exit $RC, but the message does not say that process $pid exited: $(err_text)"
			;;
		*)
			fail "delay $delay: exit status $RC; stderr: $(err_text)"
			;;
		esac
		[ "$ELAPSED_MS" -lt 4000 ] || fail "delay $delay: sonde took ${ELAPSED_MS}ms after its target exited"
	done
	after=$(uprobe_links)
	expect_eq "uprobe links after (before: $before)" "$after" "$before"
}

run_tests
