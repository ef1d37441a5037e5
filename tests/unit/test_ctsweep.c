/* test_ctsweep.c - the conntrack sweep's messages (daemon/ctsweep.c): the
 * filter of each generation for mark-masks of every width, the dump request
 * and an entry's update as the kernel reads them (parsed back with libmnl),
 * and a dump reply's entry read back. The sweep against the kernel is
 * tests/e2e/genwrap.sh. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <string.h>
#include <sys/socket.h>

#include "ctsweep.h"
#include "helper_fixture.h"
#include "marks.h"

/* A connmark decided under gen (permit or not), with the admin's bits in
 * other: as the hook rules save it (K, P, G; never S). */
static uint32_t connmark(const struct pc_marks *m, uint32_t other, bool permit, uint32_t gen)
{
	return (pc_marks_verdict(m, other, permit, gen) & ~m->save);
}

static bool matches(const struct pc_ctsweep_filter *f, uint32_t mark)
{
	return (mark & f->mask) == f->value;
}

/* Contiguous masks of every width from the minimum, at every shift, and
 * scattered ones: exactly the connmarks of gen match, whatever the
 * permit and the admin's bits; the bits cleared are the whole mask. */
static const uint32_t masks[] = { 0x3f, 0xfc000000, 0x7f0, 0xff000000, 0xffff, 0xffff0000,
				  0x0f0f0000, 0xa5a5, 0xfffffffe, 0xffffffff };

START_TEST(filter_of_each_width)
{
	uint32_t mask = masks[_i];
	struct pc_marks m;
	struct pc_ctsweep_filter f;
	uint32_t step, other = 0xdeadbeef & ~mask;

	ck_assert_int_eq(pc_marks_init(&m, mask), 0);
	step = m.gen_max > 300 ? m.gen_max / 97 : 1;
	for (uint32_t g = 1; g <= m.gen_max && g != 0; g += step) {
		pc_ctsweep_filter(&m, g, &f);
		ck_assert_uint_eq(f.clear, mask);
		ck_assert_uint_eq(f.mask, m.known | m.gen);
		ck_assert_uint_eq(f.value & ~f.mask, 0);
		ck_assert_uint_eq(f.value & m.known, m.known);
		ck_assert_uint_eq(pc_marks_gen_of(&m, f.value), g);
		ck_assert(matches(&f, connmark(&m, other, true, g)));
		ck_assert(matches(&f, connmark(&m, other, false, g)));
		ck_assert(matches(&f, connmark(&m, 0, true, g)));
		ck_assert(!matches(&f, connmark(&m, other, true, pc_marks_next_gen(&m, g))));
		ck_assert(!matches(&f, connmark(&m, other, true, g) & ~m.known));
		ck_assert(!matches(&f, other)); /* never decided */
		/* the cleared connmark keeps the admin's bits and nothing of ours */
		ck_assert_uint_eq(connmark(&m, other, true, g) & ~f.clear, other);
	}
}
END_TEST

/* The layout of the default mark-mask spelled out. */
START_TEST(filter_default_mask)
{
	struct pc_marks m;
	struct pc_ctsweep_filter f;

	ck_assert_int_eq(pc_marks_init(&m, PC_MARK_MASK_DEFAULT), 0);
	pc_ctsweep_filter(&m, 5, &f);
	ck_assert_uint_eq(f.value, 0x02000000u | (5u << 27));
	ck_assert_uint_eq(f.mask, 0xfa000000u);
	ck_assert_uint_eq(f.clear, 0xff000000u);
	ck_assert_int_eq(pc_marks_init(&m, 0x3f), 0);
	pc_ctsweep_filter(&m, 7, &f);
	ck_assert_uint_eq(f.value, 0x3au);
	ck_assert_uint_eq(f.mask, 0x3au);
	ck_assert_uint_eq(f.clear, 0x3fu);
}
END_TEST

struct attrs {
	const struct nlattr *tb[CTA_MAX + 1];
	int unknown;
};

static int top_cb(const struct nlattr *a, void *data)
{
	struct attrs *at = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type > CTA_MAX || at->tb[type])
		at->unknown++;
	else
		at->tb[type] = a;
	return MNL_CB_OK;
}

/* Parses buf[0..len) as one ctnetlink message; checks the header. */
static const struct nlmsghdr *parse(const void *buf, int len, uint16_t type, uint8_t family,
				    struct attrs *at)
{
	const struct nlmsghdr *nlh = buf;
	const struct nfgenmsg *nfg;

	ck_assert(mnl_nlmsg_ok(nlh, len));
	ck_assert_int_eq((int)nlh->nlmsg_len, len);
	ck_assert_uint_eq(nlh->nlmsg_type, (NFNL_SUBSYS_CTNETLINK << 8) | type);
	nfg = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(nfg->nfgen_family, family);
	ck_assert_uint_eq(nfg->version, NFNETLINK_V0);
	ck_assert_uint_eq(nfg->res_id, 0);
	memset(at, 0, sizeof(*at));
	ck_assert_int_ge(mnl_attr_parse(nlh, sizeof(*nfg), top_cb, at), 0);
	ck_assert_int_eq(at->unknown, 0);
	return nlh;
}

