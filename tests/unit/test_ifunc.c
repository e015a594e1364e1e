// SPDX-License-Identifier: GPL-2.0
/*
 * IFUNC resolution (user/probe/ifunc.c): glibc's memcpy as this test process and
 * a child of it resolved it, and a fixture program's own IFUNC read from the
 * GOT of the running program, where sonde's own copy cannot help.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <libelf.h>
#include <link.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "probe/elf_syms.h"
#include "fixture.h"
#include "probe/ifunc.h"
#include "syms_helpers.h"

static struct {
	char dir[256], prog[512], libc[4096];
} fx;

/* The libc this test runs with, as its path. */
static int find_libc(struct dl_phdr_info *info, size_t size, void *ctx)
{
	(void)size;
	(void)ctx;
	if (info->dlpi_name && strstr(info->dlpi_name, "/libc.so.6")) {
		snprintf(fx.libc, sizeof(fx.libc), "%s", info->dlpi_name);
		return 1;
	}
	return 0;
}

static int build_fixtures(void **state)
{
	char src[512];
	/* The resolver picks impl_b: no environment is read that early in a static resolver. */
	static const char text[] =
	    "#include <unistd.h>\n"
	    "__attribute__((noinline, used)) static int impl_a(void) { return 1; }\n"
	    "__attribute__((noinline, used)) static int impl_b(void) { return 2; }\n"
	    "static int (*pick(void))(void) { return impl_b; }\n"
	    "int chosen(void) __attribute__((ifunc(\"pick\")));\n"
	    "int main(void) { for (;;) { if (chosen() != 2) return 1; pause(); } }\n";
	char *cc[] = {"cc", "-O1", "-o", fx.prog, src, NULL};

	elf_version(EV_CURRENT);
	dl_iterate_phdr(find_libc, NULL);
	if (!fx.libc[0] || fx_mkdtemp(fx.dir, sizeof(fx.dir)))
		return -1;
	fx_path(src, sizeof(src), fx.dir, "prog.c");
	fx_path(fx.prog, sizeof(fx.prog), fx.dir, "prog");
	if (fx_write(src, text) || fx_run(cc)) {
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

static bool any(void *ctx, __u64 vaddr)
{
	(void)ctx;
	(void)vaddr;
	return true;
}

/* The IFUNC symbol named `name` (its resolver's address). */
static const struct sym *ifunc_sym(const struct syms *s, const char *name)
{
	size_t i;

	for (i = 0; i < syms__count(s); i++)
		if (syms__get(s, i)->ifunc && !strcmp(syms__get(s, i)->name, name))
			return syms__get(s, i);
	fail_msg("no IFUNC '%s'", name);
	return NULL;
}

/* What this process's dynamic linker chose for memcpy, as an address in libc. */
static __u64 own_memcpy_vaddr(void)
{
	void *h = dlopen(fx.libc, RTLD_LAZY | RTLD_NOLOAD);
	struct link_map *lm = NULL;
	void *addr;

	assert_non_null(h);
	assert_int_equal(dlinfo(h, RTLD_DI_LINKMAP, &lm), 0);
	addr = dlsym(h, "memcpy");
	assert_non_null(addr);
	dlclose(h);
	return (__u64)(uintptr_t)addr - lm->l_addr;
}

static void resolve_memcpy(pid_t pid, const char *how_has)
{
	struct syms *s = load_ok(fx.libc);
	const struct sym *memcpy_ifunc = ifunc_sym(s, "memcpy");
	struct ifunc_impl impl;
	char why[256];
	int err;
	struct ifuncs *f = ifuncs__load(fx.libc, pid, &err);

	assert_non_null(f);
	assert_int_equal(
	    ifuncs__resolve(f, "memcpy", memcpy_ifunc->vaddr, any, NULL, &impl, why, sizeof(why)),
	    0);
	assert_int_equal(impl.vaddr, own_memcpy_vaddr());
	assert_int_not_equal(impl.vaddr, memcpy_ifunc->vaddr);
	if (!strstr(impl.how, how_has))
		fail_msg("resolved '%s', expected it from '%s'", impl.how, how_has);
	ifuncs__free(f);
	syms__free(s);
}

/* No target process: sonde's own copy of libc, the very same file. */
static void test_memcpy_own_copy(void **state)
{
	(void)state;
	resolve_memcpy(0, "sonde's own copy");
}

/* A running process: its GOT (libc's IRELATIVE slot for memcpy). */
static void test_memcpy_from_got(void **state)
{
	pid_t child = fork();

	(void)state;
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	resolve_memcpy(child, "GOT");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

/*
 * A name dlsym() cannot find (glibc's internal alias): sonde's own IRELATIVE
 * slot, tied to the resolver. With libc's file also mapped as data, as sonde
 * maps every object it reads: the loader's mapping still gives the bias.
 */
static void test_own_irelative_slot(void **state)
{
	struct syms *s = load_ok(fx.libc);
	const struct sym *memcpy_ifunc = ifunc_sym(s, "memcpy");
	int fd = open(fx.libc, O_RDONLY);
	struct ifunc_impl impl;
	struct stat st;
	char why[256];
	struct ifuncs *f;
	void *copy;
	int err;

	(void)state;
	assert_true(fd >= 0 && !fstat(fd, &st));
	copy = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(copy != MAP_FAILED);
	f = ifuncs__load(fx.libc, 0, &err);
	assert_non_null(f);
	assert_int_equal(ifuncs__resolve(f, "__no_such_export_memcpy", memcpy_ifunc->vaddr, any,
					 NULL, &impl, why, sizeof(why)),
			 0);
	assert_int_equal(impl.vaddr, own_memcpy_vaddr());
	assert_non_null(strstr(impl.how, "sonde's own GOT"));
	ifuncs__free(f);
	munmap(copy, (size_t)st.st_size);
	close(fd);
	syms__free(s);
}

/* Which implementation the caller refuses is passed over. */
static bool not_this(void *ctx, __u64 vaddr)
{
	return vaddr != *(__u64 *)ctx;
}

static void start_prog(pid_t *pid)
{
	char maps[64], line[1024];
	int i, mapped = 0;
	FILE *f;

	*pid = fork();
	assert_true(*pid >= 0);
	if (*pid == 0) {
		execl(fx.prog, fx.prog, (char *)NULL);
		_exit(127);
	}
	/* Until it has run main: its own IFUNC's slot is filled before that. */
	for (i = 0; i < 200 && !mapped; i++) {
		usleep(10000);
		snprintf(maps, sizeof(maps), "/proc/%d/maps", *pid);
		f = fopen(maps, "r");
		while (f && fgets(line, sizeof(line), f))
			mapped |= strstr(line, "libc.so.6") != NULL;
		if (f)
			fclose(f);
	}
	usleep(50000);
	assert_true(mapped);
}

/* A program's own IFUNC: only its GOT tells; sonde has no copy of the program. */
static void test_program_ifunc(void **state)
{
	struct syms *s = load_ok(fx.prog);
	const struct sym *chosen = ifunc_sym(s, "chosen"), *b = find(s, "impl_b");
	struct ifunc_impl impl;
	struct ifuncs *f;
	char why[256];
	__u64 refused;
	pid_t pid;
	int err;

	(void)state;
	assert_non_null(b);
	/* Not running: nothing to read, and said why. */
	f = ifuncs__load(fx.prog, 0, &err);
	assert_non_null(f);
	assert_int_equal(
	    ifuncs__resolve(f, "chosen", chosen->vaddr, any, NULL, &impl, why, sizeof(why)),
	    -ENOENT);
	assert_non_null(strstr(why, "no running target"));
	ifuncs__free(f);

	start_prog(&pid);
	f = ifuncs__load(fx.prog, pid, &err);
	assert_non_null(f);
	assert_int_equal(
	    ifuncs__resolve(f, "chosen", chosen->vaddr, any, NULL, &impl, why, sizeof(why)), 0);
	assert_int_equal(impl.vaddr, b->vaddr);
	refused = b->vaddr;
	assert_int_equal(ifuncs__resolve(f, "chosen", chosen->vaddr, not_this, &refused, &impl, why,
					 sizeof(why)),
			 -ENOENT);
	ifuncs__free(f);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	syms__free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_memcpy_own_copy),
	    cmocka_unit_test(test_memcpy_from_got),
	    cmocka_unit_test(test_own_irelative_slot),
	    cmocka_unit_test(test_program_ifunc),
	};

	return cmocka_run_group_tests(tests, build_fixtures, remove_fixtures);
}
