#!/bin/bash
# sonde lat splits each call's wall time into on-CPU, run-queue and blocked
# time (sched_switch, and the kernel's per-task run_delay or, where the kernel
# keeps none, sched_wakeup), prints calls slower than --slower-than as they
# happen, and frees the state it keeps per thread when a thread exits.
# The targets' behaviour is known: a 2 ms sleep is blocked, a 1 ms busy-wait
# alone on a CPU is on-CPU, two of them pinned to one CPU wait for each other.
# SONDE_NO_RUN_DELAY=1 makes sonde take the sched_wakeup path on this kernel.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

LAST_CPU=$(($(getconf _NPROCESSORS_ONLN) - 1))

# sleep_2ms is one nanosleep: at least 90 % of its wall time is blocked, the
# three parts add up to the wall time, and every call is in the off-CPU
# histogram, around 2 ms.
check_sleep_2ms_blocked()
{
	sonde_run lat --json sleep_2ms -- "$TGT/sleeper" 300
	expect_ok
	need_final
	expect_eq "sleep_2ms calls" "$(fn_field sleep_2ms calls)" 300
	# Off the CPU for all but the probes' cost; on a busy machine a woken
	# sleeper then waits for a CPU, so that part may be run-queue time.
	expect_ge "sleep_2ms off-CPU share" \
		"$(jq -rn --argjson b "$(fn_share sleep_2ms blocked_ns)" --argjson r "$(fn_share sleep_2ms runq_ns)" '$b + $r')" \
		0.90 "$(sched_text sleep_2ms)"
	# Asleep from the switch-out to the timer's wakeup: the 2 ms, however
	# long the wait for a CPU afterwards.
	expect_ns "sleep_2ms blocked per call" "$(($(fn_field sleep_2ms blocked_ns) / 300))" 2050000 8
	expect_split_adds_up sleep_2ms 3
	expect_eq "calls in the off-CPU histogram" "$(offcpu_hist_sum sleep_2ms)" 300
	# Every call slept: none may be in the zero bucket, which holds the calls
	# that never left the CPU.
	expect_eq "calls that never left the CPU" "$(jq '[.functions[] | select(.name == "sleep_2ms")
		| .offcpu_hist[] | select(.[0] == 0) | .[1]] | add // 0' <<<"$FINAL")" 0
	# At least the sleep; on a busy machine the wait for a CPU comes on top.
	expect_ge "off-CPU histogram's median bucket" "$(offcpu_hist_median sleep_2ms)" 1900000
}

t_sleep_2ms_blocked()
{
	check_sleep_2ms_blocked
}

t_sleep_2ms_blocked_wakeup_hook()
{
	SONDE_NO_RUN_DELAY=1 check_sleep_2ms_blocked
}

# two_naps spins 2 ms, then calls sleep_2ms twice. The probes snapshot
# nothing at entry: two_naps' entry state comes from the first switch-out
# after it, and the second sleep_2ms starts after one. two_naps is about 2/3
# blocked (a call whose entry state went missing would read all blocked:
# the thread's whole off-CPU time, cut to the call's), sleep_2ms >= 90 %.
t_nested_sleeps_blocked()
{
	sonde_run lat --json two_naps sleep_2ms -- "$TGT/sleeper" 100 nested
	expect_ok
	need_final
	expect_eq "two_naps calls" "$(fn_field two_naps calls)" 100
	expect_eq "sleep_2ms calls" "$(fn_field sleep_2ms calls)" 200
	# Off the CPU for all but the probes' cost; on a busy machine a woken
	# sleeper then waits for a CPU, so that part may be run-queue time.
	expect_ge "sleep_2ms off-CPU share" \
		"$(jq -rn --argjson b "$(fn_share sleep_2ms blocked_ns)" --argjson r "$(fn_share sleep_2ms runq_ns)" '$b + $r')" \
		0.90 "$(sched_text sleep_2ms)"
	expect_ns "sleep_2ms blocked per call" "$(($(fn_field sleep_2ms blocked_ns) / 200))" 2050000 8
	expect_ns "two_naps blocked per call" "$(($(fn_field two_naps blocked_ns) / 100))" 4000000 10
	# Its 2 ms spin: on-CPU as far as the kernel counted the thread's CPU time.
	expect_kernel_agrees two_naps oncpu_ns two_naps_oncpu_ns 5 20
	expect_split_adds_up two_naps 3
	expect_eq "two_naps calls in the off-CPU histogram" "$(offcpu_hist_sum two_naps)" 100
}

