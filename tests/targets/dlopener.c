// SPDX-License-Identifier: GPL-2.0
/*
 * dlopener LIB [N]: dlopen() the shared library at path LIB (a copy of
 * libsondedel.so), then call its sondedel_outer() N times (0 or none: until
 * SIGTERM). With TGT_WAIT_USR1=1 the library is loaded before the wait
 * for SIGUSR1, so a test can delete or replace the file first and then trace
 * the copy that stays mapped. Prints "calls=N" at exit.
 */
#include <dlfcn.h>
#include "targets.h"

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 2, 0), n;
	void (*outer)(void);
	void *lib;

	if (argc < 2) {
		fprintf(stderr, "usage: dlopener LIB [N]\n");
		return 2;
	}
	lib = dlopen(argv[1], RTLD_NOW);
	outer = lib ? (void (*)(void))dlsym(lib, "sondedel_outer") : NULL;
	if (!outer) {
		fprintf(stderr, "dlopener: %s\n", dlerror());
		return 1;
	}
	tgt_init();
	for (n = 0; tgt_more(n, want); n++)
		outer();
	printf("calls=%llu\n", n);
	return 0;
}
