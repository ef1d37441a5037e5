/* test_packet.c - the packet parser (lib/packet.c) against hand-built packets */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "helper_fixture.h"
#include "packet.h"

/* ---- packet builder ---- */

#define PB_MAX 4096
#define PB_BOUNDS 128

#define P_ICMP 1
#define P_TCP 6
#define P_UDP 17
#define P_GRE 47
#define P_ESP 50
#define P_AH 51
#define P_ICMPV6 58
#define P_NONEXT 59
#define X_HBH 0
#define X_RT 43
#define X_FRAG 44
#define X_DST 60

static const uint8_t src4[4] = { 192, 0, 2, 1 };
static const uint8_t dst4[4] = { 198, 51, 100, 2 };
static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0xab, [15] = 2 };

/* A header of the packet ends at end; when the packet (not the capture)
 * ends before it, the parser must answer st. */
struct bound {
	size_t end;
	int st;
};

struct pb {
	uint8_t b[PB_MAX];
	size_t n;
	uint8_t family;
	size_t nh_at;     /* offset of the next-header byte to fill */
	size_t l4;        /* offset of the UDP header, 0 = none */
	long udp_len;     /* UDP length to write, -1 = the real one */
	bool len_zero;    /* leave the IP length field 0 (GSO, jumbogram) */
	struct bound bounds[PB_BOUNDS];
	size_t nbounds;
};

/* What a valid packet must parse to (len and addresses are checked apart). */
struct want {
	uint8_t family, proto, flags;
	uint16_t sport, dport;
	uint8_t type, code;
};

static uint8_t *pb_grow(struct pb *p, size_t n)
{
	uint8_t *at = p->b + p->n;

	ck_assert_uint_le(p->n + n, PB_MAX);
	memset(at, 0, n);
	p->n += n;
	return at;
}

static void pb_bound(struct pb *p, size_t end, int st)
{
	ck_assert_uint_lt(p->nbounds, PB_BOUNDS);
	p->bounds[p->nbounds++] = (struct bound){ end, st };
}

static void pb_next(struct pb *p, uint8_t proto)
{
	p->b[p->nh_at] = proto;
}

static void pb_init(struct pb *p)
{
	memset(p, 0, sizeof(*p));
	p->udp_len = -1;
}

/* IPv4 header of ihl 32-bit words (options are NOPs). */
static void pb_v4(struct pb *p, unsigned ihl)
{
	uint8_t *h;

	pb_init(p);
	h = pb_grow(p, ihl * 4);
	h[0] = (uint8_t)(0x40 | ihl);
	h[8] = 64;
	memcpy(h + 12, src4, 4);
	memcpy(h + 16, dst4, 4);
	memset(h + 20, 1, ihl * 4 - 20);
	p->family = PC_FAM_V4;
	p->nh_at = 9;
	pb_bound(p, 20, PC_PKT_TRUNCATED);
	pb_bound(p, ihl * 4, PC_PKT_TRUNCATED);
}

static void pb_v4_frag(struct pb *p, unsigned offset, bool more)
{
	unsigned v = offset | (more ? 0x2000 : 0);

	p->b[6] = (uint8_t)(v >> 8);
	p->b[7] = (uint8_t)v;
}

static void pb_v6(struct pb *p)
{
	uint8_t *h;

	pb_init(p);
	h = pb_grow(p, 40);
	h[0] = 0x60;
	h[7] = 64;
	memcpy(h + 8, src6, 16);
	memcpy(h + 24, dst6, 16);
	p->family = PC_FAM_V6;
	p->nh_at = 6;
	pb_bound(p, 40, PC_PKT_TRUNCATED);
}

/* An IPv6 extension header of size bytes (a multiple of 8; of 4 for AH). */
static void pb_ext(struct pb *p, uint8_t kind, size_t size)
{
	size_t at = p->n;
	uint8_t *h;

	pb_next(p, kind);
	h = pb_grow(p, size);
	h[1] = (uint8_t)(kind == P_AH ? size / 4 - 2 : size / 8 - 1);
	if (kind == X_FRAG)
		h[1] = 0;
	else if (kind != P_AH)
		memset(h + 2, 1, size - 2); /* PadN-free: Pad1 options */
	p->nh_at = at;
	pb_bound(p, at + size, PC_PKT_BAD_EXTHDR);
}

static void pb_frag6(struct pb *p, unsigned offset, bool more)
{
	size_t at = p->n;
	unsigned v = offset << 3 | (more ? 1 : 0);

	pb_ext(p, X_FRAG, 8);
	p->b[at + 2] = (uint8_t)(v >> 8);
	p->b[at + 3] = (uint8_t)v;
	p->b[at + 7] = 0x2a; /* identification */
}

static void pb_ports(uint8_t *h, uint16_t sport, uint16_t dport)
{
	h[0] = (uint8_t)(sport >> 8);
	h[1] = (uint8_t)sport;
	h[2] = (uint8_t)(dport >> 8);
	h[3] = (uint8_t)dport;
}

static void pb_tcp(struct pb *p, uint16_t sport, uint16_t dport, unsigned doff)
{
	size_t at = p->n;
	uint8_t *h;

	pb_next(p, P_TCP);
	h = pb_grow(p, doff * 4);
	pb_ports(h, sport, dport);
	h[12] = (uint8_t)(doff << 4);
	h[13] = 0x02; /* SYN */
	memset(h + 20, 1, doff * 4 - 20);
	pb_bound(p, at + 20, PC_PKT_TRUNCATED);
	pb_bound(p, at + doff * 4, PC_PKT_BAD_TCP_OFFSET);
}

static void pb_udp(struct pb *p, uint16_t sport, uint16_t dport)
{
	size_t at = p->n;

	pb_next(p, P_UDP);
	pb_ports(pb_grow(p, 8), sport, dport);
	p->l4 = at;
	pb_bound(p, at + 8, PC_PKT_TRUNCATED);
}

static void pb_icmp(struct pb *p, uint8_t proto, uint8_t type, uint8_t code)
{
	size_t at = p->n;
	uint8_t *h;

	pb_next(p, proto);
	h = pb_grow(p, 8);
	h[0] = type;
	h[1] = code;
	pb_bound(p, at + 8, PC_PKT_TRUNCATED);
}

static void pb_payload(struct pb *p, size_t n)
{
	uint8_t *h = pb_grow(p, n);

	for (size_t i = 0; i < n; i++)
		h[i] = (uint8_t)(0xa5 ^ i);
}

static void put16(uint8_t *at, size_t v)
{
	at[0] = (uint8_t)(v >> 8);
	at[1] = (uint8_t)v;
}

/* Writes the length fields. */
static void pb_done(struct pb *p)
{
	size_t iplen = p->family == PC_FAM_V4 ? p->n : p->n - 40;

	if (iplen == 0) /* an empty IPv6 payload reads as a jumbogram */
		p->len_zero = true;

	put16(p->b + (p->family == PC_FAM_V4 ? 2 : 4), p->len_zero ? 0 : iplen);
	if (p->l4)
		put16(p->b + p->l4 + 4, p->udp_len >= 0 ? (size_t)p->udp_len
					: p->len_zero ? 0 : p->n - p->l4);
}

