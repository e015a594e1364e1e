#!/bin/bash
# Names operators type, and names operators read: Rust (legacy and v0
# mangling, tests/targets/rustnames.rs) and C++ (templates, overloads, a
# virtual destructor, gcc clones: tests/targets/cxxnames.cc). Globs name
# functions as their source does ('app::store::Store::get',
# 'shop::Cache::get'); the terminal shows names that tell overloads, clones
# and destructors apart within its width; JSON keeps the full name and the
# mangled one, and diff pairs functions by them.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

RL=$TGT/rustnames
RV=$TGT/rustnames.v0
CX=$TGT/cxxnames
CC_CLONES=$TGT/cclones

# What sonde shortens names to (user/probe/short_names.h), and room for a tag (" [D1]").
NAME_WIDTH=72
TAG_ROOM=16

# term_rows: "CALLS<TAB>FUNCTION" for each row of the last table in $T_DIR/out
# (a name holds single spaces; the header says how many columns follow it).
term_rows()
{
	awk '/^FUNCTION / { k = NF - 1; rows = ""; next }
		k && NF > k && $(NF - k + 1) ~ /^[0-9.]+k?$/ {
			name = $1
			for (i = 2; i <= NF - k; i++)
				name = name " " $i
			rows = rows $(NF - k + 1) "\t" name "\n"
			next
		}
		{ k = 0 }
		END { printf "%s", rows }' "$T_DIR/out"
}

# row_calls NAME: the CALLS of the terminal row named exactly NAME.
row_calls()
{
	term_rows | awk -F'\t' -v n="$1" '$2 == n { print $1 }'
}

# fn_mangled_calls MANGLED: calls of the JSON row whose mangled name is MANGLED.
fn_mangled_calls()
{
	jq -r --arg m "$1" '[.functions[] | select(.mangled == $m) | .calls] | join(",")' <<<"$FINAL"
}

# Rust, legacy mangling: the path matches without its hash, and counts exactly.
t_rust_legacy_path_without_hash()
{
	sonde_run lat --json 'app::store::Store::get' 'app::store::Store::put' -- "$RL" 3000
	expect_ok
	need_final
	expect_eq "the target's get count" "$(target_says get)" 6000
	expect_eq "functions matched" "$(jq -r '.functions | length' <<<"$FINAL")" 2
	expect_eq "app::store::Store::get calls" "$(fn_field app::store::Store::get calls)" 6000
	expect_eq "app::store::Store::put calls" "$(fn_field app::store::Store::put calls)" 3000
	fn_field app::store::Store::get mangled | grep -qE '^_ZN3app5store5Store3get17h[0-9a-f]{16}E' ||
		fail "mangled name of app::store::Store::get: $(fn_field app::store::Store::get mangled)"
}

# Trait impls by their full name or as Type::method; the two instances of the
# generic app::twice share one path: two rows, told apart by their hash.
t_rust_legacy_traits_and_generics()
{
	local circle='<app::shapes::Circle as app::shapes::Shape>::area' rows

	sonde_run lat --json 'app::shapes::*::area' 'app::twice' -- "$RL" 2000
	expect_ok
	need_final
	expect_eq "$circle calls" "$(fn_field "$circle" calls)" 2000
	expect_eq "Square's area calls" \
		"$(fn_field '<app::shapes::Square as app::shapes::Shape>::area' calls)" 2000
	expect_eq "app::twice calls, both instances" \
		"$(jq -r '[.functions[] | select(.name == "app::twice") | .calls] | sort | join(",")' \
			<<<"$FINAL")" "2000,6000"
	expect_eq "distinct mangled names of app::twice" \
		"$(jq -r '[.functions[] | select(.name == "app::twice") | .mangled] | unique | length' \
			<<<"$FINAL")" 2
	sonde_run lat 'app::shapes::Circle::area' 'app::twice' -- "$RL" 2000
	expect_ok
	expect_eq "calls of the $circle row" "$(row_calls "$circle")" 2000
	rows=$(term_rows | grep -E $'\tapp::twice \\[h[0-9a-f]{8}\\]$' | cut -f1 | sort -n | tr '\n' ,)
	expect_eq "app::twice rows tagged with their hash" "$rows" "2000,6000,"
}

# Rust, v0 mangling (generic arguments in the name): the same globs.
t_rust_v0()
{
	sonde_run lat --json 'app::store::Store::get' 'app::twice' 'app::shapes::Circle::area' \
		-- "$RV" 1500
	expect_ok
	need_final
	expect_eq "<app::store::Store>::get calls" "$(fn_field '<app::store::Store>::get' calls)" 3000
	expect_eq "app::twice::<u32> calls" "$(fn_field 'app::twice::<u32>' calls)" 1500
	expect_eq "app::twice::<f64> calls" "$(fn_field 'app::twice::<f64>' calls)" 4500
	expect_eq "Circle's area calls" \
		"$(fn_field '<app::shapes::Circle as app::shapes::Shape>::area' calls)" 1500
	expect_eq "functions matched" "$(jq -r '.functions | length' <<<"$FINAL")" 4
	fn_field '<app::store::Store>::get' mangled | grep -q '^_R' ||
		fail "v0 mangled name: $(fn_field '<app::store::Store>::get' mangled)"
}

