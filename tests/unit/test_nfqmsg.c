/* test_nfqmsg.c - packet messages as the kernel sends them are read whole;
 * every truncation, every wrong attribute length and random garbage is
 * rejected without a read outside the message (exact-size heap copies under
 * ASan), and the id is kept whenever the packet header was intact */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>

#include "helper_fixture.h"
#include "nfqmsg.h"

struct msg {
	uint8_t b[1024];
	size_t len;
};

static void put_attr(struct msg *m, uint16_t type, const void *v, size_t n)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + n), .nla_type = type };

	ck_assert_uint_le(m->len + NLA_ALIGN(a.nla_len), sizeof(m->b));
	memcpy(m->b + m->len, &a, sizeof(a));
	memcpy(m->b + m->len + NLA_HDRLEN, v, n);
	m->len += NLA_ALIGN(a.nla_len);
}

static void begin(struct msg *m)
{
	struct nfgenmsg g = { .nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0,
			      .res_id = htons(3) };

	memset(m, 0, sizeof(*m));
	m->len = NLMSG_HDRLEN;
	memcpy(m->b + m->len, &g, sizeof(g));
	m->len += NLMSG_ALIGN(sizeof(g));
}

static void finish(struct msg *m)
{
	struct nlmsghdr h = { .nlmsg_len = (uint32_t)m->len,
			      .nlmsg_type = NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_PACKET };

	memcpy(m->b, &h, sizeof(h));
}

static void put_hdr(struct msg *m, uint32_t id, uint8_t hook)
{
	struct nfqnl_msg_packet_hdr ph = { .packet_id = htonl(id), .hw_protocol = htons(0x0800),
					   .hook = hook };

	put_attr(m, NFQA_PACKET_HDR, &ph, sizeof(ph));
}

static void put_u32(struct msg *m, uint16_t type, uint32_t v)
{
	v = htonl(v);
	put_attr(m, type, &v, sizeof(v));
}

/* What the kernel sends for a packet of paylen bytes cut to caplen. */
static void kernel_like(struct msg *m, uint32_t id, size_t caplen, size_t origlen)
{
	uint8_t data[600];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 31 + 7);
	begin(m);
	put_hdr(m, id, NF_INET_LOCAL_IN);
	put_u32(m, NFQA_MARK, 0);
	put_u32(m, NFQA_IFINDEX_INDEV, 2);
	put_u32(m, NFQA_UID, 0);
	put_attr(m, NFQA_PAYLOAD, data, caplen);
	if (origlen > caplen)
		put_u32(m, NFQA_CAP_LEN, (uint32_t)origlen);
	finish(m);
}

/* Parses an exact-size heap copy of the first n bytes (ASan sees overreads). */
static int parse_copy(const struct msg *m, size_t n, struct pc_nfqmsg *out)
{
	uint8_t *c = malloc(n ? n : 1);
	int rc;

	ck_assert_ptr_nonnull(c);
	memcpy(c, m->b, n);
	rc = pc_nfqmsg_parse(c, n, out);
	free(c);
	return rc;
}

START_TEST(kernel_messages)
{
	static const size_t caps[] = { 0, 1, 20, 59, 60, 61, 63, 512 };
	struct pc_nfqmsg r;
	struct msg m;

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		kernel_like(&m, 1000 + (uint32_t)i, caps[i], caps[i] == 512 ? 1500 : 0);
		ck_assert_int_eq(parse_copy(&m, m.len, &r), 0);
		ck_assert_int_eq(pc_nfqmsg_parse(m.b, m.len, &r), 0); /* the values, in m */
		ck_assert(r.has_id);
		ck_assert_uint_eq(r.id, 1000 + i);
		ck_assert_uint_eq(r.hook, NF_INET_LOCAL_IN);
		ck_assert_uint_eq(r.caplen, caps[i]);
		ck_assert_ptr_nonnull(r.payload);
		ck_assert(r.payload > m.b && r.payload + r.caplen <= m.b + m.len);
		if (caps[i])
			ck_assert_uint_eq(r.payload[caps[i] - 1], (uint8_t)((caps[i] - 1) * 31 + 7));
		ck_assert_uint_eq(r.origlen, caps[i] == 512 ? 1500 : 0);
	}
}
END_TEST