static uint32_t be32_attr(const struct nlattr *a)
{
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(mnl_attr_validate(a, MNL_TYPE_U32), 0);
	return ntohl(mnl_attr_get_u32(a));
}

START_TEST(dump_request_carries_the_filter)
{
	char buf[256];
	struct pc_ctsweep_filter f = { .value = 0x0a000000, .mask = 0xfa000000,
				       .clear = 0xff000000 };
	const struct nlmsghdr *nlh;
	struct attrs at;
	int len = pc_ctsweep_dump_msg(buf, sizeof(buf), &f, 77);

	ck_assert_int_gt(len, 0);
	nlh = parse(buf, len, IPCTNL_MSG_CT_GET, AF_UNSPEC, &at);
	ck_assert_uint_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	ck_assert_uint_eq(nlh->nlmsg_seq, 77);
	ck_assert_uint_eq(be32_attr(at.tb[CTA_MARK]), 0x0a000000);
	ck_assert_uint_eq(be32_attr(at.tb[CTA_MARK_MASK]), 0xfa000000);
	for (int i = 0; i <= CTA_MAX; i++)
		if (i != CTA_MARK && i != CTA_MARK_MASK)
			ck_assert_ptr_null(at.tb[i]);
	/* too small a buffer: nothing half-built */
	errno = 0;
	ck_assert_int_eq(pc_ctsweep_dump_msg(buf, (size_t)len - 1, &f, 1), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_int_eq(pc_ctsweep_dump_msg(buf, 8, &f, 1), -1);
}
END_TEST

/* An IPv4 TCP tuple as the kernel dumps it (CTA_TUPLE_ORIG's payload). */
static uint16_t put_tuple4(struct nlmsghdr *nlh, uint16_t type)
{
	struct nlattr *t = mnl_attr_nest_start(nlh, type), *n;

	n = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put_u32(nlh, CTA_IP_V4_SRC, htonl(0xc0000202)); /* 192.0.2.2 */
	mnl_attr_put_u32(nlh, CTA_IP_V4_DST, htonl(0xc0000201));
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, 6);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(40000));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(8080));
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, t);
	return mnl_attr_get_payload_len(t);
}

/* A message of a dump reply: family, original and reply tuple, connmark,
 * zone (0: none). */
static int put_reply(char *buf, uint8_t family, uint32_t mark, uint16_t zone)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	put_tuple4(nlh, CTA_TUPLE_ORIG);
	put_tuple4(nlh, CTA_TUPLE_REPLY);
	mnl_attr_put_u32(nlh, CTA_STATUS, htonl(0xe));
	mnl_attr_put_u32(nlh, CTA_MARK, htonl(mark));
	if (zone)
		mnl_attr_put_u16(nlh, CTA_ZONE, htons(zone));
	return (int)nlh->nlmsg_len;
}

static const struct nlattr *tuple_orig(const char *buf)
{
	struct attrs at;

	memset(&at, 0, sizeof(at));
	mnl_attr_parse((const struct nlmsghdr *)buf, sizeof(struct nfgenmsg), top_cb, &at);
	return at.tb[CTA_TUPLE_ORIG];
}

START_TEST(entry_read_and_updated)
{
	char reply[512], buf[512];
	struct pc_ctsweep_filter f = { .value = 0x3a, .mask = 0x3a, .clear = 0x3f };
	struct pc_ctsweep_entry e;
	const struct nlattr *orig;
	const struct nlmsghdr *nlh;
	struct attrs at;
	int rlen = put_reply(reply, AF_INET, 0x1200003e, 0), len;

	/* K, P, generation 7 and the admin's bits: an entry to update */
	ck_assert_int_eq(pc_ctsweep_parse_entry(reply, (size_t)rlen, &f, &e), 1);
	ck_assert_uint_eq(e.family, AF_INET);
	ck_assert_uint_eq(e.has_zone, 0);
	orig = tuple_orig(reply);
	ck_assert_uint_eq(e.tuple_len, mnl_attr_get_payload_len(orig));
	ck_assert_mem_eq(e.tuple, mnl_attr_get_payload(orig), e.tuple_len);
	len = pc_ctsweep_update_msg(buf, sizeof(buf), &e, f.clear, 9);
	ck_assert_int_gt(len, 0);
	nlh = parse(buf, len, IPCTNL_MSG_CT_NEW, AF_INET, &at);
	/* an update of an existing entry: never create one, answer each */
	ck_assert_uint_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	ck_assert_uint_eq(nlh->nlmsg_seq, 9);
	ck_assert_ptr_nonnull(at.tb[CTA_TUPLE_ORIG]);
	ck_assert_int_eq(mnl_attr_validate(at.tb[CTA_TUPLE_ORIG], MNL_TYPE_NESTED), 0);
	ck_assert_uint_eq(mnl_attr_get_payload_len(at.tb[CTA_TUPLE_ORIG]), e.tuple_len);
	ck_assert_mem_eq(mnl_attr_get_payload(at.tb[CTA_TUPLE_ORIG]), e.tuple, e.tuple_len);
	/* the kernel: newmark = (old & ~mask) ^ mark */
	ck_assert_uint_eq(be32_attr(at.tb[CTA_MARK]), 0);
	ck_assert_uint_eq(be32_attr(at.tb[CTA_MARK_MASK]), 0x3f);
	ck_assert_uint_eq((0x1200003eu & ~0x3fu) ^ 0, 0x12000000u);
	ck_assert_ptr_null(at.tb[CTA_ZONE]);
	ck_assert_ptr_null(at.tb[CTA_TUPLE_REPLY]);
	ck_assert_ptr_null(at.tb[CTA_STATUS]);
	errno = 0;
	ck_assert_int_eq(pc_ctsweep_update_msg(buf, (size_t)len - 4, &e, f.clear, 9), -1);
	ck_assert_int_eq(errno, ENOSPC);
}
END_TEST

