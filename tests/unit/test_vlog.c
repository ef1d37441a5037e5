/* test_vlog.c - verdict log lines (text and JSON) and the rate limiter */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "helper_fixture.h"
#include "helper_pkt.h"
#include "logread.h"
#include "vlog.h"

#define SEC 1000000000ull

/* Formats rec in fmt and checks the exact line and the returned length. */
static void check_line(const struct pc_vlog_rec *rec, enum pc_log_format fmt, const char *want)
{
	char buf[PC_VLOG_LINE_MAX];
	size_t n = pc_vlog_format(buf, sizeof(buf), fmt, rec);

	ck_assert_str_eq(buf, want);
	ck_assert_uint_eq(n, strlen(want));
}

START_TEST(test_tcp)
{
	struct pc_pkt p = pc_test_pkt(6, "203.0.113.9", "198.51.100.2", PC_PKT_PORTS, 51234, 23, 60);
	struct pc_vlog_rec r = { .verdict = PC_DENY, .rule = "Deny TCP", .dir = PC_DIR_IN, .pkt = &p };

	check_line(&r, PC_LOGF_TEXT, "verdict=deny rule=\"Deny TCP\" dir=in proto=tcp "
		   "src=203.0.113.9 sport=51234 dst=198.51.100.2 dport=23 len=60");
	check_line(&r, PC_LOGF_JSON, "{\"verdict\":\"deny\",\"rule\":\"Deny TCP\",\"dir\":\"in\","
		   "\"proto\":\"tcp\",\"src\":\"203.0.113.9\",\"sport\":51234,"
		   "\"dst\":\"198.51.100.2\",\"dport\":23,\"len\":60}");
}
END_TEST

START_TEST(test_state_key_last)
{
	struct pc_pkt p = pc_test_pkt(6, "203.0.113.9", "198.51.100.2", PC_PKT_PORTS, 53, 5432, 44);
	struct pc_vlog_rec r = { .verdict = PC_DENY, .rule = "Deny TCP", .dir = PC_DIR_IN, .pkt = &p,
				 .state = PC_VSTATE_NEW };

	check_line(&r, PC_LOGF_TEXT, "verdict=deny rule=\"Deny TCP\" dir=in proto=tcp "
		   "src=203.0.113.9 sport=53 dst=198.51.100.2 dport=5432 len=44 state=new");
	r.state = PC_VSTATE_REVALIDATED;
	check_line(&r, PC_LOGF_JSON, "{\"verdict\":\"deny\",\"rule\":\"Deny TCP\",\"dir\":\"in\","
		   "\"proto\":\"tcp\",\"src\":\"203.0.113.9\",\"sport\":53,"
		   "\"dst\":\"198.51.100.2\",\"dport\":5432,\"len\":44,\"state\":\"revalidated\"}");
	r.state = PC_VSTATE_INVALID;
	r.rule = "(invalid)";
	check_line(&r, PC_LOGF_TEXT, "verdict=deny rule=\"(invalid)\" dir=in proto=tcp "
		   "src=203.0.113.9 sport=53 dst=198.51.100.2 dport=5432 len=44 state=invalid");
	ck_assert_ptr_null(pc_vlog_state_name(PC_VSTATE_NONE));
	ck_assert_str_eq(pc_vlog_state_name(PC_VSTATE_UNTRACKED), "untracked");
	ck_assert_ptr_null(pc_vlog_state_name(PC_VSTATE_MAX));
}
END_TEST

START_TEST(test_udp_v6_out)
{
	struct pc_pkt p = pc_test_pkt(17, "2001:db8::1", "2001:db8:0:1::53", PC_PKT_PORTS, 40000, 53,
				      1280);
	struct pc_vlog_rec r = { .verdict = PC_PERMIT, .rule = "DNS Client", .dir = PC_DIR_OUT,
				 .pkt = &p };

	check_line(&r, PC_LOGF_TEXT, "verdict=permit rule=\"DNS Client\" dir=out proto=udp "
		   "src=2001:db8::1 sport=40000 dst=2001:db8:0:1::53 dport=53 len=1280");
	check_line(&r, PC_LOGF_JSON, "{\"verdict\":\"permit\",\"rule\":\"DNS Client\",\"dir\":\"out\","
		   "\"proto\":\"udp\",\"src\":\"2001:db8::1\",\"sport\":40000,"
		   "\"dst\":\"2001:db8:0:1::53\",\"dport\":53,\"len\":1280}");
}
END_TEST

