/* conn.c - packets seen as connections */
#include "conn.h"

#include <string.h>

#include "addr.h"
#include "rule.h"

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_ICMPV6 58
#define ICMP_HDRLEN 8
#define INNER_LEN_MAX (65535 + 40) /* longer than any quoted packet can claim */

/* What conntrack makes of an ICMP type. */
enum icmp_kind { K_OTHER = 0, K_REQUEST, K_REPLY, K_ERROR };

struct icmp_type {
	uint8_t kind;
	uint8_t request; /* for a reply: its request's type */
};

static const struct icmp_type icmp4[256] = {
	[0] = { K_REPLY, 8 },  [8] = { K_REQUEST, 0 },  [13] = { K_REQUEST, 0 },
	[14] = { K_REPLY, 13 }, [15] = { K_REQUEST, 0 }, [16] = { K_REPLY, 15 },
	[17] = { K_REQUEST, 0 }, [18] = { K_REPLY, 17 }, [3] = { K_ERROR, 0 },
	[4] = { K_ERROR, 0 },  [5] = { K_ERROR, 0 },    [11] = { K_ERROR, 0 },
	[12] = { K_ERROR, 0 },
};

static const struct icmp_type icmp6[256] = {
	[1] = { K_ERROR, 0 },     [2] = { K_ERROR, 0 },     [3] = { K_ERROR, 0 },
	[4] = { K_ERROR, 0 },     [128] = { K_REQUEST, 0 }, [129] = { K_REPLY, 128 },
	[139] = { K_REQUEST, 0 }, [140] = { K_REPLY, 139 },
};

static const struct icmp_type *icmp_type(const struct pc_pkt *p)
{
	if (!(p->flags & PC_PKT_ICMP))
		return NULL;
	if (p->proto == PROTO_ICMP && p->family == PC_FAM_V4)
		return &icmp4[p->icmp_type];
	if (p->proto == PROTO_ICMPV6 && p->family == PC_FAM_V6)
		return &icmp6[p->icmp_type];
	return NULL;
}

bool pc_conn_opens(const struct pc_pkt *p)
{
	uint8_t f = p->tcp_flags & (PC_TCP_SYN | PC_TCP_ACK | PC_TCP_RST | PC_TCP_FIN);

	if (p->proto != PROTO_TCP || !(p->flags & PC_PKT_PORTS))
		return true;
	return f == PC_TCP_SYN;
}

bool pc_conn_untrackable(const struct pc_pkt *p)
{
	const struct icmp_type *t = icmp_type(p);

	return t && t->kind == K_OTHER;
}

bool pc_conn_icmp_error(const struct pc_pkt *p)
{
	const struct icmp_type *t = icmp_type(p);

	return t && t->kind == K_ERROR;
}

bool pc_conn_icmp_reply(const struct pc_pkt *p)
{
	const struct icmp_type *t = icmp_type(p);

	return t && t->kind == K_REPLY;
}

bool pc_conn_icmp_query(const struct pc_pkt *p)
{
	const struct icmp_type *t = icmp_type(p);

	return t && (t->kind == K_REQUEST || t->kind == K_REPLY);
}

/* key: p seen from the other end (addresses and ports swapped, a reply's
 * ICMP type turned into its request's). */
static void swap(const struct pc_pkt *p, struct pc_pkt *key)
{
	const struct icmp_type *t = icmp_type(p);

	*key = *p;
	memcpy(key->src, p->dst, sizeof(key->src));
	memcpy(key->dst, p->src, sizeof(key->dst));
	key->sport = p->dport;
	key->dport = p->sport;
	if (t && t->kind == K_REPLY)
		key->icmp_type = t->request;
}

/* Parses the packet an ICMP error quotes (its header and at least the
 * first 4 bytes of its upper-layer header: the ports). Returns 0, or -1. */
static int parse_quoted(const uint8_t *data, size_t caplen, const struct pc_pkt *p,
			struct pc_pkt *q)
{
	size_t off = (size_t)p->l4off + ICMP_HDRLEN;
	int st;

	if (off >= caplen)
		return -1;
	q->dir = 0;
	st = pc_packet_parse(data + off, caplen - off, INNER_LEN_MAX, q);
	if (q->family != p->family || (q->flags & PC_PKT_FRAG))
		return -1;
	if (st == PC_PKT_OK)
		return 0;
	/* RFC 792 quotes only 8 bytes of the upper layer: enough for ports */
	if (st == PC_PKT_TRUNCATED && q->proto == PROTO_TCP && q->l4off &&
	    off + q->l4off + 4 <= caplen) {
		const uint8_t *h = data + off + q->l4off;

		q->sport = (uint16_t)(h[0] << 8 | h[1]);
		q->dport = (uint16_t)(h[2] << 8 | h[3]);
		q->flags |= PC_PKT_PORTS;
		return 0;
	}
	return -1;
}

int pc_conn_key(const uint8_t *data, size_t caplen, const struct pc_pkt *p, bool reply,
		struct pc_pkt *key)
{
	struct pc_pkt q;
	uint8_t dir = reply ? (uint8_t)(p->dir ^ (PC_DIR_IN | PC_DIR_OUT)) : p->dir;

	if (!pc_conn_icmp_error(p)) {
		if (reply)
			swap(p, key);
		else
			*key = *p;
		key->dir = dir;
		return 0;
	}
	/* The quoted packet travelled the other way: in the original
	 * direction when the error travels in the reply direction. */
	if (parse_quoted(data, caplen, p, &q) < 0)
		return -1;
	if (reply)
		*key = q;
	else
		swap(&q, key);
	key->dir = dir;
	return 0;
}
