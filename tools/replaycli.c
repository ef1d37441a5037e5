/* replaycli.c - captures through a replay, and a replay's records as text */
#include "replaycli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcapread.h"
#include "values.h"

int pc_capture_flows(const char *arg, size_t *flows, char *err, size_t errlen)
{
	unsigned long n;

	if (pc_parse_uint(arg, PC_REPLAY_FLOWS_MAX, &n, err, errlen) < 0)
		return -1;
	if (n < PC_REPLAY_FLOWS_MIN) {
		snprintf(err, errlen, "%lu is below the least, %d", n, PC_REPLAY_FLOWS_MIN);
		return -1;
	}
	*flows = n;
	return 0;
}

int pc_capture_check(struct pc_capture_opts *o, char *err, size_t errlen)
{
	char why[160];

	if (o->pcap && !o->local_arg) {
		snprintf(err, errlen, "--pcap needs --local ADDR[/LEN][,...]: the guarded host's "
			 "addresses, which tell in from out");
		return -1;
	}
	if (!o->pcap && (o->local_arg || o->flows)) {
		snprintf(err, errlen, "%s goes with --pcap FILE",
			 o->local_arg ? "--local" : "--flows");
		return -1;
	}
	if (o->local_arg && pc_replay_parse_local(o->local_arg, &o->local, &o->n_local, why,
						  sizeof(why)) < 0) {
		snprintf(err, errlen, "--local: %s", why);
		return -1;
	}
	return 0;
}

/* Says, once, which packet was the first one the capture cut short. */
static void short_capture(const char *cmd, const char *name, const struct pc_capture_pkt *p,
			  int snaplen)
{
	fprintf(stderr, "portcullis %s: %s: packet %" PRIu64 ": only %zu of its %zu bytes were "
		"captured, fewer than its headers need (snap length %d): it is not decided; "
		"capture with -s 0\n", cmd, name, p->number, p->caplen, p->origlen, snaplen);
}

static void report(const char *cmd, const char *name, const struct pc_pcapread_stats *ps,
		   struct pc_capture_result *res)
{
	const struct pc_replay_stats *rs = &res->replay;

	if (ps->short_link) {
		fprintf(stderr, "portcullis %s: %s: %" PRIu64 " frame%s shorter than the "
			"link-layer header, not decided (first: packet %" PRIu64 ")\n", cmd, name,
			ps->short_link, ps->short_link == 1 ? "" : "s", ps->first_short);
		res->incomplete = true;
	}
	if (rs->short_capture) {
		fprintf(stderr, "portcullis %s: %s: %" PRIu64 " packet%s not decided: the capture "
			"cut their headers\n", cmd, name, rs->short_capture,
			rs->short_capture == 1 ? "" : "s");
		res->incomplete = true;
	}
	if (rs->evicted) {
		fprintf(stderr, "portcullis %s: %s: the flow table (%zu records) was full: %" PRIu64
			" connection%s forgotten before their timeout, their later packets judged "
			"as new (--flows raises it)\n", cmd, name, rs->max_flows, rs->evicted,
			rs->evicted == 1 ? " was" : "s were");
		res->incomplete = true;
	}
}

int pc_capture_run(const char *cmd, const char *path, struct pc_replay *r,
		   struct pc_capture_result *res)
{
	char err[PC_PCAPREAD_ERRLEN];
	struct pc_pcapread *pr = pc_pcapread_open(path, err);
	struct pc_pcapread_stats ps;
	struct pc_capture_pkt p;
	bool said_short = false;
	int rc;

	memset(res, 0, sizeof(*res));
	if (!pr) {
		fprintf(stderr, "portcullis %s: %s\n", cmd, err);
		return -1;
	}
	while ((rc = pc_pcapread_next(pr, &p, err)) > 0) {
		res->ip++;
		if (pc_replay_packet(r, p.ip, p.caplen, p.origlen, p.ts_us) == PC_REPLAY_SHORT &&
		    !said_short) {
			short_capture(cmd, strcmp(path, "-") ? path : "stdin", &p,
				      pc_pcapread_snaplen(pr));
			said_short = true;
		}
	}
	if (rc < 0) {
		fprintf(stderr, "portcullis %s: %s (the packets before it are replayed)\n", cmd,
			err);
		res->incomplete = true;
	}
	pc_replay_finish(r);
	pc_pcapread_stats(pr, &ps);
	pc_replay_stats(r, &res->replay);
	res->frames = ps.frames;
	res->non_ip = ps.non_ip;
	report(cmd, strcmp(path, "-") ? path : "stdin", &ps, res);
	pc_pcapread_close(pr);
	return 0;
}

const char *pc_capture_tuple(const struct pc_replay_conn *c, char *buf, size_t len)
{
	const struct pc_pkt *k = &c->key;
	char src[PC_ADDR_STRLEN], dst[PC_ADDR_STRLEN], proto[8];
	const char *dir = k->dir == PC_DIR_IN ? "in" : k->dir == PC_DIR_OUT ? "out" : "-";
	int n;

	if (c->v[0].state == PC_RSTATE_MALFORMED) {
		snprintf(buf, len, "(malformed: %s)", pc_packet_reason(c->reason));
		return buf;
	}
	n = snprintf(buf, len, "%s %s %s %s", dir, pc_proto_name(k->proto, proto, sizeof(proto)),
		     pc_addr_format(k->family, k->src, src, sizeof(src)),
		     pc_addr_format(k->family, k->dst, dst, sizeof(dst)));
	if (n < 0 || (size_t)n >= len)
		return buf;
	if (k->flags & PC_PKT_FRAG)
		snprintf(buf + n, len - (size_t)n, " frag");
	else if (k->flags & PC_PKT_PORTS)
		snprintf(buf + n, len - (size_t)n, " %u %u", k->sport, k->dport);
	else if (k->flags & PC_PKT_ICMP)
		snprintf(buf + n, len - (size_t)n, " %u %u", k->icmp_type, k->icmp_code);
	return buf;
}

const char *pc_capture_time(int64_t us, char *buf, size_t len)
{
	time_t s = (time_t)(us / 1000000);
	long frac = (long)(us % 1000000);
	struct tm tm;

	if (frac < 0) {
		frac += 1000000;
		s--;
	}
	if (!gmtime_r(&s, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(buf, len, "?");
		return buf;
	}
	snprintf(buf + strlen(buf), len - strlen(buf), ".%06ldZ", frac);
	return buf;
}

const char *pc_capture_verdict(const struct pc_replay_verdict *v)
{
	if (v->state == PC_RSTATE_FOREIGN)
		return "none";
	return v->verdict == PC_PERMIT ? "permit" : "deny";
}

const char *pc_capture_rule(const struct pc_policy *p, const struct pc_replay_verdict *v)
{
	size_t n;
	const struct pc_rule *rules = pc_policy_rules(p, &n);

	switch (v->state) {
	case PC_RSTATE_INVALID:
		return "(invalid)";
	case PC_RSTATE_MALFORMED:
		return "(malformed)";
	case PC_RSTATE_FOREIGN:
		return "(not local)";
	}
	return v->rule >= 0 && (size_t)v->rule < n ? rules[v->rule].name : "-";
}

const char *pc_capture_remote(const struct pc_replay_conn *c, char *buf, size_t len)
{
	const struct pc_pkt *k = &c->key;

	return pc_addr_format(k->family, k->dir == PC_DIR_OUT ? k->dst : k->src, buf, len);
}
