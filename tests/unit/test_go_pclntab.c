// SPDX-License-Identifier: GPL-2.0
/*
 * Go function symbols from .gopclntab (user/probe/go_pclntab.c, through
 * syms__load()): tests/targets/gostack built here with the system Go, with and
 * without its .symtab, as a PIE Go links and as one the system linker links;
 * every function of the stripped builds against `go tool nm -size` and the
 * .symtab of the same build. Then corrupted tables, which give no function and
 * a reason, and hand-made tables in the older layouts (Go 1.2, 1.16).
 *
 * Run from the repository's top directory (tests/run.sh does).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <elf.h>
#include <limits.h>
#include <sys/stat.h>
#include "probe/elf_syms.h"
#include "probe/go_pclntab.h"
#include "fixture.h"
#include "syms_helpers.h"

#define GO_SRC "tests/targets/gostack/main.go"

struct fx {
	char dir[256];
	char full[512], stripped[512], gnu_stripped[512], nm[512];
	char pie[512], pie_stripped[512], ext[512], ext_stripped[512];
};

static struct fx fx;

/* Run argv with its stdout in the file out. */
static int run_to_file(char *const argv[], const char *out)
{
	int status, fd;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

static int build_fixtures(void **state)
{
	char src[PATH_MAX], cache[PATH_MAX + 32];
	char *go_full[] = { "go", "build", "-o", fx.full, src, NULL };
	char *go_stripped[] = { "go", "build", "-ldflags=-s -w", "-o", fx.stripped, src, NULL };
	char *gnu_strip[] = { "strip", "-o", fx.gnu_stripped, fx.full, NULL };
	char *go_pie[] = { "go", "build", "-buildmode=pie", "-o", fx.pie, src, NULL };
	char *pie_strip[] = { "strip", "-o", fx.pie_stripped, fx.pie, NULL };
	char *go_ext[] = { "go", "build", "-buildmode=pie", "-ldflags=-linkmode=external",
			   "-o", fx.ext, src, NULL };
	char *ext_strip[] = { "strip", "-o", fx.ext_stripped, fx.ext, NULL };
	char *nm[] = { "go", "tool", "nm", "-size", fx.full, NULL };

	if (!realpath(GO_SRC, src)) {
		fprintf(stderr, "no %s: run from the repository's top directory\n", GO_SRC);
		return -1;
	}
	/* The build's Go cache when there is one, so the runtime is not rebuilt. */
	snprintf(cache, sizeof(cache), "%s/build/go-cache", getcwd(cache, PATH_MAX) ?: ".");
	setenv("GOCACHE", cache, 0);
	setenv("GO111MODULE", "off", 1);
	if (fx_mkdtemp(fx.dir, sizeof(fx.dir)))
		return -1;
	fx_path(fx.full, sizeof(fx.full), fx.dir, "gostack");
	fx_path(fx.stripped, sizeof(fx.stripped), fx.dir, "gostack.stripped");
	fx_path(fx.gnu_stripped, sizeof(fx.gnu_stripped), fx.dir, "gostack.strip");
	fx_path(fx.nm, sizeof(fx.nm), fx.dir, "gostack.nm");
	fx_path(fx.pie, sizeof(fx.pie), fx.dir, "pie");
	fx_path(fx.pie_stripped, sizeof(fx.pie_stripped), fx.dir, "pie.strip");
	fx_path(fx.ext, sizeof(fx.ext), fx.dir, "ext");
	fx_path(fx.ext_stripped, sizeof(fx.ext_stripped), fx.dir, "ext.strip");
	if (fx_run(go_full) || fx_run(go_stripped) || fx_run(gnu_strip) || fx_run(go_pie) ||
	    fx_run(pie_strip) || fx_run(go_ext) || fx_run(ext_strip) || run_to_file(nm, fx.nm)) {
		fx_rmtree(fx.dir);
		return -1;
	}
	*state = &fx;
	return 0;
}

static int remove_fixtures(void **state)
{
	(void)state;
	fx_rmtree(fx.dir);
	return 0;
}

/* The symbol at vaddr with this name, or NULL. */
static const struct sym *find_at(const struct syms *s, const char *name, __u64 vaddr)
{
	size_t i;

	for (i = 0; i < syms__count(s); i++)
		if (syms__get(s, i)->vaddr == vaddr && !strcmp(syms__get(s, i)->name, name))
			return syms__get(s, i);
	return NULL;
}

/* "type..eq.[5]T" (.symtab) is "type..eq.[...]T" in .gopclntab. */
static bool same_but_array_lengths(const char *symtab, const char *pcln)
{
	while (*symtab && *pcln) {
		if (*symtab == '[' && !strncmp(pcln, "[...]", 5)) {
			symtab += strspn(symtab + 1, "0123456789") + 1;
			pcln += 4;
		}
		if (*symtab++ != *pcln++)
			return false;
	}
	return *symtab == *pcln;
}

/*
 * The .symtab entry for a function read from .gopclntab: the same address and
 * size, and the same name, but that .symtab gives an assembly (ABI0) function
 * an ".abi0" suffix and array types their lengths.
 */
static const struct sym *symtab_twin(const struct syms *full, const struct sym *g)
{
	char abi0[512];
	const struct sym *t;
	size_t i;

	snprintf(abi0, sizeof(abi0), "%s.abi0", g->name);
	t = find_at(full, g->name, g->vaddr);
	if (!t)
		t = find_at(full, abi0, g->vaddr);
	for (i = 0; !t && i < syms__count(full); i++)
		if (syms__get(full, i)->vaddr == g->vaddr &&
		    same_but_array_lengths(syms__get(full, i)->name, g->name))
			t = syms__get(full, i);
	return t;
}

/* Every function of the stripped build is in the full build's .symtab, the same. */
static size_t assert_all_in_symtab(const char *full_path, const char *stripped_path)
{
	struct syms *full = load_ok(full_path), *s = load_ok(stripped_path);
	size_t i, n = syms__count(s), go = 0;

	assert_int_equal(syms__source(full), SYMS_SRC_SYMTAB);
	assert_int_equal(syms__source(s), SYMS_SRC_GOPCLNTAB);
	assert_true(syms__has_symtab(s));
	assert_null(syms__go_error(s));
	for (i = 0; i < n; i++) {
		const struct sym *g = syms__get(s, i), *t;

		if (g->dynamic) /* a cgo program's C functions, from .dynsym */
			continue;
		t = symtab_twin(full, g);
		if (!t)
			fail_msg("%s at 0x%llx: not in %s's .symtab", g->name,
				 (unsigned long long)g->vaddr, full_path);
		if (g->size != t->size || g->offset != t->offset)
			fail_msg("%s: size %llu offset 0x%llx, .symtab says %llu 0x%llx", g->name,
				 (unsigned long long)g->size, (unsigned long long)g->offset,
				 (unsigned long long)t->size, (unsigned long long)t->offset);
		assert_int_equal(g->bind, STB_GLOBAL);
		assert_false(g->ifunc);
		assert_null(g->demangled);
		go++;
	}
	syms__free(full);
	syms__free(s);
	return go;
}

struct nm_row {
	__u64 addr, size;
	char name[256];
};

/* `go tool nm -size` rows of type T named main.*; returns how many. */
static size_t read_nm_main(struct nm_row *rows, size_t max)
{
	FILE *f = fopen(fx.nm, "r");
	char line[1024], type;
	unsigned long long addr, size;
	size_t n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) && n < max) {
		char name[256];

		if (sscanf(line, "%llx %llu %c %255s", &addr, &size, &type, name) != 4 ||
		    type != 'T' || strncmp(name, "main.", 5))
			continue;
		rows[n].addr = addr;
		rows[n].size = size;
		snprintf(rows[n].name, sizeof(rows[n].name), "%s", name);
		n++;
	}
	fclose(f);
	return n;
}

