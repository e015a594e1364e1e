#!/bin/bash
# sonde mem against tests/targets/memtarget, whose allocations are known:
# a leak's growth rate within 10 % and named by its function, a balanced loop
# with no growth, every allocator call accounted to the byte, frees of memory
# from before tracing and free(NULL) never making a count negative.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

MT=$TGT/memtarget

# stack_field FUNC FIELD: FIELD of the stacks whose innermost frame is FUNC
# and that hold live memory (or, failing that, of all of them), joined by ",".
stack_field()
{
	jq -r --arg f "$1" --arg k "$2" '
		[.stacks[] | select(.frames[0] == $f)] as $all
		| ([$all[] | select(.live_allocs > 0)] | if length > 0 then . else $all end)
		| if length == 0 then "none" else map(.[$k] | tostring) | join(",") end' <<<"$FINAL"
}

# memtarget leaks 1024 bytes 200 times a second from leak_block (traced with
# -p while it runs): growth 204,800 B/s within 10 %, and the top stack, a
# leak suspect, names leak_block.
t_leak_rate_and_stack()
{
	start_bg "$T_DIR/target" "$MT" leak 200 1024
	sonde_run mem --json -p "$BG_PID" -d 3s
	expect_ok
	need_mem_final
	top=$(jq -r '.stacks[0].frames[0]' <<<"$FINAL")
	expect_eq "innermost frame of the top stack" "$top" leak_block
	growth=$(jq -r '.stacks[0].growth_bytes_per_s' <<<"$FINAL")
	within_pct "$growth" 204800 10 ||
		fail "leak growth is $growth B/s, expected 204800 +-10% ($(pct_off "$growth" 204800))"
	expect_eq "top stack is a leak suspect" "$(jq -r '.stacks[0].suspect' <<<"$FINAL")" true
	jq -e '.stacks[0].frames | index("run_paced") and index("main")' <<<"$FINAL" >/dev/null ||
		fail "the leak's stack lacks its callers: $(jq -c '.stacks[0].frames' <<<"$FINAL")"
	# churn() frees what it allocates: never a suspect.
	[ "$(jq '[.stacks[] | select(.frames[0] == "churn" and .suspect)] | length' <<<"$FINAL")" = 0 ] ||
		fail "churn (balanced) reported as a leak suspect"
}

# Another tracer's uprobe on malloc, in every process that maps libc (a -b
# trace with a probe in a library attaches without a pid filter): sonde mem
# still probes malloc, and sees the leak. (Site choice once read the int3 the
# kernel puts into each private mapping of the file, its own too, and refused.)
t_another_tracer_on_malloc()
{
	local _
	start_bg "$T_DIR/other" "$SONDE" lat -b "$TGT/spin" 'libc.so.6:malloc' -d 60s
	for _ in $(seq 200); do
		grep -q '^sonde: tracing' "$T_DIR/other" && break
		sleep 0.05
	done
	grep -q '^sonde: tracing' "$T_DIR/other" || fail "the other tracer did not start: $(head -c 300 "$T_DIR/other")"
	sonde_run mem --json -- "$MT" leak 200 1024 1
	expect_ok
	need_mem_final
	expect_eq "innermost frame of the top stack" "$(jq -r '.stacks[0].frames[0]' <<<"$FINAL")" leak_block
}

# pair_block mallocs and frees 2000 times a second: no growth, every
# allocation seen and freed, no suspect.
t_balanced_no_growth()
{
	sonde_run mem --json -- "$MT" balanced 2000 2
	expect_ok
	need_mem_final
	n=$(target_says iterations)
	expect_ge "iterations" "$n" 3000
	expect_eq "pair_block allocs" "$(stack_field pair_block allocs)" "$n"
	expect_eq "pair_block frees" "$(stack_field pair_block frees)" "$n"
	expect_eq "pair_block live bytes" "$(stack_field pair_block live_bytes)" 0
	growth=$(stack_field pair_block growth_bytes_per_s)
	[ "${growth#-}" -le 100 ] 2>/dev/null || fail "pair_block growth is $growth B/s, expected ~0"
	expect_eq "pair_block is a suspect" "$(stack_field pair_block suspect)" false
}

