/* shadow.c - enabled rules that can never decide a packet (what and why: shadow.h)
 *
 * Every box of every enabled rule goes into one array sorted field by field,
 * most significant first (remote, local, protocol, local-port, remote-port,
 * icmp-type, direction: the order of match.h), then by rank (pc_rank_cmp:
 * deny before permit, then file order). So boxes
 * equal to a box B in the fields before f form one run, sorted by f, and the
 * prefixes strictly inside B's prefix are a contiguous part of it. A cover
 * along f is one sweep along that run, which stops at the first gap. */
#include "shadow.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"

#define SWEEP_STEPS (1ul << 17) /* boxes one cover attempt may visit */
#define TOTAL_STEPS (1ul << 23) /* boxes all attempts of one check may visit */
#define ALL_FIELDS (PC_FIELD_DIR + 1) /* sort level past direction: the rank */
#define METHOD_TIE 0             /* other methods are the field swept along */
#define MAX_NAMES 3
#define PORT_SPAN 65536l

/* One combination of a rule's list elements; addresses masked to their length. */
struct box {
	struct pc_prefix remote, local;
	struct pc_portrange lport, rport;
	struct pc_icmpspec icmp;
	int16_t proto;
	uint8_t dir;
	uint64_t rank; /* pc_rank_key */
	size_t rule;
};

struct shadow {
	const struct pc_rule *rules;
	size_t n_rules;
	struct box *box; /* sorted */
	size_t n_box;
	size_t run_lo, run_hi; /* the boxes with the remote-address of the box checked */
	size_t *n_boxes; /* boxes of each rule in box[] (0: not there, not checked) */
	size_t *stamp;   /* stamp[s] == cur + 1: s is already counted for cur */
	size_t cur;      /* the rule being checked */
	unsigned long sweep, total; /* steps left for this attempt, for all */
	bool limited;    /* the total applies (first pass) */
	bool record;     /* note the covering rules (second pass) */
	size_t n_cover, names[MAX_NAMES];
	enum pc_field why; /* what settled every box; PC_FIELD_NONE when they differ */
	bool why_set;
};

static unsigned family_bits(uint8_t family)
{
	return family == PC_FAM_V4 ? 32 : family == PC_FAM_V6 ? 128 : 0;
}

static long port_width(const struct pc_portrange *r)
{
	return (long)r->hi - r->lo + 1;
}

/* The specificity of a match through box x of rule r. */
static struct pc_spec box_spec(const struct pc_rule *r, const struct box *x)
{
	return pc_elems_spec(r, x->remote.plen, x->local.plen, &x->lport, &x->rport, &x->icmp);
}

/* Monotone in (type, code) with "any" first: the icmp sort key. */
static long icmp_key(const struct pc_icmpspec *x)
{
	return (long)x->type * 257 + x->code + 1;
}

/* ---- validity and boxes ---- */

static bool prefix_valid(const struct pc_prefix *p)
{
	if (p->family == PC_FAM_ANY)
		return p->plen == 0;
	return family_bits(p->family) && p->plen <= family_bits(p->family);
}

static bool icmp_valid(const struct pc_icmpspec *x)
{
	if (x->type == PC_ICMP_ANY)
		return x->code == PC_ICMP_ANY;
	return x->type >= 0 && x->type <= 255 && x->code >= PC_ICMP_ANY && x->code <= 255;
}

/* Elements a built (not loaded) policy could get wrong are left alone. */
static bool rule_valid(const struct pc_rule *r)
{
	bool ok = r->proto >= PC_PROTO_ANY && r->proto <= 255 && r->dir >= PC_DIR_IN &&
		  r->dir <= PC_DIR_BOTH;

	for (size_t i = 0; ok && i < r->n_remote; i++)
		ok = prefix_valid(&r->remote[i]);
	for (size_t i = 0; ok && i < r->n_local; i++)
		ok = prefix_valid(&r->local[i]);
	for (size_t i = 0; ok && i < r->n_lport; i++)
		ok = r->lport[i].lo <= r->lport[i].hi;
	for (size_t i = 0; ok && i < r->n_rport; i++)
		ok = r->rport[i].lo <= r->rport[i].hi;
	for (size_t i = 0; ok && i < r->n_icmp; i++)
		ok = icmp_valid(&r->icmp[i]);
	return ok;
}

