#!/bin/bash
# First do no harm: functions the kernel refuses to probe, gcc's cold parts,
# 32-bit programs, and a real service traced whole. The traced program's own
# output and exit status must be what they are untraced.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

# untraced_out PROG ARGS...: the program's stdout, untraced, in $T_DIR/want.
untraced_out()
{
	"$@" >"$T_DIR/want" 2>/dev/null || fail "$* exits $? untraced"
}

# The target's line in sonde's stdout equals its untraced output.
expect_same_output()
{
	local want got

	want=$(cat "$T_DIR/want")
	got=$(grep -F "$1" "$T_DIR/out")
	[ "$got" = "$want" ] || fail "the target printed '$got' traced, '$want' untraced"
}

# A LOCK-prefixed first instruction with nothing safe after it is skipped by
# name, and said so; a probe is moved past one when it can be; a cs-prefixed
# NOP is never chosen. The rest is traced exactly.
t_refused_entries_skipped_by_name()
{
	untraced_out "$TGT/unprobeable" 1000
	sonde_run lat --json 'lock_*' '*_fn' -- "$TGT/unprobeable" 1000
	expect_ok
	need_final
	expect_same_output lock_entry=
	grep -q "not probed: lock_entry (the kernel refuses a uprobe on its first instruction.*LOCK prefix" \
		"$T_DIR/err" || fail "no note naming lock_entry and its LOCK prefix: $(err_text)"
	grep -q "^sonde: tracing 3 functions" "$T_DIR/err" || fail "expected 'tracing 3 functions': $(err_text)"
	expect_eq "lock_entry rows" "$(fn_count lock_entry)" 0
	for f in lock_skip segnop_fn plain_fn; do
		expect_eq "$f calls" "$(fn_field "$f" calls)" 1000
	done
}

# sonde list shows why: moved past the LOCK, stays off the segment-prefixed
# NOP, refuses lock_entry.
t_list_says_refused()
{
	sonde_run list -b "$TGT/unprobeable" 'lock_*' 'segnop_fn'
	expect_ok
	grep -qE "lock_skip +push rbp \(moved past" "$T_DIR/out" || fail "lock_skip not moved past its LOCK: $(head -c 600 "$T_DIR/out")"
	grep -qE "segnop_fn +mov eax, edi" "$T_DIR/out" || fail "segnop_fn not probed at its first instruction: $(head -c 600 "$T_DIR/out")"
	grep -qE "lock_entry +not probed: .*LOCK prefix" "$T_DIR/out" || fail "lock_entry not listed as refused: $(head -c 600 "$T_DIR/out")"
	grep -q "2 functions, and 1 not probed" "$T_DIR/out" || fail "no count of what is not probed"
}

# Naming only a refused function is an error that says why, and nothing stays attached.
t_refused_only_is_an_error()
{
	bad_input 2 "'lock_entry' .* is not probed: the kernel refuses .*LOCK prefix" \
		lat lock_entry -- "$TGT/unprobeable" 10
}

# Where the kernel still refuses a probe at attach (here: sonde's own check
# switched off), the refused functions are found, skipped by name, and every
# other function is traced from the same links.
t_attach_refusal_bisected()
{
	start_held "$T_DIR/target" "$TGT/unprobeable" 1000
	SONDE_NO_REFUSAL_CHECK=1 start_sonde lat --json -p "$BG_PID" 'lock_*' '*_fn' -d 20s
	wait_links_on "$TGT/unprobeable"
	kill -USR1 "$BG_PID"
	wait "$BG_PID"
	wait_sonde
	expect_ok
	need_final
	grep -q "lock_entry (the kernel refused a uprobe on its probed instruction (ENOTSUPP)" \
		"$T_DIR/err" || fail "no note naming lock_entry as refused at attach: $(err_text)"
	grep -q "^sonde: tracing 3 functions" "$T_DIR/err" || fail "expected 'tracing 3 functions': $(err_text)"
	expect_eq "lock_entry rows" "$(fn_count lock_entry)" 0
	for f in lock_skip segnop_fn plain_fn; do
		expect_eq "$f calls" "$(fn_field "$f" calls)" 1000
	done
}

# With -- CMD the kernel checks the instruction only when the command's exec
# maps the binary, and refuses silently: sonde reads the command's code once
# it is mapped (an installed probe is an int3), finds lock_entry without one
# (its own check switched off here) and says so before "tracing".
t_cmd_silent_refusal_found()
{
	untraced_out "$TGT/unprobeable" 1000
	SONDE_NO_REFUSAL_CHECK=1 sonde_run lat --json 'lock_*' '*_fn' -- "$TGT/unprobeable" 1000
	expect_ok
	need_final
	expect_same_output lock_entry=
	grep -q "not probed: lock_entry (the kernel did not install its probe when the command started" \
		"$T_DIR/err" || fail "no note naming lock_entry: $(err_text)"
	grep -q "^sonde: tracing 3 functions" "$T_DIR/err" || fail "expected 'tracing 3 functions': $(err_text)"
	expect_eq "lock_entry rows" "$(fn_count lock_entry)" 0
	for f in lock_skip segnop_fn plain_fn; do
		expect_eq "$f calls" "$(fn_field "$f" calls)" 1000
	done
}

