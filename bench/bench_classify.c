/* bench_classify - the classifier: index vs the linear reference on realistic
 * and ClassBench-style rule sets of 10 to 100,000 rules.
 *
 * usage: bench_classify [-s SIZES] [-k KIND] [-n LOOKUPS] [-m index|linear|none] [-q] [-l]
 *   SIZES  comma list (default 10,100,1000,10000,100000)
 *   KIND   realistic | classbench | both (default both)
 *   -m     with -q: run only that many lookups of one engine, print nothing
 *          (for callgrind: instructions per lookup = difference of two runs)
 *   -l     also measure on packets with traffic locality (see LOC_B); with -m,
 *          use those packets instead
 * Prints one row per (kind, size): ns per lookup of the index and of the
 * linear scan measured on the same packets in the same run, their ratio, load
 * and compile times of the policy written as an INI file, index bytes per rule
 * and the RSS the index added. With -l, a second row per (kind, size),
 * marked "with locality", measures the same table on the locality packets. */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "index.h"
#include "match.h"
#include "policy.h"

#define N_PACKETS 65536

/* Locality, after ClassBench's trace generator: each header drawn as usual
 * is sent a Pareto-distributed number of times, ceil(LOC_B / u^(1 / a)) for
 * u uniform in (0, 1], with shape a = 1 (LOC_B = 0 would mean once each, no
 * locality), at most LOC_MAX; with LOC_B = 0.1, 90 % of headers are sent
 * once and P(more than k) = 0.1 / k. The repeats are interleaved over
 * LOC_FLOWS concurrent flows: each packet is the next one of a flow picked
 * at random, and a flow that has sent all its repeats is replaced by a new
 * header. */
#define LOC_B 0.1
#define LOC_MAX 10000
#define LOC_FLOWS 64

struct rng {
	uint64_t s;
};

