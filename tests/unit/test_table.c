/* test_table.c - the policy the daemon serves (daemon/table.c): a file
 * loaded and compiled whole or not at all, packets looked up in it, hit
 * counters per worker row on cache lines of their own, and hits carried
 * over a reload to the rule of the same name (not to a renamed one). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "helper_fixture.h"
#include "helper_pkt.h"
#include "helper_policy.h"
#include "table.h"

#define TCP 6
#define UDP 17

static const char v1[] =
	"[portcullis]\n"
	"default = deny\n"
	"queue = 3-5\n"
	"[SSH]\naction = permit\nprotocol = tcp\ndirection = in\nlocal-port = 22\n"
	"[Web]\naction = permit\nprotocol = tcp\ndirection = in\nlocal-port = 80,443\n"
	"[Bad net]\naction = deny\nremote-address = 203.0.113.0/24\n"
	"[DNS]\naction = permit\nprotocol = udp\ndirection = out\nremote-port = 53\n"
	"[Off]\naction = permit\nprotocol = udp\nenabled = no\n";

/* v1 reordered, "Web" renamed, "DNS" gone, "NTP" new */
static const char v2[] =
	"[portcullis]\n"
	"default = deny\n"
	"[NTP]\naction = permit\nprotocol = udp\ndirection = out\nremote-port = 123\n"
	"[Bad net]\naction = deny\nremote-address = 203.0.113.0/24\n"
	"[HTTP]\naction = permit\nprotocol = tcp\ndirection = in\nlocal-port = 80,443\n"
	"[SSH]\naction = permit\nprotocol = tcp\ndirection = in\nlocal-port = 22\n";

static struct pc_table *load(const char *name, const char *text, size_t nrows)
{
	char path[PATH_MAX];
	struct pc_diag *d = pc_diag_new();
	struct pc_table *t;

	ck_assert_ptr_nonnull(d);
	pc_test_file(name, text, strlen(text), path, sizeof(path));
	t = pc_table_load(path, nrows, d);
	ck_assert_msg(t, "%s rejected:\n%s", name, pc_test_diag_dump(d));
	pc_diag_free(d);
	return t;
}

/* The rule an incoming (in) or outgoing packet hits; its name or "-". */
static const char *lookup(const struct pc_table *t, uint8_t dir, uint8_t proto,
			  const char *remote, uint16_t rport, uint16_t lport)
{
	struct pc_pkt p = dir == PC_DIR_IN
		? pc_test_pkt(proto, remote, "198.51.100.2", PC_PKT_PORTS, rport, lport, 60)
		: pc_test_pkt(proto, "198.51.100.2", remote, PC_PKT_PORTS, lport, rport, 60);
	long r;

	p.dir = dir;
	r = pc_index_lookup(t->index, &p);
	ck_assert_int_lt(r, (long)t->nrules);
	return r < 0 ? "-" : t->rules[r].name;
}

static size_t rule(const struct pc_table *t, const char *name)
{
	for (size_t i = 0; i < t->nrules; i++)
		if (!strcmp(t->rules[i].name, name))
			return i;
	ck_abort_msg("no rule %s", name);
	return 0;
}

START_TEST(compiled_policy_decides_packets)
{
	struct pc_table *t;

	pc_test_dir_make();
	t = load("v1.conf", v1, 2);
	ck_assert_uint_eq(t->nrules, 5);
	ck_assert_uint_eq(t->enabled, 4);
	ck_assert_str_eq(t->rules[0].name, "SSH");
	ck_assert_int_eq(t->set->dflt, PC_DENY);
	ck_assert_str_eq(lookup(t, PC_DIR_IN, TCP, "192.0.2.9", 40000, 22), "SSH");
	ck_assert_str_eq(lookup(t, PC_DIR_IN, TCP, "192.0.2.9", 40000, 443), "Web");
	ck_assert_str_eq(lookup(t, PC_DIR_IN, TCP, "192.0.2.9", 40000, 8080), "-");
	/* the more specific address beats the port-only rule */
	ck_assert_str_eq(lookup(t, PC_DIR_IN, TCP, "203.0.113.7", 40000, 22), "Bad net");
	ck_assert_str_eq(lookup(t, PC_DIR_OUT, UDP, "192.0.2.53", 53, 40000), "DNS");
	/* a disabled rule never decides */
	ck_assert_str_eq(lookup(t, PC_DIR_OUT, UDP, "192.0.2.53", 54, 40000), "-");
	/* neither the mark layout nor the generation: the reload sets them */
	ck_assert_uint_eq(t->gen, 0);
	ck_assert_uint_eq(t->marks.mask, 0);
	pc_table_free(t);
}
END_TEST

START_TEST(broken_policy_gives_file_line_and_no_table)
{
	static const char text[] = "[portcullis]\ndefault = deny\n"
				   "[SSH]\naction = permit\nprotocol = tcp\n"
				   "local-port = 22-\n";
	char path[PATH_MAX], want[PATH_MAX + 8];
	struct pc_diag *d = pc_diag_new();

	pc_test_dir_make();
	pc_test_file("bad.conf", text, strlen(text), path, sizeof(path));
	ck_assert_ptr_null(pc_table_load(path, 1, d));
	snprintf(want, sizeof(want), "%s:6:", path);
	ck_assert_msg(strstr(pc_test_diag_dump(d), want), "no %s in:\n%s", want,
		      pc_test_diag_dump(d));
	pc_diag_free(d);
	d = pc_diag_new();
	pc_test_path("missing.conf", path, sizeof(path));
	ck_assert_ptr_null(pc_table_load(path, 1, d));
	ck_assert_uint_gt(pc_diag_count(d), 0);
	pc_diag_free(d);
}
END_TEST

