/*
 * decompress.c - gzip (zlib's inflate, members one after another as gzip(1) reads them) and
 * zstd (ZSTD_decompressStream, frames one after another) as a stream for libpcap.
 *
 * Every call of the cookie's read fills the caller's buffer or ends: cleanly at the end of the
 * last member or frame, or with -1 (and a status) when the compressed data is corrupt or cut,
 * src fails, or a limit is crossed. Bytes decompressed before a failure are handed out
 * first, so libpcap sees every whole record before it and reports a cut record after.
 */
#define _GNU_SOURCE
#define ZLIB_CONST
#include "decompress.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#define IN_BUF_SIZE (1 << 16)

struct tl_decomp {
    enum tl_compression kind;
    FILE *src;
    const unsigned char *pre;
    size_t pre_len;
    bool pre_used;
    unsigned char *inbuf;
    const unsigned char *in; /* unconsumed input */
    size_t in_len;
    bool in_eof;
    struct tl_decomp_limits lim;
    uint64_t consumed, produced;
    bool done;       /* the clean end was reached */
    bool unit_ended; /* the last gzip member or zstd frame is complete */
    bool started;    /* a member or frame was begun */
    enum tl_err status;
    const char *msg;
    char why[160];
    z_stream z;
    bool z_init;
    ZSTD_DStream *zs;
    FILE *stream;
};

enum tl_compression tl_compression_sniff(const unsigned char *b, size_t n)
{
    if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
        return TL_COMP_GZIP;
    }
    if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) {
        return TL_COMP_ZSTD;
    }
    return TL_COMP_NONE;
}

const char *tl_compression_name(enum tl_compression c)
{
    switch (c) {
        case TL_COMP_GZIP:
            return "gzip";
        case TL_COMP_ZSTD:
            return "zstd";
        default:
            return NULL;
    }
}

static void set_fail(struct tl_decomp *d, enum tl_err e, const char *msg)
{
    if (d->status == TL_OK) {
        d->status = e;
        d->msg = msg;
    }
}

/* More compressed input when none is left: the prefix first, then src. */
static void fill(struct tl_decomp *d)
{
    if (d->in_len || d->in_eof) {
        return;
    }
    if (!d->pre_used) {
        d->pre_used = true;
        if (d->pre_len) {
            d->in = d->pre;
            d->in_len = d->pre_len;
            return;
        }
    }
    size_t n = fread(d->inbuf, 1, IN_BUF_SIZE, d->src);
    if (n == 0) {
        if (ferror(d->src)) {
            set_fail(d, TL_E_IO, "the compressed input cannot be read");
        }
        d->in_eof = true;
        return;
    }
    d->in = d->inbuf;
    d->in_len = n;
}

/* Is `more` bytes of output within the limits? Sets the status when not. */
static bool within_limits(struct tl_decomp *d, uint64_t more)
{
    uint64_t allowed;
    if (__builtin_mul_overflow(d->consumed, d->lim.ratio, &allowed)) {
        allowed = UINT64_MAX;
    }
    if (allowed < d->lim.floor) {
        allowed = d->lim.floor;
    }
    if (d->lim.max_total && allowed > d->lim.max_total) {
        allowed = d->lim.max_total;
    }
    if (d->produced + more > allowed) {
        if (d->lim.max_total && allowed == d->lim.max_total) {
            snprintf(d->why, sizeof d->why,
                     "the capture decompresses to more than %llu bytes, the limit",
                     (unsigned long long)d->lim.max_total);
        } else {
            snprintf(d->why, sizeof d->why,
                     "the capture decompresses to more than %llu times its compressed size "
                     "(a decompression bomb?)",
                     (unsigned long long)d->lim.ratio);
        }
        set_fail(d, TL_E_TOO_LARGE, d->why);
        return false;
    }
    return true;
}

/* One step of gzip: returns the bytes written to out, sets done or the status. */
static size_t gzip_step(struct tl_decomp *d, unsigned char *out, size_t room)
{
    if (d->unit_ended) {
        if (d->in_len == 0) {
            fill(d);
        }
        if (d->in_len == 0) {
            d->done = d->in_eof && d->status == TL_OK;
            return 0;
        }
        if (d->in[0] != 0x1f) { /* trailing bytes after the last member: ignored, as gzip */
            d->done = true;
            return 0;
        }
        inflateReset(&d->z);
        d->unit_ended = false;
    }
    if (d->in_len == 0) {
        fill(d);
        if (d->in_len == 0) {
            if (d->status == TL_OK) {
                set_fail(d, TL_E_MALFORMED, "the gzip data ends early");
            }
            return 0;
        }
    }
    d->z.next_in = d->in;
    d->z.avail_in = d->in_len > UINT32_MAX ? UINT32_MAX : (uInt)d->in_len;
    d->z.next_out = out;
    d->z.avail_out = room > UINT32_MAX ? UINT32_MAX : (uInt)room;
    uInt in0 = d->z.avail_in, out0 = d->z.avail_out;
    int rc = inflate(&d->z, Z_NO_FLUSH);
    size_t used = in0 - d->z.avail_in, made = out0 - d->z.avail_out;
    d->in += used;
    d->in_len -= used;
    d->consumed += used;
    d->started = true;
    if (rc == Z_STREAM_END) {
        d->unit_ended = true;
    } else if (rc != Z_OK && !(rc == Z_BUF_ERROR && made == 0 && used == 0)) {
        set_fail(d, rc == Z_MEM_ERROR ? TL_E_NOMEM : TL_E_MALFORMED,
                 rc == Z_MEM_ERROR ? "out of memory" : "the gzip data is corrupt");
    }
    return made;
}

