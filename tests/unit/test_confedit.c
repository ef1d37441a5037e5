/* test_confedit.c - switching rules on and off in a policy's text */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confedit.h"
#include "diag.h"
#include "helper_fixture.h"
#include "helper_policy.h"
#include "policy.h"

/* Applies one name; the result must exist. */
static char *apply1(const char *text, const char *name, bool on)
{
	const char *names[] = { name };
	char err[512];
	size_t len;
	char *out = pc_confedit_apply(text, strlen(text), names, 1, on, &len, err, sizeof(err));

	ck_assert_msg(out != NULL, "apply '%s': %s", name, err);
	ck_assert_uint_eq(len, strlen(out));
	return out;
}

/* The loader's view: is rule name enabled in text? */
static bool loaded_enabled(const char *text, const char *name)
{
	struct pc_policy *p = pc_test_load(text, "test.conf");
	size_t n;

	long i = pc_policy_find(p, name);
	ck_assert_msg(i >= 0, "no rule '%s'", name);
	bool on = pc_policy_rules(p, &n)[i].enabled;
	pc_policy_free(p);
	return on;
}

static const char layout[] =
	"# A policy with odd layout\n"
	"\n"
	"[portcullis]\n"
	"default = deny\n"
	"\n"
	"  # enabled = no   (a comment, not a key)\n"
	"[ Web ]   \n"
	"\tenabled   =  yes   ; inline comment\n"
	"action=permit\n"
	"protocol = tcp\n"
	"local-port = 80\n"
	"\n"
	"[Web Admin]\n"
	"; enabled = no\n"
	"action = permit ; enabled = no\n"
	"protocol = tcp\n"
	"local-port = 8080\n"
	"enabled = yes\n"
	"[Mail]\n"
	"action = permit\n"
	"protocol = tcp\n"
	"local-port = 25\n";

START_TEST(change_keeps_layout)
{
	char *out = apply1(layout, "Web", false);
	char want[sizeof(layout) + 16];

	/* only "yes" of Web's enabled line becomes "no" */
	const char *at = strstr(layout, "yes   ; inline");
	size_t pre = (size_t)(at - layout);
	snprintf(want, sizeof(want), "%.*sno%s", (int)pre, layout, at + 3);
	ck_assert_str_eq(out, want);
	ck_assert(!loaded_enabled(out, "Web"));
	ck_assert(loaded_enabled(out, "Web Admin"));
	ck_assert(loaded_enabled(out, "Mail"));

	/* and back: the original, byte for byte */
	char *back = apply1(out, "Web", true);
	ck_assert_str_eq(back, layout);
	free(back);
	free(out);
}
END_TEST

START_TEST(insert_when_missing)
{
	char *out = apply1(layout, "Mail", false);
	const char *hdr = strstr(layout, "[Mail]\n") + strlen("[Mail]\n");
	char want[sizeof(layout) + 32];

	snprintf(want, sizeof(want), "%.*senabled = no\n%s", (int)(hdr - layout), layout, hdr);
	ck_assert_str_eq(out, want);
	ck_assert(!loaded_enabled(out, "Mail"));

	/* enabling a rule without an enabled line changes nothing: it is on */
	char *same = apply1(layout, "Mail", true);
	ck_assert_str_eq(same, layout);
	free(same);
	/* enabling it again after the insert writes yes in the inserted line */
	char *again = apply1(out, "Mail", true);
	ck_assert(strstr(again, "[Mail]\nenabled = yes\naction"));
	ck_assert(loaded_enabled(again, "Mail"));
	free(again);
	free(out);
}
END_TEST

START_TEST(insert_at_end_without_newline)
{
	const char text[] = "[A]\naction = deny\n[B]";
	char *out = apply1(text, "B", false);

	ck_assert_str_eq(out, "[A]\naction = deny\n[B]\nenabled = no\n");
	free(out);
	const char crlf[] = "[A]\r\naction = deny\r\n[B]";
	out = apply1(crlf, "B", false);
	ck_assert_str_eq(out, "[A]\r\naction = deny\r\n[B]\r\nenabled = no\r\n");
	free(out);
}
END_TEST