START_TEST(no_payload_is_well_formed)
{
	struct pc_nfqmsg r;
	struct msg m;

	begin(&m);
	put_hdr(&m, 9, NF_INET_LOCAL_OUT);
	finish(&m);
	ck_assert_int_eq(parse_copy(&m, m.len, &r), 0);
	ck_assert_ptr_null(r.payload);
	ck_assert_uint_eq(r.caplen, 0);
	ck_assert_uint_eq(r.hook, NF_INET_LOCAL_OUT);
}
END_TEST

/* Every cut of a valid message is rejected; the id survives once the
 * packet header attribute is whole. */
START_TEST(every_truncation)
{
	struct pc_nfqmsg r;
	struct msg m;
	size_t hdr_end = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)) + NLA_HDRLEN +
			 sizeof(struct nfqnl_msg_packet_hdr); /* its padding is not needed */

	kernel_like(&m, 77, 60, 0);
	for (size_t n = 0; n < m.len; n++) {
		int rc = parse_copy(&m, n, &r);

		ck_assert_msg(rc == -1 && errno == EBADMSG, "cut at %zu accepted", n);
		if (n >= hdr_end)
			ck_assert_msg(r.has_id && r.id == 77, "cut at %zu lost the id", n);
		else
			ck_assert_msg(!r.has_id, "cut at %zu before the header has an id", n);
	}
}
END_TEST

/* A message whose nlmsg_len claims more than was received is truncated:
 * rejected, read only within what was received; one followed by more bytes
 * (the next message of the datagram) ends at its nlmsg_len. */
START_TEST(length_beyond_the_datagram)
{
	struct pc_nfqmsg r;
	struct msg m;

	kernel_like(&m, 5, 60, 0);
	struct nlmsghdr h;
	memcpy(&h, m.b, sizeof(h));
	h.nlmsg_len += 400;
	memcpy(m.b, &h, sizeof(h));
	ck_assert_int_eq(parse_copy(&m, m.len, &r), -1);
	ck_assert(r.has_id);
	ck_assert_uint_eq(r.id, 5);
	h.nlmsg_len -= 400;
	memcpy(m.b, &h, sizeof(h));
	memset(m.b + m.len, 0xff, 40);
	ck_assert_int_eq(parse_copy(&m, m.len + 40, &r), 0);
	ck_assert_uint_eq(r.caplen, 60);
}
END_TEST

START_TEST(wrong_attribute_lengths)
{
	struct pc_nfqmsg r;
	struct msg m;
	uint8_t six[6] = { 0 }, eight[8] = { 0 };

	begin(&m); /* a short packet header: no id */
	put_attr(&m, NFQA_PACKET_HDR, six, sizeof(six));
	finish(&m);
	ck_assert_int_eq(parse_copy(&m, m.len, &r), -1);
	ck_assert(!r.has_id);

	begin(&m); /* a long one */
	put_attr(&m, NFQA_PACKET_HDR, eight, sizeof(eight));
	finish(&m);
	ck_assert_int_eq(parse_copy(&m, m.len, &r), -1);
	ck_assert(!r.has_id);

	begin(&m); /* cap len of 8 bytes: dropped by id */
	put_hdr(&m, 12, NF_INET_LOCAL_IN);
	put_attr(&m, NFQA_CAP_LEN, eight, sizeof(eight));
	finish(&m);
	ck_assert_int_eq(parse_copy(&m, m.len, &r), -1);
	ck_assert(r.has_id);
	ck_assert_uint_eq(r.id, 12);

	begin(&m); /* no packet header at all */
	put_u32(&m, NFQA_MARK, 1);
	finish(&m);
	ck_assert_int_eq(parse_copy(&m, m.len, &r), -1);
	ck_assert(!r.has_id);
}
END_TEST

