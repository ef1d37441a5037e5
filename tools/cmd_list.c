/* cmd_list.c - portcullis list: one row per rule, with its hits when the
 * daemon runs */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "daemonctl.h"
#include "values.h"

#define LIST_WIDTH 100 /* columns the table fits, unless -v */
#define MIN_WIDTH 8    /* the name column is narrowed down to this at most */
#define FULL_CELL 400  /* -v: cells up to this long */
#define CUT '~'        /* ends a cell cut short that is not a list */

struct list_opts {
	const char *conf;
	bool verbose, only_enabled;
};

enum col { C_ON, C_ACTION, C_PROTO, C_DIR, C_MATCH, C_ADDR, C_NAME, C_HITS,
	   C_MAX };

static const char *const col_title[C_MAX] = {
	[C_ON] = "ON",           [C_ACTION] = "ACTION",       [C_PROTO] = "PROTO",
	[C_DIR] = "DIR",         [C_MATCH] = "PORTS/TYPES",   [C_ADDR] = "ADDRESSES",
	[C_NAME] = "NAME",
	[C_HITS] = "HITS",
};

/* A cell being built: items joined by ",", cut to max with ",+N". */
struct cell {
	char buf[512];
	size_t len, max, items, dropped;
};

static void cell_init(struct cell *c, size_t max)
{
	c->buf[0] = '\0';
	c->len = c->items = c->dropped = 0;
	c->max = max < sizeof(c->buf) - 16 ? max : sizeof(c->buf) - 16;
}

static void cell_add(struct cell *c, const char *item)
{
	size_t n = strlen(item) + (c->items ? 1 : 0);

	if (c->dropped || (c->items && c->len + n > c->max)) {
		c->dropped++;
		return;
	}
	c->len += (size_t)snprintf(c->buf + c->len, sizeof(c->buf) - c->len, "%s%s",
				   c->items ? "," : "", item);
	c->items++;
}

static const char *cell_end(struct cell *c)
{
	if (c->dropped)
		snprintf(c->buf + c->len, sizeof(c->buf) - c->len, "%s+%zu", c->items ? "," : "",
			 c->dropped);
	return c->buf;
}

static bool any_ports(const struct pc_portrange *v, size_t n)
{
	return n == 1 && v[0].lo == 0 && v[0].hi == 65535;
}

static const char *ports_cell(struct cell *c, const struct pc_rule *r, bool local)
{
	const struct pc_portrange *v = local ? r->lport : r->rport;
	size_t n = local ? r->n_lport : r->n_rport;
	char item[16];

	for (size_t i = 0; i < n; i++) {
		if (v[i].lo == v[i].hi)
			snprintf(item, sizeof(item), "%u", v[i].lo);
		else
			snprintf(item, sizeof(item), "%u-%u", v[i].lo, v[i].hi);
		cell_add(c, item);
	}
	return cell_end(c);
}

static const char *icmp_cell(struct cell *c, const struct pc_rule *r)
{
	char item[64], num[8];

	if (r->proto != 1 && r->proto != 58)
		return "-";
	for (size_t i = 0; i < r->n_icmp; i++) {
		const struct pc_icmpspec *s = &r->icmp[i];
		const char *name = pc_icmp_type_name(r->proto, s->type);

		if (s->type == PC_ICMP_ANY)
			return "any";
		if (!name) {
			snprintf(num, sizeof(num), "%d", s->type);
			name = num;
		}
		if (s->code == PC_ICMP_ANY)
			snprintf(item, sizeof(item), "%s", name);
		else
			snprintf(item, sizeof(item), "%s/%d", name, s->code);
		cell_add(c, item);
	}
	return cell_end(c);
}

static bool any_addr(const struct pc_prefix *v, size_t n)
{
	return n == 1 && v[0].family == PC_FAM_ANY;
}

/* Ports: "any", or "local A,B remote C" with the parts that are not any;
 * ICMP: the types; "-" for other protocols. */
