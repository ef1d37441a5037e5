/* index_groups.c - the groups of a big leaf: the entries of one protocol
 * ranked once, the answer per direction for packets without ports or icmp
 * type, port tiers and an icmp part, each precomputed from every entry it
 * can see (the format: index_int.h) */
#include "index_int.h"

/* A ports tier of k entries may use TIER_MIN + TIER_PER_ENTRY * k table
 * cells and as many steps to build them. Nested ranges with distinct
 * remote ports need about k * k / 2 cells in one table; a group that would
 * exceed the bound is split by rank into tiers asked best first, so memory
 * and build time stay linear in the entries and only such groups pay one
 * more pair of binary searches per tier. */
#define TIER_MIN 4096
#define TIER_PER_ENTRY 32
#define MAX_TIERS UINT16_MAX

/* A ports entry as a tier sees it: its rank and the directions it may win. */
struct pe {
	uint32_t id;
	uint16_t llo, lhi, rlo, rhi;
	uint8_t dmask, rany;
};

/* An entry active in a local-port interval and the directions still open. */
struct act {
	uint32_t pos;
	uint8_t eff;
};

/* A set of positions in a tier, iterated in order (64-ary bit tree). */
struct hbits {
	uint64_t *lv[4];
	size_t nw[4];
	unsigned nlv;
};

static int sort_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Sorts a[0..n) and drops duplicates; returns the new length. */
static size_t sort_unique(uint32_t *a, size_t n)
{
	size_t m = 0;

	if (n <= 16) {
		for (size_t i = 1; i < n; i++) {
			uint32_t v = a[i];
			size_t j = i;

			for (; j > 0 && a[j - 1] > v; j--)
				a[j] = a[j - 1];
			a[j] = v;
		}
	} else {
		sort_n(a, n, sizeof *a, sort_u32_cmp);
	}
	for (size_t i = 0; i < n; i++)
		if (!m || a[m - 1] != a[i])
			a[m++] = a[i];
	return m;
}

/* Index of v in the sorted a[0..n); v must be there. */
static size_t index_of(const uint32_t *a, size_t n, uint32_t v)
{
	size_t lo = 0;

	while (n > 1) {
		size_t half = n / 2;

		if (a[lo + half] <= v)
			lo += half;
		n -= half;
	}
	return lo;
}

static int hb_init(struct hbits *h, struct vec *store, size_t k)
{
	size_t n = k ? k : 1, total = 0;
	uint64_t *w;

	h->nlv = 0;
	do {
		if (h->nlv == 4) {
			errno = E2BIG;
			return -1;
		}
		n = (n + 63) / 64;
		h->nw[h->nlv++] = n;
		total += n;
	} while (n > 1);
	w = vec_scratch(store, total);
	if (!w)
		return -1;
	memset(w, 0, total * sizeof *w);
	for (unsigned l = 0; l < h->nlv; w += h->nw[l++])
		h->lv[l] = w;
	return 0;
}

static void hb_set(struct hbits *h, size_t pos)
{
	for (unsigned l = 0; l < h->nlv; l++, pos >>= 6)
		h->lv[l][pos >> 6] |= UINT64_C(1) << (pos & 63);
}

static void hb_clear(struct hbits *h, size_t pos)
{
	for (unsigned l = 0; l < h->nlv; l++, pos >>= 6) {
		h->lv[l][pos >> 6] &= ~(UINT64_C(1) << (pos & 63));
		if (h->lv[l][pos >> 6])
			break;
	}
}

/* The first position >= pos in the set, or SIZE_MAX. */
static size_t hb_next(const struct hbits *h, size_t pos)
{
	unsigned l = 0;

	for (;; l++) {
		size_t w = pos >> 6;
		uint64_t m;

		if (l == h->nlv || w >= h->nw[l])
			return SIZE_MAX;
		m = h->lv[l][w] & (UINT64_MAX << (pos & 63));
		if (m) {
			pos = w << 6 | (size_t)__builtin_ctzll(m);
			break;
		}
		pos = w + 1;
	}
	while (l-- > 0)
		pos = pos << 6 | (size_t)__builtin_ctzll(h->lv[l][pos]);
	return pos;
}