# expect_kernel_agrees FN FIELD KEY BELOW ABOVE: sonde's FIELD (oncpu_ns,
# runq_ns) of FN is within BELOW % under and ABOVE % over (or 5 ms of) what
# the kernel measured of the same calls, as the target read it inside each
# one (its CPU clock, its run_delay) and printed as KEY=. On a VM, time the
# host took the vCPU away (steal) and interrupts are on a CPU for the
# scheduler but not in the thread's clock: sonde's on-CPU part may read above
# it on a busy machine, never much below.
expect_kernel_agrees()
{
	local got want

	got=$(fn_field "$1" "$2")
	want=$(target_says "$3")
	is_num "$want" || fail "the target printed no $3=: $(cat "$T_DIR/out")"
	awk -v a="$got" -v e="$want" -v lo="$4" -v hi="$5" 'BEGIN { d = a - e
		exit !((d >= 0 && (d <= e * hi / 100 || d <= 5000000)) ||
		       (d < 0 && (-d <= e * lo / 100 || -d <= 5000000))) }' ||
		fail "$1 $2: sonde $got, the kernel $want ($(pct_off "$got" "$want"), allowed -$4% +$5%); $(sched_text "$1")"
}

# spin_1ms busy-waits on the last CPU (sonde and this test run on the others,
# at nice -20): its on-CPU part is what the kernel counted as the thread's CPU
# time during the calls, however busy the machine is, and it never blocks.
t_spin_1ms_oncpu()
{
	[ "$LAST_CPU" -ge 1 ] || skip "needs 2 CPUs (one for the target alone)"
	pin_self_off "$LAST_CPU"
	sonde_run lat --json spin_1ms -- "$TGT/cpuspin" 500 1 "$LAST_CPU"
	expect_ok
	need_final
	expect_eq "spin_1ms calls" "$(fn_field spin_1ms calls)" 500
	expect_kernel_agrees spin_1ms oncpu_ns oncpu_ns 5 20
	expect_le "spin_1ms blocked share" "$(fn_share spin_1ms blocked_ns)" 0.02 "a busy-wait never sleeps; $(sched_text spin_1ms)"
	expect_split_adds_up spin_1ms 3
}

# Two threads busy-wait 1 ms calls on the same CPU: each call still takes
# about 1 ms of wall time, much of it runnable but waiting for the CPU the
# other thread holds. The run-queue part is what the kernel counted as their
# wait (run_delay) during the calls, the on-CPU part their CPU time, and still
# no time is blocked.
check_two_threads_one_cpu_runq()
{
	[ "$LAST_CPU" -ge 1 ] || skip "needs 2 CPUs (one for the two threads alone)"
	pin_self_off "$LAST_CPU"
	sonde_run lat --json spin_1ms -- "$TGT/cpuspin" 300 2 "$LAST_CPU"
	expect_ok
	need_final
	expect_eq "target's calls" "$(target_says calls)" 600
	expect_eq "spin_1ms calls" "$(fn_field spin_1ms calls)" 600
	expect_gt "the kernel's run-queue time" "$(target_says runq_ns)" 0 "two threads on one CPU"
	expect_kernel_agrees spin_1ms runq_ns runq_ns 15 15
	expect_kernel_agrees spin_1ms oncpu_ns oncpu_ns 5 20
	expect_le "spin_1ms blocked share" "$(fn_share spin_1ms blocked_ns)" 0.02 "preempted is runnable, not blocked; $(sched_text spin_1ms)"
	expect_split_adds_up spin_1ms 3
}

