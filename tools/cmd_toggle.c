/* cmd_toggle.c - portcullis enable|disable: switch rules on or off in the
 * policy file, then have the running daemon apply it.
 *
 * The edited text must load before it replaces the file; it is written to an
 * unnamed file (O_TMPFILE) in the same directory with the mode and owner of
 * the old one, fsynced, given a temporary name ".NAME.XXXXXX" and at once
 * renamed over the policy, and the directory is fsynced. An edit killed in
 * between leaves that name behind: the next edit, holding the edit lock (no
 * other edit is under way), removes every such file. Where O_TMPFILE is not
 * supported, the temporary file is named from the start (mkostemp). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "confedit.h"
#include "daemonctl.h"
#include "diag.h"
#include "budget.h"
#include "fdio.h"
#include "index.h"
#include "lockout.h"
#include "shadow.h"

#define MAX_SUGGEST 5
#define TEMP_SUFFIX 6 /* the XXXXXX of ".NAME.XXXXXX" */

struct toggle {
	const char *verb;      /* "enable" or "disable" */
	bool on;
	char *path;            /* the policy file, symlinks resolved */
	struct stat sb;        /* of the file as read */
	int lock_fd;           /* the file as read, flock'ed until we are done */
	char *text;
	size_t len;
	struct pc_confedit *e;
	bool *selected;        /* by rule index; after switching: selected and changed */
	size_t changed;
	char *done;            /* "changed A, B; " or "" */
	struct pc_policy *p;   /* the edited policy */
	bool force;            /* --force: the lockout guard warns instead of refusing */
};

/* Opens the policy and takes its lock (flock), so that two of us do not
 * edit it at once; when the file was replaced while we waited, takes the
 * new one. Returns the fd with t->sb set, or -1 with errno. */
