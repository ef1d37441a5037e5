/* hooks.c - installing and removing the NFQUEUE hook chains */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hooks.h"

#define QUEUE_MAX 65535u
#define JUMPS_MAX 64 /* bound on duplicate jumps removed by down */

struct family {
	const char *tool;
	const char *restore;
};

static const struct family families[] = {
	{ "iptables", "iptables-restore" },
	{ "ip6tables", "ip6tables-restore" },
};

struct hook {
	const char *base;  /* built-in chain jumping to ours */
	const char *chain; /* ours */
	const char *lo;    /* match of loopback traffic, returned unqueued */
};

static const struct hook hooks[] = {
	{ "INPUT", PC_HOOK_CHAIN_IN, "-i lo" },
	{ "OUTPUT", PC_HOOK_CHAIN_OUT, "-o lo" },
};

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Appends to buf (len bytes, *used taken). Returns 0, or -1 when it does not fit. */
static int append(char *buf, size_t len, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used >= len)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *used)
		return -1;
	*used += (size_t)n;
	return 0;
}

/* Writes the NFQUEUE target options into buf. Returns 0, or -1 with errno. */
static int target_text(const struct pc_hooks_conf *c, char *buf, size_t len)
{
	size_t used = 0;
	int rc;

	if (c->queue_lo > c->queue_hi || c->queue_hi > QUEUE_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (c->queue_lo == c->queue_hi)
		rc = append(buf, len, &used, "--queue-num %u", c->queue_lo);
	else
		rc = append(buf, len, &used, "--queue-balance %u:%u%s", c->queue_lo, c->queue_hi,
			    c->cpu_fanout ? " --queue-cpu-fanout" : "");
	if (c->fail_open)
		rc |= append(buf, len, &used, " --queue-bypass");
	if (rc < 0) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}

int pc_hooks_restore_text(const struct pc_hooks_conf *c, char *buf, size_t len)
{
	char target[96];
	size_t used = 0;
	int rc;

	if (target_text(c, target, sizeof(target)) < 0)
		return -1;
	rc = append(buf, len, &used, "*filter\n");
	for (size_t i = 0; i < N_ELEM(hooks); i++)
		rc |= append(buf, len, &used, ":%s - [0:0]\n", hooks[i].chain);
	for (size_t i = 0; i < N_ELEM(hooks); i++)
		rc |= append(buf, len, &used, "-A %s %s -j RETURN\n-A %s -j NFQUEUE %s\n",
			     hooks[i].chain, hooks[i].lo, hooks[i].chain, target);
	rc |= append(buf, len, &used, "COMMIT\n");
	if (rc < 0) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}

/* Runs "TOOL -w OP BASE -j CHAIN" (or "TOOL -w OP BASE 1 -j CHAIN" for an insert). */
static int run_jump(const struct pc_hooks_runner *r, const char *tool, const char *op,
		    const struct hook *h, int flags)
{
	const char *argv[] = { tool, "-w", op, h->base, "-j", h->chain, NULL };
	const char *ins[] = { tool, "-w", op, h->base, "1", "-j", h->chain, NULL };

	return r->run(r->ctx, strcmp(op, "-I") ? argv : ins, NULL, flags);
}

/* Runs "TOOL -w OP ARG". */
static int run_op(const struct pc_hooks_runner *r, const char *tool, const char *op,
		  const char *arg, int flags)
{
	const char *argv[] = { tool, "-w", op, arg, NULL };

	return r->run(r->ctx, argv, NULL, flags);
}

/* Names a failed command's outcome: "exit N" or the errno text. */
static const char *outcome(int rc, char *buf, size_t len)
{
	if (rc < 0)
		snprintf(buf, len, "%s", strerror(errno));
	else
		snprintf(buf, len, "exit status %d", rc);
	return buf;
}

/* Adds the jump from h->base to h->chain unless it is there. */
static int jump_up(const struct family *f, const struct hook *h,
		   const struct pc_hooks_runner *r, char *err, size_t errlen)
{
	char why[128];
	int rc;

	rc = run_jump(r, f->tool, "-C", h, PC_RUN_NO_STDOUT | PC_RUN_NO_STDERR);
	if (rc == 0)
		return 0;
	if (rc == 1)
		rc = run_jump(r, f->tool, "-I", h, 0);
	if (rc == 0)
		return 0;
	set_err(err, errlen, "%s: cannot add the jump from %s to %s (%s)", f->tool, h->base,
		h->chain, outcome(rc, why, sizeof(why)));
	return -1;
}

static int family_up(const struct family *f, const char *text,
		     const struct pc_hooks_runner *r, char *err, size_t errlen)
{
	const char *argv[] = { f->restore, "-w", "--noflush", NULL };
	char why[128];
	int rc;

	rc = r->run(r->ctx, argv, text, 0);
	if (rc != 0) {
		set_err(err, errlen, "%s: cannot fill the chains %s and %s (%s)", f->restore,
			PC_HOOK_CHAIN_IN, PC_HOOK_CHAIN_OUT, outcome(rc, why, sizeof(why)));
		return -1;
	}
	for (size_t i = 0; i < N_ELEM(hooks); i++)
		if (jump_up(f, &hooks[i], r, err, errlen) < 0)
			return -1;
	return 0;
}

int pc_hooks_up(const struct pc_hooks_conf *c, const struct pc_hooks_runner *r,
		char *err, size_t errlen)
{
	char text[1024];

	if (pc_hooks_restore_text(c, text, sizeof(text)) < 0) {
		set_err(err, errlen, "bad queue range %u-%u", c->queue_lo, c->queue_hi);
		return -1;
	}
	for (size_t i = 0; i < N_ELEM(families); i++)
		if (family_up(&families[i], text, r, err, errlen) < 0)
			return -1;
	return 0;
}

/* Removes every jump from h->base to h->chain, then the chain. The chain
 * is known to exist. */
static int hook_down(const struct family *f, const struct hook *h,
		     const struct pc_hooks_runner *r, char *err, size_t errlen)
{
	char why[128];
	int rc = 0;

	for (int i = 0; i < JUMPS_MAX; i++) {
		rc = run_jump(r, f->tool, "-C", h, PC_RUN_NO_STDOUT | PC_RUN_NO_STDERR);
		if (rc != 0)
			break;
		rc = run_jump(r, f->tool, "-D", h, 0);
		if (rc != 0)
			break;
	}
	if (rc != 1) {
		set_err(err, errlen, "%s: cannot remove the jump from %s to %s (%s)", f->tool,
			h->base, h->chain, outcome(rc, why, sizeof(why)));
		return -1;
	}
	rc = run_op(r, f->tool, "-F", h->chain, 0);
	if (rc == 0)
		rc = run_op(r, f->tool, "-X", h->chain, 0);
	if (rc == 0)
		return 0;
	set_err(err, errlen, "%s: cannot delete the chain %s (%s)", f->tool, h->chain,
		outcome(rc, why, sizeof(why)));
	return -1;
}

static int family_down(const struct family *f, const struct pc_hooks_runner *r,
		       char *err, size_t errlen)
{
	char why[128];
	int rc, ret = 0;

	/* A readable table tells "our chain is absent" from "iptables fails". */
	rc = run_op(r, f->tool, "-S", "INPUT", PC_RUN_NO_STDOUT);
	if (rc != 0) {
		set_err(err, errlen, "%s: cannot read the filter table (%s)", f->tool,
			outcome(rc, why, sizeof(why)));
		return -1;
	}
	for (size_t i = 0; i < N_ELEM(hooks); i++) {
		rc = run_op(r, f->tool, "-S", hooks[i].chain, PC_RUN_NO_STDOUT | PC_RUN_NO_STDERR);
		if (rc != 0)
			continue; /* no chain, hence no jump to it */
		if (hook_down(f, &hooks[i], r, ret ? NULL : err, errlen) < 0)
			ret = -1;
	}
	return ret;
}

int pc_hooks_down(const struct pc_hooks_runner *r, char *err, size_t errlen)
{
	int ret = 0;

	for (size_t i = 0; i < N_ELEM(families); i++)
		if (family_down(&families[i], r, ret ? NULL : err, errlen) < 0)
			ret = -1;
	return ret;
}
