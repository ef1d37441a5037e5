/* test_vlogshare.c - the verdict log every worker shares (daemon/vlogshare.c):
 * verdicts written or counted as suppressed, totals that survive a swap to
 * a new log (the old one freed, its pending suppressed=N line written),
 * write errors told at most once a minute, and workers logging on threads
 * while the main thread swaps logs: no line lost or counted twice (ASan
 * and TSan builds catch a log used after it was freed). */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "helper_fixture.h"
#include "log.h"
#include "vlogshare.h"

#define SEC 1000000000ull
#define THREADS 4
#define VERDICTS 20000
#define SWAPS 50

/* What one log's sink received (called under the vlogshare's mutex). */
struct sink {
	uint64_t lines, suppressed_lines;
	char last[PC_VLOG_LINE_MAX];
};

static void sink_fn(void *arg, const char *line, size_t len)
{
	struct sink *s = arg;

	s->lines++;
	if (strstr(line, "suppressed="))
		s->suppressed_lines++;
	snprintf(s->last, sizeof(s->last), "%.*s", (int)len, line);
}

static struct pc_vlog *sink_log(struct sink *s, unsigned rate)
{
	struct pc_vlog_cfg cfg = { .format = PC_LOGF_TEXT, .rate = rate, .sink = sink_fn,
				   .sink_arg = s };
	struct pc_vlog *vl = pc_vlog_new(&cfg);

	ck_assert_ptr_nonnull(vl);
	return vl;
}

static const struct pc_vlog_rec rec = { .verdict = PC_DENY, .rule = "Bad net",
					.reason = "short-test-header", .len = 40 };

START_TEST(verdicts_written_or_suppressed)
{
	struct pc_vlogshare v;
	struct sink s = { 0 };
	int written = 0;

	ck_assert_int_eq(pc_vlogshare_init(&v, sink_log(&s, 3)), 0);
	for (int i = 0; i < 10; i++)
		written += pc_vlogshare_verdict(&v, SEC, &rec);
	ck_assert_int_gt(written, 0);
	ck_assert_int_lt(written, 10);
	ck_assert_uint_eq(s.lines, (uint64_t)written);
	ck_assert_ptr_nonnull(strstr(s.last, "short-test-header"));
	ck_assert_uint_eq(pc_vlogshare_suppressed(&v), 10 - (uint64_t)written);
	/* the suppressed=N line comes when due */
	ck_assert_uint_le(pc_vlogshare_deadline(&v), 2 * SEC);
	pc_vlogshare_tick(&v, 3 * SEC);
	ck_assert_uint_eq(s.suppressed_lines, 1);
	ck_assert_uint_eq(pc_vlogshare_deadline(&v), UINT64_MAX);
	pc_vlogshare_message(&v, "warning", "a message of the daemon");
	ck_assert_ptr_nonnull(strstr(s.last, "a message of the daemon"));
	pc_vlogshare_destroy(&v);
}
END_TEST

START_TEST(totals_survive_a_swap)
{
	struct pc_vlogshare v;
	struct sink a = { 0 }, b = { 0 };
	struct pc_vlog_cfg same = { .format = PC_LOGF_TEXT, .rate = 1, .sink = sink_fn,
				    .sink_arg = &a };
	uint64_t sup;

	ck_assert_int_eq(pc_vlogshare_init(&v, sink_log(&a, 1)), 0);
	for (int i = 0; i < 5; i++)
		pc_vlogshare_verdict(&v, SEC, &rec);
	sup = pc_vlogshare_suppressed(&v);
	ck_assert_uint_gt(sup, 0);
	ck_assert(pc_vlogshare_same(&v, &same));
	same.rate = 2;
	ck_assert(!pc_vlogshare_same(&v, &same));
	pc_vlogshare_swap(&v, sink_log(&b, 1)); /* a freed: its pending suppressed=N line written */
	ck_assert_uint_eq(a.suppressed_lines, 1);
	ck_assert_uint_eq(pc_vlogshare_suppressed(&v), sup);
	for (int i = 0; i < 5; i++)
		pc_vlogshare_verdict(&v, SEC, &rec);
	ck_assert_uint_gt(b.lines, 0);
	ck_assert_uint_eq(pc_vlogshare_suppressed(&v), 2 * sup); /* the same pattern twice */
	ck_assert_uint_eq(a.lines - a.suppressed_lines, 5 - sup);
	pc_vlogshare_destroy(&v);
	ck_assert_uint_eq(b.suppressed_lines, 1);
}
END_TEST

static char logged[4096];

static void log_tee(void *arg, int pri, const char *msg)
{
	(void)arg;
	(void)pri;
	snprintf(logged + strlen(logged), sizeof(logged) - strlen(logged), "%s\n", msg);
}

/* n verdicts at now_ns on a full disk (RLIMIT_FSIZE = 0: every write fails). */
static void verdicts_on_full_disk(struct pc_vlogshare *v, int n, uint64_t now_ns)
{
	struct rlimit old, full = { 0, 0 };

	ck_assert(signal(SIGXFSZ, SIG_IGN) != SIG_ERR);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	full.rlim_max = old.rlim_max;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &full), 0);
	for (int i = 0; i < n; i++)
		pc_vlogshare_verdict(v, now_ns, &rec);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
}

