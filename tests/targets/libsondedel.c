// SPDX-License-Identifier: GPL-2.0
/*
 * libsondedel.so: the library dlopener loads and the tests delete while it is
 * mapped. sondedel_outer() calls sondedel_inner() (a 20 us spin), so a stack
 * taken in the inner function has a frame in the deleted object to name.
 */
#include "targets.h"

__attribute__((noinline)) void sondedel_inner(void)
{
	TGT_ENTRY();
	tgt_spin_ns(20000);
}

__attribute__((noinline)) void sondedel_outer(void)
{
	TGT_ENTRY();
	sondedel_inner();
	TGT_BARRIER();
}