/* main.* of the -s -w build: go tool nm's names, addresses and sizes, exactly. */
static void test_stripped_main_functions_match_go_nm(void **state)
{
	struct nm_row rows[64];
	struct syms *s;
	size_t n, i, mains = 0;

	(void)state;
	n = read_nm_main(rows, 64);
	/* main, main.func1, main.func1.1, main.func2, work, leaf, grow */
	assert_int_equal(n, 7);
	s = load_ok(fx.stripped);
	assert_int_equal(syms__source(s), SYMS_SRC_GOPCLNTAB);
	for (i = 0; i < n; i++) {
		const struct sym *g = find(s, rows[i].name);

		if (!g)
			fail_msg("no %s in the stripped build", rows[i].name);
		assert_int_equal(g->vaddr, rows[i].addr);
		assert_int_equal(g->size, rows[i].size);
		assert_false(g->dynamic);
	}
	for (i = 0; i < syms__count(s); i++)
		mains += !strncmp(syms__get(s, i)->name, "main.", 5);
	assert_int_equal(mains, n);
	assert_true(syms__runtime(s) & SYMS_RT_GO);
	syms__free(s);
}

/* All functions, the runtime's too: as many as .symtab has, each the same. */
static void test_every_function_matches_symtab(void **state)
{
	struct syms *full;
	size_t i, text = 0, go;

	(void)state;
	go = assert_all_in_symtab(fx.full, fx.stripped);
	full = load_ok(fx.full);
	for (i = 0; i < syms__count(full); i++)
		text += syms__get(full, i)->size > 0;
	syms__free(full);
	assert_true(go > 1000);
	assert_int_equal(go, text);
	/* GNU strip leaves the same table. */
	assert_int_equal(assert_all_in_symtab(fx.full, fx.gnu_stripped), go);
}

