/* test_replay.c - the replay engine: connections tracked as conntrack
 * tracks them and decided as the daemon decides them, the timeouts, the
 * bounded table, two policies over the capture's own connections */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "helper_fixture.h"
#include "helper_policy.h"
#include "replay.h"

#define H4 "\xc6\x33\x64\x02" /* 198.51.100.2, the host */
#define R4 "\xcb\x00\x71\x07" /* 203.0.113.7 */
#define X4 "\xcb\x00\x71\x08" /* 203.0.113.8 */
#define Y4 "\xcb\x00\x71\x09" /* 203.0.113.9, neither */
#define SYN 0x02
#define ACK 0x10
#define FIN 0x01
#define RST 0x04
#define S 1000000LL

static const char *const policy_text =
	"[portcullis]\nstateful = yes\ndefault = deny\n\n"
	"[SSH Server]\naction = permit\nprotocol = tcp\ndirection = in\nlocal-port = 22\n\n"
	"[DNS Client]\naction = permit\nprotocol = udp\ndirection = out\nremote-port = 53\n\n"
	"[Ping]\naction = permit\nprotocol = icmp\nicmp-type = echo-request\n\n"
	"[ND]\naction = permit\nprotocol = icmpv6\nicmp-type = 133,134,135,136\n\n"
	"[Deny TCP]\naction = deny\nprotocol = tcp\n";

struct buf {
	uint8_t b[256];
	size_t len;
};

static void put(struct buf *p, const void *v, size_t n)
{
	ck_assert_uint_le(p->len + n, sizeof(p->b));
	memcpy(p->b + p->len, v, n);
	p->len += n;
}

static void ip4(struct buf *p, uint8_t proto, const char *src, const char *dst, size_t payload)
{
	size_t tot = 20 + payload;
	uint8_t h[20] = { 0x45, 0, (uint8_t)(tot >> 8), (uint8_t)tot, 0, 0, 0x40, 0, 64, proto };

	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
	put(p, h, sizeof(h));
}

static struct buf tcp(const char *src, const char *dst, uint16_t sport, uint16_t dport,
		      uint8_t flags)
{
	struct buf p = { .len = 0 };
	uint8_t h[20] = { (uint8_t)(sport >> 8), (uint8_t)sport, (uint8_t)(dport >> 8),
			  (uint8_t)dport };

	h[12] = 0x50;
	h[13] = flags;
	ip4(&p, 6, src, dst, sizeof(h));
	put(&p, h, sizeof(h));
	return p;
}

static struct buf udp(const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	struct buf p = { .len = 0 };
	uint8_t h[8] = { (uint8_t)(sport >> 8), (uint8_t)sport, (uint8_t)(dport >> 8),
			 (uint8_t)dport, 0, 8 };

	ip4(&p, 17, src, dst, sizeof(h));
	put(&p, h, sizeof(h));
	return p;
}

static struct buf echo(const char *src, const char *dst, uint8_t type, uint16_t id)
{
	struct buf p = { .len = 0 };
	uint8_t h[8] = { type, 0, 0, 0, (uint8_t)(id >> 8), (uint8_t)id, 0, 1 };

	ip4(&p, 1, src, dst, sizeof(h));
	put(&p, h, sizeof(h));
	return p;
}

/* An ICMP error from src to dst quoting the packet q. */
static struct buf icmp_error(const char *src, const char *dst, uint8_t type, const struct buf *q)
{
	struct buf p = { .len = 0 };
	uint8_t h[8] = { type, 3 };

	ip4(&p, 1, src, dst, sizeof(h) + q->len);
	put(&p, h, sizeof(h));
	put(&p, q->b, q->len);
	return p;
}

/* An ICMPv6 neighbour solicitation from 2001:db8:1::10 to the host. */
static struct buf nd6(void)
{
	struct buf p = { .len = 0 };
	uint8_t h[40] = { 0x60, 0, 0, 0, 0, 24, 58, 255 };
	uint8_t icmp[24] = { 135 };

	h[8] = 0x20, h[9] = 0x01, h[10] = 0x0d, h[11] = 0xb8, h[13] = 1, h[23] = 0x10;
	h[24] = 0x20, h[25] = 0x01, h[26] = 0x0d, h[27] = 0xb8, h[29] = 1, h[39] = 0x02;
	memcpy(icmp + 8, h + 24, 16); /* its target: the host */
	put(&p, h, sizeof(h));
	put(&p, icmp, sizeof(icmp));
	return p;
}

#define MAX_GOT 64

