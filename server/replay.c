/*
 * replay.c - a stored flow's packets read again from its capture file (see replay.h).
 *
 * The store keeps each flow's packet positions (track/positions.h) and each capture's layout
 * (decoder seek.h); a replay reads the packets at those positions and hands them, decoded, to
 * a flow table of its own. The capture file stays open between flows of the same capture.
 */
#include "replay.h"

#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "explain.h"
#include "log.h"
#include "messages.h"
#include "positions.h"
#include "seek.h"
#include "vocab.h"

struct tl_replay {
    struct tl_packet p;       /* the packet being replayed */
    struct tl_packet scratch; /* what the renderer re-decodes into */
    struct tl_rec_space out;  /* the packet with the classifier's verdict */
    struct tl_story story;
    struct tl_flow_table *t;
    struct tl_flow *f; /* the flow built by the last pass */
    uint64_t n;        /* packets in it */
    bool failed;
    /* where the packets are: the flow's positions, its capture's layout, the open file */
    struct tl_buf pos, layout;
    struct tl_seek *seek;
    char seek_file[64]; /* the stored file rp->seek reads */
    uint8_t pos_flags;  /* of the flow read last (TL_POS_FLAG_*) */
    /* checksums: the mode, and the frames pass 1 found acknowledged despite a bad checksum */
    enum tl_cksum_mode mode;
    uint64_t *acc;
    size_t n_acc, cap_acc;
    /* pass 2 */
    struct tl_jw *w;
    const struct tl_render_opts *o;
    uint64_t offset, limit;
    struct tl_ladder_pkt *lad;
    char (*lad_flags)[16]; /* tl_tcp_flags_tcpdump() writes nothing into less than 16 */
    size_t lad_n;
    /* port reuse: the connection the flow's SYN replaced on its tuple, replayed first so that
     * the new flow knows what it replaced (the SYN's explanation quotes its numbers) */
    bool reused; /* the flow's first packet reuses the ports (pass 1) */
    bool has_prev;
    uint64_t prev_id; /* that connection's flow id */
};

#define POS_MAX_BYTES ((size_t)1 << 30) /* a flow's positions: about 200M packets */

struct tl_replay *tl_replay_new(void)
{
    struct tl_replay *rp = calloc(1, sizeof *rp);
    if (rp) {
        tl_buf_init(&rp->pos, POS_MAX_BYTES);
        tl_buf_init(&rp->layout, POS_MAX_BYTES);
    }
    return rp;
}

void tl_replay_free(struct tl_replay *rp)
{
    if (!rp) {
        return;
    }
    tl_flow_table_free(rp->t);
    tl_seek_close(rp->seek);
    tl_buf_cleanup(&rp->pos);
    tl_buf_cleanup(&rp->layout);
    free(rp->acc);
    free(rp->lad);
    free(rp->lad_flags);
    free(rp);
}

/* The flow's positions into rp->pos, and its capture file open in rp->seek. */
static enum tl_db_rc load(struct tl_replay *rp, struct tl_db *db, uint64_t flow_id,
                          struct tl_pos_reader *it)
{
    char file[64];
    tl_buf_reset(&rp->pos);
    tl_buf_reset(&rp->layout);
    enum tl_db_rc rc = tl_db_flow_positions(db, flow_id, &rp->pos, &rp->layout, file);
    if (rc != TL_DB_OK) {
        return rc;
    }
    if (rp->pos.overflow || rp->layout.overflow ||
        !tl_pos_reader_init(it, (const uint8_t *)rp->pos.data, rp->pos.len)) {
        tl_log("replay: flow %llu has no packet positions this server can read",
               (unsigned long long)flow_id);
        return TL_DB_ERROR;
    }
    if (!rp->seek || strcmp(rp->seek_file, file) != 0) {
        tl_seek_close(rp->seek);
        rp->seek = NULL;
        char path[4200];
        struct tl_errbuf err;
        enum tl_db_rc frc = tl_db_local_file(db, file, path, sizeof path);
        if (frc != TL_DB_OK) {
            tl_log("replay: flow %llu: its capture file %s cannot be had",
                   (unsigned long long)flow_id, file);
            return frc == TL_DB_NOT_FOUND ? TL_DB_ERROR : frc;
        }
        if (tl_seek_open(path, (const uint8_t *)rp->layout.data, rp->layout.len, &rp->seek, &err) !=
            TL_OK) {
            tl_log("replay: flow %llu: %s", (unsigned long long)flow_id, err.msg);
            return TL_DB_ERROR;
        }
        snprintf(rp->seek_file, sizeof rp->seek_file, "%s", file);
    }
    rp->pos_flags = it->flags;
    return TL_DB_OK;
}