START_TEST(bad_attribute_headers)
{
	struct pc_nfqmsg r;
	struct msg m;
	struct nlattr a;
	size_t at;

	kernel_like(&m, 40, 60, 0);
	at = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)) +
	     NLA_ALIGN(NLA_HDRLEN + sizeof(struct nfqnl_msg_packet_hdr));
	for (uint16_t bad = 0; bad < NLA_HDRLEN; bad++) { /* shorter than its header */
		memcpy(&a, m.b + at, sizeof(a));
		a.nla_len = bad;
		memcpy(m.b + at, &a, sizeof(a));
		ck_assert_int_eq(parse_copy(&m, m.len, &r), -1);
		ck_assert(r.has_id);
	}
	kernel_like(&m, 41, 60, 0);
	memcpy(&a, m.b + at, sizeof(a));
	a.nla_len = (uint16_t)(m.len - at + 1); /* past the message */
	memcpy(m.b + at, &a, sizeof(a));
	ck_assert_int_eq(parse_copy(&m, m.len, &r), -1);

	kernel_like(&m, 42, 60, 0); /* trailing bytes that are no attribute */
	m.len += 3;
	finish(&m);
	ck_assert_int_eq(parse_copy(&m, m.len, &r), -1);
	ck_assert(r.has_id);
}
END_TEST

START_TEST(not_a_packet_message)
{
	struct pc_nfqmsg r;
	struct msg m;
	struct nlmsghdr h;

	kernel_like(&m, 1, 20, 0);
	memcpy(&h, m.b, sizeof(h));
	h.nlmsg_type = NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_VERDICT;
	memcpy(m.b, &h, sizeof(h));
	ck_assert_int_eq(parse_copy(&m, m.len, &r), -1);
	h.nlmsg_type = NLMSG_ERROR;
	memcpy(m.b, &h, sizeof(h));
	ck_assert_int_eq(parse_copy(&m, m.len, &r), -1);
	ck_assert(!r.has_id);
}
END_TEST

/* Random bytes after a valid header: never a crash or an overread; when
 * accepted, the payload lies inside the message. */
START_TEST(garbage)
{
	uint64_t seed = 0x6e6671;
	struct pc_nfqmsg r;
	struct msg m;
	size_t accepted = 0;

	for (int k = 0; k < 200000; k++) {
		size_t body, n;

		begin(&m);
		body = pc_test_xorshift(&seed) % 96;
		for (size_t i = 0; i < body; i++)
			m.b[m.len + i] = (uint8_t)pc_test_xorshift(&seed);
		if (k % 2) { /* half of them start with a valid header */
			put_hdr(&m, (uint32_t)k, 1);
			m.len -= NLA_ALIGN(NLA_HDRLEN + sizeof(struct nfqnl_msg_packet_hdr));
			body += NLA_ALIGN(NLA_HDRLEN + sizeof(struct nfqnl_msg_packet_hdr));
		}
		m.len += body;
		finish(&m);
		n = m.len - pc_test_xorshift(&seed) % 4 * (k % 3 == 0);
		uint8_t *c = malloc(n);
		ck_assert_ptr_nonnull(c);
		memcpy(c, m.b, n);
		if (pc_nfqmsg_parse(c, n, &r) == 0) {
			accepted++;
			ck_assert(r.has_id);
			if (r.payload)
				ck_assert(r.payload >= c && r.payload + r.caplen <= c + n);
		}
		free(c);
	}
	ck_assert_uint_gt(accepted, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nfqmsg");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, kernel_messages);
	tcase_add_test(tc, no_payload_is_well_formed);
	tcase_add_test(tc, every_truncation);
	tcase_add_test(tc, length_beyond_the_datagram);
	tcase_add_test(tc, wrong_attribute_lengths);
	tcase_add_test(tc, bad_attribute_headers);
	tcase_add_test(tc, not_a_packet_message);
	tcase_add_test(tc, garbage);
	suite_add_tcase(s, tc);
	return pc_test_run(s);
}
