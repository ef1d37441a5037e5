/* queue.c - one NFQUEUE queue: bind and configure it over netlink, receive
 * packets several at a time (recvmmsg), send their verdicts in one datagram */
#include "queue.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "clock.h"
#include "counter.h"
#include "nfqmsg.h"
#include "packet.h"

#define SLOT_SIZE 8192          /* one packet message: PC_PACKET_CAPLEN plus attributes */
#define VERDICT_MSG_SIZE 64     /* one verdict message needs 32 bytes */
#define CONFIG_MSG_SIZE 256
#define ACK_TIMEOUT_MS 5000
#define CLOSE_DRAIN_ROUNDS 64

struct pc_queue {
	struct mnl_socket *nl;
	int fd;
	unsigned num;
	bool unbound;
	uint32_t seq;
	pc_queue_handler *handler;
	void *arg;
	struct {
		pc_counter packets, enobufs, verdict_errors, bad_msgs;
	} st; /* written by the thread serving the queue, read by any */
	/* the acknowledgement a configuration request waits for */
	uint32_t ack_seq;
	bool ack_done;
	int ack_err;
	/* verdicts of the batch being handled */
	unsigned nv;
	uint32_t ids[PC_QUEUE_BATCH];
	uint32_t marks[PC_QUEUE_BATCH]; /* for NF_REPEAT */
	uint8_t verdicts[PC_QUEUE_BATCH];
	/* packets of a batch whose verdicts could not be sent: ids up to lost_id */
	bool lost;
	uint32_t lost_id;
	struct mmsghdr msgs[PC_QUEUE_BATCH];
	struct iovec iov[PC_QUEUE_BATCH];
	struct sockaddr_nl from[PC_QUEUE_BATCH];
	uint8_t *rx; /* PC_QUEUE_BATCH slots */
	char tx[PC_QUEUE_BATCH * VERDICT_MSG_SIZE] __attribute__((aligned(8)));
};

/* Sends len bytes of requests; retries a few times when memory is short. */
static int send_msgs(struct pc_queue *q, const void *buf, size_t len)
{
	for (int tries = 0; tries < 4; tries++) {
		if (mnl_socket_sendto(q->nl, buf, len) == (ssize_t)len)
			return 0;
		if (errno != EINTR && errno != ENOBUFS && errno != ENOMEM && errno != EAGAIN)
			break;
	}
	return -1;
}

static size_t put_verdict(char *buf, int type, unsigned num, uint32_t id, int verdict,
			  uint32_t mark)
{
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, type, num);

	nfq_nlmsg_verdict_put(nlh, (int)id, verdict);
	if (verdict == NF_REPEAT)
		nfq_nlmsg_verdict_put_mark(nlh, mark);
	return nlh->nlmsg_len;
}

/* True when every verdict of the batch is the same accept or drop. */
static bool uniform(const struct pc_queue *q)
{
	if (q->verdicts[0] == NF_REPEAT)
		return false;
	for (unsigned i = 1; i < q->nv; i++)
		if (q->verdicts[i] != q->verdicts[0])
			return false;
	return true;
}

/* Sends the batch's verdicts in one datagram. Ids only grow, and every packet
 * with a smaller id got its verdict in an earlier batch (or was lost, see
 * below), so one NFQNL_MSG_VERDICT_BATCH covers a batch of equal verdicts.
 * Packets of a batch whose send failed are dropped by a batch verdict first. */
static void flush_verdicts(struct pc_queue *q)
{
	size_t len = 0;

	if (!q->nv)
		return;
	if (q->lost)
		len += put_verdict(q->tx, NFQNL_MSG_VERDICT_BATCH, q->num, q->lost_id, NF_DROP, 0);
	if (uniform(q)) {
		len += put_verdict(q->tx + len, NFQNL_MSG_VERDICT_BATCH, q->num, q->ids[q->nv - 1],
				   q->verdicts[0], 0);
	} else {
		for (unsigned i = 0; i < q->nv && len + VERDICT_MSG_SIZE <= sizeof(q->tx); i++)
			len += put_verdict(q->tx + len, NFQNL_MSG_VERDICT, q->num, q->ids[i],
					   q->verdicts[i], q->marks[i]);
	}
	if (send_msgs(q, q->tx, len) == 0) {
		q->lost = false;
	} else {
		pc_counter_add(&q->st.verdict_errors, q->nv);
		q->lost = true;
		q->lost_id = q->ids[q->nv - 1];
	}
	q->nv = 0;
}

static void add_verdict(struct pc_queue *q, uint32_t id, int verdict, uint32_t mark)
{
	if (q->nv == PC_QUEUE_BATCH)
		flush_verdicts(q);
	q->ids[q->nv] = id;
	q->verdicts[q->nv] = (uint8_t)verdict;
	q->marks[q->nv] = mark;
	q->nv++;
}

