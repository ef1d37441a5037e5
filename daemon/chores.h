/* chores.h - slow work taken off the packet path: writing the status and
 * metrics files and freeing a replaced table, done in order on a thread of their own */
#ifndef PC_CHORES_H
#define PC_CHORES_H

#include <stdbool.h>

#include "status.h"
#include "table.h"

struct pc_chores;

/* Starts the thread. Returns NULL with errno. */
struct pc_chores *pc_chores_new(void);
/* Does every chore still queued, then stops the thread. */
void pc_chores_free(struct pc_chores *c);

/* Queues writing st to path. Takes st->rule and st->queue (malloc'd) and
 * copies path, st->policy and st->last_reload_message; the rule names must
 * live until the chore is done, which holds for names of a table whose freeing is queued
 * after it. Returns 0, or -1 with errno (nothing queued, st->rule and
 * st->queue freed). */
int pc_chores_write_status(struct pc_chores *c, const char *path, struct pc_status *st);

/* The same for the metrics file (metrics.h). */
int pc_chores_write_metrics(struct pc_chores *c, const char *path, struct pc_status *st);

/* Queues freeing t. Returns 0; frees t at once when it cannot queue. */
int pc_chores_free_table(struct pc_chores *c, struct pc_table *t);

/* The errno of the last failed status write since the last call, or 0. */
int pc_chores_status_error(struct pc_chores *c);
/* The errno of the last metrics write done, or 0 when it worked. */
int pc_chores_metrics_error(struct pc_chores *c);
/* Forgets that error (the metrics file moved). */
void pc_chores_metrics_forget(struct pc_chores *c);

#endif
