/* pcapread.h - the IP packets of a capture file (pcap or pcapng, read with
 * libpcap): link-layer headers taken off, non-IP frames counted */
#ifndef PC_PCAPREAD_H
#define PC_PCAPREAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PC_PCAPREAD_ERRLEN 512

struct pc_pcapread;

/* One IP packet of the capture. */
struct pc_capture_pkt {
	const uint8_t *ip;  /* the IP header (valid until the next call) */
	size_t caplen;      /* bytes captured from ip on */
	size_t origlen;     /* the packet's length on the wire from ip on */
	int64_t ts_us;      /* capture time, microseconds since the epoch */
	uint64_t number;    /* the frame's number in the file, from 1 */
};

struct pc_pcapread_stats {
	uint64_t frames;    /* read */
	uint64_t non_ip;    /* neither IPv4 nor IPv6 (ARP, LLDP, ...): skipped */
	uint64_t short_link; /* shorter than their link-layer header: skipped */
	uint64_t first_short; /* the number of the first of those */
};

/* Opens the capture at path ("-": stdin). Returns the reader, or NULL with
 * "PATH: why" in err (PC_PCAPREAD_ERRLEN bytes): unreadable, not a capture,
 * or a link type it cannot take IP packets from. */
struct pc_pcapread *pc_pcapread_open(const char *path, char *err);

/* The same from an open stream (taken over: closed by pc_pcapread_close);
 * name is the file's name in messages. */
struct pc_pcapread *pc_pcapread_fopen(FILE *f, const char *name, char *err);

/* The next IP packet. Returns 1 with *p set, 0 at the end of the capture,
 * or -1 with "NAME: packet N: why" in err (a truncated or corrupt file). */
int pc_pcapread_next(struct pc_pcapread *r, struct pc_capture_pkt *p, char *err);

/* The file's snap length. */
int pc_pcapread_snaplen(const struct pc_pcapread *r);

void pc_pcapread_stats(const struct pc_pcapread *r, struct pc_pcapread_stats *st);

void pc_pcapread_close(struct pc_pcapread *r);

#endif