# One of each allocator call, held live: each accounted to the byte under its
# own function; realloc chains and realloc(p, 0) leave one block / none.
t_allocator_calls_accounted()
{
	sonde_run mem -v --json --top 100 -- "$MT" mix 300
	expect_ok
	need_mem_final
	grep -q 'memory syscalls through syscalls:sys_exit_\* tracepoints' "$T_DIR/err" ||
		fail "not through the syscall tracepoints: $(err_text)"
	expect_eq "realloc chain (100 -> 100000 bytes) live" "$(stack_field realloc_chain live_bytes)" 100000
	expect_eq "calloc(1000, 50) live" "$(stack_field calloc_block live_bytes)" 50000
	expect_eq "posix_memalign(12288) live" "$(stack_field memalign_block live_bytes)" 12288
	expect_eq "aligned_alloc(64, 640) live" "$(stack_field aligned_block live_bytes)" 640
	expect_eq "reallocarray(100, 30) live" "$(stack_field reallocarray_block live_bytes)" 3000
	expect_eq "reallocarray counted once" "$(stack_field reallocarray_block allocs)" 1
	expect_eq "malloc(4 MiB) (mmap-backed) live" "$(stack_field big_block live_bytes)" 4194304
	expect_eq "malloc(500) + realloc(p, 0) live" "$(stack_field realloc_to_zero live_bytes)" 0
	expect_eq "free(NULL) calls" "$(jq -r .counts.free_null <<<"$FINAL")" 5
	# The 4 MiB block is malloc's own mmap: heap, not an anonymous mapping of the program.
	expect_ge "allocator syscalls" "$(jq -r .counts.allocator_syscalls <<<"$FINAL")" 1
	mapped=$(jq '[.stacks[] | select(.mmap and (.frames | index("run_mix"))) | .live_bytes] | add // 0' <<<"$FINAL")
	expect_eq "anonymous mapping left after munmap of its first half" "$mapped" 1048576
	[ "$(jq '[.drops[]] | add' <<<"$FINAL")" = 0 ] || fail "drops: $(jq -c .drops <<<"$FINAL")"
}

# Kernels without syscall tracepoints get the raw sys_exit one (forced here):
# the mappings come out the same.
t_mappings_through_raw_sys_exit()
{
	SONDE_NO_SYSCALL_TRACEPOINTS=1 sonde_run mem -v --json --top 100 -- "$MT" mix 300
	expect_ok
	need_mem_final
	grep -q 'memory syscalls through the raw sys_exit tracepoint' "$T_DIR/err" ||
		fail "not through the raw tracepoint: $(err_text)"
	mapped=$(jq '[.stacks[] | select(.mmap and (.frames | index("run_mix"))) | .live_bytes] | add // 0' <<<"$FINAL")
	expect_eq "anonymous mapping left after munmap of its first half" "$mapped" 1048576
	expect_eq "malloc(4 MiB) (mmap-backed) live" "$(stack_field big_block live_bytes)" 4194304
	expect_ge "allocator syscalls" "$(jq -r .counts.allocator_syscalls <<<"$FINAL")" 1
}

# 1000 blocks allocated before sonde attached are freed while traced, and
# free(NULL) is called 10 times: counted, and no count goes negative.
t_old_frees_never_negative()
{
	start_held "$T_DIR/target" "$MT" prefree 1000 10
	start_sonde mem --json -p "$BG_PID" -d 20s
	wait_links_on "$(realpath /lib/x86_64-linux-gnu/libc.so.6)"
	kill -USR1 "$BG_PID"
	wait_sonde
	expect_ok
	need_mem_final
	expect_ge "frees of untracked memory" "$(jq -r .counts.free_untracked <<<"$FINAL")" 1000
	expect_eq "free(NULL) calls" "$(jq -r .counts.free_null <<<"$FINAL")" 10
	neg=$(jq '[.live_bytes, .live_allocs, (.stacks[] | .live_bytes, .live_allocs, .frees)] | map(select(. < 0)) | length' <<<"$FINAL")
	expect_eq "negative counts" "$neg" 0
	expect_ge "live bytes (>= 0)" "$(jq -r .live_bytes <<<"$FINAL")" 0
}

# The command exits 1 s into a 20 s run: the final report comes at once, exit 0.
t_target_exits_mid_run()
{
	sonde_run mem --json -d 20s -- "$MT" leak 200 1024 1
	expect_ok
	need_mem_final
	[ "$ELAPSED_MS" -lt 6000 ] || fail "sonde took ${ELAPSED_MS}ms after a 1s command"
	expect_eq "top stack" "$(jq -r '.stacks[0].frames[0]' <<<"$FINAL")" leak_block
	expect_ge "RSS bytes" "$(jq -r .rss_bytes <<<"$FINAL")" 100000
}

# -i: interval reports with RSS, rates and growing stacks, then the final one.
t_interval_reports()
{
	sonde_run mem --json -i 500ms -- "$MT" leak 200 1024 2
	expect_ok
	need_mem_final
	grep '^{' "$T_DIR/out" | jq -c 'select(.type == "mem" and .final == false)' >"$T_DIR/intervals"
	expect_ge "interval reports in 2s" "$(grep -c . "$T_DIR/intervals")" 3
	while read -r line; do
		expect_ns "an interval's duration_ns" "$(jq .duration_ns <<<"$line")" 500000000 25
		expect_ge "allocs per second in an interval" "$(jq '.allocs_per_s | floor' <<<"$line")" 500
		expect_ge "RSS in an interval" "$(jq .rss_bytes <<<"$line")" 100000
	done < <(head -n -1 "$T_DIR/intervals")
}

# The terminal report: the leak's row, the suspect with its whole stack,
# old allocations grouped by stack.
t_terminal_report()
{
	sonde_run mem --min-age 500ms -- "$MT" leak 200 1024 2
	expect_ok
	grep -qE '^ *\+(19[0-9]|20[0-9]|21[0-9])KiB/s .*leak_block < run_paced < main' "$T_DIR/out" ||
		fail "no row '+200KiB/s ... leak_block < run_paced < main': $(head -c 600 "$T_DIR/out" | tr '\n' '|')"
	grep -q '^leak suspects' "$T_DIR/out" || fail "no 'leak suspects' section"
	grep -qE '^ +leak_block\+0x' "$T_DIR/out" || fail "the suspect's stack is not listed frame by frame"
	grep -qE 'older than 500ms' "$T_DIR/out" || fail "no old-allocation section"
}

