/*
 * fuzz_note.c - an annotation's JSON body (server/note_body.c) from any bytes: accepted with
 * text of 1 to TL_NOTE_TEXT_MAX bytes and no NUL, or refused with a message.
 */
#include <assert.h>
#include <string.h>

#include "fuzz.h"
#include "note_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tl_note_in in;
    char err[256];
    const char *field;
    for (int packet_allowed = 0; packet_allowed < 2; packet_allowed++) {
        err[0] = '\0';
        if (tl_note_parse((const char *)data, size, packet_allowed, &in, err, sizeof err, &field)) {
            size_t n = strlen(in.text);
            assert(n >= 1 && n <= TL_NOTE_TEXT_MAX);
            assert(strlen(in.author) <= TL_NOTE_AUTHOR_MAX);
            assert(packet_allowed || !in.has_packet);
        } else {
            assert(err[0] != '\0');
        }
    }
    return 0;
}
