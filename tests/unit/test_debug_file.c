// SPDX-License-Identifier: GPL-2.0
/*
 * Separate debug files (user/probe/debug_file.c through syms__load) on fixtures
 * built here: a program with a build-id, split with objcopy --only-keep-debug,
 * strip and --add-gnu-debuglink, its debug file placed where each test says.
 * The debug root is a directory of the fixture ($SONDE_DEBUG_ROOT, set before
 * the first look-up), never /usr/lib/debug. Old symbol versions (compat)
 * are checked here too, in a library with bar@VERS_1.0 and bar@@VERS_2.0.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <gelf.h>
#include <sys/stat.h>
#include "probe/debug_file.h"
#include "probe/elf_syms.h"
#include "fixture.h"
#include "syms_helpers.h"

static const char prog_src[] =
    "__attribute__((noinline, used)) static int only_in_debug(int x) { return x * 7; }\n"
    "int main(int argc, char **argv) { (void)argv; return only_in_debug(argc); }\n";

/* A library with an old version of bar beside the default one. */
static const char ver_src[] = "int foo(int x) { return x + 1; }\n"
			      "int bar_old(int x) { return x + 2; }\n"
			      "int bar_new(int x) { return x + 3; }\n"
			      "__asm__(\".symver bar_old, bar@VERS_1.0\");\n"
			      "__asm__(\".symver bar_new, bar@@VERS_2.0\");\n";
static const char ver_map[] = "VERS_1.0 { global: foo; bar; local: *; };\n"
			      "VERS_2.0 { global: bar; } VERS_1.0;\n";

static struct {
	char dir[256], root[512];
	char prog[512], debug[512], stripped[512], other_debug[512], lib[512];
	char build_id[130];
} fx;

static int build_fixtures(void **state)
{
	char src[512], other[512], vsrc[512], vmap[512], vscript[600], libdbg[512],
	    libstripped[512];
	char *cc[] = {"cc", "-O1", "-Wl,--build-id=sha1", "-o", fx.prog, src, NULL};
	char *cc_other[] = {
	    "cc", "-O1", "-Wl,--build-id=0x00112233445566778899aabbccddeeff00112233", "-o", other,
	    src,  NULL};
	char *keep[] = {"objcopy", "--only-keep-debug", fx.prog, fx.debug, NULL};
	char *keep_other[] = {"objcopy", "--only-keep-debug", other, fx.other_debug, NULL};
	char *strip[] = {"strip", "--strip-all", "-o", fx.stripped, fx.prog, NULL};
	char linkopt[600];
	char *link[] = {"objcopy", linkopt, fx.stripped, NULL};
	char *cc_lib[] = {"cc",	   "-O1", "-fPIC", "-shared", "-Wl,--build-id",
			  vscript, "-o",  fx.lib,  vsrc,      NULL};
	char *keep_lib[] = {"objcopy", "--only-keep-debug", fx.lib, libdbg, NULL};
	char *strip_lib[] = {"strip", "--strip-all", "-o", libstripped, fx.lib, NULL};

	elf_version(EV_CURRENT);
	if (fx_mkdtemp(fx.dir, sizeof(fx.dir)))
		return -1;
	fx_path(src, sizeof(src), fx.dir, "prog.c");
	fx_path(other, sizeof(other), fx.dir, "other");
	fx_path(vsrc, sizeof(vsrc), fx.dir, "ver.c");
	fx_path(vmap, sizeof(vmap), fx.dir, "ver.map");
	snprintf(vscript, sizeof(vscript), "-Wl,--version-script=%s", vmap);
	fx_path(fx.root, sizeof(fx.root), fx.dir, "debugroot");
	fx_path(fx.prog, sizeof(fx.prog), fx.dir, "prog");
	fx_path(fx.debug, sizeof(fx.debug), fx.dir, "prog.debug");
	fx_path(fx.stripped, sizeof(fx.stripped), fx.dir, "prog.stripped");
	fx_path(fx.other_debug, sizeof(fx.other_debug), fx.dir, "other.debug");
	fx_path(fx.lib, sizeof(fx.lib), fx.dir, "libver.so");
	fx_path(libdbg, sizeof(libdbg), fx.dir, "libver.debug");
	fx_path(libstripped, sizeof(libstripped), fx.dir, "libver.stripped.so");
	snprintf(linkopt, sizeof(linkopt), "--add-gnu-debuglink=%s", fx.debug);
	if (fx_write(src, prog_src) || fx_write(vsrc, ver_src) || fx_write(vmap, ver_map) ||
	    mkdir(fx.root, 0755))
		return -1;
	/* Read once, at the first look-up: set before any. */
	setenv("SONDE_DEBUG_ROOT", fx.root, 1);
	unsetenv("DEBUGINFOD_URLS");
	if (fx_run(cc) || fx_run(cc_other) || fx_run(keep) || fx_run(keep_other) || fx_run(strip) ||
	    fx_run(link) || fx_run(cc_lib) || fx_run(keep_lib) || fx_run(strip_lib)) {
		fx_rmtree(fx.dir);
		return -1;
	}
	if (elf_build_id(fx.prog, fx.build_id, sizeof(fx.build_id)))
		return -1;
	*state = &fx;
	return 0;
}