static const char *match_cell(struct cell *c, const struct pc_rule *r, size_t max)
{
	struct cell part;
	bool loc, rem;

	if (r->proto == 1 || r->proto == 58)
		return icmp_cell(c, r);
	if (r->proto != 6 && r->proto != 17)
		return "-";
	loc = !any_ports(r->lport, r->n_lport);
	rem = !any_ports(r->rport, r->n_rport);
	if (!loc && !rem)
		return "any";
	for (int side = 0; side < 2; side++) {
		if (!(side ? rem : loc))
			continue;
		cell_init(&part, loc && rem ? max / 2 : max);
		c->len += (size_t)snprintf(c->buf + c->len, sizeof(c->buf) - c->len, "%s%s %s",
					   c->len ? " " : "", side ? "remote" : "local",
					   ports_cell(&part, r, !side));
	}
	return c->buf;
}

/* "any", or "remote A,B local C" with the parts that are not any. */
static const char *addr_cell(struct cell *c, const struct pc_rule *r, size_t max)
{
	struct cell part;
	char a[PC_ADDR_STRLEN];
	bool rem = !any_addr(r->remote, r->n_remote), loc = !any_addr(r->local, r->n_local);

	if (!rem && !loc)
		return "any";
	for (int side = 0; side < 2; side++) {
		const struct pc_prefix *v = side ? r->local : r->remote;
		size_t n = side ? r->n_local : r->n_remote;
		if (!(side ? loc : rem))
			continue;
		cell_init(&part, rem && loc ? max / 2 : max);
		for (size_t i = 0; i < n; i++)
			cell_add(&part, pc_prefix_format(&v[i], a, sizeof(a)));
		c->len += (size_t)snprintf(c->buf + c->len, sizeof(c->buf) - c->len, "%s%s %s",
					   c->len ? " " : "", side ? "local" : "remote", cell_end(&part));
	}
	return c->buf;
}

/* The cells of one row, copied into row[] (each malloc'd); list cells
 * cut to max[c] bytes with ",+N". */
static int fill_row(char **row, const struct pc_rule *r, const char *hits, const size_t *max)
{
	static const char *const dirs[] = { "?", "in", "out", "both" };
	struct cell c;
	char proto[8];

	for (int i = 0; i < C_MAX; i++)
		free(row[i]);
	row[C_ON] = strdup(r->enabled ? "on" : "off");
	row[C_ACTION] = strdup(r->action == PC_PERMIT ? "permit" : "deny");
	row[C_PROTO] = strdup(pc_proto_name(r->proto, proto, sizeof(proto)));
	row[C_DIR] = strdup(dirs[r->dir & 3]);
	cell_init(&c, max[C_MATCH]);
	row[C_MATCH] = strdup(match_cell(&c, r, max[C_MATCH]));
	cell_init(&c, max[C_ADDR]);
	row[C_ADDR] = strdup(addr_cell(&c, r, max[C_ADDR]));
	row[C_NAME] = strdup(r->name);
	row[C_HITS] = strdup(hits);
	for (int i = 0; i < C_MAX; i++)
		if (!row[i])
			return -1;
	return 0;
}

struct table {
	char **cell; /* rows x C_MAX, row 0 the titles */
	size_t rows;
	size_t width[C_MAX];
	bool show[C_MAX];
};

static void print_table(const struct table *t)
{
	for (size_t r = 0; r < t->rows; r++) {
		int last = C_MAX - 1;
		while (last > 0 && !t->show[last])
			last--;
		for (int c = 0; c <= last; c++) {
			if (!t->show[c])
				continue;
			const char *s = r ? t->cell[r * C_MAX + c] : col_title[c];
			if (c == last)
				printf("%s\n", s);
			else
				printf("%-*s  ", (int)t->width[c], s);
		}
	}
}

/* Hits of each rule, by index, from a fresh status file of the daemon.
 * Returns NULL (no hits column) when no daemon of this policy runs. */
