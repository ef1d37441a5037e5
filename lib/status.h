/* status.h - the daemon's status file: counters and per-rule hits, written
 * atomically by portcullisd and read back by `portcullis status`.
 *
 * The file is text, one "key=value" a line, '#' lines are comments; keys
 * unknown to the reader are ignored. Rule lines are "rule=HITS NAME", one
 * per rule of the loaded policy in file order (NAME runs to the end of the
 * line); "queue.NUM.packets=N" lines, one per queue, come before them.
 * docs/daemon.md lists every key. */
#ifndef PC_STATUS_H
#define PC_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rule.h"

#define PC_STATUS_VERSION 1

enum pc_reload_result { PC_RELOAD_NONE = 0, PC_RELOAD_OK, PC_RELOAD_FAILED };

struct pc_status_rule {
	const char *name;
	uint64_t hits;
};

/* One queue's line: "queue.NUM.packets=N", packets its worker decided. */
struct pc_status_queue {
	unsigned num;
	uint64_t packets;
};

struct pc_status {
	unsigned version;
	int64_t pid;
	uint64_t seq;           /* +1 on every write: a reader waits for it to grow */
	int64_t written;        /* unix time of this write */
	int64_t start_time;     /* unix time the daemon started */
	bool running;           /* false in the last write before exit */
	unsigned queue_lo, queue_hi;
	bool fail_open;
	enum pc_action dflt;
	const char *policy;     /* path of the loaded policy */
	uint64_t rules, enabled;
	uint64_t reload_generation; /* +1 per reload attempt, whatever its result */
	uint64_t reloads_ok, reloads_failed;
	int64_t last_reload_time;   /* unix time; 0: no reload yet */
	enum pc_reload_result last_reload_result;
	uint64_t last_reload_ms;    /* its duration: signal to outcome (load and compile) */
	const char *last_reload_message;
	uint64_t packets, permitted, denied, malformed, forwarded, default_hits;
	uint64_t enobufs, queue_dropped, user_dropped, verdict_errors, bad_messages;
	uint64_t log_suppressed;
	/* stateful = yes */
	bool stateful;
	uint64_t connections;     /* new connections decided */
	uint64_t revalidated;     /* live connections judged again */
	uint64_t invalid;         /* packets of no connection: dropped */
	uint64_t untracked;       /* packets conntrack does not track: decided alone */
	uint64_t fast_generation; /* the generation the kernel's fast path accepts (0: none) */
	uint64_t fast_swept;      /* conntrack entries cleared before their generation came round */
	uint64_t fast_sweep_errors; /* sweeps that failed, entries that could not be cleared */
	uint64_t conntrack_count; /* /proc/sys/net/netfilter/nf_conntrack_count (0: unknown) */
	uint64_t conntrack_max;   /* nf_conntrack_max (0: unknown) */
	uint64_t log_write_errors;  /* verdict log lines not written (full disk, ...) */
	struct pc_status_rule *rule;
	size_t n_rule;
	struct pc_status_queue *queue; /* one per queue, in queue order */
	size_t n_queue;
	char *text;             /* private to pc_status_read: owns the strings */
};

/* Writes st to path atomically: a temporary file in the same directory,
 * then rename (not synced: runtime state). Control characters in strings are written as '?'.
 * Returns 0, or -1 with errno (path unchanged). */
int pc_status_write(const char *path, const struct pc_status *st);

/* Reads path into *st (fully overwritten; pc_status_clear frees it).
 * Returns 0, or -1 with errno: ENOENT when there is no file, EINVAL when
 * it is not a status file or has a malformed value, EFBIG when too big. */
int pc_status_read(const char *path, struct pc_status *st);

/* Frees what pc_status_read allocated and zeroes *st. */
void pc_status_clear(struct pc_status *st);

/* "none", "ok", "failed". */
const char *pc_reload_result_name(enum pc_reload_result r);

#endif