START_TEST(entry_keeps_its_zone_and_family)
{
	char reply[512], buf[512];
	struct pc_ctsweep_filter f = { .value = 0x3a, .mask = 0x3a, .clear = 0x3f };
	struct pc_ctsweep_entry e;
	struct attrs at;
	int rlen = put_reply(reply, AF_INET6, 0x3a, 4711), len;

	ck_assert_int_eq(pc_ctsweep_parse_entry(reply, (size_t)rlen, &f, &e), 1);
	ck_assert_uint_eq(e.family, AF_INET6);
	ck_assert_uint_eq(e.has_zone, 1);
	len = pc_ctsweep_update_msg(buf, sizeof(buf), &e, f.clear, 1);
	parse(buf, len, IPCTNL_MSG_CT_NEW, AF_INET6, &at);
	ck_assert_ptr_nonnull(at.tb[CTA_ZONE]);
	ck_assert_int_eq(mnl_attr_validate(at.tb[CTA_ZONE], MNL_TYPE_U16), 0);
	ck_assert_uint_eq(ntohs(mnl_attr_get_u16(at.tb[CTA_ZONE])), 4711);
}
END_TEST

START_TEST(entry_of_another_generation_is_left)
{
	char reply[512];
	struct pc_ctsweep_filter f = { .value = 0x3a, .mask = 0x3a, .clear = 0x3f };
	struct pc_ctsweep_entry e;
	int rlen;

	rlen = put_reply(reply, AF_INET, 0x32, 0); /* generation 6 */
	ck_assert_int_eq(pc_ctsweep_parse_entry(reply, (size_t)rlen, &f, &e), 0);
	rlen = put_reply(reply, AF_INET, 0x38, 0); /* generation 7, not known */
	ck_assert_int_eq(pc_ctsweep_parse_entry(reply, (size_t)rlen, &f, &e), 0);
	rlen = put_reply(reply, AF_INET, 0, 0);
	ck_assert_int_eq(pc_ctsweep_parse_entry(reply, (size_t)rlen, &f, &e), 0);
}
END_TEST

START_TEST(malformed_entry_is_refused)
{
	char reply[512];
	struct pc_ctsweep_filter f = { .value = 0x3a, .mask = 0x3a, .clear = 0x3f };
	struct pc_ctsweep_entry e;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(reply);
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	int rlen;

	nfg->nfgen_family = AF_INET;
	mnl_attr_put_u32(nlh, CTA_MARK, htonl(0x3a)); /* no tuple */
	errno = 0;
	ck_assert_int_eq(pc_ctsweep_parse_entry(reply, nlh->nlmsg_len, &f, &e), -1);
	ck_assert_int_eq(errno, EINVAL);
	rlen = put_reply(reply, AF_INET, 0x3a, 0);
	ck_assert_int_eq(pc_ctsweep_parse_entry(reply, (size_t)rlen - 1, &f, &e), -1);
	ck_assert_int_eq(pc_ctsweep_parse_entry(reply, 10, &f, &e), -1);
}
END_TEST

static Suite *ctsweep_suite(void)
{
	Suite *s = suite_create("ctsweep");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, filter_of_each_width, 0, (int)(sizeof(masks) / sizeof(masks[0])));
	tcase_add_test(tc, filter_default_mask);
	tcase_add_test(tc, dump_request_carries_the_filter);
	tcase_add_test(tc, entry_read_and_updated);
	tcase_add_test(tc, entry_keeps_its_zone_and_family);
	tcase_add_test(tc, entry_of_another_generation_is_left);
	tcase_add_test(tc, malformed_entry_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(ctsweep_suite());
}