/* A check for hot loops: Check's ck_assert_* talk to the runner even on success. */
#define REQUIRE(cond, ...)                                                                         \
	do {                                                                                       \
		if (!(cond))                                                                       \
			ck_abort_msg(__VA_ARGS__);                                                 \
	} while (0)

/* ---- parsing under ASan: the input sits in a buffer of exactly caplen bytes ---- */

static int parse_exact(const uint8_t *data, size_t caplen, size_t pktlen, struct pc_pkt *pkt)
{
	uint8_t *copy = malloc(caplen);
	int st;

	REQUIRE(copy || caplen == 0, "out of memory");
	if (caplen)
		memcpy(copy, data, caplen);
	pkt->dir = 2;
	st = pc_packet_parse(copy, caplen, pktlen, pkt);
	free(copy);
	REQUIRE(pkt->dir == 2, "dir changed to %u", pkt->dir);
	REQUIRE(st >= 0 && st < PC_PKT_STATUS_MAX, "status %d out of range", st);
	return st;
}

static void check_status(const struct pb *p, size_t caplen, size_t pktlen, int want, int line)
{
	struct pc_pkt pkt;
	int st = parse_exact(p->b, caplen, pktlen, &pkt);

	ck_assert_msg(st == want, "line %d: caplen %zu pktlen %zu: got %s, want %s", line, caplen,
		      pktlen, pc_packet_reason(st), pc_packet_reason(want));
}

/* Status of the whole packet. */
#define CHECK_ST(p, want) check_status((p), (p)->n, (p)->n, (want), __LINE__)

static void check_fields(const struct pc_pkt *pkt, const struct want *w, int line)
{
	const uint8_t *s = w->family == PC_FAM_V4 ? src4 : src6;
	const uint8_t *d = w->family == PC_FAM_V4 ? dst4 : dst6;
	size_t alen = w->family == PC_FAM_V4 ? 4 : 16;
	static const uint8_t zero[16];

	ck_assert_msg(pkt->family == w->family && pkt->proto == w->proto && pkt->flags == w->flags,
		      "line %d: family %u proto %u flags %#x, want %u %u %#x", line, pkt->family,
		      pkt->proto, pkt->flags, w->family, w->proto, w->flags);
	ck_assert_msg(pkt->sport == w->sport && pkt->dport == w->dport,
		      "line %d: ports %u %u, want %u %u", line, pkt->sport, pkt->dport, w->sport,
		      w->dport);
	ck_assert_msg(pkt->icmp_type == w->type && pkt->icmp_code == w->code,
		      "line %d: icmp %u/%u, want %u/%u", line, pkt->icmp_type, pkt->icmp_code,
		      w->type, w->code);
	ck_assert_msg(!memcmp(pkt->src, s, alen) && !memcmp(pkt->src + alen, zero, 16 - alen),
		      "line %d: src", line);
	ck_assert_msg(!memcmp(pkt->dst, d, alen) && !memcmp(pkt->dst + alen, zero, 16 - alen),
		      "line %d: dst", line);
}

/* Parses [0, caplen) of pktlen bytes, expects PC_PKT_OK, the fields and len. */
static void check_ok(const struct pb *p, size_t caplen, size_t pktlen, const struct want *w,
		     size_t len, int line)
{
	struct pc_pkt pkt;
	int st = parse_exact(p->b, caplen, pktlen, &pkt);

	ck_assert_msg(st == PC_PKT_OK, "line %d: caplen %zu pktlen %zu: got %s", line, caplen, pktlen,
		      pc_packet_reason(st));
	check_fields(&pkt, w, line);
	ck_assert_msg(pkt.len == len, "line %d: len %u, want %zu", line, pkt.len, len);
}

#define CHECK_OK(p, w) check_ok((p), (p)->n, (p)->n, (w), (p)->n, __LINE__)

/* ---- the valid packets: each builder fills a packet and what it parses to ---- */

static void mk_v4_tcp(struct pb *p, struct want *w)
{
	pb_v4(p, 5);
	pb_tcp(p, 40000, 80, 5);
	pb_payload(p, 12);
	*w = (struct want){ PC_FAM_V4, P_TCP, PC_PKT_PORTS, 40000, 80, 0, 0 };
}

static void mk_v4_tcp_opts(struct pb *p, struct want *w)
{
	pb_v4(p, 7);
	pb_tcp(p, 1024, 443, 10);
	pb_payload(p, 3);
	*w = (struct want){ PC_FAM_V4, P_TCP, PC_PKT_PORTS, 1024, 443, 0, 0 };
}

static void mk_v4_udp(struct pb *p, struct want *w)
{
	pb_v4(p, 5);
	pb_udp(p, 5353, 53);
	pb_payload(p, 30);
	*w = (struct want){ PC_FAM_V4, P_UDP, PC_PKT_PORTS, 5353, 53, 0, 0 };
}

static void mk_v4_udp_empty(struct pb *p, struct want *w)
{
	pb_v4(p, 5);
	pb_udp(p, 65535, 1);
	*w = (struct want){ PC_FAM_V4, P_UDP, PC_PKT_PORTS, 65535, 1, 0, 0 };
}

static void mk_v4_icmp(struct pb *p, struct want *w)
{
	pb_v4(p, 5);
	pb_icmp(p, P_ICMP, 8, 0);
	pb_payload(p, 16);
	*w = (struct want){ PC_FAM_V4, P_ICMP, PC_PKT_ICMP, 0, 0, 8, 0 };
}

static void mk_v4_icmp_unreach(struct pb *p, struct want *w)
{
	pb_v4(p, 6);
	pb_icmp(p, P_ICMP, 3, 4);
	*w = (struct want){ PC_FAM_V4, P_ICMP, PC_PKT_ICMP, 0, 0, 3, 4 };
}

static void mk_v4_gre(struct pb *p, struct want *w)
{
	pb_v4(p, 5);
	pb_next(p, P_GRE);
	pb_payload(p, 24);
	*w = (struct want){ PC_FAM_V4, P_GRE, 0, 0, 0, 0, 0 };
}

static void mk_v4_proto58(struct pb *p, struct want *w)
{
	pb_v4(p, 5);
	pb_next(p, P_ICMPV6); /* ICMPv6 over IPv4 is just another protocol */
	pb_payload(p, 8);
	*w = (struct want){ PC_FAM_V4, P_ICMPV6, 0, 0, 0, 0, 0 };
}

static void mk_v4_gso_tcp(struct pb *p, struct want *w)
{
	pb_v4(p, 5);
	pb_tcp(p, 80, 50000, 8);
	pb_payload(p, 100);
	p->len_zero = true;
	*w = (struct want){ PC_FAM_V4, P_TCP, PC_PKT_PORTS, 80, 50000, 0, 0 };
}

static void mk_v4_gso_udp(struct pb *p, struct want *w)
{
	pb_v4(p, 5);
	pb_udp(p, 4433, 443);
	pb_payload(p, 50);
	p->len_zero = true;
	*w = (struct want){ PC_FAM_V4, P_UDP, PC_PKT_PORTS, 4433, 443, 0, 0 };
}

static void mk_v4_frag_first_tcp(struct pb *p, struct want *w)
{
	pb_v4(p, 5);
	pb_v4_frag(p, 0, true);
	pb_tcp(p, 2000, 25, 5);
	pb_payload(p, 8);
	*w = (struct want){ PC_FAM_V4, P_TCP, PC_PKT_PORTS, 2000, 25, 0, 0 };
}

