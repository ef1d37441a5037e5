/* test_logread.c - reading verdict log lines back: both formats, every
 * packet kind, escapes, syslog/journal prefixes, garbage, truncation.
 * Every line is parsed from an exactly sized heap copy without a NUL, so
 * ASan reports any read past the line. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "helper_fixture.h"
#include "helper_pkt.h"
#include "logread.h"
#include "vlogline.h"

static struct pc_logrec rec;
static char err[160];
static int64_t now; /* 2026-11-28T13:19:53Z */

static void setup(void)
{
	now = pc_test_utc_now();
}

static int parse_n(const char *s, size_t len)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, len);
	err[0] = '\0';
	rc = pc_logread_parse(copy, len, now, &rec, err, sizeof(err));
	free(copy);
	return rc;
}

static int parse(const char *s)
{
	return parse_n(s, strlen(s));
}

static void parse_ok(const char *s)
{
	if (parse(s) < 0)
		ck_abort_msg("'%s' did not parse: %s", s, err);
}

static void parse_bad(const char *s, const char *why)
{
	if (parse(s) == 0)
		ck_abort_msg("'%s' parsed", s);
	if (!strstr(err, why))
		ck_abort_msg("'%s': error '%s' does not say '%s'", s, err, why);
}

static void check_addr(const uint8_t *addr, const char *want)
{
	char buf[PC_ADDR_STRLEN];

	pc_addr_format(rec.family, addr, buf, sizeof(buf));
	ck_assert_str_eq(buf, want);
}

static const char issue_text[] = "verdict=deny rule=\"Deny TCP\" dir=in proto=tcp src=203.0.113.9 "
				 "sport=51234 dst=198.51.100.2 dport=23 len=60";
static const char issue_json[] = "{\"verdict\":\"deny\",\"rule\":\"Deny TCP\",\"dir\":\"in\","
				 "\"proto\":\"tcp\",\"src\":\"203.0.113.9\",\"sport\":51234,"
				 "\"dst\":\"198.51.100.2\",\"dport\":23,\"len\":60}";

static void check_issue_record(void)
{
	ck_assert_int_eq(rec.kind, PC_LOGREC_VERDICT);
	ck_assert_int_eq(rec.verdict, PC_DENY);
	ck_assert_str_eq(rec.rule, "Deny TCP");
	ck_assert_uint_eq(rec.has & ~PC_LR_TIME, PC_LR_PACKET | PC_LR_PORTS);
	ck_assert_uint_eq(rec.dir, PC_DIR_IN);
	ck_assert_uint_eq(rec.proto, 6);
	ck_assert_uint_eq(rec.family, PC_FAM_V4);
	check_addr(rec.src, "203.0.113.9");
	check_addr(rec.dst, "198.51.100.2");
	ck_assert_uint_eq(rec.sport, 51234);
	ck_assert_uint_eq(rec.dport, 23);
	ck_assert_uint_eq(rec.len, 60);
}

START_TEST(issue_example_both_formats)
{
	parse_ok(issue_text);
	check_issue_record();
	parse_ok(issue_json);
	check_issue_record();
}
END_TEST

START_TEST(json_whitespace_and_key_order)
{
	parse_ok("  { \"len\" : 60 , \"dport\":23,\"dst\":\"198.51.100.2\",\"sport\":51234,"
		 "\"src\":\"203.0.113.9\",\t\"proto\":\"tcp\",\"dir\":\"in\",\"rule\":\"Deny TCP\","
		 "\"verdict\":\"deny\" }  \r\n");
	check_issue_record();
	parse_ok("dir=in len=60 verdict=deny dport=23 rule=\"Deny TCP\" proto=tcp sport=51234 "
		 "src=203.0.113.9 dst=198.51.100.2\n");
	check_issue_record();
}
END_TEST

/* ---- round trip through vlog.c's formatter ---- */