/* What each packet of a flow is handed to, decoded in rp->p and added to rp->t as fp says;
 * false stops. */
typedef bool (*packet_cb)(void *arg, struct tl_flow_pkt *fp);

/* The flow's packets, read from the capture file, into the current table, each then to cb.
 * A packet that no longer decodes to TCP is skipped, as the decoder would. */
static enum tl_db_rc each_packet(struct tl_replay *rp, struct tl_db *db, uint64_t flow_id,
                                 packet_cb cb, void *arg)
{
    struct tl_pos_reader it;
    enum tl_db_rc rc = load(rp, db, flow_id, &it);
    if (rc != TL_DB_OK) {
        return rc;
    }
    uint64_t frame, pos;
    bool first = true;
    int more;
    while ((more = tl_pos_next(&it, &frame, &pos)) == 1) {
        struct tl_errbuf err;
        if (!tl_seek_read(rp->seek, pos, frame, &rp->p, &err)) {
            tl_log("replay: flow %llu, frame %llu: %s", (unsigned long long)flow_id,
                   (unsigned long long)frame, err.msg);
            return TL_DB_ERROR;
        }
        struct tl_flow_pkt fp;
        if (!rp->p.has_tcp || tl_flow_table_add(rp->t, &rp->p, &fp) != TL_OK) {
            continue;
        }
        if (first && (it.flags & TL_POS_FLAG_REUSED)) { /* seen at upload, across flows */
            fp.conn.analysis |= TL_AF_REUSED_PORTS;
        }
        first = false;
        if (!cb(arg, &fp)) {
            return TL_DB_OK;
        }
    }
    if (more < 0) {
        tl_log("replay: flow %llu: its packet positions are damaged", (unsigned long long)flow_id);
        return TL_DB_ERROR;
    }
    return TL_DB_OK;
}

static bool table_fresh(struct tl_replay *rp)
{
    tl_flow_table_free(rp->t);
    rp->t = tl_flow_table_new(4, false);
    rp->f = NULL;
    rp->n = 0;
    rp->failed = rp->t == NULL;
    memset(&rp->p, 0, sizeof rp->p);
    if (rp->t) {
        tl_flow_table_set_cksum_mode(rp->t, rp->mode);
        for (size_t i = 0; i < rp->n_acc; i++) {
            rp->failed |= tl_flow_table_accept(rp->t, rp->acc[i]) != TL_OK;
        }
    }
    return !rp->failed;
}

static bool prelude_cb(void *arg, struct tl_flow_pkt *fp)
{
    (void)arg;
    (void)fp;
    return true;
}

/* Into a fresh table: the packets of the connection this flow replaced, if any. */
static enum tl_db_rc prelude(struct tl_replay *rp, struct tl_db *db)
{
    return rp->has_prev ? each_packet(rp, db, rp->prev_id, prelude_cb, rp) : TL_DB_OK;
}

struct prev_ctx {
    uint64_t before, id, index;
    bool found;
};

static bool prev_cb(void *arg, const struct tl_flow_ref *ref)
{
    struct prev_ctx *c = arg;
    if (ref->index < c->before && (!c->found || ref->index > c->index)) {
        c->found = true;
        c->id = ref->id;
        c->index = ref->index;
    }
    return true;
}

static void addr_range(struct tl_addr_range *r, const struct tl_flow *f, int d)
{
    r->set = true;
    r->version = f->ip_version;
    memset(r->lo, 0, sizeof r->lo);
    if (f->ip_version == 4) {
        r->lo[10] = r->lo[11] = 0xff;
        memcpy(r->lo + 12, f->addr[d], 4);
    } else {
        memcpy(r->lo, f->addr[d], 16);
    }
    memcpy(r->hi, r->lo, sizeof r->hi);
}

