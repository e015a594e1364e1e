#!/bin/bash
# sonde's own files do no harm: -o never writes through a symbolic link (one
# planted before the run or swapped in during it), never loses the previous
# profile when the disk is full or sonde is killed, leaves no temporary file,
# and is checked before tracing; sonde report and sonde diff refuse FIFOs at
# once, stop a gzip bomb at 256 MiB and a parse at 1 GiB.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

SECRET="root's secret, not a profile"

# make_victim: a root-owned 0600 file with known content, in $VICTIM.
make_victim()
{
	VICTIM=$T_DIR/victim
	printf '%s\n' "$SECRET" >"$VICTIM"
	chmod 600 "$VICTIM"
}

expect_victim_intact()
{
	[ "$(cat "$VICTIM")" = "$SECRET" ] || fail "the link's target was written: $(head -c 100 "$VICTIM" | tr '\n' '|')"
	expect_eq "mode of the link's target" "$(stat -c %a "$VICTIM")" 600
}

# sticky_dir: a new world-writable sticky directory, as /tmp is, in $STICKY;
# in /tmp, so that other users can reach it; removed when the test ends.
sticky_dir()
{
	STICKY=$(mktemp -d /tmp/sonde-sticky.XXXXXX)
	trap 'rm -rf "$STICKY"' EXIT
	chmod 1777 "$STICKY"
}

# expect_profile FILE CALLS: FILE is a regular file (not a link) that sonde
# report reads, with spin_50us called CALLS times ("" for any number > 0).
expect_profile()
{
	local calls

	[ -L "$1" ] && fail "$1 is still a symbolic link"
	[ -f "$1" ] || fail "$1 is not a regular file"
	expect_eq "owner of $1" "$(stat -c %U "$1")" root
	sonde_run report --json "$1"
	expect_ok
	calls=$(jq -r '[.functions[] | select(.name == "spin_50us") | .calls] | add // 0' "$T_DIR/out")
	if [ -n "$2" ]; then
		expect_eq "spin_50us calls in $1" "$calls" "$2"
	else
		expect_gt "spin_50us calls in $1" "$calls" 0
	fi
}

