/* test_report.c - the status and metrics files of the daemon
 * (daemon/report.c): what a write holds (rules with their hits, the
 * reload's outcome, the verdict log's suppressed lines and write errors,
 * the fast path's generation), written at once or through the chores
 * thread alike, the workers' decisions summed, the metrics file moved and
 * its errors logged once per change. The daemon has no queue here: the
 * per-queue counters need NFQUEUE (tests/e2e/metrics.sh, multiqueue.sh). */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "helper_fixture.h"
#include "helper_ipt.h"
#include "helper_policy.h"
#include "log.h"

#define WORKERS 3

static const char policy[] =
	"[portcullis]\n"
	"default = permit\n"
	"fail = open\n"
	"queue = 7-9\n"
	"stateful = yes\n"
	"log-target = file:%s\n"
	"log-rate = 2\n"
	"[SSH]\naction = permit\nprotocol = tcp\ndirection = in\nlocal-port = 22\n"
	"[Telnet]\naction = deny\nprotocol = tcp\nlocal-port = 23\nenabled = no\n"
	"[Bad net]\naction = deny\nremote-address = 203.0.113.0/24\n";

static struct pc_daemon d;
static char conf[PATH_MAX], status_path[PATH_MAX];
static char logged[8192];

static void log_tee(void *arg, int pri, const char *msg)
{
	(void)arg;
	(void)pri;
	if (strlen(logged) + strlen(msg) + 2 < sizeof(logged)) {
		strcat(logged, msg);
		strcat(logged, "\n");
	}
}

/* A daemon serving policy with WORKERS workers, no queue, no chores thread
 * (with_chores: one), as main.c sets it up. */
static void up(bool with_chores)
{
	struct pc_diag *diag = pc_diag_new();
	struct pc_vlog_cfg cfg;
	char dir[PATH_MAX], text[sizeof(policy) + PATH_MAX];

	logged[0] = '\0';
	pc_log_set_tee(log_tee, NULL);
	pc_test_ipt_reset();
	pc_test_dir_make();
	pc_test_path("verdicts.log", dir, sizeof(dir));
	ck_assert_int_lt(snprintf(text, sizeof(text), policy, dir), (int)sizeof(text));
	pc_test_file("policy.conf", text, strlen(text), conf, sizeof(conf));
	pc_test_path("run/status", status_path, sizeof(status_path));
	d = (struct pc_daemon){ .conf = conf, .sigfd = -1, .start_time = 1700000000 };
	ck_assert_ptr_nonnull(d.conf_abs = strdup("/abs/policy.conf"));
	d.table = pc_table_load(conf, WORKERS, diag);
	ck_assert_msg(d.table, "%s", pc_test_diag_dump(diag));
	pc_diag_free(diag);
	pc_daemon_vlog_cfg(d.table->set, &cfg);
	ck_assert_int_eq(pc_vlogshare_init(&d.vlog, pc_vlog_new(&cfg)), 0);
	ck_assert_int_eq(pc_fastpath_init_runner(&d.fast, d.table->set->mark_mask, true,
						 &pc_test_ipt_runner), 0);
	ck_assert_int_eq(pc_fastpath_apply(&d.fast, d.fast.gen, true, 0), 0);
	d.queue_lo = d.table->set->queue_lo;
	d.queue_hi = d.table->set->queue_hi;
	ck_assert_ptr_nonnull(d.status_file = strdup(status_path));
	ck_assert_ptr_nonnull(d.workers = pc_workers_new(WORKERS, d.table, &d.vlog, true));
	if (with_chores)
		ck_assert_ptr_nonnull(d.chores = pc_chores_new());
	pc_test_path("run", dir, sizeof(dir)); /* main.c makes the status file's directory */
	ck_assert_int_eq(mkdir(dir, 0755), 0);
}

static void down(void)
{
	pc_chores_free(d.chores);
	pc_workers_free(d.workers);
	pc_vlogshare_destroy(&d.vlog);
	pc_table_free(d.table);
	free(d.conf_abs);
	free(d.status_file);
	free(d.metrics_file);
	pc_log_set_tee(NULL, NULL);
}

static void chores_done(void)
{
	if (d.chores) {
		pc_chores_free(d.chores);
		ck_assert_ptr_nonnull(d.chores = pc_chores_new());
	}
}

/* Every chore queued so far is done, the chores thread kept: a status
 * write queued after them is read back. */
static void chores_caught_up(void)
{
	uint64_t seq = d.status_seq + 1;
	double end = pc_test_now() + 10;
	struct pc_status st = { 0 };

	pc_daemon_write_status(&d, true);
	while (pc_test_now() < end) {
		bool done = pc_status_read(status_path, &st) == 0 && st.seq == seq;

		pc_status_clear(&st);
		if (done || !d.chores)
			return;
		usleep(1000);
	}
	ck_abort_msg("the chores thread did not catch up");
}

static void read_status(struct pc_status *st)
{
	chores_done();
	ck_assert_msg(pc_status_read(status_path, st) == 0, "%s: %s", status_path,
		      strerror(errno));
}

