#!/bin/bash
# sonde lat --offcpu-stacks: the user stack at each switch-out of a thread
# inside a traced call, weighted by the time until its switch-in, split into
# blocked and run-queue time, per innermost traced function; in the terminal
# after the table, in JSON and -o ("offcpu_stacks"), and read back by report.
# The targets' behaviour is known: sleep_2ms is one 2 ms nanosleep called
# from two_naps, which first busy-waits 2 ms itself (sleeper); spin_1ms only
# busy-waits, two threads of it pinned to one CPU wait for each other
# (cpuspin). SONDE_NO_RUN_DELAY=1 makes sonde take the sched_wakeup path.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

LAST_CPU=$(($(getconf _NPROCESSORS_ONLN) - 1))

# offcpu_sum FN FIELD: FIELD added up over FN's off-CPU stacks.
offcpu_sum()
{
	jq -r --arg n "$1" --arg f "$2" '[.offcpu_stacks[]? | select(.function == $n) | .[$f]] | add // 0' <<<"$FINAL"
}

# offcpu_text FN: FN's stacks as "blocked/runq ns frames" lines joined by |, for messages.
offcpu_text()
{
	jq -r --arg n "$1" '[.offcpu_stacks[]? | select(.function == $n)
		| "\(.blocked_ns)/\(.runq_ns) \(.frames | join("<"))"] | join(" | ")' <<<"$FINAL" | head -c 1500
}

# The stacks of sleep_2ms are all the sleep: the libc nanosleep path
# innermost, then sleep_2ms (the frame-pointer walk misses the caller of a
# leaf built without them: sonde puts the traced function there), called from
# two_naps, called from main. Their blocked time is the 2 ms sleeps, as the
# function's own split says (the same tolerance as test_sched.sh); two_naps
# only busy-waits while it is the innermost traced call: never blocked.
check_sleeps()
{
	local calls stacks spans lost nostack sleeps

	sonde_run lat --json --offcpu-stacks two_naps sleep_2ms -- "$TGT/sleeper" 100 nested
	expect_ok
	need_final
	expect_eq "target's calls" "$(target_says calls)" 100
	expect_eq "sleep_2ms calls" "$(fn_field sleep_2ms calls)" 200
	expect_eq "offcpu_full drops" "$(jq -r '.drops.offcpu_full' <<<"$FINAL")" 0
	stacks=$(jq -r '[.offcpu_stacks[] | select(.function == "sleep_2ms")] | length' <<<"$FINAL")
	expect_ge "sleep_2ms off-CPU stacks" "$stacks" 1
	# A stack the kernel could not take (counted) is kept under "[no stack]".
	lost=$(jq -r '.drops.offcpu_stack' <<<"$FINAL")
	nostack=$(jq -r '[.offcpu_stacks[] | select(.frames[0] == "[no stack]") | .spans] | add // 0' <<<"$FINAL")
	expect_eq "spans without a stack (offcpu_stack drops)" "$nostack" "$lost"
	# The sleeps; other stacks are a preemption elsewhere in the call (in its
	# entry probe: "sleep_2ms+0x1"), waiting for a CPU.
	expect_eq "sleep_2ms stacks in nanosleep that are not nanosleep < sleep_2ms < two_naps < main" \
		"$(jq -r '[.offcpu_stacks[] | select(.function == "sleep_2ms" and (.frames[0] | test("nanosleep")))
			| select(.frames[1:4] != ["sleep_2ms", "two_naps", "main"])] | length' <<<"$FINAL")" 0
	sleeps=$(jq -r '[.offcpu_stacks[] | select(.function == "sleep_2ms" and (.frames[0] | test("nanosleep")))
		| .blocked_ns] | add // 0' <<<"$FINAL")
	expect_ge "sleep_2ms blocked time in the nanosleep stacks, share" \
		"$(awk -v s="$sleeps" -v b="$(offcpu_sum sleep_2ms blocked_ns)" 'BEGIN { printf "%.4f", s / b }')" \
		0.98 "$(offcpu_text sleep_2ms)"
	# Each call sleeps once: at least one switch-out per call.
	spans=$(offcpu_sum sleep_2ms spans)
	expect_ge "sleep_2ms switch-outs" "$spans" 200
	expect_ns "sleep_2ms blocked per call in its stacks" "$(($(offcpu_sum sleep_2ms blocked_ns) / 200))" 2050000 8
	# The stacks split the same spans as the function's own split does.
	expect_ns "sleep_2ms stacks' blocked_ns against its blocked_ns" \
		"$(offcpu_sum sleep_2ms blocked_ns)" "$(fn_field sleep_2ms blocked_ns)" 3
	expect_ns "sleep_2ms stacks' off-CPU time against its runq_ns + blocked_ns" \
		"$(offcpu_sum sleep_2ms offcpu_ns)" \
		"$(($(fn_field sleep_2ms runq_ns) + $(fn_field sleep_2ms blocked_ns)))" 3
	expect_eq "offcpu_ns = blocked_ns + runq_ns in every stack" \
		"$(jq -r '[.offcpu_stacks[] | select(.offcpu_ns != .blocked_ns + .runq_ns)] | length' <<<"$FINAL")" 0
	# two_naps is the innermost traced call only while it spins.
	calls=$(fn_field two_naps total_ns)
	expect_le "two_naps blocked in its own stacks, share of its wall time" \
		"$(awk -v b="$(offcpu_sum two_naps blocked_ns)" -v t="$calls" 'BEGIN { printf "%.4f", b / t }')" 0.02 \
		"a busy-wait never sleeps: $(offcpu_text two_naps)"
	# Preempted at its first instructions, before it set up its frame, the
	# walk misses its caller: those start at two_naps itself.
	expect_eq "two_naps stacks without two_naps < main" \
		"$(jq -r '[.offcpu_stacks[] | select(.function == "two_naps" and .frames[0] != "[no stack]" and .frames[0] != "two_naps")
			| .frames as $f | ($f | index(["two_naps"])) as $i
			| select($i == null or $f[$i + 1] != "main")] | length' <<<"$FINAL")" 0
}