/* Number of boxes of r; 0 when it is invalid or has more than PC_SHADOW_RULE_BOXES. */
static size_t rule_boxes(const struct pc_rule *r)
{
	const size_t n[] = { r->n_remote, r->n_local, r->n_lport, r->n_rport, r->n_icmp };
	size_t total = 1;

	if (!rule_valid(r))
		return 0;
	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		if (!n[i] || n[i] > PC_SHADOW_RULE_BOXES / total)
			return 0;
		total *= n[i];
	}
	return total;
}

/* Box k of rule idx. Returns false when it matches no packet (families differ). */
static bool make_box(const struct pc_rule *r, size_t idx, size_t k, struct box *b)
{
	struct pc_spec spec;

	memset(b, 0, sizeof(*b));
	b->remote = r->remote[k % r->n_remote];
	k /= r->n_remote;
	b->local = r->local[k % r->n_local];
	k /= r->n_local;
	b->lport = r->lport[k % r->n_lport];
	k /= r->n_lport;
	b->rport = r->rport[k % r->n_rport];
	k /= r->n_rport;
	b->icmp = r->icmp[k % r->n_icmp];
	pc_addr_mask(b->remote.addr, b->remote.plen);
	pc_addr_mask(b->local.addr, b->local.plen);
	b->proto = (int16_t)r->proto;
	b->dir = (uint8_t)r->dir;
	spec = box_spec(r, b);
	b->rank = pc_rank_key(&spec, r->action);
	b->rule = idx;
	return !b->remote.family || !b->local.family || b->remote.family == b->local.family;
}

/* ---- order ---- */

static int cmp_long(long a, long b)
{
	return (a > b) - (a < b);
}

/* memcmp of two addresses, a word at a time (the hot spot of sorting and searching). */
static int cmp_addr(const uint8_t *a, const uint8_t *b)
{
	for (unsigned i = 0; i < 16; i += 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return be64toh(x) < be64toh(y) ? -1 : 1;
	}
	return 0;
}

static int cmp_prefix(const struct pc_prefix *a, const struct pc_prefix *b)
{
	int c = cmp_long(a->family, b->family);

	if (!c)
		c = cmp_addr(a->addr, b->addr);
	return c ? c : cmp_long(a->plen, b->plen);
}

static int cmp_range(const struct pc_portrange *a, const struct pc_portrange *b)
{
	int c = cmp_long(a->lo, b->lo);

	return c ? c : cmp_long(a->hi, b->hi);
}

static int cmp_field(const struct box *a, const struct box *b, int f)
{
	switch (f) {
	case PC_FIELD_REMOTE:
		return cmp_prefix(&a->remote, &b->remote);
	case PC_FIELD_LOCAL:
		return cmp_prefix(&a->local, &b->local);
	case PC_FIELD_PROTO:
		return cmp_long(a->proto, b->proto);
	case PC_FIELD_LPORT:
		return cmp_range(&a->lport, &b->lport);
	case PC_FIELD_RPORT:
		return cmp_range(&a->rport, &b->rport);
	case PC_FIELD_ICMP:
		return cmp_long(icmp_key(&a->icmp), icmp_key(&b->icmp));
	case PC_FIELD_DIR:
		return cmp_long(a->dir, b->dir);
	default:
		return pc_rank_cmp(a->rank, a->rule, b->rank, b->rule, NULL);
	}
}

/* Compares the fields up to level, most significant first (level 0: equal). */
static int box_cmp(const struct box *a, const struct box *b, int level)
{
	for (int f = PC_FIELD_REMOTE; f <= level; f++) {
		int c = cmp_field(a, b, f);
		if (c)
			return c;
	}
	return 0;
}

