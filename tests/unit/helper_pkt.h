/* helper_pkt.h - packets described in words, for the unit tests */
#ifndef PC_HELPER_PKT_H
#define PC_HELPER_PKT_H

#include <stdint.h>

#include "packet.h"

/* A packet from src to dst (addresses in text, one family) of protocol
 * proto, flags PC_PKT_*, len bytes: with PC_PKT_PORTS, a and b are the
 * source and destination ports; with PC_PKT_ICMP, the type and code. The
 * test fails when an address does not parse. */
struct pc_pkt pc_test_pkt(uint8_t proto, const char *src, const char *dst, uint8_t flags,
			  uint16_t a, uint16_t b, uint32_t len);

#endif
