/*
 * messages_en.h - the English formats, one string literal per message id (messages.h).
 *
 * They are macros so that every call site's arguments are checked against them at compile
 * time (TL_MSG in messages.h); messages_en.c makes the English table of them. English is
 * the reference: every other language's format takes exactly the arguments it takes.
 *
 * Sentences after the first start with a space (" It ..."); summaries squeeze the space
 * left before a part that said nothing.
 */
#ifndef TL_MESSAGES_EN_H
#define TL_MESSAGES_EN_H

/* ---- words and joints ---- */
#define TL_EN_WHO_CLIENT       "the client"
#define TL_EN_WHO_SERVER       "the server"
#define TL_EN_WHO_CLIENT_START "The client"
#define TL_EN_WHO_SERVER_START "The server"
#define TL_EN_WHO_BOTH         "both ends"
#define TL_EN_PL_ONE           ""  /* the ending of a count's word: "1 byte" */
#define TL_EN_PL_OTHER         "s" /* "2 bytes" */
#define TL_EN_CMP_HIGHER       "higher than"
#define TL_EN_CMP_NOT_HIGHER   "not higher than"
#define TL_EN_LIST_COMMA       ", "
#define TL_EN_LIST_AND         " and "
#define TL_EN_SENTENCE_SPACE   " "
#define TL_EN_FULL_STOP        "."

/* ---- a SYN's options and the window ---- */
#define TL_EN_OPT_MSS              "MSS %d"
#define TL_EN_OPT_WSCALE           "window scale %1$d (×%2$u)"
#define TL_EN_OPT_SACK             "SACK"
#define TL_EN_OPT_TS               "timestamps"
#define TL_EN_WINDOW_SCALED        "window of %1$u × %2$u = %3$llu byte%4$s"
#define TL_EN_WINDOW               "window of %1$u byte%2$s"
#define TL_EN_WINDOW_SCALE_UNKNOWN "window of %1$u byte%2$s (scale factor unknown)"

/* ---- checksums of one packet ---- */
#define TL_EN_CKSUM_PSEUDO_LOOPBACK                                                                \
    " The checksum field holds 0x%04x, only the sum of the pseudo-header: on loopback the "        \
    "kernel never computes the TCP checksum (no wire, nothing to protect), so nothing is wrong."
#define TL_EN_CKSUM_PSEUDO_OFFLOAD                                                                 \
    " The checksum field holds 0x%1$04x, only the sum of the pseudo-header: the capture was "      \
    "taken on the sending host before its network card computed the checksum (checksum "           \
    "offload); on the wire the card put 0x%2$04x there, so nothing is wrong."
#define TL_EN_CKSUM_WRONG_ACCEPTED                                                                 \
    " The TCP checksum as captured is wrong: 0x%1$04x, should be 0x%2$04x; but the peer "          \
    "acknowledged this segment, so it was accepted by the peer: the capture holds the wrong "      \
    "value, not the wire."
#define TL_EN_CKSUM_WRONG_IGNORED                                                                  \
    " The TCP checksum is wrong: 0x%1$04x, should be 0x%2$04x (counted anyway: "                   \
    "checksums=ignore)."
#define TL_EN_DISCARDED_SENDS "%1$s sends [%2$s], seq %3$u, %4$u bytes of data."
#define TL_EN_DISCARDED_OFFLOAD_VERIFY                                                             \
    " But checksums=verify, like Zeek without -C, counts it as dropped by the receiver, so it "    \
    "changes no state; checksums=auto or ignore count it."
#define TL_EN_DISCARDED_IP_CKSUM                                                                   \
    " Its IPv4 header checksum is wrong: with checksums=verify, like Zeek without -C, the IP "     \
    "layer drops it before TCP sees it, so it changes no state."
#define TL_EN_DISCARDED_TCP_CKSUM                                                                  \
    " Its TCP checksum is wrong (0x%1$04x, should be 0x%2$04x): a TCP receiver silently "          \
    "discards such a segment (RFC 9293 §3.1), so it changes no state and is left out of the "     \
    "handshake, the teardown and Zeek's history (but for a C)."
