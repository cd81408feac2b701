/*
 * ladder.c - renders a TCP connection's ladder diagram as SVG: the client's and the server's
 * lifelines, one sloped arrow per packet from sender to receiver with its flags and relative
 * numbers above it, the time at the left, each endpoint's state beside its lifeline, and the
 * handshake, data and teardown phases as translucent bands behind the arrows.
 *
 * Layout is computed in integer pixels (no floating-point text, so the locale cannot change a
 * coordinate) in two passes over the packets: one measures, one writes. The only memory used is
 * the output buffer's.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ladder.h"

#include "messages.h"
#include "vocab.h"

/* Vertical rhythm: a row holds two label lines, the sloped arrow and a gap. */
#define ROW_PX        56
#define SLOPE_PX      16 /* an arrow's drop from sender to receiver: its travel time */
#define SLOT_ABOVE_PX 34 /* a row's band slot starts this far above the arrow's start */
#define SLOT_BELOW_PX 22 /* ... and ends this far below it */
#define PAD_PX        16
#define HEAD_PX       10 /* arrowhead length */
#define HDR_TOP_PX    66 /* top of the endpoint boxes */
#define HDR_H_PX      46
#define MID_MIN_PX    420 /* distance between the lifelines */
#define MID_MAX_PX    900
#define SCALE_MIN_PX  480 /* to_scale: height given to time itself, on top of the rows */
#define SCALE_MAX_PX  1600
#define IDLE_NOTE_US  1000000 /* a gap this long gets "+1.000 s" under its time */
/* Estimated advance of one character, in tenths of a pixel, per font used below. */
#define MONO12_W10  73
#define MONO11_W10  67
#define MONO10_W10  61
#define SANS17_W10  95
#define SANS11_W10  56
#define SANS10B_W10 78 /* bold, letter-spaced band labels */
/* Longest caller text shown, in characters (code points); longer text ends in an ellipsis. */
#define ADDR_MAX_CP  64
#define TITLE_MAX_CP 100
#define FLAGS_MAX_CP 12
#define EVENT_MAX_CP 40
#define STATE_MAX_CP 20

#define UTF8_ELLIPSIS    "\xe2\x80\xa6" /* U+2026 */
#define UTF8_REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */
#define UTF8_RIGHT_ARROW "\xe2\x86\x92" /* U+2192 */
#define UTF8_MIDDOT      "\xc2\xb7"     /* U+00B7 */
#define UTF8_VELLIPSIS   "\xe2\x8b\xae" /* U+22EE */

/* An arrow's style and its part in the phases come from the vocabulary (track/vocab.c). */
enum kind { K_NORMAL = TL_STYLE_NORMAL, K_WARN = TL_STYLE_WARN, K_RST = TL_STYLE_RST, K_COUNT };
enum role {
    R_NONE = TL_PHASE_NONE,
    R_OPEN = TL_PHASE_OPEN,
    R_OPENED = TL_PHASE_OPENED,
    R_CLOSE = TL_PHASE_CLOSE
};

static const char *const kind_class[K_COUNT] = { "", " warn", " rst" };
static const char *const kind_marker[K_COUNT] = { NULL, "tl-ah-warn", "tl-ah-rst" };

/* The legend: the two directions always, the special styles when some packet uses them. */
static const struct {
    const char *cls, *marker;
    enum tl_msg text;
    int kind; /* shown only when a packet has this kind; -1: always */
} legend_items[] = {
    { "c2s", "tl-ah-c2s", TL_MSG_LADDER_LEGEND_C2S, -1 },
    { "s2c", "tl-ah-s2c", TL_MSG_LADDER_LEGEND_S2C, -1 },
    { "c2s warn", "tl-ah-warn", TL_MSG_LADDER_LEGEND_WARN, K_WARN },
    { "c2s rst", "tl-ah-rst", TL_MSG_LADDER_LEGEND_RST, K_RST },
};

/* The picture's own words: messages of the language's table (messages.h). */
#define WORD(l, w) tl_msg_text((l)->lang, TL_MSG_LADDER_##w)

/* The event's row (NULL for an event the vocabulary does not know: drawn as given). */
static const struct tl_vocab_entry *event_row(const char *event)
{
    return tl_vocab_find(TL_VOCAB_EVENT, event);
}

