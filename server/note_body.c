/*
 * note_body.c - an annotation's JSON body (see note_body.h).
 */
#include "note_body.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static bool text_member(json_t *v, const char *name, size_t max, bool required, char *dst,
                        char *err, size_t errlen)
{
    if (!v) {
        if (required) {
            snprintf(err, errlen, "the body needs \"%s\": a string", name);
            return false;
        }
        dst[0] = '\0';
        return true;
    }
    if (!json_is_string(v)) {
        snprintf(err, errlen, "\"%s\" must be a string", name);
        return false;
    }
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (memchr(s, '\0', n)) {
        snprintf(err, errlen, "\"%s\" contains a NUL character", name);
        return false;
    }
    if (n > max) {
        snprintf(err, errlen, "\"%s\" has %zu bytes; at most %zu", name, n, max);
        return false;
    }
    if (required && n == 0) {
        snprintf(err, errlen, "\"%s\" is empty", name);
        return false;
    }
    memcpy(dst, s, n + 1);
    return true;
}

bool tl_note_parse(const char *body, size_t len, bool packet_allowed, struct tl_note_in *out,
                   char *err, size_t errlen, const char **field)
{
    *field = NULL;
    memset(out, 0, sizeof *out);
    json_error_t je;
    /* Jansson refuses invalid UTF-8, duplicate keys are refused below by decoding flags */
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        snprintf(err, errlen, "the body is not valid JSON: %s (line %d, column %d)", je.text,
                 je.line, je.column);
        return false;
    }
    bool ok = false;
    if (!json_is_object(doc)) {
        snprintf(err, errlen, "the body must be a JSON object");
        goto done;
    }
    const char *key;
    json_t *v;
    json_object_foreach (doc, key, v) {
        if (strcmp(key, "text") != 0 && strcmp(key, "author") != 0 &&
            !(packet_allowed && strcmp(key, "packet") == 0)) {
            *field = strcmp(key, "packet") == 0 ? "packet" : "body";
            snprintf(err, errlen, "unknown member \"%.64s\": an annotation takes %s", key,
                     packet_allowed ? "text, author and packet" : "text and author");
            goto done;
        }
    }
    if (!text_member(json_object_get(doc, "text"), "text", TL_NOTE_TEXT_MAX, true, out->text, err,
                     errlen)) {
        *field = "text";
        goto done;
    }
    if (!text_member(json_object_get(doc, "author"), "author", TL_NOTE_AUTHOR_MAX, false,
                     out->author, err, errlen)) {
        *field = "author";
        goto done;
    }
    json_t *p = json_object_get(doc, "packet");
    if (p && !json_is_null(p)) {
        if (!json_is_integer(p) || json_integer_value(p) < 0) {
            *field = "packet";
            snprintf(err, errlen, "\"packet\" must be a packet index: an integer from 0");
            goto done;
        }
        out->has_packet = true;
        out->packet = (uint64_t)json_integer_value(p);
    }
    ok = true;
done:
    json_decref(doc);
    return ok;
}