#define TL_EN_DISCARDED_TCP_CKSUM_UNACKED                                                          \
    " Its TCP checksum is wrong (0x%1$04x, should be 0x%2$04x): a TCP receiver silently "          \
    "discards such a segment (RFC 9293 §3.1) and nothing the peer sent later acknowledges it, "   \
    "so it changes no state and is left out of the handshake, the teardown and Zeek's history "    \
    "(but for a C)."

/* ---- a SYN that reuses the ports of an ended connection ---- */
#define TL_EN_REUSE_TIME_WAIT                                                                      \
    " The same addresses and ports carried an earlier connection, and %s is still in "             \
    "TIME-WAIT for it (2×MSL after the close)."
#define TL_EN_REUSE_ENDED                                                                          \
    " The same addresses and ports carried an earlier connection, which has ended."
#define TL_EN_REUSE_RULE                                                                           \
    " An endpoint in TIME-WAIT accepts a new SYN on them only when it cannot be a late segment "   \
    "of the old connection (RFC 9293 §3.6.1, RFC 6191): "
/* its ISN, higher than / not higher than, the old next sequence number, who */
#define TL_EN_REUSE_ISN                                                                            \
    "its ISN %1$u is %2$s %3$u, %4$s's next sequence number on the old connection"
#define TL_EN_REUSE_BY " (by %u)"
/* its TSval, higher than / not higher than, the old last TSval, who */
#define TL_EN_REUSE_TSVAL ", and its TSval %1$u is %2$s %3$u, the last one %4$s sent on it"
#define TL_EN_REUSE_NEW   ", so it is taken as a new connection."
#define TL_EN_REUSE_OLD   ", so an endpoint in TIME-WAIT may take it for an old duplicate."

/* ---- one packet: the event's sentence, then the states ---- */
/* who, ISN, the options as a list */
#define TL_EN_SYN_OPEN                                                                             \
    "%1$s opens the connection with SYN, initial sequence number %2$u, offering %3$s."
#define TL_EN_SYN_OPEN_NO_OPTIONS                                                                  \
    "%1$s opens the connection with SYN, initial sequence number %2$u, with no options."
#define TL_EN_SYN_SIMULTANEOUS " Both ends sent a SYN: a simultaneous open."
#define TL_EN_SYN_FAST_OPEN    " It already carries %1$u byte%2$s of data (TCP Fast Open)."
/* who, the time since the previous SYN, ISN */
#define TL_EN_SYN_RETX                                                                             \
    "%1$s sends its SYN again %2$s after the previous one, with the same ISN %3$u: no answer "     \
    "came, so its retransmission timer fired (the interval doubles each time)."
#define TL_EN_SYNACK_RETX                                                                          \
    "%1$s repeats its SYN-ACK (seq %2$u): its acknowledgement has not arrived yet."
/* who, its ISN, ack, the peer, the peer's ISN */
#define TL_EN_SYNACK                                                                               \
    "%1$s answers with SYN-ACK, its own ISN %2$u; ack %3$u = %4$s's ISN %5$u + 1: a SYN "          \
    "consumes one sequence number."
#define TL_EN_SYNACK_SYN_UNSEEN " (That SYN itself was not captured.)"
#define TL_EN_SYNACK_OPTIONS    " It offers %s."
#define TL_EN_SYNACK_NO_OPTIONS " It offers no options."
#define TL_EN_SYNACK_SIMULTANEOUS                                                                  \
    " In a simultaneous open each side's SYN-ACK repeats the ISN of its own SYN, so this is not "  \
    "a retransmission (Wireshark flags it as a suspected one, having seen that sequence number "   \
    "in the SYN)."
#define TL_EN_SYNACK_BOTH_SCALE                                                                    \
    " Both sides offered window scaling, so from now on every window field is multiplied by "      \
    "its sender's own factor, the one announced in that sender's SYN."
#define TL_EN_SYNACK_ONE_SCALES                                                                    \
    " Only one side offered window scaling, so neither side's windows are scaled (RFC 7323)."
/* who, the peer, ack, the peer, the peer's ISN, who, the window */
#define TL_EN_HSACK_SIMULTANEOUS                                                                   \
    "%1$s acknowledges %2$s's SYN-ACK: ack %3$u = %4$s's ISN %5$u + 1, which %6$s's own "          \
    "SYN-ACK already acknowledged; in a simultaneous open the SYN-ACK repeats the SYN's "          \
    "sequence number, and this ACK answers that duplicate. Both SYNs are acknowledged and the "    \
    "connection is open; neither end waited for the other's answer, so there is no handshake "     \
    "round-trip time to measure. It advertises a %7$s."
