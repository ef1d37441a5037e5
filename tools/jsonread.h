/* jsonread.h - reading one flat JSON object whose members are strings and
 * non-negative integers (the JSON lines vlog.c writes), member by member:
 *
 *	pc_json_begin(&j, ...);
 *	while ((r = pc_json_key(&j)) > 0)       key in j.s
 *		pc_json_value(&j) ...               value in j.s or j.n
 *
 * Strings are decoded (escapes, \u as UTF-8; NUL and lone surrogates are
 * errors) into a buffer the caller gives; one that does not fit is an
 * error, never cut short. Nothing past the end is read. */
#ifndef PC_JSONREAD_H
#define PC_JSONREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"

struct pc_json {
	struct pc_cur c;
	char *s;       /* the key or string value just read, NUL-terminated */
	size_t size;   /* bytes at s */
	size_t len;    /* its length */
	bool num;      /* the value just read is a number: n (s is "") */
	uint64_t n;
	char *err;     /* where a message goes (errlen bytes, 0: none) */
	size_t errlen;
	int state;
};

/* Starts reading the object at [p, end) (p on its '{'), decoding strings
 * into buf (size bytes, at least 1). */
void pc_json_begin(struct pc_json *j, const char *p, const char *end, char *buf, size_t size,
		   char *err, size_t errlen);

/* Reads the next member's key into s. Returns 1, 0 when the object has
 * ended and nothing but spaces and tabs follow it, or -1 with a message. */
int pc_json_key(struct pc_json *j);

/* Reads the value of the key just read: a string into s, or a number into
 * n. Returns 0, or -1 with a message. */
int pc_json_value(struct pc_json *j);

#endif
