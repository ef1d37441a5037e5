/* lockout.c - would a policy cut the administrators off? */
#include "lockout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"

#define MAX_LOCAL_SAMPLES 8
#define MAX_PROBES 1000000 /* lookups per family at most */
#define NO_RULE_YET (-2L) /* deny_rule before the first denied sample */

int pc_ssh_session_parse(const char *s, struct pc_ssh_session *out)
{
	char client[64], server[64];
	unsigned cport, sport;
	uint8_t fam2;
	int used = 0;

	memset(out, 0, sizeof(*out));
	if (!s || sscanf(s, "%63s %u %63s %u %n", client, &cport, server, &sport, &used) != 4 ||
	    s[used] || !cport || cport > 65535 || !sport || sport > 65535 ||
	    pc_addr_parse(client, &out->family, out->client) < 0 ||
	    pc_addr_parse(server, &fam2, out->server) < 0 || fam2 != out->family) {
		errno = EINVAL;
		return -1;
	}
	out->cport = (uint16_t)cport;
	out->sport = (uint16_t)sport;
	return 0;
}

bool pc_ssh_session_env(struct pc_ssh_session *out)
{
	return pc_ssh_session_parse(getenv("SSH_CONNECTION"), out) == 0;
}

static void probe_init(struct pc_pkt *pkt, uint8_t family, const uint8_t *remote,
		       const uint8_t *local, uint16_t rport, uint16_t lport)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->family = family;
	pkt->proto = 6;
	pkt->dir = PC_DIR_IN;
	pkt->flags = PC_PKT_PORTS;
	pkt->sport = rport;
	pkt->dport = lport;
	memcpy(pkt->src, remote, 16);
	memcpy(pkt->dst, local, 16);
}

static long lookup(const struct pc_policy *p, const struct pc_index *ix, const struct pc_pkt *pkt)
{
	return ix ? pc_index_lookup(ix, pkt) : pc_linear_lookup(p, pkt);
}

static bool permits(const struct pc_policy *p, long r)
{
	size_t n;
	const struct pc_rule *rules = pc_policy_rules(p, &n);

	return r < 0 ? pc_policy_settings(p)->dflt == PC_PERMIT : rules[r].action == PC_PERMIT;
}

/* Could r match some inbound TCP packet to port? */
static bool relevant(const struct pc_rule *r, uint16_t port)
{
	if (!r->enabled || (r->proto != PC_PROTO_ANY && r->proto != 6) || !(r->dir & PC_DIR_IN))
		return false;
	for (size_t i = 0; i < r->n_lport; i++)
		if (r->lport[i].lo <= port && port <= r->lport[i].hi)
			return true;
	return false;
}

/* Addresses, 16 bytes each, of one family. */
struct addrs {
	uint8_t (*v)[16];
	size_t n, cap;
};

static int addrs_push(struct addrs *a, const uint8_t *addr)
{
	if (a->n == a->cap) {
		size_t c = a->cap ? 2 * a->cap : 64;
		uint8_t (*nv)[16] = realloc(a->v, c * sizeof(*nv));
		if (!nv)
			return -1;
		a->v = nv;
		a->cap = c;
	}
	memcpy(a->v[a->n++], addr, 16);
	return 0;
}

static int addr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

static void addrs_unique(struct addrs *a)
{
	size_t k = 0;

	qsort(a->v, a->n, sizeof(*a->v), addr_cmp);
	for (size_t i = 0; i < a->n; i++)
		if (!k || memcmp(a->v[k - 1], a->v[i], 16))
			memcpy(a->v[k++], a->v[i], 16);
	a->n = k;
}

/* The first address of p, and the one after its last (unless that wraps). */
static int push_bounds(struct addrs *a, const struct pc_prefix *p)
{
	unsigned bits = p->family == PC_FAM_V4 ? 32 : 128;
	uint8_t end[16];
	int i;

	if (addrs_push(a, p->addr) < 0)
		return -1;
	memcpy(end, p->addr, 16);
	for (unsigned b = p->plen; b < bits; b++)
		end[b / 8] |= (uint8_t)(0x80 >> (b % 8));
	for (i = (int)bits / 8 - 1; i >= 0 && ++end[i] == 0; i--)
		;
	return i < 0 ? 0 : addrs_push(a, end);
}

/* The remote addresses (bounds of every remote prefix) and local ones
 * (the start of some local prefixes) worth trying for family fam. */
static int samples(const struct pc_policy *p, uint16_t port, uint8_t fam, struct addrs *rem,
		   struct addrs *loc)
{
	size_t n;
	const struct pc_rule *rules = pc_policy_rules(p, &n);
	static const uint8_t zero[16];

