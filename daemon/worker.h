/* worker.h - one thread per queue. Each worker serves its queue's socket
 * and decides its packets with the table in service, which every worker
 * shares read-only. The main thread keeps signals, reloads and reports; it
 * swaps the table with pc_workers_swap, which returns the old one once no
 * worker can still be using it. */
#ifndef PC_WORKER_H
#define PC_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decide.h"
#include "queue.h"
#include "table.h"
#include "vlogshare.h"

struct pc_workers;

/* n workers (no threads yet) deciding with table and logging to vlog; the
 * queues start with fail-open fail_open. Returns NULL with errno. */
struct pc_workers *pc_workers_new(size_t n, struct pc_table *table, struct pc_vlogshare *vlog,
				  bool fail_open);
/* Stops the threads (if still running) and frees. */
void pc_workers_free(struct pc_workers *ws);

/* Worker i's state: the handler argument of queue i (pc_decide). */
struct pc_worker *pc_workers_state(struct pc_workers *ws, size_t i);

/* Starts one thread per queue (queues[i] for worker i, named
 * "pcd-queue-NUM"), every signal blocked in them. Until then the caller may serve the queues itself (the
 * state's table is the table in service). Returns 0, or -1 with errno
 * (threads already started are stopped). */
int pc_workers_start(struct pc_workers *ws, struct pc_queue **queues);

/* Each worker finishes the batch in hand, decides what is already waiting
 * in its socket (bounded) and ends; waits for all. Afterwards the states
 * hold the table in service, so the caller may drain and close the queues
 * itself. */
void pc_workers_stop(struct pc_workers *ws);

/* Puts t in service for every worker and returns the table it replaced,
 * once no worker uses that one any more (each worker in a batch finishes
 * it first: typically microseconds, at most one batch of 16 receives). */
struct pc_table *pc_workers_swap(struct pc_workers *ws, struct pc_table *t);

/* Asks every worker to change its queue's fail-open flag (done between
 * two batches; failures show up in pc_workers_fail_error). */
void pc_workers_set_fail_open(struct pc_workers *ws, bool on);

/* Receive errors of every worker since start. */
uint64_t pc_workers_rx_errors(struct pc_workers *ws);
/* The errno of worker i's last failed fail-open change since the last
 * call, or 0. */
int pc_workers_fail_error(struct pc_workers *ws, size_t i);

#endif