/* The function's first bytes at the offset sonde would probe are the unstripped build's. */
static void test_offsets_hold_the_code(void **state)
{
	struct syms *full = load_ok(fx.full), *s = load_ok(fx.stripped);
	const char *names[] = { "main.work", "main.leaf", "main.grow" };
	unsigned char a[64], b[64];
	int fa = open(fx.full, O_RDONLY), fb = open(fx.stripped, O_RDONLY);
	size_t i;

	(void)state;
	assert_true(fa >= 0 && fb >= 0);
	for (i = 0; i < 3; i++) {
		const struct sym *t = find(full, names[i]), *g = find(s, names[i]);
		size_t len = g->size < sizeof(a) ? g->size : sizeof(a);

		assert_non_null(t);
		assert_non_null(g);
		assert_int_equal(pread(fa, a, len, (off_t)t->offset), (ssize_t)len);
		assert_int_equal(pread(fb, b, len, (off_t)g->offset), (ssize_t)len);
		assert_memory_equal(a, b, len);
		assert_ptr_equal(syms__find_addr(s, g->vaddr + g->size - 1), g);
		assert_ptr_equal(syms__find_offset(s, g->offset), g);
	}
	close(fa);
	close(fb);
	syms__free(full);
	syms__free(s);
}

/* A PIE Go links (.data.rel.ro.gopclntab) and one the system linker links
 * (the table inside .data.rel.ro, C functions from cgo in .dynsym). */
static void test_pie_builds(void **state)
{
	struct syms *s;

	(void)state;
	assert_true(assert_all_in_symtab(fx.pie, fx.pie_stripped) > 1000);
	assert_true(assert_all_in_symtab(fx.ext, fx.ext_stripped) > 1000);
	s = load_ok(fx.ext_stripped);
	assert_non_null(find(s, "main.work"));
	assert_non_null(find(s, "runtime.goexit"));
	syms__free(s);
}

/* ---- corrupt tables ---------------------------------------------------- */

struct scn {
	__u64 addr, offset, size;
	__u64 shdr; /* file offset of the section header */
};

static int find_section(const char *path, const char *want, struct scn *out)
{
	Elf64_Ehdr eh;
	Elf64_Shdr sh, strs;
	char name[64];
	int fd = open(path, O_RDONLY), i, found = -1;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &eh, sizeof(eh), 0), sizeof(eh));
	assert_int_equal(pread(fd, &strs, sizeof(strs), eh.e_shoff + eh.e_shstrndx * sizeof(sh)),
			 sizeof(strs));
	for (i = 0; i < eh.e_shnum && found < 0; i++) {
		__u64 at = eh.e_shoff + (__u64)i * sizeof(sh);

		assert_int_equal(pread(fd, &sh, sizeof(sh), at), sizeof(sh));
		memset(name, 0, sizeof(name));
		if (pread(fd, name, sizeof(name) - 1, strs.sh_offset + sh.sh_name) <= 0)
			continue;
		if (!strcmp(name, want)) {
			out->addr = sh.sh_addr;
			out->offset = sh.sh_offset;
			out->size = sh.sh_size;
			out->shdr = at;
			found = 0;
		}
	}
	close(fd);
	return found;
}

