/* logsrc.h - where portcullis log reads its lines: a file or standard input
 * to its end, a file followed like tail -F (across logrotate's rename and
 * truncation), or the output of journalctl, started without a shell.
 *
 * Following, and reading journalctl, end at SIGINT or SIGTERM: the source
 * catches them from open to free, and reports an end of input. */
#ifndef PC_LOGSRC_H
#define PC_LOGSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PC_LOGSRC_BUF 16384 /* a longer line is dropped (reported as overlong) */
#define PC_LOGSRC_POLL_MS 200 /* how often a followed file at its end is looked at */
#define PC_LOGSRC_UNIT "portcullis.service"

struct pc_logsrc;

enum pc_logsrc_kind {
	PC_LOGSRC_FILE,    /* path (NULL or "-": stdin) to its end */
	PC_LOGSRC_FOLLOW,  /* path, then what is written to it, until a signal */
	PC_LOGSRC_JOURNAL, /* journalctl -u portcullis.service -o short-iso */
};

struct pc_logsrc_cfg {
	enum pc_logsrc_kind kind;
	const char *path;
	bool follow;      /* PC_LOGSRC_JOURNAL: journalctl -f */
	bool since_set;   /* FOLLOW: read from the start, not the end; JOURNAL: --since */
	int64_t since;    /* unix seconds */
};

/* Opens the source. Returns it, or NULL with the reason in err (errlen
 * bytes: "FILE: No such file or directory", "cannot run journalctl: ..."). */
struct pc_logsrc *pc_logsrc_open(const struct pc_logsrc_cfg *cfg, char *err, size_t errlen);

/* The next line, without its newline, valid until the next call. Returns 1,
 * 0 at the end (or after SIGINT/SIGTERM), or -1 with errno. *overlong: a
 * line longer than the buffer was dropped here instead. A line cut short at
 * the end of a file (before a rotation or a truncation) is a line. */
int pc_logsrc_next(struct pc_logsrc *s, const char **line, size_t *len, bool *overlong);

/* Closes the source, stops journalctl if it still runs and reaps it, and
 * puts the signal handling back. Returns 0, or -1 with the reason in err
 * when journalctl failed ("journalctl exited with status 1"). */
int pc_logsrc_free(struct pc_logsrc *s, char *err, size_t errlen);

#endif
