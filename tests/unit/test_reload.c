/* test_reload.c - SIGHUP (daemon/reload.c) and the load on its own thread
 * (daemon/loadthread.c), on a daemon put together as main.c does but without
 * queues: a valid file swaps the table (the workers' view changes, hits
 * carry over by rule name, the old table is freed by the chores thread:
 * ASan builds catch a leak or a use after free), a broken or oversized file
 * keeps the old table and says FILE:LINE, a SIGHUP during a load loads once
 * more after it, a stateful reload moves the fast path to the next
 * generation of the mark layout, and the status file says what happened.
 * iptables is helper_ipt.c's stand-in. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "budget.h"
#include "daemon.h"
#include "helper_fixture.h"
#include "helper_ipt.h"
#include "helper_policy.h"
#include "log.h"

#define WORKERS 2
#define MASK6 0x3fu /* generations 1..7 */

static const char v1[] =
	"[portcullis]\n"
	"default = deny\n"
	"stateful = no\n"
	"log-target = stderr\n"
	"[SSH]\naction = permit\nprotocol = tcp\ndirection = in\nlocal-port = 22\n"
	"[Web]\naction = permit\nprotocol = tcp\ndirection = in\nlocal-port = 80\n"
	"[Old]\naction = permit\nprotocol = udp\nremote-port = 53\n";

/* SSH kept (moved), Web renamed, Old gone, NTP new */
static const char v2[] =
	"[portcullis]\n"
	"default = deny\n"
	"stateful = no\n"
	"log-target = stderr\n"
	"[NTP]\naction = permit\nprotocol = udp\nremote-port = 123\n"
	"[HTTP]\naction = permit\nprotocol = tcp\ndirection = in\nlocal-port = 80\n"
	"[SSH]\naction = permit\nprotocol = tcp\ndirection = in\nlocal-port = 22\n"
	"[DNS]\naction = permit\nprotocol = udp\nremote-port = 53\n";

/* an error on line 7 */
static const char broken[] =
	"[portcullis]\n"
	"default = deny\n"
	"stateful = no\n"
	"log-target = stderr\n"
	"[SSH]\naction = permit\nprotocl = tcp\n";

static const char stateful_text[] =
	"[portcullis]\n"
	"default = deny\n"
	"stateful = %s\n"
	"mark-mask = %s\n"
	"log-target = stderr\n"
	"[SSH]\naction = permit\nprotocol = tcp\ndirection = in\nlocal-port = 22\n";

static struct pc_daemon d;
static char conf[PATH_MAX], status_path[PATH_MAX];
static char logged[8192]; /* the daemon's own messages */

static void log_tee(void *arg, int pri, const char *msg)
{
	(void)arg;
	(void)pri;
	if (strlen(logged) + strlen(msg) + 2 < sizeof(logged)) {
		strcat(logged, msg);
		strcat(logged, "\n");
	}
}

/* iptables as helper_ipt.c has it, counting the restores that moved the
 * fast path to a generation before the table of that generation served */
static unsigned moved_early;

static int run_checked(void *ctx, const char *const *argv, const char *input, int flags,
		       char *out, size_t outlen)
{
	int rc = pc_test_ipt_runner.run(ctx, argv, input, flags, out, outlen);
	uint32_t gen;

	if (rc == 0 && input) {
		gen = pc_test_ipt_gen(d.fast.marks.mask, !strncmp(argv[0], "ip6", 3));
		if (gen && gen != d.table->gen)
			moved_early++;
	}
	return rc;
}

static const struct pc_hooks_runner ipt_checked = { run_checked, NULL };

/* Replaces the policy atomically: a load running on the loader thread
 * reads the old file or the new one, never half of one. */
static void put_conf(const char *text)
{
	char tmp[PATH_MAX + 8];

	snprintf(tmp, sizeof(tmp), "%s.new", conf);
	pc_test_puts(tmp, text);
	ck_assert_int_eq(rename(tmp, conf), 0);
}

/* A daemon serving the policy text, as main.c's load() sets it up, with
 * WORKERS workers and no queue. */
