/*
 * tsg.c - the time-sequence graph (see tsg.h): marks gathered from a flow's records in fixed
 * arrays, then written as SVG in integer tenths of a pixel (no floating-point text, so the
 * locale cannot change a coordinate). The words come from the message tables.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "messages.h"
#include "tcp.h"
#include "tsg.h"

#define AF_RETRANS                                                                                 \
    (TL_AF_RETRANSMISSION | TL_AF_FAST_RETRANSMISSION | TL_AF_SPURIOUS_RETRANSMISSION)

enum tl_dir tl_tsg_default_dir(const struct tl_flow *f)
{
    assert(f);
    return f->side[TL_S2C].bytes > f->side[TL_C2S].bytes ? TL_S2C : TL_C2S;
}

void tl_tsg_init(struct tl_tsg *g, enum tl_dir dir)
{
    assert(g);
    g->dir = dir;
    g->ref = 0;
    g->seen_segs = g->seen_acks = g->seen_sacks = 0;
    g->stride_seg = g->stride_ack = g->stride_sack = 1;
    g->n_seg = g->n_ack = g->n_sack = 0;
}

/* A relative sequence number in 64 bits: the one nearest the last seen (wraps and numbers a
 * little below the base stay in line). */
static int64_t unwrap(struct tl_tsg *g, uint32_t v)
{
    int64_t u = g->ref + (int32_t)(v - (uint32_t)g->ref);
    g->ref = u;
    return u;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

/* --- thinning: neighbours merged in pairs when an array is full --------------------------- */

static void seg_merge(struct tl_tsg_seg *a, const struct tl_tsg_seg *b)
{
    a->seq = min64(a->seq, b->seq);
    a->end = max64(a->end, b->end);
    a->last = b->last;
    a->len += b->len;
    a->count += b->count;
    a->flags |= b->flags;
    a->analysis |= b->analysis;
}

static void ack_merge(struct tl_tsg_ack *a, const struct tl_tsg_ack *b)
{
    uint32_t count = a->count + b->count;
    uint16_t an = a->analysis | b->analysis;
    *a = *b; /* a step line shows where the group ended */
    a->count = count;
    a->analysis = an;
}

static void sack_merge(struct tl_tsg_sack *a, const struct tl_tsg_sack *b)
{
    uint32_t count = a->count + b->count;
    *a = *b;
    a->count = count;
}

#define HALVE(arr, n, merge)                                                                       \
    do {                                                                                           \
        size_t k_ = 0;                                                                             \
        for (size_t i_ = 0; i_ < (n); i_ += 2, k_++) {                                             \
            (arr)[k_] = (arr)[i_];                                                                 \
            if (i_ + 1 < (n)) {                                                                    \
                merge(&(arr)[k_], &(arr)[i_ + 1]);                                                 \
            }                                                                                      \
        }                                                                                          \
        (n) = k_;                                                                                  \
    } while (0)

static void seg_push(struct tl_tsg *g, const struct tl_tsg_seg *s)
{
    g->seen_segs++;
    if (g->n_seg && g->seg[g->n_seg - 1].count < g->stride_seg) {
        seg_merge(&g->seg[g->n_seg - 1], s);
        return;
    }
    if (g->n_seg == TL_TSG_MAX_SEGS) {
        HALVE(g->seg, g->n_seg, seg_merge);
        g->stride_seg *= 2;
        if (g->seg[g->n_seg - 1].count < g->stride_seg) {
            seg_merge(&g->seg[g->n_seg - 1], s);
            return;
        }
    }
    g->seg[g->n_seg++] = *s;
}

static void ack_push(struct tl_tsg *g, const struct tl_tsg_ack *a)
{
    g->seen_acks++;
    if (g->n_ack && g->ack[g->n_ack - 1].count < g->stride_ack) {
        ack_merge(&g->ack[g->n_ack - 1], a);
        return;
    }
    if (g->n_ack == TL_TSG_MAX_ACKS) {
        HALVE(g->ack, g->n_ack, ack_merge);
        g->stride_ack *= 2;
        if (g->ack[g->n_ack - 1].count < g->stride_ack) {
            ack_merge(&g->ack[g->n_ack - 1], a);
            return;
        }
    }
    g->ack[g->n_ack++] = *a;
}

static void sack_push(struct tl_tsg *g, const struct tl_tsg_sack *s)
{
    g->seen_sacks++;
    if (g->n_sack && g->sack[g->n_sack - 1].count < g->stride_sack) {
        sack_merge(&g->sack[g->n_sack - 1], s);
        return;
    }
    if (g->n_sack == TL_TSG_MAX_SACKS) {
        HALVE(g->sack, g->n_sack, sack_merge);
        g->stride_sack *= 2;
        if (g->sack[g->n_sack - 1].count < g->stride_sack) {
            sack_merge(&g->sack[g->n_sack - 1], s);
            return;
        }
    }
    g->sack[g->n_sack++] = *s;
}

/* --- the model ----------------------------------------------------------------------------- */

#define SPAN_MAX_US ((int64_t)1 << 52) /* ~140 years: what a capture's clock can claim apart */

/* Microseconds from the flow's first packet to r, within +-SPAN_MAX_US (timestamps are the
 * capture's word: a pcapng clock may claim anything). */
static int64_t since_us(const struct tl_flow *f, const struct tl_rec *r)
{
    int64_t ds;
    if (__builtin_sub_overflow(r->ts_sec, f->first_sec, &ds) || ds > SPAN_MAX_US / 1000000) {
        return SPAN_MAX_US;
    }
    if (ds < -SPAN_MAX_US / 1000000) {
        return -SPAN_MAX_US;
    }
    return ds * 1000000 + ((int64_t)r->ts_nsec - (int64_t)f->first_nsec) / 1000;
}

void tl_tsg_add(struct tl_tsg *g, const struct tl_flow *f, const struct tl_rec *r,
                const struct tl_packet *p, uint64_t index)
{
    assert(g && f && r && p);
    if (!p->has_tcp) {
        return;
    }
    const struct tl_tcp *t = &p->tcp;
    int64_t t_us = since_us(f, r);
    uint16_t an = r->conn.analysis;
    if (r->dir == (uint8_t)g->dir) {
        bool syn = t->flags & TL_TH_SYN, fin = t->flags & TL_TH_FIN, rst = t->flags & TL_TH_RST;
        if (!t->payload_length && !syn && !fin && !rst) {
            return; /* a bare ACK carries nothing of this direction's sequence space */
        }
        struct tl_tsg_seg s = {
            .index = index,
            .last = index,
            .t_us = t_us,
            .len = t->payload_length,
            .count = 1,
            .flags = t->flags,
            .analysis = an,
        };
        s.seq = unwrap(g, r->seq_rel);
        s.end = s.seq + (int64_t)t->payload_length + syn + fin;
        seg_push(g, &s);
        return;
    }
    if (!(t->flags & TL_TH_ACK) || !r->ack_rel_known) {
        return;
    }
    struct tl_tsg_ack a = {
        .index = index,
        .t_us = t_us,
        /* a SYN's window is never scaled (RFC 7323 2.2); a shift above 14 is 14 (2.3) */
        .window = r->scale >= 0 && !(t->flags & TL_TH_SYN)
                      ? (uint64_t)t->window << (r->scale > 14 ? 14 : r->scale)
                      : t->window,
        .count = 1,
        .analysis = an,
    };
    a.ack = unwrap(g, r->ack_rel);
    ack_push(g, &a);
    const struct tl_flow_side *mine = &f->side[g->dir];
    if (!mine->base_set) {
        return;
    }
    for (unsigned i = 0; i < t->n_opts && i < TL_MAX_TCP_OPTS; i++) {
        const struct tl_tcp_opt *o = &t->opts[i];
        if (o->kind != TL_TCPOPT_SACK || o->error) {
            continue;
        }
        for (unsigned k = 0; k < o->v.sack.count && k < TL_MAX_SACK_BLOCKS; k++) {
            struct tl_tsg_sack s = { .index = index, .t_us = t_us, .count = 1 };
            s.left = unwrap(g, o->v.sack.edge[k][0] - mine->base);
            s.right = unwrap(g, o->v.sack.edge[k][1] - mine->base);
            sack_push(g, &s);
        }
    }
}

/* --- the picture ------------------------------------------------------------------------- */

/* The frame: margins around the plot, the legend below it. */
#define ML_PX   96
#define MR_PX   24
#define MT_PX   64
#define AXIS_PX 46 /* below the plot: tick labels and the axis name */
#define ROW_PX  20 /* a legend row */
#define LG_COLS 3
#define TICKS_X 8
#define TICKS_Y 8
#define COORD_MAX                                                                                  \
    1000000 /* tenths of a pixel: a point far off the plot is drawn at most this far */

struct geo {
    long w, h;   /* the picture */
    long pw, ph; /* the plot */
    int64_t t0, t1, s0, s1;
    long legend_rows;
};

/* A coordinate in tenths of a pixel, as "123.4". */
static void put_c(struct tl_buf *b, int64_t v10)
{
    if (v10 < 0) {
        tl_buf_putc(b, '-');
        v10 = -v10;
    }
    tl_buf_u64(b, (uint64_t)v10 / 10);
    if (v10 % 10) {
        tl_buf_putc(b, '.');
        tl_buf_putc(b, (char)('0' + v10 % 10));
    }
}

static int64_t clamp_c(int64_t v)
{
    return v < -COORD_MAX ? -COORD_MAX : v > COORD_MAX ? COORD_MAX : v;
}

/* d / span of px10, for span >= 1 and any d: both halved until the product cannot overflow
 * (px10 < 2^16), d cut to a few spans (such a point is off the plot anyway). */
static int64_t lin(int64_t d, int64_t span, int64_t px10)
{
    while (span > ((int64_t)1 << 40)) {
        span >>= 1;
        d /= 2;
    }
    int64_t lim = span * 8;
    d = d > lim ? lim : d < -lim ? -lim : d;
    return d * px10 / span;
}

/* x of a time, y of a sequence number, in tenths of a pixel. */
static int64_t xt(const struct geo *g, int64_t t)
{
    return clamp_c(ML_PX * 10 + lin(t - g->t0, g->t1 - g->t0, g->pw * 10));
}

static int64_t ys(const struct geo *g, int64_t s)
{
    return clamp_c((MT_PX + g->ph) * 10 - lin(s - g->s0, g->s1 - g->s0, g->ph * 10));
}

/* Append XML character data: the few characters XML reserves escaped, control bytes as '?'. */
static void put_esc(struct tl_buf *b, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '&') {
            tl_buf_puts(b, "&amp;");
        } else if (c == '<') {
            tl_buf_puts(b, "&lt;");
        } else if (c == '>') {
            tl_buf_puts(b, "&gt;");
        } else if (c == '"') {
            tl_buf_puts(b, "&quot;");
        } else if (c < 0x20 || c == 0x7f) {
            tl_buf_putc(b, '?');
        } else {
            tl_buf_putc(b, (char)c);
        }
    }
}

