/* fastpath.h - the kernel's fast path for established connections: which
 * policy generation the PORTCULLIS-FAST chains accept. The daemon picks a
 * generation at start that differs from what the chains hold (so every
 * surviving connection is judged again), gives each new table the next one,
 * and moves the chains to it once the table serves. */
#ifndef PC_FASTPATH_H
#define PC_FASTPATH_H

#include <stdbool.h>
#include <stdint.h>

#include "ctsweep.h"
#include "marks.h"

struct pc_hooks_runner;

struct pc_fastpath {
	struct pc_marks marks; /* the layout of mark-mask, fixed at start */
	uint32_t gen;          /* the generation of the table in service */
	bool active;           /* that table is stateful: the chains accept gen */
	uint32_t applied;      /* the generation the chains were last set to (0: none) */
	bool pending;          /* the chains could not be set: try again */
	uint64_t next_try_ns;
	const struct pc_hooks_runner *runner; /* runs iptables (pc_hooks_real_runner) */
	pc_ctsweep_fn *sweep;  /* clears a generation from conntrack (pc_ctsweep_run); NULL: none */
	uint64_t swept;        /* conntrack entries cleared, since start */
	uint64_t sweep_errors; /* sweeps that failed and entries that could not be cleared */
	uint32_t swept_ahead;  /* the next generation, swept while the current one serves (0: none) */
};

/* Lays out mask and picks the first generation: with read, one the chains
 * of neither family hold now (when iptables cannot be read it logs a
 * warning and starts at 1); else 1. Returns 0, or -1 with errno EINVAL for
 * a bad mask. */
int pc_fastpath_init(struct pc_fastpath *f, uint32_t mask, bool read);
/* The same with iptables run by r and no conntrack sweep (the unit tests'
 * seam: they set sweep themselves). */
int pc_fastpath_init_runner(struct pc_fastpath *f, uint32_t mask, bool read,
			    const struct pc_hooks_runner *r);

/* The first generation of layout m when the chains hold held[0] (IPv4)
 * and held[1] (IPv6), 0 for none: the one after the higher, skipping both. */
uint32_t pc_fastpath_first(const struct pc_marks *m, const uint32_t held[2]);

/* The generation for the next table: the one after the current. */
uint32_t pc_fastpath_next(const struct pc_fastpath *f);

/* The table of generation gen serves now: moves the chains of both
 * families to it (a stateless table saves no verdict: the chains are
 * emptied). Returns 0, or -1 after logging why; then pc_fastpath_retry
 * tries again. */
int pc_fastpath_apply(struct pc_fastpath *f, uint32_t gen, bool stateful, uint64_t now_ns);

/* Tries again (once a second at most) when the last apply failed. */
void pc_fastpath_retry(struct pc_fastpath *f, uint64_t now_ns);

/* Before a table of generation gen serves: connections decided under an
 * earlier round of gen (idle through a whole wrap) lose their verdict, so
 * that the table judges them again (ctsweep.h). Runs sweep with marks; on
 * any thread. Returns 0 (also with no sweep), or -1 with errno. */
int pc_fastpath_sweep(pc_ctsweep_fn *sweep, const struct pc_marks *marks, uint32_t gen,
		      struct pc_ctsweep_stats *st);

/* Counts and logs a sweep's outcome (rc and err as pc_fastpath_sweep
 * returned them): a failure is a warning and changes nothing else. */
void pc_fastpath_sweep_done(struct pc_fastpath *f, uint32_t gen, int rc, int err,
			    const struct pc_ctsweep_stats *st);

#endif
