#!/bin/bash
# IFUNCs traced where they resolve to in the target: glibc's memcpy, and a
# program's own IFUNC (build/targets/ifunccalls calls both N times, and
# nothing else that copies memory while traced). An IFUNC that cannot be
# resolved is refused with exit 2, never traced as 0 calls.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

N=3000

# ifunc_row PREFIX FIELD: FIELD of the one row whose name starts with PREFIX
# ("memcpy (→ " and the implementation this CPU got); "none" when there is
# no such row, the values joined by "," when several.
ifunc_row()
{
	jq -r --arg p "$1" --arg f "$2" '
		[.functions[] | select(.name | startswith($p)) | .[$f]]
		| if length == 0 then "none" else map(tostring) | join(",") end' <<<"$FINAL"
}

expect_memcpy_calls()
{
	need_final
	expect_eq "memcpy rows" "$(ifunc_row 'memcpy (→ ' calls | tr ',' '\n' | grep -c .)" 1
	expect_eq "memcpy calls" "$(ifunc_row 'memcpy (→ ' calls)" "$N"
	# The old memcpy@GLIBC_2.2.5 is not traced in memcpy's place.
	expect_eq "rows named plain 'memcpy'" "$(fn_count memcpy)" 0
}

t_memcpy_cmd()
{
	sonde_run lat --json 'libc:memcpy' -- "$TGT/ifunccalls" "$N"
	expect_ok
	expect_memcpy_calls
	expect_eq "the target's own count" "$(target_says memcpy_calls)" "$N"
	# memmove runs the same code: said, since its calls would count as memcpy's.
	grep -qE "note: memcpy, (.*, )?memmove(,.*)? resolve to the same code" "$T_DIR/err" ||
		fail "no note that memmove shares memcpy's implementation: $(err_text)"
}

t_memcpy_pid()
{
	start_held "$T_DIR/target.out" "$TGT/ifunccalls" "$N"
	start_sonde lat -v --json 'libc:memcpy' -p "$BG_PID"
	wait_file_match "$T_DIR/err" '^sonde: tracing' 20 || fail "sonde did not start tracing: $(err_text)"
	kill -USR1 "$BG_PID"
	wait_sonde
	expect_ok
	expect_memcpy_calls
	grep -qF "memcpy_calls=$N" "$T_DIR/target.out" ||
		fail "the target says: $(tr '\n' '|' <"$T_DIR/target.out")"
	grep -qE "'memcpy' in .*libc.so.6 is an IFUNC: probing the implementation .*from PID $BG_PID's GOT" "$T_DIR/err" ||
		fail "-v does not say the implementation came from the target's GOT: $(err_text)"
}

# The program's own IFUNC: only the running program's GOT can tell.
t_program_ifunc_pid()
{
	start_held "$T_DIR/target.out" "$TGT/ifunccalls" "$N"
	start_sonde lat --json ifc_pick -p "$BG_PID"
	wait_file_match "$T_DIR/err" '^sonde: tracing' 20 || fail "sonde did not start tracing: $(err_text)"
	kill -USR1 "$BG_PID"
	wait_sonde
	expect_ok
	need_final
	expect_eq "ifc_pick calls" "$(fn_field 'ifc_pick (→ ifc_pick_impl)' calls)" "$N"
}

# Not running yet, and not a library sonde has loaded: refused, with the way out.
t_program_ifunc_cmd_refused()
{
	bad_input 2 "'ifc_pick' in .*ifunccalls is an IFUNC .*not probed: no running target maps it yet.*-p PID.*ifc_pick_impl" \
		lat ifc_pick -- "$TGT/ifunccalls" "$N"
}

t_list_shows_implementation()
{
	sonde_run list -v 'libc:memcpy' -b "$TGT/ifunccalls"
	expect_ok
	grep -qE "libc\.so\.6 +memcpy \(→ [^)]+\)" "$T_DIR/out" ||
		fail "sonde list shows no 'memcpy (→ ...)' row: $(head -c 400 "$T_DIR/out" | tr '\n' '|')"
	grep -qE "^1 function$" "$T_DIR/out" || fail "not exactly one function: $(tail -n 2 "$T_DIR/out" | tr '\n' '|')"
	grep -qE "skipping memcpy at 0x[0-9a-f]+ in .*: an old version" "$T_DIR/err" ||
		fail "-v does not say the old memcpy version was passed over: $(err_text)"
}

run_tests
