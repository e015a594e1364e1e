#!/bin/bash
# The three ways to name a target (-p PID, -b BINARY, -- CMD), functions in a
# shared library, C++ names, and `sonde list`.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

# -- CMD: traced from the first instruction, so sonde counts exactly the calls
# the target says it made; sonde exits 0 when the command does.
t_cmd_mode_exact_count()
{
	sonde_run lat --json spin_50us -- "$TGT/spin" 2000
	expect_ok
	need_final
	made=$(target_says calls)
	expect_eq "target's calls" "$made" 2000
	expect_eq "spin_50us calls (target made $made)" "$(fn_field spin_50us calls)" "$made"
	expect_eq "object" "$(fn_field spin_50us object)" "$TGT/spin"
}

# -p PID: traces every call of that process and none of another process
# running the same binary. Both wait until sonde has attached, then make
# exactly 1000 calls and exit, which ends the trace.
t_pid_mode_traces_only_that_pid()
{
	start_held "$T_DIR/traced" "$TGT/spin" 1000
	traced=$BG_PID
	start_held "$T_DIR/other" "$TGT/spin" 1000
	other=$BG_PID
	start_sonde lat --json -p "$traced" spin_50us -d 20s
	wait_links_on "$TGT/spin"
	kill -USR1 "$traced" "$other"
	wait "$traced" "$other"
	wait_sonde
	expect_ok
	need_final
	expect_eq "traced process's calls" "$(grep -oE '[0-9]+' "$T_DIR/traced")" 1000
	expect_eq "spin_50us calls (the other process, not traced, made 1000 too)" \
		"$(fn_field spin_50us calls)" 1000
}

# -p PID -p PID: both traced, every call.
t_pid_mode_two_pids()
{
	start_held "$T_DIR/a" "$TGT/spin" 1000
	a=$BG_PID
	start_held "$T_DIR/b" "$TGT/spin" 1500
	b=$BG_PID
	start_sonde lat --json -p "$a" -p "$b" spin_50us -d 20s
	wait_links_on "$TGT/spin"
	kill -USR1 "$a" "$b"
	wait "$a" "$b"
	wait_sonde
	expect_ok
	need_final
	expect_eq "spin_50us calls of the two processes (1000 + 1500)" "$(fn_field spin_50us calls)" 2500
}

# Kernels without uprobe_multi (< 6.6) get one perf-event uprobe per function:
# forced here, the counts are as exact and nothing is left attached.
t_per_function_uprobes_fallback()
{
	local before

	before=$(uprobe_links)
	SONDE_NO_UPROBE_MULTI=1 sonde_run lat --json outer inner -- "$TGT/nested" 700
	expect_ok
	need_final
	expect_eq "outer calls" "$(fn_field outer calls)" 700
	expect_eq "inner calls" "$(fn_field inner calls)" 700
	# outer's self time is its own 60 us spin (as the target timed it, which a
	# busy machine stretches for both alike), not the 100 us with inner's.
	expect_ns "outer self time" "$(fn_field outer self_ns)" "$(target_says outer_spin_ns)" 15
	grep -q 'uprobe_multi' "$T_DIR/err" && fail "still attached through uprobe_multi: $(err_text)"
	expect_eq "uprobe links after" "$(uprobe_links)" "$before"
}

# SIGTERM (no -d): sonde stops, prints the final report and exits 0.
t_sigterm_prints_final_report()
{
	start_bg "$T_DIR/target" "$TGT/spin"
	start_sonde lat --json -p "$BG_PID" spin_50us
	wait_links_on "$TGT/spin"
	sleep 0.5
	kill -TERM "$SONDE_PID" # timeout(1), which passes it on to sonde
	wait_sonde
	expect_ok
	need_final
	expect_ge "spin_50us calls" "$(fn_field spin_50us calls)" 1000
}

# -b BINARY: a process that was already running it is traced.
t_binary_mode_running_process()
{
	start_bg "$T_DIR/target" "$TGT/spin"
	sonde_run lat --json -b "$TGT/spin" spin_50us -d 2s
	expect_ok
	need_final
	expect_ge "spin_50us calls" "$(fn_field spin_50us calls)" 1000
	expect_ns "spin_50us p50" "$(fn_field spin_50us p50_ns)" 50000 10
}

