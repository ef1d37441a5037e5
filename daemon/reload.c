/* reload.c - SIGHUP: a whole new table or none; never a half-applied one */
#include "daemon.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "notify.h"

void pc_daemon_vlog_cfg(const struct pc_settings *s, struct pc_vlog_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->target = s->log_target;
	cfg->file = s->log_file;
	cfg->format = s->log_format;
	cfg->rate = s->log_rate;
}

__attribute__((format(printf, 2, 3)))
static void fail(struct pc_daemon *d, const char *fmt, ...)
{
	va_list ap;

	d->reload.failed++;
	d->reload.result = PC_RELOAD_FAILED;
	va_start(ap, fmt);
	vsnprintf(d->reload.msg, sizeof(d->reload.msg), fmt, ap);
	va_end(ap);
}

/* Logs every entry of diag at its level; returns the first error's text. */
static const char *log_diag(const struct pc_diag *diag)
{
	const char *first = NULL;

	for (size_t i = 0; i < pc_diag_count(diag); i++) {
		enum pc_diag_level lvl;
		const char *text = pc_diag_text(diag, i, &lvl);

		if (lvl == PC_DIAG_ERROR && !first)
			first = text;
		pc_log_warnx("%s%s", lvl == PC_DIAG_WARNING ? "warning: " : "", text);
	}
	return first ? first : "unknown error";
}

/* A new verdict log when its settings changed: *out stays NULL when the old
 * one serves. Returns 0, or -1 with errno. */
static int new_vlog(struct pc_daemon *d, const struct pc_table *t, struct pc_vlog **out)
{
	struct pc_vlog_cfg cfg;

	pc_daemon_vlog_cfg(t->set, &cfg);
	*out = NULL;
	if (pc_vlogshare_same(&d->vlog, &cfg))
		return 0;
	*out = pc_vlog_new(&cfg);
	return *out ? 0 : -1;
}

static bool str_differs(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b));
}

/* Settings that only a restart applies. */
static void warn_restart(const struct pc_daemon *d, const struct pc_settings *s)
{
	if (s->queue_lo != d->queue_lo || s->queue_hi != d->queue_hi)
		pc_log_warnx("queue changed: it takes effect at the next start");
	if (str_differs(s->pid_file, d->pid_file))
		pc_log_warnx("pid-file changed: it takes effect at the next start");
	if (str_differs(s->status_file, d->status_file))
		pc_log_warnx("status-file changed: it takes effect at the next start");
	if (s->mark_mask != d->fast.marks.mask)
		pc_log_warnx("mark-mask changed: it takes effect at the next start");
	if (s->stateful != d->table->set->stateful)
		pc_log_warnx("stateful changed: run 'portcullis hooks up' (or restart the service) "
			     "to install the matching hook rules");
}

/* Puts t (and vl when set) in service and frees what they replace. The
 * old table is freed once no worker uses it, after its hits were carried
 * over (no worker counts in it any more). */
static void swap_in(struct pc_daemon *d, struct pc_table *t, struct pc_vlog *vl)
{
	struct pc_table *old;

	if (t->set->fail_open != d->table->set->fail_open)
		pc_workers_set_fail_open(d->workers, t->set->fail_open);
	if (vl)
		pc_vlogshare_swap(&d->vlog, vl);
	t->marks = d->fast.marks;
	t->gen = pc_fastpath_next(&d->fast);
	old = pc_workers_swap(d->workers, t);
	d->table = t;
	/* only now: a verdict of the old table must never carry the new generation */
	if (t->set->stateful || old->set->stateful)
		pc_fastpath_apply(&d->fast, t->gen, t->set->stateful, pc_mono_ns());
	pc_table_carry_hits(t, old);
	/* queued after any status write that still refers to its rule names */
	pc_chores_free_table(d->chores, old);
}

/* Puts a loaded table in service, or keeps the old one when t is NULL. */
static void apply(struct pc_daemon *d, struct pc_table *t, const struct pc_diag *diag)
{
	struct pc_vlog *vl;

	if (!t) {
		pc_log_warnx("config has errors, not reloading");
		fail(d, "config has errors, not reloading: %s", log_diag(diag));
		return;
	}
	log_diag(diag);
	if (new_vlog(d, t, &vl) < 0) {
		pc_log_warn("cannot open the log file %s, not reloading",
			    t->set->log_file ? t->set->log_file : "");
		fail(d, "cannot open the log file, not reloading: %s", strerror(errno));
		pc_table_free(t);
		return;
	}
	warn_restart(d, t->set);
	swap_in(d, t, vl);
	pc_daemon_metrics_file(d, t->set->metrics_file);
	/* the fast path's move is part of it */
	d->reload.ms = (pc_mono_ns() - d->reload.started_ns) / PC_NS_PER_MS;
	pc_log_info("reloaded: %zu rules, %zu enabled in %llu ms", t->nrules, t->enabled,
		    (unsigned long long)d->reload.ms);
	d->reload.ok++;
	d->reload.result = PC_RELOAD_OK;
	snprintf(d->reload.msg, sizeof(d->reload.msg), "reloaded: %zu rules, %zu enabled in %llu ms",
		 t->nrules, t->enabled, (unsigned long long)d->reload.ms);
}

