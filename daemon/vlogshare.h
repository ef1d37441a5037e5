/* vlogshare.h - the verdict log shared by every worker: one log, one token
 * bucket, behind one mutex. The mutex is taken only for a verdict that
 * wants logging (and for the main thread's timer, reopen and swap), never
 * on the common path of a packet that is not logged. */
#ifndef PC_VLOGSHARE_H
#define PC_VLOGSHARE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vlog.h"

struct pc_vlogshare {
	pthread_mutex_t lock;
	struct pc_vlog *vl;
	uint64_t suppressed_before; /* lines suppressed by the logs vl replaced */
	uint64_t errors_before;     /* lines the logs vl replaced could not write */
	uint64_t errors_told, errors_told_ns; /* write errors last logged, and when */
};

/* Takes vl. Returns 0, or -1 with errno. */
int pc_vlogshare_init(struct pc_vlogshare *v, struct pc_vlog *vl);
/* Frees the log (writing a pending suppressed=N line). */
void pc_vlogshare_destroy(struct pc_vlogshare *v);

/* A worker's verdict: written when the bucket has a token at now_ns,
 * counted as suppressed otherwise. Returns whether it was written. */
bool pc_vlogshare_verdict(struct pc_vlogshare *v, uint64_t now_ns, const struct pc_vlog_rec *rec);

/* The main thread's side; each takes the mutex. The tick also logs new
 * write errors of the verdict log, at most once a minute. */
void pc_vlogshare_tick(struct pc_vlogshare *v, uint64_t now_ns);
uint64_t pc_vlogshare_deadline(struct pc_vlogshare *v);
int pc_vlogshare_reopen(struct pc_vlogshare *v);              /* 0, or -1 with errno */
void pc_vlogshare_message(struct pc_vlogshare *v, const char *level, const char *msg);
uint64_t pc_vlogshare_suppressed(struct pc_vlogshare *v);     /* since start, over every log */
uint64_t pc_vlogshare_write_errors(struct pc_vlogshare *v);   /* since start, over every log */
bool pc_vlogshare_same(struct pc_vlogshare *v, const struct pc_vlog_cfg *cfg);
/* Puts vl in service and frees the log it replaces (outside the mutex). */
void pc_vlogshare_swap(struct pc_vlogshare *v, struct pc_vlog *vl);

#endif
