/* loader.c - reading a policy file (INI, parsed by libinih) into a policy.
 *
 * libinih (Debian 12: r55) gives handlers no line numbers, splits lines over
 * 199 bytes and continues indented lines. So every line first goes through
 * reader(), which counts lines, rejects over-long and malformed ones, strips
 * indentation, and tracks sections; inih then splits KEY = VALUE. */
#include "budget.h"
#include "marks.h"
#include "policy_int.h"
#include "polline.h"
#include "saferead.h"
#include "strbuf.h"
#include "strmap.h"
#include "values.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE PC_POLLINE_MAX
#define ERRLEN 256
#define SETTINGS_SECTION "portcullis"

#define KEYS_MAX 32 /* keys of a section: bits of loader.seen */

enum rkey { K_ENABLED, K_ACTION, K_PROTO, K_DIR, K_LOCAL, K_REMOTE, K_LPORT, K_RPORT,
	    K_ICMP, K_LOG, K_DESC, K_RULE_MAX };


/* An address file, read once for every rule that names it. */
struct addr_file {
	char *path;          /* resolved */
	struct pc_prefix *v; /* in the policy's arena; NULL when it has errors */
	size_t n;
};

/* The section being read: a rule, the settings, or a bad header (ignored). */
enum section { SEC_NONE, SEC_RULE, SEC_SETTINGS, SEC_IGNORED };

struct loader {
	const char *file; /* name used in messages */
	char *dir;        /* base of relative file: paths */
	struct pc_diag *diag;
	struct pc_policy *p;
	struct pc_saferead *f; /* source: a file, or */
	const char *str;  /* a string */
	char *buf;
	size_t bufcap;
	int read_err;     /* errno of a failed read of f */
	size_t base_errors; /* errors in diag before this load */
	bool stop;        /* PC_ERRORS_MAX reached: read no further */
	int line;
	enum section sec;
	int sec_line;
	bool settings_seen;
	struct pc_rule r;      /* the rule being read; its memory is the policy's */
	uint32_t seen;         /* keys seen in this section, by index */
	int key_line[KEYS_MAX]; /* a rule's keys or the settings, by index */
	char icmp_raw[MAX_LINE + 1]; /* icmp-type waits for the protocol */
	struct addr_file *files;     /* read so far, shared by the rules */
	size_t n_files, files_cap;
	struct pc_strmap *file_index; /* resolved path -> files[] */
	uint64_t addrs;               /* addresses of all files read (PC_ENTRIES_MAX at most) */
};

/* Adds an error of file; after PC_ERRORS_MAX of them, says so once and
 * sets L->stop (the readers then stop: junk cannot flood the messages). */
__attribute__((format(printf, 4, 0)))
static void verror(struct loader *L, const char *file, int line, const char *fmt, va_list ap)
{
	char msg[512];

	if (L->stop)
		return;
	if (pc_diag_errors(L->diag) - L->base_errors >= PC_ERRORS_MAX) {
		pc_diag_add(L->diag, PC_DIAG_ERROR, file, line, "too many errors (%d), stopping here",
			    PC_ERRORS_MAX);
		L->stop = true;
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	pc_diag_add(L->diag, PC_DIAG_ERROR, file, line, "%s", msg);
}

__attribute__((format(printf, 3, 4)))
static void error(struct loader *L, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(L, L->file, line, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 4, 5)))
static void error_at(struct loader *L, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(L, file, line, fmt, ap);
	va_end(ap);
}

/* Why a file could not be opened or read (errno err, bound max bytes). */
static const char *file_error(int err, uint64_t max, char *buf, size_t len)
{
	if (err == EFBIG)
		snprintf(buf, len, "file too large (more than %llu MiB)",
			 (unsigned long long)(max >> 20));
	else
		snprintf(buf, len, "%s", pc_saferead_strerror(err));
	return buf;
}

/* ---- address lists, inline or file:PATH ---- */

static char *resolve_path(struct loader *L, const char *path)
{
	char *full = NULL;

	if (path[0] == '/' || !L->dir)
		return strdup(path);
	if (asprintf(&full, "%s/%s", L->dir, path) < 0)
		return NULL;
	return full;
}