START_TEST(test_icmp)
{
	struct pc_pkt p = pc_test_pkt(1, "192.0.2.1", "198.51.100.2", PC_PKT_ICMP, 8, 0, 84);
	struct pc_pkt p6 = pc_test_pkt(58, "2001:db8::2", "2001:db8::1", PC_PKT_ICMP, 135, 0, 72);
	struct pc_vlog_rec r = { .verdict = PC_PERMIT, .rule = "ICMP", .dir = PC_DIR_IN, .pkt = &p };

	check_line(&r, PC_LOGF_TEXT, "verdict=permit rule=\"ICMP\" dir=in proto=icmp "
		   "src=192.0.2.1 dst=198.51.100.2 type=8 code=0 len=84");
	check_line(&r, PC_LOGF_JSON, "{\"verdict\":\"permit\",\"rule\":\"ICMP\",\"dir\":\"in\","
		   "\"proto\":\"icmp\",\"src\":\"192.0.2.1\",\"dst\":\"198.51.100.2\","
		   "\"type\":8,\"code\":0,\"len\":84}");
	r.pkt = &p6;
	r.verdict = PC_DENY;
	check_line(&r, PC_LOGF_TEXT, "verdict=deny rule=\"ICMP\" dir=in proto=icmpv6 "
		   "src=2001:db8::2 dst=2001:db8::1 type=135 code=0 len=72");
}
END_TEST

START_TEST(test_other_proto_and_fragment)
{
	struct pc_pkt gre = pc_test_pkt(47, "192.0.2.7", "198.51.100.2", 0, 0, 0, 100);
	struct pc_pkt frag = pc_test_pkt(6, "192.0.2.7", "198.51.100.2", PC_PKT_FRAG, 0, 0, 1500);
	struct pc_vlog_rec r = { .verdict = PC_DENY, .rule = "GRE", .dir = PC_DIR_OUT, .pkt = &gre };

	check_line(&r, PC_LOGF_TEXT, "verdict=deny rule=\"GRE\" dir=out proto=47 "
		   "src=192.0.2.7 dst=198.51.100.2 len=100");
	check_line(&r, PC_LOGF_JSON, "{\"verdict\":\"deny\",\"rule\":\"GRE\",\"dir\":\"out\","
		   "\"proto\":\"47\",\"src\":\"192.0.2.7\",\"dst\":\"198.51.100.2\",\"len\":100}");
	r.pkt = &frag;
	check_line(&r, PC_LOGF_TEXT, "verdict=deny rule=\"GRE\" dir=out proto=tcp "
		   "src=192.0.2.7 dst=198.51.100.2 len=1500");
}
END_TEST

START_TEST(test_default_rule)
{
	struct pc_pkt p = pc_test_pkt(17, "192.0.2.7", "198.51.100.2", PC_PKT_PORTS, 5353, 9, 33);
	struct pc_vlog_rec r = { .verdict = PC_DENY, .dir = PC_DIR_IN, .pkt = &p };

	check_line(&r, PC_LOGF_TEXT, "verdict=deny rule=- dir=in proto=udp "
		   "src=192.0.2.7 sport=5353 dst=198.51.100.2 dport=9 len=33");
	check_line(&r, PC_LOGF_JSON, "{\"verdict\":\"deny\",\"rule\":\"-\",\"dir\":\"in\","
		   "\"proto\":\"udp\",\"src\":\"192.0.2.7\",\"sport\":5353,"
		   "\"dst\":\"198.51.100.2\",\"dport\":9,\"len\":33}");
}
END_TEST

