/* replaycli.h - what explain --pcap and diff share: the options that name
 * a capture, running it through a replay, and writing a replay's records */
#ifndef PC_REPLAYCLI_H
#define PC_REPLAYCLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "replay.h"

/* --pcap FILE --local ADDR[/LEN][,...] [--flows N] */
struct pc_capture_opts {
	const char *pcap;
	const char *local_arg;
	struct pc_prefix *local; /* parsed from local_arg by pc_capture_check */
	size_t n_local;
	size_t flows;            /* 0: the default */
};

/* Parses --flows. Returns 0, or -1 with a message in err (errlen bytes). */
int pc_capture_flows(const char *arg, size_t *flows, char *err, size_t errlen);

/* Checks the options (a capture needs --local, --local needs a capture) and
 * parses --local. Returns 0, or -1 with a message in err (errlen bytes). */
int pc_capture_check(struct pc_capture_opts *o, char *err, size_t errlen);

/* What reading a capture met, for the report. */
struct pc_capture_result {
	uint64_t frames, ip, non_ip;
	struct pc_replay_stats replay;
	bool incomplete; /* the file could not be read to its end, or packets were not decided */
};

/* Runs every IP packet of the capture at path through r, then
 * pc_replay_finish. Problems go to stderr as "portcullis CMD: FILE: ..."
 * (the file cannot be opened, a truncated or corrupt file, frames or
 * packets the capture cut short, a full flow table). Returns 0, or -1 when
 * the file could not be opened (nothing replayed). */
int pc_capture_run(const char *cmd, const char *path, struct pc_replay *r,
		   struct pc_capture_result *res);

/* "DIR PROTO SRC DST [SPORT DPORT | TYPE CODE | frag]", as explain reads
 * packets ("-" for the direction of a packet that is not the host's);
 * "(malformed: REASON)" for a malformed record. Returns buf. */
const char *pc_capture_tuple(const struct pc_replay_conn *c, char *buf, size_t len);

/* "2026-12-07T21:00:00.123456Z". Returns buf (32 bytes suffice). */
const char *pc_capture_time(int64_t us, char *buf, size_t len);

/* The verdict and rule columns of policy p's answer v: "permit", "SSH Server";
 * "-" for the default; "(invalid)", "(malformed)"; "none", "(not local)". */
const char *pc_capture_verdict(const struct pc_replay_verdict *v);
const char *pc_capture_rule(const struct pc_policy *p, const struct pc_replay_verdict *v);

/* The remote address of a record (its source when it came in). Returns buf. */
const char *pc_capture_remote(const struct pc_replay_conn *c, char *buf, size_t len);

#endif
