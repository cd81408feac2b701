/*
 * checksum.c - RFC 1071 Internet checksum over a vector of pieces.
 *
 * Pieces may have odd lengths: a byte left over from one piece is paired with the first byte
 * of the next, as if the pieces were one buffer.
 */
#include "checksum.h"

uint16_t tl_cksum(const struct tl_cksum_vec *vec, size_t n)
{
    uint64_t sum = 0;
    int odd = 0; /* a high byte is waiting for its low byte */
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = vec[i].ptr;
        size_t len = vec[i].len;
        size_t k = 0;
        if (odd && len > 0) {
            sum += p[0];
            k = 1;
            odd = 0;
        }
        for (; k + 1 < len; k += 2) {
            sum += (uint32_t)p[k] << 8 | p[k + 1];
        }
        if (k < len) {
            sum += (uint32_t)p[k] << 8;
            odd = 1;
        }
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

/*
 * tcpdump's in_cksum_shouldbe: the field plus the computed checksum, in ones' complement,
 * is the value that would have verified (RFC 1624 incremental update).
 */
uint16_t tl_cksum_shouldbe(uint16_t field, uint16_t sum)
{
    uint32_t shouldbe = (uint32_t)field + sum;
    shouldbe = (shouldbe & 0xffff) + (shouldbe >> 16);
    shouldbe = (shouldbe & 0xffff) + (shouldbe >> 16);
    return (uint16_t)shouldbe;
}