static void check_packet_fields(const struct pc_pkt *p)
{
	unsigned want = PC_LR_PACKET;

	if (p->flags & PC_PKT_PORTS)
		want |= PC_LR_PORTS;
	if (p->flags & PC_PKT_ICMP)
		want |= PC_LR_ICMP;
	ck_assert_uint_eq(rec.has & ~PC_LR_DEFAULT, want);
	ck_assert_uint_eq(rec.proto, p->proto);
	ck_assert_uint_eq(rec.family, p->family);
	ck_assert_mem_eq(rec.src, p->src, 16);
	ck_assert_mem_eq(rec.dst, p->dst, 16);
	ck_assert_uint_eq(rec.sport, p->flags & PC_PKT_PORTS ? p->sport : 0);
	ck_assert_uint_eq(rec.dport, p->flags & PC_PKT_PORTS ? p->dport : 0);
	ck_assert_uint_eq(rec.type, p->flags & PC_PKT_ICMP ? p->icmp_type : 0);
	ck_assert_uint_eq(rec.code, p->flags & PC_PKT_ICMP ? p->icmp_code : 0);
	ck_assert_uint_eq(rec.len, p->len);
}

/* Formats r in fmt, parses it back and compares every field; rule_back is
 * the name the reader must give (NULL: r->rule, or "-" for the default). */
static void round_trip(const struct pc_vlog_rec *r, enum pc_log_format fmt, const char *rule_back)
{
	char line[PC_VLOG_LINE_MAX];
	size_t n = pc_vlog_format(line, sizeof(line), fmt, r);

	ck_assert_uint_lt(n, sizeof(line));
	if (parse_n(line, n) < 0)
		ck_abort_msg("'%s' did not parse back: %s", line, err);
	ck_assert_int_eq(rec.kind, PC_LOGREC_VERDICT);
	ck_assert_int_eq(rec.verdict, r->verdict);
	ck_assert_uint_eq(rec.dir, r->dir);
	ck_assert_uint_eq(rec.state, r->state);
	if (r->reason) {
		ck_assert_uint_eq(rec.has, PC_LR_REASON);
		ck_assert_str_eq(rec.rule, "(malformed)");
		ck_assert_str_eq(rec.reason, r->reason);
		ck_assert_uint_eq(rec.len, r->len);
		return;
	}
	ck_assert_int_eq(!!(rec.has & PC_LR_DEFAULT), r->rule == NULL);
	ck_assert_str_eq(rec.rule, rule_back ? rule_back : r->rule ? r->rule : "-");
	check_packet_fields(r->pkt);
}

static void round_trip_both(const struct pc_vlog_rec *r)
{
	round_trip(r, PC_LOGF_TEXT, NULL);
	round_trip(r, PC_LOGF_JSON, NULL);
}

START_TEST(every_packet_kind_round_trips)
{
	struct pc_pkt pkts[] = {
		pc_test_pkt(6, "203.0.113.9", "198.51.100.2", PC_PKT_PORTS, 51234, 23, 60),
		pc_test_pkt(17, "2001:db8::1", "2001:db8:0:1::53", PC_PKT_PORTS, 40000, 53, 1280),
		pc_test_pkt(17, "192.0.2.1", "198.51.100.2", PC_PKT_PORTS, 0, 65535, 28),
		pc_test_pkt(1, "192.0.2.1", "198.51.100.2", PC_PKT_ICMP, 8, 0, 84),
		pc_test_pkt(1, "192.0.2.1", "198.51.100.2", PC_PKT_ICMP, 3, 4, 576),
		pc_test_pkt(58, "2001:db8::2", "2001:db8::1", PC_PKT_ICMP, 135, 0, 72),
		pc_test_pkt(58, "fe80::1", "ff02::1", PC_PKT_ICMP, 255, 255, 4294967295u),
		pc_test_pkt(47, "192.0.2.7", "198.51.100.2", 0, 0, 0, 100),
		pc_test_pkt(0, "2001:db8::7", "2001:db8::8", 0, 0, 0, 40),
		pc_test_pkt(6, "192.0.2.7", "198.51.100.2", PC_PKT_FRAG, 0, 0, 1500),
		pc_test_pkt(58, "2001:db8::7", "2001:db8::8", PC_PKT_FRAG, 0, 0, 1280),
		pc_test_pkt(132, "2001:db8::7", "2001:db8::8", 0, 0, 0, 52),
	};
	static const uint8_t dirs[] = { PC_DIR_IN, PC_DIR_OUT, 0 };

	for (size_t i = 0; i < sizeof(pkts) / sizeof(pkts[0]); i++)
		for (size_t d = 0; d < 3; d++) {
			struct pc_vlog_rec r = { .verdict = i % 2 ? PC_PERMIT : PC_DENY,
						 .rule = "HTTP Server", .dir = dirs[d],
						 .pkt = &pkts[i] };

			round_trip_both(&r);
			r.rule = NULL; /* the default decided */
			round_trip_both(&r);
			r.state = (enum pc_vlog_state)(1 + (i + d) % (PC_VSTATE_MAX - 1));
			round_trip_both(&r);
		}
}
END_TEST