static enum kind event_kind(const char *event)
{
    const struct tl_vocab_entry *v = event_row(event);
    return v ? (enum kind)v->style : K_NORMAL;
}

static enum role event_role(const char *event)
{
    const struct tl_vocab_entry *v = event_row(event);
    return v ? (enum role)v->phase : R_NONE;
}

/* --- untrusted text ------------------------------------------------------------------- */

/*
 * Decode one UTF-8 sequence at s (n > 0 bytes left). Returns the code point and sets *used, or
 * returns -1 with *used = 1 when the sequence is malformed: a bad lead or continuation byte, cut
 * short, overlong, a surrogate, or past U+10FFFF (RFC 3629 §3).
 */
static long utf8_next(const unsigned char *s, size_t n, size_t *used)
{
    unsigned c = s[0];
    size_t len;
    long cp, min;
    *used = 1;
    if (c < 0x80) {
        return (long)c;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2, cp = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, cp = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return -1;
    }
    if (len > n) {
        return -1;
    }
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80) {
            return -1;
        }
        cp = (cp << 6) | (long)(s[k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return -1;
    }
    *used = len;
    return cp;
}

/* Append one decoded character as XML 1.0 character data, safe inside quoted attributes too. */
static void put_char(struct tl_buf *b, long cp, const unsigned char *raw, size_t used)
{
    if (cp < 0 || cp == 0xfffe || cp == 0xffff) {
        tl_buf_puts(b, UTF8_REPLACEMENT); /* not a character XML allows */
    } else if (cp < 0x20 || cp == 0x7f) {
        tl_buf_putc(b, '?');
    } else if (cp == '&') {
        tl_buf_puts(b, "&amp;");
    } else if (cp == '<') {
        tl_buf_puts(b, "&lt;");
    } else if (cp == '>') {
        tl_buf_puts(b, "&gt;");
    } else if (cp == '"') {
        tl_buf_puts(b, "&quot;");
    } else if (cp == '\'') {
        tl_buf_puts(b, "&#39;");
    } else {
        tl_buf_put(b, (const char *)raw, used);
    }
}

/* Append caller text s (NULL is empty), escaped, cut to max_cp characters plus an ellipsis. */
static void put_text(struct tl_buf *b, const char *s, size_t max_cp)
{
    if (!s) {
        return;
    }
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    for (size_t shown = 0; left > 0; shown++) {
        if (shown == max_cp) {
            tl_buf_puts(b, UTF8_ELLIPSIS);
            return;
        }
        size_t used;
        long cp = utf8_next(p, left, &used);
        put_char(b, cp, p, used);
        p += used;
        left -= used;
    }
}

/* Characters put_text() shows for s, the ellipsis included: for width estimates. */
static size_t text_cp(const char *s, size_t max_cp)
{
    if (!s) {
        return 0;
    }
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s), shown = 0;
    while (left > 0 && shown <= max_cp) {
        size_t used;
        (void)utf8_next(p, left, &used);
        p += used;
        left -= used;
        shown++;
    }
    return shown;
}

static long text_w(size_t cp, long w10)
{
    return (long)cp * w10 / 10;
}

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* --- numbers as text ------------------------------------------------------------------ */

/* "20.949 ms": t in milliseconds with three decimals; returns its length. */
static size_t fmt_ms(char *out, size_t size, int64_t t_us)
{
    uint64_t mag = t_us < 0 ? (uint64_t)0 - (uint64_t)t_us : (uint64_t)t_us;
    int n = snprintf(out, size, "%s%" PRIu64 ".%03u ms", t_us < 0 ? "-" : "", mag / 1000,
                     (unsigned)(mag % 1000));
    return n < 0 ? 0 : (size_t)n;
}

/* "+13.040 s": a gap in seconds, to the millisecond (rounded). */
static void fmt_gap(char *out, size_t size, uint64_t gap_us)
{
    uint64_t ms = gap_us / 1000 + (gap_us % 1000 >= 500);
    snprintf(out, size, "+%" PRIu64 ".%03u s", ms / 1000, (unsigned)(ms % 1000));
}