# work.cold is jumped into with work's frame live: never probed. work is, and
# the program computes what it computes untraced.
t_cold_part_never_probed()
{
	untraced_out "$TGT/coldsplit" 7000
	sonde_run lat --json 'work*' -- "$TGT/coldsplit" 7000
	expect_ok
	need_final
	expect_same_output sum=
	grep -q "not probed: work.cold (a cold part gcc split off" "$T_DIR/err" ||
		fail "no note about work.cold: $(err_text)"
	expect_eq "work calls" "$(fn_field work calls)" 7000
	expect_eq "work.cold rows" "$(fn_count work.cold)" 0
}

# Returns probed at work's exit instructions: its jump into work.cold is not
# one of them, and work.cold's own ret is.
t_cold_part_exits_are_the_functions()
{
	untraced_out "$TGT/coldsplit" 7000
	sonde_run lat --json --returns insns work -- "$TGT/coldsplit" 7000
	expect_ok
	need_final
	expect_same_output sum=
	expect_eq "work calls" "$(fn_field work calls)" 7000
	expect_eq "drops" "$(drops_total)" 0
}

t_cold_part_named_is_refused()
{
	bad_input 2 "'work.cold' .* is not probed: a cold part gcc split off its function" \
		lat work.cold -- "$TGT/coldsplit" 10
}

# 32-bit code is refused with the reason, before anything is attached.
t_32bit_refused()
{
	[ -x "$TGT/tiny32" ] || fail "$TGT/tiny32 was not built (gcc-multilib)"
	bad_input 2 "is 32-bit code: sonde traces x86-64 programs only" lat tiny_add -- "$TGT/tiny32" 10
	bad_input 2 "is 32-bit code" list -b "$TGT/tiny32"
}

# An exception thrown by thrower unwinds through middle and outer. Return
# probes there make the unwinder meet the kernel's trampoline (std::terminate:
# shown by forcing them); sonde sees C++ and probes the ret instructions.
# Every 3rd call throws: 2000 calls of each return, and the frames the 1000
# exceptions left are counted as unwound, the last three still open.
t_cxx_exception_through_traced_frames()
{
	untraced_out "$TGT/cxxthrow" 3000
	sonde_run lat --json outer middle thrower -- "$TGT/cxxthrow" 3000
	expect_ok
	need_final
	expect_same_output calls=
	for f in 'outer(int)' 'middle(int)' 'thrower(int)'; do
		expect_eq "$f calls" "$(fn_field "$f" calls)" 2000
	done
	expect_eq "calls unwound (3 frames for each of 999 exceptions)" \
		"$(jq -r .drops.unwound <<<"$FINAL")" 2997
	expect_eq "missed returns" "$(jq -r .drops.missed_return <<<"$FINAL")" 0
	expect_eq "orphan returns" "$(jq -r .drops.orphan_return <<<"$FINAL")" 0
	sonde_run list -b "$TGT/cxxthrow" thrower
	grep -q "returns at 1 exit insn (1 single-stepped; C++ exceptions unwind through it)" \
		"$T_DIR/out" || fail "sonde list does not say how thrower's returns are seen: $(cat "$T_DIR/out")"
}

# The same program with return probes forced: the unwinder fails, which is
# what the test above guards against.
t_cxx_forced_return_probes_do_harm()
{
	sonde_run lat --returns uretprobe outer middle thrower -- "$TGT/cxxthrow" 30
	grep -q "calls=" "$T_DIR/out" && fail "the target survived return probes; the shape is not tested"
	grep -q "terminate called" "$T_DIR/err" "$T_DIR/out" || fail "no std::terminate: $(err_text)"
}

# Go: 8 goroutines, whose stacks are copied while work's call is open and
# which yield between threads. Calls pair per goroutine, exactly; the
# program's result is its untraced one; the split is not claimed.
t_go_goroutines_and_stack_copies()
{
	untraced_out "$TGT/gostack" 500
	sonde_run lat --json -o "$T_DIR/go.sonde" main.work main.leaf -- "$TGT/gostack" 500
	expect_ok
	need_final
	expect_same_output calls=
	expect_eq "main.work calls" "$(fn_field main.work calls)" 4000
	expect_eq "main.leaf calls" "$(fn_field main.leaf calls)" 4000
	expect_eq "main.work sched_split" "$(fn_field main.work sched_split)" false
	expect_eq "drops" "$(drops_total)" 0
	# The profile file keeps it: report says '-', not 0 %.
	sonde_run report --json "$T_DIR/go.sonde"
	expect_ok
	need_final
	expect_eq "main.work sched_split in the file" "$(fn_field main.work sched_split)" false
}

