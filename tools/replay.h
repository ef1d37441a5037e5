/* replay.h - deciding the packets of a capture as portcullisd would have:
 * with stateful = yes, connections tracked by their tuple with the kernel's
 * default conntrack timeouts, in a table sized once (a capture of any size
 * replays in constant memory). The packets come from the caller (no
 * capture format here); what the replay decided comes back one record at a
 * time, when its connection ends. */
#ifndef PC_REPLAY_H
#define PC_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "index.h"
#include "packet.h"
#include "policy.h"

#define PC_REPLAY_POLICIES 2         /* a replay decides for one policy, or two (diff) */
#define PC_REPLAY_FLOWS_DEFAULT 131072 /* records the table holds at once */
#define PC_REPLAY_FLOWS_MIN 16
#define PC_REPLAY_FLOWS_MAX (1u << 26)
#define PC_REPLAY_NORULE (-2)        /* no rule and no default decided (invalid, ...) */

/* What a record is, for one policy. */
enum pc_replay_state {
	PC_RSTATE_NEW = 1,   /* a connection, decided by its first packet (stateful = yes) */
	PC_RSTATE_PACKET,    /* packets decided one by one (stateful = no) */
	PC_RSTATE_UNTRACKED, /* ICMP that conntrack never tracks: decided alone */
	PC_RSTATE_FRAGMENT,  /* non-first fragments: decided alone, without ports */
	PC_RSTATE_INVALID,   /* no connection conntrack accepts: dropped */
	PC_RSTATE_MALFORMED, /* the parser refused them: dropped */
	PC_RSTATE_FOREIGN,   /* neither to nor from a local address: not the host's */
	PC_RSTATE_MAX
};

/* "new", "packet", "untracked", "fragment", "invalid", "malformed", "not-local". */
const char *pc_replay_state_name(enum pc_replay_state s);

/* One policy's answer for a record. */
struct pc_replay_verdict {
	enum pc_action verdict;   /* PC_DENY for invalid and malformed; unused for foreign */
	long rule;                /* the deciding rule's index, -1 the default, PC_REPLAY_NORULE */
	uint8_t state;            /* enum pc_replay_state */
	bool by_reply;            /* stateful = no: the first reply packet denied what the first
				     packet was permitted */
};

/* A connection (or, for packets not tracked, the packets of one tuple and
 * one kind in a row) as the replay saw it. */
struct pc_replay_conn {
	struct pc_pkt key;        /* its first packet: dir, proto, addresses, ports or ICMP
				     type and code, PC_PKT_FRAG; nothing for a malformed one */
	uint16_t icmp_id;         /* an ICMP query's identifier */
	int reason;               /* malformed: the pc_packet_parse status */
	int64_t first_us, last_us; /* capture times of its first and last packets */
	uint64_t packets, bytes;  /* both ways; bytes of the IP packets (their original length) */
	struct pc_replay_verdict v[PC_REPLAY_POLICIES];
};

/* Receives each finished record. */
typedef void pc_replay_emit_fn(void *arg, const struct pc_replay_conn *c);

struct pc_replay_cfg {
	const struct pc_policy *policy[PC_REPLAY_POLICIES];
	const struct pc_index *index[PC_REPLAY_POLICIES]; /* compiled from policy[i] */
	size_t n_policies;        /* 1 or 2 */
	/* the guarded host's addresses: a packet to one is in, from one out;
	 * from elsewhere to 255.255.255.255, 224.0.0.1, ff02::1 or the
	 * solicited-node group of a local IPv6 address is in too */
	const struct pc_prefix *local;
	size_t n_local;
	size_t max_flows;         /* 0: PC_REPLAY_FLOWS_DEFAULT */
	/* false: track what the daemon would (a denied connection leaves no
	 * state: its later packets meet the rules again, as new or invalid).
	 * true: track every connection of the capture as its host did, and
	 * decide each by its first packet under every policy (diff). */
	bool capture_conns;
	pc_replay_emit_fn *emit;
	void *arg;
};

struct pc_replay_stats {
	uint64_t packets;         /* given to pc_replay_packet */
	uint64_t short_capture;   /* not decided: the capture cut a header (PC_REPLAY_SHORT) */
	uint64_t records;         /* emitted */
	uint64_t evicted;         /* tracked connections forgotten early: the table was full */
	size_t max_flows, peak;   /* the table's size, the most records it held at once */
};

struct pc_replay;

/* A replay of cfg (copied; the policies, indexes and local addresses must
 * outlive it). Allocates everything it will use. Returns NULL with errno
 * (EINVAL: n_policies not 1 or 2, no emit, max_flows out of range). */
struct pc_replay *pc_replay_new(const struct pc_replay_cfg *cfg);
void pc_replay_free(struct pc_replay *r);

enum pc_replay_result {
	PC_REPLAY_OK = 0,
	PC_REPLAY_SHORT, /* caplen < the packet's length cut a header the parser needs */
};

/* Decides one packet: caplen bytes at data, starting with the IP header, of
 * a packet origlen bytes long, captured at ts_us (microseconds; times that
 * go back are taken as the latest time seen). Records whose connections
 * timed out by then are emitted first. Allocates nothing.
 * Returns an enum pc_replay_result. */
int pc_replay_packet(struct pc_replay *r, const uint8_t *data, size_t caplen, size_t origlen,
		     int64_t ts_us);

/* Emits every record still held, by their first packets' times, and
 * empties the table. */
void pc_replay_finish(struct pc_replay *r);

void pc_replay_stats(const struct pc_replay *r, struct pc_replay_stats *st);

/* The local addresses of "ADDR[/LEN][,ADDR[/LEN]...]" into *v (malloc'd).
 * Returns 0, or -1 with a message in err. */
int pc_replay_parse_local(const char *s, struct pc_prefix **v, size_t *n, char *err,
			  size_t errlen);

#endif
