/* reload_timer - reload under load: SIGHUPs to a running portcullisd,
 * alternating two policies, and how long each reload takes.
 *
 * usage: reload_timer -p PID -s STATUS_FILE -c CONF [-n COUNT] [-g GAP_MS] POLICY_A POLICY_B
 *        reload_timer -B [-n ROUNDS] [-s STATUS_FILE] POLICY_A POLICY_B
 *
 * Storm mode: before reload k, CONF (the path the daemon was started with)
 * is replaced atomically by a hard link to POLICY_B (k even) or POLICY_A
 * (k odd), so the daemon must have started on POLICY_A. The reload time is
 * from kill(SIGHUP) until the daemon renames its new status file into place,
 * with the next reload generation (seen by inotify; writes of an older
 * generation are skipped); its result must be ok. It covers loading,
 * compiling, swapping and the status write: whether the packet loop waits
 * for all of that depends on the daemon (packets lost tell).
 * Prints "reload count= ok= failed= timeouts= p50_ms= max_ms= ...", then
 * the same of the daemon's own figure (status key last-reload-ms, which ends
 * at the swap, before the status write).
 *
 * Breakdown mode (-B): no daemon; the steps of a daemon reload done with the
 * engine's API, alternating the two policies, each timed: load (parse and
 * validate), compile (the index), carry (per-rule hit counters matched by
 * name), free (the old policy and index), status (the status file with one
 * line per rule, written to STATUS_FILE or a temporary file). Prints the
 * median of each step per policy size. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "index.h"
#include "policy.h"
#include "status.h"

#define WAIT_MS 10000
#define MAX_COUNT 10000

struct opts {
	pid_t pid;
	const char *status, *conf, *policy[2];
	unsigned count, gap_ms;
	bool breakdown;
};

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts v and returns its median. */
static double median(double *v, size_t n)
{
	if (!n)
		return 0.0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- storm mode ---- */

/* Makes conf a hard link to policy, atomically. Returns 0, or -1 with errno. */
static int install(const char *conf, const char *policy)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s.reload_timer", conf) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	unlink(tmp);
	if (link(policy, tmp) < 0)
		return -1;
	return rename(tmp, conf);
}

/* Watches the status file's directory for files renamed into it. */
static int watch_status(const char *status, const char **base)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(status, '/');
	int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);

	if (fd < 0)
		return -1;
	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - status), status);
	else
		snprintf(dir, sizeof(dir), ".");
	*base = slash ? slash + 1 : status;
	if (inotify_add_watch(fd, *dir ? dir : "/", IN_MOVED_TO) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* True when the events in buf name base. */
static bool names(const char *buf, ssize_t len, const char *base)
{
	for (ssize_t off = 0; off < len;) {
		const struct inotify_event *ev = (const struct inotify_event *)(buf + off);

		if (ev->len && !strcmp(ev->name, base))
			return true;
		off += (ssize_t)(sizeof(*ev) + ev->len);
	}
	return false;
}

/* Waits until base is renamed into the watched directory. Returns the time
 * it happened (ms), or -1 after WAIT_MS. */
static double wait_status(int ifd, const char *base)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd pfd = { .fd = ifd, .events = POLLIN };
	double deadline = mono_ms() + WAIT_MS;

	for (;;) {
		double now = mono_ms();
		ssize_t n;

		if (now >= deadline)
			return -1;
		if (poll(&pfd, 1, (int)(deadline - now) + 1) <= 0)
			continue;
		n = read(ifd, buf, sizeof(buf));
		if (n > 0 && names(buf, n, base))
			return mono_ms();
	}
}

static void drain_events(int ifd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(ifd, buf, sizeof(buf)) > 0)
		;
}

/* Generation, result and own duration (ms, may be NULL) of the last reload
 * in the status file; -1 when unreadable. */
static long long status_generation(const char *path, bool *ok, double *ms)
{
	struct pc_status st;
	long long gen;

	if (pc_status_read(path, &st) < 0)
		return -1;
	gen = (long long)st.reload_generation;
	*ok = st.last_reload_result == PC_RELOAD_OK;
	if (ms)
		*ms = (double)st.last_reload_ms;
	pc_status_clear(&st);
	return gen;
}

struct storm {
	double *ms, *dms; /* from outside; the daemon's own last-reload-ms */
	unsigned n, ok, failed, timeouts;
};

/* Waits for the status file of generation gen (any later write of another
 * kind is skipped). Returns the time of its rename (ms), or -1 on time-out;
 * *ok tells the reload's result, *dms the daemon's own figure. */
