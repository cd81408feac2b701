/*
 * layer_words.h - the words for the headers below TCP that a packet's `fields` draw (link
 * layers, tunnels, UDP): each layer's and each field's label and meaning in English and
 * Chinese. The JSON's `meaning` takes the English; GET /api/v1/vocabulary gives both (kinds
 * `layers` and `fields`, a field named "layer.field") so that the dashboard keeps no copy.
 */
#ifndef TL_LAYER_WORDS_H
#define TL_LAYER_WORDS_H

#include <stddef.h>

struct tl_layer_word {
    const char *name;       /* a layer ("vxlan") or a field of one ("vni") */
    const char *label[2];   /* en, zh */
    const char *meaning[2]; /* en, zh */
};

struct tl_layer_words {
    const char *layer; /* as `fields[].layer` and `tunnels[].kind` spell it */
    struct tl_layer_word self;
    const struct tl_layer_word *fields;
    size_t n_fields;
};

/* Every layer with its fields, in the order a frame nests them. */
const struct tl_layer_words *tl_layer_words_all(size_t *n);
/* One layer's words, or NULL. */
const struct tl_layer_words *tl_layer_words_find(const char *layer);
/* The English meaning of one field of a layer ("" when unknown). */
const char *tl_layer_field_meaning(const struct tl_layer_words *l, const char *name);

#endif
