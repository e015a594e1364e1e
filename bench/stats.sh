# shellcheck shell=bash
# Figures the benchmarks share, sourced by bench/run.sh, mem.sh, sched.sh and
# redis.sh. Runs are space-separated numbers.

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

# slot_of K ROUND N: the slot (the copy or worker; run.sh also starts its
# tracers in slot order) of the K-th of N modes in ROUND: (K * M + S) mod N,
# where the multiplier M runs through the U numbers prime to N from round to
# round and the shift S moves on every U rounds. Where the kernel puts a
# tracer's programs and data depends on what was loaded just before it, and
# costs up to ~25 ns per call (measured: whichever sonde instance started
# right after funclatency read ~0.03x the floor more, round after round);
# with a shift alone each mode would come after the same one every round,
# here mode K comes after mode K - 1/M, a different one each round, each once
# every U rounds. Mode 0 (the untraced loop) moves with S only.
slot_of()
{
	local k=$1 r=$2 n=$3 m a b units=()
	for ((m = 1; m < n; m++)); do
		a=$m b=$n
		while ((b)); do set -- $b $((a % b)); a=$1 b=$2; done
		((a == 1)) && units+=("$m")
	done
	((${#units[@]})) || { echo 0; return; }
	echo $(((k * units[r % ${#units[@]}] + r / ${#units[@]}) % n))
}
