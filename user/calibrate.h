/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Calibration: how much of a probe's own cost lands inside the windows sonde
 * measures, found at start by tracing two known near-empty functions in
 * sonde's own process (one whose probe the kernel emulates, one it
 * single-steps), so that every measured call can be corrected.
 */
#ifndef SONDE_CALIBRATE_H
#define SONDE_CALIBRATE_H

#include <stdbool.h>
#include "attach.h"
#include "lat.skel.h"

/* Function ids the calibration uses, after the traced functions'. */
#define SONDE_CALIB_IDS 2

struct calibration {
	/* [0]: emulated probe site, [1]: single-stepped one. */
	__u64 window_ns[2]; /* inside the call's own measured window */
	__u64 call_ns[2];   /* everything a traced call adds to its caller */
};

/* Measure with the loaded skeleton, using function ids id_base and id_base+1. */
int calibrate(struct lat_bpf *skel, const struct probe_progs *progs, bool multi, __u32 id_base,
	      struct calibration *out);

#endif
