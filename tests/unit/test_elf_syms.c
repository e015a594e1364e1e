// SPDX-License-Identifier: GPL-2.0
/*
 * ELF symbol reading (user/probe/elf_syms.c) on fixture binaries built here, at run
 * time, with the system compiler: PIE and non-PIE executables, a shared
 * library, a stripped executable, versioned names, aliases, a zero-size
 * symbol and an IFUNC.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <elf.h>
#include <sys/stat.h>
#include "probe/elf_syms.h"
#include "fixture.h"
#include "syms_helpers.h"

/* movabs $0x1122334455667788, %rax; ret */
static const unsigned char known[] = { 0x48, 0xb8, 0x88, 0x77, 0x66, 0x55,
				       0x44, 0x33, 0x22, 0x11, 0xc3 };

static const char common_src[] =
	"__asm__(\".text\\n.globl known_bytes\\n.type known_bytes,@function\\n\"\n"
	"        \"known_bytes:\\n movabs $0x1122334455667788, %rax\\n ret\\n\"\n"
	"        \".size known_bytes, .-known_bytes\\n\"\n"
	"        \".globl zero_sized\\n.type zero_sized,@function\\nzero_sized:\\n ret\\n\");\n"
	"long known_bytes(void);\n"
	"void zero_sized(void);\n"
	"static int impl_a(void) { return 1; }\n"
	"static int (*resolve_ifn(void))(void) { return impl_a; }\n"
	"int ifn(void) __attribute__((ifunc(\"resolve_ifn\")));\n"
	"int real_fn(int x) { return x * 3 + 1; }\n"
	"int alias_fn(int x) __attribute__((alias(\"real_fn\")));\n"
	"__attribute__((weak)) int weak_fn(int x) { return x - 7; }\n"
	"__attribute__((noinline, used)) static int local_fn(int x) { return x ^ 5; }\n"
	"int use_all(int x) { zero_sized(); return (int)known_bytes() + ifn() +\n"
	"  real_fn(x) + alias_fn(x) + weak_fn(x) + local_fn(x); }\n";

static const char main_src[] = "int use_all(int);\n"
			       "int main(int argc, char **argv) { (void)argv; return use_all(argc); }\n";

static const char ver_src[] = "int foo(int x) { return x + 1; }\n"
			      "int bar_old(int x) { return x + 2; }\n"
			      "int bar_new(int x) { return x + 3; }\n"
			      "__asm__(\".symver bar_old, bar@VERS_1.0\");\n"
			      "__asm__(\".symver bar_new, bar@@VERS_2.0\");\n";

static const char ver_map[] = "VERS_1.0 { global: foo; local: *; };\n"
			      "VERS_2.0 { global: bar; } VERS_1.0;\n";

struct fx {
	char dir[256];
	char pie[512], nopie[512], rdyn[512], stripped[512], lib[512], ver[512], text[512];
};

static struct fx fx;