static int box_qsort_cmp(const void *a, const void *b)
{
	return box_cmp(a, b, ALL_FIELDS);
}

/* The first box of [lo, hi) not before probe (upper: not before or equal to it)
 * in the fields up to level. Gallops from lo, near which it usually is. */
static size_t search(const struct shadow *s, size_t lo, size_t hi, const struct box *probe,
		     int level, bool upper)
{
	size_t end = lo, step = 1;

	while (end < hi && box_cmp(&s->box[end], probe, level) < upper) {
		lo = end + 1;
		end = lo + step;
		step *= 2;
	}
	if (end > hi)
		end = hi;
	while (lo < end) {
		size_t mid = lo + (end - lo) / 2;
		if (box_cmp(&s->box[mid], probe, level) < upper)
			lo = mid + 1;
		else
			end = mid;
	}
	return lo;
}

/* ---- containment and specificity of one field ---- */

static bool range_covers(const struct pc_portrange *o, const struct pc_portrange *i)
{
	return o->lo <= i->lo && o->hi >= i->hi;
}

static bool icmp_covers(const struct pc_icmpspec *o, const struct pc_icmpspec *i)
{
	return o->type == PC_ICMP_ANY ||
	       (o->type == i->type && (o->code == PC_ICMP_ANY || o->code == i->code));
}

/* True when field f of c admits every packet field f of b admits. */
static bool field_covers(const struct box *c, const struct box *b, int f)
{
	switch (f) {
	case PC_FIELD_REMOTE:
		return pc_prefix_covers(&c->remote, &b->remote);
	case PC_FIELD_LOCAL:
		return pc_prefix_covers(&c->local, &b->local);
	case PC_FIELD_PROTO:
		return c->proto == PC_PROTO_ANY || c->proto == b->proto;
	case PC_FIELD_LPORT:
		return range_covers(&c->lport, &b->lport);
	case PC_FIELD_RPORT:
		return range_covers(&c->rport, &b->rport);
	case PC_FIELD_ICMP:
		return icmp_covers(&c->icmp, &b->icmp);
	default:
		return (c->dir & b->dir) == b->dir;
	}
}

/* True when c admits all b admits in every field less significant than f. */
static bool covers_after(const struct box *c, const struct box *b, int f)
{
	for (int g = f + 1; g <= PC_FIELD_DIR; g++)
		if (!field_covers(c, b, g))
			return false;
	return true;
}

/* The score of field f of box x (greater is more specific, see match.h). */
static uint32_t field_spec(const struct shadow *s, const struct box *x, int f)
{
	struct pc_spec spec = box_spec(&s->rules[x->rule], x);

	return pc_spec_score(&spec, (enum pc_field)f);
}

/* ---- bookkeeping ---- */

static bool step(struct shadow *s)
{
	if (!s->sweep)
		return false;
	s->sweep--;
	if (!s->limited)
		return true;
	if (!s->total)
		return false;
	s->total--;
	return true;
}

static void note(struct shadow *s, size_t rule)
{
	if (!s->record || rule == s->cur || s->stamp[rule] == s->cur + 1)
		return;
	s->stamp[rule] = s->cur + 1;
	if (s->n_cover < MAX_NAMES)
		s->names[s->n_cover] = rule;
	s->n_cover++;
}

static bool settled(struct shadow *s, enum pc_field f)
{
	if (!s->record)
		return true;
	if (!s->why_set)
		s->why = f;
	else if (s->why != f)
		s->why = PC_FIELD_NONE;
	s->why_set = true;
	return true;
}

/* ---- the methods ---- */

/* An identical box of another rule that wins the tie: the first of b's run,
 * the boxes equal to b in every field being sorted by rank. */