static void mk_v4_frag_first_udp(struct pb *p, struct want *w)
{
	pb_v4(p, 5);
	pb_v4_frag(p, 0, true);
	pb_udp(p, 3000, 53);
	pb_payload(p, 16);
	p->udp_len = 1400; /* the whole datagram, longer than this fragment */
	*w = (struct want){ PC_FAM_V4, P_UDP, PC_PKT_PORTS, 3000, 53, 0, 0 };
}

static void mk_v4_frag_later_udp(struct pb *p, struct want *w)
{
	pb_v4(p, 5);
	pb_v4_frag(p, 185, true);
	pb_next(p, P_UDP);
	pb_payload(p, 16);
	*w = (struct want){ PC_FAM_V4, P_UDP, PC_PKT_FRAG, 0, 0, 0, 0 };
}

static void mk_v4_frag_last_tcp(struct pb *p, struct want *w)
{
	pb_v4(p, 5);
	pb_v4_frag(p, 2, false);
	pb_next(p, P_TCP);
	pb_payload(p, 4);
	*w = (struct want){ PC_FAM_V4, P_TCP, PC_PKT_FRAG, 0, 0, 0, 0 };
}

static void mk_v4_frag_later_icmp(struct pb *p, struct want *w)
{
	pb_v4(p, 5);
	pb_v4_frag(p, 1, false); /* offset 1 is only an overlap attack for TCP */
	pb_next(p, P_ICMP);
	pb_payload(p, 3);
	*w = (struct want){ PC_FAM_V4, P_ICMP, PC_PKT_FRAG, 0, 0, 0, 0 };
}

static void mk_v6_tcp(struct pb *p, struct want *w)
{
	pb_v6(p);
	pb_tcp(p, 50000, 22, 5);
	pb_payload(p, 5);
	*w = (struct want){ PC_FAM_V6, P_TCP, PC_PKT_PORTS, 50000, 22, 0, 0 };
}

static void mk_v6_udp(struct pb *p, struct want *w)
{
	pb_v6(p);
	pb_udp(p, 546, 547);
	pb_payload(p, 20);
	*w = (struct want){ PC_FAM_V6, P_UDP, PC_PKT_PORTS, 546, 547, 0, 0 };
}

static void mk_v6_icmp6(struct pb *p, struct want *w)
{
	pb_v6(p);
	pb_icmp(p, P_ICMPV6, 128, 0);
	pb_payload(p, 8);
	*w = (struct want){ PC_FAM_V6, P_ICMPV6, PC_PKT_ICMP, 0, 0, 128, 0 };
}

static void mk_v6_proto1(struct pb *p, struct want *w)
{
	pb_v6(p);
	pb_next(p, P_ICMP); /* ICMP (v4) over IPv6 is just another protocol */
	pb_payload(p, 8);
	*w = (struct want){ PC_FAM_V6, P_ICMP, 0, 0, 0, 0, 0 };
}

static void mk_v6_chain(struct pb *p, struct want *w)
{
	pb_v6(p);
	pb_ext(p, X_HBH, 8);
	pb_ext(p, X_DST, 16);
	pb_ext(p, X_RT, 24);
	pb_ext(p, P_AH, 24);
	pb_ext(p, X_DST, 8);
	pb_tcp(p, 179, 33000, 6);
	pb_payload(p, 7);
	*w = (struct want){ PC_FAM_V6, P_TCP, PC_PKT_PORTS, 179, 33000, 0, 0 };
}

static void mk_v6_chain_icmp6(struct pb *p, struct want *w)
{
	pb_v6(p);
	pb_ext(p, X_HBH, 16);
	pb_ext(p, P_AH, 12);
	pb_icmp(p, P_ICMPV6, 135, 0);
	pb_payload(p, 16);
	*w = (struct want){ PC_FAM_V6, P_ICMPV6, PC_PKT_ICMP, 0, 0, 135, 0 };
}

static void mk_v6_eight_ext(struct pb *p, struct want *w)
{
	pb_v6(p);
	for (int i = 0; i < 8; i++)
		pb_ext(p, i % 2 ? X_DST : X_RT, 8);
	pb_udp(p, 9, 9);
	*w = (struct want){ PC_FAM_V6, P_UDP, PC_PKT_PORTS, 9, 9, 0, 0 };
}

static void mk_v6_esp(struct pb *p, struct want *w)
{
	pb_v6(p);
	pb_ext(p, X_DST, 8);
	pb_next(p, P_ESP);
	pb_payload(p, 32);
	*w = (struct want){ PC_FAM_V6, P_ESP, 0, 0, 0, 0, 0 };
}

static void mk_v6_nonext(struct pb *p, struct want *w)
{
	pb_v6(p);
	pb_next(p, P_NONEXT);
	*w = (struct want){ PC_FAM_V6, P_NONEXT, 0, 0, 0, 0, 0 };
}

static void mk_v6_atomic_frag(struct pb *p, struct want *w)
{
	pb_v6(p);
	pb_frag6(p, 0, false);
	pb_tcp(p, 1, 2, 5);
	*w = (struct want){ PC_FAM_V6, P_TCP, PC_PKT_PORTS, 1, 2, 0, 0 };
}

static void mk_v6_frag_first_udp(struct pb *p, struct want *w)
{
	pb_v6(p);
	pb_ext(p, X_HBH, 8);
	pb_frag6(p, 0, true);
	pb_ext(p, X_DST, 8);
	pb_udp(p, 123, 123);
	pb_payload(p, 24);
	p->udp_len = 3000;
	*w = (struct want){ PC_FAM_V6, P_UDP, PC_PKT_PORTS, 123, 123, 0, 0 };
}

static void mk_v6_frag_later_tcp(struct pb *p, struct want *w)
{
	pb_v6(p);
	pb_ext(p, X_HBH, 8);
	pb_frag6(p, 100, true);
	pb_next(p, P_TCP);
	pb_payload(p, 16);
	*w = (struct want){ PC_FAM_V6, P_TCP, PC_PKT_FRAG, 0, 0, 0, 0 };
}

static void mk_v6_frag_later_icmp6(struct pb *p, struct want *w)
{
	pb_v6(p);
	pb_frag6(p, 1, false);
	pb_next(p, P_ICMPV6);
	pb_payload(p, 2);
	*w = (struct want){ PC_FAM_V6, P_ICMPV6, PC_PKT_FRAG, 0, 0, 0, 0 };
}

static void mk_v6_jumbo_udp(struct pb *p, struct want *w)
{
	pb_v6(p);
	pb_ext(p, X_HBH, 8);
	pb_udp(p, 7000, 7001);
	pb_payload(p, 40);
	p->len_zero = true;
	*w = (struct want){ PC_FAM_V6, P_UDP, PC_PKT_PORTS, 7000, 7001, 0, 0 };
}

static void mk_v6_jumbo_tcp(struct pb *p, struct want *w)
{
	pb_v6(p);
	pb_ext(p, X_DST, 16);
	pb_tcp(p, 443, 60000, 8);
	pb_payload(p, 10);
	p->len_zero = true;
	*w = (struct want){ PC_FAM_V6, P_TCP, PC_PKT_PORTS, 443, 60000, 0, 0 };
}