START_TEST(malformed_round_trips)
{
	static const char *const reasons[] = { "truncated", "bad-ihl", "bad-exthdr" };

	for (size_t i = 0; i < 3; i++) {
		struct pc_vlog_rec r = { .verdict = PC_DENY, .reason = reasons[i],
					 .dir = i ? PC_DIR_OUT : PC_DIR_IN, .len = (uint32_t)i * 7 };

		round_trip_both(&r);
	}
}
END_TEST

START_TEST(escaped_names_round_trip)
{
	static const char *const names[] = {
		"Say \"hi\"", "back\\slash", "tab\there", "nl\nand\rcr", "del\x7f", "\x01",
		("\xc3\x9c" "berwachung"), "=\" rule=\"x\" dir=out", "{\"verdict\":1}", "-x", "(malformed)",
		"a b  c ", "\\x41",
	};
	struct pc_pkt p = pc_test_pkt(6, "203.0.113.9", "198.51.100.2", PC_PKT_PORTS, 1, 2, 3);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct pc_vlog_rec r = { .verdict = PC_PERMIT, .rule = names[i], .dir = PC_DIR_IN,
					 .pkt = &p };

		round_trip_both(&r);
	}
}
END_TEST

START_TEST(invalid_utf8_names)
{
	struct pc_pkt p = pc_test_pkt(6, "203.0.113.9", "198.51.100.2", PC_PKT_PORTS, 1, 2, 3);
	struct pc_vlog_rec r = { .verdict = PC_DENY, .rule = "bad\xff", .dir = PC_DIR_IN, .pkt = &p };

	/* text keeps the raw byte; JSON writes \u00ff, read back as U+00FF */
	round_trip(&r, PC_LOGF_TEXT, "bad\xff");
	round_trip(&r, PC_LOGF_JSON, "bad\xc3\xbf");
}
END_TEST

START_TEST(rule_dash_quoted_is_a_name)
{
	parse_ok("verdict=deny rule=\"-\" dir=in proto=47 src=192.0.2.1 dst=192.0.2.2 len=20");
	ck_assert_str_eq(rec.rule, "-");
	ck_assert(!(rec.has & PC_LR_DEFAULT));
	parse_ok("verdict=deny rule=- dir=in proto=47 src=192.0.2.1 dst=192.0.2.2 len=20");
	ck_assert(rec.has & PC_LR_DEFAULT);
	parse_ok("verdict=permit rule=Bare dir=in proto=47 src=192.0.2.1 dst=192.0.2.2 len=20");
	ck_assert_str_eq(rec.rule, "Bare");
	ck_assert(!(rec.has & PC_LR_DEFAULT));
	parse_ok("{\"verdict\":\"deny\",\"rule\":\"-\",\"dir\":\"in\",\"proto\":\"47\","
		 "\"src\":\"192.0.2.1\",\"dst\":\"192.0.2.2\",\"len\":20}");
	ck_assert(rec.has & PC_LR_DEFAULT);
	ck_assert_uint_eq(rec.proto, 47);
}
END_TEST

START_TEST(json_escapes)
{
	parse_ok("{\"verdict\":\"permit\",\"rule\":\"\\u00dc\\u20ac\\ud83d\\ude00\\/\\b\\f\\t\","
		 "\"dir\":\"out\",\"proto\":\"udp\",\"src\":\"192.0.2.1\",\"sport\":1,"
		 "\"dst\":\"192.0.2.2\",\"dport\":2,\"len\":0}");
	ck_assert_str_eq(rec.rule, "\xc3\x9c\xe2\x82\xac\xf0\x9f\x98\x80/\b\f\t");
	ck_assert_uint_eq(rec.dir, PC_DIR_OUT);
}
END_TEST