static int on_packet(const struct nlmsghdr *nlh, void *data)
{
	struct pc_queue *q = data;
	struct pc_nfqmsg m;
	struct pc_queue_pkt pkt;
	uint32_t mark = 0;
	int verdict;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_QUEUE ||
	    NFNL_MSG_TYPE(nlh->nlmsg_type) != NFQNL_MSG_PACKET)
		return MNL_CB_OK;
	if (pc_nfqmsg_parse(nlh, nlh->nlmsg_len, &m) < 0) {
		pc_counter_inc(&q->st.bad_msgs);
		if (m.has_id) {
			pc_counter_inc(&q->st.packets);
			add_verdict(q, m.id, NF_DROP, 0);
		} /* else no id: nothing we could answer */
		return MNL_CB_OK;
	}
	pc_counter_inc(&q->st.packets);
	pkt.data = m.payload;
	pkt.caplen = m.caplen;
	pkt.pktlen = m.origlen > m.caplen ? m.origlen : m.caplen;
	pkt.hook = m.hook;
	pkt.mark = m.mark;
	verdict = q->handler(q->arg, &pkt, &mark);
	add_verdict(q, m.id, verdict, mark);
	return MNL_CB_OK;
}

static int on_error(const struct nlmsghdr *nlh, void *data)
{
	struct pc_queue *q = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		pc_counter_inc(&q->st.bad_msgs);
		return MNL_CB_OK;
	}
	if (q->ack_seq && e->msg.nlmsg_seq == q->ack_seq) {
		q->ack_done = true;
		q->ack_err = -e->error;
	} else if (e->error) {
		pc_counter_inc(&q->st.verdict_errors);
	}
	return MNL_CB_OK;
}

static int on_noop(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = on_noop,
	[NLMSG_ERROR] = on_error,
	[NLMSG_DONE] = on_noop,
	[NLMSG_OVERRUN] = on_noop,
};

static void handle_datagram(struct pc_queue *q, unsigned i)
{
	const struct mmsghdr *m = &q->msgs[i];
	struct nlmsghdr *nlh = q->iov[i].iov_base;

	if (m->msg_hdr.msg_namelen < sizeof(struct sockaddr_nl) || q->from[i].nl_pid != 0)
		return; /* not from the kernel */
	if (m->msg_hdr.msg_flags & MSG_TRUNC) {
		/* Cannot happen with SLOT_SIZE; should it, the packet header (the
		 * first attribute) still gives the id, and the cut payload makes
		 * the packet malformed: dropped, never left waiting. */
		pc_counter_inc(&q->st.bad_msgs);
		if (m->msg_len < sizeof(*nlh))
			return;
		if (nlh->nlmsg_len > m->msg_len)
			nlh->nlmsg_len = m->msg_len;
	}
	if (mnl_cb_run2(q->iov[i].iov_base, m->msg_len, 0, 0, on_packet, q, ctl_cbs,
			NLMSG_MIN_TYPE) < 0)
		pc_counter_inc(&q->st.bad_msgs);
}

long pc_queue_service(struct pc_queue *q, unsigned rounds)
{
	uint64_t before = pc_counter_get(&q->st.packets);

	for (unsigned r = 0; r < rounds; r++) {
		int n;

		for (unsigned i = 0; i < PC_QUEUE_BATCH; i++)
			q->msgs[i].msg_hdr.msg_namelen = sizeof(q->from[i]);
		n = recvmmsg(q->fd, q->msgs, PC_QUEUE_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0 && errno == ENOBUFS) {
			pc_counter_inc(&q->st.enobufs);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return -1;
		for (int i = 0; i < n; i++)
			handle_datagram(q, (unsigned)i);
		flush_verdicts(q);
		if (n < PC_QUEUE_BATCH)
			break;
	}
	return (long)(pc_counter_get(&q->st.packets) - before);
}

static uint64_t mono_ms(void)
{
	return pc_mono_ns() / PC_NS_PER_MS;
}

/* Sends a configuration request and waits for its acknowledgement, handling
 * packets meanwhile. Returns 0, or -1 with errno. */
static int request(struct pc_queue *q, struct nlmsghdr *nlh)
{
	uint64_t deadline = mono_ms() + ACK_TIMEOUT_MS;
	struct pollfd pfd = { .fd = q->fd, .events = POLLIN };

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = q->ack_seq = ++q->seq;
	q->ack_done = false;
	if (send_msgs(q, nlh, nlh->nlmsg_len) < 0)
		return -1;
	while (!q->ack_done) {
		uint64_t now = mono_ms();
		int n;

		if (now >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = poll(&pfd, 1, (int)(deadline - now));
		if ((n < 0 && errno != EINTR) || (n > 0 && pc_queue_service(q, 1) < 0))
			return -1;
	}
	q->ack_seq = 0;
	errno = q->ack_err;
	return q->ack_err ? -1 : 0;
}

static int request_cmd(struct pc_queue *q, uint8_t cmd)
{
	char buf[CONFIG_MSG_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);

	/* Since Linux 3.8 a bind serves both families; the family is ignored. */
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, cmd);
	return request(q, nlh);
}

static int request_flags(struct pc_queue *q, uint32_t flags, uint32_t mask)
{
	char buf[CONFIG_MSG_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);

	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(mask));
	return request(q, nlh);
}

