/* helper_policy.c - loading policies and showing their diagnostics in tests */
#include "helper_policy.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

const char *pc_test_diag_dump(const struct pc_diag *d)
{
	static char buf[8192];
	size_t used = 0;
	const char *t;

	buf[0] = '\0';
	for (size_t i = 0; (t = pc_diag_text(d, i, NULL)) && used < sizeof(buf); i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "  %s\n", t);
	return buf;
}

struct pc_policy *pc_test_load(const char *text, const char *name)
{
	struct pc_diag *d = pc_diag_new();
	struct pc_policy *p;

	ck_assert_ptr_nonnull(d);
	p = pc_policy_load_string(text, name, d);
	ck_assert_msg(p, "%s: policy rejected:\n%s", name, pc_test_diag_dump(d));
	pc_diag_free(d);
	return p;
}

const char *pc_test_data_dir(void)
{
	const char *d = getenv("PC_TEST_DATA");

	ck_assert_msg(d && *d, "PC_TEST_DATA is not set (ctest sets it to tests/data)");
	return d;
}