#define TL_EN_HSACK_CARRIES " It already carries %1$u byte%2$s of data."
/* who, the peer, ack, the peer, the peer's ISN, the bytes its SYN-ACK carried */
#define TL_EN_HSACK_SYNACK_DATA                                                                    \
    "%1$s acknowledges %2$s's SYN: ack %3$u = %4$s's ISN %5$u + 1 + the %6$u bytes of data its "   \
    "SYN-ACK carried. The three-way handshake is complete"
/* who, the peer, ack, the peer, the peer's ISN */
#define TL_EN_HSACK                                                                                \
    "%1$s acknowledges %2$s's SYN: ack %3$u = %4$s's ISN %5$u + 1. The three-way handshake is "    \
    "complete"
/* the handshake's time, SYN to SYN-ACK, SYN-ACK to ACK */
#define TL_EN_HSACK_TIMES  " after %1$s (SYN→SYN-ACK %2$s, SYN-ACK→ACK %3$s)"
#define TL_EN_HSACK_WINDOW ". It advertises a %s."
/* who, length, plural, first and last relative seq, the next */
#define TL_EN_DATA                                                                                 \
    "%1$s sends %2$u byte%3$s of data (relative seq %4$u–%5$u; the next byte will be %6$u)"
#define TL_EN_DATA_ACKS ", and acknowledges the peer's bytes up to relative %u."
/* who, the peer, relative ack, ack, the window */
#define TL_EN_ACK_NEW                                                                              \
    "%1$s acknowledges everything %2$s sent before relative seq %3$u (ack %4$u), advertising a "   \
    "%5$s."
#define TL_EN_ACK_NOTHING_NEW "%1$s sends an ACK that acknowledges nothing new, advertising a %2$s."
#define TL_EN_RETX_FIN                                                                             \
    "%1$s repeats its FIN (seq %2$u): the first one was not acknowledged in time."
/* who, relative seq, length, plural */
#define TL_EN_RETX_FAST                                                                            \
    "%1$s fast-retransmits the segment at relative seq %2$u (%3$u byte%4$s): the peer's "          \
    "duplicate ACKs showed this segment was lost, so it is resent without waiting for the timer."
#define TL_EN_RETX_SPURIOUS                                                                        \
    "%1$s resends the segment at relative seq %2$u (%3$u byte%4$s), which the peer had already "   \
    "acknowledged: a spurious retransmission."
#define TL_EN_RETX                                                                                 \
    "%1$s sends the segment at relative seq %2$u (%3$u byte%4$s) again: it was sent before (a "    \
    "suspected retransmission, usually because no acknowledgement came in time)."
#define TL_EN_OUT_OF_ORDER                                                                         \
    "%1$s's segment at relative seq %2$u (%3$u byte%4$s) arrives after later data: out of "        \
    "order, not a retransmission."
/* who, ack, relative ack, how many duplicates, relative ack */
#define TL_EN_DUP_ACK                                                                              \
    "%1$s repeats ack %2$u (relative %3$u) with the same window: duplicate ACK #%4$u, telling "    \
    "the sender that the data at relative seq %5$u is missing."
/* who, seq, the peer, who */
#define TL_EN_ZERO_WINDOW_PROBE                                                                    \
    "%1$s sends a 1-byte zero-window probe (seq %2$u, the next byte due): %3$s last advertised "   \
    "a window of 0, so %4$s's persist timer fired and sends this probe (RFC 9293 §3.8.6.1). "     \
    "While the window stays 0 the byte is not accepted and the answer advertises 0 again; once "   \
    "it opens, data flows again."
/* who, the peer, who, seq */
#define TL_EN_ZERO_WINDOW_PROBE_KEEPALIVE                                                          \
    "%1$s probes the closed window: %2$s last advertised a window of 0, so %3$s's persist timer "  \
    "fired and sends a window probe to learn whether the window has opened again (RFC 9293 "       \
    "§3.8.6.1). Linux sends it in keep-alive form: seq %4$u is one below the next new sequence "  \
    "number and it carries no data, so Wireshark flags it as a keep-alive, but it comes from "     \
    "the closed window, not from the keep-alive timer. The peer must answer with an ACK, whose "   \
    "window says whether sending may resume."
