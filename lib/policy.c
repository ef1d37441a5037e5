/* policy.c - the policy container: settings and rules in file order */
#include "policy_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int pc_settings_init(struct pc_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->dflt = PC_DENY;
	s->log = PC_LOG_DENY;
	s->log_target = PC_LOGT_SYSLOG;
	s->log_format = PC_LOGF_TEXT;
	s->log_rate = 100;
	s->pid_file = strdup("/run/portcullis/portcullis.pid");
	s->status_file = strdup("/run/portcullis/status");
	if (!s->pid_file || !s->status_file) {
		pc_settings_clear(s);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void pc_settings_clear(struct pc_settings *s)
{
	free(s->log_file);
	free(s->pid_file);
	free(s->status_file);
	memset(s, 0, sizeof(*s));
}

void pc_rule_clear(struct pc_rule *r)
{
	free(r->name);
	free(r->description);
	free(r->remote);
	free(r->local);
	free(r->lport);
	free(r->rport);
	free(r->icmp);
	memset(r, 0, sizeof(*r));
}

struct pc_policy *pc_policy_new(void)
{
	struct pc_policy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->names = pc_strmap_new();
	if (!p->names || pc_settings_init(&p->set) < 0) {
		pc_strmap_free(p->names);
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

void pc_policy_free(struct pc_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		pc_rule_clear(&p->rules[i]);
	free(p->rules);
	pc_strmap_free(p->names);
	pc_settings_clear(&p->set);
	free(p->path);
	free(p);
}

int pc_policy_take(struct pc_policy *p, struct pc_rule *r)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		struct pc_rule *v = realloc(p->rules, cap * sizeof(*v));
		if (!v)
			return -1;
		p->rules = v;
		p->cap = cap;
	}
	if (pc_strmap_put(p->names, r->name, p->n) < 0)
		return -1;
	p->enabled += r->enabled;
	p->rules[p->n++] = *r;
	memset(r, 0, sizeof(*r));
	return 0;
}

static void *dup_array(const void *v, size_t n, size_t size)
{
	void *d = malloc(n * size);
	if (d)
		memcpy(d, v, n * size);
	return d;
}

int pc_policy_add(struct pc_policy *p, const struct pc_rule *r)
{
	struct pc_rule c = *r;

	if (!r->name || !r->n_remote || !r->n_local || !r->n_lport || !r->n_rport || !r->n_icmp) {
		errno = EINVAL;
		return -1;
	}
	c.name = strdup(r->name);
	c.description = r->description ? strdup(r->description) : NULL;
	c.remote = dup_array(r->remote, r->n_remote, sizeof(*r->remote));
	c.local = dup_array(r->local, r->n_local, sizeof(*r->local));
	c.lport = dup_array(r->lport, r->n_lport, sizeof(*r->lport));
	c.rport = dup_array(r->rport, r->n_rport, sizeof(*r->rport));
	c.icmp = dup_array(r->icmp, r->n_icmp, sizeof(*r->icmp));
	if (!c.name || (r->description && !c.description) || !c.remote || !c.local || !c.lport ||
	    !c.rport || !c.icmp) {
		errno = ENOMEM;
		goto fail;
	}
	if (pc_policy_take(p, &c) == 0)
		return 0;
fail:;
	int e = errno;
	pc_rule_clear(&c);
	errno = e;
	return -1;
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