/* Some traffic's traces: hits, verdict lines (rate 2/s: the rest
 * suppressed; a full disk, as RLIMIT_FSIZE = 0 makes it: the two admitted
 * are not written). */
static void traffic(void)
{
	struct pc_vlog_rec rec = { .verdict = PC_PERMIT, .rule = "SSH", .reason = "test",
				   .len = 40 };
	struct rlimit old, full = { 0, 0 };

	pc_table_hit(d.table, 0, 0);
	pc_table_hit(d.table, 1, 0);
	pc_table_hit(d.table, 2, 0);
	pc_table_hit(d.table, 2, 2);
	ck_assert(signal(SIGXFSZ, SIG_IGN) != SIG_ERR);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	full.rlim_max = old.rlim_max;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &full), 0);
	for (int i = 0; i < 10; i++)
		pc_vlogshare_verdict(&d.vlog, 1000, &rec);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
}

static void status_holds_everything(bool with_chores)
{
	struct pc_status st;

	up(with_chores);
	traffic();
	d.reload = (struct pc_reload_state){ .generation = 3, .ok = 2, .failed = 1,
					     .time = 1700000100, .ms = 42,
					     .result = PC_RELOAD_FAILED };
	snprintf(d.reload.msg, sizeof(d.reload.msg), "config has errors: x.conf:3: bad");
	pc_daemon_write_status(&d, true);
	read_status(&st);
	ck_assert_uint_eq(st.version, PC_STATUS_VERSION);
	ck_assert_int_eq(st.pid, getpid());
	ck_assert_uint_eq(st.seq, 1);
	ck_assert(st.running);
	ck_assert_int_eq(st.start_time, 1700000000);
	ck_assert_str_eq(st.policy, "/abs/policy.conf");
	ck_assert_uint_eq(st.queue_lo, 7);
	ck_assert_uint_eq(st.queue_hi, 9);
	ck_assert(st.fail_open);
	ck_assert_int_eq(st.dflt, PC_PERMIT);
	ck_assert_uint_eq(st.rules, 3);
	ck_assert_uint_eq(st.enabled, 2);
	ck_assert_uint_eq(st.n_rule, 3);
	ck_assert_str_eq(st.rule[0].name, "SSH");
	ck_assert_uint_eq(st.rule[0].hits, 3); /* every worker's row */
	ck_assert_str_eq(st.rule[1].name, "Telnet");
	ck_assert_uint_eq(st.rule[1].hits, 0);
	ck_assert_str_eq(st.rule[2].name, "Bad net");
	ck_assert_uint_eq(st.rule[2].hits, 1);
	ck_assert_uint_eq(st.reload_generation, 3);
	ck_assert_uint_eq(st.reloads_ok, 2);
	ck_assert_uint_eq(st.reloads_failed, 1);
	ck_assert_int_eq(st.last_reload_time, 1700000100);
	ck_assert_uint_eq(st.last_reload_ms, 42);
	ck_assert_int_eq(st.last_reload_result, PC_RELOAD_FAILED);
	ck_assert_str_eq(st.last_reload_message, "config has errors: x.conf:3: bad");
	ck_assert_uint_eq(st.log_suppressed, 8);
	ck_assert_uint_eq(st.log_write_errors, 2);
	ck_assert(st.stateful);
	ck_assert_uint_eq(st.fast_generation, 1);
	ck_assert_uint_eq(st.n_queue, 0);
	pc_status_clear(&st);
	/* the last write: running=0, the next sequence number */
	pc_daemon_write_status(&d, false);
	read_status(&st);
	ck_assert(!st.running);
	ck_assert_uint_eq(st.seq, 2);
	pc_status_clear(&st);
	down();
}

START_TEST(status_written_at_once)
{
	status_holds_everything(false);
}
END_TEST

START_TEST(status_written_by_the_chores_thread)
{
	status_holds_everything(true);
}
END_TEST

START_TEST(status_policy_as_given_without_absolute_path)
{
	struct pc_status st;

	up(true);
	free(d.conf_abs);
	d.conf_abs = NULL;
	pc_daemon_write_status(&d, true);
	read_status(&st);
	ck_assert_str_eq(st.policy, conf);
	pc_status_clear(&st);
	down();
}
END_TEST

START_TEST(no_status_file_no_write)
{
	char *path;

	up(false);
	path = d.status_file;
	d.status_file = NULL;
	pc_daemon_write_status(&d, true);
	d.status_file = strdup("");
	pc_daemon_write_status(&d, true);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_uint_eq(d.status_seq, 0);
	free(path);
	down();
}
END_TEST

