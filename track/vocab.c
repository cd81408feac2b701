/*
 * vocab.c - the vocabulary's rows (see vocab.h). Rows of a kind that has an enum are in that
 * enum's order, checked at compile time where the enum is visible here.
 */
#include "vocab.h"

#include <string.h>

#include "conn.h"
#include "flow.h"

#define ROW(n, le, lz, me, mz, st, ph)                                                             \
    {                                                                                              \
        .name = n, .label = { le, lz }, .meaning = { me, mz }, .style = st, .phase = ph            \
    }
#define W  TL_STYLE_WARN
#define N  TL_STYLE_NORMAL
#define R  TL_STYLE_RST
#define P0 TL_PHASE_NONE

static const struct tl_vocab_entry events[] = {
    [TL_EV_OTHER] = ROW("other", "other", "其他",
                        "A flag combination no normal TCP stack sends (SYN with FIN or RST, FIN "
                        "with RST, or no flag at all).",
                        "正常的 TCP 实现不会发送的标志组合（SYN 与 FIN 或 RST 同时出现、FIN 与 RST "
                        "同时出现，或没有任何标志）。",
                        N, P0),
    [TL_EV_SYN] =
        ROW("syn", "SYN", "SYN", "The client asks to open a connection (SYN without ACK).",
            "客户端请求建立连接（SYN，不带 ACK）。", N, TL_PHASE_OPEN),
    [TL_EV_SYN_ACK] =
        ROW("syn-ack", "SYN-ACK", "SYN-ACK",
            "The server accepts: its own SYN, acknowledging the client's.",
            "服务器接受连接：发出自己的 SYN，同时确认客户端的 SYN。", N, TL_PHASE_OPEN),
    [TL_EV_HANDSHAKE_ACK] = ROW("handshake-ack", "ACK", "ACK",
                                "The client acknowledges the SYN-ACK: the three-way handshake "
                                "is complete.",
                                "客户端确认 SYN-ACK：三次握手完成。", N, TL_PHASE_OPENED),
    [TL_EV_SYN_RETX] =
        ROW("syn-retransmission", "SYN (retransmission)", "SYN（重传）",
            "The same SYN again: no answer came before the retransmission timer "
            "fired.",
            "再次发送同一个 SYN：在重传定时器到期前没有收到回应。", W, TL_PHASE_OPEN),
    [TL_EV_SYN_ACK_RETX] =
        ROW("syn-ack-retransmission", "SYN-ACK (retransmission)", "SYN-ACK（重传）",
            "The same SYN-ACK again: its ACK did not come (or the SYN came "
            "again).",
            "再次发送同一个 SYN-ACK：没有等到它的 ACK（或者 SYN 又来了）。", W, TL_PHASE_OPEN),
    [TL_EV_DATA] =
        ROW("data", "data", "数据", "A segment carrying new data.", "携带新数据的报文段。", N, P0),
    [TL_EV_ACK] =
        ROW("ack", "ACK", "ACK", "An acknowledgement without data.", "不带数据的确认。", N, P0),
    [TL_EV_RETX] = ROW("retransmission", "retransmission", "重传",
                       "Data (or a FIN) sent again: it was lost, or its acknowledgement was.",
                       "再次发送的数据（或 FIN）：它丢了，或者它的确认丢了。", W, P0),
    [TL_EV_OUT_OF_ORDER] = ROW("out-of-order", "out-of-order", "乱序",
                               "Older data arriving soon after newer data: reordered on the way.",
                               "较早的数据在较新的数据之后很快到达：途中被重新排序。", W, P0),
    [TL_EV_DUP_ACK] = ROW("duplicate-ack", "duplicate ACK", "重复 ACK",
                          "The same acknowledgement again: the receiver is missing the data that "
                          "comes next.",
                          "又一次相同的确认：接收方缺少紧接着的数据。", W, P0),
    [TL_EV_ZERO_WINDOW] = ROW("zero-window", "zero window", "零窗口",
                              "The receiver advertises a window of 0: its buffer is full, the "
                              "sender must wait.",
                              "接收方通告窗口为 0：缓冲区已满，发送方必须等待。", N, P0),
    [TL_EV_ZERO_WINDOW_PROBE] = ROW("zero-window-probe", "zero-window probe", "零窗口探测",
                                    "The sender's persist timer asks whether a closed window has "
                                    "opened (RFC 9293 §3.8.6.1).",
                                    "发送方的坚持定时器询问关闭的窗口是否已重新打开（RFC 9293 "
                                    "§3.8.6.1）。",
                                    N, P0),
    [TL_EV_WINDOW_UPDATE] = ROW("window-update", "window update", "窗口更新",
                                "Only the window changes: the application read data and freed "
                                "buffer space.",
                                "只有窗口变了：应用程序读走了数据，腾出了缓冲区。", N, P0),
    [TL_EV_KEEP_ALIVE] = ROW("keep-alive", "keep-alive", "保活",
                             "A probe one below the next sequence number: is the peer still "
                             "there?",
                             "序列号比下一个小 1 的探测报文：对方还在吗？", N, P0),
    [TL_EV_DISCARDED] = ROW("discarded", "discarded (bad checksum)", "丢弃（校验和错误）",
                            "Its receiver dropped it for a bad checksum: it changes nothing.",
                            "接收方因校验和错误丢弃了它：它不改变任何东西。", W, P0),
    [TL_EV_FIN] = ROW("fin", "FIN", "FIN",
                      "The sender has no more data to send and closes its "
                      "direction.",
                      "发送方没有更多数据要发，关闭自己这个方向。", N, TL_PHASE_CLOSE),
    [TL_EV_FIN_ACK_PIGGY] =
        ROW("fin-ack-piggybacked", "FIN (piggybacked ACK)", "FIN（捎带 ACK）",
            "A FIN that also acknowledges the peer's FIN: two steps of the "
            "close in one segment.",
            "同时确认对方 FIN 的 FIN：一个报文段完成关闭中的两步。", N, TL_PHASE_CLOSE),
    [TL_EV_CLOSE_ACK] =
        ROW("close-ack", "ACK", "ACK", "The acknowledgement of a FIN.", "对 FIN 的确认。", N, P0),
    [TL_EV_RST] = ROW("rst", "RST", "RST",
                      "Reset: the connection is refused or aborted at once, no acknowledgement "
                      "needed.",
                      "复位：立即拒绝或中止连接，不需要确认。", R, TL_PHASE_CLOSE),
};
_Static_assert(sizeof events / sizeof events[0] == TL_EV_COUNT, "one row per event");

