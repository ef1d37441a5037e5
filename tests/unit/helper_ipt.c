/* helper_ipt.c - iptables' PORTCULLIS-FAST chains in memory */
#include "helper_ipt.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

struct pc_test_ipt pc_test_ipt;

void pc_test_ipt_reset(void)
{
	memset(&pc_test_ipt, 0, sizeof(pc_test_ipt));
}

/* iptables-restore --noflush: a ":CHAIN" line creates or flushes the
 * chain, "-A" lines append to it. */
void pc_test_ipt_restore(int fam, const char *text)
{
	struct pc_test_chain *c = &pc_test_ipt.fam[fam];
	const char *decl = ":" PC_HOOK_CHAIN_FAST " ";

	for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
		size_t n = (size_t)(strchr(l, '\n') - l);

		if (!strncmp(l, decl, strlen(decl))) {
			c->exists = true;
			c->rules[0] = '\0';
		} else if (!strncmp(l, "-A ", 3)) {
			ck_assert(c->exists);
			ck_assert_uint_lt(strlen(c->rules) + n + 1, sizeof(c->rules));
			strncat(c->rules, l, n + 1);
		}
	}
}

static int run(void *ctx, const char *const *argv, const char *input, int flags, char *out,
	       size_t outlen)
{
	int fam = !strncmp(argv[0], "ip6tables", 9);
	struct pc_test_chain *c = &pc_test_ipt.fam[fam];

	(void)ctx;
	(void)flags;
	pc_test_ipt.calls++;
	if (strstr(argv[0], "-restore")) {
		ck_assert_ptr_nonnull(input);
		if (pc_test_ipt.fail_restore)
			return pc_test_ipt.fail_restore;
		pc_test_ipt_restore(fam, input);
		return 0;
	}
	ck_assert_str_eq(argv[2], "-S");
	ck_assert_str_eq(argv[3], PC_HOOK_CHAIN_FAST);
	if (pc_test_ipt.fail_read)
		return pc_test_ipt.fail_read;
	if (!c->exists)
		return 1; /* iptables: no chain by that name */
	snprintf(out, outlen, "-N %s\n%s", PC_HOOK_CHAIN_FAST, c->rules);
	return 0;
}

const struct pc_hooks_runner pc_test_ipt_runner = { run, NULL };

void pc_test_ipt_leave(uint32_t mask, uint32_t g4, uint32_t g6)
{
	char text[512];

	ck_assert_int_eq(pc_hooks_fast_text(mask, g4, text, sizeof(text)), 0);
	pc_test_ipt_restore(0, text);
	ck_assert_int_eq(pc_hooks_fast_text(mask, g6, text, sizeof(text)), 0);
	pc_test_ipt_restore(1, text);
}

uint32_t pc_test_ipt_gen(uint32_t mask, int fam)
{
	uint32_t gen[2];
	char err[256];

	ck_assert_int_eq(pc_hooks_fast_get(mask, &pc_test_ipt_runner, gen, err, sizeof(err)), 0);
	return gen[fam];
}