static struct pc_vlog *file_log(const char *name)
{
	char path[PATH_MAX];
	struct pc_vlog_cfg cfg = { .target = PC_LOGT_FILE, .file = path, .rate = 1000 };
	struct pc_vlog *vl;

	pc_test_path(name, path, sizeof(path));
	ck_assert_ptr_nonnull(vl = pc_vlog_new(&cfg));
	return vl;
}

START_TEST(write_errors_told_once_a_minute)
{
	struct pc_vlogshare v;

	pc_test_dir_make();
	logged[0] = '\0';
	pc_log_set_tee(log_tee, NULL);
	ck_assert_int_eq(pc_vlogshare_init(&v, file_log("a.log")), 0);
	pc_vlogshare_tick(&v, 1 * SEC);
	ck_assert_str_eq(logged, ""); /* no error: nothing said */
	verdicts_on_full_disk(&v, 2, 2 * SEC);
	ck_assert_uint_eq(pc_vlogshare_write_errors(&v), 2);
	pc_vlogshare_tick(&v, 2 * SEC);
	ck_assert_ptr_nonnull(strstr(logged, "verdict log: 2 lines not written (2 since start"));
	logged[0] = '\0';
	verdicts_on_full_disk(&v, 3, 3 * SEC);
	pc_vlogshare_swap(&v, file_log("b.log")); /* errors of the log replaced still count */
	pc_vlogshare_tick(&v, 30 * SEC);
	ck_assert_str_eq(logged, ""); /* within the minute: quiet */
	pc_vlogshare_tick(&v, 62 * SEC);
	ck_assert_ptr_nonnull(strstr(logged, "verdict log: 3 lines not written (5 since start"));
	logged[0] = '\0';
	pc_vlogshare_tick(&v, 200 * SEC);
	ck_assert_str_eq(logged, ""); /* nothing new */
	ck_assert_uint_eq(pc_vlogshare_write_errors(&v), 5);
	pc_vlogshare_destroy(&v);
	pc_log_set_tee(NULL, NULL);
}
END_TEST

START_TEST(reopen_follows_logrotate)
{
	struct pc_vlogshare v;
	char path[PATH_MAX], moved[PATH_MAX];

	pc_test_dir_make();
	ck_assert_int_eq(pc_vlogshare_init(&v, file_log("v.log")), 0);
	pc_test_path("v.log", path, sizeof(path));
	pc_test_path("v.log.1", moved, sizeof(moved));
	ck_assert(pc_vlogshare_verdict(&v, SEC, &rec));
	ck_assert_int_eq(rename(path, moved), 0);
	ck_assert_int_eq(pc_vlogshare_reopen(&v), 0);
	ck_assert(pc_vlogshare_verdict(&v, SEC, &rec));
	ck_assert_ptr_nonnull(strstr(pc_test_slurp(path), "short-test-header"));
	ck_assert_ptr_nonnull(strstr(pc_test_slurp(moved), "short-test-header"));
	pc_vlogshare_destroy(&v);
}
END_TEST

struct worker {
	struct pc_vlogshare *v;
	atomic_bool *go;
	uint64_t admitted;
};

static void *log_verdicts(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load(w->go))
		;
	for (int i = 0; i < VERDICTS; i++)
		w->admitted += pc_vlogshare_verdict(w->v, SEC + (uint64_t)i * 1000, &rec);
	return NULL;
}

START_TEST(workers_log_while_logs_are_swapped)
{
	static struct sink sinks[SWAPS + 1];
	struct pc_vlogshare v;
	struct worker w[THREADS];
	pthread_t tid[THREADS];
	atomic_bool go = false;
	uint64_t lines = 0, admitted = 0, suppressed, suppressed_lines = 0;

	memset(sinks, 0, sizeof(sinks));
	ck_assert_int_eq(pc_vlogshare_init(&v, sink_log(&sinks[0], 100000)), 0);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .v = &v, .go = &go };
		ck_assert_int_eq(pthread_create(&tid[i], NULL, log_verdicts, &w[i]), 0);
	}
	atomic_store(&go, true);
	for (int i = 1; i <= SWAPS; i++) {
		pc_vlogshare_swap(&v, sink_log(&sinks[i], 100000));
		usleep(200);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(tid[i], NULL);
		admitted += w[i].admitted;
	}
	suppressed = pc_vlogshare_suppressed(&v);
	pc_vlogshare_destroy(&v);
	for (int i = 0; i <= SWAPS; i++) {
		lines += sinks[i].lines - sinks[i].suppressed_lines;
		suppressed_lines += sinks[i].suppressed_lines;
	}
	/* every verdict written once or counted as suppressed, over every log */
	ck_assert_uint_eq(lines, admitted);
	ck_assert_uint_eq(admitted + suppressed, (uint64_t)THREADS * VERDICTS);
	ck_assert_uint_gt(admitted, 0);
	ck_assert_uint_le(suppressed_lines, SWAPS + 1); /* one a log at most: none were due */
}
END_TEST

static Suite *vlogshare_suite(void)
{
	Suite *s = suite_create("vlogshare");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, pc_test_base_make, pc_test_base_remove);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, verdicts_written_or_suppressed);
	tcase_add_test(tc, totals_survive_a_swap);
	tcase_add_test(tc, write_errors_told_once_a_minute);
	tcase_add_test(tc, reopen_follows_logrotate);
	tcase_add_test(tc, workers_log_while_logs_are_swapped);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(vlogshare_suite());
}