static const struct tl_vocab_entry handshakes[] = {
    [TL_HS_COMPLETE] = ROW("complete", "complete", "完整",
                           "SYN, SYN-ACK and the ACK that acknowledges it were all seen.",
                           "SYN、SYN-ACK 和确认它的 ACK 都看到了。", N, P0),
    [TL_HS_SIMULTANEOUS_OPEN] = ROW("simultaneous-open", "simultaneous open", "同时打开",
                                    "Both ends sent a SYN: each answered the other's.",
                                    "两端都发送了 SYN，并各自回应了对方。", N, P0),
    [TL_HS_NO_REPLY] = ROW("no-reply", "no reply", "无应答", "The SYN was never answered.",
                           "SYN 始终没有得到回应。", W, P0),
    [TL_HS_REJECTED] = ROW("rejected", "rejected", "被拒绝",
                           "The SYN was answered with RST: nothing listens on that port.",
                           "SYN 得到的回应是 RST：该端口上没有程序在监听。", R, P0),
    [TL_HS_NO_FINAL_ACK] =
        ROW("no-final-ack", "no final ACK", "缺最后的 ACK", "The SYN-ACK was never acknowledged.",
            "SYN-ACK 始终没有被确认。", W, P0),
    [TL_HS_NOT_SEEN] =
        ROW("not-seen", "not seen", "未看到", "The capture began after the connection opened.",
            "抓包开始时连接已经建立。", N, P0),
};

