#!/bin/bash
# sonde lat --tree: calls counted per call path, exactly; the self times
# along the tree add up to the root's total exactly (each call's self time is
# its wall time less its traced callees', the same corrected figures: no
# calibration error between them); direct recursion folded into one path;
# threads' calls apart on their own stacks, and added up per path; the tree
# kept in a profile file (version 3) and shown again by sonde report --tree;
# a full path table counted as tree_full drops.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

# path_field "a;b" FIELD: FIELD of the final report's tree node whose path is
# a;b; "none" when there is none, the values joined by "," when several.
path_field()
{
	jq -r --arg p "$1" --arg f "$2" '
		[.tree[]? | select((.path | join(";")) == $p) | .[$f]]
		| if length == 0 then "none" else map(tostring) | join(",") end' <<<"$FINAL"
}

tree_paths()
{
	jq -r '[.tree[] | .path | join(";")] | sort | join(" ")' <<<"$FINAL"
}

# The outermost paths' total time, and every path's self time, added up.
root_total()
{
	jq -r '[.tree[] | select((.path | length) == 1) | .total_ns] | add // 0' <<<"$FINAL"
}

self_total()
{
	jq -r '[.tree[] | .self_ns] | add // 0' <<<"$FINAL"
}

# outer spins 60 us, then calls inner (40 us), 3000 times: two paths, each
# with every call; outer's self time is its own spin, inner's total its spin.
t_nested_paths()
{
	sonde_run lat --tree --json outer inner -- "$TGT/nested" 3000
	expect_ok
	need_final
	expect_eq "target's calls" "$(target_says calls)" 3000
	expect_eq "paths" "$(tree_paths)" "outer outer;inner"
	expect_eq "outer calls" "$(path_field outer calls)" 3000
	expect_eq "outer;inner calls" "$(path_field 'outer;inner' calls)" 3000
	expect_ns "outer self time" "$(path_field outer self_ns)" "$(target_says outer_spin_ns)" 10
	expect_ns "outer;inner total" "$(path_field 'outer;inner' total_ns)" \
		"$(target_says inner_spin_ns)" 10
	expect_eq "outer;inner self = total (a leaf)" "$(path_field 'outer;inner' self_ns)" \
		"$(path_field 'outer;inner' total_ns)"
	# The same calls as the function table's, measured the same way.
	expect_eq "outer's path self = outer's self" "$(path_field outer self_ns)" \
		"$(fn_field outer self_ns)"
	expect_eq "outer's path total = outer's total" "$(path_field outer total_ns)" \
		"$(fn_field outer total_ns)"
	expect_eq "self times add up to the root's total" "$(self_total)" "$(root_total)"
	[ "$(drops_total)" = 0 ] || fail "records dropped: $(drops_text)"
}

# The same paths with returns seen at the ret instructions, per-function
# uprobes (no uprobe_multi) and atomic per-CPU adds: the other programs and
# the other add.
t_other_probe_shapes()
{
	SONDE_NO_UPROBE_MULTI=1 SONDE_ATOMIC_STATS=1 \
		sonde_run lat --tree --json --returns insns outer inner -- "$TGT/nested" 500
	expect_ok
	need_final
	expect_eq "paths" "$(tree_paths)" "outer outer;inner"
	expect_eq "outer;inner calls" "$(path_field 'outer;inner' calls)" 500
	expect_eq "self times add up to the root's total" "$(self_total)" "$(root_total)"
}

# Only inner traced: its callers are not, so it is an outermost path.
t_untraced_caller()
{
	sonde_run lat --tree --json inner -- "$TGT/nested" 500
	expect_ok
	need_final
	expect_eq "paths" "$(tree_paths)" "inner"
	expect_eq "inner calls" "$(path_field inner calls)" 500
	expect_eq "self = total" "$(self_total)" "$(root_total)"
}

# recurse(20) 1000 times: f calling f folds into f's path, one path of all
# 20,000 calls; its total is the outermost calls' time (no call counted twice),
# which its self times add up to; the function's own total counts each level.
t_recursion_folded()
{
	sonde_run lat --tree --json recurse -- "$TGT/recurse" 1000 20
	expect_ok
	need_final
	expect_eq "target's recurse_calls" "$(target_says recurse_calls)" 20000
	expect_eq "paths" "$(tree_paths)" "recurse"
	expect_eq "recurse's path calls" "$(path_field recurse calls)" 20000
	expect_eq "recurse calls" "$(fn_field recurse calls)" 20000
	expect_eq "self = total" "$(path_field recurse self_ns)" "$(path_field recurse total_ns)"
	expect_eq "path self = function self" "$(path_field recurse self_ns)" \
		"$(fn_field recurse self_ns)"
	expect_gt "function total (each level's) over the path's" "$(fn_field recurse total_ns)" \
		"$(path_field recurse total_ns)"
	[ "$(drops_total)" = 0 ] || fail "records dropped: $(drops_text)"
}

