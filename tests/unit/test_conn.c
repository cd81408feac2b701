/*
 * test_conn.c - the connection classifier (track/conn.h) on sequences of synthetic
 * segments: events, RFC 9293 states, handshake and teardown classes, Zeek's conn_state and
 * history, Wireshark's completeness, and reordered, duplicated and lost segments. Every
 * expectation is worked out from RFC 9293, docs/connections.md and Zeek's rules (conn_state() in
 * base/protocols/conn/main.zeek, TCPSessionAdapter.cc) by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "conn.h"
#include "explain.h"
#include "flow.h"
#include "tcplens.h"

#define C 0 /* client to server */
#define S 1 /* server to client */

#define SYN TL_TH_SYN
#define ACK TL_TH_ACK
#define FIN TL_TH_FIN
#define RST TL_TH_RST
#define PSH TL_TH_PSH

#define CISN 1000u
#define SISN 5000u

static struct tl_packet pkt;
static struct tl_flow_table *table;
static struct tl_flow_pkt last;

static int setup(void **state)
{
    (void)state;
    table = tl_flow_table_new(0, false);
    return table ? 0 : -1;
}

static int teardown_table(void **state)
{
    (void)state;
    tl_flow_table_free(table);
    table = NULL;
    return 0;
}

/* Feed one segment; returns its event. */
static enum tl_event seg(int dir, uint16_t flags, uint32_t seq, uint32_t ack, uint32_t len,
                         uint16_t win, int64_t t_ms)
{
    static const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
    memset(&pkt, 0, sizeof pkt);
    pkt.frame++;
    pkt.ts_sec = 1000 + t_ms / 1000;
    pkt.ts_nsec = (uint32_t)(t_ms % 1000) * 1000000u;
    pkt.n_ip = 1;
    pkt.ip[0].version = 4;
    memcpy(pkt.ip[0].src, dir == C ? a : b, 4);
    memcpy(pkt.ip[0].dst, dir == C ? b : a, 4);
    pkt.has_tcp = true;
    pkt.l3_wirelen = 40 + len;
    pkt.l3_caplen = 40 + len; /* captured whole */
    pkt.tcp.offset = 20;
    pkt.tcp.header_length = 20;
    pkt.tcp.data_offset = 5;
    pkt.tcp.src_port = dir == C ? 40000 : 80;
    pkt.tcp.dst_port = dir == C ? 80 : 40000;
    pkt.tcp.flags = flags;
    pkt.tcp.seq = seq;
    pkt.tcp.ack = ack;
    pkt.tcp.window = win;
    pkt.tcp.payload_length = len;
    pkt.tcp.checksum_status = TL_CKSUM_CORRECT;
    pkt.tcp.mss = -1;
    pkt.tcp.wscale = pkt.tcp.wscale_used = -1;
    assert_int_equal(tl_flow_table_add(table, &pkt, &last), TL_OK);
    return (enum tl_event)last.conn.event;
}

static void assert_states(enum tl_state client, enum tl_state server)
{
    assert_string_equal(tl_state_name(last.conn.state[0]), tl_state_name(client));
    assert_string_equal(tl_state_name(last.conn.state[1]), tl_state_name(server));
}

static void handshake(void)
{
    assert_int_equal(seg(C, SYN, CISN, 0, 0, 65535, 0), TL_EV_SYN);
    assert_states(TL_ST_SYN_SENT, TL_ST_LISTEN);
    assert_int_equal(seg(S, SYN | ACK, SISN, CISN + 1, 0, 65535, 10), TL_EV_SYN_ACK);
    assert_states(TL_ST_ESTABLISHED, TL_ST_SYN_RECEIVED);
    assert_int_equal(seg(C, ACK, CISN + 1, SISN + 1, 0, 512, 11), TL_EV_HANDSHAKE_ACK);
    assert_states(TL_ST_ESTABLISHED, TL_ST_ESTABLISHED);
}

static void assert_flow(enum tl_handshake hs, enum tl_teardown td, unsigned initiator,
                        const char *zeek, const char *history)
{
    unsigned init, rst;
    assert_string_equal(tl_handshake_name(tl_conn_handshake(last.flow)), tl_handshake_name(hs));
    assert_string_equal(tl_teardown_name(tl_conn_teardown(last.flow, &init, &rst)),
                        tl_teardown_name(td));
    assert_int_equal(init, initiator);
    assert_string_equal(tl_conn_zeek_state(last.flow), zeek);
    assert_string_equal(tl_conn_history(last.flow), history);
}

