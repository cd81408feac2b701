/*
 * vocab.h - the teaching vocabulary, defined once: every event, handshake state, teardown
 * state, RFC 9293 endpoint state, Zeek conn_state, Zeek history letter and checksum verdict,
 * with its name in the API, its label and one-sentence meaning in each language, and how a
 * picture draws it. The classifier's names, the SVG ladder, GET /api/v1/vocabulary (and so
 * the dashboard) and the OpenAPI enums (checked by a test) all come from these rows.
 */
#ifndef TL_VOCAB_H
#define TL_VOCAB_H

#include <stddef.h>

enum tl_vocab_kind {
    TL_VOCAB_EVENT = 0,
    TL_VOCAB_HANDSHAKE,
    TL_VOCAB_TEARDOWN,
    TL_VOCAB_STATE,
    TL_VOCAB_CONN_STATE,
    TL_VOCAB_HISTORY,
    TL_VOCAB_CHECKSUM,
    TL_VOCAB_CHECKSUM_MODE,
    TL_VOCAB_KIND_COUNT
};

/* How a picture draws an event: its arrow's style and its part in the connection's phases. */
enum tl_vocab_style { TL_STYLE_NORMAL = 0, TL_STYLE_WARN, TL_STYLE_RST };
enum tl_vocab_phase { TL_PHASE_NONE = 0, TL_PHASE_OPEN, TL_PHASE_OPENED, TL_PHASE_CLOSE };

struct tl_vocab_entry {
    const char *name;       /* the value as the API spells it */
    const char *label[2];   /* [TL_LANG_EN], [TL_LANG_ZH]: a short label for pictures and lists */
    const char *meaning[2]; /* one sentence */
    unsigned char style;    /* enum tl_vocab_style */
    unsigned char phase;    /* enum tl_vocab_phase */
};

/* The kind's name in the vocabulary document ("events", "handshake", ...). */
const char *tl_vocab_kind_name(enum tl_vocab_kind k);

/* The rows of one kind, in their enum's order where the kind has an enum; *n their count. */
const struct tl_vocab_entry *tl_vocab_rows(enum tl_vocab_kind k, size_t *n);

/* The row named `name` of kind k, or NULL. */
const struct tl_vocab_entry *tl_vocab_find(enum tl_vocab_kind k, const char *name);

#endif
