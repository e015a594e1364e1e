#!/bin/bash
# tests/run.sh [UNIT_TEST_BINARY...]: what `make test` runs.
#
# Runs each cmocka unit test binary (showing cmocka's own output) and adds up
# its "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)" lines; then every
# tests/integration/test_*.sh, which print "ok - ", "FAIL - " and "skip - "
# lines. Integration tests need root and BPF: without them each reports itself
# skipped. SONDE_SKIP_INTEGRATION=1 leaves them out (`make unit`).
#
# Ends with the cmocka totals and then "N passed, N failed, N skipped" over
# unit and integration tests; exits 1 if anything failed.
set -u

cd "$(dirname "$0")/.." || exit 2

log=$(mktemp "${TMPDIR:-/tmp}/sonde-test.XXXXXX")
trap 'rm -f "$log"' EXIT

unit_passed=0
unit_failed=0
it_passed=0
it_failed=0
it_skipped=0

# The last "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)" count in $log.
cmocka_count()
{
	sed -nE "s/^\[  $1  \] ([0-9]+) test\(s\).*/\1/p" "$log" | tail -n 1
}

for bin in "$@"; do
	echo "== $bin"
	"$bin" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p=$(cmocka_count PASSED)
	f=$(cmocka_count FAILED)
	p=${p:-0}
	f=${f:-0}
	# A crash or an abort before the summary: the binary counts as one failure.
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL - $bin: exited with status $rc before reporting a failure"
		f=1
	fi
	unit_passed=$((unit_passed + p))
	unit_failed=$((unit_failed + f))
done

bpf_usable()
{
	command -v bpftool >/dev/null && bpftool prog show >/dev/null 2>&1
}

if [ "${SONDE_SKIP_INTEGRATION:-0}" = 1 ]; then
	echo "== integration tests left out (SONDE_SKIP_INTEGRATION=1)"
else
	if [ "$(id -u)" != 0 ] || ! bpf_usable; then
		export SONDE_IT_SKIP="skipped: needs root and BPF"
	fi
	for script in tests/integration/test_*.sh; do
		[ -e "$script" ] || continue
		echo "== $script"
		bash "$script" 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
		p=$(grep -c '^ok - ' "$log")
		f=$(grep -c '^FAIL - ' "$log")
		s=$(grep -c '^skip - ' "$log")
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			echo "FAIL - $script: exited with status $rc"
			f=1
		fi
		it_passed=$((it_passed + p))
		it_failed=$((it_failed + f))
		it_skipped=$((it_skipped + s))
	done
fi

echo
echo "integration: $it_passed passed, $it_failed failed, $it_skipped skipped"
echo "cmocka: $unit_passed passed, $unit_failed failed ($# test binaries)"
echo "$((unit_passed + it_passed)) passed, $((unit_failed + it_failed)) failed, $it_skipped skipped"
[ $((unit_failed + it_failed)) = 0 ]
