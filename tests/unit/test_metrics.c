/* test_metrics.c - the Prometheus metrics: the exact text, label escaping of
 * odd rule names, the atomic write (never through a symlink) */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper_fixture.h"
#include "metrics.h"

static struct pc_status_rule rules[] = {
	{ "SSH Server", 17 },
	{ "Deny TCP", 18446744073709551615ull },
};

static struct pc_status_queue queues[] = { { 2, 600 }, { 3, 401 } };

/* Every number distinct. */
static struct pc_status sample(void)
{
	struct pc_status st = {
		.version = PC_STATUS_VERSION, .pid = 4242, .seq = 7, .written = 1700000100,
		.start_time = 1700000000, .running = true, .queue_lo = 2, .queue_hi = 3,
		.policy = "/etc/portcullis/portcullis.conf", .rules = 40, .enabled = 5,
		.reload_generation = 3, .reloads_ok = 2, .reloads_failed = 1,
		.last_reload_time = 1700000050, .last_reload_result = PC_RELOAD_OK,
		.last_reload_ms = 1187, .packets = 1001, .permitted = 700, .denied = 301,
		.malformed = 11, .forwarded = 12, .default_hits = 13, .enobufs = 14,
		.queue_dropped = 15, .user_dropped = 16, .verdict_errors = 19,
		.bad_messages = 21, .log_suppressed = 20, .stateful = true, .connections = 22,
		.revalidated = 23, .invalid = 24, .untracked = 25, .conntrack_count = 26,
		.conntrack_max = 262144, .fast_swept = 27, .fast_sweep_errors = 28,
		.rule = rules, .n_rule = sizeof(rules) / sizeof(rules[0]),
		.queue = queues, .n_queue = sizeof(queues) / sizeof(queues[0]),
	};
	return st;
}

