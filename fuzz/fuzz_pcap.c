/* fuzz_pcap.c - libFuzzer target for the capture path: a capture file
 * (pcap or pcapng, any link type) read by tools/pcapread.c, every packet
 * replayed by lib/replay.c against a stateful policy, the records formatted
 * as explain --pcap prints them. Must never crash, leak or read out of
 * bounds, whatever the bytes.
 *
 * Build and run (from the top of the tree; clang with libFuzzer):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Ilib -Itools \
 *       fuzz/fuzz_pcap.c tools/pcapread.c tools/replaycli.c lib/[a-z]*.c \
 *       $(pkg-config --cflags --libs libpcap inih) -o fuzz_pcap
 *   ./fuzz_pcap -max_total_time=60 corpus/
 * A seed corpus: python3 tests/cli/mkpcap.py en10mb corpus/en.pcap (and the
 * other framings).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag.h"
#include "index.h"
#include "pcapread.h"
#include "policy.h"
#include "replay.h"
#include "replaycli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

static void emit(void *arg, const struct pc_replay_conn *c)
{
	char tuple[160], t[32];

	(void)arg;
	pc_capture_tuple(c, tuple, sizeof(tuple));
	pc_capture_time(c->first_us, t, sizeof(t));
	pc_capture_rule(policy, &c->v[0]);
}

static int setup(void)
{
	struct pc_diag *d = pc_diag_new();
	char err[128];

	if (!d)
		return -1;
	policy = pc_policy_load_string(policy_text, "fuzz.conf", d);
	pc_diag_free(d);
	if (!policy || !(ix = pc_index_new(policy)) ||
	    pc_replay_parse_local("198.51.100.2,2001:db8:1::2", &local, &n_local, err,
				  sizeof(err)) < 0)
		return -1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pc_replay_cfg cfg = { .n_policies = 1, .max_flows = 64, .emit = emit };
	char err[PC_PCAPREAD_ERRLEN];
	struct pc_capture_pkt p;
	struct pc_pcapread *rd;
	struct pc_replay *r;
	FILE *f;

	if (!policy && setup() < 0)
		abort();
	cfg.policy[0] = policy;
	cfg.index[0] = ix;
	cfg.local = local;
	cfg.n_local = n_local;
	if (!size || !(f = fmemopen((void *)(uintptr_t)data, size, "rb")))
		return 0;
	if (!(rd = pc_pcapread_fopen(f, "fuzz", err)))
		return 0;
	if ((r = pc_replay_new(&cfg))) {
		while (pc_pcapread_next(rd, &p, err) > 0)
			pc_replay_packet(r, p.ip, p.caplen, p.origlen, p.ts_us);
		pc_replay_finish(r);
		pc_replay_free(r);
	}
	pc_pcapread_close(rd);
	return 0;
}
