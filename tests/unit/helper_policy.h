/* helper_policy.h - policies and their diagnostics in the unit tests */
#ifndef PC_HELPER_POLICY_H
#define PC_HELPER_POLICY_H

#include "diag.h"
#include "policy.h"

/* Every message of d, one a line ("  TEXT\n"), for failure reports: a
 * static buffer, cut at 8 KiB. */
const char *pc_test_diag_dump(const struct pc_diag *d);

/* Loads text as the policy file name (messages say name; relative file:
 * paths start at its directory). The test fails, with the messages, when
 * the policy is rejected; warnings are not looked at. */
struct pc_policy *pc_test_load(const char *text, const char *name);

/* $PC_TEST_DATA, the test data directory (ctest sets it to tests/data);
 * the test fails when it is not set. */
const char *pc_test_data_dir(void);

#endif
