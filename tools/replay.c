/* replay.c - the packets of a capture decided as portcullisd would have.
 *
 * A record is a tracked connection (both ways, found by its tuple in either
 * orientation) or, for packets nothing tracks, the packets of one tuple and
 * one kind in a row. Records live in one array sized at start, chained in
 * a hash table by their tuple and kept on one list per idle timeout in the
 * order of their last packet, so that the oldest of each list is the next
 * to expire: expiry costs nothing per packet but the records it ends. A
 * full table ends the record that would expire first (untracked ones
 * first) and counts it when it was a connection.
 *
 * What conntrack does, as far as the daemon's verdict depends on it:
 *   - a TCP packet that is not a bare SYN, an ICMP reply and an ICMP error
 *     that belong to no tracked connection are INVALID (docs/semantics.md);
 *   - ICMP types conntrack never tracks are decided one by one;
 *   - a connection is decided by its first packet, and with the daemon a
 *     denied one leaves no state (its next packet is new, or invalid);
 *   - idle timeouts (nf_conntrack sysctl defaults): TCP SYN_SENT 120 s,
 *     SYN_RECV 60 s, ESTABLISHED 5 days, FIN seen 120 s, both FINs
 *     (TIME_WAIT) 120 s, after a RST 10 s; a bare SYN after TIME_WAIT or a
 *     RST opens a new connection; UDP 30 s, 120 s once answered and older
 *     than 2 s; ICMP 30 s; other protocols 600 s.
 * Not modelled: TCP window tracking (out-of-window packets conntrack calls
 * invalid), fragment reassembly (a non-first fragment is decided alone),
 * conntrack helpers, SCTP/DCCP/GRE trackers (their packets are tracked by
 * addresses and protocol, as conntrack's generic tracker does).
 */
#include "replay.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "conn.h"
#include "values.h"

#define NIL UINT32_MAX
#define US 1000000LL
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMP 1
#define PROTO_ICMPV6 58
#define ICMP_HDRLEN 8
#define UDP_STREAM_AFTER (2 * US) /* an answered UDP flow older than this is a stream */

/* Idle timeouts, one list each; T_AGG holds the records of untracked packets. */
enum tclass { T_10, T_30, T_60, T_120, T_600, T_5D, T_AGG, T_MAX };
static const int64_t timeout_s[T_MAX] = { 10, 30, 60, 120, 600, 5 * 86400, 120 };

/* What a record is in the capture. */
enum kind {
	C_CONN = 1,    /* a tracked connection */
	C_DENIED,      /* first packets of a connection the daemon denied (no state) */
	C_NOOPEN,      /* packets of no tracked connection that cannot open one */
	C_UNTRACKABLE, /* ICMP conntrack never tracks */
	C_FRAG,        /* non-first fragments */
	C_PACKET,      /* stateful = no: packets of one direction of a tuple */
	C_FOREIGN,     /* neither to nor from the host */
	C_MALFORMED,   /* refused by the parser, by reason */
};

enum tcp_state { TS_SYN_SENT, TS_SYN_RECV, TS_ESTABLISHED, TS_FIN_WAIT, TS_TIME_WAIT, TS_CLOSE };

/* A record's key, in the orientation of its first packet. a, b: the ports;
 * for ICMP the identifier (queries only) and type << 8 | code. */
struct tuple {
	uint8_t kind, family, proto, dir;
	uint16_t a, b;
	int32_t reason;
	uint8_t src[16], dst[16];
};

struct rec {
	struct tuple t;
	uint32_t hnext, prev, next;
	uint8_t cls;
	uint8_t tcp;        /* enum tcp_state */
	uint8_t fin;        /* FIN seen: 1 original direction, 2 reply */
	uint8_t reply_done; /* bit i: stateless policy i judged the first reply */
	bool replied;
	int64_t touch;      /* the replay's time at its last packet */
	struct pc_replay_conn c;
};