t_two_threads_one_cpu_runq()
{
	check_two_threads_one_cpu_runq
}

t_two_threads_one_cpu_runq_wakeup_hook()
{
	SONDE_NO_RUN_DELAY=1 check_two_threads_one_cpu_runq
}

# sched_hooks: run `sonde lat -v` on a sleeper for about 1 s (with the
# environment of the caller's prefix); HOOKS is the sorted tracepoints of the
# links it held, one space after each, and it must have exited 0. Stopped by
# SIGTERM once the links are read, so a slow machine cannot end it first.
sched_hooks()
{
	local pid

	start_bg "$T_DIR/target" "$TGT/sleeper"
	start_sonde lat -v --json -p "$BG_PID" sleep_2ms
	wait_links_on "$TGT/sleeper"
	pid=$(sonde_child) || fail "no sonde process under $SONDE_PID"
	HOOKS=$(tp_links "$pid" | sort | tr '\n' ' ')
	sleep 1
	kill -TERM "$SONDE_PID" # timeout(1), which passes it on to sonde
	wait_sonde
	stop_bg "$BG_PID"
	expect_ok
	need_final
	expect_ge "sleep_2ms calls in 1 s" "$(fn_field sleep_2ms calls)" 100
}

# This kernel keeps each task's run-queue wait (/proc/self/schedstat exists):
# sonde takes the run-queue part from it and hooks sched_switch but not
# sched_wakeup, which would run on every wakeup of the machine; -v says so.
# Only SONDE_NO_RUN_DELAY=1 (or a kernel without sched_info) adds the hook.
# sched_process_exit twice: lat's (frees its per-thread state) and the exit
# watch's (the -p target's exit status, bpf/exits.bpf.c), which also holds
# sched_process_fork (a -p target that forks while traced); sched_process_exec:
# lat's count of calls in progress when their thread execs.
t_run_delay_instead_of_wakeup_hook()
{
	[ -e /proc/self/schedstat ] || skip "the kernel keeps no sched_info (no /proc/self/schedstat)"
	sched_hooks
	expect_eq "tracepoints sonde holds links on" "$HOOKS" \
		"sched_process_exec sched_process_exit sched_process_exit sched_process_fork sched_switch "
	grep -q "^sonde: run-queue time from the kernel's per-task run_delay" "$T_DIR/err" ||
		fail "-v does not say the run-queue time comes from run_delay: $(grep -m1 'run-queue' "$T_DIR/err")"

	SONDE_NO_RUN_DELAY=1 sched_hooks
	expect_eq "tracepoints sonde holds links on with SONDE_NO_RUN_DELAY=1" "$HOOKS" \
		"sched_process_exec sched_process_exit sched_process_exit sched_process_fork sched_switch sched_wakeup "
	grep -q "^sonde: run-queue time from the sched_wakeup hook" "$T_DIR/err" ||
		fail "-v does not say the run-queue time comes from sched_wakeup: $(grep -m1 'run-queue' "$T_DIR/err")"
}

# The terminal table has ONCPU RUNQ BLOCKED columns, in percent of wall time.
# column_of TITLE: the percentage in $row under TITLE of $hdr.
column_of()
{
	awk -v h="$hdr" -v r="$row" -v t="$1" 'BEGIN {
		n = split(h, hs); split(r, rs)
		for (i = 1; i <= n; i++) if (hs[i] == t) { sub(/%$/, "", rs[i]); print rs[i] } }'
}

