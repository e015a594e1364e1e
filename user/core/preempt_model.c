// SPDX-License-Identifier: GPL-2.0
/* The kernel's preemption model, from debugfs, uname, the boot line or the config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include "core/preempt_model.h"
#include "core/test_knobs.h"
#include "core/util.h"

/* A kernel config is ~250 KiB; anything far bigger is not one. */
#define CONFIG_MAX_BYTES (8 << 20)

static const char *const model_names[] = {
    [PREEMPT_MODEL_UNKNOWN] = "unknown",     [PREEMPT_MODEL_NONE] = "none",
    [PREEMPT_MODEL_VOLUNTARY] = "voluntary", [PREEMPT_MODEL_FULL] = "full",
    [PREEMPT_MODEL_LAZY] = "lazy",	     [PREEMPT_MODEL_RT] = "rt",
};

const char *preempt_model_name(enum preempt_model m)
{
	return m <= PREEMPT_MODEL_RT ? model_names[m] : "unknown";
}

static enum preempt_model model_of_word(const char *s, size_t len)
{
	enum preempt_model m;

	for (m = PREEMPT_MODEL_NONE; m <= PREEMPT_MODEL_LAZY; m++)
		if (strlen(model_names[m]) == len && !strncmp(s, model_names[m], len))
			return m;
	return PREEMPT_MODEL_UNKNOWN;
}

enum preempt_model preempt_model_from_debugfs(const char *text)
{
	const char *open = strchr(text, '('), *close;

	if (!open || !(close = strchr(open, ')')))
		return PREEMPT_MODEL_UNKNOWN;
	return model_of_word(open + 1, (size_t)(close - open - 1));
}

enum preempt_model preempt_model_from_cmdline(const char *cmdline)
{
	enum preempt_model m = PREEMPT_MODEL_UNKNOWN;
	const char *p = cmdline;
	size_t len;

	while (*p) {
		p += strspn(p, " \t\n");
		len = strcspn(p, " \t\n");
		/* What follows "--" is for init, not the kernel. */
		if (len == 2 && !strncmp(p, "--", 2))
			break;
		if (len > 8 && !strncmp(p, "preempt=", 8))
			m = model_of_word(p + 8, len - 8);
		p += len;
	}
	return m;
}

/* Whether `text` has `token` between two `sep`s (or the text's ends). */
static bool has_token(const char *text, const char *token, char sep)
{
	size_t len = strlen(token);
	const char *p = text;

	while ((p = strstr(p, token))) {
		if ((p == text || p[-1] == sep) && (p[len] == sep || p[len] == '\0'))
			return true;
		p += len;
	}
	return false;
}

/* A token that names a model, in the order a text is searched for them. */
struct model_token {
	const char *token;
	enum preempt_model model;
};

static enum preempt_model first_model_named(const char *text, char sep,
					    const struct model_token *tokens, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (has_token(text, tokens[i].token, sep))
			return tokens[i].model;
	return PREEMPT_MODEL_UNKNOWN;
}

enum preempt_model preempt_model_from_config(const char *config)
{
	static const struct model_token options[] = {
		/* RT is its own option beside the choice of model (since Linux 6.12). */
		{"CONFIG_PREEMPT_RT=y", PREEMPT_MODEL_RT},
		{"CONFIG_PREEMPT_LAZY=y", PREEMPT_MODEL_LAZY},
		{"CONFIG_PREEMPT=y", PREEMPT_MODEL_FULL},
		{"CONFIG_PREEMPT_VOLUNTARY=y", PREEMPT_MODEL_VOLUNTARY},
		{"CONFIG_PREEMPT_NONE=y", PREEMPT_MODEL_NONE},
	};

	return first_model_named(config, '\n', options, sizeof(options) / sizeof(options[0]));
}

enum preempt_model preempt_model_from_uname(const char *version, bool *dynamic)
{
	static const struct model_token words[] = {
		{"PREEMPT_RT", PREEMPT_MODEL_RT},
		{"PREEMPT_LAZY", PREEMPT_MODEL_LAZY},
		{"PREEMPT", PREEMPT_MODEL_FULL},
	};
	enum preempt_model m;

	*dynamic = has_token(version, "PREEMPT_DYNAMIC", ' ');
	if (*dynamic)
		return PREEMPT_MODEL_UNKNOWN;
	m = first_model_named(version, ' ', words, sizeof(words) / sizeof(words[0]));
	/* scripts/mkcompile_h names no model for none and voluntary: alike here. */
	return m == PREEMPT_MODEL_UNKNOWN ? PREEMPT_MODEL_VOLUNTARY : m;
}

/* Parse the file at `path` with `parse`; UNKNOWN if it cannot be read. */
static enum preempt_model model_from_file(const char *path,
					  enum preempt_model (*parse)(const char *))
{
	enum preempt_model m = PREEMPT_MODEL_UNKNOWN;
	char *text, why[128];
	size_t len;

	if (!read_whole_file(path, CONFIG_MAX_BYTES, &text, &len, why, sizeof(why))) {
		m = parse(text);
		free(text);
	}
	return m;
}

enum preempt_model preempt_model_detect(const char **source)
{
	enum preempt_model m;
	struct utsname u;
	char path[512];
	bool dynamic;

	/* The model in force, where debugfs lets us read it. */
	*source = "debugfs sched/preempt";
	m = model_from_file("/sys/kernel/debug/sched/preempt", preempt_model_from_debugfs);
	if (m != PREEMPT_MODEL_UNKNOWN)
		return m;
	*source = "uname";
	if (uname(&u))
		return PREEMPT_MODEL_UNKNOWN;
	m = preempt_model_from_uname(u.version, &dynamic);
	if (!dynamic)
		return m;
	/* Chosen at boot: the boot parameter, or else the configured default. */
	*source = "the preempt= boot parameter";
	m = model_from_file("/proc/cmdline", preempt_model_from_cmdline);
	if (m != PREEMPT_MODEL_UNKNOWN)
		return m;
	*source = "the kernel config";
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	m = model_from_file(path, preempt_model_from_config);
	if (m == PREEMPT_MODEL_UNKNOWN)
		m = model_from_file("/proc/config.gz", preempt_model_from_config);
	return m;
}

bool preempt_model_preempts_bpf(enum preempt_model m)
{
	return m != PREEMPT_MODEL_NONE && m != PREEMPT_MODEL_VOLUNTARY;
}

bool percpu_counters_need_atomics(void)
{
	enum preempt_model m;
	const char *source;

	if (test_knobs()->atomic_stats) {
		sonde_info("per-CPU counters by atomic adds (SONDE_ATOMIC_STATS)");
		return true;
	}
	m = preempt_model_detect(&source);
	sonde_info("preemption model %s (from %s): per-CPU counters by %s adds",
		   preempt_model_name(m), source,
		   preempt_model_preempts_bpf(m) ? "atomic" : "plain");
	return preempt_model_preempts_bpf(m);
}
