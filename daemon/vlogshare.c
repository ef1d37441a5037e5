/* vlogshare.c - the verdict log the workers share, behind a mutex */
#include "vlogshare.h"

#include <errno.h>

#include "log.h"

#define ERRORS_TOLD_EVERY_NS (60 * 1000000000ull)

int pc_vlogshare_init(struct pc_vlogshare *v, struct pc_vlog *vl)
{
	int err = pthread_mutex_init(&v->lock, NULL);

	if (err) {
		errno = err;
		return -1;
	}
	v->vl = vl;
	v->suppressed_before = 0;
	v->errors_before = v->errors_told = v->errors_told_ns = 0;
	return 0;
}

void pc_vlogshare_destroy(struct pc_vlogshare *v)
{
	pc_vlog_free(v->vl);
	v->vl = NULL;
	pthread_mutex_destroy(&v->lock);
}

bool pc_vlogshare_verdict(struct pc_vlogshare *v, uint64_t now_ns, const struct pc_vlog_rec *rec)
{
	bool admitted;

	pthread_mutex_lock(&v->lock);
	if ((admitted = pc_vlog_admit(v->vl, now_ns)))
		pc_vlog_write(v->vl, rec);
	pthread_mutex_unlock(&v->lock);
	return admitted;
}

void pc_vlogshare_tick(struct pc_vlogshare *v, uint64_t now_ns)
{
	uint64_t errors;

	pthread_mutex_lock(&v->lock);
	pc_vlog_tick(v->vl, now_ns);
	errors = v->errors_before + pc_vlog_write_errors(v->vl);
	pthread_mutex_unlock(&v->lock);
	if (errors == v->errors_told ||
	    (v->errors_told_ns && now_ns - v->errors_told_ns < ERRORS_TOLD_EVERY_NS))
		return;
	pc_log_warnx("verdict log: %llu lines not written (%llu since start; full disk?)",
		     (unsigned long long)(errors - v->errors_told), (unsigned long long)errors);
	v->errors_told = errors;
	v->errors_told_ns = now_ns;
}

uint64_t pc_vlogshare_deadline(struct pc_vlogshare *v)
{
	uint64_t t;

	pthread_mutex_lock(&v->lock);
	t = pc_vlog_deadline(v->vl);
	pthread_mutex_unlock(&v->lock);
	return t;
}

int pc_vlogshare_reopen(struct pc_vlogshare *v)
{
	int ret, err;

	pthread_mutex_lock(&v->lock);
	ret = pc_vlog_reopen(v->vl);
	err = errno;
	pthread_mutex_unlock(&v->lock);
	errno = err;
	return ret;
}

void pc_vlogshare_message(struct pc_vlogshare *v, const char *level, const char *msg)
{
	pthread_mutex_lock(&v->lock);
	pc_vlog_message(v->vl, level, msg);
	pthread_mutex_unlock(&v->lock);
}

uint64_t pc_vlogshare_suppressed(struct pc_vlogshare *v)
{
	uint64_t n;

	pthread_mutex_lock(&v->lock);
	n = v->suppressed_before + pc_vlog_suppressed_total(v->vl);
	pthread_mutex_unlock(&v->lock);
	return n;
}

uint64_t pc_vlogshare_write_errors(struct pc_vlogshare *v)
{
	uint64_t n;

	pthread_mutex_lock(&v->lock);
	n = v->errors_before + pc_vlog_write_errors(v->vl);
	pthread_mutex_unlock(&v->lock);
	return n;
}

bool pc_vlogshare_same(struct pc_vlogshare *v, const struct pc_vlog_cfg *cfg)
{
	bool same;

	pthread_mutex_lock(&v->lock);
	same = pc_vlog_same(v->vl, cfg);
	pthread_mutex_unlock(&v->lock);
	return same;
}

void pc_vlogshare_swap(struct pc_vlogshare *v, struct pc_vlog *vl)
{
	struct pc_vlog *old;

	pthread_mutex_lock(&v->lock);
	old = v->vl;
	v->suppressed_before += pc_vlog_suppressed_total(old);
	v->errors_before += pc_vlog_write_errors(old);
	v->vl = vl;
	pthread_mutex_unlock(&v->lock);
	pc_vlog_free(old);
}
