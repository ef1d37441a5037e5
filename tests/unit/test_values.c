/* test_values.c - list values (ports, addresses, ICMP types): the parsers
 * against the straightforward algorithm (copy, strsep, snprintf, strtoul)
 * on chosen and random text, and the *_into forms against the allocating
 * ones: same elements, same message */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "values.h"
#include "helper_fixture.h"

/* The oracle for one port item. */
static int ref_port(const char *item, struct pc_portrange *r, char *err, size_t errlen)
{
	unsigned long lo, hi;
	char buf[32];

	if (!strcmp(item, "any")) {
		r->lo = 0;
		r->hi = 65535;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", item);
	char *dash = strchr(buf, '-');
	if (dash)
		*dash++ = '\0';
	if (pc_parse_uint(buf, 65535, &lo, err, errlen) < 0 ||
	    (dash && pc_parse_uint(dash, 65535, &hi, err, errlen) < 0)) {
		if (!strstr(err, "out of range"))
			snprintf(err, errlen, "'%s' is not a port or port range (N or N-M, 0-65535)",
				 item);
		return -1;
	}
	if (!dash)
		hi = lo;
	if (hi < lo) {
		snprintf(err, errlen, "port range %s is reversed", item);
		return -1;
	}
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return 0;
}

/* The oracle for a port list. */
static int ref_ports(const char *s, struct pc_portrange *v, size_t *n, char *err, size_t errlen)
{
	char *copy = strdup(s), *rest = copy;
	int rc = 0;

	ck_assert_ptr_nonnull(copy);
	*n = 0;
	if (!*copy) {
		snprintf(err, errlen, "empty value");
		rc = -1;
	}
	for (char *tok = strsep(&rest, ","); tok && !rc; tok = strsep(&rest, ",")) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		char *e = tok + strlen(tok);
		while (e > tok && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!*tok) {
			snprintf(err, errlen, "empty element in list '%s'", s);
			rc = -1;
			break;
		}
		if (!(rc = ref_port(tok, &v[*n], err, errlen)))
			++*n;
	}
	free(copy);
	return rc;
}

static void same_ports(const char *s)
{
	struct pc_portrange want[64], room[64], *got = NULL;
	size_t nw = 0, ng = 0, ni = 0;
	char ew[256] = "", eg[256] = "", ei[256] = "";
	int rw = ref_ports(s, want, &nw, ew, sizeof(ew));
	int rg = pc_parse_ports(s, &got, &ng, eg, sizeof(eg));
	int ri = pc_parse_ports_into(s, room, pc_list_count(s), &ni, ei, sizeof(ei));

	ck_assert_msg(rg == rw && ri == rw, "'%s': %d and %d, expected %d", s, rg, ri, rw);
	if (rw < 0) {
		ck_assert_str_eq(eg, ew);
		ck_assert_str_eq(ei, ew);
		return;
	}
	ck_assert_uint_eq(ng, nw);
	ck_assert_uint_eq(ni, nw);
	ck_assert(!memcmp(got, want, nw * sizeof(*want)));
	ck_assert(!memcmp(room, want, nw * sizeof(*want)));
	free(got);
}

START_TEST(ports_chosen)
{
	static const char *const cases[] = {
		"", " ", ",", "any", "ANY", "any-1", "0", "00", "08", "65535", "65536", "99999",
		"000080", "0000000080", "00000000080", "4294967297", "1-2", "2-1", "1-1", "1-",
		"-1", "-", "1--2", "1-2-3", "1 - 2", "80,443", "80, 443", "80 ,443", " 80,\t443 ",
		"80,,443", "80,", ",80", "1-65535", "0-65536", "65536-1", "x", "8x", "0x50", "+80",
		" 80", "80 ", "1-00000000000000000000000000002", "12345678901-1",
		"1-123456789012345678901234567890123", "22, any, 1000-2000",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		same_ports(cases[i]);
}
END_TEST

START_TEST(ports_random)
{
	static const char alpha[] = "0123456789012345678965-, \tanyx";
	uint64_t seed = 0x9047;
	char s[48];

	for (int i = 0; i < 200000; i++) {
		size_t n = pc_test_xorshift(&seed) % 40;
		for (size_t k = 0; k < n; k++)
			s[k] = alpha[pc_test_xorshift(&seed) % (sizeof(alpha) - 1)];
		s[n] = '\0';
		same_ports(s);
	}
}
END_TEST

/* Addresses and ICMP types: the *_into forms give what the allocating
 * forms give (pc_prefix_parse itself is test_addr.c's). */
START_TEST(into_forms)
{
	static const char *const addrs[] = {
		"any", "192.0.2.0/24", "192.0.2.0/24, 2001:db8::/32", " 10.0.0.1 ,\t::1 ",
		"192.0.2.1/24", "1.2.3.4,,5.6.7.8", "", "x", "1.2.3.4,", "198.51.100.7",
	};
	static const char *const icmps[] = {
		"any", "echo-request", "echo-request, echo-reply", "3/1", "3/256", "300", "bogus",
		"8/0,0", ",", "",
	};
	char e1[256], e2[256];

	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		struct pc_prefix *a = NULL, room[16];
		size_t n1 = 0, n2 = 0;
		int r1 = pc_parse_prefixes(addrs[i], &a, &n1, e1, sizeof(e1));
		int r2 = pc_parse_prefixes_into(addrs[i], room, pc_list_count(addrs[i]), &n2, e2,
						sizeof(e2));
		ck_assert_int_eq(r1, r2);
		if (r1 < 0) {
			ck_assert_str_eq(e1, e2);
			continue;
		}
		ck_assert_uint_eq(n1, n2);
		ck_assert_uint_eq(n1, pc_list_count(addrs[i]));
		ck_assert(!memcmp(a, room, n1 * sizeof(*a)));
		free(a);
	}
	for (size_t i = 0; i < sizeof(icmps) / sizeof(icmps[0]); i++) {
		for (int proto = 1; proto <= 58; proto += 57) {
			struct pc_icmpspec *c = NULL, room[16];
			size_t n1 = 0, n2 = 0;
			int r1 = pc_parse_icmp(icmps[i], proto, &c, &n1, e1, sizeof(e1));
			int r2 = pc_parse_icmp_into(icmps[i], proto, room, pc_list_count(icmps[i]), &n2,
						    e2, sizeof(e2));
			ck_assert_int_eq(r1, r2);
			if (r1 < 0) {
				ck_assert_str_eq(e1, e2);
				continue;
			}
			ck_assert_uint_eq(n1, n2);
			ck_assert(!memcmp(c, room, n1 * sizeof(*c)));
			free(c);
		}
	}
}
END_TEST

/* A value longer than the parser's stack copy. */
START_TEST(long_list)
{
	char s[4000];
	size_t used = 0, n = 0;
	struct pc_portrange *v = NULL;
	char err[256];

	for (int i = 0; i < 500; i++)
		used += (size_t)snprintf(s + used, sizeof(s) - used, "%s%d", i ? ", " : "", i);
	ck_assert_int_eq(pc_parse_ports(s, &v, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 500);
	for (size_t i = 0; i < n; i++)
		ck_assert(v[i].lo == i && v[i].hi == i);
	free(v);
	same_ports("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("values");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, ports_chosen);
	tcase_add_test(tc, ports_random);
	tcase_add_test(tc, into_forms);
	tcase_add_test(tc, long_list);
	suite_add_tcase(s, tc);
	return pc_test_run(s);
}
