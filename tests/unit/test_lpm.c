/* test_lpm.c - longest prefix match over intervals (lib/lpm.c) against a
 * scan of every prefix: random prefix sets of each shape the table treats
 * apart (IPv4; IPv6 sharing 16, 60 or 70 leading bits; lengths past 64;
 * deep nesting; empty; enough prefixes for the largest direct index), each
 * asked at random addresses and at the edges of every prefix.
 *
 * PC_SEED=N replays a run. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helper_fixture.h"
#include "helper_randpol.h"
#include "lpm.h"

typedef unsigned __int128 u128;

static uint64_t run_seed;

#define ROOT 0xfffffff0u

struct shape {
	const char *name;
	unsigned kw;      /* 1: IPv4, 2: IPv6 */
	unsigned common;  /* leading bits every prefix shares */
	unsigned minlen, maxlen;
	size_t n;         /* prefixes drawn (duplicates dropped) */
	bool nest;        /* draw most prefixes inside earlier ones */
};

static const struct shape shapes[] = {
	{ "v4 empty", 1, 0, 8, 32, 0, false },
	{ "v4 one host", 1, 0, 32, 32, 1, false },
	{ "v4 few", 1, 0, 1, 32, 12, false },
	{ "v4 uniform", 1, 0, 8, 32, 3000, false },
	{ "v4 nested", 1, 0, 4, 32, 2000, true },
	{ "v4 in a /8", 1, 8, 8, 32, 3000, false },
	{ "v4 big", 1, 0, 12, 32, 40000, false },
	{ "v6 in a /16", 2, 16, 16, 64, 3000, false },
	{ "v6 long", 2, 16, 16, 128, 3000, false },
	{ "v6 60 common", 2, 60, 60, 128, 2000, false },
	{ "v6 70 common", 2, 70, 70, 128, 2000, true },
	{ "v6 one /128", 2, 0, 128, 128, 1, false },
	{ "v6 nested", 2, 0, 1, 128, 2000, true },
	{ "v6 big", 2, 32, 32, 64, 40000, false },
};
#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

static u128 key_of(const uint64_t k[2])
{
	return (u128)k[0] << 64 | k[1];
}

static u128 mask_of(unsigned plen)
{
	return plen ? ~(u128)0 << (128 - plen) : 0;
}

static void put_key(uint64_t k[2], u128 x)
{
	k[0] = (uint64_t)(x >> 64);
	k[1] = (uint64_t)x;
}

static u128 rand128(struct pc_rng *r, unsigned kw)
{
	u128 x = (u128)pc_rng_next(r) << 64 | pc_rng_next(r);

	return kw == 1 ? x & mask_of(32) : x;
}

static int pfx_cmp(const void *a, const void *b)
{
	const struct pc_lpm_pfx *x = a, *y = b;
	u128 kx = key_of(x->key), ky = key_of(y->key);

	if (kx != ky)
		return kx < ky ? -1 : 1;
	return (x->plen > y->plen) - (x->plen < y->plen);
}

/* Draws the prefixes of s, sorted, distinct, valued by position. */
static size_t draw(struct pc_rng *r, const struct shape *s, struct pc_lpm_pfx *v)
{
	u128 base = rand128(r, s->kw) & mask_of(s->common);
	size_t n = 0, m = 0;

	for (size_t i = 0; i < s->n; i++) {
		unsigned plen = s->minlen + pc_rng_below(r, s->maxlen - s->minlen + 1);
		u128 k = (rand128(r, s->kw) & ~mask_of(s->common)) | base;

		if (s->nest && n && pc_rng_chance(r, 70)) {
			const struct pc_lpm_pfx *in = &v[pc_rng_below(r, (uint32_t)n)];

			k = (k & ~mask_of(in->plen)) | key_of(in->key);
			if (plen < in->plen)
				plen = in->plen + (in->plen < s->maxlen);
		}
		put_key(v[n].key, k & mask_of(plen));
		v[n++].plen = (uint8_t)plen;
	}
	qsort(v, n, sizeof *v, pfx_cmp);
	for (size_t i = 0; i < n; i++)
		if (!m || pfx_cmp(&v[m - 1], &v[i]))
			v[m++] = v[i];
	for (size_t i = 0; i < m; i++)
		v[i].value = (uint32_t)i;
	return m;
}

static bool holds(const struct pc_lpm_pfx *p, u128 a)
{
	return (a & mask_of(p->plen)) == key_of(p->key);
}

