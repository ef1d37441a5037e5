/* logread.c - parsing verdict log lines (text or JSON) back into records.
 *
 * Every read goes through a cursor [p, end): nothing past the line is read
 * and no NUL terminator is needed. Values are decoded into a fixed buffer;
 * a value that does not fit is an error, never cut short. */
#include "logread.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "addr.h"

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

/* A cursor over the bytes [p, end). */
struct cur {
	const char *p, *end;
};

/* A decoded value: a string (text values, JSON strings) or a JSON number. */
struct val {
	bool num;
	bool quoted;
	uint64_t n;
	size_t len;
	char s[PC_LOGREAD_LINE_MAX + 1]; /* a decoded value is never longer than the line */
};

struct parser {
	struct cur c;
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

static bool at(const struct cur *c, char ch)
{
	return c->p < c->end && *c->p == ch;
}

static bool eat(struct cur *c, char ch)
{
	if (!at(c, ch))
		return false;
	c->p++;
	return true;
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* Exactly n digits. Returns 0, or -1 (cursor unspecified). */
static int digits(struct cur *c, size_t n, int *out)
{
	int v = 0;

	if ((size_t)(c->end - c->p) < n)
		return -1;
	for (size_t i = 0; i < n; i++, c->p++) {
		if (!is_digit(*c->p))
			return -1;
		v = v * 10 + (*c->p - '0');
	}
	*out = v;
	return 0;
}

/* One or two digits. */
static int digits12(struct cur *c, int *out)
{
	return digits(c, c->end - c->p >= 2 && is_digit(c->p[1]) ? 2 : 1, out);
}

static void skip_digits(struct cur *c)
{
	while (c->p < c->end && is_digit(*c->p))
		c->p++;
}

/* ---- times ---- */

static int days_in_month(int y, int mo)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return mo == 2 && leap ? 29 : days[mo - 1];
}

static bool tm_valid(const struct tm *tm)
{
	int y = tm->tm_year + 1900, mo = tm->tm_mon + 1;

	return mo >= 1 && mo <= 12 && tm->tm_mday >= 1 && tm->tm_mday <= days_in_month(y, mo) &&
	       tm->tm_hour <= 23 && tm->tm_min <= 59 && tm->tm_sec <= 60;
}

static time_t local_mktime(struct tm tm)
{
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* "Z", "+hh", "+hhmm", "+hh:mm" (or '-'), or nothing. */
static int parse_zone(struct cur *c, bool *zone, long *off)
{
	int h, m = 0, sign;

	*zone = false;
	*off = 0;
	if (eat(c, 'Z')) {
		*zone = true;
		return 0;
	}
	if (!at(c, '+') && !at(c, '-'))
		return 0;
	sign = *c->p++ == '-' ? -1 : 1;
	if (digits(c, 2, &h) < 0 || h > 23)
		return -1;
	if (eat(c, ':') || (c->p < c->end && is_digit(*c->p)))
		if (digits(c, 2, &m) < 0 || m > 59)
			return -1;
	*zone = true;
	*off = sign * (h * 3600L + m * 60L);
	return 0;
}

/* "Thh:mm[:ss[.frac]]" after a date (T or a space), into tm. */
static int parse_clock(struct cur *c, struct tm *tm)
{
	if (digits(c, 2, &tm->tm_hour) < 0 || !eat(c, ':') || digits(c, 2, &tm->tm_min) < 0)
		return -1;
	if (!eat(c, ':'))
		return 0;
	if (digits(c, 2, &tm->tm_sec) < 0)
		return -1;
	if (eat(c, '.') || eat(c, ',')) {
		if (c->p >= c->end || !is_digit(*c->p))
			return -1;
		skip_digits(c);
	}
	return 0;
}

int pc_logread_time(const char *s, size_t len, int64_t *out)
{
	struct cur c = { s, s + len };
	struct tm tm = { 0 };
	bool zone = false;
	long off = 0;
	time_t t;

	if (digits(&c, 4, &tm.tm_year) < 0 || !eat(&c, '-') || digits(&c, 2, &tm.tm_mon) < 0 ||
	    !eat(&c, '-') || digits(&c, 2, &tm.tm_mday) < 0)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if (eat(&c, 'T') || eat(&c, ' '))
		if (parse_clock(&c, &tm) < 0 || parse_zone(&c, &zone, &off) < 0)
			return -1;
	if (c.p != c.end || !tm_valid(&tm))
		return -1;
	t = zone ? timegm(&tm) - off : local_mktime(tm);
	*out = (int64_t)t;
	return 0;
}

/* "Nov 28 13:00:00[.frac]" (day perhaps space-padded), local time, in the
 * year that puts it at most a week after now. */
static int bsd_time(struct cur c, int64_t now, int64_t *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm = { .tm_year = 2000 - 1900, .tm_mon = -1 }, ref;
	time_t t, tnow = (time_t)now;

	for (int i = 0; i < 12 && c.end - c.p >= 3; i++)
		if (!memcmp(c.p, months + 3 * i, 3))
			tm.tm_mon = i;
	if (tm.tm_mon < 0)
		return -1;
	c.p += 3;
	if (!eat(&c, ' '))
		return -1;
	eat(&c, ' ');
	if (digits12(&c, &tm.tm_mday) < 0 || !eat(&c, ' ') || parse_clock(&c, &tm) < 0)
		return -1;
	if ((c.p < c.end && *c.p != ' ') || !tm_valid(&tm)) /* 2000: Feb 29 is valid */
		return -1;
	localtime_r(&tnow, &ref);
	tm.tm_year = ref.tm_year;
	t = local_mktime(tm);
	if (t > tnow + 7 * 86400) {
		tm.tm_year--;
		t = local_mktime(tm);
	}
	*out = (int64_t)t;
	return 0;
}

/* "1732798800[.123456]": unix seconds (journalctl -o short-unix). */
static int unix_time(struct cur c, int64_t *out)
{
	int64_t v = 0;
	const char *start = c.p;

	for (; c.p < c.end && is_digit(*c.p) && c.p - start < 12; c.p++)
		v = v * 10 + (*c.p - '0');
	if (c.p == start)
		return -1;
	if (eat(&c, '.'))
		skip_digits(&c);
	if (c.p < c.end && *c.p != ' ')
		return -1;
	*out = v;
	return 0;
}

/* The time a syslog/journal prefix starts with, if any. */
static bool prefix_time(struct cur c, int64_t now, int64_t *out)
{
	const char *sp = memchr(c.p, ' ', (size_t)(c.end - c.p));
	size_t word = sp ? (size_t)(sp - c.p) : (size_t)(c.end - c.p);

	if (pc_logread_time(c.p, word, out) == 0)
		return true;
	return bsd_time(c, now, out) == 0 || unix_time(c, out) == 0;
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

static int hexval(char ch)
{
	if (is_digit(ch))
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* n hex digits. Returns the value, or -1. */
static long hex(struct cur *c, size_t n)
{
	long v = 0;

	if ((size_t)(c->end - c->p) < n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int h = hexval(*c->p++);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static bool is_ctl(char ch)
{
	return (unsigned char)ch < 0x20 || ch == 0x7f;
}

/* A text value in double quotes: \" \\ and \xHH escapes. */
static int text_quoted(struct parser *ps)
{
	struct cur *c = &ps->c;

	ps->v.quoted = true;
	c->p++;
	while (c->p < c->end) {
		char ch = *c->p++;
		long x;

		if (ch == '"')
			return 0;
		if (is_ctl(ch))
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
			if ((x = hex(c, 2)) <= 0)
				return fail(ps, "bad \\x escape");
			ch = (char)x;
		} else if (ch != '"' && ch != '\\') {
			return fail(ps, "bad escape \\%c", is_ctl(ch) ? '?' : ch);
		}
		if (put(ps, ch) < 0)
			return -1;
	}
	return fail(ps, "unterminated quoted value");
}

/* A text value: quoted, or a run of printable bytes up to a space. */
static int text_value(struct parser *ps)
{
	struct cur *c = &ps->c;

	val_reset(&ps->v);
	if (at(c, '"'))
		return text_quoted(ps);
	while (c->p < c->end && *c->p != ' ') {
		char ch = *c->p++;

		if (is_ctl(ch) || ch == '"' || ch == '\\')
			return fail(ps, "bad character in an unquoted value");
		if (put(ps, ch) < 0)
			return -1;
	}
	return ps->v.len ? 0 : fail(ps, "empty value");
}

/* A code point as UTF-8. */
static int put_utf8(struct parser *ps, unsigned long cp)
{
	unsigned char b[4];
	int n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	for (int i = 0; i < n; i++)
		if (put(ps, (char)b[i]) < 0)
			return -1;
	return 0;
}

/* The XXXX of \uXXXX (cursor after the u), with a surrogate pair's second half. */
static int json_u(struct parser *ps)
{
	struct cur *c = &ps->c;
	long hi = hex(c, 4), lo;

	if (hi < 0)
		return fail(ps, "bad \\u escape");
	if (hi == 0)
		return fail(ps, "NUL in a string");
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return fail(ps, "lone surrogate in a string");
	if (hi < 0xd800 || hi > 0xdbff)
		return put_utf8(ps, (unsigned long)hi);
	if (!eat(c, '\\') || !eat(c, 'u') || (lo = hex(c, 4)) < 0xdc00 || lo > 0xdfff)
		return fail(ps, "lone surrogate in a string");
	return put_utf8(ps, 0x10000 + (((unsigned long)hi - 0xd800) << 10) + ((unsigned long)lo - 0xdc00));
}

static int json_escape(struct parser *ps)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;
	char ch = *ps->c.p++;

	if (ch == 'u')
		return json_u(ps);
	if (ch && (hit = strchr(from, ch)))
		return put(ps, to[hit - from]);
	return fail(ps, "bad escape in a string");
}

/* A JSON string (cursor on the opening quote). */
static int json_string(struct parser *ps)
{
	struct cur *c = &ps->c;

	val_reset(&ps->v);
	ps->v.quoted = true;
	c->p++;
	while (c->p < c->end) {
		char ch = *c->p++;

		if (ch == '"')
			return 0;
		if (is_ctl(ch) && ch != 0x7f)
			return fail(ps, "control character in a string");
		if (ch == '\\') {
			if (c->p >= c->end)
				break;
			if (json_escape(ps) < 0)
				return -1;
		} else if (put(ps, ch) < 0) {
			return -1;
		}
	}
	return fail(ps, "unterminated string");
}

/* A non-negative JSON integer. */
static int json_number(struct parser *ps)
{
	struct cur *c = &ps->c;
	const char *start = c->p;
	uint64_t v = 0;

	val_reset(&ps->v);
	ps->v.num = true;
	for (; c->p < c->end && is_digit(*c->p); c->p++) {
		unsigned d = (unsigned)(*c->p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return fail(ps, "number out of range");
		v = v * 10 + d;
	}
	if (*start == '0' && c->p - start > 1)
		return fail(ps, "number with a leading zero");
	if (at(c, '.') || at(c, 'e') || at(c, 'E'))
		return fail(ps, "number is not an integer");
	ps->v.n = v;
	return 0;
}

static int json_value(struct parser *ps)
{
	if (at(&ps->c, '"'))
		return json_string(ps);
	if (ps->c.p < ps->c.end && is_digit(*ps->c.p))
		return json_number(ps);
	if (ps->c.p >= ps->c.end)
		return fail(ps, "truncated JSON object");
	return fail(ps, "unsupported JSON value");
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

		if (!is_digit(s[i]) || n > (UINT64_MAX - d) / 10)
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

static int set_state(struct parser *ps)
{
	static const char *const states[] = { "-", "new", "revalidated", "invalid", "untracked",
					      NULL };
	int i = val_word(&ps->v, states);

	if (i <= 0)
		return fail(ps, "state: unknown value");
	ps->rec->state = (uint8_t)i;
	return 0;
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
		if (pc_logread_time(ps->v.s, ps->v.len, &r->time) < 0)
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
	struct cur *c = &ps->c;

	for (;;) {
		const char *key;
		size_t klen;

		while (eat(c, ' '))
			;
		if (c->p >= c->end)
			return 0;
		key = c->p;
		while (c->p < c->end && *c->p >= 'a' && *c->p <= 'z')
			c->p++;
		klen = (size_t)(c->p - key);
		if (!klen || !eat(c, '='))
			return fail(ps, "expected KEY=VALUE");
		if (text_value(ps) < 0 || apply(ps, key, klen) < 0)
			return -1;
		if (c->p < c->end && *c->p != ' ')
			return fail(ps, "junk after the value of '%.*s'", (int)klen, key);
	}
}

static void skip_ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/* One JSON "key": value pair (cursor on the key). */
static int json_member(struct parser *ps)
{
	char key[KEY_MAX];
	size_t klen;

	if (!at(&ps->c, '"'))
		return fail(ps, ps->c.p < ps->c.end ? "expected a key" : "truncated JSON object");
	if (json_string(ps) < 0)
		return -1;
	if (ps->v.len >= KEY_MAX)
		return fail(ps, "unknown key '%.*s'", KEY_MAX, ps->v.s);
	klen = ps->v.len;
	memcpy(key, ps->v.s, klen);
	skip_ws(&ps->c);
	if (!eat(&ps->c, ':'))
		return fail(ps, ps->c.p < ps->c.end ? "expected ':'" : "truncated JSON object");
	skip_ws(&ps->c);
	if (json_value(ps) < 0)
		return -1;
	return apply(ps, key, klen);
}

/* One flat JSON object of strings and non-negative integers. */
static int json_record(struct parser *ps)
{
	struct cur *c = &ps->c;

	c->p++;
	skip_ws(c);
	if (!eat(c, '}')) {
		for (;;) {
			if (json_member(ps) < 0)
				return -1;
			skip_ws(c);
			if (eat(c, '}'))
				break;
			if (!eat(c, ','))
				return fail(ps, c->p < c->end ? "expected ',' or '}'"
							      : "truncated JSON object");
			skip_ws(c);
		}
	}
	skip_ws(c);
	return c->p == c->end ? 0 : fail(ps, "junk after the JSON object");
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
		if (is_ctl(line[i]) && line[i] != '\t')
			return fail(&ps, "control character in the line");
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	memset(rec, 0, offsetof(struct pc_logrec, msg)); /* msg is most of it */
	rec->msg[0] = '\0';
	if (!(start = find_record(line, line + len)))
		return fail(&ps, "not a verdict log line");
	ps.c = (struct cur){ start, line + len };
	ps.json = *start == '{';
	if ((ps.json ? json_record(&ps) : text_record(&ps)) < 0 || check_record(&ps) < 0)
		return -1;
	if (!(rec->has & PC_LR_TIME) && start != line &&
	    prefix_time((struct cur){ line, start - 2 }, now, &t)) {
		rec->time = t;
		rec->has |= PC_LR_TIME;
	}
	return 0;
}
