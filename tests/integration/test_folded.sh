#!/bin/bash
# Folded stacks and flame graphs of known targets: sonde mem --folded sums to
# the JSON report's live bytes exactly, with memtarget's leak on its known
# path; lat --slower-than --folded counts exactly the slow calls it printed;
# report --flamegraph and diff --flamegraph write valid SVG (xmllint) with a
# box per distinct prefix of the folded stacks, a diff's leak path red; and
# the graph's script zooms and searches in a real browser (chromium).
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

MT=$TGT/memtarget

# folded_total FILE: the weights of a folded file, added up.
folded_total()
{
	awk '{ s += $NF } END { printf "%d\n", s }' "$1"
}

# folded_weight FILE REGEX: the weight of the one line whose stack matches
# REGEX (anchored at both ends), "none" or "several" otherwise.
folded_weight()
{
	awk -v re="^$2$" '{ w = $NF; sub(/ [0-9]+$/, ""); if ($0 ~ re) { n++; v = w } }
		END { print n == 1 ? v : n ? "several" : "none" }' "$1"
}

# prefixes FILE: the distinct prefixes of the folded stacks: the frames of
# the merged call tree, each one box of the flame graph.
prefixes()
{
	awk '{ sub(/ [0-9]+$/, ""); n = split($0, f, ";"); p = "";
		for (i = 1; i <= n; i++) { p = p ";" f[i]; seen[p] = 1 } }
		END { print length(seen) }' "$1"
}

# svg_boxes FILE: the <rect>s of an SVG, and the <g class="f..."> frames.
svg_rects()
{
	grep -o '<rect ' "$1" | wc -l
}

svg_frames()
{
	sed -n '/<g id="frames">/,/<script>/p' "$1" | grep -o '<g class="f[ "]' | wc -l
}

# memtarget leaks 1024 bytes 200 times a second for 2 s: the live folded
# stacks add up to the report's live_bytes + mmap_bytes to the byte, the
# leak's line is main;run_paced;leak_block (outermost first, no offsets)
# with every leaked byte the target counted, and the allocated set holds
# churn's 960 bytes per iteration, all freed.
t_mem_folded_live_and_allocated()
{
	sonde_run mem --json --folded "$T_DIR/live.folded" --folded-alloc "$T_DIR/alloc.folded" \
		-- "$MT" leak 200 1024 2
	expect_ok
	need_mem_final
	n=$(target_says iterations)
	expect_eq "memtarget's leaked bytes" "$(target_says bytes)" $((n * 1024))
	expect_ge "memtarget iterations" "$n" 100
	want=$(jq -r '.live_bytes + .mmap_bytes' <<<"$FINAL")
	expect_ge "live + mmap bytes of the report" "$want" $((n * 1024))
	expect_eq "live folded total (the report's live_bytes + mmap_bytes)" \
		"$(folded_total "$T_DIR/live.folded")" "$want"
	expect_eq "mmap lines' total (the report's mmap_bytes)" \
		"$(grep ';\[mmap\] [0-9]*$' "$T_DIR/live.folded" | awk '{ s += $NF } END { printf "%d\n", s }')" \
		"$(jq -r .mmap_bytes <<<"$FINAL")"
	expect_eq "leak_block's live bytes" \
		"$(folded_weight "$T_DIR/live.folded" '(.*;)?main;run_paced;leak_block')" $((n * 1024))
	expect_eq "churn's live bytes (all freed: no line)" \
		"$(folded_weight "$T_DIR/live.folded" '.*churn')" none
	expect_eq "leak_block's allocated bytes" \
		"$(folded_weight "$T_DIR/alloc.folded" '(.*;)?main;run_paced;leak_block')" $((n * 1024))
	expect_eq "churn's allocated bytes" \
		"$(folded_weight "$T_DIR/alloc.folded" '(.*;)?main;run_paced;churn')" $((n * 960))
	! grep -q '+0x' "$T_DIR/live.folded" || fail "a frame keeps its offset: $(grep -m1 '+0x' "$T_DIR/live.folded")"
	bad=$(grep -cvE '^[^ ;][^;]*(;[^;]+)* [0-9]+$' "$T_DIR/live.folded")
	expect_eq "lines not 'a;b;c N'" "$bad" 0
}