t_sleep_stacks()
{
	check_sleeps
}

t_sleep_stacks_wakeup_hook()
{
	SONDE_NO_RUN_DELAY=1 check_sleeps
}

# A process that lives 30 ms, less than sonde's look at the table every
# 100 ms: its stacks are named all the same (the kernel says when a new one
# comes), the libc frames too.
t_short_lived()
{
	sonde_run lat --json --offcpu-stacks two_naps sleep_2ms -- "$TGT/sleeper" 5 nested
	expect_ok
	need_final
	expect_eq "target's calls" "$(target_says calls)" 5
	expect_ge "sleep_2ms stacks" "$(jq -r '[.offcpu_stacks[] | select(.function == "sleep_2ms")] | length' <<<"$FINAL")" 1
	expect_eq "sleep_2ms stacks not named nanosleep < sleep_2ms < two_naps < main" \
		"$(jq -r '[.offcpu_stacks[] | select(.function == "sleep_2ms" and .spans >= 2)
			| select((.frames[0] | test("nanosleep") | not) or .frames[1:4] != ["sleep_2ms", "two_naps", "main"])]
			| length' <<<"$FINAL")" 0
}

# Two threads busy-wait 1 ms calls on one CPU: off the CPU only while the
# other thread has it, runnable. Their stacks' run-queue time is what the
# kernel counted as their wait during the calls (the target reads its
# run_delay in each call; test_sched.sh's tolerance), and none is blocked.
t_spin_runq_only()
{
	local runq want

	[ "$LAST_CPU" -ge 1 ] || skip "needs 2 CPUs (one for the two threads alone)"
	pin_self_off "$LAST_CPU"
	sonde_run lat --json --offcpu-stacks spin_1ms -- "$TGT/cpuspin" 300 2 "$LAST_CPU"
	expect_ok
	need_final
	expect_eq "target's calls" "$(target_says calls)" 600
	want=$(target_says runq_ns)
	expect_gt "the kernel's run-queue time" "$want" 0 "two threads on one CPU"
	runq=$(offcpu_sum spin_1ms runq_ns)
	awk -v a="$runq" -v e="$want" 'BEGIN { d = a - e; if (d < 0) d = -d
		exit !(d <= e * 15 / 100 || d <= 5000000) }' ||
		fail "spin_1ms stacks' runq_ns $runq, the kernel $want ($(pct_off "$runq" "$want"), allowed +-15%)"
	expect_le "spin_1ms stacks' blocked share of its wall time" \
		"$(awk -v b="$(offcpu_sum spin_1ms blocked_ns)" -v t="$(fn_field spin_1ms total_ns)" 'BEGIN { printf "%.4f", b / t }')" \
		0.02 "preempted is runnable, not blocked: $(offcpu_text spin_1ms)"
}

# The terminal report: after the table, sleep_2ms's line with its stack, its
# blocked share as the table's BLOCKED column has it.
t_terminal()
{
	local line col

	sonde_run lat --offcpu-stacks two_naps sleep_2ms -- "$TGT/sleeper" 50 nested
	expect_ok
	grep -q '^off-CPU stacks' "$T_DIR/out" || fail "no off-CPU section: $(head -c 2000 "$T_DIR/out")"
	line=$(grep -E '^ +[0-9.]+% blocked +[0-9.]+% runq .* [a-z_]*nanosleep < sleep_2ms < two_naps < main' "$T_DIR/out" | head -n 1)
	[ -n "$line" ] || fail "no 'nanosleep < sleep_2ms < two_naps < main' stack line: $(cat "$T_DIR/out")"
	col=$(awk '$1 == "sleep_2ms" { print $NF }' "$T_DIR/out" | tr -d '%' | head -n 1)
	expect_ge "blocked share on the stack line (table: $col%)" "$(awk '{ print $1 + 0.15 }' <<<"$line")" "$col"
	grep -qE '^sleep_2ms: off the CPU [0-9.]+% of its ' "$T_DIR/out" ||
		fail "no sleep_2ms heading: $(cat "$T_DIR/out")"
}

