/* test_packet_attack.c - the packet parser (lib/packet.c) against packets an
 * attacker crafts to be decided on the wrong fields: ICMP errors quoting an
 * inner packet, IP options, routing headers, nested and atomic fragments,
 * overlapping fragments behind an extension header, extreme lengths. Each
 * case states what the filter decides on; docs/security.md refers to them. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "helper_fixture.h"
#include "packet.h"

#define P_ICMP 1
#define P_TCP 6
#define P_UDP 17
#define P_ESP 50
#define P_ICMPV6 58
#define X_HBH 0
#define X_RT 43
#define X_FRAG 44
#define X_DST 60

/* A packet under construction; nh: offset of the next-header byte to fill. */
struct pk {
	uint8_t b[70000];
	size_t n, nh;
	bool v6;
};

static struct pk pk;

static uint8_t *grow(size_t n)
{
	uint8_t *at = pk.b + pk.n;

	ck_assert_uint_le(pk.n + n, sizeof(pk.b));
	memset(at, 0, n);
	pk.n += n;
	return at;
}

static void put16(uint8_t *at, unsigned v)
{
	at[0] = (uint8_t)(v >> 8);
	at[1] = (uint8_t)v;
}

static void v4(unsigned ihl)
{
	uint8_t *h;

	pk.n = 0;
	pk.v6 = false;
	h = grow(ihl * 4);
	h[0] = (uint8_t)(0x40 | ihl);
	h[8] = 64;
	memcpy(h + 12, (const uint8_t[]){ 203, 0, 113, 9 }, 4);
	memcpy(h + 16, (const uint8_t[]){ 198, 51, 100, 2 }, 4);
	pk.nh = 9;
}

static void v6(void)
{
	uint8_t *h;

	pk.n = 0;
	pk.v6 = true;
	h = grow(40);
	h[0] = 0x60;
	h[7] = 64;
	h[8] = 0x20, h[9] = 0x01, h[10] = 0x0d, h[11] = 0xb8, h[39] = 2;
	h[24] = 0x20, h[25] = 0x01, h[26] = 0x0d, h[27] = 0xb8, h[23] = 9;
	pk.nh = 6;
}

/* An IPv6 extension header of size bytes (multiple of 8). */
static uint8_t *ext(uint8_t kind, size_t size)
{
	size_t at = pk.n;
	uint8_t *h;

	pk.b[pk.nh] = kind;
	h = grow(size);
	h[1] = kind == X_FRAG ? 0 : (uint8_t)(size / 8 - 1);
	pk.nh = at;
	return h;
}

static void frag6(unsigned offset, bool more)
{
	put16(ext(X_FRAG, 8) + 2, offset << 3 | more);
}

static void tcp(unsigned sport, unsigned dport)
{
	uint8_t *h;

	pk.b[pk.nh] = P_TCP;
	h = grow(20);
	put16(h, sport);
	put16(h + 2, dport);
	h[12] = 5 << 4;
	h[13] = 0x02;
}

static void udp(unsigned sport, unsigned dport)
{
	uint8_t *h;

	pk.b[pk.nh] = P_UDP;
	h = grow(8);
	put16(h, sport);
	put16(h + 2, dport);
	put16(h + 4, 8);
}

static void icmp(uint8_t proto, uint8_t type, uint8_t code)
{
	uint8_t *h;

	pk.b[pk.nh] = proto;
	h = grow(8);
	h[0] = type;
	h[1] = code;
}

/* Writes the IP length field for the packet as built. */
static void done(void)
{
	put16(pk.b + (pk.v6 ? 4 : 2), (unsigned)(pk.v6 ? pk.n - 40 : pk.n));
}

/* Parses from a buffer of exactly caplen bytes (ASan sees any overread). */
static int parse(size_t caplen, size_t pktlen, struct pc_pkt *pkt)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	int st;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, pk.b, caplen);
	st = pc_packet_parse(copy, caplen, pktlen, pkt);
	free(copy);
	return st;
}

static struct pc_pkt whole(int want)
{
	struct pc_pkt pkt = { 0 };
	int st = parse(pk.n, pk.n, &pkt);

	ck_assert_msg(st == want, "got %s, want %s", pc_packet_reason(st), pc_packet_reason(want));
	return pkt;
}

/* ICMP errors quote the packet they answer; the filter decides on the
 * outer type and code only, never on the quoted ports. */
