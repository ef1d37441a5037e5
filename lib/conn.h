/* conn.h - packets seen as connections (stateful = yes): which packets may
 * open one, which ICMP messages conntrack never tracks, and the view of a
 * connection's first packet that a later packet of it is judged by */
#ifndef PC_CONN_H
#define PC_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"

/* TCP flags */
#define PC_TCP_FIN 0x01
#define PC_TCP_SYN 0x02
#define PC_TCP_RST 0x04
#define PC_TCP_ACK 0x10

/* Whether a packet conntrack calls NEW really opens a connection: a TCP
 * packet must be a bare SYN (no ACK, RST or FIN); a lone ACK, SYN-ACK, RST
 * or FIN that answers nothing is invalid. Other protocols: always. */
bool pc_conn_opens(const struct pc_pkt *p);

/* Whether p is an ICMP or ICMPv6 message conntrack never makes a
 * connection of and never relates to one (neighbour and router discovery,
 * multicast listener messages, ...): decided per packet. Requests, replies
 * and errors are not. */
bool pc_conn_untrackable(const struct pc_pkt *p);

/* Whether p is an ICMP or ICMPv6 error (it carries an offending packet). */
bool pc_conn_icmp_error(const struct pc_pkt *p);

/* Whether p is an ICMP or ICMPv6 reply (echo reply, ...): conntrack
 * accepts it only as the answer to a request it tracks. */
bool pc_conn_icmp_reply(const struct pc_pkt *p);

/* Whether p is an ICMP or ICMPv6 request or reply: a message whose
 * identifier (the 16 bits after its checksum) is part of its connection. */
bool pc_conn_icmp_query(const struct pc_pkt *p);

/* The first packet of the connection that packet p (parsed from the caplen
 * bytes at data, p->dir set) belongs to, as far as the rules see it: its
 * addresses, ports, protocol, ICMP request type and direction. reply: p
 * travels in the connection's reply direction (conntrack's ctdir REPLY).
 * An ICMP error is judged by the packet it quotes. Returns 0 with *key set,
 * or -1 when an ICMP error quotes no usable packet. */
int pc_conn_key(const uint8_t *data, size_t caplen, const struct pc_pkt *p, bool reply,
		struct pc_pkt *key);

#endif