/* The value of the longest prefix holding a, by a scan. */
static uint32_t scan(const struct pc_lpm_pfx *v, size_t n, u128 a)
{
	uint32_t best = ROOT;
	int len = -1;

	for (size_t i = 0; i < n; i++)
		if (v[i].plen > len && holds(&v[i], a)) {
			len = v[i].plen;
			best = v[i].value;
		}
	return best;
}

/* The value of the longest prefix strictly holding v[i], by a scan. */
static uint32_t scan_parent(const struct pc_lpm_pfx *v, size_t n, size_t i)
{
	uint32_t best = ROOT;
	int len = -1;

	for (size_t j = 0; j < n; j++)
		if (v[j].plen < v[i].plen && v[j].plen > len && holds(&v[j], key_of(v[i].key))) {
			len = v[j].plen;
			best = v[j].value;
		}
	return best;
}

static void check_addr(const struct pc_lpm *t, const uint64_t *blk, unsigned ws,
		       const struct pc_lpm_pfx *v, size_t n, u128 a, const char *what)
{
	uint64_t w[2];
	uint32_t want = scan(v, n, a);

	put_key(w, a);
	ck_assert_msg(pc_lpm_find(t, w) == want, "PC_SEED=%llu %s: table says %u, scan %u at %016llx%016llx",
		      (unsigned long long)run_seed, what, pc_lpm_find(t, w), want,
		      (unsigned long long)w[0], (unsigned long long)w[1]);
	ck_assert_msg(pc_lpm_block_find(blk, ws, w) == want, "PC_SEED=%llu %s: block says %u, scan %u",
		      (unsigned long long)run_seed, what, pc_lpm_block_find(blk, ws, w), want);
}

START_TEST(test_shape)
{
	const struct shape *s = &shapes[_i];
	struct pc_lpm_pfx *v = calloc(s->n + 1, sizeof *v);
	struct pc_lpm_iv *iv = calloc(2 * s->n + 1, sizeof *iv);
	uint32_t *par = calloc(s->n + 1, sizeof *par);
	uint64_t *blk = calloc(3 * (2 * s->n + 1), sizeof *blk);
	struct pc_rng r;
	struct pc_lpm t;
	size_t n, m, bytes = 0;
	unsigned ws;
	u128 all = s->kw == 1 ? mask_of(32) : ~(u128)0, step = s->kw == 1 ? (u128)1 << 96 : 1;

	ck_assert(v && iv && par && blk);
	pc_rng_seed(&r, run_seed ^ (uint64_t)_i << 40);
	n = draw(&r, s, v);
	m = pc_lpm_intervals(v, n, ROOT, iv, par);
	ck_assert_uint_le(m, 2 * n + 1);
	for (size_t i = 0; i < n && i < 2000; i++) {
		size_t j = n > 2000 ? pc_rng_below(&r, (uint32_t)n) : i;

		ck_assert_msg(par[j] == scan_parent(v, n, j), "PC_SEED=%llu %s: parent of %zu",
			      (unsigned long long)run_seed, s->name, j);
	}
	ck_assert_int_eq(pc_lpm_build(&t, s->kw, v, n, ROOT, iv, m, &bytes), 0);
	ck_assert_uint_gt(bytes, 0);
	ws = pc_lpm_narrow(0, iv, m);
	ck_assert(s->kw == 2 || ws == 0);
	pc_lpm_block_put(blk, ws, iv, m);
	for (size_t i = 0; i < (n > 5000 ? 1000 : 4000); i++)
		check_addr(&t, blk, ws, v, n, rand128(&r, s->kw), s->name);
	for (size_t i = 0; i < n && i < (n > 5000 ? 300 : 3000); i++) {
		size_t j = n > 5000 ? pc_rng_below(&r, (uint32_t)n) : i;
		u128 k = key_of(v[j].key), end = (k | ~mask_of(v[j].plen)) & all;

		check_addr(&t, blk, ws, v, n, k, s->name);
		check_addr(&t, blk, ws, v, n, end, s->name);
		check_addr(&t, blk, ws, v, n, (k - step) & all, s->name);
		check_addr(&t, blk, ws, v, n, (end + step) & all, s->name);
	}
	pc_lpm_free(&t);
	free(v);
	free(iv);
	free(par);
	free(blk);
}
END_TEST

#define NET10 ((u128)0x0a000000u << 96) /* 10.0.0.0, an IPv4 key */

/* A half block (16-bit starts) of the intervals inside 10.0.0.0/16,
 * asked at every address of it. */
