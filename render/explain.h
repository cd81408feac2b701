/*
 * explain.h - the words: one or two sentences per packet and a paragraph per connection,
 * in English or Chinese, with the real numbers and the arithmetic. The sentences themselves
 * are data, one table per language (messages.h).
 *
 * A story replays a flow's timeline in order (at render time, from the stored records):
 * it finds which earlier packet each ACK newly acknowledges and keeps what the sentences
 * refer back to. It lives on the caller's stack; nothing is allocated.
 */
#ifndef TL_EXPLAIN_H
#define TL_EXPLAIN_H

#include "buf.h"
#include "flow.h"

/* A language: its value here, its table render/messages_<lang>.c, its entry in messages.c. */
enum tl_lang { TL_LANG_EN = 0, TL_LANG_ZH, TL_LANG_COUNT };

/* A language's code, "en" or "zh" (also "zh-CN"...); -1 when none. */
int tl_lang_parse(const char *s);

#define TL_STORY_PEND 512 /* unacknowledged segments remembered per direction */

struct tl_story_seg {
    uint32_t end; /* seq + len + SYN + FIN */
    uint32_t index;
};

struct tl_story {
    const struct tl_flow *f;
    enum tl_lang lang;
    struct tl_story_seg pend[2][TL_STORY_PEND];
    unsigned n[2]; /* oldest first */
    uint32_t max_ack[2];
    bool max_ack_valid[2];
    uint32_t dupacks[2];
    uint64_t win[2]; /* last window advertised (scaled when known) */
    bool win_valid[2];
    int64_t last_syn_us[2];
    uint32_t fin_seq[2];
    bool fin[2];
};

void tl_story_init(struct tl_story *s, const struct tl_flow *f, enum tl_lang lang);

/*
 * One packet of the timeline, in order: p is the record re-decoded, t_us its time since the
 * flow's first packet. Writes the explanation into b and returns the `acks` index, or -1.
 */
int64_t tl_story_packet(struct tl_story *s, const struct tl_packet *p, const struct tl_rec *r,
                        uint64_t index, int64_t t_us, struct tl_buf *b);

/* The paragraph that tells the connection's story. */
void tl_story_summary(const struct tl_flow *f, enum tl_lang lang, struct tl_buf *b);

/* A duration in words: "56 µs", "20.949 ms", "1.02 s". */
void tl_duration(struct tl_buf *b, int64_t us);

#endif
