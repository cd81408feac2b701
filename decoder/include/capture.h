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

struct tl_capture_stats {
    const char *format; /* "pcap" or "pcapng" */
    bool nsec;          /* the file carries nanosecond timestamps */
    int dlt;
    const char *link_type; /* libpcap's name, e.g. "EN10MB" */
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
};

struct tl_reader;

/*
 * Open `path` ("-" for standard input). On failure returns TL_E_FORMAT (libpcap cannot read
 * it: err says why, in libpcap's words), TL_E_IO or TL_E_NOMEM, and *out is NULL.
 */
enum tl_err tl_reader_open(const char *path, struct tl_reader **out, struct tl_errbuf *err);
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
