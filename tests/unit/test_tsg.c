/*
 * test_tsg.c - the time-sequence graph's model and picture (render/tsg.c): the points of a
 * few hand-made packets (relative numbers as RFC 9293 arithmetic gives them), sequence numbers
 * unwrapped across 2^32, a million packets kept in the fixed arrays with every packet counted
 * and a retransmission's letter kept, and the SVG bounded and saying it was thinned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tcp.h"
#include "tsg.h"

struct rec_space {
    _Alignas(struct tl_rec) uint8_t bytes[sizeof(struct tl_rec) + 8];
};

struct fixture {
    struct tl_flow f;
    struct rec_space rs;
    struct tl_rec *r;
    struct tl_packet p;
    struct tl_tsg *g;
};

static struct fixture *fx_new(enum tl_dir dir)
{
    struct fixture *x = calloc(1, sizeof *x);
    assert_non_null(x);
    x->g = malloc(sizeof *x->g);
    assert_non_null(x->g);
    x->r = (struct tl_rec *)(void *)x->rs.bytes;
    x->f.first_sec = 1000;
    x->f.side[TL_C2S].base = 5000;
    x->f.side[TL_C2S].base_set = true;
    x->f.side[TL_S2C].base = 9000;
    x->f.side[TL_S2C].base_set = true;
    tl_tsg_init(x->g, dir);
    return x;
}

static void fx_free(struct fixture *x)
{
    free(x->g);
    free(x);
}

/* One packet at t_us since the flow's start. */
static void add(struct fixture *x, uint64_t index, int64_t t_us, enum tl_dir dir, uint16_t flags,
                uint32_t seq_rel, uint32_t ack_rel, uint32_t len, uint16_t window, int scale,
                uint16_t analysis)
{
    memset(x->r, 0, sizeof *x->r);
    memset(&x->p, 0, sizeof x->p);
    x->r->ts_sec = x->f.first_sec + t_us / 1000000;
    x->r->ts_nsec = (uint32_t)(t_us % 1000000) * 1000;
    x->r->dir = (uint8_t)dir;
    x->r->seq_rel = seq_rel;
    x->r->ack_rel = ack_rel;
    x->r->ack_rel_known = (flags & TL_TH_ACK) != 0;
    x->r->scale = (int8_t)scale;
    x->r->conn.analysis = analysis;
    x->p.has_tcp = true;
    x->p.tcp.flags = flags;
    x->p.tcp.payload_length = len;
    x->p.tcp.window = window;
    tl_tsg_add(x->g, &x->f, x->r, &x->p, index);
}

static void test_points(void **state)
{
    (void)state;
    struct fixture *x = fx_new(TL_C2S);
    add(x, 0, 0, TL_C2S, TL_TH_SYN, 0, 0, 0, 65535, -1, 0);
    add(x, 1, 1000, TL_S2C, TL_TH_SYN | TL_TH_ACK, 0, 1, 0, 65535, -1, 0);
    add(x, 2, 2000, TL_C2S, TL_TH_ACK, 1, 1, 0, 512, 7, 0); /* a bare ACK: no segment */
    add(x, 3, 3000, TL_C2S, TL_TH_ACK | TL_TH_PSH, 1, 1, 100, 512, 7, 0);
    add(x, 4, 9000, TL_C2S, TL_TH_ACK | TL_TH_PSH, 1, 1, 100, 512, 7, TL_AF_RETRANSMISSION);
    /* the server's ACK with a SACK block 201..301 (absolute base 5000 + edges) */
    add(x, 5, 10000, TL_S2C, TL_TH_ACK, 1, 101, 0, 1000, 7, TL_AF_DUPLICATE_ACK);
    assert_int_equal(x->g->n_ack, 2);
    x->p.tcp.n_opts = 1;
    x->p.tcp.opts[0].kind = TL_TCPOPT_SACK;
    x->p.tcp.opts[0].v.sack.count = 1;
    x->p.tcp.opts[0].v.sack.edge[0][0] = 5000 + 201;
    x->p.tcp.opts[0].v.sack.edge[0][1] = 5000 + 301;
    tl_tsg_add(x->g, &x->f, x->r, &x->p, 6);
    add(x, 7, 11000, TL_C2S, TL_TH_ACK | TL_TH_FIN, 101, 1, 0, 512, 7, 0);

    const struct tl_tsg *g = x->g;
    assert_int_equal(g->n_seg, 4); /* SYN, data, its retransmission, FIN */
    assert_int_equal(g->seg[0].seq, 0);
    assert_int_equal(g->seg[0].end, 1); /* the SYN takes one sequence number */
    assert_int_equal(g->seg[1].index, 3);
    assert_int_equal(g->seg[1].seq, 1);
    assert_int_equal(g->seg[1].end, 101);
    assert_int_equal(g->seg[1].t_us, 3000);
    assert_int_equal(g->seg[2].analysis, TL_AF_RETRANSMISSION);
    assert_int_equal(g->seg[3].seq, 101);
    assert_int_equal(g->seg[3].end, 102); /* the FIN too */
    assert_int_equal(g->n_ack, 3);
    assert_int_equal(g->ack[0].ack, 1);
    assert_int_equal(g->ack[0].window, 65535); /* a SYN's window is never scaled */
    assert_int_equal(g->ack[1].ack, 101);
    assert_int_equal(g->ack[1].window, 1000u << 7);
    assert_int_equal(g->ack[1].analysis, TL_AF_DUPLICATE_ACK);
    assert_int_equal(g->n_sack, 1);
    assert_int_equal(g->sack[0].left, 201);
    assert_int_equal(g->sack[0].right, 301);
    assert_int_equal(g->sack[0].index, 6);

    struct tl_buf b;
    tl_buf_init(&b, 1 << 20);
    struct tl_tsg_opts o = { .client = "10.0.0.1:5000", .server = "<x&y>", .lang = TL_LANG_EN };
    tl_tsg_svg(&b, g, &o);
    const char *s = tl_buf_cstr(&b);
    assert_false(b.overflow);
    assert_non_null(strstr(s, "data-thinned=\"false\""));
    assert_non_null(strstr(s, "10.0.0.1:5000 → &lt;x&amp;y&gt;"));
    assert_null(strstr(s, "<x&y>"));
    assert_non_null(strstr(s, "data-index=\"4\" data-seq=\"1\" data-end=\"101\" data-len=\"100\" "
                              "data-kind=\"retrans\""));
    assert_non_null(strstr(s, "data-index=\"5\" data-ack=\"101\" data-window=\"128000\" "
                              "data-win=\"128101\""));
    assert_non_null(strstr(s, "packet 3: seq 1 to 101, 100 bytes, at 3.000 ms</title>"));
    assert_non_null(strstr(s, ">R</text>"));
    tl_buf_reset(&b);
    o.lang = TL_LANG_ZH;
    tl_tsg_svg(&b, g, &o);
    assert_non_null(strstr(tl_buf_cstr(&b), "相对序列号"));
    assert_null(strstr(tl_buf_cstr(&b), "relative sequence number"));
    tl_buf_cleanup(&b);
    fx_free(x);
}