t_terminal_sched_columns()
{
	sonde_run lat sleep_2ms -- "$TGT/sleeper" 100
	expect_ok
	hdr=$(grep -m1 -E '^FUNCTION ' "$T_DIR/out")
	row=$(grep -m1 -E '^ *sleep_2ms +100 ' "$T_DIR/out")
	[ -n "$row" ] || fail "no row 'sleep_2ms  100 ...': $(head -c 400 "$T_DIR/out" | tr '\n' '|')"
	blocked=$(column_of BLOCKED)
	runq=$(column_of RUNQ)
	for col in ONCPU RUNQ BLOCKED; do
		grep -qw "$col" <<<"$hdr" || fail "no $col column in the header: $hdr"
	done
	grep -qE '%' <<<"$row" || fail "the row shows no percentages: $row"
	# Off the CPU for all but the probes' cost: blocked, and on a busy
	# machine partly waiting for a CPU after the wakeup.
	expect_ge "RUNQ + BLOCKED columns of sleep_2ms (percent)" "$(awk -v r="$runq" -v b="$blocked" 'BEGIN { print r + b }')" 90 "row: $row"
	expect_gt "BLOCKED column of sleep_2ms (percent)" "$blocked" 25 "row: $row"
}

# --slower-than 1ms: lookup spins 100 us, or sleeps 3 ms every 5th call.
# There is a slow record for exactly the calls the target itself saw take
# >= 1 ms, each with its wall time >= 1 ms split into parts that add up, and a
# user stack that starts in the caller, serve_one, then main; the 100 planned
# sleeps are the records blocked >= 2.5 ms (a busy machine can make a spin
# slow too, but never blocked). Records come before the final report, and
# none was lost.
# expect_slow_count WHAT COUNT: COUNT of calls >= 1 ms lies between what
# slowcalls timed inside lookup (slow_inner) and around it (slow_outer, which
# also holds the probes' own work and any preemption there), give or take the
# calls timed within 20 us of 1 ms (near).
expect_slow_count()
{
	local lo hi near

	lo=$(target_says slow_inner)
	hi=$(target_says slow_outer)
	near=$(target_says near)
	is_num "$near" || fail "slowcalls printed no near=: $(cat "$T_DIR/out")"
	is_num "$2" && [ "$2" -ge $((lo - near)) ] && [ "$2" -le $((hi + near)) ] ||
		fail "$1 is $2, expected $lo (timed inside lookup) to $hi (around it), +-$near (timed within 20 us of 1 ms)"
}

t_slower_than_exact_records()
{
	sonde_run lat --json --slower-than 1ms lookup -- "$TGT/slowcalls" 500
	expect_ok
	need_final
	slow=$(target_says slow)
	expect_eq "slow calls planned by the target" "$(target_says slow_planned)" 100
	expect_eq "lookup calls" "$(fn_field lookup calls)" 500
	expect_slow_count "slow records" "$(slow_records)"
	expect_eq "drops.ringbuf" "$(jq -r .drops.ringbuf <<<"$FINAL")" 0
	bad=$(jq -c --arg obj "$TGT/slowcalls" 'select(
		.name != "lookup" or .object != $obj or .wall_ns < 1000000
		or .pid <= 0 or .tid != .pid or .time_ns <= 0
		or ((.oncpu_ns + .runq_ns + .blocked_ns - .wall_ns) | fabs) > .wall_ns * 0.03)' \
		"$T_DIR/slow" | head -n 1)
	[ -z "$bad" ] || fail "a slow record is wrong (name lookup, object, wall >= 1ms, pid = tid, parts adding up to wall): $bad"
	expect_eq "slow records blocked >= 2.5 ms (the sleeps)" \
		"$(jq -s 'map(select(.blocked_ns >= 2500000)) | length' "$T_DIR/slow")" 100
	bad=$(jq -c 'select((.stack | length) < 2 or (.stack[0] | test("^serve_one\\+0x[0-9a-f]+$") | not)
		or (.stack[1] | test("^main\\+0x[0-9a-f]+$") | not))' "$T_DIR/slow" | head -n 1)
	[ -z "$bad" ] || fail "a slow record's stack does not start serve_one+0x..;main+0x..: $bad"
	last_slow=$(grep -n '"type":"slow"' "$T_DIR/out" | tail -n 1 | cut -d: -f1)
	final_line=$(grep -n '"type":"lat"' "$T_DIR/out" | tail -n 1 | cut -d: -f1)
	expect_gt "line of the final report (last slow record: line $last_slow)" "$final_line" "$last_slow"
}