START_TEST(test_malformed)
{
	struct pc_vlog_rec r = { .verdict = PC_DENY, .rule = "ignored", .reason = "bad-ihl",
				 .dir = PC_DIR_IN, .len = 40 };

	check_line(&r, PC_LOGF_TEXT, "verdict=deny rule=\"(malformed)\" reason=bad-ihl dir=in len=40");
	check_line(&r, PC_LOGF_JSON, "{\"verdict\":\"deny\",\"rule\":\"(malformed)\","
		   "\"reason\":\"bad-ihl\",\"dir\":\"in\",\"len\":40}");
	r.dir = 0;
	check_line(&r, PC_LOGF_TEXT, "verdict=deny rule=\"(malformed)\" reason=bad-ihl dir=fwd len=40");
}
END_TEST

START_TEST(test_escaping)
{
	struct pc_pkt p = pc_test_pkt(47, "192.0.2.7", "198.51.100.2", 0, 0, 0, 20);
	struct pc_vlog_rec r = { .verdict = PC_PERMIT, .dir = PC_DIR_IN, .pkt = &p,
				 .rule = "a\"b\\c\n\t\r\x01\x1f\x7f \xc3\xa9\xe2\x82\xac\xff\xc3" };
	char buf[PC_VLOG_LINE_MAX];

	check_line(&r, PC_LOGF_JSON, "{\"verdict\":\"permit\","
		   "\"rule\":\"a\\\"b\\\\c\\n\\t\\r\\u0001\\u001f\\u007f \xc3\xa9\xe2\x82\xac\\u00ff\\u00c3\","
		   "\"dir\":\"in\",\"proto\":\"47\",\"src\":\"192.0.2.7\",\"dst\":\"198.51.100.2\",\"len\":20}");
	check_line(&r, PC_LOGF_TEXT, "verdict=permit "
		   "rule=\"a\\\"b\\\\c\\x0a\\x09\\x0d\\x01\\x1f\\x7f \xc3\xa9\xe2\x82\xac\xff\xc3\" "
		   "dir=in proto=47 src=192.0.2.7 dst=198.51.100.2 len=20");
	/* overlong and surrogate encodings are not valid UTF-8 */
	r.rule = "\xc0\xaf\xed\xa0\x80";
	pc_vlog_format(buf, sizeof(buf), PC_LOGF_JSON, &r);
	ck_assert_ptr_nonnull(strstr(buf, "\"rule\":\"\\u00c0\\u00af\\u00ed\\u00a0\\u0080\""));
}
END_TEST

START_TEST(test_short_buffer)
{
	struct pc_pkt p = pc_test_pkt(6, "203.0.113.9", "198.51.100.2", PC_PKT_PORTS, 51234, 23, 60);
	struct pc_vlog_rec r = { .verdict = PC_DENY, .rule = "Deny TCP", .dir = PC_DIR_IN, .pkt = &p };
	char full[PC_VLOG_LINE_MAX], buf[16];
	size_t n = pc_vlog_format(full, sizeof(full), PC_LOGF_TEXT, &r);

	memset(buf, 'x', sizeof(buf));
	ck_assert_uint_eq(pc_vlog_format(buf, 11, PC_LOGF_TEXT, &r), n);
	ck_assert_str_eq(buf, "verdict=de");
	ck_assert_int_eq(buf[11], 'x');
	ck_assert_uint_eq(pc_vlog_format(NULL, 0, PC_LOGF_JSON, &r) > 0, 1);
}
END_TEST

START_TEST(test_suppressed_format)
{
	char buf[64];

	ck_assert_uint_eq(pc_vlog_format_suppressed(buf, sizeof(buf), PC_LOGF_TEXT, 1234), 15);
	ck_assert_str_eq(buf, "suppressed=1234");
	pc_vlog_format_suppressed(buf, sizeof(buf), PC_LOGF_JSON, 7);
	ck_assert_str_eq(buf, "{\"suppressed\":7}");
}
END_TEST

/* A sink collecting lines. */
struct lines {
	unsigned n;
	char last[PC_VLOG_LINE_MAX];
	char all[8192];
};

