/* counter.h - counters written by one thread and read by others: relaxed
 * atomics, so a read is never torn and the writer pays no locked
 * instruction (a load and a store, as for a plain counter). */
#ifndef PC_COUNTER_H
#define PC_COUNTER_H

#include <stdatomic.h>
#include <stdint.h>

typedef _Atomic uint64_t pc_counter;

/* Only the counter's one writer thread may call it. */
static inline void pc_counter_add(pc_counter *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline void pc_counter_inc(pc_counter *c)
{
	pc_counter_add(c, 1);
}

static inline uint64_t pc_counter_get(const pc_counter *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

#endif