/* Microseconds from packet i-1 to packet i, or 0 when time went backwards. */
static uint64_t gap_us(const struct tl_ladder *l, size_t i)
{
    int64_t a = l->pkts[i - 1].t_us, c = l->pkts[i].t_us;
    return c > a ? (uint64_t)c - (uint64_t)a : 0; /* modulo 2^64: exact when c > a */
}

/* --- layout --------------------------------------------------------------------------- */

struct band {
    long first, last; /* rows, first > last when the phase is absent */
    long top, bottom; /* pixels, filled by the measuring pass */
};

struct geo {
    size_t n;          /* packets drawn */
    long w, h;         /* the picture */
    long x_time;       /* right edge of the time column */
    long xc, xs;       /* client and server lifelines */
    long box_c, box_s; /* widths of the endpoint boxes */
    long y_first;      /* the first arrow's start */
    long y_last;       /* the last arrow's start */
    long y_end;        /* the lifelines' end */
    long y_legend;     /* legend baseline */
    int64_t t0;        /* the first packet's time */
    double px_per_us;  /* to_scale only */
    long budget_px;    /* to_scale: most pixels time itself may add */
    bool kinds[K_COUNT];
    struct band hs, data, td;
};

static long max_l(long a, long b)
{
    return a > b ? a : b;
}

/* The start of row i's arrow, given the previous row's (ignored for row 0). */
static long row_y(const struct geo *g, const struct tl_ladder *l, size_t i, long prev)
{
    if (i == 0) {
        return g->y_first;
    }
    long y = prev + ROW_PX; /* the minimum gap keeps labels apart */
    if (l->to_scale && g->px_per_us > 0) {
        double off = ((double)l->pkts[i].t_us - (double)g->t0) * g->px_per_us;
        if (off > (double)g->budget_px) {
            off = (double)g->budget_px;
        }
        if (off > 0) {
            y = max_l(y, g->y_first + (long)off);
        }
    }
    return y;
}

/*
 * The phases. Handshake: from the first SYN or SYN-ACK to the handshake ACK (or to the last
 * SYN-type packet when none came). Teardown: from the first FIN or RST to the end. Data: what
 * lies between (from the start when no handshake was seen).
 */
static void find_phases(struct geo *g, const struct tl_ladder *l)
{
    long n = (long)g->n, open = -1, opened = -1, last_open = -1, close = -1;
    for (long i = 0; i < n; i++) {
        enum role r = event_role(l->pkts[i].event);
        if (r == R_OPEN) {
            if (open < 0) {
                open = i;
            }
            if (opened < 0) {
                last_open = i;
            }
        } else if (r == R_OPENED && open >= 0 && opened < 0) {
            opened = i;
        } else if (r == R_CLOSE && close < 0) {
            close = i;
        }
    }
    long end = close >= 0 ? close : n; /* first row after handshake and data */
    g->hs.first = open;
    g->hs.last = opened >= 0 ? opened : last_open;
    if (open < 0 || open >= end) {
        g->hs.first = 0, g->hs.last = -1;
    } else if (g->hs.last >= end) {
        g->hs.last = end - 1;
    }
    g->data.first = g->hs.first <= g->hs.last ? g->hs.last + 1 : 0;
    g->data.last = end - 1;
    g->td.first = close >= 0 ? close : 0;
    g->td.last = close >= 0 ? n - 1 : -1;
}

static bool legend_shows(const struct geo *g, size_t k)
{
    return legend_items[k].kind < 0 || g->kinds[legend_items[k].kind];
}

/* The ending of a count's word in the picture's language ("1 packet", "2 packets"). */
static const char *plural(const struct tl_ladder *l, uint64_t n)
{
    return tl_msg_text(l->lang, n == 1 ? TL_MSG_PL_ONE : TL_MSG_PL_OTHER);
}

static const char *legend_text(const struct tl_ladder *l, size_t k)
{
    return tl_msg_text(l->lang, legend_items[k].text);
}

/* Han characters are about twice as wide as the Latin letters the estimates are made for. */
static size_t wide_cp(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if ((*p & 0xc0) != 0x80) {
            n += *p >= 0xe0 ? 2 : 1;
        }
    }
    return n;
}

static long legend_item_w(const struct tl_ladder *l, size_t k)
{
    return 44 + text_w(wide_cp(legend_text(l, k)), SANS11_W10) + 28;
}

