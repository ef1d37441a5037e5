/* confedit.c - switching rules on and off in the text of a policy file.
 *
 * Lines are read by lib/polline.c, as the loader reads them. */
#include "confedit.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "polline.h"
#include "strbuf.h"

#define SETTINGS_SECTION "portcullis"
#define NAME_MAX_CMP 256 /* longer names are never suggested (lines are <= 199 bytes) */

enum want { W_KEEP = -1, W_NO = 0, W_YES = 1 };

struct crule {
	char *name;
	size_t hdr_end;        /* just past the header line and its line end */
	size_t eol_off, eol_len; /* the header line's line end */
	bool has_enabled;
	size_t val_off, val_len; /* the value of its enabled line */
	int written;           /* what the text says: 1, 0, -1 (not yes/no) */
	enum want want;
};

struct pc_confedit {
	char *text;
	size_t len;
	struct crule *rule;
	size_t n, cap;
	size_t eol_off, eol_len; /* the first line end of the file, for inserts */
	struct crule *cur;       /* the rule section being scanned, or NULL */
};

/* A line: content [start, end), its line end [end, next). */
struct line {
	size_t start, end, next;
};

static int add_rule(struct pc_confedit *e, const char *name, size_t nlen, const struct line *l)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 32;
		struct crule *v = realloc(e->rule, cap * sizeof(*v));
		if (!v)
			return -1;
		e->rule = v;
		e->cap = cap;
	}
	struct crule *r = &e->rule[e->n];
	*r = (struct crule){ .hdr_end = l->next, .eol_off = l->end, .eol_len = l->next - l->end,
			     .written = 1, .want = W_KEEP };
	if (!(r->name = strndup(name, nlen)))
		return -1;
	e->cur = &e->rule[e->n++];
	return 0;
}

static int word_state(const char *v, size_t n)
{
	if (n == 3 && !memcmp(v, "yes", 3))
		return 1;
	if (n == 2 && !memcmp(v, "no", 2))
		return 0;
	return -1;
}

/* Records the value of the current rule's first enabled line. */
static void scan_key(struct pc_confedit *e, const char *s, const struct pc_polline *pl)
{
	if (!e->cur || e->cur->has_enabled || pl->key_len != 7 || memcmp(s + pl->key, "enabled", 7))
		return;
	e->cur->has_enabled = true;
	e->cur->val_off = (size_t)(s - e->text) + pl->val;
	e->cur->val_len = pl->val_len;
	e->cur->written = word_state(s + pl->val, pl->val_len);
}

/* One line, read as the loader reads it (polline.h). Lines the loader
 * rejects change nothing here: it refuses the result. */
static int scan_line(struct pc_confedit *e, struct line *l, bool first)
{
	const char *s = e->text + l->start;
	struct pc_polline pl;

	pc_polline_lex(s, l->end - l->start, first, &pl);
	if (pl.kind != PC_PL_TOO_LONG)
		l->end = l->start + pl.len;
	switch (pl.kind) {
	case PC_PL_SECTION:
		e->cur = NULL;
		if (pl.name_len == strlen(SETTINGS_SECTION) &&
		    !memcmp(s + pl.name, SETTINGS_SECTION, pl.name_len))
			return 0;
		return add_rule(e, s + pl.name, pl.name_len, l);
	case PC_PL_BAD_HEADER:
		e->cur = NULL;
		return 0;
	case PC_PL_KEY:
		scan_key(e, s, &pl);
		return 0;
	default:
		return 0;
	}
}

static int scan(struct pc_confedit *e)
{
	struct pc_polspan sp;

	for (size_t pos = 0; pos < e->len; pos = sp.next) {
		pc_polline_next(e->text, e->len, pos, &sp);
		struct line l = { .start = sp.start, .end = sp.end, .next = sp.next };
		if (scan_line(e, &l, pos == 0) < 0)
			return -1;
		if (pos == 0) {
			e->eol_off = l.end;
			e->eol_len = l.next - l.end;
		}
	}
	return 0;
}

struct pc_confedit *pc_confedit_new(const char *text, size_t len)
{
	struct pc_confedit *e;

	if (memchr(text, '\0', len)) {
		errno = EINVAL;
		return NULL;
	}
	if (!(e = calloc(1, sizeof(*e))) || !(e->text = malloc(len + 1)))
		goto fail;
	memcpy(e->text, text, len);
	e->text[len] = '\0';
	e->len = len;
	if (scan(e) < 0)
		goto fail;
	return e;
fail:
	pc_confedit_free(e);
	errno = ENOMEM;
	return NULL;
}

void pc_confedit_free(struct pc_confedit *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->rule[i].name);
	free(e->rule);
	free(e->text);
	free(e);
}

size_t pc_confedit_count(const struct pc_confedit *e)
{
	return e->n;
}

const char *pc_confedit_name(const struct pc_confedit *e, size_t i)
{
	return i < e->n ? e->rule[i].name : NULL;
}

int pc_confedit_state(const struct pc_confedit *e, size_t i)
{
	if (i >= e->n)
		return -1;
	return e->rule[i].want != W_KEEP ? (int)e->rule[i].want : e->rule[i].written;
}

/* Is rule the name itself or one of its variants "NAME (...)"? */
static bool selects(const char *name, const char *rule)
{
	size_t n = strlen(name), rn = strlen(rule);

	if (!strcmp(name, rule))
		return true;
	return rn > n + 3 && !strncmp(rule, name, n) && rule[n] == ' ' && rule[n + 1] == '(' &&
	       rule[rn - 1] == ')';
}

size_t pc_confedit_select(const struct pc_confedit *e, const char *name, size_t *idx, size_t max)
{
	size_t found = 0;

	for (size_t i = 0; i < e->n; i++) {
		if (!selects(name, e->rule[i].name))
			continue;
		if (found < max)
			idx[found] = i;
		found++;
	}
	return found;
}

