#!/bin/bash
# Names are data: tests/targets/evilname has a function whose symbol name sets
# the window title and clears the screen (ESC ] 0 ; ... BEL, ESC [ 2 J). Every
# text output of sonde (lat, list, report, diff, mem, --slower-than lines,
# messages) shows it escaped, as the text evil_\x1b]0;pwned\x07_title\x1b[2J,
# with no ESC or BEL byte, and counts it exactly; --json keeps the exact bytes
# (jansson escapes them as \u001B); valid UTF-8 (café_step) prints unchanged.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

EN=$TGT/evilname
EVIL=$'evil_\e]0;pwned\a_title\e[2J'
# As sonde prints it: a regular expression and a fixed string.
EVIL_TEXT='evil_\x1b]0;pwned\x07_title\x1b[2J'
EVIL_RE='evil_\\x1b\]0;pwned\\x07_title\\x1b\[2J'
CAFE=$'caf\xc3\xa9_step'

# controls FILE...: how many control bytes (0x00-0x1f but newline, 0x7f) the files hold.
controls()
{
	cat "$@" | LC_ALL=C tr -d '\n\040-\176\200-\377' | wc -c
}

# no_raw_escapes FILE...: not one ESC, BEL or other control byte reached the output.
no_raw_escapes()
{
	local esc bel other

	esc=$(cat "$@" | LC_ALL=C grep -c $'\x1b')
	bel=$(cat "$@" | LC_ALL=C grep -c $'\x07')
	other=$(controls "$@")
	[ "$esc$bel$other" = 000 ] ||
		fail "raw control bytes in $*: $esc lines with ESC, $bel with BEL, $other control bytes in all: $(cat "$@" | head -c 300 | od -c | head -n 6 | tr '\n' '|')"
}

# has_text FILE TEXT: FILE holds TEXT, as it is.
has_text()
{
	LC_ALL=C grep -qF -- "$2" "$1" || fail "'$2' not in $1: $(head -c 400 "$1" | tr '\n' '|')"
}

# The target's own line, and sonde's exit status: what it would be untraced.
expect_target_ran()
{
	expect_ok
	expect_eq "the target's line" "$(grep -c "^calls=$1 evil=$1 cafe=$1 plain=$1\$" "$T_DIR/out")" 1
}

# row_calls NAME_TEXT: the CALLS column of the table row that starts with NAME_TEXT
# (passed through the environment: awk -v would turn \x1b into the byte).
row_calls()
{
	ROW=$1 LC_ALL=C awk 'index($0, ENVIRON["ROW"]) == 1 { print $2 }' "$T_DIR/out"
}

# sonde lat on the evil function: the table row names it escaped, with its
# exact count; nothing on stdout or stderr holds a raw control byte.
t_lat_table_escapes_the_name()
{
	sonde_run lat 'evil*' 'caf*' plain_step -- "$EN" 300
	expect_target_ran 300
	no_raw_escapes "$T_DIR/out" "$T_DIR/err"
	has_text "$T_DIR/out" "$EVIL_TEXT"
	expect_eq "calls of the escaped evil row" "$(row_calls "$EVIL_TEXT ")" 300
	# Valid names are as they were: UTF-8 passes unchanged.
	expect_eq "calls of the café_step row" "$(row_calls "$CAFE ")" 300
	expect_eq "calls of the plain_step row" "$(row_calls "plain_step ")" 300
	# The widths were taken on the escaped text: every row as long as the header.
	LC_ALL=C awk -v w="$(grep '^FUNCTION' "$T_DIR/out" | LC_ALL=C awk '{ print length($0) }')" '
		/^(FUNCTION|evil_|plain_step)/ && length($0) != w { bad = $0 } END { exit bad != "" }' \
		"$T_DIR/out" || fail "rows not as long as the header: $(grep -A3 '^FUNCTION' "$T_DIR/out" | tr '\n' '|')"
}

