// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "core/safe_text.h"
#include "mem/mem_profile.h"
#include "out/folded.h"
#include "out/out_file.h"

void folded_init(struct folded *f, const char *unit)
{
	*f = (struct folded){.unit = unit};
}

static void stack_free(struct folded_stack *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		free(s->frames[i]);
	free(s->frames);
}

void folded_free(struct folded *f)
{
	size_t i;

	for (i = 0; i < f->nr; i++)
		stack_free(&f->v[i]);
	free(f->v);
	free(f->slots);
	folded_init(f, f->unit);
}

/* safe_text()'s escapes, then each ';' as \x3b: a frame never splits in two. */
static char *frame_text(const char *name)
{
	size_t len = safe_text(NULL, 0, name), semis = 0, i, j;
	char *esc, *out;

	if (!*name)
		return strdup("?");
	esc = malloc(len + 1);
	if (!esc)
		return NULL;
	safe_text(esc, len + 1, name);
	for (i = 0; esc[i]; i++)
		semis += esc[i] == ';';
	if (!semis)
		return esc;
	out = malloc(len + 3 * semis + 1);
	for (i = j = 0; out && esc[i]; i++) {
		if (esc[i] == ';') {
			memcpy(out + j, "\\x3b", 4);
			j += 4;
		} else {
			out[j++] = esc[i];
		}
	}
	if (out)
		out[j] = '\0';
	free(esc);
	return out;
}

/* FNV-1a over the frames, each ended by a byte no frame text holds. */
static __u64 stack_hash(char *const *frames, size_t nr)
{
	__u64 h = 0xcbf29ce484222325ULL;
	size_t i;
	const char *c;

	for (i = 0; i < nr; i++) {
		for (c = frames[i]; *c; c++)
			h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
		h = (h ^ 0x01) * 0x100000001b3ULL;
	}
	return h;
}

static bool stack_equal(const struct folded_stack *s, char *const *frames, size_t nr, __u64 h)
{
	size_t i;

	if (s->hash != h || s->nr != nr)
		return false;
	for (i = 0; i < nr; i++)
		if (strcmp(s->frames[i], frames[i]))
			return false;
	return true;
}

/* The slot holding the stack, or the empty one where it would go. */
static size_t *slot_of(const struct folded *f, char *const *frames, size_t nr, __u64 h)
{
	size_t i = (size_t)h & (f->nr_slots - 1);

	while (f->slots[i] && !stack_equal(&f->v[f->slots[i] - 1], frames, nr, h))
		i = (i + 1) & (f->nr_slots - 1);
	return &f->slots[i];
}

/* Room for one more stack, the index kept at most half full. */
static int grow(struct folded *f)
{
	size_t i;

	if (f->nr == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;
		struct folded_stack *v = realloc(f->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		f->v = v;
		f->cap = cap;
	}
	if (2 * (f->nr + 1) > f->nr_slots) {
		size_t n = f->nr_slots ? 2 * f->nr_slots : 32;
		size_t *slots = calloc(n, sizeof(*slots));

		if (!slots)
			return -ENOMEM;
		free(f->slots);
		f->slots = slots;
		f->nr_slots = n;
		for (i = 0; i < f->nr; i++)
			*slot_of(f, f->v[i].frames, f->v[i].nr, f->v[i].hash) = i + 1;
	}
	return 0;
}

/* Frames copied as folded text: escaped, or already (from another folded). */
static int add_text(struct folded *f, const char *const *frames, size_t nr, __u64 weight,
		    bool escape)
{
	struct folded_stack s = {.nr = nr, .weight = weight};
	size_t *slot, i;
	int err = -ENOMEM;

	if (!nr)
		return -EINVAL;
	if (!weight)
		return 0;
	s.frames = calloc(nr, sizeof(*s.frames));
	if (!s.frames)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		if (!(s.frames[i] = escape ? frame_text(frames[i]) : strdup(frames[i])))
			goto fail;
	s.hash = stack_hash(s.frames, nr);
	if ((err = grow(f)))
		goto fail;
	slot = slot_of(f, s.frames, nr, s.hash);
	if (*slot) {
		f->v[*slot - 1].weight += weight;
		stack_free(&s);
		return 0;
	}
	f->v[f->nr++] = s;
	*slot = f->nr;
	return 0;
fail:
	stack_free(&s);
	return err;
}

int folded_add(struct folded *f, const char *const *frames, size_t nr, __u64 weight)
{
	return add_text(f, frames, nr, weight, true);
}

int folded_add_divided(struct folded *f, const struct folded *from, __u64 divisor)
{
	size_t i;
	int err = 0;

	for (i = 0; !err && i < from->nr; i++)
		err = add_text(f, (const char *const *)from->v[i].frames, from->v[i].nr,
			       (from->v[i].weight + divisor / 2) / divisor, false);
	return err;
}

/* The longest function name kept whole; a longer one is cut, as the reports cut it. */
#define FOLDED_NAME_MAX 512

int folded_add_symbolized(struct folded *f, const char *const *frames, size_t nr, const char *leaf,
			  __u64 weight)
{
	const char **v = calloc(nr + 1, sizeof(*v));
	char *names = malloc((nr ? nr : 1) * FOLDED_NAME_MAX);
	size_t i;
	int err = -ENOMEM;

	if (v && names) {
		for (i = 0; i < nr; i++)
			v[nr - 1 - i] = mem_frame_function(frames[i], names + i * FOLDED_NAME_MAX,
							   FOLDED_NAME_MAX);
		if (leaf)
			v[nr] = leaf;
		err = folded_add(f, v, nr + (leaf ? 1 : 0), weight);
	}
	free(v);
	free(names);
	return err;
}

__u64 folded_total(const struct folded *f)
{
	__u64 sum = 0;
	size_t i;

	for (i = 0; i < f->nr; i++)
		sum += f->v[i].weight;
	return sum;
}

static int stack_cmp(const struct folded_stack *a, const struct folded_stack *b)
{
	size_t i;
	int c;

	for (i = 0; i < a->nr && i < b->nr; i++)
		if ((c = strcmp(a->frames[i], b->frames[i])))
			return c;
	return (a->nr > b->nr) - (a->nr < b->nr);
}

static int order_cmp(const void *a, const void *b, void *ctx)
{
	const struct folded *f = ctx;

	return stack_cmp(&f->v[*(const size_t *)a], &f->v[*(const size_t *)b]);
}

size_t *folded_order(const struct folded *f)
{
	size_t *order = calloc(f->nr ? f->nr : 1, sizeof(*order)), i;

	if (!order)
		return NULL;
	for (i = 0; i < f->nr; i++)
		order[i] = i;
	qsort_r(order, f->nr, sizeof(*order), order_cmp, (void *)f);
	return order;
}

int folded_write(FILE *out, const struct folded *f)
{
	size_t *order = folded_order(f), i, j;

	if (!order)
		return -ENOMEM;
	for (i = 0; i < f->nr; i++) {
		const struct folded_stack *s = &f->v[order[i]];

		for (j = 0; j < s->nr; j++)
			fprintf(out, "%s%s", j ? ";" : "", s->frames[j]);
		fprintf(out, " %llu\n", (unsigned long long)s->weight);
	}
	free(order);
	return fflush(out) || ferror(out) ? -EIO : 0;
}

int folded_save(struct out_file *out, const struct folded *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int err;

	if (!mem)
		return -ENOMEM;
	err = folded_write(mem, f);
	if (fclose(mem) && !err)
		err = -ENOMEM;
	if (!err)
		err = out_file_commit(out, buf, len);
	free(buf);
	return err;
}