static int open_locked(struct toggle *t)
{
	for (int tries = 0; tries < 100; tries++) {
		int fd = open(t->path, O_RDONLY | O_CLOEXEC);
		struct stat now;

		if (fd < 0)
			return -1;
		if (flock(fd, LOCK_EX) < 0 || fstat(fd, &t->sb) < 0) {
			int saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		if (stat(t->path, &now) == 0 && now.st_ino == t->sb.st_ino && now.st_dev == t->sb.st_dev)
			return fd;
		close(fd);
	}
	errno = EAGAIN;
	return -1;
}

/* Reads the whole file into t->text, and keeps it locked (t->lock_fd).
 * Returns 0, or -1 (reported). */
static int read_policy(struct toggle *t)
{
	int fd = t->lock_fd = open_locked(t);
	size_t got = 0;

	if (fd < 0)
		goto fail;
	if (!S_ISREG(t->sb.st_mode) || (uint64_t)t->sb.st_size > PC_POLICY_FILE_MAX) {
		errno = S_ISREG(t->sb.st_mode) ? EFBIG : EINVAL;
		goto fail;
	}
	if (!(t->text = malloc((size_t)t->sb.st_size + 1)))
		goto fail;
	while (got < (size_t)t->sb.st_size) {
		ssize_t n = read(fd, t->text + got, (size_t)t->sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			errno = n ? errno : EIO; /* shrank while we read */
			goto fail;
		}
		got += (size_t)n;
	}
	t->text[got] = '\0';
	t->len = got;
	return 0;
fail:
	fprintf(stderr, "portcullis %s: cannot read %s: %s\n", t->verb, t->path, strerror(errno));
	return -1;
}

static void report_unknown(const struct toggle *t, const char *name)
{
	size_t idx[MAX_SUGGEST], n = pc_confedit_suggest(t->e, name, idx, MAX_SUGGEST);

	fprintf(stderr, "portcullis %s: %s has no rule named '%s'", t->verb, t->path, name);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s'%s'", i ? ", " : "; did you mean ", pc_confedit_name(t->e, idx[i]));
	fputs(n ? "?\n" : "\n", stderr);
}

/* "HTTP Server" given unquoted arrives as two names: says so when some
 * names from names[0] on, joined by spaces, name a rule. */
static void quote_hint(const struct toggle *t, char **names, int n)
{
	char joined[512];
	size_t len = 0;

	for (int j = 0; j < n && len < sizeof(joined); j++) {
		len += (size_t)snprintf(joined + len, sizeof(joined) - len, "%s%s", j ? " " : "",
					names[j]);
		if (j && len < sizeof(joined) && pc_confedit_select(t->e, joined, NULL, 0)) {
			fprintf(stderr, "portcullis %s: '%s' is one rule: quote a name with spaces "
				"(portcullis %s \"%s\")\n", t->verb, joined, t->verb, joined);
			return;
		}
	}
}

/* Marks the rules the names select. Returns 0, or -1 when a name is unknown
 * (each reported with its close matches). */
static int select_rules(struct toggle *t, char **names, int n)
{
	size_t count = pc_confedit_count(t->e);
	int unknown = 0;

	if (!(t->selected = calloc(count ? count : 1, sizeof(*t->selected)))) {
		perror("portcullis");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		size_t k = pc_confedit_select(t->e, names[i], NULL, 0);
		size_t *idx = k ? calloc(k, sizeof(*idx)) : NULL;

		if (!k) {
			report_unknown(t, names[i]);
			quote_hint(t, names + i, n - i);
			unknown++;
			continue;
		}
		if (!idx) {
			perror("portcullis");
			return -1;
		}
		pc_confedit_select(t->e, names[i], idx, k);
		for (size_t j = 0; j < k; j++)
			t->selected[idx[j]] = true;
		free(idx);
	}
	if (unknown)
		fprintf(stderr, "%s not changed (portcullis list -c %s shows the rules)\n", t->path,
			t->path);
	return unknown ? -1 : 0;
}

/* Switches the selected rules; says which already were. */
static void switch_rules(struct toggle *t)
{
	for (size_t i = 0; i < pc_confedit_count(t->e); i++) {
		if (!t->selected[i])
			continue;
		t->selected[i] = pc_confedit_set(t->e, i, t->on) > 0;
		if (t->selected[i])
			t->changed++;
		else
			printf("%s: already %s\n", pc_confedit_name(t->e, i), t->on ? "enabled" : "disabled");
	}
}

/* t->done: "changed A, B; ", the start of the line that says what happened. */
static int describe_changes(struct toggle *t)
{
	size_t size = 16;
	FILE *f;

	for (size_t i = 0; i < pc_confedit_count(t->e); i++)
		size += t->selected[i] ? strlen(pc_confedit_name(t->e, i)) + 2 : 0;
	if (!(t->done = calloc(1, size)) || !(f = fmemopen(t->done, size, "w")))
		return -1;
	for (size_t i = 0, k = 0; i < pc_confedit_count(t->e); i++)
		if (t->selected[i])
			fprintf(f, "%s%s", k++ ? ", " : "changed ", pc_confedit_name(t->e, i));
	if (t->changed)
		fputs("; ", f);
	fclose(f);
	return 0;
}

/* Loads the edited text as the daemon would. Returns 0, or -1 (reported). */
static int check_result(struct toggle *t, const char *text)
{
	struct pc_diag *d = pc_diag_new();

	if (!d) {
		perror("portcullis");
		return -1;
	}
	t->p = pc_policy_load_string(text, t->path, d);
	if (t->p && pc_shadow_check(t->p, d) < 0)
		perror("portcullis: checking for shadowed rules");
	pc_diag_print(d, stderr);
	pc_diag_free(d);
	if (!t->p) {
		fprintf(stderr, "portcullis %s: the edited policy has errors; %s not changed\n", t->verb,
			t->path);
		return -1;
	}
	return 0;
}

/* Gives fd the mode and owner of the file we read. Returns 0, or -1 with errno. */
static int keep_attrs(int fd, const struct stat *orig)
{
	struct stat now;

	if (fstat(fd, &now) < 0)
		return -1;
	if ((now.st_uid != orig->st_uid || now.st_gid != orig->st_gid) &&
	    fchown(fd, orig->st_uid, orig->st_gid) < 0)
		return -1;
	return fchmod(fd, orig->st_mode & 07777);
}

/* Did someone else replace or change the file since we read it? */
static bool changed_meanwhile(const struct toggle *t)
{
	struct stat sb;

	if (stat(t->path, &sb) < 0)
		return true;
	return sb.st_ino != t->sb.st_ino || sb.st_dev != t->sb.st_dev || sb.st_size != t->sb.st_size ||
	       sb.st_mtim.tv_sec != t->sb.st_mtim.tv_sec || sb.st_mtim.tv_nsec != t->sb.st_mtim.tv_nsec;
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Is entry one of our temporary names for the policy base, ".BASE.XXXXXX"? */
static bool temp_name(const char *base, const char *entry)
{
	size_t n = strlen(base);
	const char *x = entry + n + 2;

	if (entry[0] != '.' || strncmp(entry + 1, base, n) || entry[n + 1] != '.' ||
	    strlen(x) != TEMP_SUFFIX)
		return false;
	while (*x && isalnum((unsigned char)*x))
		x++;
	return !*x;
}

/* Removes the temporary files killed edits left beside the policy. Call it
 * only holding the edit lock: then no other edit is using one. */
static void sweep_temps(const struct toggle *t, const char *dir, const char *base)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat sb;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (temp_name(base, de->d_name) &&
		    fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(sb.st_mode) && sb.st_uid == geteuid() &&
		    unlinkat(dirfd(d), de->d_name, 0) < 0)
			fprintf(stderr, "portcullis %s: warning: cannot remove %s/%s: %s\n", t->verb, dir,
				de->d_name, strerror(errno));
	closedir(d);
}

/* A fresh temporary name for the policy: *tmp, "DIR/.BASE.XXXXXX" (malloc'd).
 * Returns 0, or -1 with errno. */
static int temp_path(const char *dir, const char *base, char **tmp)
{
	static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[TEMP_SUFFIX];
	char x[TEMP_SUFFIX + 1];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	for (size_t i = 0; i < TEMP_SUFFIX; i++)
		x[i] = chars[r[i] % (sizeof(chars) - 1)];
	x[TEMP_SUFFIX] = '\0';
	if (asprintf(tmp, "%s/.%s.%s", dir, base, x) < 0) {
		*tmp = NULL;
		return -1;
	}
	return 0;
}

/* A file to write the new policy into: unnamed when the file system can
 * (*tmp NULL), else named *tmp. Returns its fd, or -1 with errno. */
static int open_temp(const char *dir, const char *base, char **tmp)
{
	int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);

	*tmp = NULL;
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	if (asprintf(tmp, "%s/.%s.XXXXXX", dir, base) < 0) {
		*tmp = NULL;
		return -1;
	}
	return mkostemp(*tmp, O_CLOEXEC);
}