# --json keeps the name's exact bytes, escaped by jansson as before.
t_json_keeps_the_exact_name()
{
	sonde_run lat --json 'evil*' -- "$EN" 200
	expect_target_ran 200
	need_final
	expect_eq "functions named with the raw bytes" "$(fn_count "$EVIL")" 1
	expect_eq "calls of the evil function" "$(fn_field "$EVIL" calls)" 200
	has_text "$T_DIR/out" '"name":"evil_\u001B]0;pwned\u0007_title\u001B[2J"'
	no_raw_escapes "$T_DIR/out" "$T_DIR/err"
}

# sonde list: the evil row escaped and in line with the others.
t_list_escapes_the_name()
{
	local evil_at plain_at

	sonde_run list -b "$EN"
	expect_ok
	no_raw_escapes "$T_DIR/out" "$T_DIR/err"
	has_text "$T_DIR/out" "  $EVIL_TEXT  "
	has_text "$T_DIR/out" "  $CAFE  "
	# The column after FUNCTION starts at the same byte in both rows.
	evil_at=$(LC_ALL=C grep -F "$EVIL_TEXT" "$T_DIR/out" | LC_ALL=C awk '{ print index($0, "push rbp") }')
	plain_at=$(grep ' plain_step ' "$T_DIR/out" | awk '{ print index($0, "push rbp") }')
	expect_ge "column of evil's probed instruction" "$evil_at" 1
	expect_eq "column of evil's probed instruction" "$evil_at" "$plain_at"
}

# A recorded profile: sonde report prints the name escaped; --json exactly.
t_report_escapes_the_name()
{
	sonde_run lat -o "$T_DIR/p.sonde" 'evil*' -- "$EN" 250
	expect_target_ran 250
	no_raw_escapes "$T_DIR/out" "$T_DIR/err"
	sonde_run report "$T_DIR/p.sonde" --hist
	expect_ok
	no_raw_escapes "$T_DIR/out" "$T_DIR/err"
	expect_eq "calls of the escaped evil row" "$(row_calls "$EVIL_TEXT ")" 250
	has_text "$T_DIR/out" "$EVIL_TEXT: wall time per call"
	sonde_run report "$T_DIR/p.sonde" --json
	expect_ok
	FINAL=$(cat "$T_DIR/out")
	expect_eq "calls of the evil function (JSON)" "$(fn_field "$EVIL" calls)" 250
}

# A profile edited to hold escape sequences in an object path and the run's
# host: the report shows both escaped, on stdout and stderr.
t_report_of_an_edited_profile()
{
	sonde_run lat -o "$T_DIR/p.sonde" 'evil*' plain_step -- "$EN" 100
	expect_target_ran 100
	jq -c '.meta.host = "host\u001b[2J"
		| .report.functions |= map(if .name == "plain_step"
			then .object = "/tmp/lib\u001b]0;owned\u0007.so" else . end)' \
		"$T_DIR/p.sonde" >"$T_DIR/edited.sonde"
	sonde_run report "$T_DIR/edited.sonde"
	expect_ok
	no_raw_escapes "$T_DIR/out" "$T_DIR/err"
	expect_eq "calls of the plain_step row of the edited object" \
		"$(row_calls 'lib\x1b]0;owned\x07.so:plain_step ')" 100
	has_text "$T_DIR/err" 'on host\x1b[2J (Linux'
}