static void up(const char *text)
{
	struct pc_diag *diag = pc_diag_new();
	struct pc_vlog_cfg cfg;

	unsetenv("NOTIFY_SOCKET");
	logged[0] = '\0';
	moved_early = 0;
	pc_log_set_tee(log_tee, NULL);
	pc_test_ipt_reset();
	pc_test_dir_make();
	pc_test_path("policy.conf", conf, sizeof(conf));
	pc_test_path("status", status_path, sizeof(status_path));
	put_conf(text);
	d = (struct pc_daemon){ .conf = conf, .sigfd = -1 };
	ck_assert_int_eq(pc_loadthread_open(&d.loader), 0);
	ck_assert_ptr_nonnull(d.chores = pc_chores_new());
	d.table = pc_table_load(conf, WORKERS, diag);
	ck_assert_msg(d.table, "%s", pc_test_diag_dump(diag));
	pc_diag_free(diag);
	pc_daemon_vlog_cfg(d.table->set, &cfg);
	ck_assert_int_eq(pc_vlogshare_init(&d.vlog, pc_vlog_new(&cfg)), 0);
	d.vlog_open = true;
	ck_assert_int_eq(pc_fastpath_init_runner(&d.fast, d.table->set->mark_mask,
						 d.table->set->stateful, &ipt_checked), 0);
	d.table->marks = d.fast.marks;
	d.table->gen = d.fast.gen;
	d.queue_lo = d.table->set->queue_lo;
	d.queue_hi = d.table->set->queue_hi;
	ck_assert_ptr_nonnull(d.status_file = strdup(status_path));
	ck_assert_ptr_nonnull(d.pid_file = strdup(d.table->set->pid_file));
	ck_assert_ptr_nonnull(d.workers = pc_workers_new(WORKERS, d.table, &d.vlog,
							  d.table->set->fail_open));
	if (d.table->set->stateful)
		ck_assert_int_eq(pc_fastpath_apply(&d.fast, d.fast.gen, true, 0), 0);
}

/* main.c's free_all. */
static void down(void)
{
	pc_loadthread_close(&d.loader);
	pc_chores_free(d.chores);
	pc_workers_free(d.workers);
	pc_vlogshare_destroy(&d.vlog);
	pc_table_free(d.table);
	free(d.status_file);
	free(d.pid_file);
	free(d.metrics_file);
	pc_log_set_tee(NULL, NULL);
}

/* The loop's part: the loader's eventfd readable, then reload_done. */
static void load_finishes(void)
{
	struct pollfd p = { .fd = d.loader.efd, .events = POLLIN };

	ck_assert(d.loader.busy);
	ck_assert_int_eq(poll(&p, 1, 20000), 1);
	pc_daemon_reload_done(&d);
}

/* A SIGHUP and everything it starts: the load, then a sweep ahead (and a
 * load asked for during it). */
static void sighup(void)
{
	pc_daemon_reload(&d);
	while (d.loader.busy)
		load_finishes();
}

/* Every chore queued so far is done (the status file is written). */
static void chores_done(void)
{
	pc_chores_free(d.chores);
	ck_assert_ptr_nonnull(d.chores = pc_chores_new());
}

static void read_status(struct pc_status *st)
{
	chores_done();
	ck_assert_msg(pc_status_read(status_path, st) == 0, "%s: %s", status_path,
		      strerror(errno));
}

static long rule(const struct pc_table *t, const char *name)
{
	long r = -1;

	for (size_t i = 0; i < t->nrules; i++)
		if (!strcmp(t->rules[i].name, name))
			r = (long)i;
	ck_assert_msg(r >= 0, "no rule %s", name);
	return r;
}

/* The table each worker decides with at its next batch. */
static void workers_see(const struct pc_table *t)
{
	pc_workers_stop(d.workers); /* no threads: sets each state's table to the one in service */
	for (size_t i = 0; i < WORKERS; i++)
		ck_assert_ptr_eq(pc_workers_state(d.workers, i)->table, t);
}

