// SPDX-License-Identifier: GPL-2.0
/*
 * forker [N]: fork once, then parent and child each call fork_work() N times
 * (default 1000); the parent waits for the child. Prints "child=S" and
 * "parent=S". Traced with -p, the child inherits the parent's probes.
 */
#include <sys/wait.h>
#include <unistd.h>
#include "targets.h"

__attribute__((noinline)) int fork_work(int x)
{
	TGT_ENTRY();
	return x + 1;
}

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 1000), n;
	long long sum = 0;
	pid_t child;

	tgt_init();
	fflush(stdout);
	child = fork();
	for (n = 0; n < want; n++)
		sum += fork_work((int)(n & 0xff));
	if (child == 0) {
		printf("child=%lld\n", sum);
		return 0;
	}
	waitpid(child, NULL, 0);
	printf("parent=%lld\n", sum);
	return 0;
}
