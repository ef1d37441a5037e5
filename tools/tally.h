/* tally.h - counting occurrences of keys (byte strings), then ranking them */
#ifndef PC_TALLY_H
#define PC_TALLY_H

#include <stddef.h>
#include <stdint.h>

struct pc_tally;

struct pc_tally_entry {
	const char *key; /* NUL-terminated copy, owned by the tally */
	size_t len;
	uint64_t count;
};

/* Returns an empty tally, or NULL with errno set. */
struct pc_tally *pc_tally_new(void);
void pc_tally_free(struct pc_tally *t);

/* Adds n to the count of key (len bytes, copied). Returns 0, or -1 with
 * errno ENOMEM (the tally unchanged). */
int pc_tally_add(struct pc_tally *t, const void *key, size_t len, uint64_t n);

/* The count of key (0 when absent). */
uint64_t pc_tally_get(const struct pc_tally *t, const void *key, size_t len);

/* Number of distinct keys. */
size_t pc_tally_size(const struct pc_tally *t);

/* Every entry, highest count first, equal counts by key bytes. *n gets the
 * number of entries. Returns a malloc'd array (free it; valid until the
 * tally changes), or NULL with errno set. */
struct pc_tally_entry *pc_tally_ranked(const struct pc_tally *t, size_t *n);

#endif