START_TEST(crlf_kept)
{
	const char text[] =
		"# crlf file\r\n"
		"[Web]\r\n"
		"enabled = yes\r\n"
		"action = permit\r\n"
		"protocol = tcp\r\n"
		"local-port = 80\r\n"
		"[Mail]\r\n"
		"action = permit\r\n";
	const char *names[] = { "Web", "Mail" };
	char err[256];
	size_t len;
	char *out = pc_confedit_apply(text, strlen(text), names, 2, false, &len, err, sizeof(err));

	ck_assert_msg(out != NULL, "%s", err);
	ck_assert_str_eq(out,
			 "# crlf file\r\n"
			 "[Web]\r\n"
			 "enabled = no\r\n"
			 "action = permit\r\n"
			 "protocol = tcp\r\n"
			 "local-port = 80\r\n"
			 "[Mail]\r\n"
			 "enabled = no\r\n"
			 "action = permit\r\n");
	ck_assert(!loaded_enabled(out, "Web"));
	ck_assert(!loaded_enabled(out, "Mail"));
	free(out);
}
END_TEST

START_TEST(several_names)
{
	const char *names[] = { "Web Admin", "Mail", "Web" };
	char err[256];
	char *out = pc_confedit_apply(layout, strlen(layout), names, 3, false, NULL, err, sizeof(err));

	ck_assert_msg(out != NULL, "%s", err);
	ck_assert(!loaded_enabled(out, "Web"));
	ck_assert(!loaded_enabled(out, "Web Admin"));
	ck_assert(!loaded_enabled(out, "Mail"));
	/* three lines differ or were added, nothing else */
	ck_assert_uint_eq(strlen(out), strlen(layout) - 1 /* yes->no */ - 1 + strlen("enabled = no\n"));
	ck_assert(strstr(out, "action = permit ; enabled = no\n"));
	free(out);
}
END_TEST

START_TEST(comments_untouched)
{
	/* Web Admin's comments say "enabled = no"; its real line says yes */
	struct pc_confedit *e = pc_confedit_new(layout, strlen(layout));
	size_t idx[4];

	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(pc_confedit_select(e, "Web Admin", idx, 4), 1);
	ck_assert_int_eq(pc_confedit_state(e, idx[0]), 1);
	ck_assert_int_eq(pc_confedit_set(e, idx[0], false), 1);
	char *out = pc_confedit_text(e, NULL);
	ck_assert(strstr(out, "\n; enabled = no\naction = permit ; enabled = no\n"));
	ck_assert(strstr(out, "local-port = 8080\nenabled = no\n[Mail]"));
	ck_assert(strstr(out, "  # enabled = no   (a comment"));
	ck_assert(!loaded_enabled(out, "Web Admin"));
	free(out);
	pc_confedit_free(e);
}
END_TEST

START_TEST(prefix_names_and_variants)
{
	const char text[] =
		"[HTTP]\nenabled = yes\naction = permit\n"
		"[HTTP Server]\nenabled = yes\naction = permit\n"
		"[DNS Client]\nenabled = yes\naction = permit\n"
		"[DNS Client (tcp)]\nenabled = yes\naction = permit\n"
		"[DNS Clients]\nenabled = yes\naction = permit\n"
		"[DNS Client tcp]\nenabled = yes\naction = permit\n"
		"[DNS Client (tcp]\nenabled = yes\naction = permit\n";
	char *out = apply1(text, "HTTP", false);

	ck_assert(!loaded_enabled(out, "HTTP"));
	ck_assert(loaded_enabled(out, "HTTP Server"));
	free(out);

	out = apply1(text, "DNS Client", false);
	ck_assert(!loaded_enabled(out, "DNS Client"));
	ck_assert(!loaded_enabled(out, "DNS Client (tcp)"));
	ck_assert(loaded_enabled(out, "DNS Clients"));
	ck_assert(loaded_enabled(out, "DNS Client tcp"));
	ck_assert(loaded_enabled(out, "DNS Client (tcp"));
	free(out);

	/* a variant alone */
	out = apply1(text, "DNS Client (tcp)", false);
	ck_assert(loaded_enabled(out, "DNS Client"));
	ck_assert(!loaded_enabled(out, "DNS Client (tcp)"));
	free(out);

	/* variants without the plain name */
	const char only[] = "[SQL (tcp)]\naction = permit\n[SQL (udp)]\naction = permit\n";
	out = apply1(only, "SQL", false);
	ck_assert_str_eq(out, "[SQL (tcp)]\nenabled = no\naction = permit\n"
			      "[SQL (udp)]\nenabled = no\naction = permit\n");
	free(out);
}
END_TEST

