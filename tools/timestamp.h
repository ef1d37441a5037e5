/* timestamp.h - the times log lines and the log command carry: ISO 8601,
 * syslog's "Nov 28 13:00:00" and unix seconds. No NUL terminator is needed
 * and nothing past s + len is read. */
#ifndef PC_TIMESTAMP_H
#define PC_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>

/* Parses an ISO 8601 time of exactly len bytes:
 * YYYY-MM-DD[(T|space)hh:mm[:ss[(.|,)fraction]][Z|(+|-)hh[[:]mm]]],
 * local time when it has no zone. Returns 0 with *out in unix seconds
 * (the fraction dropped), or -1 when s is not such a time. */
int pc_timestamp_iso(const char *s, size_t len, int64_t *out);

/* Parses the syslog time s starts with, "Nov 28 13:00:00[.fraction]" (the
 * day perhaps space-padded) followed by a space or the end: local time, in
 * the year that puts it at most a week after now (unix seconds). Returns 0
 * with *out in unix seconds, or -1. */
int pc_timestamp_syslog(const char *s, size_t len, int64_t now, int64_t *out);

/* Parses the unix seconds s starts with, "1732798800[.123456]" (up to 12
 * digits, journalctl -o short-unix) followed by a space or the end.
 * Returns 0 with *out, or -1. */
int pc_timestamp_unix(const char *s, size_t len, int64_t *out);

#endif