# Without --json: one "slow" line per slow call, in the documented format,
# and the table still follows.
t_slower_than_terminal_lines()
{
	sonde_run lat --slower-than 1ms lookup -- "$TGT/slowcalls" 200
	expect_ok
	slow=$(target_says slow)
	re='^slow [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} lookup pid=[0-9]+ tid=[0-9]+ wall=[0-9.]+ms'
	re+=' oncpu=[0-9.]+(ns|us|ms) runq=[0-9.]+(ns|us|ms) blocked=[0-9.]+(ns|us|ms) stack=serve_one\+0x[0-9a-f]+;main\+0x'
	lines=$(grep -cE "$re" "$T_DIR/out")
	expect_slow_count "lines like 'slow HH:MM:SS.us lookup pid= tid= wall= ... stack=serve_one+0x..;main+0x..' (first 'slow' line: $(grep -m1 '^slow' "$T_DIR/out"))" "$lines"
	expect_eq "all lines starting 'slow '" "$(grep -c '^slow ' "$T_DIR/out")" "$lines"
	grep -qE '^ *lookup +200 ' "$T_DIR/out" ||
		fail "no row 'lookup  200 ...' in the report: $(grep -v '^slow' "$T_DIR/out" | head -c 400 | tr '\n' '|')"
}

# A slow call is printed when it happens, not with the final report: with -p
# on a target that runs on, a record is on stdout within a second, while
# sonde still runs.
t_slower_than_live()
{
	start_bg "$T_DIR/target" "$TGT/slowcalls"
	start_sonde lat --json --slower-than 1ms -p "$BG_PID" lookup
	wait_links_on "$TGT/slowcalls"
	wait_file_match "$T_DIR/out" '"type":"slow"' 3 ||
		fail "no slow record on stdout 3 s after attaching (the target makes ~100 slow calls a second); stderr: $(err_text)"
	kill -0 "$SONDE_PID" 2>/dev/null || fail "sonde stopped before it was asked to"
	kill -TERM "$SONDE_PID"
	wait_sonde
	expect_ok
	need_final
	expect_ge "slow records" "$(slow_records)" 1
}

# 10,000 threads, each calling thread_once once, then exiting: every call
# counted, and every per-thread state sonde created was freed.
t_threads_10000_all_freed()
{
	sonde_run lat --json thread_once -- "$TGT/threadstorm" 10000
	expect_ok
	need_final
	expect_eq "target's calls" "$(target_says calls)" 10000
	expect_eq "thread_once calls" "$(fn_field thread_once calls)" 10000
	[ "$(drops_total)" = 0 ] || fail "records dropped: $(drops_text)"
	tracked=$(threads_field tracked)
	expect_ge "threads.tracked" "$tracked" 10000
	expect_eq "threads.freed (tracked: $tracked)" "$(threads_field freed)" "$tracked"
}

