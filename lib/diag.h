/* diag.h - collected diagnostics ("FILE:LINE: message") */
#ifndef PC_DIAG_H
#define PC_DIAG_H

#include <stddef.h>
#include <stdio.h>

enum pc_diag_level { PC_DIAG_ERROR = 0, PC_DIAG_WARNING };

struct pc_diag;

/* Returns a new, empty list, or NULL with errno set. */
struct pc_diag *pc_diag_new(void);
void pc_diag_free(struct pc_diag *d);

/* Adds "FILE:LINE: message" (line 0: "FILE: message"); control characters
 * become '?'. Out of memory is remembered and reported as an error by
 * pc_diag_errors(). */
void pc_diag_add(struct pc_diag *d, enum pc_diag_level lvl, const char *file, int line,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Number of errors (warnings not counted). */
size_t pc_diag_errors(const struct pc_diag *d);
/* Number of entries of any level. */
size_t pc_diag_count(const struct pc_diag *d);
/* The i-th entry's formatted text and level; NULL when i is out of range. */
const char *pc_diag_text(const struct pc_diag *d, size_t i, enum pc_diag_level *lvl);

/* Writes every entry, one a line ("FILE:LINE: warning: ..." for warnings). */
void pc_diag_print(const struct pc_diag *d, FILE *f);

#endif
