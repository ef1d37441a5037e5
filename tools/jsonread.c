/* jsonread.c - one flat JSON object of strings and non-negative integers,
 * member by member (jsonread.h) */
#include "jsonread.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { BEFORE_FIRST, AFTER_KEY, AFTER_VALUE, ENDED };

static int fail(struct pc_json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct pc_json *j, const char *fmt, ...)
{
	va_list ap;

	if (j->errlen) {
		va_start(ap, fmt);
		vsnprintf(j->err, j->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* "truncated JSON object" at the end, else msg. */
static int fail_at(struct pc_json *j, const char *msg)
{
	return fail(j, "%s", j->c.p < j->c.end ? msg : "truncated JSON object");
}

static void reset(struct pc_json *j)
{
	j->num = false;
	j->n = 0;
	j->len = 0;
	j->s[0] = '\0';
}

static int put(struct pc_json *j, char ch)
{
	if (j->len + 1 >= j->size)
		return fail(j, "value longer than %zu bytes", j->size - 1);
	j->s[j->len++] = ch;
	j->s[j->len] = '\0';
	return 0;
}

/* A code point as UTF-8. */
static int put_utf8(struct pc_json *j, unsigned long cp)
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
		if (put(j, (char)b[i]) < 0)
			return -1;
	return 0;
}

/* The XXXX of \uXXXX (cursor after the u), with a surrogate pair's second half. */
static int escape_u(struct pc_json *j)
{
	struct pc_cur *c = &j->c;
	long hi = pc_cur_hex(c, 4), lo;

	if (hi < 0)
		return fail(j, "bad \\u escape");
	if (hi == 0)
		return fail(j, "NUL in a string");
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return fail(j, "lone surrogate in a string");
	if (hi < 0xd800 || hi > 0xdbff)
		return put_utf8(j, (unsigned long)hi);
	if (!pc_cur_eat(c, '\\') || !pc_cur_eat(c, 'u') || (lo = pc_cur_hex(c, 4)) < 0xdc00 ||
	    lo > 0xdfff)
		return fail(j, "lone surrogate in a string");
	return put_utf8(j, 0x10000 + (((unsigned long)hi - 0xd800) << 10) +
				   ((unsigned long)lo - 0xdc00));
}

static int escape(struct pc_json *j)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;
	char ch = *j->c.p++;

	if (ch == 'u')
		return escape_u(j);
	if (ch && (hit = strchr(from, ch)))
		return put(j, to[hit - from]);
	return fail(j, "bad escape in a string");
}

/* A string (cursor on the opening quote). */
static int string(struct pc_json *j)
{
	struct pc_cur *c = &j->c;

	reset(j);
	c->p++;
	while (c->p < c->end) {
		char ch = *c->p++;

		if (ch == '"')
			return 0;
		if (pc_is_ctl(ch) && ch != 0x7f)
			return fail(j, "control character in a string");
		if (ch == '\\') {
			if (c->p >= c->end)
				break;
			if (escape(j) < 0)
				return -1;
		} else if (put(j, ch) < 0) {
			return -1;
		}
	}
	return fail(j, "unterminated string");
}

/* A non-negative integer. */
static int number(struct pc_json *j)
{
	struct pc_cur *c = &j->c;
	const char *start = c->p;
	uint64_t v = 0;

	reset(j);
	j->num = true;
	for (; c->p < c->end && pc_is_digit(*c->p); c->p++) {
		unsigned d = (unsigned)(*c->p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return fail(j, "number out of range");
		v = v * 10 + d;
	}
	if (*start == '0' && c->p - start > 1)
		return fail(j, "number with a leading zero");
	if (pc_cur_at(c, '.') || pc_cur_at(c, 'e') || pc_cur_at(c, 'E'))
		return fail(j, "number is not an integer");
	j->n = v;
	return 0;
}

static void skip_ws(struct pc_cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

void pc_json_begin(struct pc_json *j, const char *p, const char *end, char *buf, size_t size,
		   char *err, size_t errlen)
{
	*j = (struct pc_json){ .c = { p, end }, .s = buf, .size = size, .err = err,
			       .errlen = errlen, .state = BEFORE_FIRST };
	buf[0] = '\0';
}

/* After the object's '}': nothing but spaces and tabs. */
static int ended(struct pc_json *j)
{
	j->state = ENDED;
	skip_ws(&j->c);
	return j->c.p == j->c.end ? 0 : fail(j, "junk after the JSON object");
}

int pc_json_key(struct pc_json *j)
{
	struct pc_cur *c = &j->c;

	if (j->state == BEFORE_FIRST) {
		c->p++;
		skip_ws(c);
		if (pc_cur_eat(c, '}'))
			return ended(j);
	} else if (j->state == AFTER_VALUE) {
		skip_ws(c);
		if (pc_cur_eat(c, '}'))
			return ended(j);
		if (!pc_cur_eat(c, ','))
			return fail_at(j, "expected ',' or '}'");
		skip_ws(c);
	} else {
		return fail(j, "JSON read out of turn");
	}
	if (!pc_cur_at(c, '"'))
		return fail_at(j, "expected a key");
	if (string(j) < 0)
		return -1;
	j->state = AFTER_KEY;
	return 1;
}

int pc_json_value(struct pc_json *j)
{
	struct pc_cur *c = &j->c;

	if (j->state != AFTER_KEY)
		return fail(j, "JSON read out of turn");
	skip_ws(c);
	if (!pc_cur_eat(c, ':'))
		return fail_at(j, "expected ':'");
	skip_ws(c);
	j->state = AFTER_VALUE;
	if (pc_cur_at(c, '"'))
		return string(j);
	if (c->p < c->end && pc_is_digit(*c->p))
		return number(j);
	return fail_at(j, "unsupported JSON value");
}
