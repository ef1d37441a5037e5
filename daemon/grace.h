/* grace.h - one pointer published to reader threads, and a wait until no
 * reader still uses the pointer it replaced (a grace period, as in RCU).
 *
 * Each reader thread owns one slot. Between pc_grace_enter and
 * pc_grace_leave it may use the pointer pc_grace_enter returned; outside
 * that section it holds none (a reader blocked in poll or recv holds none).
 * One writer thread publishes a new pointer, waits for the grace period,
 * then may free the old one: no reader can still be using it.
 *
 * Cost for a reader per section: a seq_cst store (an exchange on x86)
 * between two seq_cst loads to enter, a release store to leave; readers
 * write nothing shared but their own slot. */
#ifndef PC_GRACE_H
#define PC_GRACE_H

#include <stddef.h>

struct pc_grace;

/* nreaders slots, ptr in service. Returns NULL with errno. */
struct pc_grace *pc_grace_new(size_t nreaders, void *ptr);
void pc_grace_free(struct pc_grace *g);

/* Reader `slot` (< nreaders) starts a section: returns the pointer in
 * service, valid until pc_grace_leave. Sections of one slot do not nest. */
void *pc_grace_enter(struct pc_grace *g, size_t slot);
void pc_grace_leave(struct pc_grace *g, size_t slot);

/* Writer: puts ptr in service and returns the pointer it replaced, which
 * readers may still use until pc_grace_wait returns. */
void *pc_grace_publish(struct pc_grace *g, void *ptr);

/* Writer: returns once every section that could have seen a pointer
 * published before the last pc_grace_publish has ended. Sleeps in short
 * steps; a reader that never leaves its section blocks it. */
void pc_grace_wait(struct pc_grace *g);

/* Writer: the pointer in service. */
void *pc_grace_current(const struct pc_grace *g);

#endif
