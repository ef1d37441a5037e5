/* confedit.h - switching rules on and off in the text of a policy file.
 *
 * Only the `enabled` line of the rules named changes; every other byte
 * (comments, order, layout, CRLF line ends) is kept. The text is read the
 * way the loader reads it, so a commented-out "enabled = no" or one in
 * another rule is never taken for the rule's own. A rule without an
 * `enabled` line is on; switching it off inserts "enabled = no" right after
 * its section header.
 *
 * Names select rules exactly, plus variants: NAME also selects the rules
 * named "NAME (SOMETHING)", e.g. "DNS Client" selects "DNS Client (tcp)",
 * so an application spread over several protocols switches as one. */
#ifndef PC_CONFEDIT_H
#define PC_CONFEDIT_H

#include <stdbool.h>
#include <stddef.h>

struct pc_confedit;

/* Reads the rule sections of text (len bytes, the whole file; it is copied).
 * Returns the editor, or NULL with errno: EINVAL when text holds a NUL
 * byte (the loader would reject it), ENOMEM. */
struct pc_confedit *pc_confedit_new(const char *text, size_t len);

void pc_confedit_free(struct pc_confedit *e);

/* The rule sections in file order, [portcullis] excluded. */
size_t pc_confedit_count(const struct pc_confedit *e);
/* Name of rule i, or NULL when i is out of range. */
const char *pc_confedit_name(const struct pc_confedit *e, size_t i);

/* What rule i's text says now, edits included: 1 on, 0 off, -1 when i is
 * out of range or its enabled value is neither yes nor no. */
int pc_confedit_state(const struct pc_confedit *e, size_t i);

/* The rules name selects (itself and its variants), in file order: up to
 * max indices written to idx. Returns how many it selects (0: unknown). */
size_t pc_confedit_select(const struct pc_confedit *e, const char *name, size_t *idx,
			  size_t max);

/* Rules whose names are close to name (same letters in another case, one
 * contains the other, or a few typos away), best first: up to max indices
 * written to idx. Returns how many were written. */
size_t pc_confedit_suggest(const struct pc_confedit *e, const char *name, size_t *idx,
			   size_t max);

/* Switches rule i on or off. Returns 1 when its text changes, 0 when it
 * already says so, or -1 with errno (ERANGE: no rule i). */
int pc_confedit_set(struct pc_confedit *e, size_t i, bool on);

/* The text with every edit made: malloc'd, NUL-terminated, *len bytes
 * (len may be NULL). Returns NULL with errno (ENOMEM). */
char *pc_confedit_text(const struct pc_confedit *e, size_t *len);

/* All in one: text with the rules the n names select switched on or off.
 * Returns the new text (malloc'd, *outlen bytes), or NULL with errno and,
 * for EINVAL/ENOENT, a message in err: ENOENT lists every unknown name with
 * its close matches ("no rule named 'X'; did you mean 'Y'?"); EINVAL: the
 * text holds a NUL byte. Nothing is changed on error. */
char *pc_confedit_apply(const char *text, size_t len, const char *const *names, size_t n,
			bool on, size_t *outlen, char *err, size_t errlen);

#endif