static void copy_file(const char *from, const char *to)
{
	char *cp[] = { "cp", (char *)from, (char *)to, NULL };

	assert_int_equal(fx_run(cp), 0);
}

static void patch(const char *path, __u64 off, const void *bytes, size_t n)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, bytes, n, (off_t)off), (ssize_t)n);
	close(fd);
}

static __u32 read_u32(const char *path, __u64 off)
{
	__u32 v;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &v, 4, (off_t)off), 4);
	close(fd);
	return v;
}

/* Loads, lists no Go function, and says why, naming want. */
static void expect_refused(const char *path, const char *want)
{
	struct syms *s = load_ok(path);
	const char *why = syms__go_error(s);

	assert_int_equal(syms__source(s), SYMS_SRC_DYNSYM);
	assert_false(syms__has_symtab(s));
	assert_int_equal(syms__count(s), 0);
	assert_true(syms__runtime(s) & SYMS_RT_GO);
	if (!why || !strstr(why, want))
		fail_msg("%s: reason '%s', want '%s'", path, why ? why : "(none)", want);
	syms__free(s);
}

static void test_corrupt_tables_refused(void **state)
{
	struct scn t;
	char path[512];
	__u32 v, functab;
	__u64 nfunc = 1ULL << 40, at;
	static const unsigned char junk[4] = { 0x12, 0x34, 0x56, 0x78 };

	(void)state;
	assert_int_equal(find_section(fx.stripped, ".gopclntab", &t), 0);
	/* pcHeader (1.18): magic, 4 bytes, then nfunc ... pclnOffset (the functab) as words. */
	functab = read_u32(fx.stripped, t.offset + 8 + 7 * 8);
	fx_path(path, sizeof(path), fx.dir, "corrupt");

	copy_file(fx.stripped, path);
	patch(path, t.offset, junk, 4);
	expect_refused(path, "an unknown format (magic 0x78563412)");

	copy_file(fx.stripped, path);
	patch(path, t.offset + 8, &nfunc, 8);
	expect_refused(path, "1099511627776 functions, which its");

	/* Function 3's record offset, then its entry, then function 5's name. */
	copy_file(fx.stripped, path);
	v = 0xfffffff0;
	patch(path, t.offset + functab + 3 * 8 + 4, &v, 4);
	expect_refused(path, "function 3's record lies past the table's end");

	copy_file(fx.stripped, path);
	v = read_u32(fx.stripped, t.offset + functab + 3 * 8) + 1;
	patch(path, t.offset + functab + 3 * 8, &v, 4);
	expect_refused(path, "function 3's record is not at its entry");

	copy_file(fx.stripped, path);
	at = t.offset + functab + read_u32(fx.stripped, t.offset + functab + 5 * 8 + 4);
	v = 0x7ffffff0;
	patch(path, at + 4, &v, 4);
	expect_refused(path, "function 5's name lies past the table's end");

	/* The section cut to 100 bytes, then to 1000 past its functab's start. */
	copy_file(fx.stripped, path);
	nfunc = 100;
	patch(path, t.shdr + offsetof(Elf64_Shdr, sh_size), &nfunc, 8);
	expect_refused(path, "a header offset past its end (100 bytes)");
	copy_file(fx.stripped, path);
	nfunc = functab + 1000;
	patch(path, t.shdr + offsetof(Elf64_Shdr, sh_size), &nfunc, 8);
	expect_refused(path, "functions, which its");

	/* Its bytes said to lie past the end of the file. */
	copy_file(fx.stripped, path);
	nfunc = 1ULL << 32;
	patch(path, t.shdr + offsetof(Elf64_Shdr, sh_offset), &nfunc, 8);
	expect_refused(path, "the section's bytes are not in the file");
}

struct walk {
	__u64 lo, hi, n;
};

static int check_in_text(const struct go_func *fn, void *ctx)
{
	struct walk *w = ctx;

	assert_true(fn->entry >= w->lo && fn->entry + fn->size <= w->hi);
	assert_true(strlen(fn->name) > 0);
	w->n++;
	return 0;
}