static const char expected[] =
	"# HELP portcullis_build_info The version of portcullisd, as a label.\n"
	"# TYPE portcullis_build_info gauge\n"
	"portcullis_build_info{version=\"" PC_VERSION "\"} 1\n"
	"# HELP portcullis_running 1 while portcullisd runs; 0 in the last write before it "
	"stopped.\n"
	"# TYPE portcullis_running gauge\n"
	"portcullis_running 1\n"
	"# HELP portcullis_start_time_seconds Unix time portcullisd started.\n"
	"# TYPE portcullis_start_time_seconds gauge\n"
	"portcullis_start_time_seconds 1700000000\n"
	"# HELP portcullis_packets_total Packets decided (permitted and denied).\n"
	"# TYPE portcullis_packets_total counter\n"
	"portcullis_packets_total 1001\n"
	"# HELP portcullis_verdicts_total Packets decided, by verdict.\n"
	"# TYPE portcullis_verdicts_total counter\n"
	"portcullis_verdicts_total{verdict=\"permit\"} 700\n"
	"portcullis_verdicts_total{verdict=\"deny\"} 301\n"
	"# HELP portcullis_default_verdicts_total Packets no rule matched: the default decided "
	"them.\n"
	"# TYPE portcullis_default_verdicts_total counter\n"
	"portcullis_default_verdicts_total 13\n"
	"# HELP portcullis_malformed_packets_total Packets the parser rejected (dropped, "
	"counted as denied).\n"
	"# TYPE portcullis_malformed_packets_total counter\n"
	"portcullis_malformed_packets_total 11\n"
	"# HELP portcullis_forwarded_packets_total Packets from the FORWARD hook (decided by the "
	"default).\n"
	"# TYPE portcullis_forwarded_packets_total counter\n"
	"portcullis_forwarded_packets_total 12\n"
	"# HELP portcullis_connections_total New connections decided by their first packet "
	"(stateful = yes).\n"
	"# TYPE portcullis_connections_total counter\n"
	"portcullis_connections_total 22\n"
	"# HELP portcullis_revalidated_connections_total Live connections judged again after a "
	"reload.\n"
	"# TYPE portcullis_revalidated_connections_total counter\n"
	"portcullis_revalidated_connections_total 23\n"
	"# HELP portcullis_invalid_packets_total Packets of no connection (dropped).\n"
	"# TYPE portcullis_invalid_packets_total counter\n"
	"portcullis_invalid_packets_total 24\n"
	"# HELP portcullis_untracked_packets_total Packets conntrack does not track (decided on "
	"their own).\n"
	"# TYPE portcullis_untracked_packets_total counter\n"
	"portcullis_untracked_packets_total 25\n"
	"# HELP portcullis_fast_path_swept_total Connections idle through a wrap of the "
	"generations, cleared to be judged again.\n"
	"# TYPE portcullis_fast_path_swept_total counter\n"
	"portcullis_fast_path_swept_total 27\n"
	"# HELP portcullis_fast_path_sweep_errors_total Conntrack sweeps that failed and entries "
	"they could not clear.\n"
	"# TYPE portcullis_fast_path_sweep_errors_total counter\n"
	"portcullis_fast_path_sweep_errors_total 28\n"
	"# HELP portcullis_queue_dropped_total Packets the kernel dropped because a queue was "
	"full.\n"
	"# TYPE portcullis_queue_dropped_total counter\n"
	"portcullis_queue_dropped_total 15\n"
	"# HELP portcullis_queue_user_dropped_total Packets the kernel could not deliver to the "
	"daemon's socket.\n"
	"# TYPE portcullis_queue_user_dropped_total counter\n"
	"portcullis_queue_user_dropped_total 16\n"
	"# HELP portcullis_queue_enobufs_total Receives that reported ENOBUFS (the socket "
	"overflowed).\n"
	"# TYPE portcullis_queue_enobufs_total counter\n"
	"portcullis_queue_enobufs_total 14\n"
	"# HELP portcullis_verdict_errors_total Verdicts the kernel did not take.\n"
	"# TYPE portcullis_verdict_errors_total counter\n"
	"portcullis_verdict_errors_total 19\n"
	"# HELP portcullis_bad_messages_total Messages from the kernel that could not be "
	"parsed.\n"
	"# TYPE portcullis_bad_messages_total counter\n"
	"portcullis_bad_messages_total 21\n"
	"# HELP portcullis_log_suppressed_total Verdict log lines left out by log-rate.\n"
	"# TYPE portcullis_log_suppressed_total counter\n"
	"portcullis_log_suppressed_total 20\n"
	"# HELP portcullis_rules Rules of the policy in service.\n"
	"# TYPE portcullis_rules gauge\n"
	"portcullis_rules 40\n"
	"# HELP portcullis_rules_enabled Enabled rules of the policy in service.\n"
	"# TYPE portcullis_rules_enabled gauge\n"
	"portcullis_rules_enabled 5\n"
	"# HELP portcullis_reloads_total Reload attempts (SIGHUP), by result.\n"
	"# TYPE portcullis_reloads_total counter\n"
	"portcullis_reloads_total{result=\"ok\"} 2\n"
	"portcullis_reloads_total{result=\"failed\"} 1\n"
	"# HELP portcullis_last_reload_timestamp_seconds Unix time of the last reload attempt "
	"(0: none yet).\n"
	"# TYPE portcullis_last_reload_timestamp_seconds gauge\n"
	"portcullis_last_reload_timestamp_seconds 1700000050\n"
	"# HELP portcullis_last_reload_success 0 when the last reload attempt was refused (the old "
	"policy serves on), else 1.\n"
	"# TYPE portcullis_last_reload_success gauge\n"
	"portcullis_last_reload_success 1\n"
	"# HELP portcullis_last_reload_duration_seconds How long the last reload attempt took, "
	"from the signal to its outcome.\n"
	"# TYPE portcullis_last_reload_duration_seconds gauge\n"
	"portcullis_last_reload_duration_seconds 1.187\n"
	"# HELP portcullis_conntrack_entries Connections in the kernel's conntrack table "
	"(nf_conntrack_count).\n"
	"# TYPE portcullis_conntrack_entries gauge\n"
	"portcullis_conntrack_entries 26\n"
	"# HELP portcullis_conntrack_entries_limit The conntrack table's size "
	"(nf_conntrack_max).\n"
	"# TYPE portcullis_conntrack_entries_limit gauge\n"
	"portcullis_conntrack_entries_limit 262144\n"
	"# HELP portcullis_queue_packets_total Packets decided, by NFQUEUE queue number.\n"
	"# TYPE portcullis_queue_packets_total counter\n"
	"portcullis_queue_packets_total{queue=\"2\"} 600\n"
	"portcullis_queue_packets_total{queue=\"3\"} 401\n"
	"# HELP portcullis_rule_hits_total Packets (stateful: connections) each rule of the policy "
	"in service decided.\n"
	"# TYPE portcullis_rule_hits_total counter\n"
	"portcullis_rule_hits_total{rule=\"SSH Server\"} 17\n"
	"portcullis_rule_hits_total{rule=\"Deny TCP\"} 18446744073709551615\n";