#define TL_EN_ZERO_WINDOW                                                                          \
    "%s advertises a window of 0: its receive buffer is full, so the peer must stop sending "      \
    "until the window opens again."
#define TL_EN_WINDOW_UPDATE                                                                        \
    "%1$s only updates its window: %2$s (the application has read data, freeing buffer space)."
#define TL_EN_KEEP_ALIVE                                                                           \
    "%1$s sends a keep-alive: seq %2$u is one below the next new sequence number, so the peer "    \
    "must answer with an ACK, proving the connection is still alive."
#define TL_EN_FIN_SIMULTANEOUS                                                                     \
    "%1$s sends its FIN too (seq %2$u) before it has seen the peer's FIN: both ends are closing "  \
    "at once (a simultaneous close)."
#define TL_EN_FIN_THIRD_STEP                                                                       \
    "%1$s closes its side too: FIN at seq %2$u. It had already acknowledged the peer's FIN in a "  \
    "separate segment, so this is the third step of a four-way close."
/* who, the FIN's seq, its relative seq, its ack */
#define TL_EN_FIN                                                                                  \
    "%1$s has no more data to send: FIN at seq %2$u (relative %3$u). A FIN consumes one "          \
    "sequence number, so its acknowledgement will be %4$u."
#define TL_EN_FIN_WITH_DATA                                                                        \
    "%1$s has no more data to send: FIN at seq %2$u (relative %3$u), riding on its last data. A "  \
    "FIN consumes one sequence number, so its acknowledgement will be %4$u."
/* who, the peer, ack, the FIN's seq */
#define TL_EN_FIN_ACK_PIGGY                                                                        \
    "%1$s closes its side too, and the same segment acknowledges %2$s's FIN: ack %3$u = the "      \
    "FIN's seq %4$u + 1. No separate ACK came first: the ACK rides on the FIN (piggybacked), so "  \
    "this close takes three segments instead of the textbook four."
#define TL_EN_CLOSE_ACK "%1$s acknowledges %2$s's FIN: ack %3$u = the FIN's seq %4$u + 1."
#define TL_EN_CLOSE_ACK_BOTH_TIME_WAIT                                                             \
    " It waits in TIME-WAIT for 2×MSL; %s's FIN is acknowledged, so it too leaves CLOSING for "   \
    "TIME-WAIT."
#define TL_EN_CLOSE_ACK_TIME_WAIT                                                                  \
    " It now waits in TIME-WAIT for 2×MSL, in case this last ACK is lost and must be sent "       \
    "again; the peer is CLOSED once it arrives."
#define TL_EN_CLOSE_ACK_CLOSING                                                                    \
    " It has the peer's FIN while its own FIN is not yet acknowledged: it enters CLOSING (RFC "    \
    "9293 §3.6)."
/* the peer, the peer */
#define TL_EN_CLOSE_ACK_PEER_CLOSING                                                               \
    " This ACK left after its own FIN, so that FIN reached %1$s first: %2$s went through "         \
    "CLOSING too, and with its FIN now acknowledged it is in TIME-WAIT."
#define TL_EN_CLOSE_ACK_CLOSE_WAIT                                                                 \
    " It enters CLOSE-WAIT: it may still send data until it closes its own side."
/* who, the server's port, ack */
#define TL_EN_RST_REFUSED                                                                          \
    "%1$s refuses the connection with RST: nothing listens on port %2$u (or a firewall answers "   \
    "for it). ack %3$u = the SYN's seq + 1 names the SYN being refused. With no listener, the "    \
    "server's end is CLOSED, not the LISTEN assumed until this answer."
#define TL_EN_RST_ABORT                                                                            \
    "%s aborts the connection with RST: unlike a FIN it needs no acknowledgement; unsent data "    \
    "is discarded and both ends go straight to CLOSED."
#define TL_EN_OTHER_FLAGS                                                                          \
    "Flags [%s]: a combination no normal TCP stack sends (typical of scans or crafted packets)."
/* the client's state, the server's */
#define TL_EN_STATES " States: client %1$s, server %2$s."

