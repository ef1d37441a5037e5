/* log.c - the daemon's own messages, to stderr or syslog */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static bool log_stderr = true;
static pc_log_tee *log_tee;
static void *log_tee_arg;

void pc_log_set_tee(pc_log_tee *fn, void *arg)
{
	log_tee = fn;
	log_tee_arg = arg;
}

void pc_log_open(const char *ident, bool to_stderr)
{
	log_stderr = to_stderr;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void pc_log_close(void)
{
	if (!log_stderr)
		closelog();
	log_stderr = true;
}

/* Writes one message; err is an errno value to append, or 0. */
__attribute__((format(printf, 3, 0)))
static void log_vwrite(int pri, int err, const char *fmt, va_list ap)
{
	char msg[1024];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	if (err)
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(err));
	if (log_stderr) {
		fprintf(stderr, "%s\n", msg);
		fflush(stderr);
	} else {
		syslog(pri, "%s", msg);
	}
	if (log_tee)
		log_tee(log_tee_arg, pri, msg);
}

void pc_log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

void pc_log_warn(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, err, fmt, ap);
	va_end(ap);
	errno = err;
}

void pc_log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, 0, fmt, ap);
	va_end(ap);
}

void pc_fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, err, fmt, ap);
	va_end(ap);
	exit(1);
}
