/* test_conn.c - packets seen as connections: which open one, which ICMP
 * messages are never tracked, and the first-packet view (pc_conn_key) of
 * replies and of the packets ICMP errors quote, from raw IPv4/IPv6 bytes */
#include <check.h>
#include <string.h>

#include "addr.h"
#include "conn.h"
#include "helper_fixture.h"
#include "helper_raw.h"
#include "rule.h"

static struct pc_pkt parse(const struct pc_raw *p, uint8_t dir)
{
	struct pc_pkt k;

	ck_assert_int_eq(pc_packet_parse(p->b, p->len, p->len, &k), PC_PKT_OK);
	k.dir = dir;
	return k;
}

static void assert_addr(const uint8_t *got, const char *want4)
{
	ck_assert_mem_eq(got, want4, 4);
}

START_TEST(tcp_opens_only_with_a_bare_syn)
{
	static const struct { uint8_t flags; bool opens; } cases[] = {
		{ PC_TCP_SYN, true }, { PC_TCP_SYN | 0x08 /* PSH */, true },
		{ PC_TCP_SYN | 0x80 | 0x40 /* ECE, CWR */, true },
		{ PC_TCP_ACK, false }, { PC_TCP_SYN | PC_TCP_ACK, false },
		{ PC_TCP_RST, false }, { PC_TCP_FIN, false }, { PC_TCP_SYN | PC_TCP_FIN, false },
		{ PC_TCP_SYN | PC_TCP_RST, false }, { 0, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pc_raw p = { .len = 0 };
		struct pc_pkt k;

		pc_raw_ip4(&p, 6, RAW_B4, RAW_A4, 40);
		pc_raw_tcp(&p, 51000, 22, cases[i].flags);
		k = parse(&p, PC_DIR_IN);
		ck_assert_msg(pc_conn_opens(&k) == cases[i].opens, "flags 0x%x", cases[i].flags);
	}
}
END_TEST

START_TEST(other_protocols_always_open)
{
	struct pc_raw p = { .len = 0 };
	struct pc_pkt k;

	pc_raw_ip4(&p, 17, RAW_B4, RAW_A4, 28);
	pc_raw_udp(&p, 53, 5432, 8);
	k = parse(&p, PC_DIR_IN);
	ck_assert(pc_conn_opens(&k));
	p.len = 0;
	pc_raw_ip4(&p, 1, RAW_B4, RAW_A4, 28);
	pc_raw_icmp(&p, 8, 0);
	k = parse(&p, PC_DIR_IN);
	ck_assert(pc_conn_opens(&k));
}
END_TEST

START_TEST(icmp_kinds)
{
	/* IPv4: requests, replies and errors are tracked, the rest is not */
	static const struct { uint8_t type; bool untrackable, error; } v4[] = {
		{ 0, false, false }, { 8, false, false }, { 13, false, false }, { 14, false, false },
		{ 3, false, true }, { 11, false, true }, { 12, false, true }, { 4, false, true },
		{ 5, false, true }, { 9, true, false }, { 10, true, false }, { 42, true, false },
	};

	for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		struct pc_raw p = { .len = 0 };
		struct pc_pkt k;

		pc_raw_ip4(&p, 1, RAW_B4, RAW_A4, 28);
		pc_raw_icmp(&p, v4[i].type, 0);
		k = parse(&p, PC_DIR_IN);
		ck_assert_msg(pc_conn_untrackable(&k) == v4[i].untrackable, "type %u", v4[i].type);
		ck_assert_msg(pc_conn_icmp_error(&k) == v4[i].error, "type %u", v4[i].type);
	}
}
END_TEST

