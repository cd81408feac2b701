/*
 * pcapng.h - a small pcapng block reader for the files libpcap refuses: interfaces that differ
 * in link type or snapshot length (`tcpdump -i any` on several interfaces, files merged by
 * mergecap), which tshark reads. libpcap reads every other capture.
 *
 * Blocks (draft-ietf-opsawg-pcapng): Section Header (its byte order holds until the next),
 * Interface Description (link type, snapshot length, if_tsresol, if_tsoffset), Enhanced and
 * Simple Packet and the obsolete Packet block; every other block is skipped by its length.
 * Each block's length is checked against the limit, its alignment and its trailing copy
 * before any field inside it is read.
 */
#ifndef TL_PCAPNG_H
#define TL_PCAPNG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tcplens.h"

#define TL_PCAPNG_MAX_BLOCK  (16u << 20) /* larger than any packet libpcap accepts */
#define TL_PCAPNG_MAX_IFACES 256

struct tl_pcapng;

/* One packet record; data is valid until the next call. */
struct tl_pcapng_rec {
    int linktype;
    uint32_t interface_id;
    int64_t ts_sec;
    uint32_t ts_nsec;
    uint32_t caplen, wirelen;
    const uint8_t *data;
};

/* Read from f (not owned), which must be at a Section Header Block. NULL on a memory failure. */
struct tl_pcapng *tl_pcapng_new(FILE *f);
void tl_pcapng_free(struct tl_pcapng *r);

/*
 * The next packet: 1 with *rec filled, 0 at the end of the file, -1 when the file is cut or
 * contradicts itself (err says where and why; everything before was delivered).
 */
int tl_pcapng_next(struct tl_pcapng *r, struct tl_pcapng_rec *rec, struct tl_errbuf *err);

/* The link types of the interfaces seen so far, in order of appearance, without repeats. */
unsigned tl_pcapng_linktypes(const struct tl_pcapng *r, int *out, unsigned max);

#endif