START_TEST(rows_of_hits_per_worker)
{
	struct pc_table *t;
	size_t ssh, web;

	pc_test_dir_make();
	t = load("v1.conf", v1, 0);
	ck_assert_uint_eq(t->nrows, 3); /* queue = 3-5: a row per queue */
	pc_table_free(t);
	t = load("v1.conf", v1, 4);
	ck_assert_uint_eq(t->nrows, 4);
	ck_assert_uint_ge(t->stride, t->nrules);
	for (size_t row = 0; row < t->nrows; row++) /* each row on a cache line of its own */
		ck_assert_uint_eq((uintptr_t)&t->hits[row * t->stride] % 64, 0);
	ssh = rule(t, "SSH");
	web = rule(t, "Web");
	for (size_t row = 0; row < t->nrows; row++)
		for (size_t k = 0; k <= row; k++)
			pc_table_hit(t, row, (long)ssh);
	pc_table_hit(t, 3, (long)web);
	ck_assert_uint_eq(pc_table_hits(t, ssh), 1 + 2 + 3 + 4);
	ck_assert_uint_eq(pc_table_hits(t, web), 1);
	ck_assert_uint_eq(pc_table_hits(t, rule(t, "DNS")), 0);
	ck_assert_uint_eq(pc_table_hits(t, t->nrules - 1), 0);
	pc_table_free(t);
}
END_TEST

START_TEST(hits_carry_to_the_rule_of_the_same_name)
{
	struct pc_table *a, *b, *c;

	pc_test_dir_make();
	a = load("v1.conf", v1, 2);
	pc_table_hit(a, 0, (long)rule(a, "SSH"));
	pc_table_hit(a, 1, (long)rule(a, "SSH"));
	for (int i = 0; i < 5; i++)
		pc_table_hit(a, 1, (long)rule(a, "Web"));
	for (int i = 0; i < 7; i++)
		pc_table_hit(a, 0, (long)rule(a, "Bad net"));
	pc_table_hit(a, 0, (long)rule(a, "DNS"));
	b = load("v2.conf", v2, 2);
	pc_table_carry_hits(b, a);
	ck_assert_uint_eq(pc_table_hits(b, rule(b, "SSH")), 2);     /* moved from 0 to 3 */
	ck_assert_uint_eq(pc_table_hits(b, rule(b, "Bad net")), 7);
	ck_assert_uint_eq(pc_table_hits(b, rule(b, "HTTP")), 0);    /* "Web" renamed: new */
	ck_assert_uint_eq(pc_table_hits(b, rule(b, "NTP")), 0);
	/* the next reload carries what was carried plus what b counted */
	pc_table_hit(b, 0, (long)rule(b, "SSH"));
	pc_table_hit(b, 1, (long)rule(b, "HTTP"));
	c = load("v1.conf", v1, 2);
	pc_table_carry_hits(c, b);
	ck_assert_uint_eq(pc_table_hits(c, rule(c, "SSH")), 3);
	ck_assert_uint_eq(pc_table_hits(c, rule(c, "Bad net")), 7);
	ck_assert_uint_eq(pc_table_hits(c, rule(c, "Web")), 0);     /* b had no "Web" */
	ck_assert_uint_eq(pc_table_hits(c, rule(c, "DNS")), 0);     /* nor "DNS" */
	ck_assert_uint_eq(pc_table_hits(c, rule(c, "Off")), 0);
	pc_table_free(a);
	pc_table_free(b);
	pc_table_free(c);
}
END_TEST

START_TEST(carry_into_fewer_rules_and_rows)
{
	static const char one[] = "[portcullis]\ndefault = permit\n"
				  "[Bad net]\naction = deny\nremote-address = 203.0.113.0/24\n";
	static const char none[] = "[portcullis]\ndefault = permit\n";
	struct pc_table *a, *b, *e;

	pc_test_dir_make();
	a = load("v1.conf", v1, 4);
	for (size_t r = 0; r < a->nrules; r++)
		for (size_t row = 0; row < a->nrows; row++)
			pc_table_hit(a, row, (long)r);
	b = load("one.conf", one, 1);
	pc_table_carry_hits(b, a);
	ck_assert_uint_eq(b->nrules, 1);
	ck_assert_uint_eq(pc_table_hits(b, 0), 4);
	e = load("none.conf", none, 1); /* no rule at all: nothing to carry into */
	ck_assert_uint_eq(e->nrules, 0);
	pc_table_carry_hits(e, b);
	pc_table_carry_hits(b, e);
	ck_assert_uint_eq(pc_table_hits(b, 0), 4);
	pc_table_free(a);
	pc_table_free(b);
	pc_table_free(e);
}
END_TEST

static Suite *table_suite(void)
{
	Suite *s = suite_create("table");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, pc_test_base_make, pc_test_base_remove);
	tcase_add_test(tc, compiled_policy_decides_packets);
	tcase_add_test(tc, broken_policy_gives_file_line_and_no_table);
	tcase_add_test(tc, rows_of_hits_per_worker);
	tcase_add_test(tc, hits_carry_to_the_rule_of_the_same_name);
	tcase_add_test(tc, carry_into_fewer_rules_and_rows);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(table_suite());
}
