// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/fit.h"
#include "mem/mem_profile.h"

struct mem_profile *mem_profile_new(size_t max_samples)
{
	struct mem_profile *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->max_samples = max_samples < 4 ? 4 : max_samples;
	p->sample_ns = calloc(p->max_samples, sizeof(*p->sample_ns));
	if (!p->sample_ns) {
		free(p);
		return NULL;
	}
	p->stride = 1;
	return p;
}

static void stack_clear(struct mem_stack *s)
{
	size_t i;

	for (i = 0; i < s->nr_frames; i++)
		free(s->frames[i]);
	free(s->frames);
	free(s->series);
}

void mem_profile_free(struct mem_profile *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nr_stacks; i++)
		stack_clear(&p->stacks[i]);
	free(p->stacks);
	free(p->sample_ns);
	free(p);
}

/* Index of the first stack with an id >= id. */
static size_t lower_bound(const struct mem_profile *p, __u32 id)
{
	size_t lo = 0, hi = p->nr_stacks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->stacks[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct mem_stack *mem_profile_find(const struct mem_profile *p, __u32 id)
{
	size_t i = lower_bound(p, id);

	return i < p->nr_stacks && p->stacks[i].id == id ? &p->stacks[i] : NULL;
}

struct mem_stack *mem_profile_stack(struct mem_profile *p, __u32 id)
{
	size_t i = lower_bound(p, id);
	struct mem_stack *s;

	if (i < p->nr_stacks && p->stacks[i].id == id)
		return &p->stacks[i];
	if (p->nr_stacks == p->cap_stacks) {
		size_t cap = p->cap_stacks ? p->cap_stacks * 2 : 64;
		struct mem_stack *v = realloc(p->stacks, cap * sizeof(*v));

		if (!v)
			return NULL;
		p->stacks = v;
		p->cap_stacks = cap;
	}
	s = &p->stacks[i];
	memmove(s + 1, s, (p->nr_stacks - i) * sizeof(*s));
	memset(s, 0, sizeof(*s));
	s->id = id;
	/* Not seen at the earlier samples: nothing of it was live then. */
	s->series = calloc(p->max_samples, sizeof(*s->series));
	if (!s->series) {
		memmove(s, s + 1, (p->nr_stacks - i) * sizeof(*s));
		return NULL;
	}
	p->nr_stacks++;
	return s;
}

int mem_stack_set_frames(struct mem_stack *s, const char *const *frames, size_t n)
{
	char **v = calloc(n ? n : 1, sizeof(*v));
	size_t i;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		v[i] = strdup(frames[i]);
		if (!v[i]) {
			while (i--)
				free(v[i]);
			free(v);
			return -ENOMEM;
		}
	}
	for (i = 0; i < s->nr_frames; i++)
		free(s->frames[i]);
	free(s->frames);
	s->frames = v;
	s->nr_frames = n;
	return 0;
}

/* Keep samples 0, 2, 4, ... of every series and sample half as often. */
static void thin_samples(struct mem_profile *p)
{
	size_t i, j, n = 0;

	for (i = 0; i < p->nr_samples; i += 2, n++) {
		p->sample_ns[n] = p->sample_ns[i];
		for (j = 0; j < p->nr_stacks; j++)
			p->stacks[j].series[n] = p->stacks[j].series[i];
	}
	p->nr_samples = n;
	p->stride *= 2;
}

int mem_profile_sample(struct mem_profile *p, __u64 t_ns, bool force)
{
	size_t i, n;

	if (!force && p->ticks++ % p->stride)
		return 0;
	if (p->nr_samples == p->max_samples)
		thin_samples(p);
	n = p->nr_samples++;
	p->sample_ns[n] = t_ns;
	for (i = 0; i < p->nr_stacks; i++)
		p->stacks[i].series[n] = (double)p->stacks[i].live_bytes;
	return 0;
}

int mem_growth_lsq(const __u64 *t_ns, const double *v, size_t n, double *slope, double *r2)
{
	struct line_fit fit;
	int err = fit_line(t_ns, v, n, &fit);

	if (err)
		return err;
	*slope = fit.slope;
	*r2 = fit.r2;
	return 0;
}

/* At least this many samples of growth before a stack is called a leak. */
#define TREND_MIN_SAMPLES 4
#define TREND_MIN_R2	  0.8
/* Freed at the end: the peak is among the last this many samples. */
#define TREND_END_SAMPLES 3

static bool steady_growth(const __u64 *t_ns, const double *v, size_t n, double *rate, double *r2)
{
	return n >= TREND_MIN_SAMPLES && !mem_growth_lsq(t_ns, v, n, rate, r2) && *rate > 0 &&
	       *r2 >= TREND_MIN_R2;
}

void mem_judge_trend(const __u64 *t_ns, const double *v, size_t n, struct mem_trend *out)
{
	size_t i, peak_at = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		if (v[i] > out->peak_bytes) {
			out->peak_bytes = v[i];
			peak_at = i;
		}
	}
	if (!n || out->peak_bytes <= 0)
		return;
	/* Most of it went after a peak at the end: judged on the growth up to the peak. */
	if (peak_at + TREND_END_SAMPLES >= n && v[n - 1] <= out->peak_bytes / 2 &&
	    steady_growth(t_ns, v, peak_at + 1, &out->rate_bytes_per_s, &out->r2)) {
		out->suspect = out->freed_at_end = true;
		return;
	}
	if (v[n - 1] > 0 && steady_growth(t_ns, v, n, &out->rate_bytes_per_s, &out->r2)) {
		out->suspect = true;
		return;
	}
	out->rate_bytes_per_s = out->r2 = 0;
}

