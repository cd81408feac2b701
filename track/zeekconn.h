/*
 * zeekconn.h - the numbers of Zeek's conn.log for one connection: each endpoint's size in
 * sequence space (TCP_Endpoint::Size), packets and IP bytes (the ConnSize analyzer), bytes
 * missed in content gaps (the reassembler's content_gap events, summed by
 * base/protocols/conn/main.zeek), and the connection's last time (TCPSessionAdapter::Process
 * stops moving it once both endpoints have closed).
 *
 * Fed each packet after the classifier (conn.c), whose Zeek endpoint states it reads, with
 * the packet's checksum verdict: a packet Zeek skips for its checksum counts nowhere here.
 * Indexed like the flow's directions ([0] what the client sends); the originator is
 * f->conn.zeek_orig. The state is a fixed part of the flow: nothing is allocated.
 */
#ifndef TL_ZEEKCONN_H
#define TL_ZEEKCONN_H

#include <stdbool.h>
#include <stdint.h>

#define TL_ZEEK_BLOCKS 8 /* out-of-order data ranges remembered per direction */

struct tl_zeek_dir {
    uint64_t pkts, ip_bytes; /* delivered packets and the sum of their IP total lengths */
    uint64_t missed;         /* bytes of this direction's stream reported as content gaps */
    bool active;             /* sent a packet: its sequence space is set */
    bool fin, reset, closed; /* sent a FIN / a RST / either (TCP_Endpoint::did_close) */
    uint32_t start;          /* start_seq: the SYN's number, or the first number - 1 */
    uint32_t last;           /* last_seq: after the highest segment (TCPSessionAdapter) */
    uint32_t ack;            /* ack_seq: the highest acknowledgement the peer sent */
    uint32_t fin_end;        /* relative position after the FIN */
    /* the reassembler: contiguous up to `reassem` (relative), then out-of-order ranges */
    uint32_t reassem;
    uint8_t n_blocks;
    struct {
        uint32_t lo, hi;
    } blocks[TL_ZEEK_BLOCKS];
};

struct tl_zeek {
    struct tl_zeek_dir d[2];
    bool last_set;
    int64_t last_sec; /* the connection's last_time */
    uint32_t last_nsec;
};

struct tl_conn;
struct tl_packet;

/*
 * Account one packet going in direction dir (0 client to server), `delivered` false when
 * Zeek would skip it for a bad checksum. Call after tl_conn_packet() for the same packet.
 */
void tl_zeek_packet(struct tl_zeek *z, const struct tl_conn *c, int dir, const struct tl_packet *p,
                    bool delivered);

/* TCP_Endpoint::Size() of direction dir: payload bytes from sequence numbers. */
uint64_t tl_zeek_size(const struct tl_zeek *z, const struct tl_conn *c, int dir);

#endif
