/* ctsweep.c - conntrack entries of a generation about to come round again,
 * cleared through ctnetlink: one dump filtered by the kernel on the
 * connmark, then one update per entry, several to a send */
#include "ctsweep.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#define BUF_SIZE 32768    /* a dump's messages come in skbs of up to 32 KiB */
#define BATCH 64          /* updates per send; their acks fit BUF_SIZE */
#define TIMEOUT_S 5       /* the kernel answers at once: no answer is a failure */

#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

struct sweep {
	struct mnl_socket *nl;
	unsigned portid;
	uint32_t seq;
	char *buf;
	struct pc_ctsweep_entry *e; /* the entries to update */
	size_t n, cap;
	struct pc_ctsweep_stats *st;
};

void pc_ctsweep_filter(const struct pc_marks *m, uint32_t gen, struct pc_ctsweep_filter *f)
{
	f->value = m->known | pc_marks_gen_bits(m, gen);
	f->mask = m->known | m->gen;
	f->clear = m->mask;
}

/* A ctnetlink message header of type into buf. Returns it, or NULL with
 * errno ENOSPC. */
static struct nlmsghdr *put_header(void *buf, size_t len, uint16_t type, uint16_t flags,
				   uint8_t family, uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	if (len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*nfg))) {
		errno = ENOSPC;
		return NULL;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

int pc_ctsweep_dump_msg(void *buf, size_t len, const struct pc_ctsweep_filter *f, uint32_t seq)
{
	struct nlmsghdr *nlh = put_header(buf, len, IPCTNL_MSG_CT_GET, NLM_F_DUMP, AF_UNSPEC, seq);

	if (!nlh || !mnl_attr_put_u32_check(nlh, len, CTA_MARK, htonl(f->value)) ||
	    !mnl_attr_put_u32_check(nlh, len, CTA_MARK_MASK, htonl(f->mask))) {
		errno = ENOSPC;
		return -1;
	}
	return (int)nlh->nlmsg_len;
}

int pc_ctsweep_update_msg(void *buf, size_t len, const struct pc_ctsweep_entry *e, uint32_t clear,
			  uint32_t seq)
{
	struct nlmsghdr *nlh = put_header(buf, len, IPCTNL_MSG_CT_NEW, NLM_F_ACK, e->family, seq);
	struct nlattr *nest;

	if (!nlh || !(nest = mnl_attr_nest_start_check(nlh, len, CTA_TUPLE_ORIG)) ||
	    nlh->nlmsg_len + MNL_ALIGN(e->tuple_len) > len)
		goto nospace;
	memcpy(mnl_nlmsg_get_payload_tail(nlh), e->tuple, e->tuple_len);
	nlh->nlmsg_len += MNL_ALIGN(e->tuple_len);
	mnl_attr_nest_end(nlh, nest);
	if ((e->has_zone && !mnl_attr_put_u16_check(nlh, len, CTA_ZONE, e->zone)) ||
	    !mnl_attr_put_u32_check(nlh, len, CTA_MARK, htonl(0)) ||
	    !mnl_attr_put_u32_check(nlh, len, CTA_MARK_MASK, htonl(clear)))
		goto nospace;
	return (int)nlh->nlmsg_len;
nospace:
	errno = ENOSPC;
	return -1;
}

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type > CTA_MAX)
		return MNL_CB_OK;
	switch (type) {
	case CTA_TUPLE_ORIG:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		break;
	case CTA_MARK:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		break;
	case CTA_ZONE:
		if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		break;
	default:
		break;
	}
	tb[type] = a;
	return MNL_CB_OK;
}

int pc_ctsweep_parse_entry(const void *msg, size_t len, const struct pc_ctsweep_filter *f,
			   struct pc_ctsweep_entry *e)
{
	const struct nlmsghdr *nlh = msg;
	const struct nlattr *tb[CTA_MAX + 1] = { 0 };
	const struct nfgenmsg *nfg;
	uint16_t tlen;

	if (len < MNL_NLMSG_HDRLEN || !mnl_nlmsg_ok(nlh, (int)len) ||
	    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*nfg)) ||
	    mnl_attr_parse(nlh, sizeof(*nfg), attr_cb, tb) < 0 || !tb[CTA_TUPLE_ORIG]) {
		errno = EINVAL;
		return -1;
	}
	/* the kernel filtered already; a kernel that ignores the filter does not */
	if (!tb[CTA_MARK] || (ntohl(mnl_attr_get_u32(tb[CTA_MARK])) & f->mask) != f->value)
		return 0;
	tlen = mnl_attr_get_payload_len(tb[CTA_TUPLE_ORIG]);
	if (tlen > PC_CTSWEEP_TUPLE_MAX) {
		errno = E2BIG;
		return -1;
	}
	nfg = mnl_nlmsg_get_payload(nlh);
	memset(e, 0, sizeof(*e));
	e->family = nfg->nfgen_family;
	e->tuple_len = tlen;
	memcpy(e->tuple, mnl_attr_get_payload(tb[CTA_TUPLE_ORIG]), tlen);
	if (tb[CTA_ZONE]) {
		e->has_zone = 1;
		e->zone = mnl_attr_get_u16(tb[CTA_ZONE]);
	}
	return 1;
}