static void mk_v6_big(struct pb *p, struct want *w)
{
	pb_v6(p);
	pb_ext(p, X_HBH, 64);
	pb_ext(p, X_DST, 200);
	pb_ext(p, P_AH, 96);
	pb_tcp(p, 8080, 8443, 15);
	pb_payload(p, 700); /* longer than PC_PACKET_CAPLEN */
	*w = (struct want){ PC_FAM_V6, P_TCP, PC_PKT_PORTS, 8080, 8443, 0, 0 };
}

static const struct valid {
	const char *name;
	void (*build)(struct pb *, struct want *);
} valid[] = {
#define V(f) { #f, f }
	V(mk_v4_tcp),		V(mk_v4_tcp_opts),	V(mk_v4_udp),
	V(mk_v4_udp_empty),	V(mk_v4_icmp),		V(mk_v4_icmp_unreach),
	V(mk_v4_gre),		V(mk_v4_proto58),	V(mk_v4_gso_tcp),
	V(mk_v4_gso_udp),	V(mk_v4_frag_first_tcp), V(mk_v4_frag_first_udp),
	V(mk_v4_frag_later_udp), V(mk_v4_frag_last_tcp), V(mk_v4_frag_later_icmp),
	V(mk_v6_tcp),		V(mk_v6_udp),		V(mk_v6_icmp6),
	V(mk_v6_proto1),	V(mk_v6_chain),		V(mk_v6_chain_icmp6),
	V(mk_v6_eight_ext),	V(mk_v6_esp),		V(mk_v6_nonext),
	V(mk_v6_atomic_frag),	V(mk_v6_frag_first_udp), V(mk_v6_frag_later_tcp),
	V(mk_v6_frag_later_icmp6), V(mk_v6_jumbo_udp),	V(mk_v6_jumbo_tcp),
	V(mk_v6_big),
#undef V
};
#define NVALID ((int)(sizeof(valid) / sizeof(valid[0])))

static void build_valid(int i, struct pb *p, struct want *w)
{
	valid[i].build(p, w);
	pb_done(p);
}

/* The status a prefix of k bytes of a valid packet must get: with the capture
 * cut (pktlen = full), TRUNCATED until every header is in; with the packet cut
 * (pktlen = k), TRUNCATED in the fixed header, else BAD_LENGTH when the IP
 * length says more, else the status of the first header that k cuts. */
static int expect_cut(const struct pb *p, size_t k, bool packet_cut)
{
	size_t need = p->bounds[p->nbounds - 1].end;

	if (!packet_cut)
		return k < need ? PC_PKT_TRUNCATED : PC_PKT_OK;
	if (k < p->bounds[0].end)
		return PC_PKT_TRUNCATED;
	if (!p->len_zero)
		return PC_PKT_BAD_LENGTH;
	for (size_t i = 0; i < p->nbounds; i++)
		if (k < p->bounds[i].end)
			return p->bounds[i].st;
	return PC_PKT_OK;
}

START_TEST(test_valid)
{
	struct pb p;
	struct want w;

	build_valid(_i, &p, &w);
	ck_assert_msg(p.n <= PB_MAX, "%s", valid[_i].name);
	check_ok(&p, p.n, p.n, &w, p.n, __LINE__);
	/* a longer pktlen is what GSO/jumbo packets take their length from */
	check_ok(&p, p.n, p.n + 1000, &w, p.len_zero ? p.n + 1000 : p.n, __LINE__);
	/* a capture buffer longer than pktlen: pktlen is taken as caplen */
	check_ok(&p, p.n, p.n - 1, &w, p.n, __LINE__);
}
END_TEST

START_TEST(test_truncations)
{
	struct pb p;
	struct want w;
	int seen[2][PC_PKT_STATUS_MAX] = { { 0 } };

	build_valid(_i, &p, &w);
	for (size_t k = 0; k < p.n; k++) {
		for (int cut = 0; cut < 2; cut++) {
			size_t pktlen = cut ? k : p.n;
			int want = expect_cut(&p, k, cut);
			struct pc_pkt pkt;
			int st = parse_exact(p.b, k, pktlen, &pkt);

			REQUIRE(st == want, "%s: caplen %zu pktlen %zu: got %s, want %s",
				valid[_i].name, k, pktlen, pc_packet_reason(st),
				pc_packet_reason(want));
			seen[cut][st]++;
			if (st == PC_PKT_OK) {
				check_fields(&pkt, &w, __LINE__);
				ck_assert_uint_eq(pkt.len, pktlen);
			}
		}
	}
	/* the model itself: prefixes that are truncated, and parse when only the capture is cut */
	ck_assert_int_gt(seen[0][PC_PKT_TRUNCATED], 0);
	ck_assert_int_eq(seen[0][PC_PKT_OK] > 0, p.bounds[p.nbounds - 1].end < p.n);
	ck_assert_int_eq(seen[1][PC_PKT_BAD_LENGTH] > 0, !p.len_zero && p.bounds[0].end < p.n);
}
END_TEST

START_TEST(test_version)
{
	struct pb p;
	struct want w;

	mk_v4_tcp(&p, &w);
	pb_done(&p);
	for (unsigned v = 0; v < 16; v++) {
		if (v == 4 || v == 6)
			continue;
		p.b[0] = (uint8_t)(v << 4 | 5);
		CHECK_ST(&p, PC_PKT_BAD_VERSION);
		check_status(&p, 1, 1, PC_PKT_BAD_VERSION, __LINE__);
	}
	check_status(&p, 0, 0, PC_PKT_TRUNCATED, __LINE__);
	check_status(&p, 0, 100, PC_PKT_TRUNCATED, __LINE__);
	/* an IPv6 version nibble on a 30-byte packet: short of the IPv6 header */
	p.b[0] = 0x65;
	check_status(&p, 30, 30, PC_PKT_TRUNCATED, __LINE__);
}
END_TEST

START_TEST(test_ihl)
{
	struct pb p;
	struct want w;

	mk_v4_tcp(&p, &w);
	pb_done(&p);
	for (unsigned ihl = 0; ihl < 5; ihl++) {
		p.b[0] = (uint8_t)(0x40 | ihl);
		CHECK_ST(&p, PC_PKT_BAD_IHL);
	}
	/* a 52-byte packet claiming a 60-byte header */
	p.b[0] = 0x4f;
	CHECK_ST(&p, PC_PKT_BAD_LENGTH);
	/* header longer than the total length by one word */
	mk_v4_gre(&p, &w);
	p.n = 20;
	pb_done(&p);
	CHECK_ST(&p, PC_PKT_OK);
	p.b[0] = 0x46;
	CHECK_ST(&p, PC_PKT_BAD_LENGTH);
	/* GSO (length 0): the header runs past the packet */
	put16(p.b + 2, 0);
	CHECK_ST(&p, PC_PKT_TRUNCATED);
	/* a real 60-byte header, captured only in part */
	pb_v4(&p, 15);
	pb_udp(&p, 1, 2);
	pb_done(&p);
	CHECK_ST(&p, PC_PKT_OK);
	check_status(&p, 59, p.n, PC_PKT_TRUNCATED, __LINE__);
	check_status(&p, 60, p.n, PC_PKT_TRUNCATED, __LINE__);
	check_status(&p, 68, p.n, PC_PKT_OK, __LINE__);
}
END_TEST