START_TEST(valid_file_swaps_the_table)
{
	struct pc_table *old;
	struct pc_status st;

	up(v1);
	old = d.table;
	pc_table_hit(d.table, 0, rule(d.table, "SSH"));
	pc_table_hit(d.table, 1, rule(d.table, "SSH"));
	pc_table_hit(d.table, 1, rule(d.table, "Web"));
	pc_table_hit(d.table, 0, rule(d.table, "Old"));
	put_conf(v2);
	sighup();
	ck_assert_ptr_ne(d.table, old); /* old is the chores thread's to free now */
	workers_see(d.table);
	ck_assert_uint_eq(d.table->nrules, 4);
	ck_assert_uint_eq(d.table->nrows, WORKERS);
	ck_assert_uint_eq(pc_table_hits(d.table, (size_t)rule(d.table, "SSH")), 2);
	ck_assert_uint_eq(pc_table_hits(d.table, (size_t)rule(d.table, "HTTP")), 0);
	ck_assert_uint_eq(pc_table_hits(d.table, (size_t)rule(d.table, "DNS")), 0);
	ck_assert_uint_eq(d.reload.generation, 1);
	ck_assert_uint_eq(d.reload.ok, 1);
	ck_assert_uint_eq(d.reload.failed, 0);
	ck_assert_int_eq(d.reload.result, PC_RELOAD_OK);
	ck_assert_msg(!strncmp(d.reload.msg, "reloaded: 4 rules, 4 enabled in ", 32), "%s",
		      d.reload.msg);
	ck_assert(!d.loader.busy);
	read_status(&st);
	ck_assert_uint_eq(st.reload_generation, 1);
	ck_assert_uint_eq(st.reloads_ok, 1);
	ck_assert_int_eq(st.last_reload_result, PC_RELOAD_OK);
	ck_assert_str_eq(st.last_reload_message, d.reload.msg);
	ck_assert_int_gt(st.last_reload_time, 0);
	ck_assert_uint_eq(st.rules, 4);
	ck_assert_uint_eq(st.n_rule, 4);
	ck_assert_str_eq(st.rule[0].name, "NTP");
	ck_assert_str_eq(st.rule[2].name, "SSH");
	ck_assert_uint_eq(st.rule[2].hits, 2);
	ck_assert(st.running);
	ck_assert(!st.stateful);
	pc_status_clear(&st);
	down();
}
END_TEST

START_TEST(broken_file_keeps_the_old_table)
{
	struct pc_table *old;
	struct pc_status st;
	char want[PATH_MAX + 64];

	up(v1);
	old = d.table;
	pc_table_hit(d.table, 0, rule(d.table, "Web"));
	put_conf(broken);
	sighup();
	ck_assert_ptr_eq(d.table, old);
	workers_see(old);
	ck_assert_uint_eq(pc_table_hits(old, (size_t)rule(old, "Web")), 1);
	ck_assert_uint_eq(d.reload.generation, 1);
	ck_assert_uint_eq(d.reload.ok, 0);
	ck_assert_uint_eq(d.reload.failed, 1);
	ck_assert_int_eq(d.reload.result, PC_RELOAD_FAILED);
	snprintf(want, sizeof(want), "config has errors, not reloading: %s:7: ", conf);
	ck_assert_msg(!strncmp(d.reload.msg, want, strlen(want)), "%s", d.reload.msg);
	ck_assert_ptr_nonnull(strstr(logged, "config has errors, not reloading"));
	read_status(&st);
	ck_assert_int_eq(st.last_reload_result, PC_RELOAD_FAILED);
	ck_assert_uint_eq(st.reloads_failed, 1);
	ck_assert_str_eq(st.last_reload_message, d.reload.msg);
	ck_assert_uint_eq(st.n_rule, 3);
	ck_assert_str_eq(st.rule[1].name, "Web");
	ck_assert_uint_eq(st.rule[1].hits, 1);
	pc_status_clear(&st);
	/* fixed: the next SIGHUP serves it */
	put_conf(v2);
	sighup();
	ck_assert_ptr_ne(d.table, old);
	ck_assert_uint_eq(d.table->nrules, 4);
	ck_assert_uint_eq(d.reload.generation, 2);
	ck_assert_uint_eq(d.reload.ok, 1);
	ck_assert_uint_eq(d.reload.failed, 1);
	ck_assert_int_eq(d.reload.result, PC_RELOAD_OK);
	down();
}
END_TEST