static bool cover_tie(struct shadow *s, const struct box *b)
{
	enum pc_field why;
	size_t i = search(s, s->run_lo, s->run_hi, b, PC_FIELD_DIR, false);

	if (i == s->run_hi || box_cmp(&s->box[i], b, PC_FIELD_DIR) || s->box[i].rule == s->cur)
		return false;
	note(s, s->box[i].rule);
	pc_rank_cmp(s->box[i].rank, s->box[i].rule, b->rank, b->rule, &why);
	return settled(s, why);
}

/* The first address after p into next. Returns false past the end of its family. */
static bool prefix_end(const struct pc_prefix *p, uint8_t next[16])
{
	memcpy(next, p->addr, 16);
	if (!p->plen)
		return false;
	unsigned add = 0x80u >> ((p->plen - 1) % 8);
	for (int i = (p->plen - 1) / 8; i >= 0; i--) {
		unsigned v = next[i] + add;
		next[i] = (uint8_t)v;
		if (v < 0x100)
			return true;
		add = 1;
	}
	return false;
}

/* Covers t (b's prefix in field f, or one family of "any") with prefixes
 * strictly inside it of boxes equal to b before f and admitting all of b after f. */
static bool sweep_prefix(struct shadow *s, const struct box *b, int f, const struct pc_prefix *t)
{
	struct box probe = *b;
	struct pc_prefix *pp = f == PC_FIELD_REMOTE ? &probe.remote : &probe.local;
	uint8_t next[16], end[16];

	if (t->plen >= family_bits(t->family))
		return false;
	*pp = *t;
	pp->plen++;
	memcpy(next, t->addr, sizeof(next));
	/* Inside b's remote-address: after its run; inside its local-address: in it. */
	size_t stop = f == PC_FIELD_REMOTE ? s->n_box : s->run_hi;
	size_t i = search(s, f == PC_FIELD_REMOTE ? s->run_hi : s->run_lo, stop, &probe, f, false);
	for (; i < stop; i++) {
		const struct box *c = &s->box[i];
		const struct pc_prefix *cp = f == PC_FIELD_REMOTE ? &c->remote : &c->local;
		if (box_cmp(c, b, f - 1) || !pc_prefix_covers(t, cp))
			break;
		if (cmp_addr(cp->addr, next) > 0 || !step(s))
			return false;
		if (!covers_after(c, b, f))
			continue;
		bool past_family = !prefix_end(cp, end);
		if (!past_family && cmp_addr(end, next) <= 0)
			continue;
		note(s, c->rule);
		if (past_family || !pc_prefix_contains(t, t->family, end))
			return true;
		memcpy(next, end, sizeof(next));
	}
	return false;
}

static bool cover_prefix(struct shadow *s, const struct box *b, int f)
{
	static const struct pc_prefix all4 = { .family = PC_FAM_V4 };
	static const struct pc_prefix all6 = { .family = PC_FAM_V6 };
	const struct pc_prefix *t = f == PC_FIELD_REMOTE ? &b->remote : &b->local;

	if (t->family != PC_FAM_ANY)
		return sweep_prefix(s, b, f, t);
	return sweep_prefix(s, b, f, &all4) && sweep_prefix(s, b, f, &all6);
}

/* Field f of x as integers lo..hi, lo monotone in the index order. */
static void field_ivl(const struct box *x, int f, long *lo, long *hi)
{
	switch (f) {
	case PC_FIELD_PROTO:
		*lo = *hi = x->proto;
		break;
	case PC_FIELD_LPORT:
	case PC_FIELD_RPORT: {
		const struct pc_portrange *r = f == PC_FIELD_LPORT ? &x->lport : &x->rport;
		*lo = r->lo;
		*hi = r->hi;
		break;
	}
	case PC_FIELD_ICMP:
		*lo = *hi = icmp_key(&x->icmp);
		break;
	default:
		*lo = *hi = x->dir;
		break;
	}
}