START_TEST(test_total_length)
{
	struct pb p;
	struct want w;
	size_t n;

	mk_v4_tcp_opts(&p, &w); /* ihl 7: 28-byte header */
	pb_done(&p);
	n = p.n;
	for (size_t tot = 1; tot < 28; tot++) {
		put16(p.b + 2, tot);
		CHECK_ST(&p, PC_PKT_BAD_LENGTH);
	}
	/* total length up to the IP header, inside the TCP header, inside its options */
	put16(p.b + 2, 28);
	CHECK_ST(&p, PC_PKT_TRUNCATED);
	put16(p.b + 2, 47);
	CHECK_ST(&p, PC_PKT_TRUNCATED);
	put16(p.b + 2, 48);
	CHECK_ST(&p, PC_PKT_BAD_TCP_OFFSET);
	put16(p.b + 2, 67);
	CHECK_ST(&p, PC_PKT_BAD_TCP_OFFSET);
	put16(p.b + 2, 68);
	check_ok(&p, n, n, &w, 68, __LINE__);
	/* longer than the packet */
	put16(p.b + 2, n + 1);
	CHECK_ST(&p, PC_PKT_BAD_LENGTH);
	put16(p.b + 2, 65535);
	CHECK_ST(&p, PC_PKT_BAD_LENGTH);
	check_status(&p, n, 65535, PC_PKT_OK, __LINE__);
	/* 0: GSO, the length is pktlen */
	put16(p.b + 2, 0);
	check_ok(&p, n, n, &w, n, __LINE__);
	check_ok(&p, n, 64000, &w, 64000, __LINE__);
	check_ok(&p, 68, 70000, &w, 70000, __LINE__);
	check_status(&p, 67, 70000, PC_PKT_TRUNCATED, __LINE__);
	/* bytes after the total length are not part of the packet */
	mk_v4_udp(&p, &w);
	pb_done(&p);
	n = p.n;
	pb_payload(&p, 10);
	check_ok(&p, p.n, p.n, &w, n, __LINE__);
	/* so the UDP length must fit the total length, not the buffer */
	put16(p.b + 20 + 4, n - 20 + 1);
	CHECK_ST(&p, PC_PKT_BAD_LENGTH);
}
END_TEST

START_TEST(test_tcp_offset)
{
	struct pb p;
	struct want w;

	for (int fam = 0; fam < 2; fam++) {
		size_t at = fam ? 40 : 20;

		if (fam)
			mk_v6_tcp(&p, &w);
		else
			mk_v4_tcp(&p, &w);
		pb_payload(&p, 40 - (p.n - at - 20)); /* 40 bytes after the TCP header */
		pb_done(&p);
		for (unsigned doff = 0; doff < 5; doff++) {
			p.b[at + 12] = (uint8_t)(doff << 4);
			CHECK_ST(&p, PC_PKT_BAD_TCP_OFFSET);
		}
		p.b[at + 12] = 15 << 4; /* 60 bytes: 40 more than the fixed header */
		CHECK_ST(&p, PC_PKT_OK);
		check_status(&p, at + 59, p.n, PC_PKT_TRUNCATED, __LINE__);
		check_status(&p, at + 59, at + 59, PC_PKT_BAD_LENGTH, __LINE__);
		p.n--; /* one byte short of the options */
		pb_done(&p);
		CHECK_ST(&p, PC_PKT_BAD_TCP_OFFSET);
		/* the reserved bits next to the data offset do not matter */
		p.b[at + 12] = 5 << 4 | 0x0f;
		CHECK_ST(&p, PC_PKT_OK);
	}
}
END_TEST

START_TEST(test_udp_length)
{
	struct pb p;
	struct want w;
	size_t rest;

	mk_v4_udp(&p, &w);
	pb_done(&p);
	rest = p.n - 20;
	for (size_t ulen = 0; ulen < 8; ulen++) {
		put16(p.b + 24, ulen);
		CHECK_ST(&p, PC_PKT_BAD_LENGTH);
	}
	put16(p.b + 24, 8);
	CHECK_OK(&p, &w);
	put16(p.b + 24, rest);
	CHECK_OK(&p, &w);
	put16(p.b + 24, rest + 1);
	CHECK_ST(&p, PC_PKT_BAD_LENGTH);
	put16(p.b + 24, 65535);
	CHECK_ST(&p, PC_PKT_BAD_LENGTH);
	/* IPv4 GSO: 0 is allowed, the other checks stay */
	put16(p.b + 2, 0);
	put16(p.b + 24, 0);
	CHECK_OK(&p, &w);
	put16(p.b + 24, 7);
	CHECK_ST(&p, PC_PKT_BAD_LENGTH);
	put16(p.b + 24, rest + 1);
	CHECK_ST(&p, PC_PKT_BAD_LENGTH);
	/* IPv6: 0 only in a jumbogram */
	mk_v6_udp(&p, &w);
	pb_done(&p);
	put16(p.b + 44, 0);
	CHECK_ST(&p, PC_PKT_BAD_LENGTH);
	put16(p.b + 4, 0);
	CHECK_OK(&p, &w);
	put16(p.b + 44, 3);
	CHECK_ST(&p, PC_PKT_BAD_LENGTH);
}
END_TEST

START_TEST(test_icmp_short)
{
	struct pb p;
	struct want w;

	mk_v4_icmp_unreach(&p, &w); /* 24-byte header, no payload */
	pb_done(&p);
	CHECK_OK(&p, &w);
	p.n -= 1;
	pb_done(&p);
	CHECK_ST(&p, PC_PKT_TRUNCATED);
	p.n -= 3; /* 4-byte ICMP header */
	pb_done(&p);
	CHECK_ST(&p, PC_PKT_TRUNCATED);
	mk_v6_icmp6(&p, &w);
	p.n = 47;
	pb_done(&p);
	CHECK_ST(&p, PC_PKT_TRUNCATED);
}
END_TEST

/* Builds IPv6 with the given extension headers (kind, size) then TCP. */
static void build_chain(struct pb *p, const uint8_t *kinds, const size_t *sizes, size_t n)
{
	pb_v6(p);
	for (size_t i = 0; i < n; i++)
		pb_ext(p, kinds[i], sizes[i]);
	pb_tcp(p, 6000, 7000, 5);
	pb_payload(p, 4);
	pb_done(p);
}

START_TEST(test_ext_each)
{
	static const struct {
		uint8_t kind;
		size_t size;
	} one[] = {
		{ X_HBH, 8 }, { X_HBH, 64 }, { X_RT, 8 }, { X_RT, 40 }, { X_DST, 8 },
		{ X_DST, 2048 - 1648 }, { P_AH, 8 }, { P_AH, 12 }, { P_AH, 28 }, { X_FRAG, 8 },
	};
	struct want w = { PC_FAM_V6, P_TCP, PC_PKT_PORTS, 6000, 7000, 0, 0 };
	struct pb p;

	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		build_chain(&p, &one[i].kind, &one[i].size, 1);
		CHECK_OK(&p, &w);
		/* the header cut by the packet, and by the capture */
		p.n = 40 + one[i].size - 1;
		check_status(&p, p.n, p.n, PC_PKT_BAD_LENGTH, __LINE__);
		put16(p.b + 4, 0);
		check_status(&p, p.n, p.n, PC_PKT_BAD_EXTHDR, __LINE__);
		check_status(&p, 41, 41, PC_PKT_BAD_EXTHDR, __LINE__);
		pb_done(&p);
		CHECK_ST(&p, PC_PKT_BAD_EXTHDR);
		check_status(&p, p.n, p.n + 100, PC_PKT_BAD_EXTHDR, __LINE__);
		put16(p.b + 4, one[i].size + 24);
		check_status(&p, p.n, 40 + one[i].size + 24, PC_PKT_TRUNCATED, __LINE__);
	}
}
END_TEST

