/* test_decide.c - the daemon's verdicts (daemon/decide.c) on raw packets as
 * the kernel queues them, with the conntrack state the hook rules put in
 * the mark: new connections, their replies judged again after a reload,
 * invalid and untracked packets, and the per-packet model of stateful = no */
#include <check.h>
#include <linux/netfilter.h>
#include <string.h>

#include "decide.h"
#include "helper_fixture.h"
#include "helper_raw.h"
#include "vlog.h"

#define FOREIGN 0x00001234u /* an admin's own mark bits, outside mark-mask */

static const char policy_text[] =
	"[portcullis]\n"
	"log = all\n"
	"%s\n"
	"[SSH Server]\naction = permit\nprotocol = tcp\ndirection = in\nlocal-port = 22\n"
	"[DNS Client]\naction = %s\nprotocol = udp\ndirection = out\nremote-port = 53\n"
	"[ND]\naction = permit\nprotocol = icmpv6\nicmp-type = 135\n"
	"[Deny TCP]\naction = deny\nprotocol = tcp\n"
	"[Deny UDP]\naction = deny\nprotocol = udp\n";

static struct pc_table *table;
static struct pc_vlogshare vlogshare;
static struct pc_worker w;
static char lines[8][PC_VLOG_LINE_MAX];
static size_t nlines;

static void sink(void *arg, const char *line, size_t len)
{
	(void)arg;
	if (nlines < 8)
		snprintf(lines[nlines], sizeof(lines[0]), "%.*s", (int)len, line);
	nlines++;
}

/* The daemon's worker state for a policy: stateful or not, the DNS Client
 * rule permitting or denying; generation gen. */
static void setup_policy(bool stateful, bool dns_permit, uint32_t gen)
{
	char text[2048], path[512];
	struct pc_vlog_cfg cfg = { .format = PC_LOGF_TEXT, .rate = 1000, .sink = sink };
	struct pc_diag *d = pc_diag_new();

	snprintf(text, sizeof(text), policy_text, stateful ? "stateful = yes" : "stateful = no",
		 dns_permit ? "permit" : "deny");
	pc_test_dir_make();
	pc_test_path("policy.conf", path, sizeof(path));
	pc_test_write(path, text, strlen(text));
	table = pc_table_load(path, 1, d);
	ck_assert_ptr_nonnull(table);
	pc_diag_free(d);
	ck_assert_int_eq(pc_marks_init(&table->marks, PC_MARK_MASK_DEFAULT), 0);
	table->gen = gen;
	ck_assert_int_eq(pc_vlogshare_init(&vlogshare, pc_vlog_new(&cfg)), 0);
	memset(&w, 0, sizeof(w));
	w.table = table;
	w.vlog = &vlogshare;
	nlines = 0;
}

static void teardown_policy(void)
{
	pc_vlogshare_destroy(&vlogshare);
	pc_table_free(table);
}

/* Decides raw packet p from hook with the conntrack code and connmark bits
 * (K/P) the hooks would have marked it with. */
static int decide(const struct pc_raw *p, unsigned hook, enum pc_ct_code code, uint32_t kp,
		  uint32_t *mark)
{
	struct pc_queue_pkt qp = { .data = p->b, .caplen = p->len, .pktlen = p->len, .hook = hook,
				   .mark = FOREIGN | pc_marks_code_bits(&table->marks, code) | kp };

	*mark = 0xdeadbeef;
	return pc_decide(&w, &qp, mark);
}

static uint64_t ctr(pc_counter *c)
{
	return pc_counter_get(c);
}

static void syn(struct pc_raw *p, uint16_t dport, uint8_t flags)
{
	p->len = 0;
	pc_raw_ip4(p, 6, RAW_B4, RAW_A4, 40);
	pc_raw_tcp(p, 51000, dport, flags);
}

START_TEST(new_connection_permitted_is_saved)
{
	struct pc_raw p;
	uint32_t mark;
	const struct pc_marks *m;

	setup_policy(true, true, 7);
	m = &table->marks;
	syn(&p, 22, 0x02);
	ck_assert_int_eq(decide(&p, NF_INET_LOCAL_IN, PC_CT_NEW, 0, &mark), NF_REPEAT);
	ck_assert_uint_eq(mark & ~m->mask, FOREIGN);
	ck_assert_uint_eq(mark & (m->save | m->known | m->permit), m->save | m->known | m->permit);
	ck_assert_uint_eq(pc_marks_gen_of(m, mark), 7);
	ck_assert_uint_eq(ctr(&w.c.conns), 1);
	ck_assert_uint_eq(ctr(&w.c.permitted), 1);
	ck_assert_uint_eq(pc_table_hits(table, 0), 1);
	ck_assert_uint_eq(nlines, 1);
	ck_assert_ptr_nonnull(strstr(lines[0], "verdict=permit rule=\"SSH Server\" dir=in"));
	ck_assert_ptr_nonnull(strstr(lines[0], " state=new"));
	teardown_policy();
}
END_TEST