/* A message, escaped (the tables hold plain text, the addresses in it are the caller's). */
#define PUT_MSG(b, l, ID, ...)                                                                     \
    do {                                                                                           \
        char m_[1024];                                                                             \
        struct tl_buf mb_;                                                                         \
        tl_buf_init_fixed(&mb_, m_, sizeof m_);                                                    \
        TL_MSG(&mb_, (l), ID, __VA_ARGS__);                                                        \
        put_esc((b), tl_buf_cstr(&mb_));                                                           \
    } while (0)

static void put_word(struct tl_buf *b, enum tl_lang l, enum tl_msg id)
{
    put_esc(b, tl_msg_text(l, id));
}

/* A time since the first packet, e.g. "12.345 ms", "1.250000 s". */
static const char *fmt_time(char *out, size_t size, int64_t t_us)
{
    const char *sign = t_us < 0 ? "-" : "";
    uint64_t a = t_us < 0 ? (uint64_t)0 - (uint64_t)t_us : (uint64_t)t_us;
    if (a < 1000000) {
        snprintf(out, size, "%s%" PRIu64 ".%03" PRIu64 " ms", sign, a / 1000, a % 1000);
    } else {
        snprintf(out, size, "%s%" PRIu64 ".%06" PRIu64 " s", sign, a / 1000000, a % 1000000);
    }
    return out;
}

