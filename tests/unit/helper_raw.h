/* helper_raw.h - raw IPv4 packets byte by byte, for the unit tests that
 * parse what the kernel would queue */
#ifndef PC_HELPER_RAW_H
#define PC_HELPER_RAW_H

#include <stddef.h>
#include <stdint.h>

#define RAW_A4 "\xc6\x33\x64\x02" /* 198.51.100.2, the host */
#define RAW_B4 "\xcb\x00\x71\x07" /* 203.0.113.7 */
#define RAW_R4 "\xc0\x00\x02\x01" /* 192.0.2.1, a router */

struct pc_raw {
	uint8_t b[512];
	size_t len;
};

/* Appends n bytes (the test fails when they do not fit). */
void pc_raw_put(struct pc_raw *p, const void *v, size_t n);
/* An IPv4 header of protocol proto for a packet of total length tot;
 * src and dst are 4 raw bytes. */
void pc_raw_ip4(struct pc_raw *p, uint8_t proto, const char *src, const char *dst, uint16_t tot);
void pc_raw_tcp(struct pc_raw *p, uint16_t sport, uint16_t dport, uint8_t flags);
void pc_raw_udp(struct pc_raw *p, uint16_t sport, uint16_t dport, uint16_t ulen);
void pc_raw_icmp(struct pc_raw *p, uint8_t type, uint8_t code);

#endif