/* ---- suppressed and message lines ---- */

START_TEST(suppressed_lines)
{
	char line[128];
	size_t n;

	for (int fmt = PC_LOGF_TEXT; fmt <= PC_LOGF_JSON; fmt++) {
		n = pc_vlog_format_suppressed(line, sizeof(line), (enum pc_log_format)fmt,
					      18446744073709551615ull);
		ck_assert_int_eq(parse_n(line, n), 0);
		ck_assert_int_eq(rec.kind, PC_LOGREC_SUPPRESSED);
		ck_assert_uint_eq(rec.suppressed, 18446744073709551615ull);
		ck_assert_uint_eq(rec.has, 0);
	}
	parse_ok("time=2026-11-28T13:00:00.250Z suppressed=57");
	ck_assert_int_eq(rec.kind, PC_LOGREC_SUPPRESSED);
	ck_assert_uint_eq(rec.suppressed, 57);
	ck_assert_uint_eq(rec.has, PC_LR_TIME);
	ck_assert_int_eq(rec.time, pc_test_utc(2026, 11, 28, 13, 0, 0));
	parse_ok("{\"time\":\"2026-11-28T13:00:01.000Z\",\"suppressed\":3}");
	ck_assert_int_eq(rec.time, pc_test_utc(2026, 11, 28, 13, 0, 1));
	parse_bad("suppressed=18446744073709551616", "not a number");
	parse_bad("suppressed=5 verdict=deny", "suppressed= with other keys");
	parse_bad("{\"suppressed\":\"5\"}", "not a number");
	parse_bad("suppressed=-1", "not a number");
}
END_TEST

START_TEST(message_lines)
{
	parse_ok("time=2026-11-28T13:00:00.000Z level=info msg=\"reloaded: 3 rules, 2 enabled\"");
	ck_assert_int_eq(rec.kind, PC_LOGREC_MESSAGE);
	ck_assert_str_eq(rec.level, "info");
	ck_assert_str_eq(rec.msg, "reloaded: 3 rules, 2 enabled");
	ck_assert_uint_eq(rec.has, PC_LR_TIME);
	parse_ok("{\"level\":\"warning\",\"msg\":\"a \\\"b\\\"\"}");
	ck_assert_str_eq(rec.msg, "a \"b\"");
	parse_bad("level=info", "no msg= key");
	parse_bad("level=info msg=x verdict=deny", "level= or msg= with verdict keys");
}
END_TEST

/* ---- prefixes and times ---- */

START_TEST(syslog_prefixes)
{
	static const struct { const char *prefix; int has_time; int64_t t; } cases[] = {
		{ "Nov 28 13:00:00 host portcullisd[123]: ", 1, 0 },
		{ "Nov 28 13:00:00.123456 host portcullisd[123]: ", 1, 0 },
		{ "2026-11-28T14:00:00+0100 host portcullisd[123]: ", 1, 0 },
		{ "2026-11-28T13:00:00.654321+00:00 host portcullisd[1]: ", 1, 0 },
		{ "1795870800.123456 host portcullisd[1]: ", 1, 0 },
		{ "portcullisd[123]: ", 0, 0 },
		{ "host kernel: something: ", 0, 0 },
	};
	char line[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(line, sizeof(line), "%s%s", cases[i].prefix, issue_text);
		parse_ok(line);
		check_issue_record();
		if (cases[i].has_time)
			ck_assert_int_eq(rec.time, pc_test_utc(2026, 11, 28, 13, 0, 0));
		ck_assert_int_eq(!!(rec.has & PC_LR_TIME), cases[i].has_time);
		snprintf(line, sizeof(line), "%s%s", cases[i].prefix, issue_json);
		parse_ok(line);
		check_issue_record();
	}
	/* a time key beats the prefix */
	snprintf(line, sizeof(line), "Nov 28 13:00:00 h p[1]: time=2026-11-28T12:00:00Z %s", issue_text);
	parse_ok(line);
	ck_assert_int_eq(rec.time, pc_test_utc(2026, 11, 28, 12, 0, 0));
	/* a prefix must end in ": " */
	snprintf(line, sizeof(line), "host %s", issue_text);
	parse_bad(line, "not a verdict log line");
	snprintf(line, sizeof(line), "host:%s", issue_text);
	parse_bad(line, "not a verdict log line");
}
END_TEST