/* The metrics of st, malloc'd. */
static char *format(const struct pc_status *st)
{
	struct pc_strbuf w;
	char *text;

	pc_strbuf_init_heap(&w);
	pc_metrics_format(&w, st);
	text = pc_strbuf_take(&w, NULL);
	ck_assert_ptr_nonnull(text);
	return text;
}

START_TEST(test_exact)
{
	struct pc_status st = sample();
	char *text = format(&st);

	ck_assert_str_eq(text, expected);
	free(text);
}
END_TEST

/* The lines of text that start with prefix, joined. */
static char *lines_of(const char *text, const char *prefix)
{
	struct pc_strbuf w;
	size_t n = strlen(prefix);

	pc_strbuf_init_heap(&w);
	for (const char *p = text; *p; ) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);

		if (!strncmp(p, prefix, n))
			pc_strbuf_put(&w, p, len);
		p += len;
	}
	return pc_strbuf_take(&w, NULL);
}

/* Rule names the loader refuses (", \, newline) still come out as valid
 * label values; so do bytes that are not UTF-8. */
static struct pc_status_rule odd[] = {
	{ "Say \"hi\"", 1 },
	{ "back\\slash\\", 2 },
	{ "two\nlines", 3 },
	{ "Z\xc3\xbcrich \xe2\x82\xac \xf0\x9f\x94\xa5", 4 }, /* valid: kept */
	{ "bad \xff byte", 5 },
	{ "cut \xc3", 6 },                /* a sequence cut short at the end */
	{ "overlong \xc0\xaf", 7 },       /* '/' in two bytes */
	{ "surrogate \xed\xa0\x80", 8 },
	{ "past max \xf4\x90\x80\x80", 9 },
	{ "", 10 },
	{ "tab\there {x=\"y\"} #", 11 },
};

START_TEST(test_label_escaping)
{
	struct pc_status st = sample();
	char *text, *got;

	st.rule = odd;
	st.n_rule = sizeof(odd) / sizeof(odd[0]);
	text = format(&st);
	got = lines_of(text, "portcullis_rule_hits_total{");
	ck_assert_str_eq(got,
		"portcullis_rule_hits_total{rule=\"Say \\\"hi\\\"\"} 1\n"
		"portcullis_rule_hits_total{rule=\"back\\\\slash\\\\\"} 2\n"
		"portcullis_rule_hits_total{rule=\"two\\nlines\"} 3\n"
		"portcullis_rule_hits_total{rule=\"Z\xc3\xbcrich \xe2\x82\xac "
		"\xf0\x9f\x94\xa5\"} 4\n"
		"portcullis_rule_hits_total{rule=\"bad \xef\xbf\xbd byte\"} 5\n"
		"portcullis_rule_hits_total{rule=\"cut \xef\xbf\xbd\"} 6\n"
		"portcullis_rule_hits_total{rule=\"overlong \xef\xbf\xbd\xef\xbf\xbd\"} 7\n"
		"portcullis_rule_hits_total{rule=\"surrogate "
		"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"} 8\n"
		"portcullis_rule_hits_total{rule=\"past max \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		"\xef\xbf\xbd\"} 9\n"
		"portcullis_rule_hits_total{rule=\"\"} 10\n"
		"portcullis_rule_hits_total{rule=\"tab\there {x=\\\"y\\\"} #\"} 11\n");
	free(got);
	free(text);
}
END_TEST

/* A daemon that stopped, never reloaded, without conntrack: running 0,
 * the reload gauges at their "none" values, no conntrack family, and the
 * per-queue and per-rule families still announced, empty. */
START_TEST(test_stopped_and_unknowns)
{
	struct pc_status st = { .version = PC_STATUS_VERSION, .running = false, .start_time = -5 };
	char *text = format(&st), *got;

	got = lines_of(text, "portcullis_");
	ck_assert_ptr_nonnull(strstr(got, "portcullis_running 0\n"));
	ck_assert_ptr_nonnull(strstr(got, "portcullis_start_time_seconds 0\n"));
	ck_assert_ptr_nonnull(strstr(got, "portcullis_last_reload_timestamp_seconds 0\n"));
	ck_assert_ptr_nonnull(strstr(got, "portcullis_last_reload_success 1\n"));
	ck_assert_ptr_nonnull(strstr(got, "portcullis_last_reload_duration_seconds 0.000\n"));
	ck_assert_ptr_null(strstr(text, "portcullis_conntrack_entries"));
	ck_assert_ptr_nonnull(strstr(text, "# TYPE portcullis_rule_hits_total counter\n"));
	ck_assert_ptr_null(strstr(got, "portcullis_rule_hits_total{"));
	free(got);
	st.last_reload_result = PC_RELOAD_FAILED;
	st.last_reload_ms = 45;
	free(text);
	text = format(&st);
	ck_assert_ptr_nonnull(strstr(text, "\nportcullis_last_reload_success 0\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nportcullis_last_reload_duration_seconds 0.045\n"));
	free(text);
}
END_TEST

