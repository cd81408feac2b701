/*
 * messages.h - the words as data: every sentence, phrase and word of the explanations and
 * summaries (explain.c) is a message with an id, and each language is one table of formats
 * (render/messages_<lang>.c), looked up by id.
 *
 * A format has printf semantics. A message with more than one argument numbers them
 * (`%1$s`, `%2$u`), so a language may put them in its own order or use one twice; every
 * language uses the same arguments with the same conversions as English (tests/unit/
 * test_messages.c checks each table). An argument a language has no word for (the English
 * plural ending, `pl()` in explain.c) is consumed with a zero precision: `%3$.0s`.
 *
 * Call sites name a message by its id with TL_MSG(b, lang, ID, args...) (TL_MSG0 when it
 * takes no argument): GCC checks the arguments against the English format, which is a string
 * literal in messages_en.h, so a wrong type or count fails the build in every language.
 *
 * A new language: its value in `enum tl_lang` (explain.h), its table messages_<lang>.c (in
 * render/CMakeLists.txt) and its entry in `tl_languages` (messages.c).
 */
#ifndef TL_MESSAGES_H
#define TL_MESSAGES_H

#include "buf.h"
#include "explain.h"
#include "messages_en.h"

/* Every message id, in the order of the tables. */
#define TL_MESSAGES(X)                                                                             \
    /* words and joints */                                                                         \
    X(WHO_CLIENT)                                                                                  \
    X(WHO_SERVER)                                                                                  \
    X(WHO_CLIENT_START)                                                                            \
    X(WHO_SERVER_START)                                                                            \
    X(WHO_BOTH)                                                                                    \
    X(PL_ONE)                                                                                      \
    X(PL_OTHER)                                                                                    \
    X(CMP_HIGHER)                                                                                  \
    X(CMP_NOT_HIGHER)                                                                              \
    X(LIST_COMMA)                                                                                  \
    X(LIST_AND)                                                                                    \
    X(SENTENCE_SPACE)                                                                              \
    X(FULL_STOP)                                                                                   \
    /* a SYN's options and the window */                                                           \
    X(OPT_MSS)                                                                                     \
    X(OPT_WSCALE)                                                                                  \
    X(OPT_SACK)                                                                                    \
    X(OPT_TS)                                                                                      \
    X(WINDOW_SCALED)                                                                               \
    X(WINDOW)                                                                                      \
    X(WINDOW_SCALE_UNKNOWN)                                                                        \
    /* checksums of one packet */                                                                  \
    X(CKSUM_PSEUDO_LOOPBACK)                                                                       \
    X(CKSUM_PSEUDO_OFFLOAD)                                                                        \
    X(CKSUM_WRONG_ACCEPTED)                                                                        \
    X(CKSUM_WRONG_IGNORED)                                                                         \
    X(DISCARDED_SENDS)                                                                             \
    X(DISCARDED_OFFLOAD_VERIFY)                                                                    \
    X(DISCARDED_IP_CKSUM)                                                                          \
    X(DISCARDED_TCP_CKSUM)                                                                         \
    X(DISCARDED_TCP_CKSUM_UNACKED)                                                                 \
    /* a SYN that reuses the ports of an ended connection */                                       \
    X(REUSE_TIME_WAIT)                                                                             \
    X(REUSE_ENDED)                                                                                 \
    X(REUSE_RULE)                                                                                  \
    X(REUSE_ISN)                                                                                   \
    X(REUSE_BY)                                                                                    \
    X(REUSE_TSVAL)                                                                                 \
    X(REUSE_NEW)                                                                                   \
    X(REUSE_OLD)                                                                                   \
    /* one packet: the event's sentence, then the states */                                        \
    X(SYN_OPEN)                                                                                    \
    X(SYN_OPEN_NO_OPTIONS)                                                                         \
    X(SYN_SIMULTANEOUS)                                                                            \
    X(SYN_FAST_OPEN)                                                                               \
    X(SYN_RETX)                                                                                    \
    X(SYNACK_RETX)                                                                                 \
    X(SYNACK)                                                                                      \
    X(SYNACK_SYN_UNSEEN)                                                                           \
    X(SYNACK_OPTIONS)                                                                              \
    X(SYNACK_NO_OPTIONS)                                                                           \
    X(SYNACK_SIMULTANEOUS)                                                                         \
    X(SYNACK_BOTH_SCALE)                                                                           \
    X(SYNACK_ONE_SCALES)                                                                           \
    X(HSACK_SIMULTANEOUS)                                                                          \
    X(HSACK_CARRIES)                                                                               \
    X(HSACK_SYNACK_DATA)                                                                           \
    X(HSACK)                                                                                       \
    X(HSACK_TIMES)                                                                                 \
    X(HSACK_WINDOW)                                                                                \
    X(DATA)                                                                                        \
    X(DATA_ACKS)                                                                                   \
    X(ACK_NEW)                                                                                     \
    X(ACK_NOTHING_NEW)                                                                             \
    X(RETX_FIN)                                                                                    \
    X(RETX_FAST)                                                                                   \
    X(RETX_SPURIOUS)                                                                               \
    X(RETX)                                                                                        \
    X(OUT_OF_ORDER)                                                                                \
    X(DUP_ACK)                                                                                     \
    X(ZERO_WINDOW_PROBE)                                                                           \
    X(ZERO_WINDOW_PROBE_KEEPALIVE)                                                                 \
    X(ZERO_WINDOW)                                                                                 \
    X(WINDOW_UPDATE)                                                                               \
    X(KEEP_ALIVE)                                                                                  \
    X(FIN_SIMULTANEOUS)                                                                            \
    X(FIN_THIRD_STEP)                                                                              \
    X(FIN)                                                                                         \
    X(FIN_WITH_DATA)                                                                               \
    X(FIN_ACK_PIGGY)                                                                               \
    X(CLOSE_ACK)                                                                                   \
    X(CLOSE_ACK_BOTH_TIME_WAIT)                                                                    \
    X(CLOSE_ACK_TIME_WAIT)                                                                         \
    X(CLOSE_ACK_CLOSING)                                                                           \
    X(CLOSE_ACK_PEER_CLOSING)                                                                      \
    X(CLOSE_ACK_CLOSE_WAIT)                                                                        \
    X(RST_REFUSED)                                                                                 \
    X(RST_ABORT)                                                                                   \
    X(OTHER_FLAGS)                                                                                 \
    X(STATES)                                                                                      \
    /* the time-sequence graph (tsg.c) */                                                          \
    X(TSG_TITLE)                                                                                   \
    X(TSG_DIR_C2S)                                                                                 \
    X(TSG_DIR_S2C)                                                                                 \
    X(TSG_DESC)                                                                                    \
    X(TSG_AXIS_TIME)                                                                               \
    X(TSG_AXIS_SEQ)                                                                                \
    X(TSG_LG_SEG)                                                                                  \
    X(TSG_LG_RETRANS)                                                                              \
    X(TSG_LG_OOO)                                                                                  \
    X(TSG_LG_LOST)                                                                                 \
    X(TSG_LG_ACK)                                                                                  \
    X(TSG_LG_WIN)                                                                                  \
    X(TSG_LG_SACK)                                                                                 \
    X(TSG_LG_DUP)                                                                                  \
    X(TSG_LG_ZERO)                                                                                 \
    X(TSG_SEG)                                                                                     \
    X(TSG_SEGS)                                                                                    \
    X(TSG_ACK)                                                                                     \
    X(TSG_ACKS)                                                                                    \
    X(TSG_SACK)                                                                                    \
    X(TSG_THINNED)                                                                                 \
    X(TSG_NONE)                                                                                    \
    /* the connection's summary */                                                                 \
    X(SUM_CONNECTION)                                                                              \
    X(SUM_GUESSED)                                                                                 \
    X(SUM_HS_COMPLETE)                                                                             \
    X(SUM_HS_TIMES)                                                                                \
    X(SUM_HS_NEAR_CLIENT)                                                                          \
    X(SUM_HS_NEAR_SERVER)                                                                          \
    X(SUM_HS_SYNS)                                                                                 \
    X(SUM_HS_SIMULTANEOUS)                                                                         \
    X(SUM_HS_NO_REPLY_SYNS)                                                                        \
    X(SUM_HS_NO_REPLY)                                                                             \
    X(SUM_SYN_GAPS)                                                                                \
    X(SUM_HS_REJECTED)                                                                             \
    X(SUM_HS_NO_FINAL_ACK)                                                                         \
    X(SUM_HS_CLIENT_RST)                                                                           \
    X(SUM_HS_SYNACKS)                                                                              \
    X(SUM_HS_NEVER_COMPLETED)                                                                      \
    X(SUM_HS_AFTER_SYN)                                                                            \
    X(SUM_HS_NOT_SEEN)                                                                             \
    X(SUM_TRAFFIC)                                                                                 \
    X(SUM_ALONG)                                                                                   \
    X(SUM_ALONG_SEP)                                                                               \
    X(SUM_RETX)                                                                                    \
    X(SUM_DUP_ACK)                                                                                 \
    X(SUM_OUT_OF_ORDER)                                                                            \
    X(SUM_ZERO_WINDOW)                                                                             \
    X(SUM_ZERO_WINDOW_PROBE)                                                                       \
    X(SUM_KEEP_ALIVE)                                                                              \
    X(SUM_TD_FOUR_WAY)                                                                             \
    X(SUM_TD_THREE_SEGMENT)                                                                        \
    X(SUM_TD_SIMULTANEOUS)                                                                         \
    X(SUM_TD_CLOSING)                                                                              \
    X(SUM_TD_CLOSING_UNSEEN)                                                                       \
    X(SUM_TD_FIN_THEN_RST)                                                                         \
    X(SUM_TD_RST)                                                                                  \
    X(SUM_TD_HALF_CLOSED)                                                                          \
    X(SUM_TD_OPEN)                                                                                 \
    X(SUM_FINAL_STATES)                                                                            \
    X(SUM_CKSUM_PSEUDO_ONE)                                                                        \
    X(SUM_CKSUM_PSEUDO_OTHER)                                                                      \
    X(SUM_CKSUM_LOOPBACK)                                                                          \
    X(SUM_CKSUM_OFFLOAD)                                                                           \
    X(SUM_CKSUM_VERIFY)                                                                            \
    X(SUM_CKSUM_BAD_ONE)                                                                           \
    X(SUM_CKSUM_BAD_OTHER)                                                                         \
    X(SUM_CKSUM_BAD_ACKED)                                                                         \
    X(SUM_CKSUM_BAD_DROPPED)                                                                       \
    /* the ladder picture (ladder_svg.c) */                                                        \
    X(LADDER_CONN)                                                                                 \
    X(LADDER_TO_SCALE)                                                                             \
    X(LADDER_ONE_ROW)                                                                              \
    X(LADDER_NO_PACKETS)                                                                           \
    X(LADDER_CLIENT)                                                                               \
    X(LADDER_SERVER)                                                                               \
    X(LADDER_UNKNOWN)                                                                              \
    X(LADDER_TITLE)                                                                                \
    X(LADDER_DESC)                                                                                 \
    X(LADDER_AT)                                                                                   \
    X(LADDER_HS)                                                                                   \
    X(LADDER_DATA)                                                                                 \
    X(LADDER_TD)                                                                                   \
    X(LADDER_LEGEND_C2S)                                                                           \
    X(LADDER_LEGEND_S2C)                                                                           \
    X(LADDER_LEGEND_WARN)                                                                          \
    X(LADDER_LEGEND_RST)                                                                           \
    X(LADDER_FIRST_OF)                                                                             \
    X(LADDER_PACKETS)                                                                              \
    X(LADDER_IDLE)                                                                                 \
    X(LADDER_MORE)                                                                                 \
    X(LADDER_FLOW_TITLE)

