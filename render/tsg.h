/*
 * tsg.h - the time-sequence graph of one direction of a connection, as Stevens drew it and
 * tcptrace plots it (Wireshark's Stream Graph "tcptrace"): time since the flow's first packet
 * across, the relative sequence number up. Each segment the chosen direction sent is a vertical
 * bar from its first to its last sequence number; the other side's acknowledgements make the
 * ACK line (a step line), ACK + the scaled window it advertised the receive-window line, its
 * SACK blocks short bars beside it. Retransmissions, out-of-order segments and the segment
 * after one that was not captured are marked with a letter and a colour (R, O, L), SYN, FIN
 * and RST with S, F and RST, duplicate ACKs with D and a zero window with Z.
 *
 * A graph is fed one record at a time (tl_tsg_add) and holds a fixed number of marks: memory
 * does not grow with the flow. When a kind of mark fills up, neighbouring marks are merged in
 * pairs and later records join the last mark until it holds as many packets as the others (a
 * merged segment spans its packets' lowest to highest sequence number and keeps every letter);
 * the picture then says how many packets its marks stand for. tl_tsg_svg() writes the graph as
 * a standalone SVG 1.1 document in the language asked for, every mark carrying `data-index`
 * (its packet's position in the timeline) and a <title>.
 */
#ifndef TL_TSG_H
#define TL_TSG_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "explain.h"
#include "flow.h"

#define TL_TSG_MAX_SEGS  1500 /* segment marks kept */
#define TL_TSG_MAX_ACKS  1500 /* ACK points kept */
#define TL_TSG_MAX_SACKS 600  /* SACK blocks kept */

/* A segment of the chosen direction, or several merged. Sequence numbers are relative
 * (Wireshark's), unwrapped into 64 bits for the picture. */
struct tl_tsg_seg {
    uint64_t index, last; /* the first and the last packet merged (equal for one) */
    int64_t t_us;         /* the first packet's time since the flow's first packet */
    int64_t seq, end;     /* end = seq + payload + SYN + FIN (tshark's tcp.nxtseq) */
    uint64_t len;         /* payload bytes */
    uint32_t count;       /* packets merged */
    uint16_t flags;       /* TCP flags, ORed */
    uint16_t analysis;    /* TL_AF_*, ORed */
};

/* An acknowledgement of the other side (the last of those merged). */
struct tl_tsg_ack {
    uint64_t index;
    int64_t t_us;
    int64_t ack;       /* relative, unwrapped */
    uint64_t window;   /* the advertised window, scaled when the scale is known (tshark's
                          tcp.window_size) */
    uint32_t count;    /* packets merged */
    uint16_t analysis; /* TL_AF_*, ORed */
};

/* One SACK block of the other side, relative to this direction's base. */
struct tl_tsg_sack {
    uint64_t index;
    int64_t t_us;
    int64_t left, right;
    uint32_t count;
};

struct tl_tsg {
    enum tl_dir dir;
    int64_t ref; /* the last unwrapped sequence number (unwrapping reference) */
    uint64_t seen_segs, seen_acks, seen_sacks;    /* every record that made a mark */
    uint32_t stride_seg, stride_ack, stride_sack; /* packets a mark stands for once thinned */
    size_t n_seg, n_ack, n_sack;
    struct tl_tsg_seg seg[TL_TSG_MAX_SEGS];
    struct tl_tsg_ack ack[TL_TSG_MAX_ACKS];
    struct tl_tsg_sack sack[TL_TSG_MAX_SACKS];
};

/* The direction a graph shows by default: the one that carried more payload, else c2s. */
enum tl_dir tl_tsg_default_dir(const struct tl_flow *f);

/* Start an empty graph of direction `dir` (the struct is large: allocate it once). */
void tl_tsg_init(struct tl_tsg *g, enum tl_dir dir);

/*
 * Account one packet of flow f: its record r (direction, relative numbers, scale, verdict), p
 * the same packet decoded (tl_rec_decode), `index` its position in the flow's timeline. f gives
 * the time origin and the base SACK edges are relative to. Copies what it needs; allocates
 * nothing.
 */
void tl_tsg_add(struct tl_tsg *g, const struct tl_flow *f, const struct tl_rec *r,
                const struct tl_packet *p, uint64_t index);

struct tl_tsg_opts {
    const char *client, *server; /* endpoint labels, e.g. "10.0.0.1:5000" (escaped; may be NULL) */
    enum tl_lang lang;
    long width,
        height; /* pixels; 0 for the defaults; clamped to [TL_TSG_MIN_W, TL_TSG_MAX_W] etc. */
};

#define TL_TSG_DEFAULT_W 960
#define TL_TSG_DEFAULT_H 560
#define TL_TSG_MIN_W     480
#define TL_TSG_MAX_W     4000
#define TL_TSG_MIN_H     360
#define TL_TSG_MAX_H     3000

/*
 * Append the graph as an SVG document (an XML declaration, then <svg>) to b. Never fails by
 * itself: when the buffer reaches its maximum, b->overflow is set and the text is incomplete.
 */
void tl_tsg_svg(struct tl_buf *b, const struct tl_tsg *g, const struct tl_tsg_opts *o);

#endif