/* Appends m remote-port (or icmp key) cells. Returns 0, or -1 with errno. */
static int cells_add(struct group_builder *gb, size_t m, uint16_t **st, uint32_t **cl)
{
	if (!vec_add(&gb->out->cstart, m) || !vec_add(&gb->out->cell, 2 * m))
		return -1;
	*st = VAT(gb->out->cstart, uint16_t) + gb->out->cstart.n - m;
	*cl = VAT(gb->out->cell, uint32_t) + gb->out->cell.n - 2 * m;
	return 0;
}

static void dsu_paint(uint32_t *nx, uint32_t *cell, unsigned d, size_t lo, size_t hi, uint32_t id)
{
	size_t i = lo;

	for (;;) {
		while (nx[i] != i) {
			nx[i] = nx[nx[i]];
			i = nx[i];
		}
		if (i > hi)
			return;
		cell[2 * i + d] = id;
		nx[i] = (uint32_t)i + 1;
	}
}

/* A tier being built: its entries, and their remote-port bounds (each
 * rlo and rhi + 1) numbered in rvals[0..nrv), so that an interval's table
 * can list its bounds in order through the bit set rset. */
struct tierctx {
	const struct pe *pe;
	size_t k;
	uint32_t *rvals; /* sorted distinct bounds, rvals[0] = 0 */
	size_t nrv;
	uint32_t *rr;    /* per entry: number of rlo, of rhi + 1 (nrv: none) */
	uint32_t *pos;   /* a bound's place in the table being made */
	struct hbits rset;
};

/* The remote-port table of one local-port interval from its active entries
 * (best first): into gb->tier.rstarts / gb->tier.rcells, adjacent equal cells merged.
 * Scratch space is reserved by the caller. Returns the number of cells. */
static size_t make_rtab(struct group_builder *gb, struct tierctx *t, const struct act *a, size_t na)
{
	uint32_t *rb = gb->tier.rports.p, *cell = gb->tier.rcells.p, *nx = gb->tier.unpainted.p;
	uint16_t *st = gb->tier.rstarts.p;
	size_t nr = 0, m = 0;

	if (!na)
		return 0;
	hb_set(&t->rset, 0);
	for (size_t i = 0; i < na; i++) {
		hb_set(&t->rset, t->rr[2 * a[i].pos]);
		if (t->rr[2 * a[i].pos + 1] < t->nrv)
			hb_set(&t->rset, t->rr[2 * a[i].pos + 1]);
	}
	for (size_t r = hb_next(&t->rset, 0); r != SIZE_MAX; r = hb_next(&t->rset, r + 1)) {
		hb_clear(&t->rset, r);
		t->pos[r] = (uint32_t)nr;
		rb[nr++] = t->rvals[r];
	}
	for (size_t i = 0; i < 2 * nr; i++)
		cell[i] = NONE;
	for (size_t i = 0; i <= nr; i++)
		nx[i] = nx[nr + 1 + i] = (uint32_t)i;
	for (size_t i = 0; i < na; i++) {
		const uint32_t *rr = &t->rr[2 * a[i].pos];
		size_t lo = t->pos[rr[0]], hi = rr[1] == t->nrv ? nr - 1 : t->pos[rr[1]] - 1u;

		for (unsigned d = 0; d < NDIR; d++)
			if (a[i].eff & 1u << d)
				dsu_paint(nx + d * (nr + 1), cell, d, lo, hi, t->pe[a[i].pos].id);
	}
	for (size_t i = 0; i < nr; i++) {
		if (m && cell[2 * m - 2] == cell[2 * i] && cell[2 * m - 1] == cell[2 * i + 1])
			continue;
		st[m] = (uint16_t)rb[i];
		cell[2 * m] = cell[2 * i];
		cell[2 * m + 1] = cell[2 * i + 1];
		m++;
	}
	return m;
}

/* Numbers the remote-port bounds of the tier's entries (see tierctx). */
static int tier_rbounds(struct group_builder *gb, struct tierctx *t)
{
	size_t n = 0;

	t->rvals = vec_scratch(&gb->tier.rvals, 2 * t->k + 1);
	t->rr = vec_scratch(&gb->tier.rbound_of, 2 * t->k);
	if (!t->rvals || !t->rr)
		return -1;
	t->rvals[n++] = 0;
	for (size_t i = 0; i < t->k; i++) {
		t->rvals[n++] = t->pe[i].rlo;
		if (t->pe[i].rhi < UINT16_MAX)
			t->rvals[n++] = t->pe[i].rhi + 1u;
	}
	t->nrv = sort_unique(t->rvals, n);
	for (size_t i = 0; i < t->k; i++) {
		t->rr[2 * i] = (uint32_t)index_of(t->rvals, t->nrv, t->pe[i].rlo);
		t->rr[2 * i + 1] = t->pe[i].rhi == UINT16_MAX ?
					   (uint32_t)t->nrv :
					   (uint32_t)index_of(t->rvals, t->nrv, t->pe[i].rhi + 1u);
	}
	t->pos = vec_scratch(&gb->tier.rbound_pos, t->nrv);
	if (!t->pos || hb_init(&t->rset, &gb->tier.rbound_set, t->nrv) < 0)
		return -1;
	return 0;
}