static const struct tl_vocab_entry teardowns[] = {
    [TL_TD_FOUR_WAY] = ROW("four-way", "four-way", "四次挥手",
                           "FIN, ACK, FIN, ACK: each FIN acknowledged on its own.",
                           "FIN、ACK、FIN、ACK：每个 FIN 都被单独确认。", N, P0),
    [TL_TD_THREE_SEGMENT] = ROW("three-segment", "three-segment", "三个报文",
                                "FIN, FIN+ACK, ACK: the second FIN carries the ACK of the first.",
                                "FIN、FIN+ACK、ACK：第二个 FIN 捎带了对第一个 FIN 的确认。", N, P0),
    [TL_TD_SIMULTANEOUS] = ROW("simultaneous-close", "simultaneous close", "同时关闭",
                               "The two FINs crossed: neither acknowledged the other's first.",
                               "两个 FIN 在途中交错：谁都没有先确认对方的 FIN。", N, P0),
    [TL_TD_RESET] = ROW("reset", "reset", "复位（RST）", "An RST ended the connection.",
                        "RST 结束了连接。", R, P0),
    [TL_TD_HALF_CLOSED] = ROW("half-closed", "half-closed", "半关闭", "Only one side sent its FIN.",
                              "只有一方发送了 FIN。", N, P0),
    [TL_TD_OPEN] = ROW("open", "open", "未关闭", "No FIN or RST by the end of the capture.",
                       "直到抓包结束都没有 FIN 或 RST。", N, P0),
};

static const struct tl_vocab_entry states[] = {
    [TL_ST_CLOSED] = ROW("CLOSED", "CLOSED", "CLOSED", "No connection.", "没有连接。", N, P0),
    [TL_ST_LISTEN] = ROW("LISTEN", "LISTEN", "LISTEN", "Waiting for a SYN.", "等待 SYN。", N, P0),
    [TL_ST_SYN_SENT] = ROW("SYN-SENT", "SYN-SENT", "SYN-SENT",
                           "Sent a SYN, waiting for the answer.", "已发送 SYN，等待回应。", N, P0),
    [TL_ST_SYN_RECEIVED] = ROW("SYN-RECEIVED", "SYN-RECEIVED", "SYN-RECEIVED",
                               "Received a SYN and answered it, waiting for the ACK.",
                               "收到 SYN 并已回应，等待 ACK。", N, P0),
    [TL_ST_ESTABLISHED] = ROW("ESTABLISHED", "ESTABLISHED", "ESTABLISHED",
                              "Open: data flows both ways.", "连接已建立：数据可双向传输。", N, P0),
    [TL_ST_FIN_WAIT_1] =
        ROW("FIN-WAIT-1", "FIN-WAIT-1", "FIN-WAIT-1", "Sent a FIN, waiting for its ACK.",
            "已发送 FIN，等待它的 ACK。", N, P0),
    [TL_ST_FIN_WAIT_2] = ROW("FIN-WAIT-2", "FIN-WAIT-2", "FIN-WAIT-2",
                             "Its FIN is acknowledged; waiting for the peer's FIN.",
                             "自己的 FIN 已被确认，等待对方的 FIN。", N, P0),
    [TL_ST_CLOSE_WAIT] = ROW("CLOSE-WAIT", "CLOSE-WAIT", "CLOSE-WAIT",
                             "The peer closed; waiting for the application to close too.",
                             "对方已关闭，等待本端应用程序也关闭。", N, P0),
    [TL_ST_CLOSING] = ROW("CLOSING", "CLOSING", "CLOSING",
                          "Both FINs sent, the peer's arrived before the ACK of its own.",
                          "双方都已发送 FIN，对方的 FIN 先于自己 FIN 的 ACK 到达。", N, P0),
    [TL_ST_LAST_ACK] = ROW("LAST-ACK", "LAST-ACK", "LAST-ACK",
                           "Closed after the peer; waiting for the ACK of its own FIN.",
                           "在对方之后关闭，等待自己 FIN 的 ACK。", N, P0),
    [TL_ST_TIME_WAIT] = ROW("TIME-WAIT", "TIME-WAIT", "TIME-WAIT",
                            "Both directions closed; waits 2×MSL so late segments die out.",
                            "两个方向都已关闭；等待 2×MSL，让迟到的报文段消失。", N, P0),
};
_Static_assert(sizeof states / sizeof states[0] == TL_ST_COUNT, "one row per state");

