/*
 * seek.c - packets read again from their positions (see seek.h).
 *
 * A pcap file is read by libpcap itself: its reader takes each record from the stream where
 * the stream stands, so the stream is moved to the position and libpcap reads the record as
 * it did the first time (snapshot length, timestamp precision, byte order). A pcapng file
 * is read by the block reader of pcapng.c, told by the layout which section and interfaces
 * hold at the position: libpcap keeps its interfaces to itself and learns them only by
 * reading the file from the start.
 */
#define _GNU_SOURCE /* fseeko */
#include "seek.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"
#include "pcapng.h"

#define LAYOUT_VERSION 1
#define FORMAT_PCAP    1
#define FORMAT_PCAPNG  2

struct tl_seek {
    int format;
    /* pcap */
    pcap_t *pcap;
    int dlt;
    /* pcapng */
    FILE *f;
    struct tl_pcapng *ng;
    uint8_t *layout;
    size_t layout_len;
};

static uint32_t first_word(const char *path, bool *ok)
{
    uint8_t b[4] = { 0 };
    FILE *f = fopen(path, "rb");
    *ok = f && fread(b, 1, 4, f) == 4;
    if (f) {
        fclose(f);
    }
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static bool is_pcap_magic(uint32_t m)
{
    static const uint32_t magics[] = { 0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34 };
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++) {
        if (m == magics[i] || m == __builtin_bswap32(magics[i])) {
            return true;
        }
    }
    return false;
}

enum tl_err tl_layout_scan(const char *path, uint8_t **out, size_t *len, struct tl_errbuf *err)
{
    bool ok;
    uint32_t magic = first_word(path, &ok);
    *out = NULL;
    if (ok && is_pcap_magic(magic)) {
        uint8_t *b = malloc(2);
        if (!b) {
            snprintf(err->msg, sizeof err->msg, "out of memory");
            return TL_E_NOMEM;
        }
        b[0] = LAYOUT_VERSION;
        b[1] = FORMAT_PCAP;
        *out = b;
        *len = 2;
        return TL_OK;
    }
    if (!ok || magic != 0x0a0d0d0a) {
        snprintf(err->msg, sizeof err->msg, "%s: neither pcap nor pcapng", path);
        return TL_E_FORMAT;
    }
    FILE *f = fopen(path, "rb");
    struct tl_pcapng *ng = f ? tl_pcapng_new(f) : NULL;
    enum tl_err rc = TL_OK;
    if (!ng || !tl_pcapng_keep_layout(ng)) {
        snprintf(err->msg, sizeof err->msg, "%s: %s", path, f ? "out of memory" : strerror(errno));
        rc = f ? TL_E_NOMEM : TL_E_IO;
    } else {
        struct tl_pcapng_rec rec;
        struct tl_errbuf e;
        while (tl_pcapng_next(ng, &rec, &e) == 1) {
            /* only the sections and interfaces are wanted; a cut file keeps what came */
        }
        size_t n = 0;
        uint8_t *lay = tl_pcapng_layout(ng, &n);
        uint8_t *b = lay ? malloc(n + 2) : NULL;
        if (!b) {
            snprintf(err->msg, sizeof err->msg,
                     "%s: more than %u sections and interface descriptions", path,
                     TL_PCAPNG_MAX_LAYOUT);
            rc = lay ? TL_E_NOMEM : TL_E_TOO_LARGE;
        } else {
            b[0] = LAYOUT_VERSION;
            b[1] = FORMAT_PCAPNG;
            memcpy(b + 2, lay, n);
            *out = b;
            *len = n + 2;
        }
        free(lay);
    }
    tl_pcapng_free(ng);
    if (f) {
        fclose(f);
    }
    return rc;
}

void tl_seek_close(struct tl_seek *s)
{
    if (!s) {
        return;
    }
    if (s->pcap) {
        pcap_close(s->pcap); /* closes the stream it reads */
    }
    tl_pcapng_free(s->ng);
    if (s->f) {
        fclose(s->f);
    }
    free(s->layout);
    free(s);
}

