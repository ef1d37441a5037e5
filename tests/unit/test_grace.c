/* test_grace.c - a published pointer and the wait for its predecessor's
 * readers: readers never see a replaced object after it was poisoned and
 * freed (ASan and TSan builds also catch any use after free), a wait
 * blocks while a reader holds an older pointer and only then. */
#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "grace.h"
#include "helper_fixture.h"

#define LIVE 0x4c495645u
#define DEAD 0xdeadu
#define READERS 3
#define PUBLISHES 2000

struct obj {
	unsigned magic;
	uint64_t id;
	uint64_t twice; /* 2 * id: a torn or reused object shows */
};

static struct obj *obj_new(uint64_t id)
{
	struct obj *o = malloc(sizeof(*o));

	ck_assert_ptr_nonnull(o);
	*o = (struct obj){ LIVE, id, 2 * id };
	return o;
}

static void obj_kill(struct obj *o)
{
	o->magic = DEAD;
	o->twice = 1;
	free(o);
}

struct reader {
	struct pc_grace *g;
	size_t slot;
	atomic_bool *stop;
	atomic_size_t *running; /* readers past their first section */
	uint64_t sections, bad, last_id, went_back;
};

static void *read_loop(void *arg)
{
	struct reader *r = arg;

	while (!atomic_load(r->stop)) {
		struct obj *o = pc_grace_enter(r->g, r->slot);

		for (int k = 0; k < 8; k++)
			if (o->magic != LIVE || o->twice != 2 * o->id)
				r->bad++;
		if (o->id < r->last_id)
			r->went_back++;
		r->last_id = o->id;
		pc_grace_leave(r->g, r->slot);
		if (r->sections++ == 0)
			atomic_fetch_add(r->running, 1);
	}
	return NULL;
}

START_TEST(readers_never_see_a_freed_object)
{
	atomic_bool stop = false;
	atomic_size_t running = 0;
	struct pc_grace *g = pc_grace_new(READERS, obj_new(0));
	struct reader r[READERS];
	pthread_t tid[READERS];

	ck_assert_ptr_nonnull(g);
	for (size_t i = 0; i < READERS; i++) {
		r[i] = (struct reader){ .g = g, .slot = i, .stop = &stop, .running = &running };
		ck_assert_int_eq(pthread_create(&tid[i], NULL, read_loop, &r[i]), 0);
	}
	/* publish only while every reader reads: a busy machine may start them late */
	while (atomic_load(&running) < READERS)
		sched_yield();
	for (uint64_t id = 1; id <= PUBLISHES; id++) {
		struct obj *old = pc_grace_publish(g, obj_new(id));

		ck_assert_uint_eq(old->id, id - 1);
		pc_grace_wait(g);
		obj_kill(old);
	}
	atomic_store(&stop, true);
	for (size_t i = 0; i < READERS; i++) {
		pthread_join(tid[i], NULL);
		ck_assert_uint_eq(r[i].bad, 0);
		ck_assert_uint_eq(r[i].went_back, 0);
		ck_assert_uint_gt(r[i].sections, 0);
	}
	obj_kill(pc_grace_current(g));
	pc_grace_free(g);
}
END_TEST

struct waiter {
	struct pc_grace *g;
	atomic_bool done;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	pc_grace_wait(w->g);
	atomic_store(&w->done, true);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Whether the waiter finishes within ms. */
static bool finishes(struct waiter *w, long ms)
{
	for (long i = 0; i < ms && !atomic_load(&w->done); i++)
		sleep_ms(1);
	return atomic_load(&w->done);
}

START_TEST(wait_blocks_only_for_older_readers)
{
	int a = 1, b = 2, c = 3;
	struct waiter w = { .g = pc_grace_new(2, &a) };
	pthread_t tid;

	ck_assert_ptr_nonnull(w.g);
	ck_assert_ptr_eq(pc_grace_enter(w.g, 0), &a); /* slot 0 holds a */
	ck_assert_ptr_eq(pc_grace_publish(w.g, &b), &a);
	ck_assert_ptr_eq(pc_grace_enter(w.g, 1), &b); /* slot 1 came after */
	atomic_init(&w.done, false);
	ck_assert_int_eq(pthread_create(&tid, NULL, wait_thread, &w), 0);
	ck_assert_msg(!finishes(&w, 100), "the wait ended while a reader held the old pointer");
	pc_grace_leave(w.g, 0);
	ck_assert_msg(finishes(&w, 5000), "the wait did not end when the old reader left");
	pthread_join(tid, NULL);

	/* slot 1 still holds b: a publish of c must wait for it too */
	ck_assert_ptr_eq(pc_grace_publish(w.g, &c), &b);
	atomic_store(&w.done, false);
	ck_assert_int_eq(pthread_create(&tid, NULL, wait_thread, &w), 0);
	ck_assert(!finishes(&w, 100));
	pc_grace_leave(w.g, 1);
	ck_assert(finishes(&w, 5000));
	pthread_join(tid, NULL);
	ck_assert_ptr_eq(pc_grace_current(w.g), &c);
	pc_grace_free(w.g);
}
END_TEST

START_TEST(idle_readers_do_not_block)
{
	int a = 1, b = 2;
	struct pc_grace *g = pc_grace_new(4, &a);

	ck_assert_ptr_nonnull(g);
	pc_grace_enter(g, 2);
	pc_grace_leave(g, 2);
	ck_assert_ptr_eq(pc_grace_publish(g, &b), &a);
	pc_grace_wait(g); /* returns at once: nobody is in a section */
	ck_assert_ptr_eq(pc_grace_enter(g, 3), &b);
	pc_grace_leave(g, 3);
	pc_grace_free(g);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("grace");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, readers_never_see_a_freed_object);
	tcase_add_test(tc, wait_blocks_only_for_older_readers);
	tcase_add_test(tc, idle_readers_do_not_block);
	suite_add_tcase(s, tc);
	return pc_test_run(s);
}