# A name with ';' and terminal escapes (evilname's leak): one frame, escaped.
# Each call spins 4 ms, so the process is still there when its stacks are named.
t_mem_folded_evil_name()
{
	sonde_run mem --folded "$T_DIR/live.folded" -- "$TGT/evilname" 50 4000
	expect_ok
	grep -q '^calls=50 ' "$T_DIR/out" || fail "evilname did not finish: $(head -c 300 "$T_DIR/out")"
	grep -qF 'run_one;evil_\x1b]0\x3bpwned\x07_title\x1b[2J 50000' "$T_DIR/live.folded" ||
		fail "no line ...;run_one;evil_\\x1b]0\\x3bpwned\\x07_title\\x1b[2J 50000 (50 blocks of 1000); the file: $(head -c 400 "$T_DIR/live.folded" | tr "\n" "|")"
	! grep -q $'\x1b' "$T_DIR/live.folded" || fail "an escape byte reached the folded file"
}

# slowcalls: lookup sleeps 3 ms every 5th of 200 calls. The folded counts
# add up to the slow lines sonde printed, all on main;serve_one;lookup; the
# 40 planned sleeps are slow whatever the load.
t_lat_folded_slow_calls()
{
	sonde_run lat --slower-than 1ms --folded "$T_DIR/slow.folded" lookup -- "$TGT/slowcalls" 200
	expect_ok
	expect_eq "slowcalls' calls" "$(target_says calls)" 200
	printed=$(grep -c '^slow .* lookup pid=' "$T_DIR/out")
	expect_ge "slow calls printed" "$printed" 40
	expect_eq "folded total (the slow lines printed)" "$(folded_total "$T_DIR/slow.folded")" "$printed"
	expect_eq "folded count on main;serve_one;lookup" \
		"$(folded_weight "$T_DIR/slow.folded" '(.*;)?main;serve_one;lookup')" "$printed"
	# The same with --json: the counts are the "slow" records.
	sonde_run lat --json --slower-than 1ms --folded "$T_DIR/slow.folded" lookup -- "$TGT/slowcalls" 100
	expect_ok
	expect_eq "slowcalls' calls (--json)" "$(target_says calls)" 100
	printed=$(grep -c '^{"type":"slow"' "$T_DIR/out")
	expect_ge "slow records (--json)" "$printed" 20
	expect_eq "folded total (the slow records)" "$(folded_total "$T_DIR/slow.folded")" "$printed"
}

# Refused before anything is traced or run: lat --folded without slow calls,
# a --folded or --flamegraph file that cannot be written.
t_folded_bad_input()
{
	bad_input 2 'folded needs --slower-than' lat --folded "$T_DIR/x.folded" lookup -- "$TGT/slowcalls" 10
	[ ! -e "$T_DIR/x.folded" ] || fail "a refused run wrote $T_DIR/x.folded"
	bad_input 2 "cannot write '$T_DIR/no/x.folded'" mem --folded "$T_DIR/no/x.folded" -- "$MT" leak 10 10 1
	bad_input 2 "cannot write '$T_DIR/no/x.folded'" mem --folded-alloc "$T_DIR/no/x.folded" -- "$MT" leak 10 10 1
	bad_input 2 "cannot write '$T_DIR/no/x.folded'" lat --slower-than 1ms --folded "$T_DIR/no/x.folded" lookup -- "$TGT/slowcalls" 10
	[ ! -s "$T_DIR/out" ] || fail "the command ran: $(head -c 200 "$T_DIR/out")"
}