static int configure(struct pc_queue *q, const struct pc_queue_cfg *cfg)
{
	char buf[CONFIG_MSG_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	uint32_t flags = NFQA_CFG_F_GSO | (cfg->fail_open ? NFQA_CFG_F_FAIL_OPEN : 0);

	if (request_cmd(q, NFQNL_CFG_CMD_BIND) < 0)
		return -1;
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, PC_PACKET_CAPLEN);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, cfg->maxlen ? cfg->maxlen : PC_QUEUE_MAXLEN);
	if (request(q, nlh) < 0)
		return -1;
	return request_flags(q, flags, NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN);
}

static void set_rcvbuf(int fd, int bytes)
{
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
}

static void setup_rx(struct pc_queue *q)
{
	for (unsigned i = 0; i < PC_QUEUE_BATCH; i++) {
		q->iov[i].iov_base = q->rx + (size_t)i * SLOT_SIZE;
		q->iov[i].iov_len = SLOT_SIZE;
		q->msgs[i].msg_hdr.msg_iov = &q->iov[i];
		q->msgs[i].msg_hdr.msg_iovlen = 1;
		q->msgs[i].msg_hdr.msg_name = &q->from[i];
	}
}

struct pc_queue *pc_queue_open(const struct pc_queue_cfg *cfg, pc_queue_handler *handler,
			       void *arg)
{
	struct pc_queue *q = calloc(1, sizeof(*q));
	int err;

	if (!q)
		return NULL;
	q->num = cfg->num;
	q->handler = handler;
	q->arg = arg;
	if (!(q->rx = malloc((size_t)PC_QUEUE_BATCH * SLOT_SIZE)))
		goto fail;
	setup_rx(q);
	if (!(q->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK)))
		goto fail;
	q->fd = mnl_socket_get_fd(q->nl);
	if (mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	set_rcvbuf(q->fd, cfg->rcvbuf ? cfg->rcvbuf : PC_QUEUE_RCVBUF);
	if (configure(q, cfg) < 0)
		goto fail;
	return q;
fail:
	err = errno;
	if (q->nl)
		mnl_socket_close(q->nl);
	free(q->rx);
	free(q);
	errno = err;
	return NULL;
}

void pc_queue_unbind(struct pc_queue *q)
{
	char buf[CONFIG_MSG_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;

	if (q->unbound)
		return;
	for (unsigned i = 0; i < CLOSE_DRAIN_ROUNDS && pc_queue_service(q, 1) > 0; i++)
		;
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_UNBIND);
	send_msgs(q, nlh, nlh->nlmsg_len);
	q->unbound = true;
}

void pc_queue_close(struct pc_queue *q)
{
	if (!q)
		return;
	pc_queue_unbind(q);
	mnl_socket_close(q->nl);
	free(q->rx);
	free(q);
}

int pc_queue_fd(const struct pc_queue *q)
{
	return q->fd;
}

unsigned pc_queue_num(const struct pc_queue *q)
{
	return q->num;
}

int pc_queue_set_fail_open(struct pc_queue *q, bool on)
{
	return request_flags(q, on ? NFQA_CFG_F_FAIL_OPEN : 0, NFQA_CFG_F_FAIL_OPEN);
}

void pc_queue_stats(const struct pc_queue *q, struct pc_queue_stats *st)
{
	st->packets = pc_counter_get(&q->st.packets);
	st->enobufs = pc_counter_get(&q->st.enobufs);
	st->verdict_errors = pc_counter_get(&q->st.verdict_errors);
	st->bad_msgs = pc_counter_get(&q->st.bad_msgs);
}

int pc_queue_kstats(unsigned num, struct pc_queue_kstats *ks)
{
	FILE *f = fopen("/proc/net/netfilter/nfnetlink_queue", "re");
	unsigned qnum, portid, total, mode, range, dropped, udropped, idseq;
	char line[256];
	int ret = -1;

	if (!f)
		return -1;
	errno = ENOENT;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u %u %u %u %u %u %u %u", &qnum, &portid, &total, &mode, &range,
			   &dropped, &udropped, &idseq) != 8 || qnum != num)
			continue;
		ks->queued = total;
		ks->dropped = dropped;
		ks->user_dropped = udropped;
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}
