// SPDX-License-Identifier: GPL-2.0
/*
 * cxxthrow [N]: call outer() N times (default 3000). outer calls middle,
 * which calls thrower; every 3rd call thrower throws, and the exception
 * unwinds through middle and outer to main's catch. Return probes on those
 * frames make the unwinder meet the kernel's trampoline and std::terminate.
 * Prints "calls=N caught=K sum=S".
 */
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

static volatile int sink;

__attribute__((noinline)) int thrower(int x)
{
	asm volatile("" ::: "rbx", "memory");
	if (x % 3 == 2)
		throw std::runtime_error("odd one");
	return x + 1;
}

__attribute__((noinline)) int middle(int x)
{
	asm volatile("" ::: "rbx", "memory");
	int r = thrower(x) * 2;
	sink = r;
	return r;
}

__attribute__((noinline)) int outer(int x)
{
	asm volatile("" ::: "rbx", "memory");
	int r = middle(x) + 1;
	sink = r;
	return r;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3000, caught = 0;
	long long sum = 0;

	for (int i = 0; i < n; i++) {
		try {
			sum += outer(i);
		} catch (const std::runtime_error &) {
			caught++;
		}
	}
	printf("calls=%d caught=%d sum=%lld\n", n, caught, sum);
	return 0;
}
