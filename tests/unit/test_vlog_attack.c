/* test_vlog_attack.c - the verdict log against hostile input and places:
 * a log path that is a symlink or a FIFO, messages and rule names that
 * would break a line or its JSON, scans from random sources in JSON mode,
 * a clock that jumps. Every written line must read back (tools/logread.c). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "helper_fixture.h"
#include "logread.h"
#include "vlog.h"

#define SEC 1000000000ull

/* ---- where the log goes ---- */

static struct pc_vlog *file_log(const char *path)
{
	struct pc_vlog_cfg cfg = { .target = PC_LOGT_FILE, .file = path, .rate = 10 };

	return pc_vlog_new(&cfg);
}

/* root appending to a path an attacker made a symlink would write
 * anywhere (/etc/shadow): the log refuses a symlink. */
START_TEST(file_symlink_refused)
{
	char victim[PATH_MAX], link[PATH_MAX];
	struct pc_vlog *vl;

	pc_test_path("victim", victim, sizeof(victim));
	pc_test_path("sym.log", link, sizeof(link));
	fclose(fopen(victim, "we"));
	ck_assert_int_eq(symlink(victim, link), 0);
	vl = file_log(link);
	if (vl) {
		pc_vlog_message(vl, "info", "written through the link");
		pc_vlog_free(vl);
	}
	ck_assert_str_eq(pc_test_slurp(victim), "");
	ck_assert_msg(!vl, "a symlink was opened as the log file");
	ck_assert_int_eq(errno, ELOOP);
}
END_TEST

/* A FIFO without a reader would block the daemon's start for ever. */
START_TEST(file_fifo_refused)
{
	char fifo[PATH_MAX];
	double t0 = pc_test_now();
	struct pc_vlog *vl;

	pc_test_path("fifo.log", fifo, sizeof(fifo));
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	vl = file_log(fifo);
	ck_assert_msg(!vl, "a FIFO was opened as the log file");
	ck_assert_double_lt(pc_test_now() - t0, 2.0);
}
END_TEST

/* logrotate's SIGUSR2: a path now a symlink is refused and the old file
 * goes on receiving lines. */
START_TEST(reopen_symlink_refused)
{
	char victim[PATH_MAX], log[PATH_MAX], moved[PATH_MAX];
	struct pc_vlog *vl;

	pc_test_path("victim2", victim, sizeof(victim));
	pc_test_path("r.log", log, sizeof(log));
	pc_test_path("r.log.1", moved, sizeof(moved));
	fclose(fopen(victim, "we"));
	vl = file_log(log);
	ck_assert_ptr_nonnull(vl);
	ck_assert_int_eq(rename(log, moved), 0);
	ck_assert_int_eq(symlink(victim, log), 0);
	ck_assert_int_eq(pc_vlog_reopen(vl), -1);
	pc_vlog_message(vl, "info", "after the reopen");
	pc_vlog_free(vl);
	ck_assert_str_eq(pc_test_slurp(victim), "");
	ck_assert_ptr_nonnull(strstr(pc_test_slurp(moved), "after the reopen"));
}
END_TEST

START_TEST(file_regular_ok)
{
	char log[PATH_MAX];
	struct pc_vlog *vl;

	pc_test_path("ok.log", log, sizeof(log));
	vl = file_log(log);
	ck_assert_ptr_nonnull(vl);
	pc_vlog_message(vl, "info", "hello");
	ck_assert_int_eq(pc_vlog_reopen(vl), 0);
	pc_vlog_message(vl, "info", "again");
	pc_vlog_free(vl);
	ck_assert_ptr_nonnull(strstr(pc_test_slurp(log), "again"));
}
END_TEST

/* ---- lines that must stay whole ---- */

struct lines {
	char line[64][PC_VLOG_LINE_MAX];
	size_t len[64];
	size_t n, total;
	uint64_t suppressed; /* sum of suppressed=N */
	enum pc_log_format fmt;
};

static struct lines got;

/* Every line must be one line, within the bound, and read back. */
static void collect(void *arg, const char *line, size_t len)
{
	struct lines *l = arg;
	static struct pc_logrec rec;
	char err[128];

	ck_assert_uint_lt(len, PC_VLOG_LINE_MAX);
	ck_assert_uint_eq(strlen(line), len);
	ck_assert_ptr_null(memchr(line, '\n', len));
	ck_assert_msg(pc_logread_parse(line, len, 0, &rec, err, sizeof(err)) == 0,
		      "line does not read back (%s): %s", err, line);
	if (rec.kind == PC_LOGREC_SUPPRESSED)
		l->suppressed += rec.suppressed;
	if (l->n < 64) {
		memcpy(l->line[l->n], line, len + 1);
		l->len[l->n++] = len;
	}
	l->total++;
}

static struct pc_vlog *sink_log(unsigned rate, enum pc_log_format fmt)
{
	struct pc_vlog_cfg cfg = { .target = PC_LOGT_FILE, .format = fmt, .rate = rate,
				   .sink = collect, .sink_arg = &got };

	memset(&got, 0, sizeof(got));
	got.fmt = fmt;
	return pc_vlog_new(&cfg);
}

/* A daemon message can carry bytes of a file (an address list from a
 * feed): escaped many times over, it outgrows the line. It must be cut
 * inside the value, never in an escape, and the line must stay whole. */