START_TEST(syslog_year_and_padding)
{
	char line[512];

	snprintf(line, sizeof(line), "Nov  8 01:02:03 host portcullisd[1]: %s", issue_text);
	parse_ok(line);
	ck_assert_int_eq(rec.time, pc_test_utc(2026, 11, 8, 1, 2, 3));
	/* December seen at the end of November: last year's */
	snprintf(line, sizeof(line), "Dec 31 23:00:00 host portcullisd[1]: %s", issue_text);
	parse_ok(line);
	ck_assert_int_eq(rec.time, pc_test_utc(2025, 12, 31, 23, 0, 0));
	/* a few days ahead (clock skew): this year */
	snprintf(line, sizeof(line), "Dec  1 00:00:00 host portcullisd[1]: %s", issue_text);
	parse_ok(line);
	ck_assert_int_eq(rec.time, pc_test_utc(2026, 12, 1, 0, 0, 0));
	/* not a date: no time, still a record */
	snprintf(line, sizeof(line), "Nov 31 13:00:00 host portcullisd[1]: %s", issue_text);
	parse_ok(line);
	ck_assert(!(rec.has & PC_LR_TIME));
	snprintf(line, sizeof(line), "Foo 28 13:00:00 host portcullisd[1]: %s", issue_text);
	parse_ok(line);
	ck_assert(!(rec.has & PC_LR_TIME));
}
END_TEST

/* time= and ts= take an ISO 8601 time (test_timestamp has the formats). */
START_TEST(time_keys)
{
	parse_ok("time=2026-11-28T13:00:00Z suppressed=1");
	ck_assert(rec.has & PC_LR_TIME);
	ck_assert_int_eq(rec.time, pc_test_utc(2026, 11, 28, 13, 0, 0));
	parse_bad("time=2026-11-28T25:00:00Z suppressed=1", "time: not an ISO 8601 time");
	parse_bad("ts=2026-11-28T13:00:00Z time=2026-11-28T13:00:00Z suppressed=1", "given twice");
}
END_TEST

/* ---- garbage ---- */