static int build_fixtures(void **state)
{
	char common[512], mainc[512], verc[512], map[512], verscript[600];
	char *pie[] = { "cc", "-O1", "-fPIE", "-pie", "-o", fx.pie, common, mainc, NULL };
	char *nopie[] = { "cc", "-O1", "-fno-pie", "-no-pie", "-o", fx.nopie, common, mainc, NULL };
	char *rdyn[] = { "cc", "-O1", "-fPIE", "-pie", "-rdynamic", "-o", fx.rdyn, common, mainc, NULL };
	char *strip[] = { "strip", "--strip-all", "-o", fx.stripped, fx.rdyn, NULL };
	char *lib[] = { "cc", "-O1", "-fPIC", "-shared", "-o", fx.lib, common, NULL };
	char *ver[] = { "cc", "-O1", "-fPIC", "-shared", verscript, "-o", fx.ver, verc, NULL };

	if (fx_mkdtemp(fx.dir, sizeof(fx.dir)))
		return -1;
	fx_path(common, sizeof(common), fx.dir, "common.c");
	fx_path(mainc, sizeof(mainc), fx.dir, "main.c");
	fx_path(verc, sizeof(verc), fx.dir, "ver.c");
	fx_path(map, sizeof(map), fx.dir, "ver.map");
	snprintf(verscript, sizeof(verscript), "-Wl,--version-script=%s", map);
	fx_path(fx.pie, sizeof(fx.pie), fx.dir, "pie");
	fx_path(fx.nopie, sizeof(fx.nopie), fx.dir, "nopie");
	fx_path(fx.rdyn, sizeof(fx.rdyn), fx.dir, "rdyn");
	fx_path(fx.stripped, sizeof(fx.stripped), fx.dir, "stripped");
	fx_path(fx.lib, sizeof(fx.lib), fx.dir, "libfx.so");
	fx_path(fx.ver, sizeof(fx.ver), fx.dir, "libver.so");
	fx_path(fx.text, sizeof(fx.text), fx.dir, "notes.txt");
	if (fx_write(common, common_src) || fx_write(mainc, main_src) || fx_write(verc, ver_src) ||
	    fx_write(map, ver_map) || fx_write(fx.text, "just some text, not an ELF file\n"))
		return -1;
	if (fx_run(pie) || fx_run(nopie) || fx_run(rdyn) || fx_run(strip) || fx_run(lib) ||
	    fx_run(ver)) {
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

static const struct sym *must_find(const struct syms *s, const char *name)
{
	const struct sym *sym = find(s, name);

	if (!sym)
		fail_msg("no symbol '%s'", name);
	return sym;
}

/* The file offset of vaddr from the program headers, read without libelf. */
static __u64 offset_from_phdrs(const char *path, __u64 vaddr)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd = open(path, O_RDONLY), i;
	__u64 off = UINT64_MAX;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &eh, sizeof(eh), 0), sizeof(eh));
	assert_int_equal(eh.e_ident[EI_CLASS], ELFCLASS64);
	for (i = 0; i < eh.e_phnum; i++) {
		assert_int_equal(pread(fd, &ph, sizeof(ph), eh.e_phoff + (__u64)i * eh.e_phentsize),
				 sizeof(ph));
		if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz)
			off = vaddr - ph.p_vaddr + ph.p_offset;
	}
	close(fd);
	return off;
}

/* The function's bytes in the file, at the offset sonde would probe, are the known ones. */
static void assert_known_bytes_at_offset(const char *path, const struct syms *s)
{
	const struct sym *kb = must_find(s, "known_bytes");
	unsigned char buf[sizeof(known)];
	int fd = open(path, O_RDONLY);

	assert_int_equal(kb->size, sizeof(known));
	assert_int_equal(kb->offset, offset_from_phdrs(path, kb->vaddr));
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, sizeof(buf), (off_t)kb->offset), sizeof(buf));
	close(fd);
	assert_memory_equal(buf, known, sizeof(known));
}

/* No two entries with the same name at the same address. */
static void assert_no_duplicates(const struct syms *s)
{
	size_t i, j, n = syms__count(s);

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (syms__get(s, i)->vaddr == syms__get(s, j)->vaddr &&
			    !strcmp(syms__get(s, i)->name, syms__get(s, j)->name))
				fail_msg("'%s' listed twice", syms__get(s, i)->name);
}