/* Zeek's conn_state values, with Zeek's documented meanings. */
static const struct tl_vocab_entry conn_states[] = {
    ROW("S0", "S0", "S0", "Connection attempt seen, no reply.", "看到连接请求，没有回应。", W, P0),
    ROW("S1", "S1", "S1", "Connection established, not terminated.", "连接已建立，未结束。", N, P0),
    ROW("SF", "SF", "SF", "Normal establishment and termination.", "正常建立、正常结束。", N, P0),
    ROW("REJ", "REJ", "REJ", "Connection attempt rejected.", "连接请求被拒绝。", R, P0),
    ROW("S2", "S2", "S2",
        "Established; close attempt by the originator seen, no reply from the responder.",
        "已建立；发起方尝试关闭，响应方没有回应。", N, P0),
    ROW("S3", "S3", "S3",
        "Established; close attempt by the responder seen, no reply from the originator.",
        "已建立；响应方尝试关闭，发起方没有回应。", N, P0),
    ROW("RSTO", "RSTO", "RSTO", "Connection established, originator aborted (sent a RST).",
        "连接已建立，发起方中止（发送了 RST）。", R, P0),
    ROW("RSTR", "RSTR", "RSTR", "Responder sent a RST.", "响应方发送了 RST。", R, P0),
    ROW("RSTOS0", "RSTOS0", "RSTOS0",
        "Originator sent a SYN followed by a RST; no SYN-ACK from the responder.",
        "发起方发送 SYN 后又发送 RST；没有看到响应方的 SYN-ACK。", R, P0),
    ROW("RSTRH", "RSTRH", "RSTRH",
        "Responder sent a SYN-ACK followed by a RST; no SYN from the originator.",
        "响应方发送 SYN-ACK 后又发送 RST；没有看到发起方的 SYN。", R, P0),
    ROW("SH", "SH", "SH", "Originator sent a SYN followed by a FIN; no SYN-ACK from the responder.",
        "发起方发送 SYN 后又发送 FIN；没有看到响应方的 SYN-ACK。", N, P0),
    ROW("SHR", "SHR", "SHR",
        "Responder sent a SYN-ACK followed by a FIN; no SYN from the originator.",
        "响应方发送 SYN-ACK 后又发送 FIN；没有看到发起方的 SYN。", N, P0),
    ROW("OTH", "OTH", "OTH", "No SYN seen, just midstream traffic.",
        "没有看到 SYN，只有连接中途的流量。", N, P0),
};

/* Zeek's history letters: upper case for the originator, lower case for the responder. */
static const struct tl_vocab_entry history[] = {
    ROW("S", "S", "S", "SYN without ACK.", "不带 ACK 的 SYN。", N, P0),
    ROW("H", "H", "H", "SYN-ACK (handshake).", "SYN-ACK（握手）。", N, P0),
    ROW("A", "A", "A", "A pure ACK.", "纯 ACK。", N, P0),
    ROW("D", "D", "D", "A packet with payload.", "带数据的报文。", N, P0),
    ROW("F", "F", "F", "FIN.", "FIN。", N, P0),
    ROW("R", "R", "R", "RST.", "RST。", R, P0),
    ROW("C", "C", "C", "A bad checksum (logarithmic: 1st, 10th, 100th...).",
        "校验和错误（按对数记录：第 1、10、100……次）。", W, P0),
    ROW("G", "G", "G", "A content gap: acknowledged data that was not captured (logarithmic).",
        "内容缺口：被确认却没有抓到的数据（按对数记录）。", W, P0),
    ROW("T", "T", "T", "Retransmitted payload (logarithmic).", "重传的数据（按对数记录）。", W, P0),
    ROW("W", "W", "W", "A zero-window advertisement (logarithmic).", "零窗口通告（按对数记录）。",
        N, P0),
    ROW("I", "I", "I", "An inconsistent packet: FIN and RST together.",
        "不一致的报文：FIN 与 RST 同时出现。", W, P0),
    ROW("Q", "Q", "Q", "A multi-flag packet: SYN with FIN or RST.",
        "多标志报文：SYN 与 FIN 或 RST 同时出现。", W, P0),
    ROW("^", "^", "^", "Zeek flipped the connection's direction.", "Zeek 调换了连接的方向。", N,
        P0),
};

