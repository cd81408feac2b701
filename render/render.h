/*
 * render.h - turning decoded packets and flows into text: the JSON capture document
 * (docs/api.md) and tcpdump's -nn -v lines, both appended to a struct tl_buf as streaming text.
 */
#ifndef TL_RENDER_H
#define TL_RENDER_H

#include "buf.h"
#include "capture.h"
#include "explain.h"
#include "flow.h"
#include "json_writer.h"

/* RFC 3339 UTC time with 6 (or 9 when nsec) fractional digits, into buf (>= 40 bytes). */
const char *tl_rfc3339(int64_t sec, uint32_t nsec, bool nsec_digits, char *buf, size_t size);

/* Options for rendering a capture document. */
struct tl_render_opts {
    bool nsec;                 /* timestamps with nanoseconds */
    bool timeline;             /* include each flow's packets */
    struct tl_packet *scratch; /* a packet to re-decode records into (caller's) */
    struct tl_story *story;    /* replay state for explanations (caller's; NULL: none) */
    enum tl_lang lang;         /* of explanations and summaries */
    uint64_t flow_id;          /* the flow's "id" (0: index + 1) */
    uint64_t capture_id;       /* when non-zero, the flow's "capture" */
    bool no_fields;            /* leave each packet's "fields" out (the API's default) */
};

/* One packet of a flow's timeline: the record is re-decoded into o->scratch. */
void tl_json_packet(struct tl_jw *w, const struct tl_flow *f, const struct tl_rec *r,
                    uint64_t index, struct tl_story *st, const struct tl_render_opts *o);

/* One flow, with its timeline when o->timeline (records must still be held). */
void tl_json_flow(struct tl_jw *w, const struct tl_flow *f, const struct tl_render_opts *o);
/* The flow's object up to and including "summary", left open for more keys. */
void tl_json_flow_begin(struct tl_jw *w, const struct tl_flow *f, const struct tl_render_opts *o);

/* A flow's "perf" object: per-direction performance (track/perf.h, render_perf.c). */
void tl_json_perf(struct tl_jw *w, const struct tl_flow *f);

/* The "capture" object of the document; `id` 0 is written as null. */
void tl_json_capture(struct tl_jw *w, const struct tl_capture_stats *s, uint64_t id,
                     const char *name, const struct tl_render_opts *o);
/* The same, left open for more keys. */
void tl_json_capture_begin(struct tl_jw *w, const struct tl_capture_stats *s, uint64_t id,
                           const char *name, const struct tl_render_opts *o);

/*
 * tcpdump -nn -v text of one packet whose transport is TCP (see tl_tcpdump_wants): the
 * timestamp in local time, the link prefix where tcpdump prints one, the IP line(s) and the
 * TCP line, each line ending in '\n'. Numbers are made relative with the subtrahends of fp
 * (NULL: printed absolute).
 */
bool tl_tcpdump_wants(const struct tl_packet *p);
void tl_tcpdump_packet(struct tl_buf *b, const struct tl_packet *p, const struct tl_flow_pkt *fp);

/*
 * Only the TCP part, from "src.port > dst.port: Flags [" to "length N" (what the JSON
 * "summary" holds), with tcpdump's subtrahends for seq, ack and SACK edges.
 */
void tl_tcpdump_tcp(struct tl_buf *b, const struct tl_packet *p, uint32_t seq_sub, uint32_t ack_sub,
                    uint32_t sack_sub);

/*
 * The vocabulary (track/vocab.h) as a JSON document: {"events": [{"name", "label": {"en",
 * "zh"}, "meaning": {...}, "style", "phase"}], "handshake": [...], ...}. Returns a string
 * to free(), or NULL when out of memory.
 */
char *tl_vocab_json(void);

#endif