void pc_daemon_sweep_ahead(struct pc_daemon *d)
{
	uint32_t gen = pc_fastpath_next(&d->fast);

	if (!d->fast.sweep || !d->table->set->stateful || d->fast.swept_ahead == gen ||
	    d->loader.busy)
		return;
	pc_loadthread_sweep(&d->loader, d->fast.sweep, &d->fast.marks, gen);
	if (pc_loadthread_start_sweep(&d->loader) < 0)
		pc_log_warn("fast path: cannot sweep ahead (the next reload sweeps)");
}

/* A sweep ahead finished: the next reload need not sweep its generation
 * when this one cleared every entry of it. */
static void sweep_ahead_done(struct pc_daemon *d)
{
	struct pc_diag *diag;
	struct pc_loadthread *l = &d->loader;

	pc_loadthread_finish(l, &diag);
	if (l->swept) {
		pc_fastpath_sweep_done(&d->fast, l->sweep_gen, l->sweep_rc, l->sweep_err,
				       &l->sweep_st);
		if (l->sweep_rc == 0 && l->sweep_st.errors == 0)
			d->fast.swept_ahead = l->sweep_gen;
		if (l->sweep_rc < 0 || l->sweep_st.cleared || l->sweep_st.errors)
			pc_daemon_write_status(d, true);
	}
	if (d->reload_again) {
		d->reload_again = false;
		pc_daemon_reload(d);
	}
}

/* Publishes the result of an attempt; starts the next one if asked for,
 * else the sweep ahead of the next. */
static void finished(struct pc_daemon *d)
{
	d->reload.generation++;
	pc_daemon_write_status(d, true);
	d->metrics_next = 0; /* the outcome in the metrics at once */
	pc_notifyf("READY=1\nSTATUS=%s", d->reload.msg);
	if (d->reload_again) {
		d->reload_again = false;
		pc_daemon_reload(d);
	} else {
		pc_daemon_sweep_ahead(d);
	}
}

void pc_daemon_reload(struct pc_daemon *d)
{
	uint32_t gen;

	if (d->loader.busy) {
		d->reload_again = true;
		return;
	}
	pc_notifyf("RELOADING=1\nMONOTONIC_USEC=%llu",
		   (unsigned long long)(pc_mono_ns() / 1000));
	d->reload.time = (int64_t)time(NULL);
	d->reload.started_ns = pc_mono_ns();
	/* swept ahead: nothing has marked with gen since */
	gen = pc_fastpath_next(&d->fast);
	pc_loadthread_sweep(&d->loader, d->fast.swept_ahead == gen ? NULL : d->fast.sweep,
			    &d->fast.marks, gen);
	d->fast.swept_ahead = 0;
	if (pc_loadthread_start(&d->loader, d->conf, d->table) == 0)
		return;
	d->reload.ms = 0;
	pc_log_warn("cannot reload");
	fail(d, "cannot reload: %s", strerror(errno));
	finished(d);
}

void pc_daemon_reload_done(struct pc_daemon *d)
{
	struct pc_diag *diag;
	struct pc_table *t;

	if (!d->loader.busy)
		return;
	if (d->loader.sweep_only) {
		sweep_ahead_done(d);
		return;
	}
	t = pc_loadthread_finish(&d->loader, &diag);
	if (d->loader.swept)
		pc_fastpath_sweep_done(&d->fast, d->loader.sweep_gen, d->loader.sweep_rc,
				       d->loader.sweep_err, &d->loader.sweep_st);
	d->reload.ms = (pc_mono_ns() - d->reload.started_ns) / PC_NS_PER_MS;
	if (diag) {
		apply(d, t, diag);
	} else {
		pc_log_warnx("cannot reload: out of memory");
		fail(d, "cannot reload: %s", "out of memory");
	}
	pc_diag_free(diag);
	finished(d);
}