/* Every sample line names a family announced by TYPE just before its
 * samples, every counter ends in _total, and no family comes twice. */
START_TEST(test_families)
{
	struct pc_status st = sample();
	char *text = format(&st), *save = NULL, fam[128] = "";
	char seen[64][128];
	size_t nseen = 0;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[128], type[16];

		if (sscanf(line, "# TYPE %127s %15s", name, type) == 2) {
			for (size_t i = 0; i < nseen; i++)
				ck_assert_str_ne(seen[i], name);
			ck_assert_uint_lt(nseen, 64);
			strcpy(seen[nseen++], name);
			strcpy(fam, name);
			if (!strcmp(type, "counter"))
				ck_assert_str_eq(name + strlen(name) - 6, "_total");
			else
				ck_assert_str_eq(type, "gauge");
			continue;
		}
		if (line[0] == '#')
			continue;
		ck_assert_msg(!strncmp(line, fam, strlen(fam)) &&
			      (line[strlen(fam)] == ' ' || line[strlen(fam)] == '{'),
			      "'%s' is not of family %s", line, fam);
	}
	ck_assert_uint_ge(nseen, 25);
	free(text);
}
END_TEST

/* ---- the file ---- */

static char dir[] = "/tmp/pc-metrics-XXXXXX";
static char path[256];

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/portcullis.prom", dir);
}

static void teardown(void)
{
	char other[300];

	unlink(path);
	snprintf(other, sizeof(other), "%s/target", dir);
	unlink(other);
	ck_assert_int_eq(rmdir(dir), 0); /* fails when a temporary file was left */
	strcpy(dir, "/tmp/pc-metrics-XXXXXX");
}

static char *slurp(const char *p)
{
	FILE *f = fopen(p, "r");
	char *buf = calloc(1, 1 << 16);

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(buf);
	fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	return buf;
}

START_TEST(test_write)
{
	struct pc_status st = sample();
	struct stat sb;
	char *text;

	ck_assert_int_eq(pc_metrics_write(path, &st), 0);
	text = slurp(path);
	ck_assert_str_eq(text, expected);
	free(text);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0644);
	st.packets = 5;
	ck_assert_int_eq(pc_metrics_write(path, &st), 0);
	text = slurp(path);
	ck_assert_ptr_nonnull(strstr(text, "\nportcullis_packets_total 5\n"));
	free(text);
}
END_TEST

/* A symlink planted at the path is replaced, its target left alone. */
START_TEST(test_write_symlink)
{
	struct pc_status st = sample();
	char target[300], *text;
	struct stat sb;

	snprintf(target, sizeof(target), "%s/target", dir);
	pc_test_write(target, "keep\n", 5);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(pc_metrics_write(path, &st), 0);
	ck_assert_int_eq(lstat(path, &sb), 0);
	ck_assert(S_ISREG(sb.st_mode));
	text = slurp(target);
	ck_assert_str_eq(text, "keep\n");
	free(text);
}
END_TEST

START_TEST(test_write_errors)
{
	struct pc_status st = sample();
	char bad[300];

	snprintf(bad, sizeof(bad), "%s/missing/portcullis.prom", dir);
	errno = 0;
	ck_assert_int_eq(pc_metrics_write(bad, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(mkdir(path, 0755), 0); /* rename onto a directory fails */
	errno = 0;
	ck_assert_int_eq(pc_metrics_write(path, &st), -1);
	ck_assert_int_eq(errno, EISDIR);
	ck_assert_int_eq(rmdir(path), 0);
}
END_TEST

static Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("format");
	TCase *tf = tcase_create("file");

	tcase_add_test(tc, test_exact);
	tcase_add_test(tc, test_label_escaping);
	tcase_add_test(tc, test_stopped_and_unknowns);
	tcase_add_test(tc, test_families);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tf, setup, teardown);
	tcase_add_test(tf, test_write);
	tcase_add_test(tf, test_write_symlink);
	tcase_add_test(tf, test_write_errors);
	suite_add_tcase(s, tf);
	return s;
}

int main(void)
{
	return pc_test_run(metrics_suite());
}
