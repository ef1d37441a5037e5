/* test_addr.c - address and prefix parsing against inet_pton and the
 * straightforward algorithm (copy, split at '/', inet_pton, strtoul, mask),
 * on chosen and random text: same result, same message */
#include <arpa/inet.h>
#include <check.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "helper_fixture.h"

/* The oracle: what pc_prefix_parse must do, written the plain way. */
static int ref_prefix_parse(const char *s, struct pc_prefix *out, char *err, size_t errlen)
{
	char buf[PC_ADDR_STRLEN], *end;
	uint8_t masked[16];
	unsigned long plen;

	memset(out, 0, sizeof(*out));
	if (!strcmp(s, "any"))
		return 0;
	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "'%.20s...' is not an address", s);
		return -1;
	}
	strcpy(buf, s);
	char *slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	bool v6 = strchr(buf, ':');
	if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, out->addr) != 1) {
		memset(out->addr, 0, 16);
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", buf);
		return -1;
	}
	out->family = v6 ? PC_FAM_V6 : PC_FAM_V4;
	unsigned bits = v6 ? 128 : 32;
	plen = bits;
	if (slash) {
		errno = 0;
		if (*slash < '0' || *slash > '9' || strlen(slash) > 3 ||
		    ((plen = strtoul(slash, &end, 10)), errno || *end || plen > bits)) {
			snprintf(err, errlen, "'%s' is not a prefix length for %s (0-%u)", slash,
				 v6 ? "IPv6" : "IPv4", bits);
			return -1;
		}
	}
	out->plen = (uint8_t)plen;
	memcpy(masked, out->addr, 16);
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = plen > 8 * i ? (unsigned)plen - 8 * i : 0;
		if (keep < 8)
			masked[i] &= (uint8_t)(0xff00u >> keep);
	}
	if (memcmp(masked, out->addr, 16)) {
		snprintf(err, errlen, "'%s' has bits set past the prefix length /%lu", s, plen);
		return -1;
	}
	return 0;
}

static void same(const char *s)
{
	struct pc_prefix a, b;
	char ea[256] = "", eb[256] = "";
	int ra = pc_prefix_parse(s, &a, ea, sizeof(ea));
	int rb = ref_prefix_parse(s, &b, eb, sizeof(eb));

	ck_assert_msg(ra == rb, "'%s': %d, expected %d", s, ra, rb);
	if (ra < 0) {
		ck_assert_str_eq(ea, eb);
		return;
	}
	ck_assert_msg(!memcmp(&a, &b, sizeof(a)), "'%s' parsed differently", s);

	uint8_t fam, addr[16], want[16] = { 0 };
	char buf[PC_ADDR_STRLEN];
	snprintf(buf, sizeof(buf), "%s", s);
	*strchrnul(buf, '/') = '\0';
	bool v6 = strchr(buf, ':');
	int rp = inet_pton(v6 ? AF_INET6 : AF_INET, buf, want);
	ck_assert_int_eq(pc_addr_parse(buf, &fam, addr) == 0, rp == 1);
	if (rp == 1)
		ck_assert(!memcmp(addr, want, 16));
}

START_TEST(chosen)
{
	static const char *const cases[] = {
		"any", "any/3", "", "/", "/24", "1.2.3.4", "01.2.3.4", "1.02.3.4", "0.0.0.0",
		"00.0.0.0", "1.2.3", "1.2.3.4.5", "1.2.3.4.", ".1.2.3.4", "1..2.3", "256.1.1.1",
		"255.255.255.255", "1.2.3.255", "1.2.3.256", "1.2.3.1000", "1.2.3.-1", "+1.2.3.4",
		" 1.2.3.4", "1.2.3.4 ", "0x1.2.3.4", "1.2.3.4/", "1.2.3.4/0", "1.2.3.4/32",
		"1.2.3.4/33", "1.2.3.4/024", "1.2.3.4/0024", "1.2.3.4/+4", "1.2.3.4/ 4", "1.2.3.4/4 ",
		"1.2.3.0/24", "1.2.3.4/24", "1.2.3.128/25", "1.2.3.64/25", "10.0.0.0/8", "0.0.0.0/0",
		"1.0.0.0/0", "1.2.3.4/31", "1.2.3.4/30", "1.2.3.4:80", "1.2.3.4/24/8", "::", "::1",
		"::/0", "::1/128", "::1/127", "2001:db8::/32", "2001:db8::1/32", "2001:db8::/129",
		"::ffff:1.2.3.4", "::ffff:1.2.3.0/120", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9",
		"fe80::1%eth0", "2001:db8:1::/48", "2001:0db8::/32", "1.2.3.4/2:4",
		"1234567890123456789012345678901234567890123456789012345678901234",
		"123456789012345678901234567890123456789012345678901234567890123",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		same(cases[i]);
}
END_TEST

START_TEST(random_text)
{
	static const char v4[] = "0123456789..../";
	static const char v6[] = "0123456789abcdef::./";
	uint64_t seed = 0xadd4;
	char s[40];

	for (int i = 0; i < 300000; i++) {
		uint64_t r = pc_test_xorshift(&seed);
		const char *alpha = r % 3 ? v4 : v6;
		size_t alen = strlen(alpha), n = r / 3 % 24;
		for (size_t k = 0; k < n; k++)
			s[k] = alpha[pc_test_xorshift(&seed) % alen];
		s[n] = '\0';
		same(s);
	}
	/* valid addresses with every prefix length */
	for (int i = 0; i < 20000; i++) {
		uint64_t r = pc_test_xorshift(&seed);
		snprintf(s, sizeof(s), "%u.%u.%u.%u/%u", (unsigned)(r & 255), (unsigned)(r >> 8 & 255),
			 (unsigned)(r >> 16 & 255), (unsigned)(r >> 24 & 255) >> (r >> 40 & 7),
			 (unsigned)(r >> 32) % 34);
		same(s);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, chosen);
	tcase_add_test(tc, random_text);
	suite_add_tcase(s, tc);
	return pc_test_run(s);
}