START_TEST(unknown_names_suggest)
{
	const char *names[] = { "Web", "web admin", "Mial", "Nothing Like It" };
	char err[512];
	size_t len = 12345;

	errno = 0;
	char *out = pc_confedit_apply(layout, strlen(layout), names, 4, false, &len, err, sizeof(err));
	ck_assert_ptr_null(out);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_uint_eq(len, 12345); /* untouched */
	ck_assert_msg(strstr(err, "no rule named 'web admin'; did you mean 'Web Admin'"), "%s", err);
	ck_assert_msg(strstr(err, "no rule named 'Mial'; did you mean 'Mail'?"), "%s", err);
	ck_assert_msg(strstr(err, "no rule named 'Nothing Like It'") &&
		      !strstr(strstr(err, "Nothing Like It"), "did you mean"), "%s", err);
	ck_assert_msg(!strstr(err, "named 'Web'"), "%s", err);

	/* best first: the same name in another case before a substring match */
	struct pc_confedit *e = pc_confedit_new(layout, strlen(layout));
	size_t idx[4];
	size_t n = pc_confedit_suggest(e, "web", idx, 4);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(pc_confedit_name(e, idx[0]), "Web");
	ck_assert_str_eq(pc_confedit_name(e, idx[1]), "Web Admin");
	ck_assert_uint_eq(pc_confedit_suggest(e, "zzzzzzzz", idx, 4), 0);
	ck_assert_uint_eq(pc_confedit_suggest(e, "web", idx, 1), 1);
	ck_assert_str_eq(pc_confedit_name(e, idx[0]), "Web");
	pc_confedit_free(e);
}
END_TEST