static uint64_t *daemon_hits(const struct pc_policy *p, size_t n)
{
	const struct pc_settings *s = pc_policy_settings(p);
	char why[512];
	struct pc_status st;
	pid_t pid = pc_daemonctl_find(s->pid_file, why, sizeof(why));
	uint64_t *hits;

	if (!pid)
		return NULL;
	if (pc_daemonctl_refresh(pid, s->status_file, &st, PC_DAEMONCTL_WAIT_MS) < 0) {
		if (errno == EPERM && pc_daemonctl_status(pid, s->status_file, &st) == 0) {
			fprintf(stderr, "portcullis list: the hits as portcullisd (pid %d) last wrote "
				"them: this user may not signal it for fresh ones (run it as root)\n",
				(int)pid);
		} else {
			fprintf(stderr, "portcullis list: no hit counts: portcullisd (pid %d) %s\n",
				(int)pid, errno == ETIMEDOUT ? "did not write its status file within 10 s"
				: strerror(errno));
			return NULL;
		}
	}
	if (!pc_daemonctl_serves(&st, pc_policy_path(p))) {
		fprintf(stderr, "portcullis list: no hit counts: portcullisd (pid %d) serves %s\n",
			(int)pid, st.policy);
		pc_status_clear(&st);
		return NULL;
	}
	if ((hits = calloc(n ? n : 1, sizeof(*hits)))) {
		for (size_t i = 0; i < n; i++)
			hits[i] = UINT64_MAX; /* not in the daemon's policy */
		for (size_t i = 0; i < st.n_rule; i++) {
			long k = pc_policy_find(p, st.rule[i].name);
			if (k >= 0)
				hits[k] = st.rule[i].hits;
		}
	}
	pc_status_clear(&st);
	return hits;
}

/* Rows: the enabled rules, then (unless only_enabled) the others, each in
 * file order. Returns how many, with their indices in order[]. */
static size_t row_order(const struct pc_rule *rules, size_t n, bool only_enabled, size_t *order)
{
	size_t k = 0;

	for (int pass = 0; pass < (only_enabled ? 1 : 2); pass++)
		for (size_t i = 0; i < n; i++)
			if (rules[i].enabled == !pass)
				order[k++] = i;
	return k;
}

/* How far each flexible column may be narrowed, phase by phase: the
 * lists first, to a width that still shows an element or two; then the
 * name; then all of them to their titles. */
static size_t floor_of(int c, int phase)
{
	static const size_t floors[3][C_MAX] = {
		{ [C_MATCH] = 20, [C_ADDR] = 20, [C_NAME] = SIZE_MAX },
		{ [C_MATCH] = 20, [C_ADDR] = 20, [C_NAME] = 24 },
		{ [C_MATCH] = 1, [C_ADDR] = 1, [C_NAME] = MIN_WIDTH },
	};
	size_t f = floors[phase][c], title = strlen(col_title[c]);

	return f ? (f > title ? f : title) : SIZE_MAX; /* 0: a fixed column */
}

/* Narrows the widest flexible columns until the table fits LIST_WIDTH. */
static void fit(struct table *t)
{
	size_t total = 0;

	for (int c = 0; c < C_MAX; c++)
		total += t->show[c] ? t->width[c] + 2 : 0;
	total -= 2;
	for (int phase = 0; phase < 3 && total > LIST_WIDTH; phase++) {
		while (total > LIST_WIDTH) {
			int widest = -1;
			for (int c = 0; c < C_MAX; c++)
				if (t->show[c] && t->width[c] > floor_of(c, phase) &&
				    (widest < 0 || t->width[c] > t->width[widest]))
					widest = c;
			if (widest < 0)
				break;
			t->width[widest]--;
			total--;
		}
	}
}

/* Cuts a cell that is still wider than its column: its end becomes CUT. */
static void cut(char *cell, size_t width)
{
	if (strlen(cell) > width && width >= 1) {
		cell[width - 1] = CUT;
		cell[width] = '\0';
	}
}

/* Rebuilds the list cells of a row with room for the column widths,
 * narrowing their lists (",+N") until each fits. */
static int refit_row(char **row, const struct pc_rule *r, const struct table *t)
{
	size_t max[C_MAX];
	char *hits = strdup(row[C_HITS]);
	int rc = 0;

	for (int c = 0; c < C_MAX; c++)
		max[c] = t->width[c];
	for (bool fits = false; hits && !fits && rc == 0;) {
		rc = fill_row(row, r, hits, max);
		fits = true;
		for (int c = 0; rc == 0 && c < C_MAX; c++)
			if (c != C_NAME && strlen(row[c]) > t->width[c] && max[c] > 0) {
				max[c] = max[c] > 4 ? max[c] - 4 : 0;
				fits = false;
			}
	}
	for (int c = 0; rc == 0 && c < C_MAX; c++)
		cut(row[c], t->width[c]);
	free(hits);
	return hits ? rc : -1;
}

