/* worker.c - the worker threads and the table they share */
#include "worker.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"
#include "grace.h"

#define SERVICE_ROUNDS 16 /* receives per batch */
#define STOP_DRAIN_ROUNDS 64

struct thread {
	_Alignas(64) struct pc_worker w; /* written per packet: a cache line of its own */
	struct pc_workers *ws;
	size_t idx;
	struct pc_queue *q;
	pthread_t tid;
	bool started;
	int efd;                /* eventfd: wakes the thread (stop, fail-open change) */
	bool fail_open;         /* as set on the queue */
	pc_counter rx_errors;
	atomic_int fail_err;
};

struct pc_workers {
	size_t n;
	struct thread *th;
	struct pc_grace *grace; /* the table in service */
	atomic_bool stop;
	atomic_bool fail_open;  /* wanted */
};

static void wake(struct thread *th)
{
	uint64_t one = 1;

	while (write(th->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

static void set_fail_open(struct thread *th, bool on)
{
	if (pc_queue_set_fail_open(th->q, on) < 0)
		atomic_store(&th->fail_err, errno ? errno : EIO);
	th->fail_open = on; /* tried once: a failure is reported, not retried */
}

/* One batch: holds the table in service from start to end. */
static long batch(struct thread *th, bool readable, unsigned rounds)
{
	struct pc_workers *ws = th->ws;
	bool want = atomic_load(&ws->fail_open);
	long n = 0;

	th->w.table = pc_grace_enter(ws->grace, th->idx);
	th->w.now_ns = pc_mono_ns();
	if (want != th->fail_open)
		set_fail_open(th, want);
	if (readable && (n = pc_queue_service(th->q, rounds)) < 0)
		pc_counter_inc(&th->rx_errors);
	pc_grace_leave(ws->grace, th->idx);
	return n;
}

static void *run(void *arg)
{
	struct thread *th = arg;
	struct pollfd pfd[2] = { { .fd = pc_queue_fd(th->q), .events = POLLIN },
				 { .fd = th->efd, .events = POLLIN } };
	uint64_t n;
	bool busy = false;

	/* While packets keep coming, receive again at once (a receive that
	 * finds none costs what the poll would); sleep in poll only then. The
	 * flags the event fd wakes us for are read in every batch. */
	while (!atomic_load(&th->ws->stop)) {
		if (!busy && poll(pfd, 2, -1) < 0) {
			if (errno != EINTR)
				pc_counter_inc(&th->rx_errors);
			continue;
		}
		if (!busy && pfd[1].revents && read(th->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
			pc_counter_inc(&th->rx_errors);
		busy = batch(th, busy || pfd[0].revents != 0, SERVICE_ROUNDS) > 0;
	}
	for (unsigned i = 0; i < STOP_DRAIN_ROUNDS && batch(th, true, 1) > 0; i++)
		;
	return NULL;
}

struct pc_workers *pc_workers_new(size_t n, struct pc_table *table, struct pc_vlogshare *vlog,
				  bool fail_open)
{
	struct pc_workers *ws = calloc(1, sizeof(*ws));

	if (!ws)
		return NULL;
	atomic_init(&ws->stop, false);
	atomic_init(&ws->fail_open, fail_open);
	if (!(ws->th = aligned_alloc(_Alignof(struct thread), n * sizeof(*ws->th))) ||
	    !(ws->grace = pc_grace_new(n, table)))
		goto fail;
	for (size_t i = 0; i < n; i++, ws->n++) {
		struct thread *th = &ws->th[i];

		*th = (struct thread){ .ws = ws, .idx = i, .fail_open = fail_open,
				       .w = { .table = table, .vlog = vlog, .row = i } };
		atomic_init(&th->fail_err, 0);
		if ((th->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
			goto fail;
	}
	return ws;
fail:
	pc_workers_free(ws);
	return NULL;
}

void pc_workers_free(struct pc_workers *ws)
{
	if (!ws)
		return;
	pc_workers_stop(ws);
	for (size_t i = 0; i < ws->n; i++)
		close(ws->th[i].efd);
	pc_grace_free(ws->grace);
	free(ws->th);
	free(ws);
}

struct pc_worker *pc_workers_state(struct pc_workers *ws, size_t i)
{
	return &ws->th[i].w;
}

int pc_workers_start(struct pc_workers *ws, struct pc_queue **queues)
{
	sigset_t all, old;
	int err = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (size_t i = 0; i < ws->n && !err; i++) {
		char name[16];

		ws->th[i].q = queues[i];
		if ((err = pthread_create(&ws->th[i].tid, NULL, run, &ws->th[i])))
			break;
		ws->th[i].started = true;
		snprintf(name, sizeof(name), "pcd-queue-%u", pc_queue_num(queues[i]));
		pthread_setname_np(ws->th[i].tid, name); /* ps -L, top -H; a failure is harmless */
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pc_workers_stop(ws);
		errno = err;
		return -1;
	}
	return 0;
}

void pc_workers_stop(struct pc_workers *ws)
{
	struct pc_table *t = ws->grace ? pc_grace_current(ws->grace) : NULL;

	atomic_store(&ws->stop, true);
	for (size_t i = 0; i < ws->n; i++)
		if (ws->th[i].started)
			wake(&ws->th[i]);
	for (size_t i = 0; i < ws->n; i++) {
		if (ws->th[i].started)
			pthread_join(ws->th[i].tid, NULL);
		ws->th[i].started = false;
		ws->th[i].w.table = t;
	}
}

struct pc_table *pc_workers_swap(struct pc_workers *ws, struct pc_table *t)
{
	struct pc_table *old = pc_grace_publish(ws->grace, t);

	pc_grace_wait(ws->grace);
	return old;
}

void pc_workers_set_fail_open(struct pc_workers *ws, bool on)
{
	atomic_store(&ws->fail_open, on);
	for (size_t i = 0; i < ws->n; i++)
		if (ws->th[i].started)
			wake(&ws->th[i]);
}

uint64_t pc_workers_rx_errors(struct pc_workers *ws)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < ws->n; i++)
		sum += pc_counter_get(&ws->th[i].rx_errors);
	return sum;
}

int pc_workers_fail_error(struct pc_workers *ws, size_t i)
{
	return atomic_exchange(&ws->th[i].fail_err, 0);
}
