#!/bin/bash
# A stripped Go program (go build -ldflags='-s -w': no .symtab): sonde lists and
# traces its functions from .gopclntab as it does the unstripped build's, and
# says why when that table is corrupt.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

STRIPPED=$TGT/gostack.stripped

# ADDRESS SIZE PROBE FUNCTION of each row of `sonde list` in $T_DIR/out.
list_rows()
{
	awk '$1 ~ /^0x/ { print $1, $2, $3, $5 }' "$T_DIR/out"
}

# Same names, addresses, sizes and probe sites as the unstripped build.
t_list_as_unstripped()
{
	local want got f

	readelf -SW "$STRIPPED" | grep -qw '\.symtab' && fail "$STRIPPED has a .symtab"
	sonde_run list -b "$TGT/gostack" 'main.*'
	expect_ok
	want=$(list_rows)
	sonde_run list -b "$STRIPPED" 'main.*'
	expect_ok
	got=$(list_rows)
	for f in main.work main.leaf main.grow; do
		grep -q " $f\$" <<<"$got" ||
			fail "$f not listed: $(err_text) $(head -c 300 "$T_DIR/out")"
	done
	[ "$got" = "$want" ] ||
		fail "stripped: '$(tr '\n' '|' <<<"$got")', unstripped: '$(tr '\n' '|' <<<"$want")'"
	expect_eq "functions listed" "$(wc -l <<<"$got")" 7
	grep -q "^7 functions" "$T_DIR/out" || fail "no '7 functions' line: $(tail -n 1 "$T_DIR/out")"
}

# 8 goroutines x 500 calls, counted exactly; the program prints what it prints
# untraced and exits 0.
t_lat_counts_exactly()
{
	local want

	want=$("$STRIPPED" 500) || fail "$STRIPPED exits $? untraced"
	[ "$want" = "$("$TGT/gostack" 500)" ] || fail "stripped and unstripped builds disagree"
	sonde_run lat -v --json main.work main.leaf -- "$STRIPPED" 500
	expect_ok
	need_final
	[ "$(grep -F calls= "$T_DIR/out")" = "$want" ] ||
		fail "the target printed '$(grep -F calls= "$T_DIR/out")' traced, '$want' untraced"
	grep -q "the command exited with status 0" "$T_DIR/err" ||
		fail "the command's exit status is not 0: $(err_text)"
	expect_eq "main.work calls" "$(fn_field main.work calls)" 4000
	expect_eq "main.leaf calls" "$(fn_field main.leaf calls)" 4000
	expect_eq "drops" "$(drops_total)" 0
	grep -q "^sonde: tracing 2 functions" "$T_DIR/err" ||
		fail "expected 'tracing 2 functions': $(err_text)"
}

# A name it does not have: the ordinary suggestion, not "stripped ... .dynsym".
t_no_match_is_not_called_stripped()
{
	sonde_run lat main.wrok -- "$STRIPPED" 10
	expect_eq "exit status" "$RC" 2
	grep -q "no function matches 'main.wrok' in .*gostack.stripped (did you mean .*'main.work'" \
		"$T_DIR/err" || fail "no suggestion of main.work: $(err_text)"
	grep -q "stripped, and\|\.dynsym" "$T_DIR/err" && fail "called stripped: $(err_text)"
	return 0
}

# Its table's magic overwritten: refused, and the error says why.
t_corrupt_table_says_why()
{
	local copy=$T_DIR/gostack.corrupt off

	off=$(readelf -SW "$STRIPPED" |
		awk '{ for (i = 1; i < NF; i++) if ($i == ".gopclntab") print $(i + 3) }')
	[ -n "$off" ] || fail "no .gopclntab in $STRIPPED"
	cp "$STRIPPED" "$copy"
	printf '\x01\x02\x03\x04' | dd of="$copy" bs=1 seek=$((16#$off)) conv=notrunc status=none
	sonde_run lat 'main.*' -- "$copy" 10
	expect_eq "exit status" "$RC" 2
	grep -q "no function matches 'main\.\*' in .*gostack.corrupt: it is stripped, and its Go" \
		"$T_DIR/err" || fail "not refused as a stripped Go program: $(err_text)"
	grep -qF "function table (.gopclntab) cannot be read: an unknown format (magic 0x04030201)" \
		"$T_DIR/err" || fail "no reason given: $(err_text)"
	grep -q "calls=" "$T_DIR/out" && fail "the target ran: $(head -c 200 "$T_DIR/out")"
	return 0
}

run_tests