/* A replay and what it emitted. */
struct rig {
	struct pc_policy *pol[2];
	struct pc_index *ix[2];
	struct pc_prefix *local;
	size_t n_local;
	struct pc_replay *r;
	struct pc_replay_conn got[MAX_GOT];
	size_t n;
};

static struct rig rig;

static void collect(void *arg, const struct pc_replay_conn *c)
{
	struct rig *g = arg;

	if (g->n < MAX_GOT)
		g->got[g->n] = *c;
	g->n++;
}

static void rig_up(const char *old, const char *new_text, bool capture_conns, size_t flows)
{
	struct pc_replay_cfg cfg = { .capture_conns = capture_conns, .max_flows = flows,
				     .emit = collect, .arg = &rig };
	char err[128];

	memset(&rig, 0, sizeof(rig));
	ck_assert_int_eq(pc_replay_parse_local("198.51.100.2, 2001:db8:1::2", &rig.local,
					       &rig.n_local, err, sizeof(err)), 0);
	cfg.local = rig.local;
	cfg.n_local = rig.n_local;
	cfg.n_policies = new_text ? 2 : 1;
	for (size_t i = 0; i < cfg.n_policies; i++) {
		rig.pol[i] = pc_test_load(i ? new_text : old, "replay.conf");
		ck_assert_ptr_nonnull(rig.ix[i] = pc_index_new(rig.pol[i]));
		cfg.policy[i] = rig.pol[i];
		cfg.index[i] = rig.ix[i];
	}
	ck_assert_ptr_nonnull(rig.r = pc_replay_new(&cfg));
}

static void rig_down(void)
{
	pc_replay_free(rig.r);
	for (int i = 0; i < 2; i++) {
		pc_index_free(rig.ix[i]);
		pc_policy_free(rig.pol[i]);
	}
	free(rig.local);
}

static void feed(struct buf p, double t)
{
	ck_assert_int_eq(pc_replay_packet(rig.r, p.b, p.len, p.len, (int64_t)(t * S)),
			 PC_REPLAY_OK);
}

static const char *rule_name(size_t pol, long rule)
{
	size_t n;
	const struct pc_rule *rules = pc_policy_rules(rig.pol[pol], &n);

	if (rule == -1)
		return "-";
	if (rule == PC_REPLAY_NORULE)
		return "(none)";
	return rules[rule].name;
}

/* Record i: its answer under policy pol, its state and its packet count. */
static void expect(size_t i, size_t pol, enum pc_action v, const char *rule,
		   enum pc_replay_state st, uint64_t packets)
{
	const struct pc_replay_conn *c = &rig.got[i];

	ck_assert_uint_lt(i, rig.n);
	ck_assert_str_eq(rule_name(pol, c->v[pol].rule), rule);
	ck_assert_int_eq(c->v[pol].verdict, v);
	ck_assert_str_eq(pc_replay_state_name(c->v[pol].state), pc_replay_state_name(st));
	ck_assert_uint_eq(c->packets, packets);
}

START_TEST(tcp_connection_is_one_record)
{
	rig_up(policy_text, NULL, false, 0);
	feed(tcp(R4, H4, 51000, 22, SYN), 10);
	feed(tcp(H4, R4, 22, 51000, SYN | ACK), 10.01);
	feed(tcp(R4, H4, 51000, 22, ACK), 10.02);
	feed(tcp(R4, H4, 51000, 22, ACK), 11);
	feed(tcp(H4, R4, 22, 51000, FIN | ACK), 12);
	feed(tcp(R4, H4, 51000, 22, FIN | ACK), 12.5);
	pc_replay_finish(rig.r);
	ck_assert_uint_eq(rig.n, 1);
	expect(0, 0, PC_PERMIT, "SSH Server", PC_RSTATE_NEW, 6);
	ck_assert_uint_eq(rig.got[0].key.dir, PC_DIR_IN);
	ck_assert_uint_eq(rig.got[0].key.dport, 22);
	ck_assert_int_eq(rig.got[0].first_us, 10 * S);
	ck_assert_int_eq(rig.got[0].last_us, 12 * S + S / 2);
	ck_assert_uint_eq(rig.got[0].bytes, 6 * 40);
	rig_down();
}
END_TEST

/* The daemon drops a denied SYN and conntrack forgets it: a retransmit is
 * decided again (same record), an answer to it is invalid. */
