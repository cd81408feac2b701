/*
 * messages_en.c - the English table: the formats of messages_en.h, by id.
 */
#include "messages.h"

const struct tl_messages tl_messages_en = {
    .code = "en",
    .spacing = TL_SPACING_WORDS,
    .format = {
#define TL_EN_ENTRY(name) [TL_MSG_##name] = TL_EN_##name,
        TL_MESSAGES(TL_EN_ENTRY)
#undef TL_EN_ENTRY
    },
};
