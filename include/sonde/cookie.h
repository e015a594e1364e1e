/* SPDX-License-Identifier: GPL-2.0 */
/* The attach cookie of an entry/return probe, shared by BPF and user code. */
#ifndef SONDE_COOKIE_H
#define SONDE_COOKIE_H

/*
 * The low 32 bits are what lat.bpf.c keeps in a call's frame as they are.
 * Low 30 bits: the function id (index into the function table).
 */
#define SONDE_COOKIE_ID_MASK 0x3fffffffULL
/* Set when the probed instruction is single-stepped rather than emulated: its
 * probe costs more, and the calibration subtracts the matching amount. */
#define SONDE_COOKIE_STEPPED (1ULL << 30)
/* Set when returns are probed at the return instructions (a single-stepped
 * ret), not by a return probe: another cost again. */
#define SONDE_COOKIE_INSNS (1ULL << 31)
/* Exit probes only (never kept in a frame): the exit is soft (exit_sites.h:
 * it ends the call only at the entry's exact stack pointer), and the kernel
 * emulates it (a jmp: the cheap shape, not a single-stepped ret). */
#define SONDE_COOKIE_EXIT_SOFT	   (1ULL << 32)
#define SONDE_COOKIE_EXIT_EMULATED (1ULL << 33)
/* A tail jump to a traced function: the call does not end there, but with
 * the callee's return (both functions' returns probed at their exits). */
#define SONDE_COOKIE_EXIT_CHAINED (1ULL << 34)
/* The probe shape, an index into the calibration's costs: stepped | insns << 1. */
#define SONDE_COOKIE_SHAPE_SHIFT 30
#define SONDE_SHAPES 4

#endif /* SONDE_COOKIE_H */
