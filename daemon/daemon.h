/* daemon.h - the state of portcullisd, shared by its start-up, event loop,
 * reload and reports */
#ifndef PC_DAEMON_H
#define PC_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chores.h"
#include "clock.h"
#include "decide.h"
#include "fastpath.h"
#include "loadthread.h"
#include "queue.h"
#include "status.h"
#include "table.h"
#include "vlogshare.h"
#include "vlog.h"
#include "worker.h"

struct pc_reload_state {
	uint64_t generation; /* attempts */
	uint64_t ok, failed;
	int64_t time;        /* unix time of the last attempt */
	uint64_t started_ns; /* monotonic start of the attempt in progress */
	uint64_t ms;         /* the last attempt's duration: SIGHUP to its outcome */
	enum pc_reload_result result;
	char msg[512];
};

struct pc_daemon {
	const char *conf;         /* as given with -c (options.h) */
	char *conf_abs;           /* the same, absolute (status file) */
	bool foreground;
	struct pc_table *table;   /* the policy served now, by every worker */
	struct pc_vlogshare vlog;
	bool vlog_open;
	struct pc_workers *workers; /* one thread per queue */
	struct pc_queue **queues;   /* queues[i] is served by worker i */
	size_t nqueues;
	unsigned queue_lo, queue_hi; /* bound at start; a reload cannot change them */
	char *pid_file, *status_file; /* from the policy at start */
	char *metrics_file;       /* from the policy in service; NULL: none */
	uint64_t metrics_next;    /* monotonic time of the next metrics write */
	int metrics_err;          /* errno of the metrics writes, as last logged */
	int sigfd;
	int64_t start_time;
	uint64_t status_seq;
	struct pc_reload_state reload;
	struct pc_fastpath fast;  /* stateful: the generation the kernel's fast path accepts */
	struct pc_loadthread loader;  /* the reload in progress */
	struct pc_chores *chores; /* status writes and table frees, off the packet path */
	bool reload_again;        /* SIGHUP during a load: load once more after it */
	uint64_t watchdog_ns;     /* WATCHDOG=1 interval, 0: none */
	uint64_t watchdog_next;
	uint64_t rx_errors_logged; /* receive errors of the workers already reported */
	uint64_t rx_error_logged_ns;
	bool stop;
};

/* loop.c: blocks the signals the loop handles (SIGHUP, SIGTERM, SIGINT,
 * SIGUSR1, SIGUSR2; SIGPIPE is ignored) and returns a signalfd for them,
 * or -1 with errno. */
int pc_daemon_signals_open(void);
/* loop.c: serves packets and signals until SIGTERM/SIGINT. Returns 0, or
 * -1 when the loop cannot go on. */
int pc_daemon_loop(struct pc_daemon *d);

/* reload.c: SIGHUP. Starts loading a whole new table on the loader thread
 * (packets keep being decided meanwhile); a SIGHUP during a load asks for
 * one more load after it. */
void pc_daemon_reload(struct pc_daemon *d);
/* The load finished (the loader's eventfd is readable): swaps the new table
 * in between two packets, or keeps the old one on any error. */
void pc_daemon_reload_done(struct pc_daemon *d);
/* With a stateful table and a sweep: clears the next generation from
 * conntrack on the loader thread now (ctsweep.h), so that the next reload
 * need not; its end is reported like a load's (pc_daemon_reload_done). */
void pc_daemon_sweep_ahead(struct pc_daemon *d);
/* The verdict log settings of a policy. */
void pc_daemon_vlog_cfg(const struct pc_settings *s, struct pc_vlog_cfg *cfg);

/* The decisions of every worker, summed (report.c). */
struct pc_totals {
	uint64_t packets, permitted, denied, malformed, forwarded, default_hits;
	uint64_t conns, revalidated, invalid, untracked;
};

/* report.c: adds worker i's decisions to *tot. */
void pc_daemon_add_totals(const struct pc_daemon *d, size_t i, struct pc_totals *tot);

/* report.c: writes the status file (running: false in the last write);
 * through the chores thread when there is one. */
void pc_daemon_write_status(struct pc_daemon *d, bool running);

#define PC_METRICS_INTERVAL_NS (5000 * PC_NS_PER_MS)

/* report.c: writes the metrics file, when there is one (running: false in
 * the last write); through the chores thread when there is one. A failure
 * is logged when it starts or changes, and so is the recovery. */
void pc_daemon_write_metrics(struct pc_daemon *d, bool running);
/* report.c: logs what the chores thread's metrics writes met, as above. */
void pc_daemon_metrics_errors(struct pc_daemon *d);
/* report.c: the metrics file is path from now on (NULL: none); a file
 * written under another path is removed. */
void pc_daemon_metrics_file(struct pc_daemon *d, const char *path);

#endif
