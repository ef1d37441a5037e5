/* loop.c - the event loop: the queues' sockets, signals (signalfd), timers */
#include "daemon.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

#define SERVICE_ROUNDS 16 /* batches per queue before signals are looked at again */
#define MAX_TIMEOUT_MS 60000
#define NS_PER_MS 1000000ull

uint64_t pc_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Milliseconds until the next timer (verdict log report, watchdog), or -1. */
static int poll_timeout(const struct pc_daemon *d, uint64_t now)
{
	uint64_t next = pc_vlog_deadline(d->vlog), ms;

	if (d->watchdog_ns && d->watchdog_next < next)
		next = d->watchdog_next;
	if (next == UINT64_MAX)
		return -1;
	if (next <= now)
		return 0;
	ms = (next - now + NS_PER_MS - 1) / NS_PER_MS;
	return ms > MAX_TIMEOUT_MS ? MAX_TIMEOUT_MS : (int)ms;
}

static void run_timers(struct pc_daemon *d, uint64_t now)
{
	int err = pc_chores_status_error(d->chores);

	if (err) {
		errno = err;
		pc_log_warn("cannot write %s", d->status_file);
	}
	pc_vlog_tick(d->vlog, now);
	if (d->watchdog_ns && now >= d->watchdog_next) {
		pc_notify("WATCHDOG=1");
		d->watchdog_next = now + d->watchdog_ns;
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
	case SIGUSR1:
		pc_daemon_write_status(d, true);
		pc_daemon_log_summary(d);
		break;
	case SIGUSR2:
		if (pc_vlog_reopen(d->vlog) < 0)
			pc_log_warn("cannot reopen the log file");
		else
			pc_log_info("log file reopened");
		break;
	}
}

static void read_signals(struct pc_daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		on_signal(d, si.ssi_signo);
}

static void service(struct pc_daemon *d, size_t i)
{
	uint64_t now;

	if (pc_queue_service(d->queues[i], SERVICE_ROUNDS) >= 0)
		return;
	d->rx_errors++;
	now = pc_mono_ns();
	if (now - d->rx_error_logged_ns >= 1000 * NS_PER_MS || !d->rx_error_logged_ns) {
		pc_log_warn("queue %u: receive failed (%llu errors so far)",
			    pc_queue_num(d->queues[i]), (unsigned long long)d->rx_errors);
		d->rx_error_logged_ns = now;
	}
}

int pc_daemon_loop(struct pc_daemon *d)
{
	size_t nfds = d->nqueues + 2;
	struct pollfd *pfd = calloc(nfds, sizeof(*pfd));
	int ret = 0;

	if (!pfd)
		return -1;
	pfd[0] = (struct pollfd){ .fd = d->sigfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = d->loader.efd, .events = POLLIN };
	for (size_t i = 0; i < d->nqueues; i++)
		pfd[i + 2] = (struct pollfd){ .fd = pc_queue_fd(d->queues[i]), .events = POLLIN };
	while (!d->stop) {
		int n = poll(pfd, nfds, poll_timeout(d, pc_mono_ns()));

		if (n < 0 && errno != EINTR) {
			pc_log_warn("poll");
			ret = -1;
			break;
		}
		d->worker.now_ns = pc_mono_ns();
		for (size_t i = 0; n > 0 && i < d->nqueues; i++)
			if (pfd[i + 2].revents)
				service(d, i);
		if (n > 0 && pfd[1].revents)
			pc_daemon_reload_done(d);
		if (n > 0 && pfd[0].revents)
			read_signals(d);
		run_timers(d, d->worker.now_ns);
	}
	free(pfd);
	return ret;
}
