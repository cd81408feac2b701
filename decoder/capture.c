/*
 * capture.c - capture files through libpcap: open (a path or standard input), sniff the
 * format and timestamp resolution from the first bytes, read records, decode and count.
 *
 * libpcap guards the file structure (pcap_next_ex: 1 packet, PCAP_ERROR_BREAK end of file,
 * PCAP_ERROR corrupt or cut record, reported with pcap_geterr); every byte inside a record
 * is checked by the decoder. The first bytes are read ahead to learn the format, then
 * replayed to libpcap through a cookie stream, so standard input works like a file. A gzip or
 * zstd file is read through decompress.c (and sniffed again, decompressed). A BPF filter is
 * compiled for the file's link type and applied to each record before it is decoded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "decode_int.h"
#include "decompress.h"
#include "pcapng.h"

#define SNIFF_MAX        65536
#define READ_BUFFER_SIZE (1 << 20)

struct tl_reader {
    FILE *src; /* the file or stdin, or the decompressed stream */
    bool own_src;
    FILE *replay; /* cookie stream: sniffed prefix, then src */
    unsigned char *prefix;
    size_t prefix_len, prefix_pos;
    uint64_t delivered; /* bytes the cookie stream handed to libpcap (it is unbuffered) */
    bool seekable;      /* libpcap reads the file itself: its position is ftello's */
    pcap_t *pcap;
    struct tl_capture_stats stats;
    /* a compressed file: the file itself, its first bytes, the decompressor */
    FILE *file;
    bool own_file;
    unsigned char *cprefix;
    struct tl_decomp *dec;
    FILE *dec_stream;
    FILE *tee; /* the decompressed bytes are copied here (not owned) */
    bool tee_failed;
    /* the filter */
    char *filter;
    struct bpf_program prog;
    bool has_prog;
    /* a pcapng whose interfaces differ, which libpcap refuses: read on with pcapng.c */
    char *path; /* the file, to read it again (NULL: standard input) */
    FILE *ng_file;
    struct tl_pcapng *ng;
    struct {
        int linktype;
        struct bpf_program prog;
        bool ok;
    } ng_progs[TL_MAX_LINK_TYPES]; /* the filter compiled for each link type met */
    unsigned n_ng_progs;
};

/* The bytes libpcap reads, copied to the tee (a compressed capture's decompressed file). */
static ssize_t tee_write(struct tl_reader *r, const char *buf, size_t n)
{
    if (r->tee && n && !r->tee_failed && fwrite(buf, 1, n, r->tee) != n) {
        r->tee_failed = true;
    }
    if (r->tee_failed) {
        errno = EIO;
        return -1;
    }
    return (ssize_t)n;
}

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
        ssize_t w = tee_write(r, buf, n);
        r->delivered += w > 0 ? (uint64_t)w : 0;
        return w;
    }
    size_t n = fread(buf, 1, size, r->src);
    if (n == 0 && ferror(r->src)) {
        return -1;
    }
    ssize_t w = tee_write(r, buf, n);
    r->delivered += w > 0 ? (uint64_t)w : 0;
    return w;
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
    return tl_reader_open_with(path, NULL, out, err);
}

/* A compressed file: read on through a decompressor, and sniff its decompressed first bytes. */
static enum tl_err open_compressed(struct tl_reader *r, enum tl_compression kind,
                                   const struct tl_reader_opts *o, struct tl_errbuf *err)
{
    struct tl_decomp_limits lim = {
        .ratio = o && o->max_ratio ? o->max_ratio : TL_DECOMP_RATIO,
        .floor = TL_DECOMP_FLOOR,
        .max_total = o ? o->max_decompressed : 0,
    };
    r->cprefix = r->prefix;
    r->prefix = malloc(SNIFF_MAX);
    r->dec = r->prefix ? tl_decomp_new(kind, r->src, r->cprefix, r->prefix_len, &lim) : NULL;
    if (!r->dec) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return TL_E_NOMEM;
    }
    r->file = r->src;
    r->own_file = r->own_src;
    r->dec_stream = tl_decomp_stream(r->dec);
    r->src = r->dec_stream;
    r->own_src = false;
    r->tee = o ? o->tee : NULL;
    r->stats.compression = tl_compression_name(kind);
    r->prefix_len = fread(r->prefix, 1, SNIFF_MAX, r->src);
    const char *why;
    if (tl_decomp_status(r->dec, &why) == TL_E_TOO_LARGE) {
        snprintf(err->msg, sizeof err->msg, "%s", why);
        return TL_E_TOO_LARGE;
    }
    return TL_OK;
}