START_TEST(icmpv6_kinds)
{
	struct pc_pkt k = { .family = PC_FAM_V6, .proto = 58, .flags = PC_PKT_ICMP };
	static const uint8_t untrackable[] = { 130, 131, 132, 133, 134, 135, 136, 137, 143 };
	static const uint8_t tracked[] = { 1, 2, 3, 4, 128, 129, 139, 140 };

	for (size_t i = 0; i < sizeof(untrackable); i++) {
		k.icmp_type = untrackable[i];
		ck_assert_msg(pc_conn_untrackable(&k), "type %u", k.icmp_type);
	}
	for (size_t i = 0; i < sizeof(tracked); i++) {
		k.icmp_type = tracked[i];
		ck_assert_msg(!pc_conn_untrackable(&k), "type %u", k.icmp_type);
		ck_assert(pc_conn_icmp_error(&k) == (k.icmp_type < 128));
	}
	/* ICMPv6 numbers inside IPv4 mean nothing */
	k.family = PC_FAM_V4;
	k.icmp_type = 135;
	ck_assert(!pc_conn_untrackable(&k));
}
END_TEST

START_TEST(original_direction_is_the_packet)
{
	struct pc_raw p = { .len = 0 };
	struct pc_pkt k, key;

	pc_raw_ip4(&p, 6, RAW_B4, RAW_A4, 40);
	pc_raw_tcp(&p, 51000, 80, PC_TCP_ACK);
	k = parse(&p, PC_DIR_IN);
	ck_assert_int_eq(pc_conn_key(p.b, p.len, &k, false, &key), 0);
	ck_assert_uint_eq(key.dir, PC_DIR_IN);
	assert_addr(key.src, RAW_B4);
	assert_addr(key.dst, RAW_A4);
	ck_assert_uint_eq(key.sport, 51000);
	ck_assert_uint_eq(key.dport, 80);
}
END_TEST

/* An answer coming in to a connection this host opened: judged as the
 * connection it opened (out, to the remote's port). */
START_TEST(reply_is_seen_from_the_opener)
{
	struct pc_raw p = { .len = 0 };
	struct pc_pkt k, key;

	pc_raw_ip4(&p, 17, RAW_B4, RAW_A4, 28);
	pc_raw_udp(&p, 53, 40000, 8);
	k = parse(&p, PC_DIR_IN);
	ck_assert_int_eq(pc_conn_key(p.b, p.len, &k, true, &key), 0);
	ck_assert_uint_eq(key.dir, PC_DIR_OUT);
	assert_addr(key.src, RAW_A4);
	assert_addr(key.dst, RAW_B4);
	ck_assert_uint_eq(key.sport, 40000);
	ck_assert_uint_eq(key.dport, 53);
	ck_assert_uint_eq(key.proto, 17);
}
END_TEST

START_TEST(echo_reply_is_judged_as_its_request)
{
	struct pc_raw p = { .len = 0 };
	struct pc_pkt k, key;

	pc_raw_ip4(&p, 1, RAW_A4, RAW_B4, 28);
	pc_raw_icmp(&p, 0, 0); /* this host answers a ping */
	k = parse(&p, PC_DIR_OUT);
	ck_assert_int_eq(pc_conn_key(p.b, p.len, &k, true, &key), 0);
	ck_assert_uint_eq(key.dir, PC_DIR_IN);
	ck_assert_uint_eq(key.icmp_type, 8);
	assert_addr(key.src, RAW_B4);
}
END_TEST

/* A router's port unreachable about this host's query to B: the error
 * travels in the reply direction, the quoted query is the connection. */
START_TEST(error_is_judged_by_the_quoted_packet)
{
	struct pc_raw p = { .len = 0 };
	struct pc_pkt k, key;

	pc_raw_ip4(&p, 1, RAW_R4, RAW_A4, 20 + 8 + 28);
	pc_raw_icmp(&p, 3, 3);
	pc_raw_ip4(&p, 17, RAW_A4, RAW_B4, 28);
	pc_raw_udp(&p, 40000, 53, 8);
	k = parse(&p, PC_DIR_IN);
	ck_assert(pc_conn_icmp_error(&k));
	ck_assert_int_eq(pc_conn_key(p.b, p.len, &k, true, &key), 0);
	ck_assert_uint_eq(key.dir, PC_DIR_OUT);
	ck_assert_uint_eq(key.proto, 17);
	assert_addr(key.src, RAW_A4);
	assert_addr(key.dst, RAW_B4);
	ck_assert_uint_eq(key.sport, 40000);
	ck_assert_uint_eq(key.dport, 53);
	/* the host sends an error about a packet of a connection B opened:
	 * the quoted packet is a reply of it, so it is turned around */
	p.len = 0;
	pc_raw_ip4(&p, 1, RAW_A4, RAW_B4, 20 + 8 + 28);
	pc_raw_icmp(&p, 3, 4);
	pc_raw_ip4(&p, 17, RAW_B4, RAW_A4, 28);
	pc_raw_udp(&p, 33000, 5353, 8);
	k = parse(&p, PC_DIR_OUT);
	ck_assert_int_eq(pc_conn_key(p.b, p.len, &k, false, &key), 0);
	ck_assert_uint_eq(key.dir, PC_DIR_OUT);
	assert_addr(key.src, RAW_A4);
	ck_assert_uint_eq(key.sport, 5353);
	ck_assert_uint_eq(key.dport, 33000);
}
END_TEST

