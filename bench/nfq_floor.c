/* nfq_floor - the floor of the end-to-end benchmark: a minimal NFQUEUE
 * program that accepts every packet and does nothing else.
 *
 * usage: nfq_floor [-q QUEUE] [-b] [-t SECONDS] [-R READY_FILE]
 *   -q  queue number (default 0)
 *   -b  batched: up to 64 messages per recvmmsg and one NFQNL_MSG_VERDICT_BATCH
 *       per receive (default: the classic loop, one recv and one verdict
 *       message per packet)
 *   -t  exit after SECONDS (default 60); SIGTERM/SIGINT end it earlier
 *   -R  file created once the queue is bound and configured
 *
 * The queue is configured like portcullisd's: copy range PC_PACKET_CAPLEN,
 * queue length 4096, 8 MiB receive buffer, NFQA_CFG_F_GSO, no fail-open. It
 * uses libmnl and the nfq_nlmsg_* API only. Prints "floor packets=N ..." on
 * exit. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "packet.h"

#define QUEUE_MAXLEN 4096
#define RCVBUF (8 << 20)
#define BATCH 64
#define SLOT 8192

struct floor {
	struct mnl_socket *nl;
	int fd;
	unsigned num, portid;
	uint32_t seq;
	bool batch;         /* verdicts wait for the end of the receive */
	uint32_t max_id;    /* highest packet id of the current receive */
	unsigned pending;   /* packets of the current receive without a verdict */
	uint64_t packets, enobufs, send_errors;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	uint8_t *rx;        /* BATCH slots */
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void send_verdict(struct floor *f, int type, uint32_t id)
{
	char buf[128] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, type, f->num);

	nfq_nlmsg_verdict_put(nlh, (int)id, NF_ACCEPT);
	if (mnl_socket_sendto(f->nl, nlh, nlh->nlmsg_len) < 0)
		f->send_errors++;
}

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	struct floor *f = data;
	struct nlattr *attr[NFQA_MAX + 1] = { NULL };
	const struct nfqnl_msg_packet_hdr *ph;
	uint32_t id;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return MNL_CB_OK;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	id = ntohl(ph->packet_id);
	f->packets++;
	if (!f->batch) {
		send_verdict(f, NFQNL_MSG_VERDICT, id);
		return MNL_CB_OK;
	}
	if (!f->pending || id > f->max_id)
		f->max_id = id;
	f->pending++;
	return MNL_CB_OK;
}

/* Runs the messages of one datagram. Returns MNL_CB_STOP when it holds the
 * acknowledgement of request seq, -1 with errno on an error reply. */
static int run(struct floor *f, const void *buf, size_t len, uint32_t seq)
{
	return mnl_cb_run(buf, len, seq, f->portid, on_msg, f);
}

/* Sends a configuration request and waits for its acknowledgement; packets
 * arriving meanwhile get their verdict at once. Returns 0, or -1 with errno. */
static int request(struct floor *f, struct nlmsghdr *nlh)
{
	bool batch = f->batch;
	int ret;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++f->seq;
	if (mnl_socket_sendto(f->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	f->batch = false;
	do {
		ssize_t n = mnl_socket_recvfrom(f->nl, f->rx, SLOT);

		ret = n < 0 ? -1 : run(f, f->rx, (size_t)n, f->seq);
	} while (ret > 0 && !stop);
	f->batch = batch;
	return ret < 0 || stop ? -1 : 0;
}

static int configure(struct floor *f)
{
	char buf[256] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, f->num);

	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	if (request(f, nlh) < 0)
		return -1;
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, f->num);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, PC_PACKET_CAPLEN);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, QUEUE_MAXLEN);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_GSO));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN));
	return request(f, nlh);
}

static int open_socket(struct floor *f)
{
	int one = 1, rcvbuf = RCVBUF;

	if (!(f->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC)))
		return -1;
	if (mnl_socket_bind(f->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -1;
	f->fd = mnl_socket_get_fd(f->nl);
	f->portid = mnl_socket_get_portid(f->nl);
	if (setsockopt(f->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(f->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	mnl_socket_setsockopt(f->nl, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	for (unsigned i = 0; i < BATCH; i++) {
		f->iov[i] = (struct iovec){ f->rx + (size_t)i * SLOT, SLOT };
		f->msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &f->iov[i], .msg_iovlen = 1 };
	}
	return 0;
}

/* The classic loop: one datagram, one verdict per packet. */
static int loop_simple(struct floor *f)
{
	while (!stop) {
		ssize_t n = mnl_socket_recvfrom(f->nl, f->rx, SLOT);

		if (n < 0 && errno == ENOBUFS)
			f->enobufs++;
		else if (n < 0 && errno != EINTR)
			return -1;
		else if (n > 0 && run(f, f->rx, (size_t)n, 0) < 0)
			f->send_errors++; /* an error reply to a verdict */
	}
	return 0;
}

/* Several datagrams per receive, one batch verdict for all of them. */
static int loop_batch(struct floor *f)
{
	while (!stop) {
		int n = recvmmsg(f->fd, f->msgs, BATCH, MSG_WAITFORONE, NULL);

		if (n < 0 && errno == ENOBUFS) {
			f->enobufs++;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		f->pending = 0;
		for (int i = 0; i < n; i++)
			if (run(f, f->iov[i].iov_base, f->msgs[i].msg_len, 0) < 0)
				f->send_errors++;
		if (f->pending)
			send_verdict(f, NFQNL_MSG_VERDICT_BATCH, f->max_id);
	}
	return 0;
}

static void unbind(struct floor *f)
{
	char buf[256] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, f->num);

	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_UNBIND);
	mnl_socket_sendto(f->nl, nlh, nlh->nlmsg_len);
}

static void signals(unsigned seconds)
{
	struct sigaction sa = { .sa_handler = on_stop }; /* no SA_RESTART: recv returns EINTR */

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	alarm(seconds);
}

static int parse_args(struct floor *f, unsigned *seconds, const char **ready, int argc,
		      char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "q:bt:R:")) != -1) {
		switch (c) {
		case 'q': f->num = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'b': f->batch = true; break;
		case 't': *seconds = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'R': *ready = optarg; break;
		default:
			fprintf(stderr, "usage: nfq_floor [-q QUEUE] [-b] [-t SECONDS] [-R READY_FILE]\n");
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct floor f = { .fd = -1 };
	unsigned seconds = 60;
	const char *ready = NULL;
	FILE *rf;
	int ret = 1;

	if (parse_args(&f, &seconds, &ready, argc, argv) < 0)
		return 2;
	signals(seconds);
	if (!(f.rx = malloc((size_t)BATCH * SLOT)) || open_socket(&f) < 0 || configure(&f) < 0) {
		perror("nfq_floor: cannot bind the queue");
		goto out;
	}
	if (ready && (rf = fopen(ready, "w")))
		fclose(rf);
	if ((f.batch ? loop_batch(&f) : loop_simple(&f)) < 0)
		perror("nfq_floor: receive");
	else
		ret = 0;
	unbind(&f);
	printf("floor packets=%llu enobufs=%llu send_errors=%llu mode=%s\n",
	       (unsigned long long)f.packets, (unsigned long long)f.enobufs,
	       (unsigned long long)f.send_errors, f.batch ? "batch" : "simple");
out:
	if (f.nl)
		mnl_socket_close(f.nl);
	free(f.rx);
	return ret;
}