enum tl_err tl_reader_open_with(const char *path, const struct tl_reader_opts *o,
                                struct tl_reader **out, struct tl_errbuf *err)
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
        r->path = strdup(path);
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
    enum tl_compression kind = tl_compression_sniff(r->prefix, r->prefix_len);
    if (kind != TL_COMP_NONE) {
        rc = open_compressed(r, kind, o, err);
        if (rc != TL_OK) {
            goto error;
        }
    }
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
        r->seekable = true;
        setvbuf(r->replay, NULL, _IOFBF, READ_BUFFER_SIZE);
    } else {
        /* unbuffered, so that the bytes it handed over are where libpcap's reading stands
         * (each read is served from src, which is buffered) */
        cookie_io_functions_t io = { .read = replay_read, .close = replay_close };
        r->replay = fopencookie(r, "rb", io);
        if (r->replay) {
            setvbuf(r->replay, NULL, _IONBF, 0);
        }
    }
    if (!r->replay) {
        snprintf(err->msg, sizeof err->msg, "cannot open stream: %s", strerror(errno));
        rc = TL_E_IO;
        goto error;
    }
    r->pcap =
        pcap_fopen_offline_with_tstamp_precision(r->replay, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
    if (!r->pcap) {
        const char *why = NULL;
        enum tl_err de = r->dec ? tl_decomp_status(r->dec, &why) : TL_OK;
        snprintf(err->msg, sizeof err->msg, "%s", de != TL_OK && why ? why : pcap_err);
        rc = de == TL_E_TOO_LARGE ? TL_E_TOO_LARGE : TL_E_FORMAT;
        goto error;
    }
    r->stats.dlt = pcap_datalink(r->pcap);
    const char *name = pcap_datalink_val_to_name(r->stats.dlt);
    r->stats.link_type = name ? name : "unknown";
    r->stats.link_types[0] = r->stats.link_type;
    r->stats.n_link_types = 1;
    if (!tl_linktype_supported(r->stats.dlt)) {
        tl_stats_warn(&r->stats,
                      "link type %s (%d) is not decoded: its packets are counted as "
                      "malformed (link.unsupported)",
                      r->stats.link_type, r->stats.dlt);
    }
    if (o && o->filter) {
        r->filter = strdup(o->filter);
        if (!r->filter) {
            snprintf(err->msg, sizeof err->msg, "out of memory");
            rc = TL_E_NOMEM;
            goto error;
        }
        /* compiled for this file's link type: libpcap says when it cannot apply */
        if (pcap_compile(r->pcap, &r->prog, r->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            snprintf(err->msg, sizeof err->msg, "%s", pcap_geterr(r->pcap));
            rc = TL_E_USAGE;
            goto error;
        }
        r->has_prog = true;
        r->stats.filter = r->filter;
    }
    *out = r;
    return TL_OK;

error:
    tl_reader_close(r);
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
    if (r->dec_stream) {
        fclose(r->dec_stream);
    }
    tl_decomp_free(r->dec);
    if (r->own_file && r->file) {
        fclose(r->file);
    }
    if (r->has_prog) {
        pcap_freecode(&r->prog);
    }
    for (unsigned i = 0; i < r->n_ng_progs; i++) {
        if (r->ng_progs[i].ok) {
            pcap_freecode(&r->ng_progs[i].prog);
        }
    }
    tl_pcapng_free(r->ng);
    if (r->ng_file) {
        fclose(r->ng_file);
    }
    free(r->path);
    free(r->filter);
    free(r->cprefix);
    free(r->prefix);
    free(r);
}

enum tl_err tl_reader_status(const struct tl_reader *r, struct tl_errbuf *err)
{
    const char *why = NULL;
    if (r->dec && tl_decomp_status(r->dec, &why) == TL_E_TOO_LARGE) {
        snprintf(err->msg, sizeof err->msg, "%s", why);
        return TL_E_TOO_LARGE;
    }
    if (r->tee_failed) {
        snprintf(err->msg, sizeof err->msg, "the decompressed capture could not be written");
        return TL_E_IO;
    }
    return TL_OK;
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

/* One record through the decoder into the counters: what every reading path shares. */
static int take(struct tl_reader *r, struct tl_packet *p, int dlt, int64_t sec, uint32_t nsec,
                const uint8_t *data, uint32_t caplen, uint32_t wirelen);

/*
 * libpcap stops at the first pcapng interface whose link type or snapshot length differs from
 * the first one's. When the capture is a file read as it is (not standard input, not
 * compressed), it is read again from the start by pcapng.c, the records libpcap delivered are
 * skipped, and reading goes on. False when that is not possible (libpcap's error stands).
 */
static bool ng_switch(struct tl_reader *r)
{
    const char *why = pcap_geterr(r->pcap);
    if (!r->path || r->dec || !r->stats.format || strcmp(r->stats.format, "pcapng") != 0 || !why ||
        !strstr(why, "different from the")) {
        return false;
    }
    r->ng_file = fopen(r->path, "rb");
    r->ng = r->ng_file ? tl_pcapng_new(r->ng_file) : NULL;
    if (!r->ng) {
        return false;
    }
    pcap_close(r->pcap); /* closes the stream it read */
    r->pcap = NULL;
    r->replay = NULL;
    if (!r->own_src) {
        r->src = NULL;
    }
    uint64_t done = r->stats.packets + r->stats.filtered_out;
    struct tl_pcapng_rec rec;
    struct tl_errbuf err;
    for (uint64_t i = 0; i < done; i++) {
        if (tl_pcapng_next(r->ng, &rec, &err) != 1) {
            break; /* cannot happen: libpcap read them; ng_next reports the end */
        }
    }
    return true;
}

/* The filter compiled for a link type (libpcap's message in err when it does not apply). */
static const struct bpf_program *ng_prog(struct tl_reader *r, int linktype)
{
    for (unsigned i = 0; i < r->n_ng_progs; i++) {
        if (r->ng_progs[i].linktype == linktype) {
            return r->ng_progs[i].ok ? &r->ng_progs[i].prog : NULL;
        }
    }
    if (r->n_ng_progs == TL_MAX_LINK_TYPES) {
        return NULL;
    }
    unsigned k = r->n_ng_progs++;
    r->ng_progs[k].linktype = linktype;
    pcap_t *dead = pcap_open_dead(linktype, 262144);
    r->ng_progs[k].ok =
        dead && pcap_compile(dead, &r->ng_progs[k].prog, r->filter, 1, PCAP_NETMASK_UNKNOWN) == 0;
    if (!r->ng_progs[k].ok && dead) {
        tl_stats_warn(&r->stats, "the filter does not apply to link type %d: %s", linktype,
                      pcap_geterr(dead));
    }
    if (dead) {
        pcap_close(dead);
    }
    return r->ng_progs[k].ok ? &r->ng_progs[k].prog : NULL;
}

static void note_link_type(struct tl_capture_stats *s, int linktype)
{
    /* a pcapng names LINKTYPE_ values, which libpcap's names do not all cover (101 is RAW) */
    const char *name = pcap_datalink_val_to_name(linktype);
    name = name ? name : tl_linktype_name(linktype);
    name = name ? name : "unknown";
    for (unsigned i = 0; i < s->n_link_types; i++) {
        if (strcmp(s->link_types[i], name) == 0) {
            return;
        }
    }
    if (s->n_link_types < TL_MAX_LINK_TYPES) {
        s->link_types[s->n_link_types++] = name;
    }
}

static int ng_next(struct tl_reader *r, struct tl_packet *p)
{
    struct tl_pcapng_rec rec;
    struct tl_errbuf err;
    for (;;) {
        int rc = tl_pcapng_next(r->ng, &rec, &err);
        if (rc == 0) {
            return 0;
        }
        if (rc < 0) {
            r->stats.truncated = true;
            tl_stats_warn(&r->stats, "capture ends early after %llu packets: %s",
                          (unsigned long long)r->stats.packets, err.msg);
            tl_pcapng_free(r->ng);
            r->ng = NULL;
            return 0;
        }
        note_link_type(&r->stats, rec.linktype);
        if (r->has_prog) {
            const struct bpf_program *prog = ng_prog(r, rec.linktype);
            struct pcap_pkthdr h = { .caplen = rec.caplen, .len = rec.wirelen };
            if (!prog || !pcap_offline_filter(prog, &h, rec.data)) {
                r->stats.filtered_out++;
                continue;
            }
        }
        p->pos = rec.offset;
        return take(r, p, rec.linktype, rec.ts_sec, rec.ts_nsec, rec.data, rec.caplen, rec.wirelen);
    }
}

/* Where libpcap's reading stands in the file (before it reads the next record). */
static uint64_t stream_pos(const struct tl_reader *r)
{
    if (!r->seekable) {
        return r->delivered;
    }
    off_t at = ftello(r->replay);
    return at < 0 ? 0 : (uint64_t)at;
}

int tl_reader_next(struct tl_reader *r, struct tl_packet *p)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    struct tl_capture_stats *s = &r->stats;

    if (r->ng) {
        return ng_next(r, p);
    }
    if (!r->pcap) {
        return 0;
    }
    int rc;
    for (;;) { /* records the filter drops are counted, not decoded */
        p->pos = stream_pos(r);
        rc = pcap_next_ex(r->pcap, &h, &data);
        if (rc != 1 || !r->has_prog || pcap_offline_filter(&r->prog, h, data)) {
            break;
        }
        s->filtered_out++;
    }
    if (rc == PCAP_ERROR_BREAK) {
        return 0;
    }
    if (rc != 1 && ng_switch(r)) {
        return ng_next(r, p);
    }
    if (rc != 1) {
        const char *why = NULL;
        if (!r->dec || tl_decomp_status(r->dec, &why) == TL_OK || !why) {
            why = r->tee_failed ? "the decompressed capture could not be written"
                                : pcap_geterr(r->pcap);
        }
        s->truncated = true;
        tl_stats_warn(s, "capture ends early after %llu packets: %s",
                      (unsigned long long)s->packets, why);
        pcap_close(r->pcap); /* closes the stream it read */
        r->pcap = NULL;
        r->replay = NULL;
        if (r->own_src == false) {
            r->src = NULL;
        }
        return 0;
    }
    /* nanoseconds: opened with NANO precision */
    return take(r, p, s->dlt, h->ts.tv_sec, (uint32_t)h->ts.tv_usec, data, h->caplen, h->len);
}

static int take(struct tl_reader *r, struct tl_packet *p, int dlt, int64_t sec, uint32_t nsec,
                const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
    struct tl_capture_stats *s = &r->stats;
    s->packets++;
    s->bytes += caplen;
    p->frame = s->packets + s->filtered_out; /* its place in the file */
    p->ts_sec = tl_ts_sec_clamp(sec);
    p->ts_nsec = nsec;
    if (!s->has_ts) {
        s->has_ts = true;
        s->first_sec = p->ts_sec;
        s->first_nsec = p->ts_nsec;
    }
    s->last_sec = p->ts_sec;
    s->last_nsec = p->ts_nsec;
    tl_packet_decode(p, dlt, data, caplen, wirelen);
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