START_TEST(file_grown_past_the_limit_keeps_the_old_table)
{
	struct pc_table *old;
	int fd;

	up(v1);
	old = d.table;
	/* a policy file of PC_POLICY_FILE_MAX + 1 bytes (sparse) */
	ck_assert_int_ge(fd = open(conf, O_WRONLY | O_APPEND | O_CLOEXEC), 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)PC_POLICY_FILE_MAX + 1), 0);
	close(fd);
	sighup();
	ck_assert_ptr_eq(d.table, old);
	ck_assert_int_eq(d.reload.result, PC_RELOAD_FAILED);
	ck_assert_msg(strstr(d.reload.msg, conf) && strstr(d.reload.msg, "file too large"), "%s",
		      d.reload.msg);
	down();
}
END_TEST

START_TEST(address_list_past_the_limit_keeps_the_old_table)
{
	char list[PATH_MAX], text[2 * PATH_MAX + 512];
	struct pc_table *old;
	int fd;

	up(v1);
	old = d.table;
	pc_test_path("big.list", list, sizeof(list));
	ck_assert_int_ge(fd = open(list, O_WRONLY | O_CREAT | O_CLOEXEC, 0644), 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)PC_ADDR_FILE_MAX + 1), 0);
	close(fd);
	snprintf(text, sizeof(text), "%s[Blocklist]\naction = deny\nremote-address = file:%s\n",
		 v1, list);
	put_conf(text);
	sighup();
	ck_assert_ptr_eq(d.table, old);
	ck_assert_int_eq(d.reload.result, PC_RELOAD_FAILED);
	ck_assert_msg(strstr(d.reload.msg, "file too large"), "%s", d.reload.msg);
	down();
}
END_TEST

START_TEST(sighup_during_a_load_loads_again)
{
	struct pc_status st;

	up(v1);
	pc_daemon_reload(&d); /* loading v1 or v2: whichever it reads */
	ck_assert(d.loader.busy);
	put_conf(v2);
	pc_daemon_reload(&d); /* during the load: one more after it */
	ck_assert(d.reload_again);
	ck_assert_uint_eq(d.reload.failed, 0);
	load_finishes();
	ck_assert(d.loader.busy); /* the second load runs */
	ck_assert(!d.reload_again);
	load_finishes();
	ck_assert(!d.loader.busy);
	ck_assert_uint_eq(d.table->nrules, 4); /* v2: the change after the first SIGHUP is served */
	ck_assert_uint_eq(d.reload.generation, 2);
	ck_assert_uint_eq(d.reload.ok, 2);
	ck_assert_uint_eq(d.reload.failed, 0);
	/* three SIGHUPs during one load: one more load, not three */
	pc_daemon_reload(&d);
	pc_daemon_reload(&d);
	pc_daemon_reload(&d);
	pc_daemon_reload(&d);
	load_finishes();
	load_finishes();
	ck_assert(!d.loader.busy);
	ck_assert_uint_eq(d.reload.generation, 4);
	read_status(&st);
	ck_assert_uint_eq(st.reload_generation, 4);
	ck_assert_uint_eq(st.reloads_ok, 4);
	pc_status_clear(&st);
	down();
}
END_TEST

static void put_stateful(const char *stateful, const char *mask)
{
	char text[1024];

	snprintf(text, sizeof(text), stateful_text, stateful, mask);
	put_conf(text);
}

