/* loop.c - the main thread's event loop: signals (signalfd), the reload's
 * loader, timers. The workers serve the queues (worker.c). */
#include "daemon.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

#define MAX_TIMEOUT_MS 1000 /* the workers' errors are looked at once a second */

/* Milliseconds until the next timer (verdict log report, watchdog,
 * metrics), at most MAX_TIMEOUT_MS. */
static int poll_timeout(struct pc_daemon *d, uint64_t now)
{
	uint64_t next = pc_vlogshare_deadline(&d->vlog), ms;

	if (d->watchdog_ns && d->watchdog_next < next)
		next = d->watchdog_next;
	if (d->metrics_file && d->metrics_next < next)
		next = d->metrics_next;
	if (next <= now)
		return 0;
	ms = (next - now + PC_NS_PER_MS - 1) / PC_NS_PER_MS;
	return ms > MAX_TIMEOUT_MS ? MAX_TIMEOUT_MS : (int)ms;
}

/* What the workers could not do: they do not log, the main thread does. */
static void worker_errors(struct pc_daemon *d, uint64_t now)
{
	uint64_t rx = pc_workers_rx_errors(d->workers);

	for (size_t i = 0; i < d->nqueues; i++) {
		int err = pc_workers_fail_error(d->workers, i);

		if (err) {
			errno = err;
			pc_log_warn("queue %u: cannot set fail %s", pc_queue_num(d->queues[i]),
				    d->table->set->fail_open ? "open" : "closed");
		}
	}
	if (rx == d->rx_errors_logged ||
	    (d->rx_error_logged_ns && now - d->rx_error_logged_ns < 1000 * PC_NS_PER_MS))
		return;
	pc_log_warnx("queues: receive failed (%llu errors so far)", (unsigned long long)rx);
	d->rx_errors_logged = rx;
	d->rx_error_logged_ns = now;
}

static void run_timers(struct pc_daemon *d, uint64_t now)
{
	int err = pc_chores_status_error(d->chores);

	if (err) {
		errno = err;
		pc_log_warn("cannot write %s", d->status_file);
	}
	worker_errors(d, now);
	pc_daemon_metrics_errors(d);
	pc_fastpath_retry(&d->fast, now);
	pc_vlogshare_tick(&d->vlog, now);
	if (d->watchdog_ns && now >= d->watchdog_next) {
		pc_notify("WATCHDOG=1");
		d->watchdog_next = now + d->watchdog_ns;
	}
	if (d->metrics_file && now >= d->metrics_next) {
		pc_daemon_write_metrics(d, true);
		d->metrics_next = now + PC_METRICS_INTERVAL_NS;
	}
}

static void on_signal(struct pc_daemon *d, uint32_t sig)
{
	switch (sig) {
	case SIGHUP:
		pc_daemon_reload(d);
		break;
	case SIGTERM:
	case SIGINT:
		d->stop = true;
		break;
	case SIGUSR1: /* portcullis status: fresh numbers, and no line in the log */
		pc_daemon_write_status(d, true);
		break;
	case SIGUSR2:
		if (pc_vlogshare_reopen(&d->vlog) < 0)
			pc_log_warn("cannot reopen the log file");
		else
			pc_log_info("log file reopened");
		break;
	}
}

int pc_daemon_signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void read_signals(struct pc_daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		on_signal(d, si.ssi_signo);
}

int pc_daemon_loop(struct pc_daemon *d)
{
	struct pollfd pfd[2] = { { .fd = d->sigfd, .events = POLLIN },
				 { .fd = d->loader.efd, .events = POLLIN } };

	while (!d->stop) {
		int n = poll(pfd, 2, poll_timeout(d, pc_mono_ns()));

		if (n < 0 && errno != EINTR) {
			pc_log_warn("poll");
			return -1;
		}
		if (n > 0 && pfd[1].revents)
			pc_daemon_reload_done(d);
		if (n > 0 && pfd[0].revents)
			read_signals(d);
		run_timers(d, pc_mono_ns());
	}
	return 0;
}