/* RFC 792 quotes 8 bytes of TCP: the ports are enough. */
START_TEST(error_quoting_eight_bytes_of_tcp)
{
	struct pc_raw p = { .len = 0 };
	struct pc_pkt k, key;
	uint8_t t8[8] = { 0xc7, 0x38, 0x00, 0x50 }; /* 51000 -> 80 */

	pc_raw_ip4(&p, 1, RAW_R4, RAW_A4, 20 + 8 + 28);
	pc_raw_icmp(&p, 11, 0);
	pc_raw_ip4(&p, 6, RAW_A4, RAW_B4, 60);
	pc_raw_put(&p, t8, sizeof(t8));
	k = parse(&p, PC_DIR_IN);
	ck_assert_int_eq(pc_conn_key(p.b, p.len, &k, true, &key), 0);
	ck_assert_uint_eq(key.proto, 6);
	ck_assert_uint_eq(key.sport, 51000);
	ck_assert_uint_eq(key.dport, 80);
	ck_assert(key.flags & PC_PKT_PORTS);
}
END_TEST

/* Errors that quote nothing usable, at every length: -1, never a read
 * past the buffer (ASan). */
START_TEST(error_quoting_garbage)
{
	struct pc_raw full = { .len = 0 };
	struct pc_pkt k, key;

	pc_raw_ip4(&full, 1, RAW_R4, RAW_A4, 20 + 8 + 40);
	pc_raw_icmp(&full, 3, 1);
	pc_raw_ip4(&full, 6, RAW_A4, RAW_B4, 60);
	pc_raw_tcp(&full, 1, 2, PC_TCP_SYN);
	for (size_t len = 20 + 8; len < full.len; len++) {
		struct pc_raw p = { .len = 0 };
		int rc;

		pc_raw_put(&p, full.b, len);
		p.b[2] = (uint8_t)(len >> 8);
		p.b[3] = (uint8_t)len;
		k = parse(&p, PC_DIR_IN);
		rc = pc_conn_key(p.b, p.len, &k, true, &key);
		/* the ports are there from 4 bytes of the quoted TCP header on */
		ck_assert_int_eq(rc, len >= 20 + 8 + 20 + 4 ? 0 : -1);
	}
	/* an IPv6 packet quoted in an IPv4 error */
	full.b[20 + 8] = 0x60;
	k = parse(&full, PC_DIR_IN);
	ck_assert_int_eq(pc_conn_key(full.b, full.len, &k, true, &key), -1);
}
END_TEST

static Suite *conn_suite(void)
{
	Suite *s = suite_create("conn");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, tcp_opens_only_with_a_bare_syn);
	tcase_add_test(tc, other_protocols_always_open);
	tcase_add_test(tc, icmp_kinds);
	tcase_add_test(tc, icmpv6_kinds);
	tcase_add_test(tc, original_direction_is_the_packet);
	tcase_add_test(tc, reply_is_seen_from_the_opener);
	tcase_add_test(tc, echo_reply_is_judged_as_its_request);
	tcase_add_test(tc, error_is_judged_by_the_quoted_packet);
	tcase_add_test(tc, error_quoting_eight_bytes_of_tcp);
	tcase_add_test(tc, error_quoting_garbage);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(conn_suite());
}
