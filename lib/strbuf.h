/* strbuf.h - building byte strings piece by piece.
 *
 * One builder, three places the text goes: a caller's fixed buffer (text
 * past its end is cut, and still counted, like snprintf), a file
 * descriptor (through a buffer written out whenever it fills), or a heap
 * buffer that grows. An error (a failed write, no memory) is remembered and
 * reported once at the end, so the pieces need no checks of their own. */
#ifndef PC_STRBUF_H
#define PC_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* On the caller's stack; its fields belong to strbuf.c. */
struct pc_strbuf {
	char *buf;   /* cap + 1 bytes, or NULL with cap 0 */
	size_t cap;  /* characters buf holds, the NUL excluded */
	size_t used; /* characters in buf */
	size_t len;  /* characters put in all, those cut or written out included */
	int fd;      /* a descriptor builder's; else -1 */
	int err;     /* the first error's errno, or 0 */
	bool heap;   /* buf is malloc'd and grows */
};

/* Into buf (size bytes; size 0 and buf NULL to only count). */
void pc_strbuf_init(struct pc_strbuf *b, char *buf, size_t size);
/* Through buf (size >= 2 bytes) into fd; finish with pc_strbuf_flush. */
void pc_strbuf_init_fd(struct pc_strbuf *b, char *buf, size_t size, int fd);
/* Into a malloc'd buffer; finish with pc_strbuf_take. */
void pc_strbuf_init_heap(struct pc_strbuf *b);

void pc_strbuf_put(struct pc_strbuf *b, const void *s, size_t n);
void pc_strbuf_puts(struct pc_strbuf *b, const char *s);
void pc_strbuf_putc(struct pc_strbuf *b, char c);
/* v in decimal. */
void pc_strbuf_u64(struct pc_strbuf *b, uint64_t v);
void pc_strbuf_i64(struct pc_strbuf *b, int64_t v);

/* Characters put so far (into a fixed buffer: > size - 1 means cut). */
size_t pc_strbuf_len(const struct pc_strbuf *b);

/* Fixed buffer: NUL-terminates it (when size > 0). Returns pc_strbuf_len. */
size_t pc_strbuf_finish(struct pc_strbuf *b);

/* Descriptor: writes out what is buffered. Returns 0, or -1 with errno, the
 * first error any write met (what followed it was not written). */
int pc_strbuf_flush(struct pc_strbuf *b);

/* Writes what format puts into a buffered writer (a bufsize-byte buffer
 * of its own) to fd, then flushes. Returns 0, or -1 with errno. */
int pc_strbuf_write_fd(int fd, size_t bufsize, void (*format)(struct pc_strbuf *, const void *),
		       const void *arg);

/* Heap: the NUL-terminated text (the caller frees it; the builder is empty
 * again), its length into *len when len is not NULL. Returns it, or NULL
 * with errno ENOMEM (the text freed). */
char *pc_strbuf_take(struct pc_strbuf *b, size_t *len);

#endif
