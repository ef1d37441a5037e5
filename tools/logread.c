/* logread.c - parsing verdict log lines (text or JSON) back into records:
 * which keys a line may carry, what each means, which make a record, where
 * a record starts after a syslog/journal prefix. The JSON syntax is
 * jsonread's, the times are timestamp's.
 *
 * Every read goes through a cursor [p, end) (cursor.h): nothing past the
 * line is read and no NUL terminator is needed. Values are decoded into a
 * fixed buffer; a value that does not fit is an error, never cut short. */
#include "logread.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "cursor.h"
#include "jsonread.h"
#include "timestamp.h"
#include "vlogline.h"

#define KEY_MAX 16 /* longer than every known key */

enum key_id {
	K_TIME, K_VERDICT, K_RULE, K_REASON, K_DIR, K_PROTO, K_SRC, K_SPORT,
	K_DST, K_DPORT, K_TYPE, K_CODE, K_LEN, K_SUPPRESSED, K_LEVEL, K_MSG, K_STATE, K_COUNT
};

#define BIT(k) (1u << (k))
#define PACKET_KEYS (BIT(K_PROTO) | BIT(K_SRC) | BIT(K_DST) | BIT(K_SPORT) | BIT(K_DPORT) | \
		     BIT(K_TYPE) | BIT(K_CODE))

