/* packet.h - parsing raw IPv4/IPv6 packets as NFQUEUE delivers them */
#ifndef PC_PACKET_H
#define PC_PACKET_H

#include <stddef.h>
#include <stdint.h>

/* pc_pkt.flags */
#define PC_PKT_FRAG  0x01 /* non-first fragment: no ports, no ICMP type */
#define PC_PKT_PORTS 0x02 /* sport/dport are valid (TCP or UDP) */
#define PC_PKT_ICMP  0x04 /* icmp_type/icmp_code are valid (ICMP or ICMPv6) */

/* The fields of a packet the engine decides on. src/dst as on the wire;
 * dir (PC_DIR_IN / PC_DIR_OUT) is set by the caller, not the parser. */
struct pc_pkt {
	uint8_t family; /* PC_FAM_V4 or PC_FAM_V6 */
	uint8_t proto;  /* upper-layer protocol after any IPv6 extension headers */
	uint8_t dir;
	uint8_t flags;
	uint16_t sport, dport;
	uint8_t icmp_type, icmp_code;
	uint8_t tcp_flags; /* TCP: the flags byte (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10) */
	uint16_t l4off;    /* offset of the upper-layer header (when one was reached) */
	uint32_t len; /* length of the IP packet */
	uint8_t src[16], dst[16];
};

/* Why a packet is malformed. PC_PKT_OK (0) means it parsed. */
enum pc_pkt_status {
	PC_PKT_OK = 0,
	PC_PKT_TRUNCATED,      /* a header is cut short by the buffer or the packet */
	PC_PKT_BAD_VERSION,    /* IP version is neither 4 nor 6 */
	PC_PKT_BAD_IHL,        /* IPv4 header length < 20 */
	PC_PKT_BAD_LENGTH,     /* IP/UDP length field inconsistent with the packet */
	PC_PKT_BAD_TCP_OFFSET, /* TCP data offset < 5 or past the packet */
	PC_PKT_BAD_FRAGMENT,   /* tiny or overlapping-header fragment */
	/* IPv6 chain longer than 8, hop-by-hop not first, a header past the packet
	 * end, or any needed header past PC_PACKET_CAPLEN bytes (a header cut
	 * only by the capture is PC_PKT_TRUNCATED) */
	PC_PKT_BAD_EXTHDR,
	PC_PKT_STATUS_MAX
};

/* Parses buf (caplen bytes, starting with the IP header) of a packet that was
 * pktlen bytes long before capture (pktlen >= caplen; pass caplen when it is
 * the whole packet). Never reads past buf + caplen. Fills *pkt except dir.
 * Returns PC_PKT_OK, or the enum pc_pkt_status saying why it is malformed. */
int pc_packet_parse(const void *buf, size_t caplen, size_t pktlen, struct pc_pkt *pkt);

/* A short, stable name for a status ("truncated", "bad-ihl", ...). */
const char *pc_packet_reason(int status);

/* Bytes a capture needs for the longest header chain the parser accepts. */
#define PC_PACKET_CAPLEN 512

#endif