/* The latest earlier flow of the capture on the same tuple (either orientation). */
static void find_prev(struct tl_replay *rp, struct tl_db *db, const struct tl_flow_ref *ref)
{
    struct prev_ctx c = { .before = ref->index };
    for (int swap = 0; swap < 2; swap++) {
        struct tl_flow_filter flt;
        memset(&flt, 0, sizeof flt);
        flt.port = -1;
        addr_range(&flt.client, rp->f, swap ? TL_S2C : TL_C2S);
        addr_range(&flt.server, rp->f, swap ? TL_C2S : TL_S2C);
        flt.client_port = rp->f->port[swap ? TL_S2C : TL_C2S];
        flt.server_port = rp->f->port[swap ? TL_C2S : TL_S2C];
        flt.capture = ref->capture_id;
        flt.limit = 1000;
        (void)tl_db_flows_query(db, &flt, prev_cb, &c);
    }
    rp->has_prev = c.found;
    rp->prev_id = c.id;
}

static bool pass1_cb(void *arg, struct tl_flow_pkt *fp)
{
    struct tl_replay *rp = arg;
    if (!rp->f) {
        rp->f = fp->flow;
        rp->reused = (rp->pos_flags & TL_POS_FLAG_REUSED) != 0;
    }
    rp->n++;
    return true;
}

/* The frames of f's packets that count as received only because the peer acknowledged them. */
static bool collect_accepted(struct tl_replay *rp, const struct tl_flow *f)
{
    struct tl_rec_iter it;
    const struct tl_rec *r;
    tl_rec_iter_init(&it, f);
    while ((r = tl_rec_iter_next(&it))) {
        if (!r->cksum_accepted) {
            continue;
        }
        if (rp->n_acc == rp->cap_acc) {
            size_t cap = rp->cap_acc ? rp->cap_acc * 2 : 16;
            uint64_t *v = realloc(rp->acc, cap * sizeof *v);
            if (!v) {
                return false;
            }
            rp->acc = v;
            rp->cap_acc = cap;
        }
        rp->acc[rp->n_acc++] = r->frame;
    }
    return true;
}

/*
 * Pass 1: the flow's final state in rp->f, classified under the flow's checksum mode; the
 * packets found acknowledged despite a bad checksum are remembered, so that the later passes
 * count them as received where they stand.
 */
static enum tl_db_rc build(struct tl_replay *rp, struct tl_db *db, const struct tl_flow_ref *ref)
{
    rp->mode = ref->cksum_mode <= TL_CKM_IGNORE ? (enum tl_cksum_mode)ref->cksum_mode : TL_CKM_AUTO;
    rp->n_acc = 0;
    rp->has_prev = rp->reused = false;
    if (!table_fresh(rp)) {
        return TL_DB_ERROR;
    }
    enum tl_db_rc rc = each_packet(rp, db, ref->id, pass1_cb, rp);
    if (rc != TL_DB_OK) {
        return rc;
    }
    if (!rp->f) {
        return TL_DB_NOT_FOUND;
    }
    if (rp->reused) { /* again, after the connection it replaced */
        find_prev(rp, db, ref);
        if (rp->has_prev) {
            if (!table_fresh(rp)) {
                return TL_DB_ERROR;
            }
            rc = prelude(rp, db);
            if (rc == TL_DB_OK) {
                rc = each_packet(rp, db, ref->id, pass1_cb, rp);
            }
            if (rc != TL_DB_OK) {
                return rc;
            }
            if (!rp->f) {
                return TL_DB_NOT_FOUND;
            }
        }
    }
    tl_flow_table_resolve(rp->t, rp->f);
    if (!collect_accepted(rp, rp->f)) {
        return TL_DB_ERROR;
    }
    rp->f->index = ref->index;
    return TL_DB_OK;
}

enum tl_db_rc tl_replay_flow_json(struct tl_replay *rp, struct tl_db *db,
                                  const struct tl_flow_ref *ref, enum tl_lang lang, bool nsec,
                                  struct tl_jw *w)
{
    enum tl_db_rc rc = build(rp, db, ref);
    if (rc != TL_DB_OK) {
        return rc;
    }
    struct tl_render_opts o = {
        .nsec = nsec,
        .lang = lang,
        .flow_id = ref->id,
        .capture_id = ref->capture_id,
        .scratch = &rp->scratch,
    };
    tl_json_flow_begin(w, rp->f, &o);
    tl_jw_obj_end(w);
    return TL_DB_OK;
}

