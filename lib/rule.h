/* rule.h - the rules of a policy (plain data, read-only once loaded; the
 * [portcullis] section is settings.h) */
#ifndef PC_RULE_H
#define PC_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

enum pc_action { PC_DENY = 0, PC_PERMIT = 1 };

/* Rule direction; a packet's direction is PC_DIR_IN or PC_DIR_OUT. */
enum pc_dir { PC_DIR_IN = 1, PC_DIR_OUT = 2, PC_DIR_BOTH = 3 };

enum pc_rule_log { PC_RLOG_DEFAULT = 0, PC_RLOG_YES, PC_RLOG_NO };

#define PC_PROTO_ANY (-1)
#define PC_ICMP_ANY (-1)

/* An inclusive port range; "any" is 0-65535. */
struct pc_portrange {
	uint16_t lo, hi;
};

/* An ICMP type/code; type PC_ICMP_ANY = any, code PC_ICMP_ANY = any code. */
struct pc_icmpspec {
	int16_t type, code;
};

/* Every list field holds at least one element: "any" is one element
 * covering everything (family PC_FAM_ANY, 0-65535, {-1,-1}). */
struct pc_rule {
	char *name;
	char *description; /* NULL when absent */
	int line;          /* line of the [section] header */
	bool enabled;
	enum pc_action action;
	int proto; /* PC_PROTO_ANY or 0..255 */
	enum pc_dir dir;
	enum pc_rule_log log;
	struct pc_prefix *remote;
	size_t n_remote;
	struct pc_prefix *local;
	size_t n_local;
	struct pc_portrange *lport;
	size_t n_lport;
	struct pc_portrange *rport;
	size_t n_rport;
	struct pc_icmpspec *icmp;
	size_t n_icmp;
};

#endif