static void measure(struct geo *g, const struct tl_ladder *l)
{
    char tmp[48];
    memset(g, 0, sizeof *g);
    g->n = l->n < TL_LADDER_MAX ? l->n : TL_LADDER_MAX;
    if (!l->pkts) {
        g->n = 0;
    }

    /* Columns: time | client state | client lifeline ... server lifeline | server state. */
    long time_w = text_w(9, SANS10B_W10); /* room for "handshake" */
    size_t st_c = 8, st_s = 8, label = 0;
    for (size_t i = 0; i < g->n; i++) {
        const struct tl_ladder_pkt *p = &l->pkts[i];
        time_w = max_l(time_w, text_w(fmt_ms(tmp, sizeof tmp, p->t_us), MONO11_W10));
        size_t c = text_cp(p->state_client, STATE_MAX_CP);
        size_t s = text_cp(p->state_server, STATE_MAX_CP);
        st_c = c > st_c ? c : st_c;
        st_s = s > st_s ? s : st_s;
        /* "[flags] seq 4294967295 ack 4294967295 len 4294967295" at most */
        size_t nums = text_cp(p->flags, FLAGS_MAX_CP) + 52;
        size_t ev = text_cp(p->event, EVENT_MAX_CP) + 8;
        label = nums > label ? nums : label;
        label = ev > label ? ev : label;
        g->kinds[event_kind(p->event)] = true;
    }
    g->x_time = PAD_PX + time_w;
    g->box_c = max_l(120, text_w(text_cp(l->client, ADDR_MAX_CP), MONO12_W10) + 24);
    g->box_s = max_l(120, text_w(text_cp(l->server, ADDR_MAX_CP), MONO12_W10) + 24);
    g->xc = max_l(g->x_time + 22 + text_w(st_c, MONO10_W10), PAD_PX + g->box_c / 2);
    long mid = max_l(MID_MIN_PX, text_w(label, MONO11_W10) + 40);
    mid = mid < MID_MAX_PX ? mid : MID_MAX_PX;
    long right = max_l(22 + text_w(st_s, MONO10_W10), g->box_s / 2) + PAD_PX;
    /* The heading and legend may need more width: give it to the space between lifelines. */
    long legend = 0;
    for (size_t k = 0; k < sizeof legend_items / sizeof legend_items[0]; k++) {
        legend += legend_shows(g, k) ? legend_item_w(l, k) : 0;
    }
    long need = max_l(2 * PAD_PX + text_w(text_cp(l->title, TITLE_MAX_CP), SANS17_W10),
                      2 * PAD_PX + legend);
    if (g->xc + mid + right < need) {
        mid = need - g->xc - right;
    }
    g->xs = g->xc + mid;
    g->w = g->xs + right;

    /* Rows. */
    g->y_first = HDR_TOP_PX + HDR_H_PX + 14 + SLOT_ABOVE_PX;
    if (g->n > 0) {
        g->t0 = l->pkts[0].t_us;
    }
    if (l->to_scale && g->n > 1) {
        double span = 0;
        for (size_t i = 1; i < g->n; i++) {
            double d = (double)l->pkts[i].t_us - (double)g->t0;
            span = d > span ? d : span;
        }
        long budget = (long)g->n * ROW_PX;
        budget = budget < SCALE_MIN_PX ? SCALE_MIN_PX : budget;
        g->budget_px = budget < SCALE_MAX_PX ? budget : SCALE_MAX_PX;
        g->px_per_us = span > 0 ? (double)g->budget_px / span : 0;
    }
    find_phases(g, l);
    long y = g->y_first;
    for (size_t i = 0; i < g->n; i++) {
        y = row_y(g, l, i, y);
        struct band *bands[] = { &g->hs, &g->data, &g->td };
        for (size_t k = 0; k < 3; k++) {
            if ((long)i == bands[k]->first) {
                bands[k]->top = y - SLOT_ABOVE_PX;
            }
            if ((long)i == bands[k]->last) {
                bands[k]->bottom = y + SLOT_BELOW_PX;
            }
        }
    }
    g->y_last = y;
    g->y_end = (g->n > 0 ? g->y_last + SLOT_BELOW_PX : g->y_first) + 12;
    if (g->n == 0 || l->total > g->n) {
        g->y_end += 24; /* a note under the last row */
    }
    g->y_legend = g->y_end + 32;
    g->h = g->y_legend + 20;
}