START_TEST(new_connection_denied_is_dropped)
{
	struct pc_raw p;
	uint32_t mark;

	setup_policy(true, true, 7);
	syn(&p, 5432, 0x02);
	ck_assert_int_eq(decide(&p, NF_INET_LOCAL_IN, PC_CT_NEW, 0, &mark), NF_DROP);
	ck_assert_uint_eq(ctr(&w.c.conns), 1);
	ck_assert_uint_eq(ctr(&w.c.denied), 1);
	ck_assert_ptr_nonnull(strstr(lines[0], "verdict=deny rule=\"Deny TCP\" dir=in"));
	teardown_policy();
}
END_TEST

/* A lone ACK, a SYN-ACK, a RST that conntrack picked up as new: invalid,
 * even to a port a rule permits. */
START_TEST(new_without_bare_syn_is_invalid)
{
	static const uint8_t flags[] = { 0x10, 0x12, 0x04, 0x01 };
	struct pc_raw p;
	uint32_t mark;

	setup_policy(true, true, 7);
	for (size_t i = 0; i < sizeof(flags); i++) {
		syn(&p, 22, flags[i]);
		ck_assert_int_eq(decide(&p, NF_INET_LOCAL_IN, PC_CT_NEW, 0, &mark), NF_DROP);
	}
	ck_assert_uint_eq(ctr(&w.c.invalid), 4);
	ck_assert_uint_eq(ctr(&w.c.conns), 0);
	ck_assert_uint_eq(pc_table_hits(table, 0), 0);
	ck_assert_ptr_nonnull(strstr(lines[0], "verdict=deny rule=\"(invalid)\" dir=in"));
	ck_assert_ptr_nonnull(strstr(lines[0], " state=invalid"));
	teardown_policy();
}
END_TEST

/* The answer to this host's DNS query, after a reload: judged as the query
 * (out, to port 53). Unchanged verdict: saved, not logged. */
static void dns_answer(struct pc_raw *p)
{
	p->len = 0;
	pc_raw_ip4(p, 17, RAW_B4, RAW_A4, 28);
	pc_raw_udp(p, 53, 40000, 8);
}

START_TEST(reply_revalidated_unchanged_is_quiet)
{
	struct pc_raw p;
	uint32_t mark;
	const struct pc_marks *m;

	setup_policy(true, true, 8);
	m = &table->marks;
	dns_answer(&p);
	ck_assert_int_eq(decide(&p, NF_INET_LOCAL_IN, PC_CT_REPLY, m->known | m->permit, &mark),
			 NF_REPEAT);
	ck_assert_uint_eq(mark & m->permit, m->permit);
	ck_assert_uint_eq(pc_marks_gen_of(m, mark), 8);
	ck_assert_uint_eq(ctr(&w.c.revalidated), 1);
	ck_assert_uint_eq(nlines, 0);
	/* revalidations are not rule hits: the connection was counted once */
	ck_assert_uint_eq(pc_table_hits(table, 1), 0);
	teardown_policy();
}
END_TEST

START_TEST(reply_revalidated_now_denied_is_cut_and_logged)
{
	struct pc_raw p;
	uint32_t mark;
	const struct pc_marks *m;

	setup_policy(true, false, 9);
	m = &table->marks;
	dns_answer(&p);
	ck_assert_int_eq(decide(&p, NF_INET_LOCAL_IN, PC_CT_REPLY, m->known | m->permit, &mark),
			 NF_REPEAT);
	ck_assert_uint_eq(mark & (m->save | m->known | m->permit), m->save | m->known);
	ck_assert_uint_eq(pc_marks_gen_of(m, mark), 9);
	ck_assert_uint_eq(nlines, 1);
	/* the connection as it was opened: out, from the host's port 40000 to 53 */
	ck_assert_ptr_nonnull(strstr(lines[0], "verdict=deny rule=\"DNS Client\" dir=out proto=udp "
					       "src=198.51.100.2 sport=40000 dst=203.0.113.7 dport=53"));
	ck_assert_ptr_nonnull(strstr(lines[0], " state=revalidated"));
	/* a connection never decided by portcullis is logged even when permitted */
	teardown_policy();
	setup_policy(true, true, 9);
	dns_answer(&p);
	ck_assert_int_eq(decide(&p, NF_INET_LOCAL_IN, PC_CT_REPLY, 0, &mark), NF_REPEAT);
	ck_assert_uint_eq(nlines, 1);
	ck_assert_ptr_nonnull(strstr(lines[0], "verdict=permit rule=\"DNS Client\" dir=out"));
	teardown_policy();
}
END_TEST

/* A port unreachable about this host's query: related to it, judged by the
 * quoted query. */