/* The smallest of 1, 2, 5 x 10^k at least span / want. */
static int64_t nice_step(int64_t span, int want)
{
    int64_t raw = span / want + (span % want != 0);
    int64_t p = 1;
    while (p <= INT64_MAX / 10 && p * 10 <= raw) {
        p *= 10;
    }
    if (p >= raw) {
        return p;
    }
    if (2 * p >= raw) {
        return 2 * p;
    }
    if (5 * p >= raw) {
        return 5 * p;
    }
    return 10 * p;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* A tick label of the time axis: v a multiple of step, in the largest unit step is a multiple
 * of (µs, ms, s). */
static void put_time_tick(struct tl_buf *b, int64_t v, int64_t step)
{
    if (step % 1000000 == 0) {
        tl_buf_i64(b, v / 1000000);
        tl_buf_puts(b, " s");
    } else if (step % 1000 == 0) {
        tl_buf_i64(b, v / 1000);
        tl_buf_puts(b, " ms");
    } else {
        tl_buf_i64(b, v);
        tl_buf_puts(b, " \xc2\xb5s");
    }
}

static const char *seg_kind(uint16_t an)
{
    if (an & AF_RETRANS) {
        return "retrans";
    }
    if (an & TL_AF_OUT_OF_ORDER) {
        return "ooo";
    }
    if (an & TL_AF_LOST_SEGMENT) {
        return "lost";
    }
    return "data";
}

static const char *seg_letter(const struct tl_tsg_seg *s)
{
    if (s->analysis & AF_RETRANS) {
        return "R";
    }
    if (s->analysis & TL_AF_OUT_OF_ORDER) {
        return "O";
    }
    if (s->analysis & TL_AF_LOST_SEGMENT) {
        return "L";
    }
    if (s->flags & TL_TH_RST) {
        return "RST";
    }
    if (s->flags & TL_TH_SYN) {
        return "S";
    }
    if (s->flags & TL_TH_FIN) {
        return "F";
    }
    return NULL;
}

static void find_extent(struct geo *geo, const struct tl_tsg *g)
{
    int64_t t0 = 0, t1 = 0, s0 = INT64_MAX, s1 = INT64_MIN, w1 = INT64_MIN;
    for (size_t i = 0; i < g->n_seg; i++) {
        t0 = min64(t0, g->seg[i].t_us); /* a capture out of time order */
        t1 = max64(t1, g->seg[i].t_us);
        s0 = min64(s0, g->seg[i].seq);
        s1 = max64(s1, g->seg[i].end);
    }
    for (size_t i = 0; i < g->n_ack; i++) {
        t0 = min64(t0, g->ack[i].t_us);
        t1 = max64(t1, g->ack[i].t_us);
        s0 = min64(s0, g->ack[i].ack);
        s1 = max64(s1, g->ack[i].ack);
        w1 = max64(w1, g->ack[i].ack + (int64_t)g->ack[i].window);
    }
    for (size_t i = 0; i < g->n_sack; i++) {
        s0 = min64(s0, g->sack[i].left);
        s1 = max64(s1, g->sack[i].right);
    }
    if (s0 > s1) {
        s0 = 0;
        s1 = 1;
    }
    /* The window line is in the picture when it is near the data; a window far above what was
     * sent (the usual case in a short exchange) would flatten the rest, so it then runs off
     * the top, as tcptrace's does. */
    if (w1 > s1 && w1 - s0 <= 3 * max64(1, s1 - s0)) {
        s1 = w1;
    }
    int64_t dt = max64(1, t1 - t0), ds = max64(1, s1 - s0);
    geo->t0 = t0 - max64(1, dt * 2 / 100); /* a mark at the first time clear of the frame */
    geo->t1 = t1 + max64(1, dt * 3 / 100);
    geo->s0 = s0 - max64(1, ds * 4 / 100);
    geo->s1 = s1 + max64(1, ds * 9 / 100);
}

/* Every rule under svg.tsg: the picture may be put inline in a page without touching the page. */
static const char style_css[] =
    "svg.tsg{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans','Noto Sans CJK SC',"
    "sans-serif}\n"
    "svg.tsg .bg{fill:#fff}\n"
    "svg.tsg .title{font-size:16px;font-weight:600;fill:#111827}\n"
    "svg.tsg .frame{fill:none;stroke:#9ca3af}\n"
    "svg.tsg .grid{stroke:#e5e7eb}\n"
    "svg.tsg .tick{font-size:11px;fill:#4b5563;font-family:ui-monospace,Menlo,Consolas,monospace}\n"
    "svg.tsg .tick.x{text-anchor:middle}\n"
    "svg.tsg .tick.y{text-anchor:end}\n"
    "svg.tsg .axis-name{font-size:12px;fill:#374151;text-anchor:middle}\n"
    "svg.tsg .seg .bar,svg.tsg .seg .cap{stroke:#1d4ed8;stroke-width:1.6}\n"
    "svg.tsg .seg.retrans .bar,svg.tsg .seg.retrans .cap{stroke:#dc2626;stroke-width:2.2}\n"
    "svg.tsg .seg.ooo .bar,svg.tsg .seg.ooo .cap{stroke:#7c3aed;stroke-width:2.2}\n"
    "svg.tsg .seg.lost .bar,svg.tsg .seg.lost .cap{stroke:#d97706;stroke-width:2.2}\n"
    "svg.tsg .seg.sel .bar,svg.tsg .seg.sel .cap,svg.tsg .ackpt.sel .tickmark{stroke-width:4}\n"
    "svg.tsg line.hit{stroke:transparent;stroke-width:10;pointer-events:stroke;cursor:pointer}\n"
    "svg.tsg .mark{font-size:10px;font-weight:700;text-anchor:middle;fill:#1d4ed8}\n"
    "svg.tsg .mark.retrans,svg.tsg .mark.dup{fill:#dc2626}\n"
    "svg.tsg .mark.ooo{fill:#7c3aed}\n"
    "svg.tsg .mark.lost{fill:#d97706}\n"
    "svg.tsg .mark.zero{fill:#b45309}\n"
    "svg.tsg .ackline{fill:none;stroke:#15803d;stroke-width:1.4}\n"
    "svg.tsg .winline{fill:none;stroke:#a16207;stroke-width:1.2;stroke-dasharray:5 3}\n"
    "svg.tsg .ackpt .tickmark{fill:none;stroke:#15803d;stroke-width:1.2}\n"
    "svg.tsg .sack{stroke:#0e7490;stroke-width:3}\n"
    "svg.tsg .lg{font-size:12px;fill:#374151}\n"
    "svg.tsg .note{font-size:12px;fill:#b45309}\n";

/* An endpoint label (an address and a port) as printable ASCII, cut to fit; "?" when absent. */
static void label_clean(char *out, size_t size, const char *s)
{
    size_t n = 0;
    for (; s && *s && n + 1 < size; s++) {
        unsigned char c = (unsigned char)*s;
        out[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (n == 0 && size > 1) {
        out[n++] = '?';
    }
    out[n] = '\0';
}

static void put_head(struct tl_buf *b, const struct geo *geo, const struct tl_tsg *g,
                     const struct tl_tsg_opts *o)
{
    char from[96], to[96];
    label_clean(from, sizeof from, g->dir == TL_C2S ? o->client : o->server);
    label_clean(to, sizeof to, g->dir == TL_C2S ? o->server : o->client);
    const char *dirw =
        tl_msg_text(o->lang, g->dir == TL_C2S ? TL_MSG_TSG_DIR_C2S : TL_MSG_TSG_DIR_S2C);
    tl_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    tl_buf_printf(b,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" class=\"tsg\" "
                  "width=\"%ld\" height=\"%ld\" viewBox=\"0 0 %ld %ld\" role=\"img\" "
                  "aria-labelledby=\"tsg-title tsg-desc\" data-dir=\"%s\" data-plot=\"%d %d %ld "
                  "%ld\" data-view=\"%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 "\" "
                  "data-thinned=\"%s\">\n",
                  geo->w, geo->h, geo->w, geo->h, g->dir == TL_C2S ? "c2s" : "s2c", ML_PX, MT_PX,
                  geo->pw, geo->ph, geo->t0, geo->t1, geo->s0, geo->s1,
                  (g->stride_seg > 1 || g->stride_ack > 1 || g->stride_sack > 1) ? "true"
                                                                                 : "false");
    tl_buf_puts(b, "<title id=\"tsg-title\">");
    PUT_MSG(b, o->lang, TSG_TITLE, dirw, from, to);
    tl_buf_puts(b, "</title>\n<desc id=\"tsg-desc\">");
    put_word(b, o->lang, TL_MSG_TSG_DESC);
    tl_buf_puts(b, "</desc>\n<defs>\n<style type=\"text/css\">\n");
    tl_buf_puts(b, style_css);
    tl_buf_printf(b,
                  "</style>\n<clipPath id=\"tsg-clip\"><rect x=\"%d\" y=\"%d\" width=\"%ld\" "
                  "height=\"%ld\"/></clipPath>\n</defs>\n",
                  ML_PX, MT_PX, geo->pw, geo->ph);
    tl_buf_printf(b, "<rect class=\"bg\" x=\"0\" y=\"0\" width=\"%ld\" height=\"%ld\"/>\n", geo->w,
                  geo->h);
    tl_buf_puts(b, "<text class=\"title\" x=\"16\" y=\"26\">");
    PUT_MSG(b, o->lang, TSG_TITLE, dirw, from, to);
    tl_buf_puts(b, "</text>\n");
    if (g->stride_seg > 1 || g->stride_ack > 1 || g->stride_sack > 1) {
        tl_buf_puts(b, "<text class=\"note\" x=\"16\" y=\"46\">");
        PUT_MSG(b, o->lang, TSG_THINNED, (unsigned long long)g->seen_segs,
                (unsigned long long)g->n_seg, (unsigned long long)g->seen_acks,
                (unsigned long long)g->n_ack, (unsigned long long)g->seen_sacks,
                (unsigned long long)g->n_sack);
        tl_buf_puts(b, "</text>\n");
    } else if (!g->n_seg && !g->n_ack) {
        tl_buf_puts(b, "<text class=\"note\" x=\"16\" y=\"46\">");
        put_word(b, o->lang, TL_MSG_TSG_NONE);
        tl_buf_puts(b, "</text>\n");
    }
}

static void put_axes(struct tl_buf *b, const struct geo *g, enum tl_lang lang)
{
    long bottom = MT_PX + g->ph;
    tl_buf_printf(b,
                  "<g class=\"axes\">\n<rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%ld\" "
                  "height=\"%ld\"/>\n",
                  ML_PX, MT_PX, g->pw, g->ph);
    int64_t ts = nice_step(g->t1 - g->t0, TICKS_X);
    for (int64_t v = floor_div(g->t0, ts) * ts, n = 0; v <= g->t1 && n < 4 * TICKS_X;
         v += ts, n++) {
        if (v < g->t0) {
            continue;
        }
        int64_t x = xt(g, v);
        tl_buf_puts(b, "<line class=\"grid\" x1=\"");
        put_c(b, x);
        tl_buf_puts(b, "\" x2=\"");
        put_c(b, x);
        tl_buf_printf(b, "\" y1=\"%d\" y2=\"%ld\"/><text class=\"tick x\" x=\"", MT_PX, bottom);
        put_c(b, x);
        tl_buf_printf(b, "\" y=\"%ld\">", bottom + 16);
        put_time_tick(b, v, ts);
        tl_buf_puts(b, "</text>\n");
    }
    int64_t ss = nice_step(g->s1 - g->s0, TICKS_Y);
    for (int64_t v = floor_div(g->s0, ss) * ss, n = 0; v <= g->s1 && n < 4 * TICKS_Y;
         v += ss, n++) {
        if (v < g->s0) {
            continue;
        }
        int64_t y = ys(g, v);
        tl_buf_printf(b, "<line class=\"grid\" x1=\"%d\" x2=\"%ld\" y1=\"", ML_PX, ML_PX + g->pw);
        put_c(b, y);
        tl_buf_puts(b, "\" y2=\"");
        put_c(b, y);
        tl_buf_printf(b, "\"/><text class=\"tick y\" x=\"%d\" y=\"", ML_PX - 6);
        put_c(b, y + 40);
        tl_buf_puts(b, "\">");
        tl_buf_i64(b, v);
        tl_buf_puts(b, "</text>\n");
    }
    tl_buf_printf(b, "<text class=\"axis-name\" x=\"%ld\" y=\"%ld\">", ML_PX + g->pw / 2,
                  bottom + 36);
    put_word(b, lang, TL_MSG_TSG_AXIS_TIME);
    long cy = MT_PX + g->ph / 2;
    tl_buf_printf(b,
                  "</text>\n<text class=\"axis-name\" x=\"18\" y=\"%ld\" "
                  "transform=\"rotate(-90 18 %ld)\">",
                  cy, cy);
    put_word(b, lang, TL_MSG_TSG_AXIS_SEQ);
    tl_buf_puts(b, "</text>\n</g>\n");
}

/* The ACK and window step lines: from each ACK to the next, the last to the plot's end. */
static void put_lines(struct tl_buf *b, const struct geo *geo, const struct tl_tsg *g)
{
    if (!g->n_ack) {
        return;
    }
    for (int pass = 0; pass < 2; pass++) {
        tl_buf_printf(b, "<path class=\"%s\" d=\"", pass ? "ackline" : "winline");
        for (size_t i = 0; i < g->n_ack; i++) {
            const struct tl_tsg_ack *a = &g->ack[i];
            int64_t v = pass ? a->ack : a->ack + (int64_t)a->window;
            int64_t x = xt(geo, a->t_us);
            int64_t xn = i + 1 < g->n_ack ? xt(geo, g->ack[i + 1].t_us) : xt(geo, geo->t1);
            int64_t y = ys(geo, v);
            tl_buf_putc(b, i ? 'L' : 'M');
            put_c(b, x);
            tl_buf_putc(b, ',');
            put_c(b, y);
            tl_buf_putc(b, 'L');
            put_c(b, xn);
            tl_buf_putc(b, ',');
            put_c(b, y);
        }
        tl_buf_puts(b, "\"/>\n");
    }
}

static void put_sacks(struct tl_buf *b, const struct geo *geo, const struct tl_tsg *g,
                      enum tl_lang lang)
{
    char tm[40];
    for (size_t i = 0; i < g->n_sack; i++) {
        const struct tl_tsg_sack *s = &g->sack[i];
        int64_t x = xt(geo, s->t_us) + 30;
        tl_buf_printf(b,
                      "<g class=\"sack\" data-index=\"%" PRIu64 "\" data-left=\"%" PRIu32
                      "\" data-right=\"%" PRIu32 "\"><title>",
                      s->index, (uint32_t)s->left, (uint32_t)s->right);
        PUT_MSG(b, lang, TSG_SACK, (unsigned long long)s->index, (unsigned)(uint32_t)s->left,
                (unsigned)(uint32_t)s->right, fmt_time(tm, sizeof tm, s->t_us));
        tl_buf_puts(b, "</title><line class=\"sack\" x1=\"");
        put_c(b, x);
        tl_buf_puts(b, "\" x2=\"");
        put_c(b, x);
        tl_buf_puts(b, "\" y1=\"");
        put_c(b, ys(geo, s->left));
        tl_buf_puts(b, "\" y2=\"");
        put_c(b, ys(geo, s->right));
        tl_buf_puts(b, "\"/></g>\n");
    }
}

static void put_acks(struct tl_buf *b, const struct geo *geo, const struct tl_tsg *g,
                     enum tl_lang lang)
{
    char tm[40];
    for (size_t i = 0; i < g->n_ack; i++) {
        const struct tl_tsg_ack *a = &g->ack[i];
        int64_t x = xt(geo, a->t_us), y = ys(geo, a->ack);
        bool dup = a->analysis & TL_AF_DUPLICATE_ACK, zero = a->analysis & TL_AF_ZERO_WINDOW;
        uint64_t edge = (uint64_t)(uint32_t)a->ack + a->window;
        tl_buf_printf(b,
                      "<g class=\"ackpt%s%s\" data-index=\"%" PRIu64 "\" data-ack=\"%" PRIu32
                      "\" data-window=\"%" PRIu64 "\" data-win=\"%" PRIu64 "\"",
                      dup ? " dup" : "", zero ? " zero" : "", a->index, (uint32_t)a->ack, a->window,
                      edge);
        if (a->count > 1) {
            tl_buf_printf(b, " data-count=\"%" PRIu32 "\"", a->count);
        }
        tl_buf_puts(b, "><title>");
        if (a->count > 1) {
            PUT_MSG(b, lang, TSG_ACKS, (unsigned long long)a->index, (unsigned)a->count,
                    (unsigned)(uint32_t)a->ack, (unsigned long long)a->window,
                    (unsigned long long)edge, fmt_time(tm, sizeof tm, a->t_us));
        } else {
            PUT_MSG(b, lang, TSG_ACK, (unsigned long long)a->index, (unsigned)(uint32_t)a->ack,
                    (unsigned long long)a->window, (unsigned long long)edge,
                    fmt_time(tm, sizeof tm, a->t_us));
        }
        if (dup) {
            put_word(b, lang, TL_MSG_LIST_COMMA);
            put_word(b, lang, TL_MSG_TSG_LG_DUP);
        }
        if (zero) {
            put_word(b, lang, TL_MSG_LIST_COMMA);
            put_word(b, lang, TL_MSG_TSG_LG_ZERO);
        }
        tl_buf_puts(b, "</title><path class=\"tickmark\" d=\"M");
        put_c(b, x - 35);
        tl_buf_putc(b, ',');
        put_c(b, y + 35);
        tl_buf_putc(b, 'L');
        put_c(b, x);
        tl_buf_putc(b, ',');
        put_c(b, y);
        tl_buf_putc(b, 'L');
        put_c(b, x + 35);
        tl_buf_putc(b, ',');
        put_c(b, y + 35);
        tl_buf_puts(b, "\"/>");
        if (dup) {
            tl_buf_puts(b, "<text class=\"mark dup\" x=\"");
            put_c(b, x);
            tl_buf_puts(b, "\" y=\"");
            put_c(b, y + 150);
            tl_buf_puts(b, "\">D</text>");
        }
        if (zero) {
            tl_buf_puts(b, "<text class=\"mark zero\" x=\"");
            put_c(b, x);
            tl_buf_puts(b, "\" y=\"");
            put_c(b, y - 80);
            tl_buf_puts(b, "\">Z</text>");
        }
        tl_buf_puts(b, "</g>\n");
    }
}

static void put_segs(struct tl_buf *b, const struct geo *geo, const struct tl_tsg *g,
                     enum tl_lang lang)
{
    char tm[40];
    for (size_t i = 0; i < g->n_seg; i++) {
        const struct tl_tsg_seg *s = &g->seg[i];
        int64_t x = xt(geo, s->t_us), y0 = ys(geo, s->seq), y1 = ys(geo, s->end);
        if (y1 > y0 - 20) {
            y1 = y0 - 20; /* a zero-length segment still shows */
        }
        const char *kind = seg_kind(s->analysis);
        tl_buf_printf(b,
                      "<g class=\"seg %s\" data-index=\"%" PRIu64 "\" data-seq=\"%" PRIu32
                      "\" data-end=\"%" PRIu32 "\" data-len=\"%" PRIu64 "\" data-kind=\"%s\"",
                      kind, s->index, (uint32_t)s->seq, (uint32_t)s->end, s->len, kind);
        if (s->count > 1) {
            tl_buf_printf(b, " data-count=\"%" PRIu32 "\" data-last=\"%" PRIu64 "\"", s->count,
                          s->last);
        }
        tl_buf_puts(b, "><title>");
        if (s->count > 1) {
            PUT_MSG(b, lang, TSG_SEGS, (unsigned long long)s->index, (unsigned long long)s->last,
                    (unsigned)s->count, (unsigned)(uint32_t)s->seq, (unsigned)(uint32_t)s->end,
                    fmt_time(tm, sizeof tm, s->t_us));
        } else {
            PUT_MSG(b, lang, TSG_SEG, (unsigned long long)s->index, (unsigned)(uint32_t)s->seq,
                    (unsigned)(uint32_t)s->end, (unsigned long long)s->len,
                    tl_msg_text(lang, s->len == 1 ? TL_MSG_PL_ONE : TL_MSG_PL_OTHER),
                    fmt_time(tm, sizeof tm, s->t_us));
        }
        static const struct {
            uint16_t af;
            enum tl_msg id;
        } kinds[] = {
            { AF_RETRANS, TL_MSG_TSG_LG_RETRANS },
            { TL_AF_OUT_OF_ORDER, TL_MSG_TSG_LG_OOO },
            { TL_AF_LOST_SEGMENT, TL_MSG_TSG_LG_LOST },
        };
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            if (s->analysis & kinds[k].af) {
                put_word(b, lang, TL_MSG_LIST_COMMA);
                put_word(b, lang, kinds[k].id);
            }
        }
        tl_buf_puts(b, "</title><line class=\"hit\" x1=\"");
        put_c(b, x);
        tl_buf_puts(b, "\" x2=\"");
        put_c(b, x);
        tl_buf_puts(b, "\" y1=\"");
        put_c(b, y0 + 40);
        tl_buf_puts(b, "\" y2=\"");
        put_c(b, y1 - 40);
        tl_buf_puts(b, "\"/><line class=\"bar\" x1=\"");
        put_c(b, x);
        tl_buf_puts(b, "\" x2=\"");
        put_c(b, x);
        tl_buf_puts(b, "\" y1=\"");
        put_c(b, y0);
        tl_buf_puts(b, "\" y2=\"");
        put_c(b, y1);
        tl_buf_puts(b, "\"/>");
        for (int e = 0; e < 2; e++) {
            tl_buf_puts(b, "<line class=\"cap\" x1=\"");
            put_c(b, x - 30);
            tl_buf_puts(b, "\" x2=\"");
            put_c(b, x + 30);
            tl_buf_puts(b, "\" y1=\"");
            put_c(b, e ? y1 : y0);
            tl_buf_puts(b, "\" y2=\"");
            put_c(b, e ? y1 : y0);
            tl_buf_puts(b, "\"/>");
        }
        const char *letter = seg_letter(s);
        if (letter) {
            tl_buf_printf(b, "<text class=\"mark %s\" x=\"", kind);
            put_c(b, x);
            tl_buf_puts(b, "\" y=\"");
            put_c(b, y1 - 60);
            tl_buf_printf(b, "\">%s</text>", letter);
        }
        tl_buf_puts(b, "</g>\n");
    }
}

/* The legend: segment, ACK line and window always; the other marks when the graph has them. */
static void put_legend(struct tl_buf *b, const struct geo *geo, const struct tl_tsg *g,
                       enum tl_lang lang, bool dry, long *rows)
{
    uint16_t seg_an = 0, ack_an = 0;
    for (size_t i = 0; i < g->n_seg; i++) {
        seg_an |= g->seg[i].analysis;
    }
    for (size_t i = 0; i < g->n_ack; i++) {
        ack_an |= g->ack[i].analysis;
    }
    const struct {
        enum tl_msg id;
        const char *cls; /* the sample's class */
        int shape;       /* 0 bar, 1 line, 2 dashed line, 3 letter */
        bool show;
    } items[] = {
        { TL_MSG_TSG_LG_SEG, "seg data", 0, true },
        { TL_MSG_TSG_LG_ACK, "ackline", 1, true },
        { TL_MSG_TSG_LG_WIN, "winline", 2, true },
        { TL_MSG_TSG_LG_SACK, "sack", 0, g->n_sack > 0 },
        { TL_MSG_TSG_LG_RETRANS, "seg retrans", 0, (seg_an & AF_RETRANS) != 0 },
        { TL_MSG_TSG_LG_OOO, "seg ooo", 0, (seg_an & TL_AF_OUT_OF_ORDER) != 0 },
        { TL_MSG_TSG_LG_LOST, "seg lost", 0, (seg_an & TL_AF_LOST_SEGMENT) != 0 },
        { TL_MSG_TSG_LG_DUP, "mark dup", 3, (ack_an & TL_AF_DUPLICATE_ACK) != 0 },
        { TL_MSG_TSG_LG_ZERO, "mark zero", 3, (ack_an & TL_AF_ZERO_WINDOW) != 0 },
    };
    long n = 0;
    long col_w = (geo->w - ML_PX - MR_PX) / LG_COLS;
    long top = MT_PX + geo->ph + AXIS_PX + 8;
    if (!dry) {
        tl_buf_puts(b, "<g class=\"legend\">\n");
    }
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        if (!items[i].show) {
            continue;
        }
        long x = ML_PX + (n % LG_COLS) * col_w, y = top + (n / LG_COLS) * ROW_PX;
        n++;
        if (dry) {
            continue;
        }
        switch (items[i].shape) {
            case 0:
                tl_buf_printf(b,
                              "<g class=\"%s\"><line class=\"%s\" x1=\"%ld\" x2=\"%ld\" "
                              "y1=\"%ld\" y2=\"%ld\"/></g>",
                              items[i].cls, strcmp(items[i].cls, "sack") ? "bar" : "sack", x + 10,
                              x + 10, y + 2, y + 16);
                break;
            case 1:
            case 2:
                tl_buf_printf(b, "<path class=\"%s\" d=\"M%ld,%ld H%ld\"/>", items[i].cls, x, y + 9,
                              x + 20);
                break;
            default:
                tl_buf_printf(b, "<text class=\"%s\" x=\"%ld\" y=\"%ld\">%s</text>", items[i].cls,
                              x + 10, y + 13, items[i].id == TL_MSG_TSG_LG_DUP ? "D" : "Z");
                break;
        }
        tl_buf_printf(b, "<text class=\"lg\" x=\"%ld\" y=\"%ld\">", x + 28, y + 13);
        put_word(b, lang, items[i].id);
        tl_buf_puts(b, "</text>\n");
    }
    if (!dry) {
        tl_buf_puts(b, "</g>\n");
    }
    *rows = (n + LG_COLS - 1) / LG_COLS;
}

static long clamp_l(long v, long lo, long hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void tl_tsg_svg(struct tl_buf *b, const struct tl_tsg *g, const struct tl_tsg_opts *o)
{
    assert(b && g && o);
    struct geo geo;
    memset(&geo, 0, sizeof geo);
    geo.w = clamp_l(o->width ? o->width : TL_TSG_DEFAULT_W, TL_TSG_MIN_W, TL_TSG_MAX_W);
    geo.h = clamp_l(o->height ? o->height : TL_TSG_DEFAULT_H, TL_TSG_MIN_H, TL_TSG_MAX_H);
    geo.pw = geo.w - ML_PX - MR_PX;
    put_legend(b, &geo, g, o->lang, true, &geo.legend_rows);
    geo.ph = geo.h - MT_PX - AXIS_PX - 16 - geo.legend_rows * ROW_PX;
    find_extent(&geo, g);
    put_head(b, &geo, g, o);
    put_axes(b, &geo, o->lang);
    tl_buf_puts(b, "<g class=\"plot\" clip-path=\"url(#tsg-clip)\">\n");
    put_lines(b, &geo, g);
    put_sacks(b, &geo, g, o->lang);
    put_acks(b, &geo, g, o->lang);
    put_segs(b, &geo, g, o->lang);
    tl_buf_puts(b, "</g>\n");
    put_legend(b, &geo, g, o->lang, false, &geo.legend_rows);
    tl_buf_puts(b, "</svg>\n");
}