static void judge_stack(const struct mem_profile *p, struct mem_stack *s)
{
	struct mem_trend t;

	mem_judge_trend(p->sample_ns, s->series, p->nr_samples, &t);
	s->suspect = t.suspect;
	s->freed_at_end = t.freed_at_end;
	s->leak_bytes_per_s = t.rate_bytes_per_s;
	s->leak_r2 = t.r2;
	s->peak_bytes = t.peak_bytes;
}

void mem_profile_judge(struct mem_profile *p)
{
	size_t i;

	for (i = 0; i < p->nr_stacks; i++)
		judge_stack(p, &p->stacks[i]);
}

void mem_profile_update_growth(struct mem_profile *p)
{
	size_t i;

	for (i = 0; i < p->nr_stacks; i++) {
		struct mem_stack *s = &p->stacks[i];

		if (mem_growth_lsq(p->sample_ns, s->series, p->nr_samples, &s->growth_bytes_per_s,
				   &s->growth_r2)) {
			s->growth_bytes_per_s = 0;
			s->growth_r2 = 0;
		}
		judge_stack(p, s);
	}
}

size_t mem_stack_plausible(const __u64 *ips, size_t max, bool (*is_code)(void *ctx, __u64 addr),
			   void *ctx)
{
	size_t i;

	/* The innermost frame is where the thread was: code, whatever else is not. */
	for (i = 0; i < max && ips[i]; i++)
		if (i && !is_code(ctx, ips[i]))
			break;
	return i;
}

size_t mem_profile_cut_stacks(const struct mem_profile *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->nr_stacks; i++)
		n += p->stacks[i].cut;
	return n;
}

__u64 mem_profile_live_bytes(const struct mem_profile *p, bool mmap)
{
	__u64 sum = 0;
	size_t i;

	for (i = 0; i < p->nr_stacks; i++)
		if (p->stacks[i].mmap == mmap)
			sum += p->stacks[i].live_bytes;
	return sum;
}

double mem_profile_heap_growth(const struct mem_profile *p)
{
	double g = 0;
	size_t i;

	for (i = 0; i < p->nr_stacks; i++)
		if (!p->stacks[i].mmap)
			g += p->stacks[i].growth_bytes_per_s;
	return g;
}

__u64 mem_profile_live_allocs(const struct mem_profile *p, bool mmap)
{
	__u64 sum = 0;
	size_t i;

	for (i = 0; i < p->nr_stacks; i++)
		if (p->stacks[i].mmap == mmap)
			sum += p->stacks[i].live_allocs;
	return sum;
}

bool mem_profile_lower_bound(const struct mem_profile *p)
{
	return p->drops[SONDE_MD_ALLOCS_FULL] || p->drops[SONDE_MD_NO_STORAGE];
}

size_t mem_profile_shallow_stacks(const struct mem_profile *p, size_t *with_allocs)
{
	size_t i, shallow = 0, n = 0;

	for (i = 0; i < p->nr_stacks; i++) {
		const struct mem_stack *s = &p->stacks[i];

		if (!s->allocs || sonde_mem_stack_lost(s->id))
			continue;
		n++;
		shallow += s->nr_frames <= 2;
	}
	if (with_allocs)
		*with_allocs = n;
	return shallow;
}

/* A stack freed at the end ranks by the leak it was until then. */
static double rank_growth(const struct mem_stack *s)
{
	return s->suspect && s->freed_at_end ? s->leak_bytes_per_s : s->growth_bytes_per_s;
}