/* ---- the time-sequence graph (tsg.c) ---- */
/* the direction (TSG_DIR_*), the sender's and the receiver's address */
#define TL_EN_TSG_TITLE   "Time-sequence graph, %1$s (%2$s → %3$s)"
#define TL_EN_TSG_DIR_C2S "client → server"
#define TL_EN_TSG_DIR_S2C "server → client"
#define TL_EN_TSG_DESC                                                                             \
    "Time runs across, the relative sequence number up. Each segment sent is a vertical bar "      \
    "from its first to its last sequence number; the ACK line follows the other side's "           \
    "acknowledgements, the window line the ACK plus the scaled window it advertised."
#define TL_EN_TSG_AXIS_TIME  "time since the first packet"
#define TL_EN_TSG_AXIS_SEQ   "relative sequence number"
#define TL_EN_TSG_LG_SEG     "segment"
#define TL_EN_TSG_LG_RETRANS "retransmission (R)"
#define TL_EN_TSG_LG_OOO     "out of order (O)"
#define TL_EN_TSG_LG_LOST    "after a segment not captured (L)"
#define TL_EN_TSG_LG_ACK     "ACK line"
#define TL_EN_TSG_LG_WIN     "receive window (ACK + window)"
#define TL_EN_TSG_LG_SACK    "SACK block"
#define TL_EN_TSG_LG_DUP     "duplicate ACK (D)"
#define TL_EN_TSG_LG_ZERO    "zero window (Z)"
/* packet, seq, next seq, payload bytes, plural ending, time */
#define TL_EN_TSG_SEG "packet %1$llu: seq %2$u to %3$u, %4$llu byte%5$s, at %6$s"
/* first packet, last packet, packets, lowest seq, highest next seq, time of the first */
#define TL_EN_TSG_SEGS "packets %1$llu to %2$llu (%3$u): seq %4$u to %5$u, from %6$s"
/* packet, ack, scaled window, ack + window, time */
#define TL_EN_TSG_ACK "packet %1$llu: ack %2$u, window %3$llu (up to %4$llu), at %5$s"
/* last packet, packets, ack, scaled window, ack + window, time */
#define TL_EN_TSG_ACKS                                                                             \
    "packets up to %1$llu (%2$u): ack %3$u, window %4$llu (up to %5$llu), at %6$s"
/* packet, left edge, right edge, time */
#define TL_EN_TSG_SACK "packet %1$llu: SACK %2$u to %3$u, at %4$s"
/* segments, their marks, ACKs, their points, SACK blocks, those drawn */
#define TL_EN_TSG_THINNED                                                                          \
    "Thinned to fit: %1$llu segments drawn as %2$llu marks, %3$llu ACKs as %4$llu points, "        \
    "%5$llu SACK blocks as %6$llu."
#define TL_EN_TSG_NONE "No packet of this direction to draw."

/* ---- the connection's summary ---- */
/* the client's address and port, the server's */
#define TL_EN_SUM_CONNECTION "A TCP connection from the client %1$s to the server %2$s."
#define TL_EN_SUM_GUESSED                                                                          \
    " (No SYN was seen: which end is the client is a guess from the first packet.)"
#define TL_EN_SUM_HS_COMPLETE "The three-way handshake completed"
/* the handshake's time, SYN to SYN-ACK, SYN-ACK to ACK */
#define TL_EN_SUM_HS_TIMES                                                                         \
    " in %1$s: the SYN-ACK came %2$s after the SYN, and the client's ACK %3$s after that"
#define TL_EN_SUM_HS_NEAR_CLIENT                                                                   \
    ". The ACK follows the SYN-ACK almost at once, so the capture was taken near the client and "  \
    "the first interval is essentially the round-trip time"
#define TL_EN_SUM_HS_NEAR_SERVER                                                                   \
    ". The SYN-ACK follows the SYN almost at once, so the capture was taken near the server and "  \
    "the second interval is essentially the round-trip time"
#define TL_EN_SUM_HS_SYNS " The client had to send its SYN %u times before it was answered."
#define TL_EN_SUM_HS_SIMULTANEOUS                                                                  \
    "Both ends sent a SYN at the same time (a simultaneous open) and then acknowledged each "      \
    "other with SYN-ACKs. Neither end waited for the other's answer, so there is no "              \
    "client-to-server handshake round-trip time (rtt_us is null)."
