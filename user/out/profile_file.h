/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Profile files (-o FILE; docs/profile-format.md): the run's model and what
 * the run was, as JSON through jansson, gzip-compressed when the name ends in
 * ".gz", and put in place whole (user/out/out_file.h). `sonde report` and
 * `sonde diff` read them back into the same model the live run printed.
 */
#ifndef SONDE_PROFILE_FILE_H
#define SONDE_PROFILE_FILE_H

#include "mem/mem_profile.h"
#include "lat/lat_profile.h"
#include "out/run_meta.h"
#include "out/sonde_profile.h"

#define SONDE_PROFILE_FORMAT "sonde-profile"
/* 2: lat files keep time slices, mem files their --json report; 1 still reads.
 * 3: a lat file with call paths (--tree); files without stay 2, which a sonde
 * from before reads. */
#define SONDE_PROFILE_VERSION	      3
#define SONDE_PROFILE_VERSION_MIN     1
#define SONDE_PROFILE_VERSION_NO_TREE 2
/*
 * The most a reader takes, decompressed (docs/profile-format.md). A default
 * mem run's profile (16384 stacks of 32 frames, 120 samples) is at most about
 * 40 MiB with 25-character frame names, 110 MiB with 200-character ones; a lat
 * run's of 5000 functions about 120 MiB if every bucket of both histograms of
 * every function held calls. A gzip bomb stops here instead of filling memory.
 */
#define SONDE_PROFILE_MAX_BYTES (256 << 20)
/*
 * The most memory parsing that text may take (jansson's tree: 5 to 20 times
 * the text). Real profiles need far less: 250 MiB for a 40 MiB mem profile.
 */
#define SONDE_PROFILE_MAX_PARSE_BYTES (1 << 30)

struct out_file;

/*
 * Write the profile into `out` (opened with out_file_open() before the run)
 * and put it in place; errors are reported (sonde: ...). The previous file
 * is kept on any failure.
 */
int profile_save_lat(struct out_file *out, const struct lat_profile *p, const struct run_meta *m);
int profile_save_mem(struct out_file *out, const struct mem_profile *p, size_t top,
		     const struct run_meta *m);
/* The same in one go, opening `path` now. */
int profile_write_lat(const char *path, const struct lat_profile *p, const struct run_meta *m);
int profile_write_mem(const char *path, const struct mem_profile *p, size_t top,
		      const struct run_meta *m);

/* Read and validate a file; every failure is reported (sonde: ...) and returns
 * -SONDE_EXIT_INPUT: missing, unreadable, truncated, corrupt, unknown version. */
int profile_read(const char *path, struct sonde_profile **out);
void sonde_profile_free(struct sonde_profile *p);

#endif
