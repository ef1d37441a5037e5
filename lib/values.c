/* values.c - parsing the values of policy keys */
#include "values.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

struct named {
	const char *name;
	int value;
};

static const struct named protocols[] = {
	{ "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 },   { "udp", 17 },     { "gre", 47 },
	{ "esp", 50 }, { "ah", 51 },  { "icmpv6", 58 }, { "sctp", 132 }, { NULL, 0 },
};

static const struct named icmp4_types[] = {
	{ "echo-reply", 0 },          { "destination-unreachable", 3 }, { "source-quench", 4 },
	{ "redirect", 5 },            { "echo-request", 8 },            { "router-advertisement", 9 },
	{ "router-solicitation", 10 }, { "time-exceeded", 11 },         { "parameter-problem", 12 },
	{ "timestamp-request", 13 },  { "timestamp-reply", 14 },        { NULL, 0 },
};

static const struct named icmp6_types[] = {
	{ "destination-unreachable", 1 },   { "packet-too-big", 2 },
	{ "time-exceeded", 3 },             { "parameter-problem", 4 },
	{ "echo-request", 128 },            { "echo-reply", 129 },
	{ "mld-listener-query", 130 },      { "mld-listener-report", 131 },
	{ "mld-listener-done", 132 },       { "router-solicitation", 133 },
	{ "router-advertisement", 134 },    { "neighbour-solicitation", 135 },
	{ "neighbor-solicitation", 135 },   { "neighbour-advertisement", 136 },
	{ "neighbor-advertisement", 136 },  { "redirect", 137 },
	{ "inverse-nd-solicitation", 141 }, { "inverse-nd-advertisement", 142 },
	{ "mld2-listener-report", 143 },    { "certification-path-solicitation", 148 },
	{ "certification-path-advertisement", 149 }, { "multicast-router-advertisement", 151 },
	{ "multicast-router-solicitation", 152 },    { "multicast-router-termination", 153 },
	{ NULL, 0 },
};

static int lookup(const struct named *t, const char *name)
{
	for (; t->name; t++)
		if (!strcmp(t->name, name))
			return t->value;
	return -1;
}

static const char *rlookup(const struct named *t, int value)
{
	for (; t->name; t++)
		if (t->value == value)
			return t->name;
	return NULL;
}

int pc_parse_uint(const char *s, unsigned long max, unsigned long *out, char *err, size_t errlen)
{
	char *end;

	if (*s < '0' || *s > '9' || strlen(s) > 10)
		goto bad;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end)
		goto bad;
	if (*out > max) {
		snprintf(err, errlen, "%s is out of range (0-%lu)", s, max);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not a number", s);
	return -1;
}

int pc_parse_range(const char *s, unsigned long max, unsigned long *lo, unsigned long *hi,
		   char *err, size_t errlen)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%s", s);
	char *dash = strchr(buf, '-');
	if (dash)
		*dash++ = '\0';
	if (pc_parse_uint(buf, max, lo, err, errlen) < 0 ||
	    (dash && pc_parse_uint(dash, max, hi, err, errlen) < 0))
		return -1;
	if (!dash)
		*hi = *lo;
	return 0;
}

int pc_parse_proto(const char *s, int *proto, char *err, size_t errlen)
{
	unsigned long v;

	if (!strcmp(s, "any")) {
		*proto = PC_PROTO_ANY;
		return 0;
	}
	int named = lookup(protocols, s);
	if (named >= 0) {
		*proto = named;
		return 0;
	}
	if (*s >= '0' && *s <= '9') {
		if (pc_parse_uint(s, 255, &v, err, errlen) < 0)
			return -1;
		*proto = (int)v;
		return 0;
	}
	snprintf(err, errlen, "unknown protocol '%s' (any, tcp, udp, icmp, icmpv6, or 0-255)", s);
	return -1;
}

const char *pc_proto_name(int proto, char *buf, size_t len)
{
	const char *name = proto == PC_PROTO_ANY ? "any" : rlookup(protocols, proto);
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%d", proto);
	return buf;
}

