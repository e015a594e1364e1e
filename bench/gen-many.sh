#!/bin/sh
# A C program with N distinct functions, for timing attach and detach.
n=${1:-10000}
i=0
while [ "$i" -lt "$n" ]; do
	echo "__attribute__((noinline)) int fn_$i(int x) { return x + $i; }"
	i=$((i + 1))
done
echo "int main(void) { return fn_0(0) + fn_$((n - 1))(0) == 0; }"