/* Pass 2: replay again into a second table, writing the packets in range. */
static bool pass2_cb(void *arg, struct tl_flow_pkt *fp)
{
    struct tl_replay *rp = arg;
    uint64_t i = rp->n++;
    tl_rec_fill(TL_REC_OF(rp->out), &rp->p, fp, tl_rec_header_len(&rp->p));
    if (i >= rp->offset && i - rp->offset < rp->limit) {
        tl_json_packet(rp->w, rp->f, TL_REC_OF(rp->out), i, &rp->story, rp->o);
    } else {
        /* outside the page: the story still has to hear it */
        char stack[2048];
        struct tl_buf e;
        tl_buf_init_fixed(&e, stack, sizeof stack);
        const struct tl_flow *f = rp->f;
        int64_t t_us = (rp->p.ts_sec - f->first_sec) * 1000000 +
                       ((int64_t)rp->p.ts_nsec - (int64_t)f->first_nsec) / 1000;
        tl_story_packet(&rp->story, &rp->p, TL_REC_OF(rp->out), i, t_us, &e);
    }
    return i + 1 < rp->offset + rp->limit;
}

/* The packets offset .. offset+limit-1 of the flow written to w: inside the flow object with
 * its "timeline" and "timeline_page" (packet_only false), or the one packet at `offset` alone
 * (packet_only: TL_DB_NOT_FOUND when the flow has fewer packets). */
static enum tl_db_rc timeline(struct tl_replay *rp, struct tl_db *db, const struct tl_flow_ref *ref,
                              const struct tl_replay_view *v, uint64_t offset, uint64_t limit,
                              bool packet_only, struct tl_jw *w)
{
    enum tl_db_rc rc = build(rp, db, ref);
    if (rc != TL_DB_OK) {
        return rc;
    }
    if (packet_only && offset >= rp->n) {
        return TL_DB_NOT_FOUND;
    }
    /* keep the final flow: its table stays alive while a second one replays */
    struct tl_flow_table *final_t = rp->t;
    struct tl_flow *final_f = rp->f;
    uint64_t total = rp->n;
    rp->t = NULL;
    struct tl_render_opts o = {
        .nsec = v->nsec,
        .lang = v->lang,
        .flow_id = ref->id,
        .capture_id = ref->capture_id,
        .scratch = &rp->scratch,
        .timeline = true,
        .no_fields = !v->fields,
    };
    if (!packet_only) {
        tl_json_flow_begin(w, final_f, &o);
        tl_jw_key(w, "timeline");
        tl_jw_arr(w);
    }
    if (offset < total && limit > 0) {
        if (!table_fresh(rp)) {
            tl_flow_table_free(final_t);
            return TL_DB_ERROR;
        }
        rp->f = final_f;
        rp->w = w;
        rp->o = &o;
        rp->offset = offset;
        rp->limit = limit;
        tl_story_init(&rp->story, final_f, v->lang);
        rc = prelude(rp, db);
        if (rc == TL_DB_OK) {
            rc = each_packet(rp, db, ref->id, pass2_cb, rp);
        }
    }
    if (packet_only) {
        tl_flow_table_free(final_t);
        rp->f = NULL;
        return rc;
    }
    tl_jw_arr_end(w);
    tl_jw_key(w, "timeline_page");
    tl_jw_obj(w);
    tl_jw_kuint(w, "offset", offset);
    tl_jw_kuint(w, "limit", limit);
    tl_jw_kuint(w, "total", total);
    if (offset + limit < total) {
        tl_jw_kuint(w, "next_offset", offset + limit);
    } else {
        tl_jw_knull(w, "next_offset");
    }
    tl_jw_obj_end(w);
    tl_jw_obj_end(w);
    tl_flow_table_free(final_t);
    rp->f = NULL;
    return rc;
}

enum tl_db_rc tl_replay_flow_timeline(struct tl_replay *rp, struct tl_db *db,
                                      const struct tl_flow_ref *ref, const struct tl_replay_view *v,
                                      uint64_t offset, uint64_t limit, struct tl_jw *w)
{
    return timeline(rp, db, ref, v, offset, limit, false, w);
}