/* FIN, ACK, FIN, ACK: the textbook close, client first. */
static void test_four_way(void **state)
{
    (void)state;
    handshake();
    assert_int_equal(seg(C, ACK | PSH, CISN + 1, SISN + 1, 100, 512, 20), TL_EV_DATA);
    assert_int_equal(seg(S, ACK, SISN + 1, CISN + 101, 0, 512, 30), TL_EV_ACK);
    assert_int_equal(seg(C, FIN | ACK, CISN + 101, SISN + 1, 0, 512, 40), TL_EV_FIN);
    assert_states(TL_ST_FIN_WAIT_1, TL_ST_ESTABLISHED);
    /* the server acknowledges the FIN alone: it has received it (CLOSE-WAIT), the client
     * has its FIN acknowledged (FIN-WAIT-2) */
    assert_int_equal(seg(S, ACK, SISN + 1, CISN + 102, 0, 512, 50), TL_EV_CLOSE_ACK);
    assert_states(TL_ST_FIN_WAIT_2, TL_ST_CLOSE_WAIT);
    assert_int_equal(seg(S, FIN | ACK, SISN + 1, CISN + 102, 0, 512, 60), TL_EV_FIN);
    assert_states(TL_ST_FIN_WAIT_2, TL_ST_LAST_ACK);
    assert_int_equal(seg(C, ACK, CISN + 102, SISN + 2, 0, 512, 70), TL_EV_CLOSE_ACK);
    assert_states(TL_ST_TIME_WAIT, TL_ST_CLOSED);
    assert_flow(TL_HS_COMPLETE, TL_TD_FOUR_WAY, TL_WHO_CLIENT, "SF", "ShADaFf");
    assert_int_equal(tl_conn_completeness(last.flow), 31);
}

/* The seed's close: the server's ACK of the client's FIN rides on its own FIN. */
static void test_three_segment(void **state)
{
    (void)state;
    handshake();
    assert_int_equal(seg(C, FIN | ACK, CISN + 1, SISN + 1, 0, 512, 40), TL_EV_FIN);
    assert_int_equal(seg(S, FIN | ACK, SISN + 1, CISN + 2, 0, 512, 50), TL_EV_FIN_ACK_PIGGY);
    assert_states(TL_ST_FIN_WAIT_2, TL_ST_LAST_ACK);
    assert_int_equal(seg(C, ACK, CISN + 2, SISN + 2, 0, 512, 60), TL_EV_CLOSE_ACK);
    assert_states(TL_ST_TIME_WAIT, TL_ST_CLOSED);
    assert_flow(TL_HS_COMPLETE, TL_TD_THREE_SEGMENT, TL_WHO_CLIENT, "SF", "ShAFf");
    assert_int_equal(tl_conn_completeness(last.flow), 23);
}

static const char *summary(enum tl_lang lang)
{
    static char text[4096];
    struct tl_buf b;
    tl_buf_init_fixed(&b, text, sizeof text);
    tl_story_summary(last.flow, lang, &b);
    return tl_buf_cstr(&b);
}

/*
 * Both FINs cross; each end then acknowledges the other's and ends in TIME-WAIT. RFC 9293
 * §3.6 (Figure 13): an end enters CLOSING when the peer's FIN arrives before its own FIN is
 * acknowledged. The client's ACK of the server's FIN shows the client has that FIN with its
 * own unacknowledged: CLOSING. The same ACK acknowledges the server's FIN, and it left the
 * client after the client's FIN, which therefore reached the server first: the server went
 * FIN-WAIT-1 -> CLOSING -> TIME-WAIT, never FIN-WAIT-2. The story tells the same.
 */
