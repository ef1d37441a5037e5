/* cursor.h - reading untrusted text through a cursor over the bytes
 * [p, end): nothing past end is read and no NUL terminator is needed.
 * Shared by the readers of log lines (logread, jsonread, timestamp). */
#ifndef PC_CURSOR_H
#define PC_CURSOR_H

#include <stdbool.h>
#include <stddef.h>

struct pc_cur {
	const char *p, *end;
};

static inline bool pc_cur_at(const struct pc_cur *c, char ch)
{
	return c->p < c->end && *c->p == ch;
}

/* Steps over ch when the cursor is on it. */
static inline bool pc_cur_eat(struct pc_cur *c, char ch)
{
	if (!pc_cur_at(c, ch))
		return false;
	c->p++;
	return true;
}

static inline bool pc_is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* A control byte: below 0x20, or DEL. */
static inline bool pc_is_ctl(char ch)
{
	return (unsigned char)ch < 0x20 || ch == 0x7f;
}

static inline int pc_hexval(char ch)
{
	if (pc_is_digit(ch))
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* n hex digits. Returns their value, or -1 (cursor unspecified). */
static inline long pc_cur_hex(struct pc_cur *c, size_t n)
{
	long v = 0;

	if ((size_t)(c->end - c->p) < n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int h = pc_hexval(*c->p++);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

#endif
