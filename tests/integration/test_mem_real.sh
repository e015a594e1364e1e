#!/bin/bash
# sonde mem on the shapes of real programs: a malloc that is not libc's
# (a program linked with -ljemalloc, its C++ operators, Debian's redis),
# static binaries with and
# without malloc's symbol, a leak freed at exit, code without frame pointers,
# -b over processes that are gone before their maps are read, a stripped main
# executable.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

MT=$TGT/memtarget
JEMALLOC=$(realpath /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 2>/dev/null)

# stack_field FUNC FIELD: FIELD of the stacks whose innermost frame is FUNC,
# joined by ","; "none" when there is none.
stack_field()
{
	jq -r --arg f "$1" --arg k "$2" '
		[.stacks[] | select(.frames[0] == $f) | .[$k] | tostring]
		| if length == 0 then "none" else join(",") end' <<<"$FINAL"
}

# The functions of the leak suspects, sorted and joined by ",".
suspects()
{
	jq -r '[.stacks[] | select(.suspect) | .frames[0] // "[no frames]"] | sort | join(",")' <<<"$FINAL"
}

need_jemalloc()
{
	[ -n "$JEMALLOC" ] || skip "no libjemalloc.so.2 (package libjemalloc2)"
}

# memtarget linked with -ljemalloc leaks 1024 bytes 200 times a second:
# jemalloc's malloc is the one probed (said so), every allocation counted,
# the leak's rate within 10 % under leak_block, and jemalloc's own arenas
# (mapped inside its calls) never a suspect.
t_jemalloc_linked_program()
{
	need_jemalloc
	sonde_run mem --json -- "$MT.jemalloc" leak 200 1024 3
	expect_ok
	need_mem_final
	grep -qF "sonde: allocator: jemalloc ($JEMALLOC)" "$T_DIR/err" ||
		fail "stderr does not name jemalloc ($JEMALLOC): $(err_text)"
	expect_eq "allocator" "$(jq -r .allocator <<<"$FINAL")" jemalloc
	expect_eq "allocator object" "$(jq -r .allocator_object <<<"$FINAL")" "$JEMALLOC"
	n=$(target_says iterations)
	expect_ge "iterations" "$n" 300
	# Every leak_block() and churn()'s 4 blocks per iteration.
	expect_ge "allocations counted" "$(jq .counts.allocs <<<"$FINAL")" $((5 * n))
	expect_eq "leak_block allocs" "$(stack_field leak_block allocs)" "$n"
	expect_eq "churn frees" "$(stack_field churn frees)" $((4 * n))
	growth=$(stack_field leak_block growth_bytes_per_s)
	within_pct "$growth" 204800 10 ||
		fail "leak growth is $growth B/s, expected 204800 +-10% ($(pct_off "$growth" 204800))"
	expect_eq "leak suspects" "$(suspects)" leak_block
}

# C++ linked with -ljemalloc: jemalloc's operator new allocates without
# calling malloc, and its deletes mostly end in `jmp free`: every new seen,
# every delete counted once.
t_cxx_new_delete_jemalloc()
{
	need_jemalloc
	sonde_run mem --json -- "$TGT/newleak" 200 1024 2
	expect_ok
	need_mem_final
	n=$(target_says iterations)
	expect_ge "iterations" "$n" 200
	expect_eq "leak_new allocs" "$(stack_field 'leak_new(unsigned long)' allocs)" "$n"
	churn=$(jq '[.stacks[] | select(.frames[0] == "churn_new()")] | [(map(.allocs) | add), (map(.frees) | add)] | map(tostring) | join(",")' -r <<<"$FINAL")
	expect_eq "churn_new allocs,frees" "$churn" "$((3 * n)),$((3 * n))"
	expect_eq "frees of untracked blocks" "$(jq .counts.free_untracked <<<"$FINAL")" 0
	expect_eq "leak suspects" "$(suspects)" "leak_new(unsigned long)"
}

# redis-server as Debian builds it (libjemalloc.so.2): 100 SETs of 10,000
# bytes seen as allocations of jemalloc's malloc, held live.
t_redis_jemalloc()
{
	local port=$((17000 + $$ % 1000)) i _

	need_jemalloc
	command -v redis-server >/dev/null && command -v redis-cli >/dev/null ||
		skip "no redis-server (package redis)"
	ldd "$(command -v redis-server)" | grep -q libjemalloc ||
		skip "this redis-server does not use libjemalloc.so.2"
	start_bg "$T_DIR/redis" redis-server --port "$port" --save '' --appendonly no \
		--bind 127.0.0.1
	for _ in $(seq 50); do
		redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break
		sleep 0.1
	done
	redis-cli -p "$port" ping | grep -q PONG || fail "redis-server did not answer on port $port"
	start_sonde mem --json -p "$BG_PID" -d 20s
	wait_links_on "$JEMALLOC"
	value=$(head -c 10000 /dev/zero | tr '\0' x)
	for i in $(seq 100); do
		echo "SET key:$i $value"
	done | redis-cli -p "$port" >/dev/null
	expect_eq "keys stored" "$(redis-cli -p "$port" dbsize)" 100
	kill -INT "$SONDE_PID"
	wait_sonde
	expect_ok
	need_mem_final
	grep -qF "sonde: allocator: jemalloc ($JEMALLOC)" "$T_DIR/err" ||
		fail "stderr does not name jemalloc: $(err_text)"
	expect_eq "allocator" "$(jq -r .allocator <<<"$FINAL")" jemalloc
	expect_ge "allocations" "$(jq .counts.allocs <<<"$FINAL")" 100
	expect_ge "live heap bytes (100 values of 10,000)" "$(jq .live_bytes <<<"$FINAL")" 1000000
}

