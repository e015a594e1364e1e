/* SPDX-License-Identifier: GPL-2.0 */
/* The attach cookie of an entry/return probe, shared by BPF and user code. */
#ifndef SONDE_COOKIE_H
#define SONDE_COOKIE_H

/* Low 31 bits: the function id (index into the function table; lat.bpf.c
 * keeps it in 31 bits of a call's frame). */
#define SONDE_COOKIE_ID_MASK 0x7fffffffULL
/* Set when the probed instruction is single-stepped rather than emulated: its
 * probe costs more, and the calibration subtracts the matching amount. */
#define SONDE_COOKIE_STEPPED (1ULL << 32)

#endif /* SONDE_COOKIE_H */