START_TEST(icmp_error_quotes_inner)
{
	struct pc_pkt p;

	v4(5);
	icmp(P_ICMP, 3, 3); /* port unreachable, quoting: */
	memcpy(grow(20), (const uint8_t[]){ 0x45, 0, 0, 40, 0, 0, 0, 0, 64, P_TCP }, 10);
	put16(grow(8), 22); /* inner TCP sport 22 ... */
	done();
	p = whole(PC_PKT_OK);
	ck_assert_uint_eq(p.proto, P_ICMP);
	ck_assert_uint_eq(p.flags, PC_PKT_ICMP);
	ck_assert_uint_eq(p.icmp_type, 3);
	ck_assert_uint_eq(p.sport + p.dport, 0);

	v6();
	icmp(P_ICMPV6, 1, 4);
	memcpy(grow(40), (const uint8_t[]){ 0x60, 0, 0, 0, 0, 8, P_UDP }, 7);
	put16(grow(8) + 2, 53);
	done();
	p = whole(PC_PKT_OK);
	ck_assert_uint_eq(p.flags, PC_PKT_ICMP);
	ck_assert_uint_eq(p.icmp_type, 1);
	ck_assert_uint_eq(p.sport + p.dport, 0);
}
END_TEST

/* IPv4 options (loose source route here) are skipped by IHL; the ports
 * are the transport header's after them. */
START_TEST(ipv4_options)
{
	struct pc_pkt p;

	v4(8);
	memcpy(pk.b + 20, (const uint8_t[]){ 0x83, 11, 4, 192, 0, 2, 1, 192, 0, 2, 2, 0 }, 12);
	tcp(40000, 22);
	done();
	p = whole(PC_PKT_OK);
	ck_assert_uint_eq(p.flags, PC_PKT_PORTS);
	ck_assert_uint_eq(p.dport, 22);
	/* an option length running past IHL changes nothing: IHL rules */
	pk.b[21] = 200;
	p = whole(PC_PKT_OK);
	ck_assert_uint_eq(p.dport, 22);
}
END_TEST

/* A type 0 routing header with segments left: parsed past like any
 * routing header; the destination decided on is the header's (Linux drops
 * RH0 itself, RFC 5095). */
START_TEST(routing_type0)
{
	struct pc_pkt p;
	uint8_t *rh;

	v6();
	rh = ext(X_RT, 24);
	rh[2] = 0, rh[3] = 1; /* type 0, one segment left */
	tcp(1234, 25);
	done();
	p = whole(PC_PKT_OK);
	ck_assert_uint_eq(p.proto, P_TCP);
	ck_assert_uint_eq(p.dport, 25);
	ck_assert_uint_eq(p.dst[15], 2);
}
END_TEST

/* Hop-by-hop only first; repeated or late it is malformed. */
START_TEST(hop_by_hop_misplaced)
{
	v6();
	ext(X_HBH, 8);
	ext(X_HBH, 8);
	tcp(1, 2);
	done();
	whole(PC_PKT_BAD_EXTHDR);
	v6();
	ext(X_DST, 8);
	ext(X_HBH, 8);
	udp(1, 2);
	done();
	whole(PC_PKT_BAD_EXTHDR);
}
END_TEST

/* An atomic fragment is a whole packet: its ports count. */
START_TEST(atomic_fragments)
{
	struct pc_pkt p;

	v6();
	frag6(0, false);
	tcp(1, 443);
	done();
	p = whole(PC_PKT_OK);
	ck_assert_uint_eq(p.flags, PC_PKT_PORTS);
	ck_assert_uint_eq(p.dport, 443);
	/* IPv4: DF set, offset 0, MF clear */
	v4(5);
	pk.b[6] = 0x40;
	tcp(1, 443);
	done();
	p = whole(PC_PKT_OK);
	ck_assert_uint_eq(p.flags, PC_PKT_PORTS);
}
END_TEST

/* Fragment headers inside fragment headers: an inner non-first fragment
 * ends the parse as a fragment (no ports: only port-less rules match);
 * an inner first fragment must still hold the whole TCP header in this
 * packet. */
START_TEST(nested_fragments)
{
	struct pc_pkt p;

	v6();
	frag6(0, false);
	frag6(100, true);
	pk.b[pk.nh] = P_TCP;
	grow(32);
	done();
	p = whole(PC_PKT_OK);
	ck_assert_uint_eq(p.flags, PC_PKT_FRAG);
	ck_assert_uint_eq(p.sport + p.dport, 0);

	v6();
	frag6(0, true);
	frag6(0, true);
	tcp(1, 22);
	done();
	p = whole(PC_PKT_OK);
	ck_assert_uint_eq(p.dport, 22);
	pk.n -= 4; /* the TCP header not all in this first fragment */
	done();
	whole(PC_PKT_BAD_FRAGMENT);
	/* the inner header says "atomic" but the outer one is a first fragment:
	 * a cut header is still malformed */
	v6();
	frag6(0, true);
	frag6(0, false);
	tcp(1, 22);
	pk.n -= 4;
	done();
	ck_assert_int_ne(parse(pk.n, pk.n, &p), PC_PKT_OK);
}
END_TEST

