// SPDX-License-Identifier: GPL-2.0
/*
 * newleak RATE BYTES SECONDS: C++ allocations, linked with -ljemalloc, whose
 * operator new allocates without calling malloc. RATE times a second,
 * leak_new() keeps a new char[BYTES] and churn_new() news and deletes 4
 * objects (plain, sized and array deletes); the kept blocks are never freed.
 * Prints "newleak iterations=N".
 */
extern "C" {
#include "targets.h"
}

struct Node {
	long v[8];
};

static void *volatile tgt_sink;

__attribute__((noinline)) char *leak_new(size_t n)
{
	TGT_ENTRY();
	return new char[n];
}

__attribute__((noinline)) void churn_new()
{
	Node *a, *b;
	int *c;

	TGT_ENTRY();
	a = new Node;
	b = new Node;
	c = new int[100];
	tgt_sink = a;
	tgt_sink = b;
	tgt_sink = c;
	delete a;				   /* sized: operator delete(void *, size_t) */
	::operator delete(static_cast<void *>(b)); /* unsized */
	delete[] c;
}

int main(int argc, char **argv)
{
	unsigned long long rate = tgt_arg(argc, argv, 1, 200), secs = tgt_arg(argc, argv, 3, 2);
	size_t bytes = tgt_arg(argc, argv, 2, 1024);
	unsigned long long t0, n = 0;

	tgt_init();
	t0 = tgt_now_ns();
	while (!tgt_stop && tgt_now_ns() - t0 < secs * 1000000000ull) {
		tgt_sink = leak_new(bytes);
		churn_new();
		n++;
		tgt_sleep_ns(1000000000ull / rate);
	}
	printf("newleak iterations=%llu\n", n);
	return 0;
}