/* how many SYNs, when (a list, then SUM_SYN_GAPS) */
#define TL_EN_SUM_HS_NO_REPLY_SYNS                                                                 \
    "The client sent its SYN %1$u times, at %2$s, and never got an answer: the server is down, "   \
    "a firewall drops the SYNs silently, or they are lost on the way."
#define TL_EN_SUM_HS_NO_REPLY "The client sent a SYN and got no answer before the capture ended."
#define TL_EN_SUM_SYN_GAPS    " (gaps %s: each twice the last, exponential backoff)"
#define TL_EN_SUM_HS_REJECTED                                                                      \
    "The server answered the SYN with RST: the connection was refused, nothing listens on port "   \
    "%u (a firewall can answer this way too), so the server's end is CLOSED, not LISTEN."
#define TL_EN_SUM_HS_NO_FINAL_ACK                                                                  \
    "The server answered with SYN-ACK, but the client never acknowledged it"
#define TL_EN_SUM_HS_CLIENT_RST      ": it reset the connection instead"
#define TL_EN_SUM_HS_SYNACKS         "; the server sent its SYN-ACK %u times"
#define TL_EN_SUM_HS_NEVER_COMPLETED ". The handshake never completed."
#define TL_EN_SUM_HS_AFTER_SYN                                                                     \
    "The capture began just after the client's SYN: the SYN-ACK and what followed were seen."
#define TL_EN_SUM_HS_NOT_SEEN                                                                      \
    "The capture began after the connection was set up (no handshake was seen), so the initial "   \
    "sequence numbers and the handshake options are unknown, and relative sequence numbers "       \
    "count from the first segment seen."
/* the client's packets and bytes, the server's, each with its plural ending */
#define TL_EN_SUM_TRAFFIC                                                                          \
    "The client sent %1$llu packet%2$s with %3$llu byte%4$s of data, the server %5$llu "           \
    "packet%6$s with %7$llu byte%8$s."
/* a list of the items below, joined by SUM_ALONG_SEP */
#define TL_EN_SUM_ALONG     " Along the way: %s."
#define TL_EN_SUM_ALONG_SEP ", "
/* a count, its plural ending */
#define TL_EN_SUM_RETX              "%1$u retransmission%2$s"
#define TL_EN_SUM_DUP_ACK           "%1$u duplicate ACK%2$s"
#define TL_EN_SUM_OUT_OF_ORDER      "%1$u out-of-order segment%2$s"
#define TL_EN_SUM_ZERO_WINDOW       "%1$u zero-window advertisement%2$s"
#define TL_EN_SUM_ZERO_WINDOW_PROBE "%1$u zero-window probe%2$s (persist timer)"
#define TL_EN_SUM_KEEP_ALIVE        "%1$u keep-alive%2$s"
/* who closed first, the other */
#define TL_EN_SUM_TD_FOUR_WAY                                                                      \
    "%1$s closed first with FIN; %2$s acknowledged it separately and later sent its own FIN, "     \
    "which was acknowledged in turn: a four-way close."
/* who closed first, the other, who closed first */
#define TL_EN_SUM_TD_THREE_SEGMENT                                                                 \
    "%1$s closed first with FIN. %2$s did not send a separate ACK: one segment carried both its "  \
    "own FIN and the ACK of %3$s's FIN (the ACK rode on the FIN), and %3$s acknowledged that "     \
    "FIN. So the close took three segments instead of the textbook four: nothing is missing, "     \
    "two of them were combined."
#define TL_EN_SUM_TD_SIMULTANEOUS                                                                  \
    "Both ends sent FIN before seeing the other's: a simultaneous close."
/* an end, the other */
#define TL_EN_SUM_TD_CLOSING                                                                       \
    " %1$s went through CLOSING: %2$s's FIN reached it before its own FIN was acknowledged."
/* an end, the other, the end */
#define TL_EN_SUM_TD_CLOSING_UNSEEN                                                                \
    " %1$s's FIN was acknowledged by a segment sent after %2$s's own FIN, which therefore "        \
    "reached it first: %3$s passed through CLOSING between two captured packets, from "            \
    "FIN-WAIT-1 straight to TIME-WAIT."
/* who sent FIN first, who reset */
#define TL_EN_SUM_TD_FIN_THEN_RST                                                                  \
    "%1$s sent FIN first, but the connection ended with a RST from %2$s."
