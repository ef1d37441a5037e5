/* timestamp.c - ISO 8601, syslog and unix-seconds times (timestamp.h) */
#include "timestamp.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "cursor.h"

/* Exactly n digits. Returns 0, or -1 (cursor unspecified). */
static int digits(struct pc_cur *c, size_t n, int *out)
{
	int v = 0;

	if ((size_t)(c->end - c->p) < n)
		return -1;
	for (size_t i = 0; i < n; i++, c->p++) {
		if (!pc_is_digit(*c->p))
			return -1;
		v = v * 10 + (*c->p - '0');
	}
	*out = v;
	return 0;
}

/* One or two digits. */
static int digits12(struct pc_cur *c, int *out)
{
	return digits(c, c->end - c->p >= 2 && pc_is_digit(c->p[1]) ? 2 : 1, out);
}

static void skip_digits(struct pc_cur *c)
{
	while (c->p < c->end && pc_is_digit(*c->p))
		c->p++;
}

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
static int parse_zone(struct pc_cur *c, bool *zone, long *off)
{
	int h, m = 0, sign;

	*zone = false;
	*off = 0;
	if (pc_cur_eat(c, 'Z')) {
		*zone = true;
		return 0;
	}
	if (!pc_cur_at(c, '+') && !pc_cur_at(c, '-'))
		return 0;
	sign = *c->p++ == '-' ? -1 : 1;
	if (digits(c, 2, &h) < 0 || h > 23)
		return -1;
	if (pc_cur_eat(c, ':') || (c->p < c->end && pc_is_digit(*c->p)))
		if (digits(c, 2, &m) < 0 || m > 59)
			return -1;
	*zone = true;
	*off = sign * (h * 3600L + m * 60L);
	return 0;
}

/* "Thh:mm[:ss[.frac]]" after a date (T or a space), into tm. */
static int parse_clock(struct pc_cur *c, struct tm *tm)
{
	if (digits(c, 2, &tm->tm_hour) < 0 || !pc_cur_eat(c, ':') || digits(c, 2, &tm->tm_min) < 0)
		return -1;
	if (!pc_cur_eat(c, ':'))
		return 0;
	if (digits(c, 2, &tm->tm_sec) < 0)
		return -1;
	if (pc_cur_eat(c, '.') || pc_cur_eat(c, ',')) {
		if (c->p >= c->end || !pc_is_digit(*c->p))
			return -1;
		skip_digits(c);
	}
	return 0;
}

int pc_timestamp_iso(const char *s, size_t len, int64_t *out)
{
	struct pc_cur c = { s, s + len };
	struct tm tm = { 0 };
	bool zone = false;
	long off = 0;
	time_t t;

	if (digits(&c, 4, &tm.tm_year) < 0 || !pc_cur_eat(&c, '-') ||
	    digits(&c, 2, &tm.tm_mon) < 0 || !pc_cur_eat(&c, '-') || digits(&c, 2, &tm.tm_mday) < 0)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if (pc_cur_eat(&c, 'T') || pc_cur_eat(&c, ' '))
		if (parse_clock(&c, &tm) < 0 || parse_zone(&c, &zone, &off) < 0)
			return -1;
	if (c.p != c.end || !tm_valid(&tm))
		return -1;
	t = zone ? timegm(&tm) - off : local_mktime(tm);
	*out = (int64_t)t;
	return 0;
}

int pc_timestamp_syslog(const char *s, size_t len, int64_t now, int64_t *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct pc_cur c = { s, s + len };
	struct tm tm = { .tm_year = 2000 - 1900, .tm_mon = -1 }, ref;
	time_t t, tnow = (time_t)now;

	for (int i = 0; i < 12 && c.end - c.p >= 3; i++)
		if (!memcmp(c.p, months + 3 * i, 3))
			tm.tm_mon = i;
	if (tm.tm_mon < 0)
		return -1;
	c.p += 3;
	if (!pc_cur_eat(&c, ' '))
		return -1;
	pc_cur_eat(&c, ' ');
	if (digits12(&c, &tm.tm_mday) < 0 || !pc_cur_eat(&c, ' ') || parse_clock(&c, &tm) < 0)
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

int pc_timestamp_unix(const char *s, size_t len, int64_t *out)
{
	struct pc_cur c = { s, s + len };
	int64_t v = 0;
	const char *start = c.p;

	for (; c.p < c.end && pc_is_digit(*c.p) && c.p - start < 12; c.p++)
		v = v * 10 + (*c.p - '0');
	if (c.p == start)
		return -1;
	if (pc_cur_eat(&c, '.'))
		skip_digits(&c);
	if (c.p < c.end && *c.p != ' ')
		return -1;
	*out = v;
	return 0;
}