/* An address list being read. */
struct addr_list {
	const char *file;
	int lineno;
	struct pc_prefix *v;
	size_t n, cap;
	uint64_t room;  /* addresses the budget leaves for this file */
	int bad;
};

static int push_prefix(struct addr_list *al, const struct pc_prefix *p)
{
	if (al->n == al->cap) {
		size_t c = al->cap ? 2 * al->cap : 64;
		struct pc_prefix *nv = realloc(al->v, c * sizeof(*nv));
		if (!nv)
			return -1;
		al->v = nv;
		al->cap = c;
	}
	al->v[al->n++] = *p;
	return 0;
}

/* Parses one line (len bytes) of an address file into al. Returns 0, or
 * -1 when memory ran out. */
static int addr_line(struct loader *L, struct addr_list *al, char *line, size_t len)
{
	char err[ERRLEN], *s = line, *hash;
	struct pc_prefix p;

	if (len > PC_ADDR_LINE_MAX) {
		error_at(L, al->file, al->lineno, "line is too long (%zu bytes, at most %d)", len,
			 PC_ADDR_LINE_MAX);
		al->bad++;
		return 0;
	}
	if (strlen(line) != len) {
		error_at(L, al->file, al->lineno, "line contains a NUL byte");
		al->bad++;
		return 0;
	}
	if ((hash = strchr(line, '#')))
		*hash = '\0';
	s += strspn(s, " \t\r\n");
	char *end = s + strcspn(s, " \t\r\n");
	bool extra = end[strspn(end, " \t\r\n")] != '\0';
	*end = '\0';
	if (!*s)
		return 0;
	if (extra) {
		error_at(L, al->file, al->lineno, "one address or CIDR a line, without spaces");
		al->bad++;
	} else if (pc_prefix_parse(s, &p, err, sizeof(err)) < 0) {
		error_at(L, al->file, al->lineno, "%s", err);
		al->bad++;
	} else if (al->n >= al->room) {
		/* each address costs an enabled rule an index entry at least */
		if (L->addrs)
			error_at(L, al->file, al->lineno, "the address files of the policy list more "
				 "than %llu addresses together", (unsigned long long)PC_ENTRIES_MAX);
		else
			error_at(L, al->file, al->lineno, "more than %llu addresses",
				 (unsigned long long)PC_ENTRIES_MAX);
		al->bad++;
		L->stop = true;
	} else if (push_prefix(al, &p) < 0) {
		return -1;
	}
	return 0;
}

/* Reads one address or CIDR a line; '#' starts a comment. Errors name the
 * address file and its line. Only a regular file is read, within the
 * bounds of budget.h. Returns 0, or -1 (errors reported). */
static int read_addr_file(struct loader *L, const char *full, struct pc_prefix **v, size_t *n)
{
	char *line, why[64];
	struct addr_list al = { .file = full, .room = PC_ENTRIES_MAX - L->addrs };
	struct pc_saferead *f = NULL;
	int rc = -1, got = 0;
	size_t len;

	if (!(f = pc_saferead_open(full, PC_ADDR_FILE_MAX, PC_ADDR_LINE_MAX))) {
		error(L, L->line, "cannot read address file '%s': %s", full,
		      file_error(errno, PC_ADDR_FILE_MAX, why, sizeof(why)));
		goto out;
	}
	while (!L->stop && (got = pc_saferead_line(f, &line, &len)) > 0) {
		al.lineno++;
		if (addr_line(L, &al, line, len) < 0) {
			error(L, L->line, "out of memory reading '%s'", full);
			goto out;
		}
	}
	if (got < 0)
		error(L, L->line, "cannot read address file '%s': %s", full,
		      file_error(errno, PC_ADDR_FILE_MAX, why, sizeof(why)));
	else if (!al.n && !al.bad && !L->stop)
		error(L, L->line, "address file '%s' lists no address", full);
	else if (!al.bad && !L->stop)
		rc = 0;
out:
	pc_saferead_close(f);
	if (rc < 0)
		free(al.v);
	*v = rc < 0 ? NULL : al.v;
	*n = rc < 0 ? 0 : al.n;
	L->addrs += al.n;
	return rc;
}

/* The addresses of file:PATH, read at its first reference and shared by
 * every rule that names it. Returns 0 with *v and *n, or -1 (reported at
 * the first reference; later ones say nothing more). */