#define TL_EN_SUM_TD_RST                                                                           \
    "The connection was aborted by a RST from %s instead of being closed with FIN."
/* who sent FIN, the other */
#define TL_EN_SUM_TD_HALF_CLOSED                                                                   \
    "%1$s sent FIN (it has finished sending), but %2$s had not sent its own FIN when the "         \
    "capture ended: the connection is half-closed."
#define TL_EN_SUM_TD_OPEN      "The capture ended with the connection still open (no FIN, no RST)."
#define TL_EN_SUM_FINAL_STATES " In the end the client is in %1$s and the server in %2$s."
/* how many packets, from whom, why (SUM_CKSUM_LOOPBACK or SUM_CKSUM_OFFLOAD) */
#define TL_EN_SUM_CKSUM_PSEUDO_ONE                                                                 \
    " %1$u packet from %2$s carries only the pseudo-header sum in the checksum field: %3$s"
#define TL_EN_SUM_CKSUM_PSEUDO_OTHER                                                               \
    " %1$u packets from %2$s carry only the pseudo-header sum in the checksum field: %3$s"
#define TL_EN_SUM_CKSUM_LOOPBACK                                                                   \
    "on loopback the kernel never computes TCP checksums, so nothing is wrong."
#define TL_EN_SUM_CKSUM_OFFLOAD                                                                    \
    "the capture was taken on its own host, before the network card computed the checksum "        \
    "(checksum offload), so nothing is wrong."
#define TL_EN_SUM_CKSUM_VERIFY " With checksums=verify they count as dropped."
/* how many packets, from whom */
#define TL_EN_SUM_CKSUM_BAD_ONE   " %1$u packet from %2$s has an incorrect TCP checksum"
#define TL_EN_SUM_CKSUM_BAD_OTHER " %1$u packets from %2$s have an incorrect TCP checksum"
#define TL_EN_SUM_CKSUM_BAD_ACKED                                                                  \
    "; %u acknowledged by the peer (the capture holds the wrong value)"
#define TL_EN_SUM_CKSUM_BAD_DROPPED "; %u treated as discarded by the receiver"

/* ---- the ladder picture (ladder_svg.c): its heading, lifelines, legend and notes ---- */
#define TL_EN_LADDER_CONN       "TCP connection"
#define TL_EN_LADDER_TO_SCALE   " \xc2\xb7 time to scale (rows kept apart)"
#define TL_EN_LADDER_ONE_ROW    " \xc2\xb7 one row per packet"
#define TL_EN_LADDER_NO_PACKETS "no packets"
#define TL_EN_LADDER_CLIENT     "client"
#define TL_EN_LADDER_SERVER     "server"
#define TL_EN_LADDER_UNKNOWN    "unknown"
#define TL_EN_LADDER_TITLE      "TCP ladder: "
#define TL_EN_LADDER_DESC                                                                          \
    "Ladder diagram: one arrow per packet from sender to receiver, time running down."
#define TL_EN_LADDER_AT          " at "
#define TL_EN_LADDER_HS          "handshake"
#define TL_EN_LADDER_DATA        "data"
#define TL_EN_LADDER_TD          "teardown"
#define TL_EN_LADDER_LEGEND_C2S  "client \xe2\x86\x92 server"
#define TL_EN_LADDER_LEGEND_S2C  "server \xe2\x86\x92 client"
#define TL_EN_LADDER_LEGEND_WARN "retransmission, out-of-order, duplicate ACK"
#define TL_EN_LADDER_LEGEND_RST  "reset (RST)"
/* packets drawn, packets in the flow */
#define TL_EN_LADDER_FIRST_OF "first %1$zu of %2$llu packets"
/* packets, the plural ending */
#define TL_EN_LADDER_PACKETS "%1$zu packet%2$s"
/* how long, e.g. "1.5 s" */
#define TL_EN_LADDER_IDLE "%s idle"
/* packets not drawn, the plural ending */
/* the handshake's and the teardown's labels */
#define TL_EN_LADDER_FLOW_TITLE "handshake %1$s, teardown %2$s"
#define TL_EN_LADDER_MORE       "\xe2\x8b\xae %1$llu more packet%2$s not shown"

#endif