START_TEST(test_ext_count)
{
	uint8_t kinds[100];
	size_t sizes[100];
	struct want w = { PC_FAM_V6, P_TCP, PC_PKT_PORTS, 6000, 7000, 0, 0 };
	struct pb p;

	for (size_t i = 0; i < 100; i++) {
		kinds[i] = i % 3 == 0 ? X_DST : i % 3 == 1 ? X_RT : P_AH;
		sizes[i] = 8;
	}
	kinds[0] = X_HBH;
	for (size_t n = 0; n <= 8; n++) {
		build_chain(&p, kinds, sizes, n);
		CHECK_OK(&p, &w);
	}
	build_chain(&p, kinds, sizes, 9);
	CHECK_ST(&p, PC_PKT_BAD_EXTHDR);
	/* "looping": the same header over and over */
	memset(kinds, X_DST, sizeof(kinds));
	build_chain(&p, kinds, sizes, 8);
	CHECK_OK(&p, &w);
	build_chain(&p, kinds, sizes, 9);
	CHECK_ST(&p, PC_PKT_BAD_EXTHDR);
	build_chain(&p, kinds, sizes, 60);
	CHECK_ST(&p, PC_PKT_BAD_EXTHDR);
	/* nine headers, the ninth never reached in the capture: still too many */
	build_chain(&p, kinds, sizes, 9);
	check_status(&p, 40 + 8 * 8 + 2, p.n, PC_PKT_BAD_EXTHDR, __LINE__);
}
END_TEST

START_TEST(test_ext_hbh_not_first)
{
	static const uint8_t k1[] = { X_DST, X_HBH };
	static const uint8_t k2[] = { X_HBH, X_HBH };
	static const uint8_t k3[] = { X_HBH, X_RT, X_HBH };
	static const size_t sizes[] = { 8, 8, 8 };
	struct pb p;

	build_chain(&p, k1, sizes, 2);
	CHECK_ST(&p, PC_PKT_BAD_EXTHDR);
	build_chain(&p, k2, sizes, 2);
	CHECK_ST(&p, PC_PKT_BAD_EXTHDR);
	build_chain(&p, k3, sizes, 3);
	CHECK_ST(&p, PC_PKT_BAD_EXTHDR);
	build_chain(&p, k3, sizes, 2);
	CHECK_ST(&p, PC_PKT_OK);
}
END_TEST

START_TEST(test_ext_cut)
{
	static const uint8_t kinds[] = { X_HBH, X_DST, X_RT };
	static const size_t sizes[] = { 8, 16, 24 };
	struct pb p;

	build_chain(&p, kinds, sizes, 3); /* 40 + 48 + 20 + 4 = 112 */
	CHECK_ST(&p, PC_PKT_OK);
	/* the routing header claims more than the packet holds */
	p.b[40 + 24 + 1] = 10; /* 88 bytes from 64: past 112 */
	CHECK_ST(&p, PC_PKT_BAD_EXTHDR);
	check_status(&p, p.n, 64 + 88, PC_PKT_BAD_EXTHDR, __LINE__);
	put16(p.b + 4, 0); /* jumbogram: pktlen decides */
	check_status(&p, p.n, 64 + 88, PC_PKT_TRUNCATED, __LINE__);
	check_status(&p, p.n, 64 + 88 + 19, PC_PKT_TRUNCATED, __LINE__);
	/* the payload length ends the chain early */
	build_chain(&p, kinds, sizes, 3);
	put16(p.b + 4, 30);
	CHECK_ST(&p, PC_PKT_BAD_EXTHDR);
	put16(p.b + 4, 24);
	CHECK_ST(&p, PC_PKT_BAD_EXTHDR);
	put16(p.b + 4, 25); /* one byte of the routing header: its length is past the end */
	CHECK_ST(&p, PC_PKT_BAD_EXTHDR);
	put16(p.b + 4, 48); /* chain complete, TCP header missing */
	CHECK_ST(&p, PC_PKT_TRUNCATED);
	/* the capture cuts the chain */
	build_chain(&p, kinds, sizes, 3);
	for (size_t k = 40; k < 88; k++)
		check_status(&p, k, p.n, PC_PKT_TRUNCATED, __LINE__);
}
END_TEST

START_TEST(test_ext_caplen_bound)
{
	uint8_t kinds[8];
	size_t sizes[8];
	struct pb p;

	memset(kinds, X_DST, sizeof(kinds));
	/* the TCP header, options too, must end within PC_PACKET_CAPLEN */
	pb_v6(&p);
	pb_ext(&p, X_DST, PC_PACKET_CAPLEN - 64);
	pb_tcp(&p, 1, 2, 6);
	pb_payload(&p, 100);
	pb_done(&p);
	CHECK_ST(&p, PC_PKT_OK);
	check_status(&p, PC_PACKET_CAPLEN, p.n, PC_PKT_OK, __LINE__);
	check_status(&p, PC_PACKET_CAPLEN - 1, p.n, PC_PKT_TRUNCATED, __LINE__);
	p.b[PC_PACKET_CAPLEN - 24 + 12] = 7 << 4;
	CHECK_ST(&p, PC_PKT_BAD_EXTHDR);
	sizes[0] = PC_PACKET_CAPLEN - 56;
	build_chain(&p, kinds, sizes, 1);
	CHECK_ST(&p, PC_PKT_BAD_EXTHDR);
	/* a header ending past it */
	sizes[0] = PC_PACKET_CAPLEN;
	build_chain(&p, kinds, sizes, 1);
	CHECK_ST(&p, PC_PKT_BAD_EXTHDR);
	check_status(&p, 100, p.n, PC_PKT_BAD_EXTHDR, __LINE__);
	sizes[0] = 2048; /* the largest: length byte 255 */
	build_chain(&p, kinds, sizes, 1);
	CHECK_ST(&p, PC_PKT_BAD_EXTHDR);
	/* eight headers summing past it */
	for (int i = 0; i < 8; i++)
		sizes[i] = 64;
	build_chain(&p, kinds, sizes, 8);
	CHECK_ST(&p, PC_PKT_BAD_EXTHDR);
	sizes[6] = sizes[7] = 8;
	build_chain(&p, kinds, sizes, 8);
	CHECK_ST(&p, PC_PKT_OK);
}
END_TEST

