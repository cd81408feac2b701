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
    uint64_t offset; /* of its block in the file */
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

/*
 * The layout: where each section begins (and its byte order) and each interface description
 * (and what it says), with their file offsets, so that a packet block can be read again from
 * its place without reading the file from the start (seek.h).
 *
 * tl_pcapng_keep_layout() before the first read makes the reader keep it (false: out of
 * memory); tl_pcapng_layout() encodes what was kept into a malloc'ed buffer (NULL: out of
 * memory, or more than TL_PCAPNG_MAX_LAYOUT entries were met).
 * Encoding (little-endian): u32 count, then per entry u64 offset, u8 kind (0 section,
 * 1 interface), u8 flags (section: bit 0 big-endian; interface: bit 0 if_tsresol is a power
 * of 2), u8 exponent, u32 link type, u32 snapshot length, i64 if_tsoffset.
 */
#define TL_PCAPNG_MAX_LAYOUT 65536
bool tl_pcapng_keep_layout(struct tl_pcapng *r);
uint8_t *tl_pcapng_layout(const struct tl_pcapng *r, size_t *len);

/*
 * Read on from `offset` of the file as a reader that had read it up to there would: the
 * section and the interfaces described before `offset` come from `layout` (as encoded above).
 * False when the layout is not one or has no section before `offset`.
 */
bool tl_pcapng_seek(struct tl_pcapng *r, uint64_t offset, const uint8_t *layout, size_t len);

#endif
