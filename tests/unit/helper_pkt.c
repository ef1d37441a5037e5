/* helper_pkt.c - packets described in words */
#include "helper_pkt.h"

#include <check.h>
#include <string.h>

#include "addr.h"

struct pc_pkt pc_test_pkt(uint8_t proto, const char *src, const char *dst, uint8_t flags,
			  uint16_t a, uint16_t b, uint32_t len)
{
	struct pc_pkt p;

	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(pc_addr_parse(src, &p.family, p.src), 0);
	ck_assert_int_eq(pc_addr_parse(dst, &p.family, p.dst), 0);
	p.proto = proto;
	p.flags = flags;
	p.len = len;
	if (flags & PC_PKT_PORTS) {
		p.sport = a;
		p.dport = b;
	} else if (flags & PC_PKT_ICMP) {
		p.icmp_type = (uint8_t)a;
		p.icmp_code = (uint8_t)b;
	}
	return p;
}
