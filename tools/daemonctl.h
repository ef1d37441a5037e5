/* daemonctl.h - finding the running portcullisd of a policy and asking it
 * for a reload or for fresh numbers, through signals and its status file */
#ifndef PC_DAEMONCTL_H
#define PC_DAEMONCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "status.h"

#define PC_DAEMONCTL_WAIT_MS 10000 /* how long we wait for the daemon's answer */

/* The portcullisd whose pid pid_file holds: the process lives (kill 0) and
 * /proc/PID/comm is "portcullisd". Returns its pid, or 0 with the reason in
 * why and errno: ESRCH when none runs ("no pid file /run/...", "pid 42 is
 * not running", "pid 42 is 'bash', not portcullisd"), EACCES when this user
 * cannot tell ("cannot read the pid file ...: Permission denied"). */
pid_t pc_daemonctl_find(const char *pid_file, char *why, size_t whylen);

/* Sends SIGUSR1 (the daemon writes its status file, and logs nothing) and
 * waits (at most ms) for the status file it writes.
 * Returns 0 with *st read (pc_status_clear it), or -1 with errno:
 * ETIMEDOUT, ESRCH (the daemon exited), or the error of kill(2). */
int pc_daemonctl_refresh(pid_t pid, const char *status_file, struct pc_status *st, int ms);

/* Sends SIGHUP and waits (at most ms) until the status file shows a reload
 * attempt newer than before; st->last_reload_result says how it went.
 * Returns 0 with *st read (pc_status_clear it), or -1 with errno as above. */
int pc_daemonctl_reload(pid_t pid, const char *status_file, struct pc_status *st, int ms);

/* Reads the status file when it was written by pid. Returns 0 with *st
 * read, or -1 with errno (ESRCH: written by another process). */
int pc_daemonctl_status(pid_t pid, const char *status_file, struct pc_status *st);

/* Does the daemon that wrote st serve the policy at path (same file after
 * resolving links)? True when st names no policy or a relative path. */
bool pc_daemonctl_serves(const struct pc_status *st, const char *path);

#endif
