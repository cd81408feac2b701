/*
 * capture.c - capture files through libpcap: open (a path or standard input), sniff the
 * format and timestamp resolution from the first bytes, read records, decode and count.
 *
 * libpcap guards the file structure (pcap_next_ex: 1 packet, PCAP_ERROR_BREAK end of file,
 * PCAP_ERROR corrupt or cut record, reported with pcap_geterr); every byte inside a record
 * is checked by the decoder. The first bytes are read ahead to learn the format, then
 * replayed to libpcap through a cookie stream, so standard input works like a file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

#define SNIFF_MAX        65536
#define READ_BUFFER_SIZE (1 << 20)

struct tl_reader {
    FILE *src; /* the file or stdin */
    bool own_src;
    FILE *replay; /* cookie stream: sniffed prefix, then src */
    unsigned char *prefix;
    size_t prefix_len, prefix_pos;
    pcap_t *pcap;
    struct tl_capture_stats stats;
};

static ssize_t replay_read(void *cookie, char *buf, size_t size)
{
    struct tl_reader *r = cookie;
    if (r->prefix_pos < r->prefix_len) {
        size_t n = r->prefix_len - r->prefix_pos;
        if (n > size) {
            n = size;
        }
        memcpy(buf, r->prefix + r->prefix_pos, n);
        r->prefix_pos += n;
        return (ssize_t)n;
    }
    size_t n = fread(buf, 1, size, r->src);
    if (n == 0 && ferror(r->src)) {
        return -1;
    }
    return (ssize_t)n;
}

static int replay_close(void *cookie)
{
    (void)cookie;
    return 0;
}

static uint32_t rd32(const unsigned char *p, bool swap)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return swap ? __builtin_bswap32(v) : v;
}

static uint16_t rd16(const unsigned char *p, bool swap)
{
    uint16_t v = (uint16_t)(p[0] | p[1] << 8);
    return swap ? __builtin_bswap16(v) : v;
}

/* pcapng: any interface with if_tsresol finer than microseconds (option 9, RFC draft §4.2). */
static bool pcapng_has_nsec(const unsigned char *b, size_t len)
{
    size_t pos = 0;
    bool swap = false;
    while (len - pos >= 12) {
        uint32_t type = rd32(b + pos, false);
        if (type == 0x0a0d0d0a) {
            uint32_t bom = rd32(b + pos + 8, false);
            swap = bom == 0x4d3c2b1a;
        }
        uint32_t blen = rd32(b + pos + 4, swap);
        if (swap) {
            type = rd32(b + pos, true);
        }
        if (blen < 12 || blen % 4 != 0 || blen > len - pos) {
            return false;
        }
        if (type == 1 && blen >= 20) { /* IDB: options after 8 bytes of body */
            size_t o = pos + 16, end = pos + blen - 4;
            while (end - o >= 4 && o < end) {
                uint16_t code = rd16(b + o, swap), olen = rd16(b + o + 2, swap);
                if (code == 0 || (size_t)olen > end - o - 4) {
                    break;
                }
                if (code == 9 && olen >= 1) {
                    uint8_t res = b[o + 4];
                    if (!(res & 0x80) && res > 6) {
                        return true;
                    }
                    if ((res & 0x80) && (res & 0x7f) > 19) {
                        return true;
                    }
                }
                o += 4 + (((size_t)olen + 3) & ~(size_t)3);
            }
        }
        if (type == 6 || type == 3 || type == 2) {
            return false; /* packets begin: the interfaces are all described */
        }
        pos += blen;
    }
    return false;
}

void tl_stats_warn(struct tl_capture_stats *s, const char *fmt, ...)
{
    va_list ap;
    if (s->n_warnings >= TL_MAX_WARNINGS) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(s->warnings[s->n_warnings++], sizeof s->warnings[0], fmt, ap);
    va_end(ap);
}

enum tl_err tl_reader_open(const char *path, struct tl_reader **out, struct tl_errbuf *err)
{
    char pcap_err[PCAP_ERRBUF_SIZE];
    struct tl_reader *r = calloc(1, sizeof *r);
    enum tl_err rc = TL_OK;

