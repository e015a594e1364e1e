#!/bin/bash
# demo/run.sh: what `make demo` runs, as root, after building build/sonde and
# the demo service. Starts the service, shows what sonde can probe in it, its
# per-function latencies over 5 seconds, one function's histogram, the call
# tree and off-CPU stacks, one scrape of the Prometheus exporter, and stops
# the service.
set -u
cd "$(dirname "$0")/.." || exit 2

SONDE=build/sonde
SERVICE=build/demo/demo_service
PROBES=('handle_*' 'parse_*' 'db_*' 'render_*')

if [ "$(id -u)" != 0 ]; then
	echo "demo/run.sh: sonde attaches eBPF probes, which needs root; run: sudo make demo" >&2
	exit 2
fi
for f in "$SONDE" "$SERVICE"; do
	if [ ! -x "$f" ]; then
		echo "demo/run.sh: $f is not built; run: make demo" >&2
		exit 2
	fi
done

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	bold=$'\e[1m' dim=$'\e[2m' off=$'\e[0m'
else
	bold='' dim='' off=''
fi

# The command as one would type it: globs in single quotes.
shown()
{
	local a out=''

	for a in "$@"; do
		case $a in
		*[\*\?\[\ ]*) out+=" '$a'" ;;
		*) out+=" $a" ;;
		esac
	done
	echo "${out# }"
}

# step "what happens next" CMD ARGS...: say it, show the command, run it.
step()
{
	local what=$1 rc

	shift
	printf '\n%s==> %s%s\n%s$ %s%s\n' "$bold" "$what" "$off" "$dim" "$(shown "$@")" "$off"
	"$@"
	rc=$?
	if [ "$rc" != 0 ]; then
		echo "demo/run.sh: '$*' failed with exit status $rc" >&2
		exit "$rc"
	fi
}

log=$(mktemp "${TMPDIR:-/tmp}/sonde-demo.XXXXXX")
"$SERVICE" 4 >"$log" 2>&1 &
pid=$!
stop_service()
{
	kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -f "$log"
}
trap stop_service EXIT

printf '%s==> Started the demo service (PID %d): 4 worker threads serving pretend requests.%s\n' \
	"$bold" "$pid" "$off"
cat <<'TEXT'
    handle_request calls parse_request (~20 us of CPU), then db_query (sleeps
    1-3 ms, like a database call), then render_response (~80 us of CPU; one
    request in 20 takes 400 us). sonde will measure all four while it runs.
TEXT
sleep 0.3
if ! kill -0 "$pid" 2>/dev/null; then
	echo "demo/run.sh: the demo service exited at once:" >&2
	cat "$log" >&2
	exit 1
fi

step "What sonde can probe in it: the matching functions, with address and size." \
	"$SONDE" list -p "$pid" "${PROBES[@]}"

step "Per-function latency for 5 seconds, probes attached to the running service (sorted by total time; self = time not spent in traced callees)." \
	"$SONDE" lat -p "$pid" "${PROBES[@]}" -d 5s

step "db_query's latency histogram for 2 seconds (--hist): its sleeps are spread between 1 and 3 ms." \
	"$SONDE" lat -p "$pid" db_query --hist -d 2s

step "Where the time goes by call path (--tree), and where db_query waits (--offcpu-stacks): 3 seconds." \
	"$SONDE" lat -p "$pid" "${PROBES[@]}" --tree --offcpu-stacks -d 3s

# The exporter: sonde serves /metrics while it traces; one scrape, a few lines of it.
port=$((20000 + pid % 20000))
printf '\n%s==> For Prometheus: sonde lat --prometheus serves /metrics while tracing (one scrape shown).%s\n%s$ %s%s\n' \
	"$bold" "$off" "$dim" "$(shown "$SONDE" lat -p "$pid" "${PROBES[@]}" --prometheus "127.0.0.1:$port" -d 3s)" "$off"
"$SONDE" lat -p "$pid" "${PROBES[@]}" --prometheus "127.0.0.1:$port" -d 3s >/dev/null 2>&1 &
exporter=$!
sleep 2
printf '%s$ curl -s http://127.0.0.1:%d/metrics | grep db_query | grep -v _bucket%s\n' "$dim" "$port" "$off"
curl -s "http://127.0.0.1:$port/metrics" | grep 'db_query' | grep -v '_bucket'
wait "$exporter"

printf '\n%s==> Stopping the demo service.%s\n' "$bold" "$off"
kill -TERM "$pid"
wait "$pid"
tail -n 1 "$log"
trap - EXIT
rm -f "$log"
printf '\nNext: sonde lat --help, and sonde lat -p PID '\''your_function*'\'' on a service of your own.\n'
