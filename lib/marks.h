/* marks.h - the bits of the packet mark and the connmark that stateful
 * portcullis owns: all inside the policy's mark-mask, so that an admin's own
 * marks outside it keep working.
 *
 * Counted from the lowest set bit of the mask:
 *   bit 0  S  "saved": set by the daemon in a verdict (NF_REPEAT); the hook
 *             chain then saves K, P and G into the connmark and accepts
 *             (P set) or drops the packet. Never in a connmark.
 *   bit 1  K  "known": the connection was decided by portcullis.
 *   bit 2  P  "permit": the decision was permit.
 *   bit 3+ G  the policy generation the decision was made under (never 0).
 * While a packet waits in the queue, the three lowest bits of G carry the
 * conntrack state the hook rules found (enum pc_ct_code); K and P carry the
 * connection's connmark when it is established. */
#ifndef PC_MARKS_H
#define PC_MARKS_H

#include <stdbool.h>
#include <stdint.h>

#define PC_MARK_MASK_DEFAULT 0xff000000u
#define PC_MARK_BITS_MIN 6 /* S, K, P and three bits of G */

/* The conntrack state of a queued packet, as the hook rules mark it. */
enum pc_ct_code {
	PC_CT_UNTRACKED = 0, /* no connection: decided per packet */
	PC_CT_NEW,           /* the first packet of a connection */
	PC_CT_INVALID,       /* conntrack calls it INVALID */
	PC_CT_ORIGINAL,      /* established or related, original direction */
	PC_CT_REPLY,         /* established or related, reply direction */
	PC_CT_CODE_MAX
};

struct pc_marks {
	uint32_t mask, save, known, permit;
	uint32_t gen;      /* every bit of G */
	uint32_t code;     /* the three lowest bits of G */
	uint32_t gen_max;  /* generations run 1..gen_max */
	uint8_t gbit[32];  /* bit positions of G, lowest first */
	uint8_t ngbits;
};

/* Lays out the bits of mask. Returns 0, or -1 with errno EINVAL when the
 * mask has fewer than PC_MARK_BITS_MIN bits. */
int pc_marks_init(struct pc_marks *m, uint32_t mask);

/* The G bits that hold generation gen (gen <= gen_max). */
uint32_t pc_marks_gen_bits(const struct pc_marks *m, uint32_t gen);
/* The generation held in the G bits of mark. */
uint32_t pc_marks_gen_of(const struct pc_marks *m, uint32_t mark);
/* The generation after gen: 1..gen_max, wrapping, never 0. */
uint32_t pc_marks_next_gen(const struct pc_marks *m, uint32_t gen);

/* The code bits of c, and the code a packet mark carries (a value the
 * hook rules never set reads as PC_CT_UNTRACKED). */
uint32_t pc_marks_code_bits(const struct pc_marks *m, enum pc_ct_code c);
enum pc_ct_code pc_marks_code(const struct pc_marks *m, uint32_t mark);

/* The packet mark of a verdict on a connection: mark's bits outside the
 * mask kept, S, K, P (when permit) and generation gen set. */
uint32_t pc_marks_verdict(const struct pc_marks *m, uint32_t mark, bool permit, uint32_t gen);

#endif