/* The entries active in the current interval that can still win, best
 * first: an entry with any remote port hides the later ones of its
 * directions. Adds the entries visited to *work. */
static size_t gather(const struct hbits *hb, const struct pe *pe, struct act *a, size_t *work)
{
	unsigned dead = 0;
	size_t na = 0;

	for (size_t x = hb_next(hb, 0); x != SIZE_MAX; x = hb_next(hb, x + 1)) {
		unsigned eff = pe[x].dmask & ~dead;

		++*work;
		if (!eff)
			continue;
		a[na].pos = (uint32_t)x;
		a[na++].eff = (uint8_t)eff;
		if (pe[x].rany) {
			dead |= eff;
			if (dead == 3)
				break;
		}
	}
	return na;
}

/* The sorted distinct local-port interval starts of a tier, into gb->tier.lbounds. */
static size_t tier_bounds(struct group_builder *gb, const struct pe *pe, size_t k)
{
	uint32_t *lb = gb->tier.lbounds.p;
	size_t n = 0;

	lb[n++] = 0;
	for (size_t i = 0; i < k; i++) {
		lb[n++] = pe[i].llo;
		if (pe[i].lhi < UINT16_MAX)
			lb[n++] = pe[i].lhi + 1u;
	}
	return sort_unique(lb, n);
}

/* Start and end events of the tier's entries, sorted by interval: each is
 * interval << 33 | start << 32 | position. Returns their number. */
static size_t tier_events(struct group_builder *gb, const struct pe *pe, size_t k, size_t nl)
{
	const uint32_t *lb = gb->tier.lbounds.p;
	uint64_t *ev = gb->tier.events.p;
	size_t n = 0;

	for (size_t i = 0; i < k; i++) {
		ev[n++] = (uint64_t)index_of(lb, nl, pe[i].llo) << 33 | UINT64_C(1) << 32 | i;
		if (pe[i].lhi < UINT16_MAX)
			ev[n++] = (uint64_t)index_of(lb, nl, pe[i].lhi + 1u) << 33 | i;
	}
	sort_n(ev, n, sizeof *ev, sort_u64_cmp);
	return n;
}

static int tier_scratch(struct group_builder *gb, size_t k)
{
	size_t nb = 2 * k + 1;

	if (!vec_scratch(&gb->tier.lbounds, nb) || !vec_scratch(&gb->tier.events, 2 * k) ||
	    !vec_scratch(&gb->tier.active, k) || !vec_scratch(&gb->tier.rports, nb) ||
	    !vec_scratch(&gb->tier.rcells, 2 * nb) ||
	    !vec_scratch(&gb->tier.unpainted, 2 * (nb + 1)) || !vec_scratch(&gb->tier.rstarts, nb))
		return -1;
	return 0;
}

/* True when the m cells just made equal the table last added to the tier. */
static bool same_as_last(const struct group_builder *gb, size_t l0, size_t m)
{
	const struct lcell *last;

	if (gb->out->lcell.n == l0)
		return false;
	last = VAT(gb->out->lcell, struct lcell) + gb->out->lcell.n - 1;
	if (last->n != m)
		return false;
	return !m || (!memcmp(VAT(gb->out->cstart, uint16_t) + last->off, gb->tier.rstarts.p,
			      m * sizeof(uint16_t)) &&
		      !memcmp(VAT(gb->out->cell, uint32_t) + 2 * (size_t)last->off,
			      gb->tier.rcells.p, 2 * m * sizeof(uint32_t)));
}

