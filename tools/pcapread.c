/* pcapread.c - the IP packets of a capture file */
#include "pcapread.h"

#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define ETH_HDRLEN 14
#define SLL_HDRLEN 16
#define SLL2_HDRLEN 20
#define VLAN_TAGLEN 4
#define VLAN_MAX 4 /* stacked tags taken off */
#define ETHERTYPE_IP 0x0800
#define ETHERTYPE_IPV6 0x86dd

/* Where the IP header of a frame starts: its offset, or -1 when the frame
 * holds no IP packet, -2 when it is shorter than its link-layer header. */
typedef long ip_offset_fn(const uint8_t *f, size_t caplen);

struct linktype {
	int dlt;
	ip_offset_fn *ip;
};

struct pc_pcapread {
	pcap_t *pcap;
	const struct linktype *lt;
	char name[256];
	struct pc_pcapread_stats st;
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static long by_ethertype(uint16_t type, long off)
{
	return type == ETHERTYPE_IP || type == ETHERTYPE_IPV6 ? off : -1;
}

/* Ethernet, with up to VLAN_MAX 802.1Q / 802.1ad tags. */
static long ip_ether(const uint8_t *f, size_t caplen)
{
	size_t off = ETH_HDRLEN - 2;

	for (int tags = 0;; tags++) {
		uint16_t type;

		if (caplen < off + 2)
			return -2;
		type = be16(f + off);
		if ((type != 0x8100 && type != 0x88a8 && type != 0x9100) || tags == VLAN_MAX)
			return by_ethertype(type, (long)off + 2);
		off += VLAN_TAGLEN;
	}
}

static long ip_sll(const uint8_t *f, size_t caplen)
{
	return caplen < SLL_HDRLEN ? -2 : by_ethertype(be16(f + 14), SLL_HDRLEN);
}

static long ip_sll2(const uint8_t *f, size_t caplen)
{
	return caplen < SLL2_HDRLEN ? -2 : by_ethertype(be16(f), SLL2_HDRLEN);
}

static long ip_raw(const uint8_t *f, size_t caplen)
{
	(void)f;
	(void)caplen;
	return 0;
}

static const struct linktype linktypes[] = {
	{ DLT_EN10MB, ip_ether }, { DLT_LINUX_SLL, ip_sll }, { DLT_LINUX_SLL2, ip_sll2 },
	{ DLT_RAW, ip_raw },      { DLT_IPV4, ip_raw },      { DLT_IPV6, ip_raw },
};

static const struct linktype *find_linktype(int dlt)
{
	for (size_t i = 0; i < sizeof(linktypes) / sizeof(linktypes[0]); i++)
		if (linktypes[i].dlt == dlt)
			return &linktypes[i];
	return NULL;
}

/* Takes the opened pcap (or reports errbuf), checks its link type. */
static struct pc_pcapread *setup(pcap_t *pcap, const char *name, const char *errbuf, char *err)
{
	struct pc_pcapread *r;
	int dlt;

	if (!pcap) {
		size_t n = strlen(name);

		/* libpcap names the file itself when it cannot open it */
		if (!strncmp(errbuf, name, n) && !strncmp(errbuf + n, ": ", 2))
			errbuf += n + 2;
		snprintf(err, PC_PCAPREAD_ERRLEN, "%s: %s", name, errbuf);
		return NULL;
	}
	dlt = pcap_datalink(pcap);
	if (!find_linktype(dlt)) {
		const char *dn = pcap_datalink_val_to_name(dlt);

		snprintf(err, PC_PCAPREAD_ERRLEN, "%s: link type %d (%s) is not one the replay "
			 "reads (Ethernet, Linux cooked SLL or SLL2, raw IP)", name, dlt,
			 dn ? dn : "unknown");
		pcap_close(pcap);
		return NULL;
	}
	if (!(r = calloc(1, sizeof(*r)))) {
		snprintf(err, PC_PCAPREAD_ERRLEN, "%s: out of memory", name);
		pcap_close(pcap);
		return NULL;
	}
	r->pcap = pcap;
	r->lt = find_linktype(dlt);
	snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

struct pc_pcapread *pc_pcapread_open(const char *path, char *err)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	const char *name = strcmp(path, "-") ? path : "stdin";
	pcap_t *pcap = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO,
								errbuf);

	return setup(pcap, name, errbuf, err);
}

struct pc_pcapread *pc_pcapread_fopen(FILE *f, const char *name, char *err)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pcap = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO,
								errbuf);

	if (!pcap)
		fclose(f);
	return setup(pcap, name, errbuf, err);
}

/* A record's time in microseconds; a time past +-9e12 s (a damaged or
 * crafted record) is held there instead of overflowing. */
static int64_t ts_us(const struct timeval *tv)
{
	const int64_t max_s = 9000000000000;
	int64_t sec = tv->tv_sec > max_s ? max_s : tv->tv_sec < -max_s ? -max_s : tv->tv_sec;

	return sec * 1000000 + (tv->tv_usec % 1000000);
}

int pc_pcapread_next(struct pc_pcapread *r, struct pc_capture_pkt *p, char *err)
{
	for (;;) {
		struct pcap_pkthdr *h;
		const u_char *data;
		long off;
		int rc = pcap_next_ex(r->pcap, &h, &data);

		if (rc == PCAP_ERROR_BREAK)
			return 0;
		if (rc != 1) {
			snprintf(err, PC_PCAPREAD_ERRLEN, "%s: packet %" PRIu64 ": %s", r->name,
				 r->st.frames + 1, pcap_geterr(r->pcap));
			return -1;
		}
		r->st.frames++;
		off = r->lt->ip(data, h->caplen);
		if (off == -2 || (off >= 0 && (size_t)off >= h->caplen)) {
			if (!r->st.short_link++)
				r->st.first_short = r->st.frames;
			continue;
		}
		if (off < 0) {
			r->st.non_ip++;
			continue;
		}
		p->ip = data + off;
		p->caplen = h->caplen - (size_t)off;
		/* a record may claim fewer bytes on the wire than it holds */
		p->origlen = (h->len > h->caplen ? h->len : h->caplen) - (size_t)off;
		p->ts_us = ts_us(&h->ts);
		p->number = r->st.frames;
		return 1;
	}
}

int pc_pcapread_snaplen(const struct pc_pcapread *r)
{
	return pcap_snapshot(r->pcap);
}

void pc_pcapread_stats(const struct pc_pcapread *r, struct pc_pcapread_stats *st)
{
	*st = r->st;
}

void pc_pcapread_close(struct pc_pcapread *r)
{
	if (!r)
		return;
	pcap_close(r->pcap);
	free(r);
}
