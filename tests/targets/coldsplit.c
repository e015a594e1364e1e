// SPDX-License-Identifier: GPL-2.0
/*
 * coldsplit [N]: call work() N times (default 7000). Built with -O2, gcc
 * moves work()'s unlikely branch (every 7th call) into work.cold, a block
 * that work jumps into with its frame live: not a function of its own.
 * Prints "sum=S odd=K"; the odd calls also print to stderr.
 */
#include <stdio.h>
#include <stdlib.h>

static int odd;

__attribute__((cold, noinline)) void report_odd(int x)
{
	odd++;
	fprintf(stderr, "odd %d\n", x);
}

__attribute__((noinline)) int work(int x)
{
	if (__builtin_expect(x % 7 == 3, 0)) {
		report_odd(x);
		return x * 3;
	}
	return x + 1;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 7000, i;
	long long sum = 0;

	for (i = 0; i < n; i++)
		sum += work(i);
	printf("sum=%lld odd=%d\n", sum, odd);
	return 0;
}