# sonde mem -o, then report --flamegraph: valid XML, self-contained, one
# box per frame of the same run's folded stacks; a latency profile refused.
t_report_flamegraph()
{
	sonde_run mem -o "$T_DIR/run.sonde" --folded "$T_DIR/live.folded" -- "$MT" leak 200 1024 1
	expect_ok
	sonde_run report "$T_DIR/run.sonde" --flamegraph "$T_DIR/g.svg"
	expect_ok
	grep -q 'leak_block' "$T_DIR/out" || fail "report printed no report: $(head -c 300 "$T_DIR/out")"
	xmllint --noout "$T_DIR/g.svg" 2>"$T_DIR/xmllint" || fail "xmllint: $(head -c 300 "$T_DIR/xmllint")"
	want=$(prefixes "$T_DIR/live.folded")
	expect_ge "distinct prefixes of the folded stacks" "$want" 4
	expect_eq "<rect>s of the SVG" "$(svg_rects "$T_DIR/g.svg")" "$want"
	expect_eq "frames (<g class=f>) of the SVG" "$(svg_frames "$T_DIR/g.svg")" "$want"
	! grep -qE 'href|src=|url\(' "$T_DIR/g.svg" || fail "the SVG refers to something outside: $(grep -oE 'href|src=|url\(' "$T_DIR/g.svg" | head -n 1)"
	grep -q '<script><!\[CDATA\[' "$T_DIR/g.svg" || fail "no inline script"
	grep -q '<style>' "$T_DIR/g.svg" || fail "no inline style"
	grep -q "data-total=\"$(folded_total "$T_DIR/live.folded")\"" "$T_DIR/g.svg" ||
		fail "the graph's total is not the folded total $(folded_total "$T_DIR/live.folded")"
	sonde_run lat -o "$T_DIR/lat.sonde" lookup -- "$TGT/slowcalls" 20
	expect_ok
	bad_input 2 'latency profile.*memory profiles' report "$T_DIR/lat.sonde" --flamegraph "$T_DIR/l.svg"
	[ ! -e "$T_DIR/l.svg" ] || fail "a refused report wrote $T_DIR/l.svg"
}

# memtarget leaking at 50/s (BASE) and at 400/s (NEW) for 2 s: the diff's
# flame graph is valid, its leak path red (grew), churn's absent (nothing live).
t_diff_flamegraph()
{
	sonde_run mem -o "$T_DIR/base.sonde" -- "$MT" leak 50 1024 2
	expect_ok
	sonde_run mem -o "$T_DIR/new.sonde" --folded "$T_DIR/new.folded" -- "$MT" leak 400 1024 2
	expect_ok
	sonde_run diff "$T_DIR/base.sonde" "$T_DIR/new.sonde" --flamegraph "$T_DIR/d.svg"
	expect_eq "diff exit status (the leak grew: a regression)" "$RC" 1
	xmllint --noout "$T_DIR/d.svg" 2>"$T_DIR/xmllint" || fail "xmllint: $(head -c 300 "$T_DIR/xmllint")"
	expect_eq "<rect>s of the diff SVG" "$(svg_rects "$T_DIR/d.svg")" "$(prefixes "$T_DIR/new.folded")"
	for fn in main run_paced leak_block; do
		fill=$(grep -A1 "<title>$fn\$" "$T_DIR/d.svg" | grep -o 'fill="rgb([0-9,]*)"' | head -n 1)
		if ! [[ $fill =~ rgb\(255,([0-9]+),([0-9]+)\) ]] ||
			[ "${BASH_REMATCH[1]}" != "${BASH_REMATCH[2]}" ] || [ "${BASH_REMATCH[1]}" -ge 120 ]; then
			fail "$fn's box is $fill, expected a deep red (grew)"
		fi
	done
	grep -A1 '<title>leak_block$' "$T_DIR/d.svg" | grep -qE '; base [0-9.]+KiB, \+[0-9.]+KiB \(\+[0-9.]+%\)' ||
		fail "leak_block's figures lack the change: $(grep -A1 '<title>leak_block$' "$T_DIR/d.svg" | tr '\n' '|')"
	sonde_run lat -o "$T_DIR/lat.sonde" lookup -- "$TGT/slowcalls" 20
	expect_ok
	bad_input 2 'latency profiles hold no stacks' diff "$T_DIR/lat.sonde" "$T_DIR/lat.sonde" --flamegraph "$T_DIR/l.svg"
}