# Leaks 1024 bytes 200 times a second for 3 s and frees it all at exit: still
# the leak suspect, marked freed at exit, with the rate it grew at.
t_leak_freed_at_exit()
{
	sonde_run mem --json -- "$MT" leakfree 200 1024 3
	expect_ok
	need_mem_final
	expect_eq "freed by the target" "$(target_says freed)" "$(target_says iterations)"
	expect_eq "leak_block live bytes" "$(stack_field leak_block live_bytes)" 0
	expect_eq "leak_block suspect" "$(stack_field leak_block suspect)" true
	expect_eq "leak_block freed_at_exit" "$(stack_field leak_block freed_at_exit)" true
	rate=$(stack_field leak_block leak_bytes_per_s)
	within_pct "$rate" 204800 10 ||
		fail "leak rate is $rate B/s, expected 204800 +-10% ($(pct_off "$rate" 204800))"
	expect_ge "leak_block peak bytes" "$(stack_field leak_block peak_bytes)" 400000
	expect_eq "top stack" "$(jq -r '.stacks[0].frames[0]' <<<"$FINAL")" leak_block
	sonde_run mem -- "$MT" leakfree 200 1024 3
	expect_ok
	grep -qE '^  1\. \+(19[0-9]|20[0-9]|21[0-9])KiB/s .* freed at exit$' "$T_DIR/out" ||
		fail "no suspect line '1. +200KiB/s ... freed at exit': $(grep -A3 'suspects' "$T_DIR/out" | tr '\n' '|')"
	grep -qE '^ +leak_block\+0x' "$T_DIR/out" || fail "the suspect's stack is not listed"
}

# The Python program of the issue: keeps 40,000-byte objects for 3 s (malloc's,
# not pymalloc's: above 512 bytes) and lets the interpreter free them at exit.
# Run as "python3" from PATH, which may be a script (a pyenv shim): the
# allocator is its interpreter's.
t_python_leak_freed_at_exit()
{
	command -v python3 >/dev/null || skip "no python3"
	cat >"$T_DIR/leak.py" <<-'EOF'
		import time
		keep = []
		t0 = time.monotonic()
		while time.monotonic() - t0 < 3:
		    keep.append(b"x" * 40000)
		    time.sleep(0.005)
		print("kept=%d" % len(keep))
	EOF
	sonde_run mem --json -- python3 "$T_DIR/leak.py"
	expect_ok
	need_mem_final
	kept=$(target_says kept)
	expect_ge "objects kept" "$kept" 100
	[ "$(jq -r .allocator <<<"$FINAL")" != null ] || fail "no allocator probed: $(err_text)"
	leak=$(jq -c '[.stacks[] | select(.suspect and .freed_at_exit)] | max_by(.peak_bytes) // {}' <<<"$FINAL")
	[ "$leak" != "{}" ] || fail "no suspect freed at exit: $(jq -c '[.stacks[] | {frames: .frames[0:2], suspect, peak_bytes, live_bytes}][0:4]' <<<"$FINAL")"
	expect_ge "the suspect's peak bytes" "$(jq .peak_bytes <<<"$leak")" $((kept * 40000 * 9 / 10))
	rate=$(jq .leak_bytes_per_s <<<"$leak")
	want=$((kept * 40000 / 3))
	within_pct "$rate" "$want" 15 ||
		fail "leak rate is $rate B/s, expected $want +-15% ($(pct_off "$rate" "$want"))"
}

# A static binary: its own malloc (in .symtab) is probed; stripped of it, one
# plain note says the heap is not seen and what to try, and the run ends well.
t_static_binary()
{
	sonde_run mem --json -- "$MT.static" leak 200 1024 2
	expect_ok
	need_mem_final
	grep -qF "sonde: allocator: libc ($MT.static)" "$T_DIR/err" ||
		fail "stderr does not name the static binary's malloc: $(err_text)"
	expect_eq "leak_block allocs" "$(stack_field leak_block allocs)" "$(target_says iterations)"
	sonde_run mem --json -- "$MT.static.stripped" leak 200 1024 1
	expect_ok
	need_mem_final
	expect_eq "notes on stderr" "$(grep -c 'note: the heap is not seen' "$T_DIR/err")" 1
	grep -qE "note: the heap is not seen: .*memtarget.static.stripped is statically linked .*try:" "$T_DIR/err" ||
		fail "no plain note on stderr: $(err_text)"
	expect_eq "allocator" "$(jq -r .allocator <<<"$FINAL")" null
	jq -e '.unseen | test("statically linked")' <<<"$FINAL" >/dev/null ||
		fail "the report has no 'unseen' note: $(jq -c .unseen <<<"$FINAL")"
	expect_eq "allocations" "$(jq .counts.allocs <<<"$FINAL")" 0
	expect_ge "RSS bytes" "$(jq .rss_bytes <<<"$FINAL")" 100000
	sonde_run mem -- "$MT.static.stripped" leak 200 1024 1
	expect_ok
	grep -q '^note: the heap is not seen' "$T_DIR/out" || fail "the terminal report has no note"
	grep -q '^no allocations seen: no allocator is probed' "$T_DIR/out" ||
		fail "the terminal report does not say why nothing was seen"
}