static void test_simultaneous_close(void **state)
{
    (void)state;
    handshake();
    assert_int_equal(seg(C, FIN | ACK, CISN + 1, SISN + 1, 0, 512, 40), TL_EV_FIN);
    assert_int_equal(seg(S, FIN | ACK, SISN + 1, CISN + 1, 0, 512, 41), TL_EV_FIN);
    assert_states(TL_ST_FIN_WAIT_1, TL_ST_FIN_WAIT_1);
    assert_int_equal(seg(C, ACK, CISN + 2, SISN + 2, 0, 512, 50), TL_EV_CLOSE_ACK);
    assert_states(TL_ST_CLOSING, TL_ST_TIME_WAIT);
    assert_int_equal(seg(S, ACK, SISN + 2, CISN + 2, 0, 512, 51), TL_EV_CLOSE_ACK);
    assert_states(TL_ST_TIME_WAIT, TL_ST_TIME_WAIT);
    assert_flow(TL_HS_COMPLETE, TL_TD_SIMULTANEOUS, TL_WHO_BOTH, "SF", "ShAFfa");
    const char *en = summary(TL_LANG_EN);
    assert_null(strstr(en, "Each went through CLOSING"));
    assert_non_null(strstr(en, "The client went through CLOSING"));
    assert_non_null(strstr(en, "the server passed through CLOSING between two captured packets"));
    assert_null(strstr(summary(TL_LANG_ZH), "双方经过"));
}

/* A capture filtered to SYN/FIN/RST: the client's FIN carries the ACK of the SYN-ACK (ack =
 * server ISN + 1), which completes the handshake: not no-final-ack. */
static void test_fin_carries_third_ack(void **state)
{
    (void)state;
    assert_int_equal(seg(C, SYN, CISN, 0, 0, 65535, 0), TL_EV_SYN);
    assert_int_equal(seg(S, SYN | ACK, SISN, CISN + 1, 0, 65535, 10), TL_EV_SYN_ACK);
    assert_int_equal(seg(C, FIN | ACK, CISN + 101, SISN + 1, 0, 512, 500), TL_EV_FIN);
    assert_states(TL_ST_FIN_WAIT_1, TL_ST_ESTABLISHED);
    assert_int_equal(tl_conn_handshake(last.flow), TL_HS_COMPLETE);
    seg(S, FIN | ACK, SISN + 51, CISN + 102, 0, 512, 510);
    assert_int_equal(tl_conn_handshake(last.flow), TL_HS_COMPLETE);
}

/* A SYN-ACK with 10 bytes of data: the client's ack ISN + 11 acknowledges the SYN too. */
static void test_synack_with_payload(void **state)
{
    (void)state;
    assert_int_equal(seg(C, SYN, CISN, 0, 0, 65535, 0), TL_EV_SYN);
    assert_int_equal(seg(S, SYN | ACK, SISN, CISN + 1, 10, 65535, 10), TL_EV_SYN_ACK);
    assert_int_equal(seg(C, ACK, CISN + 1, SISN + 11, 0, 512, 11), TL_EV_HANDSHAKE_ACK);
    assert_states(TL_ST_ESTABLISHED, TL_ST_ESTABLISHED);
    assert_int_equal(tl_conn_handshake(last.flow), TL_HS_COMPLETE);
}

/* TCP Fast Open: a SYN with data, then a FIN with ack 0 and no SYN-ACK. An ack of 0
 * acknowledges nothing: no answer to the SYN is shown, the handshake is not complete. */
static void test_tfo_syn_then_fin(void **state)
{
    (void)state;
    assert_int_equal(seg(C, SYN, CISN, 0, 4, 65535, 0), TL_EV_SYN);
    assert_int_equal(seg(C, FIN | ACK, CISN + 5, 0, 0, 1400, 100), TL_EV_FIN);
    assert_int_equal(tl_conn_handshake(last.flow), TL_HS_NO_REPLY);
    assert_null(strstr(summary(TL_LANG_EN), "handshake completed"));
}

/* The SYN-ACK went by uncaptured: the client's ACK shows it (LISTEN and SYN-SENT send no
 * ACK), so both ends are ESTABLISHED, not SYN-SENT and LISTEN. */
static void test_uncaptured_synack(void **state)
{
    (void)state;
    assert_int_equal(seg(C, SYN, CISN, 0, 0, 65535, 0), TL_EV_SYN);
    seg(C, ACK, CISN + 1, SISN + 1, 0, 512, 20);
    assert_states(TL_ST_ESTABLISHED, TL_ST_ESTABLISHED);
    assert_int_equal(seg(C, ACK | PSH, CISN + 1, SISN + 1, 10, 512, 21), TL_EV_DATA);
    seg(S, ACK, SISN + 1, CISN + 11, 0, 512, 30);
    assert_states(TL_ST_ESTABLISHED, TL_ST_ESTABLISHED);
    assert_int_equal(tl_conn_handshake(last.flow), TL_HS_COMPLETE);
}