static const struct tl_vocab_entry checksums[] = {
    [TL_CKSUM_UNVERIFIED] = ROW("unverified", "not verified", "未校验",
                                "Not all of it was captured (or a fragment): cannot be checked.",
                                "没有抓全（或是分片）：无法校验。", N, P0),
    [TL_CKSUM_CORRECT] =
        ROW("correct", "correct", "正确", "The checksum verifies.", "校验和正确。", N, P0),
    [TL_CKSUM_INCORRECT] = ROW("incorrect", "incorrect", "错误", "The checksum does not verify.",
                               "校验和不正确。", W, P0),
    [TL_CKSUM_OFFLOADED] = ROW("offloaded", "offloaded", "卸载",
                               "Only the pseudo-header sum: captured on the sending host before "
                               "its card filled the checksum in, or on loopback.",
                               "只有伪首部的和：在发送方主机上、网卡填入校验和之前抓到，或在环回"
                               "接口上。",
                               N, P0),
};

static const struct tl_vocab_entry checksum_modes[] = {
    [TL_CKM_AUTO] =
        ROW("auto", "auto", "自动", "Correct, offloaded or acknowledged packets count as received.",
            "正确、卸载或被确认的报文算作已接收。", N, P0),
    [TL_CKM_VERIFY] =
        ROW("verify", "verify", "校验", "Every failed checksum counts as dropped, as Zeek does.",
            "所有校验失败的报文都算作被丢弃，与 Zeek 相同。", N, P0),
    [TL_CKM_IGNORE] = ROW("ignore", "ignore", "忽略", "Checksums are not consulted, as zeek -C.",
                          "不看校验和，与 zeek -C 相同。", N, P0),
};

static const struct {
    const char *name;
    const struct tl_vocab_entry *rows;
    size_t n;
} kinds[TL_VOCAB_KIND_COUNT] = {
#define KIND(k, name, arr) [k] = { name, arr, sizeof arr / sizeof arr[0] }
    KIND(TL_VOCAB_EVENT, "events", events),
    KIND(TL_VOCAB_HANDSHAKE, "handshake", handshakes),
    KIND(TL_VOCAB_TEARDOWN, "teardown", teardowns),
    KIND(TL_VOCAB_STATE, "states", states),
    KIND(TL_VOCAB_CONN_STATE, "conn_state", conn_states),
    KIND(TL_VOCAB_HISTORY, "history", history),
    KIND(TL_VOCAB_CHECKSUM, "checksum_status", checksums),
    KIND(TL_VOCAB_CHECKSUM_MODE, "checksums", checksum_modes),
#undef KIND
};

const char *tl_vocab_kind_name(enum tl_vocab_kind k)
{
    return (unsigned)k < TL_VOCAB_KIND_COUNT ? kinds[k].name : NULL;
}

const struct tl_vocab_entry *tl_vocab_rows(enum tl_vocab_kind k, size_t *n)
{
    if ((unsigned)k >= TL_VOCAB_KIND_COUNT) {
        *n = 0;
        return NULL;
    }
    *n = kinds[k].n;
    return kinds[k].rows;
}

const struct tl_vocab_entry *tl_vocab_find(enum tl_vocab_kind k, const char *name)
{
    size_t n;
    const struct tl_vocab_entry *rows = tl_vocab_rows(k, &n);
    for (size_t i = 0; name && i < n; i++) {
        if (strcmp(rows[i].name, name) == 0) {
            return &rows[i];
        }
    }
    return NULL;
}
