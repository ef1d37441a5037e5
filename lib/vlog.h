/* vlog.h - the verdict log: one line per logged verdict, text or JSON,
 * rate-limited by a token bucket that reports what it suppressed */
#ifndef PC_VLOG_H
#define PC_VLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"
#include "rule.h"

#define PC_VLOG_IDENT "portcullisd" /* syslog tag */
#define PC_VLOG_LINE_MAX 2048       /* longest line written, newline included */
#define PC_VLOG_RATE_MAX 1000000u   /* higher log-rate values are clamped */

/* What a verdict decided under stateful = yes (the state= key). */
enum pc_vlog_state {
	PC_VSTATE_NONE = 0,    /* stateful = no: no state= key */
	PC_VSTATE_NEW,         /* a new connection */
	PC_VSTATE_REVALIDATED, /* a live connection judged again after a reload */
	PC_VSTATE_INVALID,     /* a packet of no connection conntrack accepts */
	PC_VSTATE_UNTRACKED,   /* a packet conntrack does not track, decided alone */
	PC_VSTATE_MAX
};

/* "new", "revalidated", ...; NULL for PC_VSTATE_NONE. */
const char *pc_vlog_state_name(enum pc_vlog_state s);

/* One verdict to log. */
struct pc_vlog_rec {
	enum pc_action verdict;
	const char *rule;         /* deciding rule's name; NULL when the default decided */
	const char *reason;       /* non-NULL: the packet is malformed, pkt is unused */
	uint8_t dir;              /* PC_DIR_IN, PC_DIR_OUT, or 0: neither (forwarded) */
	uint32_t len;             /* packet length, used when the packet is malformed */
	const struct pc_pkt *pkt; /* the parsed packet when reason is NULL */
	enum pc_vlog_state state;
};

/* Formats rec as one line without newline into buf (len bytes, always
 * NUL-terminated when len > 0, cut short when too small). Returns the
 * length of the whole line, like snprintf (>= len means it was cut). */
size_t pc_vlog_format(char *buf, size_t len, enum pc_log_format fmt,
		      const struct pc_vlog_rec *rec);

/* Formats the line that reports n suppressed lines; as pc_vlog_format. */
size_t pc_vlog_format_suppressed(char *buf, size_t len, enum pc_log_format fmt, uint64_t n);

/* Receives each finished line (no newline) instead of the target. */
typedef void pc_vlog_sink(void *arg, const char *line, size_t len);

struct pc_vlog_cfg {
	enum pc_log_target target;
	const char *file;       /* PC_LOGT_FILE: the path */
	enum pc_log_format format;
	unsigned rate;          /* lines per second; 0: every line is suppressed */
	pc_vlog_sink *sink;     /* when set, replaces target (tests, benchmarks) */
	void *sink_arg;
};

struct pc_vlog;

/* Opens the target (a file is opened for append, created 0640).
 * Returns NULL with errno set. */
struct pc_vlog *pc_vlog_new(const struct pc_vlog_cfg *cfg);
/* Writes any pending suppressed=N line, then closes. */
void pc_vlog_free(struct pc_vlog *vl);

/* True when cfg would give the same log as vl's (a reload may keep vl). */
bool pc_vlog_same(const struct pc_vlog *vl, const struct pc_vlog_cfg *cfg);

/* Reopens a file target (after logrotate moved it); other targets: no-op.
 * Returns 0, or -1 with errno and the old file kept. */
int pc_vlog_reopen(struct pc_vlog *vl);

/* Takes a token for one line at monotonic time now_ns. Returns true when
 * the line may be written; false when it is suppressed (and counted).
 * Call it before formatting anything. Never allocates, never blocks. */
bool pc_vlog_admit(struct pc_vlog *vl, uint64_t now_ns);

/* Formats and writes one admitted line. */
void pc_vlog_write(struct pc_vlog *vl, const struct pc_vlog_rec *rec);

/* Writes one of the daemon's own messages (level "info", "warning", ...)
 * as a level= msg= line, not rate-limited, when the target is a file (or a
 * sink); to syslog and stderr the daemon's log writes them itself. */
void pc_vlog_message(struct pc_vlog *vl, const char *level, const char *msg);

/* Writes the suppressed=N line when one is due at now_ns. */
void pc_vlog_tick(struct pc_vlog *vl, uint64_t now_ns);

/* Monotonic time (ns) at which pc_vlog_tick has work, or UINT64_MAX. */
uint64_t pc_vlog_deadline(const struct pc_vlog *vl);

/* Lines suppressed since the log was opened. */
uint64_t pc_vlog_suppressed_total(const struct pc_vlog *vl);
/* Lines that could not be written whole (target error, full disk). A line
 * is written whole or not at all: a short write is cut back to the line
 * boundary. */
uint64_t pc_vlog_write_errors(const struct pc_vlog *vl);

#endif
