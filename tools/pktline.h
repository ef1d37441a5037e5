/* pktline.h - a packet described in words, as `portcullis explain` reads
 * them: DIR PROTO SRC DST [SPORT DPORT | TYPE CODE | frag] */
#ifndef PC_PKTLINE_H
#define PC_PKTLINE_H

#include <stddef.h>

#include "packet.h"

#define PC_PKTLINE_WORDS 8    /* words kept of a line; more is an error */
#define PC_PKTLINE_ERRLEN 256 /* the size of err below */

/* Splits line in place at blanks into w (room for PC_PKTLINE_WORDS; more
 * are counted, not kept). Returns how many words there are. */
int pc_pktline_split(char *line, char **w);

/* Parses the n words of a line into *pkt: DIR in or out, PROTO a name or
 * number (not any), SRC and DST addresses of one family, then SPORT DPORT
 * for tcp and udp, TYPE CODE for icmp and icmpv6 (TYPE one type, a number
 * or a name), "frag" for a non-first fragment, or nothing. Returns 0, or
 * -1 with a message naming the bad field in err (PC_PKTLINE_ERRLEN bytes). */
int pc_pktline_parse_words(char **w, int n, struct pc_pkt *pkt, char *err);

/* Both: splits line (NUL-terminated, changed) and parses its words. */
int pc_pktline_parse(char *line, struct pc_pkt *pkt, char *err);

#endif