START_TEST(workers_decisions_summed)
{
	struct pc_totals tot = { 0 };

	up(false);
	for (size_t i = 0; i < WORKERS; i++) {
		struct pc_counters *c = &pc_workers_state(d.workers, i)->c;

		pc_counter_add(&c->permitted, 10 * (i + 1));
		pc_counter_add(&c->denied, i + 1);
		pc_counter_add(&c->malformed, 1);
		pc_counter_add(&c->forwarded, 2);
		pc_counter_add(&c->default_hits, 3);
		pc_counter_add(&c->conns, 4);
		pc_counter_add(&c->revalidated, 5);
		pc_counter_add(&c->invalid, 6);
		pc_counter_add(&c->untracked, 7);
	}
	pc_daemon_add_totals(&d, 1, &tot);
	ck_assert_uint_eq(tot.permitted, 20);
	ck_assert_uint_eq(tot.denied, 2);
	ck_assert_uint_eq(tot.packets, 22);
	for (size_t i = 0; i < WORKERS; i++)
		if (i != 1)
			pc_daemon_add_totals(&d, i, &tot);
	ck_assert_uint_eq(tot.permitted, 60);
	ck_assert_uint_eq(tot.denied, 6);
	ck_assert_uint_eq(tot.packets, 66);
	ck_assert_uint_eq(tot.malformed, 3);
	ck_assert_uint_eq(tot.forwarded, 6);
	ck_assert_uint_eq(tot.default_hits, 9);
	ck_assert_uint_eq(tot.conns, 12);
	ck_assert_uint_eq(tot.revalidated, 15);
	ck_assert_uint_eq(tot.invalid, 18);
	ck_assert_uint_eq(tot.untracked, 21);
	down();
}
END_TEST

START_TEST(metrics_written_and_moved)
{
	char a[PATH_MAX], b[PATH_MAX];
	const char *text;

	up(false);
	traffic();
	pc_test_path("a.prom", a, sizeof(a));
	pc_test_path("b.prom", b, sizeof(b));
	pc_daemon_write_metrics(&d, true); /* none configured: nothing */
	pc_daemon_metrics_file(&d, a);
	ck_assert_uint_eq(d.metrics_next, 0); /* written at once */
	pc_daemon_write_metrics(&d, true);
	text = pc_test_slurp(a);
	ck_assert_ptr_nonnull(strstr(text, "portcullis_rule_hits_total{rule=\"SSH\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(text, "portcullis_rule_hits_total{rule=\"Bad net\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "portcullis_running 1\n"));
	d.metrics_next = 12345;
	pc_daemon_metrics_file(&d, a); /* the same: nothing changes */
	ck_assert_uint_eq(d.metrics_next, 12345);
	ck_assert_int_eq(access(a, F_OK), 0);
	pc_daemon_metrics_file(&d, b); /* moved: the old file goes (frozen numbers otherwise) */
	ck_assert_int_eq(access(a, F_OK), -1);
	ck_assert_str_eq(d.metrics_file, b);
	pc_daemon_write_metrics(&d, false);
	ck_assert_ptr_nonnull(strstr(pc_test_slurp(b), "portcullis_running 0\n"));
	pc_daemon_metrics_file(&d, NULL);
	ck_assert_int_eq(access(b, F_OK), -1);
	ck_assert_ptr_null(d.metrics_file);
	ck_assert_ptr_nonnull(strstr(logged, "metrics file: none"));
	down();
}
END_TEST

/* How often s occurs in logged. */
static int times_logged(const char *s)
{
	int n = 0;

	for (const char *p = strstr(logged, s); p; p = strstr(p + 1, s))
		n++;
	return n;
}

static void metrics_errors_told_once(bool with_chores)
{
	char dir[PATH_MAX], path[PATH_MAX];

	up(with_chores);
	pc_test_path("m", dir, sizeof(dir));
	pc_test_path("m/metrics.prom", path, sizeof(path));
	pc_daemon_metrics_file(&d, path); /* its directory is missing */
	for (int i = 0; i < 3; i++) {
		pc_daemon_write_metrics(&d, true);
		chores_caught_up();
		pc_daemon_metrics_errors(&d);
	}
	ck_assert_int_eq(d.metrics_err, ENOENT);
	ck_assert_int_eq(times_logged("cannot write the metrics file"), 1);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	for (int i = 0; i < 3; i++) {
		pc_daemon_write_metrics(&d, true);
		chores_caught_up();
		pc_daemon_metrics_errors(&d);
	}
	ck_assert_int_eq(d.metrics_err, 0);
	ck_assert_int_eq(times_logged("written again"), 1);
	ck_assert_int_eq(access(path, F_OK), 0);
	down();
}

START_TEST(metrics_errors_at_once)
{
	metrics_errors_told_once(false);
}
END_TEST

START_TEST(metrics_errors_through_the_chores_thread)
{
	metrics_errors_told_once(true);
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, pc_test_base_make, pc_test_base_remove);
	tcase_add_test(tc, status_written_at_once);
	tcase_add_test(tc, status_written_by_the_chores_thread);
	tcase_add_test(tc, status_policy_as_given_without_absolute_path);
	tcase_add_test(tc, no_status_file_no_write);
	tcase_add_test(tc, workers_decisions_summed);
	tcase_add_test(tc, metrics_written_and_moved);
	tcase_add_test(tc, metrics_errors_at_once);
	tcase_add_test(tc, metrics_errors_through_the_chores_thread);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(report_suite());
}