/* qsort_r() order of stack indexes into the profile p. */
static int rank_cmp(const void *a, const void *b, void *p)
{
	const struct mem_stack *stacks = ((const struct mem_profile *)p)->stacks;
	const struct mem_stack *x = &stacks[*(const size_t *)a];
	const struct mem_stack *y = &stacks[*(const size_t *)b];
	double gx = rank_growth(x), gy = rank_growth(y);

	if (gx != gy)
		return gx < gy ? 1 : -1;
	if (x->live_bytes != y->live_bytes)
		return x->live_bytes < y->live_bytes ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

size_t mem_profile_rank(const struct mem_profile *p, size_t *order, size_t max)
{
	size_t *all, i, n = 0;

	all = calloc(p->nr_stacks ? p->nr_stacks : 1, sizeof(*all));
	if (!all)
		return 0;
	for (i = 0; i < p->nr_stacks; i++)
		if (p->stacks[i].allocs)
			all[n++] = i;
	qsort_r(all, n, sizeof(*all), rank_cmp, (void *)p);
	if (n > max)
		n = max;
	memcpy(order, all, n * sizeof(*order));
	free(all);
	return n;
}

bool mem_stack_is_suspect(const struct mem_profile *p, const struct mem_stack *s)
{
	(void)p;
	return s->suspect && (s->freed_at_end || s->live_allocs > 0);
}

void mem_profile_clear_ages(struct mem_profile *p, __u64 min_age_ns)
{
	size_t i;

	p->min_age_ns = min_age_ns;
	for (i = 0; i < p->nr_stacks; i++) {
		p->stacks[i].oldest_ns = 0;
		p->stacks[i].old_allocs = 0;
		p->stacks[i].old_bytes = 0;
	}
}

int mem_profile_add_live(struct mem_profile *p, __u32 stack_id, __u64 size, __u64 age_ns)
{
	struct mem_stack *s = mem_profile_find(p, stack_id);

	/* A stack the last read did not see yet (allocated since): no totals to join. */
	if (!s)
		return -ENOENT;
	if (age_ns > s->oldest_ns)
		s->oldest_ns = age_ns;
	if (age_ns >= p->min_age_ns) {
		s->old_allocs++;
		s->old_bytes += size;
	}
	return 0;
}

const char *mem_sparkline(const double *v, size_t n, size_t width, char *buf, size_t len)
{
	static const char *const blocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
	size_t i, used = 0, cols = n < width ? n : width;
	double max = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	for (i = 0; i < cols && used + 4 < len; i++) {
		/* The last value of slice i of the series. */
		size_t at = (i + 1) * n / cols - 1;
		int level = max > 0 && v[at] > 0 ? (int)(v[at] / max * 7 + 0.5) : 0;

		used += (size_t)snprintf(buf + used, len - used, "%s", blocks[level]);
	}
	return buf;
}

const char *mem_fmt_bytes(char *buf, size_t len, double bytes)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
	const char *sign = bytes < 0 ? "-" : "";
	double v = fabs(bytes);
	int u = -1;

	if (v < 1023.5) {
		snprintf(buf, len, "%s%.0fB", sign, v);
		return buf;
	}
	while (u < 3 && (u < 0 || v >= 1023.5)) {
		v /= 1024;
		u++;
	}
	if (v < 9.995)
		snprintf(buf, len, "%s%.2f%s", sign, v, units[u]);
	else if (v < 99.95)
		snprintf(buf, len, "%s%.1f%s", sign, v, units[u]);
	else
		snprintf(buf, len, "%s%.0f%s", sign, v, units[u]);
	return buf;
}

int mem_parse_size(const char *s, __u64 *bytes)
{
	static const char *const suffixes = "kmgt";
	double v, scale = 1;
	const char *u;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v))
		return -EINVAL;
	if (*end && *end != 'b' && *end != 'B') {
		u = strchr(suffixes, end[0] | 0x20);
		if (!u)
			return -EINVAL;
		scale = pow(1024, (double)(u - suffixes + 1));
		end++;
		if (*end == 'i' && (end[1] == 'B' || end[1] == 'b'))
			end += 2;
		else if (*end == 'B' || *end == 'b')
			end++;
	} else if (*end) {
		end++;
	}
	if (*end)
		return -EINVAL;
	v *= scale;
	if (v >= 1.8e19)
		return -ERANGE;
	*bytes = (__u64)(v + 0.5);
	return 0;
}

const char *mem_frame_function(const char *frame, char *buf, size_t len)
{
	const char *plus = strrchr(frame, '+');
	size_t n;

	/* No symbol: an address, or "(object+0xoff)" — the offset is all there is. */
	if (!plus || strncmp(plus, "+0x", 3) || !strncmp(frame, "0x", 2) || frame[0] == '(' ||
	    memchr(frame, '/', (size_t)(plus - frame)) || strstr(frame, ".so"))
		n = strlen(frame);
	else
		n = (size_t)(plus - frame);
	snprintf(buf, len, "%.*s", (int)n, frame);
	return buf;
}
