/*
 * ladder.h - a TCP connection's ladder (sequence) diagram as a standalone SVG 1.1 document.
 *
 * The caller fills struct tl_ladder from a flow's timeline (the strings are the decoder's event
 * and state names, but are treated as untrusted text: escaped, cleaned of control bytes and
 * invalid UTF-8, and shortened when very long). tl_ladder_svg() appends the document to a
 * struct tl_buf and allocates nothing else; the caller checks b->overflow once at the end.
 */
#ifndef TL_LADDER_H
#define TL_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "explain.h"

struct tl_ladder_pkt {
    uint64_t index;    /* position in the flow's timeline, 0-based */
    int64_t t_us;      /* since the flow's first packet */
    bool c2s;          /* client -> server */
    const char *flags; /* tcpdump letters, e.g. "S", "S.", "F.", "P.", "R." */
    uint32_t seq_rel, ack_rel;
    bool ack_known;    /* ack_rel is meaningful (ACK flag set and known) */
    uint32_t len;      /* payload bytes */
    const char *event; /* "syn", "syn-ack", "handshake-ack", "data", "ack", "retransmission",
                          "out-of-order", "duplicate-ack", "zero-window", "window-update",
                          "keep-alive", "fin", "fin-ack-piggybacked", "close-ack", "rst", "other",
                          "syn-retransmission", "syn-ack-retransmission" */
    const char *state_client, *state_server; /* RFC 9293 state after the packet, e.g.
                                                "ESTABLISHED" */
};

struct tl_ladder {
    const char *client; /* "192.168.3.10:58544" (caller formats; may contain IPv6 like
                           "[2001:db8::1]:443") */
    const char *server;
    const char *title; /* optional, may be NULL, e.g. "three-segment close" */
    const struct tl_ladder_pkt *pkts;
    size_t n;          /* packets given (the caller gives at most TL_LADDER_MAX) */
    uint64_t total;    /* packets in the flow; when > n the picture notes "first n of total" */
    bool to_scale;     /* vertical spacing proportional to time (else one row per packet) */
    enum tl_lang lang; /* the language of the picture's own words (labels, legend, heading) */
};

#define TL_LADDER_MAX 2000

/*
 * Append the ladder diagram of `l` to `b` as an SVG document (an XML declaration, then <svg>).
 * Any string in `l` may be NULL. Packets past TL_LADDER_MAX are not drawn. Never fails by
 * itself: when the buffer reaches its maximum, b->overflow is set and the text is incomplete.
 * Nothing from `l` is kept after the call.
 */
void tl_ladder_svg(struct tl_buf *b, const struct tl_ladder *l);

#endif