/* A table cut short anywhere, or with bytes changed anywhere: an error with a
 * reason, or functions inside .text; never a read outside the table. */
static void test_damaged_tables_never_read_outside(void **state)
{
	struct scn t, text;
	unsigned char *orig, *buf;
	struct go_text gt;
	struct walk w;
	char why[160];
	int fd, i, err, ok = 0, refused = 0;
	__u64 full_n, functab;

	(void)state;
	assert_int_equal(find_section(fx.stripped, ".gopclntab", &t), 0);
	assert_int_equal(find_section(fx.stripped, ".text", &text), 0);
	gt.addr = text.addr;
	gt.size = text.size;
	w = (struct walk){ gt.addr, gt.addr + gt.size, 0 };
	orig = malloc(t.size);
	assert_non_null(orig);
	fd = open(fx.stripped, O_RDONLY);
	assert_int_equal(pread(fd, orig, t.size, (off_t)t.offset), (ssize_t)t.size);
	close(fd);
	err = go_pclntab_parse(orig, t.size, &gt, check_in_text, &w, why, sizeof(why));
	assert_int_equal(err, 0);
	full_n = w.n;
	assert_true(full_n > 1000);
	memcpy(&functab, orig + 8 + 7 * 8, 8);
	srandom(7);
	for (i = 0; i < 3000; i++) {
		/* An exact-size copy, so a read past its end is a read past the malloc. */
		/* Damage in the header, in the functab, or anywhere. */
		size_t len = i % 3 ? t.size : (size_t)random() % t.size, k, at;
		size_t from = i % 4 == 1 ? functab : 0;
		size_t span = i % 4 == 0 ? 72 : i % 4 == 1 ? (2 * full_n + 1) * 4 : t.size;

		buf = malloc(len ? len : 1);
		assert_non_null(buf);
		memcpy(buf, orig, len);
		for (k = 0; i % 3 && k < 1 + (size_t)(i % 5); k++) {
			at = from + (size_t)random() % span;
			buf[at] = (unsigned char)random();
		}
		w.n = 0;
		why[0] = '\0';
		err = go_pclntab_parse(buf, len, &gt, check_in_text, &w, why, sizeof(why));
		if (err) {
			assert_true(err == -EINVAL || err == -ENOTSUP);
			assert_int_equal(w.n, 0);
			assert_true(strlen(why) > 0);
			refused++;
		} else {
			ok++;
		}
		free(buf);
	}
	free(orig);
	/* Both outcomes happen: damage in names or pc tables can go unnoticed. */
	assert_true(refused > 1000);
	assert_true(ok > 0);
}

/* ---- the older layouts, made by hand -------------------------------------- */

struct table {
	unsigned char b[512];
	size_t len;
};

static void put(struct table *t, size_t off, __u64 v, unsigned int width)
{
	unsigned int i;

	for (i = 0; i < width; i++)
		t->b[off + i] = (unsigned char)(v >> (8 * i));
	if (off + width > t->len)
		t->len = off + width;
}

/*
 * Two functions, "pkg.a" at 0x1000 (its pcsp table says 0x30 bytes, padded to
 * 0x40) and "pkg.bb" at 0x1040 (no pcsp table: 0x20 bytes, to the end), in
 * the layout of Go 1.2 (magic 0xfffffffb) or 1.16 (0xfffffffa).
 */
