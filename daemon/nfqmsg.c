/* nfqmsg.c - the attributes of an NFQUEUE packet message */
#include "nfqmsg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>
#include <string.h>

/* The packed kernel header: packet_id (be32), hw_protocol (be16), hook. */
#define PKT_HDR_LEN sizeof(struct nfqnl_msg_packet_hdr)

static uint32_t be32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return ntohl(v);
}

/* Takes one attribute's value. Returns 0, or -1 when its length is wrong. */
static int take(struct pc_nfqmsg *m, unsigned type, const uint8_t *v, size_t n)
{
	switch (type) {
	case NFQA_PACKET_HDR:
		if (n != PKT_HDR_LEN)
			return -1;
		m->id = be32_at(v + offsetof(struct nfqnl_msg_packet_hdr, packet_id));
		m->hook = v[offsetof(struct nfqnl_msg_packet_hdr, hook)];
		m->has_id = true;
		return 0;
	case NFQA_PAYLOAD:
		m->payload = v;
		m->caplen = n;
		return 0;
	case NFQA_CAP_LEN:
		if (n != sizeof(uint32_t))
			return -1;
		m->origlen = be32_at(v);
		return 0;
	case NFQA_MARK:
		if (n != sizeof(uint32_t))
			return -1;
		m->mark = be32_at(v);
		return 0;
	default:
		return 0;
	}
}

int pc_nfqmsg_parse(const void *msg, size_t len, struct pc_nfqmsg *m)
{
	const uint8_t *b = msg;
	struct nlmsghdr nlh;
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)), end;
	int bad = 0;

	memset(m, 0, sizeof(*m));
	if (len < sizeof(nlh))
		goto out;
	memcpy(&nlh, b, sizeof(nlh));
	end = nlh.nlmsg_len < len ? nlh.nlmsg_len : len;
	if (end < off || NFNL_SUBSYS_ID(nlh.nlmsg_type) != NFNL_SUBSYS_QUEUE ||
	    NFNL_MSG_TYPE(nlh.nlmsg_type) != NFQNL_MSG_PACKET)
		goto out;
	while (off < end && end - off >= NLA_HDRLEN) {
		struct nlattr a;

		memcpy(&a, b + off, sizeof(a));
		if (a.nla_len < NLA_HDRLEN || a.nla_len > end - off)
			goto out;
		bad |= take(m, a.nla_type & NLA_TYPE_MASK, b + off + NLA_HDRLEN,
			    a.nla_len - NLA_HDRLEN);
		off += NLA_ALIGN(a.nla_len);
	}
	if (off < end || bad || !m->has_id || nlh.nlmsg_len > len)
		goto out;
	return 0;
out:
	errno = EBADMSG;
	return -1;
}
