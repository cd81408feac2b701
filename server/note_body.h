/*
 * note_body.h - the JSON body of a new annotation, parsed with Jansson and checked field by
 * field: {"text": "...", "author": "...", "packet": N}. Text is required (1 to
 * TL_NOTE_TEXT_MAX bytes of UTF-8, which Jansson guarantees), author optional, packet only
 * where the route allows it; any other member is refused by name.
 */
#ifndef TL_NOTE_BODY_H
#define TL_NOTE_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TL_NOTE_BODY_MAX   (64 * 1024) /* bytes of a request body */
#define TL_NOTE_TEXT_MAX   4000        /* bytes of text */
#define TL_NOTE_AUTHOR_MAX 100         /* bytes of author */

struct tl_note_in {
    char text[TL_NOTE_TEXT_MAX + 1];
    char author[TL_NOTE_AUTHOR_MAX + 1];
    bool has_packet;
    uint64_t packet;
};

/*
 * Parse `body` (len bytes, not NUL-terminated). On failure returns false with a message for
 * the client in err and the member at fault in *field (NULL when the body as a whole is bad).
 */
bool tl_note_parse(const char *body, size_t len, bool packet_allowed, struct tl_note_in *out,
                   char *err, size_t errlen, const char **field);

#endif