static int build(struct table *t, const struct pc_policy *p, const uint64_t *hits,
		 const struct list_opts *o)
{
	size_t n, full[C_MAX];
	const struct pc_rule *rules = pc_policy_rules(p, &n);
	size_t *order = calloc(n ? n : 1, sizeof(*order));
	char num[24];
	int rc = -1;

	if (!order)
		return -1;
	t->rows = row_order(rules, n, o->only_enabled, order) + 1;
	if (!(t->cell = calloc(t->rows * C_MAX, sizeof(*t->cell))))
		goto out;
	for (int c = 0; c < C_MAX; c++) {
		t->show[c] = c != C_HITS || hits;
		t->width[c] = strlen(col_title[c]);
		full[c] = FULL_CELL;
	}
	for (size_t i = 0; i + 1 < t->rows; i++) {
		size_t k = order[i];
		if (hits && hits[k] != UINT64_MAX)
			snprintf(num, sizeof(num), "%" PRIu64, hits[k]);
		else
			snprintf(num, sizeof(num), "-");
		char **row = t->cell + (i + 1) * C_MAX;
		if (fill_row(row, &rules[k], num, full) < 0)
			goto out;
		for (int c = 0; c < C_MAX; c++)
			if (strlen(row[c]) > t->width[c])
				t->width[c] = strlen(row[c]);
	}
	if (!o->verbose)
		fit(t);
	for (size_t i = 0; !o->verbose && i + 1 < t->rows; i++)
		if (refit_row(t->cell + (i + 1) * C_MAX, &rules[order[i]], t) < 0)
			goto out;
	rc = 0;
out:
	free(order);
	return rc;
}

enum { OPT_ENABLED = PC_OPT_LONG };

static const struct pc_cli_opt opts[] = {
	PC_CLI_OPT_CONFIG,
	{ "verbose", 'v', NULL, "every cell whole, however wide the table gets" },
	{ "enabled", OPT_ENABLED, NULL, "only the rules that are on" },
	{ NULL, 0, NULL, NULL },
};

const struct pc_cli_cmd pc_list_cli = {
	"list", "[-c FILE] [-v] [--enabled]",
	"The rules, with their hits when the daemon runs.\n"
	"One row per rule, the enabled ones first (each in file order): on/off, action,\n"
	"protocol, direction, ports, ICMP types, addresses, name, and the hits of each rule\n"
	"when the daemon of this policy runs.",
	"The table fits 100 columns: a list cut short ends in ,+N (N more elements), any other\n"
	"cell cut short in ~. -v shows every cell whole.\n",
	opts,
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct list_opts *o = ctx;

	if (key == 'c')
		o->conf = arg;
	else if (key == 'v')
		o->verbose = true;
	else if (key == OPT_ENABLED)
		o->only_enabled = true;
	return 0;
}

int pc_cmd_list(int argc, char **argv)
{
	struct list_opts o = { .conf = PC_DEFAULT_CONF };
	struct table t = { 0 };
	struct pc_policy *p = NULL;
	uint64_t *hits = NULL;
	int rc = pc_cli_parse(&pc_list_cli, argc, argv, on_opt, &o);
	size_t n;

	if (rc >= 0)
		return rc;
	if (optind < argc)
		return pc_cli_misuse(&pc_list_cli, "unexpected argument '%s'", argv[optind]);
	rc = 1;
	if (!(p = pc_cli_load(o.conf)))
		goto out;
	pc_policy_rules(p, &n);
	hits = daemon_hits(p, n);
	if (build(&t, p, hits, &o) < 0) {
		perror("portcullis list");
		goto out;
	}
	print_table(&t);
	rc = 0;
out:
	for (size_t i = 0; t.cell && i < t.rows * C_MAX; i++)
		free(t.cell[i]);
	free(t.cell);
	free(hits);
	pc_policy_free(p);
	return rc;
}
