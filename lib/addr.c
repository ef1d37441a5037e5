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

int pc_addr_parse(const char *s, uint8_t *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, addr) != 1)
			return -1;
		*family = PC_FAM_V6;
		return 0;
	}
	if (inet_pton(AF_INET, s, addr) != 1)
		return -1;
	*family = PC_FAM_V4;
	return 0;
}

void pc_addr_mask(uint8_t addr[16], unsigned plen)
{
	for (unsigned i = 0; i < 16; i++) {
		if (plen >= 8 * (i + 1))
			continue;
		unsigned keep = plen > 8 * i ? plen - 8 * i : 0;
		addr[i] &= (uint8_t)(0xff00u >> keep);
	}
}

static int parse_plen(const char *s, unsigned max, unsigned *plen)
{
	char *end;

	if (*s < '0' || *s > '9' || strlen(s) > 3)
		return -1;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*plen = (unsigned)v;
	return 0;
}

int pc_prefix_parse(const char *s, struct pc_prefix *out, char *err, size_t errlen)
{
	char buf[PC_ADDR_STRLEN];
	unsigned plen;
	uint8_t masked[16];

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
	if (pc_addr_parse(buf, &out->family, out->addr) < 0) {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", buf);
		return -1;
	}
	plen = family_bits(out->family);
	if (slash && parse_plen(slash, family_bits(out->family), &plen) < 0) {
		snprintf(err, errlen, "'%s' is not a prefix length for %s (0-%u)", slash,
			 out->family == PC_FAM_V4 ? "IPv4" : "IPv6", family_bits(out->family));
		return -1;
	}
	out->plen = (uint8_t)plen;
	memcpy(masked, out->addr, 16);
	pc_addr_mask(masked, plen);
	if (memcmp(masked, out->addr, 16)) {
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
