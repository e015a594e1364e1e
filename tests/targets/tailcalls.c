// SPDX-License-Identifier: GPL-2.0
/*
 * tailcalls [N]: call_cb() N times (default 6000), which tail-calls one of
 * two callbacks through a table of function pointers (jmp *(%rdx,%rax,8)),
 * and pick() N times, a switch (a jump table) that tail-calls step() in two
 * of its cases. Built with -O2, so the tail calls are jumps. Prints
 * "cb=S pick=P".
 */
#include <stdio.h>
#include <stdlib.h>

typedef int (*cb_t)(int);

__attribute__((noinline)) int cb_a(int x)
{
	asm volatile("" ::: "rbx", "memory");
	return x + 1;
}

__attribute__((noinline)) int cb_b(int x)
{
	asm volatile("" ::: "rbx", "memory");
	return x + 2;
}

cb_t callbacks[2] = {cb_a, cb_b};

__attribute__((noinline)) int call_cb(int i, int x)
{
	return callbacks[i & 1](x);
}

__attribute__((noinline)) int step(int x)
{
	asm volatile("" ::: "rbx", "memory");
	return x * 3;
}

__attribute__((noinline)) int pick(int i, int x)
{
	switch (i % 6) {
	case 0:
		return x + 7;
	case 1:
		return step(x);
	case 2:
		return x ^ 5;
	case 3:
		return step(x + 1);
	case 4:
		return x - 9;
	default:
		return x << 2;
	}
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 6000, i;
	long long cb = 0, pk = 0;

	for (i = 0; i < n; i++) {
		cb += call_cb(i, i);
		pk += pick(i, i);
	}
#ifdef __cplusplus
	/* Built as C++ (tailcalls_cxx): a throw, so that libstdc++ is linked as in C++ programs. */
	try {
		if (argc > 2)
			throw argc;
	} catch (int e) {
		pk += e;
	}
#endif
	printf("cb=%lld pick=%lld\n", cb, pk);
	return 0;
}