static int addr_file(struct loader *L, const char *path, struct pc_prefix **v, size_t *n)
{
	char *full = resolve_path(L, path);
	struct addr_file *af;
	long i;

	if (!full || (!L->file_index && !(L->file_index = pc_strmap_new())))
		goto nomem;
	if ((i = pc_strmap_get(L->file_index, full)) >= 0) {
		free(full);
		af = &L->files[i];
		*v = af->v;
		*n = af->n;
		return af->v ? 0 : -1;
	}
	if (L->n_files == L->files_cap) {
		size_t cap = L->files_cap ? 2 * L->files_cap : 8;
		struct addr_file *nf = realloc(L->files, cap * sizeof(*nf));
		if (!nf)
			goto nomem;
		L->files = nf;
		L->files_cap = cap;
	}
	if (pc_strmap_add(L->file_index, full, L->n_files, NULL) < 0)
		goto nomem;
	af = &L->files[L->n_files++];
	*af = (struct addr_file){ .path = full }; /* the map's key, freed with files[] */
	full = NULL;
	if (read_addr_file(L, af->path, &af->v, &af->n) < 0)
		return -1;
	if (pc_arena_adopt(L->p->mem, af->v) < 0) {
		af->v = NULL; /* freed by adopt */
		goto nomem;
	}
	*v = af->v;
	*n = af->n;
	return 0;
nomem:
	free(full);
	error(L, L->line, "out of memory");
	return -1;
}

static void free_files(struct loader *L)
{
	for (size_t i = 0; i < L->n_files; i++)
		free(L->files[i].path);
	free(L->files);
	pc_strmap_free(L->file_index);
}

/* Room in the policy for a list of the elements val can hold. */
static void *list_room(struct loader *L, const char *val, size_t size, size_t *cap)
{
	*cap = pc_list_count(val);
	return pc_arena_alloc(L->p->mem, *cap * size);
}

static int set_addresses(struct loader *L, struct pc_prefix **v, size_t *n, const char *val,
			 char *err, size_t len)
{
	struct pc_prefix *nv;
	size_t nn, cap;

	if (!strncmp(val, "file:", 5)) {
		if (addr_file(L, val + 5, &nv, &nn) < 0) {
			err[0] = '\0'; /* already reported */
			return -1;
		}
	} else if (!(nv = list_room(L, val, sizeof(*nv), &cap)) ||
		   pc_parse_prefixes_into(val, nv, cap, &nn, err, len) < 0) {
		return -1;
	}
	*v = nv;
	*n = nn;
	return 0;
}

static int set_ports(struct loader *L, struct pc_portrange **v, size_t *n, const char *val,
		     char *err, size_t len)
{
	struct pc_portrange *nv;
	size_t cap;

	if (!(nv = list_room(L, val, sizeof(*nv), &cap)) ||
	    pc_parse_ports_into(val, nv, cap, n, err, len) < 0)
		return -1;
	*v = nv;
	return 0;
}

/* ---- rule keys ---- */

static const char *const yes_no[] = { "no", "yes", NULL };
static const char *const actions[] = { "deny", "permit", NULL };
static const char *const dirs[] = { "in", "out", "both", NULL };
static const char *const rule_logs[] = { "default", "yes", "no", NULL };

static int set_rule_key(struct loader *L, enum rkey k, const char *val, char *err, size_t len)
{
	struct pc_rule *r = &L->r;
	int w = 0, rc = 0;

	switch (k) {
	case K_ENABLED:
		rc = pc_parse_word(val, yes_no, &w, err, len);
		r->enabled = w == 1;
		return rc;
	case K_ACTION:
		rc = pc_parse_word(val, actions, &w, err, len);
		r->action = w == 1 ? PC_PERMIT : PC_DENY;
		return rc;
	case K_PROTO:
		return pc_parse_proto(val, &r->proto, err, len);
	case K_DIR:
		rc = pc_parse_word(val, dirs, &w, err, len);
		r->dir = (enum pc_dir)(w + 1);
		return rc;
	case K_LOCAL:
		return set_addresses(L, &r->local, &r->n_local, val, err, len);
	case K_REMOTE:
		return set_addresses(L, &r->remote, &r->n_remote, val, err, len);
	case K_LPORT:
		return set_ports(L, &r->lport, &r->n_lport, val, err, len);
	case K_RPORT:
		return set_ports(L, &r->rport, &r->n_rport, val, err, len);
	case K_ICMP:
		snprintf(L->icmp_raw, sizeof(L->icmp_raw), "%s", val); /* val is a line's part */
		return 0;
	case K_LOG:
		rc = pc_parse_word(val, rule_logs, &w, err, len);
		r->log = (enum pc_rule_log)w;
		return rc;
	case K_DESC:
		return (r->description = pc_arena_strdup(L->p->mem, val)) ? 0 : -1;
	case K_RULE_MAX:
		break;
	}
	return -1;
}