enum tl_db_rc tl_replay_packet(struct tl_replay *rp, struct tl_db *db,
                               const struct tl_flow_ref *ref, const struct tl_replay_view *v,
                               uint64_t index, struct tl_jw *w)
{
    return timeline(rp, db, ref, v, index, 1, true, w);
}

static bool ladder_cb(void *arg, struct tl_flow_pkt *fpp)
{
    struct tl_replay *rp = arg;
    const struct tl_flow_pkt fp = *fpp;
    uint64_t i = rp->n++;
    if (rp->lad_n >= TL_LADDER_MAX) {
        return false;
    }
    const struct tl_flow *f = fp.flow;
    const struct tl_tcp *t = &rp->p.tcp;
    struct tl_ladder_pkt *lp = &rp->lad[rp->lad_n];
    char *flags = rp->lad_flags[rp->lad_n];
    rp->lad_n++;
    tl_tcp_flags_tcpdump(t->flags, flags, sizeof rp->lad_flags[0]);
    *lp = (struct tl_ladder_pkt){
        .index = i,
        .t_us = (rp->p.ts_sec - f->first_sec) * 1000000 +
                ((int64_t)rp->p.ts_nsec - (int64_t)f->first_nsec) / 1000,
        .c2s = fp.dir == TL_C2S,
        .flags = flags,
        .seq_rel = fp.seq_rel,
        .ack_rel = fp.ack_rel,
        .ack_known = (t->flags & TL_TH_ACK) && fp.ack_rel_known,
        .len = t->payload_length,
        .event = tl_event_name((enum tl_event)fp.conn.event),
        .state_client = tl_state_name((enum tl_state)fp.conn.state[0]),
        .state_server = tl_state_name((enum tl_state)fp.conn.state[1]),
    };
    return true;
}

static void endpoint_label(char *buf, size_t size, const struct tl_flow *f, int d)
{
    char a[64];
    tl_addr_str(f->ip_version, f->addr[d], a, sizeof a);
    snprintf(buf, size, f->ip_version == 6 ? "[%s]:%u" : "%s:%u", a, f->port[d]);
}

enum tl_db_rc tl_replay_ladder(struct tl_replay *rp, struct tl_db *db,
                               const struct tl_flow_ref *ref, bool to_scale, enum tl_lang lang,
                               struct tl_buf *out)
{
    enum tl_db_rc rc = build(rp, db, ref);
    if (rc != TL_DB_OK) {
        return rc;
    }
    char client[80], server[80], title[128];
    unsigned initiator, reset_by;
    endpoint_label(client, sizeof client, rp->f, TL_C2S);
    endpoint_label(server, sizeof server, rp->f, TL_S2C);
    const char *hs = tl_handshake_name(tl_conn_handshake(rp->f));
    const char *td = tl_teardown_name(tl_conn_teardown(rp->f, &initiator, &reset_by));
    /* the states' labels in the picture's language, from the vocabulary */
    const struct tl_vocab_entry *hv = tl_vocab_find(TL_VOCAB_HANDSHAKE, hs);
    const struct tl_vocab_entry *tv = tl_vocab_find(TL_VOCAB_TEARDOWN, td);
    struct tl_buf tb;
    tl_buf_init_fixed(&tb, title, sizeof title);
    TL_MSG(&tb, lang, LADDER_FLOW_TITLE, hv ? hv->label[lang] : hs, tv ? tv->label[lang] : td);
    uint64_t total = rp->n;
    if (!rp->lad) {
        rp->lad = calloc(TL_LADDER_MAX, sizeof *rp->lad);
        rp->lad_flags = calloc(TL_LADDER_MAX, sizeof *rp->lad_flags);
        if (!rp->lad || !rp->lad_flags) {
            return TL_DB_ERROR;
        }
    }
    rp->lad_n = 0;
    if (!table_fresh(rp)) {
        return TL_DB_ERROR;
    }
    rc = prelude(rp, db);
    if (rc != TL_DB_OK) {
        return rc;
    }
    rc = each_packet(rp, db, ref->id, ladder_cb, rp);
    if (rc != TL_DB_OK) {
        return rc;
    }
    struct tl_ladder l = {
        .client = client,
        .server = server,
        .title = tl_buf_cstr(&tb),
        .pkts = rp->lad,
        .n = rp->lad_n,
        .total = total,
        .to_scale = to_scale,
        .lang = lang,
    };
    tl_ladder_svg(out, &l);
    return TL_DB_OK;
}