/* The RFC 1858 offset-1 check sees only TCP directly behind the fragment
 * header; an offset-1 fragment whose first fragment had a destination
 * options header before TCP is taken as a plain non-first fragment (no
 * ports; Linux discards overlapping IPv6 fragments, RFC 5722). */
START_TEST(offset1_behind_options)
{
	struct pc_pkt p;

	v6();
	frag6(1, true);
	pk.b[pk.nh] = X_DST;
	grow(16);
	done();
	p = whole(PC_PKT_OK);
	ck_assert_uint_eq(p.flags, PC_PKT_FRAG);
	ck_assert_uint_eq(p.proto, X_DST);
	pk.b[40] = P_TCP;
	whole(PC_PKT_BAD_FRAGMENT);
}
END_TEST

/* A first fragment must carry the whole chain and transport header,
 * even behind extension headers (RFC 7112). */
START_TEST(tiny_first_fragment_v6)
{
	v6();
	frag6(0, true);
	ext(X_DST, 64);
	ext(X_DST, 64);
	udp(1, 53);
	pk.n -= 6;
	done();
	whole(PC_PKT_BAD_FRAGMENT);
}
END_TEST

/* ESP ends the chain: nothing behind it is read, proto is ESP. */
START_TEST(esp_ends_chain)
{
	struct pc_pkt p;

	v6();
	ext(X_DST, 8);
	pk.b[pk.nh] = P_ESP;
	grow(16);
	done();
	p = whole(PC_PKT_OK);
	ck_assert_uint_eq(p.proto, P_ESP);
	ck_assert_uint_eq(p.flags, 0);
}
END_TEST

/* Lengths at the edges. */
START_TEST(extreme_lengths)
{
	struct pc_pkt p;

	v4(5);
	ck_assert_int_eq(parse(0, 0, &p), PC_PKT_TRUNCATED);
	ck_assert_int_eq(parse(1, 1, &p), PC_PKT_TRUNCATED);
	ck_assert_int_eq(parse(19, 19, &p), PC_PKT_TRUNCATED);
	/* the largest IPv4 packet, captured to PC_PACKET_CAPLEN */
	tcp(1, 80);
	grow(65535 - pk.n);
	done();
	ck_assert_int_eq(parse(PC_PACKET_CAPLEN, 65535, &p), PC_PKT_OK);
	ck_assert_uint_eq(p.len, 65535);
	/* total length 0: a GSO / BIG TCP super-packet of any size */
	put16(pk.b + 2, 0);
	ck_assert_int_eq(parse(PC_PACKET_CAPLEN, 300000, &p), PC_PKT_OK);
	ck_assert_uint_eq(p.len, 300000);
	ck_assert_int_eq(parse(PC_PACKET_CAPLEN, (size_t)UINT32_MAX + 1, &p), PC_PKT_BAD_LENGTH);
	/* a total length past what the kernel says the packet has */
	done();
	ck_assert_int_eq(parse(PC_PACKET_CAPLEN, 65534, &p), PC_PKT_BAD_LENGTH);
	/* capture longer than claimed (NFQA_CAP_LEN smaller than the payload) */
	ck_assert_int_eq(parse(PC_PACKET_CAPLEN, 100, &p), PC_PKT_BAD_LENGTH);
	v4(5);
	tcp(1, 80);
	done();
	ck_assert_int_eq(parse(pk.n, 10, &p), PC_PKT_OK);
	ck_assert_uint_eq(p.len, pk.n);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("packet-attack");
	TCase *tc = tcase_create("crafted");

	tcase_add_test(tc, icmp_error_quotes_inner);
	tcase_add_test(tc, ipv4_options);
	tcase_add_test(tc, routing_type0);
	tcase_add_test(tc, hop_by_hop_misplaced);
	tcase_add_test(tc, atomic_fragments);
	tcase_add_test(tc, nested_fragments);
	tcase_add_test(tc, offset1_behind_options);
	tcase_add_test(tc, tiny_first_fragment_v6);
	tcase_add_test(tc, esp_ends_chain);
	tcase_add_test(tc, extreme_lengths);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(suite());
}
