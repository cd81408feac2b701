/*
 * messages.c - the languages and the one function that fills a message's format (see
 * messages.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "messages.h"

/* Every language, by its `enum tl_lang` value. */
static const struct tl_messages *const tl_languages[TL_LANG_COUNT] = {
    [TL_LANG_EN] = &tl_messages_en,
    [TL_LANG_ZH] = &tl_messages_zh,
};

int tl_lang_parse(const char *s)
{
    if (!s) {
        return -1;
    }
    for (int l = 0; l < TL_LANG_COUNT; l++) {
        const char *code = tl_languages[l]->code;
        size_t n = strlen(code);
        if (!strncasecmp(s, code, n) && (s[n] == '\0' || s[n] == '-' || s[n] == '_')) {
            return l;
        }
    }
    return -1;
}

const struct tl_messages *tl_messages(enum tl_lang l)
{
    return (unsigned)l < TL_LANG_COUNT ? tl_languages[l] : &tl_messages_en;
}

const char *tl_msg_text(enum tl_lang l, enum tl_msg id)
{
    return tl_messages(l)->format[id];
}

/*
 * The format is not a literal here: it comes from the language's table. Each call site's
 * arguments are checked against the English format instead (TL_MSG in messages.h), and
 * tests/unit/test_messages.c checks that every language's format takes the same arguments
 * with the same conversions; so the warning is off for this one function only.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
void tl_msg(struct tl_buf *b, enum tl_lang l, enum tl_msg id, ...)
{
    const char *fmt = tl_msg_text(l, id);
    char small[256];
    va_list ap, again;
    va_start(ap, id);
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->overflow = true;
    } else if ((size_t)n < sizeof small) {
        tl_buf_put(b, small, (size_t)n);
    } else if (tl_buf_reserve(b, (size_t)n)) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
}
#pragma GCC diagnostic pop