START_TEST(denied_connection_leaves_no_state)
{
	rig_up(policy_text, NULL, false, 0);
	feed(tcp(R4, H4, 51000, 80, SYN), 1);
	feed(tcp(R4, H4, 51000, 80, SYN), 2);
	feed(tcp(H4, R4, 80, 51000, SYN | ACK), 2.1);
	feed(tcp(R4, H4, 40000, 443, ACK), 3);
	pc_replay_finish(rig.r);
	ck_assert_uint_eq(rig.n, 3);
	expect(0, 0, PC_DENY, "Deny TCP", PC_RSTATE_NEW, 2);
	expect(1, 0, PC_DENY, "(none)", PC_RSTATE_INVALID, 1);
	ck_assert_uint_eq(rig.got[1].key.dir, PC_DIR_OUT);
	expect(2, 0, PC_DENY, "(none)", PC_RSTATE_INVALID, 1);
	rig_down();
}
END_TEST

/* A query the policy denies leaves no state: its answer is a new
 * connection coming in (and meets the inbound rules). */
START_TEST(answer_to_a_denied_query_is_new)
{
	static const char *const no_dns = "[portcullis]\ndefault = deny\n\n"
		"[DNS Server]\naction = permit\nprotocol = udp\ndirection = in\nlocal-port = 53\n";

	rig_up(no_dns, NULL, false, 0);
	feed(udp(H4, R4, 40000, 53), 1);
	feed(udp(R4, H4, 53, 40000), 1.1);
	pc_replay_finish(rig.r);
	ck_assert_uint_eq(rig.n, 2);
	expect(0, 0, PC_DENY, "-", PC_RSTATE_NEW, 1);
	ck_assert_uint_eq(rig.got[0].key.dir, PC_DIR_OUT);
	expect(1, 0, PC_DENY, "-", PC_RSTATE_NEW, 1);
	ck_assert_uint_eq(rig.got[1].key.dir, PC_DIR_IN);
	rig_down();

	rig_up(policy_text, NULL, false, 0);
	feed(udp(H4, R4, 40000, 53), 1);
	feed(udp(R4, H4, 53, 40000), 1.1);
	pc_replay_finish(rig.r);
	ck_assert_uint_eq(rig.n, 1);
	expect(0, 0, PC_PERMIT, "DNS Client", PC_RSTATE_NEW, 2);
	rig_down();
}
END_TEST

START_TEST(echo_replies_need_their_request)
{
	rig_up(policy_text, NULL, false, 0);
	feed(echo(R4, H4, 8, 0x1234), 1);
	feed(echo(H4, R4, 0, 0x1234), 1.1);
	feed(echo(H4, R4, 0, 0x4321), 1.2);
	pc_replay_finish(rig.r);
	ck_assert_uint_eq(rig.n, 2);
	expect(0, 0, PC_PERMIT, "Ping", PC_RSTATE_NEW, 2);
	ck_assert_uint_eq(rig.got[0].icmp_id, 0x1234);
	expect(1, 0, PC_DENY, "(none)", PC_RSTATE_INVALID, 1);
	rig_down();
}
END_TEST

START_TEST(icmp_errors_join_their_connection)
{
	struct buf q = udp(H4, R4, 40000, 53), other = udp(H4, X4, 40001, 53);

	rig_up(policy_text, NULL, false, 0);
	feed(q, 1);
	feed(icmp_error(R4, H4, 3, &q), 1.1);
	feed(icmp_error(X4, H4, 3, &other), 1.2);
	pc_replay_finish(rig.r);
	ck_assert_uint_eq(rig.n, 2);
	expect(0, 0, PC_PERMIT, "DNS Client", PC_RSTATE_NEW, 2);
	expect(1, 0, PC_DENY, "(none)", PC_RSTATE_INVALID, 1);
	ck_assert_uint_eq(rig.got[1].key.icmp_type, 3);
	rig_down();
}
END_TEST

/* Duplicate address detection (from ::): the host's own goes out, another
 * host's for a group the host is not in is not the host's. */
START_TEST(dad_goes_out)
{
	struct buf own = nd6(), other = nd6();
	static const uint8_t unspec[16];

	memcpy(own.b + 8, unspec, 16);           /* from :: */
	memcpy(own.b + 24, "\xff\x02\0\0\0\0\0\0\0\0\0\x01\xff\0\0\x02", 16);
	own.b[40 + 8 + 15] = 0x02;                /* target: the host, 2001:db8:1::2 */
	other = own;
	other.b[40 + 8 + 15] = 0x10;              /* target: 2001:db8:1::10 */
	other.b[24 + 15] = 0x10;
	rig_up(policy_text, NULL, false, 0);
	feed(own, 1);
	feed(other, 2);
	pc_replay_finish(rig.r);
	ck_assert_uint_eq(rig.n, 2);
	expect(0, 0, PC_PERMIT, "ND", PC_RSTATE_UNTRACKED, 1);
	ck_assert_uint_eq(rig.got[0].key.dir, PC_DIR_OUT);
	ck_assert_int_eq(rig.got[1].v[0].state, PC_RSTATE_FOREIGN);
	rig_down();
}
END_TEST

