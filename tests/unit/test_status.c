/* test_status.c - the status file: atomic write, read back, bad input */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper_fixture.h"
#include "status.h"

static char dir[] = "/tmp/pc-status-XXXXXX";
static char path[256];

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/status", dir);
}

static void teardown(void)
{
	unlink(path);
	ck_assert_int_eq(rmdir(dir), 0); /* fails when a temporary file was left */
	strcpy(dir, "/tmp/pc-status-XXXXXX");
}

static struct pc_status_rule rules[] = {
	{ "SSH Server", 17 },
	{ "a=b c", 0 },
	{ "Deny \"TCP\" \\ all", 18446744073709551615ull },
	{ "x", 3 },
};

static struct pc_status_queue queues[] = { { 2, 600 }, { 3, 0 }, { 4, 401 }, { 5, 0 } };

/* Every field set to a distinct value. */
static struct pc_status sample(void)
{
	struct pc_status st = {
		.version = PC_STATUS_VERSION, .pid = 4242, .seq = 7, .written = 1700000100,
		.start_time = 1700000000, .running = true, .queue_lo = 2, .queue_hi = 5,
		.fail_open = true, .dflt = PC_PERMIT, .policy = "/etc/portcullis/my policy.conf",
		.rules = 40, .enabled = 5, .reload_generation = 3, .reloads_ok = 2,
		.reloads_failed = 1, .last_reload_time = 1700000050,
		.last_reload_result = PC_RELOAD_FAILED, .last_reload_ms = 187,
		.last_reload_message = "config has errors, not reloading: p.conf:3: bad = value",
		.packets = 1001, .permitted = 700, .denied = 301, .malformed = 11, .forwarded = 12,
		.default_hits = 13, .enobufs = 14, .queue_dropped = 15, .user_dropped = 16,
		.verdict_errors = 19, .bad_messages = 21, .log_suppressed = 20,
		.log_write_errors = 23,
		.rule = rules, .n_rule = sizeof(rules) / sizeof(rules[0]),
		.queue = queues, .n_queue = sizeof(queues) / sizeof(queues[0]),
	};
	return st;
}

static void check_equal(const struct pc_status *a, const struct pc_status *b)
{
	ck_assert_uint_eq(a->version, b->version);
	ck_assert_int_eq(a->pid, b->pid);
	ck_assert_uint_eq(a->seq, b->seq);
	ck_assert_int_eq(a->written, b->written);
	ck_assert_int_eq(a->start_time, b->start_time);
	ck_assert_int_eq(a->running, b->running);
	ck_assert_uint_eq(a->queue_lo, b->queue_lo);
	ck_assert_uint_eq(a->queue_hi, b->queue_hi);
	ck_assert_int_eq(a->fail_open, b->fail_open);
	ck_assert_int_eq(a->dflt, b->dflt);
	ck_assert_str_eq(a->policy, b->policy);
	ck_assert_uint_eq(a->rules, b->rules);
	ck_assert_uint_eq(a->enabled, b->enabled);
	ck_assert_uint_eq(a->reload_generation, b->reload_generation);
	ck_assert_uint_eq(a->reloads_ok, b->reloads_ok);
	ck_assert_uint_eq(a->reloads_failed, b->reloads_failed);
	ck_assert_int_eq(a->last_reload_time, b->last_reload_time);
	ck_assert_int_eq(a->last_reload_result, b->last_reload_result);
	ck_assert_uint_eq(a->last_reload_ms, b->last_reload_ms);
	ck_assert_str_eq(a->last_reload_message, b->last_reload_message);
	ck_assert_uint_eq(a->packets, b->packets);
	ck_assert_uint_eq(a->permitted, b->permitted);
	ck_assert_uint_eq(a->denied, b->denied);
	ck_assert_uint_eq(a->malformed, b->malformed);
	ck_assert_uint_eq(a->forwarded, b->forwarded);
	ck_assert_uint_eq(a->default_hits, b->default_hits);
	ck_assert_uint_eq(a->enobufs, b->enobufs);
	ck_assert_uint_eq(a->queue_dropped, b->queue_dropped);
	ck_assert_uint_eq(a->user_dropped, b->user_dropped);
	ck_assert_uint_eq(a->verdict_errors, b->verdict_errors);
	ck_assert_uint_eq(a->bad_messages, b->bad_messages);
	ck_assert_uint_eq(a->log_suppressed, b->log_suppressed);
	ck_assert_uint_eq(a->log_write_errors, b->log_write_errors);
	ck_assert_uint_eq(a->n_rule, b->n_rule);
	for (size_t i = 0; i < a->n_rule; i++) {
		ck_assert_str_eq(a->rule[i].name, b->rule[i].name);
		ck_assert_uint_eq(a->rule[i].hits, b->rule[i].hits);
	}
	ck_assert_uint_eq(a->n_queue, b->n_queue);
	for (size_t i = 0; i < a->n_queue; i++) {
		ck_assert_uint_eq(a->queue[i].num, b->queue[i].num);
		ck_assert_uint_eq(a->queue[i].packets, b->queue[i].packets);
	}
}

static void write_text(const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static unsigned dir_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

START_TEST(test_round_trip)
{
	struct pc_status in = sample(), out;
	struct stat sb;

	ck_assert_int_eq(pc_status_write(path, &in), 0);
	ck_assert_uint_eq(dir_entries(), 1);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0644);
	ck_assert_int_eq(pc_status_read(path, &out), 0);
	check_equal(&in, &out);
	pc_status_clear(&out);
	ck_assert_ptr_null(out.text);
	ck_assert_uint_eq(out.n_rule, 0);
}
END_TEST

