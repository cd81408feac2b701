/*
 * replay.h - a stored flow brought back to life: its packets' headers, read from the store,
 * go through the same decoder and classifier as at upload, so what the API answers is what
 * `tcplens decode` prints for the same file.
 *
 * A replay holds two flow tables of one flow each and two packets; nothing grows with the
 * flow's length. A timeline is written in two passes: the first builds the flow's final
 * state (the summary and the explanations need it), the second writes the packets asked for.
 */
#ifndef TL_REPLAY_H
#define TL_REPLAY_H

#include "ladder.h"
#include "render.h"
#include "render_zeek.h"
#include "store.h"
#include "tsg.h"

struct tl_replay;

struct tl_replay *tl_replay_new(void);
void tl_replay_free(struct tl_replay *rp);

/* The flow object without its timeline. */
enum tl_db_rc tl_replay_flow_json(struct tl_replay *rp, struct tl_db *db,
                                  const struct tl_flow_ref *ref, enum tl_lang lang, bool nsec,
                                  struct tl_jw *w);

/* How a flow's packets are shown: their words' language, nanosecond timestamps, and whether
 * each packet lists its "fields" (the bit-by-bit header breakdown). */
struct tl_replay_view {
    enum tl_lang lang;
    bool nsec;
    bool fields;
};

/* The flow object with the packets offset .. offset+limit-1 of its timeline and
 * "timeline_page". */
enum tl_db_rc tl_replay_flow_timeline(struct tl_replay *rp, struct tl_db *db,
                                      const struct tl_flow_ref *ref, const struct tl_replay_view *v,
                                      uint64_t offset, uint64_t limit, struct tl_jw *w);

/* The packet at `index` of the flow's timeline alone (TL_DB_NOT_FOUND past its end). */
enum tl_db_rc tl_replay_packet(struct tl_replay *rp, struct tl_db *db,
                               const struct tl_flow_ref *ref, const struct tl_replay_view *v,
                               uint64_t index, struct tl_jw *w);

/* The flow's Zeek conn.log row (render_zeek.h) appended to `out`; its first and last packets'
 * times (seconds) in *first_sec and *last_sec. */
enum tl_db_rc tl_replay_flow_zeek(struct tl_replay *rp, struct tl_db *db,
                                  const struct tl_flow_ref *ref, enum tl_zeek_format fmt,
                                  struct tl_buf *out, int64_t *first_sec, int64_t *last_sec);

/* The ladder diagram of the flow (its first TL_LADDER_MAX packets), its words in `lang`. */
enum tl_db_rc tl_replay_ladder(struct tl_replay *rp, struct tl_db *db,
                               const struct tl_flow_ref *ref, bool to_scale, enum tl_lang lang,
                               struct tl_buf *out);

/* The time-sequence graph of one direction of the flow (TL_C2S, TL_S2C, or -1: the one that
 * carried more payload), its words in `lang`; width and height in pixels, 0 for the defaults. */
enum tl_db_rc tl_replay_tsg(struct tl_replay *rp, struct tl_db *db, const struct tl_flow_ref *ref,
                            int dir, enum tl_lang lang, long width, long height,
                            struct tl_buf *out);

/* The capture frame numbers of the flow's packets, ascending, into a malloc'ed array. */
enum tl_db_rc tl_replay_frames(struct tl_db *db, const struct tl_flow_ref *ref, uint64_t **frames,
                               size_t *n);

#endif