/* --- writing -------------------------------------------------------------------------- */

static const char style_css[] =
    "text{font-family:sans-serif;fill:#1e293b}\n"
    ".num,.time,.gap,.st,.addr{font-family:monospace}\n"
    ".bg{fill:#ffffff}\n"
    ".title{font-size:17px;font-weight:bold}\n"
    ".sub{font-size:12px;fill:#475569}\n"
    ".box{fill:#f1f5f9;stroke:#94a3b8;stroke-width:1}\n"
    ".who{font-size:13px;font-weight:bold;text-anchor:middle}\n"
    ".addr{font-size:12px;fill:#334155;text-anchor:middle}\n"
    ".life{stroke:#64748b;stroke-width:2}\n"
    ".band.hs{fill:#3b82f6;fill-opacity:0.09}\n"
    ".band.data{fill:#10b981;fill-opacity:0.08}\n"
    ".band.td{fill:#8b5cf6;fill-opacity:0.10}\n"
    ".bs.hs{fill:#3b82f6}\n"
    ".bs.data{fill:#10b981}\n"
    ".bs.td{fill:#8b5cf6}\n"
    ".bl{font-size:10px;font-weight:bold;letter-spacing:1px}\n"
    ".bl.hs{fill:#1d4ed8}\n"
    ".bl.data{fill:#047857}\n"
    ".bl.td{fill:#6d28d9}\n"
    "line.arrow,line.lg{stroke-width:1.8;fill:none}\n"
    "line.c2s{stroke:#1d4ed8}\n"
    "line.s2c{stroke:#0f766e}\n"
    "line.warn{stroke:#c2410c;stroke-dasharray:7 4}\n"
    "line.rst{stroke:#b91c1c;stroke-width:2.4}\n"
    "circle.c2s{fill:#1d4ed8}\n"
    "circle.s2c{fill:#0f766e}\n"
    "circle.warn{fill:#c2410c}\n"
    "circle.rst{fill:#b91c1c}\n"
    ".ev{font-size:12px;font-weight:bold;text-anchor:middle}\n"
    "text.c2s{fill:#1d4ed8}\n"
    "text.s2c{fill:#0f766e}\n"
    "text.warn{fill:#c2410c}\n"
    "text.rst{fill:#b91c1c}\n"
    ".num{font-size:11px;fill:#334155;text-anchor:middle}\n"
    ".time{font-size:11px;fill:#334155;text-anchor:end}\n"
    ".gap{font-size:9.5px;fill:#64748b;text-anchor:end}\n"
    ".st{font-size:10px;fill:#94a3b8}\n"
    ".st.chg{fill:#0f172a;font-weight:bold}\n"
    ".cli{text-anchor:end}\n"
    ".note{font-size:12px;fill:#475569;font-style:italic;text-anchor:middle}\n"
    ".lgt{font-size:11px;fill:#334155}\n";

static void put_marker(struct tl_buf *b, const char *id, const char *color)
{
    tl_buf_printf(b,
                  "<marker id=\"%s\" markerWidth=\"%d\" markerHeight=\"8\" refX=\"0\" refY=\"4\" "
                  "orient=\"auto\" markerUnits=\"userSpaceOnUse\">"
                  "<path d=\"M0,0 L%d,4 L0,8 z\" fill=\"%s\"/></marker>\n",
                  id, HEAD_PX, HEAD_PX, color);
}

