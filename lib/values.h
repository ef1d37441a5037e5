/* values.h - parsing the values of policy keys (shared by the loader and the CLI).
 * Every parser returns 0, or -1 with a message in err (errlen bytes). */
#ifndef PC_VALUES_H
#define PC_VALUES_H

#include <stddef.h>

#include "rule.h"

/* A decimal number 0..max, nothing else. */
int pc_parse_uint(const char *s, unsigned long max, unsigned long *out, char *err, size_t errlen);
/* N or N-M, each 0..max (*hi = *lo for N; M < N is the caller's to refuse).
 * Text past the first 31 bytes of s is ignored. */
int pc_parse_range(const char *s, unsigned long max, unsigned long *lo, unsigned long *hi,
		   char *err, size_t errlen);

/* "any", a protocol name (tcp, udp, icmp, icmpv6, ...) or 0-255. */
int pc_parse_proto(const char *s, int *proto, char *err, size_t errlen);
/* The name of a protocol number ("tcp", "47", "any"); buf has 8 bytes. */
const char *pc_proto_name(int proto, char *buf, size_t len);

/* "any" | N | N-M | comma list of those. *v is malloc'd (free it). */
int pc_parse_ports(const char *s, struct pc_portrange **v, size_t *n, char *err, size_t errlen);

/* "any" | address | CIDR | comma list (no file:). *v is malloc'd. */
int pc_parse_prefixes(const char *s, struct pc_prefix **v, size_t *n, char *err, size_t errlen);

/* "any" | TYPE | TYPE/CODE | comma list; TYPE a number or a name of proto's
 * ICMP (1) or ICMPv6 (58) types. *v is malloc'd. */
int pc_parse_icmp(const char *s, int proto, struct pc_icmpspec **v, size_t *n, char *err,
		  size_t errlen);
/* The name of an ICMP/ICMPv6 type, or NULL. */
const char *pc_icmp_type_name(int proto, int type);

/* The elements a comma list can hold (its commas + 1): the room the
 * *_into parsers need. */
size_t pc_list_count(const char *s);
/* The list parsers above, into v (room for cap elements, which must be at
 * least pc_list_count(s)); *n is the number parsed. */
int pc_parse_ports_into(const char *s, struct pc_portrange *v, size_t cap, size_t *n, char *err,
			size_t errlen);
int pc_parse_prefixes_into(const char *s, struct pc_prefix *v, size_t cap, size_t *n, char *err,
			   size_t errlen);
int pc_parse_icmp_into(const char *s, int proto, struct pc_icmpspec *v, size_t cap, size_t *n,
		       char *err, size_t errlen);

/* One of the words in names (NULL-terminated); *out is its position.
 * The error lists the words. */
int pc_parse_word(const char *s, const char *const *names, int *out, char *err, size_t errlen);

#endif