struct tsg_ctx {
    struct tl_replay *rp;
    struct tl_tsg *g;
};

static bool tsg_cb(void *arg, struct tl_flow_pkt *fp)
{
    struct tsg_ctx *c = arg;
    struct tl_replay *rp = c->rp;
    uint64_t i = rp->n++;
    tl_rec_fill(TL_REC_OF(rp->out), &rp->p, fp, tl_rec_header_len(&rp->p));
    tl_tsg_add(c->g, fp->flow, TL_REC_OF(rp->out), &rp->p, i);
    return true;
}

enum tl_db_rc tl_replay_tsg(struct tl_replay *rp, struct tl_db *db, const struct tl_flow_ref *ref,
                            int dir, enum tl_lang lang, long width, long height, struct tl_buf *out)
{
    enum tl_db_rc rc = build(rp, db, ref);
    if (rc != TL_DB_OK) {
        return rc;
    }
    char client[80], server[80];
    endpoint_label(client, sizeof client, rp->f, TL_C2S);
    endpoint_label(server, sizeof server, rp->f, TL_S2C);
    struct tsg_ctx c = { .rp = rp, .g = malloc(sizeof *c.g) };
    if (!c.g) {
        return TL_DB_ERROR;
    }
    tl_tsg_init(c.g, dir == TL_C2S || dir == TL_S2C ? (enum tl_dir)dir : tl_tsg_default_dir(rp->f));
    if (!table_fresh(rp)) {
        rc = TL_DB_ERROR;
        goto out;
    }
    rc = prelude(rp, db);
    if (rc == TL_DB_OK) {
        rc = each_packet(rp, db, ref->id, tsg_cb, &c);
    }
    if (rc == TL_DB_OK) {
        struct tl_tsg_opts o = {
            .client = client, .server = server, .lang = lang, .width = width, .height = height
        };
        tl_tsg_svg(out, c.g, &o);
    }
out:
    free(c.g);
    return rc;
}

enum tl_db_rc tl_replay_frames(struct tl_db *db, const struct tl_flow_ref *ref, uint64_t **frames,
                               size_t *n)
{
    struct tl_buf pos, layout;
    char file[64];
    tl_buf_init(&pos, POS_MAX_BYTES);
    tl_buf_init(&layout, POS_MAX_BYTES);
    enum tl_db_rc rc = tl_db_flow_positions(db, ref->id, &pos, &layout, file);
    struct tl_pos_reader it;
    uint64_t *v = NULL;
    size_t k = 0, cap = 0;
    if (rc == TL_DB_OK &&
        (pos.overflow || !tl_pos_reader_init(&it, (const uint8_t *)pos.data, pos.len))) {
        rc = TL_DB_ERROR;
    }
    uint64_t frame, at;
    int more = 0;
    while (rc == TL_DB_OK && (more = tl_pos_next(&it, &frame, &at)) == 1) {
        if (k == cap) {
            cap = cap ? cap * 2 : 256;
            uint64_t *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                rc = TL_DB_ERROR;
                break;
            }
            v = nv;
        }
        v[k++] = frame;
    }
    if (more < 0) {
        rc = TL_DB_ERROR;
    }
    tl_buf_cleanup(&pos);
    tl_buf_cleanup(&layout);
    if (rc != TL_DB_OK) {
        free(v);
        return rc;
    }
    *frames = v;
    *n = k;
    return TL_DB_OK;
}

enum tl_db_rc tl_replay_flow_zeek(struct tl_replay *rp, struct tl_db *db,
                                  const struct tl_flow_ref *ref, enum tl_zeek_format fmt,
                                  struct tl_buf *out, int64_t *first_sec, int64_t *last_sec)
{
    enum tl_db_rc rc = build(rp, db, ref);
    if (rc != TL_DB_OK) {
        return rc;
    }
    *first_sec = rp->f->first_sec;
    *last_sec = rp->f->last_sec;
    tl_zeek_row(out, rp->f, fmt);
    return TL_DB_OK;
}