static void collect(void *arg, const char *line, size_t len)
{
	struct lines *l = arg;

	ck_assert_uint_eq(len, strlen(line));
	l->n++;
	snprintf(l->last, sizeof(l->last), "%s", line);
	if (strlen(l->all) + len + 2 <= sizeof(l->all)) {
		strcat(l->all, line);
		strcat(l->all, "\n");
	}
}

static struct pc_vlog *sink_log(struct lines *l, unsigned rate, enum pc_log_format fmt)
{
	struct pc_vlog_cfg cfg = { .target = PC_LOGT_SYSLOG, .format = fmt, .rate = rate,
				   .sink = collect, .sink_arg = l };
	struct pc_vlog *vl;

	memset(l, 0, sizeof(*l));
	vl = pc_vlog_new(&cfg);
	ck_assert_ptr_nonnull(vl);
	return vl;
}

/* Offers n lines at now; returns how many were admitted (and written). */
static unsigned offer(struct pc_vlog *vl, unsigned n, uint64_t now)
{
	struct pc_vlog_rec r = { .verdict = PC_DENY, .reason = "truncated", .dir = PC_DIR_IN, .len = 1 };
	unsigned ok = 0;

	for (unsigned i = 0; i < n; i++)
		if (pc_vlog_admit(vl, now)) {
			pc_vlog_write(vl, &r);
			ok++;
		}
	return ok;
}

START_TEST(test_rate_limit)
{
	uint64_t t0 = 1000 * SEC;
	struct lines l;
	struct pc_vlog *vl = sink_log(&l, 5, PC_LOGF_TEXT);

	ck_assert_uint_eq(pc_vlog_deadline(vl), UINT64_MAX);
	ck_assert_uint_eq(offer(vl, 20, t0), 5);
	ck_assert_uint_eq(l.n, 5);
	ck_assert_str_eq(l.last, "verdict=deny rule=\"(malformed)\" reason=truncated dir=in len=1");
	ck_assert_uint_eq(pc_vlog_deadline(vl), t0 + SEC);
	pc_vlog_tick(vl, t0 + SEC / 2);
	ck_assert_uint_eq(l.n, 5);
	/* 0.5 s later the bucket holds 2.5 tokens */
	ck_assert_uint_eq(offer(vl, 10, t0 + SEC / 2), 2);
	pc_vlog_tick(vl, t0 + SEC - 1);
	ck_assert_uint_eq(l.n, 7);
	pc_vlog_tick(vl, t0 + SEC);
	ck_assert_uint_eq(l.n, 8);
	ck_assert_str_eq(l.last, "suppressed=23");
	ck_assert_uint_eq(pc_vlog_deadline(vl), UINT64_MAX);
	pc_vlog_tick(vl, t0 + 5 * SEC);
	ck_assert_uint_eq(l.n, 8);
	ck_assert_uint_eq(pc_vlog_suppressed_total(vl), 23);
	pc_vlog_free(vl);
}
END_TEST

/* A steady flood: one second at a time, rate lines then one suppressed=N. */
START_TEST(test_rate_flood)
{
	uint64_t t0 = 5 * SEC;
	struct lines l;
	struct pc_vlog *vl = sink_log(&l, 3, PC_LOGF_JSON);
	unsigned admitted = 0, reports = 0;

	/* 100 offers per second, at 10 ms steps, for 4 seconds */
	for (unsigned i = 0; i < 400; i++) {
		admitted += offer(vl, 1, t0 + i * (SEC / 100));
		pc_vlog_tick(vl, t0 + i * (SEC / 100));
	}
	/* burst of 3, then 3 per second refilled over the 3.99 s that follow */
	ck_assert_uint_ge(admitted, 3 + 11);
	ck_assert_uint_le(admitted, 3 + 12);
	ck_assert_ptr_nonnull(strstr(l.all, "{\"suppressed\":"));
	/* 3 reports (at 1, 2, 3 s) */
	for (const char *s = l.all; (s = strstr(s, "suppressed")); s++)
		reports++;
	ck_assert_uint_eq(reports, 3);
	ck_assert_uint_eq(l.n, admitted + reports);
	ck_assert_uint_eq(admitted + pc_vlog_suppressed_total(vl), 400);
	pc_vlog_free(vl); /* flushes the last partial second */
	ck_assert_uint_eq(l.n, admitted + reports + 1);
}
END_TEST

