/* log.h - the daemon's own messages (not the verdict log: see vlog.h) */
#ifndef PC_LOG_H
#define PC_LOG_H

#include <stdbool.h>

/* Where messages go: stderr (the default until pc_log_open is called) or
 * syslog with facility daemon and the tag ident. Cannot fail. */
void pc_log_open(const char *ident, bool to_stderr);
void pc_log_close(void);

/* Also hands every message written (errno text included) to fn, with its
 * syslog priority; NULL stops it. */
typedef void pc_log_tee(void *arg, int pri, const char *msg);
void pc_log_set_tee(pc_log_tee *fn, void *arg);

void pc_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like pc_log_warnx, followed by ": " and strerror(errno). */
void pc_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pc_log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log like pc_log_warn / pc_log_warnx at error level, then exit(1). */
void pc_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
