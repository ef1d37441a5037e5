/* clock.h - the monotonic clock, in nanoseconds */
#ifndef PC_CLOCK_H
#define PC_CLOCK_H

#include <stdint.h>
#include <time.h>

#define PC_NS_PER_MS 1000000ull

/* CLOCK_MONOTONIC now, in ns (never fails on Linux). */
static inline uint64_t pc_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
