/*
 * checksum.h - Internet checksums (RFC 1071) over lists of byte pieces.
 *
 * The TCP checksum covers a pseudo-header and the segment; both are summed as pieces in
 * place, never copied into one buffer.
 */
#ifndef TL_CHECKSUM_H
#define TL_CHECKSUM_H

#include <stdbool.h>
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

/*
 * Whether a checksum field holds the pseudo-header sum alone: the folded, uncomplemented ones'
 * complement sum of `pseudo` (the TCP/UDP pseudo-header as the checksum covers it). That is
 * what Linux writes when it leaves the checksum to the network card (CHECKSUM_PARTIAL: the
 * card adds the segment and complements), so a capture taken on the sending host, or on
 * loopback where no card ever finishes the job, shows it. 0x0000 and 0xffff are the same
 * ones' complement value and both match a sum of 0xffff.
 */
bool tl_cksum_is_partial(uint16_t field, const uint8_t *pseudo, size_t len);

#endif