START_TEST(test_frag_v4)
{
	struct want w = { PC_FAM_V4, P_TCP, PC_PKT_FRAG, 0, 0, 0, 0 };
	struct want wp = { PC_FAM_V4, P_TCP, PC_PKT_PORTS, 1, 2, 0, 0 };
	struct pb p;

	static const unsigned offsets[] = { 2, 3, 100, 0x1fff };
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		for (int mf = 0; mf < 2; mf++) {
			pb_v4(&p, 5);
			pb_v4_frag(&p, offsets[i], mf);
			pb_next(&p, P_TCP);
			pb_payload(&p, 1);
			pb_done(&p);
			CHECK_OK(&p, &w);
		}
	}
	/* offset 1: overlaps the TCP flags (RFC 1858) */
	pb_v4_frag(&p, 1, true);
	CHECK_ST(&p, PC_PKT_BAD_FRAGMENT);
	pb_v4_frag(&p, 1, false);
	CHECK_ST(&p, PC_PKT_BAD_FRAGMENT);
	p.b[9] = P_UDP;
	w.proto = P_UDP;
	CHECK_OK(&p, &w);
	/* DF and the reserved bit are not fragment offsets */
	pb_v4(&p, 5);
	pb_tcp(&p, 1, 2, 5);
	pb_done(&p);
	p.b[6] = 0x40;
	CHECK_OK(&p, &wp);
	p.b[6] = 0x80;
	CHECK_OK(&p, &wp);
	/* first fragment: the whole TCP header, options too, must be in it */
	pb_v4_frag(&p, 0, true);
	CHECK_OK(&p, &wp);
	for (size_t n = 20; n < 40; n++) {
		p.n = n;
		pb_done(&p);
		CHECK_ST(&p, PC_PKT_BAD_FRAGMENT);
		/* capture cut, fragment long enough: truncated */
		put16(p.b + 2, 40);
		check_status(&p, n, 40, PC_PKT_TRUNCATED, __LINE__);
	}
	pb_v4(&p, 5);
	pb_v4_frag(&p, 0, true);
	pb_tcp(&p, 1, 2, 8);
	p.n -= 4;
	pb_done(&p);
	CHECK_ST(&p, PC_PKT_BAD_FRAGMENT);
	/* tiny UDP and ICMP first fragments */
	pb_v4(&p, 5);
	pb_v4_frag(&p, 0, true);
	pb_udp(&p, 1, 2);
	p.n -= 4;
	pb_done(&p);
	CHECK_ST(&p, PC_PKT_BAD_FRAGMENT);
	p.b[9] = P_ICMP;
	CHECK_ST(&p, PC_PKT_BAD_FRAGMENT);
	p.b[9] = P_GRE; /* no header the parser knows */
	CHECK_ST(&p, PC_PKT_OK);
	/* a first-fragment UDP length below 8 is still wrong */
	pb_v4(&p, 5);
	pb_v4_frag(&p, 0, true);
	pb_udp(&p, 1, 2);
	p.udp_len = 7;
	pb_done(&p);
	CHECK_ST(&p, PC_PKT_BAD_LENGTH);
}
END_TEST

START_TEST(test_frag_v6)
{
	struct want w = { PC_FAM_V6, P_TCP, PC_PKT_FRAG, 0, 0, 0, 0 };
	struct want wp = { PC_FAM_V6, P_UDP, PC_PKT_PORTS, 1, 2, 0, 0 };
	struct pb p;

	/* non-first: proto from the fragment header, whatever follows */
	pb_v6(&p);
	pb_ext(&p, X_DST, 8);
	pb_frag6(&p, 1000, true);
	pb_next(&p, P_TCP);
	pb_done(&p);
	CHECK_OK(&p, &w);
	p.b[48] = X_DST; /* a "next header" that is an extension: not parsed */
	w.proto = X_DST;
	CHECK_OK(&p, &w);
	p.b[48] = P_TCP;
	put16(p.b + 50, 1 << 3); /* offset 1, last fragment */
	CHECK_ST(&p, PC_PKT_BAD_FRAGMENT);
	put16(p.b + 50, 1 << 3 | 1);
	CHECK_ST(&p, PC_PKT_BAD_FRAGMENT);
	p.b[48] = P_UDP;
	w.proto = P_UDP;
	CHECK_OK(&p, &w);
	/* first fragment: the rest of the chain and the UDP header inside it */
	pb_v6(&p);
	pb_frag6(&p, 0, true);
	pb_udp(&p, 1, 2);
	p.udp_len = 1000;
	pb_done(&p);
	CHECK_OK(&p, &wp);
	p.n -= 1;
	pb_done(&p);
	CHECK_ST(&p, PC_PKT_BAD_FRAGMENT);
	put16(p.b + 4, 16); /* cut by the capture instead: truncated */
	check_status(&p, p.n, 56, PC_PKT_TRUNCATED, __LINE__);
	pb_v6(&p);
	pb_frag6(&p, 0, true);
	pb_ext(&p, X_DST, 32);
	pb_udp(&p, 1, 2);
	p.n = 40 + 8 + 16;
	pb_done(&p);
	CHECK_ST(&p, PC_PKT_BAD_FRAGMENT);
	/* a header before the fragment header that is cut is a broken chain */
	pb_v6(&p);
	pb_ext(&p, X_DST, 32);
	pb_frag6(&p, 0, true);
	pb_udp(&p, 1, 2);
	p.n = 40 + 16;
	pb_done(&p);
	CHECK_ST(&p, PC_PKT_BAD_EXTHDR);
	/* tiny TCP first fragment */
	pb_v6(&p);
	pb_frag6(&p, 0, true);
	pb_tcp(&p, 1, 2, 5);
	p.n -= 8;
	pb_done(&p);
	CHECK_ST(&p, PC_PKT_BAD_FRAGMENT);
	/* atomic fragment (offset 0, M clear) is a whole packet */
	pb_v6(&p);
	pb_frag6(&p, 0, false);
	pb_udp(&p, 1, 2);
	pb_done(&p);
	CHECK_OK(&p, &wp);
	p.n -= 1;
	pb_done(&p);
	CHECK_ST(&p, PC_PKT_TRUNCATED);
}
END_TEST

START_TEST(test_v6_length)
{
	struct pb p;
	struct want w;
	size_t n;

	mk_v6_tcp(&p, &w);
	pb_done(&p);
	n = p.n;
	put16(p.b + 4, n - 40 + 1);
	CHECK_ST(&p, PC_PKT_BAD_LENGTH);
	check_ok(&p, n, n + 1, &w, n + 1, __LINE__);
	put16(p.b + 4, 65535);
	CHECK_ST(&p, PC_PKT_BAD_LENGTH);
	/* shorter payload length: trailing bytes ignored, unless it cuts TCP */
	put16(p.b + 4, 20);
	check_ok(&p, n, n, &w, 60, __LINE__);
	put16(p.b + 4, 19);
	CHECK_ST(&p, PC_PKT_TRUNCATED);
	/* jumbogram / BIG TCP */
	put16(p.b + 4, 0);
	CHECK_OK(&p, &w);
	check_ok(&p, n, 100000, &w, 100000, __LINE__);
	check_status(&p, n, (size_t)UINT32_MAX + 1, PC_PKT_BAD_LENGTH, __LINE__);
	check_status(&p, 39, 39, PC_PKT_TRUNCATED, __LINE__);
}
END_TEST

START_TEST(test_fields_reset)
{
	struct pb p;
	struct want w;
	struct pc_pkt pkt;

	mk_v4_gre(&p, &w);
	pb_done(&p);
	memset(&pkt, 0xff, sizeof(pkt));
	pkt.dir = 1;
	ck_assert_int_eq(pc_packet_parse(p.b, p.n, p.n, &pkt), PC_PKT_OK);
	ck_assert_int_eq(pkt.dir, 1);
	check_fields(&pkt, &w, __LINE__);
	ck_assert_uint_eq(pkt.len, p.n);
}
END_TEST

