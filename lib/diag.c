/* diag.c - collected diagnostics */
#include "diag.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	enum pc_diag_level lvl;
	char *text;
};

struct pc_diag {
	struct entry *v;
	size_t n, cap, errors;
	bool oom;
};

struct pc_diag *pc_diag_new(void)
{
	return calloc(1, sizeof(struct pc_diag));
}

void pc_diag_free(struct pc_diag *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].text);
	free(d->v);
	free(d);
}

static int grow(struct pc_diag *d)
{
	if (d->n < d->cap)
		return 0;
	size_t cap = d->cap ? d->cap * 2 : 8;
	struct entry *v = realloc(d->v, cap * sizeof(*v));
	if (!v)
		return -1;
	d->v = v;
	d->cap = cap;
	return 0;
}

void pc_diag_add(struct pc_diag *d, enum pc_diag_level lvl, const char *file, int line,
		 const char *fmt, ...)
{
	char msg[1024];
	char *text = NULL;
	va_list ap;

	if (lvl == PC_DIAG_ERROR)
		d->errors++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const char *tag = lvl == PC_DIAG_WARNING ? "warning: " : "";
	int r = line > 0 ? asprintf(&text, "%s:%d: %s%s", file, line, tag, msg)
			 : asprintf(&text, "%s: %s%s", file, tag, msg);
	if (r < 0 || grow(d) < 0) {
		if (r >= 0)
			free(text);
		d->oom = true;
		return;
	}
	/* one line, and no terminal escapes from the bytes of a file */
	for (char *c = text; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	d->v[d->n].lvl = lvl;
	d->v[d->n++].text = text;
}

size_t pc_diag_errors(const struct pc_diag *d)
{
	return d->errors;
}

size_t pc_diag_count(const struct pc_diag *d)
{
	return d->n;
}

const char *pc_diag_text(const struct pc_diag *d, size_t i, enum pc_diag_level *lvl)
{
	if (i >= d->n)
		return NULL;
	if (lvl)
		*lvl = d->v[i].lvl;
	return d->v[i].text;
}

void pc_diag_print(const struct pc_diag *d, FILE *f)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(f, "%s\n", d->v[i].text);
	if (d->oom)
		fprintf(f, "error: out of memory: some messages were lost\n");
}