/* A bare FIN right after the SYN, at the SYN's own sequence number (zeek's
 * fin_retransmission trace): the SYN-ACK's ack answers the SYN only (a FIN is not processed
 * in LISTEN, RFC 9293 §3.10.7.2), so the server is SYN-RECEIVED, not CLOSE-WAIT; the client's
 * FIN+ACK then acknowledges the SYN-ACK: complete. */
static void test_synack_acks_syn_only(void **state)
{
    (void)state;
    assert_int_equal(seg(C, SYN, CISN, 0, 0, 65535, 0), TL_EV_SYN);
    assert_int_equal(seg(C, FIN, CISN, 0, 0, 65535, 1), TL_EV_FIN);
    assert_states(TL_ST_FIN_WAIT_1, TL_ST_LISTEN);
    assert_int_equal(seg(S, SYN | ACK, SISN, CISN + 1, 0, 65535, 10), TL_EV_SYN_ACK);
    assert_states(TL_ST_FIN_WAIT_1, TL_ST_SYN_RECEIVED);
    seg(C, FIN | ACK, CISN, SISN + 1, 0, 65535, 11);
    assert_states(TL_ST_FIN_WAIT_1, TL_ST_ESTABLISHED);
    assert_int_equal(tl_conn_handshake(last.flow), TL_HS_COMPLETE);
}

/* A 'christmas tree' packet (SYN+FIN+RST+PSH+URG): event other, and no state changes on an
 * impossible flag mix; as the corpus builds it, an unanswered attempt (no-reply), no
 * teardown. */
static void test_christmas_tree(void **state)
{
    (void)state;
    assert_int_equal(seg(C, SYN | FIN | RST | PSH | TL_TH_URG, CISN, 0, 0, 512, 0), TL_EV_OTHER);
    assert_states(TL_ST_CLOSED, TL_ST_LISTEN);
    unsigned init, rst;
    assert_int_equal(tl_conn_handshake(last.flow), TL_HS_NO_REPLY);
    assert_int_equal(tl_conn_teardown(last.flow, &init, &rst), TL_TD_OPEN);
    assert_int_equal(rst, 0);
    /* SYN+FIN without RST (zeek's modbus fuzz-72): still other, still no state change */
    assert_int_equal(seg(C, SYN | FIN | PSH, CISN, 0, 18, 512, 10), TL_EV_OTHER);
    assert_states(TL_ST_CLOSED, TL_ST_LISTEN);
}

/* A FIN sent twice is a retransmission and changes nothing else. */
static void test_fin_duplicated(void **state)
{
    (void)state;
    handshake();
    assert_int_equal(seg(C, FIN | ACK, CISN + 1, SISN + 1, 0, 512, 40), TL_EV_FIN);
    assert_int_equal(seg(C, FIN | ACK, CISN + 1, SISN + 1, 0, 512, 300), TL_EV_RETX);
    assert_states(TL_ST_FIN_WAIT_1, TL_ST_ESTABLISHED);
    assert_int_equal(seg(S, FIN | ACK, SISN + 1, CISN + 2, 0, 512, 310), TL_EV_FIN_ACK_PIGGY);
    /* Zeek: the repeated FIN has the same position, no second 'F'; both ends CLOSED: SF */
    assert_flow(TL_HS_COMPLETE, TL_TD_THREE_SEGMENT, TL_WHO_CLIENT, "SF", "ShAFf");
}

/* Segments 1, 3, 2 within a millisecond: a gap, then the hole filled out of order. */
static void test_reordered(void **state)
{
    (void)state;
    handshake();
    assert_int_equal(seg(C, ACK, CISN + 1, SISN + 1, 100, 512, 100), TL_EV_DATA);
    assert_int_equal(seg(C, ACK, CISN + 201, SISN + 1, 100, 512, 100), TL_EV_DATA);
    assert_true(last.conn.analysis & TL_AF_LOST_SEGMENT);
    assert_int_equal(seg(C, ACK, CISN + 101, SISN + 1, 100, 512, 101), TL_EV_OUT_OF_ORDER);
    assert_int_equal(last.conn.analysis, TL_AF_OUT_OF_ORDER);
    /* Zeek: the hole fill does not reach past the highest end: 'T' */
    assert_string_equal(tl_conn_history(last.flow), "ShADT");
}

