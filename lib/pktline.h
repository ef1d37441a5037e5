/* pktline.h - a packet described in words, as `portcullis explain` reads
 * them: DIR PROTO SRC DST [SPORT DPORT | TYPE CODE | frag] */
#ifndef PC_PKTLINE_H
#define PC_PKTLINE_H

#include <stddef.h>

#include "packet.h"

/* Parses line (NUL-terminated; split in place) into *pkt: DIR in or out,
 * PROTO a name or number (not any), SRC and DST addresses of one family,
 * then SPORT DPORT for tcp and udp, TYPE CODE for icmp and icmpv6 (TYPE one
 * type, a number or a name, without /CODE), "frag" for a non-first
 * fragment, or nothing. Returns 0, or -1 with a message naming the bad
 * field in err (len bytes). */
int pc_pktline_parse(char *line, struct pc_pkt *pkt, char *err, size_t len);

#endif
