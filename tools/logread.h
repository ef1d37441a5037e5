/* logread.h - reading verdict log lines back: the text or JSON lines of
 * vlogline.c, bare or after a syslog/journal prefix ("Nov 28 13:00:00 host
 * portcullisd[123]: verdict=..."). */
#ifndef PC_LOGREAD_H
#define PC_LOGREAD_H

#include <stddef.h>
#include <stdint.h>

#include "rule.h"

#define PC_LOGREAD_LINE_MAX 4096  /* longer lines are rejected */
#define PC_LOGREAD_NAME_MAX 1024  /* a decoded rule name, NUL included */
#define PC_LOGREAD_REASON_MAX 32  /* a malformed packet's reason, NUL included */
#define PC_LOGREAD_LEVEL_MAX 16   /* a message's level, NUL included */

enum pc_logrec_kind {
	PC_LOGREC_VERDICT = 1, /* verdict= ... */
	PC_LOGREC_SUPPRESSED,  /* suppressed=N */
	PC_LOGREC_MESSAGE,     /* level= msg=: one of the daemon's own messages */
};

/* pc_logrec.has: what a line carried besides verdict, rule, dir and len */
#define PC_LR_TIME    0x01 /* time: from a time=/ts= key, else from the prefix */
#define PC_LR_PACKET  0x02 /* proto, family, src, dst */
#define PC_LR_PORTS   0x04 /* sport, dport */
#define PC_LR_ICMP    0x08 /* type, code */
#define PC_LR_REASON  0x10 /* a malformed packet: reason, and no packet fields */
#define PC_LR_DEFAULT 0x20 /* rule=-: the default decided (rule holds "-") */

/* One parsed line. A PC_LOGREC_SUPPRESSED record has only suppressed, a
 * PC_LOGREC_MESSAGE record only level and msg; either may have a time. */
struct pc_logrec {
	enum pc_logrec_kind kind;
	unsigned has;
	int64_t time;             /* unix seconds */
	enum pc_action verdict;
	char rule[PC_LOGREAD_NAME_MAX];
	char reason[PC_LOGREAD_REASON_MAX];
	uint8_t dir;              /* PC_DIR_IN, PC_DIR_OUT, or 0 for "fwd" */
	uint8_t proto;
	uint8_t family;           /* PC_FAM_V4 or PC_FAM_V6 */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t type, code;
	uint32_t len;
	uint8_t state;            /* enum pc_vlog_state (vlogline.h): 0, no state= */
	uint64_t suppressed;
	char level[PC_LOGREAD_LEVEL_MAX];
	char msg[PC_LOGREAD_LINE_MAX + 1]; /* last: the parser clears only what precedes it */
};

/* Parses one line of len bytes (no NUL needed; a trailing "\n" or "\r\n" is
 * ignored; nothing past line + len is read). now (unix seconds) places a
 * prefix date without a year ("Nov 28 13:00:00") in the right year.
 * Every key must be known, given once, and valid; the keys a record needs
 * must all be there; no raw control byte but a tab may be anywhere. Returns
 * 0, or -1 with a short reason in err (errlen bytes) and *rec unspecified.
 * ISO times (time=, --since) are timestamp.h's. */
int pc_logread_parse(const char *line, size_t len, int64_t now, struct pc_logrec *rec,
		     char *err, size_t errlen);

#endif
