/* test_chores.c - slow work off the packet path (daemon/chores.c): status
 * and metrics writes and table frees are done by the chores thread, not
 * the caller's, in the order they were queued (a table is freed only after
 * the status writes that name its rules: ASan builds catch a use after
 * free), shutdown drains the queue, and write errors are reported. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chores.h"
#include "helper_fixture.h"
#include "helper_policy.h"

#define WAIT_S 10.0

/* A table of n rules named "rule number I of many" (long names: a big status). */
static struct pc_table *big_table(size_t n)
{
	size_t cap = n * 96 + 64, len;
	char *text = malloc(cap), path[PATH_MAX];
	struct pc_diag *d = pc_diag_new();
	struct pc_table *t;

	ck_assert_ptr_nonnull(text);
	len = (size_t)snprintf(text, cap, "[portcullis]\ndefault = deny\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"[rule number %zu of many]\naction = permit\n"
					"protocol = tcp\nlocal-port = %zu\n", i, 1 + i % 60000);
	pc_test_file("big.conf", text, len, path, sizeof(path));
	free(text);
	t = pc_table_load(path, 1, d);
	ck_assert_msg(t, "%s", pc_test_diag_dump(d));
	pc_diag_free(d);
	return t;
}

/* A status naming t's rules (hits: i + 1), sequence number seq. */
static void status_of(const struct pc_table *t, uint64_t seq, struct pc_status *st)
{
	*st = (struct pc_status){ .version = PC_STATUS_VERSION, .seq = seq, .pid = 1,
				  .running = true, .policy = "/etc/p.conf",
				  .last_reload_message = "a message", .n_rule = t->nrules };
	st->rule = malloc((t->nrules + 1) * sizeof(*st->rule));
	ck_assert_ptr_nonnull(st->rule);
	for (size_t i = 0; i < t->nrules; i++)
		st->rule[i] = (struct pc_status_rule){ t->rules[i].name, i + 1 };
}

static void queue_status(struct pc_chores *c, const char *path, const struct pc_table *t,
			 uint64_t seq)
{
	struct pc_status st;

	status_of(t, seq, &st);
	ck_assert_int_eq(pc_chores_write_status(c, path, &st), 0);
	ck_assert_ptr_null(st.rule); /* taken */
}

static uint64_t read_seq(const char *path)
{
	struct pc_status st;
	uint64_t seq;

	ck_assert_msg(pc_status_read(path, &st) == 0, "%s: %s", path, strerror(errno));
	seq = st.seq;
	pc_status_clear(&st);
	return seq;
}

/* Waits until path exists: every chore queued before the one writing it is done. */
static void wait_for(const char *path)
{
	double end = pc_test_now() + WAIT_S;

	while (access(path, F_OK) < 0 && pc_test_now() < end) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
	ck_assert_msg(access(path, F_OK) == 0, "%s never written", path);
}