enum tl_err tl_seek_open(const char *path, const uint8_t *layout, size_t len, struct tl_seek **out,
                         struct tl_errbuf *err)
{
    *out = NULL;
    if (len < 2 || layout[0] != LAYOUT_VERSION ||
        (layout[1] != FORMAT_PCAP && layout[1] != FORMAT_PCAPNG)) {
        snprintf(err->msg, sizeof err->msg, "the capture's layout is not one this reader knows");
        return TL_E_MALFORMED;
    }
    struct tl_seek *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return TL_E_NOMEM;
    }
    s->format = layout[1];
    s->f = fopen(path, "rb");
    if (!s->f) {
        snprintf(err->msg, sizeof err->msg, "%s: %s", path, strerror(errno));
        tl_seek_close(s);
        return TL_E_IO;
    }
    if (s->format == FORMAT_PCAP) {
        char pe[PCAP_ERRBUF_SIZE];
        s->pcap = pcap_fopen_offline_with_tstamp_precision(s->f, PCAP_TSTAMP_PRECISION_NANO, pe);
        if (!s->pcap) {
            snprintf(err->msg, sizeof err->msg, "%s: %s", path, pe);
            tl_seek_close(s);
            return TL_E_FORMAT;
        }
        s->f = NULL; /* libpcap's now */
        s->dlt = pcap_datalink(s->pcap);
    } else {
        s->layout_len = len - 2;
        s->layout = malloc(s->layout_len ? s->layout_len : 1);
        s->ng = s->layout ? tl_pcapng_new(s->f) : NULL;
        if (!s->ng) {
            snprintf(err->msg, sizeof err->msg, "out of memory");
            tl_seek_close(s);
            return TL_E_NOMEM;
        }
        memcpy(s->layout, layout + 2, s->layout_len);
    }
    *out = s;
    return TL_OK;
}

bool tl_seek_read(struct tl_seek *s, uint64_t pos, uint64_t frame, struct tl_packet *p,
                  struct tl_errbuf *err)
{
    if (pos > (uint64_t)INT64_MAX) {
        snprintf(err->msg, sizeof err->msg, "position %llu is past any file",
                 (unsigned long long)pos);
        return false;
    }
    if (s->pcap) {
        struct pcap_pkthdr *h;
        const u_char *data;
        if (fseeko(pcap_file(s->pcap), (off_t)pos, SEEK_SET) != 0) {
            snprintf(err->msg, sizeof err->msg, "cannot move to byte %llu: %s",
                     (unsigned long long)pos, strerror(errno));
            return false;
        }
        int rc = pcap_next_ex(s->pcap, &h, &data);
        if (rc != 1) {
            snprintf(err->msg, sizeof err->msg, "no record at byte %llu: %s",
                     (unsigned long long)pos,
                     rc == PCAP_ERROR_BREAK ? "end of file" : pcap_geterr(s->pcap));
            return false;
        }
        p->frame = frame;
        p->ts_sec = tl_ts_sec_clamp(h->ts.tv_sec);
        p->ts_nsec = (uint32_t)h->ts.tv_usec; /* nanoseconds: opened with NANO precision */
        tl_packet_decode(p, s->dlt, data, h->caplen, h->len);
        return true;
    }
    struct tl_pcapng_rec rec;
    if (!tl_pcapng_seek(s->ng, pos, s->layout, s->layout_len)) {
        snprintf(err->msg, sizeof err->msg, "byte %llu lies in no section of the capture",
                 (unsigned long long)pos);
        return false;
    }
    int rc = tl_pcapng_next(s->ng, &rec, err);
    if (rc != 1) {
        if (rc == 0) {
            snprintf(err->msg, sizeof err->msg, "no packet after byte %llu",
                     (unsigned long long)pos);
        }
        return false;
    }
    p->frame = frame;
    p->ts_sec = tl_ts_sec_clamp(rec.ts_sec);
    p->ts_nsec = rec.ts_nsec;
    tl_packet_decode(p, rec.linktype, rec.data, rec.caplen, rec.wirelen);
    return true;
}
