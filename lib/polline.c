/* polline.c - the lines of a policy file (see polline.h) */
#include "polline.h"

#include <ctype.h>
#include <string.h>

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Every byte libinih's isspace() skips, '\n' aside (it ends the line). */
static bool space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

size_t pc_polline_next(const char *buf, size_t len, size_t pos, struct pc_polspan *s)
{
	const char *nl = memchr(buf + pos, '\n', len - pos);

	s->start = pos;
	s->end = nl ? (size_t)(nl - buf) : len;
	s->next = nl ? s->end + 1 : len;
	return s->next;
}

/* "[ name ]" in [s, end): trailing blanks after ']', blanks around name. */
static void header(const char *line, size_t s, size_t end, struct pc_polline *pl)
{
	while (end > s && blank(line[end - 1]))
		end--;
	if (end - s < 2 || line[end - 1] != ']') {
		pl->kind = PC_PL_BAD_HEADER;
		return;
	}
	s++;
	end--;
	while (s < end && blank(line[s]))
		s++;
	while (end > s && blank(line[end - 1]))
		end--;
	pl->kind = PC_PL_SECTION;
	pl->name = s;
	pl->name_len = end - s;
}

/* Like libinih's find_chars_or_comment: the first of chars, a ';' after
 * white space, or end. */
static size_t find_stop(const char *line, size_t s, size_t end, const char *chars)
{
	bool was_space = false;

	for (; s < end; s++) {
		if ((chars && strchr(chars, line[s])) || (was_space && line[s] == ';'))
			break;
		was_space = isspace((unsigned char)line[s]);
	}
	return s;
}

/* KEY = VALUE in [s, end): the loader's check, then libinih's split. */
static void key_value(const char *line, size_t s, size_t end, struct pc_polline *pl)
{
	size_t k = s, eq, v, ve;

	while (k < end && line[k] != '=' && line[k] != ':' && line[k] != ';')
		k++;
	if (k == end || line[k] != '=' || k == s) {
		pl->kind = PC_PL_NOT_KEY;
		return;
	}
	while (end > s && isspace((unsigned char)line[end - 1]))
		end--;
	eq = find_stop(line, s, end, "=:");
	for (k = eq; k > s && isspace((unsigned char)line[k - 1]);)
		k--;
	ve = find_stop(line, eq + 1, end, NULL);
	for (v = eq + 1; v < ve && isspace((unsigned char)line[v]);)
		v++;
	while (ve > v && isspace((unsigned char)line[ve - 1]))
		ve--;
	pl->kind = PC_PL_KEY;
	pl->key = s;
	pl->key_len = k - s;
	pl->val = v;
	pl->val_len = ve - v;
}

void pc_polline_lex(const char *line, size_t raw, bool first, struct pc_polline *pl)
{
	size_t len = raw, s = 0;

	memset(pl, 0, sizeof(*pl));
	pl->len = raw;
	if (raw > PC_POLLINE_READ_MAX) { /* too long whatever it ends with */
		pl->kind = PC_PL_TOO_LONG;
		return;
	}
	while (len && line[len - 1] == '\r')
		len--;
	pl->len = len;
	if (len > PC_POLLINE_MAX) {
		pl->kind = PC_PL_TOO_LONG;
		return;
	}
	if (memchr(line, '\0', len)) {
		pl->kind = PC_PL_NUL;
		return;
	}
	if (first && len >= 3 && !memcmp(line, "\xEF\xBB\xBF", 3))
		s = 3;
	while (s < len && space(line[s]))
		s++;
	pl->text = s;
	if (s == len)
		pl->kind = PC_PL_BLANK;
	else if (line[s] == '#' || line[s] == ';')
		pl->kind = PC_PL_COMMENT;
	else if (line[s] == '[')
		header(line, s, len, pl);
	else
		key_value(line, s, len, pl);
}
