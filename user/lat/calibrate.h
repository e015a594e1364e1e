/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Calibration: how much of a probe's own cost lands inside the windows sonde
 * measures, and how much a traced callee adds to its caller's window, found
 * by tracing known near-empty functions in sonde's own process and reading
 * the kernel's own histograms of their calls. Measured at start and again
 * in the background while tracing (the machine's speed drifts), so every
 * measured call is corrected by what the probes cost now, and every figure
 * carries the spread of that cost as its uncertainty.
 */
#ifndef SONDE_CALIBRATE_H
#define SONDE_CALIBRATE_H

#include <stdbool.h>
#include "probe/attach.h"
#include "lat.skel.h"

/*
 * Function ids the calibration uses, after the traced functions': per way
 * of probing returns, a leaf with an emulated entry, one with a single-
 * stepped entry, and two callers (emulated entry) of each leaf.
 */
#define SONDE_CALIB_IDS 8

struct calibration {
	/*
	 * By probe shape (sonde/cookie.h): [0] emulated entry, [1] single-stepped
	 * one, both with return probes; [2] and [3] the same with the returns
	 * probed at ret instructions (single-stepped) instead.
	 */
	__u64 window_ns[SONDE_SHAPES]; /* inside the call's own measured window */
	__u64 call_ns[SONDE_SHAPES];   /* everything a traced call adds to its caller */
	/* The ± bound on each (calib_bound_ns): how far a call's real cost may
	 * stray from the estimates the calls were corrected by. */
	__u64 window_err_ns[SONDE_SHAPES];
	__u64 call_err_ns[SONDE_SHAPES];
	unsigned int rounds; /* measurements so far */
};

struct calibrator;

/*
 * Attach the calibration's probes (ids id_base to id_base + SONDE_CALIB_IDS - 1),
 * measure once, write the costs into the skeleton's .bss, and keep measuring
 * every few seconds on a thread of its own until calibrator__free().
 */
int calibrator__start(struct lat_bpf *skel, const struct probe_progs *progs, bool multi,
		      __u32 id_base, struct calibrator **out);
/*
 * Hold off the background measurement (and release it): while held, none is
 * half done, so sonde's own calibration calls are in no count a reader takes
 * (the traced threads, the costs in use).
 */
void calibrator__hold(struct calibrator *c);
void calibrator__release(struct calibrator *c);
/*
 * Measure once more, its estimate put in force for no call: the traced
 * threads have all exited, and this round brackets the calls they made
 * since the last one (a run shorter than the rounds' spacing). Once per
 * run; call it held.
 */
void calibrator__close_round(struct calibrator *c);
/* The costs in use now and their spread; call it held. */
void calibrator__get(const struct calibrator *c, struct calibration *out);
/* Stops the background measurement and detaches its probes. */
void calibrator__free(struct calibrator *c);

/*
 * One round's measure of one cost: the estimate taken (its 30th percentile)
 * and the band the middle 80 % of the calibration's calls lay in.
 */
struct calib_sample {
	__u64 est, lo, hi;
};

/*
 * The ± bound on a cost from n rounds (any order) and the estimates in force
 * after each (used[i]), by which the calls were corrected: the farthest any
 * round's band reached from any of those estimates. The cost moves between
 * rounds and between CPUs (a busy VM single-steps in ~9 us or ~13 us by
 * turns), and a call was corrected by whichever estimate was in force.
 */
__u64 calib_bound_ns(const struct calib_sample *rounds, const __u64 *used, unsigned int n);

/*
 * The ± bound on a function's figures from the probe costs subtracted from
 * its calls: its own probe's (shape), and mean_callee_cost_ns, what its
 * traced callees' probes cost per call of it.
 */
__u64 calibration_error_ns(const struct calibration *c, unsigned int shape,
			   double mean_callee_cost_ns);

#endif