# 4 threads each call thread_work 5,000 times from worker, at once: worker's
# path has its 4 calls, worker;thread_work all 20,000, and no thread_work
# without its caller (another thread's calls never land on this one's stack).
t_threads_paths()
{
	sonde_run lat --tree --json worker thread_work -- "$TGT/threads" 5000 4
	expect_ok
	need_final
	expect_eq "target's calls" "$(target_says calls)" 20000
	expect_eq "paths" "$(tree_paths)" "worker worker;thread_work"
	expect_eq "worker calls" "$(path_field worker calls)" 4
	expect_eq "worker;thread_work calls" "$(path_field 'worker;thread_work' calls)" 20000
	expect_eq "self times add up to the root's total" "$(self_total)" "$(root_total)"
	[ "$(drops_total)" = 0 ] || fail "records dropped: $(drops_text)"
}

# Tail calls (jumps, -O2): the callee's call is inside its tail-calling
# caller's, so its path is under the caller's; each path has all its calls.
t_tail_calls()
{
	sonde_run lat --tree --json call_cb cb_a cb_b pick step -- "$TGT/tailcalls"
	expect_ok
	need_final
	expect_eq "paths" "$(tree_paths)" "call_cb call_cb;cb_a call_cb;cb_b pick pick;step"
	for p in call_cb 'call_cb;cb_a' 'call_cb;cb_b' pick 'pick;step'; do
		expect_eq "$p calls" "$(path_field "$p" calls)" "$(fn_field "${p##*;}" calls)"
	done
	expect_eq "call_cb calls" "$(path_field call_cb calls)" 6000
	expect_eq "self times add up to the root's total" "$(self_total)" "$(root_total)"
	[ "$(drops_total)" = 0 ] || fail "records dropped: $(drops_text)"
}

# The terminal's tree: a row per path, inner indented under outer, with the
# calls; the bar of the root path is full.
t_terminal()
{
	sonde_run lat --tree outer inner -- "$TGT/nested" 200
	expect_ok
	grep -qE '^100\.0% \|#{40}\| +200 .*  outer$' "$T_DIR/out" ||
		fail "no full-bar row for outer: $(grep -A3 'call paths' "$T_DIR/out" | tr '\n' '|')"
	grep -qE '^ *[0-9.]+% \|#* *\| +200 .*    inner$' "$T_DIR/out" ||
		fail "no indented row for inner: $(grep -A3 'call paths' "$T_DIR/out" | tr '\n' '|')"
	sonde_run lat outer inner -- "$TGT/nested" 50
	expect_ok
	grep -q 'call paths' "$T_DIR/out" && fail "a tree without --tree"
	return 0
}

# -o keeps the tree (format version 3); sonde report --tree prints it as the
# live run did; a file without one says how to record it.
t_file_and_report()
{
	sonde_run lat --tree -o "$T_DIR/t.sonde" outer inner -- "$TGT/nested" 300
	expect_ok
	sed -n '/^call paths/,$p' "$T_DIR/out" >"$T_DIR/live"
	[ -s "$T_DIR/live" ] || fail "no tree in the live report"
	expect_eq "version" "$(jq .version "$T_DIR/t.sonde")" 3
	sonde_run report "$T_DIR/t.sonde" --tree
	expect_ok
	sed -n '/^call paths/,$p' "$T_DIR/out" >"$T_DIR/again"
	cmp -s "$T_DIR/live" "$T_DIR/again" ||
		fail "report --tree differs: $(diff "$T_DIR/live" "$T_DIR/again" | head -5 | tr '\n' '|')"
	sonde_run report "$T_DIR/t.sonde" --json
	expect_ok
	FINAL=$(cat "$T_DIR/out")
	expect_eq "calls read back" "$(path_field 'outer;inner' calls)" 300
	sonde_run lat -o "$T_DIR/plain.sonde" outer -- "$TGT/nested" 10
	expect_ok
	expect_eq "version without a tree" "$(jq .version "$T_DIR/plain.sonde")" 2
	sonde_run report "$T_DIR/plain.sonde" --tree
	expect_eq "exit status, no tree" "$RC" 2
	grep -q 'sonde lat --tree -o' "$T_DIR/err" || fail "no hint: $(err_text)"
}

# --folded: a line per path with self time, "outer;inner NS", adding up to
# the JSON tree's self total; the file's flame graph (report --flamegraph)
# has that total and a box per path.
t_folded_and_flamegraph()
{
	sonde_run lat --tree --json --folded "$T_DIR/t.folded" -o "$T_DIR/t.sonde" outer inner -- \
		"$TGT/nested" 300
	expect_ok
	need_final
	expect_eq "folded stacks" "$(cut -d' ' -f1 "$T_DIR/t.folded" | sort | tr '\n' ' ')" \
		"outer outer;inner "
	expect_eq "outer;inner's weight" "$(awk '$1 == "outer;inner" { print $2 }' "$T_DIR/t.folded")" \
		"$(path_field 'outer;inner' self_ns)"
	folded=$(awk '{ s += $NF } END { print s }' "$T_DIR/t.folded")
	expect_eq "folded total = the tree's self total" "$folded" "$(self_total)"
	sonde_run report "$T_DIR/t.sonde" --flamegraph "$T_DIR/t.svg"
	expect_ok
	xmllint --noout "$T_DIR/t.svg" 2>"$T_DIR/xmllint" || fail "xmllint: $(head -c 300 "$T_DIR/xmllint")"
	grep -q "data-total=\"$folded\"" "$T_DIR/t.svg" || fail "the graph's total is not $folded"
	expect_eq "frames (<g class=f>) of the SVG" \
		"$(sed -n '/<g id="frames">/,/<script>/p' "$T_DIR/t.svg" | grep -o '<g class="f[ "]' | wc -l)" 2
	# Without --tree, lat's folded source is the slow calls; with both, refused.
	bad_input 2 "one source" lat --tree --slower-than 1ms --folded "$T_DIR/x" outer -- "$TGT/nested" 1
	sonde_run lat -o "$T_DIR/plain.sonde" outer -- "$TGT/nested" 10
	bad_input 2 "without call paths.*--tree" report "$T_DIR/plain.sonde" --flamegraph "$T_DIR/p.svg"
}

# sonde diff --flamegraph of two --tree files: NEW's call paths by self time,
# each with BASE's figure; a side without call paths refused.
t_diff_flamegraph()
{
	sonde_run lat --tree -o "$T_DIR/base.sonde" outer inner -- "$TGT/nested" 200
	expect_ok
	sonde_run lat --tree -o "$T_DIR/new.sonde" --folded "$T_DIR/new.folded" outer inner -- \
		"$TGT/nested" 200
	expect_ok
	sonde_run diff "$T_DIR/base.sonde" "$T_DIR/new.sonde" --flamegraph "$T_DIR/d.svg"
	[ "$RC" = 0 ] || [ "$RC" = 1 ] || fail "diff exit status $RC; stderr: $(err_text)"
	xmllint --noout "$T_DIR/d.svg" 2>"$T_DIR/xmllint" || fail "xmllint: $(head -c 300 "$T_DIR/xmllint")"
	folded=$(awk '{ s += $NF } END { print s }' "$T_DIR/new.folded")
	grep -q "data-total=\"$folded\"" "$T_DIR/d.svg" || fail "the graph's total is not NEW's $folded"
	grep -A1 '<title>inner$' "$T_DIR/d.svg" | grep -q '; base ' ||
		fail "inner's figures lack BASE's: $(grep -A1 '<title>inner$' "$T_DIR/d.svg" | tr '\n' '|')"
	sonde_run lat -o "$T_DIR/plain.sonde" outer inner -- "$TGT/nested" 10
	expect_ok
	bad_input 2 'call paths.*--tree' diff "$T_DIR/base.sonde" "$T_DIR/plain.sonde" --flamegraph "$T_DIR/x.svg"
	[ ! -e "$T_DIR/x.svg" ] || fail "a refused diff wrote $T_DIR/x.svg"
}

# Room for one path: outer takes it; inner's calls are in no path, dropped as
# tree_full, and still all in inner's row.
t_tree_full()
{
	sonde_run lat --tree --tree-max 1 --json outer inner -- "$TGT/nested" 400
	expect_ok
	need_final
	expect_eq "paths" "$(tree_paths)" "outer"
	expect_eq "tree_full drops" "$(jq -r .drops.tree_full <<<"$FINAL")" 400
	expect_eq "inner calls" "$(fn_field inner calls)" 400
	expect_eq "outer's path calls" "$(path_field outer calls)" 400
}

t_bad_input()
{
	bad_input 2 "needs --tree" lat --tree-max 5 outer -- "$TGT/nested" 1
	bad_input 2 "tree-max" lat --tree --tree-max 0 outer -- "$TGT/nested" 1
}

run_tests