enum tl_msg {
#define TL_MSG_ENUM(name) TL_MSG_##name,
    TL_MESSAGES(TL_MSG_ENUM)
#undef TL_MSG_ENUM
        TL_MSG_COUNT
};

/*
 * How a language's finished text is set: words separated by spaces (the space left before a
 * part that said nothing is squeezed out of a summary), or Han text, which runs into digits
 * and Latin words without a space (zh_tidy() in explain.c).
 */
enum tl_spacing {
    TL_SPACING_WORDS = 0,
    TL_SPACING_HAN,
};

struct tl_messages {
    const char *code; /* "en": what tl_lang_parse() accepts, also followed by "-..." or "_..." */
    enum tl_spacing spacing;
    const char *format[TL_MSG_COUNT];
};

extern const struct tl_messages tl_messages_en, tl_messages_zh;

/* The table of a language (English for a value out of range). */
const struct tl_messages *tl_messages(enum tl_lang l);

/* Append message id of language l, its format filled from the arguments (printf). */
void tl_msg(struct tl_buf *b, enum tl_lang l, enum tl_msg id, ...);

/* The text of a message that takes no argument (a word, a joint), to be used as an argument. */
const char *tl_msg_text(enum tl_lang l, enum tl_msg id);

/*
 * TL_MSG(b, l, ID, args...): append message TL_MSG_<ID> in language l. The dead branch is
 * never run; it makes GCC check the arguments against the English format TL_EN_<ID>.
 */
#define TL_MSG(b, l, ID, ...)                                                                      \
    (0 ? tl_buf_printf((b), TL_EN_##ID, __VA_ARGS__) : tl_msg((b), (l), TL_MSG_##ID, __VA_ARGS__))
#define TL_MSG0(b, l, ID) (0 ? tl_buf_printf((b), TL_EN_##ID) : tl_msg((b), (l), TL_MSG_##ID))

#endif
