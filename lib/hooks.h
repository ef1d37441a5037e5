/* hooks.h - the NFQUEUE hook rules: dedicated chains in iptables and ip6tables
 *
 * Both families get the same two chains in the filter table, jumped to from
 * the first position of INPUT and OUTPUT. They send every packet except
 * loopback's to the queue(s) of the policy. The chains are (re)filled in one
 * iptables-restore transaction, so re-running "up" never leaves a moment
 * where packets pass unqueued; no other rule of the host is touched.
 *
 * The commands are run through a caller-supplied runner, so the sequence
 * can be tested without root (tools/cmd_hooks.c runs the real programs). */
#ifndef PC_HOOKS_H
#define PC_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

#define PC_HOOK_CHAIN_IN "PORTCULLIS-IN"
#define PC_HOOK_CHAIN_OUT "PORTCULLIS-OUT"

struct pc_hooks_conf {
	unsigned queue_lo; /* one queue when equal, else --queue-balance lo:hi */
	unsigned queue_hi;
	bool fail_open;    /* --queue-bypass: pass packets while no daemon listens */
	bool cpu_fanout;   /* --queue-cpu-fanout (only with a range of queues) */
};

/* Flags of a run: what to throw away of the program's output. */
enum { PC_RUN_NO_STDOUT = 1, PC_RUN_NO_STDERR = 2 };

/* Runs the program argv[0] with argv (NULL-terminated, no shell), giving it
 * input on stdin when input is not NULL. Returns its exit status (0..255),
 * or -1 with errno when it could not be run or died of a signal. */
typedef int (*pc_hooks_run_fn)(void *ctx, const char *const *argv, const char *input,
			       int flags);

struct pc_hooks_runner {
	pc_hooks_run_fn run;
	void *ctx;
};

/* Writes the iptables-restore --noflush input that creates or refills both
 * chains (the same text serves IPv4 and IPv6). Returns 0, or -1 with errno
 * (EINVAL for a bad queue range, ENOSPC when len is too small). */
int pc_hooks_restore_text(const struct pc_hooks_conf *c, char *buf, size_t len);

/* Installs or updates the chains and their jumps in both families; idempotent.
 * Stops at the first failure. Returns 0, or -1 with a message in err. */
int pc_hooks_up(const struct pc_hooks_conf *c, const struct pc_hooks_runner *r,
		char *err, size_t errlen);

/* Removes the jumps and chains from both families; absent ones are fine.
 * Goes on after a failure to remove as much as it can. Returns 0, or -1 with
 * the first failure's message in err. */
int pc_hooks_down(const struct pc_hooks_runner *r, char *err, size_t errlen);

#endif
