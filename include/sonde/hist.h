/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Log-linear latency buckets, shared by BPF and user code.
 *
 * Values below 16 ns get one bucket each. Above, a bucket is the power of two
 * plus the next 4 bits of mantissa: 16 sub-buckets per octave, so a bucket is
 * at most 1/16 = 6.25 % wide relative to its lower bound. The last octave
 * starts at 2^SONDE_HIST_MAX_LOG2 ns (~18 min); larger values land in the last
 * bucket.
 */
#ifndef SONDE_HIST_H
#define SONDE_HIST_H

#ifndef __VMLINUX_H__ /* user space; BPF code has the types from vmlinux.h */
#include <linux/types.h>
#endif

#define SONDE_HIST_SUB_BITS 4
#define SONDE_HIST_SUB	    (1 << SONDE_HIST_SUB_BITS)
#define SONDE_HIST_MAX_LOG2 40
#define SONDE_HIST_BUCKETS                                                                         \
	(SONDE_HIST_SUB + (SONDE_HIST_MAX_LOG2 - SONDE_HIST_SUB_BITS + 1) * SONDE_HIST_SUB)

/*
 * floor(log2(v)) for v > 0, by halving the range: no loop for the BPF
 * verifier, and every branch goes the same way call after call for a
 * function whose latency is steady (the BPF target has no count-leading-zeros).
 */
static inline __u32 sonde_log2_u64(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) {
		v >>= 32;
		r += 32;
	}
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	return r + (__u32)(v >> 1);
}

static inline __u32 sonde_bucket_of_ns(__u64 ns)
{
	__u32 e, mant, b;

	if (ns < SONDE_HIST_SUB)
		return (__u32)ns;
	e = sonde_log2_u64(ns);
	if (e > SONDE_HIST_MAX_LOG2)
		return SONDE_HIST_BUCKETS - 1;
	mant = (__u32)(ns >> (e - SONDE_HIST_SUB_BITS)) & (SONDE_HIST_SUB - 1);
	b = SONDE_HIST_SUB + (e - SONDE_HIST_SUB_BITS) * SONDE_HIST_SUB + mant;
	return b;
}

/* Smallest value that falls into bucket b. */
static inline __u64 sonde_bucket_lower_ns(__u32 b)
{
	__u32 e, mant;

	if (b < SONDE_HIST_SUB)
		return b;
	e = (b - SONDE_HIST_SUB) / SONDE_HIST_SUB + SONDE_HIST_SUB_BITS;
	mant = (b - SONDE_HIST_SUB) % SONDE_HIST_SUB;
	return (__u64)(SONDE_HIST_SUB + mant) << (e - SONDE_HIST_SUB_BITS);
}

/* One past the largest value of bucket b (the next bucket's lower bound). */
static inline __u64 sonde_bucket_upper_ns(__u32 b)
{
	return sonde_bucket_lower_ns(b + 1);
}

#endif /* SONDE_HIST_H */