static const char *const rule_key_names[K_RULE_MAX] = {
	[K_ENABLED] = "enabled",        [K_ACTION] = "action",
	[K_PROTO] = "protocol",         [K_DIR] = "direction",
	[K_LOCAL] = "local-address",    [K_REMOTE] = "remote-address",
	[K_LPORT] = "local-port",       [K_RPORT] = "remote-port",
	[K_ICMP] = "icmp-type",         [K_LOG] = "log",
	[K_DESC] = "description",
};

/* ---- [portcullis] settings ---- */

static int set_path(char **dst, const char *val, char *err, size_t len)
{
	if (val[0] != '/') {
		snprintf(err, len, "'%s' is not an absolute path", val);
		return -1;
	}
	free(*dst);
	return (*dst = strdup(val)) ? 0 : -1;
}

static int set_queue(struct pc_settings *s, const char *val, char *err, size_t len)
{
	unsigned long lo, hi;

	if (pc_parse_range(val, 65535, &lo, &hi, err, len) < 0) {
		snprintf(err, len, "'%s' is not a queue number or range (N or N-M, 0-65535)", val);
		return -1;
	}
	if (hi < lo || hi - lo >= 64) {
		snprintf(err, len, "queue range '%s' must be N-M with N <= M and at most 64 queues", val);
		return -1;
	}
	s->queue_lo = (unsigned)lo;
	s->queue_hi = (unsigned)hi;
	return 0;
}

static int set_log_target(struct pc_settings *s, const char *val, char *err, size_t len)
{
	static const char *const targets[] = { "syslog", "stderr", NULL };
	int w;

	if (!strncmp(val, "file:", 5)) {
		s->log_target = PC_LOGT_FILE;
		return set_path(&s->log_file, val + 5, err, len);
	}
	if (pc_parse_word(val, targets, &w, err, len) < 0) {
		snprintf(err, len, "'%s' is not one of: syslog stderr file:PATH", val);
		return -1;
	}
	s->log_target = (enum pc_log_target)w;
	return 0;
}

enum skey { S_DEFAULT, S_QUEUE, S_FAIL, S_LOG, S_LOG_TARGET, S_LOG_FORMAT, S_LOG_RATE,
	    S_PID_FILE, S_STATUS_FILE, S_STATEFUL, S_MARK_MASK, S_SSH_PORT, S_ALLOW_EMPTY,
	    S_METRICS_FILE, S_MAX };
_Static_assert(S_MAX <= KEYS_MAX && K_RULE_MAX <= KEYS_MAX, "loader.seen has a bit per key");

static const char *const setting_names[S_MAX] = {
	[S_DEFAULT] = "default",       [S_QUEUE] = "queue",
	[S_FAIL] = "fail",             [S_LOG] = "log",
	[S_LOG_TARGET] = "log-target", [S_LOG_FORMAT] = "log-format",
	[S_LOG_RATE] = "log-rate",     [S_PID_FILE] = "pid-file",
	[S_STATUS_FILE] = "status-file", [S_STATEFUL] = "stateful",
	[S_MARK_MASK] = "mark-mask",   [S_SSH_PORT] = "ssh-port",
	[S_ALLOW_EMPTY] = "allow-empty", [S_METRICS_FILE] = "metrics-file",
};

/* A 32-bit mask, hexadecimal (0x...) or decimal, with at least
 * PC_MARK_BITS_MIN bits set. */
