/* notify.h - telling systemd about our state through $NOTIFY_SOCKET */
#ifndef PC_NOTIFY_H
#define PC_NOTIFY_H

#include <stdint.h>

/* Sends state ("READY=1", "STOPPING=1", several lines joined by '\n') as one
 * datagram to $NOTIFY_SOCKET (a path, or "@name" for an abstract socket).
 * Returns 0 (also when NOTIFY_SOCKET is unset: nothing to do), or -1 with errno. */
int pc_notify(const char *state);

/* Like pc_notify with a printf format. */
int pc_notifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The watchdog interval systemd asks for in WATCHDOG_USEC (when WATCHDOG_PID
 * is unset or names this process), in microseconds; 0 when there is none. */
uint64_t pc_notify_watchdog_usec(void);

#endif
