// SPDX-License-Identifier: GPL-2.0
/*
 * Output and input files that do no harm (user/out/out_file.c, read_whole_file()
 * in user/core/util.c): -o is written to a temporary file and renamed into place,
 * never through a link and never over the previous file on a failure;
 * reads take regular files only, never block, and stop at a size limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <zlib.h>
#include "fixture.h"
#include "out/out_file.h"
#include "out/profile_file.h"
#include "core/util.h"

static char dir[256];

/* A fresh directory per test, so counting its entries counts what the test left. */
static const char *subdir(const char *name)
{
	static char path[320];

	fx_path(path, sizeof(path), dir, name);
	assert_int_equal(mkdir(path, 0755), 0);
	return path;
}

static size_t nr_entries(const char *d)
{
	DIR *dh = opendir(d);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(dh);
	while ((e = readdir(dh)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(dh);
	return n;
}

static void expect_content(const char *path, const char *want)
{
	char buf[256] = "";
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

struct open_call {
	const char *path;
	struct out_file *out;
};

static int call_open(void *arg)
{
	struct open_call *c = arg;

	return out_file_open(c->path, &c->out);
}

/* out_file_open() with its message captured. */
static int open_quietly(const char *path, struct out_file **out, char *msg, size_t len)
{
	struct open_call c = {.path = path};
	int err = fx_capture_stderr(call_open, &c, msg, len);

	*out = c.out;
	return err;
}

struct commit_call {
	struct out_file *out;
	const char *text;
};

static int call_commit(void *arg)
{
	struct commit_call *c = arg;

	return out_file_commit(c->out, c->text, strlen(c->text));
}

/* Nothing is written to FILE until the commit, which replaces it whole, at the umask's mode. */
static void replace_at_mode(mode_t mask, mode_t want_mode)
{
	const char *d = subdir(mask == 022 ? "replace022" : "replace077");
	struct out_file *out = NULL;
	char path[512];
	struct stat st;
	mode_t old = umask(mask);

	fx_path(path, sizeof(path), d, "run.sonde");
	assert_int_equal(fx_write(path, "old profile"), 0);
	assert_int_equal(out_file_open(path, &out), 0);
	expect_content(path, "old profile");
	assert_int_equal(out_file_commit(out, "new profile", 11), 0);
	out_file_close(out);
	umask(old);
	expect_content(path, "new profile");
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, want_mode);
	assert_int_equal(nr_entries(d), 1);
}

static void test_commit_replaces_whole(void **state)
{
	(void)state;
	replace_at_mode(022, 0644);
	replace_at_mode(077, 0600);
}

/* A run that fails before the end: FILE untouched, nothing left beside it. */
static void run_abandoned(const char *name)
{
	const char *d = subdir(name);
	struct out_file *out = NULL;
	char path[512];

	fx_path(path, sizeof(path), d, "run.sonde");
	assert_int_equal(fx_write(path, "old profile"), 0);
	assert_int_equal(out_file_open(path, &out), 0);
	/* The named fallback shows while the run lasts; O_TMPFILE never does. */
	assert_int_equal(nr_entries(d), getenv("SONDE_NO_O_TMPFILE") ? 2 : 1);
	out_file_close(out);
	expect_content(path, "old profile");
	assert_int_equal(nr_entries(d), 1);
}

static void test_abandoned_run_keeps_previous(void **state)
{
	(void)state;
	run_abandoned("abandon-tmpfile");
	setenv("SONDE_NO_O_TMPFILE", "1", 1);
	run_abandoned("abandon-named");
	unsetenv("SONDE_NO_O_TMPFILE");
}

/* A write that fails (RLIMIT_FSIZE: EFBIG, as ENOSPC would): FILE kept, said so. */
static void write_fails(const char *name)
{
	const char *d = subdir(name);
	struct rlimit old, small = {.rlim_cur = 4096, .rlim_max = RLIM_INFINITY};
	struct commit_call c = {0};
	char path[512], msg[1024], *big;
	int err;

	fx_path(path, sizeof(path), d, "run.sonde");
	assert_int_equal(fx_write(path, "old profile"), 0);
	assert_int_equal(out_file_open(path, &c.out), 0);
	big = malloc(100000);
	memset(big, 'x', 99999);
	big[99999] = '\0';
	c.text = big;
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	small.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	err = fx_capture_stderr(call_commit, &c, msg, sizeof(msg));
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	out_file_close(c.out);
	free(big);
	assert_int_equal(err, -SONDE_EXIT_SYSTEM);
	if (!strstr(msg, "File too large") || !strstr(msg, "(the previous ") ||
	    !strstr(msg, "run.sonde is kept)") || strstr(msg, "Input/output"))
		fail_msg("message: %s", msg);
	expect_content(path, "old profile");
	assert_int_equal(nr_entries(d), 1);
}

static void test_failed_write_keeps_previous(void **state)
{
	(void)state;
	write_fails("efbig-tmpfile");
	setenv("SONDE_NO_O_TMPFILE", "1", 1);
	write_fails("efbig-named");
	unsetenv("SONDE_NO_O_TMPFILE");
}

/* A link at FILE, there at the start or swapped in during the run: replaced, never followed. */
static void test_symlink_replaced_not_followed(void **state)
{
	const char *d = subdir("links");
	char victim[512], planted[512], swapped[512];
	struct out_file *out = NULL;
	struct stat st;

	(void)state;
	fx_path(victim, sizeof(victim), d, "victim");
	assert_int_equal(fx_write(victim, "secret"), 0);
	assert_int_equal(chmod(victim, 0600), 0);
	fx_path(planted, sizeof(planted), d, "planted.sonde");
	assert_int_equal(symlink(victim, planted), 0);
	assert_int_equal(out_file_open(planted, &out), 0);
	assert_int_equal(out_file_commit(out, "profile one", 11), 0);
	out_file_close(out);

	fx_path(swapped, sizeof(swapped), d, "swapped.sonde");
	assert_int_equal(out_file_open(swapped, &out), 0);
	assert_int_equal(symlink(victim, swapped), 0);
	assert_int_equal(out_file_commit(out, "profile two", 11), 0);
	out_file_close(out);

	expect_content(victim, "secret");
	assert_int_equal(lstat(planted, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	expect_content(planted, "profile one");
	assert_int_equal(lstat(swapped, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	expect_content(swapped, "profile two");
	assert_int_equal(nr_entries(d), 3);
}

static void expect_open_refused(const char *path, const char *why)
{
	struct out_file *out = NULL;
	char msg[1024];

	assert_int_equal(open_quietly(path, &out, msg, sizeof(msg)), -SONDE_EXIT_INPUT);
	assert_null(out);
	if (!strstr(msg, path) || !strstr(msg, why))
		fail_msg("out_file_open(%s) said '%s', expected '%s'", path, msg, why);
}

static void test_open_refuses(void **state)
{
	const char *d = subdir("refuse");
	char path[512];

	(void)state;
	fx_path(path, sizeof(path), d, "a-dir");
	assert_int_equal(mkdir(path, 0755), 0);
	expect_open_refused(path, "it is a directory, not a regular file");
	fx_path(path, sizeof(path), d, "a-fifo");
	assert_int_equal(mkfifo(path, 0644), 0);
	expect_open_refused(path, "it is a FIFO, not a regular file");
	expect_open_refused("/dev/null", "it is a character device");
	fx_path(path, sizeof(path), d, "");
	expect_open_refused(path, "names a directory");
	fx_path(path, sizeof(path), d, "missing/x.sonde");
	expect_open_refused(path, "No such file or directory");
	/* Nothing was created beside what the test made. */
	assert_int_equal(nr_entries(d), 2);
}

/* FILE.gz is gzip, and reads back to the same bytes. */
static void test_gzip_round_trip(void **state)
{
	const char *d = subdir("gzip");
	const char *text = "{\"format\":\"sonde-profile\"}";
	struct out_file *out = NULL;
	char path[512], why[128], *got = NULL, magic[2];
	size_t len = 0;
	FILE *f;

	(void)state;
	fx_path(path, sizeof(path), d, "run.sonde.gz");
	assert_int_equal(out_file_open(path, &out), 0);
	assert_int_equal(out_file_commit(out, text, strlen(text)), 0);
	out_file_close(out);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(magic, 1, 2, f), 2);
	fclose(f);
	assert_int_equal((unsigned char)magic[0], 0x1f);
	assert_int_equal((unsigned char)magic[1], 0x8b);
	assert_int_equal(read_whole_file(path, 1 << 20, &got, &len, why, sizeof(why)), 0);
	assert_int_equal(len, strlen(text));
	assert_string_equal(got, text);
	free(got);
}

static void expect_read_refused(const char *path, int want_err, const char *want_why)
{
	char why[128], *got = NULL;
	size_t len = 0;
	__u64 t0 = now_ns();
	int err;

	/* A read that blocks fails the test instead of hanging it. */
	alarm(10);
	err = read_whole_file(path, 1 << 20, &got, &len, why, sizeof(why));
	alarm(0);
	assert_int_equal(err, want_err);
	assert_null(got);
	assert_string_equal(why, want_why);
	assert_true(now_ns() - t0 < 1000000000ULL);
}

static int read_profile(void *arg)
{
	struct sonde_profile *p = NULL;
	int err = profile_read(arg, &p);

	sonde_profile_free(p);
	return err;
}

static void expect_profile_refused(const char *path, const char *want)
{
	char msg[1024];

	alarm(30);
	assert_int_equal(fx_capture_stderr(read_profile, (void *)path, msg, sizeof(msg)),
			 -SONDE_EXIT_INPUT);
	alarm(0);
	if (!strstr(msg, want))
		fail_msg("profile_read(%s) said '%s', expected '%s'", path, msg, want);
}

/* A FIFO (its open would wait for a writer), a directory, a device: refused at once. */
static void test_read_refuses_non_regular(void **state)
{
	const char *d = subdir("nonregular");
	char fifo[512], msg[1024];

	(void)state;
	fx_path(fifo, sizeof(fifo), d, "fifo.sonde");
	assert_int_equal(mkfifo(fifo, 0644), 0);
	expect_read_refused(fifo, -ESPIPE, "a FIFO");
	expect_read_refused(d, -ESPIPE, "a directory");
	expect_read_refused("/dev/zero", -ESPIPE, "a character device");
	snprintf(msg, sizeof(msg),
		 "'%s' is not a regular file (it is a FIFO); give a profile "
		 "written by sonde lat -o FILE or sonde mem -o FILE",
		 fifo);
	expect_profile_refused(fifo, msg);
}

static long max_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/*
 * A gzip bomb: `members` copies of one gzip member of 64 MiB of zeros (about
 * 64 KiB compressed); gzip readers decompress concatenated members as one.
 */
static void write_bomb(const char *path, int members)
{
	const size_t raw = 64 << 20;
	uLongf packed_len = compressBound(raw) + 32;
	unsigned char *zeros = calloc(1, raw), *packed = malloc(packed_len);
	z_stream zs = {0};
	FILE *f = fopen(path, "wb");
	int i;

	assert_non_null(zeros);
	assert_non_null(packed);
	assert_non_null(f);
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = zeros;
	zs.avail_in = (uInt)raw;
	zs.next_out = packed;
	zs.avail_out = (uInt)packed_len;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	for (i = 0; i < members; i++)
		assert_int_equal(fwrite(packed, 1, zs.total_out, f), zs.total_out);
	deflateEnd(&zs);
	assert_int_equal(fclose(f), 0);
	free(zeros);
	free(packed);
}

/* 1 GiB of zeros in 1 MiB of gzip stops at the limit, with memory bounded by it. */
static void test_gzip_bomb_stops_at_limit(void **state)
{
	const char *d = subdir("bomb");
	char path[512], why[128], *got = NULL, want[1024];
	long before, after;
	struct stat st;
	size_t len = 0;

	(void)state;
	fx_path(path, sizeof(path), d, "bomb.sonde.gz");
	write_bomb(path, 16);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size < (2 << 20));

	before = max_rss_kib();
	assert_int_equal(read_whole_file(path, 16 << 20, &got, &len, why, sizeof(why)), -EFBIG);
	after = max_rss_kib();
	assert_null(got);
	assert_string_equal(why, "decompresses to more than 16 MiB");
	/* A reader that held everything would have grown by 1 GiB. */
	if (after - before > 48 * 1024)
		fail_msg("max RSS grew by %ld KiB reading with a 16 MiB limit", after - before);

	/* The profile readers' limit: 256 MiB, said in the message, exit status 2. */
	before = max_rss_kib();
	snprintf(
	    want, sizeof(want),
	    "'%s' decompresses to more than 256 MiB, the most sonde reads: not a sonde profile",
	    path);
	expect_profile_refused(path, want);
	after = max_rss_kib();
	if (after - before > 320 * 1024)
		fail_msg("max RSS grew by %ld KiB reading a 1 GiB bomb", after - before);
}

/* Over 2 GiB (sparse, so the test writes nothing): refused from its size, not read. */
static void test_huge_file_refused(void **state)
{
	const char *d = subdir("huge");
	char path[512], want[1024];
	int fd;

	(void)state;
	fx_path(path, sizeof(path), d, "huge.sonde");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (3LL << 30) + 1), 0);
	close(fd);
	expect_read_refused(path, -EFBIG, "is larger than 1 MiB");
	snprintf(want, sizeof(want),
		 "'%s' is larger than 256 MiB, the most sonde reads: not a sonde profile", path);
	expect_profile_refused(path, want);
}

/* Truncated gzip keeps its message, without zlib's "<fd:N>: " in front. */
static void test_truncated_gzip_message(void **state)
{
	const char *d = subdir("cut");
	char path[512], want[1024];
	FILE *f;

	(void)state;
	fx_path(path, sizeof(path), d, "cut.sonde.gz");
	write_bomb(path, 1);
	assert_int_equal(truncate(path, 4000), 0);
	snprintf(want, sizeof(want), "'%s' is truncated or corrupt (unexpected end of file)", path);
	expect_profile_refused(path, want);
	/* An empty file is JSON cut short, not a read error. */
	f = fopen(path, "w");
	fclose(f);
	expect_profile_refused(path, "is not a sonde profile, or is truncated");
}

static int setup(void **state)
{
	(void)state;
	return fx_mkdtemp(dir, sizeof(dir));
}

static int teardown(void **state)
{
	(void)state;
	fx_rmtree(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_commit_replaces_whole),
	    cmocka_unit_test(test_abandoned_run_keeps_previous),
	    cmocka_unit_test(test_failed_write_keeps_previous),
	    cmocka_unit_test(test_symlink_replaced_not_followed),
	    cmocka_unit_test(test_open_refuses),
	    cmocka_unit_test(test_gzip_round_trip),
	    cmocka_unit_test(test_read_refuses_non_regular),
	    cmocka_unit_test(test_gzip_bomb_stops_at_limit),
	    cmocka_unit_test(test_huge_file_refused),
	    cmocka_unit_test(test_truncated_gzip_message),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
