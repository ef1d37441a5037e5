/* addr.h - IPv4/IPv6 addresses and prefixes */
#ifndef PC_ADDR_H
#define PC_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Address families as stored in prefixes and packets. */
enum pc_family {
	PC_FAM_ANY = 0, /* only in a prefix: "any", matches both families */
	PC_FAM_V4 = 4,
	PC_FAM_V6 = 6,
};

/* An address or prefix. IPv4 uses addr[0..3]; bits past plen are zero. */
struct pc_prefix {
	uint8_t family; /* enum pc_family */
	uint8_t plen;   /* 0..32 (v4), 0..128 (v6), 0 for any */
	uint8_t addr[16];
};

#define PC_ADDR_STRLEN 64 /* enough for any formatted prefix */

/* Parses "any", an address, or ADDR/LEN (v4 or v6) into *out.
 * Host bits past the prefix length are an error (192.0.2.1/24).
 * Returns 0, or -1 with a message in err (errlen bytes). */
int pc_prefix_parse(const char *s, struct pc_prefix *out, char *err, size_t errlen);

/* Parses a bare address (no "/", no "any") into family and addr.
 * Returns 0, or -1 when s is not an address. */
int pc_addr_parse(const char *s, uint8_t *family, uint8_t addr[16]);

/* True when the prefix admits an address of that family. */
bool pc_prefix_contains(const struct pc_prefix *p, uint8_t family, const uint8_t addr[16]);

/* True when every address of inner is in outer. */
bool pc_prefix_covers(const struct pc_prefix *outer, const struct pc_prefix *inner);

/* Zeroes the bits of addr past plen (addr is 16 bytes). */
void pc_addr_mask(uint8_t addr[16], unsigned plen);

/* Formats an address of that family into buf (PC_ADDR_STRLEN). Returns buf. */
const char *pc_addr_format(uint8_t family, const uint8_t addr[16], char *buf, size_t len);

/* Formats a prefix ("any", "192.0.2.0/24", "2001:db8::1"). Returns buf. */
const char *pc_prefix_format(const struct pc_prefix *p, char *buf, size_t len);

#endif
