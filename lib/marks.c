/* marks.c - the layout of portcullis's bits inside mark-mask */
#include "marks.h"

#include <errno.h>
#include <string.h>

#define CODE_BITS 3

int pc_marks_init(struct pc_marks *m, uint32_t mask)
{
	uint8_t pos[32];
	unsigned n = 0;

	memset(m, 0, sizeof(*m));
	for (unsigned b = 0; b < 32; b++)
		if (mask & (1u << b))
			pos[n++] = (uint8_t)b;
	if (n < PC_MARK_BITS_MIN) {
		errno = EINVAL;
		return -1;
	}
	m->mask = mask;
	m->save = 1u << pos[0];
	m->known = 1u << pos[1];
	m->permit = 1u << pos[2];
	for (unsigned i = 3; i < n; i++) {
		m->gbit[m->ngbits++] = pos[i];
		m->gen |= 1u << pos[i];
		if (i < 3 + CODE_BITS)
			m->code |= 1u << pos[i];
	}
	m->gen_max = m->ngbits >= 32 ? UINT32_MAX : (1u << m->ngbits) - 1;
	return 0;
}

uint32_t pc_marks_gen_bits(const struct pc_marks *m, uint32_t gen)
{
	uint32_t bits = 0;

	for (unsigned i = 0; i < m->ngbits; i++)
		if (gen & (1u << i))
			bits |= 1u << m->gbit[i];
	return bits;
}

uint32_t pc_marks_gen_of(const struct pc_marks *m, uint32_t mark)
{
	uint32_t gen = 0;

	for (unsigned i = 0; i < m->ngbits; i++)
		if (mark & (1u << m->gbit[i]))
			gen |= 1u << i;
	return gen;
}

uint32_t pc_marks_next_gen(const struct pc_marks *m, uint32_t gen)
{
	return gen >= m->gen_max ? 1 : gen + 1;
}

uint32_t pc_marks_code_bits(const struct pc_marks *m, enum pc_ct_code c)
{
	return pc_marks_gen_bits(m, (uint32_t)c);
}

enum pc_ct_code pc_marks_code(const struct pc_marks *m, uint32_t mark)
{
	uint32_t c = pc_marks_gen_of(m, mark & m->code);

	return c < PC_CT_CODE_MAX ? (enum pc_ct_code)c : PC_CT_UNTRACKED;
}

uint32_t pc_marks_verdict(const struct pc_marks *m, uint32_t mark, bool permit, uint32_t gen)
{
	return (mark & ~m->mask) | m->save | m->known | (permit ? m->permit : 0) |
	       pc_marks_gen_bits(m, gen);
}
