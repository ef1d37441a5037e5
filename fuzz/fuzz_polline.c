/* fuzz_polline.c - the policy line lexer (lib/polline.c) against libinih,
 * the parser of record: for every line the lexer calls KEY = VALUE, inih
 * splits the same key and value out of it. */
#include "fuzz.h"

#include <ini.h>

#include "polline.h"

struct split {
	int calls;
	char key[256], val[256];
};

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct split *s = user;

	(void)section;
	s->calls++;
	snprintf(s->key, sizeof(s->key), "%s", name);
	snprintf(s->val, sizeof(s->val), "%s", value);
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct pc_polspan sp;
	char text[PC_POLLINE_READ_MAX + 2];

	for (size_t pos = 0; pos < size; pos = sp.next) {
		struct pc_polline pl;
		struct split s = { 0 };

		pc_polline_next(buf, size, pos, &sp);
		FUZZ_CHECK(sp.start == pos && sp.end <= sp.next && sp.next <= size && sp.next > pos,
			   "span [%zu %zu %zu] at %zu", sp.start, sp.end, sp.next, pos);
		pc_polline_lex(buf + sp.start, sp.end - sp.start, pos == 0, &pl);
		if (pl.kind != PC_PL_KEY)
			continue;
		FUZZ_CHECK(pl.text <= pl.key && pl.key + pl.key_len <= pl.len && pl.val + pl.val_len <= pl.len,
			   "offsets out of the line");
		/* after a "\n": inih strips a BOM from its line 1 (the loader's line 1
		 * is outside any section, so a KEY there is an error anyway) */
		text[0] = '\n';
		memcpy(text + 1, buf + sp.start + pl.text, pl.len - pl.text);
		text[pl.len - pl.text + 1] = '\0';
		FUZZ_CHECK(ini_parse_string(text, handler, &s) == 0 && s.calls == 1,
			   "inih does not take '%s' as one KEY = VALUE", text + 1);
		FUZZ_CHECK(strlen(s.key) == pl.key_len && !memcmp(s.key, buf + sp.start + pl.key, pl.key_len),
			   "key '%s' vs '%.*s' in '%s'", s.key, (int)pl.key_len, buf + sp.start + pl.key,
			   text + 1);
		FUZZ_CHECK(strlen(s.val) == pl.val_len && !memcmp(s.val, buf + sp.start + pl.val, pl.val_len),
			   "value '%s' vs '%.*s' in '%s'", s.val, (int)pl.val_len, buf + sp.start + pl.val,
			   text + 1);
	}
	return 0;
}