static int remove_fixtures(void **state)
{
	(void)state;
	fx_rmtree(fx.dir);
	return 0;
}

static void copy(const char *from, const char *to)
{
	char *cp[] = {"cp", (char *)from, (char *)to, NULL};

	assert_int_equal(fx_run(cp), 0);
}

static void mkdirs(const char *path)
{
	char *mk[] = {"mkdir", "-p", (char *)path, NULL};

	assert_int_equal(fx_run(mk), 0);
}

/* A directory of its own for each test, with the stripped program as DIR/bin/prog. */
static void layout(const char *name, char *bin, size_t len, char *prog, size_t plen)
{
	snprintf(bin, len, "%s/%s/bin", fx.dir, name);
	mkdirs(bin);
	snprintf(prog, plen, "%s/prog", bin);
	copy(fx.stripped, prog);
}

static void build_id_path_of(const char *id, char *out, size_t len)
{
	char dir[700];

	snprintf(dir, sizeof(dir), "%s/.build-id/%.2s", fx.root, id);
	mkdirs(dir);
	snprintf(out, len, "%s/%s.debug", dir, id + 2);
}

static void build_id_path(char *out, size_t len)
{
	build_id_path_of(fx.build_id, out, len);
}

/* The symbols read through the debug file are the unstripped program's, at its offsets. */
static void expect_symbols_from(const char *prog, const char *debug)
{
	struct syms *s = load_ok(prog), *full = load_ok(fx.prog);
	const struct sym *got = find(s, "only_in_debug"), *want = find(full, "only_in_debug");

	assert_non_null(want);
	if (!got)
		fail_msg("only_in_debug not found in %s (debug file %s)", prog,
			 syms__debug_file(s) ? syms__debug_file(s) : "none");
	assert_true(syms__has_symtab(s));
	assert_non_null(syms__debug_file(s));
	assert_string_equal(syms__debug_file(s), debug);
	assert_int_equal(got->vaddr, want->vaddr);
	assert_int_equal(got->offset, want->offset);
	assert_int_equal(got->size, want->size);
	assert_false(got->dynamic);
	syms__free(full);
	syms__free(s);
}

static void expect_no_symbols(const char *prog)
{
	struct syms *s = load_ok(prog);

	assert_null(find(s, "only_in_debug"));
	assert_false(syms__has_symtab(s));
	assert_null(syms__debug_file(s));
	syms__free(s);
}

static void test_none_anywhere(void **state)
{
	char bin[600], prog[700];

	(void)state;
	layout("none", bin, sizeof(bin), prog, sizeof(prog));
	expect_no_symbols(prog);
}

static void test_next_to_binary(void **state)
{
	char bin[600], prog[700], dbg[800];

	(void)state;
	layout("next", bin, sizeof(bin), prog, sizeof(prog));
	snprintf(dbg, sizeof(dbg), "%s/prog.debug", bin);
	copy(fx.debug, dbg);
	expect_symbols_from(prog, dbg);
}