# A template's methods by the name without template arguments; an explicit
# glob with arguments or parameters matches the full name only.
t_cxx_template_globs()
{
	sonde_run lat --json 'shop::Cache::get' -- "$CX" 3000
	expect_ok
	need_final
	expect_eq "the target's rounds" "$(target_says n)" 3000
	expect_eq "functions matched" "$(jq -r '.functions | length' <<<"$FINAL")" 2
	expect_eq "Cache<int>::get calls" "$(fn_field 'shop::Cache<int>::get(int) const' calls)" 3000
	expect_eq "Cache<long>::get calls" "$(fn_field 'shop::Cache<long>::get(int) const' calls)" 3000
	sonde_run lat --json 'shop::Cache<long>::get' 'shop::Cache<int>::put(int, int)' -- "$CX" 2000
	expect_ok
	need_final
	expect_eq "functions matched" "$(jq -r '[.functions[].name] | sort | join(",")' <<<"$FINAL")" \
		"shop::Cache<int>::put(int, int),shop::Cache<long>::get(int) const"
	expect_eq "Cache<long>::get calls" "$(fn_field 'shop::Cache<long>::get(int) const' calls)" 2000
	sonde_run lat --json 'shop::Cache::get(int) const' -- "$CX" 1000
	expect_ok
	need_final
	expect_eq "functions matched by parameters without template arguments" \
		"$(jq -r '.functions | length' <<<"$FINAL")" 2
}