static void put_head(struct tl_buf *b, const struct geo *g, const struct tl_ladder *l)
{
    tl_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    tl_buf_printf(b,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%ld\" "
                  "height=\"%ld\" viewBox=\"0 0 %ld %ld\">\n",
                  g->w, g->h, g->w, g->h);
    tl_buf_printf(b, "<title>%s", WORD(l, TITLE));
    put_text(b, l->client, ADDR_MAX_CP);
    tl_buf_puts(b, " " UTF8_RIGHT_ARROW " ");
    put_text(b, l->server, ADDR_MAX_CP);
    if (l->title) {
        tl_buf_puts(b, " (");
        put_text(b, l->title, TITLE_MAX_CP);
        tl_buf_putc(b, ')');
    }
    tl_buf_printf(b, "</title>\n<desc>%s</desc>\n", WORD(l, DESC));
    tl_buf_puts(b, "<defs>\n<style type=\"text/css\">\n");
    tl_buf_puts(b, style_css);
    tl_buf_puts(b, "</style>\n");
    put_marker(b, "tl-ah-c2s", "#1d4ed8");
    put_marker(b, "tl-ah-s2c", "#0f766e");
    put_marker(b, "tl-ah-warn", "#c2410c");
    put_marker(b, "tl-ah-rst", "#b91c1c");
    tl_buf_puts(b, "</defs>\n");
    tl_buf_printf(b, "<rect class=\"bg\" x=\"0\" y=\"0\" width=\"%ld\" height=\"%ld\"/>\n", g->w,
                  g->h);

    /* Heading: the title, then what is shown and how time is drawn. */
    tl_buf_printf(b, "<text class=\"title\" x=\"%d\" y=\"30\">", PAD_PX);
    if (l->title && l->title[0]) {
        put_text(b, l->title, TITLE_MAX_CP);
    } else {
        tl_buf_puts(b, WORD(l, CONN));
    }
    tl_buf_printf(b, "</text>\n<text class=\"sub\" x=\"%d\" y=\"50\">", PAD_PX);
    if (l->total > g->n) {
        TL_MSG(b, l->lang, LADDER_FIRST_OF, g->n, (unsigned long long)l->total);
    } else {
        TL_MSG(b, l->lang, LADDER_PACKETS, g->n, plural(l, g->n));
    }
    tl_buf_puts(b, (l->to_scale ? WORD(l, TO_SCALE) : WORD(l, ONE_ROW)));
    tl_buf_puts(b, "</text>\n");
}

static void put_bands(struct tl_buf *b, const struct geo *g, const struct tl_ladder *l)
{
    const char *const names[] = { WORD(l, HS), WORD(l, DATA), WORD(l, TD) };
    static const char *const classes[] = { "hs", "data", "td" };
    const struct band *bands[] = { &g->hs, &g->data, &g->td };
    for (size_t k = 0; k < 3; k++) {
        const struct band *bd = bands[k];
        if (bd->first > bd->last) {
            continue;
        }
        tl_buf_printf(b,
                      "<rect class=\"band %s\" x=\"0\" y=\"%ld\" width=\"%ld\" height=\"%ld\"/>\n"
                      "<rect class=\"bs %s\" x=\"0\" y=\"%ld\" width=\"4\" height=\"%ld\"/>\n"
                      "<text class=\"bl %s\" x=\"%d\" y=\"%ld\">%s</text>\n",
                      classes[k], bd->top, g->w, bd->bottom - bd->top, classes[k], bd->top,
                      bd->bottom - bd->top, classes[k], PAD_PX, bd->top + 13, names[k]);
    }
}

static void put_lifelines(struct tl_buf *b, const struct geo *g, const struct tl_ladder *l)
{
    const char *const who[] = { WORD(l, CLIENT), WORD(l, SERVER) };
    const char *addr[] = { l->client, l->server };
    long x[] = { g->xc, g->xs }, bw[] = { g->box_c, g->box_s };
    for (size_t k = 0; k < 2; k++) {
        tl_buf_printf(b,
                      "<line class=\"life\" x1=\"%ld\" y1=\"%d\" x2=\"%ld\" y2=\"%ld\"/>\n"
                      "<line class=\"life\" x1=\"%ld\" y1=\"%ld\" x2=\"%ld\" y2=\"%ld\"/>\n"
                      "<rect class=\"box\" x=\"%ld\" y=\"%d\" width=\"%ld\" height=\"%d\" "
                      "rx=\"6\"/>\n"
                      "<text class=\"who\" x=\"%ld\" y=\"%d\">%s</text>\n"
                      "<text class=\"addr\" x=\"%ld\" y=\"%d\">",
                      x[k], HDR_TOP_PX + HDR_H_PX, x[k], g->y_end, x[k] - 8, g->y_end, x[k] + 8,
                      g->y_end, x[k] - bw[k] / 2, HDR_TOP_PX, bw[k], HDR_H_PX, x[k],
                      HDR_TOP_PX + 18, who[k], x[k], HDR_TOP_PX + 36);
        put_text(b, addr[k] ? addr[k] : WORD(l, UNKNOWN), ADDR_MAX_CP);
        tl_buf_puts(b, "</text>\n");
    }
}