static void make_old_table(struct table *t, __u32 magic)
{
	bool v116 = magic == 0xfffffffa;
	size_t functab = v116 ? 0x40 : 0x10, names = 0x100, pctab = 0x140;
	size_t rec_a = functab + 0x40, rec_b = rec_a + 0x20;
	/* Since 1.16 records, names and pc tables are found from their own tables. */
	size_t base = v116 ? functab : 0, name_base = v116 ? names : 0, pc_base = v116 ? pctab : 0;

	memset(t, 0, sizeof(*t));
	put(t, 0, magic, 4);
	t->b[6] = 1;
	t->b[7] = 8;
	put(t, 8, 2, 8); /* nfunc */
	if (v116) {
		put(t, 16, 0, 8);	/* nfiles */
		put(t, 24, names, 8);	/* funcnametab */
		put(t, 32, 0, 8);	/* cutab */
		put(t, 40, 0, 8);	/* filetab */
		put(t, 48, pctab, 8);	/* pctab */
		put(t, 56, functab, 8); /* functab */
	}
	put(t, functab, 0x1000, 8);
	put(t, functab + 8, rec_a - base, 8);
	put(t, functab + 16, 0x1040, 8);
	put(t, functab + 24, rec_b - base, 8);
	put(t, functab + 32, 0x1060, 8); /* end */
	/* _func: entry (a word), nameoff, args, deferreturn, pcsp. */
	put(t, rec_a, 0x1000, 8);
	put(t, rec_a + 8, names - name_base, 4);
	put(t, rec_a + 20, pctab + 1 - pc_base, 4);
	put(t, rec_b, 0x1040, 8);
	put(t, rec_b + 8, names + 6 - name_base, 4);
	memcpy(t->b + names, "pkg.a\0pkg.bb", 13);
	/* sp 0 for 0x10 bytes, then 8 for 0x20: 0x30 bytes; then the end. */
	memcpy(t->b + pctab + 1, "\x02\x10\x10\x20\x00", 5);
	t->len = pctab + 6;
}

struct seen {
	char names[4][16];
	__u64 entry[4], size[4];
	int n;
};

static int collect(const struct go_func *fn, void *ctx)
{
	struct seen *s = ctx;

	if (s->n == 4)
		return -E2BIG;
	snprintf(s->names[s->n], sizeof(s->names[0]), "%s", fn->name);
	s->entry[s->n] = fn->entry;
	s->size[s->n] = fn->size;
	s->n++;
	return 0;
}

static void check_old_layout(__u32 magic)
{
	struct go_text text = { 0x1000, 0x100 };
	struct seen s = { 0 };
	struct table t;
	char why[160];

	make_old_table(&t, magic);
	assert_int_equal(go_pclntab_parse(t.b, t.len, &text, collect, &s, why, sizeof(why)), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.names[0], "pkg.a");
	assert_int_equal(s.entry[0], 0x1000);
	assert_int_equal(s.size[0], 0x30);
	assert_string_equal(s.names[1], "pkg.bb");
	assert_int_equal(s.entry[1], 0x1040);
	assert_int_equal(s.size[1], 0x20);
	/* A pcsp table longer than the gap to the next function is corrupt. */
	t.b[0x140 + 4] = 0x7f; /* its second pc delta */
	s.n = 0;
	assert_int_equal(go_pclntab_parse(t.b, t.len, &text, collect, &s, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "function 0's pc table is corrupt");
	assert_int_equal(s.n, 0);
	/* Functions outside .text. */
	make_old_table(&t, magic);
	text.size = 0x50;
	assert_int_equal(go_pclntab_parse(t.b, t.len, &text, collect, &s, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "function 1 at 0x1040 lies outside .text");
}

static void test_go_1_2_layout(void **state)
{
	(void)state;
	check_old_layout(0xfffffffb);
}

static void test_go_1_16_layout(void **state)
{
	(void)state;
	check_old_layout(0xfffffffa);
}

static void test_big_endian_refused(void **state)
{
	static const unsigned char be[16] = { 0xff, 0xff, 0xff, 0xf1, 0, 0, 1, 8 };
	struct go_text text = { 0x1000, 0x100 };
	struct seen s = { 0 };
	char why[160];

	(void)state;
	assert_int_equal(go_pclntab_parse(be, sizeof(be), &text, collect, &s, why, sizeof(why)),
			 -ENOTSUP);
	assert_string_equal(why, "a big-endian table");
	assert_int_equal(go_pclntab_parse(be, 5, &text, collect, &s, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "5 bytes, shorter than its header");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stripped_main_functions_match_go_nm),
		cmocka_unit_test(test_every_function_matches_symtab),
		cmocka_unit_test(test_offsets_hold_the_code),
		cmocka_unit_test(test_pie_builds),
		cmocka_unit_test(test_corrupt_tables_refused),
		cmocka_unit_test(test_damaged_tables_never_read_outside),
		cmocka_unit_test(test_go_1_2_layout),
		cmocka_unit_test(test_go_1_16_layout),
		cmocka_unit_test(test_big_endian_refused),
	};

	return cmocka_run_group_tests(tests, build_fixtures, remove_fixtures);
}
