/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --offcpu-stacks from user space: the kernel's offcpu table (bpf/lat_offcpu.bpf.h:
 * time off the CPU per process, innermost traced function and user stack)
 * read into the profile's off-CPU stacks (lat_profile.h), each stack named
 * while its process lives.
 */
#ifndef SONDE_LAT_OFFCPU_H
#define SONDE_LAT_OFFCPU_H

#include <stddef.h>
#include <linux/types.h>
#include "lat/lat_profile.h"

struct probe_set;
struct lat_offcpu;

/* Room in the kernel's tables when on: (process, function, stack) entries, and
 * stacks (a power of two: ids stay below it, bpf/user_stack.bpf.h). */
#define LAT_OFFCPU_ENTRIES 16384
#define LAT_OFFCPU_STACKS  8192

/* map_fd: offcpu; stacks_fd: stacks. NULL when out of memory. */
struct lat_offcpu *lat_offcpu__new(int map_fd, int stacks_fd, const struct probe_set *set);
void lat_offcpu__free(struct lat_offcpu *o);

/* Name the stacks not yet named (a process's maps are gone once it exited)
 * that no announcement named (a full ring buffer): called as the run goes on,
 * it looks at the table once a second at most. 0 or -errno. */
int lat_offcpu__poll(struct lat_offcpu *o);

/* A (process, stack) the kernel announced (struct sonde_rec_offcpu): named now. */
int lat_offcpu__note(struct lat_offcpu *o, __u32 tgid, __s32 stack_id);

/* Every stack so far into p (lat_profile_set_offcpu()), merged by function
 * and frames, each function's heaviest first. 0 or -errno. */
int lat_offcpu__read(struct lat_offcpu *o, struct lat_profile *p);

/*
 * The frames a stack of function `fn` is kept with: `named` (innermost
 * first), and fn's own frame when the walk missed it. Frame pointers miss the
 * caller of a leaf built without them (libc's syscall wrappers: fn's return
 * address is in no frame the walk visits), so fn goes right above the
 * innermost frame there. No frames at all (the stack was not taken): fn
 * below a "[no stack]" frame. Copies into *out; 0 or -ENOMEM.
 */
int lat_offcpu_frames(const char *fn, const char *const *named, size_t nr, char ***out,
		      size_t *out_nr);

/* Whether frame ("fn+0x1c", or "fn") is function fn's. */
int lat_offcpu_frame_is(const char *frame, const char *fn);

/* Sort v by function (object, name), then heaviest first, merging the
 * stacks of a function with equal frames; *nr: how many are left. */
void lat_offcpu_merge(struct lat_offcpu_stack *v, size_t *nr);

#endif