static int set_mark_mask(struct pc_settings *s, const char *val, char *err, size_t len)
{
	struct pc_marks m;
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(val, &end, 0);
	if (!isdigit((unsigned char)val[0]) || *end || errno || v > UINT32_MAX) {
		snprintf(err, len, "'%s' is not a 32-bit mask (e.g. 0xff000000)", val);
		return -1;
	}
	if (pc_marks_init(&m, (uint32_t)v) < 0) {
		snprintf(err, len, "mark-mask '%s' has fewer than %d bits set", val,
			 PC_MARK_BITS_MIN);
		return -1;
	}
	s->mark_mask = (uint32_t)v;
	return 0;
}

static int set_log_rate(struct pc_settings *s, const char *val, char *err, size_t len)
{
	unsigned long n;

	if (pc_parse_uint(val, 1000000, &n, err, len) < 0)
		return -1;
	if (n == 0) {
		snprintf(err, len, "log-rate must be at least 1 (log = none logs nothing)");
		return -1;
	}
	s->log_rate = (unsigned)n;
	return 0;
}

static int set_ssh_port(struct pc_settings *s, const char *val, char *err, size_t len)
{
	unsigned long n;

	if (pc_parse_uint(val, 65535, &n, err, len) < 0 || n == 0) {
		snprintf(err, len, "'%s' is not a port (1-65535)", val);
		return -1;
	}
	s->ssh_port = (unsigned)n;
	return 0;
}

static int set_setting(struct pc_settings *s, enum skey k, const char *val, char *err, size_t len)
{
	static const char *const verdicts[] = { "deny", "permit", NULL };
	static const char *const fails[] = { "closed", "open", NULL };
	static const char *const logs[] = { "none", "deny", "all", NULL };
	static const char *const formats[] = { "text", "json", NULL };
	int w = 0, rc;

	switch (k) {
	case S_DEFAULT:
		rc = pc_parse_word(val, verdicts, &w, err, len);
		s->dflt = w ? PC_PERMIT : PC_DENY;
		return rc;
	case S_FAIL:
		rc = pc_parse_word(val, fails, &w, err, len);
		s->fail_open = w == 1;
		return rc;
	case S_LOG:
		rc = pc_parse_word(val, logs, &w, err, len);
		s->log = (enum pc_log_mode)w;
		return rc;
	case S_LOG_FORMAT:
		rc = pc_parse_word(val, formats, &w, err, len);
		s->log_format = (enum pc_log_format)w;
		return rc;
	case S_LOG_RATE:
		return set_log_rate(s, val, err, len);
	case S_QUEUE:
		return set_queue(s, val, err, len);
	case S_LOG_TARGET:
		return set_log_target(s, val, err, len);
	case S_PID_FILE:
		return set_path(&s->pid_file, val, err, len);
	case S_STATUS_FILE:
		return set_path(&s->status_file, val, err, len);
	case S_STATEFUL:
		rc = pc_parse_word(val, yes_no, &w, err, len);
		s->stateful = w == 1;
		return rc;
	case S_MARK_MASK:
		return set_mark_mask(s, val, err, len);
	case S_SSH_PORT:
		return set_ssh_port(s, val, err, len);
	case S_ALLOW_EMPTY:
		rc = pc_parse_word(val, yes_no, &w, err, len);
		s->allow_empty = w == 1;
		return rc;
	case S_METRICS_FILE: /* empty: none */
		free(s->metrics_file);
		s->metrics_file = NULL;
		return *val ? set_path(&s->metrics_file, val, err, len) : 0;
	case S_MAX:
		break;
	}
	return -1;
}

/* ---- sections ---- */

static bool any_port_key(const struct loader *L)
{
	return L->seen & ((1u << K_LPORT) | (1u << K_RPORT));
}

static unsigned families(const struct pc_prefix *v, size_t n)
{
	unsigned f = 0;
	for (size_t i = 0; i < n; i++)
		f |= v[i].family == PC_FAM_V4 ? 1u : v[i].family == PC_FAM_V6 ? 2u : 3u;
	return f;
}

