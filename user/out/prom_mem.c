// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/safe_text.h"
#include "out/mem_term.h"
#include "out/prom_lat.h"
#include "out/prom_mem.h"

/* A stack label's length at most: 32 frames of long C++ names fit, a pathological one is cut. */
#define STACK_LABEL_MAX 2048

/*
 * "main;serve;leaky_fn", outermost frame first, as folded stacks read;
 * offsets left out, so the label stays the same as code moves within a
 * function; "[mmap]" ends an anonymous mapping's. Cut at a frame boundary.
 */
static void stack_label(const struct mem_stack *s, char *out, size_t len)
{
	size_t n = 0, i;
	char fn[512], safe[512 * SAFE_TEXT_MAX_GROWTH];

	out[0] = '\0';
	for (i = s->nr_frames; i-- > 0;) {
		const char *name = safe_name(safe, sizeof(safe),
					     mem_frame_function(s->frames[i], fn, sizeof(fn)));
		size_t need = strlen(name) + (n ? 1 : 0);

		if (n + need + 1 > len)
			break;
		n += (size_t)snprintf(out + n, len - n, "%s%s", n ? ";" : "", name);
	}
	if (!n)
		n = (size_t)snprintf(out, len, "%s",
				     s->id == SONDE_MEM_NO_STACK ? "[unknown]" : "[no frames]");
	if (s->mmap && n + 8 < len)
		snprintf(out + n, len - n, ";[mmap]");
}

struct labelled {
	char *label;
	__u64 live_bytes;
};

static void free_labelled(struct labelled *v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i].label);
	free(v);
}

/* The top stacks by growth, as labels, and the rest's sum; stacks whose
 * labels read alike (offsets differ) are one series. */
static struct labelled *top_stacks(const struct mem_profile *p, size_t top, size_t *nr_out,
				   __u64 *other)
{
	size_t *order = calloc(p->nr_stacks ? p->nr_stacks : 1, sizeof(*order));
	struct labelled *v = calloc(top ? top : 1, sizeof(*v));
	size_t n, r, nr = 0, j;
	char label[STACK_LABEL_MAX];

	*other = 0;
	if (!order || !v) {
		free(order);
		free(v);
		return NULL;
	}
	n = mem_profile_rank(p, order, p->nr_stacks);
	for (r = 0; r < n; r++) {
		const struct mem_stack *s = &p->stacks[order[r]];

		stack_label(s, label, sizeof(label));
		/* A one-frame stack in a function called "other" is the rest's series. */
		if (!strcmp(label, "other")) {
			*other += s->live_bytes;
			continue;
		}
		for (j = 0; j < nr && strcmp(v[j].label, label); j++)
			;
		if (j == nr && nr == top) {
			*other += s->live_bytes;
			continue;
		}
		if (j == nr && !(v[nr++].label = strdup(label))) {
			free(order);
			free_labelled(v, nr);
			return NULL;
		}
		v[j].live_bytes += s->live_bytes;
	}
	free(order);
	*nr_out = nr;
	return v;
}

static void gauge(struct prom_writer *w, const char *name, const char *help, double v)
{
	prom_family(w, name, PROM_GAUGE, help);
	prom_sample(w, NULL, 0, v);
}

static void counter(struct prom_writer *w, const char *name, const char *help, double v)
{
	prom_family(w, name, PROM_COUNTER, help);
	prom_sample(w, NULL, 0, v);
}

int prom_mem_write(struct prom_writer *w, const struct mem_profile *p, size_t top)
{
	__u64 alloc_bytes = 0, live = mem_profile_live_bytes(p, false), other;
	size_t nr = 0, i;
	struct labelled *v = top_stacks(p, top, &nr, &other);
	int d;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < p->nr_stacks; i++)
		if (!p->stacks[i].mmap)
			alloc_bytes += p->stacks[i].alloc_bytes;
	prom_write_build_info(w);
	gauge(w, "sonde_rss_bytes", "Resident memory of the traced processes", p->rss_bytes);
	gauge(w, "sonde_rss_peak_bytes", "The highest sonde_rss_bytes seen while tracing",
	      p->rss_peak_bytes);
	gauge(w, "sonde_heap_live_bytes",
	      "Bytes allocated through the allocator while traced and not freed yet", live);
	gauge(w, "sonde_heap_live_blocks", "Blocks allocated while traced and not freed yet",
	      mem_profile_live_allocs(p, false));
	gauge(w, "sonde_mmap_live_bytes",
	      "Anonymous mappings made outside the allocator while traced and not unmapped",
	      mem_profile_live_bytes(p, true));
	counter(w, "sonde_allocations_total", "Allocator calls that returned memory",
		p->counts[SONDE_MC_ALLOCS]);
	counter(w, "sonde_frees_total", "free() and realloc() of a block (free(NULL) not counted)",
		p->counts[SONDE_MC_FREES]);
	counter(w, "sonde_allocated_bytes_total", "Bytes the allocator handed out while traced",
		alloc_bytes);
	counter(w, "sonde_freed_bytes_total", "Of those, bytes freed again",
		alloc_bytes > live ? alloc_bytes - live : 0);
	prom_family(w, "sonde_stack_live_bytes", PROM_GAUGE,
		    "Live bytes by allocating stack (outermost frame first): the stacks that grow "
		    "fastest, the rest summed as stack=\"other\"");
	for (i = 0; i < nr; i++) {
		struct prom_label l[] = {{"stack", v[i].label}};

		prom_sample(w, l, 1, v[i].live_bytes);
	}
	prom_sample(w, (struct prom_label[]){{"stack", "other"}}, 1, other);
	prom_family(w, "sonde_dropped_total", PROM_COUNTER,
		    "Events or records sonde could not count, by reason");
	for (d = 0; d < SONDE_MD__COUNT; d++) {
		struct prom_label l[] = {{"reason", mem_drop_name(d)}};

		prom_sample(w, l, 1, (double)p->drops[d]);
	}
	free_labelled(v, nr);
	return w->failed ? -ENOMEM : 0;
}