static void check_common_symbols(const char *path, bool symtab)
{
	struct syms *s = load_ok(path);
	const struct sym *real = must_find(s, "real_fn"), *alias = must_find(s, "alias_fn");
	const struct sym *ifn = must_find(s, "ifn"), *zero = must_find(s, "zero_sized");

	assert_int_equal(syms__has_symtab(s), symtab);
	assert_known_bytes_at_offset(path, s);
	assert_true(real->size > 0);
	assert_int_equal(real->bind, STB_GLOBAL);
	assert_false(real->ifunc);
	assert_int_equal(real->offset, offset_from_phdrs(path, real->vaddr));
	/* Aliases: two names, one address, one offset. */
	assert_int_equal(alias->vaddr, real->vaddr);
	assert_int_equal(alias->offset, real->offset);
	assert_int_equal(alias->size, real->size);
	assert_true(ifn->ifunc);
	assert_int_equal(zero->size, 0);
	assert_int_equal(zero->offset, offset_from_phdrs(path, zero->vaddr));
	assert_int_equal(must_find(s, "weak_fn")->bind, STB_WEAK);
	assert_null(real->demangled);
	if (symtab) {
		assert_int_equal(must_find(s, "local_fn")->bind, STB_LOCAL);
		assert_false(must_find(s, "resolve_ifn")->ifunc);
	}
	assert_no_duplicates(s);
	syms__free(s);
}

static void test_pie(void **state)
{
	(void)state;
	check_common_symbols(fx.pie, true);
}

/* Non-PIE: addresses start at 0x400000, so offset != vaddr. */
static void test_non_pie(void **state)
{
	struct syms *s;

	(void)state;
	check_common_symbols(fx.nopie, true);
	s = load_ok(fx.nopie);
	assert_true(must_find(s, "real_fn")->vaddr >= 0x400000);
	assert_true(must_find(s, "real_fn")->offset < 0x400000);
	syms__free(s);
}

static void test_shared_library(void **state)
{
	struct syms *s;

	(void)state;
	check_common_symbols(fx.lib, true);
	s = load_ok(fx.lib);
	assert_null(find(s, "main"));
	assert_false(must_find(s, "real_fn")->dynamic);
	syms__free(s);
}

/* In both tables (-rdynamic): listed once, and not as dynamic-only. */
static void test_symtab_and_dynsym(void **state)
{
	struct syms *s;

	(void)state;
	check_common_symbols(fx.rdyn, true);
	s = load_ok(fx.rdyn);
	assert_false(must_find(s, "real_fn")->dynamic);
	assert_false(must_find(s, "main")->dynamic);
	syms__free(s);
}

static void test_stripped(void **state)
{
	struct syms *s;
	size_t i;

	(void)state;
	check_common_symbols(fx.stripped, false);
	s = load_ok(fx.stripped);
	/* Only exported names survive strip --strip-all. */
	assert_null(find(s, "local_fn"));
	assert_null(find(s, "resolve_ifn"));
	assert_non_null(find(s, "main"));
	for (i = 0; i < syms__count(s); i++)
		assert_true(syms__get(s, i)->dynamic);
	syms__free(s);
}

static void test_versioned_names(void **state)
{
	struct syms *s;
	const struct sym *foo;
	__u64 bar_old = 0, bar_new = 0;
	size_t i;

	(void)state;
	s = load_ok(fx.ver);
	foo = must_find(s, "foo");
	assert_int_equal(foo->offset, offset_from_phdrs(fx.ver, foo->vaddr));
	for (i = 0; i < syms__count(s); i++) {
		const struct sym *sym = syms__get(s, i);

		if (strchr(sym->name, '@'))
			fail_msg("version left in '%s'", sym->name);
		if (!strcmp(sym->name, "bar")) {
			if (sym->vaddr == must_find(s, "bar_old")->vaddr)
				bar_old++;
			else if (sym->vaddr == must_find(s, "bar_new")->vaddr)
				bar_new++;
			else
				fail_msg("'bar' at an unexpected address");
		}
	}
	/* bar@VERS_1.0 and bar@@VERS_2.0: both are "bar", once each. */
	assert_int_equal(bar_old, 1);
	assert_int_equal(bar_new, 1);
	assert_no_duplicates(s);
	syms__free(s);
}

