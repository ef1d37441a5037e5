/* fuzz_confedit.c - the editor against the loader. Input: one control byte
 * (bit 0: on or off; the rest picks a rule), then policy text. Whatever the
 * text, no crash. When the loader takes it: the editor sees the loader's
 * rules, names and states; after switching one rule (and the variants its
 * name selects) the result loads, those rules have the state asked for,
 * and nothing else of the policy differs. */
#include "fuzz.h"

#include <stdbool.h>
#include <string.h>

#include "confedit.h"
#include "diag.h"
#include "policy.h"

static struct pc_policy *load(const char *text, struct pc_diag **d)
{
	if (!(*d = pc_diag_new()))
		abort();
	return pc_policy_load_string(text, "/nonexistent/fuzz.conf", *d);
}

static bool same_list(const void *a, size_t na, const void *b, size_t nb, size_t size)
{
	return na == nb && (!na || !memcmp(a, b, na * size));
}

/* Everything of a rule but its enabled flag and its line. */
static bool same_rule(const struct pc_rule *a, const struct pc_rule *b)
{
	return !strcmp(a->name, b->name) && !a->description == !b->description &&
	       (!a->description || !strcmp(a->description, b->description)) &&
	       a->action == b->action && a->proto == b->proto && a->dir == b->dir &&
	       a->log == b->log &&
	       same_list(a->remote, a->n_remote, b->remote, b->n_remote, sizeof(*a->remote)) &&
	       same_list(a->local, a->n_local, b->local, b->n_local, sizeof(*a->local)) &&
	       same_list(a->lport, a->n_lport, b->lport, b->n_lport, sizeof(*a->lport)) &&
	       same_list(a->rport, a->n_rport, b->rport, b->n_rport, sizeof(*a->rport)) &&
	       same_list(a->icmp, a->n_icmp, b->icmp, b->n_icmp, sizeof(*a->icmp));
}

static bool same_str(const char *a, const char *b)
{
	return !a == !b && (!a || !strcmp(a, b));
}

static bool same_settings(const struct pc_settings *a, const struct pc_settings *b)
{
	return a->dflt == b->dflt && a->queue_lo == b->queue_lo && a->queue_hi == b->queue_hi &&
	       a->fail_open == b->fail_open && a->log == b->log && a->log_target == b->log_target &&
	       same_str(a->log_file, b->log_file) && a->log_format == b->log_format &&
	       a->log_rate == b->log_rate && same_str(a->pid_file, b->pid_file) &&
	       same_str(a->status_file, b->status_file);
}

/* The editor reads the rules the loader reads, in the same states. */
static void same_view(const struct pc_policy *p, const char *text)
{
	struct pc_confedit *e = pc_confedit_new(text, strlen(text));
	size_t n;
	const struct pc_rule *r = pc_policy_rules(p, &n);

	FUZZ_CHECK(e != NULL, "the editor refuses a text the loader takes");
	FUZZ_CHECK(pc_confedit_count(e) == n, "editor %zu rules, loader %zu", pc_confedit_count(e), n);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(!strcmp(pc_confedit_name(e, i), r[i].name), "rule %zu: '%s' vs '%s'", i,
			   pc_confedit_name(e, i), r[i].name);
		FUZZ_CHECK(pc_confedit_state(e, i) == (int)r[i].enabled, "rule '%s': editor %d, loader %d",
			   r[i].name, pc_confedit_state(e, i), r[i].enabled);
	}
	pc_confedit_free(e);
}

static bool budget_error(const struct pc_diag *d)
{
	for (size_t i = 0; i < pc_diag_count(d); i++)
		if (strstr(pc_diag_text(d, i, NULL), "index entries"))
			return true;
	return false;
}

static void edit(const struct pc_policy *p, const char *text, uint8_t ctl)
{
	size_t n, n2, sel[64], nsel;
	const struct pc_rule *r = pc_policy_rules(p, &n);
	bool on = ctl & 1;
	char err[512];

	if (!n)
		return;
	const char *name = r[(ctl >> 1) % n].name;
	struct pc_confedit *e = pc_confedit_new(text, strlen(text));
	FUZZ_CHECK(e != NULL, "the editor refuses a text the loader takes");
	nsel = pc_confedit_select(e, name, sel, 64);
	pc_confedit_free(e);
	if (nsel > 64)
		return;
	size_t len;
	char *out = pc_confedit_apply(text, strlen(text), &name, 1, on, &len, err, sizeof(err));
	FUZZ_CHECK(out != NULL, "switching '%s': %s", name, err);
	struct pc_diag *d;
	struct pc_policy *q = load(out, &d);
	FUZZ_CHECK(q || (on && budget_error(d)), "the edited text does not load: %s",
		   pc_diag_count(d) ? pc_diag_text(d, 0, NULL) : "?");
	if (q) {
		const struct pc_rule *s = pc_policy_rules(q, &n2);
		FUZZ_CHECK(n2 == n, "%zu rules became %zu", n, n2);
		FUZZ_CHECK(same_settings(pc_policy_settings(p), pc_policy_settings(q)), "settings changed");
		for (size_t i = 0, k = 0; i < n; i++) {
			bool chosen = k < nsel && sel[k] == i;
			k += chosen;
			FUZZ_CHECK(same_rule(&r[i], &s[i]), "rule '%s' changed beyond enabled", r[i].name);
			FUZZ_CHECK(s[i].enabled == (chosen ? on : r[i].enabled),
				   "rule '%s' (%s) is %d after switching '%s' %s", r[i].name,
				   chosen ? "chosen" : "not chosen", s[i].enabled, name, on ? "on" : "off");
		}
		same_view(q, out);
	}
	pc_policy_free(q);
	pc_diag_free(d);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pc_diag *d;
	struct pc_policy *p;
	char *text, err[512];

	if (size < 1 || memmem(data, size, "file:", 5))
		return 0;
	text = fuzz_str(data + 1, size - 1);
	p = load(text, &d);
	if (p) {
		same_view(p, text);
		edit(p, text, data[0]);
	} else {
		const char *all[] = { "x", text };
		free(pc_confedit_apply(text, strlen(text), all, 2, data[0] & 1, NULL, err, sizeof(err)));
	}
	pc_policy_free(p);
	pc_diag_free(d);
	free(text);
	return 0;
}