# The state of a thread is freed when that thread exits, not when its process
# does: after 10,000 threads came and went in a process that lives on, sonde
# holds state for no more threads than the process still has.
t_threads_freed_while_process_lives()
{
	start_held "$T_DIR/target" "$TGT/threadstorm" 10000 8 1
	target=$BG_PID
	start_sonde lat --json -p "$target" thread_once
	wait_links_on "$TGT/threadstorm"
	kill -USR1 "$target"
	wait_file_match "$T_DIR/target" '^threads=' 20 || fail "the target did not finish its threads in 20 s"
	sleep 0.2
	live=$(find "/proc/$target/task" -mindepth 1 -maxdepth 1 | wc -l)
	kill -TERM "$SONDE_PID"
	wait_sonde
	expect_ok
	need_final
	expect_eq "thread_once calls" "$(fn_field thread_once calls)" 10000
	tracked=$(threads_field tracked)
	freed=$(threads_field freed)
	expect_ge "threads.tracked" "$tracked" 10000
	expect_le "threads.tracked - threads.freed (tracked $tracked, freed $freed)" \
		$((tracked - freed)) "$live" "the target still has $live thread(s)"
}

# The scheduler hooks keep state only for traced processes: 2,000 threads of
# a process that is not traced, started while sonde runs, leave no trace in
# threads.tracked, which stays within the traced process's one thread.
t_untraced_threads_not_tracked()
{
	start_bg "$T_DIR/target" "$TGT/sleeper"
	traced=$BG_PID
	start_sonde lat --json -p "$traced" sleep_2ms
	wait_links_on "$TGT/sleeper"
	"$TGT/threadstorm" 2000 >"$T_DIR/storm" || fail "threadstorm failed: $(cat "$T_DIR/storm")"
	kill -TERM "$SONDE_PID"
	wait_sonde
	expect_ok
	need_final
	expect_ge "sleep_2ms calls" "$(fn_field sleep_2ms calls)" 1
	expect_le "threads.tracked (2,000 threads of an untraced process ran meanwhile)" \
		"$(threads_field tracked)" 1 "the traced process has 1 thread"
}

# --no-sched: the three parts are 0, the calls still all counted, and sonde
# holds no sched_switch or sched_wakeup link; without it, it does.
t_no_sched_zeros_and_no_hooks()
{
	start_bg "$T_DIR/target" "$TGT/sleeper"
	# Stopped once its links are read, so a slow machine cannot end it first.
	start_sonde lat --json --no-sched -p "$BG_PID" sleep_2ms
	wait_links_on "$TGT/sleeper"
	pid=$(sonde_child) || fail "no sonde process under $SONDE_PID"
	hooks=$(tp_links "$pid" | grep -cE '^sched_(switch|wakeup)')
	sleep 1
	kill -TERM "$SONDE_PID"
	wait_sonde
	expect_ok
	need_final
	expect_eq "sched_switch/sched_wakeup links held by sonde --no-sched" "$hooks" 0
	expect_ge "sleep_2ms calls in 1 s" "$(fn_field sleep_2ms calls)" 100
	for f in oncpu_ns runq_ns blocked_ns; do
		expect_eq "sleep_2ms $f with --no-sched" "$(fn_field sleep_2ms "$f")" 0
	done

	start_sonde lat --json -p "$BG_PID" sleep_2ms
	wait_links_on "$TGT/sleeper"
	pid=$(sonde_child) || fail "no sonde process under $SONDE_PID"
	hooks=$(tp_links "$pid" | grep -c '^sched_switch')
	kill -TERM "$SONDE_PID"
	wait_sonde
	expect_ok
	expect_eq "sched_switch links held by sonde without --no-sched" "$hooks" 1
}

# --no-sched with -- CMD: exact call counts, zeros.
t_no_sched_exact_counts()
{
	sonde_run lat --json --no-sched thread_work -- "$TGT/threads" 2000 4
	expect_ok
	need_final
	expect_eq "target's calls" "$(target_says calls)" 8000
	expect_eq "thread_work calls" "$(fn_field thread_work calls)" 8000
	for f in oncpu_ns runq_ns blocked_ns; do
		expect_eq "thread_work $f with --no-sched" "$(fn_field thread_work "$f")" 0
	done
	[ "$(drops_total)" = 0 ] || fail "records dropped: $(drops_text)"
}

run_tests
