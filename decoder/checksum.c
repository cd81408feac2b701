/*
 * checksum.c - RFC 1071 Internet checksum over a vector of pieces.
 *
 * Pieces may have odd lengths: a byte left over from one piece is paired with the first byte
 * of the next, as if the pieces were one buffer.
 */
#include <stdbool.h>
#include <string.h>

#include "checksum.h"

/*
 * The sum is taken in host byte order, 8 bytes at a time into a 64-bit accumulator, and
 * swapped at the end: RFC 1071 §2(B), the ones' complement sum is byte-order independent.
 * A piece that ends on an odd byte leaves that byte to pair with the next piece's first.
 */
static uint64_t sum_piece(const uint8_t *p, size_t len, uint64_t acc, bool *odd, uint8_t *carry)
{
    size_t k = 0;
    if (*odd && len > 0) {
        uint8_t pair[2] = { *carry, p[0] };
        uint16_t w;
        memcpy(&w, pair, 2);
        acc += w;
        k = 1;
        *odd = false;
    }
    for (; len - k >= 8; k += 8) {
        uint64_t v;
        memcpy(&v, p + k, 8);
        acc += v & 0xffffffffu;
        acc += v >> 32;
    }
    for (; len - k >= 2; k += 2) {
        uint16_t w;
        memcpy(&w, p + k, 2);
        acc += w;
    }
    if (k < len) {
        *carry = p[k];
        *odd = true;
    }
    return acc;
}

uint16_t tl_cksum(const struct tl_cksum_vec *vec, size_t n)
{
    uint64_t acc = 0;
    bool odd = false;
    uint8_t carry = 0;
    for (size_t i = 0; i < n; i++) {
        acc = sum_piece(vec[i].ptr, vec[i].len, acc, &odd, &carry);
    }
    if (odd) {
        uint8_t pair[2] = { carry, 0 };
        uint16_t w;
        memcpy(&w, pair, 2);
        acc += w;
    }
    while (acc >> 16) {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    uint16_t sum = (uint16_t)acc;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    sum = (uint16_t)(sum >> 8 | sum << 8);
#endif
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

bool tl_cksum_is_partial(uint16_t field, const uint8_t *pseudo, size_t len)
{
    struct tl_cksum_vec v = { pseudo, len };
    uint16_t sum = (uint16_t)~tl_cksum(&v, 1); /* folded, uncomplemented */
    return field == sum || (sum == 0xffff && field == 0x0000);
}