START_TEST(stateful_reload_moves_the_fast_path)
{
	char text[1024];
	struct pc_status st;
	uint32_t want;

	snprintf(text, sizeof(text), stateful_text, "yes", "0x3f");
	up(text);
	ck_assert_uint_eq(d.table->gen, 1); /* the chains held nothing */
	ck_assert_uint_eq(pc_test_ipt_gen(MASK6, 0), 1);
	want = 1;
	for (int i = 0; i < 9; i++) { /* past 7: wraps to 1 */
		sighup();
		want = want == 7 ? 1 : want + 1;
		ck_assert_int_eq(d.reload.result, PC_RELOAD_OK);
		ck_assert_uint_eq(d.table->gen, want);
		ck_assert_uint_eq(d.table->marks.mask, MASK6);
		ck_assert_uint_eq(d.table->marks.gen_max, 7);
		ck_assert_uint_eq(d.fast.applied, want);
		ck_assert_uint_eq(pc_test_ipt_gen(MASK6, 0), want);
		ck_assert_uint_eq(pc_test_ipt_gen(MASK6, 1), want);
	}
	ck_assert_uint_eq(moved_early, 0); /* an old verdict never carries the new generation */
	read_status(&st);
	ck_assert(st.stateful);
	ck_assert_uint_eq(st.fast_generation, want);
	pc_status_clear(&st);
	/* mark-mask takes effect at the next start only: the layout stays */
	put_stateful("yes", "0xff00");
	sighup();
	ck_assert_int_eq(d.reload.result, PC_RELOAD_OK);
	ck_assert_uint_eq(d.table->marks.mask, MASK6);
	ck_assert_ptr_nonnull(strstr(logged, "mark-mask changed: it takes effect at the next"));
	/* stateless: the chains are emptied, no connection is fast */
	put_stateful("no", "0x3f");
	sighup();
	ck_assert(!d.table->set->stateful);
	ck_assert_uint_eq(d.fast.applied, 0);
	ck_assert_str_eq(pc_test_ipt.fam[0].rules, "");
	ck_assert_ptr_nonnull(strstr(logged, "stateful changed"));
	down();
}
END_TEST

START_TEST(stateless_reloads_leave_the_chains_alone)
{
	unsigned calls;

	up(v1);
	calls = pc_test_ipt.calls;
	put_conf(v2);
	sighup();
	sighup();
	ck_assert_uint_eq(pc_test_ipt.calls, calls);
	down();
}
END_TEST

START_TEST(failed_fast_path_still_reloads)
{
	char text[1024];
	struct pc_status st;

	snprintf(text, sizeof(text), stateful_text, "yes", "0x3f");
	up(text);
	pc_test_ipt.fail_restore = 3;
	sighup();
	/* the table serves; the chains keep the old generation until a retry works */
	ck_assert_int_eq(d.reload.result, PC_RELOAD_OK);
	ck_assert_uint_eq(d.table->gen, 2);
	ck_assert(d.fast.pending);
	ck_assert_uint_eq(pc_test_ipt_gen(MASK6, 0), 1);
	read_status(&st);
	ck_assert_uint_eq(st.fast_generation, 1); /* what the kernel accepts, not the table's */
	pc_status_clear(&st);
	pc_test_ipt.fail_restore = 0;
	pc_fastpath_retry(&d.fast, UINT64_MAX);
	ck_assert_uint_eq(pc_test_ipt_gen(MASK6, 0), 2);
	down();
}
END_TEST

/* The conntrack sweep's stand-in: records what it was asked, then clears
 * sweep_clears entries or fails with sweep_errno. */
static uint32_t sweep_gen, sweep_mask, sweep_table_gen;
static uint32_t sweep_gens[16], sweep_table_gens[16]; /* of each call */
static unsigned sweep_calls;
static uint64_t sweep_clears;
static int sweep_errno;

static int fake_sweep(const struct pc_marks *m, uint32_t gen, struct pc_ctsweep_stats *st)
{
	sweep_gen = gen;
	sweep_mask = m->mask;
	sweep_table_gen = d.table->gen; /* the table in service while it runs */
	if (sweep_calls < 16) {
		sweep_gens[sweep_calls] = gen;
		sweep_table_gens[sweep_calls] = sweep_table_gen;
	}
	sweep_calls++;
	if (sweep_errno) {
		errno = sweep_errno;
		return -1;
	}
	st->cleared = sweep_clears;
	return 0;
}