/* Calls one(item) for each trimmed, comma-separated item of s. */
static int each_item(const char *s, int (*one)(const char *item, void *ctx), void *ctx,
		     char *err, size_t errlen)
{
	char small[256], *copy = small;
	size_t len = strlen(s);
	int rc = 0;

	/* one item, nothing to trim: no copy */
	if (len && !memchr(s, ',', len) && s[0] != ' ' && s[0] != '\t' && s[len - 1] != ' ' &&
	    s[len - 1] != '\t')
		return one(s, ctx);
	if (!len) {
		snprintf(err, errlen, "empty value");
		return -1;
	}
	if (len >= sizeof(small) && !(copy = malloc(len + 1))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(copy, s, len + 1);
	for (char *tok = copy, *next; tok && !rc; tok = next) {
		char *end = memchr(tok, ',', (size_t)(copy + len - tok));
		next = end ? end + 1 : NULL;
		if (!end)
			end = copy + len;
		*end = '\0';
		while (*tok == ' ' || *tok == '\t')
			tok++;
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!*tok) {
			snprintf(err, errlen, "empty element in list '%s'", s);
			rc = -1;
			break;
		}
		rc = one(tok, ctx);
	}
	if (copy != small)
		free(copy);
	return rc;
}

size_t pc_list_count(const char *s)
{
	size_t n = 1;

	while ((s = strchr(s, ',')))
		n++, s++;
	return n;
}

/* The array a list parser fills: room for cap elements of size bytes
 * (pc_list_count of the text, so it never runs out). */
struct list {
	void *v;
	size_t n, cap, size;
	char *err;
	size_t errlen;
	int proto;
};

static void *list_push(struct list *l)
{
	if (l->n == l->cap) {
		snprintf(l->err, l->errlen, "too many elements");
		return NULL;
	}
	return (char *)l->v + l->size * l->n++;
}

static int parse_into(const char *s, struct list *l, int (*one)(const char *, void *), size_t *n)
{
	if (each_item(s, one, l, l->err, l->errlen) < 0)
		return -1;
	*n = l->n;
	return 0;
}

/* The same into a new array (*v, malloc'd). */
static int parse_alloc(const char *s, struct list *l, int (*one)(const char *, void *), void **v,
		       size_t *n)
{
	l->cap = pc_list_count(s);
	if (!(l->v = malloc(l->cap * l->size))) {
		snprintf(l->err, l->errlen, "out of memory");
		return -1;
	}
	if (parse_into(s, l, one, n) < 0) {
		free(l->v);
		return -1;
	}
	*v = l->v;
	return 0;
}

/* N or N-M of at most five digits each, both at most 65535: the common
 * case, read in place. false: not of that form (the full parser decides). */
static bool port_fast(const char *s, unsigned long *lo, unsigned long *hi)
{
	unsigned long v[2] = { 0, 0 };
	int part = 0, digits = 0;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9' && digits < 5) {
			v[part] = v[part] * 10 + (unsigned long)(*s - '0');
			digits++;
		} else if (*s == '-' && !part && digits) {
			part = 1;
			digits = 0;
		} else {
			return false;
		}
	}
	if (!digits || v[0] > 65535 || v[1] > 65535)
		return false;
	*lo = v[0];
	*hi = part ? v[1] : v[0];
	return true;
}

static int one_port(const char *item, void *ctx)
{
	struct list *l = ctx;
	unsigned long lo, hi;

	if (!strcmp(item, "any")) {
		lo = 0;
		hi = 65535;
	} else if (port_fast(item, &lo, &hi)) {
		if (hi < lo) {
			snprintf(l->err, l->errlen, "port range %s is reversed", item);
			return -1;
		}
	} else {
		if (pc_parse_range(item, 65535, &lo, &hi, l->err, l->errlen) < 0) {
			if (!strstr(l->err, "out of range"))
				snprintf(l->err, l->errlen, "'%s' is not a port or port range "
					 "(N or N-M, 0-65535)", item);
			return -1;
		}
		if (hi < lo) {
			snprintf(l->err, l->errlen, "port range %s is reversed", item);
			return -1;
		}
	}
	struct pc_portrange *r = list_push(l);
	if (!r)
		return -1;
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return 0;
}

