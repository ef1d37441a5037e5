/* helper_raw.c - raw IPv4 packets for the unit tests */
#include "helper_raw.h"

#include <check.h>
#include <string.h>

void pc_raw_put(struct pc_raw *p, const void *v, size_t n)
{
	ck_assert_uint_le(p->len + n, sizeof(p->b));
	memcpy(p->b + p->len, v, n);
	p->len += n;
}

void pc_raw_ip4(struct pc_raw *p, uint8_t proto, const char *src, const char *dst, uint16_t tot)
{
	uint8_t h[20] = { 0x45, 0, (uint8_t)(tot >> 8), (uint8_t)tot, 0, 0, 0x40, 0, 64, proto };

	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
	pc_raw_put(p, h, sizeof(h));
}

void pc_raw_tcp(struct pc_raw *p, uint16_t sport, uint16_t dport, uint8_t flags)
{
	uint8_t h[20] = { (uint8_t)(sport >> 8), (uint8_t)sport, (uint8_t)(dport >> 8),
			  (uint8_t)dport };

	h[12] = 0x50;
	h[13] = flags;
	pc_raw_put(p, h, sizeof(h));
}

void pc_raw_udp(struct pc_raw *p, uint16_t sport, uint16_t dport, uint16_t ulen)
{
	uint8_t h[8] = { (uint8_t)(sport >> 8), (uint8_t)sport, (uint8_t)(dport >> 8),
			 (uint8_t)dport, (uint8_t)(ulen >> 8), (uint8_t)ulen };

	pc_raw_put(p, h, sizeof(h));
}

void pc_raw_icmp(struct pc_raw *p, uint8_t type, uint8_t code)
{
	uint8_t h[8] = { type, code };

	pc_raw_put(p, h, sizeof(h));
}
