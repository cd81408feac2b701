/*
 * test_decompress.c - the gzip and zstd streams of decoder/decompress.c: the bytes out are those
 * of `seq 1 100` (292 bytes), compressed by the tools themselves (`gzip -9n`, gzip 1.12, and
 * `zstd -19`, zstd 1.5.4); the sniffed prefix split at every offset; members one after the
 * other as `gzip -d` reads them; every cut of the stream gives a prefix of the data and then
 * an error; a corrupt CRC is an error; trailing bytes after the last member are ignored, as
 * gzip does; the ratio, floor and absolute limits.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture.h"
#include "decompress.h"

/* printf '1\n2\n...100\n' (seq 1 100) | gzip -9n */
static const unsigned char seq_gz[] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x15, 0x90, 0x49, 0x01, 0x00, 0x41,
    0x0c, 0x83, 0xfe, 0xa8, 0x69, 0x7a, 0xd7, 0xbf, 0xb1, 0x9d, 0x35, 0x90, 0x00, 0xc2, 0x09, 0x92,
    0xa2, 0x19, 0x96, 0x43, 0x86, 0x84, 0x1c, 0x05, 0x4a, 0x54, 0xa8, 0xd1, 0xa0, 0x45, 0x87, 0x1b,
    0x2e, 0xdc, 0xf1, 0xc0, 0x13, 0x2f, 0xbc, 0xf1, 0xc1, 0x17, 0x3f, 0xc2, 0x08, 0x11, 0x6f, 0x32,
    0x88, 0x24, 0x8a, 0x68, 0x62, 0x88, 0x25, 0x8e, 0x34, 0x52, 0xa4, 0x93, 0xef, 0x31, 0xc9, 0x22,
    0x9b, 0x1c, 0x72, 0xc9, 0xa3, 0x8c, 0x12, 0xe5, 0x54, 0x50, 0x0f, 0xa8, 0xa8, 0xa6, 0x86, 0x5a,
    0xea, 0x68, 0xa3, 0x45, 0x3b, 0x1d, 0x74, 0xd2, 0x8f, 0xb7, 0xe9, 0xa1, 0x97, 0x3e, 0xc6, 0x18,
    0x31, 0xce, 0x04, 0x93, 0x4c, 0x31, 0x4f, 0x67, 0x98, 0x65, 0x8e, 0x35, 0x56, 0xac, 0xb3, 0xc1,
    0x26, 0x5b, 0x6c, 0xb3, 0xcf, 0x76, 0xd9, 0xe3, 0x8c, 0x13, 0xe7, 0x5c, 0x70, 0xc9, 0x15, 0xd7,
    0xdc, 0x70, 0x2f, 0xc6, 0x5f, 0xc3, 0xf8, 0x00, 0xdc, 0xf1, 0x8b, 0x67, 0x24, 0x01, 0x00, 0x00
};

/* seq 1 100 | zstd -19 -q */
static const unsigned char seq_zst[] = {
    0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x68, 0x4d, 0x04, 0x00, 0x46, 0x52, 0x21, 0x09, 0xb0, 0xeb,
    0x24, 0x49, 0x88, 0x70, 0x52, 0x98, 0x75, 0x1b, 0x00, 0x1e, 0x00, 0x1e, 0x00, 0xbd, 0x3a,
    0xf5, 0xe9, 0xd2, 0xa3, 0xb7, 0xb3, 0x43, 0x3f, 0x6e, 0xbc, 0x38, 0xf1, 0xe1, 0xc2, 0x83,
    0x97, 0x93, 0x03, 0xbf, 0xed, 0x9a, 0x9e, 0xe5, 0xb8, 0x33, 0x9d, 0x39, 0xc3, 0x7c, 0xb2,
    0xc9, 0x25, 0x93, 0x3c, 0xb2, 0xc8, 0x21, 0x57, 0xa6, 0x0c, 0xf2, 0xc5, 0x16, 0x57, 0x4c,
    0xf1, 0xc4, 0x12, 0x47, 0xdc, 0x98, 0x31, 0xc4, 0xd7, 0x2d, 0x53, 0x3d, 0xb5, 0xd4, 0x51,
    0xb7, 0x66, 0x0d, 0xf5, 0xd1, 0x46, 0x17, 0x4d, 0xf4, 0xd0, 0x42, 0x07, 0x5d, 0x9a, 0x34,
    0xd0, 0x37, 0xdb, 0x5c, 0x33, 0xcd, 0x33, 0xcb, 0x1c, 0x73, 0x03, 0xf0, 0xbb, 0xed, 0xae,
    0x9b, 0xee, 0xb9, 0xe5, 0x8e, 0xbb, 0x37, 0x6f, 0xb8, 0xcf, 0x36, 0xbb, 0x6c, 0xb2, 0xc7,
    0x16, 0x3b, 0xec, 0xda, 0xb4, 0xc1, 0xbe, 0xda, 0xea, 0xaa, 0x00, 0x79, 0x65, 0xcc, 0x6a
};

