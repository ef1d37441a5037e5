/* settings.h - the [portcullis] section of a policy: the default verdict,
 * the queues, the verdict log, the files the daemon writes, the connection
 * mode and mark bits (plain data, read-only once loaded) */
#ifndef PC_SETTINGS_H
#define PC_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "rule.h"

enum pc_log_mode { PC_LOG_NONE = 0, PC_LOG_DENY, PC_LOG_ALL };
enum pc_log_target { PC_LOGT_SYSLOG = 0, PC_LOGT_STDERR, PC_LOGT_FILE };
enum pc_log_format { PC_LOGF_TEXT = 0, PC_LOGF_JSON };

/* The [portcullis] section. */
struct pc_settings {
	enum pc_action dflt;    /* verdict when no rule matches */
	unsigned queue_lo;      /* queue = N or N-M */
	unsigned queue_hi;
	bool fail_open;
	enum pc_log_mode log;
	enum pc_log_target log_target;
	char *log_file;         /* for PC_LOGT_FILE */
	enum pc_log_format log_format;
	unsigned log_rate;      /* verdict lines per second */
	char *pid_file;
	char *status_file;
	char *metrics_file;     /* Prometheus textfile; NULL: none */
	bool stateful;          /* rules decide connections (conntrack), not packets */
	uint32_t mark_mask;     /* the packet mark and connmark bits portcullis owns */
	unsigned ssh_port;      /* the SSH port the lockout guard looks at; 0: 22 */
	bool allow_empty;       /* no enabled rule under default = deny is meant */
};

#endif