static uint32_t rnd(struct rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return (uint32_t)(r->s >> 11);
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return rnd(r) % n;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long rss_kib(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* ---- rule sets, written as INI text (so load time is measured too) ---- */

struct text {
	char *buf;
	size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		t->cap = t->cap ? 2 * t->cap : 1 << 16;
		t->buf = realloc(t->buf, t->cap);
		if (!t->buf) {
			perror("bench");
			exit(1);
		}
	}
}

static const struct service {
	const char *name, *proto, *ports;
} services[] = {
	{ "DNS", "udp", "53" },       { "DNS TCP", "tcp", "53" },    { "FTP", "tcp", "20-21" },
	{ "HTTP", "tcp", "80" },      { "HTTPS", "tcp", "443" },     { "POP3", "tcp", "110,995" },
	{ "IMAP", "tcp", "143,993" }, { "SMTP", "tcp", "25,465,587" }, { "SNMP", "udp", "161-162" },
	{ "NTP", "udp", "123" },      { "RDP", "tcp", "3389" },      { "MSRPC", "tcp", "135" },
	{ "NetBIOS", "udp", "137-138" }, { "SMB", "tcp", "139,445" }, { "SQL", "tcp", "1433" },
	{ "SQL Browser", "udp", "1434" }, { "SSH", "tcp", "22" },    { "Mail", "tcp", "2525" },
};
#define N_SERVICES (sizeof(services) / sizeof(services[0]))

/* Writes up to n service rules (server and client side, globals); returns how many. */
static size_t service_rules(struct text *t, size_t n, struct rng *r)
{
	size_t k = 0;
	const char *globals[] = { "[Deny TCP]\naction = deny\nprotocol = tcp\n",
				  "[Deny UDP]\naction = deny\nprotocol = udp\n",
				  ("[ICMP]\naction = permit\nprotocol = icmp\n"
				   "icmp-type = echo-request, echo-reply, 3, 11\n") };
	for (size_t i = 0; i < 3 && k < n; i++, k++)
		put(t, "%s\n", globals[i]);
	for (size_t i = 0; i < N_SERVICES && k < n; i++) {
		const struct service *s = &services[i];
		put(t, "[%s Server]\nenabled = %s\naction = permit\nprotocol = %s\nlocal-port = %s\n\n",
		    s->name, below(r, 3) ? "yes" : "no", s->proto, s->ports);
		if (++k < n)
			put(t, "[%s Client]\naction = permit\nprotocol = %s\nremote-port = %s\n\n",
			    s->name, s->proto, s->ports);
		k += k < n;
	}
	return k;
}

static void v4_prefix(struct rng *r, unsigned plen, char *buf, size_t len)
{
	uint32_t a = rnd(r) | 0x01000000u;
	a &= plen ? ~0u << (32 - plen) : 0;
	snprintf(buf, len, "%u.%u.%u.%u/%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, plen);
}

static void v6_prefix(struct rng *r, unsigned plen, char *buf, size_t len)
{
	uint16_t w[4] = { 0x2001, (uint16_t)rnd(r), (uint16_t)rnd(r), (uint16_t)rnd(r) };
	for (unsigned i = 0; i < 4; i++) {
		unsigned keep = plen > 16 * i ? plen - 16 * i : 0;
		if (keep < 16)
			w[i] &= (uint16_t)(keep ? 0xffffu << (16 - keep) : 0);
	}
	snprintf(buf, len, "%x:%x:%x:%x::/%u", w[0], w[1], w[2], w[3], plen);
}

/* Realistic v4 blocklist lengths: mostly /24 and /32, some wider nets. */
static unsigned v4_blocklist_plen(struct rng *r)
{
	static const unsigned lens[] = { 24, 24, 24, 24, 24, 24, 32, 32, 32, 16, 20, 22, 23, 19, 28, 12 };
	return lens[below(r, sizeof(lens) / sizeof(lens[0]))];
}

static unsigned v6_blocklist_plen(struct rng *r)
{
	static const unsigned lens[] = { 32, 48, 48, 48, 56, 64, 64, 64 };
	return lens[below(r, sizeof(lens) / sizeof(lens[0]))];
}

static void realistic(struct text *t, size_t n, struct rng *r)
{
	char a[64];
	size_t k = service_rules(t, n < 40 ? n : 40, r);

	for (size_t i = 0; k < n; i++, k++) {
		unsigned kind = below(r, 10);
		if (kind < 6) {
			v4_prefix(r, v4_blocklist_plen(r), a, sizeof(a));
			put(t, "[block4 %zu]\naction = deny\nremote-address = %s\n\n", i, a);
		} else if (kind < 8) {
			v6_prefix(r, v6_blocklist_plen(r), a, sizeof(a));
			put(t, "[block6 %zu]\naction = deny\nremote-address = %s\n\n", i, a);
		} else {
			v4_prefix(r, 32, a, sizeof(a));
			put(t, "[host %zu]\naction = permit\nprotocol = tcp\nlocal-port = 22\n"
			       "remote-address = %s\n\n", i, a);
		}
	}
}

static void port_field(struct rng *r, char *buf, size_t len)
{
	unsigned lo = below(r, 65536), w = below(r, 1024);
	switch (below(r, 5)) {
	case 0:
		snprintf(buf, len, "any");
		break;
	case 1:
		snprintf(buf, len, "1024-65535");
		break;
	case 2:
		snprintf(buf, len, "%u-%u", lo, lo + w > 65535 ? 65535 : lo + w);
		break;
	default: {
		static const unsigned common[] = { 22, 25, 53, 80, 123, 443, 3389, 8080 };
		snprintf(buf, len, "%u", below(r, 2) ? common[below(r, 8)] : lo);
		break;
	}
	}
}

/* ClassBench-style: random remote/local prefixes, protocol, port ranges. */
static void classbench(struct text *t, size_t n, struct rng *r)
{
	char ra[64], la[64], lp[32], rp[32];

	for (size_t i = 0; i < n; i++) {
		v4_prefix(r, 8 + below(r, 25), ra, sizeof(ra));
		if (below(r, 2))
			v4_prefix(r, 16 + below(r, 17), la, sizeof(la));
		else
			snprintf(la, sizeof(la), "any");
		port_field(r, lp, sizeof(lp));
		port_field(r, rp, sizeof(rp));
		put(t, "[cb %zu]\naction = %s\nprotocol = %s\nremote-address = %s\nlocal-address = %s\n"
		       "local-port = %s\nremote-port = %s\n\n", i, below(r, 2) ? "permit" : "deny",
		    below(r, 3) ? "tcp" : "udp", ra, la, lp, rp);
	}
}

/* ---- packets: half drawn from inside the rules, half at random ---- */

static void fill_addr(struct rng *r, const struct pc_prefix *p, uint8_t family, uint8_t *a)
{
	unsigned bytes = family == PC_FAM_V4 ? 4 : 16;

	memset(a, 0, 16);
	for (unsigned i = 0; i < bytes; i++)
		a[i] = (uint8_t)rnd(r);
	if (family == PC_FAM_V6 && below(r, 2))
		a[0] = 0x20, a[1] = 0x01;
	if (!p || p->family != family)
		return;
	for (unsigned b = 0; b < p->plen; b++) {
		uint8_t m = (uint8_t)(0x80 >> (b % 8));
		a[b / 8] = (uint8_t)((a[b / 8] & ~m) | (p->addr[b / 8] & m));
	}
}

static uint16_t pick_port(struct rng *r, const struct pc_portrange *v, size_t n)
{
	const struct pc_portrange *e = &v[below(r, (uint32_t)n)];
	return (uint16_t)(e->lo + below(r, (uint32_t)e->hi - e->lo + 1));
}

static void make_packet(struct rng *r, const struct pc_rule *rules, size_t n, struct pc_pkt *p)
{
	static const uint8_t protos[] = { 6, 6, 6, 6, 6, 6, 6, 17, 17, 1 };
	const struct pc_rule *rule = n && below(r, 2) ? &rules[below(r, (uint32_t)n)] : NULL;
	const struct pc_prefix *rp = rule ? &rule->remote[below(r, (uint32_t)rule->n_remote)] : NULL;
	const struct pc_prefix *lp = rule ? &rule->local[below(r, (uint32_t)rule->n_local)] : NULL;

	memset(p, 0, sizeof(*p));
	p->family = rp && rp->family ? rp->family : lp && lp->family ? lp->family
		  : below(r, 4) ? PC_FAM_V4 : PC_FAM_V6;
	p->dir = below(r, 4) ? PC_DIR_IN : PC_DIR_OUT;
	p->proto = rule && rule->proto >= 0 ? (uint8_t)rule->proto : protos[below(r, 10)];
	uint8_t *remote = p->dir == PC_DIR_IN ? p->src : p->dst;
	uint8_t *local = p->dir == PC_DIR_IN ? p->dst : p->src;
	fill_addr(r, rp, p->family, remote);
	fill_addr(r, lp, p->family, local);
	p->len = 60;
	if (p->proto == 6 || p->proto == 17) {
		uint16_t lport = rule ? pick_port(r, rule->lport, rule->n_lport) : (uint16_t)rnd(r);
		uint16_t rport = rule ? pick_port(r, rule->rport, rule->n_rport) : (uint16_t)rnd(r);
		p->sport = p->dir == PC_DIR_IN ? rport : lport;
		p->dport = p->dir == PC_DIR_IN ? lport : rport;
		p->flags = PC_PKT_PORTS;
	} else if (p->proto == 1) {
		p->icmp_type = below(r, 2) ? 8 : 0;
		p->flags = PC_PKT_ICMP;
	}
}

/* ---- measurement ---- */

struct result {
	double load_ms, compile_ms, index_ns, linear_ns;
	size_t rules, bytes;
	long rss_kib;
	size_t mismatches;
};

static struct pc_policy *load_text(const struct text *t, double *ms)
{
	char path[] = "/tmp/bench_classify.XXXXXX";
	int fd = mkstemp(path);
	struct pc_diag *d = pc_diag_new();
	struct pc_policy *p = NULL;

	if (fd < 0 || !d || write(fd, t->buf, t->len) != (ssize_t)t->len) {
		perror("bench: temp policy");
		exit(1);
	}
	close(fd);
	double t0 = now();
	p = pc_policy_load(path, d);
	*ms = (now() - t0) * 1e3;
	unlink(path);
	if (!p) {
		pc_diag_print(d, stderr);
		exit(1);
	}
	pc_diag_free(d);
	return p;
}

static volatile long sink;

static double time_index(const struct pc_index *ix, const struct pc_pkt *pk, size_t n, size_t lookups)
{
	double t0 = now();
	long acc = 0;
	for (size_t i = 0; i < lookups; i++)
		acc += pc_index_lookup(ix, &pk[i % n]);
	sink = acc;
	return (now() - t0) * 1e9 / (double)lookups;
}

static double time_linear(const struct pc_policy *p, const struct pc_pkt *pk, size_t n, size_t lookups)
{
	double t0 = now();
	long acc = 0;
	for (size_t i = 0; i < lookups; i++)
		acc += pc_linear_lookup(p, &pk[i % n]);
	sink = acc;
	return (now() - t0) * 1e9 / (double)lookups;
}

static unsigned pareto_repeats(struct rng *r)
{
	double u = ((double)rnd(r) + 1.0) / 4294967296.0; /* (0, 1] */
	double x = LOC_B / u;
	unsigned k;

	if (x >= LOC_MAX)
		return LOC_MAX;
	k = (unsigned)x;
	k += k < x;
	return k ? k : 1;
}

/* Fills pk[0..n) with flows of repeated headers (see LOC_A). */
static void locality_packets(struct rng *r, const struct pc_rule *rules, size_t nr, struct pc_pkt *pk,
			     size_t n)
{
	struct pc_pkt head[LOC_FLOWS];
	unsigned left[LOC_FLOWS];

	for (size_t f = 0; f < LOC_FLOWS; f++) {
		make_packet(r, rules, nr, &head[f]);
		left[f] = pareto_repeats(r);
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t f = below(r, LOC_FLOWS);

		pk[i] = head[f];
		if (!--left[f]) {
			make_packet(r, rules, nr, &head[f]);
			left[f] = pareto_repeats(r);
		}
	}
}

/* N_PACKETS packets for p: independent draws, or flows with locality. */
static struct pc_pkt *packets_for(const struct pc_policy *p, struct rng *r, bool loc)
{
	size_t n;
	const struct pc_rule *rules = pc_policy_rules(p, &n);
	struct pc_pkt *pk = malloc(N_PACKETS * sizeof(*pk));
	if (!pk) {
		perror("bench");
		exit(1);
	}
	if (loc) {
		locality_packets(r, rules, n, pk, N_PACKETS);
		return pk;
	}
	for (size_t i = 0; i < N_PACKETS; i++)
		make_packet(r, rules, n, &pk[i]);
	return pk;
}

static void build(const char *kind, size_t size, struct text *t)
{
	struct rng r = { 0x9e3779b97f4a7c15ull ^ size };
	t->len = 0;
	if (!strcmp(kind, "realistic"))
		realistic(t, size, &r);
	else
		classbench(t, size, &r);
}

static void measure(const char *kind, size_t size, bool loc, struct result *res)
{
	struct text t = { 0 };
	struct rng r = { 42 };

	build(kind, size, &t);
	struct pc_policy *p = load_text(&t, &res->load_ms);
	free(t.buf);
	long rss0 = rss_kib();
	double t0 = now();
	struct pc_index *ix = pc_index_new(p);
	res->compile_ms = (now() - t0) * 1e3;
	if (!ix) {
		perror("bench: pc_index_new");
		exit(1);
	}
	res->rss_kib = rss_kib() - rss0;
	res->bytes = pc_index_memory(ix);
	pc_policy_rules(p, &res->rules);
	struct pc_pkt *pk = packets_for(p, &r, loc);
	size_t lin = size >= 10000 ? 2000 : size >= 1000 ? 20000 : 200000;
	res->mismatches = 0;
	for (size_t i = 0; i < lin && i < N_PACKETS; i++)
		res->mismatches += pc_index_lookup(ix, &pk[i]) != pc_linear_lookup(p, &pk[i]);
	time_index(ix, pk, N_PACKETS, N_PACKETS); /* warm up */
	res->index_ns = time_index(ix, pk, N_PACKETS, 2000000);
	res->linear_ns = time_linear(p, pk, N_PACKETS, lin);
	free(pk);
	pc_index_free(ix);
	pc_policy_free(p);
}

/* -q: only lookups, for callgrind. */
static int quiet_run(const char *kind, size_t size, const char *mode, size_t lookups, bool loc)
{
	struct text t = { 0 };
	struct rng r = { 42 };
	double ms;

	build(kind, size, &t);
	struct pc_policy *p = load_text(&t, &ms);
	free(t.buf);
	struct pc_index *ix = pc_index_new(p);
	struct pc_pkt *pk = packets_for(p, &r, loc);
	if (!strcmp(mode, "index"))
		time_index(ix, pk, N_PACKETS, lookups);
	else if (!strcmp(mode, "linear"))
		time_linear(p, pk, N_PACKETS, lookups);
	free(pk);
	pc_index_free(ix);
	pc_policy_free(p);
	return 0;
}

static void print_row(const char *kind, const struct result *res, bool loc)
{
	printf("%-10s %7zu %9.1f %10.1f %10.1f %11.1f %8.0fx %8.0f %9ld %5zu%s\n", kind, res->rules,
	       res->load_ms, res->compile_ms, res->index_ns, res->linear_ns,
	       res->linear_ns / res->index_ns, (double)res->bytes / (double)res->rules, res->rss_kib,
	       res->mismatches, loc ? "  with locality" : "");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *sizes = "10,100,1000,10000,100000", *kinds = "both", *mode = NULL;
	size_t lookups = 100000;
	bool loc = false;
	int c;

	while ((c = getopt(argc, argv, "s:k:n:m:ql")) != -1) {
		switch (c) {
		case 's': sizes = optarg; break;
		case 'k': kinds = optarg; break;
		case 'n': lookups = strtoul(optarg, NULL, 10); break;
		case 'm': mode = optarg; break;
		case 'q': break;
		case 'l': loc = true; break;
		default:
			fprintf(stderr, "usage: bench_classify [-s SIZES] [-k realistic|classbench|both] "
					"[-m index|linear|none -n LOOKUPS] [-l]\n");
			return 2;
		}
	}
	if (mode)
		return quiet_run(strcmp(kinds, "both") ? kinds : "realistic", strtoul(sizes, NULL, 10),
				 mode, lookups, loc);
	printf("%-10s %7s %9s %10s %10s %11s %9s %8s %9s %5s\n", "kind", "rules", "load ms",
	       "compile ms", "index ns", "linear ns", "speedup", "B/rule", "RSS KiB", "diff");
	const char *all[] = { "realistic", "classbench" };
	for (int k = 0; k < 2; k++) {
		if (strcmp(kinds, "both") && strcmp(kinds, all[k]))
			continue;
		char *copy = strdup(sizes), *save = NULL;
		for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
			for (int l = 0; l <= loc; l++) {
				struct result res;

				measure(all[k], strtoul(s, NULL, 10), l, &res);
				print_row(all[k], &res, l);
			}
		}
		free(copy);
	}
	return 0;
}
