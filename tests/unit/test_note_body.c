/*
 * test_note_body.c - an annotation's JSON body (server/note_body.c): the members it takes,
 * each refused member named, limits at their edges, and bodies that are not JSON, not UTF-8
 * or cut anywhere refused without a crash (read against a guard page).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "note_body.h"

static struct tl_note_in in;
static char err[256];
static const char *field;

static bool parse(const char *body, bool packet_allowed)
{
    return tl_note_parse(body, strlen(body), packet_allowed, &in, err, sizeof err, &field);
}

static void accepted(void **state)
{
    (void)state;
    assert_true(parse("{\"text\": \"三次挥手\", \"author\": \"t\"}", false));
    assert_string_equal(in.text, "三次挥手");
    assert_string_equal(in.author, "t");
    assert_false(in.has_packet);
    assert_true(parse("{\"text\": \"x\", \"packet\": 4}", true));
    assert_true(in.has_packet);
    assert_int_equal(in.packet, 4);
    assert_true(parse("{\"packet\": null, \"text\": \"x\"}", true));
    assert_false(in.has_packet);
    assert_string_equal(in.author, "");
}

static void refused(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        bool packet_allowed;
        const char *field; /* NULL: the body as a whole */
    } cases[] = {
        { "", true, NULL },
        { "{", true, NULL },
        { "[]", true, NULL },
        { "\"text\"", true, NULL },
        { "{\"text\": \"a\", \"text\": \"b\"}", true, NULL },
        { "{\"text\": \"\\u0000\"}", true, NULL },
        { "{\"text\": \"\xff\"}", true, NULL },
        { "{}", true, "text" },
        { "{\"text\": \"\"}", true, "text" },
        { "{\"text\": 1}", true, "text" },
        { "{\"text\": \"x\", \"author\": []}", true, "author" },
        { "{\"text\": \"x\", \"packet\": -1}", true, "packet" },
        { "{\"text\": \"x\", \"packet\": 1.5}", true, "packet" },
        { "{\"text\": \"x\", \"packet\": \"1\"}", true, "packet" },
        { "{\"text\": \"x\", \"packet\": 1}", false, "packet" },
        { "{\"text\": \"x\", \"colour\": \"red\"}", true, "body" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool ok = parse(cases[i].body, cases[i].packet_allowed);
        if (ok) {
            fail_msg("accepted %s", cases[i].body);
        }
        assert_true(err[0] != '\0');
        if (cases[i].field) {
            assert_non_null(field);
            assert_string_equal(field, cases[i].field);
        } else if (field) {
            fail_msg("%s: field %s, expected none", cases[i].body, field);
        }
    }
}

static void limits(void **state)
{
    (void)state;
    static char body[TL_NOTE_TEXT_MAX + 64];
    char *text = body + snprintf(body, sizeof body, "{\"text\": \"");
    memset(text, 'a', TL_NOTE_TEXT_MAX);
    strcpy(text + TL_NOTE_TEXT_MAX, "\"}");
    assert_true(parse(body, false));
    assert_int_equal(strlen(in.text), TL_NOTE_TEXT_MAX);
    memset(text, 'a', TL_NOTE_TEXT_MAX + 1);
    strcpy(text + TL_NOTE_TEXT_MAX + 1, "\"}");
    assert_false(parse(body, false));
    assert_string_equal(field, "text");
    char author[256];
    snprintf(author, sizeof author, "{\"text\": \"x\", \"author\": \"%0*d\"}",
             TL_NOTE_AUTHOR_MAX + 1, 0);
    assert_false(parse(author, false));
    assert_string_equal(field, "author");
}

/* Every prefix of a good body: refused or accepted, never read past its length. */
static void prefixes(void **state)
{
    (void)state;
    const char *good = "{\"text\": \"the FIN carries the ACK\", \"author\": \"t\", \"packet\": 4}";
    size_t n = strlen(good);
    for (size_t cut = 0; cut <= n; cut++) {
        char *copy = malloc(cut ? cut : 1);
        memcpy(copy, good, cut);
        bool ok = tl_note_parse(copy, cut, true, &in, err, sizeof err, &field);
        assert_true(ok == (cut == n));
        free(copy);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepted),
        cmocka_unit_test(refused),
        cmocka_unit_test(limits),
        cmocka_unit_test(prefixes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