START_TEST(reload_sweeps_the_coming_generation)
{
	char text[1024];
	struct pc_status st;

	snprintf(text, sizeof(text), stateful_text, "yes", "0x3f");
	up(text);
	d.fast.sweep = fake_sweep;
	sweep_calls = 0;
	sweep_errno = 0;
	sweep_clears = 3;
	sighup();
	ck_assert_int_eq(d.reload.result, PC_RELOAD_OK);
	/* the reload's own sweep, of the new table's generation before it
	 * served; then, with it in service, the sweep ahead of the next one */
	ck_assert_uint_eq(sweep_calls, 2);
	ck_assert_uint_eq(d.table->gen, 2);
	ck_assert_uint_eq(sweep_gens[0], 2);
	ck_assert_uint_eq(sweep_table_gens[0], 1);
	ck_assert_uint_eq(sweep_gens[1], 3);
	ck_assert_uint_eq(sweep_table_gens[1], 2);
	ck_assert_uint_eq(d.fast.swept_ahead, 3);
	ck_assert_uint_eq(sweep_mask, MASK6);
	ck_assert_ptr_nonnull(strstr(logged, "fast path: 3 connections idle since generation 2 "
				     "will be judged again"));
	ck_assert_ptr_nonnull(strstr(logged, "fast path: 3 connections idle since generation 3 "
				     "will be judged again"));
	/* swept ahead: the reload to 3 does not sweep, and sweeps 4 ahead;
	 * nothing cleared: no line */
	sweep_clears = 0;
	logged[0] = '\0';
	sighup();
	ck_assert_uint_eq(d.table->gen, 3);
	ck_assert_uint_eq(sweep_calls, 3);
	ck_assert_uint_eq(sweep_gens[2], 4);
	ck_assert_uint_eq(sweep_table_gens[2], 3);
	ck_assert_ptr_null(strstr(logged, "judged again"));
	read_status(&st);
	ck_assert_uint_eq(st.fast_swept, 6);
	ck_assert_uint_eq(st.fast_sweep_errors, 0);
	pc_status_clear(&st);
	/* a SIGHUP during the sweep ahead: the reload waits for it, then
	 * needs no sweep of its own */
	pc_daemon_sweep_ahead(&d); /* already swept: nothing starts */
	ck_assert(!d.loader.busy);
	d.fast.swept_ahead = 0;
	pc_daemon_sweep_ahead(&d);
	ck_assert(d.loader.busy);
	pc_daemon_reload(&d);
	ck_assert(d.reload_again);
	while (d.loader.busy)
		load_finishes();
	ck_assert_uint_eq(d.table->gen, 4);
	ck_assert_uint_eq(sweep_calls, 5); /* 4 ahead, then 5 ahead */
	ck_assert_uint_eq(sweep_gens[3], 4);
	ck_assert_uint_eq(sweep_gens[4], 5);
	/* a stateless table saves no verdict: nothing to sweep, nothing ahead */
	put_stateful("no", "0x3f");
	sighup();
	ck_assert_uint_eq(sweep_calls, 5);
	ck_assert(!d.loader.busy);
	down();
}
END_TEST

START_TEST(failed_sweep_still_reloads)
{
	char text[1024];
	struct pc_status st;

	snprintf(text, sizeof(text), stateful_text, "yes", "0x3f");
	up(text);
	d.fast.sweep = fake_sweep;
	sweep_calls = 0;
	sweep_errno = EPERM;
	sighup();
	/* the table serves and the fast path moves; a warning says what is at
	 * risk; the sweep ahead fails too and is not taken for done */
	ck_assert_int_eq(d.reload.result, PC_RELOAD_OK);
	ck_assert_uint_eq(sweep_calls, 2);
	ck_assert_uint_eq(d.table->gen, 2);
	ck_assert_uint_eq(pc_test_ipt_gen(MASK6, 0), 2);
	ck_assert_ptr_nonnull(strstr(logged, "fast path: cannot clear generation 2 from conntrack "
				     "(Operation not permitted)"));
	ck_assert_uint_eq(d.fast.swept_ahead, 0);
	read_status(&st);
	ck_assert_uint_eq(st.fast_sweep_errors, 2);
	ck_assert_uint_eq(st.fast_swept, 0);
	pc_status_clear(&st);
	/* a broken file: the reload's sweep does not run (no table), the old
	 * one serves; the sweep ahead is tried again */
	put_conf(broken);
	sighup();
	ck_assert_int_eq(d.reload.result, PC_RELOAD_FAILED);
	ck_assert_uint_eq(sweep_calls, 3);
	ck_assert_uint_eq(sweep_gens[2], 3);
	/* it works now: the next reload leaves generation 3 alone */
	sweep_errno = 0;
	logged[0] = '\0';
	put_stateful("yes", "0x3f");
	d.fast.swept_ahead = 0;
	pc_daemon_sweep_ahead(&d);
	while (d.loader.busy)
		load_finishes();
	ck_assert_uint_eq(d.fast.swept_ahead, 3);
	sighup();
	ck_assert_int_eq(d.reload.result, PC_RELOAD_OK);
	ck_assert_uint_eq(d.table->gen, 3);
	ck_assert_uint_eq(sweep_calls, 5); /* 3 ahead, 4 ahead; none of the reload's own */
	ck_assert_uint_eq(sweep_gens[4], 4);
	down();
}
END_TEST