#define SEQ_LEN 292

static char seq_text[SEQ_LEN + 1];

static int group_setup(void **state)
{
    (void)state;
    size_t n = 0;
    for (int i = 1; i <= 100; i++) {
        n += (size_t)snprintf(seq_text + n, sizeof seq_text - n, "%d\n", i);
    }
    return n == SEQ_LEN ? 0 : -1;
}

static const struct tl_decomp_limits roomy = { .ratio = 1000, .floor = 1 << 20 };

/*
 * Decompress in[0..len) (the first `split` bytes as the sniffed prefix, the rest from a
 * stream), reading `chunk` bytes at a time; returns the bytes out, the status in *st.
 */
static size_t run(enum tl_compression kind, const unsigned char *in, size_t len, size_t split,
                  size_t chunk, const struct tl_decomp_limits *lim, char *out, size_t room,
                  enum tl_err *st)
{
    static const char empty[1];
    FILE *rest = len > split ? fmemopen((void *)(uintptr_t)(in + split), len - split, "rb")
                             : fmemopen((void *)(uintptr_t)empty, 0, "rb");
    assert_non_null(rest);
    struct tl_decomp *d = tl_decomp_new(kind, rest, in, split, lim);
    assert_non_null(d);
    FILE *f = tl_decomp_stream(d);
    setvbuf(f, NULL, _IONBF, 0); /* every fread reaches the cookie with `chunk` bytes */
    size_t n = 0;
    for (unsigned guard = 0; guard < 100000 && n < room; guard++) {
        size_t want = room - n < chunk ? room - n : chunk;
        size_t got = fread(out + n, 1, want, f);
        n += got;
        if (got < want) {
            break;
        }
    }
    *st = tl_decomp_status(d, NULL);
    fclose(f);
    tl_decomp_free(d);
    fclose(rest);
    return n;
}

static void test_sniff(void **state)
{
    (void)state;
    assert_int_equal(tl_compression_sniff(seq_gz, sizeof seq_gz), TL_COMP_GZIP);
    assert_int_equal(tl_compression_sniff(seq_zst, sizeof seq_zst), TL_COMP_ZSTD);
    assert_int_equal(tl_compression_sniff(seq_zst, 3), TL_COMP_NONE);
    assert_int_equal(tl_compression_sniff(seq_gz, 1), TL_COMP_NONE);
    static const unsigned char pcap[] = { 0xd4, 0xc3, 0xb2, 0xa1 };
    assert_int_equal(tl_compression_sniff(pcap, sizeof pcap), TL_COMP_NONE);
    assert_string_equal(tl_compression_name(TL_COMP_GZIP), "gzip");
    assert_string_equal(tl_compression_name(TL_COMP_ZSTD), "zstd");
    assert_null(tl_compression_name(TL_COMP_NONE));
}

/* Both formats, every split of the prefix, chunks of 1, 7 and 4096 bytes. */
static void test_whole_every_split(void **state)
{
    (void)state;
    static const struct {
        enum tl_compression kind;
        const unsigned char *data;
        size_t len;
    } cases[] = {
        { TL_COMP_GZIP, seq_gz, sizeof seq_gz },
        { TL_COMP_ZSTD, seq_zst, sizeof seq_zst },
    };
    static const size_t chunks[] = { 1, 7, 4096 };
    char out[1024];
    for (size_t c = 0; c < 2; c++) {
        for (size_t split = 0; split <= cases[c].len; split++) {
            for (size_t k = 0; k < 3; k++) {
                enum tl_err st;
                size_t n = run(cases[c].kind, cases[c].data, cases[c].len, split, chunks[k], &roomy,
                               out, sizeof out, &st);
                assert_int_equal(st, TL_OK);
                assert_int_equal(n, SEQ_LEN);
                assert_memory_equal(out, seq_text, SEQ_LEN);
            }
        }
    }
}