# Code built without frame pointers, %rbp on text: the stack ends before the
# text (0x766520726f662029), and the report counts the cut stacks.
t_no_frame_pointers()
{
	sonde_run mem --json -- "$TGT/nofp" 200 512 2
	expect_ok
	need_mem_final
	expect_eq "text_alloc frames" "$(jq -c '[.stacks[] | select(.frames[0] == "text_alloc") | .frames]' <<<"$FINAL")" '[["text_alloc"]]'
	expect_eq "text_alloc cut" "$(stack_field text_alloc cut)" true
	expect_ge "cut_stacks" "$(jq .cut_stacks <<<"$FINAL")" 1
	junk=$(jq -r '[.stacks[].frames_at[] | select(test("^0x"))] | join(",")' <<<"$FINAL")
	expect_eq "frames that are raw addresses" "$junk" ""
	sonde_run mem -- "$TGT/nofp" 200 512 1
	expect_ok
	grep -qE '^note: [0-9]+ stacks cut at a frame outside code: built without frame pointers\?' "$T_DIR/out" ||
		fail "no note on cut stacks: $(tail -n 4 "$T_DIR/out" | tr '\n' '|')"
}

# -b: children that leak and exit at once, before sonde reads their maps, are
# named through their parent, which has the same layout; what they left live
# went with them, and is said so.
t_binary_stacks_symbolized()
{
	start_sonde mem --json -b "$MT" -d 30s
	wait_file_match "$T_DIR/err" '^sonde: tracing' 10 || fail "sonde did not start: $(err_text)"
	"$MT" forks 20 >"$T_DIR/target"
	grep -q 'children=20' "$T_DIR/target" || fail "the target did not finish: $(cat "$T_DIR/target")"
	kill -INT "$SONDE_PID"
	wait_sonde
	expect_ok
	need_mem_final
	expect_eq "leak_block allocs (20 children x 10)" "$(jq '[.stacks[] | select(.frames[0] == "leak_block") | .allocs] | add' <<<"$FINAL")" 200
	expect_eq "leak_block's caller" "$(jq -r '[.stacks[] | select(.frames[0] == "leak_block") | .frames[1]] | unique | join(",")' <<<"$FINAL")" run_forks
	raw=$(jq -r '[.stacks[] | select(.pid != 0) | .frames[] | select(test("^0x"))] | length' <<<"$FINAL")
	expect_eq "raw addresses in stacks" "$raw" 0
	# 20 children and their parent.
	expect_eq "exited processes" "$(jq .exited_processes <<<"$FINAL")" 21
	expect_ge "bytes left at their exit" "$(jq .exited_bytes <<<"$FINAL")" 200000
	expect_eq "leak_block live bytes" "$(jq '[.stacks[] | select(.frames[0] == "leak_block") | .live_bytes] | add' <<<"$FINAL")" 0
	expect_eq "leak suspects" "$(suspects)" ""
}

# A stripped main executable: frames without a symbol show the object and
# the offset, so the leak's stack and churn's read apart.
t_stripped_offsets()
{
	sonde_run mem --json -- "$MT.stripped" leak 200 1024 2
	expect_ok
	need_mem_final
	leak=$(jq -c '[.stacks[] | select(.suspect) | .frames] | .[0]' <<<"$FINAL")
	balanced=$(jq -c '[.stacks[] | select(.frees > 0 and .live_allocs == 0) | .frames] | .[0]' <<<"$FINAL")
	[[ $leak =~ ^\[\"\(memtarget\.stripped\+0x[0-9a-f]+\)\" ]] ||
		fail "the leak's innermost frame is not (memtarget.stripped+0x...): $leak"
	[[ $balanced =~ ^\[\"\(memtarget\.stripped\+0x[0-9a-f]+\)\" ]] ||
		fail "churn's innermost frame is not (memtarget.stripped+0x...): $balanced"
	[ "$leak" != "$balanced" ] || fail "two stacks read the same: $leak"
	sonde_run mem -- "$MT.stripped" leak 200 1024 1
	expect_ok
	grep -qE '^ *\+[0-9.]+KiB/s .*\(memtarget\.stripped\+0x[0-9a-f]+\) < \(memtarget\.stripped\+0x' "$T_DIR/out" ||
		fail "the terminal rows show no offsets: $(grep -A3 GROWTH "$T_DIR/out" | tr '\n' '|')"
}

run_tests