/* The keys a line may carry; max > 0 marks a number and bounds it. */
static const struct key {
	const char *name;
	enum key_id id;
	uint64_t max;
} keys[] = {
	{ "time", K_TIME, 0 },        { "ts", K_TIME, 0 },
	{ "verdict", K_VERDICT, 0 },  { "rule", K_RULE, 0 },
	{ "reason", K_REASON, 0 },    { "dir", K_DIR, 0 },
	{ "proto", K_PROTO, 0 },      { "src", K_SRC, 0 },
	{ "sport", K_SPORT, 65535 },  { "dst", K_DST, 0 },
	{ "dport", K_DPORT, 65535 },  { "type", K_TYPE, 255 },
	{ "code", K_CODE, 255 },      { "len", K_LEN, UINT32_MAX },
	{ "suppressed", K_SUPPRESSED, UINT64_MAX },
	{ "level", K_LEVEL, 0 },      { "msg", K_MSG, 0 },
	{ "state", K_STATE, 0 },
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* A decoded value: a string (text values, JSON strings) or a JSON number. */
struct val {
	bool num;
	bool quoted;
	uint64_t n;
	size_t len;
	char s[PC_LOGREAD_LINE_MAX + 1]; /* a decoded value is never longer than the line */
};

struct parser {
	struct pc_cur c;
	struct pc_logrec *rec;
	unsigned seen; /* BIT(key_id) of every key read */
	bool json;
	char *err;
	size_t errlen;
	struct val v;
};

static int fail(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	if (ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err, ps->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The time a syslog/journal prefix [p, end) starts with, if any. */
static bool prefix_time(const char *p, const char *end, int64_t now, int64_t *out)
{
	size_t len = (size_t)(end - p);
	const char *sp = memchr(p, ' ', len);
	size_t word = sp ? (size_t)(sp - p) : len;

	return pc_timestamp_iso(p, word, out) == 0 || pc_timestamp_syslog(p, len, now, out) == 0 ||
	       pc_timestamp_unix(p, len, out) == 0;
}

/* ---- values ---- */

static int put(struct parser *ps, char ch)
{
	if (ps->v.len + 1 >= sizeof(ps->v.s))
		return fail(ps, "value longer than %zu bytes", sizeof(ps->v.s) - 1);
	ps->v.s[ps->v.len++] = ch;
	ps->v.s[ps->v.len] = '\0';
	return 0;
}

static void val_reset(struct val *v)
{
	v->num = v->quoted = false;
	v->n = 0;
	v->len = 0;
	v->s[0] = '\0';
}

/* A text value in double quotes: \" \\ and \xHH escapes. */
static int text_quoted(struct parser *ps)
{
	struct pc_cur *c = &ps->c;

	ps->v.quoted = true;
	c->p++;
	while (c->p < c->end) {
		char ch = *c->p++;
		long x;

		if (ch == '"')
			return 0;
		if (pc_is_ctl(ch))
			return fail(ps, "control character in a quoted value");
		if (ch != '\\') {
			if (put(ps, ch) < 0)
				return -1;
			continue;
		}
		if (c->p >= c->end)
			break;
		ch = *c->p++;
		if (ch == 'x') {
			if ((x = pc_cur_hex(c, 2)) <= 0)
				return fail(ps, "bad \\x escape");
			ch = (char)x;
		} else if (ch != '"' && ch != '\\') {
			return fail(ps, "bad escape \\%c", pc_is_ctl(ch) ? '?' : ch);
		}
		if (put(ps, ch) < 0)
			return -1;
	}
	return fail(ps, "unterminated quoted value");
}

/* A text value: quoted, or a run of printable bytes up to a space. */
static int text_value(struct parser *ps)
{
	struct pc_cur *c = &ps->c;

	val_reset(&ps->v);
	if (pc_cur_at(c, '"'))
		return text_quoted(ps);
	while (c->p < c->end && *c->p != ' ') {
		char ch = *c->p++;

		if (pc_is_ctl(ch) || ch == '"' || ch == '\\')
			return fail(ps, "bad character in an unquoted value");
		if (put(ps, ch) < 0)
			return -1;
	}
	return ps->v.len ? 0 : fail(ps, "empty value");
}


/* ---- keys ---- */

static const char *key_name(enum key_id id)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (keys[i].id == id)
			return keys[i].name;
	return "?";
}

/* Decimal digits without a leading zero, into *out. Returns 0, or -1. */
static int str_uint(const char *s, size_t len, uint64_t *out)
{
	uint64_t n = 0;

	if (!len || (s[0] == '0' && len > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (!pc_is_digit(s[i]) || n > (UINT64_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*out = n;
	return 0;
}

/* The value as a number 0..max: a JSON number, or unquoted digits in text. */
static int val_uint(struct parser *ps, const struct key *k, uint64_t *out)
{
	const struct val *v = &ps->v;
	uint64_t n = v->n;

	if (ps->json ? !v->num : v->quoted || str_uint(v->s, v->len, &n) < 0)
		return fail(ps, "%s: not a number", k->name);
	if (n > k->max)
		return fail(ps, "%s: %llu is out of range", k->name, (unsigned long long)n);
	*out = n;
	return 0;
}

/* The position of the value in words (NULL-terminated), or -1. */
static int val_word(const struct val *v, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (!strcmp(v->s, words[i]))
			return i;
	return -1;
}

static int set_proto(struct parser *ps)
{
	static const char *const names[] = { "icmp", "tcp", "udp", "icmpv6", NULL };
	static const uint8_t nums[] = { 1, 6, 17, 58 };
	int i = val_word(&ps->v, names);
	uint64_t n;

	if (i >= 0)
		n = nums[i];
	else if (str_uint(ps->v.s, ps->v.len, &n) < 0 || n > 255)
		return fail(ps, "proto: unknown protocol");
	ps->rec->proto = (uint8_t)n;
	return 0;
}

static int set_addr(struct parser *ps, const struct key *k, uint8_t *addr)
{
	uint8_t fam;

	if (pc_addr_parse(ps->v.s, &fam, addr) < 0)
		return fail(ps, "%s: not an address", k->name);
	if ((ps->rec->has & PC_LR_PACKET) && fam != ps->rec->family)
		return fail(ps, "src and dst are of different families");
	ps->rec->family = fam;
	ps->rec->has |= PC_LR_PACKET;
	return 0;
}

static int set_rule(struct parser *ps)
{
	if (!ps->v.len || ps->v.len >= sizeof(ps->rec->rule))
		return fail(ps, "rule: empty or too long");
	if (!strcmp(ps->v.s, "-") && (ps->json || !ps->v.quoted))
		ps->rec->has |= PC_LR_DEFAULT;
	memcpy(ps->rec->rule, ps->v.s, ps->v.len + 1);
	return 0;
}

/* The names vlogline.c writes; PC_VSTATE_NONE has none. */
static int set_state(struct parser *ps)
{
	for (int i = PC_VSTATE_NONE + 1; i < PC_VSTATE_MAX; i++)
		if (!strcmp(ps->v.s, pc_vlog_state_name((enum pc_vlog_state)i))) {
			ps->rec->state = (uint8_t)i;
			return 0;
		}
	return fail(ps, "state: unknown value");
}

static int set_word(struct parser *ps, const struct key *k)
{
	static const char *const verdicts[] = { "deny", "permit", NULL };
	static const char *const dirs[] = { "fwd", "in", "out", NULL };
	int i = val_word(&ps->v, k->id == K_VERDICT ? verdicts : dirs);

	if (i < 0)
		return fail(ps, "%s: unknown value", k->name);
	if (k->id == K_VERDICT)
		ps->rec->verdict = i ? PC_PERMIT : PC_DENY;
	else
		ps->rec->dir = (uint8_t)(i == 1 ? PC_DIR_IN : i == 2 ? PC_DIR_OUT : 0);
	return 0;
}

static int set_number(struct parser *ps, const struct key *k)
{
	struct pc_logrec *r = ps->rec;
	uint64_t n = 0;

	if (val_uint(ps, k, &n) < 0)
		return -1;
	switch (k->id) {
	case K_SPORT: r->sport = (uint16_t)n; break;
	case K_DPORT: r->dport = (uint16_t)n; break;
	case K_TYPE: r->type = (uint8_t)n; break;
	case K_CODE: r->code = (uint8_t)n; break;
	case K_LEN: r->len = (uint32_t)n; break;
	default: r->suppressed = n; break;
	}
	return 0;
}

static int set_string(struct parser *ps, const struct key *k)
{
	struct pc_logrec *r = ps->rec;

	if (ps->json && ps->v.num)
		return fail(ps, "%s: a number where a string belongs", k->name);
	switch (k->id) {
	case K_TIME:
		if (pc_timestamp_iso(ps->v.s, ps->v.len, &r->time) < 0)
			return fail(ps, "%s: not an ISO 8601 time", k->name);
		r->has |= PC_LR_TIME;
		return 0;
	case K_VERDICT:
	case K_DIR:
		return set_word(ps, k);
	case K_RULE:
		return set_rule(ps);
	case K_REASON:
		if (!ps->v.len || ps->v.len >= sizeof(r->reason))
			return fail(ps, "reason: empty or too long");
		memcpy(r->reason, ps->v.s, ps->v.len + 1);
		return 0;
	case K_PROTO:
		return set_proto(ps);
	case K_LEVEL:
		if (!ps->v.len || ps->v.len >= sizeof(r->level))
			return fail(ps, "level: empty or too long");
		memcpy(r->level, ps->v.s, ps->v.len + 1);
		return 0;
	case K_MSG:
		memcpy(r->msg, ps->v.s, ps->v.len + 1);
		return 0;
	case K_STATE:
		return set_state(ps);
	default:
		return set_addr(ps, k, k->id == K_SRC ? r->src : r->dst);
	}
}

/* Stores the value just read under key (klen bytes). */
static int apply(struct parser *ps, const char *key, size_t klen)
{
	const struct key *k = NULL;

	for (size_t i = 0; i < N_KEYS && !k; i++)
		if (strlen(keys[i].name) == klen && !memcmp(keys[i].name, key, klen))
			k = &keys[i];
	if (!k)
		return fail(ps, "unknown key '%.*s'", (int)(klen < KEY_MAX ? klen : KEY_MAX), key);
	if (ps->seen & BIT(k->id))
		return fail(ps, "key '%s' given twice", k->name);
	ps->seen |= BIT(k->id);
	return k->max ? set_number(ps, k) : set_string(ps, k);
}

/* ---- records ---- */

static int first_missing(struct parser *ps, unsigned need)
{
	for (int id = 0; id < K_COUNT; id++)
		if ((need & BIT(id)) && !(ps->seen & BIT(id)))
			return fail(ps, "no %s= key", key_name(id));
	return 0;
}

static int check_packet(struct parser *ps)
{
	struct pc_logrec *r = ps->rec;
	unsigned ports = ps->seen & (BIT(K_SPORT) | BIT(K_DPORT));
	unsigned icmp = ps->seen & (BIT(K_TYPE) | BIT(K_CODE));

	if (first_missing(ps, BIT(K_PROTO) | BIT(K_SRC) | BIT(K_DST)) < 0)
		return -1;
	if (ports && ports != (BIT(K_SPORT) | BIT(K_DPORT)))
		return fail(ps, "sport and dport come together");
	if (icmp && icmp != (BIT(K_TYPE) | BIT(K_CODE)))
		return fail(ps, "type and code come together");
	if (ports && r->proto != 6 && r->proto != 17)
		return fail(ps, "ports on a packet that is neither tcp nor udp");
	if (icmp && r->proto != 1 && r->proto != 58)
		return fail(ps, "type and code on a packet that is not icmp");
	if (ports)
		r->has |= PC_LR_PORTS;
	if (icmp)
		r->has |= PC_LR_ICMP;
	return 0;
}

/* The keys read make a whole record of one kind. */
static int check_record(struct parser *ps)
{
	struct pc_logrec *r = ps->rec;

	if (ps->seen & BIT(K_SUPPRESSED)) {
		if (ps->seen & ~(BIT(K_SUPPRESSED) | BIT(K_TIME)))
			return fail(ps, "suppressed= with other keys");
		r->kind = PC_LOGREC_SUPPRESSED;
		return 0;
	}
	if (ps->seen & (BIT(K_LEVEL) | BIT(K_MSG))) {
		if (ps->seen & ~(BIT(K_LEVEL) | BIT(K_MSG) | BIT(K_TIME)))
			return fail(ps, "level= or msg= with verdict keys");
		r->kind = PC_LOGREC_MESSAGE;
		return first_missing(ps, BIT(K_LEVEL) | BIT(K_MSG));
	}
	r->kind = PC_LOGREC_VERDICT;
	if (first_missing(ps, BIT(K_VERDICT) | BIT(K_RULE) | BIT(K_DIR) | BIT(K_LEN)) < 0)
		return -1;
	if (!(ps->seen & BIT(K_REASON)))
		return check_packet(ps);
	if (ps->seen & PACKET_KEYS)
		return fail(ps, "reason= with packet fields");
	r->has |= PC_LR_REASON;
	return 0;
}

/* key=value pairs separated by spaces. */
static int text_record(struct parser *ps)
{
	struct pc_cur *c = &ps->c;

	for (;;) {
		const char *key;
		size_t klen;

		while (pc_cur_eat(c, ' '))
			;
		if (c->p >= c->end)
			return 0;
		key = c->p;
		while (c->p < c->end && *c->p >= 'a' && *c->p <= 'z')
			c->p++;
		klen = (size_t)(c->p - key);
		if (!klen || !pc_cur_eat(c, '='))
			return fail(ps, "expected KEY=VALUE");
		if (text_value(ps) < 0 || apply(ps, key, klen) < 0)
			return -1;
		if (c->p < c->end && *c->p != ' ')
			return fail(ps, "junk after the value of '%.*s'", (int)klen, key);
	}
}


/* One flat JSON object of strings and non-negative integers (jsonread.h). */
static int json_record(struct parser *ps)
{
	struct pc_json j;
	char key[KEY_MAX];
	size_t klen;
	int r;

	pc_json_begin(&j, ps->c.p, ps->c.end, ps->v.s, sizeof(ps->v.s), ps->err, ps->errlen);
	while ((r = pc_json_key(&j)) > 0) {
		if (j.len >= KEY_MAX)
			return fail(ps, "unknown key '%.*s'", KEY_MAX, j.s);
		klen = j.len;
		memcpy(key, j.s, klen);
		if (pc_json_value(&j) < 0)
			return -1;
		ps->v.num = j.num;
		ps->v.quoted = !j.num;
		ps->v.n = j.n;
		ps->v.len = j.len;
		if (apply(ps, key, klen) < 0)
			return -1;
	}
	return r;
}

/* True when [p, end) starts with a lowercase key and '='. */
static bool starts_with_key(const char *p, const char *end)
{
	const char *k = p;

	while (k < end && *k >= 'a' && *k <= 'z')
		k++;
	return k > p && k < end && *k == '=';
}

/* Where the record starts: the line's start when it holds a JSON object or
 * KEY=, else after a prefix that ends in ": " (syslog and journal tags) where
 * a record's first key or a JSON object follows. NULL when there is none. */
static const char *find_record(const char *line, const char *end)
{
	static const char *const marks[] = { "{", "verdict=", "suppressed=", "time=", "ts=",
					     "level=" };

	if (line < end && (*line == '{' || starts_with_key(line, end)))
		return line;
	for (const char *p = line; p < end; p++) {
		if (p != line && !(p - line >= 2 && p[-1] == ' ' && p[-2] == ':'))
			continue;
		for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
			size_t n = strlen(marks[i]);

			if ((size_t)(end - p) >= n && !memcmp(p, marks[i], n))
				return p;
		}
	}
	return NULL;
}

int pc_logread_parse(const char *line, size_t len, int64_t now, struct pc_logrec *rec,
		     char *err, size_t errlen)
{
	struct parser ps = { .rec = rec, .err = err, .errlen = errlen };
	const char *start;
	int64_t t;

	if (len && line[len - 1] == '\n')
		len--;
	if (len && line[len - 1] == '\r')
		len--;
	if (len > PC_LOGREAD_LINE_MAX)
		return fail(&ps, "line longer than %d bytes", PC_LOGREAD_LINE_MAX);
	/* anyone can write to syslog, and accepted lines are printed as they are:
	 * no raw control byte anywhere, the prefix the parser skips included */
	for (size_t i = 0; i < len; i++)
		if (pc_is_ctl(line[i]) && line[i] != '\t')
			return fail(&ps, "control character in the line");
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	memset(rec, 0, offsetof(struct pc_logrec, msg)); /* msg is most of it */
	rec->msg[0] = '\0';
	if (!(start = find_record(line, line + len)))
		return fail(&ps, "not a verdict log line");
	ps.c = (struct pc_cur){ start, line + len };
	ps.json = *start == '{';
	if ((ps.json ? json_record(&ps) : text_record(&ps)) < 0 || check_record(&ps) < 0)
		return -1;
	if (!(rec->has & PC_LR_TIME) && start != line &&
	    prefix_time(line, start - 2, now, &t)) {
		rec->time = t;
		rec->has |= PC_LR_TIME;
	}
	return 0;
}