static void test_default_dir(void **state)
{
    (void)state;
    struct tl_flow f;
    memset(&f, 0, sizeof f);
    assert_int_equal(tl_tsg_default_dir(&f), TL_C2S);
    f.side[TL_S2C].bytes = 10;
    assert_int_equal(tl_tsg_default_dir(&f), TL_S2C);
    f.side[TL_C2S].bytes = 10;
    assert_int_equal(tl_tsg_default_dir(&f), TL_C2S);
}

/* Relative numbers past 2^32 keep rising; one a little below the base stays below. */
static void test_unwrap(void **state)
{
    (void)state;
    struct fixture *x = fx_new(TL_C2S);
    add(x, 0, 0, TL_C2S, TL_TH_ACK, 0xfffffc00u, 0, 1024, 0, 0, 0);
    add(x, 1, 10, TL_C2S, TL_TH_ACK, 0, 0, 1024, 0, 0, 0);
    add(x, 2, 20, TL_C2S, TL_TH_ACK, 1024, 0, 1024, 0, 0, 0);
    assert_int_equal(x->g->n_seg, 3);
    assert_int_equal(x->g->seg[0].seq, -1024);
    assert_int_equal(x->g->seg[1].seq, 0);
    assert_int_equal(x->g->seg[2].end, 2048);
    tl_tsg_init(x->g, TL_C2S);
    add(x, 0, 0, TL_C2S, TL_TH_ACK, 0x7fffff00u, 0, 0x100, 0, 0, 0);
    add(x, 1, 10, TL_C2S, TL_TH_ACK, 0x80000000u, 0, 0x100, 0, 0, 0);
    add(x, 2, 20, TL_C2S, TL_TH_ACK, 0xffffff00u, 0, 0x100, 0, 0, 0);
    add(x, 3, 30, TL_C2S, TL_TH_ACK, 0x100, 0, 0x100, 0, 0, 0);
    assert_int_equal(x->g->seg[1].seq, 0x80000000LL);
    assert_int_equal(x->g->seg[3].seq, 0x100000100LL);
    fx_free(x);
}

