/* helper_ipt.h - a stand-in for iptables and ip6tables behind the runner
 * of hooks.h, for the unit tests of the fast path: it keeps each family's
 * PORTCULLIS-FAST chain in memory, fills it from the restore text lib/hooks.c
 * writes and prints it back as "iptables -S" would. The real commands are
 * the end-to-end tests' (they need root and a network namespace). */
#ifndef PC_HELPER_IPT_H
#define PC_HELPER_IPT_H

#include <stdbool.h>
#include <stdint.h>

#include "hooks.h"

struct pc_test_chain {
	bool exists;
	char rules[512]; /* "-A ..." lines, as iptables -S prints them */
};

struct pc_test_ipt {
	struct pc_test_chain fam[2]; /* iptables, ip6tables */
	int fail_read;               /* exit status of "-S" (0: works) */
	int fail_restore;            /* exit status of iptables-restore (0: works) */
	unsigned calls;              /* commands run */
};

/* The stand-in's state (pc_test_ipt_reset empties it) and its runner. */
extern struct pc_test_ipt pc_test_ipt;
extern const struct pc_hooks_runner pc_test_ipt_runner;
void pc_test_ipt_reset(void);

/* Feeds restore text to family fam's chain (0: IPv4, 1: IPv6). */
void pc_test_ipt_restore(int fam, const char *text);
/* Sets both families' chains as a daemon of generations g4 / g6 of mask left them. */
void pc_test_ipt_leave(uint32_t mask, uint32_t g4, uint32_t g6);
/* The generation family fam's chain accepts now (0: none). */
uint32_t pc_test_ipt_gen(uint32_t mask, int fam);

#endif
