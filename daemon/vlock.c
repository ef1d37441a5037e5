/* vlock.c - the verdict log behind a mutex */
#include "vlock.h"

#include <errno.h>

int pc_vlock_init(struct pc_vlock *v, struct pc_vlog *vl)
{
	int err = pthread_mutex_init(&v->lock, NULL);

	if (err) {
		errno = err;
		return -1;
	}
	v->vl = vl;
	v->suppressed_before = 0;
	return 0;
}

void pc_vlock_destroy(struct pc_vlock *v)
{
	pc_vlog_free(v->vl);
	v->vl = NULL;
	pthread_mutex_destroy(&v->lock);
}

bool pc_vlock_verdict(struct pc_vlock *v, uint64_t now_ns, const struct pc_vlog_rec *rec)
{
	bool admitted;

	pthread_mutex_lock(&v->lock);
	if ((admitted = pc_vlog_admit(v->vl, now_ns)))
		pc_vlog_write(v->vl, rec);
	pthread_mutex_unlock(&v->lock);
	return admitted;
}

void pc_vlock_tick(struct pc_vlock *v, uint64_t now_ns)
{
	pthread_mutex_lock(&v->lock);
	pc_vlog_tick(v->vl, now_ns);
	pthread_mutex_unlock(&v->lock);
}

uint64_t pc_vlock_deadline(struct pc_vlock *v)
{
	uint64_t t;

	pthread_mutex_lock(&v->lock);
	t = pc_vlog_deadline(v->vl);
	pthread_mutex_unlock(&v->lock);
	return t;
}

int pc_vlock_reopen(struct pc_vlock *v)
{
	int ret, err;

	pthread_mutex_lock(&v->lock);
	ret = pc_vlog_reopen(v->vl);
	err = errno;
	pthread_mutex_unlock(&v->lock);
	errno = err;
	return ret;
}

void pc_vlock_message(struct pc_vlock *v, const char *level, const char *msg)
{
	pthread_mutex_lock(&v->lock);
	pc_vlog_message(v->vl, level, msg);
	pthread_mutex_unlock(&v->lock);
}

uint64_t pc_vlock_suppressed(struct pc_vlock *v)
{
	uint64_t n;

	pthread_mutex_lock(&v->lock);
	n = v->suppressed_before + pc_vlog_suppressed_total(v->vl);
	pthread_mutex_unlock(&v->lock);
	return n;
}

bool pc_vlock_same(struct pc_vlock *v, const struct pc_vlog_cfg *cfg)
{
	bool same;

	pthread_mutex_lock(&v->lock);
	same = pc_vlog_same(v->vl, cfg);
	pthread_mutex_unlock(&v->lock);
	return same;
}

void pc_vlock_swap(struct pc_vlock *v, struct pc_vlog *vl)
{
	struct pc_vlog *old;

	pthread_mutex_lock(&v->lock);
	old = v->vl;
	v->suppressed_before += pc_vlog_suppressed_total(old);
	v->vl = vl;
	pthread_mutex_unlock(&v->lock);
	pc_vlog_free(old);
}