static void check_rule(struct loader *L)
{
	struct pc_rule *r = &L->r;
	char err[ERRLEN];
	bool icmp = L->seen & (1u << K_ICMP);
	struct pc_icmpspec *v;
	size_t cap;

	if (!(L->seen & (1u << K_ACTION)))
		error(L, L->sec_line, "rule '%s' has no action (action = permit or deny)", r->name);
	if (any_port_key(L) && r->proto != 6 && r->proto != 17) {
		enum rkey k = L->seen & (1u << K_LPORT) ? K_LPORT : K_RPORT;
		error(L, L->key_line[k], "%s needs protocol = tcp or udp", rule_key_names[k]);
	}
	if (icmp && r->proto != 1 && r->proto != 58) {
		error(L, L->key_line[K_ICMP], "icmp-type needs protocol = icmp or icmpv6");
	} else if (icmp) {
		strcpy(err, "out of memory");
		if (!(v = list_room(L, L->icmp_raw, sizeof(*v), &cap)) ||
		    pc_parse_icmp_into(L->icmp_raw, r->proto, v, cap, &r->n_icmp, err, sizeof(err)) < 0)
			error(L, L->key_line[K_ICMP], "icmp-type: %s", err);
		else
			r->icmp = v;
	}
	if (!(families(r->remote, r->n_remote) & families(r->local, r->n_local)))
		error(L, L->sec_line, "rule '%s': local-address and remote-address share no "
		      "address family, so it can never match", r->name);
}

/* Finishes the section in progress: a rule is checked and added (even
 * with errors: then the policy is not used, but its name is taken). */
static void end_section(struct loader *L)
{
	if (L->sec == SEC_RULE) {
		check_rule(L);
		pc_policy_commit(L->p, &L->r);
	}
	L->seen = 0;
	L->sec = SEC_NONE;
}

/* Bytes a rule name must not hold: controls, DEL, " \\ [ ]. */
static const bool name_bad[256] = {
	[0x01 ... 0x1f] = true, [0x7f] = true, ['"'] = true, ['\\'] = true, ['['] = true, [']'] = true,
};

static bool valid_name(const char *name)
{
	const unsigned char *c = (const unsigned char *)name;

	while (*c && !name_bad[*c])
		c++;
	return *name && !*c;
}

/* Names the verdict log gives no rule: the default, and packets dropped
 * before any rule is looked at. */
static bool reserved_name(const char *name)
{
	static const char *const reserved[] = { "-", "(invalid)", "(malformed)" };

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (!strcmp(name, reserved[i]))
			return true;
	return false;
}

static void begin_section(struct loader *L, const char *name)
{
	end_section(L);
	L->sec_line = L->line;
	L->sec = SEC_IGNORED;
	if (!strcmp(name, SETTINGS_SECTION)) {
		if (L->settings_seen)
			error(L, L->line, "duplicate section [%s]", SETTINGS_SECTION);
		else
			L->sec = SEC_SETTINGS;
		L->settings_seen = true;
		return;
	}
	if (!valid_name(name)) {
		error(L, L->line, "invalid rule name '%s' (printable, without \" \\ [ ])", name);
		return;
	}
	if (reserved_name(name)) {
		error(L, L->line, "rule name '%s' is reserved: the verdict log uses it for verdicts "
				  "no rule gave", name);
		return;
	}
	size_t prev = SIZE_MAX;
	char *copy = pc_policy_reserve(L->p, name, &prev);
	if (!copy && errno == EEXIST && prev < L->p->n) {
		error(L, L->line, "duplicate rule name '%s' (first defined at line %d)", name,
		      L->p->rules[prev].line);
		return;
	}
	if (!copy) {
		error(L, L->line, "out of memory");
		return;
	}
	pc_rule_defaults(L->p, &L->r);
	L->r.name = copy;
	L->r.line = L->line;
	L->sec = SEC_RULE;
}

/* ---- keys ---- */

static int key_index(const char *const *names, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (names[i][0] == key[0] && !strcmp(names[i], key))
			return i;
	return -1;
}

static void key_list(const char *const *names, int n, char *buf, size_t len)
{
	struct pc_strbuf b;

	pc_strbuf_init(&b, buf, len);
	for (int i = 0; i < n; i++) {
		if (i)
			pc_strbuf_puts(&b, ", ");
		pc_strbuf_puts(&b, names[i]);
	}
	pc_strbuf_finish(&b);
}