/* Gives the unnamed file fd a temporary name, *tmp. Returns 0, or -1 with errno. */
static int name_temp(int fd, const char *dir, const char *base, char **tmp)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	for (int tries = 0; tries < 100; tries++) {
		if (temp_path(dir, base, tmp) < 0)
			return -1;
		if (linkat(AT_FDCWD, proc, AT_FDCWD, *tmp, AT_SYMLINK_FOLLOW) == 0)
			return 0;
		free(*tmp);
		*tmp = NULL;
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

/* Replaces the policy file with text, atomically. Returns 0, or -1 (reported). */
static int replace_file(struct toggle *t, const char *text, size_t len)
{
	char *copy = strdup(t->path), *tmp = NULL;
	const char *dir = copy ? dirname(copy) : NULL, *base = strrchr(t->path, '/') + 1;
	const char *what = "cannot write";
	int fd = -1, rc = -1;

	if (!dir || (fd = open_temp(dir, base, &tmp)) < 0)
		goto out;
	if (pc_write_all(fd, text, len) < 0)
		goto out;
	what = "cannot keep the mode and owner of";
	if (keep_attrs(fd, &t->sb) < 0)
		goto out;
	what = "cannot write";
	if (fsync(fd) < 0)
		goto out;
	if (changed_meanwhile(t)) {
		fprintf(stderr, "portcullis %s: %s was changed by someone else meanwhile; it is "
				"left as they wrote it: try again\n", t->verb, t->path);
		what = NULL;
		goto out;
	}
	if (!tmp && name_temp(fd, dir, base, &tmp) < 0)
		goto out;
	if (rename(tmp, t->path) < 0)
		goto out;
	free(tmp);
	tmp = NULL;
	if (close(fd) < 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (sync_dir(dir) < 0)
		fprintf(stderr, "portcullis %s: warning: cannot sync %s: %s\n", t->verb, dir,
			strerror(errno));
	rc = 0;
out:
	if (rc < 0 && what)
		fprintf(stderr, "portcullis %s: %s %s: %s; it is unchanged\n", t->verb, what, t->path,
			strerror(errno));
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(copy);
	return rc;
}

/* ---- the lockout guard ---- */

/* A policy and what it does to SSH. */
struct ssh_view {
	struct pc_policy *p; /* NULL: unknown (the old text did not load) */
	struct pc_index *ix;
	struct pc_lockout lo;
};

static int view_of(struct ssh_view *v, struct pc_policy *p, const struct pc_ssh_session *sess)
{
	v->p = p;
	if (!p)
		return 0;
	if (!(v->ix = pc_index_new(p)) || pc_lockout_analyse(p, v->ix, sess, &v->lo) < 0)
		return -1;
	return 0;
}

/* Live connections the change would cut: permitted by old, denied by new. */
struct live {
	const struct ssh_view *old, *new;
	size_t cut;
	bool force;
	const char *verb;
};

static bool permitted(const struct ssh_view *v, const struct pc_pkt *pkt)
{
	size_t n;
	const struct pc_rule *rules = pc_policy_rules(v->p, &n);
	long r = pc_index_lookup(v->ix, pkt);

	return r < 0 ? pc_policy_settings(v->p)->dflt == PC_PERMIT : rules[r].action == PC_PERMIT;
}

static int live_conn(void *ctx, const struct pc_pkt *pkt)
{
	struct live *l = ctx;
	char a[PC_ADDR_STRLEN], b[PC_ADDR_STRLEN], rule[256];

	if ((l->old->p && !permitted(l->old, pkt)) || permitted(l->new, pkt))
		return 0;
	if (!l->cut++)
		fprintf(stderr, "portcullis %s: %sthe change would cut these live SSH connections:\n",
			l->verb, l->force ? "warning: " : "");
	fprintf(stderr, "  from %s port %u to %s port %u (denied by %s)\n",
		pc_addr_format(pkt->family, pkt->src, a, sizeof(a)), pkt->sport,
		pc_addr_format(pkt->family, pkt->dst, b, sizeof(b)), pkt->dport,
		pc_lockout_rule(l->new->p, pc_index_lookup(l->new->ix, pkt), rule, sizeof(rule)));
	return 0;
}

/* The live SSH connections of the namespace of the daemon serving this
 * policy (its conntrack table). Returns how many the change cuts. */
static size_t live_cuts(const struct toggle *t, const struct ssh_view *old,
			const struct ssh_view *new)
{
	struct live l = { old, new, 0, t->force, t->verb };
	const struct pc_settings *s = pc_policy_settings(t->p);
	struct pc_status st;
	char why[PATH_MAX + 128], path[64];
	pid_t pid = pc_daemonctl_find(s->pid_file, why, sizeof(why));
	FILE *f;

	if (!pid)
		return 0;
	if (pc_daemonctl_status(pid, s->status_file, &st) == 0) {
		bool other = !pc_daemonctl_serves(&st, t->path);
		pc_status_clear(&st);
		if (other)
			return 0;
	}
	snprintf(path, sizeof(path), "/proc/%d/net/nf_conntrack", (int)pid);
	if (!(f = fopen(path, "re"))) {
		printf("(live SSH connections not looked at: %s: %s)\n", path,
		       errno == ENOENT ? "not there, nf_conntrack is not loaded" : strerror(errno));
		return 0;
	}
	if (pc_lockout_live(f, new->lo.port, live_conn, &l) < 0)
		fprintf(stderr, "portcullis %s: warning: reading %s: %s\n", t->verb, path,
			strerror(errno));
	fclose(f);
	return l.cut;
}

/* Says why the change locks out (or that it would, under --force). */
static bool locks_out(const struct toggle *t, const struct ssh_view *old,
		      const struct ssh_view *new, const struct pc_ssh_session *sess)
{
	const struct pc_lockout *o = old->p ? &old->lo : NULL, *n = &new->lo;
	const char *tag = t->force ? "warning: " : "";
	char port[64], rule[256], who[PC_ADDR_STRLEN], now[256];

	pc_lockout_port(n, port, sizeof(port));
	if (n->empty && !pc_policy_settings(new->p)->allow_empty) {
		fprintf(stderr, "portcullis %s: %sno rule would be enabled and default = deny: every "
			"packet would be dropped\n", t->verb, tag);
		return true;
	}
	if (sess && !n->session_admitted && (!o || o->session_admitted)) {
		fprintf(stderr, "portcullis %s: %sthis would lock you out: %s: the SSH session this "
			"runs in, from %s port %u, would be denied by %s", t->verb, tag, port,
			pc_addr_format(sess->family, sess->client, who, sizeof(who)), sess->cport,
			pc_lockout_rule(new->p, n->session_rule, rule, sizeof(rule)));
		if (o)
			fprintf(stderr, "; %s admits it now",
				pc_lockout_rule(old->p, o->session_rule, now, sizeof(now)));
		fputs("\n", stderr);
		return true;
	}
	if (!sess && !n->admitted && (!o || o->admitted)) {
		fprintf(stderr, "portcullis %s: %sthis would lock out remote administrators: no "
			"enabled rule would admit %s from any address (%s would deny it)", t->verb,
			tag, port, pc_lockout_rule(new->p, n->deny_rule, rule, sizeof(rule)));
		if (o)
			fprintf(stderr, "; %s admit%s it now",
				pc_lockout_admitters(old->p, o, now, sizeof(now)),
				o->n_admit == 1 ? "s" : "");
		fputs("\n", stderr);
		return true;
	}
	if (!(sess ? n->session_admitted : n->admitted))
		fprintf(stderr, "portcullis %s: warning: %s is not admitted%s, before or after this "
			"change\n", t->verb, port, sess ? " for the SSH session this runs in"
			: " from any address");
	return false;
}

/* Refuses (unless --force) a change that would cut SSH: no rule left to
 * admit it, or live SSH connections denied. Returns 0 to go on, or -1
 * (reported). */
static int guard(struct toggle *t)
{
	struct pc_ssh_session sess;
	bool have = pc_ssh_session_env(&sess);
	struct pc_diag *d = pc_diag_new();
	struct ssh_view old = { 0 }, new = { 0 };
	int rc = -1;

	if (!d || view_of(&old, pc_policy_load_string(t->text, t->path, d), have ? &sess : NULL) < 0 ||
	    view_of(&new, t->p, have ? &sess : NULL) < 0) {
		perror("portcullis: the lockout guard");
		goto out;
	}
	bool cut = locks_out(t, &old, &new, have ? &sess : NULL);
	if (live_cuts(t, &old, &new))
		cut = true;
	if (cut && !t->force) {
		fprintf(stderr, "portcullis %s: %s not changed (--force changes it anyway)\n",
			t->verb, t->path);
		goto out;
	}
	rc = 0;
out:
	pc_index_free(old.ix);
	pc_index_free(new.ix);
	pc_policy_free(old.p);
	pc_diag_free(d);
	return rc;
}

/* Has the running daemon, if any, load the new file. Returns the exit status. */
static int apply(const struct toggle *t)
{
	const struct pc_settings *s = pc_policy_settings(t->p);
	struct pc_status st;
	char why[PATH_MAX + 128];
	pid_t pid = pc_daemonctl_find(s->pid_file, why, sizeof(why));

	if (!pid) {
		printf("%sportcullisd is not running%s\n", t->done,
		       t->changed ? ": applies at next start" : "");
		return 0;
	}
	if (pc_daemonctl_status(pid, s->status_file, &st) == 0) {
		bool other = !pc_daemonctl_serves(&st, t->path);
		if (other)
			printf("%sportcullisd (pid %d) serves %s, not %s: not reloaded\n", t->done,
			       (int)pid, st.policy, t->path);
		pc_status_clear(&st);
		if (other)
			return 0;
	}
	if (pc_daemonctl_reload(pid, s->status_file, &st, PC_DAEMONCTL_WAIT_MS) < 0) {
		fprintf(stderr, "portcullis %s: %sportcullisd (pid %d) %s\n", t->verb, t->done,
			(int)pid, errno == ESRCH ? "exited while reloading"
			: errno == ETIMEDOUT ? "did not report the reload within 10 s"
			: strerror(errno));
		return 1;
	}
	int rc = st.last_reload_result == PC_RELOAD_OK ? 0 : 1;
	if (rc)
		fprintf(stderr, "portcullis %s: %sdaemon rejected the reload: %s\n", t->verb,
			t->done, st.last_reload_message ? st.last_reload_message : "(no reason given)");
	else
		printf("%sapplied: portcullisd (pid %d) %s\n", t->done, (int)pid,
		       st.last_reload_message ? st.last_reload_message : "reloaded");
	pc_status_clear(&st);
	return rc;
}

/* Removes what killed edits left beside the policy (we hold the lock).
 * Returns 0, or -1 with errno (out of memory). */
static int sweep_dir(const struct toggle *t)
{
	char *copy = strdup(t->path);

	if (!copy)
		return -1;
	sweep_temps(t, dirname(copy), strrchr(t->path, '/') + 1);
	free(copy);
	return 0;
}

static int run(struct toggle *t, char **names, int n)
{
	char *text = NULL;
	size_t len;
	int rc = 1;

	if (read_policy(t) < 0)
		return 1;
	if (sweep_dir(t) < 0) {
		perror("portcullis");
		return 1;
	}
	if (!(t->e = pc_confedit_new(t->text, t->len))) {
		fprintf(stderr, "portcullis %s: %s: %s\n", t->verb, t->path,
			errno == EINVAL ? "the file holds a NUL byte" : strerror(errno));
		return 1;
	}
	if (select_rules(t, names, n) < 0)
		return 1;
	switch_rules(t);
	if (!(text = pc_confedit_text(t->e, &len))) {
		perror("portcullis");
		return 1;
	}
	if (check_result(t, text) < 0 || (t->changed && guard(t) < 0))
		goto out;
	if (describe_changes(t) < 0) {
		perror("portcullis");
		goto out;
	}
	if (t->changed && replace_file(t, text, len) < 0)
		goto out;
	close(t->lock_fd); /* the daemon may take a while: let others edit */
	t->lock_fd = -1;
	rc = apply(t);
out:
	free(text);
	return rc;
}

static const struct pc_cli_opt opts[] = {
	PC_CLI_OPT_CONFIG,
	{ "force", 'f', NULL, "change it even when the change would cut SSH (the lockout guard)" },
	{ NULL, 0, NULL, NULL },
};

#define TOGGLE_MORE \
	"NAME selects the rule and its variants (\"DNS Client\" also \"DNS Client (tcp)\"); quote\n" \
	"names with spaces. The edited policy must load; a change that leaves no rule admitting\n" \
	"SSH (port 22, ssh-port, or the session's from SSH_CONNECTION), or denies live SSH\n" \
	"connections, is refused unless --force. Only the enabled lines change, atomically.\n" \
	"Exit status: 0 done and applied (or no daemon runs), 1 refused or the daemon rejected\n" \
	"the reload, 2 a usage error.\n"

const struct pc_cli_cmd pc_enable_cli = {
	"enable", "[-c FILE] [--force] NAME...",
	"Switch rules on in the policy file, then have the running portcullisd load it.",
	TOGGLE_MORE, opts,
};

const struct pc_cli_cmd pc_disable_cli = {
	"disable", "[-c FILE] [--force] NAME...",
	"Switch rules off in the policy file, then have the running portcullisd load it.",
	TOGGLE_MORE, opts,
};

struct toggle_opts {
	const char *conf;
	bool force;
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct toggle_opts *o = ctx;

	if (key == 'c')
		o->conf = arg;
	else if (key == 'f')
		o->force = true;
	return 0;
}

static int toggle(int argc, char **argv, bool on)
{
	struct toggle t = { .verb = on ? "enable" : "disable", .on = on, .lock_fd = -1 };
	const struct pc_cli_cmd *cli = on ? &pc_enable_cli : &pc_disable_cli;
	struct toggle_opts o = { .conf = PC_DEFAULT_CONF };
	int rc = pc_cli_parse(cli, argc, argv, on_opt, &o);

	if (rc >= 0)
		return rc;
	if (optind >= argc)
		return pc_cli_misuse(cli, "name the rules to %s (portcullis list shows them)", t.verb);
	t.force = o.force;
	if (!(t.path = realpath(o.conf, NULL))) {
		fprintf(stderr, "portcullis %s: cannot read %s: %s\n", t.verb, o.conf, strerror(errno));
		return 1;
	}
	rc = run(&t, argv + optind, argc - optind);
	if (t.lock_fd >= 0)
		close(t.lock_fd);
	pc_policy_free(t.p);
	pc_confedit_free(t.e);
	free(t.selected);
	free(t.done);
	free(t.text);
	free(t.path);
	return rc;
}

int pc_cmd_enable(int argc, char **argv)
{
	return toggle(argc, argv, true);
}

int pc_cmd_disable(int argc, char **argv)
{
	return toggle(argc, argv, false);
}