/* Returns 0, or -1 with errno. */
static int open_socket(struct sweep *s)
{
	struct timeval tv = { .tv_sec = TIMEOUT_S };
	int one = 1, fd;

	if (!(s->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC)) ||
	    mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -1;
	fd = mnl_socket_get_fd(s->nl);
	/* acks without the request in them; no answer within TIMEOUT_S: a failure */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return -1;
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = (uint32_t)time(NULL);
	return 0;
}

/* Returns 0, or -1 with errno ENOMEM. */
static int keep(struct sweep *s, const struct pc_ctsweep_entry *e)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct pc_ctsweep_entry *p = realloc(s->e, cap * sizeof(*p));

		if (!p)
			return -1;
		s->e = p;
		s->cap = cap;
	}
	s->e[s->n++] = *e;
	return 0;
}

struct dump_ctx {
	struct sweep *s;
	const struct pc_ctsweep_filter *f;
	int err; /* errno of the first failure, 0 */
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	struct pc_ctsweep_entry e;
	int rc = pc_ctsweep_parse_entry(nlh, nlh->nlmsg_len, c->f, &e);

	if (rc < 0)
		c->s->st->errors++; /* an entry this code cannot name: left as it is */
	else if (rc > 0 && keep(c->s, &e) < 0) {
		c->err = errno;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/* The entries of f into s->e. Returns 0, or -1 with errno. */
static int dump(struct sweep *s, const struct pc_ctsweep_filter *f)
{
	struct dump_ctx c = { s, f, 0 };
	uint32_t seq = ++s->seq;
	int len = pc_ctsweep_dump_msg(s->buf, BUF_SIZE, f, seq), rc;
	ssize_t n;

	if (len < 0 || mnl_socket_sendto(s->nl, s->buf, (size_t)len) < 0)
		return -1;
	do {
		if ((n = mnl_socket_recvfrom(s->nl, s->buf, BUF_SIZE)) < 0)
			return -1;
		rc = mnl_cb_run(s->buf, (size_t)n, seq, s->portid, dump_cb, &c);
	} while (rc > MNL_CB_STOP);
	if (rc < 0) {
		if (c.err)
			errno = c.err;
		return -1;
	}
	return 0;
}

/* Counts the acks in buf[0..n); *left is how many are still awaited. */
static void count_acks(struct sweep *s, const char *buf, size_t n, size_t *left)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	int len = (int)n;

	for (; mnl_nlmsg_ok(nlh, len) && *left; nlh = mnl_nlmsg_next(nlh, &len)) {
		const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

		if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != s->portid ||
		    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*err))
			continue;
		(*left)--;
		if (err->error == 0)
			s->st->cleared++;
		else if (err->error == -ENOENT)
			s->st->gone++;
		else
			s->st->errors++;
	}
}

/* Updates entries [from, to) with one send. Returns 0, or -1 with errno. */
static int update_batch(struct sweep *s, size_t from, size_t to, uint32_t clear)
{
	size_t used = 0, left = to - from;
	ssize_t n;

	for (size_t i = from; i < to; i++) {
		int len = pc_ctsweep_update_msg(s->buf + used, BUF_SIZE - used, &s->e[i], clear,
						++s->seq);

		if (len < 0)
			return -1;
		used += MNL_ALIGN((size_t)len);
	}
	if (mnl_socket_sendto(s->nl, s->buf, used) < 0)
		return -1;
	while (left) {
		if ((n = mnl_socket_recvfrom(s->nl, s->buf, BUF_SIZE)) < 0)
			return -1;
		count_acks(s, s->buf, (size_t)n, &left);
	}
	return 0;
}

int pc_ctsweep_run(const struct pc_marks *m, uint32_t gen, struct pc_ctsweep_stats *st)
{
	struct sweep s = { .st = st };
	struct pc_ctsweep_filter f;
	int ret = -1, err;

	*st = (struct pc_ctsweep_stats){ 0 };
	pc_ctsweep_filter(m, gen, &f);
	if (!(s.buf = malloc(BUF_SIZE)) || open_socket(&s) < 0 || dump(&s, &f) < 0)
		goto out;
	for (size_t i = 0; i < s.n; i += BATCH)
		if (update_batch(&s, i, s.n - i > BATCH ? i + BATCH : s.n, f.clear) < 0)
			goto out;
	ret = 0;
out:
	err = errno;
	if (s.nl)
		mnl_socket_close(s.nl);
	free(s.e);
	free(s.buf);
	errno = err;
	return ret;
}