START_TEST(untrackable_icmp_is_decided_alone)
{
	rig_up(policy_text, NULL, false, 0);
	feed(nd6(), 1);
	feed(nd6(), 2);
	pc_replay_finish(rig.r);
	ck_assert_uint_eq(rig.n, 1);
	expect(0, 0, PC_PERMIT, "ND", PC_RSTATE_UNTRACKED, 2);
	ck_assert_uint_eq(rig.got[0].key.family, PC_FAM_V6);
	rig_down();
}
END_TEST

/* UDP: 30 s idle, unless answered and older than 2 s: 120 s. */
START_TEST(udp_timeouts)
{
	rig_up(policy_text, NULL, false, 0);
	feed(udp(H4, R4, 40000, 53), 0);
	feed(udp(R4, H4, 53, 40000), 0.1);
	feed(udp(H4, R4, 40000, 53), 31);
	ck_assert_uint_eq(rig.n, 1); /* emitted when the next packet came: timed out */
	expect(0, 0, PC_PERMIT, "DNS Client", PC_RSTATE_NEW, 2);
	feed(udp(R4, H4, 53, 40000), 34);  /* answered, 3 s old: a stream */
	feed(udp(H4, R4, 40000, 53), 140); /* 106 s later: still the same */
	pc_replay_finish(rig.r);
	ck_assert_uint_eq(rig.n, 2);
	expect(1, 0, PC_PERMIT, "DNS Client", PC_RSTATE_NEW, 3);
	rig_down();
}
END_TEST

/* TCP: established for days; a RST closes (10 s); a SYN after both FINs opens anew. */
START_TEST(tcp_timeouts)
{
	rig_up(policy_text, NULL, false, 0);
	feed(tcp(R4, H4, 51000, 22, SYN), 0);
	feed(tcp(H4, R4, 22, 51000, SYN | ACK), 0.1);
	feed(tcp(R4, H4, 51000, 22, ACK), 0.2);
	feed(tcp(R4, H4, 51000, 22, ACK), 86400);
	ck_assert_uint_eq(rig.n, 0);
	feed(tcp(H4, R4, 22, 51000, RST), 86401);
	feed(tcp(R4, H4, 51000, 22, ACK), 86412);
	ck_assert_uint_eq(rig.n, 1);
	expect(0, 0, PC_PERMIT, "SSH Server", PC_RSTATE_NEW, 5);
	pc_replay_finish(rig.r);
	ck_assert_uint_eq(rig.n, 2);
	expect(1, 0, PC_DENY, "(none)", PC_RSTATE_INVALID, 1);
	rig.n = 0;

	feed(tcp(R4, H4, 52000, 22, SYN), 90000);
	feed(tcp(H4, R4, 22, 52000, SYN | ACK), 90000.1);
	feed(tcp(R4, H4, 52000, 22, FIN | ACK), 90001);
	feed(tcp(H4, R4, 22, 52000, FIN | ACK), 90001.1);
	feed(tcp(R4, H4, 52000, 22, SYN), 90002);
	pc_replay_finish(rig.r);
	ck_assert_uint_eq(rig.n, 2);
	expect(0, 0, PC_PERMIT, "SSH Server", PC_RSTATE_NEW, 4);
	expect(1, 0, PC_PERMIT, "SSH Server", PC_RSTATE_NEW, 1);
	rig_down();
}
END_TEST

/* More connections than the table holds: the oldest are ended early and
 * counted; memory stays what it was. */
START_TEST(table_is_bounded)
{
	struct pc_replay_stats st;

	rig_up(policy_text, NULL, false, PC_REPLAY_FLOWS_MIN);
	for (int i = 0; i < 1000; i++)
		feed(tcp(R4, H4, (uint16_t)(10000 + i), 22, SYN), 1 + i * 0.001);
	pc_replay_finish(rig.r);
	pc_replay_stats(rig.r, &st);
	ck_assert_uint_eq(rig.n, 1000);
	ck_assert_uint_eq(st.records, 1000);
	ck_assert_uint_eq(st.peak, PC_REPLAY_FLOWS_MIN);
	ck_assert_uint_eq(st.evicted, 1000 - PC_REPLAY_FLOWS_MIN);
	ck_assert_uint_eq(st.packets, 1000);
	rig_down();
}
END_TEST