START_TEST(verdict_log_kept_or_replaced)
{
	char text[2 * PATH_MAX + 512], logfile[PATH_MAX];
	struct pc_vlog *vl;
	struct pc_table *old;

	up(v1);
	vl = d.vlog.vl;
	put_conf(v2); /* same log settings: the same log serves on */
	sighup();
	ck_assert_ptr_eq(d.vlog.vl, vl);
	pc_test_path("verdicts.log", logfile, sizeof(logfile));
	snprintf(text, sizeof(text), "[portcullis]\nstateful = no\nlog-target = file:%s\n"
		 "[SSH]\naction = permit\nprotocol = tcp\nlocal-port = 22\n", logfile);
	put_conf(text);
	sighup();
	ck_assert_int_eq(d.reload.result, PC_RELOAD_OK);
	ck_assert_ptr_ne(d.vlog.vl, vl); /* the old one freed (ASan: else a leak) */
	ck_assert_int_eq(access(logfile, F_OK), 0);
	/* a log file that cannot be opened: not reloaded, the new table dropped */
	old = d.table;
	vl = d.vlog.vl;
	snprintf(text, sizeof(text), "[portcullis]\nstateful = no\n"
		 "log-target = file:%s/no/dir/x.log\n"
		 "[SSH]\naction = permit\nprotocol = tcp\nlocal-port = 22\n", pc_test_dir);
	put_conf(text);
	sighup();
	ck_assert_ptr_eq(d.table, old);
	ck_assert_ptr_eq(d.vlog.vl, vl);
	ck_assert_int_eq(d.reload.result, PC_RELOAD_FAILED);
	ck_assert_ptr_nonnull(strstr(d.reload.msg, "cannot open the log file, not reloading"));
	down();
}
END_TEST

/* daemon/loadthread.c on its own */

START_TEST(loader_hands_over_a_table)
{
	struct pc_loadthread l;
	struct pc_diag *diag;
	struct pc_table *t;
	struct pollfd p;

	pc_test_dir_make();
	pc_test_path("policy.conf", conf, sizeof(conf));
	put_conf("[portcullis]\nqueue = 4-6\n[SSH]\naction = permit\nprotocol = tcp\n"
		 "local-port = 22\n");
	ck_assert_int_eq(pc_loadthread_open(&l), 0);
	ck_assert_ptr_null(pc_loadthread_finish(&l, &diag)); /* nothing started */
	ck_assert_ptr_null(diag);
	ck_assert_int_eq(pc_loadthread_start(&l, conf, NULL), 0);
	ck_assert(l.busy);
	errno = 0;
	ck_assert_int_eq(pc_loadthread_start(&l, conf, NULL), -1);
	ck_assert_int_eq(errno, EBUSY);
	p = (struct pollfd){ .fd = l.efd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 20000), 1);
	t = pc_loadthread_finish(&l, &diag);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(diag);
	ck_assert(!l.busy);
	ck_assert_uint_eq(t->nrows, 3); /* no old table: a row per queue */
	ck_assert_int_eq(poll(&p, 1, 0), 0); /* the eventfd was read */
	pc_diag_free(diag);
	pc_loadthread_close(&l);
	pc_table_free(t);
}
END_TEST

