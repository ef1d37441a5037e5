/* helper_fixture.h - scaffolding for the unit tests: running a suite, a
 * directory per test case, files in it, a clock, a small random generator */
#ifndef PC_HELPER_FIXTURE_H
#define PC_HELPER_FIXTURE_H

#include <check.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* Runs every test of s (and frees it). Returns EXIT_SUCCESS when all
 * passed, else EXIT_FAILURE: main's return value. */
int pc_test_run(Suite *s);

/* A directory for a test case, /tmp/pc-test-PROGRAM-XXXXXX: make and remove
 * are the case's unchecked fixture (they run once, in the parent); remove
 * deletes it with everything in it. */
extern char pc_test_base[PATH_MAX];
void pc_test_base_make(void);
void pc_test_base_remove(void);

/* A fresh directory inside pc_test_base for one test, into pc_test_dir. */
extern char pc_test_dir[PATH_MAX];
void pc_test_dir_make(void);

/* pc_test_dir/rel into path (len bytes); the test fails when it does not fit. */
void pc_test_path(const char *rel, char *path, size_t len);

/* Writes n bytes to the file at path (created or truncated). */
void pc_test_write(const char *path, const void *bytes, size_t n);
/* Writes text to the file at path (created or truncated). */
void pc_test_puts(const char *path, const char *text);

/* Writes n bytes to pc_test_dir/rel, whose path goes into path (len bytes). */
void pc_test_file(const char *rel, const void *bytes, size_t n, char *path, size_t len);

/* The file at path, NUL-terminated, in a static buffer (its first 64 KiB). */
char *pc_test_slurp(const char *path);

/* Unix seconds of a UTC date and time. */
int64_t pc_test_utc(int y, int mo, int d, int h, int mi, int s);
/* Sets TZ=UTC and returns the tests' fixed "now", 2026-11-28T13:19:53Z
 * (a checked fixture of the log reading tests). */
int64_t pc_test_utc_now(void);

/* Seconds on the monotonic clock. */
double pc_test_now(void);

/* The next number of the xorshift64 generator at *state (not 0). */
uint64_t pc_test_xorshift(uint64_t *state);

#endif