/* A million packets: the arrays hold, every packet is counted once, the letter survives. */
static void test_thinning_bounded(void **state)
{
    (void)state;
    enum { N = 1000000, RETX = 500001 };
    struct fixture *x = fx_new(TL_C2S);
    for (uint64_t i = 0; i < N; i++) {
        if (i % 2 == 0) {
            add(x, i, (int64_t)i * 10, TL_C2S, TL_TH_ACK, (uint32_t)(i / 2 * 1000), 1, 1000, 100, 7,
                i == RETX - 1 ? TL_AF_RETRANSMISSION : 0);
        } else {
            add(x, i, (int64_t)i * 10, TL_S2C, TL_TH_ACK, 1, (uint32_t)((i + 1) / 2 * 1000), 0, 100,
                7, 0);
        }
    }
    const struct tl_tsg *g = x->g;
    assert_true(g->n_seg <= TL_TSG_MAX_SEGS && g->n_seg > TL_TSG_MAX_SEGS / 2);
    assert_true(g->n_ack <= TL_TSG_MAX_ACKS && g->n_ack > TL_TSG_MAX_ACKS / 2);
    assert_int_equal(g->seen_segs, N / 2);
    assert_int_equal(g->seen_acks, N / 2);
    uint64_t segs = 0, acks = 0, marked = 0;
    for (size_t i = 0; i < g->n_seg; i++) {
        segs += g->seg[i].count;
        assert_true(g->seg[i].index <= g->seg[i].last);
        assert_true(i == 0 || g->seg[i].index > g->seg[i - 1].last);
        assert_true(g->seg[i].end - g->seg[i].seq == (int64_t)g->seg[i].count * 1000);
        if (g->seg[i].analysis & TL_AF_RETRANSMISSION) {
            marked++;
            assert_true(g->seg[i].index <= RETX - 1 && RETX - 1 <= g->seg[i].last);
        }
    }
    for (size_t i = 0; i < g->n_ack; i++) {
        acks += g->ack[i].count;
    }
    assert_int_equal(segs, N / 2);
    assert_int_equal(acks, N / 2);
    assert_int_equal(marked, 1);
    assert_int_equal(g->ack[g->n_ack - 1].ack, (int64_t)N / 2 * 1000); /* the last ACK's value */

    struct tl_buf b;
    tl_buf_init(&b, 8 << 20);
    struct tl_tsg_opts o = { .client = "a", .server = "b", .lang = TL_LANG_EN };
    tl_tsg_svg(&b, g, &o);
    const char *s = tl_buf_cstr(&b);
    assert_false(b.overflow);
    assert_non_null(strstr(s, "data-thinned=\"true\""));
    assert_non_null(strstr(s, "Thinned to fit: 500000 segments drawn as"));
    size_t groups = 0;
    for (const char *p = s; (p = strstr(p, "<g ")); p++) {
        groups++;
    }
    assert_true(groups <= TL_TSG_MAX_SEGS + TL_TSG_MAX_ACKS + TL_TSG_MAX_SACKS + 16);
    assert_true(b.len < (size_t)4 << 20);
    tl_buf_reset(&b);
    o.lang = TL_LANG_ZH;
    tl_tsg_svg(&b, g, &o);
    assert_non_null(strstr(tl_buf_cstr(&b), "为便于显示已合并"));
    tl_buf_cleanup(&b);
    fx_free(x);
}

static void test_empty_and_sizes(void **state)
{
    (void)state;
    struct fixture *x = fx_new(TL_S2C);
    struct tl_buf b;
    tl_buf_init(&b, 1 << 20);
    struct tl_tsg_opts o = { .lang = TL_LANG_EN, .width = 5, .height = 100000 };
    tl_tsg_svg(&b, x->g, &o);
    const char *s = tl_buf_cstr(&b);
    assert_non_null(strstr(s, "No packet of this direction to draw."));
    assert_non_null(strstr(s, "width=\"480\" height=\"3000\""));
    assert_non_null(strstr(s, "data-dir=\"s2c\""));
    tl_buf_cleanup(&b);
    fx_free(x);
}

/* Timestamps and numbers as a hostile capture may give them: no overflow (UBSan), a picture. */
static void test_hostile_values(void **state)
{
    (void)state;
    struct fixture *x = fx_new(TL_C2S);
    static const int64_t secs[] = { INT64_MAX, INT64_MIN, 0, -1, INT64_MAX / 2, 1000 };
    uint32_t seq = 0x9e3779b9u;
    for (uint64_t i = 0; i < 4000; i++) {
        seq = seq * 1664525u + 1013904223u;
        add(x, i, 0, i % 3 ? TL_C2S : TL_S2C, TL_TH_ACK | TL_TH_SYN, seq, seq ^ 0x55555555u,
            seq >> 8, 0xffff, 14, 0);
        x->r->ts_sec = secs[i % (sizeof secs / sizeof secs[0])];
        x->r->ts_nsec = 999999999u;
        tl_tsg_add(x->g, &x->f, x->r, &x->p, i);
    }
    x->f.first_sec = INT64_MIN;
    add(x, 4000, 0, TL_C2S, TL_TH_ACK, 1, 1, 1, 1, 0, 0);
    struct tl_buf b;
    tl_buf_init(&b, 8 << 20);
    struct tl_tsg_opts o = { .client = "\x01\xff<", .server = NULL, .lang = TL_LANG_EN };
    tl_tsg_svg(&b, x->g, &o);
    assert_false(b.overflow);
    assert_non_null(strstr(tl_buf_cstr(&b), "</svg>\n"));
    assert_null(strstr(tl_buf_cstr(&b), "\x01"));
    assert_null(strstr(tl_buf_cstr(&b), "\xff"));
    assert_non_null(strstr(tl_buf_cstr(&b), "(??&lt; → ?)"));
    tl_buf_cleanup(&b);
    fx_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_points),          cmocka_unit_test(test_default_dir),
        cmocka_unit_test(test_unwrap),          cmocka_unit_test(test_thinning_bounded),
        cmocka_unit_test(test_empty_and_sizes), cmocka_unit_test(test_hostile_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