START_TEST(loader_rows_follow_the_table_in_service)
{
	struct pc_loadthread l;
	struct pc_diag *diag;
	struct pc_table *old, *t;

	pc_test_dir_make();
	pc_test_path("policy.conf", conf, sizeof(conf));
	put_conf("[portcullis]\nqueue = 4-6\n[SSH]\naction = permit\nprotocol = tcp\n"
		 "local-port = 22\n");
	ck_assert_int_eq(pc_loadthread_open(&l), 0);
	diag = pc_diag_new();
	ck_assert_ptr_nonnull(old = pc_table_load(conf, 5, diag));
	pc_diag_free(diag);
	ck_assert_int_eq(pc_loadthread_start(&l, conf, old), 0);
	ck_assert_ptr_nonnull(t = pc_loadthread_finish(&l, &diag)); /* waits for the thread */
	ck_assert_uint_eq(t->nrows, 5);
	pc_diag_free(diag);
	pc_table_free(t);
	pc_table_free(old);
	pc_loadthread_close(&l);
}
END_TEST

START_TEST(loader_reports_errors)
{
	struct pc_loadthread l;
	struct pc_diag *diag;
	char want[PATH_MAX + 8];

	pc_test_dir_make();
	pc_test_path("policy.conf", conf, sizeof(conf));
	put_conf(broken);
	ck_assert_int_eq(pc_loadthread_open(&l), 0);
	ck_assert_int_eq(pc_loadthread_start(&l, conf, NULL), 0);
	ck_assert_ptr_null(pc_loadthread_finish(&l, &diag));
	ck_assert_ptr_nonnull(diag);
	snprintf(want, sizeof(want), "%s:7:", conf);
	ck_assert_msg(strstr(pc_test_diag_dump(diag), want), "%s", pc_test_diag_dump(diag));
	pc_diag_free(diag);
	pc_loadthread_close(&l);
}
END_TEST

START_TEST(loader_close_drops_a_running_load)
{
	struct pc_loadthread l;

	pc_test_dir_make();
	pc_test_path("policy.conf", conf, sizeof(conf));
	put_conf(v1);
	ck_assert_int_eq(pc_loadthread_open(&l), 0);
	ck_assert_int_eq(pc_loadthread_start(&l, conf, NULL), 0);
	pc_loadthread_close(&l); /* ASan: the table it loaded is freed */
	ck_assert(!l.busy);
	ck_assert_int_eq(l.efd, -1);
}
END_TEST

static Suite *reload_suite(void)
{
	Suite *s = suite_create("reload");
	TCase *tc = tcase_create("reload");
	TCase *tl = tcase_create("loader");

	tcase_add_unchecked_fixture(tc, pc_test_base_make, pc_test_base_remove);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, valid_file_swaps_the_table);
	tcase_add_test(tc, broken_file_keeps_the_old_table);
	tcase_add_test(tc, file_grown_past_the_limit_keeps_the_old_table);
	tcase_add_test(tc, address_list_past_the_limit_keeps_the_old_table);
	tcase_add_test(tc, sighup_during_a_load_loads_again);
	tcase_add_test(tc, stateful_reload_moves_the_fast_path);
	tcase_add_test(tc, stateless_reloads_leave_the_chains_alone);
	tcase_add_test(tc, failed_fast_path_still_reloads);
	tcase_add_test(tc, reload_sweeps_the_coming_generation);
	tcase_add_test(tc, failed_sweep_still_reloads);
	tcase_add_test(tc, verdict_log_kept_or_replaced);
	suite_add_tcase(s, tc);
	tcase_add_unchecked_fixture(tl, pc_test_base_make, pc_test_base_remove);
	tcase_add_test(tl, loader_hands_over_a_table);
	tcase_add_test(tl, loader_rows_follow_the_table_in_service);
	tcase_add_test(tl, loader_reports_errors);
	tcase_add_test(tl, loader_close_drops_a_running_load);
	suite_add_tcase(s, tl);
	return s;
}

int main(void)
{
	return pc_test_run(reload_suite());
}
