/* vlock.h - the verdict log shared by every worker: one log, one token
 * bucket, behind one mutex. The mutex is taken only for a verdict that
 * wants logging (and for the main thread's timer, reopen and swap), never
 * on the common path of a packet that is not logged. */
#ifndef PC_VLOCK_H
#define PC_VLOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vlog.h"

struct pc_vlock {
	pthread_mutex_t lock;
	struct pc_vlog *vl;
	uint64_t suppressed_before; /* lines suppressed by the logs vl replaced */
	uint64_t errors_before;     /* lines the logs vl replaced could not write */
	uint64_t errors_told, errors_told_ns; /* write errors last logged, and when */
};

/* Takes vl. Returns 0, or -1 with errno. */
int pc_vlock_init(struct pc_vlock *v, struct pc_vlog *vl);
/* Frees the log (writing a pending suppressed=N line). */
void pc_vlock_destroy(struct pc_vlock *v);

/* A worker's verdict: written when the bucket has a token at now_ns,
 * counted as suppressed otherwise. Returns whether it was written. */
bool pc_vlock_verdict(struct pc_vlock *v, uint64_t now_ns, const struct pc_vlog_rec *rec);

/* The main thread's side; each takes the mutex. The tick also logs new
 * write errors of the verdict log, at most once a minute. */
void pc_vlock_tick(struct pc_vlock *v, uint64_t now_ns);
uint64_t pc_vlock_deadline(struct pc_vlock *v);
int pc_vlock_reopen(struct pc_vlock *v);              /* 0, or -1 with errno */
void pc_vlock_message(struct pc_vlock *v, const char *level, const char *msg);
uint64_t pc_vlock_suppressed(struct pc_vlock *v);     /* since start, over every log */
uint64_t pc_vlock_write_errors(struct pc_vlock *v);   /* since start, over every log */
bool pc_vlock_same(struct pc_vlock *v, const struct pc_vlog_cfg *cfg);
/* Puts vl in service and frees the log it replaces (outside the mutex). */
void pc_vlock_swap(struct pc_vlock *v, struct pc_vlog *vl);

#endif