/* The label's first line: what the packet does. */
static void put_event_label(struct tl_buf *b, const char *event, enum tl_lang lang)
{
    const struct tl_vocab_entry *v = event_row(event);
    if (v) {
        tl_buf_puts(b, v->label[lang]);
    } else if (event) {
        put_text(b, event, EVENT_MAX_CP);
    }
}

/* The label's second line: "[F.] seq 1 ack 2 len 5". */
static void put_numbers(struct tl_buf *b, const struct tl_ladder_pkt *p)
{
    tl_buf_putc(b, '[');
    if (p->flags && p->flags[0]) {
        put_text(b, p->flags, FLAGS_MAX_CP);
    } else {
        tl_buf_puts(b, "none");
    }
    tl_buf_printf(b, "] seq %" PRIu32, p->seq_rel);
    if (p->ack_known) {
        tl_buf_printf(b, " ack %" PRIu32, p->ack_rel);
    }
    if (p->len > 0) {
        tl_buf_printf(b, " len %" PRIu32, p->len);
    }
}

static void put_state(struct tl_buf *b, const char *side, const char *state, bool changed, long x,
                      long y)
{
    tl_buf_printf(b, "<text class=\"st %s%s\" x=\"%ld\" y=\"%ld\">", side, changed ? " chg" : "", x,
                  y);
    put_text(b, state, STATE_MAX_CP);
    tl_buf_puts(b, "</text>\n");
}

/* Row i, whose arrow starts at y; the previous row's started at prev_y. */
static void put_packet(struct tl_buf *b, const struct geo *g, const struct tl_ladder *l, size_t i,
                       long y, long prev_y)
{
    const struct tl_ladder_pkt *p = &l->pkts[i];
    const struct tl_ladder_pkt *prev = i > 0 ? &l->pkts[i - 1] : NULL;
    enum kind kind = event_kind(p->event);
    const char *dir = p->c2s ? "c2s" : "s2c";
    const char *cls = kind_class[kind];
    char when[48];
    fmt_ms(when, sizeof when, p->t_us);

    /* The arrow ends HEAD_PX short of the receiver so that its head's tip touches the line. */
    long x1 = p->c2s ? g->xc : g->xs, x2 = p->c2s ? g->xs : g->xc;
    long mid = g->xs - g->xc;
    long x2_line = p->c2s ? x2 - HEAD_PX : x2 + HEAD_PX;
    long y2_line = y + (SLOPE_PX * (mid - HEAD_PX) + mid / 2) / mid;
    long xm = (g->xc + g->xs) / 2, ym = y + SLOPE_PX / 2;

    /* A tooltip with the whole story of the packet. */
    tl_buf_printf(b, "<g class=\"pkt\"><title>#%" PRIu64 " ", p->index);
    put_text(b, p->event && p->event[0] ? p->event : "(no event)", EVENT_MAX_CP);
    tl_buf_printf(b, "%s%s: ", WORD(l, AT), when);
    put_numbers(b, p);
    tl_buf_printf(b, "; %s ", WORD(l, CLIENT));
    put_text(b, p->state_client ? p->state_client : "?", STATE_MAX_CP);
    tl_buf_printf(b, ", %s ", WORD(l, SERVER));
    put_text(b, p->state_server ? p->state_server : "?", STATE_MAX_CP);
    tl_buf_puts(b, "</title>\n");

    tl_buf_printf(b,
                  "<line class=\"arrow %s%s\" x1=\"%ld\" y1=\"%ld\" x2=\"%ld\" y2=\"%ld\" "
                  "marker-end=\"url(#",
                  dir, cls, x1, y, x2_line, y2_line);
    if (kind_marker[kind]) {
        tl_buf_puts(b, kind_marker[kind]);
    } else {
        tl_buf_printf(b, "tl-ah-%s", dir);
    }
    tl_buf_printf(b, ")\"/>\n<circle class=\"%s%s\" cx=\"%ld\" cy=\"%ld\" r=\"3\"/>\n", dir, cls,
                  x1, y);

    tl_buf_printf(b, "<text class=\"ev %s%s\" x=\"%ld\" y=\"%ld\">", dir, cls, xm, ym - 24);
    put_event_label(b, p->event, l->lang);
    tl_buf_printf(b, "</text>\n<text class=\"num\" x=\"%ld\" y=\"%ld\">", xm, ym - 9);
    put_numbers(b, p);
    tl_buf_printf(b, "</text>\n<text class=\"time\" x=\"%ld\" y=\"%ld\">%s</text>\n", g->x_time,
                  y + 4, when);
    if (i > 0 && gap_us(l, i) >= IDLE_NOTE_US) {
        char gap[48];
        fmt_gap(gap, sizeof gap, gap_us(l, i));
        tl_buf_printf(b, "<text class=\"gap\" x=\"%ld\" y=\"%ld\">%s</text>\n", g->x_time, y + 17,
                      gap);
        /* Drawn to scale, a long silence leaves room to say so in the middle. */
        long room = (y - SLOT_ABOVE_PX) - (prev_y + SLOT_BELOW_PX);
        if (room >= 40) {
            tl_buf_printf(b, "<text class=\"note\" x=\"%ld\" y=\"%ld\">", xm,
                          prev_y + SLOT_BELOW_PX + room / 2 + 4);
            TL_MSG(b, l->lang, LADDER_IDLE, gap + 1);
            tl_buf_puts(b, "</text>\n");
        }
    }

    /* Each side's state is written where the arrow touches its lifeline. */
    long y_c = (p->c2s ? y : y + SLOPE_PX) + 4, y_s = (p->c2s ? y + SLOPE_PX : y) + 4;
    put_state(b, "cli", p->state_client, !prev || !same_text(prev->state_client, p->state_client),
              g->xc - 10, y_c);
    put_state(b, "srv", p->state_server, !prev || !same_text(prev->state_server, p->state_server),
              g->xs + 10, y_s);
    tl_buf_puts(b, "</g>\n");
}

