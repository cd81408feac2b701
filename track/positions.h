/*
 * positions.h - where a flow's packets are in their capture file: for each packet its frame
 * number and its position (decoder/include/seek.h), in order, as one compact blob.
 *
 * Encoding, version 1: u8 version, u8 flags (bit 0: the flow's first packet reused the ports
 * of an earlier connection, which the flow read alone cannot see), then per packet two
 * unsigned LEB128 varints: the frame number and the position, each minus the packet's
 * before (0 before the first). Packets of one flow come in file order, so both differences
 * are small: about 4 to 6 bytes per packet.
 */
#ifndef TL_POSITIONS_H
#define TL_POSITIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TL_POS_VERSION      1
#define TL_POS_FLAG_REUSED  0x01
#define TL_POS_HEADER_BYTES 2

struct tl_pos_writer {
    uint8_t *b;
    size_t n, cap;
    uint64_t frame, pos; /* the last packet's */
    uint64_t count;
};

/* Append a packet (false: out of memory, or it lies before the previous one). */
bool tl_pos_add(struct tl_pos_writer *w, uint64_t frame, uint64_t pos);
void tl_pos_set_flags(struct tl_pos_writer *w, uint8_t flags);
void tl_pos_writer_free(struct tl_pos_writer *w);

struct tl_pos_reader {
    const uint8_t *b;
    size_t n, off;
    uint64_t frame, pos;
    uint8_t flags;
};

/* Read `b` (n bytes); false when it is not positions of a known version. */
bool tl_pos_reader_init(struct tl_pos_reader *r, const uint8_t *b, size_t n);
/* The next packet's frame and position: 1, 0 at the end, -1 when the blob is damaged. */
int tl_pos_next(struct tl_pos_reader *r, uint64_t *frame, uint64_t *pos);

#endif