START_TEST(test_half_block)
{
	enum { N = 3000 };
	static const struct shape in16 = { "v4 in 10.0/16", 1, 16, 16, 32, N, true };
	struct pc_lpm_pfx *v = calloc(N, sizeof *v);
	struct pc_lpm_iv *iv = calloc(2 * N + 1, sizeof *iv), *sl;
	uint32_t *par = calloc(N, sizeof *par);
	uint64_t *blk = calloc(2 * N + 8, sizeof *blk);
	size_t n, m, j = 0, k;
	struct pc_rng r;
	unsigned ws;

	ck_assert(v && iv && par && blk);
	pc_rng_seed(&r, run_seed ^ 0x4a1f);
	n = draw(&r, &in16, v);
	for (size_t i = 0; i < n; i++) /* move them into 10.0/16 */
		put_key(v[i].key, (key_of(v[i].key) & ~mask_of(16)) | NET10);
	m = pc_lpm_intervals(v, n, ROOT, iv, par);
	while (j + 1 < m && key_of(iv[j + 1].start) <= NET10)
		j++;
	for (k = j + 1; k < m && key_of(iv[k].start) <= (NET10 | ((u128)0xffff << 96)); k++)
		;
	sl = iv + j;
	put_key(sl[0].start, NET10);
	ws = pc_lpm_compact(16, sl, k - j);
	ck_assert_uint_eq(ws, PC_LPM_HALF | 16);
	ck_assert_uint_le(pc_lpm_block_words(ws, k - j), pc_lpm_block_words(16, k - j));
	pc_lpm_block_put(blk, ws, sl, k - j);
	for (uint32_t lo = 0; lo <= 0xffff; lo++) {
		u128 a = NET10 | (u128)lo << 96;
		uint64_t w[2];

		put_key(w, a);
		ck_assert_msg(pc_lpm_block_find(blk, ws, w) == scan(v, n, a),
			      "PC_SEED=%llu: half block wrong at 10.0.%u.%u",
			      (unsigned long long)run_seed, lo >> 8, lo & 255);
	}
	free(v);
	free(iv);
	free(par);
	free(blk);
}
END_TEST

/* A bucket of 65,536 one-address intervals (every other address of
 * 10.0.0.0/16 a /32) cannot be a half block (16-bit count): the table
 * falls back to 32-bit starts and still answers every address. */
START_TEST(test_full_bucket)
{
	enum { N = 32768 + 1 };
	struct pc_lpm_pfx *v = calloc(N, sizeof *v);
	struct pc_lpm_iv *iv = calloc(2 * N + 1, sizeof *iv);
	uint32_t *par = calloc(N, sizeof *par);
	size_t n = 0, m, bytes = 0;
	struct pc_lpm t;

	ck_assert(v && iv && par);
	for (uint32_t lo = 0; lo <= 0xffff; lo += 2) {
		put_key(v[n].key, NET10 | (u128)lo << 96);
		v[n].plen = 32;
		v[n].value = (uint32_t)n;
		n++;
	}
	put_key(v[n].key, (u128)0xc0000200u << 96); /* 192.0.2.0/24: nothing in common */
	v[n].plen = 24;
	v[n].value = (uint32_t)n;
	n++;
	m = pc_lpm_intervals(v, n, ROOT, iv, par);
	ck_assert_uint_ge(m, 65536);
	ck_assert_uint_eq(pc_lpm_compact(16, iv, m), 16); /* too many for a 16-bit count */
	ck_assert_int_eq(pc_lpm_build(&t, 1, v, n, ROOT, iv, m, &bytes), 0);
	for (uint32_t lo = 0; lo <= 0xffff; lo++) {
		uint64_t w[2];
		uint32_t want = lo % 2 ? ROOT : lo / 2;

		put_key(w, NET10 | (u128)lo << 96);
		ck_assert_msg(pc_lpm_find(&t, w) == want, "10.0.%u.%u: %u, want %u", lo >> 8,
			      lo & 255, pc_lpm_find(&t, w), want);
	}
	pc_lpm_free(&t);
	free(v);
	free(iv);
	free(par);
}
END_TEST

static Suite *lpm_suite(void)
{
	Suite *s = suite_create("lpm");
	TCase *tc = tcase_create("shapes");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_shape, 0, NSHAPES);
	tcase_add_test(tc, test_half_block);
	tcase_add_test(tc, test_full_bucket);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *seed = getenv("PC_SEED");

	run_seed = seed ? strtoull(seed, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	printf("test_lpm: PC_SEED=%llu\n", (unsigned long long)run_seed);
	fflush(stdout);
	return pc_test_run(lpm_suite());
}
