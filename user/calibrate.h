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

/* Function ids the calibration uses, after the traced functions': one per shape. */
#define SONDE_CALIB_IDS SONDE_SHAPES

struct calibration {
	/*
	 * By probe shape (sonde/cookie.h): [0] emulated entry, [1] single-stepped
	 * one, both with return probes; [2] and [3] the same with the returns
	 * probed at ret instructions (single-stepped) instead.
	 */
	__u64 window_ns[SONDE_SHAPES]; /* inside the call's own measured window */
	__u64 call_ns[SONDE_SHAPES];   /* everything a traced call adds to its caller */
};

/* Measure with the loaded skeleton, using function ids id_base to id_base+3. */
int calibrate(struct lat_bpf *skel, const struct probe_progs *progs, bool multi, __u32 id_base,
	      struct calibration *out);

#endif
