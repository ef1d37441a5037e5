/* run.h - running a helper program (iptables, iptables-restore): no shell,
 * input on its stdin, its stdout captured or thrown away */
#ifndef PC_RUN_H
#define PC_RUN_H

#include <stddef.h>
#include <sys/types.h>

/* Flags of a run: what to throw away of the program's output. */
enum { PC_RUN_NO_STDOUT = 1, PC_RUN_NO_STDERR = 2 };

/* Runs the program argv[0] (looked up in PATH) with argv (NULL-terminated),
 * giving it input on stdin when input is not NULL. When out is not NULL its
 * stdout is read into out (outlen bytes, NUL-terminated, the rest read and
 * dropped); input and out are not both given. Spawned with posix_spawn, so
 * a large or multi-threaded caller is not copied. Returns the program's exit
 * status (0..255), or -1 with errno when it could not be run or died of a
 * signal. */
int pc_run(const char *const *argv, const char *input, int flags, char *out, size_t outlen);

/* Starts the program argv[0] like pc_run, its stdout on a pipe whose read
 * end (close-on-exec) goes into *out, for output that streams (journalctl
 * -f). Returns its pid, or -1 with errno; pc_run_wait reaps it. */
pid_t pc_run_start(const char *const *argv, int flags, int *out);

/* Waits for pid. Returns its exit status (0..255), or -1 with errno (EINTR
 * when it died of a signal). */
int pc_run_wait(pid_t pid);

#endif
