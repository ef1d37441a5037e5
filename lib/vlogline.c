/* vlogline.c - the verdict log's line: keys, escapes, text and JSON */
#include "vlogline.h"

#include <stdio.h>
#include <string.h>

#include "addr.h"

/* A string value is cut (and ends in "...") where it would take the line
 * past VALUE_END: the keys after it still fit, so no line is ever cut in
 * an escape, without its closing quote or its closing brace. */
#define TAIL_RESERVE 384
#define VALUE_END (PC_VLOG_LINE_MAX - 2 - TAIL_RESERVE)

static void put_hex2(struct pc_strbuf *b, const char *prefix, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	pc_strbuf_puts(b, prefix);
	pc_strbuf_putc(b, hex[c >> 4]);
	pc_strbuf_putc(b, hex[c & 15]);
}

/* Whether the next n bytes of a free-text value fit before VALUE_END;
 * when not, the value ends in "...". */
static bool value_room(struct pc_strbuf *b, size_t n)
{
	if (pc_strbuf_len(b) + n <= VALUE_END)
		return true;
	pc_strbuf_puts(b, "...");
	return false;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* The bytes a JSON string body writes for s[i] (n bytes in all): 2 with
 * *esc, a named escape; 6, a \u00XX escape; else that many bytes as they are. */
static size_t json_piece(const unsigned char *s, size_t i, size_t n, const char **esc)
{
	static const char *const named[256] = { ['"'] = "\\\"", ['\\'] = "\\\\",
						['\n'] = "\\n", ['\t'] = "\\t", ['\r'] = "\\r" };
	unsigned char c = s[i];
	size_t u = 1;

	*esc = named[c];
	if (*esc)
		return 2;
	if (c < 0x20 || c == 0x7f || (c >= 0x80 && !(u = utf8_len(s + i, n - i))))
		return 6; /* \u00XX; an invalid byte read as Latin-1 */
	return c >= 0x80 ? u : 1;
}

/* A JSON string body: control characters and invalid UTF-8 bytes escaped;
 * free text is cut at VALUE_END. */
static void put_json_str(struct pc_strbuf *b, const char *str, bool free_text)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0;

	while (i < n) {
		const char *esc;
		size_t k = json_piece(s, i, n, &esc);

		if (free_text && !value_room(b, k))
			return;
		if (esc)
			pc_strbuf_puts(b, esc);
		else if (k == 6)
			put_hex2(b, "\\u00", s[i]);
		else
			pc_strbuf_put(b, str + i, k);
		i += k == 6 || esc ? 1 : k;
	}
}

/* A text-format value: '"' and '\' escaped, control bytes as \xHH; free
 * text is cut at VALUE_END. */
static void put_text_str(struct pc_strbuf *b, const char *str, bool free_text)
{
	for (const unsigned char *s = (const unsigned char *)str; *s; s++) {
		bool ctl = *s < 0x20 || *s == 0x7f, quote = *s == '"' || *s == '\\';

		if (free_text && !value_room(b, ctl ? 4 : quote ? 2 : 1))
			return;
		if (quote) {
			pc_strbuf_putc(b, '\\');
			pc_strbuf_putc(b, (char)*s);
		} else if (ctl) {
			put_hex2(b, "\\x", *s);
		} else {
			pc_strbuf_putc(b, (char)*s);
		}
	}
}

/* Whether the line has a key: each line starts with one. */
static bool has_key(const struct pc_strbuf *b)
{
	return pc_strbuf_len(b) > 0;
}

static void kv_key(struct pc_strbuf *b, enum pc_log_format fmt, const char *key)
{
	if (fmt == PC_LOGF_JSON) {
		pc_strbuf_puts(b, has_key(b) ? ",\"" : "{\"");
		pc_strbuf_puts(b, key);
		pc_strbuf_puts(b, "\":");
	} else {
		if (has_key(b))
			pc_strbuf_putc(b, ' ');
		pc_strbuf_puts(b, key);
		pc_strbuf_putc(b, '=');
	}
}

/* A string value; quote: free text, quoted in text format and cut at
 * VALUE_END. */
static void kv_str(struct pc_strbuf *b, enum pc_log_format fmt, const char *key, const char *val,
		   bool quote)
{
	kv_key(b, fmt, key);
	if (fmt == PC_LOGF_JSON) {
		pc_strbuf_putc(b, '"');
		put_json_str(b, val, quote);
		pc_strbuf_putc(b, '"');
	} else if (quote) {
		pc_strbuf_putc(b, '"');
		put_text_str(b, val, true);
		pc_strbuf_putc(b, '"');
	} else {
		put_text_str(b, val, false);
	}
}

static void kv_num(struct pc_strbuf *b, enum pc_log_format fmt, const char *key, uint64_t val)
{
	kv_key(b, fmt, key);
	pc_strbuf_u64(b, val);
}