/* Bytes this thread has written (write(2) and friends) since it started. */
static unsigned long long thread_wchar(void)
{
	char buf[512];
	int fd = open("/proc/thread-self/io", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	unsigned long long v = 0;

	if (fd >= 0)
		close(fd);
	if (n > 0) {
		buf[n] = '\0';
		if (strstr(buf, "wchar:"))
			sscanf(strstr(buf, "wchar:"), "wchar: %llu", &v);
	}
	return v;
}

START_TEST(writes_happen_off_the_callers_thread)
{
	struct pc_chores *c = pc_chores_new();
	struct pc_table *t;
	char path[PATH_MAX], done[PATH_MAX];
	unsigned long long before, after;
	long size;
	FILE *f;

	ck_assert_ptr_nonnull(c);
	pc_test_dir_make();
	pc_test_path("status", path, sizeof(path));
	pc_test_path("done", done, sizeof(done));
	t = big_table(2000);
	/* no ck_assert in between: Check's own bookkeeping writes too */
	before = thread_wchar();
	for (uint64_t i = 1; i <= 10; i++) {
		struct pc_status st;

		status_of(t, i, &st);
		pc_chores_write_status(c, path, &st);
	}
	{
		struct pc_status st;

		status_of(t, 11, &st);
		pc_chores_write_metrics(c, done, &st);
	}
	wait_for(done);
	after = thread_wchar();
	f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	fclose(f);
	ck_assert_int_gt(size, 50000);
	ck_assert_uint_gt(before, 0); /* the kernel counts per thread */
	ck_assert_msg(after - before < (unsigned long long)size / 4,
		      "the caller wrote %llu bytes; 11 files of %ld bytes were written",
		      after - before, size);
	ck_assert_uint_eq(read_seq(path), 10);
	pc_chores_free_table(c, t);
	pc_chores_free(c);
}
END_TEST

START_TEST(chores_run_in_queue_order)
{
	struct pc_chores *c = pc_chores_new();
	struct pc_table *t;
	char path[PATH_MAX], metrics[PATH_MAX], done[PATH_MAX];

	ck_assert_ptr_nonnull(c);
	pc_test_dir_make();
	pc_test_path("status", path, sizeof(path));
	pc_test_path("metrics", metrics, sizeof(metrics));
	pc_test_path("done", done, sizeof(done));
	t = big_table(50);
	for (uint64_t i = 1; i <= 300; i++) {
		queue_status(c, path, t, i);
		if (i % 7 == 0) {
			struct pc_status st;

			status_of(t, i, &st);
			ck_assert_int_eq(pc_chores_write_metrics(c, metrics, &st), 0);
		}
	}
	queue_status(c, done, t, 301);
	wait_for(done);
	ck_assert_uint_eq(read_seq(path), 300); /* the last queued is the last done */
	ck_assert_ptr_nonnull(strstr(pc_test_slurp(metrics), "rule number 49 of many"));
	pc_chores_free_table(c, t);
	pc_chores_free(c);
}
END_TEST

START_TEST(table_freed_after_the_writes_naming_its_rules)
{
	struct pc_chores *c = pc_chores_new();
	struct pc_table *t;
	char path[PATH_MAX];
	struct pc_status st;

	ck_assert_ptr_nonnull(c);
	pc_test_dir_make();
	pc_test_path("status", path, sizeof(path));
	t = big_table(500);
	for (uint64_t i = 1; i <= 20; i++)
		queue_status(c, path, t, i);
	pc_chores_free_table(c, t); /* what reload.c does with the old table */
	pc_chores_free(c);
	ck_assert_int_eq(pc_status_read(path, &st), 0);
	ck_assert_uint_eq(st.seq, 20);
	ck_assert_uint_eq(st.n_rule, 500);
	ck_assert_str_eq(st.rule[499].name, "rule number 499 of many");
	ck_assert_uint_eq(st.rule[499].hits, 500);
	ck_assert_str_eq(st.policy, "/etc/p.conf");
	ck_assert_str_eq(st.last_reload_message, "a message");
	pc_status_clear(&st);
}
END_TEST

START_TEST(shutdown_does_every_chore_queued)
{
	struct pc_chores *c = pc_chores_new();
	struct pc_table *t, *u;
	char path[PATH_MAX], name[16];

	ck_assert_ptr_nonnull(c);
	pc_test_dir_make();
	t = big_table(200);
	u = big_table(3);
	for (uint64_t i = 1; i <= 100; i++) {
		snprintf(name, sizeof(name), "s%03u", (unsigned)i);
		pc_test_path(name, path, sizeof(path));
		queue_status(c, path, t, i);
	}
	pc_chores_free_table(c, t);
	pc_chores_free_table(c, u); /* ASan: a table not freed is a leak */
	pc_chores_free(c);
	for (uint64_t i = 1; i <= 100; i++) {
		snprintf(name, sizeof(name), "s%03u", (unsigned)i);
		pc_test_path(name, path, sizeof(path));
		ck_assert_uint_eq(read_seq(path), i);
	}
}
END_TEST

START_TEST(caller_strings_are_copied)
{
	struct pc_chores *c = pc_chores_new();
	struct pc_table *t;
	char path[PATH_MAX], policy[64] = "/etc/first.conf", msg[64] = "first";
	struct pc_status st;

	ck_assert_ptr_nonnull(c);
	pc_test_dir_make();
	pc_test_path("status", path, sizeof(path));
	t = big_table(2);
	status_of(t, 1, &st);
	st.policy = policy;
	st.last_reload_message = msg;
	ck_assert_int_eq(pc_chores_write_status(c, path, &st), 0);
	/* the caller reuses its buffers at once (reload.c's msg, the path) */
	strcpy(policy, "/etc/second.conf");
	strcpy(msg, "second");
	memset(path + strlen(path) - 6, 'x', 6);
	pc_chores_free(c);
	pc_test_path("status", path, sizeof(path));
	ck_assert_int_eq(pc_status_read(path, &st), 0);
	ck_assert_str_eq(st.policy, "/etc/first.conf");
	ck_assert_str_eq(st.last_reload_message, "first");
	pc_status_clear(&st);
	pc_table_free(t);
}
END_TEST

START_TEST(write_errors_are_reported)
{
	struct pc_chores *c = pc_chores_new();
	struct pc_table *t;
	char bad[PATH_MAX], good[PATH_MAX], done[PATH_MAX];
	struct pc_status st;

	ck_assert_ptr_nonnull(c);
	pc_test_dir_make();
	pc_test_path("no/such/dir/status", bad, sizeof(bad));
	pc_test_path("metrics", good, sizeof(good));
	t = big_table(2);
	ck_assert_int_eq(pc_chores_status_error(c), 0);
	ck_assert_int_eq(pc_chores_metrics_error(c), 0);
	queue_status(c, bad, t, 1);
	status_of(t, 1, &st);
	ck_assert_int_eq(pc_chores_write_metrics(c, bad, &st), 0);
	pc_test_path("done1", done, sizeof(done));
	queue_status(c, done, t, 1);
	wait_for(done);
	ck_assert_int_eq(pc_chores_status_error(c), ENOENT);
	ck_assert_int_eq(pc_chores_status_error(c), 0);    /* told once */
	ck_assert_int_eq(pc_chores_metrics_error(c), ENOENT);
	ck_assert_int_eq(pc_chores_metrics_error(c), ENOENT); /* until a write works */
	status_of(t, 2, &st);
	ck_assert_int_eq(pc_chores_write_metrics(c, good, &st), 0);
	pc_test_path("done2", done, sizeof(done));
	queue_status(c, done, t, 2);
	wait_for(done);
	ck_assert_int_eq(pc_chores_metrics_error(c), 0);
	status_of(t, 3, &st);
	ck_assert_int_eq(pc_chores_write_metrics(c, bad, &st), 0);
	pc_test_path("done3", done, sizeof(done));
	queue_status(c, done, t, 3);
	wait_for(done);
	ck_assert_int_eq(pc_chores_metrics_error(c), ENOENT);
	pc_chores_metrics_forget(c); /* the metrics file moved */
	ck_assert_int_eq(pc_chores_metrics_error(c), 0);
	pc_chores_free_table(c, t);
	pc_chores_free(c);
}
END_TEST

START_TEST(free_of_nothing)
{
	pc_chores_free(NULL);
	pc_chores_free(pc_chores_new()); /* an idle thread stops */
}
END_TEST

static Suite *chores_suite(void)
{
	Suite *s = suite_create("chores");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, pc_test_base_make, pc_test_base_remove);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, writes_happen_off_the_callers_thread);
	tcase_add_test(tc, chores_run_in_queue_order);
	tcase_add_test(tc, table_freed_after_the_writes_naming_its_rules);
	tcase_add_test(tc, shutdown_does_every_chore_queued);
	tcase_add_test(tc, caller_strings_are_copied);
	tcase_add_test(tc, write_errors_are_reported);
	tcase_add_test(tc, free_of_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(chores_suite());
}