START_TEST(long_message_stays_whole)
{
	enum pc_log_format fmt = (enum pc_log_format)_i;
	static char msg[1024];
	struct pc_vlog *vl = sink_log(10, fmt);
	static struct pc_logrec rec;
	char err[128];

	for (size_t i = 0; i < sizeof(msg) - 1; i++)
		msg[i] = "\x01\"\\\x7f\xff\xc3"[i % 6];
	msg[sizeof(msg) - 1] = '\0';
	pc_vlog_message(vl, "warning", msg);
	ck_assert_uint_eq(got.n, 1);
	ck_assert_int_eq(pc_logread_parse(got.line[0], got.len[0], 0, &rec, err, sizeof(err)), 0);
	ck_assert_int_eq(rec.kind, PC_LOGREC_MESSAGE);
	ck_assert_str_eq(rec.level, "warning");
	ck_assert_uint_gt(strlen(rec.msg), 100);
	pc_vlog_free(vl);
}
END_TEST

/* Rule names are written by root but may hold any printable text: a
 * name of quotes and backslashes must read back exactly. */
START_TEST(rule_name_reads_back)
{
	enum pc_log_format fmt = (enum pc_log_format)_i;
	struct pc_vlog *vl = sink_log(10, fmt);
	static char name[200];
	static struct pc_logrec rec;
	struct pc_pkt p;
	char err[128];

	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(pc_addr_parse("203.0.113.9", &p.family, p.src), 0);
	ck_assert_int_eq(pc_addr_parse("198.51.100.2", &p.family, p.dst), 0);
	p.proto = 6;
	p.flags = PC_PKT_PORTS;
	for (size_t i = 0; i < sizeof(name) - 1; i++)
		name[i] = "\"\\ =}{,x\t\n"[i % 10];
	name[sizeof(name) - 1] = '\0';
	struct pc_vlog_rec r = { .verdict = PC_PERMIT, .rule = name, .dir = PC_DIR_IN, .pkt = &p };
	ck_assert(pc_vlog_admit(vl, SEC));
	pc_vlog_write(vl, &r);
	ck_assert_uint_eq(got.n, 1);
	ck_assert_int_eq(pc_logread_parse(got.line[0], got.len[0], 0, &rec, err, sizeof(err)), 0);
	ck_assert_str_eq(rec.rule, name);
	pc_vlog_free(vl);
}
END_TEST

/* ---- floods ---- */

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
	return pc_test_xorshift(&rng);
}

/* A SYN scan from random v4 and v6 sources, 200000 packets a second for
 * 10 seconds, JSON: at most log-rate lines a second (plus the bucket's
 * first fill) and one suppressed= line a second, which add up. */
START_TEST(scan_random_sources_json)
{
	const unsigned rate = 50;
	struct pc_vlog *vl = sink_log(rate, PC_LOGF_JSON);
	uint64_t admitted = 0, attempts = 0, t = SEC;

	for (; t < 11 * SEC; t += 5000, attempts++) {
		struct pc_pkt p;
		struct pc_vlog_rec r = { .verdict = PC_DENY, .dir = PC_DIR_IN, .pkt = &p };

		memset(&p, 0, sizeof(p));
		p.family = rnd() % 2 ? PC_FAM_V4 : PC_FAM_V6;
		for (int i = 0; i < 16; i++)
			p.src[i] = (uint8_t)rnd();
		p.proto = 6;
		p.flags = PC_PKT_PORTS;
		p.sport = (uint16_t)rnd();
		p.dport = (uint16_t)rnd();
		p.len = 60;
		pc_vlog_tick(vl, t);
		if (pc_vlog_admit(vl, t)) {
			admitted++;
			pc_vlog_write(vl, &r);
		}
	}
	pc_vlog_free(vl); /* reports what is pending */
	ck_assert_uint_le(admitted, rate * 11);
	ck_assert_uint_ge(admitted, rate * 10);
	ck_assert_uint_le(got.total - admitted, 12);
	ck_assert_uint_eq(got.suppressed, attempts - admitted);
}
END_TEST

/* The clock jumping back or far ahead gives no burst beyond the bucket. */
START_TEST(clock_jumps)
{
	const unsigned rate = 10;
	struct pc_vlog *vl = sink_log(rate, PC_LOGF_TEXT);
	const uint64_t times[] = { 100 * SEC, 50 * SEC, 1, UINT64_MAX / 2, UINT64_MAX - 1, 3 * SEC };
	uint64_t admitted = 0;

	for (size_t k = 0; k < sizeof(times) / sizeof(times[0]); k++)
		for (int i = 0; i < 1000; i++)
			admitted += pc_vlog_admit(vl, times[k]);
	/* the first fill, one refill at the jump ahead; none going back */
	ck_assert_uint_le(admitted, 3 * rate);
	pc_vlog_free(vl);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vlog-attack");
	TCase *tc = tcase_create("files");

	tcase_set_timeout(tc, 20);
	tcase_add_unchecked_fixture(tc, pc_test_base_make, pc_test_base_remove);
	tcase_add_checked_fixture(tc, pc_test_dir_make, NULL);
	tcase_add_test(tc, file_symlink_refused);
	tcase_add_test(tc, file_fifo_refused);
	tcase_add_test(tc, reopen_symlink_refused);
	tcase_add_test(tc, file_regular_ok);
	suite_add_tcase(s, tc);

	tc = tcase_create("lines");
	tcase_add_loop_test(tc, long_message_stays_whole, PC_LOGF_TEXT, PC_LOGF_JSON + 1);
	tcase_add_loop_test(tc, rule_name_reads_back, PC_LOGF_TEXT, PC_LOGF_JSON + 1);
	suite_add_tcase(s, tc);

	tc = tcase_create("floods");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, scan_random_sources_json);
	tcase_add_test(tc, clock_jumps);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(suite());
}