/* The same segment again 200 ms later: a retransmission, not out of order. */
static void test_duplicated_segment(void **state)
{
    (void)state;
    handshake();
    assert_int_equal(seg(C, ACK, CISN + 1, SISN + 1, 100, 512, 100), TL_EV_DATA);
    assert_int_equal(seg(C, ACK, CISN + 1, SISN + 1, 100, 512, 300), TL_EV_RETX);
    assert_int_equal(last.conn.analysis, TL_AF_RETRANSMISSION);
    /* once the server has acknowledged it, a third copy is spurious */
    assert_int_equal(seg(S, ACK, SISN + 1, CISN + 101, 0, 512, 310), TL_EV_ACK);
    assert_int_equal(seg(C, ACK, CISN + 1, SISN + 1, 100, 512, 500), TL_EV_RETX);
    assert_true(last.conn.analysis & TL_AF_SPURIOUS_RETRANSMISSION);
}

/* Segment 2 of 4 lost: three duplicate ACKs, then the fast retransmission. */
static void test_dup_acks_fast_retransmit(void **state)
{
    (void)state;
    handshake();
    for (uint32_t i = 0; i < 4; i++) {
        if (i == 1) {
            continue; /* lost */
        }
        seg(C, ACK, CISN + 1 + 100 * i, SISN + 1, 100, 512, 100 + i);
    }
    assert_int_equal(seg(S, ACK, SISN + 1, CISN + 101, 0, 512, 110), TL_EV_ACK);
    assert_int_equal(seg(S, ACK, SISN + 1, CISN + 101, 0, 512, 111), TL_EV_DUP_ACK);
    assert_int_equal(seg(S, ACK, SISN + 1, CISN + 101, 0, 512, 112), TL_EV_DUP_ACK);
    assert_int_equal(seg(C, ACK, CISN + 101, SISN + 1, 100, 512, 113), TL_EV_RETX);
    assert_true(last.conn.analysis & TL_AF_FAST_RETRANSMISSION);
}

/* SYN answered by RST: refused. */
static void test_rejected(void **state)
{
    (void)state;
    assert_int_equal(seg(C, SYN, CISN, 0, 0, 65535, 0), TL_EV_SYN);
    assert_int_equal(seg(S, RST | ACK, 0, CISN + 1, 0, 0, 1), TL_EV_RST);
    assert_states(TL_ST_CLOSED, TL_ST_CLOSED);
    unsigned init, rst;
    assert_int_equal(tl_conn_teardown(last.flow, &init, &rst), TL_TD_RESET);
    assert_int_equal(rst, TL_WHO_SERVER);
    assert_flow(TL_HS_REJECTED, TL_TD_RESET, TL_WHO_SERVER, "REJ", "Sr");
    assert_int_equal(tl_conn_completeness(last.flow), 37);
    /* the RST proves no listener: the story says so, and that the server's end is CLOSED */
    const char *en = summary(TL_LANG_EN);
    assert_non_null(strstr(en, "nothing listens on port 80"));
    assert_non_null(strstr(en, "CLOSED, not LISTEN"));
    assert_non_null(strstr(summary(TL_LANG_ZH), "没有程序在监听"));
}

/* A SYN sent three times (0, 1, 3 s) and never answered. */
static void test_syn_unanswered(void **state)
{
    (void)state;
    assert_int_equal(seg(C, SYN, CISN, 0, 0, 65535, 0), TL_EV_SYN);
    assert_int_equal(seg(C, SYN, CISN, 0, 0, 65535, 1000), TL_EV_SYN_RETX);
    assert_int_equal(seg(C, SYN, CISN, 0, 0, 65535, 3000), TL_EV_SYN_RETX);
    assert_states(TL_ST_SYN_SENT, TL_ST_LISTEN);
    assert_flow(TL_HS_NO_REPLY, TL_TD_OPEN, 0, "S0", "S");
    assert_int_equal(tl_conn_completeness(last.flow), 1);
    char text[4096];
    struct tl_buf b;
    tl_buf_init_fixed(&b, text, sizeof text);
    tl_story_summary(last.flow, TL_LANG_EN, &b);
    assert_non_null(strstr(tl_buf_cstr(&b), "3 times"));
    assert_non_null(strstr(tl_buf_cstr(&b), "gaps 1.00 s, 2.00 s"));
}

