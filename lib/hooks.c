/* hooks.c - installing and removing the NFQUEUE hook chains */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hooks.h"
#include "marks.h"

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

/* The stateful rules of one chain between its loopback RETURN and its
 * NFQUEUE (marks.h has the bits). */
static int stateful_rules(const struct pc_marks *m, const char *ch, char *buf, size_t len,
			  size_t *used)
{
	uint32_t kpg = m->known | m->permit | m->gen, kp = m->known | m->permit;
	int rc;

	/* first the fast path (established connections: the fewest rules),
	 * then a verdict the daemon repeated: save it, accept or drop */
	rc = append(buf, len, used,
		    "-A %s -j %s\n"
		    "-A %s -m mark --mark 0x%x/0x%x -j CONNMARK --save-mark --nfmask 0x%x "
		    "--ctmask 0x%x\n"
		    "-A %s -m mark --mark 0x%x/0x%x -j ACCEPT\n"
		    "-A %s -m mark --mark 0x%x/0x%x -j DROP\n",
		    ch, PC_HOOK_CHAIN_FAST, ch, m->save, m->save, kpg, kpg, ch,
		    m->save | m->permit, m->save | m->permit, ch, m->save, m->save);
	/* the conntrack state, for the daemon */
	rc |= append(buf, len, used,
		     "-A %s -j MARK --set-xmark 0x%x/0x%x\n"
		     "-A %s -m conntrack --ctstate NEW -j MARK --set-xmark 0x%x/0x%x\n"
		     "-A %s -m conntrack --ctstate INVALID -j MARK --set-xmark 0x%x/0x%x\n"
		     "-A %s -m conntrack --ctstate ESTABLISHED,RELATED --ctdir ORIGINAL "
		     "-j MARK --set-xmark 0x%x/0x%x\n"
		     "-A %s -m conntrack --ctstate ESTABLISHED,RELATED --ctdir REPLY "
		     "-j MARK --set-xmark 0x%x/0x%x\n"
		     "-A %s -m conntrack --ctstate ESTABLISHED,RELATED -j CONNMARK --restore-mark "
		     "--nfmask 0x%x --ctmask 0x%x\n",
		     ch, pc_marks_code_bits(m, PC_CT_UNTRACKED), m->mask,
		     ch, pc_marks_code_bits(m, PC_CT_NEW), m->mask,
		     ch, pc_marks_code_bits(m, PC_CT_INVALID), m->mask,
		     ch, pc_marks_code_bits(m, PC_CT_ORIGINAL), m->mask,
		     ch, pc_marks_code_bits(m, PC_CT_REPLY), m->mask, ch, kp, kp);
	return rc;
}

int pc_hooks_restore_text(const struct pc_hooks_conf *c, char *buf, size_t len)
{
	struct pc_marks m;
	char target[96];
	size_t used = 0;
	int rc;

	if (target_text(c, target, sizeof(target)) < 0 ||
	    (c->stateful && pc_marks_init(&m, c->mark_mask) < 0))
		return -1;
	rc = append(buf, len, &used, "*filter\n");
	for (size_t i = 0; i < N_ELEM(hooks); i++)
		rc |= append(buf, len, &used, ":%s - [0:0]\n", hooks[i].chain);
	for (size_t i = 0; i < N_ELEM(hooks); i++) {
		rc |= append(buf, len, &used, "-A %s %s -j RETURN\n", hooks[i].chain, hooks[i].lo);
		if (c->stateful)
			rc |= stateful_rules(&m, hooks[i].chain, buf, len, &used);
		rc |= append(buf, len, &used, "-A %s -j NFQUEUE %s\n", hooks[i].chain, target);
	}
	rc |= append(buf, len, &used, "COMMIT\n");
	if (rc < 0) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}