/* Marks key k of the section as seen; false (reported) when it was already. */
static bool first_time(struct loader *L, int k, const char *name)
{
	if (L->seen & (1u << k)) {
		error(L, L->line, "duplicate key '%s' (first at line %d)", name, L->key_line[k]);
		return false;
	}
	L->seen |= 1u << k;
	L->key_line[k] = L->line;
	return true;
}

static void section_key(struct loader *L, const char *name, const char *value)
{
	bool rule = L->sec == SEC_RULE;
	const char *const *names = rule ? rule_key_names : setting_names;
	int n = rule ? K_RULE_MAX : S_MAX;
	char err[ERRLEN], list[512];
	int k = key_index(names, n, name);

	if (k < 0) {
		key_list(names, n, list, sizeof(list));
		if (rule)
			error(L, L->line, "unknown key '%s' in rule '%s' (keys: %s)", name, L->r.name, list);
		else
			error(L, L->line, "unknown setting '%s' (settings: %s)", name, list);
		return;
	}
	if (!first_time(L, k, name))
		return;
	strcpy(err, "out of memory");
	int rc = rule ? set_rule_key(L, (enum rkey)k, value, err, sizeof(err))
		      : set_setting(&L->p->set, (enum skey)k, value, err, sizeof(err));
	if (rc < 0 && err[0])
		error(L, L->line, "%s: %s", name, err);
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct loader *L = user;

	(void)section; /* the reader tracks sections, with their lines */
	if (L->sec == SEC_NONE)
		error(L, L->line, "'%s' is outside any section ([portcullis] or [rule name])", name);
	else if (L->sec != SEC_IGNORED)
		section_key(L, name, value);
	return 1;
}

/* ---- lines ---- */

/* The next line without its '\n' (trailing '\r's kept), or NULL at the
 * end; *len its length. */
static char *next_raw(struct loader *L, size_t *len)
{
	struct pc_polspan sp;

	if (L->f) {
		char *line;
		int rc = pc_saferead_line(L->f, &line, len);
		if (rc < 0)
			L->read_err = errno ? errno : EIO;
		return rc > 0 ? line : NULL;
	}
	if (!*L->str)
		return NULL;
	const char *nl = strchr(L->str, '\n');
	L->str += pc_polline_next(L->str, nl ? (size_t)(nl - L->str) + 1 : strlen(L->str), 0, &sp);
	*len = sp.end;
	if (sp.end + 1 > L->bufcap) {
		char *b = realloc(L->buf, sp.end + 1);
		if (!b)
			return NULL;
		L->buf = b;
		L->bufcap = sp.end + 1;
	}
	memcpy(L->buf, L->str - sp.next, sp.end);
	L->buf[sp.end] = '\0';
	return L->buf;
}

/* What inih gets for this line: the line, or "" when it is handled here
 * (polline.h: the editor reads lines the same way). */
static const char *classify(struct loader *L, char *line, size_t len)
{
	struct pc_polline pl;

	pc_polline_lex(line, len, L->line == 1, &pl);
	switch (pl.kind) {
	case PC_PL_TOO_LONG:
		error(L, L->line, "line is too long (%zu bytes, at most %d)", pl.len, MAX_LINE);
		break;
	case PC_PL_NUL:
		error(L, L->line, "line contains a NUL byte");
		break;
	case PC_PL_BAD_HEADER:
		end_section(L);
		L->sec = SEC_IGNORED;
		error(L, L->line, "malformed section header (expected [rule name])");
		break;
	case PC_PL_SECTION:
		line[pl.name + pl.name_len] = '\0';
		begin_section(L, line + pl.name);
		return "[x]"; /* inih only needs to know a section began */
	case PC_PL_NOT_KEY:
		error(L, L->line, "expected KEY = VALUE or [rule name]");
		break;
	case PC_PL_KEY:
		line[pl.len] = '\0';
		return line + pl.text;
	case PC_PL_BLANK:
	case PC_PL_COMMENT:
		break;
	}
	return "";
}

static char *reader(char *str, int num, void *stream)
{
	struct loader *L = stream;
	size_t len;
	char *line = L->stop ? NULL : next_raw(L, &len);

	if (!line)
		return NULL;
	L->line++;
	const char *text = classify(L, line, len);
	size_t n = strlen(text);
	if (n >= (size_t)num) {
		error(L, L->line, "line is too long for the INI parser (%d bytes)", num - 1);
		text = "";
		n = 0;
	}
	memcpy(str, text, n + 1);
	return str;
}

