/* nfqmsg.h - the parts of an NFQUEUE packet message the daemon reads
 *
 * A walk over the message's attributes that reads only the packet header,
 * the payload, the original length and the mark, checking every attribute's bounds
 * on the way (nfq_nlmsg_parse builds and validates the whole attribute
 * table: a quarter of the daemon's per-packet work). */
#ifndef PC_NFQMSG_H
#define PC_NFQMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pc_nfqmsg {
	bool has_id;             /* the packet header was read: id and hook are set */
	uint32_t id;             /* host order */
	uint8_t hook;            /* NF_INET_* */
	const uint8_t *payload;  /* NULL when the message has none */
	size_t caplen;           /* bytes at payload */
	uint32_t origlen;        /* NFQA_CAP_LEN (host order), 0 when absent */
	uint32_t mark;           /* NFQA_MARK (host order), 0 when absent */
};

/* Parses the len bytes of one netlink message at msg (its nlmsghdr first;
 * len is what the receive left of it, normally nlmsg_len) into *m.
 * Returns 0 when the message is a well-formed packet message with a packet
 * header; -1 with errno EBADMSG otherwise, m->has_id telling whether the
 * packet can still be answered (dropped) by its id. Never reads outside
 * [msg, msg + min(len, nlmsg_len)). */
int pc_nfqmsg_parse(const void *msg, size_t len, struct pc_nfqmsg *m);

#endif
