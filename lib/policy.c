/* policy.c - the policy container: settings and rules in file order */
#include "policy_int.h"

#include "marks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void settings_clear(struct pc_settings *s)
{
	free(s->log_file);
	free(s->pid_file);
	free(s->status_file);
	free(s->metrics_file);
	memset(s, 0, sizeof(*s));
}

/* Sets the defaults of the [portcullis] section. Returns 0, or -1 (ENOMEM). */
static int settings_init(struct pc_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->dflt = PC_DENY;
	s->log = PC_LOG_DENY;
	s->log_target = PC_LOGT_SYSLOG;
	s->log_format = PC_LOGF_TEXT;
	s->log_rate = 100;
	s->stateful = true;
	s->mark_mask = PC_MARK_MASK_DEFAULT;
	s->pid_file = strdup("/run/portcullis/portcullis.pid");
	s->status_file = strdup("/run/portcullis/status");
	if (!s->pid_file || !s->status_file) {
		settings_clear(s);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void pc_rule_defaults(struct pc_policy *p, struct pc_rule *r)
{
	*r = (struct pc_rule){
		.enabled = true,
		.proto = PC_PROTO_ANY,
		.dir = PC_DIR_BOTH,
		.remote = &p->any_addr, .n_remote = 1,
		.local = &p->any_addr, .n_local = 1,
		.lport = &p->any_port, .n_lport = 1,
		.rport = &p->any_port, .n_rport = 1,
		.icmp = &p->any_icmp, .n_icmp = 1,
	};
}

struct pc_policy *pc_policy_new(void)
{
	struct pc_policy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->names = pc_strmap_new();
	p->mem = pc_arena_new();
	if (!p->names || !p->mem || settings_init(&p->set) < 0) {
		pc_strmap_free(p->names);
		pc_arena_free(p->mem);
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	p->any_port = (struct pc_portrange){ 0, 65535 };
	p->any_icmp = (struct pc_icmpspec){ PC_ICMP_ANY, PC_ICMP_ANY };
	return p;
}

void pc_policy_free(struct pc_policy *p)
{
	if (!p)
		return;
	free(p->rules);
	pc_strmap_free(p->names);
	pc_arena_free(p->mem);
	settings_clear(&p->set);
	free(p->path);
	free(p);
}

/* Room for one more rule. Returns 0, or -1 (ENOMEM). */
static int room(struct pc_policy *p)
{
	if (p->n < p->cap)
		return 0;
	size_t cap = p->cap ? 2 * p->cap : 16;
	struct pc_rule *v = realloc(p->rules, cap * sizeof(*v));
	if (!v) {
		errno = ENOMEM;
		return -1;
	}
	p->rules = v;
	p->cap = cap;
	return 0;
}

char *pc_policy_reserve(struct pc_policy *p, const char *name, size_t *prev)
{
	char *copy = pc_arena_strdup(p->mem, name);

	if (!copy || room(p) < 0)
		return NULL;
	if (pc_strmap_add(p->names, copy, p->n, prev) < 0)
		return NULL;
	return copy;
}

void pc_policy_commit(struct pc_policy *p, const struct pc_rule *r)
{
	p->enabled += r->enabled;
	p->rules[p->n++] = *r;
}

/* A copy of list v (n elements of size bytes) in p->mem; the shared "any"
 * list when v is one "any" element. NULL with errno. */
static void *copy_list(struct pc_policy *p, void *any, const void *v, size_t n, size_t size)
{
	if (n == 1 && !memcmp(v, any, size))
		return any;
	return pc_arena_dup(p->mem, v, n * size);
}

int pc_policy_add(struct pc_policy *p, const struct pc_rule *r)
{
	struct pc_rule c = *r;

	if (!r->name || !r->n_remote || !r->n_local || !r->n_lport || !r->n_rport || !r->n_icmp) {
		errno = EINVAL;
		return -1;
	}
	if (pc_policy_find(p, r->name) >= 0) {
		errno = EEXIST;
		return -1;
	}
	/* on ENOMEM, what was copied stays in p->mem until the policy is freed */
	c.description = r->description ? pc_arena_strdup(p->mem, r->description) : NULL;
	c.remote = copy_list(p, &p->any_addr, r->remote, r->n_remote, sizeof(*r->remote));
	c.local = copy_list(p, &p->any_addr, r->local, r->n_local, sizeof(*r->local));
	c.lport = copy_list(p, &p->any_port, r->lport, r->n_lport, sizeof(*r->lport));
	c.rport = copy_list(p, &p->any_port, r->rport, r->n_rport, sizeof(*r->rport));
	c.icmp = copy_list(p, &p->any_icmp, r->icmp, r->n_icmp, sizeof(*r->icmp));
	if ((r->description && !c.description) || !c.remote || !c.local || !c.lport || !c.rport ||
	    !c.icmp || !(c.name = pc_policy_reserve(p, r->name, NULL))) {
		errno = ENOMEM;
		return -1;
	}
	pc_policy_commit(p, &c);
	return 0;
}

const struct pc_rule *pc_policy_rules(const struct pc_policy *p, size_t *n)
{
	*n = p->n;
	return p->rules;
}

const struct pc_settings *pc_policy_settings(const struct pc_policy *p)
{
	return &p->set;
}

struct pc_settings *pc_policy_settings_mut(struct pc_policy *p)
{
	return &p->set;
}

const char *pc_policy_path(const struct pc_policy *p)
{
	return p->path ? p->path : "(built)";
}

size_t pc_policy_enabled(const struct pc_policy *p)
{
	return p->enabled;
}

long pc_policy_find(const struct pc_policy *p, const char *name)
{
	return pc_strmap_get(p->names, name);
}

