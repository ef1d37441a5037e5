/* fuzz_loader.c - policy text through the loader and the index: whatever
 * the text, no crash; when it loads, the index decides every packet as the
 * linear reference (pc_linear_lookup) does. Packets are aimed at the
 * policy's rules (tests/unit/helper_randpol.c), seeded by the input. */
#include "fuzz.h"

#include <string.h>

#include "budget.h"
#include "diag.h"
#include "helper_randpol.h"
#include "index.h"
#include "match.h"
#include "policy.h"

#define PACKETS 256
#define ENTRIES_MAX 20000 /* bigger expansions: slow to build, not more to learn */

static uint64_t entries(const struct pc_policy *p)
{
	size_t n;
	const struct pc_rule *r = pc_policy_rules(p, &n);
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		if (r[i].enabled) {
			uint64_t e = pc_budget_entries(&r[i]);
			total = e > ENTRIES_MAX || total + e > ENTRIES_MAX ? ENTRIES_MAX + 1 : total + e;
		}
	return total;
}

static void differential(const struct pc_policy *p, uint64_t seed)
{
	struct pc_index *ix = pc_index_new(p);
	struct pc_rng rng;

	FUZZ_CHECK(ix != NULL, "a loaded policy does not compile");
	pc_rng_seed(&rng, seed);
	for (int i = 0; i < PACKETS; i++) {
		struct pc_pkt k;

		pc_randpol_packet(&rng, p, &k);
		long got = pc_index_lookup(ix, &k), want = pc_linear_lookup(p, &k);
		if (got != want) {
			pc_randpol_mismatch(p, &k, got, want, "fuzz_loader packet %d", i);
			abort();
		}
	}
	pc_index_free(ix);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pc_diag *d;
	struct pc_policy *p;
	char *text;

	if (memmem(data, size, "file:", 5))
		return 0; /* would read files of this machine */
	text = fuzz_str(data, size);
	if (!(d = pc_diag_new()))
		abort();
	p = pc_policy_load_string(text, "/nonexistent/fuzz.conf", d);
	FUZZ_CHECK(!p == (pc_diag_errors(d) > 0), "policy %p with %zu errors", (void *)p,
		   pc_diag_errors(d));
	if (p && entries(p) <= ENTRIES_MAX)
		differential(p, fuzz_hash(data, size));
	pc_policy_free(p);
	pc_diag_free(d);
	free(text);
	return 0;
}
