/* startup.h - portcullisd's start and its end, in the order main.c calls
 * them: open, start, serve, (the loop), shut down, free */
#ifndef PC_STARTUP_H
#define PC_STARTUP_H

#include "daemon.h"

/* path as an absolute path: its directory resolved (realpath), its file
 * name kept as given, so that a symlinked policy is still named by the
 * link the daemon reloads from. Returns it (the caller frees it), or NULL
 * with errno (the directory does not resolve). */
char *pc_absolute_path(const char *path);

/* Creates the directories above path (mode 0755) that are missing; what
 * cannot be made is left for the write of the file itself to report. */
void pc_make_parents(const char *path);

/* What the start needs before the policy: the policy's absolute path (for
 * the status file), the signalfd, the loader's eventfd, the chores thread.
 * d holds the options, sigfd and loader.efd -1. Returns 0, or -1 with
 * errno. */
int pc_daemon_open(struct pc_daemon *d);

/* Loads the policy, opens the verdict log, binds every queue, starts the
 * workers; then the daemon's messages go to syslog (stderr with -f).
 * Returns 0, or -1 with what went wrong said on stderr. */
int pc_daemon_start(struct pc_daemon *d);

/* Says the daemon serves: pid file, status file, READY=1. Returns 0, or -1
 * when the pid file cannot be written: status and enable/disable find the
 * daemon by it, so it does not run without one. */
int pc_daemon_serve(struct pc_daemon *d);

/* After a pc_daemon_start that succeeded: STOPPING=1, the workers stopped
 * and the queues drained, the last status and metrics files, the pid file
 * removed (when it still names us), the totals logged. */
void pc_daemon_shut_down(struct pc_daemon *d);

/* Frees what pc_daemon_open and pc_daemon_start made, also after either
 * failed. */
void pc_daemon_free(struct pc_daemon *d);

#endif