static void test_dot_debug_dir(void **state)
{
	char bin[600], prog[700], dir[700], dbg[800];

	(void)state;
	layout("dotdebug", bin, sizeof(bin), prog, sizeof(prog));
	snprintf(dir, sizeof(dir), "%s/.debug", bin);
	mkdirs(dir);
	snprintf(dbg, sizeof(dbg), "%s/prog.debug", dir);
	copy(fx.debug, dbg);
	expect_symbols_from(prog, dbg);
}

/* DEBUG_ROOT/<the binary's directory>/<debuglink name>. */
static void test_under_debug_root(void **state)
{
	char bin[600], prog[700], dir[1200], dbg[1300];

	(void)state;
	layout("rootdir", bin, sizeof(bin), prog, sizeof(prog));
	snprintf(dir, sizeof(dir), "%s%s", fx.root, bin);
	mkdirs(dir);
	snprintf(dbg, sizeof(dbg), "%s/prog.debug", dir);
	copy(fx.debug, dbg);
	expect_symbols_from(prog, dbg);
	unlink(dbg);
}

/* The build-id tree comes before the debuglink. */
static void test_build_id_first(void **state)
{
	char bin[600], prog[700], next[800], by_id[900];

	(void)state;
	layout("buildid", bin, sizeof(bin), prog, sizeof(prog));
	snprintf(next, sizeof(next), "%s/prog.debug", bin);
	copy(fx.debug, next);
	build_id_path(by_id, sizeof(by_id));
	copy(fx.debug, by_id);
	expect_symbols_from(prog, by_id);
	unlink(by_id);
	expect_symbols_from(prog, next);
}

static int load_quiet(void *arg)
{
	int err;
	struct syms *s = syms__load(arg, &err);
	int found = s && find(s, "only_in_debug");

	syms__free(s);
	return found;
}

/* A debug file whose CRC32 is not the one .gnu_debuglink records: refused, said, passed over. */
static void test_crc_mismatch(void **state)
{
	char bin[600], prog[700], next[800], dir[700], dotdbg[800], out[2048];
	FILE *f;

	(void)state;
	layout("crc", bin, sizeof(bin), prog, sizeof(prog));
	snprintf(next, sizeof(next), "%s/prog.debug", bin);
	copy(fx.debug, next);
	f = fopen(next, "a");
	assert_non_null(f);
	fputc(0, f);
	fclose(f);
	assert_false(fx_capture_stderr(load_quiet, prog, out, sizeof(out)));
	if (!strstr(out, "CRC32") || !strstr(out, next))
		fail_msg("no note about the CRC of %s: '%s'", next, out);
	/* The next place in the order still counts. */
	snprintf(dir, sizeof(dir), "%s/.debug", bin);
	mkdirs(dir);
	snprintf(dotdbg, sizeof(dotdbg), "%s/prog.debug", dir);
	copy(fx.debug, dotdbg);
	expect_symbols_from(prog, dotdbg);
}

/* Another build's debug file where this build-id's should be: refused with the reason. */
static void test_build_id_mismatch(void **state)
{
	char bin[600], prog[700], by_id[900], out[2048];

	(void)state;
	layout("wrongid", bin, sizeof(bin), prog, sizeof(prog));
	build_id_path(by_id, sizeof(by_id));
	copy(fx.other_debug, by_id);
	assert_false(fx_capture_stderr(load_quiet, prog, out, sizeof(out)));
	if (!strstr(out, "build-id 00112233445566778899aabbccddeeff00112233 is not") ||
	    !strstr(out, fx.build_id))
		fail_msg("no note naming both build-ids: '%s'", out);
	expect_no_symbols(prog);
	unlink(by_id);
}

static Elf *open_elf(const char *path, int *fd)
{
	*fd = open(path, O_RDONLY);
	assert_true(*fd >= 0);
	return elf_begin(*fd, ELF_C_READ, NULL);
}

