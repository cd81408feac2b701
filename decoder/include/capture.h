/*
 * capture.h - reading a capture file through libpcap, and the per-capture counters.
 *
 * A reader owns the libpcap handle and the FILE it reads; it decodes each record into the
 * caller's struct tl_packet and keeps the counts of the capture document (packets, TCP
 * packets, non-TCP by kind, malformed by reason, truncation).
 */
#ifndef TL_CAPTURE_H
#define TL_CAPTURE_H

#include <stdio.h>

#include "tcplens.h"

#define TL_MAX_NON_TCP_KINDS 32
#define TL_MAX_WARNINGS      4
#define TL_MAX_LINK_TYPES    8

struct tl_capture_stats {
    const char *format; /* "pcap" or "pcapng" */
    bool nsec;          /* the file carries nanosecond timestamps */
    int dlt;
    const char *link_type; /* libpcap's name, e.g. "EN10MB" */
    /* every link type of the file (a pcapng's interfaces may differ), first one first */
    unsigned n_link_types;
    const char *link_types[TL_MAX_LINK_TYPES];
    uint64_t packets, tcp_packets;
    uint64_t bytes; /* captured bytes of all records */
    struct {
        const char *kind;
        uint64_t count;
    } non_tcp[TL_MAX_NON_TCP_KINDS];
    unsigned n_non_tcp;
    uint64_t malformed[TL_AN_COUNT]; /* packets without a usable TCP header, by reason */
    uint64_t anomalies[TL_AN_COUNT]; /* every anomaly on every packet */
    bool truncated;                  /* the file ends inside a record, or a record is corrupt */
    bool has_ts;
    int64_t first_sec, last_sec;
    uint32_t first_nsec, last_nsec;
    uint64_t flows;
    uint64_t flow_cap_dropped; /* TCP packets not counted in a flow: the flow cap was hit */
    uint64_t errors;           /* allocations that failed on the way (nothing was lost) */
    unsigned n_warnings;
    char warnings[TL_MAX_WARNINGS][256];
    const char *compression; /* "gzip", "zstd" or NULL: how the file came compressed */
    const char *filter;      /* the BPF expression records were kept by, or NULL */
    uint64_t filtered_out;   /* records the filter dropped (not in `packets`) */
};

/* Compressed captures, recognised by their first bytes (decoder/decompress.c). */
enum tl_compression {
    TL_COMP_NONE = 0,
    TL_COMP_GZIP, /* 1f 8b */
    TL_COMP_ZSTD, /* 28 b5 2f fd */
};
enum tl_compression tl_compression_sniff(const unsigned char *b, size_t n);
const char *tl_compression_name(enum tl_compression c); /* NULL for TL_COMP_NONE */

/*
 * Decompression limits: a compressed capture may not decompress to more than
 * max(ratio x compressed bytes read, floor). Real captures stay far below the ratio (a pcap
 * of idle keep-alives, the most repetitive traffic there is, gives about 30:1 with gzip -9
 * and 45:1 with zstd -19); deflate cannot exceed about 1032:1, a bomb of zeros comes close.
 */
#define TL_DECOMP_RATIO 500
#define TL_DECOMP_FLOOR ((uint64_t)16 << 20)

struct tl_reader_opts {
    const char *filter;        /* BPF expression (pcap-filter(7)) or NULL: every record */
    uint64_t max_ratio;        /* 0: TL_DECOMP_RATIO */
    uint64_t max_decompressed; /* absolute limit on decompressed bytes; 0: none */
    FILE *tee;                 /* a compressed file's decompressed bytes are copied here */
};

struct tl_reader;

/*
 * Open `path` ("-" for standard input). On failure returns TL_E_FORMAT (libpcap cannot read
 * it: err says why, in libpcap's words), TL_E_IO or TL_E_NOMEM, and *out is NULL.
 */
enum tl_err tl_reader_open(const char *path, struct tl_reader **out, struct tl_errbuf *err);
/*
 * The same with options (o may be NULL). A gzip or zstd file (or standard input) is
 * decompressed as it is read. A filter is compiled by libpcap for the file's link type:
 * when it cannot be, TL_E_USAGE with libpcap's words in err. A decompression limit crossed
 * while opening is TL_E_TOO_LARGE.
 */
enum tl_err tl_reader_open_with(const char *path, const struct tl_reader_opts *o,
                                struct tl_reader **out, struct tl_errbuf *err);
/*
 * After reading: TL_OK, or why the reading stopped early when it must not be taken as a cut
 * capture: TL_E_TOO_LARGE (a decompression limit; err says which), TL_E_IO (the tee could
 * not be written).
 */
enum tl_err tl_reader_status(const struct tl_reader *r, struct tl_errbuf *err);
void tl_reader_close(struct tl_reader *r);

/*
 * Read and decode the next record into p. Returns 1 for a packet, 0 at the end of the
 * capture (also after a cut or corrupt record: stats.truncated is then set, with a warning).
 */
int tl_reader_next(struct tl_reader *r, struct tl_packet *p);

const struct tl_capture_stats *tl_reader_stats(const struct tl_reader *r);
/* The same counters, for the layer above that adds what it finds (flows, warnings). */
struct tl_capture_stats *tl_reader_counters(struct tl_reader *r);

/* Add a warning to the capture (dropped silently past TL_MAX_WARNINGS). */
void tl_stats_warn(struct tl_capture_stats *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