/* Adds the interval starting at port lo with the m cells just made. */
static int tier_push(struct group_builder *gb, uint32_t lo, size_t m)
{
	uint16_t *ls = vec_add(&gb->out->lstart, 1), *st;
	struct lcell *lc = vec_add(&gb->out->lcell, 1);
	uint32_t *cl;

	if (!ls || !lc)
		return -1;
	*ls = (uint16_t)lo;
	lc->off = (uint32_t)gb->out->cstart.n;
	lc->n = (uint32_t)m;
	if (!m)
		return 0;
	if (cells_add(gb, m, &st, &cl) < 0)
		return -1;
	memcpy(st, gb->tier.rstarts.p, m * sizeof *st);
	memcpy(cl, gb->tier.rcells.p, 2 * m * sizeof *cl);
	return 0;
}

/* Builds one tier from pe[0..k). Returns 1, 0 when it would exceed its
 * bound (nothing added), or -1 with errno. */
static int build_tier(struct group_builder *gb, const struct pe *pe, size_t k)
{
	size_t budget = TIER_MIN + TIER_PER_ENTRY * k, work = 0;
	size_t l0 = gb->out->lstart.n, c0 = gb->out->cstart.n, nl, nev, e = 0;
	struct tierctx ctx = { .pe = pe, .k = k };
	struct hbits hb;
	struct tier *t;

	if (tier_scratch(gb, k) < 0 || hb_init(&hb, &gb->tier.active_set, k) < 0 ||
	    tier_rbounds(gb, &ctx) < 0)
		return -1;
	nl = tier_bounds(gb, pe, k);
	nev = tier_events(gb, pe, k, nl);
	for (size_t j = 0; j < nl; j++) {
		const uint64_t *ev = gb->tier.events.p;
		size_t na, m;

		for (; e < nev && ev[e] >> 33 == j; e++) {
			if (ev[e] >> 32 & 1)
				hb_set(&hb, (uint32_t)ev[e]);
			else
				hb_clear(&hb, (uint32_t)ev[e]);
		}
		na = gather(&hb, pe, gb->tier.active.p, &work);
		m = make_rtab(gb, &ctx, gb->tier.active.p, na);
		work += na + 1;
		if (!same_as_last(gb, l0, m) &&
		    tier_push(gb, VAT(gb->tier.lbounds, uint32_t)[j], m) < 0)
			return -1;
		if (work > budget || gb->out->cstart.n - c0 > budget) {
			gb->out->lstart.n = gb->out->lcell.n = l0;
			gb->out->cstart.n = c0;
			gb->out->cell.n = 2 * c0;
			return 0;
		}
	}
	t = vec_add(&gb->out->tier, 1);
	if (!t)
		return -1;
	t->l_off = (uint32_t)l0;
	t->n_l = (uint32_t)(gb->out->lstart.n - l0);
	return 1;
}

static bool ent_pany(const struct ent *e)
{
	return e->llo == 0 && e->lhi == UINT16_MAX && e->rlo == 0 && e->rhi == UINT16_MAX;
}

/* The ports entries that can win (kind none or ports), best first; an
 * entry with any ports hides the later ones of its directions. Returns
 * their number in gb->tier.entries, 0 when no entry needs ports. */
static size_t ports_entries(struct group_builder *gb, const struct ent *e, size_t n)
{
	struct pe *pe = gb->tier.entries.p;
	unsigned dead = 0;
	bool need = false;
	size_t k = 0;

	for (size_t i = 0; i < n && dead != 3; i++) {
		unsigned eff = e[i].dmask & ~dead;

		if ((e[i].kind & KIND_ICMP) || !eff)
			continue;
		pe[k].id = (uint32_t)i;
		pe[k].llo = e[i].llo;
		pe[k].lhi = e[i].lhi;
		pe[k].rlo = e[i].rlo;
		pe[k].rhi = e[i].rhi;
		pe[k].dmask = (uint8_t)eff;
		pe[k].rany = e[i].rlo == 0 && e[i].rhi == UINT16_MAX;
		need |= e[i].kind == KIND_PORTS;
		if (ent_pany(&e[i]))
			dead |= eff;
		k++;
	}
	return need ? k : 0;
}

static int build_ports(struct group_builder *gb, struct group *g, const struct ent *e, size_t n)
{
	size_t k, done = 0, m;

	if (!vec_scratch(&gb->tier.entries, n))
		return -1;
	k = ports_entries(gb, e, n);
	g->tier_off = (uint32_t)gb->out->tier.n;
	for (m = k; done < k;) {
		size_t take = m < k - done ? m : k - done;
		int r = build_tier(gb, VAT(gb->tier.entries, struct pe) + done, take);

		if (r < 0)
			return -1;
		if (r == 0) {
			m = take > 1 ? take / 2 : 1;
			continue;
		}
		if (gb->out->tier.n - g->tier_off > MAX_TIERS) {
			errno = E2BIG;
			return -1;
		}
		done += take;
		m = 2 * take;
	}
	g->n_tier = (uint16_t)(gb->out->tier.n - g->tier_off);
	return 0;
}