int pc_parse_ports(const char *s, struct pc_portrange **v, size_t *n, char *err, size_t errlen)
{
	struct list l = { .size = sizeof(**v), .err = err, .errlen = errlen };
	return parse_alloc(s, &l, one_port, (void **)v, n);
}

int pc_parse_ports_into(const char *s, struct pc_portrange *v, size_t cap, size_t *n, char *err,
			size_t errlen)
{
	struct list l = { .v = v, .cap = cap, .size = sizeof(*v), .err = err, .errlen = errlen };
	return parse_into(s, &l, one_port, n);
}

static int one_prefix(const char *item, void *ctx)
{
	struct list *l = ctx;
	struct pc_prefix p;

	if (pc_prefix_parse(item, &p, l->err, l->errlen) < 0)
		return -1;
	struct pc_prefix *dst = list_push(l);
	if (!dst)
		return -1;
	*dst = p;
	return 0;
}

int pc_parse_prefixes(const char *s, struct pc_prefix **v, size_t *n, char *err, size_t errlen)
{
	struct list l = { .size = sizeof(**v), .err = err, .errlen = errlen };
	return parse_alloc(s, &l, one_prefix, (void **)v, n);
}

int pc_parse_prefixes_into(const char *s, struct pc_prefix *v, size_t cap, size_t *n, char *err,
			   size_t errlen)
{
	struct list l = { .v = v, .cap = cap, .size = sizeof(*v), .err = err, .errlen = errlen };
	return parse_into(s, &l, one_prefix, n);
}

static int icmp_number(const char *s, int proto, struct list *l)
{
	unsigned long v;

	if (*s >= '0' && *s <= '9')
		return pc_parse_uint(s, 255, &v, l->err, l->errlen) < 0 ? -1 : (int)v;
	int t = lookup(proto == 58 ? icmp6_types : icmp4_types, s);
	if (t < 0)
		snprintf(l->err, l->errlen, "unknown %s type '%s'", proto == 58 ? "ICMPv6" : "ICMP", s);
	return t;
}

static int one_icmp(const char *item, void *ctx)
{
	struct list *l = ctx;
	char buf[64];
	int type = PC_ICMP_ANY, code = PC_ICMP_ANY;

	if (strcmp(item, "any")) {
		snprintf(buf, sizeof(buf), "%s", item);
		char *slash = strchr(buf, '/');
		if (slash)
			*slash++ = '\0';
		if ((type = icmp_number(buf, l->proto, l)) < 0)
			return -1;
		if (slash) {
			unsigned long c;
			if (pc_parse_uint(slash, 255, &c, l->err, l->errlen) < 0)
				return -1;
			code = (int)c;
		}
	}
	struct pc_icmpspec *dst = list_push(l);
	if (!dst)
		return -1;
	dst->type = (int16_t)type;
	dst->code = (int16_t)code;
	return 0;
}

int pc_parse_icmp(const char *s, int proto, struct pc_icmpspec **v, size_t *n, char *err,
		  size_t errlen)
{
	struct list l = { .size = sizeof(**v), .err = err, .errlen = errlen, .proto = proto };
	return parse_alloc(s, &l, one_icmp, (void **)v, n);
}

int pc_parse_icmp_into(const char *s, int proto, struct pc_icmpspec *v, size_t cap, size_t *n,
		       char *err, size_t errlen)
{
	struct list l = { .v = v, .cap = cap, .size = sizeof(*v), .err = err, .errlen = errlen,
			  .proto = proto };
	return parse_into(s, &l, one_icmp, n);
}

const char *pc_icmp_type_name(int proto, int type)
{
	return rlookup(proto == 58 ? icmp6_types : icmp4_types, type);
}

int pc_parse_word(const char *s, const char *const *names, int *out, char *err, size_t errlen)
{
	struct pc_strbuf b;

	for (int i = 0; names[i]; i++) {
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	}
	pc_strbuf_init(&b, err, errlen);
	pc_strbuf_putc(&b, '\'');
	pc_strbuf_puts(&b, s);
	pc_strbuf_puts(&b, "' is not one of:");
	for (int i = 0; names[i]; i++) {
		pc_strbuf_putc(&b, ' ');
		pc_strbuf_puts(&b, names[i]);
	}
	pc_strbuf_finish(&b);
	return -1;
}