static void kv_end(struct pc_strbuf *b, enum pc_log_format fmt)
{
	if (fmt != PC_LOGF_JSON)
		return;
	if (!has_key(b))
		pc_strbuf_putc(b, '{');
	pc_strbuf_putc(b, '}');
}

const char *pc_vlog_state_name(enum pc_vlog_state s)
{
	static const char *const names[PC_VSTATE_MAX] = {
		[PC_VSTATE_NEW] = "new", [PC_VSTATE_REVALIDATED] = "revalidated",
		[PC_VSTATE_INVALID] = "invalid", [PC_VSTATE_UNTRACKED] = "untracked",
	};

	return (unsigned)s < PC_VSTATE_MAX ? names[s] : NULL;
}

static const char *dir_name(uint8_t dir)
{
	return dir == PC_DIR_IN ? "in" : dir == PC_DIR_OUT ? "out" : "fwd";
}

static void kv_proto(struct pc_strbuf *b, enum pc_log_format fmt, uint8_t proto)
{
	static const struct { uint8_t num; const char *name; } names[] = {
		{ 1, "icmp" }, { 6, "tcp" }, { 17, "udp" }, { 58, "icmpv6" },
	};
	char num[4];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].num == proto) {
			kv_str(b, fmt, "proto", names[i].name, false);
			return;
		}
	snprintf(num, sizeof(num), "%u", proto);
	kv_str(b, fmt, "proto", num, false);
}

static void kv_packet(struct pc_strbuf *b, enum pc_log_format fmt, const struct pc_pkt *pkt)
{
	char src[PC_ADDR_STRLEN], dst[PC_ADDR_STRLEN];
	bool ports = pkt->flags & PC_PKT_PORTS;

	pc_addr_format(pkt->family, pkt->src, src, sizeof(src));
	pc_addr_format(pkt->family, pkt->dst, dst, sizeof(dst));
	kv_proto(b, fmt, pkt->proto);
	kv_str(b, fmt, "src", src, false);
	if (ports)
		kv_num(b, fmt, "sport", pkt->sport);
	kv_str(b, fmt, "dst", dst, false);
	if (ports)
		kv_num(b, fmt, "dport", pkt->dport);
	if (pkt->flags & PC_PKT_ICMP) {
		kv_num(b, fmt, "type", pkt->icmp_type);
		kv_num(b, fmt, "code", pkt->icmp_code);
	}
	kv_num(b, fmt, "len", pkt->len);
}

size_t pc_vlog_put_rec(struct pc_strbuf *b, enum pc_log_format fmt, const char *time,
		       const struct pc_vlog_rec *rec)
{
	if (time)
		kv_str(b, fmt, "time", time, false);
	kv_str(b, fmt, "verdict", rec->verdict == PC_PERMIT ? "permit" : "deny", false);
	if (rec->reason) {
		kv_str(b, fmt, "rule", "(malformed)", true);
		kv_str(b, fmt, "reason", rec->reason, false);
	} else if (rec->rule) {
		kv_str(b, fmt, "rule", rec->rule, true);
	} else {
		kv_str(b, fmt, "rule", "-", false);
	}
	kv_str(b, fmt, "dir", dir_name(rec->dir), false);
	if (rec->reason || !rec->pkt)
		kv_num(b, fmt, "len", rec->len);
	else
		kv_packet(b, fmt, rec->pkt);
	if (pc_vlog_state_name(rec->state))
		kv_str(b, fmt, "state", pc_vlog_state_name(rec->state), false);
	kv_end(b, fmt);
	return pc_strbuf_finish(b);
}

size_t pc_vlog_format(char *buf, size_t len, enum pc_log_format fmt,
		      const struct pc_vlog_rec *rec)
{
	struct pc_strbuf b;

	pc_strbuf_init(&b, buf, len);
	return pc_vlog_put_rec(&b, fmt, NULL, rec);
}

size_t pc_vlog_put_suppressed(struct pc_strbuf *b, enum pc_log_format fmt, const char *time,
			      uint64_t n)
{
	if (time)
		kv_str(b, fmt, "time", time, false);
	kv_num(b, fmt, "suppressed", n);
	kv_end(b, fmt);
	return pc_strbuf_finish(b);
}

size_t pc_vlog_format_suppressed(char *buf, size_t len, enum pc_log_format fmt, uint64_t n)
{
	struct pc_strbuf b;

	pc_strbuf_init(&b, buf, len);
	return pc_vlog_put_suppressed(&b, fmt, NULL, n);
}

size_t pc_vlog_put_message(struct pc_strbuf *b, enum pc_log_format fmt, const char *time,
			   const char *level, const char *msg)
{
	if (time)
		kv_str(b, fmt, "time", time, false);
	kv_str(b, fmt, "level", level, false);
	kv_str(b, fmt, "msg", msg, true);
	kv_end(b, fmt);
	return pc_strbuf_finish(b);
}