# The graph's script in Debian's chromium: a click on leak_block zooms it to
# the full width, its callers span it faded and the others hide; a search
# shows the matched share of the folded total; reset restores the widths.
t_flamegraph_script_in_browser()
{
	command -v chromium >/dev/null || skip "chromium is not installed (apt-get install chromium)"
	sonde_run mem -o "$T_DIR/run.sonde" --folded "$T_DIR/live.folded" -- "$MT" leak 200 1024 1
	expect_ok
	sonde_run report "$T_DIR/run.sonde" --flamegraph "$T_DIR/g.svg"
	expect_ok
	# A second script, run after the graph's: it acts, and leaves what it saw on the root.
	sed '$d' "$T_DIR/g.svg" >"$T_DIR/t.svg"
	cat >>"$T_DIR/t.svg" <<'EOF'
<script><![CDATA[
(function () {
	var svg = document.documentElement, out = [];
	function frame(name) {
		return Array.prototype.find.call(document.querySelectorAll("g.f"), function (g) {
			return g.querySelector("title").textContent.split("\n")[0] === name;
		});
	}
	function click(el) { el.dispatchEvent(new MouseEvent("click", {bubbles: true})); }
	var leak = frame("leak_block"), caller = frame("run_paced"), rect = leak.querySelector("rect");
	out.push("before=" + rect.getAttribute("width"));
	click(rect);
	out.push("zoomed=" + rect.getAttribute("width") + "@" + rect.getAttribute("x"));
	out.push("caller=" + caller.getAttribute("class").replace(" ", "_"));
	out.push("hidden=" + document.querySelectorAll("g.f.hide").length);
	window.prompt = function () { return "^leak_"; };
	click(document.getElementById("search"));
	out.push("matched=" + document.getElementById("matched").textContent.replace(/ /g, "_"));
	out.push("highlit=" + document.querySelectorAll("g.f.match").length);
	click(document.getElementById("reset"));
	out.push("reset=" + rect.getAttribute("width"));
	leak.dispatchEvent(new MouseEvent("mouseover", {bubbles: true}));
	out.push("details=" + document.getElementById("details").textContent.split(" ")[0]);
	svg.setAttribute("data-result", out.join(" "));
})();
]]></script>
</svg>
EOF
	xmllint --noout "$T_DIR/t.svg" || fail "the test's copy is not XML"
	timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$T_DIR/chromium" --enable-logging=stderr --v=0 \
		--dump-dom "file://$T_DIR/t.svg" >"$T_DIR/dom" 2>"$T_DIR/chromium.err"
	res=$(grep -o 'data-result="[^"]*"' "$T_DIR/dom" | head -n 1)
	[ -n "$res" ] || fail "the page left no result; console: $(grep -i 'console\|uncaught' "$T_DIR/chromium.err" | head -c 400 | tr '\n' '|')"
	! grep -qi 'uncaught' "$T_DIR/chromium.err" || fail "a script error: $(grep -i -m1 uncaught "$T_DIR/chromium.err")"
	total=$(folded_total "$T_DIR/live.folded")
	leak=$(folded_weight "$T_DIR/live.folded" '(.*;)?main;run_paced;leak_block')
	width=$(awk -v l="$leak" -v t="$total" 'BEGIN { printf "%.2f", 1180 * l / t }')
	share=$(awk -v l="$leak" -v t="$total" 'BEGIN { printf "%.2f", 100 * l / t }')
	path=$(grep -E '(^|;)main;run_paced;leak_block [0-9]+$' "$T_DIR/live.folded" | tr -cd ';' | wc -c)
	hidden=$(($(prefixes "$T_DIR/live.folded") - path - 1)) # all but leak_block and its callers
	for want in "before=$width" "zoomed=1180.00@10.00" "caller=f_anc" "hidden=$hidden" \
		"matched=Matched:_$share%_(1_frames)" "highlit=1" "reset=$width" "details=leak_block"; do
		grep -q "[ \"]${want}[ \"]" <<<"$res" || fail "expected $want in the browser's $res"
	done
}

run_tests
