// SPDX-License-Identifier: GPL-2.0
/*
 * cclones [N]: gcc's clones of C functions (tests/targets/targets.mk builds it
 * at -O2 with -fipa-cp-clone). Per round, N rounds: weigh() once (gcc keeps only
 * a clone, "weigh.constprop.0.isra.0": it reads two fields of the struct it is
 * passed and its scale is always 3), total() once with constant arguments and
 * every other round with a variable scale (a clone "total.constprop.0" beside
 * total). Prints "n=N sum=S" at exit.
 */
#include <stdio.h>
#include <stdlib.h>

struct item {
	int weight, price, stock, pad[8];
};

static __attribute__((noinline)) int weigh(const struct item *it, int scale)
{
	return it->weight * scale + it->price;
}

__attribute__((noinline)) long total(const struct item *items, int n, int scale)
{
	long t = 0;

	for (int i = 0; i < n; i++)
		t += items[i].weight * scale + items[i].stock;
	return t;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000, sum = 0;
	struct item items[4] = {{1, 2, 3, {0}}, {4, 5, 6, {0}}, {7, 8, 9, {0}}, {1, 1, 1, {0}}};
	volatile int vscale = argc;

	for (long i = 0; i < n; i++) {
		/* total() reads what changes each round: not hoisted out of the loop. */
		items[i & 3].stock = (int)i;
		sum += weigh(&items[i & 3], 3);
		sum += total(items, 4, 5);
		if (i % 2 == 0)
			sum += total(items, 4, vscale);
	}
	printf("n=%ld sum=%ld\n", n, sum);
	return 0;
}
