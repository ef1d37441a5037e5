/* chores.c - a FIFO of slow jobs and the one thread that does them */
#include "chores.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

enum chore_kind { CHORE_STATUS, CHORE_METRICS, CHORE_FREE_TABLE };

struct chore {
	struct chore *next;
	enum chore_kind kind;
	struct pc_table *table; /* CHORE_FREE_TABLE */
	struct pc_status st;    /* CHORE_STATUS, _METRICS: owns st.rule and st.queue */
	char *path;
	char *policy;
	char msg[512];
};

struct pc_chores {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct chore *head, **tail;
	bool stop;
	atomic_int status_err;
	atomic_int metrics_err; /* of the last metrics write: 0 when it worked */
};

static void do_chore(struct pc_chores *c, struct chore *ch)
{
	switch (ch->kind) {
	case CHORE_FREE_TABLE:
		pc_table_free(ch->table);
		free(ch);
		return;
	case CHORE_STATUS:
		if (pc_status_write(ch->path, &ch->st) < 0)
			atomic_store(&c->status_err, errno ? errno : EIO);
		break;
	case CHORE_METRICS:
		atomic_store(&c->metrics_err,
			     pc_metrics_write(ch->path, &ch->st) < 0 ? (errno ? errno : EIO) : 0);
		break;
	}
	free(ch->st.rule);
	free(ch->st.queue);
	free(ch->path);
	free(ch->policy);
	free(ch);
}

static void *run(void *arg)
{
	struct pc_chores *c = arg;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		struct chore *ch = c->head;

		if (!ch && c->stop)
			break;
		if (!ch) {
			pthread_cond_wait(&c->cond, &c->lock);
			continue;
		}
		if (!(c->head = ch->next))
			c->tail = &c->head;
		pthread_mutex_unlock(&c->lock);
		do_chore(c, ch);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

struct pc_chores *pc_chores_new(void)
{
	struct pc_chores *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return NULL;
	c->tail = &c->head;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	if ((err = pthread_create(&c->thread, NULL, run, c))) {
		pthread_cond_destroy(&c->cond);
		pthread_mutex_destroy(&c->lock);
		free(c);
		errno = err;
		return NULL;
	}
	return c;
}

void pc_chores_free(struct pc_chores *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static void enqueue(struct pc_chores *c, struct chore *ch)
{
	pthread_mutex_lock(&c->lock);
	*c->tail = ch;
	c->tail = &ch->next;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

/* Queues writing st to path as kind (CHORE_STATUS or CHORE_METRICS). */
static int queue_write(struct pc_chores *c, enum chore_kind kind, const char *path,
		       struct pc_status *st)
{
	struct chore *ch = calloc(1, sizeof(*ch));

	if (!ch || !(ch->path = strdup(path)) ||
	    !(ch->policy = strdup(st->policy ? st->policy : ""))) {
		if (ch)
			free(ch->path);
		free(ch);
		free(st->rule);
		free(st->queue);
		st->rule = NULL;
		st->queue = NULL;
		return -1;
	}
	ch->kind = kind;
	ch->st = *st;
	ch->st.policy = ch->policy;
	snprintf(ch->msg, sizeof(ch->msg), "%s",
		 st->last_reload_message ? st->last_reload_message : "");
	ch->st.last_reload_message = ch->msg;
	st->rule = NULL;
	st->queue = NULL;
	enqueue(c, ch);
	return 0;
}

int pc_chores_write_status(struct pc_chores *c, const char *path, struct pc_status *st)
{
	return queue_write(c, CHORE_STATUS, path, st);
}

int pc_chores_write_metrics(struct pc_chores *c, const char *path, struct pc_status *st)
{
	return queue_write(c, CHORE_METRICS, path, st);
}

int pc_chores_free_table(struct pc_chores *c, struct pc_table *t)
{
	struct chore *ch = calloc(1, sizeof(*ch));

	if (!ch) {
		pc_table_free(t);
		return 0;
	}
	ch->kind = CHORE_FREE_TABLE;
	ch->table = t;
	enqueue(c, ch);
	return 0;
}

int pc_chores_status_error(struct pc_chores *c)
{
	return atomic_exchange(&c->status_err, 0);
}

int pc_chores_metrics_error(struct pc_chores *c)
{
	return atomic_load(&c->metrics_err);
}

void pc_chores_metrics_forget(struct pc_chores *c)
{
	atomic_store(&c->metrics_err, 0);
}