static void put_legend(struct tl_buf *b, const struct geo *g, const struct tl_ladder *l)
{
    long x = PAD_PX, y = g->y_legend;
    if (g->n == 0) {
        tl_buf_printf(b, "<text class=\"note\" x=\"%ld\" y=\"%ld\">%s</text>\n",
                      (g->xc + g->xs) / 2, g->y_end - 14, WORD(l, NO_PACKETS));
    } else if (l->total > g->n) {
        tl_buf_printf(b, "<text class=\"note\" x=\"%ld\" y=\"%ld\">", (g->xc + g->xs) / 2,
                      g->y_end - 14);
        TL_MSG(b, l->lang, LADDER_MORE, (unsigned long long)(l->total - g->n),
               plural(l, l->total - g->n));
        tl_buf_puts(b, "</text>\n");
    }
    for (size_t k = 0; k < sizeof legend_items / sizeof legend_items[0]; k++) {
        if (!legend_shows(g, k)) {
            continue;
        }
        tl_buf_printf(b,
                      "<line class=\"lg %s\" x1=\"%ld\" y1=\"%ld\" x2=\"%ld\" y2=\"%ld\" "
                      "marker-end=\"url(#%s)\"/>\n"
                      "<text class=\"lgt\" x=\"%ld\" y=\"%ld\">%s</text>\n",
                      legend_items[k].cls, x, y - 4, x + 26, y - 4, legend_items[k].marker, x + 44,
                      y, legend_text(l, k));
        x += legend_item_w(l, k);
    }
}

void tl_ladder_svg(struct tl_buf *b, const struct tl_ladder *l)
{
    assert(b != NULL);
    assert(l != NULL);
    assert(l->n == 0 || l->pkts != NULL);
    struct geo g;
    measure(&g, l);
    put_head(b, &g, l);
    put_bands(b, &g, l);
    put_lifelines(b, &g, l);
    long y = g.y_first;
    for (size_t i = 0; i < g.n; i++) {
        long prev_y = y;
        y = row_y(&g, l, i, y);
        put_packet(b, &g, l, i, y, prev_y);
    }
    put_legend(b, &g, l);
    tl_buf_puts(b, "</svg>\n");
}