# sonde diff of two runs, the new one slower: the regression row, the --hist
# title and the build-id note name escaped; --json exactly.
t_diff_escapes_the_name()
{
	local flagged k

	# Two runs a side: the evidence sonde diff weighs (a run this short has no slices).
	for k in 1 2; do
		sonde_run lat -o "$T_DIR/base$k.sonde" 'evil*' -- "$EN" 300 20
		expect_target_ran 300
		sonde_run lat -o "$T_DIR/new$k.sonde" 'evil*' -- "$EN" 300 60
		expect_target_ran 300
	done
	sonde_run diff --metric p50 "$T_DIR"/base{1,2}.sonde ::: "$T_DIR"/new{1,2}.sonde --hist
	expect_eq "exit status with a regression" "$RC" 1
	no_raw_escapes "$T_DIR/out" "$T_DIR/err"
	LC_ALL=C grep -qE "^regression \((warning|critical)\) +$EVIL_RE " "$T_DIR/out" ||
		fail "no escaped regression row: $(head -c 400 "$T_DIR/out" | tr '\n' '|')"
	has_text "$T_DIR/out" "$EVIL_TEXT: base (left) and new (right)"
	sonde_run diff --metric p50 --json "$T_DIR"/base{1,2}.sonde ::: "$T_DIR"/new{1,2}.sonde
	expect_eq "exit status with a regression (JSON)" "$RC" 1
	flagged=$(jq -r '[.rows[] | select(.verdict == "regression") | .name] | join(",")' "$T_DIR/out")
	[ "$flagged" = "$EVIL" ] || fail "regressed functions (JSON): $(printf '%q' "$flagged")"
	# A build-id that changed under an object name with escapes: the note.
	jq -c '.meta.objects[0].path = "/x/obj\u001b]2;t\u0007"' "$T_DIR/base1.sonde" >"$T_DIR/b2.sonde"
	jq -c '.meta.objects[0].path = "/x/obj\u001b]2;t\u0007" | .meta.objects[0].build_id = "0123456789ab"' \
		"$T_DIR/new1.sonde" >"$T_DIR/n2.sonde"
	sonde_run diff --metric p50 "$T_DIR/b2.sonde" "$T_DIR/base2.sonde" ::: "$T_DIR/n2.sonde" "$T_DIR/new2.sonde"
	expect_eq "exit status with a regression" "$RC" 1
	no_raw_escapes "$T_DIR/out" "$T_DIR/err"
	has_text "$T_DIR/err" 'sonde: note: obj\x1b]2;t\x07: build-id '
}

# --slower-than: one line per call (each spins 20 us, the threshold is
# 10 us), the function escaped; the JSON records hold the exact name.
t_slower_than_lines_escape_the_name()
{
	local lines

	sonde_run lat --slower-than 10us 'evil*' -- "$EN" 200
	expect_target_ran 200
	no_raw_escapes "$T_DIR/out" "$T_DIR/err"
	lines=$(LC_ALL=C grep -cE "^slow [0-9:.]+ $EVIL_RE pid=[0-9]+ tid=[0-9]+ wall=" "$T_DIR/out")
	expect_eq "escaped slow-call lines" "$lines" 200
	expect_eq "lines starting 'slow '" "$(grep -c '^slow ' "$T_DIR/out")" 200
	sonde_run lat --json --slower-than 10us 'evil*' -- "$EN" 150
	expect_target_ran 150
	expect_eq "slow records" "$(slow_records)" 150
	expect_eq "slow records with the exact name" \
		"$(jq --arg n "$EVIL" 'select(.name == $n)' "$T_DIR/slow" | grep -c '"type"')" 150
}

# sonde mem: the evil function keeps a block per call (and spins 4 ms, so the
# process is still there when its first stacks are symbolized). Its frame is escaped
# in the --big lines and the stack table; exact in --json.
t_mem_escapes_frames()
{
	local lines

	sonde_run mem --big 1000 -- "$EN" 50 4000
	expect_target_ran 50
	no_raw_escapes "$T_DIR/out" "$T_DIR/err"
	lines=$(LC_ALL=C grep -cE "^big .* malloc 1000B .* stack=$EVIL_RE\+0x[0-9a-f]+;run_one\+0x" "$T_DIR/out")
	expect_eq "escaped --big lines of the evil function's blocks" "$lines" 50
	LC_ALL=C grep -qE "  $EVIL_RE < run_one < main" "$T_DIR/out" ||
		fail "no escaped stack row: $(grep -A6 'GROWTH' "$T_DIR/out" | tr '\n' '|')"
	sonde_run mem --json -- "$EN" 50 4000
	expect_target_ran 50
	expect_eq "allocations of the stack whose innermost frame is the exact name" \
		"$(grep '^{' "$T_DIR/out" | jq -s --arg n "$EVIL" \
			'[.[] | select(.type == "mem" and .final)][-1].stacks
			 | map(select(.frames[0] == $n)) | .[0].allocs')" 50
}

run_tests
