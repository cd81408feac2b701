/*
 * rec_codec.h - a packet's record as bytes: what a store keeps of each packet and what a
 * replay reads back into the decoder.
 *
 * Version 1, little-endian:
 *   u8 version, u64 frame, i64 ts_sec, u32 ts_nsec, u32 l3_caplen, u32 l3_wirelen,
 *   u8 tcp checksum verdict, u16 expected checksum, u8 flags (bit 0: the ports were reused,
 *   which a flow replayed alone cannot see), u8 n anomalies, n anomaly codes,
 *   then the IP and TCP header bytes (at most TL_REC_MAX_BYTES).
 *
 * Only what the capture said is kept: the classifier's verdict (event, states, relative
 * numbers) is computed again when the record is replayed, by the same code.
 */
#ifndef TL_REC_CODEC_H
#define TL_REC_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"

#define TL_REC_CODEC_VERSION 1
#define TL_REC_CODEC_FIXED   (1 + 8 + 8 + 4 + 4 + 4 + 1 + 2 + 1 + 1)
#define TL_REC_CODEC_MAX     (TL_REC_CODEC_FIXED + TL_MAX_ANOMALIES + TL_REC_MAX_BYTES)

/* A record with room for the largest header a record keeps (struct tl_rec ends in a flexible
 * array, so it is kept as aligned bytes). */
struct tl_rec_space {
    _Alignas(struct tl_rec) uint8_t bytes[sizeof(struct tl_rec) + TL_REC_MAX_BYTES + 8];
};
#define TL_REC_OF(space) ((struct tl_rec *)(void *)(space).bytes)

/* r as bytes into out (TL_REC_CODEC_MAX bytes); returns how many were written. */
size_t tl_rec_encode(const struct tl_rec *r, uint8_t *out);
/* The same straight from a packet and what it did to its flow, as tl_rec_fill() would have
 * recorded it (the store's path: no record in between). */
size_t tl_rec_encode_packet(const struct tl_packet *p, const struct tl_flow_pkt *fp, uint8_t *out);

/*
 * Bytes back into r (a struct tl_rec_space): false when they are not a record of a known
 * version or are cut short. The verdict fields are zero but for the reused-ports flag
 * (TL_AF_REUSED_PORTS in conn.analysis).
 */
bool tl_rec_decode_bytes(const uint8_t *in, size_t n, struct tl_rec *r);

/* The capture frame number of an encoded record, without decoding the rest (0 when unreadable). */
uint64_t tl_rec_encoded_frame(const uint8_t *in, size_t n);

#endif
