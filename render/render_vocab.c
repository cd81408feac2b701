/*
 * render_vocab.c - the vocabulary as one JSON document (GET /api/v1/vocabulary and
 * `tcplens vocabulary`). A small document, so it is built as a Jansson tree.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "layer_words.h"
#include "render.h"
#include "vocab.h"

static const char *const style_names[] = { "normal", "warn", "rst" };
static const char *const phase_names[] = { NULL, "open", "opened", "close" };

static json_t *pair(const char *const v[2])
{
    return json_pack("{s:s, s:s}", "en", v[0], "zh", v[1]);
}

char *tl_vocab_json(void)
{
    json_t *doc = json_object();
    if (!doc) {
        return NULL;
    }
    bool ok = true;
    for (int k = 0; k < TL_VOCAB_KIND_COUNT && ok; k++) {
        size_t n;
        const struct tl_vocab_entry *rows = tl_vocab_rows((enum tl_vocab_kind)k, &n);
        json_t *arr = json_array();
        ok = arr && json_object_set_new(doc, tl_vocab_kind_name((enum tl_vocab_kind)k), arr) == 0;
        for (size_t i = 0; ok && i < n; i++) {
            const struct tl_vocab_entry *v = &rows[i];
            json_t *row = json_pack("{s:s, s:o, s:o}", "name", v->name, "label", pair(v->label),
                                    "meaning", pair(v->meaning));
            if (row && k == TL_VOCAB_EVENT) {
                json_object_set_new(row, "style", json_string(style_names[v->style % 3]));
                const char *ph = phase_names[v->phase % 4];
                json_object_set_new(row, "phase", ph ? json_string(ph) : json_null());
            }
            ok = row && json_array_append_new(arr, row) == 0;
        }
    }
    /* the headers below TCP a packet's `fields` draw (layer_words.c): each layer, and each of
     * its fields as "layer.field" */
    size_t nl;
    const struct tl_layer_words *ls = tl_layer_words_all(&nl);
    json_t *layers = json_array(), *fields = json_array();
    ok = ok && layers && fields && json_object_set(doc, "layers", layers) == 0 &&
         json_object_set(doc, "fields", fields) == 0;
    for (size_t i = 0; ok && i < nl; i++) {
        const struct tl_layer_word *v = &ls[i].self;
        ok = json_array_append_new(layers,
                                   json_pack("{s:s, s:o, s:o}", "name", ls[i].layer, "label",
                                             pair(v->label), "meaning", pair(v->meaning))) == 0;
        for (size_t j = 0; ok && j < ls[i].n_fields; j++) {
            char name[64];
            v = &ls[i].fields[j];
            snprintf(name, sizeof name, "%s.%s", ls[i].layer, v->name);
            ok = json_array_append_new(fields,
                                       json_pack("{s:s, s:o, s:o}", "name", name, "label",
                                                 pair(v->label), "meaning", pair(v->meaning))) == 0;
        }
    }
    json_decref(layers);
    json_decref(fields);
    char *text = ok ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return text;
}
