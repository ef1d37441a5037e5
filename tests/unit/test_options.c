/* test_options.c - portcullisd's command line (daemon/options.c): what it
 * accepts, what it prints for --help and --version, and the exact message
 * of each misuse */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper_fixture.h"
#include "options.h"

static struct pc_options opt;
static char out[4096], err[4096], conf[256];

/* Parses "portcullisd ARGS..." (NULL-ended); the output and errors go to
 * out and err. */
static enum pc_options_result parse(const char *arg, ...)
{
	char *argv[16] = { strdup("portcullisd") }, *obuf = NULL, *ebuf = NULL;
	size_t olen = 0, elen = 0;
	int argc = 1;
	enum pc_options_result r;
	FILE *of = open_memstream(&obuf, &olen), *ef = open_memstream(&ebuf, &elen);
	va_list ap;

	ck_assert_ptr_nonnull(of);
	ck_assert_ptr_nonnull(ef);
	va_start(ap, arg);
	for (const char *a = arg; a; a = va_arg(ap, const char *)) {
		ck_assert_int_lt(argc, 15);
		argv[argc++] = strdup(a);
	}
	va_end(ap);
	r = pc_options_parse(&opt, argc, argv, of, ef);
	fclose(of);
	fclose(ef);
	snprintf(out, sizeof(out), "%s", obuf);
	snprintf(err, sizeof(err), "%s", ebuf);
	free(obuf);
	free(ebuf);
	/* opt.conf may point into argv: a copy that outlives it */
	snprintf(conf, sizeof(conf), "%s", opt.conf);
	opt.conf = conf;
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return r;
}

static void misuse(const char *want)
{
	char full[512];

	snprintf(full, sizeof(full), "portcullisd: %s\nusage: portcullisd [-c FILE] [-f]\n"
		 "(portcullisd --help says more)\n", want);
	ck_assert_str_eq(err, full);
	ck_assert_str_eq(out, "");
}

START_TEST(test_defaults)
{
	ck_assert_int_eq(parse(NULL), PC_OPTIONS_RUN);
	ck_assert_str_eq(opt.conf, "/etc/portcullis/portcullis.conf");
	ck_assert(!opt.foreground);
	ck_assert_str_eq(out, "");
	ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(test_short_and_long)
{
	ck_assert_int_eq(parse("-c", "p.conf", "-f", NULL), PC_OPTIONS_RUN);
	ck_assert_str_eq(opt.conf, "p.conf");
	ck_assert(opt.foreground);
	ck_assert_int_eq(parse("--config=/x/y.conf", NULL), PC_OPTIONS_RUN);
	ck_assert_str_eq(opt.conf, "/x/y.conf");
	ck_assert(!opt.foreground); /* nothing carries over from the parse before */
	ck_assert_int_eq(parse("--foreground", "--config", "q.conf", NULL), PC_OPTIONS_RUN);
	ck_assert_str_eq(opt.conf, "q.conf");
	ck_assert(opt.foreground);
	ck_assert_int_eq(parse("-fc", "r.conf", NULL), PC_OPTIONS_RUN);
	ck_assert_str_eq(opt.conf, "r.conf");
	ck_assert(opt.foreground);
	ck_assert_int_eq(parse("-c", "a.conf", "-c", "b.conf", NULL), PC_OPTIONS_RUN);
	ck_assert_str_eq(opt.conf, "b.conf"); /* the last one counts */
}
END_TEST

START_TEST(test_help_and_version)
{
	ck_assert_int_eq(parse("--help", NULL), PC_OPTIONS_DONE);
	ck_assert_ptr_eq(strstr(out, "usage: portcullisd [-c FILE] [-f]\n"), out);
	ck_assert_ptr_nonnull(strstr(out, "(default /etc/portcullis/portcullis.conf)"));
	ck_assert_ptr_nonnull(strstr(out, "  -V, --version "));
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(parse("-f", "-h", "--bogus", NULL), PC_OPTIONS_DONE); /* help first */
	ck_assert_ptr_eq(strstr(out, "usage: "), out);
	ck_assert_int_eq(parse("-V", NULL), PC_OPTIONS_DONE);
	ck_assert_str_eq(out, "portcullisd (portcullis) " PC_VERSION "\n");
	ck_assert_int_eq(parse("--version", NULL), PC_OPTIONS_DONE);
	ck_assert_str_eq(out, "portcullisd (portcullis) " PC_VERSION "\n");
}
END_TEST

START_TEST(test_misuse)
{
	ck_assert_int_eq(parse("-c", NULL), PC_OPTIONS_MISUSE);
	misuse("option needs an argument: '-c'");
	ck_assert_int_eq(parse("--config", NULL), PC_OPTIONS_MISUSE);
	misuse("option needs an argument: '--config'");
	ck_assert_int_eq(parse("-x", NULL), PC_OPTIONS_MISUSE);
	misuse("unknown option '-x'");
	ck_assert_int_eq(parse("--bogus", NULL), PC_OPTIONS_MISUSE);
	misuse("unknown option '--bogus'");
	ck_assert_int_eq(parse("--foreground=yes", NULL), PC_OPTIONS_MISUSE);
	misuse("option takes no argument: '--foreground=yes'");
	ck_assert_int_eq(parse("--bogus=1", NULL), PC_OPTIONS_MISUSE);
	misuse("unknown option '--bogus=1'");
	ck_assert_int_eq(parse("-fc", NULL), PC_OPTIONS_MISUSE);
	misuse("option needs an argument: '-fc'");
	ck_assert_int_eq(parse("extra", NULL), PC_OPTIONS_MISUSE);
	misuse("unexpected argument 'extra'");
	ck_assert_int_eq(parse("-f", "-c", "p.conf", "extra", NULL), PC_OPTIONS_MISUSE);
	misuse("unexpected argument 'extra'");
	ck_assert_int_eq(parse("--bogus", "--help", NULL), PC_OPTIONS_MISUSE); /* in order */
	misuse("unknown option '--bogus'");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("options");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_short_and_long);
	tcase_add_test(tc, test_help_and_version);
	tcase_add_test(tc, test_misuse);
	suite_add_tcase(s, tc);
	return pc_test_run(s);
}