# -o keeps the stacks; report prints them again, its JSON the same array.
t_profile_file()
{
	local live

	sonde_run lat --json --offcpu-stacks -o "$T_DIR/p.sonde" two_naps sleep_2ms -- "$TGT/sleeper" 30 nested
	expect_ok
	need_final
	live=$(jq -cS '.offcpu_stacks' <<<"$FINAL")
	sonde_run report --json "$T_DIR/p.sonde"
	expect_ok
	need_final
	expect_eq "report's offcpu_stacks" "$(jq -cS '.offcpu_stacks' <<<"$FINAL")" "$live"
	sonde_run report "$T_DIR/p.sonde"
	expect_ok
	grep -qE 'nanosleep < sleep_2ms < two_naps' "$T_DIR/out" || fail "report prints no stack: $(cat "$T_DIR/out")"
}

# --folded with --offcpu-stacks: the off-CPU stacks, outermost first with the
# traced function's frame in them, by ns off the CPU: the file's total is the
# JSON's, to the nanosecond, and the sleeps are main;two_naps;sleep_2ms;nanosleep.
t_folded()
{
	local json_total sleeps blocked

	sonde_run lat --json --offcpu-stacks --folded "$T_DIR/off.folded" two_naps sleep_2ms -- "$TGT/sleeper" 30 nested
	expect_ok
	need_final
	[ -s "$T_DIR/off.folded" ] || fail "no folded file"
	json_total=$(jq -r '[.offcpu_stacks[].offcpu_ns] | add' <<<"$FINAL")
	expect_eq "folded total (ns)" "$(awk '{ s += $NF } END { print s }' "$T_DIR/off.folded")" "$json_total"
	# A named frame without its offset ("(obj+0x..)" has no name: the offset is all there is).
	grep -E '(^|;)[^;(]+\+0x' "$T_DIR/off.folded" &&
		fail "frames with an offset (fn+0x..): $(grep -E '(^|;)[^;(]+\+0x' "$T_DIR/off.folded")"
	expect_eq "lines that are not 'frames N'" "$(grep -cvE '^[^ ]+(;[^ ]+)* [0-9]+$' "$T_DIR/off.folded")" 0
	sleeps=$(grep -E '(^|;)main;two_naps;sleep_2ms;[a-zA-Z_]*nanosleep [0-9]+$' "$T_DIR/off.folded" | awk '{ s += $NF } END { print s + 0 }')
	blocked=$(offcpu_sum sleep_2ms blocked_ns)
	expect_ge "ns folded under main;two_naps;sleep_2ms;nanosleep, share of sleep_2ms's blocked ns" \
		"$(awk -v s="$sleeps" -v b="$blocked" 'BEGIN { printf "%.4f", s / b }')" 0.98 "$(cat "$T_DIR/off.folded")"
	bad_input 2 'folded needs --slower-than D, --tree or --offcpu-stacks' lat --folded "$T_DIR/x.folded" sleep_2ms -- "$TGT/sleeper" 5
}

# A profile's off-CPU stacks drawn: sonde report --flamegraph (no --tree: its
# first set of stacks) totals the JSON's off-CPU ns, one box per distinct prefix.
t_flamegraph()
{
	local json_total

	sonde_run lat --offcpu-stacks -o "$T_DIR/off.sonde" --folded "$T_DIR/off.folded" \
		two_naps sleep_2ms -- "$TGT/sleeper" 30 nested
	expect_ok
	sonde_run report "$T_DIR/off.sonde" --json
	expect_ok
	json_total=$(grep '^{' "$T_DIR/out" | jq -r '[.offcpu_stacks[].offcpu_ns] | add')
	sonde_run report "$T_DIR/off.sonde" --flamegraph "$T_DIR/off.svg"
	expect_ok
	xmllint --noout "$T_DIR/off.svg" || fail "the SVG is not well-formed XML"
	expect_eq "the graph's total (ns)" "$(grep -o 'data-total="[0-9]*"' "$T_DIR/off.svg" | tr -dc 0-9)" \
		"$json_total"
	expect_eq "boxes (one per distinct prefix of the folded stacks)" \
		"$(grep -o '<g class="f" data-o="' "$T_DIR/off.svg" | wc -l)" \
		"$(awk '{ sub(/ [0-9]+$/, ""); n = split($0, f, ";"); p = ""
			for (i = 1; i <= n; i++) { p = p ";" f[i]; if (!(p in seen)) { seen[p]; c++ } } }
			END { print c }' "$T_DIR/off.folded")"
}

# Off by default: no stacks, no section; and it needs the scheduler hooks.
t_off_by_default()
{
	sonde_run lat --json sleep_2ms -- "$TGT/sleeper" 5
	expect_ok
	need_final
	expect_eq "offcpu_stacks without the option" "$(jq -r 'has("offcpu_stacks")' <<<"$FINAL")" false
	bad_input 2 'offcpu-stacks.*no-sched' lat --offcpu-stacks --no-sched sleep_2ms -- "$TGT/sleeper" 5
}

run_tests