/* Load segments: the program's own debug file matches; another program's does not. */
static void test_layout_check(void **state)
{
	char why[256], other[512];
	int fd1, fd2, fd3;
	Elf *prog, *dbg, *lib;

	(void)state;
	fx_path(other, sizeof(other), fx.dir, "libver.debug");
	prog = open_elf(fx.stripped, &fd1);
	dbg = open_elf(fx.debug, &fd2);
	lib = open_elf(other, &fd3);
	assert_null(debug_file_mismatch(prog, dbg, why, sizeof(why)));
	assert_non_null(debug_file_mismatch(prog, lib, why, sizeof(why)));
	elf_end(prog);
	elf_end(dbg);
	elf_end(lib);
	close(fd1);
	close(fd2);
	close(fd3);
}

/* The CRC32 is the one objcopy wrote into .gnu_debuglink (its last 4 bytes). */
static void test_crc32(void **state)
{
	char sect[512], arg[600];
	char *dump[] = {"objcopy", "--dump-section", arg, fx.stripped, NULL};
	unsigned char buf[64];
	unsigned int crc, want;
	ssize_t n;
	int fd;

	(void)state;
	fx_path(sect, sizeof(sect), fx.dir, "debuglink.bin");
	snprintf(arg, sizeof(arg), ".gnu_debuglink=%s", sect);
	/* objcopy writes its output over the input: dump from a copy. */
	{
		char tmp[512];

		fx_path(tmp, sizeof(tmp), fx.dir, "prog.dumpsrc");
		copy(fx.stripped, tmp);
		dump[3] = tmp;
		assert_int_equal(fx_run(dump), 0);
	}
	fd = open(sect, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_true(n >= 8);
	memcpy(&want, buf + n - 4, 4); /* little-endian object, little-endian host */
	fd = open(fx.debug, O_RDONLY);
	assert_int_equal(debug_file_crc32(fd, &crc), 0);
	close(fd);
	assert_int_equal(crc, want);
}

/* bar@VERS_1.0 is an old version, bar@@VERS_2.0 the default: from .dynsym and through a debug file.
 */
static void check_compat(const char *path)
{
	struct syms *s = load_ok(path);
	const struct sym *old = find(s, "bar_old"), *cur = find(s, "bar_new");
	size_t i, compat = 0, plain = 0;

	for (i = 0; i < syms__count(s); i++) {
		const struct sym *sym = syms__get(s, i);

		if (strcmp(sym->name, "bar"))
			continue;
		if (sym->compat)
			compat++;
		else
			plain++;
		if (old && sym->vaddr == old->vaddr)
			assert_true(sym->compat);
		if (cur && sym->vaddr == cur->vaddr)
			assert_false(sym->compat);
	}
	assert_int_equal(compat, 1);
	assert_int_equal(plain, 1);
	syms__free(s);
}

static void test_compat_versions(void **state)
{
	char stripped[512], libdbg[512], id[130], by_id[900];
	struct syms *s;

	(void)state;
	check_compat(fx.lib);
	/* Stripped: from .dynsym and .gnu.version. */
	fx_path(stripped, sizeof(stripped), fx.dir, "libver.stripped.so");
	check_compat(stripped);
	/* Stripped, its debug file in the build-id tree: the .symtab's names get the same marks. */
	fx_path(libdbg, sizeof(libdbg), fx.dir, "libver.debug");
	assert_int_equal(elf_build_id(stripped, id, sizeof(id)), 0);
	build_id_path_of(id, by_id, sizeof(by_id));
	copy(libdbg, by_id);
	s = load_ok(stripped);
	assert_non_null(syms__debug_file(s));
	assert_non_null(find(s, "bar_old"));
	syms__free(s);
	check_compat(stripped);
	unlink(by_id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_none_anywhere),
	    cmocka_unit_test(test_next_to_binary),
	    cmocka_unit_test(test_dot_debug_dir),
	    cmocka_unit_test(test_under_debug_root),
	    cmocka_unit_test(test_build_id_first),
	    cmocka_unit_test(test_crc_mismatch),
	    cmocka_unit_test(test_build_id_mismatch),
	    cmocka_unit_test(test_layout_check),
	    cmocka_unit_test(test_crc32),
	    cmocka_unit_test(test_compat_versions),
	};

	return cmocka_run_group_tests(tests, build_fixtures, remove_fixtures);
}
