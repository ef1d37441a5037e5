/* fastpath.c - the generation of the kernel's fast path */
#include "fastpath.h"

#include <errno.h>
#include <string.h>

#include "clock.h"
#include "hooks.h"
#include "log.h"

#define RETRY_NS (1000 * PC_NS_PER_MS)

uint32_t pc_fastpath_first(const struct pc_marks *m, const uint32_t held[2])
{
	uint32_t gen = pc_marks_next_gen(m, held[0] > held[1] ? held[0] : held[1]);

	while (gen == held[0] || gen == held[1])
		gen = pc_marks_next_gen(m, gen);
	return gen;
}

int pc_fastpath_init_runner(struct pc_fastpath *f, uint32_t mask, bool read,
			    const struct pc_hooks_runner *r)
{
	uint32_t held[2] = { 0, 0 };
	char err[256];

	*f = (struct pc_fastpath){ .runner = r };
	if (pc_marks_init(&f->marks, mask) < 0)
		return -1;
	if (read && pc_hooks_fast_get(mask, r, held, err, sizeof(err)) < 0) {
		pc_log_warnx("fast path: %s; starting at generation 1", err);
		held[0] = held[1] = 0;
	}
	f->gen = pc_fastpath_first(&f->marks, held);
	return 0;
}

int pc_fastpath_init(struct pc_fastpath *f, uint32_t mask, bool read)
{
	if (pc_fastpath_init_runner(f, mask, read, &pc_hooks_real_runner) < 0)
		return -1;
	f->sweep = pc_ctsweep_run;
	return 0;
}

uint32_t pc_fastpath_next(const struct pc_fastpath *f)
{
	return pc_marks_next_gen(&f->marks, f->gen);
}

static int set_chains(struct pc_fastpath *f, uint64_t now_ns)
{
	uint32_t gen = f->active ? f->gen : 0;
	char err[256];

	if (pc_hooks_fast_set(f->marks.mask, gen, f->runner, err, sizeof(err)) == 0) {
		if (f->pending)
			pc_log_info("fast path: the chains accept generation %u now", gen);
		f->pending = false;
		f->applied = gen;
		return 0;
	}
	if (!f->pending)
		pc_log_warnx("fast path: %s; established connections go through the queue "
			     "until it works (trying again every second)", err);
	f->pending = true;
	f->next_try_ns = now_ns + RETRY_NS;
	return -1;
}

int pc_fastpath_apply(struct pc_fastpath *f, uint32_t gen, bool stateful, uint64_t now_ns)
{
	f->gen = gen;
	f->active = stateful;
	return set_chains(f, now_ns);
}

void pc_fastpath_retry(struct pc_fastpath *f, uint64_t now_ns)
{
	if (f->pending && now_ns >= f->next_try_ns)
		set_chains(f, now_ns);
}

int pc_fastpath_sweep(pc_ctsweep_fn *sweep, const struct pc_marks *marks, uint32_t gen,
		      struct pc_ctsweep_stats *st)
{
	*st = (struct pc_ctsweep_stats){ 0 };
	return sweep ? sweep(marks, gen, st) : 0;
}

void pc_fastpath_sweep_done(struct pc_fastpath *f, uint32_t gen, int rc, int err,
			    const struct pc_ctsweep_stats *st)
{
	f->swept += st->cleared;
	f->sweep_errors += st->errors + (rc < 0);
	if (st->cleared)
		pc_log_info("fast path: %llu connections idle since generation %u will be judged "
			    "again", (unsigned long long)st->cleared, gen);
	if (rc < 0)
		pc_log_warnx("fast path: cannot clear generation %u from conntrack (%s): a "
			     "connection idle since the generations last came round to %u passes "
			     "on its old verdict", gen, strerror(err), gen);
	else if (st->errors)
		pc_log_warnx("fast path: %llu conntrack entries of generation %u could not be "
			     "cleared: they pass on their old verdict",
			     (unsigned long long)st->errors, gen);
}