START_TEST(names_and_states)
{
	const char text[] =
		"\xEF\xBB\xBF[First]\nenabled=no\naction = deny\n"
		"[portcullis]\nenabled = no\n"
		"[Second]\nenabled = maybe\naction = deny\n"
		"[broken header\nenabled = no\n"
		"[Third]\naction = deny\n";
	struct pc_confedit *e = pc_confedit_new(text, strlen(text));

	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(pc_confedit_count(e), 3);
	ck_assert_str_eq(pc_confedit_name(e, 0), "First");
	ck_assert_str_eq(pc_confedit_name(e, 1), "Second");
	ck_assert_str_eq(pc_confedit_name(e, 2), "Third");
	ck_assert_ptr_null(pc_confedit_name(e, 3));
	ck_assert_int_eq(pc_confedit_state(e, 0), 0);
	ck_assert_int_eq(pc_confedit_state(e, 1), -1);
	ck_assert_int_eq(pc_confedit_state(e, 2), 1); /* the line after the bad header is not its */
	ck_assert_int_eq(pc_confedit_state(e, 3), -1);
	ck_assert_int_eq(pc_confedit_set(e, 3, true), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_int_eq(pc_confedit_set(e, 0, false), 0);
	ck_assert_int_eq(pc_confedit_set(e, 1, true), 1);
	ck_assert_int_eq(pc_confedit_set(e, 0, true), 1);
	ck_assert_int_eq(pc_confedit_set(e, 0, false), 1); /* back to what it was */
	char *out = pc_confedit_text(e, NULL);
	ck_assert(strstr(out, "[First]\nenabled=no\n"));
	ck_assert(strstr(out, "[Second]\nenabled = yes\n"));
	ck_assert(strstr(out, "[portcullis]\nenabled = no\n"));
	free(out);
	pc_confedit_free(e);
}
END_TEST

START_TEST(nul_byte_refused)
{
	const char text[] = "[A]\naction = deny\0\n[B]\naction = deny\n";
	const char *names[] = { "B" };
	char err[128];

	ck_assert_ptr_null(pc_confedit_new(text, sizeof(text) - 1));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(pc_confedit_apply(text, sizeof(text) - 1, names, 1, false, NULL, err,
					     sizeof(err)));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_str_eq(err, "the file holds a NUL byte");
}
END_TEST

/* Random switches on a policy: the loader always agrees with what was asked,
 * and every line that is not an enabled line is unchanged. */
START_TEST(random_switches_agree_with_loader)
{
	static const char *const rules[] = { "A", "A (tcp)", "B", "AB", "C D", "E" };
	const size_t nr = sizeof(rules) / sizeof(rules[0]);
	char text[4096];
	size_t used = 0;
	bool want[6];
	unsigned seed = 12345;

	for (size_t i = 0; i < nr; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "# rule %zu\r\n[%s]\r\n%saction = permit\r\n; enabled = no\r\n\r\n", i,
					 rules[i], i % 2 ? "enabled = yes\r\n" : "");
	for (size_t i = 0; i < nr; i++)
		want[i] = true;
	char *cur = strdup(text);
	for (int round = 0; round < 500; round++) {
		size_t k = (size_t)rand_r(&seed) % nr;
		bool on = rand_r(&seed) % 2;
		char *next = apply1(cur, rules[k], on);
		for (size_t i = 0; i < nr; i++)
			if (i == k || (k == 0 && i == 1))
				want[i] = on;
		for (size_t i = 0; i < nr; i++)
			ck_assert_msg(loaded_enabled(next, rules[i]) == want[i], "round %d rule %s", round,
				      rules[i]);
		/* every non-enabled line of the original is still there, in order */
		const char *p = next;
		for (const char *l = text; *l;) {
			const char *nl = strchr(l, '\n');
			size_t n = (size_t)(nl - l) + 1;
			if (strncmp(l, "enabled", 7)) {
				char line[256];
				snprintf(line, sizeof(line), "%.*s", (int)n, l);
				const char *at = strstr(p, line);
				ck_assert_msg(at != NULL, "round %d lost line '%s'", round, line);
				p = at + n;
			}
			l += n;
		}
		free(cur);
		cur = next;
	}
	free(cur);
}
END_TEST

/* The loader skips \v, \f and \r before a line as well as blanks: the
 * editor took "\f[B]" for a key line of A, switched B for A and reported
 * success. Every space byte before a header, and before an enabled line. */
START_TEST(space_bytes_before_lines)
{
	static const char *const sp[] = { "\f", "\v", "\r", " \f\t", "\v\r " };
	char text[512];

	for (size_t i = 0; i < sizeof(sp) / sizeof(sp[0]); i++) {
		snprintf(text, sizeof(text),
			 "[A]\naction = permit\nprotocol = tcp\nlocal-port = 22\n"
			 "%s[B]\naction = permit\nprotocol = tcp\nlocal-port = 80\n%senabled = no\n",
			 sp[i], sp[i]);
		ck_assert(loaded_enabled(text, "A"));
		ck_assert(!loaded_enabled(text, "B"));

		char *off = apply1(text, "A", false);
		ck_assert_msg(!loaded_enabled(off, "A"), "space %zu: disable A left A on", i);
		ck_assert_msg(!loaded_enabled(off, "B"), "space %zu: disable A switched B", i);
		char *on = apply1(text, "B", true);
		ck_assert_msg(loaded_enabled(on, "B"), "space %zu: enable B left B off", i);
		ck_assert_msg(loaded_enabled(on, "A"), "space %zu: enable B switched A", i);
		free(off);
		free(on);

		struct pc_confedit *e = pc_confedit_new(text, strlen(text));
		ck_assert_ptr_nonnull(e);
		ck_assert_uint_eq(pc_confedit_count(e), 2);
		ck_assert_str_eq(pc_confedit_name(e, 1), "B");
		ck_assert_int_eq(pc_confedit_state(e, 0), 1);
		ck_assert_int_eq(pc_confedit_state(e, 1), 0);
		pc_confedit_free(e);
	}
}
END_TEST

static Suite *confedit_suite(void)
{
	Suite *s = suite_create("confedit");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, change_keeps_layout);
	tcase_add_test(tc, insert_when_missing);
	tcase_add_test(tc, insert_at_end_without_newline);
	tcase_add_test(tc, crlf_kept);
	tcase_add_test(tc, several_names);
	tcase_add_test(tc, comments_untouched);
	tcase_add_test(tc, prefix_names_and_variants);
	tcase_add_test(tc, unknown_names_suggest);
	tcase_add_test(tc, names_and_states);
	tcase_add_test(tc, nul_byte_refused);
	tcase_add_test(tc, random_switches_agree_with_loader);
	tcase_add_test(tc, space_bytes_before_lines);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(confedit_suite());
}