# -b BINARY: a process started after the probes are attached is traced, every
# call of it.
t_binary_mode_started_later()
{
	start_sonde lat --json -b "$TGT/spin" spin_50us -d 4s
	wait_links_on "$TGT/spin"
	"$TGT/spin" 1000 >"$T_DIR/target" || fail "spin 1000 failed"
	wait_sonde
	expect_ok
	need_final
	made=$(grep -oE 'calls=[0-9]+' "$T_DIR/target" | cut -d= -f2)
	expect_eq "spin_50us calls (the process started later made $made)" \
		"$(fn_field spin_50us calls)" "$made"
}

# A shared library's function, by library name as mapped: 30 us spin.
t_shared_lib_by_name_pid()
{
	start_bg "$T_DIR/target" "$TGT/uselib"
	wait_mapped "$BG_PID" "$TGT/libsondetest.so"
	sonde_run lat --json -p "$BG_PID" 'libsondetest:sondetest_*' -d 2s
	expect_ok
	need_final
	expect_eq "object" "$(fn_field sondetest_spin_30us object)" "$TGT/libsondetest.so"
	expect_ge "sondetest_spin_30us calls" "$(fn_field sondetest_spin_30us calls)" 1000
	expect_ns "sondetest_spin_30us p50" "$(fn_field sondetest_spin_30us p50_ns)" 30000 10
}

# libsondetest.so:FUNC with -- CMD: the library is not mapped yet when the
# probes go in; every call is still counted.
t_shared_lib_by_soname_cmd()
{
	sonde_run lat --json 'libsondetest.so:sondetest_spin_30us' -- "$TGT/uselib" 2000
	expect_ok
	need_final
	expect_eq "target's calls" "$(target_says calls)" 2000
	expect_eq "sondetest_spin_30us calls" "$(fn_field sondetest_spin_30us calls)" 2000
	expect_eq "object" "$(fn_field sondetest_spin_30us object)" "$TGT/libsondetest.so"
}

# The library by its path, traced in a running process.
t_shared_lib_by_path_pid()
{
	start_bg "$T_DIR/target" "$TGT/uselib"
	wait_mapped "$BG_PID" "$TGT/libsondetest.so"
	sonde_run lat --json -p "$BG_PID" "$TGT/libsondetest.so:sondetest_spin_30us" -d 1s
	expect_ok
	need_final
	expect_ge "sondetest_spin_30us calls" "$(fn_field sondetest_spin_30us calls)" 500
}

# C++: 'ns::Cache::get*' matches ns::Cache::get(int) by its demangled name,
# and not ns::Cache::put(int, int).
t_cxx_demangled_glob()
{
	sonde_run lat --json 'ns::Cache::get*' -- "$TGT/cxx" 5000
	expect_ok
	need_final
	expect_eq "target's get_calls" "$(target_says get_calls)" 5000
	names=$(jq -c '[.functions[].name]' <<<"$FINAL")
	expect_eq "functions matched" "$(jq -r '.functions | length' <<<"$FINAL")" 1
	name=$(jq -r '.functions[0].name' <<<"$FINAL")
	case $name in
	ns::Cache::get* | _ZN2ns5Cache3getEi) ;;
	*) fail "matched $names, expected ns::Cache::get(int)" ;;
	esac
	expect_eq "$name calls" "$(fn_field "$name" calls)" 5000
}

# C++ by mangled name works too.
t_cxx_mangled_glob()
{
	sonde_run lat --json '_ZN2ns5Cache3put*' -- "$TGT/cxx" 3000
	expect_ok
	need_final
	expect_eq "functions matched" "$(jq -r '.functions | length' <<<"$FINAL")" 1
	expect_eq "calls of $(jq -r '.functions[0].name' <<<"$FINAL")" \
		"$(jq -r '.functions[0].calls' <<<"$FINAL")" 3000
}

# A stripped binary: functions left in .dynsym can still be traced.
t_stripped_dynsym_function()
{
	sonde_run lat --json visible_fn -- "$TGT/dynsyms.stripped" 700
	expect_ok
	need_final
	expect_eq "visible_fn calls" "$(fn_field visible_fn calls)" 700
}

