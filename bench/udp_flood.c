/* udp_flood - small UDP packets for the end-to-end benchmark: a sender and a
 * receiver that counts what arrives and how late.
 *
 * usage: udp_flood send -d ADDR -p PORTS [-n COUNT] [-r PPS] [-t SECONDS] [-s BYTES] [-b BATCH]
 *        udp_flood recv -p PORTS [-t SECONDS] [-i IDLE_MS] [-w WARMUP_S] [-W WINDOW_S]
 *                       [-n MAXSEQ] [-R READY_FILE]
 *
 * Every packet carries a probe: a magic, its destination port, a sequence
 * number (one numbering for all ports: packet k goes to port k mod nports)
 * and the CLOCK_MONOTONIC time of its sendmmsg. Sender and receiver run on
 * the same host, so CLOCK_MONOTONIC is one clock whatever their network
 * namespaces, and receive time minus send time is the one-way latency.
 *
 * The sender stops at COUNT packets, SECONDS or SIGTERM, whichever comes first; PPS 0
 * sends as fast as it can. It prints "send port=P sent=N" per port and a
 * total line. The receiver counts only packets that arrive in the window
 * [first + WARMUP, first + WARMUP + WINDOW] (WINDOW 0: until the end) for the
 * rate and the latency percentiles, every packet for the sequence checks, and
 * stops after IDLE_MS without a packet (once one came) or at SECONDS. It
 * prints "recv port=P received= unique= dup= bad=" per port and a total line
 * with rate_pps, lat_p50_us, lat_p99_us, lat_max_us. Both print cpu_s, their
 * CPU time (softirq work done in their context included). All output is
 * key=value. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROBE_MAGIC 0x70634246u /* "FBcp" */
#define MAX_PORTS 8
#define MAX_BATCH 256
#define MAX_PAYLOAD 1400
#define RECV_BATCH 64
#define MAX_SAMPLES (4u << 20)
#define SOCK_BUF (8 << 20)
#define NS 1000000000ull

struct probe {
	uint32_t magic;
	uint16_t port;
	uint16_t pad;
	uint64_t seq;
	uint64_t sent_ns;
};

struct ports {
	uint16_t port[MAX_PORTS];
	unsigned n;
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* CPU time of this process (user and system, softirq work done in its
 * context included), in seconds. */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { (time_t)(t / NS), (long)(t % NS) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !stop)
		;
}

static uint64_t seconds_ns(const char *s)
{
	return (uint64_t)(strtod(s, NULL) * 1e9);
}

/* "5001,5002" into p. Returns 0, or -1 on a bad list. */
static int parse_ports(const char *s, struct ports *p)
{
	char *end;

	p->n = 0;
	for (;;) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v == 0 || v > 65535 || p->n == MAX_PORTS)
			return -1;
		p->port[p->n++] = (uint16_t)v;
		if (*end == '\0')
			return 0;
		if (*end != ',')
			return -1;
		s = end + 1;
	}
}

static void set_buf(int fd, int opt_force, int opt, int bytes)
{
	if (setsockopt(fd, SOL_SOCKET, opt_force, &bytes, sizeof(bytes)) < 0)
		setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof(bytes));
}