START_TEST(test_round_trip_defaults)
{
	struct pc_status in = { .version = PC_STATUS_VERSION, .pid = 1, .policy = "p",
				.last_reload_message = "" }, out;

	ck_assert_int_eq(pc_status_write(path, &in), 0);
	ck_assert_int_eq(pc_status_read(path, &out), 0);
	check_equal(&in, &out);
	ck_assert_ptr_null(out.rule);
	pc_status_clear(&out);
}
END_TEST

/* A second write replaces the first whole, and leaves no temporary file. */
START_TEST(test_overwrite)
{
	struct pc_status in = sample(), out;

	ck_assert_int_eq(pc_status_write(path, &in), 0);
	in.seq = 8;
	in.n_rule = 1;
	in.queue_hi = in.queue_lo;
	in.last_reload_result = PC_RELOAD_OK;
	ck_assert_int_eq(pc_status_write(path, &in), 0);
	ck_assert_uint_eq(dir_entries(), 1);
	ck_assert_int_eq(pc_status_read(path, &out), 0);
	check_equal(&in, &out);
	pc_status_clear(&out);
}
END_TEST

/* Newlines or control characters cannot break the line format. */
START_TEST(test_control_chars)
{
	struct pc_status_rule r[] = { { "evil\nrule=99 fake", 1 } };
	struct pc_status in = sample(), out;

	in.rule = r;
	in.n_rule = 1;
	in.last_reload_message = "line one\npid=1";
	ck_assert_int_eq(pc_status_write(path, &in), 0);
	ck_assert_int_eq(pc_status_read(path, &out), 0);
	ck_assert_uint_eq(out.n_rule, 1);
	ck_assert_str_eq(out.rule[0].name, "evil?rule=99 fake");
	ck_assert_str_eq(out.last_reload_message, "line one?pid=1");
	ck_assert_int_eq(out.pid, 4242);
	pc_status_clear(&out);
}
END_TEST

START_TEST(test_write_errors)
{
	struct pc_status in = sample();
	char bad[300];

	snprintf(bad, sizeof(bad), "%s/missing/status", dir);
	errno = 0;
	ck_assert_int_eq(pc_status_write(bad, &in), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(mkdir(path, 0755), 0); /* rename onto a directory fails */
	ck_assert_int_eq(pc_status_write(path, &in), -1);
	ck_assert_int_eq(rmdir(path), 0);
	ck_assert_uint_eq(dir_entries(), 0);
}
END_TEST

START_TEST(test_read_missing)
{
	struct pc_status st;

	errno = 0;
	ck_assert_int_eq(pc_status_read(path, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_read_lenient)
{
	struct pc_status st;

	write_text("# comment\n\nversion=1\npid=9\nfuture-key=whatever\nqueue=3\nrule=5 r 1\n"
		   "queue.3.packets=8\nqueue.3.future=x\n"
		   "fail=open\nrunning=yes\nlast-reload-result=ok\nrule=0 r2");
	ck_assert_int_eq(pc_status_read(path, &st), 0);
	ck_assert_int_eq(st.pid, 9);
	ck_assert_uint_eq(st.queue_lo, 3);
	ck_assert_uint_eq(st.queue_hi, 3);
	ck_assert(st.fail_open);
	ck_assert(st.running);
	ck_assert_int_eq(st.last_reload_result, PC_RELOAD_OK);
	ck_assert_uint_eq(st.n_rule, 2);
	ck_assert_str_eq(st.rule[0].name, "r 1");
	ck_assert_uint_eq(st.rule[0].hits, 5);
	ck_assert_str_eq(st.rule[1].name, "r2");
	ck_assert_uint_eq(st.n_queue, 1);
	ck_assert_uint_eq(st.queue[0].num, 3);
	ck_assert_uint_eq(st.queue[0].packets, 8);
	pc_status_clear(&st);
}
END_TEST

static const char *const bad_files[] = {
	"pid=9\n",                       /* no version */
	"",                              /* empty */
	"version=1\npid=abc\n",
	"version=1\npackets=-1\n",
	"version=1\npackets=1x\n",
	"version=1\npackets=\n",
	"version=1\nqueue=5-2\n",
	"version=1\nqueue=1-\n",
	"version=1\nfail=maybe\n",
	"version=1\ndefault=drop\n",
	"version=1\nlast-reload-result=meh\n",
	"version=1\nrule=5\n",
	"version=1\nrule=x name\n",
	"version=1\nrule=5 \n",
	"version=1\nqueue.x.packets=1\n",
	"version=1\nqueue.1.packets=-1\n",
	"version=1\njunk line\n",
	"version=1\npackets=99999999999999999999999\n",
	"version=99999999999\n",
};

START_TEST(test_read_bad)
{
	struct pc_status st;

	write_text(bad_files[_i]);
	errno = 0;
	ck_assert_msg(pc_status_read(path, &st) == -1, "accepted: %s", bad_files[_i]);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(st.text);
}
END_TEST

START_TEST(test_result_names)
{
	ck_assert_str_eq(pc_reload_result_name(PC_RELOAD_NONE), "none");
	ck_assert_str_eq(pc_reload_result_name(PC_RELOAD_OK), "ok");
	ck_assert_str_eq(pc_reload_result_name(PC_RELOAD_FAILED), "failed");
	ck_assert_str_eq(pc_reload_result_name((enum pc_reload_result)9), "none");
}
END_TEST

static Suite *status_suite(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("file");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_round_trip_defaults);
	tcase_add_test(tc, test_overwrite);
	tcase_add_test(tc, test_control_chars);
	tcase_add_test(tc, test_write_errors);
	tcase_add_test(tc, test_read_missing);
	tcase_add_test(tc, test_read_lenient);
	tcase_add_loop_test(tc, test_read_bad, 0, sizeof(bad_files) / sizeof(bad_files[0]));
	tcase_add_test(tc, test_result_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(status_suite());
}