START_TEST(test_reason)
{
	static const char *const names[] = { "ok", "truncated", "bad-version", "bad-ihl",
					     "bad-length", "bad-tcp-offset", "bad-fragment",
					     "bad-exthdr" };

	ck_assert_int_eq(sizeof(names) / sizeof(names[0]), PC_PKT_STATUS_MAX);
	for (int i = 0; i < PC_PKT_STATUS_MAX; i++)
		ck_assert_str_eq(pc_packet_reason(i), names[i]);
	ck_assert_str_eq(pc_packet_reason(PC_PKT_BAD_IHL), "bad-ihl");
	ck_assert_str_eq(pc_packet_reason(-1), "unknown");
	ck_assert_str_eq(pc_packet_reason(PC_PKT_STATUS_MAX), "unknown");
	ck_assert_str_eq(pc_packet_reason(1000), "unknown");
}
END_TEST

/* ---- fuzz ---- */

#define FUZZ_ROUNDS 300000
#define FUZZ_MAX 1200

static uint64_t rng_state;

static uint64_t rnd(void)
{
	return pc_test_xorshift(&rng_state);
}

/* What holds for every packet the parser accepts. */
static void check_invariants(const struct pc_pkt *pkt, unsigned long long r)
{
	static const uint8_t zero[12];
	bool v4 = pkt->family == PC_FAM_V4;
	uint8_t flags;

	REQUIRE(v4 || pkt->family == PC_FAM_V6, "round %llu: family %u", r, pkt->family);
	REQUIRE(pkt->len >= (v4 ? 20u : 40u), "round %llu: len %u", r, pkt->len);
	REQUIRE(!v4 || (!memcmp(pkt->src + 4, zero, 12) && !memcmp(pkt->dst + 4, zero, 12)),
		"round %llu: v4 address tail", r);
	if (pkt->flags & PC_PKT_FRAG)
		flags = PC_PKT_FRAG;
	else if (pkt->proto == P_TCP || pkt->proto == P_UDP)
		flags = PC_PKT_PORTS;
	else if (pkt->proto == (v4 ? P_ICMP : P_ICMPV6))
		flags = PC_PKT_ICMP;
	else
		flags = 0;
	REQUIRE(pkt->flags == flags, "round %llu: proto %u flags %#x", r, pkt->proto, pkt->flags);
	REQUIRE((pkt->flags & PC_PKT_PORTS) || (pkt->sport == 0 && pkt->dport == 0),
		"round %llu: ports without PC_PKT_PORTS", r);
	REQUIRE((pkt->flags & PC_PKT_ICMP) || (pkt->icmp_type == 0 && pkt->icmp_code == 0),
		"round %llu: icmp without PC_PKT_ICMP", r);
}

/* A random input: a mutated valid packet, or random bytes behind an IP version. */
static size_t fuzz_input(uint8_t *buf, const struct pb *bases)
{
	const struct pb *b = &bases[rnd() % NVALID];
	size_t n;

	if (rnd() % 4 == 0) {
		n = rnd() % FUZZ_MAX;
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)rnd();
		if (n)
			buf[0] = (uint8_t)((rnd() % 2 ? 0x40 : 0x60) | (buf[0] & 0x0f));
		return n;
	}
	n = b->n;
	memcpy(buf, b->b, n);
	if (rnd() % 4 == 0) { /* grow or shrink */
		size_t m = rnd() % FUZZ_MAX;
		for (size_t i = n; i < m; i++)
			buf[i] = (uint8_t)rnd();
		n = m;
	}
	for (uint64_t k = 1 + rnd() % 6; k > 0 && n; k--) {
		size_t at = rnd() % (n < 128 ? n : 128);
		buf[at] = rnd() % 3 ? (uint8_t)rnd() : (uint8_t)(buf[at] ^ (1u << rnd() % 8));
	}
	return n;
}

START_TEST(test_fuzz)
{
	static struct pb bases[NVALID];
	static uint8_t buf[FUZZ_MAX];
	struct want w;
	const char *env = getenv("PC_FUZZ_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x9e3779b97f4a7c15ull;
	unsigned long ok = 0, rej = 0, big = 0;

	printf("test_packet: fuzz seed %#llx (PC_FUZZ_SEED), %d rounds\n", (unsigned long long)seed,
	       FUZZ_ROUNDS);
	fflush(stdout);
	rng_state = seed ? seed : 1;
	for (int i = 0; i < NVALID; i++)
		build_valid(i, &bases[i], &w);
	for (uint64_t r = 0; r < FUZZ_ROUNDS; r++) {
		size_t n = fuzz_input(buf, bases);
		size_t caplen = rnd() % 2 ? n : rnd() % (n + 1);
		size_t pktlen = rnd() % 4 ? n : n + rnd() % 70000;
		struct pc_pkt pkt, cut;
		int st = parse_exact(buf, caplen, pktlen, &pkt);

		if (st != PC_PKT_OK) {
			rej++;
			continue;
		}
		ok++;
		check_invariants(&pkt, (unsigned long long)r);
		/* whatever parses parses the same from a PC_PACKET_CAPLEN capture */
		if (caplen > PC_PACKET_CAPLEN) {
			REQUIRE(parse_exact(buf, PC_PACKET_CAPLEN, pktlen, &cut) == PC_PKT_OK &&
					!memcmp(&pkt, &cut, sizeof(pkt)),
				"round %llu: differs from a %d-byte capture", (unsigned long long)r,
				PC_PACKET_CAPLEN);
			big++;
		}
	}
	printf("test_packet: fuzz %lu accepted (%lu longer than %d), %lu rejected\n", ok, big,
	       PC_PACKET_CAPLEN, rej);
	ck_assert_uint_gt(ok, FUZZ_ROUNDS / 20);
	ck_assert_uint_gt(rej, FUZZ_ROUNDS / 20);
	ck_assert_uint_gt(big, 1000);
}
END_TEST

static Suite *packet_suite(void)
{
	Suite *s = suite_create("packet");
	TCase *tc = tcase_create("valid");

	tcase_add_loop_test(tc, test_valid, 0, NVALID);
	tcase_add_loop_test(tc, test_truncations, 0, NVALID);
	suite_add_tcase(s, tc);
	tc = tcase_create("bogus");
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_ihl);
	tcase_add_test(tc, test_total_length);
	tcase_add_test(tc, test_tcp_offset);
	tcase_add_test(tc, test_udp_length);
	tcase_add_test(tc, test_icmp_short);
	tcase_add_test(tc, test_v6_length);
	tcase_add_test(tc, test_fields_reset);
	tcase_add_test(tc, test_reason);
	suite_add_tcase(s, tc);
	tc = tcase_create("exthdr");
	tcase_add_test(tc, test_ext_each);
	tcase_add_test(tc, test_ext_count);
	tcase_add_test(tc, test_ext_hbh_not_first);
	tcase_add_test(tc, test_ext_cut);
	tcase_add_test(tc, test_ext_caplen_bound);
	suite_add_tcase(s, tc);
	tc = tcase_create("fragment");
	tcase_add_test(tc, test_frag_v4);
	tcase_add_test(tc, test_frag_v6);
	suite_add_tcase(s, tc);
	tc = tcase_create("fuzz");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_fuzz);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(packet_suite());
}
