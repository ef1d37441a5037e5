/* budget.c - what a rule costs the index */
#include "budget.h"

#include "addr.h"

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* Elements of v that admit family fam ("any" admits both). */
static uint64_t admitting(const struct pc_prefix *v, size_t n, unsigned fam)
{
	uint64_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += v[i].family == PC_FAM_ANY || v[i].family == fam;
	return k;
}

uint64_t pc_budget_entries(const struct pc_rule *r)
{
	static const unsigned fams[] = { PC_FAM_V4, PC_FAM_V6 };
	uint64_t pairs = 0, elems;

	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++)
		pairs = add_sat(pairs, mul_sat(admitting(r->remote, r->n_remote, fams[i]),
					       admitting(r->local, r->n_local, fams[i])));
	elems = mul_sat(mul_sat(r->n_lport, r->n_rport), r->n_icmp);
	return mul_sat(pairs, elems);
}