    *out = NULL;
    if (!r) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return TL_E_NOMEM;
    }
    if (strcmp(path, "-") == 0) {
        r->src = stdin;
    } else {
        r->src = fopen(path, "rb");
        r->own_src = true;
        if (!r->src) {
            snprintf(err->msg, sizeof err->msg, "%s: %s", path, strerror(errno));
            rc = TL_E_IO;
            goto error;
        }
    }
    r->prefix = malloc(SNIFF_MAX);
    if (!r->prefix) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        rc = TL_E_NOMEM;
        goto error;
    }
    r->prefix_len = fread(r->prefix, 1, SNIFF_MAX, r->src);
    if (r->prefix_len >= 4) {
        uint32_t magic = rd32(r->prefix, false);
        if (magic == 0x0a0d0d0a) {
            r->stats.format = "pcapng";
            r->stats.nsec = pcapng_has_nsec(r->prefix, r->prefix_len);
        } else {
            r->stats.format = "pcap";
            r->stats.nsec = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
        }
    }
    if (r->own_src && fseek(r->src, 0, SEEK_SET) == 0) {
        r->replay = r->src; /* a seekable file: libpcap reads it directly */
        r->own_src = false;
    } else {
        cookie_io_functions_t io = { .read = replay_read, .close = replay_close };
        r->replay = fopencookie(r, "rb", io);
    }
    if (r->replay) {
        setvbuf(r->replay, NULL, _IOFBF, READ_BUFFER_SIZE);
    }
    if (!r->replay) {
        snprintf(err->msg, sizeof err->msg, "cannot open stream: %s", strerror(errno));
        rc = TL_E_IO;
        goto error;
    }
    r->pcap =
        pcap_fopen_offline_with_tstamp_precision(r->replay, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
    if (!r->pcap) {
        snprintf(err->msg, sizeof err->msg, "%s", pcap_err);
        rc = TL_E_FORMAT;
        goto error;
    }
    r->stats.dlt = pcap_datalink(r->pcap);
    const char *name = pcap_datalink_val_to_name(r->stats.dlt);
    r->stats.link_type = name ? name : "unknown";
    if (!tl_linktype_supported(r->stats.dlt)) {
        tl_stats_warn(&r->stats,
                      "link type %s (%d) is not decoded: its packets are counted as "
                      "malformed (link.unsupported)",
                      r->stats.link_type, r->stats.dlt);
    }
    *out = r;
    return TL_OK;

error:
    if (r->replay) {
        fclose(r->replay);
    }
    if (r->own_src && r->src) {
        fclose(r->src);
    }
    free(r->prefix);
    free(r);
    return rc;
}

void tl_reader_close(struct tl_reader *r)
{
    if (!r) {
        return;
    }
    if (r->pcap) {
        pcap_close(r->pcap); /* closes r->replay */
    } else if (r->replay) {
        fclose(r->replay);
    }
    if (r->own_src && r->src) {
        fclose(r->src);
    }
    free(r->prefix);
    free(r);
}

static void count_non_tcp(struct tl_capture_stats *s, const char *kind)
{
    for (unsigned i = 0; i < s->n_non_tcp; i++) {
        if (s->non_tcp[i].kind == kind || strcmp(s->non_tcp[i].kind, kind) == 0) {
            s->non_tcp[i].count++;
            return;
        }
    }
    if (s->n_non_tcp < TL_MAX_NON_TCP_KINDS) {
        s->non_tcp[s->n_non_tcp].kind = kind;
        s->non_tcp[s->n_non_tcp++].count = 1;
    }
}

int tl_reader_next(struct tl_reader *r, struct tl_packet *p)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    struct tl_capture_stats *s = &r->stats;

    if (!r->pcap) {
        return 0;
    }
    int rc = pcap_next_ex(r->pcap, &h, &data);
    if (rc == PCAP_ERROR_BREAK) {
        return 0;
    }
    if (rc != 1) {
        s->truncated = true;
        tl_stats_warn(s, "capture ends early after %llu packets: %s",
                      (unsigned long long)s->packets, pcap_geterr(r->pcap));
        pcap_close(r->pcap); /* closes the stream it read */
        r->pcap = NULL;
        r->replay = NULL;
        if (r->own_src == false) {
            r->src = NULL;
        }
        return 0;
    }
    s->packets++;
    s->bytes += h->caplen;
    p->frame = s->packets;
    p->ts_sec = h->ts.tv_sec;
    p->ts_nsec = (uint32_t)h->ts.tv_usec; /* nanoseconds: opened with NANO precision */
    if (!s->has_ts) {
        s->has_ts = true;
        s->first_sec = p->ts_sec;
        s->first_nsec = p->ts_nsec;
    }
    s->last_sec = p->ts_sec;
    s->last_nsec = p->ts_nsec;
    tl_packet_decode(p, s->dlt, data, h->caplen, h->len);
    for (unsigned i = 0; i < p->n_anomalies; i++) {
        s->anomalies[p->anomalies[i]]++;
    }
    if (p->has_tcp) {
        s->tcp_packets++;
    } else if (p->fatal != TL_AN_NONE) {
        s->malformed[p->fatal]++;
        s->anomalies[p->fatal]++;
    } else if (p->non_tcp) {
        count_non_tcp(s, p->non_tcp);
    }
    return 1;
}

const struct tl_capture_stats *tl_reader_stats(const struct tl_reader *r)
{
    return &r->stats;
}

struct tl_capture_stats *tl_reader_counters(struct tl_reader *r)
{
    return &r->stats;
}