# Overloads, and gcc's clones (there: nm says so) by the function's name.
t_cxx_overloads_and_clones()
{
	local clones total

	clones=$(nm "$CX" | grep -cE '_ZN4shopL5weighERKNS_4ItemEi\.constprop\.0\.isra\.0$|_ZN4shop5totalEPKNS_4ItemEii(\.constprop\.0)?$')
	expect_eq "weigh's clone, total and its clone in the binary" "$clones" 3
	sonde_run lat --json 'shop::log' 'shop::weigh' 'shop::total' -- "$CX" 3000
	expect_ok
	need_final
	expect_eq "shop::log(int) calls" "$(fn_field 'shop::log(int)' calls)" 3000
	expect_eq "shop::log(string) calls" \
		"$(fn_field 'shop::log(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&)' calls)" 1500
	expect_eq "weigh's clone calls" \
		"$(fn_field 'shop::weigh(shop::Item const&, int) [clone .constprop.0] [clone .isra.0]' calls)" 3000
	# Which of total's copies the calls reach is gcc's choice: together, every one.
	total=$(jq -r '[.functions[] | select(.name | startswith("shop::total(")) | .calls] | add' <<<"$FINAL")
	expect_eq "calls of shop::total and its clone" "$total" 4500
	expect_eq "rows of shop::total" \
		"$(jq -r '[.functions[] | select(.name | startswith("shop::total(")) | .name] | unique | length' <<<"$FINAL")" 2
}

# C: a glob on the function's name matches its clones, which keep their
# suffix in the table and in JSON.
t_c_clones_by_base_name()
{
	local total

	expect_eq "clones in the binary" \
		"$(nm "$CC_CLONES" | grep -cE ' (weigh\.constprop\.0\.isra\.0|total\.constprop\.0|total)$')" 3
	sonde_run lat --json weigh total -- "$CC_CLONES" 3000
	expect_ok
	need_final
	expect_eq "weigh.constprop.0.isra.0 calls" "$(fn_field weigh.constprop.0.isra.0 calls)" 3000
	total=$(jq -r '[.functions[] | select(.name == "total" or .name == "total.constprop.0") | .calls] | add' <<<"$FINAL")
	expect_eq "calls of total and total.constprop.0" "$total" 4500
	expect_eq "C names have no mangled name" "$(jq -r '[.functions[] | select(has("mangled"))] | length' <<<"$FINAL")" 0
	sonde_run lat weigh total -- "$CC_CLONES" 3000
	expect_ok
	expect_eq "weigh's clone row" "$(row_calls weigh.constprop.0.isra.0)" 3000
	expect_eq "rows of total" "$(term_rows | cut -f2 | grep -cE '^total(\.constprop\.0)?$')" 2
}

# The terminal: every name within the width, all of them different, clone
# suffixes whole, the destructors told apart by D0 and D1 (D0, deleting, runs
# D1: one Circle deleted through its base and one on the stack per round).
t_cxx_terminal_tells_apart()
{
	local longest distinct rows

	sonde_run lat 'shop::*' 'shapes::Circle::~Circle' -- "$CX" 2000
	expect_ok
	rows=$(term_rows)
	expect_ge "rows" "$(grep -c . <<<"$rows")" 10
	longest=$(cut -f2 <<<"$rows" | awk '{ if (length($0) > m) m = length($0) } END { print m }')
	expect_le "longest name shown" "$longest" $((NAME_WIDTH + TAG_ROOM))
	distinct=$(cut -f2 <<<"$rows" | sort -u | grep -c .)
	expect_eq "distinct names" "$distinct" "$(grep -c . <<<"$rows")"
	expect_eq "~Circle() [D0] calls" "$(row_calls 'shapes::Circle::~Circle() [D0]')" 2000
	expect_eq "~Circle() [D1] calls" "$(row_calls 'shapes::Circle::~Circle() [D1]')" 4000
	expect_eq "weigh's clone calls" \
		"$(row_calls 'shop::weigh(shop::Item const&, int) [clone .constprop.0] [clone .isra.0]')" 2000
	expect_eq "the string overload, shortened" \
		"$(row_calls 'shop::log(std::__cxx11::basic_string<char, ...> const&)')" 1000
	grep -qF 'shop::total(shop::Item const*, int, int) [clone .constprop.0]' "$T_DIR/out" ||
		fail "no row for total's clone: $(cut -f2 <<<"$rows" | tr '\n' '|')"
}

# JSON: the full demangled name, and the mangled one where it differs.
t_json_name_and_mangled()
{
	sonde_run lat --json 'shapes::Circle::~Circle' main -- "$CX" 1000
	expect_ok
	need_final
	expect_eq "rows named shapes::Circle::~Circle()" "$(fn_count 'shapes::Circle::~Circle()')" 2
	expect_eq "D0 calls" "$(fn_mangled_calls _ZN6shapes6CircleD0Ev)" 1000
	expect_eq "D1 calls" "$(fn_mangled_calls _ZN6shapes6CircleD1Ev)" 2000
	expect_eq "main's calls" "$(fn_field main calls)" 1
	expect_eq "main's mangled name (none)" "$(fn_field main mangled)" null
}

# diff pairs the two destructors by their mangled names, and a profile
# written without mangled names still pairs the functions whose name is unique.
t_diff_pairs_by_mangled_name()
{
	local pairs

	sonde_run lat -o "$T_DIR/base.sonde" 'shapes::Circle::~Circle' 'shop::log' -- "$CX" 1000
	expect_ok
	sonde_run lat -o "$T_DIR/new.sonde" 'shapes::Circle::~Circle' 'shop::log' -- "$CX" 1000
	expect_ok
	sonde_run diff --json "$T_DIR/base.sonde" "$T_DIR/new.sonde"
	pairs=$(jq -r '[.rows[] | select(.name == "shapes::Circle::~Circle()")
		| "\(.mangled)=\(.base_calls)/\(.new_calls)"] | sort | join(",")' "$T_DIR/out")
	expect_eq "destructor rows" "$pairs" "_ZN6shapes6CircleD0Ev=1000/1000,_ZN6shapes6CircleD1Ev=2000/2000"
	jq -c 'del(.report.functions[].mangled)' "$T_DIR/base.sonde" >"$T_DIR/old.sonde"
	sonde_run diff --json "$T_DIR/old.sonde" "$T_DIR/new.sonde"
	expect_eq "shop::log(int), base and new calls" \
		"$(jq -r '.rows[] | select(.name == "shop::log(int)") | "\(.base_calls)/\(.new_calls)"' "$T_DIR/out")" \
		"1000/1000"
	sonde_run diff "$T_DIR/base.sonde" "$T_DIR/new.sonde"
	grep -qF 'shapes::Circle::~Circle() [D0]' "$T_DIR/out" ||
		fail "no [D0] row in the diff table: $(head -c 600 "$T_DIR/out" | tr '\n' '|')"
}

# --slower-than lines name the function as the table does: a destructor's kind
# is there on every line.
t_slower_than_lines_tell_apart()
{
	local lines tagged

	sonde_run lat --slower-than 1ns 'shapes::Circle::~Circle' -- "$CX" 200
	expect_ok
	lines=$(grep -c '^slow ' "$T_DIR/out")
	tagged=$(grep -cE '^slow [0-9:.]+ shapes::Circle::~Circle\(\) \[D[01]\] pid=' "$T_DIR/out")
	expect_ge "slow-call lines" "$lines" 1
	expect_eq "lines naming the destructor with its kind" "$tagged" "$lines"
	expect_ge "lines of the deleting destructor" \
		"$(grep -cF 'shapes::Circle::~Circle() [D0] pid=' "$T_DIR/out")" 1
}

# sonde list: the same names as the table, so that they can be typed.
t_list_tells_apart()
{
	sonde_run list 'shapes::*' -b "$CX"
	expect_ok
	if ! grep -qF 'shapes::Circle::~Circle() [D0]' "$T_DIR/out" ||
		! grep -qF 'shapes::Circle::~Circle() [D1]' "$T_DIR/out"; then
		fail "destructors not told apart: $(grep -F '~Circle' "$T_DIR/out" | tr '\n' '|')"
	fi
}

run_tests