static double wait_generation(const struct opts *o, int ifd, const char *base, long long gen,
			      bool *ok, double *dms)
{
	double deadline = mono_ms() + WAIT_MS;

	while (mono_ms() < deadline) {
		double t = wait_status(ifd, base);

		if (t < 0)
			return -1;
		if (status_generation(o->status, ok, dms) >= gen)
			return t;
	}
	return -1;
}

/* One reload to the other policy; records its time. Returns 0, or -1 when
 * the storm cannot go on. */
static int one_reload(const struct opts *o, int ifd, const char *base, long long gen0,
		      unsigned k, struct storm *s)
{
	bool ok = false;
	double t0, t1, dms = 0;

	if (install(o->conf, o->policy[(k + 1) % 2]) < 0) {
		perror("reload_timer: cannot replace the policy");
		return -1;
	}
	drain_events(ifd);
	t0 = mono_ms();
	if (kill(o->pid, SIGHUP) < 0) {
		perror("reload_timer: kill");
		return -1;
	}
	if ((t1 = wait_generation(o, ifd, base, gen0 + k + 1, &ok, &dms)) < 0) {
		s->timeouts++;
		return 0;
	}
	if (ok)
		s->ok++;
	else
		s->failed++;
	s->dms[s->n] = dms;
	s->ms[s->n++] = t1 - t0;
	return 0;
}

static int storm(const struct opts *o)
{
	struct storm s = { .ms = calloc(o->count, sizeof(double)),
			   .dms = calloc(o->count, sizeof(double)) };
	const char *base;
	int ifd = watch_status(o->status, &base), ret = 1;
	bool ok;
	long long gen0 = status_generation(o->status, &ok, NULL);
	double mean = 0;

	if (!s.ms || !s.dms || ifd < 0 || gen0 < 0) {
		perror("reload_timer: the status file");
		goto out;
	}
	for (unsigned k = 0; k < o->count; k++) {
		if (one_reload(o, ifd, base, gen0, k, &s) < 0)
			goto out;
		usleep(o->gap_ms * 1000);
	}
	for (unsigned i = 0; i < s.n; i++)
		mean += s.ms[i] / s.n;
	double p50 = median(s.ms, s.n); /* sorts */
	printf("reload count=%u ok=%u failed=%u timeouts=%u p50_ms=%.1f mean_ms=%.1f min_ms=%.1f "
	       "p90_ms=%.1f p99_ms=%.1f max_ms=%.1f\n", o->count, s.ok, s.failed, s.timeouts, p50,
	       mean, s.n ? s.ms[0] : 0.0, s.n ? s.ms[s.n * 9 / 10] : 0.0,
	       s.n ? s.ms[s.n * 99 / 100] : 0.0, s.n ? s.ms[s.n - 1] : 0.0);
	p50 = median(s.dms, s.n);
	printf("daemon last-reload-ms p50_ms=%.1f p90_ms=%.1f max_ms=%.1f\n", p50,
	       s.n ? s.dms[s.n * 9 / 10] : 0.0, s.n ? s.dms[s.n - 1] : 0.0);
	ret = s.ok == o->count ? 0 : 1;
out:
	if (ifd >= 0)
		close(ifd);
	free(s.ms);
	free(s.dms);
	return ret;
}

/* ---- breakdown mode ---- */

enum step { S_LOAD, S_COMPILE, S_CARRY, S_FREE, S_STATUS, S_MAX };
static const char *const step_name[S_MAX] = { "load", "compile", "carry", "free", "status" };

struct loaded {
	struct pc_policy *p;
	struct pc_index *ix;
	uint64_t *hits;
};

static int load_one(const char *path, struct loaded *l, double *t)
{
	struct pc_diag *d = pc_diag_new();
	double t0 = mono_ms();

	if (!d || !(l->p = pc_policy_load(path, d))) {
		if (d)
			pc_diag_print(d, stderr);
		pc_diag_free(d);
		return -1;
	}
	pc_diag_free(d);
	t[S_LOAD] = mono_ms() - t0;
	t0 = mono_ms();
	l->ix = pc_index_new(l->p);
	t[S_COMPILE] = mono_ms() - t0;
	return l->ix ? 0 : -1;
}

