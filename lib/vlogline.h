/* vlogline.h - the verdict log's line, as the daemon writes it and
 * `portcullis log` reads it back: the keys in their order, text
 * (key=value) or JSON, escapes, the length limit */
#ifndef PC_VLOGLINE_H
#define PC_VLOGLINE_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"
#include "rule.h"
#include "settings.h"
#include "strbuf.h"

#define PC_VLOG_LINE_MAX 2048       /* longest line written, newline included */

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

/* The same lines put into b, after a leading time= key when time is not
 * NULL; a message line has level= and msg= keys. Each returns
 * pc_strbuf_finish(b). */
size_t pc_vlog_put_rec(struct pc_strbuf *b, enum pc_log_format fmt, const char *time,
		       const struct pc_vlog_rec *rec);
size_t pc_vlog_put_suppressed(struct pc_strbuf *b, enum pc_log_format fmt, const char *time,
			      uint64_t n);
size_t pc_vlog_put_message(struct pc_strbuf *b, enum pc_log_format fmt, const char *time,
			   const char *level, const char *msg);

#endif
