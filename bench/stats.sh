# shellcheck shell=bash
# Figures and helpers the benchmarks share, sourced by bench/run.sh, mem.sh,
# sched.sh and redis.sh. Runs are space-separated numbers.

# median: of the numbers on stdin (nothing for none).
median()
{
	tr ' ' '\n' | { grep . || true; } | sort -g |
		awk '{ a[NR] = $1 } END { if (NR) print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}

# added RUNS BASE_RUNS: the median of RUNS above the median of BASE_RUNS.
added()
{
	awk -v a="$(echo $1 | median)" -v b="$(echo $2 | median)" 'BEGIN { printf "%.1f", a - b }'
}

# ratio RUNS FLOOR_RUNS BASE_RUNS: what RUNS add above BASE_RUNS, over what
# FLOOR_RUNS add ("-" when the floor adds nothing).
ratio()
{
	awk -v a="$(added "$1" "$3")" -v f="$(added "$2" "$3")" \
		'BEGIN { if (f > 0) printf "%.2f", a / f; else print "-" }'
}

# paired_ratio RUNS FLOOR_RUNS BASE_RUNS: the median over rounds of each round's
# ratio of what RUNS add above BASE_RUNS to what FLOOR_RUNS add. The modes of a
# round are timed in the same stretches of time, so a round's ratio is free of
# what slowed that whole round ("-" when the floor adds nothing).
paired_ratio()
{
	local a=($1) f=($2) b=($3) i out=""
	for i in "${!a[@]}"; do
		out+=" $(awk -v a="${a[$i]}" -v f="${f[$i]}" -v b="${b[$i]}" \
			'BEGIN { if (f > b) printf "%.4f", (a - b) / (f - b) }')"
	done
	out=$(echo $out | median)
	[ -n "$out" ] && printf "%.2f" "$out" || echo "-"
}

# slots ROUND MODE...: "MODE SLOT" lines for one round, in slot order (the
# order to start the tracers in). Slots are the copies or workers, visited in
# slot order; the K-th of N modes gets (K * M + S) mod N, where the
# multiplier M runs through the U numbers prime to N from round to round and
# the shift S moves on every U rounds. Where the kernel puts a tracer's
# programs and data depends on what was loaded just before it, and costs up
# to ~25 ns per call (measured: whichever sonde instance started right after
# funclatency read ~0.03x the floor more, round after round); with a shift
# alone each mode would come after the same one every round, here mode K
# comes after mode K - 1/M, a different one each round, each once every U
# rounds. Mode 0 (the untraced loop) moves with S only.
slots()
{
	local r=$1 n k=0 m=0 u a b t mode units=()
	shift
	n=$#
	for ((u = 1; u < n; u++)); do
		a=$u b=$n
		while ((b)); do t=$((a % b)) a=$b b=$t; done
		((a == 1)) && units+=("$u")
	done
	u=${#units[@]}
	((u)) && m=${units[r % u]} || u=1
	for mode in "$@"; do
		echo "$(((k * m + r / u) % n)) $mode"
		k=$((k + 1))
	done | sort -n | awk '{ print $2, $1 }'
}

# stop_tracers: Ctrl-C (SIGINT) to every pid in TRACERS, and wait for them.
# bpftrace 0.17 can miss a SIGINT that comes while it still attaches (it then
# waits for another forever): what still runs after 10 s is killed.
stop_tracers()
{
	local pid killer
	for pid in "${TRACERS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
	(
		sleep 10
		kill -KILL "${TRACERS[@]}"
	) >/dev/null 2>&1 &
	killer=$!
	for pid in "${TRACERS[@]}"; do wait "$pid" 2>/dev/null || true; done
	kill "$killer" 2>/dev/null || true
	wait "$killer" 2>/dev/null || true
	TRACERS=()
}