	if (addrs_push(rem, zero) < 0 || addrs_push(loc, zero) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct pc_rule *r = &rules[i];

		if (!relevant(r, port))
			continue;
		for (size_t k = 0; k < r->n_remote; k++)
			if (r->remote[k].family == fam && push_bounds(rem, &r->remote[k]) < 0)
				return -1;
		for (size_t k = 0; k < r->n_local && loc->n < MAX_LOCAL_SAMPLES; k++)
			if (r->local[k].family == fam && addrs_push(loc, r->local[k].addr) < 0)
				return -1;
	}
	addrs_unique(rem);
	addrs_unique(loc);
	return 0;
}

static void note_admitter(struct pc_lockout *lo, bool *seen, long r)
{
	if (r < 0 || seen[r])
		return;
	seen[r] = true;
	if (lo->n_admit < PC_LOCKOUT_NAMED)
		lo->admit[lo->n_admit] = r;
	lo->n_admit++;
}

/* Tries every sample of family fam; local: the session's server address,
 * or NULL for the samples. */
static int try_family(const struct pc_policy *p, const struct pc_index *ix, uint8_t fam,
		      const uint8_t *local, struct pc_lockout *lo, bool *seen)
{
	struct addrs rem = { 0 }, loc = { 0 };
	struct pc_pkt pkt;
	int rc = -1;

	if (samples(p, lo->port, fam, &rem, &loc) < 0)
		goto out;
	if (local) {
		memcpy(loc.v[0], local, 16);
		loc.n = 1;
	}
	/* bounded: a policy at the entry budget must not take seconds here */
	if (loc.n * rem.n > MAX_PROBES)
		loc.n = 1;
	size_t step = rem.n > MAX_PROBES ? rem.n / MAX_PROBES + 1 : 1;
	for (size_t l = 0; l < loc.n; l++)
		for (size_t r = 0; r < rem.n; r += step) {
			probe_init(&pkt, fam, rem.v[r], loc.v[l], PC_SSH_SPORT, lo->port);
			long k = lookup(p, ix, &pkt);
			if (permits(p, k)) {
				lo->admitted = true;
				note_admitter(lo, seen, k);
			} else if (lo->deny_rule == NO_RULE_YET) {
				lo->deny_rule = k;
			}
		}
	rc = 0;
out:
	free(rem.v);
	free(loc.v);
	return rc;
}

/* Sorts the named admitters into file order. */
static void sort_admitters(struct pc_lockout *lo)
{
	size_t n = lo->n_admit < PC_LOCKOUT_NAMED ? lo->n_admit : PC_LOCKOUT_NAMED;

	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && lo->admit[j] < lo->admit[j - 1]; j--) {
			long t = lo->admit[j];
			lo->admit[j] = lo->admit[j - 1];
			lo->admit[j - 1] = t;
		}
}

int pc_lockout_analyse(const struct pc_policy *p, const struct pc_index *ix,
		       const struct pc_ssh_session *sess, struct pc_lockout *lo)
{
	const struct pc_settings *s = pc_policy_settings(p);
	size_t n;
	bool *seen;
	int rc = 0;

	pc_policy_rules(p, &n);
	memset(lo, 0, sizeof(*lo));
	lo->port = sess ? sess->sport : s->ssh_port ? (uint16_t)s->ssh_port : PC_SSH_PORT;
	lo->from = sess ? PC_SSHP_SESSION : s->ssh_port ? PC_SSHP_SETTING : PC_SSHP_DEFAULT;
	lo->empty = pc_policy_enabled(p) == 0 && s->dflt == PC_DENY;
	lo->deny_rule = NO_RULE_YET;
	if (sess) {
		struct pc_pkt pkt;

		probe_init(&pkt, sess->family, sess->client, sess->server, sess->cport, sess->sport);
		lo->session = true;
		lo->session_rule = lookup(p, ix, &pkt);
		lo->session_admitted = permits(p, lo->session_rule);
	}
	if (!(seen = calloc(n ? n : 1, sizeof(*seen))))
		return -1;
	if (try_family(p, ix, PC_FAM_V4, sess && sess->family == PC_FAM_V4 ? sess->server : NULL,
		       lo, seen) < 0 ||
	    try_family(p, ix, PC_FAM_V6, sess && sess->family == PC_FAM_V6 ? sess->server : NULL,
		       lo, seen) < 0)
		rc = -1;
	sort_admitters(lo);
	if (lo->deny_rule == NO_RULE_YET)
		lo->deny_rule = -1;
	free(seen);
	return rc;
}

const char *pc_lockout_port(const struct pc_lockout *lo, char *buf, size_t len)
{
	static const char *const from[] = { "", ", ssh-port", ", from SSH_CONNECTION" };

	snprintf(buf, len, "SSH (tcp port %u%s)", lo->port, from[lo->from]);
	return buf;
}

