// SPDX-License-Identifier: GPL-2.0
/*
 * libsondetest.so: a shared library whose exported function spins a known
 * time, to trace a function that lives outside the main executable.
 */
#include "targets.h"

__attribute__((noinline)) void sondetest_spin_30us(void)
{
	TGT_ENTRY();
	tgt_spin_ns(30000);
}