# sonde list -b: one row per matching function with the address and size the
# ELF symbol table gives (nm), and the object's path.
t_list_binary()
{
	sonde_run list -b "$TGT/fanout" 'fan_*'
	expect_ok
	head -n 1 "$T_DIR/out" | grep -qE '^ADDRESS +SIZE +PROBE +OBJECT +FUNCTION +PROBED INSTRUCTION' ||
		fail "header is '$(head -n 1 "$T_DIR/out")', expected ADDRESS SIZE PROBE OBJECT FUNCTION PROBED INSTRUCTION"
	rows=$(grep -cE ' fan_[0-9]+ ' "$T_DIR/out")
	expect_eq "rows listed" "$rows" 12
	nm -S --defined-only "$TGT/fanout" | awk '$4 ~ /^fan_/ { print $4, $1, $2 }' | sort >"$T_DIR/nm"
	while read -r name addr size; do
		row=$(grep -E " $name " "$T_DIR/out")
		read -r laddr lsize lprobe lobj lname _ <<<"$row"
		# The targets start with push %rbp: emulated, probed where they start.
		[ "$lprobe" = "+0" ] || fail "$name: probed at $lprobe, expected +0 (push first): $row"
		[ "$lname" = "$name" ] || fail "no row for $name: $(tr '\n' '|' <"$T_DIR/out")"
		[ "$lobj" = "$TGT/fanout" ] || fail "$name: object '$lobj', expected $TGT/fanout"
		[ $((laddr)) = $((16#$addr)) ] || fail "$name: address $laddr, nm says 0x$addr"
		[ "$lsize" = $((16#$size)) ] || fail "$name: size $lsize, nm says $((16#$size))"
	done <"$T_DIR/nm"
}

# sonde list -p: a library function shows with the library as its object.
t_list_pid_library()
{
	start_bg "$T_DIR/target" "$TGT/uselib"
	wait_mapped "$BG_PID" "$TGT/libsondetest.so"
	sonde_run list -p "$BG_PID" 'libsondetest:*'
	expect_ok
	grep -qE "^0x[0-9a-f]+ +[0-9]+ +\+[0-9]+ +$TGT/libsondetest.so +sondetest_spin_30us " "$T_DIR/out" ||
		fail "no row for sondetest_spin_30us in libsondetest.so: $(tr '\n' '|' <"$T_DIR/out")"
}

# sonde list --for mem: where sonde mem would place its probes, not lat. Its
# probes read the arguments, so an entry probe may not move past code that
# writes one: tgt_more starts by loading tgt_stop into edx, which lat skips
# and mem cannot. They see returns by return probes whatever the program:
# thrower (C++ exceptions) has its returns probed at its ret under lat only.
t_list_for_mem()
{
	local lat mem

	sonde_run list -b "$TGT/spin" tgt_more
	expect_ok
	lat=$(grep -E ' tgt_more ' "$T_DIR/out")
	sonde_run list --for mem -b "$TGT/spin" tgt_more
	expect_ok
	mem=$(grep -E ' tgt_more ' "$T_DIR/out")
	read -r _ _ lprobe _ <<<"$lat"
	read -r _ _ mprobe _ <<<"$mem"
	if [ "$lprobe" = "+0" ] || ! grep -q "moved past" <<<"$lat"; then
		fail "lat's tgt_more is not moved past its first instructions: $lat"
	fi
	if [ "$mprobe" != "+0" ] || ! grep -q "writes rsp or an argument: mov edx" <<<"$mem"; then
		fail "mem's tgt_more is moved past the write of edx: $mem (lat: $lat)"
	fi
	sonde_run list --for lat -b "$TGT/spin" tgt_more
	expect_eq "--for lat's row" "$(grep -E ' tgt_more ' "$T_DIR/out")" "$lat"

	sonde_run list --for mem -b "$TGT/cxxthrow" thrower
	expect_ok
	grep -qE ' thrower\(int\) ' "$T_DIR/out" || fail "no row for thrower: $(tr '\n' '|' <"$T_DIR/out")"
	grep -q "returns at" "$T_DIR/out" &&
		fail "mem's probes see returns by return probes: $(tr '\n' '|' <"$T_DIR/out")"

	bad_input 2 "[-]-for 'bogus': expected lat or mem" list --for bogus -b "$TGT/spin"
	bad_input 2 "[-]-returns does not apply to --for mem" list --for mem --returns insns -b "$TGT/spin"
}

run_tests
