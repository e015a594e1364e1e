// SPDX-License-Identifier: GPL-2.0
/*
 * debugsyms [N [BYTES]]: calls the static function dbg_only_fn N times (0 or
 * none: until SIGTERM, 1 ms apart); with BYTES, each call also mallocs and
 * frees a block of BYTES (past the tcache, so that every malloc reaches
 * libc's _int_malloc), and stdout's buffer is static, so nothing else mallocs
 * after the start. build/targets/debugsyms.stripped is it
 * stripped, with a .gnu_debuglink to debugsyms.debug, its symbols split off
 * by objcopy --only-keep-debug: only the debug file names dbg_only_fn.
 * debugsyms.other.debug is the debug file of the same code linked with
 * another build-id: the wrong one. Prints "calls=N" at exit.
 */
#include "targets.h"

static volatile int sink;
static char out_buf[BUFSIZ];

__attribute__((noinline)) static void dbg_only_fn(void)
{
	TGT_ENTRY();
	sink += 3;
}

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 0), n;
	size_t bytes = (size_t)tgt_arg(argc, argv, 2, 0);
	void *volatile p;

	tgt_init();
	setvbuf(stdout, out_buf, _IOLBF, sizeof(out_buf));
	for (n = 0; tgt_more(n, want); n++) {
		dbg_only_fn();
		if (bytes) {
			p = malloc(bytes);
			free(p);
		}
		if (!want)
			tgt_sleep_ns(1000000);
	}
	printf("calls=%llu\n", n);
	return 0;
}