/* Untracked packets are ended first when the table is full: connections stay. */
START_TEST(full_table_keeps_connections)
{
	struct pc_replay_stats st;

	rig_up(policy_text, NULL, false, PC_REPLAY_FLOWS_MIN);
	feed(tcp(R4, H4, 51000, 22, SYN), 1);
	for (int i = 0; i < 100; i++)
		feed(tcp(R4, H4, (uint16_t)(20000 + i), 80, SYN), 2);
	feed(tcp(R4, H4, 51000, 22, ACK), 3);
	pc_replay_finish(rig.r);
	pc_replay_stats(rig.r, &st);
	ck_assert_uint_eq(st.evicted, 0);
	ck_assert_uint_eq(rig.n, 101);
	for (size_t i = 0; i < MAX_GOT; i++)
		ck_assert(rig.got[i].v[0].state != PC_RSTATE_INVALID);
	rig_down();
}
END_TEST

/* stateful = no: each direction of a tuple on its own. */
START_TEST(stateless_decides_each_direction)
{
	static const char *const sl = "[portcullis]\nstateful = no\ndefault = deny\n\n"
		"[SSH Server]\naction = permit\nprotocol = tcp\nlocal-port = 22\n";

	rig_up(sl, NULL, false, 0);
	feed(tcp(R4, H4, 51000, 22, SYN), 1);
	feed(tcp(H4, R4, 22, 51000, SYN | ACK), 1.1);
	feed(tcp(R4, H4, 51000, 22, ACK), 1.2);
	feed(tcp(R4, H4, 40000, 443, ACK), 1.3);
	pc_replay_finish(rig.r);
	ck_assert_uint_eq(rig.n, 3);
	expect(0, 0, PC_PERMIT, "SSH Server", PC_RSTATE_PACKET, 2);
	expect(1, 0, PC_PERMIT, "SSH Server", PC_RSTATE_PACKET, 1);
	ck_assert_uint_eq(rig.got[1].key.dir, PC_DIR_OUT);
	expect(2, 0, PC_DENY, "-", PC_RSTATE_PACKET, 1);
	rig_down();
}
END_TEST

/* Two policies over the capture's own connections: a connection the new
 * policy would refuse keeps its packets, both answers side by side. */
START_TEST(two_policies_decide_the_same_connections)
{
	char *off = strdup(policy_text);
	char *at = strstr(off, "direction = in\nlocal-port = 22");

	ck_assert_ptr_nonnull(at);
	memcpy(at, "direction = in\nlocal-port = 23", 30);
	rig_up(policy_text, off, true, 0);
	feed(tcp(R4, H4, 51000, 22, SYN), 1);
	feed(tcp(H4, R4, 22, 51000, SYN | ACK), 1.1);
	feed(tcp(R4, H4, 51000, 22, ACK), 1.2);
	feed(udp(H4, R4, 40000, 53), 2);
	pc_replay_finish(rig.r);
	ck_assert_uint_eq(rig.n, 2);
	expect(0, 0, PC_PERMIT, "SSH Server", PC_RSTATE_NEW, 3);
	expect(0, 1, PC_DENY, "Deny TCP", PC_RSTATE_NEW, 3);
	expect(1, 0, PC_PERMIT, "DNS Client", PC_RSTATE_NEW, 1);
	expect(1, 1, PC_PERMIT, "DNS Client", PC_RSTATE_NEW, 1);
	rig_down();
	free(off);
}
END_TEST

/* A stateless policy also decides the answers: a denied first reply denies
 * the connection it admitted. */
START_TEST(stateless_reply_can_deny)
{
	static const char *const sl = "[portcullis]\nstateful = no\ndefault = deny\n\n"
		"[SSH Server]\naction = permit\nprotocol = tcp\ndirection = in\nlocal-port = 22\n";

	rig_up(sl, policy_text, true, 0);
	feed(tcp(R4, H4, 51000, 22, SYN), 1);
	feed(tcp(H4, R4, 22, 51000, SYN | ACK), 1.1);
	pc_replay_finish(rig.r);
	ck_assert_uint_eq(rig.n, 1);
	expect(0, 0, PC_DENY, "-", PC_RSTATE_PACKET, 2);
	ck_assert(rig.got[0].v[0].by_reply);
	expect(0, 1, PC_PERMIT, "SSH Server", PC_RSTATE_NEW, 2);
	rig_down();
}
END_TEST