START_TEST(garbage_lines)
{
	static const struct { const char *line, *why; } cases[] = {
		{ "", "not a verdict log line" },
		{ "hello world", "not a verdict log line" },
		{ "reloaded: 3 rules, 2 enabled", "not a verdict log line" },
		{ "verdict=", "empty value" },
		{ "verdict= rule=x", "empty value" },
		{ "verdict=maybe rule=x dir=in len=1 reason=x", "verdict: unknown value" },
		{ "verdict=deny rule=x dir=up len=1 reason=x", "dir: unknown value" },
		{ "verdict=deny rule=x dir=in len=1 reason=x color=red", "unknown key 'color'" },
		{ "verdict=deny rule=x dir=in len=1 reason=x state=old", "state: unknown value" },
		{ "verdict=deny rule=x dir=in len=1 reason=x state=-", "state: unknown value" },
		{ "verdict=deny rule=x dir=in len=1 reason=x state=new state=new",
		  "key 'state' given twice" },
		{ "verdict=deny rule=x rule=y dir=in len=1 reason=x", "key 'rule' given twice" },
		{ "verdict=deny rule=x len=1 reason=x", "no dir= key" },
		{ "verdict=deny dir=in len=1 reason=x", "no rule= key" },
		{ "verdict=deny rule=x dir=in reason=x", "no len= key" },
		{ "verdict=deny rule=x dir=in len=1", "no proto= key" },
		{ "verdict=deny rule=x dir=in len=1 proto=tcp src=192.0.2.1", "no dst= key" },
		{ "verdict=deny rule=x dir=in len=1 proto=tcp src=192.0.2.1 dst=2001:db8::1",
		  "different families" },
		{ "verdict=deny rule=x dir=in len=1 proto=tcp src=192.0.2.1 dst=192.0.2.300",
		  "dst: not an address" },
		{ "verdict=deny rule=x dir=in len=1 proto=tcp src=192.0.2.1 dst=192.0.2.2 sport=1",
		  "sport and dport come together" },
		{ "verdict=deny rule=x dir=in len=1 proto=icmp src=192.0.2.1 dst=192.0.2.2 sport=1 dport=2",
		  "neither tcp nor udp" },
		{ "verdict=deny rule=x dir=in len=1 proto=udp src=192.0.2.1 dst=192.0.2.2 type=1 code=2",
		  "not icmp" },
		{ "verdict=deny rule=x dir=in len=1 proto=icmp src=192.0.2.1 dst=192.0.2.2 type=1",
		  "type and code come together" },
		{ "verdict=deny rule=x dir=in len=1 proto=tcp src=192.0.2.1 dst=192.0.2.2 sport=1 dport=65536",
		  "dport: 65536 is out of range" },
		{ "verdict=deny rule=x dir=in len=4294967296 reason=x", "len: 4294967296 is out of range" },
		{ "verdict=deny rule=x dir=in len=01 reason=x", "len: not a number" },
		{ "verdict=deny rule=x dir=in len=\"1\" reason=x", "len: not a number" },
		{ "verdict=deny rule=x dir=in len=1x reason=x", "len: not a number" },
		{ "verdict=deny rule=x dir=in len=1 proto=any src=192.0.2.1 dst=192.0.2.2", "unknown protocol" },
		{ "verdict=deny rule=x dir=in len=1 proto=256 src=192.0.2.1 dst=192.0.2.2", "unknown protocol" },
		{ "verdict=deny rule=x dir=in len=1 reason=x proto=tcp", "reason= with packet fields" },
		{ "verdict=deny rule=\"\" dir=in len=1 reason=x", "rule: empty" },
		{ "verdict=deny rule=\"a\\qb\" dir=in len=1 reason=x", "bad escape" },
		{ "verdict=deny rule=\"a\\x00b\" dir=in len=1 reason=x", "bad \\x escape" },
		{ "verdict=deny rule=\"a\\x4\" dir=in len=1 reason=x", "bad \\x escape" },
		{ "verdict=deny rule=\"a\tb\" dir=in len=1 reason=x", "control character" },
		{ "verdict=deny rule=\"ab\"c dir=in len=1 reason=x", "junk after the value of 'rule'" },
		{ "verdict=deny rule=a\"b dir=in len=1 reason=x", "bad character" },
		{ "verdict=deny rule=x dir=in len=1 reason=x =5", "expected KEY=VALUE" },
		{ "verdict=deny rule=x dir=in len=1 reason=x junk", "expected KEY=VALUE" },
		{ "verdict=deny rule=x dir=in len=1 reason=x Verdict=deny", "expected KEY=VALUE" },
		{ "verdict=deny\tdir=in", "bad character" },
		{ "verdict=deny rule=x dir=in len=1 reason=abcdefghijklmnopqrstuvwxyzabcdefghij",
		  "reason: empty or too long" },
		{ "{", "truncated JSON object" },
		{ "{\"verdict\"", "truncated JSON object" },
		{ "{\"verdict\":", "truncated JSON object" },
		{ "{\"verdict\":\"deny\"", "truncated JSON object" },
		{ "{\"verdict\":\"deny\",", "truncated JSON object" },
		{ "{}", "no verdict= key" },
		{ "{\"verdict\":{}}", "unsupported JSON value" },
		{ "{\"verdict\":[\"deny\"]}", "unsupported JSON value" },
		{ "{\"verdict\":true}", "unsupported JSON value" },
		{ "{\"verdict\":null}", "unsupported JSON value" },
		{ "{\"len\":-1}", "unsupported JSON value" },
		{ "{\"len\":1.5}", "not an integer" },
		{ "{\"len\":1e3}", "not an integer" },
		{ "{\"len\":007}", "leading zero" },
		{ "{\"len\":99999999999999999999999}", "number out of range" },
		{ "{\"verdict\":5}", "a number where a string belongs" },
		{ "{\"len\":\"60\"}", "len: not a number" },
		{ "{\"verdict\":\"deny\"} x", "junk after the JSON object" },
		{ "{\"verdict\":\"deny\"}}", "junk after the JSON object" },
		{ "{\"verdict\" \"deny\"}", "expected ':'" },
		{ "{\"verdict\":\"deny\" \"rule\":\"x\"}", "expected ',' or '}'" },
		{ "{verdict:\"deny\"}", "expected a key" },
		{ "{\"verdict\":\"deny\",}", "expected a key" },
		{ "{\"rule\":\"a\\u0000b\"}", "NUL in a string" },
		{ "{\"rule\":\"a\\ud800b\"}", "lone surrogate" },
		{ "{\"rule\":\"a\\udc00b\"}", "lone surrogate" },
		{ "{\"rule\":\"a\\u12\"}", "bad \\u escape" },
		{ "{\"rule\":\"a\\x41\"}", "bad escape" },
		{ "{\"rule\":\"a\nb\"}", "control character" },
		{ "{\"averyveryverylongkey\":1}", "unknown key 'averyveryverylon'" },
		{ "{\"verdict\":\"deny\",\"verdict\":\"deny\"}", "given twice" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		parse_bad(cases[i].line, cases[i].why);
}
END_TEST

START_TEST(nul_bytes_are_garbage)
{
	static const char text[] = "verdict=deny rule=\"a\0b\" dir=in len=1 reason=x";
	static const char json[] = "{\"verdict\":\"deny\",\"rule\":\"a\0b\",\"dir\":\"in\",\"len\":1,"
				   "\"reason\":\"x\"}";
	static const char bare[] = "verdict=deny rule=a\0b dir=in len=1 reason=x";

	ck_assert_int_eq(parse_n(text, sizeof(text) - 1), -1);
	ck_assert_int_eq(parse_n(json, sizeof(json) - 1), -1);
	ck_assert_int_eq(parse_n(bare, sizeof(bare) - 1), -1);
}
END_TEST

/* Every cut of a valid line that ends before its last key fails, and no
 * cut reads past its end (ASan). */
START_TEST(truncated_lines)
{
	static const char *const lines[] = {
		issue_text, issue_json,
		"Nov 28 13:00:00 host portcullisd[123]: verdict=deny rule=\"Deny \\\"x\\\" \\x01\" dir=in "
		"proto=icmp src=192.0.2.1 dst=192.0.2.2 type=8 code=0 len=84",
		"{\"verdict\":\"deny\",\"rule\":\"\\u00dc\\ud83d\\ude00\",\"dir\":\"in\","
		"\"proto\":\"icmpv6\",\"src\":\"2001:db8::1\",\"dst\":\"2001:db8::2\",\"type\":135,"
		"\"code\":0,\"len\":72}",
		"time=2026-11-28T13:00:00.123Z verdict=deny rule=\"(malformed)\" reason=truncated dir=in len=1",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const char *l = lines[i];
		size_t len = strlen(l);
		const char *last = strstr(l, "len");

		ck_assert_int_eq(parse_n(l, len), 0);
		for (size_t cut = 0; cut < len; cut++) {
			int rc = parse_n(l, cut);

			/* text: a cut inside the final number leaves a shorter number */
			if (l[0] != '{' && cut > (size_t)(last - l) + 4)
				continue;
			if (rc == 0)
				ck_abort_msg("line %zu cut at %zu parsed: '%.*s'", i, cut, (int)cut, l);
		}
	}
}
END_TEST

START_TEST(over_long_lines)
{
	char *line = malloc(PC_LOGREAD_LINE_MAX + 8);
	size_t n = strlen(issue_text);

	ck_assert_ptr_nonnull(line);
	memcpy(line, issue_text, n);
	memset(line + n, ' ', PC_LOGREAD_LINE_MAX + 8 - n);
	ck_assert_int_eq(parse_n(line, PC_LOGREAD_LINE_MAX), 0);
	check_issue_record();
	memcpy(line + PC_LOGREAD_LINE_MAX, "\r\n", 2);
	ck_assert_int_eq(parse_n(line, PC_LOGREAD_LINE_MAX + 2), 0);
	line[PC_LOGREAD_LINE_MAX] = ' ';
	ck_assert_int_eq(parse_n(line, PC_LOGREAD_LINE_MAX + 1), -1);
	ck_assert_ptr_nonnull(strstr(err, "longer than"));
	free(line);

	/* a value as long as the line is fine; the name buffer bounds rule= */
	line = malloc(PC_LOGREAD_LINE_MAX + 1);
	ck_assert_ptr_nonnull(line);
	n = (size_t)snprintf(line, PC_LOGREAD_LINE_MAX + 1, "level=info msg=\"%0*d\"",
			     PC_LOGREAD_LINE_MAX - 17, 0);
	ck_assert_uint_eq(n, PC_LOGREAD_LINE_MAX);
	ck_assert_int_eq(parse_n(line, n), 0);
	ck_assert_uint_eq(strlen(rec.msg), PC_LOGREAD_LINE_MAX - 17);
	n = (size_t)snprintf(line, PC_LOGREAD_LINE_MAX + 1, "verdict=deny rule=\"%0*d\" dir=in len=1 "
			     "reason=x", PC_LOGREAD_NAME_MAX, 0);
	ck_assert_int_eq(parse_n(line, n), -1);
	ck_assert_ptr_nonnull(strstr(err, "rule: empty or too long"));
	free(line);
}
END_TEST

/* Random mutations of valid lines: no crash, no over-read, and whatever
 * parses is a consistent record. */
START_TEST(mutations)
{
	static const char *const seeds[] = {
		issue_text, issue_json,
		"Nov 28 13:00:00 host portcullisd[123]: verdict=permit rule=\"A \\\"b\\\"\" dir=out "
		"proto=icmpv6 src=2001:db8::1 dst=2001:db8::2 type=1 code=4 len=100",
		"{\"time\":\"2026-11-28T13:00:00.1Z\",\"suppressed\":12}",
		"{\"verdict\":\"deny\",\"rule\":\"\\u00dc\",\"dir\":\"in\",\"reason\":\"bad-ihl\",\"len\":3}",
	};
	static const char alphabet[] = "{}\":,=\\ x0123456789-.Zu";
	unsigned seed = (unsigned)time(NULL);
	char buf[512];

	srand(seed);
	for (int iter = 0; iter < 200000; iter++) {
		const char *s = seeds[iter % 5];
		size_t len = strlen(s);

		memcpy(buf, s, len);
		for (int k = rand() % 4; k >= 0; k--) {
			size_t at = (size_t)rand() % len;

			buf[at] = rand() % 3 ? alphabet[rand() % (sizeof(alphabet) - 1)] : (char)rand();
		}
		if (rand() % 4 == 0)
			len = (size_t)rand() % (len + 1);
		if (parse_n(buf, len) < 0)
			continue;
		if (rec.kind == PC_LOGREC_VERDICT && !(rec.has & PC_LR_REASON) &&
		    !(rec.has & PC_LR_PACKET))
			ck_abort_msg("seed %u iter %d: a verdict without packet or reason", seed, iter);
		if ((rec.has & PC_LR_PORTS) && rec.proto != 6 && rec.proto != 17)
			ck_abort_msg("seed %u iter %d: ports on proto %u", seed, iter, rec.proto);
	}
}
END_TEST

static Suite *logread_suite(void)
{
	Suite *s = suite_create("logread");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, issue_example_both_formats);
	tcase_add_test(tc, json_whitespace_and_key_order);
	tcase_add_test(tc, every_packet_kind_round_trips);
	tcase_add_test(tc, malformed_round_trips);
	tcase_add_test(tc, escaped_names_round_trip);
	tcase_add_test(tc, invalid_utf8_names);
	tcase_add_test(tc, rule_dash_quoted_is_a_name);
	tcase_add_test(tc, json_escapes);
	tcase_add_test(tc, suppressed_lines);
	tcase_add_test(tc, message_lines);
	tcase_add_test(tc, syslog_prefixes);
	tcase_add_test(tc, syslog_year_and_padding);
	tcase_add_test(tc, time_keys);
	tcase_add_test(tc, garbage_lines);
	tcase_add_test(tc, nul_bytes_are_garbage);
	tcase_add_test(tc, truncated_lines);
	tcase_add_test(tc, over_long_lines);
	tcase_add_test(tc, mutations);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(logread_suite());
}