/* SIGTERM/SIGINT end the sender early; it still reports what it sent. */
static void catch_stop(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

/* ---- sender ---- */

struct sender {
	struct in_addr dst;
	struct ports ports;
	uint64_t count, rate, limit_ns;
	size_t size;
	unsigned batch;
	uint64_t sent[MAX_PORTS];
	uint64_t errors;
	int fd;
	struct mmsghdr msgs[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	struct sockaddr_in to[MAX_BATCH];
	uint8_t buf[MAX_BATCH][MAX_PAYLOAD];
};

static int send_args(struct sender *s, int argc, char **argv)
{
	int c;

	s->count = 1000000;
	s->limit_ns = 5 * NS;
	s->size = 32;
	s->batch = 32;
	while ((c = getopt(argc, argv, "d:p:n:r:t:s:b:")) != -1) {
		switch (c) {
		case 'd':
			if (inet_pton(AF_INET, optarg, &s->dst) != 1)
				return -1;
			break;
		case 'p':
			if (parse_ports(optarg, &s->ports) < 0)
				return -1;
			break;
		case 'n': s->count = strtoull(optarg, NULL, 10); break;
		case 'r': s->rate = strtoull(optarg, NULL, 10); break;
		case 't': s->limit_ns = seconds_ns(optarg); break;
		case 's': s->size = strtoul(optarg, NULL, 10); break;
		case 'b': s->batch = (unsigned)strtoul(optarg, NULL, 10); break;
		default: return -1;
		}
	}
	if (!s->dst.s_addr || !s->ports.n || s->size < sizeof(struct probe) ||
	    s->size > MAX_PAYLOAD || !s->batch || s->batch > MAX_BATCH)
		return -1;
	return 0;
}

static void send_setup(struct sender *s)
{
	for (unsigned i = 0; i < s->batch; i++) {
		s->to[i] = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr = s->dst };
		s->iov[i] = (struct iovec){ s->buf[i], s->size };
		s->msgs[i].msg_hdr = (struct msghdr){ .msg_name = &s->to[i],
			.msg_namelen = sizeof(s->to[i]), .msg_iov = &s->iov[i], .msg_iovlen = 1 };
	}
}

/* Fills k messages from sequence number seq on, stamped now. */
static void fill_batch(struct sender *s, uint64_t seq, unsigned k)
{
	uint64_t t = mono_ns();

	for (unsigned i = 0; i < k; i++) {
		unsigned pi = (unsigned)((seq + i) % s->ports.n);
		struct probe pr = { PROBE_MAGIC, s->ports.port[pi], 0, seq + i, t };

		s->to[i].sin_port = htons(s->ports.port[pi]);
		memcpy(s->buf[i], &pr, sizeof(pr));
	}
}

static void count_sent(struct sender *s, uint64_t seq, int n)
{
	for (int i = 0; i < n; i++)
		s->sent[(seq + (uint64_t)i) % s->ports.n]++;
}

static int send_loop(struct sender *s, uint64_t *elapsed)
{
	uint64_t start = mono_ns(), deadline = start + s->limit_ns, seq = 0, now = start;

	while (seq < s->count && now < deadline && !stop) {
		unsigned k = s->count - seq < s->batch ? (unsigned)(s->count - seq) : s->batch;
		int n;

		if (s->rate) {
			uint64_t due = start + seq * NS / s->rate;

			if (due > now)
				sleep_until(due);
		}
		fill_batch(s, seq, k);
		n = sendmmsg(s->fd, s->msgs, k, 0);
		if (n < 0 && errno != ENOBUFS && errno != EAGAIN && errno != EINTR &&
		    errno != ECONNREFUSED) {
			perror("udp_flood: sendmmsg");
			return -1;
		}
		if (n < 0) {
			s->errors++;
		} else {
			count_sent(s, seq, n);
			seq += (uint64_t)n;
		}
		now = mono_ns();
	}
	*elapsed = now - start;
	return 0;
}

static int cmd_send(int argc, char **argv)
{
	struct sender *s = calloc(1, sizeof(*s));
	uint64_t elapsed = 0, total = 0;
	int ret = 1;

	if (!s)
		return 1;
	if (send_args(s, argc, argv) < 0) {
		fprintf(stderr, "usage: udp_flood send -d ADDR -p PORTS [-n COUNT] [-r PPS] "
				"[-t SECONDS] [-s BYTES] [-b BATCH]\n");
		goto out;
	}
	if ((s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
		perror("udp_flood: socket");
		goto out;
	}
	set_buf(s->fd, SO_SNDBUFFORCE, SO_SNDBUF, SOCK_BUF);
	send_setup(s);
	catch_stop();
	if (send_loop(s, &elapsed) < 0)
		goto out;
	for (unsigned i = 0; i < s->ports.n; i++) {
		printf("send port=%u sent=%llu\n", s->ports.port[i], (unsigned long long)s->sent[i]);
		total += s->sent[i];
	}
	printf("send total sent=%llu errors=%llu elapsed_s=%.3f rate_pps=%.0f cpu_s=%.3f\n",
	       (unsigned long long)total, (unsigned long long)s->errors, (double)elapsed / 1e9,
	       elapsed ? (double)total * 1e9 / (double)elapsed : 0.0, cpu_s());
	ret = 0;
out:
	if (s->fd > 0)
		close(s->fd);
	free(s);
	return ret;
}

/* ---- receiver ---- */

struct port_stats {
	uint64_t received, unique, dup, bad;
};

struct receiver {
	struct ports ports;
	int fd[MAX_PORTS];
	struct port_stats st[MAX_PORTS];
	uint64_t limit_ns, idle_ns, warmup_ns, window_ns, maxseq;
	const char *ready;
	uint8_t *seen;        /* one bit per sequence number below maxseq */
	uint64_t beyond;      /* sequence numbers >= maxseq (not checked) */
	uint64_t first, last; /* receive times, 0: none yet */
	uint64_t in_window;
	uint32_t *lat;        /* ns, packets in the window */
	size_t nlat;
	struct mmsghdr msgs[RECV_BATCH];
	struct iovec iov[RECV_BATCH];
	uint8_t buf[RECV_BATCH][2048];
};

static int recv_args(struct receiver *r, int argc, char **argv)
{
	int c;

	r->limit_ns = 10 * NS;
	r->idle_ns = NS;
	r->maxseq = 1u << 26;
	while ((c = getopt(argc, argv, "p:t:i:w:W:n:R:")) != -1) {
		switch (c) {
		case 'p':
			if (parse_ports(optarg, &r->ports) < 0)
				return -1;
			break;
		case 't': r->limit_ns = seconds_ns(optarg); break;
		case 'i': r->idle_ns = strtoull(optarg, NULL, 10) * 1000000ull; break;
		case 'w': r->warmup_ns = seconds_ns(optarg); break;
		case 'W': r->window_ns = seconds_ns(optarg); break;
		case 'n': r->maxseq = strtoull(optarg, NULL, 10); break;
		case 'R': r->ready = optarg; break;
		default: return -1;
		}
	}
	return r->ports.n && r->maxseq ? 0 : -1;
}

static int open_port(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, SOCK_BUF);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int recv_setup(struct receiver *r)
{
	for (unsigned i = 0; i < RECV_BATCH; i++) {
		r->iov[i] = (struct iovec){ r->buf[i], sizeof(r->buf[i]) };
		r->msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &r->iov[i], .msg_iovlen = 1 };
	}
	r->seen = calloc((size_t)(r->maxseq + 7) / 8, 1);
	r->lat = malloc(MAX_SAMPLES * sizeof(*r->lat));
	if (!r->seen || !r->lat)
		return -1;
	for (unsigned i = 0; i < r->ports.n; i++) {
		if ((r->fd[i] = open_port(r->ports.port[i])) < 0) {
			fprintf(stderr, "udp_flood: port %u: %s\n", r->ports.port[i], strerror(errno));
			return -1;
		}
	}
	return 0;
}

static bool in_window(const struct receiver *r, uint64_t t)
{
	uint64_t lo = r->first + r->warmup_ns;

	return t >= lo && (!r->window_ns || t <= lo + r->window_ns);
}

/* now - sent in ns, clamped to what a sample holds. */
static uint32_t latency_ns(uint64_t now, uint64_t sent)
{
	if (now <= sent)
		return 0;
	return now - sent < UINT32_MAX ? (uint32_t)(now - sent) : UINT32_MAX;
}

static void account(struct receiver *r, unsigned pi, const uint8_t *buf, size_t len, uint64_t t)
{
	struct port_stats *st = &r->st[pi];
	struct probe pr;

	st->received++;
	memcpy(&pr, buf, len < sizeof(pr) ? len : sizeof(pr));
	if (len < sizeof(pr) || pr.magic != PROBE_MAGIC || pr.port != r->ports.port[pi]) {
		st->bad++;
		return;
	}
	if (pr.seq >= r->maxseq) {
		r->beyond++;
	} else if (r->seen[pr.seq / 8] & (1u << (pr.seq % 8))) {
		st->dup++;
		return;
	} else {
		r->seen[pr.seq / 8] |= (uint8_t)(1u << (pr.seq % 8));
	}
	st->unique++;
	if (!in_window(r, t))
		return;
	r->in_window++;
	if (r->nlat < MAX_SAMPLES)
		r->lat[r->nlat++] = latency_ns(t, pr.sent_ns);
}

/* Reads what port pi has waiting. */
static void drain(struct receiver *r, unsigned pi)
{
	for (;;) {
		int n = recvmmsg(r->fd[pi], r->msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
		uint64_t t = mono_ns();

		if (n <= 0)
			return;
		if (!r->first)
			r->first = t;
		r->last = t;
		for (int i = 0; i < n; i++)
			account(r, pi, r->buf[i], r->msgs[i].msg_len, t);
	}
}

static void recv_loop(struct receiver *r)
{
	struct pollfd pfd[MAX_PORTS];
	uint64_t start = mono_ns();

	for (unsigned i = 0; i < r->ports.n; i++)
		pfd[i] = (struct pollfd){ .fd = r->fd[i], .events = POLLIN };
	for (;;) {
		uint64_t now = mono_ns();

		if (now - start >= r->limit_ns || (r->first && now - r->last >= r->idle_ns))
			return;
		if (poll(pfd, r->ports.n, 20) <= 0)
			continue;
		for (unsigned i = 0; i < r->ports.n; i++)
			if (pfd[i].revents)
				drain(r, i);
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double pct_us(const uint32_t *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);

	return n ? (double)v[i] / 1e3 : 0.0;
}

static void recv_report(struct receiver *r)
{
	uint64_t total = 0, unique = 0, span = r->last > r->first ? r->last - r->first : 0;
	uint64_t win = span > r->warmup_ns ? span - r->warmup_ns : 0;

	if (r->window_ns && win > r->window_ns)
		win = r->window_ns;
	for (unsigned i = 0; i < r->ports.n; i++) {
		const struct port_stats *st = &r->st[i];

		printf("recv port=%u received=%llu unique=%llu dup=%llu bad=%llu\n", r->ports.port[i],
		       (unsigned long long)st->received, (unsigned long long)st->unique,
		       (unsigned long long)st->dup, (unsigned long long)st->bad);
		total += st->received;
		unique += st->unique;
	}
	qsort(r->lat, r->nlat, sizeof(*r->lat), cmp_u32);
	printf("recv total received=%llu unique=%llu unchecked=%llu span_s=%.3f window_pkts=%llu "
	       "window_s=%.3f rate_pps=%.0f lat_n=%zu lat_p50_us=%.1f lat_p99_us=%.1f "
	       "lat_max_us=%.1f cpu_s=%.3f\n", (unsigned long long)total, (unsigned long long)unique,
	       (unsigned long long)r->beyond, (double)span / 1e9,
	       (unsigned long long)r->in_window, (double)win / 1e9,
	       win ? (double)r->in_window * 1e9 / (double)win : 0.0, r->nlat,
	       pct_us(r->lat, r->nlat, 0.50), pct_us(r->lat, r->nlat, 0.99),
	       r->nlat ? (double)r->lat[r->nlat - 1] / 1e3 : 0.0, cpu_s());
}

static void touch(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f)
		fclose(f);
}

static int cmd_recv(int argc, char **argv)
{
	struct receiver *r = calloc(1, sizeof(*r));
	int ret = 1;

	if (!r)
		return 1;
	for (unsigned i = 0; i < MAX_PORTS; i++)
		r->fd[i] = -1;
	if (recv_args(r, argc, argv) < 0) {
		fprintf(stderr, "usage: udp_flood recv -p PORTS [-t SECONDS] [-i IDLE_MS] "
				"[-w WARMUP_S] [-W WINDOW_S] [-n MAXSEQ] [-R READY_FILE]\n");
		goto out;
	}
	if (recv_setup(r) < 0) {
		perror("udp_flood: receiver");
		goto out;
	}
	if (r->ready)
		touch(r->ready);
	recv_loop(r);
	recv_report(r);
	ret = 0;
out:
	for (unsigned i = 0; i < MAX_PORTS; i++)
		if (r->fd[i] >= 0)
			close(r->fd[i]);
	free(r->seen);
	free(r->lat);
	free(r);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "send"))
		return cmd_send(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "recv"))
		return cmd_recv(argc - 1, argv + 1);
	fprintf(stderr, "usage: udp_flood send|recv OPTIONS (see the comment at the top)\n");
	return 2;
}