/* An icmp key of a group: (type << 8 | code) or type, the entry, its directions. */
struct ikey {
	uint32_t key, id;
	uint8_t dmask;
};

static int ikey_cmp(const void *a, const void *b)
{
	const struct ikey *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* Adds the keys of level lev (1 type, 2 type and code), each with the best
 * entry per direction, else the fallback of *fb (type keys, then any).
 * Returns the offset of the first key, or -1 with errno; *nk is set. */
static long icmp_level(struct group_builder *gb, const struct ent *e, size_t n, unsigned lev,
		       const struct icmppart *fb, uint32_t *nk)
{
	struct ikey *ik = vec_scratch(&gb->ikeys, n);
	size_t k = 0, m = 0, off = gb->out->cstart.n;

	if (!ik)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (e[i].kind == KIND_ICMP && e[i].ilev == lev)
			ik[k++] = (struct ikey){ lev == 2 ? (uint32_t)e[i].itype << 8 |
								(uint32_t)e[i].icode
							  : (uint32_t)e[i].itype,
						 (uint32_t)i, e[i].dmask };
	sort_n(ik, k, sizeof *ik, ikey_cmp);
	for (size_t i = 0; i < k; i++) {
		uint16_t *st;
		uint32_t *cl;

		if (!m || VAT(gb->out->cstart, uint16_t)[gb->out->cstart.n - 1] != ik[i].key) {
			if (cells_add(gb, 1, &st, &cl) < 0)
				return -1;
			*st = (uint16_t)ik[i].key;
			cl[0] = cl[1] = NONE;
			m++;
		}
		cl = VAT(gb->out->cell, uint32_t) + gb->out->cell.n - 2;
		for (unsigned d = 0; d < NDIR; d++)
			if ((ik[i].dmask & 1u << d) && cl[d] == NONE)
				cl[d] = ik[i].id;
	}
	for (size_t i = 0; i < m; i++) {
		uint32_t *cl = VAT(gb->out->cell, uint32_t) + 2 * (off + i);
		unsigned type = VAT(gb->out->cstart, uint16_t)[off + i] >> 8;
		size_t t = lev == 2
			       ? find_eq(VAT(gb->out->cstart, uint16_t) + fb->t_off, fb->n_t, type)
			       : fb->n_t;

		for (unsigned d = 0; d < NDIR; d++) {
			uint32_t alt = t < fb->n_t
					   ? VAT(gb->out->cell, uint32_t)[2 * (fb->t_off + t) + d]
					   : fb->any[d];

			if (alt < cl[d])
				cl[d] = alt;
		}
	}
	*nk = (uint32_t)m;
	return (long)off;
}

static int build_icmp(struct group_builder *gb, struct group *g, const struct ent *e, size_t n)
{
	struct icmppart ip = { 0, 0, 0, 0, { NONE, NONE } };
	struct icmppart *p;
	bool need = false;
	long off;

	for (size_t i = 0; i < n; i++) {
		if (e[i].kind & KIND_PORTS)
			continue;
		need |= e[i].kind == KIND_ICMP;
		for (unsigned d = 0; d < NDIR; d++)
			if ((e[i].dmask & 1u << d) && e[i].ilev == 0 && ip.any[d] == NONE)
				ip.any[d] = (uint32_t)i;
	}
	if (!need)
		return 0;
	off = icmp_level(gb, e, n, 1, &ip, &ip.n_t);
	if (off < 0)
		return -1;
	ip.t_off = (uint32_t)off;
	off = icmp_level(gb, e, n, 2, &ip, &ip.n_tc);
	if (off < 0)
		return -1;
	ip.tc_off = (uint32_t)off;
	p = vec_add(&gb->out->icmp, 1);
	if (!p)
		return -1;
	*p = ip;
	g->icmp = (uint32_t)(gb->out->icmp.n - 1);
	return 0;
}

static void mark(uint32_t *ref, uint32_t id)
{
	if (id != NONE)
		ref[id] = 1;
}

static uint32_t remap(const uint32_t *ref, uint32_t id)
{
	return id == NONE ? NONE : ref[id];
}

/* Renames the group's answers from entries to rules; a ranked group keeps
 * ranks, counting only the entries some answer names, with their rules in
 * ent_rule. Cells from c0 on are the group's. */
static int compact_group(struct group_builder *gb, struct group *g, const struct ent *e, size_t n,
			 size_t c0)
{
	uint32_t *ref = vec_scratch(&gb->ref, n), *cell = gb->out->cell.p, *rule;
	struct icmppart *ip =
	    g->icmp == NONE ? NULL : VAT(gb->out->icmp, struct icmppart) + g->icmp;
	size_t used = 0;

	if (!ref)
		return -1;
	memset(ref, 0, n * sizeof *ref);
	for (unsigned d = 0; d < NDIR; d++) {
		mark(ref, g->plain[d]);
		if (ip)
			mark(ref, ip->any[d]);
	}
	for (size_t i = 2 * c0; i < gb->out->cell.n; i++)
		mark(ref, cell[i]);
	for (size_t i = 0; i < n; i++)
		used += ref[i];
	if (gb->out->ent_rule.n + used >= NONE) {
		errno = E2BIG;
		return -1;
	}
	rule = group_ranked(g) ? vec_add(&gb->out->ent_rule, used) : NULL;
	if (group_ranked(g) && !rule)
		return -1;
	for (size_t i = 0, u = 0; i < n; i++) {
		if (!ref[i])
			continue;
		if (!rule) {
			ref[i] = e[i].rule;
			continue;
		}
		rule[u] = e[i].rule;
		ref[i] = (uint32_t)(gb->out->ent_rule.n - used + u++);
	}
	for (unsigned d = 0; d < NDIR; d++) {
		g->plain[d] = remap(ref, g->plain[d]);
		if (ip)
			ip->any[d] = remap(ref, ip->any[d]);
	}
	for (size_t i = 2 * c0; i < gb->out->cell.n; i++)
		cell[i] = remap(ref, cell[i]);
	return 0;
}

int pc_ix_build_group(struct group_builder *gb, unsigned proto, struct ent *e, size_t n)
{
	struct group g = { { NONE, NONE }, 0, NONE, (uint16_t)proto, 0 };
	size_t c0 = gb->out->cstart.n;
	struct group *gp;

	sort_n(e, n, sizeof *e, ent_cmp);
	for (size_t i = 0; i < n; i++)
		for (unsigned d = 0; d < NDIR; d++)
			if (!e[i].kind && (e[i].dmask & 1u << d) && g.plain[d] == NONE)
				g.plain[d] = (uint32_t)i;
	if (build_ports(gb, &g, e, n) < 0 || build_icmp(gb, &g, e, n) < 0 ||
	    compact_group(gb, &g, e, n, c0) < 0)
		return -1;
	if (gb->out->cstart.n >= NONE || gb->out->lstart.n >= NONE || gb->out->tier.n >= NONE) {
		errno = E2BIG;
		return -1;
	}
	gp = vec_add(&gb->out->grp, 1);
	if (!gp)
		return -1;
	*gp = g;
	return 0;
}

void pc_ix_groups_init(struct group_builder *gb, struct tables *out)
{
	*gb = (struct group_builder){
		.out = out,
		.tier = { .entries = VEC(struct pe),
			  .lbounds = VEC(uint32_t),
			  .events = VEC(uint64_t),
			  .active = VEC(struct act),
			  .active_set = VEC(uint64_t),
			  .rvals = VEC(uint32_t),
			  .rbound_of = VEC(uint32_t),
			  .rbound_pos = VEC(uint32_t),
			  .rbound_set = VEC(uint64_t),
			  .rports = VEC(uint32_t),
			  .rcells = VEC(uint32_t),
			  .rstarts = VEC(uint16_t),
			  .unpainted = VEC(uint32_t) },
		.ikeys = VEC(struct ikey),
		.ref = VEC(uint32_t),
	};
}

void pc_ix_groups_free(struct group_builder *gb)
{
	struct tier_scratch *t = &gb->tier;
	struct vec *all[] = {
		&t->entries, &t->lbounds, &t->events, &t->active, &t->active_set, &t->rvals,
		&t->rbound_of, &t->rbound_pos, &t->rbound_set, &t->rports, &t->rcells, &t->rstarts,
		&t->unpainted, &gb->ikeys, &gb->ref,
	};

	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		vec_free(all[i]);
}