START_TEST(foreign_malformed_and_short)
{
	struct buf bad = tcp(R4, H4, 1, 2, SYN), cut = tcp(R4, H4, 51000, 22, SYN);

	rig_up(policy_text, NULL, false, 0);
	feed(tcp(R4, Y4, 51000, 22, SYN), 1);
	feed(udp(R4, "\xe0\x00\x00\x01", 5353, 5353), 1.5); /* to all hosts */
	feed(udp(H4, "\xff\xff\xff\xff", 68, 67), 1.6);
	feed(udp(R4, "\xe0\x00\x00\xfb", 5353, 5353), 1.7); /* a group the host is not in */
	bad.b[0] = 0x55; /* IP version 5 */
	feed(bad, 2);
	ck_assert_int_eq(pc_replay_packet(rig.r, cut.b, 30, cut.len, 3 * S), PC_REPLAY_SHORT);
	cut.len = 30; /* the packet itself ends there: the daemon's malformed */
	cut.b[3] = 30;
	feed(cut, 4);
	pc_replay_finish(rig.r);
	ck_assert_uint_eq(rig.n, 6);
	ck_assert_int_eq(rig.got[0].v[0].state, PC_RSTATE_FOREIGN);
	ck_assert_uint_eq(rig.got[0].key.dir, 0);
	expect(1, 0, PC_DENY, "-", PC_RSTATE_NEW, 1);
	ck_assert_uint_eq(rig.got[1].key.dir, PC_DIR_IN);
	expect(2, 0, PC_DENY, "-", PC_RSTATE_NEW, 1);
	ck_assert_uint_eq(rig.got[2].key.dir, PC_DIR_OUT);
	ck_assert_int_eq(rig.got[3].v[0].state, PC_RSTATE_FOREIGN);
	expect(4, 0, PC_DENY, "(none)", PC_RSTATE_MALFORMED, 1);
	ck_assert_int_eq(rig.got[4].reason, PC_PKT_BAD_VERSION);
	expect(5, 0, PC_DENY, "(none)", PC_RSTATE_MALFORMED, 1);
	ck_assert_int_eq(rig.got[5].reason, PC_PKT_TRUNCATED);
	rig_down();
}
END_TEST

START_TEST(bad_configurations)
{
	struct pc_replay_cfg cfg = { .n_policies = 1 };
	struct pc_prefix *v = NULL;
	size_t n;
	char err[128];

	ck_assert_ptr_null(pc_replay_new(&cfg)); /* no emit */
	cfg.emit = collect;
	cfg.max_flows = 4;
	ck_assert_ptr_null(pc_replay_new(&cfg));
	cfg.max_flows = 0;
	cfg.n_policies = 3;
	ck_assert_ptr_null(pc_replay_new(&cfg));
	ck_assert_int_eq(pc_replay_parse_local("any", &v, &n, err, sizeof(err)), -1);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(pc_replay_parse_local("198.51.100.2/33", &v, &n, err, sizeof(err)), -1);
	ck_assert_int_eq(pc_replay_parse_local("198.51.100.0/24,2001:db8::1", &v, &n, err,
					       sizeof(err)), 0);
	ck_assert_uint_eq(n, 2);
	free(v);
}
END_TEST

static Suite *replay_suite(void)
{
	Suite *s = suite_create("replay");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, tcp_connection_is_one_record);
	tcase_add_test(tc, denied_connection_leaves_no_state);
	tcase_add_test(tc, answer_to_a_denied_query_is_new);
	tcase_add_test(tc, echo_replies_need_their_request);
	tcase_add_test(tc, icmp_errors_join_their_connection);
	tcase_add_test(tc, untrackable_icmp_is_decided_alone);
	tcase_add_test(tc, dad_goes_out);
	tcase_add_test(tc, udp_timeouts);
	tcase_add_test(tc, tcp_timeouts);
	tcase_add_test(tc, table_is_bounded);
	tcase_add_test(tc, full_table_keeps_connections);
	tcase_add_test(tc, stateless_decides_each_direction);
	tcase_add_test(tc, two_policies_decide_the_same_connections);
	tcase_add_test(tc, stateless_reply_can_deny);
	tcase_add_test(tc, foreign_malformed_and_short);
	tcase_add_test(tc, bad_configurations);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(replay_suite());
}