int pc_hooks_fast_text(uint32_t mask, uint32_t gen, char *buf, size_t len)
{
	const char *ch = PC_HOOK_CHAIN_FAST;
	struct pc_marks m;
	size_t used = 0;
	uint32_t kpg, kg;
	int rc;

	if (pc_marks_init(&m, mask) < 0 || gen > m.gen_max) {
		errno = EINVAL;
		return -1;
	}
	kpg = m.known | m.permit | m.gen;
	kg = m.known | pc_marks_gen_bits(&m, gen);
	rc = append(buf, len, &used, "*filter\n:%s - [0:0]\n", ch);
	if (gen)
		rc |= append(buf, len, &used,
			     "-A %s -m connmark --mark 0x%x/0x%x -j ACCEPT\n"
			     "-A %s -m connmark --mark 0x%x/0x%x -j DROP\n",
			     ch, kg | m.permit, kpg, ch, kg, kpg);
	rc |= append(buf, len, &used, "COMMIT\n");
	if (rc < 0) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
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

/* Runs "TOOL -w OP BASE -j CHAIN" (or "TOOL -w OP BASE 1 -j CHAIN" for an insert). */
static int run_jump(const struct pc_hooks_runner *r, const char *tool, const char *op,
		    const struct hook *h, int flags)
{
	const char *argv[] = { tool, "-w", op, h->base, "-j", h->chain, NULL };
	const char *ins[] = { tool, "-w", op, h->base, "1", "-j", h->chain, NULL };

	return r->run(r->ctx, strcmp(op, "-I") ? argv : ins, NULL, flags, NULL, 0);
}

/* Runs "TOOL -w OP ARG". */
static int run_op(const struct pc_hooks_runner *r, const char *tool, const char *op,
		  const char *arg, int flags)
{
	const char *argv[] = { tool, "-w", op, arg, NULL };

	return r->run(r->ctx, argv, NULL, flags, NULL, 0);
}

/* Runs "TOOL -w -F CHAIN" and "TOOL -w -X CHAIN". */
static int delete_chain(const struct family *f, const char *chain,
			const struct pc_hooks_runner *r, char *err, size_t errlen)
{
	char why[128];
	int rc = run_op(r, f->tool, "-F", chain, 0);

	if (rc == 0)
		rc = run_op(r, f->tool, "-X", chain, 0);
	if (rc == 0)
		return 0;
	set_err(err, errlen, "%s: cannot delete the chain %s (%s)", f->tool, chain,
		outcome(rc, why, sizeof(why)));
	return -1;
}

/* Whether a chain exists: "TOOL -w -S CHAIN" succeeds. */
static bool chain_exists(const struct family *f, const char *chain,
			 const struct pc_hooks_runner *r)
{
	return run_op(r, f->tool, "-S", chain, PC_RUN_NO_STDOUT | PC_RUN_NO_STDERR) == 0;
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

static int family_up(const struct family *f, const struct pc_hooks_conf *c, const char *text,
		     const struct pc_hooks_runner *r, char *err, size_t errlen)
{
	const char *argv[] = { f->restore, "-w", "--noflush", NULL };
	char why[128];
	int rc = 0;

	/* the fast path keeps its rules: only a missing chain is created */
	if (c->stateful && !chain_exists(f, PC_HOOK_CHAIN_FAST, r) &&
	    (rc = run_op(r, f->tool, "-N", PC_HOOK_CHAIN_FAST, 0)) != 0) {
		set_err(err, errlen, "%s: cannot create the chain %s (%s)", f->tool,
			PC_HOOK_CHAIN_FAST, outcome(rc, why, sizeof(why)));
		return -1;
	}
	rc = r->run(r->ctx, argv, text, 0, NULL, 0);
	if (rc != 0) {
		set_err(err, errlen, "%s: cannot fill the chains %s and %s (%s)", f->restore,
			PC_HOOK_CHAIN_IN, PC_HOOK_CHAIN_OUT, outcome(rc, why, sizeof(why)));
		return -1;
	}
	for (size_t i = 0; i < N_ELEM(hooks); i++)
		if (jump_up(f, &hooks[i], r, err, errlen) < 0)
			return -1;
	if (!c->stateful && chain_exists(f, PC_HOOK_CHAIN_FAST, r))
		return delete_chain(f, PC_HOOK_CHAIN_FAST, r, err, errlen);
	return 0;
}

int pc_hooks_up(const struct pc_hooks_conf *c, const struct pc_hooks_runner *r,
		char *err, size_t errlen)
{
	char text[4096];

	if (pc_hooks_restore_text(c, text, sizeof(text)) < 0) {
		set_err(err, errlen, "bad queue range %u-%u", c->queue_lo, c->queue_hi);
		return -1;
	}
	for (size_t i = 0; i < N_ELEM(families); i++)
		if (family_up(&families[i], c, text, r, err, errlen) < 0)
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
	return delete_chain(f, h->chain, r, err, errlen);
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
	/* referenced only by the chains above: removable once they are gone */
	if (ret == 0 && chain_exists(f, PC_HOOK_CHAIN_FAST, r))
		ret = delete_chain(f, PC_HOOK_CHAIN_FAST, r, err, errlen);
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

int pc_hooks_fast_set(uint32_t mask, uint32_t gen, const struct pc_hooks_runner *r,
		      char *err, size_t errlen)
{
	char text[512], why[128];

	if (pc_hooks_fast_text(mask, gen, text, sizeof(text)) < 0) {
		set_err(err, errlen, "bad mark-mask 0x%x or generation %u", mask, gen);
		return -1;
	}
	for (size_t i = 0; i < N_ELEM(families); i++) {
		const char *argv[] = { families[i].restore, "-w", "--noflush", NULL };
		int rc = r->run(r->ctx, argv, text, 0, NULL, 0);

		if (rc != 0) {
			set_err(err, errlen, "%s: cannot fill the chain %s (%s)", families[i].restore,
				PC_HOOK_CHAIN_FAST, outcome(rc, why, sizeof(why)));
			return -1;
		}
	}
	return 0;
}

/* The generation of the first "--mark VALUE/MASK" in iptables -S output
 * whose mask is the fast path's; 0 when none. */
static uint32_t parse_gen(const struct pc_marks *m, const char *text)
{
	uint32_t kpg = m->known | m->permit | m->gen;

	for (const char *s = strstr(text, "--mark "); s; s = strstr(s + 1, "--mark ")) {
		unsigned v, mask;

		if (sscanf(s, "--mark 0x%x/0x%x", &v, &mask) == 2 && mask == kpg)
			return pc_marks_gen_of(m, v);
	}
	return 0;
}

int pc_hooks_fast_get(uint32_t mask, const struct pc_hooks_runner *r, uint32_t gen[2],
		      char *err, size_t errlen)
{
	struct pc_marks m;
	char out[2048], why[128];

	gen[0] = gen[1] = 0;
	if (pc_marks_init(&m, mask) < 0) {
		set_err(err, errlen, "bad mark-mask 0x%x", mask);
		return -1;
	}
	for (size_t i = 0; i < N_ELEM(families); i++) {
		const char *argv[] = { families[i].tool, "-w", "-S", PC_HOOK_CHAIN_FAST, NULL };
		int rc = r->run(r->ctx, argv, NULL, PC_RUN_NO_STDERR, out, sizeof(out));
		if (rc == 1)
			continue; /* no such chain */
		if (rc != 0) {
			set_err(err, errlen, "%s: cannot read the chain %s (%s)", families[i].tool,
				PC_HOOK_CHAIN_FAST, outcome(rc, why, sizeof(why)));
			return -1;
		}
		gen[i] = parse_gen(&m, out);
	}
	return 0;
}

static int run_real(void *ctx, const char *const *argv, const char *input, int flags, char *out,
		    size_t outlen)
{
	(void)ctx;
	return pc_run(argv, input, flags, out, outlen);
}

const struct pc_hooks_runner pc_hooks_real_runner = { run_real, NULL };
