#!/bin/bash
# bench part: how often sonde's verdicts are right (docs/verdicts.md), on
# tests/targets/abswitch (step_lookup 100 us; 110 us with SLOWER=3):
#  - A/A: 20 comparisons of 3 base and 3 new runs of one build (sonde ab
#    --runs 3), a CPU-bound neighbour (stress-ng --cpu 2) running through
#    about half of each: none may be a regression;
#  - A/B: step_lookup 10 % slower, sonde ab --runs 5 --threshold 5, 20 times:
#    how often it is flagged, and whether an unchanged function ever is (at the
#    default threshold, 10 %, a change of 10 % is on the line, and measures
#    8-9 % at p90: not "beyond" it).
# Otherwise default options (metric p90, alpha 0.01). Prints markdown.
# VERDICT_PARTS="aa ab" (the default) picks the parts.
set -euo pipefail
cd "$(dirname "$0")/.."
SONDE=build/sonde
AB=build/targets/abswitch
N=${VERDICT_TRIES:-20}
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT

aa_regress=- aa_inconclusive=-
case " ${VERDICT_PARTS-aa ab} " in *" aa "*) aa_regress=0 aa_inconclusive=0 ;; esac
for i in $(seq 1 "$N"); do
	[ "$aa_regress" = - ] && break
	# The neighbour starts with the first runs and stops after 2 s, about half way.
	stress-ng --cpu 2 --timeout 2 >/dev/null 2>&1 &
	rc=0
	$SONDE ab 'step_*' --runs 3 --json -- "$AB" 1500 0 ::: "$AB" 1500 0 >"$TMP/aa.json" 2>/dev/null || rc=$?
	wait || true
	[ "$rc" = 1 ] && aa_regress=$((aa_regress + 1))
	[ "$rc" -le 1 ] || { echo "(A/A try $i: sonde ab exited $rc)"; continue; }
	[ "$(jq -r '.inconclusive' "$TMP/aa.json")" -gt 0 ] && aa_inconclusive=$((aa_inconclusive + 1))
done

ab_flagged=- ab_wrong=- changes=""
case " ${VERDICT_PARTS-aa ab} " in *" ab "*) ab_flagged=0 ab_wrong=0 ;; esac
for i in $(seq 1 "$N"); do
	[ "$ab_flagged" = - ] && break
	rc=0
	$SONDE ab 'step_*' --runs 5 --threshold 5 --json -- "$AB" 1500 0 ::: "$AB" 1500 3 >"$TMP/ab.json" 2>/dev/null || rc=$?
	[ "$rc" -le 1 ] || { echo "(A/B try $i: sonde ab exited $rc)"; continue; }
	flagged=$(jq -r '[.rows[] | select(.verdict == "regression") | .name] | join(",")' "$TMP/ab.json")
	[ "$flagged" = step_lookup ] && ab_flagged=$((ab_flagged + 1))
	case ",$flagged," in *,step_parse,* | *,step_render,*) ab_wrong=$((ab_wrong + 1)) ;; esac
	changes="$changes $(jq -r '.rows[] | select(.name == "step_lookup") | .change_pct | floor' "$TMP/ab.json")"
done

echo "## Verdicts: A/A under a noisy neighbour, A/B of 10 %"
echo
echo "\`bench/verdicts.sh\` (tests/targets/abswitch; metric p90 and alpha 0.01, the defaults; threshold 10 %, the default, for A/A, 5 % for the A/B of 10 %):"
echo
echo "| comparison | tries | regression called | inconclusive | |"
echo "|---|---:|---:|---:|---|"
echo "| A/A, \`sonde ab --runs 3\`, stress-ng --cpu 2 through about half of each | $N | $aa_regress | $aa_inconclusive | none may be a regression |"
echo "| A/B, step_lookup +10 %, \`sonde ab --runs 5 --threshold 5\` | $N | $ab_flagged (exactly step_lookup) | | unchanged functions flagged: $ab_wrong; step_lookup's measured change (%):$changes |"