# Go, deeper than the 64 calls kept per goroutine: grow recurses 48 deep
# under work; the calls kept are exact, the rest counted.
t_go_recursion_counted()
{
	sonde_run lat --json main.work main.grow -- "$TGT/gostack" 100
	expect_ok
	need_final
	expect_eq "main.work calls" "$(fn_field main.work calls)" 800
	expect_eq "main.grow calls (49 per work call)" "$(fn_field main.grow calls)" $((800 * 49))
}

# Tail calls between traced functions. With return probes (the default), the
# callee is entered at its caller's stack pointer, which must not be taken for
# a longjmp out of the caller (its return address is already the trampoline):
# both return at once, the callee first. With returns probed at the exit
# instructions, a jmp through a table of function pointers is a (soft) exit,
# a switch's jump table is not, and a direct tail call ends one call as the
# next starts. Exact counts, no drops, the program's output unchanged.
t_tail_calls_between_traced_functions()
{
	local returns

	untraced_out "$TGT/tailcalls" 6000
	for returns in auto insns; do
		sonde_run lat --json --returns "$returns" call_cb cb_a cb_b pick step -- \
			"$TGT/tailcalls" 6000
		expect_ok
		need_final
		expect_same_output cb=
		expect_eq "call_cb calls ($returns)" "$(fn_field call_cb calls)" 6000
		expect_eq "cb_a calls ($returns)" "$(fn_field cb_a calls)" 3000
		expect_eq "cb_b calls ($returns)" "$(fn_field cb_b calls)" 3000
		expect_eq "pick calls ($returns)" "$(fn_field pick calls)" 6000
		expect_eq "step calls, 2 of pick's 6 cases ($returns)" "$(fn_field step calls)" 2000
		expect_eq "drops ($returns: $(drops_text))" "$(drops_total)" 0
		# pick's call goes on in step: step's time is part of pick's.
		expect_eq "pick's time in traced callees = step's total ($returns)" \
			"$(($(fn_field pick total_ns) - $(fn_field pick self_ns)))" "$(fn_field step total_ns)"
	done
}

# The same program as C++: its returns are probed at the exit instructions
# without being asked (libstdc++), pick's direct tail call to step does not
# end pick's call there but with step's return, and the indirect ones through
# the table end call_cb's (no symbol to tell the target ahead of time).
t_tail_calls_in_cxx()
{
	untraced_out "$TGT/tailcalls_cxx" 6000
	sonde_run lat --json -v call_cb cb_a cb_b pick step -- "$TGT/tailcalls_cxx" 6000
	expect_ok
	need_final
	expect_same_output cb=
	grep -q "C++" "$T_DIR/err" || fail "-v does not say why returns are probed at exits: $(err_text)"
	expect_eq "call_cb calls" "$(fn_field 'call_cb(int, int)' calls)" 6000
	expect_eq "pick calls" "$(fn_field 'pick(int, int)' calls)" 6000
	expect_eq "step calls" "$(fn_field 'step(int)' calls)" 2000
	expect_eq "cb_a + cb_b calls" $(($(fn_field 'cb_a(int)' calls) + $(fn_field 'cb_b(int)' calls))) 6000
	expect_eq "drops ($(drops_text))" "$(drops_total)" 0
	expect_eq "pick's time in traced callees = step's total" \
		"$(($(fn_field 'pick(int, int)' total_ns) - $(fn_field 'pick(int, int)' self_ns)))" \
		"$(fn_field 'step(int)' total_ns)"
}

# Go panics recovered above the traced frames: the calls they unwound are
# counted as unwound (dropped when a call starts at or above their depth in
# the goroutine's stack), and every later call still pairs.
t_go_recovered_panics_counted()
{
	untraced_out "$TGT/gopanic" 100
	sonde_run lat --json main.mayPanic main.leaf -- "$TGT/gopanic" 100
	expect_ok
	need_final
	expect_same_output recovered=
	expect_eq "main.leaf calls" "$(fn_field main.leaf calls)" 1000
	expect_eq "main.mayPanic calls (each one panicked)" "$(fn_field main.mayPanic calls)" 0
	expect_eq "calls unwound" "$(jq -r .drops.unwound <<<"$FINAL")" 100
	expect_eq "depth drops" "$(jq -r .drops.depth <<<"$FINAL")" 0
}

run_tests