int pc_confedit_set(struct pc_confedit *e, size_t i, bool on)
{
	if (i >= e->n) {
		errno = ERANGE;
		return -1;
	}
	struct crule *r = &e->rule[i];
	int now = pc_confedit_state(e, i);
	if (now == (int)on)
		return 0;
	/* Back to what the text says (no line means on): no edit at all. */
	r->want = r->written == (int)on ? W_KEEP : on ? W_YES : W_NO;
	return 1;
}

/* ---- output ---- */

/* Writes text up to rule r's edit, then the edit; *pos moves past what it replaced. */
static void put_edit(struct pc_strbuf *o, const struct pc_confedit *e, const struct crule *r,
		     size_t *pos)
{
	const char *word = r->want == W_YES ? "yes" : "no";
	const char *eol = e->text + r->eol_off;
	size_t eol_len = r->eol_len;

	if (r->has_enabled) {
		pc_strbuf_put(o, e->text + *pos, r->val_off - *pos);
		pc_strbuf_puts(o, word);
		*pos = r->val_off + r->val_len;
		return;
	}
	if (!eol_len) { /* the header is the last line and has no line end */
		eol = e->eol_len ? e->text + e->eol_off : "\n";
		eol_len = e->eol_len ? e->eol_len : 1;
	}
	pc_strbuf_put(o, e->text + *pos, r->hdr_end - *pos);
	if (!r->eol_len)
		pc_strbuf_put(o, eol, eol_len);
	pc_strbuf_puts(o, "enabled = ");
	pc_strbuf_puts(o, word);
	pc_strbuf_put(o, eol, eol_len);
	*pos = r->hdr_end;
}

char *pc_confedit_text(const struct pc_confedit *e, size_t *len)
{
	struct pc_strbuf o;
	size_t pos = 0;

	pc_strbuf_init_heap(&o);
	for (size_t i = 0; i < e->n; i++)
		if (e->rule[i].want != W_KEEP)
			put_edit(&o, e, &e->rule[i], &pos);
	pc_strbuf_put(&o, e->text + pos, e->len - pos);
	return pc_strbuf_take(&o, len);
}

/* ---- close matches ---- */

/* Case-insensitive edit distance, or SIZE_MAX for names too long to compare. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[NAME_MAX_CMP + 1];

	if (la > NAME_MAX_CMP || lb > NAME_MAX_CMP)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			size_t best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* How close rule is to name: 0 best; SIZE_MAX when not close. */
static size_t closeness(const char *name, const char *rule)
{
	size_t n = strlen(name), d;

	if (!strcasecmp(name, rule))
		return 0;
	if (n >= 2 && (strcasestr(rule, name) || strcasestr(name, rule)))
		return 1;
	d = distance(name, rule);
	if (d == (size_t)-1 || d > (n / 4 > 2 ? n / 4 : 2))
		return (size_t)-1;
	return 1 + d;
}

size_t pc_confedit_suggest(const struct pc_confedit *e, const char *name, size_t *idx, size_t max)
{
	size_t got = 0, score[16];

	if (max > 16)
		max = 16;
	for (size_t i = 0; i < e->n && max; i++) {
		size_t s = closeness(name, e->rule[i].name), k = got;
		if (s == (size_t)-1 || (got == max && score[max - 1] <= s))
			continue;
		if (got == max)
			k = max - 1; /* drops the worst */
		else
			got++;
		for (; k > 0 && score[k - 1] > s; k--) { /* ties keep file order */
			score[k] = score[k - 1];
			idx[k] = idx[k - 1];
		}
		score[k] = s;
		idx[k] = i;
	}
	return got;
}

/* ---- all in one ---- */

static void describe_unknown(const struct pc_confedit *e, const char *name, struct pc_strbuf *msg)
{
	size_t idx[5], n = pc_confedit_suggest(e, name, idx, 5);

	pc_strbuf_puts(msg, pc_strbuf_len(msg) ? "; no rule named '" : "no rule named '");
	pc_strbuf_puts(msg, name);
	pc_strbuf_putc(msg, '\'');
	for (size_t i = 0; i < n; i++) {
		pc_strbuf_puts(msg, i ? ", '" : "; did you mean '");
		pc_strbuf_puts(msg, e->rule[idx[i]].name);
		pc_strbuf_putc(msg, '\'');
	}
	if (n)
		pc_strbuf_putc(msg, '?');
}

char *pc_confedit_apply(const char *text, size_t len, const char *const *names, size_t n,
			bool on, size_t *outlen, char *err, size_t errlen)
{
	struct pc_confedit *e = pc_confedit_new(text, len);
	struct pc_strbuf msg;
	char *res = NULL;
	size_t unknown = 0;
	int saved;

	if (errlen)
		err[0] = '\0';
	if (!e) {
		if (errno == EINVAL)
			snprintf(err, errlen, "the file holds a NUL byte");
		return NULL;
	}
	pc_strbuf_init(&msg, err, errlen);
	for (size_t i = 0; i < n; i++)
		if (!pc_confedit_select(e, names[i], NULL, 0)) {
			describe_unknown(e, names[i], &msg);
			unknown++;
		}
	if (unknown) {
		pc_strbuf_finish(&msg);
		errno = ENOENT;
		goto out;
	}
	for (size_t i = 0; i < e->n; i++)
		for (size_t k = 0; k < n; k++)
			if (selects(names[k], e->rule[i].name))
				pc_confedit_set(e, i, on);
	res = pc_confedit_text(e, outlen);
out:
	saved = errno;
	pc_confedit_free(e);
	errno = saved;
	return res;
}