/* What covering b along f takes (lo..hi), and in probe the first box that
 * could help. False when nothing more specific can: a given protocol, type
 * and code, or direction; icmp-type any or ports 0-65535, which alone admit
 * fragments and packets without ports or type. */
static bool ivl_target(const struct box *b, int f, struct box *probe, long *lo, long *hi)
{
	*probe = *b;
	switch (f) {
	case PC_FIELD_PROTO:
		*lo = probe->proto = 0;
		*hi = 255;
		return b->proto == PC_PROTO_ANY;
	case PC_FIELD_LPORT:
	case PC_FIELD_RPORT: {
		struct pc_portrange *r = f == PC_FIELD_LPORT ? &probe->lport : &probe->rport;
		long w = port_width(r);
		*lo = r->lo;
		*hi = r->hi;
		r->lo = (uint16_t)(r->lo >= w ? r->lo - w + 1 : 0);
		r->hi = 0;
		return w < PORT_SPAN;
	}
	case PC_FIELD_ICMP:
		probe->icmp.code = 0;
		*lo = icmp_key(&probe->icmp);
		*hi = *lo + 255;
		return b->icmp.type != PC_ICMP_ANY && b->icmp.code == PC_ICMP_ANY;
	default:
		*lo = probe->dir = PC_DIR_IN;
		*hi = PC_DIR_OUT;
		return b->dir == PC_DIR_BOTH;
	}
}

/* Covers b's protocol, port range, icmp type or direction with more specific
 * elements of boxes equal to b before f and admitting all of b after f. */
static bool sweep_ivl(struct shadow *s, const struct box *b, int f)
{
	struct box probe;
	long next, want_hi, lo, hi;

	if (!ivl_target(b, f, &probe, &next, &want_hi))
		return false;
	for (size_t i = search(s, s->run_lo, s->run_hi, &probe, f, false); i < s->run_hi; i++) {
		const struct box *c = &s->box[i];
		if (box_cmp(c, b, f - 1))
			break;
		field_ivl(c, f, &lo, &hi);
		if (lo > next || !step(s))
			return false;
		if (hi < next || field_spec(s, c, f) <= field_spec(s, b, f) ||
		    !covers_after(c, b, f))
			continue;
		note(s, c->rule);
		next = hi + 1;
		if (next > want_hi)
			return true;
	}
	return false;
}

static bool try_method(struct shadow *s, const struct box *b, int m)
{
	s->sweep = SWEEP_STEPS;
	if (m == METHOD_TIE)
		return cover_tie(s, b);
	bool ok = m <= PC_FIELD_LOCAL ? cover_prefix(s, b, m) : sweep_ivl(s, b, m);
	return ok && settled(s, (enum pc_field)m);
}

/* Returns the first method that shows b dead, or -1; leaves b's run in s. */
static int box_dead(struct shadow *s, const struct box *b)
{
	s->run_lo = search(s, 0, s->n_box, b, PC_FIELD_REMOTE, false);
	s->run_hi = search(s, s->run_lo, s->n_box, b, PC_FIELD_REMOTE, true);
	for (int m = METHOD_TIE; m <= PC_FIELD_DIR; m++)
		if (try_method(s, b, m))
			return m;
	return -1;
}

/* True when every box of rule r is dead; then s names the covering rules. */
static bool rule_dead(struct shadow *s, size_t r)
{
	const struct pc_rule *rule = &s->rules[r];
	size_t n = s->n_boxes[r], real = 0;
	struct box b;

	s->cur = r;
	s->limited = true;
	s->record = false;
	for (size_t k = 0; k < n; k++) {
		if (!make_box(rule, r, k, &b))
			continue;
		real++;
		if (box_dead(s, &b) < 0)
			return false;
	}
	/* Second pass: find each box's method again, unlimited in total, then note who covers. */
	s->limited = false;
	s->n_cover = 0;
	s->why_set = false;
	s->why = PC_FIELD_NONE;
	for (size_t k = 0; real && k < n; k++) {
		if (!make_box(rule, r, k, &b))
			continue;
		int m = box_dead(s, &b);
		s->record = true;
		bool ok = m >= 0 && try_method(s, &b, m);
		s->record = false;
		if (!ok)
			return false;
	}
	return real && s->n_cover;
}