# expect_entries DIR NAMES...: DIR holds exactly NAMES (no temporary file left).
expect_entries()
{
	local dir=$1 got want

	shift
	got=$(find "$dir" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' ')
	want=$([ $# = 0 ] || printf '%s\n' "$@" | sort | tr '\n' ' ')
	[ "$got" = "$want" ] || fail "$dir holds: $got; expected: $want"
}

# A link to a root-only file planted at -o's name in a sticky directory: the
# profile replaces the link; the file it pointed to is untouched.
t_symlink_planted()
{
	make_victim
	sticky_dir
	ln -s "$VICTIM" "$STICKY/out.sonde"
	sonde_run lat -o "$STICKY/out.sonde" spin_50us -- "$TGT/spin" 200
	expect_ok
	grep -qx 'calls=200' "$T_DIR/out" || fail "the command's output changed: $(head -c 200 "$T_DIR/out" | tr '\n' '|')"
	expect_victim_intact
	expect_entries "$STICKY" out.sonde
	expect_profile "$STICKY/out.sonde" 200
	expect_eq "mode of the profile (umask $(umask))" "$(stat -c %a "$STICKY/out.sonde")" \
		"$(printf '%o' $((0666 & ~0$(umask))))"
}

# The link appears while sonde traces, planted by an unprivileged user (the
# name is free: nothing is created under it before the end).
t_symlink_swapped_during_run()
{
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	make_victim
	sticky_dir
	start_sonde lat -o "$STICKY/out.sonde" -d 2s spin_50us -- "$TGT/spin"
	wait_file_match "$T_DIR/err" '^sonde: tracing' 15 ||
		fail "sonde did not start tracing; stderr: $(err_text)"
	expect_entries "$STICKY"
	setpriv --reuid=65534 --regid=65534 --clear-groups ln -s "$VICTIM" "$STICKY/out.sonde" ||
		fail "nobody could not plant the link"
	expect_eq "owner of the planted link" "$(stat -c %U "$STICKY/out.sonde")" nobody
	wait_sonde
	expect_ok
	grep -qE '^calls=[0-9]+$' "$T_DIR/out" || fail "the command did not report its calls: $(head -c 200 "$T_DIR/out" | tr '\n' '|')"
	expect_victim_intact
	expect_entries "$STICKY" out.sonde
	expect_profile "$STICKY/out.sonde" ""
}

# sonde killed mid-run (SIGKILL: nothing of sonde's runs after it): the old
# profile is as it was and nothing else is in the directory.
t_killed_run_leaves_nothing()
{
	local pid child

	mkdir "$T_DIR/k"
	printf 'old profile\n' >"$T_DIR/k/run.sonde"
	start_sonde lat -o "$T_DIR/k/run.sonde" spin_50us -- "$TGT/spin"
	wait_file_match "$T_DIR/err" '^sonde: tracing' 15 ||
		fail "sonde did not start tracing; stderr: $(err_text)"
	pid=$(sonde_child) || fail "no sonde process under timeout"
	child=$(pgrep -P "$pid" -x spin)
	[ -n "$child" ] && echo "$child" >>"$IT_TMP/pids"
	kill -KILL "$pid"
	{ wait "$SONDE_PID"; } 2>/dev/null
	expect_eq "exit status of the killed sonde (under timeout)" "$?" 137
	expect_eq "the old profile" "$(cat "$T_DIR/k/run.sonde")" "old profile"
	expect_entries "$T_DIR/k" run.sonde
}

# mount_full: a 64 KiB tmpfs in $FULL, unmounted when the test ends, holding
# old.sonde (a copy of $T_DIR/good.sonde) and a file filling the rest.
mount_full()
{
	FULL=$T_DIR/full
	mkdir -p "$FULL"
	mount -t tmpfs -o size=64k,mode=0755 tmpfs "$FULL" 2>"$T_DIR/mount.err" ||
		skip "cannot mount a tmpfs: $(cat "$T_DIR/mount.err")"
	trap 'umount "$FULL"' EXIT
	cp "$T_DIR/good.sonde" "$FULL/old.sonde"
	dd if=/dev/zero of="$FULL/fill" bs=1k 2>/dev/null
	expect_eq "free KiB on the full tmpfs" "$(df --output=avail "$FULL" | tail -n 1 | tr -d ' ')" 0
}

# expect_no_space FILE KEPT: sonde failed writing FILE because the disk is
# full, said so (KEPT: the previous file is kept, or none was left) with exit 3.
expect_no_space()
{
	local kept="no file was left behind"

	[ "$2" = kept ] && kept="the previous $1 is kept"
	expect_eq "exit status on a full disk (stderr: $(err_text))" "$RC" 3
	grep -qxF "sonde: no space left on device writing '$1' ($kept)" "$T_DIR/err" ||
		fail "message: $(err_text)"
	grep -q 'Input/output' "$T_DIR/err" && fail "the message says Input/output error: $(err_text)"
	return 0
}

# Disk full at the end of sonde lat: the old profile is kept byte for byte,
# no temporary file is left, the run's report and the command's output are
# printed all the same.
t_disk_full_lat()
{
	sonde_run lat -o "$T_DIR/good.sonde" spin_50us -- "$TGT/spin" 100
	expect_ok
	mount_full
	sonde_run lat -o "$FULL/old.sonde" spin_50us -- "$TGT/spin" 200
	expect_no_space "$FULL/old.sonde" kept
	grep -qx 'calls=200' "$T_DIR/out" || fail "the command's output changed: $(head -c 200 "$T_DIR/out" | tr '\n' '|')"
	grep -q '^spin_50us *200 ' "$T_DIR/out" || fail "no final report: $(head -c 300 "$T_DIR/out" | tr '\n' '|')"
	cmp -s "$T_DIR/good.sonde" "$FULL/old.sonde" || fail "the previous profile changed"
	expect_entries "$FULL" fill old.sonde
	# The named temporary file of filesystems without O_TMPFILE is removed too.
	SONDE_NO_O_TMPFILE=1 sonde_run lat -o "$FULL/new.sonde.gz" spin_50us -- "$TGT/spin" 200
	expect_no_space "$FULL/new.sonde.gz" none
	expect_entries "$FULL" fill old.sonde
}

# The same for sonde mem, over an old profile and to a new name (which must
# not be left as a 0-byte file).
t_disk_full_mem()
{
	sonde_run lat -o "$T_DIR/good.sonde" spin_50us -- "$TGT/spin" 100
	expect_ok
	mount_full
	sonde_run mem -o "$FULL/old.sonde" -- "$TGT/memtarget" leak 200 1024 1
	expect_no_space "$FULL/old.sonde" kept
	grep -qE '^leak iterations=[0-9]+ bytes=[0-9]+ elapsed_ns=[0-9]+$' "$T_DIR/out" ||
		fail "the command's output changed: $(head -c 300 "$T_DIR/out" | tr '\n' '|')"
	expect_ge "the command's iterations (200 a second for 1 s)" "$(target_says iterations)" 150
	cmp -s "$T_DIR/good.sonde" "$FULL/old.sonde" || fail "the previous profile changed"
	sonde_run mem -o "$FULL/fresh.sonde" -- "$TGT/memtarget" leak 200 1024 1
	expect_no_space "$FULL/fresh.sonde" none
	expect_entries "$FULL" fill old.sonde
}

# refused STATUS REGEX ARGS...: sonde ARGS exits STATUS with one line on
# stderr matching REGEX. (lib.sh's bad_input also counts uprobe links on libc,
# which other tracers on the machine change; these refusals come before any
# BPF object is loaded.)
refused()
{
	local want=$1 re=$2

	shift 2
	sonde_run "$@"
	expect_eq "exit status of sonde $* (stderr: $(err_text))" "$RC" "$want"
	expect_eq "lines on stderr ($(err_text))" "$(grep -c . "$T_DIR/err")" 1
	grep -qE "$re" "$T_DIR/err" || fail "message does not match /$re/: $(err_text)"
	grep -q 'tracing' "$T_DIR/err" && fail "sonde traced: $(err_text)"
	return 0
}

# -o that cannot be written fails before tracing, for mem as for lat: exit 2,
# one line, well before -d, and the command never runs.
t_output_checked_at_start()
{
	local cmd

	for cmd in mem lat; do
		if [ "$cmd" = mem ]; then
			refused 2 "^sonde: cannot write '/nonexistent-dir/x': No such file or directory$" \
				mem -o /nonexistent-dir/x -d 20s -- "$TGT/memtarget" leak 200 1024 20
		else
			refused 2 "^sonde: cannot write '/nonexistent-dir/x': No such file or directory$" \
				lat -o /nonexistent-dir/x spin_50us -d 20s -- "$TGT/spin"
		fi
		expect_le "ms before sonde $cmd refused -o" "$ELAPSED_MS" 3000
		[ -s "$T_DIR/out" ] && fail "the command ran: $(head -c 200 "$T_DIR/out" | tr '\n' '|')"
	done
	mkdir "$T_DIR/a-dir"
	refused 2 "'$T_DIR/a-dir': it is a directory, not a regular file" \
		mem -o "$T_DIR/a-dir" -d 20s -- "$TGT/memtarget" leak 200 1024 20
	mkfifo "$T_DIR/a-fifo"
	refused 2 "'$T_DIR/a-fifo': it is a FIFO, not a regular file" \
		lat -o "$T_DIR/a-fifo" spin_50us -d 20s -- "$TGT/spin"
	expect_le "ms before sonde lat refused a FIFO" "$ELAPSED_MS" 3000
}

# A 1 GiB gzip bomb in 1 MiB: refused at the 256 MiB limit, in memory
# bounded by it (the reader used to hold all of it).
t_report_gzip_bomb()
{
	local rss size cmd args

	head -c 64M /dev/zero | gzip -9 >"$T_DIR/member.gz"
	for _ in $(seq 16); do cat "$T_DIR/member.gz"; done >"$T_DIR/bomb.sonde.gz"
	size=$(gzip -l "$T_DIR/member.gz" | awk 'NR == 2 { print $2 }')
	expect_eq "bytes in one gzip member" "$size" $((64 << 20))
	expect_le "KiB of the bomb" "$(($(stat -c %s "$T_DIR/bomb.sonde.gz") / 1024))" 2048
	for cmd in report diff; do
		args=("$cmd" "$T_DIR/bomb.sonde.gz")
		[ "$cmd" = diff ] && args+=("$T_DIR/bomb.sonde.gz")
		if [ -x /usr/bin/time ]; then
			IT_TIMEOUT=20 sonde_run_rss "${args[@]}"
		else
			IT_TIMEOUT=20 sonde_run "${args[@]}"
		fi
		expect_eq "exit status of sonde $cmd on the bomb (stderr: $(err_text))" "$RC" 2
		grep -qxF "sonde: '$T_DIR/bomb.sonde.gz' decompresses to more than 256 MiB, the most sonde reads: not a sonde profile" \
			"$T_DIR/err" || fail "message: $(err_text)"
		expect_le "ms for sonde $cmd to refuse the bomb" "$ELAPSED_MS" 10000
		if [ -x /usr/bin/time ]; then
			rss=$(tail -n 1 "$T_DIR/rss")
			# 1 GiB if it were read whole; the limit and the program itself otherwise.
			expect_le "max RSS of sonde $cmd on the bomb, KiB" "$rss" $((320 * 1024))
		fi
	done
	[ -x /usr/bin/time ] || skip "RSS not measured: /usr/bin/time (package time) is missing"
}

# Valid JSON that is no profile, 240 MB of "0," in 1 MB of gzip: under the
# text limit, but its parsed tree would take 5 GB; refused at 1 GiB of it.
t_report_json_bomb()
{
	local rss

	[ -x /usr/bin/time ] || skip "/usr/bin/time (package time) is missing"
	{
		echo '['
		yes '0,' | head -n 80000000
		echo '0]'
	} | gzip -1 >"$T_DIR/array.sonde.gz"
	expect_le "KiB of the JSON bomb" "$(($(stat -c %s "$T_DIR/array.sonde.gz") / 1024))" 4096
	IT_TIMEOUT=30 sonde_run_rss report "$T_DIR/array.sonde.gz"
	expect_eq "exit status of sonde report on the JSON bomb (stderr: $(err_text))" "$RC" 2
	grep -qxF "sonde: '$T_DIR/array.sonde.gz' needs more than 1 GiB of memory to parse, the most sonde gives a profile: not a sonde profile" \
		"$T_DIR/err" || fail "message: $(err_text)"
	rss=$(tail -n 1 "$T_DIR/rss")
	# The text (240 MB) and the parse's 1 GiB, with malloc's own overhead.
	expect_le "max RSS of sonde report on the JSON bomb, KiB" "$rss" $((1800 * 1024))
}

# sonde_run_rss ARGS...: sonde_run under /usr/bin/time; max RSS in KiB in $T_DIR/rss.
sonde_run_rss()
{
	local t0

	t0=$(date +%s%N)
	timeout -k 5 "$IT_TIMEOUT" /usr/bin/time -f %M -o "$T_DIR/rss" "$SONDE" "$@" \
		>"$T_DIR/out" 2>"$T_DIR/err"
	RC=$?
	ELAPSED_MS=$((($(date +%s%N) - t0) / 1000000))
	[ "$RC" = 124 ] && fail "sonde $* did not finish within ${IT_TIMEOUT}s"
	return 0
}

# A FIFO given as a profile: refused at once (opening one waits for a writer).
t_report_fifo()
{
	mkfifo "$T_DIR/fifo.sonde"
	IT_TIMEOUT=3 refused 2 "^sonde: '$T_DIR/fifo.sonde' is not a regular file \(it is a FIFO\); give a profile written by sonde lat -o FILE or sonde mem -o FILE$" \
		report "$T_DIR/fifo.sonde"
	expect_le "ms for sonde report to refuse a FIFO" "$ELAPSED_MS" 1000
	IT_TIMEOUT=3 refused 2 "'$T_DIR/fifo.sonde' is not a regular file \(it is a FIFO\)" \
		diff "$T_DIR/fifo.sonde" "$T_DIR/fifo.sonde"
	expect_le "ms for sonde diff to refuse a FIFO" "$ELAPSED_MS" 1000
}

run_tests
