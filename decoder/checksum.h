/*
 * checksum.h - Internet checksums (RFC 1071) over lists of byte pieces.
 *
 * The TCP checksum covers a pseudo-header and the segment; both are summed as pieces in
 * place, never copied into one buffer.
 */
#ifndef TL_CHECKSUM_H
#define TL_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

struct tl_cksum_vec {
    const uint8_t *ptr;
    size_t len;
};

/* Ones' complement sum of the pieces, folded and complemented: 0 means the data verifies. */
uint16_t tl_cksum(const struct tl_cksum_vec *vec, size_t n);

/*
 * The value the checksum field should hold, given the computed checksum over the data with
 * the field as sent (`sum`, from tl_cksum) and the field itself: what tcpdump prints after
 * "incorrect ->" (its in_cksum_shouldbe).
 */
uint16_t tl_cksum_shouldbe(uint16_t field, uint16_t sum);

#endif
