/* fuzz_pcap.c - any bytes as a capture file (pcap or pcapng, any link
 * type) through the capture path of explain --pcap and diff: libpcap's
 * reader via tools/pcapread.c, every packet replayed by tools/replay.c
 * against a stateful policy with a 64-record table, each record formatted
 * as explain prints it. Properties: every packet handed over is counted
 * in exactly one record or as cut by the capture; a record is whole (a
 * state, its packets, first time <= last time). */
#include "fuzz.h"

#include "diag.h"
#include "index.h"
#include "pcapread.h"
#include "policy.h"
#include "replay.h"
#include "replaycli.h"

static const char policy_text[] =
	"[portcullis]\ndefault = deny\n\n"
	"[SSH Server]\naction = permit\nprotocol = tcp\ndirection = in\nlocal-port = 22\n\n"
	"[DNS Client]\naction = permit\nprotocol = udp\ndirection = out\nremote-port = 53\n\n"
	"[Ping]\naction = permit\nprotocol = icmp\nicmp-type = echo-request\n\n"
	"[ND]\naction = permit\nprotocol = icmpv6\nicmp-type = 133,134,135,136\n\n"
	"[Deny TCP]\naction = deny\nprotocol = tcp\n";

static struct pc_policy *policy;
static struct pc_index *ix;
static struct pc_prefix *local;
static size_t n_local;
static uint64_t counted;

static void emit(void *arg, const struct pc_replay_conn *c)
{
	char tuple[160], t[32];

	(void)arg;
	FUZZ_CHECK(c->v[0].state >= PC_RSTATE_NEW && c->v[0].state < PC_RSTATE_MAX, "state %u",
		   c->v[0].state);
	FUZZ_CHECK(c->packets > 0, "a record without packets");
	FUZZ_CHECK(c->first_us <= c->last_us, "first %lld after last %lld",
		   (long long)c->first_us, (long long)c->last_us);
	pc_capture_tuple(c, tuple, sizeof(tuple));
	FUZZ_CHECK(strnlen(tuple, sizeof(tuple)) < sizeof(tuple), "tuple not terminated");
	pc_capture_time(c->last_us, t, sizeof(t));
	FUZZ_CHECK(pc_capture_rule(policy, &c->v[0]) != NULL, "no rule text");
	counted += c->packets;
}

static void setup(void)
{
	struct pc_diag *d = pc_diag_new();
	char err[128];

	if (!d)
		abort();
	policy = pc_policy_load_string(policy_text, "fuzz.conf", d);
	pc_diag_free(d);
	if (!policy || !(ix = pc_index_new(policy)) ||
	    pc_replay_parse_local("198.51.100.2,2001:db8:1::2", &local, &n_local, err,
				  sizeof(err)) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pc_replay_cfg cfg = { .n_policies = 1, .max_flows = 64, .emit = emit };
	char err[PC_PCAPREAD_ERRLEN];
	struct pc_replay_stats st;
	struct pc_capture_pkt p;
	struct pc_pcapread *rd;
	struct pc_replay *r;
	uint64_t given = 0;
	FILE *f;

	if (!policy)
		setup();
	cfg.policy[0] = policy;
	cfg.index[0] = ix;
	cfg.local = local;
	cfg.n_local = n_local;
	if (!size || !(f = fmemopen((void *)(uintptr_t)data, size, "rb")))
		return 0;
	if (!(rd = pc_pcapread_fopen(f, "fuzz", err))) {
		FUZZ_CHECK(strnlen(err, sizeof(err)) < sizeof(err) && err[0], "no reason given");
		return 0;
	}
	if (!(r = pc_replay_new(&cfg)))
		abort();
	counted = 0;
	while (pc_pcapread_next(rd, &p, err) > 0) {
		FUZZ_CHECK(p.origlen >= p.caplen, "origlen %zu < caplen %zu", p.origlen, p.caplen);
		pc_replay_packet(r, p.ip, p.caplen, p.origlen, p.ts_us);
		given++;
	}
	pc_replay_finish(r);
	pc_replay_stats(r, &st);
	FUZZ_CHECK(st.packets == given, "%llu packets given, %llu replayed",
		   (unsigned long long)given, (unsigned long long)st.packets);
	FUZZ_CHECK(counted + st.short_capture == given, "%llu packets in records, %llu cut, %llu "
		   "given", (unsigned long long)counted, (unsigned long long)st.short_capture,
		   (unsigned long long)given);
	FUZZ_CHECK(st.peak <= 64, "peak %zu", st.peak);
	pc_replay_free(r);
	pc_pcapread_close(rd);
	return 0;
}
