#!/bin/bash
# make bench: sonde's per-call cost against the floor (empty uprobe+uretprobe),
# bpftrace's hist() script and libbpf-tools funclatency, interleaved in one
# run on two entry shapes; then attach+detach time for 10,000 functions.
# Writes bench/RESULTS.md. Needs root; installs bpftrace and libbpf-tools.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
CALLS_PUSH=${CALLS_PUSH:-1000000}
CALLS_ENDBR=${CALLS_ENDBR:-200000}
B=build/bench
SONDE=build/sonde
OUT=bench/RESULTS.md
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "sonde bench: needs root (it attaches uprobes)" >&2
	exit 2
fi
command -v bpftrace >/dev/null && command -v funclatency >/dev/null ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q bpftrace libbpf-tools >/dev/null

# start_tracer MODE BINARY: start a tracer on BINARY:tiny and wait until it is attached.
start_tracer() {
	local mode=$1 bin=$2 log=$TMP/tracer.log marker
	: >"$log"
	case $mode in
	untraced) return 0 ;;
	floor) $B/floor "$bin" tiny 2>"$log" & marker="floor: attached" ;;
	bpftrace)
		bpftrace -e "uprobe:$bin:tiny { @s[tid] = nsecs; }
			uretprobe:$bin:tiny /@s[tid]/ { @ns = hist(nsecs - @s[tid]); delete(@s[tid]); }" \
			>"$log" 2>&1 &
		marker="Attaching" ;;
	funclatency) funclatency "$bin:tiny" >"$log" 2>&1 & marker="Tracing" ;;
	sonde) $SONDE lat -b "$bin" tiny >/dev/null 2>"$log" & marker="sonde: tracing" ;;
	esac
	TRACER=$!
	for _ in $(seq 100); do
		grep -q "$marker" "$log" && break
		sleep 0.1
	done
	# bpftrace prints its marker before attaching; give every tracer the same settle time.
	sleep 1
}

stop_tracer() {
	[ -n "${TRACER:-}" ] || return 0
	kill -INT "$TRACER" 2>/dev/null || true
	wait "$TRACER" 2>/dev/null || true
	TRACER=
}

MODES="untraced floor bpftrace funclatency sonde"
declare -A RES
run_shape() {
	local shape=$1 calls=$2 bin
	bin=$(realpath $B/loop_$shape)
	for r in $(seq "$ROUNDS"); do
		# Rotate the order each round so drift in the machine hits every mode alike.
		local order
		order=$(echo $MODES | tr ' ' '\n' | awk -v r="$r" '{a[NR]=$0} END {for (i=0;i<NR;i++) print a[(i+r)%NR+1]}')
		for mode in $order; do
			start_tracer "$mode" "$bin"
			ns=$("$bin" "$calls" | sed -n 's/^ns_per_call=\([0-9.]*\).*/\1/p')
			stop_tracer
			RES[$shape.$mode]="${RES[$shape.$mode]:-} $ns"
			echo "  $shape round $r $mode: $ns ns/call" >&2
		done
	done
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

run_shape push "$CALLS_PUSH"
run_shape endbr "$CALLS_ENDBR"

# Attach and detach of 10,000 functions, as sonde -v reports them.
ATT=$($SONDE lat -v -b $B/many 'fn_*' --max-probes 20000 -d 200ms 2>&1 >/dev/null |
	sed -n 's/.*attached \([0-9]*\) functions in \([0-9.]*\) s.*/\1 \2/p')
DET=$($SONDE lat -v -b $B/many 'fn_*' --max-probes 20000 -d 200ms 2>&1 >/dev/null |
	sed -n 's/.*detached in \([0-9.]*\) s.*/\1/p')

{
	echo "# sonde benchmarks"
	echo
	echo "Produced by \`make bench\` (bench/run.sh) on $(date -u +%Y-%m-%d), $(uname -sr), $(nproc) CPUs;"
	echo "ROUNDS=$ROUNDS, $CALLS_PUSH calls per run (push-first), $CALLS_ENDBR (endbr64-first)."
	echo "Each mode is run once per round, in rotating order; the figure is the median."
	echo "\"added\" is ns per call above the untraced loop; ratios are of added costs."
	echo
	for shape in push endbr; do
		base=$(echo ${RES[$shape.untraced]} | median)
		floor=$(echo ${RES[$shape.floor]} | median)
		fadd=$(awk -v a="$floor" -v b="$base" 'BEGIN {print a - b}')
		echo "## tiny() with a \`$shape\`-first entry"
		echo
		echo "| tracer | ns/call | added ns/call | × floor | runs |"
		echo "|---|---:|---:|---:|---|"
		for mode in $MODES; do
			m=$(echo ${RES[$shape.$mode]} | median)
			add=$(awk -v a="$m" -v b="$base" 'BEGIN {printf "%.1f", a - b}')
			ratio=$(awk -v a="$add" -v f="$fadd" 'BEGIN {if (f > 0) printf "%.2f", a / f; else print "-"}')
			[ "$mode" = untraced ] && add=0 && ratio=-
			echo "| $mode | $m | $add | $ratio | ${RES[$shape.$mode]} |"
		done
		echo
	done
	echo "## Attach and detach"
	echo
	echo "sonde lat -b build/bench/many 'fn_*' (uprobe_multi): attached ${ATT% *} functions in ${ATT#* } s, detached in $DET s."
} >"$OUT"
cat "$OUT"
