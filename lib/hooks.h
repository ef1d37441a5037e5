/* hooks.h - the NFQUEUE hook rules: dedicated chains in iptables and ip6tables
 *
 * Both families get the same two chains in the filter table, jumped to from
 * the first position of INPUT and OUTPUT. They send every packet except
 * loopback's to the queue(s) of the policy. The chains are (re)filled in one
 * iptables-restore transaction, so re-running "up" never leaves a moment
 * where packets pass unqueued; no other rule of the host is touched.
 *
 * With stateful = yes the chains also (see marks.h and docs/hooks.md):
 * save the daemon's verdict on a connection into its connmark when the
 * daemon repeats a packet with the S bit; jump to a third chain, the fast
 * path, which the daemon owns and refills at every start and reload so that
 * it accepts (or drops) the connections decided under the policy in service;
 * and mark every other packet with its conntrack state before queueing it.
 *
 * The commands are run through a caller-supplied runner, so the sequence
 * can be tested without root (tools/cmd_hooks.c runs the real programs). */
#ifndef PC_HOOKS_H
#define PC_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "run.h"

#define PC_HOOK_CHAIN_IN "PORTCULLIS-IN"
#define PC_HOOK_CHAIN_OUT "PORTCULLIS-OUT"
#define PC_HOOK_CHAIN_FAST "PORTCULLIS-FAST"

struct pc_hooks_conf {
	unsigned queue_lo; /* one queue when equal, else --queue-balance lo:hi */
	unsigned queue_hi;
	bool fail_open;    /* --queue-bypass: pass packets while no daemon listens */
	bool cpu_fanout;   /* --queue-cpu-fanout (only with a range of queues) */
	bool stateful;     /* conntrack state marks, verdict saving, the fast path */
	uint32_t mark_mask; /* with stateful: the bits of marks.h */
};

/* Runs the program argv[0] with argv (NULL-terminated, no shell), giving it
 * input on stdin when input is not NULL, its stdout into out (outlen bytes,
 * NUL-terminated) when out is not NULL; flags are PC_RUN_* of run.h.
 * Returns its exit status (0..255), or -1 with errno when it could not be
 * run or died of a signal. */
typedef int (*pc_hooks_run_fn)(void *ctx, const char *const *argv, const char *input,
			       int flags, char *out, size_t outlen);

struct pc_hooks_runner {
	pc_hooks_run_fn run;
	void *ctx;
};

/* Writes the iptables-restore --noflush input that creates or refills both
 * chains (the same text serves IPv4 and IPv6). Returns 0, or -1 with errno
 * (EINVAL for a bad queue range, ENOSPC when len is too small). */
int pc_hooks_restore_text(const struct pc_hooks_conf *c, char *buf, size_t len);

/* The runner of the real programs (pc_run). */
extern const struct pc_hooks_runner pc_hooks_real_runner;

/* Writes the iptables-restore --noflush input that refills the fast-path
 * chain for generation gen of the layout of mask (an empty chain for gen 0:
 * no connection is fast). Returns 0, or -1 with errno (EINVAL: bad mask,
 * ENOSPC: len too small). */
int pc_hooks_fast_text(uint32_t mask, uint32_t gen, char *buf, size_t len);

/* Refills the fast-path chain of both families with generation gen
 * (creating it when absent). Returns 0, or -1 with a message in err. */
int pc_hooks_fast_set(uint32_t mask, uint32_t gen, const struct pc_hooks_runner *r,
		      char *err, size_t errlen);

/* The generations the fast-path chains accept now, gen[0] IPv4's and
 * gen[1] IPv6's; 0 for a family whose chain is absent or empty. Returns 0,
 * or -1 with a message in err when iptables cannot be run. */
int pc_hooks_fast_get(uint32_t mask, const struct pc_hooks_runner *r, uint32_t gen[2],
		      char *err, size_t errlen);

/* Installs or updates the chains and their jumps in both families; idempotent.
 * A stateful install keeps the fast-path chain's rules (connections the
 * running or last daemon permitted go on); a stateless one removes it.
 * Stops at the first failure. Returns 0, or -1 with a message in err. */
int pc_hooks_up(const struct pc_hooks_conf *c, const struct pc_hooks_runner *r,
		char *err, size_t errlen);

/* Removes the jumps and chains (the fast path's too) from both families;
 * absent ones are fine.
 * Goes on after a failure to remove as much as it can. Returns 0, or -1 with
 * the first failure's message in err. */
int pc_hooks_down(const struct pc_hooks_runner *r, char *err, size_t errlen);

#endif