const char *pc_lockout_admitters(const struct pc_policy *p, const struct pc_lockout *lo,
				 char *buf, size_t len)
{
	size_t n, shown = lo->n_admit < PC_LOCKOUT_NAMED ? lo->n_admit : PC_LOCKOUT_NAMED;
	const struct pc_rule *rules = pc_policy_rules(p, &n);
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < shown && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s'%s'", i ? ", " : "",
				       rules[lo->admit[i]].name);
	if (lo->n_admit > shown && at < len)
		snprintf(buf + at, len - at, " and %zu more", lo->n_admit - shown);
	if (!lo->n_admit)
		snprintf(buf, len, "the default (permit)");
	return buf;
}

const char *pc_lockout_rule(const struct pc_policy *p, long r, char *buf, size_t len)
{
	size_t n;
	const struct pc_rule *rules = pc_policy_rules(p, &n);

	if (r < 0)
		snprintf(buf, len, "the default");
	else
		snprintf(buf, len, "'%s'", rules[r].name);
	return buf;
}

int pc_lockout_diag(const struct pc_policy *p, const struct pc_index *ix,
		    const struct pc_ssh_session *sess, bool strict, struct pc_diag *diag)
{
	const char *file = pc_policy_path(p) ? pc_policy_path(p) : "policy";
	struct pc_lockout lo;
	char port[64], who[64], rule[256];

	if (pc_lockout_analyse(p, ix, sess, &lo) < 0)
		return -1;
	pc_lockout_port(&lo, port, sizeof(port));
	if (lo.empty) {
		bool error = strict && !pc_policy_settings(p)->allow_empty;
		pc_diag_add(diag, error ? PC_DIAG_ERROR : PC_DIAG_WARNING, file, 0,
			    "no rule is enabled and default = deny: every packet is dropped%s",
			    error ? " (allow-empty = yes if that is meant)" : "");
		return 0;
	}
	if (lo.session && !lo.session_admitted) {
		pc_addr_format(sess->family, sess->client, who, sizeof(who));
		pc_diag_add(diag, PC_DIAG_WARNING, file, 0, "%s: the SSH session this runs in, from "
			    "%s port %u, is denied by %s", port, who, sess->cport,
			    pc_lockout_rule(p, lo.session_rule, rule, sizeof(rule)));
	} else if (!lo.admitted) {
		pc_diag_add(diag, PC_DIAG_WARNING, file, 0, "%s: no enabled rule admits it from any "
			    "address (%s denies it): remote administrators are locked out", port,
			    pc_lockout_rule(p, lo.deny_rule, rule, sizeof(rule)));
	}
	return 0;
}

/* The value of key= among the words, the first one from start. */
static const char *field(char **w, int n, int start, const char *key)
{
	size_t klen = strlen(key);

	for (int i = start; i < n; i++)
		if (!strncmp(w[i], key, klen) && w[i][klen] == '=')
			return w[i] + klen + 1;
	return NULL;
}

/* One conntrack line into an inbound packet. Returns 1, or 0 when it is
 * not an established TCP connection to port. */
static int conn_line(char *line, uint16_t port, struct pc_pkt *pkt)
{
	char *w[48], *save = NULL;
	int n = 0;
	const char *src, *dst, *sp, *dp;
	uint8_t f1, f2, saddr[16], daddr[16];
	unsigned long a, b;

	for (char *t = strtok_r(line, " \t\n", &save); t && n < 48;
	     t = strtok_r(NULL, " \t\n", &save))
		w[n++] = t;
	if (n < 6 || strcmp(w[2], "tcp") || strcmp(w[5], "ESTABLISHED"))
		return 0;
	src = field(w, n, 6, "src");
	dst = field(w, n, 6, "dst");
	sp = field(w, n, 6, "sport");
	dp = field(w, n, 6, "dport");
	if (!src || !dst || !sp || !dp || sscanf(sp, "%lu", &a) != 1 || sscanf(dp, "%lu", &b) != 1 ||
	    b != port || a > 65535 || pc_addr_parse(src, &f1, saddr) < 0 ||
	    pc_addr_parse(dst, &f2, daddr) < 0 || f1 != f2)
		return 0;
	probe_init(pkt, f1, saddr, daddr, (uint16_t)a, (uint16_t)b);
	return 1;
}

int pc_lockout_live(FILE *f, uint16_t port, int (*fn)(void *ctx, const struct pc_pkt *pkt),
		    void *ctx)
{
	char *line = NULL;
	size_t cap = 0;
	struct pc_pkt pkt;
	int rc = 0;

	while (getline(&line, &cap, f) >= 0) {
		if (!conn_line(line, port, &pkt))
			continue;
		if (fn(ctx, &pkt))
			break;
	}
	if (ferror(f))
		rc = -1;
	free(line);
	return rc;
}
