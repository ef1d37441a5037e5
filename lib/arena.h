/* arena.h - memory for many small objects that are all freed together (the
 * rules of a policy): bump allocation in chunks, one free for everything. */
#ifndef PC_ARENA_H
#define PC_ARENA_H

#include <stddef.h>

struct pc_arena;

/* Returns an empty arena, or NULL with errno set. */
struct pc_arena *pc_arena_new(void);
/* Frees the arena and everything allocated from or given to it. */
void pc_arena_free(struct pc_arena *a);

/* size bytes, aligned for any type the policy keeps (8 bytes), valid until
 * pc_arena_free. Returns NULL with errno (ENOMEM). size 0 is allowed. */
void *pc_arena_alloc(struct pc_arena *a, size_t size);

/* A copy of size bytes at p, or NULL with errno (ENOMEM). */
void *pc_arena_dup(struct pc_arena *a, const void *p, size_t size);

/* A copy of the string s, or NULL with errno (ENOMEM). */
char *pc_arena_strdup(struct pc_arena *a, const char *s);

/* Hands p (from malloc) to the arena, which frees it with the rest.
 * Returns 0, or -1 with errno (ENOMEM: p is freed then). */
int pc_arena_adopt(struct pc_arena *a, void *p);

#endif