static void test_find_addr(void **state)
{
	struct syms *s;
	const struct sym *kb, *real, *hit;

	(void)state;
	s = load_ok(fx.pie);
	kb = must_find(s, "known_bytes");
	real = must_find(s, "real_fn");
	assert_ptr_equal(syms__find_addr(s, kb->vaddr), kb);
	assert_ptr_equal(syms__find_addr(s, kb->vaddr + 1), kb);
	assert_ptr_equal(syms__find_addr(s, kb->vaddr + sizeof(known) - 1), kb);
	/* zero_sized follows known_bytes directly. */
	hit = syms__find_addr(s, kb->vaddr + sizeof(known));
	assert_non_null(hit);
	assert_string_equal(hit->name, "zero_sized");
	/* Either alias, at the shared address. */
	hit = syms__find_addr(s, real->vaddr + real->size - 1);
	assert_non_null(hit);
	assert_int_equal(hit->vaddr, real->vaddr);
	assert_true(!strcmp(hit->name, "real_fn") || !strcmp(hit->name, "alias_fn"));
	assert_null(syms__find_addr(s, 0));
	assert_null(syms__find_addr(s, UINT64_MAX));
	syms__free(s);
}

static void expect_load_error(const char *path, int want)
{
	int err = 0;
	struct syms *s = syms__load(path, &err);

	if (s) {
		syms__free(s);
		fail_msg("syms__load(%s) succeeded, want %d", path, want);
	}
	if (err != want)
		fail_msg("syms__load(%s): err %d (%s), want %d (%s)", path, err, strerror(-err), want,
			 strerror(-want));
}

static void test_errors(void **state)
{
	char path[512];
	int err = 0;

	(void)state;
	expect_load_error(fx_path(path, sizeof(path), fx.dir, "no-such-file"), -ENOENT);
	expect_load_error(fx.text, -ENOEXEC);
	fx_path(path, sizeof(path), fx.dir, "empty");
	assert_int_equal(fx_write(path, ""), 0);
	expect_load_error(path, -ENOEXEC);
	/* A directory is not an ELF object either. */
	assert_null(syms__load(fx.dir, &err));
	assert_true(err < 0);
}

/* Cut short (a copy interrupted): the section headers lie past the end of the file. */
static void test_truncated(void **state)
{
	char path[512], buf[4096];
	int in = open(fx.pie, O_RDONLY), out;

	(void)state;
	fx_path(path, sizeof(path), fx.dir, "truncated");
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(in >= 0 && out >= 0);
	assert_int_equal(read(in, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(write(out, buf, sizeof(buf)), sizeof(buf));
	close(in);
	close(out);
	expect_load_error(path, -ENOEXEC);
}

/* Unreadable: as root the check runs in a child that dropped to "nobody". */
static void test_unreadable(void **state)
{
	char path[512], src[512];
	int status, err = 0;
	pid_t pid;

	(void)state;
	fx_path(path, sizeof(path), fx.dir, "secret");
	fx_path(src, sizeof(src), fx.dir, "pie");
	{
		char *cp[] = { "cp", src, path, NULL };

		assert_int_equal(fx_run(cp), 0);
	}
	assert_int_equal(chmod(path, 0), 0);
	assert_int_equal(chmod(fx.dir, 0755), 0);
	if (geteuid() != 0) {
		expect_load_error(path, -EACCES);
		return;
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(200);
		if (syms__load(path, &err))
			_exit(201);
		_exit(-err & 0xff);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 200)
		skip();
	assert_int_equal(WEXITSTATUS(status), EACCES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pie),
		cmocka_unit_test(test_non_pie),
		cmocka_unit_test(test_shared_library),
		cmocka_unit_test(test_symtab_and_dynsym),
		cmocka_unit_test(test_stripped),
		cmocka_unit_test(test_versioned_names),
		cmocka_unit_test(test_find_addr),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_unreadable),
	};

	return cmocka_run_group_tests(tests, build_fixtures, remove_fixtures);
}