# --big: each allocation of 1 MiB or more is printed as it happens.
t_big_allocations_stream()
{
	sonde_run mem --json --big 1M -- "$MT" mix 300
	expect_ok
	line=$(grep '^{' "$T_DIR/out" | jq -c 'select(.type == "alloc" and .reason == "big")' | head -n 1)
	[ -n "$line" ] || fail "no big-allocation record: $(head -c 300 "$T_DIR/out" | tr '\n' '|')"
	expect_eq "size of the big allocation" "$(jq .size_bytes <<<"$line")" 4194304
	expect_eq "its innermost frame" "$(jq -r '.stack[0] | sub("\\+0x.*"; "")' <<<"$line")" big_block
}

# A full live-allocation map is counted and the numbers are called lower bounds.
t_full_map_is_lower_bound()
{
	sonde_run mem --json --max-allocs 50 -- "$MT" leak 500 64 1
	expect_ok
	need_mem_final
	expect_eq "lower_bound" "$(jq -r .lower_bound <<<"$FINAL")" true
	expect_ge "drops.allocs_full" "$(jq -r .drops.allocs_full <<<"$FINAL")" 100
	sonde_run mem --max-allocs 50 -- "$MT" leak 500 64 1
	grep -q 'lower bounds' "$T_DIR/out" || fail "the terminal report does not say 'lower bounds'"
}

# A full stack table: allocations beyond it still count, under [stack lost].
t_full_stack_table()
{
	sonde_run mem --json --max-stacks 1 -- "$MT" mix 300
	expect_ok
	need_mem_final
	expect_eq "lower_bound" "$(jq -r .lower_bound <<<"$FINAL")" false
	expect_ge "drops.stacks_full" "$(jq -r .drops.stacks_full <<<"$FINAL")" 1
	expect_eq "stacks with frames" "$(jq '[.stacks[] | select(.frames | length > 0)] | length' <<<"$FINAL")" 1
	# Every allocation and mapping is in some stack: the one with frames or a lost one.
	expect_eq "allocations over all stacks" "$(jq '[.stacks[].allocs] | add' <<<"$FINAL")" \
		"$(jq '.counts.allocs + .counts.mmaps' <<<"$FINAL")"
	# Lost heap blocks and lost mappings are kept apart, each on its side.
	expect_eq "allocations over heap stacks" \
		"$(jq '[.stacks[] | select(.mmap | not) | .allocs] | add' <<<"$FINAL")" \
		"$(jq '.counts.allocs' <<<"$FINAL")"
	expect_eq "mappings over mmap stacks" \
		"$(jq '[.stacks[] | select(.mmap) | .allocs] | add' <<<"$FINAL")" \
		"$(jq '.counts.mmaps' <<<"$FINAL")"
	expect_eq "lost stacks (heap, mappings)" \
		"$(jq -c '[.stacks[] | select(.frames | length == 0) | .mmap] | sort' <<<"$FINAL")" \
		'[false,true]'
	sonde_run mem --max-stacks 1 -- "$MT" mix 300
	grep -q 'counted under \[stack lost\]' "$T_DIR/out" ||
		fail "the terminal report does not name the lost stacks: $(head -c 300 "$T_DIR/out" | tr '\n' '|')"
}

t_bad_input()
{
	bad_input 2 "allocator 'nosuchlib' was not found" mem --allocator nosuchlib -- "$MT" mix 1
	bad_input 2 "no malloc\\(\\)" mem --allocator "$TGT/libsondetest.so" -- "$MT" mix 1
	bad_input 2 "stack-depth '0' is not a number from 1 to 127" mem --stack-depth 0 -- "$MT" mix 1
	bad_input 2 "big 'lots' is not a size" mem --big lots -- "$MT" mix 1
	bad_input 2 "takes no PROBE" mem malloc -- "$MT" mix 1
	bad_input 2 "unknown option '.-frobnicate'" mem --frobnicate -- "$MT" mix 1
	bad_input 2 "no target" mem -d 1s
	bad_input 2 "no process with PID" mem -p 999999999
}

# A -o file holds under "report" the very object --json printed as the final
# report, as a lat file does; "model" and "top" stay for sonde report and diff.
t_file_report_is_json_report()
{
	sonde_run mem --json -o "$T_DIR/run.sonde" --top 3 -- "$MT" leak 200 1024 1
	expect_ok
	need_mem_final
	expect_eq "the file's report" "$(jq -cS .report "$T_DIR/run.sonde")" "$(jq -cS . <<<"$FINAL")"
	expect_eq "the file's top" "$(jq -c .top "$T_DIR/run.sonde")" 3
	expect_eq "the file's model" "$(jq -r '.model | type' "$T_DIR/run.sonde")" object
}

run_tests
