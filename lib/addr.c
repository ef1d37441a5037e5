/* addr.c - IPv4/IPv6 addresses and prefixes */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned family_bits(uint8_t family)
{
	return family == PC_FAM_V4 ? 32 : family == PC_FAM_V6 ? 128 : 0;
}

/* Dotted-quad IPv4 in s..end, exactly as inet_pton(AF_INET) reads it: four
 * decimal parts 0-255 without leading zeros. Returns true and the address. */
static bool parse_v4(const char *s, const char *end, uint8_t addr[4])
{
	for (int part = 0; part < 4; part++) {
		if (part && (s == end || *s++ != '.'))
			return false;
		const char *digits = s;
		unsigned v = 0;
		while (s < end && s - digits < 3 && *s >= '0' && *s <= '9')
			v = v * 10 + (unsigned)(*s++ - '0');
		if (s == digits || v > 255 || (*digits == '0' && s - digits > 1))
			return false;
		addr[part] = (uint8_t)v;
	}
	return s == end;
}

int pc_addr_parse(const char *s, uint8_t *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, addr) != 1)
			return -1;
		*family = PC_FAM_V6;
		return 0;
	}
	if (!parse_v4(s, s + strlen(s), addr)) {
		memset(addr, 0, 16);
		return -1;
	}
	*family = PC_FAM_V4;
	return 0;
}

void pc_addr_mask(uint8_t addr[16], unsigned plen)
{
	unsigned i = plen < 128 ? plen / 8 : 16;

	if (i < 16 && plen % 8)
		addr[i++] &= (uint8_t)(0xff00u >> (plen % 8));
	if (i < 16)
		memset(addr + i, 0, 16 - i);
}

/* A prefix length: one to three decimal digits, at most max. */
static int parse_plen(const char *s, unsigned max, unsigned *plen)
{
	unsigned v = 0;
	size_t n = 0;

	for (; s[n] >= '0' && s[n] <= '9' && n < 3; n++)
		v = v * 10 + (unsigned)(s[n] - '0');
	if (n == 0 || s[n] || v > max)
		return -1;
	*plen = v;
	return 0;
}

/* True when every bit of addr (16 bytes) past plen is zero. */
static bool host_bits_zero(const uint8_t addr[16], unsigned plen)
{
	uint8_t masked[16];

	memcpy(masked, addr, 16);
	pc_addr_mask(masked, plen);
	return !memcmp(masked, addr, 16);
}

int pc_prefix_parse(const char *s, struct pc_prefix *out, char *err, size_t errlen)
{
	char buf[PC_ADDR_STRLEN];
	size_t len = strlen(s);
	unsigned plen;

	memset(out, 0, sizeof(*out));
	if (len == 3 && !memcmp(s, "any", 3))
		return 0;
	if (len >= sizeof(buf)) {
		snprintf(err, errlen, "'%.20s...' is not an address", s);
		return -1;
	}
	const char *slash = memchr(s, '/', len);
	size_t alen = slash ? (size_t)(slash - s) : len;
	if (!memchr(s, ':', alen) && parse_v4(s, s + alen, out->addr)) {
		out->family = PC_FAM_V4;
	} else {
		memcpy(buf, s, alen);
		buf[alen] = '\0';
		if (pc_addr_parse(buf, &out->family, out->addr) < 0) {
			snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", buf);
			return -1;
		}
	}
	plen = family_bits(out->family);
	if (slash && parse_plen(slash + 1, family_bits(out->family), &plen) < 0) {
		snprintf(err, errlen, "'%s' is not a prefix length for %s (0-%u)", slash + 1,
			 out->family == PC_FAM_V4 ? "IPv4" : "IPv6", family_bits(out->family));
		return -1;
	}
	out->plen = (uint8_t)plen;
	if (!host_bits_zero(out->addr, plen)) {
		snprintf(err, errlen, "'%s' has bits set past the prefix length /%u", s, plen);
		return -1;
	}
	return 0;
}

static bool bits_equal(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;

	if (memcmp(a, b, full))
		return false;
	if (!rest)
		return true;
	uint8_t m = (uint8_t)(0xff00u >> rest);
	return (a[full] & m) == (b[full] & m);
}

bool pc_prefix_contains(const struct pc_prefix *p, uint8_t family, const uint8_t addr[16])
{
	if (p->family == PC_FAM_ANY)
		return true;
	return p->family == family && bits_equal(p->addr, addr, p->plen);
}

bool pc_prefix_covers(const struct pc_prefix *outer, const struct pc_prefix *inner)
{
	if (outer->family == PC_FAM_ANY)
		return true;
	if (outer->family != inner->family || outer->plen > inner->plen)
		return false;
	return bits_equal(outer->addr, inner->addr, outer->plen);
}

const char *pc_addr_format(uint8_t family, const uint8_t addr[16], char *buf, size_t len)
{
	if (!inet_ntop(family == PC_FAM_V4 ? AF_INET : AF_INET6, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *pc_prefix_format(const struct pc_prefix *p, char *buf, size_t len)
{
	char a[PC_ADDR_STRLEN];

	if (p->family == PC_FAM_ANY) {
		snprintf(buf, len, "any");
		return buf;
	}
	pc_addr_format(p->family, p->addr, a, sizeof(a));
	if (p->plen == family_bits(p->family))
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, p->plen);
	return buf;
}