/* Data only, then the server's RST: the capture began mid-connection. */
static void test_midstream_reset(void **state)
{
    (void)state;
    assert_int_equal(seg(C, ACK | PSH, CISN, SISN, 10, 512, 0), TL_EV_DATA);
    assert_states(TL_ST_ESTABLISHED, TL_ST_ESTABLISHED);
    assert_int_equal(seg(S, ACK, SISN, CISN + 10, 0, 512, 1), TL_EV_ACK);
    assert_int_equal(seg(S, RST | ACK, SISN, CISN + 10, 0, 0, 2), TL_EV_RST);
    /* Zeek: PARTIAL counts as inactive, so the responder's RST reads RSTRH */
    assert_flow(TL_HS_NOT_SEEN, TL_TD_RESET, TL_WHO_SERVER, "RSTRH", "Dar");
    assert_int_equal(tl_conn_completeness(last.flow), 44);
}

/* A keep-alive: one byte at next-1, and its ACK. */
static void test_keep_alive(void **state)
{
    (void)state;
    handshake();
    assert_int_equal(seg(C, ACK, CISN + 1, SISN + 1, 10, 512, 20), TL_EV_DATA);
    assert_int_equal(seg(S, ACK, SISN + 1, CISN + 11, 0, 512, 30), TL_EV_ACK);
    assert_int_equal(seg(C, ACK, CISN + 10, SISN + 1, 1, 512, 5000), TL_EV_KEEP_ALIVE);
    assert_int_equal(seg(S, ACK, SISN + 1, CISN + 11, 0, 512, 5001), TL_EV_ACK);
    assert_true(last.conn.analysis & TL_AF_KEEP_ALIVE_ACK);
}

/* The receiver's window goes to 0, then opens again. */
static void test_zero_window(void **state)
{
    (void)state;
    handshake();
    assert_int_equal(seg(C, ACK, CISN + 1, SISN + 1, 512, 512, 20), TL_EV_DATA);
    assert_int_equal(seg(S, ACK, SISN + 1, CISN + 513, 0, 0, 30), TL_EV_ZERO_WINDOW);
    assert_int_equal(seg(S, ACK, SISN + 1, CISN + 513, 0, 512, 200), TL_EV_WINDOW_UPDATE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_four_way, setup, teardown_table),
        cmocka_unit_test_setup_teardown(test_three_segment, setup, teardown_table),
        cmocka_unit_test_setup_teardown(test_simultaneous_close, setup, teardown_table),
        cmocka_unit_test_setup_teardown(test_fin_duplicated, setup, teardown_table),
        cmocka_unit_test_setup_teardown(test_reordered, setup, teardown_table),
        cmocka_unit_test_setup_teardown(test_duplicated_segment, setup, teardown_table),
        cmocka_unit_test_setup_teardown(test_dup_acks_fast_retransmit, setup, teardown_table),
        cmocka_unit_test_setup_teardown(test_rejected, setup, teardown_table),
        cmocka_unit_test_setup_teardown(test_syn_unanswered, setup, teardown_table),
        cmocka_unit_test_setup_teardown(test_midstream_reset, setup, teardown_table),
        cmocka_unit_test_setup_teardown(test_keep_alive, setup, teardown_table),
        cmocka_unit_test_setup_teardown(test_zero_window, setup, teardown_table),
        cmocka_unit_test_setup_teardown(test_fin_carries_third_ack, setup, teardown_table),
        cmocka_unit_test_setup_teardown(test_synack_with_payload, setup, teardown_table),
        cmocka_unit_test_setup_teardown(test_tfo_syn_then_fin, setup, teardown_table),
        cmocka_unit_test_setup_teardown(test_uncaptured_synack, setup, teardown_table),
        cmocka_unit_test_setup_teardown(test_synack_acks_syn_only, setup, teardown_table),
        cmocka_unit_test_setup_teardown(test_christmas_tree, setup, teardown_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
