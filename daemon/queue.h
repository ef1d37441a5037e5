/* queue.h - one NFQUEUE queue on its own netlink socket (libmnl and the
 * nfq_nlmsg_* API): binding, receiving packets in batches, sending verdicts */
#ifndef PC_QUEUE_H
#define PC_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PC_QUEUE_MAXLEN 4096          /* packets the kernel holds for us */
#define PC_QUEUE_RCVBUF (8 << 20)     /* socket receive buffer, bytes */
#define PC_QUEUE_BATCH 64             /* messages per recvmmsg */

struct pc_queue_cfg {
	unsigned num;
	bool fail_open;    /* NFQA_CFG_F_FAIL_OPEN: accept when the queue is full */
	uint32_t maxlen;   /* 0: PC_QUEUE_MAXLEN */
	int rcvbuf;        /* 0: PC_QUEUE_RCVBUF */
};

/* One packet as the kernel handed it over. */
struct pc_queue_pkt {
	const uint8_t *data; /* the IP header first */
	size_t caplen;       /* bytes at data */
	size_t pktlen;       /* the packet's length before the copy range cut it */
	unsigned hook;       /* NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT, ... */
	uint32_t mark;       /* the packet mark (0 when the kernel sent none) */
};

/* Decides one packet; returns NF_ACCEPT, NF_DROP, or NF_REPEAT with the
 * packet's new mark in *mark. Called for every packet, so it must neither
 * allocate nor block. */
typedef int pc_queue_handler(void *arg, const struct pc_queue_pkt *pkt, uint32_t *mark);

/* Counters kept by the queue itself. */
struct pc_queue_stats {
	uint64_t packets;        /* packet messages received */
	uint64_t enobufs;        /* receives that reported ENOBUFS (messages lost) */
	uint64_t verdict_errors; /* verdicts the kernel refused or that could not be sent */
	uint64_t bad_msgs;       /* messages that could not be used (truncated, no id) */
};

/* The kernel's counters for a queue (/proc/net/netfilter/nfnetlink_queue). */
struct pc_queue_kstats {
	uint64_t queued;       /* packets waiting for a verdict now */
	uint64_t dropped;      /* dropped because the queue was full */
	uint64_t user_dropped; /* dropped because the socket buffer was full */
};

struct pc_queue;

/* Binds queue cfg->num, configures it (copy range, GSO, fail-open, length)
 * and waits for the kernel to acknowledge. Packets that arrive meanwhile are
 * already passed to handler. Returns NULL with errno (EBUSY: another
 * process holds the queue; EPERM: no CAP_NET_ADMIN). */
struct pc_queue *pc_queue_open(const struct pc_queue_cfg *cfg, pc_queue_handler *handler,
			       void *arg);

/* Drains what is already waiting (bounded) and unbinds; the counters stay
 * readable. */
void pc_queue_unbind(struct pc_queue *q);
/* Unbinds (unless done) and closes. */
void pc_queue_close(struct pc_queue *q);

int pc_queue_fd(const struct pc_queue *q);
unsigned pc_queue_num(const struct pc_queue *q);

/* pc_queue_stats and pc_queue_num may be called from any thread; the other
 * functions (which handle packets) only from the one serving the queue. */

/* Receives up to rounds batches of waiting messages, decides each packet
 * and sends the verdicts. Never blocks. Returns the packets handled, or -1
 * with errno on a socket error other than EAGAIN/EINTR/ENOBUFS. */
long pc_queue_service(struct pc_queue *q, unsigned rounds);

/* Changes NFQA_CFG_F_FAIL_OPEN. Returns 0, or -1 with errno. */
int pc_queue_set_fail_open(struct pc_queue *q, bool on);

void pc_queue_stats(const struct pc_queue *q, struct pc_queue_stats *st);

/* Reads the kernel's counters for queue num of this network namespace.
 * Returns 0, or -1 with errno (ENOENT: no such queue). */
int pc_queue_kstats(unsigned num, struct pc_queue_kstats *ks);

#endif