/* As the daemon does: a name lookup for each old rule with hits. */
static void carry(struct loaded *l, const struct loaded *old, double *t)
{
	double t0 = mono_ms();
	size_t n, n_old = 0;
	const struct pc_rule *ro = old->p ? pc_policy_rules(old->p, &n_old) : NULL;

	pc_policy_rules(l->p, &n);
	l->hits = calloc(n ? n : 1, sizeof(*l->hits));
	for (size_t j = 0; l->hits && j < n_old; j++) {
		long i = old->hits[j] ? pc_policy_find(l->p, ro[j].name) : -1;

		if (i >= 0)
			l->hits[i] = old->hits[j];
	}
	for (size_t i = 0; l->hits && i < n && i < 8; i++)
		l->hits[i]++; /* the first rules (the services) count packets */
	t[S_CARRY] = mono_ms() - t0;
}

static void release(struct loaded *l)
{
	pc_index_free(l->ix);
	pc_policy_free(l->p);
	free(l->hits);
	*l = (struct loaded){ NULL, NULL, NULL };
}

static int write_status(const struct loaded *l, const char *path, double *t)
{
	size_t n;
	const struct pc_rule *r = pc_policy_rules(l->p, &n);
	struct pc_status st = { .version = PC_STATUS_VERSION, .running = true,
				.rules = n, .policy = pc_policy_path(l->p) };
	double t0 = mono_ms();
	int ret;

	if (!(st.rule = calloc(n ? n : 1, sizeof(*st.rule))))
		return -1;
	for (size_t i = 0; i < n; i++)
		st.rule[i] = (struct pc_status_rule){ r[i].name, l->hits[i] };
	st.n_rule = n;
	ret = pc_status_write(path, &st);
	free(st.rule);
	t[S_STATUS] = mono_ms() - t0;
	return ret;
}

static int breakdown(const struct opts *o)
{
	struct loaded cur = { NULL, NULL, NULL }, next;
	char tmpdir[] = "/tmp/reload_timer.XXXXXX", path[PATH_MAX];
	double *v[S_MAX] = { NULL }, t[S_MAX];
	int ret = 1;

	if (!o->status && !mkdtemp(tmpdir))
		return 1;
	snprintf(path, sizeof(path), "%s", o->status ? o->status : tmpdir);
	if (!o->status)
		strncat(path, "/status", sizeof(path) - strlen(path) - 1);
	for (int s = 0; s < S_MAX; s++)
		if (!(v[s] = calloc(o->count, sizeof(double))))
			goto out;
	for (unsigned k = 0; k < o->count; k++) {
		next = (struct loaded){ NULL, NULL, NULL };
		if (load_one(o->policy[k % 2], &next, t) < 0)
			goto out;
		carry(&next, &cur, t);
		double t0 = mono_ms();
		release(&cur);
		t[S_FREE] = mono_ms() - t0;
		cur = next;
		if (write_status(&cur, path, t) < 0)
			goto out;
		for (int s = 0; s < S_MAX; s++)
			v[s][k] = t[s];
	}
	double total = 0;
	printf("breakdown rounds=%u", o->count);
	for (int s = 0; s < S_MAX; s++) {
		double m = median(v[s], o->count);

		total += m;
		printf(" %s_ms=%.1f", step_name[s], m);
	}
	printf(" total_ms=%.1f\n", total);
	ret = 0;
out:
	release(&cur);
	for (int s = 0; s < S_MAX; s++)
		free(v[s]);
	if (!o->status) {
		unlink(path);
		rmdir(tmpdir);
	}
	return ret;
}

static int parse_args(struct opts *o, int argc, char **argv)
{
	int c;

	o->count = 100;
	o->gap_ms = 50;
	while ((c = getopt(argc, argv, "p:s:c:n:g:B")) != -1) {
		switch (c) {
		case 'p': o->pid = (pid_t)strtol(optarg, NULL, 10); break;
		case 's': o->status = optarg; break;
		case 'c': o->conf = optarg; break;
		case 'n': o->count = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'g': o->gap_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'B': o->breakdown = true; break;
		default: return -1;
		}
	}
	if (argc - optind != 2 || !o->count || o->count > MAX_COUNT)
		return -1;
	o->policy[0] = argv[optind];
	o->policy[1] = argv[optind + 1];
	return o->breakdown || (o->pid > 0 && o->status && o->conf) ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };

	if (parse_args(&o, argc, argv) < 0) {
		fprintf(stderr, "usage: reload_timer -p PID -s STATUS_FILE -c CONF [-n COUNT] "
				"[-g GAP_MS] POLICY_A POLICY_B\n"
				"       reload_timer -B [-n ROUNDS] [-s STATUS_FILE] POLICY_A POLICY_B\n");
		return 2;
	}
	return o.breakdown ? breakdown(&o) : storm(&o);
}