START_TEST(test_rate_clamped)
{
	struct lines l;
	struct pc_vlog *vl = sink_log(&l, 4000000000u, PC_LOGF_TEXT);

	ck_assert_uint_eq(offer(vl, 1000, SEC), 1000);
	pc_vlog_free(vl);
}
END_TEST

START_TEST(test_file_target_reopen)
{
	char path[PATH_MAX], moved[PATH_MAX];
	struct pc_vlog_rec r = { .verdict = PC_DENY, .reason = "truncated", .dir = PC_DIR_OUT, .len = 3 };
	struct pc_vlog_cfg cfg = { .target = PC_LOGT_FILE, .file = path, .format = PC_LOGF_TEXT,
				   .rate = 10 };
	struct pc_vlog *vl;
	struct stat sb;
	const char *text;

	pc_test_path("verdicts.log", path, sizeof(path));
	pc_test_path("verdicts.log.1", moved, sizeof(moved));
	vl = pc_vlog_new(&cfg);
	ck_assert_ptr_nonnull(vl);
	ck_assert(pc_vlog_same(vl, &cfg));
	ck_assert(pc_vlog_admit(vl, SEC));
	pc_vlog_write(vl, &r);
	text = pc_test_slurp(path);
	ck_assert_int_eq(strncmp(text, "time=", 5), 0);
	ck_assert_uint_eq(strlen(text), strlen("time=2000-01-01T00:00:00.000Z ") +
			  strlen("verdict=deny rule=\"(malformed)\" reason=truncated dir=out len=3\n"));
	ck_assert_str_eq(text + 30, "verdict=deny rule=\"(malformed)\" reason=truncated dir=out len=3\n");
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0640);
	ck_assert_int_eq(rename(path, moved), 0);
	ck_assert_int_eq(pc_vlog_reopen(vl), 0);
	ck_assert(pc_vlog_admit(vl, SEC));
	pc_vlog_write(vl, &r);
	ck_assert_int_eq(strncmp(pc_test_slurp(path), "time=", 5), 0);
	ck_assert_int_eq(unlink(moved), 0);
	pc_vlog_free(vl);
}
END_TEST

/* A full disk (here: RLIMIT_FSIZE, which makes writes short the same way)
 * must never leave a partial line for the next one to join: every line of
 * the file parses, the lost ones are counted, logging resumes with room. */
START_TEST(test_file_full_keeps_lines_whole)
{
	char path[PATH_MAX], err[128];
	struct pc_vlog_cfg cfg = { .target = PC_LOGT_FILE, .file = path, .format = _i ? PC_LOGF_JSON
										     : PC_LOGF_TEXT,
				   .rate = 1000000 };
	struct pc_pkt p = pc_test_pkt(6, "203.0.113.9", "198.51.100.2", PC_PKT_PORTS, 51234, 23, 60);
	struct pc_vlog_rec r = { .verdict = PC_DENY, .rule = "Deny TCP", .dir = PC_DIR_IN, .pkt = &p };
	struct rlimit old, lim;
	struct pc_vlog *vl;
	size_t lines = 0;

	pc_test_path(_i ? "full.json" : "full.log", path, sizeof(path));
	ck_assert(signal(SIGXFSZ, SIG_IGN) != SIG_ERR);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	vl = pc_vlog_new(&cfg);
	ck_assert_ptr_nonnull(vl);
	lim = old;
	lim.rlim_cur = 1000; /* no line is 1000 bytes: one is cut */
	/* no ck_assert while the limit holds: check's own messages go to a file */
	int limited = setrlimit(RLIMIT_FSIZE, &lim), admitted = 0;
	for (int i = 0; i < 40; i++) {
		admitted += pc_vlog_admit(vl, SEC);
		pc_vlog_write(vl, &r);
	}
	int restored = setrlimit(RLIMIT_FSIZE, &old); /* space returns */
	ck_assert_int_eq(limited, 0);
	ck_assert_int_eq(restored, 0);
	ck_assert_int_eq(admitted, 40);
	uint64_t errors = pc_vlog_write_errors(vl);
	ck_assert_uint_gt(errors, 0);
	ck_assert_uint_lt(errors, 40);
	for (int i = 0; i < 5; i++) {
		ck_assert(pc_vlog_admit(vl, SEC));
		pc_vlog_write(vl, &r);
	}
	ck_assert_uint_eq(pc_vlog_write_errors(vl), errors);
	pc_vlog_free(vl);

	const char *text = pc_test_slurp(path);
	for (const char *l = text; *l; lines++) {
		const char *nl = strchr(l, '\n');
		struct pc_logrec rec;

		ck_assert_msg(nl != NULL, "the file ends in a partial line: '%s'", l);
		ck_assert_msg(pc_logread_parse(l, (size_t)(nl - l), 0, &rec, err, sizeof(err)) == 0,
			      "line %zu: %s: '%.*s'", lines + 1, err, (int)(nl - l), l);
		l = nl + 1;
	}
	ck_assert_uint_eq(lines, 40 - errors + 5);
}
END_TEST