START_TEST(icmp_error_revalidated_by_quoted_packet)
{
	struct pc_raw p = { .len = 0 };
	uint32_t mark;
	const struct pc_marks *m;

	setup_policy(true, true, 3);
	m = &table->marks;
	pc_raw_ip4(&p, 1, RAW_B4, RAW_A4, 20 + 8 + 28);
	pc_raw_icmp(&p, 3, 3);
	pc_raw_ip4(&p, 17, RAW_A4, RAW_B4, 28);
	pc_raw_udp(&p, 40000, 53, 8);
	ck_assert_int_eq(decide(&p, NF_INET_LOCAL_IN, PC_CT_REPLY, m->known | m->permit, &mark),
			 NF_REPEAT);
	ck_assert_uint_eq(mark & m->permit, m->permit);
	/* quoting nothing usable: invalid */
	p.len = 20 + 8 + 10;
	p.b[3] = (uint8_t)p.len;
	ck_assert_int_eq(decide(&p, NF_INET_LOCAL_IN, PC_CT_REPLY, m->known | m->permit, &mark),
			 NF_DROP);
	ck_assert_uint_eq(ctr(&w.c.invalid), 1);
	teardown_policy();
}
END_TEST

/* Neighbour solicitations are never tracked: conntrack marks them invalid,
 * the daemon decides them alone. */
START_TEST(untrackable_icmp_decided_alone)
{
	static const uint8_t ns[] = {
		0x60, 0, 0, 0, 0, 32, 58, 255,
		0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 2,
		135, 0, 0, 0, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 2, 1, 1, 0, 0, 0, 0, 0, 1,
	};
	struct pc_raw p = { .len = 0 };
	uint32_t mark;

	setup_policy(true, true, 3);
	pc_raw_put(&p, ns, sizeof(ns));
	ck_assert_int_eq(decide(&p, NF_INET_LOCAL_IN, PC_CT_INVALID, 0, &mark), NF_ACCEPT);
	ck_assert_uint_eq(ctr(&w.c.untracked), 1);
	ck_assert_ptr_nonnull(strstr(lines[0], "rule=\"ND\""));
	ck_assert_ptr_nonnull(strstr(lines[0], " state=untracked"));
	/* an echo reply to nothing is invalid, not untracked */
	p.len = 0;
	pc_raw_ip4(&p, 1, RAW_B4, RAW_A4, 28);
	pc_raw_icmp(&p, 0, 0);
	ck_assert_int_eq(decide(&p, NF_INET_LOCAL_IN, PC_CT_INVALID, 0, &mark), NF_DROP);
	ck_assert_uint_eq(ctr(&w.c.invalid), 1);
	/* an untracked packet (NOTRACK) is decided alone */
	syn(&p, 22, 0x10);
	ck_assert_int_eq(decide(&p, NF_INET_LOCAL_IN, PC_CT_UNTRACKED, 0, &mark), NF_ACCEPT);
	ck_assert_uint_eq(ctr(&w.c.untracked), 2);
	teardown_policy();
}
END_TEST

/* stateful = no: every packet alone, whatever the mark says; the answer
 * from port 53 is denied because DNS Client says out. */
START_TEST(stateless_decides_packets)
{
	struct pc_raw p;
	uint32_t mark;

	setup_policy(false, true, 1);
	syn(&p, 22, 0x10);
	ck_assert_int_eq(decide(&p, NF_INET_LOCAL_IN, PC_CT_NEW, 0, &mark), NF_ACCEPT);
	ck_assert_uint_eq(mark, 0xdeadbeef);
	dns_answer(&p);
	ck_assert_int_eq(decide(&p, NF_INET_LOCAL_IN, PC_CT_REPLY, 0, &mark), NF_DROP);
	ck_assert_uint_eq(ctr(&w.c.conns) + ctr(&w.c.revalidated) + ctr(&w.c.invalid), 0);
	ck_assert_ptr_null(strstr(lines[0], "state="));
	teardown_policy();
}
END_TEST

START_TEST(malformed_is_dropped)
{
	struct pc_raw p;
	uint32_t mark;

	setup_policy(true, true, 1);
	syn(&p, 22, 0x02);
	p.len = 30; /* the TCP header cut short */
	ck_assert_int_eq(decide(&p, NF_INET_LOCAL_IN, PC_CT_NEW, 0, &mark), NF_DROP);
	ck_assert_uint_eq(ctr(&w.c.malformed), 1);
	ck_assert_ptr_nonnull(strstr(lines[0], "rule=\"(malformed)\" reason="));
	teardown_policy();
}
END_TEST

static Suite *decide_suite(void)
{
	Suite *s = suite_create("decide");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, pc_test_base_make, pc_test_base_remove);
	tcase_add_test(tc, new_connection_permitted_is_saved);
	tcase_add_test(tc, new_connection_denied_is_dropped);
	tcase_add_test(tc, new_without_bare_syn_is_invalid);
	tcase_add_test(tc, reply_revalidated_unchanged_is_quiet);
	tcase_add_test(tc, reply_revalidated_now_denied_is_cut_and_logged);
	tcase_add_test(tc, icmp_error_revalidated_by_quoted_packet);
	tcase_add_test(tc, untrackable_icmp_decided_alone);
	tcase_add_test(tc, stateless_decides_packets);
	tcase_add_test(tc, malformed_is_dropped);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(decide_suite());
}