/* ---- entry points ---- */

/* The index a policy compiles to stays within PC_ENTRIES_MAX entries. */
static void check_budget(struct loader *L)
{
	size_t n;
	const struct pc_rule *r = pc_policy_rules(L->p, &n);
	unsigned long long total = 0, max = PC_ENTRIES_MAX;

	for (size_t i = 0; i < n; i++) {
		unsigned long long e = pc_budget_entries(&r[i]);

		if (!r[i].enabled) { /* counted, not built: could it ever be enabled? */
			if (e > max)
				pc_diag_add(L->diag, PC_DIAG_WARNING, L->file, r[i].line,
					    "rule '%s' is disabled and expands to %llu index entries, "
					    "more than the %llu a policy may have: it cannot be "
					    "enabled", r[i].name, e, max);
			continue;
		}
		total = total + e < total ? ULLONG_MAX : total + e;
		if (e > max) {
			error(L, r[i].line, "rule '%s' expands to %llu index entries (address pairs x "
			      "port and icmp-type elements), more than the %llu a policy may have",
			      r[i].name, e, max);
			return;
		}
		if (total > max) {
			error(L, r[i].line, "the enabled rules up to '%s' expand to %llu index entries, "
			      "more than the %llu a policy may have", r[i].name, total, max);
			return;
		}
	}
}

static struct pc_policy *load(struct loader *L)
{
	size_t before = pc_diag_errors(L->diag);
	char why[64];

	L->base_errors = before;

	L->p = pc_policy_new();
	if (!L->p) {
		error(L, 0, "out of memory");
		return NULL;
	}
	int rc = ini_parse_stream(reader, L, handler, L);
	end_section(L);
	/* a file without a section is what a truncating write leaves, never a
	 * policy to enforce (a string without one is a caller's defaults) */
	if (!L->str && !L->sec_line && !L->read_err && rc == 0 &&
	    pc_diag_errors(L->diag) == before)
		error(L, 0, "no section: the file is empty or holds only comments "
		      "(a truncated file?); a policy has [%s] or a rule", SETTINGS_SECTION);
	if (pc_diag_errors(L->diag) == before)
		check_budget(L);
	if (L->read_err)
		error(L, 0, "read error: %s", file_error(L->read_err, PC_POLICY_FILE_MAX, why,
							  sizeof(why)));
	else if (rc > 0 && pc_diag_errors(L->diag) == before)
		error(L, rc, "syntax error");
	else if (rc < 0)
		error(L, 0, "out of memory");
	free(L->buf);
	free(L->dir);
	free_files(L);
	if (pc_diag_errors(L->diag) == before && !(L->p->path = strdup(L->file)))
		pc_diag_add(L->diag, PC_DIAG_ERROR, L->file, 0, "out of memory");
	if (pc_diag_errors(L->diag) > before) {
		pc_policy_free(L->p);
		return NULL;
	}
	return L->p;
}

struct pc_policy *pc_policy_load(const char *path, struct pc_diag *diag)
{
	struct loader L = { .file = path, .diag = diag };
	char *copy = strdup(path);
	struct pc_policy *p = NULL;

	if (!copy) {
		pc_diag_add(diag, PC_DIAG_ERROR, path, 0, "out of memory");
		return NULL;
	}
	L.dir = strdup(dirname(copy));
	free(copy);
	L.f = pc_saferead_open(path, PC_POLICY_FILE_MAX, PC_POLLINE_READ_MAX);
	if (!L.f) {
		char why[64];

		pc_diag_add(diag, PC_DIAG_ERROR, path, 0, "cannot open: %s",
			    file_error(errno, PC_POLICY_FILE_MAX, why, sizeof(why)));
		free(L.dir);
		return NULL;
	}
	p = load(&L);
	pc_saferead_close(L.f);
	return p;
}

struct pc_policy *pc_policy_load_string(const char *text, const char *name, struct pc_diag *diag)
{
	struct loader L = { .file = name, .diag = diag, .str = text };
	char *copy = strdup(name);

	L.dir = copy ? strdup(dirname(copy)) : NULL;
	free(copy);
	return load(&L);
}