/* ---- the check ---- */

static int build_index(struct shadow *s)
{
	size_t total = 0, n;
	struct box b;


	for (size_t r = 0; r < s->n_rules; r++) {
		if (!s->rules[r].enabled || !(n = rule_boxes(&s->rules[r])) ||
		    n > PC_SHADOW_MAX_BOXES - total)
			continue;
		s->n_boxes[r] = n;
		total += n;
	}
	if (!total)
		return 0;
	if (!(s->box = malloc(total * sizeof(*s->box))))
		return -1;
	for (size_t r = 0; r < s->n_rules; r++) {
		for (size_t k = 0; k < s->n_boxes[r]; k++)
			if (make_box(&s->rules[r], r, k, &b))
				s->box[s->n_box++] = b;
	}
	qsort(s->box, s->n_box, sizeof(*s->box), box_qsort_cmp);
	return 0;
}

static void cover_text(const struct shadow *s, char *buf, size_t len)
{
	const struct pc_rule *R = s->rules;
	const size_t *v = s->names;

	if (s->n_cover == 1)
		snprintf(buf, len, "rule '%s'", R[v[0]].name);
	else if (s->n_cover == 2)
		snprintf(buf, len, "the union of rules '%s' and '%s'", R[v[0]].name, R[v[1]].name);
	else if (s->n_cover == 3)
		snprintf(buf, len, "the union of rules '%s', '%s' and '%s'", R[v[0]].name,
			 R[v[1]].name, R[v[2]].name);
	else
		snprintf(buf, len, "the union of rules '%s', '%s', '%s' and %zu more", R[v[0]].name,
			 R[v[1]].name, R[v[2]].name, s->n_cover - MAX_NAMES);
}

static void why_text(enum pc_field f, char *buf, size_t len)
{
	if (f == PC_FIELD_NONE)
		buf[0] = '\0';
	else if (f == PC_FIELD_ACTION)
		snprintf(buf, len, " (equally specific; deny beats permit)");
	else if (f == PC_FIELD_ORDER)
		snprintf(buf, len, " (equally specific and defined first)");
	else
		snprintf(buf, len, " (more specific %s)", pc_field_name(f));
}

static void warn(const struct shadow *s, const struct pc_policy *p, struct pc_diag *diag)
{
	const struct pc_rule *r = &s->rules[s->cur];
	char who[768], why[64];

	cover_text(s, who, sizeof(who));
	why_text(s->why, why, sizeof(why));
	pc_diag_add(diag, PC_DIAG_WARNING, pc_policy_path(p), r->line,
		    "rule '%s' never decides a packet: %s covers all it matches%s", r->name, who,
		    why);
}

long pc_shadow_check(const struct pc_policy *p, struct pc_diag *diag)
{
	struct shadow s;
	long warned = -1;
	int err = 0;

	if (!p || !diag) {
		errno = EINVAL;
		return -1;
	}
	memset(&s, 0, sizeof(s));
	s.rules = pc_policy_rules(p, &s.n_rules);
	s.total = TOTAL_STEPS;
	s.n_boxes = calloc(s.n_rules + 1, sizeof(*s.n_boxes));
	s.stamp = calloc(s.n_rules + 1, sizeof(*s.stamp));
	if (!s.n_boxes || !s.stamp || build_index(&s) < 0) {
		err = ENOMEM;
		goto out;
	}
	warned = 0;
	for (size_t r = 0; r < s.n_rules; r++) {
		if (s.n_boxes[r] && rule_dead(&s, r)) {
			warn(&s, p, diag);
			warned++;
		}
	}
out:
	free(s.box);
	free(s.n_boxes);
	free(s.stamp);
	if (err)
		errno = err;
	return warned;
}