START_TEST(test_file_target_json_and_errors)
{
	char path[PATH_MAX];
	struct pc_vlog_cfg cfg = { .target = PC_LOGT_FILE, .file = path, .format = PC_LOGF_JSON,
				   .rate = 1 };
	struct pc_vlog_cfg other = cfg;
	struct pc_vlog *vl;
	const char *text;

	pc_test_path("no/such/dir", path, sizeof(path));
	ck_assert_ptr_null(pc_vlog_new(&cfg));
	cfg.file = NULL;
	ck_assert_ptr_null(pc_vlog_new(&cfg));
	cfg.file = path;
	pc_test_path("v.json", path, sizeof(path));
	vl = pc_vlog_new(&cfg);
	ck_assert_ptr_nonnull(vl);
	ck_assert(pc_vlog_admit(vl, SEC));
	ck_assert(!pc_vlog_admit(vl, SEC));
	pc_vlog_free(vl); /* writes {"suppressed":1} */
	text = pc_test_slurp(path);
	ck_assert_int_eq(strncmp(text, "{\"time\":\"", 9), 0);
	ck_assert_ptr_nonnull(strstr(text, "Z\",\"suppressed\":1}\n"));
	vl = pc_vlog_new(&cfg);
	other.format = PC_LOGF_TEXT;
	ck_assert(!pc_vlog_same(vl, &other));
	other = cfg;
	other.rate = 2;
	ck_assert(!pc_vlog_same(vl, &other));
	other = cfg;
	other.target = PC_LOGT_STDERR;
	ck_assert(!pc_vlog_same(vl, &other));
	pc_vlog_free(vl);
}
END_TEST

static Suite *vlog_suite(void)
{
	Suite *s = suite_create("vlog");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, test_tcp);
	tcase_add_test(tc, test_state_key_last);
	tcase_add_test(tc, test_udp_v6_out);
	tcase_add_test(tc, test_icmp);
	tcase_add_test(tc, test_other_proto_and_fragment);
	tcase_add_test(tc, test_default_rule);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_short_buffer);
	tcase_add_test(tc, test_suppressed_format);
	suite_add_tcase(s, tc);
	tc = tcase_create("rate");
	tcase_add_test(tc, test_rate_limit);
	tcase_add_test(tc, test_rate_flood);
	tcase_add_test(tc, test_rate_clamped);
	suite_add_tcase(s, tc);
	tc = tcase_create("target");
	tcase_add_unchecked_fixture(tc, pc_test_base_make, pc_test_base_remove);
	tcase_add_checked_fixture(tc, pc_test_dir_make, NULL);
	tcase_add_test(tc, test_file_target_reopen);
	tcase_add_test(tc, test_file_target_json_and_errors);
	tcase_add_loop_test(tc, test_file_full_keeps_lines_whole, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(vlog_suite());
}
