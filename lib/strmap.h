/* strmap.h - a string -> index map (open addressing), for rule names */
#ifndef PC_STRMAP_H
#define PC_STRMAP_H

#include <stddef.h>

struct pc_strmap;

/* Returns an empty map, or NULL with errno set. */
struct pc_strmap *pc_strmap_new(void);
void pc_strmap_free(struct pc_strmap *m);

/* Maps key (not copied: it must outlive the map) to value, in one lookup.
 * Returns 0, or -1 with errno: ENOMEM, or EEXIST when key is present (its
 * value unchanged, and put in *old unless old is NULL). */
int pc_strmap_add(struct pc_strmap *m, const char *key, size_t value, size_t *old);

/* The value of key, or -1 when absent. */
long pc_strmap_get(const struct pc_strmap *m, const char *key);

#endif
