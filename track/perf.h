/*
 * perf.h - per-direction performance of one connection: what an operator asks of a capture
 * taken because something was slow (tcptrace's -l -r figures, Wireshark's Expert Info counts).
 *
 * Fed one packet at a time by the classifier (conn.c), after Wireshark's sequence analysis
 * has flagged it, so every count here is a count of tshark's tcp.analysis.* flags or follows
 * from the same sequence numbers. The state is a fixed part of the flow: RTT timing keeps at
 * most TL_PERF_RING segments in flight per direction (the oldest unacknowledged ones) and
 * TL_PERF_TSV recent TSvals; nothing is allocated per packet. Definitions: docs/connections.md.
 */
#ifndef TL_PERF_H
#define TL_PERF_H

#include <stdbool.h>
#include <stdint.h>

#define TL_PERF_RING 8 /* data segments timed at once per direction */
#define TL_PERF_TSV  8 /* recent TSvals remembered per direction */

/* count / min / max / mean / variance of samples in nanoseconds (Welford) */
struct tl_perf_stat {
    uint64_t n;
    int64_t min_ns, max_ns;
    double mean, m2;
};

struct tl_perf_seg {
    uint32_t seq, end; /* the payload's sequence range [seq, end) */
    int64_t t_ns;      /* when it was sent (first seen) */
    bool retx;         /* sent more than once: no RTT sample from it (Karn) */
};

struct tl_perf_tsv {
    uint32_t val;
    int64_t t_ns; /* when this TSval was first sent */
};

/* What one direction sends, and the RTT of its data (to the peer's acknowledgement). */
struct tl_perf_dir {
    struct tl_perf_stat rtt;    /* data segment -> the ACK that first covers it exactly */
    struct tl_perf_stat rtt_ts; /* TSval -> the peer's first TSecr echoing it on a new ACK */
    struct tl_perf_stat rto;    /* retransmissions by timeout: time since the first send */
    struct tl_perf_seg ring[TL_PERF_RING];
    uint8_t n_ring;
    struct tl_perf_tsv tsv[TL_PERF_TSV];
    uint8_t n_tsv, tsv_next;
    bool high_set, ack_set;
    uint32_t high_end; /* the highest payload end sent */
    int64_t high_ns;   /* when it last advanced */
    uint32_t high_ack; /* the highest ack sent (of the peer's data) */
    bool new_set;
    uint32_t new_next; /* after the highest sequence space sent, SYN and FIN included */
    int64_t new_ns;    /* when it last advanced */
    uint64_t packets, data_packets, data_bytes, unique_bytes;
    uint64_t retx_packets, retx_bytes, fast_retx, timeouts, spurious;
    uint64_t out_of_order, lost_segments, lost_bytes, ack_lost, dup_acks;
    uint64_t zero_window_packets, zw_periods;
    bool zw_open;
    int64_t zw_start_ns, zw_total_ns, zw_max_ns;
    uint64_t sack_packets, sack_blocks;
    int64_t last_ns, max_idle_ns; /* between two packets of this direction */
};

struct tl_perf {
    struct tl_perf_dir d[2]; /* indexed like the flow's directions (0 client to server) */
    bool started;
    int64_t first_ns, last_ns, max_idle_ns; /* max_idle: between any two packets */
};

struct tl_tcp;

/*
 * Account one packet going in direction dir. `seglen` is the payload length Wireshark's
 * analysis used, `analyzed` false for packets it leaves out (IP fragments), `af` its
 * TL_AF_* flags for the packet. Returns the RTT sample (ns) this packet's ACK gave for the
 * peer's data, or -1.
 */
int64_t tl_perf_packet(struct tl_perf *pf, int dir, const struct tl_tcp *t, uint32_t seglen,
                       bool analyzed, uint16_t af, int64_t now_ns);

/* Mean and population standard deviation of a stat (0 when empty). */
double tl_perf_mean(const struct tl_perf_stat *s);
double tl_perf_stdev(const struct tl_perf_stat *s);
/* Zero-window time of dir, a period still open counted up to the flow's last packet. */
int64_t tl_perf_zero_window_ns(const struct tl_perf *pf, int dir);
/* Longest zero-window period of dir, likewise. */
int64_t tl_perf_zero_window_max_ns(const struct tl_perf *pf, int dir);

#endif
