#!/bin/bash
# The user/ tree's shape, checked from its #include lines (make check-layers):
#  - no cycle between modules (a module is a .c with its .h; X_priv.h is X's);
#  - a folder includes only from the folders below it, in this order, and lat/
#    and mem/, the two capabilities, never from each other.
# Prints what breaks it and exits 1; silent (but for one line) when all holds.
set -euo pipefail
cd "$(dirname "$0")/.."

LAYERS=(core probe lat mem out diff cmd) # lowest first
declare -A rank=([core]=0 [probe]=1 [lat]=2 [mem]=2 [out]=3 [diff]=4 [cmd]=5 [.]=6)

edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
bad=0
for f in user/*.[ch] user/*/*.[ch]; do
	m=${f#user/}
	m=${m%.*}
	m=${m%_priv}
	dir=$(dirname "$m")
	while read -r inc; do
		d=${inc%.h}
		d=${d%_priv}
		[ -e "user/$inc" ] || continue
		[ "$d" = "$m" ] && continue
		echo "$m $d" >>"$edges"
		to=$(dirname "$d")
		[ "$to" = "$dir" ] && continue
		if [ -z "${rank[$to]:-}" ] || [ "${rank[$to]}" -ge "${rank[$dir]}" ]; then
			below=$(for l in "${LAYERS[@]}"; do [ "${rank[$l]}" -lt "${rank[$dir]}" ] && printf '%s/ ' "$l"; done)
			echo "check-layers: $f includes $inc, but $dir/ may include only from ${below:-none of the folders}" >&2
			bad=1
		fi
	done < <(sed -n 's/^#include "\([a-z_0-9/]*\.h\)".*/\1/p' "$f")
done
if ! tsort "$edges" >/dev/null 2>"$edges.err"; then
	echo "check-layers: modules include each other in a cycle:" >&2
	sed 's/^tsort: //' "$edges.err" >&2
	bad=1
fi
rm -f "$edges.err"
[ "$bad" = 0 ] && echo "  LAYERS   $(wc -l <"$edges") includes between $(cut -d' ' -f1 "$edges" | sort -u | wc -l) modules: no cycle, none upward"
exit "$bad"
