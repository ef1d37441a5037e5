/* vlog.h - the verdict log: one line per logged verdict (vlogline.h),
 * rate-limited by a token bucket that reports what it suppressed, written
 * to a file, stderr or syslog */
#ifndef PC_VLOG_H
#define PC_VLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "settings.h"
#include "vlogline.h"

#define PC_VLOG_IDENT "portcullisd" /* syslog tag */
#define PC_VLOG_RATE_MAX 1000000u   /* higher log-rate values are clamped */

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
