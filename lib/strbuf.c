/* strbuf.c - building byte strings into a fixed buffer, a descriptor or the heap */
#include "strbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fdio.h"

void pc_strbuf_init(struct pc_strbuf *b, char *buf, size_t size)
{
	*b = (struct pc_strbuf){ .buf = size ? buf : NULL, .cap = size ? size - 1 : 0, .fd = -1 };
}

void pc_strbuf_init_fd(struct pc_strbuf *b, char *buf, size_t size, int fd)
{
	pc_strbuf_init(b, buf, size);
	b->fd = fd;
}

void pc_strbuf_init_heap(struct pc_strbuf *b)
{
	pc_strbuf_init(b, NULL, 0);
	b->heap = true;
}

/* Makes room for n more characters: at least doubles. */
static void grow(struct pc_strbuf *b, size_t n)
{
	size_t want = b->used + n, cap = b->cap * 2 > want ? b->cap * 2 : want;
	char *p;

	if (b->err)
		return;
	if (!(p = realloc(b->buf, cap + 1))) {
		b->err = ENOMEM;
		return;
	}
	b->buf = p;
	b->cap = cap;
}

/* Writes the buffer out and empties it; after an error, only empties it. */
static void write_out(struct pc_strbuf *b)
{
	if (!b->err && pc_write_all(b->fd, b->buf, b->used) < 0)
		b->err = errno;
	b->used = 0;
}

void pc_strbuf_put(struct pc_strbuf *b, const void *s, size_t n)
{
	const char *p = s;

	b->len += n;
	if (b->heap && b->cap - b->used < n)
		grow(b, n);
	for (;;) {
		size_t room = b->cap - b->used, k = n < room ? n : room;

		if (k)
			memcpy(b->buf + b->used, p, k);
		b->used += k;
		if (k == n || b->fd < 0)
			return; /* all in, or the rest cut */
		p += k;
		n -= k;
		write_out(b);
	}
}

void pc_strbuf_puts(struct pc_strbuf *b, const char *s)
{
	pc_strbuf_put(b, s, strlen(s));
}

void pc_strbuf_putc(struct pc_strbuf *b, char c)
{
	pc_strbuf_put(b, &c, 1);
}

void pc_strbuf_u64(struct pc_strbuf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	pc_strbuf_put(b, tmp + i, sizeof(tmp) - i);
}

void pc_strbuf_i64(struct pc_strbuf *b, int64_t v)
{
	if (v < 0) {
		pc_strbuf_putc(b, '-');
		pc_strbuf_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		pc_strbuf_u64(b, (uint64_t)v);
	}
}

size_t pc_strbuf_len(const struct pc_strbuf *b)
{
	return b->len;
}

size_t pc_strbuf_finish(struct pc_strbuf *b)
{
	if (b->buf)
		b->buf[b->used] = '\0';
	return b->len;
}

int pc_strbuf_flush(struct pc_strbuf *b)
{
	write_out(b);
	if (b->err) {
		errno = b->err;
		return -1;
	}
	return 0;
}

char *pc_strbuf_take(struct pc_strbuf *b, size_t *len)
{
	char *text;

	if (!b->buf)
		grow(b, 0);
	if (b->err) {
		free(b->buf);
		pc_strbuf_init_heap(b);
		errno = ENOMEM;
		return NULL;
	}
	text = b->buf;
	text[b->used] = '\0';
	if (len)
		*len = b->used;
	pc_strbuf_init_heap(b);
	return text;
}

int pc_strbuf_write_fd(int fd, size_t bufsize, void (*format)(struct pc_strbuf *, const void *),
		       const void *arg)
{
	char *buf = malloc(bufsize);
	struct pc_strbuf w;
	int err = 0;

	if (!buf)
		return -1;
	pc_strbuf_init_fd(&w, buf, bufsize, fd);
	format(&w, arg);
	if (pc_strbuf_flush(&w) < 0)
		err = errno;
	free(buf);
	errno = err;
	return err ? -1 : 0;
}
