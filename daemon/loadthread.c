/* loadthread.c - a policy load on its own thread, reported through an eventfd */
#include "loadthread.h"

#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "fastpath.h"

int pc_loadthread_open(struct pc_loadthread *l)
{
	*l = (struct pc_loadthread){ .efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) };
	return l->efd < 0 ? -1 : 0;
}

void pc_loadthread_close(struct pc_loadthread *l)
{
	struct pc_diag *diag;

	if (l->busy) {
		pc_table_free(pc_loadthread_finish(l, &diag));
		pc_diag_free(diag);
	}
	if (l->efd >= 0)
		close(l->efd);
	l->efd = -1;
}

/* The thread: only its own table, diag and sweep outcome, no logging, no
 * shared state (the main thread logs the sweep's outcome). */
static void *load(void *arg)
{
	struct pc_loadthread *l = arg;
	uint64_t one = 1;

	if (!l->sweep_only && (l->diag = pc_diag_new()))
		l->table = pc_table_load(l->conf, l->old ? l->old->nrows : 0, l->diag);
	/* nothing marks connections with sweep_gen yet: the table in service
	 * marks with its own generation */
	if (l->sweep && (l->sweep_only || (l->table && l->table->set->stateful))) {
		l->sweep_rc = pc_fastpath_sweep(l->sweep, &l->marks, l->sweep_gen, &l->sweep_st);
		l->sweep_err = l->sweep_rc < 0 ? errno : 0;
		l->swept = true;
	}
	while (write(l->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	return NULL;
}

static int spawn(struct pc_loadthread *l, const char *conf, const struct pc_table *old,
		 bool sweep_only)
{
	int err;

	if (l->busy) {
		errno = EBUSY;
		return -1;
	}
	l->conf = conf;
	l->old = old;
	l->sweep_only = sweep_only;
	l->diag = NULL;
	l->table = NULL;
	l->swept = false;
	if ((err = pthread_create(&l->thread, NULL, load, l))) {
		errno = err;
		return -1;
	}
	l->busy = true;
	return 0;
}

int pc_loadthread_start(struct pc_loadthread *l, const char *conf, const struct pc_table *old)
{
	return spawn(l, conf, old, false);
}

int pc_loadthread_start_sweep(struct pc_loadthread *l)
{
	return spawn(l, NULL, NULL, true);
}

void pc_loadthread_sweep(struct pc_loadthread *l, pc_ctsweep_fn *sweep, const struct pc_marks *m,
			 uint32_t gen)
{
	l->sweep = sweep;
	l->marks = *m;
	l->sweep_gen = gen;
}

struct pc_table *pc_loadthread_finish(struct pc_loadthread *l, struct pc_diag **diag)
{
	struct pc_table *t;
	uint64_t n;

	*diag = NULL;
	if (!l->busy)
		return NULL;
	pthread_join(l->thread, NULL);
	while (read(l->efd, &n, sizeof(n)) < 0 && errno == EINTR)
		;
	l->busy = false;
	t = l->table;
	*diag = l->diag;
	l->table = NULL;
	l->diag = NULL;
	return t;
}
