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
	if (check_result(t, text) < 0)
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

static int toggle(int argc, char **argv, bool on)
{
	struct toggle t = { .verb = on ? "enable" : "disable", .on = on, .lock_fd = -1 };
	struct pc_cli_opts o;
	char usage[64];
	int rc;

	snprintf(usage, sizeof(usage), "%s [-c FILE] NAME...", t.verb);
	if ((rc = pc_cli_getopt(argc, argv, usage, &o)))
		return rc > 0 ? 0 : 2;
	if (optind >= argc) {
		fprintf(stderr, "usage: portcullis %s\n", usage);
		return 2;
	}
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
