/* loadthread.h - loading and compiling a policy on a thread of its own, so that
 * packets keep being decided with the old table during a reload */
#ifndef PC_LOADTHREAD_H
#define PC_LOADTHREAD_H

#include <pthread.h>
#include <stdbool.h>

#include "ctsweep.h"
#include "diag.h"
#include "marks.h"
#include "table.h"

struct pc_loadthread {
	pthread_t thread;
	int efd;                /* eventfd: readable once a load has finished */
	bool busy;              /* a load was started and not finished */
	const char *conf;       /* the policy path (not owned) */
	const struct pc_table *old; /* the table in service: stays alive until the load is finished */
	struct pc_diag *diag;   /* written by the thread, read after the join */
	struct pc_table *table;
	/* a stateful table's generation cleared from conntrack before it serves */
	pc_ctsweep_fn *sweep;   /* NULL: no sweep */
	struct pc_marks marks;
	uint32_t sweep_gen;
	bool sweep_only;        /* the job is a sweep ahead, no load */
	bool swept;             /* the sweep ran: its outcome below */
	int sweep_rc, sweep_err;
	struct pc_ctsweep_stats sweep_st;
};

/* Returns 0, or -1 with errno. */
int pc_loadthread_open(struct pc_loadthread *l);
/* Waits for a load still running, drops its result, closes. */
void pc_loadthread_close(struct pc_loadthread *l);

/* Starts loading conf; the new table gets as many rows of hit counters as
 * old (may be NULL).
 * Returns 0, or -1 with errno (EBUSY: a load runs). */
int pc_loadthread_start(struct pc_loadthread *l, const char *conf, const struct pc_table *old);

/* Starts a sweep ahead of the next reload: only the sweep
 * pc_loadthread_sweep set, no load; pc_loadthread_finish then returns NULL
 * with *diag NULL, and sweep_only says it was one.
 * Returns 0, or -1 with errno (EBUSY: a job runs). */
int pc_loadthread_start_sweep(struct pc_loadthread *l);

/* The next job, once its table is stateful (a sweep ahead: always), sweeps generation gen of
 * marks with sweep (fastpath.h pc_fastpath_sweep) before it finishes. */
void pc_loadthread_sweep(struct pc_loadthread *l, pc_ctsweep_fn *sweep, const struct pc_marks *m,
			 uint32_t gen);

/* Waits for the load (at once when efd was readable) and hands over its
 * result: the table, or NULL with the errors in *diag (*diag is NULL when
 * memory ran out before anything was loaded). The caller frees both. */
struct pc_table *pc_loadthread_finish(struct pc_loadthread *l, struct pc_diag **diag);

#endif
