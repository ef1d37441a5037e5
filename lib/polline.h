/* polline.h - the lines of a policy file, as both the loader (lib/loader.c)
 * and the editor (tools/confedit.c) read them.
 *
 * A line ends at '\n'; trailing '\r's are not content. A UTF-8 BOM may open
 * line 1. Every byte libinih counts as space (' ', \t, \v, \f, \r) is
 * skipped before a line: an indented line never continues a value. Then a
 * line is blank, a comment ('#' or ';'), a section header "[ name ]" or
 * KEY = VALUE. libinih stays the parser of record for KEY = VALUE; the
 * split here (key, value, inline comment after white space) is the one it
 * makes, for the editor, which must find the bytes of a value. */
#ifndef PC_POLLINE_H
#define PC_POLLINE_H

#include <stdbool.h>
#include <stddef.h>

#define PC_POLLINE_MAX 199                    /* content bytes of a line (libinih's limit) */
#define PC_POLLINE_READ_MAX (PC_POLLINE_MAX + 8) /* bytes before '\n', trailing '\r's included */

/* A line of a buffer: [start, end) up to its '\n' (trailing '\r's
 * included), next just past the '\n' (or the buffer's end). */
struct pc_polspan {
	size_t start, end, next;
};

/* The line of buf (len bytes) at pos < len into *s. Returns s->next. */
size_t pc_polline_next(const char *buf, size_t len, size_t pos, struct pc_polspan *s);

enum pc_polline_kind {
	PC_PL_BLANK,      /* nothing but white space */
	PC_PL_COMMENT,    /* '#' or ';' first */
	PC_PL_SECTION,    /* "[ name ]": name */
	PC_PL_KEY,        /* KEY = VALUE: key, value */
	PC_PL_TOO_LONG,   /* error: more than PC_POLLINE_MAX bytes */
	PC_PL_NUL,        /* error: a NUL byte */
	PC_PL_BAD_HEADER, /* error: '[' without a closing ']' */
	PC_PL_NOT_KEY,    /* error: neither; no '=' first among '=', ':', ';' */
};

/* Offsets are from the line's first byte. */
struct pc_polline {
	enum pc_polline_kind kind;
	size_t len;         /* content bytes (without trailing '\r's; raw bytes when too long) */
	size_t text;        /* first byte after the BOM and white space */
	size_t name, name_len; /* PC_PL_SECTION: the name, blanks around it trimmed */
	size_t key, key_len;   /* PC_PL_KEY: as libinih splits it */
	size_t val, val_len;
};

/* Reads one line: line holds raw bytes up to its '\n' (trailing '\r's
 * included; when raw > PC_POLLINE_READ_MAX only the first
 * PC_POLLINE_READ_MAX bytes need be there); first says it is line 1. */
void pc_polline_lex(const char *line, size_t raw, bool first, struct pc_polline *pl);

#endif