static size_t zstd_step(struct tl_decomp *d, unsigned char *out, size_t room)
{
    if (d->in_len == 0) {
        fill(d);
    }
    ZSTD_inBuffer in = { d->in, d->in_len, 0 };
    ZSTD_outBuffer o = { out, room, 0 };
    size_t rc = ZSTD_decompressStream(d->zs, &o, &in);
    d->in += in.pos;
    d->in_len -= in.pos;
    d->consumed += in.pos;
    if (ZSTD_isError(rc)) {
        set_fail(d, TL_E_MALFORMED, "the zstd data is corrupt");
        return o.pos;
    }
    if (in.pos) {
        d->started = true;
    }
    if (in.pos || o.pos) { /* with nothing to read it only hints at the next frame */
        d->unit_ended = rc == 0;
    }
    if (o.pos == 0 && in.pos == 0 && d->in_len == 0 && d->in_eof) {
        if (d->unit_ended && d->started) {
            d->done = d->status == TL_OK;
        } else if (d->status == TL_OK) {
            set_fail(d, TL_E_MALFORMED, "the zstd data ends early");
        }
    }
    return o.pos;
}

static ssize_t dz_read(void *cookie, char *buf, size_t size)
{
    struct tl_decomp *d = cookie;
    size_t made = 0;
    unsigned idle = 0;
    while (made < size && !d->done && d->status == TL_OK) {
        uint64_t consumed0 = d->consumed;
        size_t n = d->kind == TL_COMP_GZIP ? gzip_step(d, (unsigned char *)buf + made, size - made)
                                           : zstd_step(d, (unsigned char *)buf + made, size - made);
        if (n && !within_limits(d, made + n)) {
            break;
        }
        made += n;
        /* steps that neither consume nor produce: the data is cut or the decoder is stuck */
        idle = n == 0 && d->consumed == consumed0 ? idle + 1 : 0;
        if (idle > 4 && d->in_len == 0 && d->in_eof && !d->done && d->status == TL_OK) {
            set_fail(d, TL_E_MALFORMED, "the compressed data ends early");
        } else if (idle > 64 && !d->done && d->status == TL_OK) {
            set_fail(d, TL_E_MALFORMED, "the compressed data is corrupt");
        }
    }
    if (made) {
        d->produced += made;
        return (ssize_t)made; /* what came before a failure first; -1 the next time */
    }
    if (d->status == TL_OK) {
        return 0;
    }
    errno = d->status == TL_E_TOO_LARGE ? EFBIG : d->status == TL_E_NOMEM ? ENOMEM : EIO;
    return -1;
}

static int dz_close(void *cookie)
{
    (void)cookie;
    return 0;
}

struct tl_decomp *tl_decomp_new(enum tl_compression kind, FILE *src, const unsigned char *pre,
                                size_t pre_len, const struct tl_decomp_limits *lim)
{
    struct tl_decomp *d = calloc(1, sizeof *d);
    if (!d) {
        return NULL;
    }
    d->kind = kind;
    d->src = src;
    d->pre = pre;
    d->pre_len = pre_len;
    d->lim = *lim;
    d->inbuf = malloc(IN_BUF_SIZE);
    if (!d->inbuf) {
        goto error;
    }
    if (kind == TL_COMP_GZIP) {
        if (inflateInit2(&d->z, 15 + 16) != Z_OK) { /* gzip wrapper only */
            goto error;
        }
        d->z_init = true;
    } else if (kind == TL_COMP_ZSTD) {
        d->zs = ZSTD_createDStream();
        if (!d->zs || ZSTD_isError(ZSTD_initDStream(d->zs))) {
            goto error;
        }
    } else {
        goto error;
    }
    cookie_io_functions_t io = { .read = dz_read, .close = dz_close };
    d->stream = fopencookie(d, "rb", io);
    if (!d->stream) {
        goto error;
    }
    return d;

error:
    tl_decomp_free(d);
    return NULL;
}

FILE *tl_decomp_stream(struct tl_decomp *d)
{
    return d->stream;
}

enum tl_err tl_decomp_status(const struct tl_decomp *d, const char **msg)
{
    if (msg) {
        *msg = d->msg;
    }
    return d->status;
}

void tl_decomp_counts(const struct tl_decomp *d, uint64_t *in, uint64_t *out)
{
    *in = d->consumed;
    *out = d->produced;
}

void tl_decomp_free(struct tl_decomp *d)
{
    if (!d) {
        return;
    }
    if (d->z_init) {
        inflateEnd(&d->z);
    }
    if (d->zs) {
        ZSTD_freeDStream(d->zs);
    }
    free(d->inbuf);
    free(d);
}