struct pc_replay {
	struct pc_replay_cfg cfg;
	bool stateful[PC_REPLAY_POLICIES];
	bool track;         /* connections are tracked */
	struct rec *recs;
	uint32_t *buckets, *order;
	uint32_t mask, free_head;
	size_t used;
	uint32_t head[T_MAX], tail[T_MAX];
	uint64_t seed;
	int64_t now;
	bool started;
	struct pc_replay_stats st;
};

static const char *const state_names[PC_RSTATE_MAX] = {
	[PC_RSTATE_NEW] = "new",         [PC_RSTATE_PACKET] = "packet",
	[PC_RSTATE_UNTRACKED] = "untracked", [PC_RSTATE_FRAGMENT] = "fragment",
	[PC_RSTATE_INVALID] = "invalid", [PC_RSTATE_MALFORMED] = "malformed",
	[PC_RSTATE_FOREIGN] = "not-local",
};

const char *pc_replay_state_name(enum pc_replay_state s)
{
	return s > 0 && s < PC_RSTATE_MAX ? state_names[s] : "?";
}

/* ---- the table ---- */

static uint32_t hash(const struct pc_replay *r, const struct tuple *t)
{
	const uint8_t *b = (const uint8_t *)t;
	uint64_t h = r->seed;

	for (size_t i = 0; i + 4 <= sizeof(*t); i += 4) {
		uint32_t w;

		memcpy(&w, b + i, 4);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return (uint32_t)(h ^ (h >> 32)) & r->mask;
}

static struct rec *find(const struct pc_replay *r, const struct tuple *t)
{
	for (uint32_t i = r->buckets[hash(r, t)]; i != NIL; i = r->recs[i].hnext)
		if (!memcmp(&r->recs[i].t, t, sizeof(*t)))
			return &r->recs[i];
	return NULL;
}

static void list_unlink(struct pc_replay *r, struct rec *x)
{
	uint32_t i = (uint32_t)(x - r->recs);

	if (x->prev != NIL)
		r->recs[x->prev].next = x->next;
	else
		r->head[x->cls] = x->next;
	if (x->next != NIL)
		r->recs[x->next].prev = x->prev;
	else
		r->tail[x->cls] = x->prev;
	x->prev = x->next = i;
}

/* Puts x at the end of list cls: it is the newest there. */
static void list_append(struct pc_replay *r, struct rec *x, uint8_t cls)
{
	uint32_t i = (uint32_t)(x - r->recs);

	x->cls = cls;
	x->next = NIL;
	x->prev = r->tail[cls];
	if (x->prev != NIL)
		r->recs[x->prev].next = i;
	else
		r->head[cls] = i;
	r->tail[cls] = i;
}

static void touch(struct pc_replay *r, struct rec *x, uint8_t cls)
{
	list_unlink(r, x);
	x->touch = r->now;
	list_append(r, x, cls);
}

/* Emits x and gives its slot back. */
static void end(struct pc_replay *r, struct rec *x)
{
	uint32_t i = (uint32_t)(x - r->recs), *p = &r->buckets[hash(r, &x->t)];

	r->cfg.emit(r->cfg.arg, &x->c);
	r->st.records++;
	while (*p != i)
		p = &r->recs[*p].hnext;
	*p = x->hnext;
	list_unlink(r, x);
	x->hnext = r->free_head;
	r->free_head = i;
	r->used--;
}

static int64_t deadline(const struct pc_replay *r, uint32_t i, int cls)
{
	return r->recs[i].touch + timeout_s[cls] * US;
}

static void expire(struct pc_replay *r)
{
	for (int c = 0; c < T_MAX; c++)
		while (r->head[c] != NIL && deadline(r, r->head[c], c) < r->now)
			end(r, &r->recs[r->head[c]]);
}

/* The table is full: ends the record of untracked packets that waited
 * longest, else the connection that would time out first. */
static void evict(struct pc_replay *r)
{
	int best = T_AGG;

	if (r->head[T_AGG] == NIL) {
		best = -1;
		for (int c = 0; c < T_AGG; c++)
			if (r->head[c] != NIL &&
			    (best < 0 ||
			     deadline(r, r->head[c], c) < deadline(r, r->head[best], best)))
				best = c;
		r->st.evicted++;
	}
	end(r, &r->recs[r->head[best]]);
}

/* A fresh record for t, linked in; its pc_replay_conn is the caller's to fill. */
static struct rec *add(struct pc_replay *r, const struct tuple *t, uint8_t cls)
{
	struct rec *x;
	uint32_t i, h;

	if (r->free_head == NIL)
		evict(r);
	i = r->free_head;
	x = &r->recs[i];
	r->free_head = x->hnext;
	memset(x, 0, sizeof(*x));
	x->t = *t;
	h = hash(r, t);
	x->hnext = r->buckets[h];
	r->buckets[h] = i;
	x->touch = r->now;
	list_append(r, x, cls);
	if (++r->used > r->st.peak)
		r->st.peak = r->used;
	return x;
}

/* ---- decisions ---- */

static struct pc_replay_verdict decide(const struct pc_replay *r, size_t i,
				       const struct pc_pkt *p, enum pc_replay_state st)
{
	size_t n;
	const struct pc_rule *rules = pc_policy_rules(r->cfg.policy[i], &n);
	long rule = pc_index_lookup(r->cfg.index[i], p);
	struct pc_replay_verdict v = { .rule = rule, .state = (uint8_t)st };

	v.verdict = rule < 0 ? pc_policy_settings(r->cfg.policy[i])->dflt : rules[rule].action;
	return v;
}

/* Policy i's answer for a record of kind k whose first packet is p. */
static struct pc_replay_verdict outcome(const struct pc_replay *r, size_t i, int k,
					const struct pc_pkt *p)
{
	bool sf = r->stateful[i];
	struct pc_replay_verdict none = { .verdict = PC_DENY, .rule = PC_REPLAY_NORULE };

	switch (k) {
	case C_CONN:
		return decide(r, i, p, sf ? PC_RSTATE_NEW : PC_RSTATE_PACKET);
	case C_DENIED:
		return decide(r, i, p, PC_RSTATE_NEW);
	case C_NOOPEN:
		if (!sf)
			return decide(r, i, p, PC_RSTATE_PACKET);
		none.state = PC_RSTATE_INVALID;
		return none;
	case C_UNTRACKABLE:
		return decide(r, i, p, sf ? PC_RSTATE_UNTRACKED : PC_RSTATE_PACKET);
	case C_FRAG:
		return decide(r, i, p, PC_RSTATE_FRAGMENT);
	case C_PACKET:
		return decide(r, i, p, PC_RSTATE_PACKET);
	case C_FOREIGN:
		none.verdict = PC_PERMIT;
		none.state = PC_RSTATE_FOREIGN;
		return none;
	default:
		none.state = PC_RSTATE_MALFORMED;
		return none;
	}
}

/* ---- tuples ---- */

/* The identifier of the ICMP query whose header starts at l4 (caplen bytes
 * of data); 0 when it was not captured. */
static uint16_t icmp_id(const uint8_t *data, size_t caplen, size_t l4)
{
	return l4 + 6 <= caplen ? (uint16_t)(data[l4 + 4] << 8 | data[l4 + 5]) : 0;
}

static void tuple_of(struct tuple *t, int kind, const struct pc_pkt *p, uint16_t id)
{
	memset(t, 0, sizeof(*t));
	t->kind = (uint8_t)kind;
	t->family = p->family;
	t->proto = p->proto;
	t->dir = p->dir;
	memcpy(t->src, p->src, sizeof(t->src));
	memcpy(t->dst, p->dst, sizeof(t->dst));
	if (p->flags & PC_PKT_PORTS) {
		t->a = p->sport;
		t->b = p->dport;
	} else if (p->flags & PC_PKT_ICMP) {
		t->a = pc_conn_icmp_query(p) ? id : 0;
		t->b = (uint16_t)(p->icmp_type << 8 | p->icmp_code);
	}
}

static void count(const struct pc_replay *r, struct rec *x, uint32_t len)
{
	x->c.packets++;
	x->c.bytes += len;
	x->c.last_us = r->now;
}

/* A new record of kind k whose first packet is p. */
static struct rec *open_rec(struct pc_replay *r, const struct tuple *t, int k,
			    const struct pc_pkt *p, uint16_t id, uint8_t cls)
{
	struct rec *x = add(r, t, cls);

	if (p)
		x->c.key = *p;
	x->c.key.dir = t->dir;
	x->c.icmp_id = id;
	x->c.reason = t->reason;
	x->c.first_us = x->c.last_us = r->now;
	for (size_t i = 0; i < r->cfg.n_policies; i++)
		x->c.v[i] = outcome(r, i, k, p);
	return x;
}

/* The packet joins the record of its tuple and kind, or starts one. */
static void aggregate(struct pc_replay *r, int k, const struct pc_pkt *p, uint16_t id,
		      uint32_t len)
{
	struct tuple t;
	struct rec *x;

	tuple_of(&t, k, p, id);
	if ((x = find(r, &t)))
		touch(r, x, T_AGG);
	else
		x = open_rec(r, &t, k, p, id, T_AGG);
	count(r, x, len);
}

static void malformed(struct pc_replay *r, int status, uint32_t len)
{
	struct tuple t = { .kind = C_MALFORMED, .reason = status };
	struct rec *x = find(r, &t);

	if (x)
		touch(r, x, T_AGG);
	else
		x = open_rec(r, &t, C_MALFORMED, NULL, 0, T_AGG);
	count(r, x, len);
}

/* ---- connections ---- */

static uint8_t tcp_class(uint8_t st)
{
	static const uint8_t cls[] = {
		[TS_SYN_SENT] = T_120, [TS_SYN_RECV] = T_60, [TS_ESTABLISHED] = T_5D,
		[TS_FIN_WAIT] = T_120, [TS_TIME_WAIT] = T_120, [TS_CLOSE] = T_10,
	};
	return cls[st];
}

static uint8_t conn_class(const struct pc_replay *r, const struct rec *x)
{
	switch (x->t.proto) {
	case PROTO_TCP:
		return x->t.a || x->t.b ? tcp_class(x->tcp) : T_600;
	case PROTO_UDP:
		return x->replied && r->now - x->c.first_us > UDP_STREAM_AFTER ? T_120 : T_30;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		return T_30;
	default:
		return T_600;
	}
}

static void tcp_update(struct rec *x, uint8_t flags, bool reply)
{
	if (flags & PC_TCP_RST) {
		x->tcp = TS_CLOSE;
	} else if (flags & PC_TCP_FIN) {
		x->fin |= reply ? 2 : 1;
		x->tcp = x->fin == 3 ? TS_TIME_WAIT : TS_FIN_WAIT;
	} else if (x->tcp == TS_SYN_SENT && reply && (flags & PC_TCP_SYN) && (flags & PC_TCP_ACK)) {
		x->tcp = TS_SYN_RECV;
	} else if ((x->tcp == TS_SYN_RECV && !reply && (flags & PC_TCP_ACK)) ||
		   (x->tcp == TS_SYN_SENT && !(flags & PC_TCP_SYN))) {
		x->tcp = TS_ESTABLISHED;
	}
}

/* A bare SYN in the original direction after the connection closed opens a new one. */
static bool reopens(const struct rec *x, const struct pc_pkt *p)
{
	return x->t.proto == PROTO_TCP && (x->tcp == TS_TIME_WAIT || x->tcp == TS_CLOSE) &&
	       (p->flags & PC_PKT_PORTS) && pc_conn_opens(p);
}

/* Stateless policies decide every packet: the first reply packet of a
 * connection their first packet admitted may be denied. */
static void judge_reply(struct pc_replay *r, struct rec *x, const struct pc_pkt *p)
{
	for (size_t i = 0; i < r->cfg.n_policies; i++) {
		struct pc_replay_verdict v;

		if (r->stateful[i] || (x->reply_done & (1u << i)))
			continue;
		x->reply_done |= (uint8_t)(1u << i);
		if (x->c.v[i].verdict != PC_PERMIT)
			continue;
		v = decide(r, i, p, PC_RSTATE_PACKET);
		if (v.verdict == PC_DENY) {
			v.by_reply = true;
			x->c.v[i] = v;
		}
	}
}

static void conn_packet(struct pc_replay *r, struct rec *x, const struct pc_pkt *p, bool reply)
{
	count(r, x, p->len);
	if (reply) {
		x->replied = true;
		judge_reply(r, x, p);
	}
	if (p->proto == PROTO_TCP && (p->flags & PC_PKT_PORTS))
		tcp_update(x, p->tcp_flags, reply);
	touch(r, x, conn_class(r, x));
}

/* The connection of tuple t in either orientation: swapped is the tuple
 * of a packet going the other way. *reply: it was found by swapped. */
static struct rec *find_conn(struct pc_replay *r, const struct tuple *t,
			     const struct tuple *swapped, bool *reply)
{
	struct rec *x = find(r, t);

	*reply = !x;
	return x ? x : find(r, swapped);
}

/* p's tuple as seen from its connection's first packet, were p a reply. */
static void reply_tuple(const uint8_t *data, size_t caplen, const struct pc_pkt *p, uint16_t id,
			struct tuple *t)
{
	struct pc_pkt k;

	pc_conn_key(data, caplen, p, true, &k);
	tuple_of(t, C_CONN, &k, id);
}

/* An ICMP error belongs to the connection of the packet it quotes. */
static void icmp_error(struct pc_replay *r, const uint8_t *data, size_t caplen,
		       const struct pc_pkt *p)
{
	struct pc_pkt q, qs;
	struct tuple a, b;
	struct rec *x = NULL;
	bool reply;

	if (pc_conn_key(data, caplen, p, true, &q) == 0 &&
	    pc_conn_key(data, caplen, p, false, &qs) == 0) {
		uint16_t id = pc_conn_icmp_query(&q) ?
			icmp_id(data, caplen, (size_t)p->l4off + ICMP_HDRLEN + q.l4off) : 0;

		tuple_of(&a, C_CONN, &q, id);
		tuple_of(&b, C_CONN, &qs, id);
		x = find_conn(r, &a, &b, &reply);
	}
	if (x)
		count(r, x, p->len);
	else
		aggregate(r, C_NOOPEN, p, 0, p->len);
}

static void tracked(struct pc_replay *r, const uint8_t *data, size_t caplen,
		    const struct pc_pkt *p)
{
	uint16_t id = pc_conn_icmp_query(p) ? icmp_id(data, caplen, p->l4off) : 0;
	struct tuple t, sw;
	struct rec *x;
	bool reply;

	if (pc_conn_icmp_error(p)) {
		icmp_error(r, data, caplen, p);
		return;
	}
	if (pc_conn_untrackable(p)) {
		aggregate(r, C_UNTRACKABLE, p, id, p->len);
		return;
	}
	tuple_of(&t, C_CONN, p, id);
	reply_tuple(data, caplen, p, id, &sw);
	if ((x = find_conn(r, &t, &sw, &reply))) {
		if (reply || !reopens(x, p)) {
			conn_packet(r, x, p, reply);
			return;
		}
		end(r, x);
	}
	if (!pc_conn_opens(p) || pc_conn_icmp_reply(p)) {
		aggregate(r, C_NOOPEN, p, id, p->len);
		return;
	}
	if (!r->cfg.capture_conns && decide(r, 0, p, PC_RSTATE_NEW).verdict != PC_PERMIT) {
		aggregate(r, C_DENIED, p, id, p->len);
		return;
	}
	x = open_rec(r, &t, C_CONN, p, id, T_30);
	conn_packet(r, x, p, false);
}

static bool is_local(const struct pc_replay *r, uint8_t family, const uint8_t *addr)
{
	for (size_t i = 0; i < r->cfg.n_local; i++)
		if (pc_prefix_contains(&r->cfg.local[i], family, addr))
			return true;
	return false;
}

static bool is_group(const struct pc_pkt *p)
{
	if (p->family == PC_FAM_V4)
		return (p->dst[0] & 0xf0) == 0xe0 || !memcmp(p->dst, "\xff\xff\xff\xff", 4);
	return p->dst[0] == 0xff;
}

/* Whether the host takes a group packet from its link without being told:
 * the limited broadcast, all-nodes, and the solicited-node group of one of
 * its IPv6 addresses (Linux delivers no other group it has not joined:
 * name those in the local addresses). */
static bool joined(const struct pc_replay *r, const struct pc_pkt *p)
{
	static const uint8_t all4[4] = { 224, 0, 0, 1 }, bcast[4] = { 255, 255, 255, 255 };
	static const uint8_t all6[16] = { 0xff, 0x02, [15] = 1 };
	static const uint8_t sol6[13] = { 0xff, 0x02, [11] = 1, [12] = 0xff };

	if (p->family == PC_FAM_V4)
		return !memcmp(p->dst, all4, 4) || !memcmp(p->dst, bcast, 4);
	if (!memcmp(p->dst, all6, 16))
		return true;
	if (memcmp(p->dst, sol6, sizeof(sol6)))
		return false;
	for (size_t i = 0; i < r->cfg.n_local; i++) {
		const struct pc_prefix *l = &r->cfg.local[i];

		if (l->family == PC_FAM_V6 &&
		    (l->plen <= 104 || !memcmp(l->addr + 13, p->dst + 13, 3)))
			return true;
	}
	return false;
}

/* Duplicate address detection of a local address: a neighbour solicitation
 * from :: whose target is the host's (another host's is not the host's). */
static bool own_dad(const struct pc_replay *r, const uint8_t *data, size_t caplen,
		    const struct pc_pkt *p)
{
	static const uint8_t unspecified[16];
	size_t target = (size_t)p->l4off + 8;

	return p->family == PC_FAM_V6 && p->proto == PROTO_ICMPV6 && (p->flags & PC_PKT_ICMP) &&
	       p->icmp_type == 135 && !memcmp(p->src, unspecified, 16) && target + 16 <= caplen &&
	       is_local(r, PC_FAM_V6, data + target);
}

/* In: to a local address (or a group the host is in, from elsewhere); out:
 * from one. */
static uint8_t direction(const struct pc_replay *r, const uint8_t *data, size_t caplen,
			 const struct pc_pkt *p)
{
	bool from_local = is_local(r, p->family, p->src) || own_dad(r, data, caplen, p);

	if (is_group(p) && !from_local)
		return is_local(r, p->family, p->dst) || joined(r, p) ? PC_DIR_IN : 0;
	return is_local(r, p->family, p->dst) ? PC_DIR_IN : from_local ? PC_DIR_OUT : 0;
}

int pc_replay_packet(struct pc_replay *r, const uint8_t *data, size_t caplen, size_t origlen,
		     int64_t ts_us)
{
	size_t cap = caplen < PC_PACKET_CAPLEN ? caplen : PC_PACKET_CAPLEN;
	struct pc_pkt p;
	int status;

	if (origlen < caplen)
		origlen = caplen;
	r->st.packets++;
	if (!r->started || ts_us > r->now)
		r->now = ts_us;
	r->started = true;
	expire(r);
	status = pc_packet_parse(data, cap, origlen, &p);
	if (status != PC_PKT_OK) {
		if (status == PC_PKT_TRUNCATED && cap < origlen && cap < PC_PACKET_CAPLEN) {
			r->st.short_capture++;
			return PC_REPLAY_SHORT;
		}
		malformed(r, status, origlen > UINT32_MAX ? UINT32_MAX : (uint32_t)origlen);
		return PC_REPLAY_OK;
	}
	p.dir = direction(r, data, cap, &p);
	if (!p.dir)
		aggregate(r, C_FOREIGN, &p, 0, p.len);
	else if (p.flags & PC_PKT_FRAG)
		aggregate(r, C_FRAG, &p, 0, p.len);
	else if (!r->track)
		aggregate(r, C_PACKET, &p, pc_conn_icmp_query(&p) ? icmp_id(data, cap, p.l4off) : 0,
			  p.len);
	else
		tracked(r, data, cap, &p);
	return PC_REPLAY_OK;
}

/* ---- life cycle ---- */

static int by_first(const void *a, const void *b, void *arg)
{
	const struct rec *recs = arg;
	const struct rec *x = &recs[*(const uint32_t *)a], *y = &recs[*(const uint32_t *)b];

	if (x->c.first_us != y->c.first_us)
		return x->c.first_us < y->c.first_us ? -1 : 1;
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

void pc_replay_finish(struct pc_replay *r)
{
	size_t n = 0;

	for (int c = 0; c < T_MAX; c++)
		for (uint32_t i = r->head[c]; i != NIL; i = r->recs[i].next)
			r->order[n++] = i;
	qsort_r(r->order, n, sizeof(*r->order), by_first, r->recs);
	for (size_t i = 0; i < n; i++)
		end(r, &r->recs[r->order[i]]);
}

void pc_replay_stats(const struct pc_replay *r, struct pc_replay_stats *st)
{
	*st = r->st;
}

struct pc_replay *pc_replay_new(const struct pc_replay_cfg *cfg)
{
	struct pc_replay *r;
	size_t n = cfg->max_flows ? cfg->max_flows : PC_REPLAY_FLOWS_DEFAULT, nb = 1;

	if (cfg->n_policies < 1 || cfg->n_policies > PC_REPLAY_POLICIES || !cfg->emit ||
	    n < PC_REPLAY_FLOWS_MIN || n > PC_REPLAY_FLOWS_MAX) {
		errno = EINVAL;
		return NULL;
	}
	while (nb < n)
		nb <<= 1;
	if (!(r = calloc(1, sizeof(*r))))
		return NULL;
	r->cfg = *cfg;
	r->recs = calloc(n, sizeof(*r->recs));
	r->buckets = malloc(nb * sizeof(*r->buckets));
	r->order = malloc(n * sizeof(*r->order));
	if (!r->recs || !r->buckets || !r->order) {
		pc_replay_free(r);
		errno = ENOMEM;
		return NULL;
	}
	memset(r->buckets, 0xff, nb * sizeof(*r->buckets));
	r->mask = (uint32_t)(nb - 1);
	for (size_t i = 0; i < n; i++)
		r->recs[i].hnext = i + 1 < n ? (uint32_t)(i + 1) : NIL;
	for (int c = 0; c < T_MAX; c++)
		r->head[c] = r->tail[c] = NIL;
	for (size_t i = 0; i < cfg->n_policies; i++) {
		r->stateful[i] = pc_policy_settings(cfg->policy[i])->stateful;
		r->track |= r->stateful[i];
	}
	r->track |= cfg->capture_conns;
	if (getrandom(&r->seed, sizeof(r->seed), GRND_NONBLOCK) != sizeof(r->seed))
		r->seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)r;
	r->st.max_flows = n;
	return r;
}

void pc_replay_free(struct pc_replay *r)
{
	if (!r)
		return;
	free(r->recs);
	free(r->buckets);
	free(r->order);
	free(r);
}

int pc_replay_parse_local(const char *s, struct pc_prefix **v, size_t *n, char *err,
			  size_t errlen)
{
	if (pc_parse_prefixes(s, v, n, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].family == PC_FAM_ANY) {
			snprintf(err, errlen, "'any' is not the host's address: "
				 "name its addresses");
			free(*v);
			*v = NULL;
			return -1;
		}
	return 0;
}
