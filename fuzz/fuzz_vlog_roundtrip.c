/* fuzz_vlog_roundtrip.c - a verdict built from the input, formatted as a
 * log line (lib/vlogline.c) in text and in JSON, read back by the reader
 * (tools/logread.c): every field comes back as it was. Input: a flags byte,
 * protocol, packet flags, ports or ICMP type and code, length, family,
 * source, destination (44 bytes, zeros when short), then the rule name. */
#include "fuzz.h"

#include <stdbool.h>

#include "addr.h"
#include "logread.h"
#include "packet.h"
#include "vlogline.h"

#define HEAD 44
#define NAME_MAX_BYTES 200 /* longer names are cut by the writer ("...") */

/* Strict UTF-8 (no overlong forms, surrogates, or code points past
 * U+10FFFF): JSON keeps such a name as it is. */
static bool utf8_valid(const unsigned char *s)
{
	while (*s) {
		unsigned c = *s, n = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 :
				     c >= 0xf0 && c < 0xf5 ? 3 : 9;
		if (n == 9)
			return false;
		unsigned cp = n ? c & (0x3fu >> n) : c;
		for (unsigned i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		s += n + 1;
	}
	return true;
}

static void build(const uint8_t *h, struct pc_pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->proto = h[1];
	p->family = h[11] & 1 ? PC_FAM_V6 : PC_FAM_V4;
	if (h[2] & 1)
		p->flags = PC_PKT_FRAG;
	else if (p->proto == 6 || p->proto == 17)
		p->flags = PC_PKT_PORTS;
	else if (p->proto == 1 || p->proto == 58)
		p->flags = PC_PKT_ICMP;
	if (p->flags & PC_PKT_PORTS) {
		p->sport = (uint16_t)(h[3] << 8 | h[4]);
		p->dport = (uint16_t)(h[5] << 8 | h[6]);
	} else if (p->flags & PC_PKT_ICMP) {
		p->icmp_type = h[3];
		p->icmp_code = h[4];
	}
	p->len = (uint32_t)h[7] << 24 | (uint32_t)h[8] << 16 | (uint32_t)h[9] << 8 | h[10];
	memcpy(p->src, h + 12, p->family == PC_FAM_V6 ? 16 : 4);
	memcpy(p->dst, h + 28, p->family == PC_FAM_V6 ? 16 : 4);
}

static void check_packet(const struct pc_logrec *rec, const struct pc_pkt *p, const char *line)
{
	unsigned want = PC_LR_PACKET | (p->flags & PC_PKT_PORTS ? PC_LR_PORTS : 0) |
			(p->flags & PC_PKT_ICMP ? PC_LR_ICMP : 0);

	FUZZ_CHECK((rec->has & ~(unsigned)PC_LR_DEFAULT) == want, "has %#x, want %#x: %s", rec->has,
		   want, line);
	FUZZ_CHECK(rec->proto == p->proto && rec->family == p->family, "proto/family: %s", line);
	FUZZ_CHECK(!memcmp(rec->src, p->src, 16) && !memcmp(rec->dst, p->dst, 16), "address: %s",
		   line);
	FUZZ_CHECK(rec->sport == p->sport && rec->dport == p->dport, "ports: %s", line);
	FUZZ_CHECK(rec->type == p->icmp_type && rec->code == p->icmp_code, "icmp: %s", line);
	FUZZ_CHECK(rec->len == p->len, "len %u vs %u: %s", rec->len, p->len, line);
}

static void round_trip(const struct pc_vlog_rec *r, enum pc_log_format fmt, bool name_back)
{
	static struct pc_logrec rec;
	char line[PC_VLOG_LINE_MAX], err[128];
	size_t n = pc_vlog_format(line, sizeof(line), fmt, r);

	FUZZ_CHECK(n < sizeof(line), "a line of %zu bytes was cut", n);
	FUZZ_CHECK(pc_logread_parse(line, n, 1700000000, &rec, err, sizeof(err)) == 0,
		   "does not read back (%s): %s", err, line);
	FUZZ_CHECK(rec.kind == PC_LOGREC_VERDICT && rec.verdict == r->verdict && rec.dir == r->dir,
		   "kind/verdict/dir: %s", line);
	if (r->reason) {
		FUZZ_CHECK(rec.has == PC_LR_REASON && !strcmp(rec.reason, r->reason) &&
			   rec.len == r->len, "malformed: %s", line);
		return;
	}
	FUZZ_CHECK(!!(rec.has & PC_LR_DEFAULT) == (r->rule == NULL), "default: %s", line);
	if (name_back)
		FUZZ_CHECK(!strcmp(rec.rule, r->rule ? r->rule : "-"), "rule '%s' came back as '%s'",
			   r->rule ? r->rule : "-", rec.rule);
	check_packet(&rec, r->pkt, line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t h[HEAD] = { 0 };
	char name[NAME_MAX_BYTES + 1];
	struct pc_pkt p;
	static const uint8_t dirs[] = { PC_DIR_IN, PC_DIR_OUT, 0 };

	memcpy(h, data, size < HEAD ? size : HEAD);
	size_t nl = size > HEAD ? strnlen((const char *)data + HEAD, size - HEAD) : 0;
	nl = nl > NAME_MAX_BYTES ? NAME_MAX_BYTES : nl;
	memcpy(name, data + HEAD, nl);
	name[nl] = '\0';
	build(h, &p);

	unsigned kind = h[0] >> 4 & 3;
	struct pc_vlog_rec r = { .verdict = h[0] & 2 ? PC_PERMIT : PC_DENY,
				 .rule = kind == 1 ? NULL : nl ? name : "x",
				 .dir = dirs[(h[0] >> 2 & 3) % 3], .pkt = &p };
	if (kind == 2) {
		r.reason = pc_packet_reason(1 + h[1] % (PC_PKT_STATUS_MAX - 1));
		r.rule = "(malformed)";
		r.len = p.len;
		r.pkt = NULL;
	}
	round_trip(&r, PC_LOGF_TEXT, true);
	/* JSON writes the default as "rule":"-": a rule named "-" (the loader
	 * allows it) reads back as the default there (docs/security.md) */
	if (r.rule && !strcmp(r.rule, "-"))
		return 0;
	round_trip(&r, PC_LOGF_JSON, !r.rule || utf8_valid((const unsigned char *)r.rule));
	return 0;
}