/* `cat a.gz a.gz | gzip -d` gives the text twice; so do two zstd frames. */
static void test_members(void **state)
{
    (void)state;
    unsigned char two[2 * sizeof seq_gz];
    char out[1024];
    enum tl_err st;
    memcpy(two, seq_gz, sizeof seq_gz);
    memcpy(two + sizeof seq_gz, seq_gz, sizeof seq_gz);
    size_t n = run(TL_COMP_GZIP, two, sizeof two, 10, 4096, &roomy, out, sizeof out, &st);
    assert_int_equal(st, TL_OK);
    assert_int_equal(n, 2 * SEQ_LEN);
    assert_memory_equal(out, seq_text, SEQ_LEN);
    assert_memory_equal(out + SEQ_LEN, seq_text, SEQ_LEN);

    unsigned char twoz[2 * sizeof seq_zst];
    memcpy(twoz, seq_zst, sizeof seq_zst);
    memcpy(twoz + sizeof seq_zst, seq_zst, sizeof seq_zst);
    n = run(TL_COMP_ZSTD, twoz, sizeof twoz, 10, 4096, &roomy, out, sizeof out, &st);
    assert_int_equal(st, TL_OK);
    assert_int_equal(n, 2 * SEQ_LEN);
    assert_memory_equal(out + SEQ_LEN, seq_text, SEQ_LEN);
}

/* Every cut: a prefix of the text, then an error (never a clean end). */
static void test_every_cut(void **state)
{
    (void)state;
    char out[1024];
    for (size_t cut = 1; cut < sizeof seq_gz; cut++) {
        enum tl_err st;
        size_t n =
            run(TL_COMP_GZIP, seq_gz, cut, cut < 64 ? cut : 64, 4096, &roomy, out, sizeof out, &st);
        assert_int_equal(st, TL_E_MALFORMED);
        assert_true(n <= SEQ_LEN);
        assert_memory_equal(out, seq_text, n);
    }
    for (size_t cut = 1; cut < sizeof seq_zst; cut++) {
        enum tl_err st;
        size_t n = run(TL_COMP_ZSTD, seq_zst, cut, cut < 64 ? cut : 64, 4096, &roomy, out,
                       sizeof out, &st);
        assert_int_equal(st, TL_E_MALFORMED);
        assert_true(n <= SEQ_LEN);
        assert_memory_equal(out, seq_text, n);
    }
}

static void test_corrupt_crc_and_trailing(void **state)
{
    (void)state;
    unsigned char bad[sizeof seq_gz + 8];
    char out[1024];
    enum tl_err st;
    memcpy(bad, seq_gz, sizeof seq_gz);
    bad[sizeof seq_gz - 8] ^= 0x01; /* the CRC-32 of the member */
    run(TL_COMP_GZIP, bad, sizeof seq_gz, 16, 4096, &roomy, out, sizeof out, &st);
    assert_int_equal(st, TL_E_MALFORMED);

    /* gzip -d: "decompression OK, trailing garbage ignored" */
    memcpy(bad, seq_gz, sizeof seq_gz);
    memset(bad + sizeof seq_gz, 0, 8);
    size_t n = run(TL_COMP_GZIP, bad, sizeof bad, 16, 4096, &roomy, out, sizeof out, &st);
    assert_int_equal(st, TL_OK);
    assert_int_equal(n, SEQ_LEN);
}

static void test_limits(void **state)
{
    (void)state;
    char out[1024];
    enum tl_err st;
    /* 292 bytes from 160: more than 1:1, and past a floor of 100 */
    struct tl_decomp_limits ratio = { .ratio = 1, .floor = 100 };
    size_t n = run(TL_COMP_GZIP, seq_gz, sizeof seq_gz, 0, 4096, &ratio, out, sizeof out, &st);
    assert_int_equal(st, TL_E_TOO_LARGE);
    assert_true(n < SEQ_LEN);
    /* the floor alone allows it */
    struct tl_decomp_limits floor = { .ratio = 1, .floor = SEQ_LEN };
    n = run(TL_COMP_ZSTD, seq_zst, sizeof seq_zst, 0, 4096, &floor, out, sizeof out, &st);
    assert_int_equal(st, TL_OK);
    assert_int_equal(n, SEQ_LEN);
    /* the absolute limit wins over a generous ratio */
    struct tl_decomp_limits total = { .ratio = 1000, .floor = 1 << 20, .max_total = 200 };
    n = run(TL_COMP_ZSTD, seq_zst, sizeof seq_zst, 0, 64, &total, out, sizeof out, &st);
    assert_int_equal(st, TL_E_TOO_LARGE);
    assert_true(n <= 200);
    assert_memory_equal(out, seq_text, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_whole_every_split),
        cmocka_unit_test(test_members),
        cmocka_unit_test(test_every_cut),
        cmocka_unit_test(test_corrupt_crc_and_trailing),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
