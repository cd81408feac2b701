/*
 * pcapng.c - the pcapng block reader for files libpcap refuses (see pcapng.h).
 *
 * A block is read whole into one buffer that grows to the largest block seen (at most
 * TL_PCAPNG_MAX_BLOCK), so there is no allocation per packet. Every field is read through
 * the cursor from that buffer.
 */
#define _GNU_SOURCE /* fseeko */
#include "pcapng.h"

#include <stdlib.h>
#include <string.h>

#include "cursor.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_PB  0x00000002u /* obsolete Packet Block */
#define BT_SPB 0x00000003u
#define BT_EPB 0x00000006u

#define BOM         0x1A2B3C4Du
#define OPT_TSRESOL 9
#define OPT_TSOFF   14

struct iface {
    int linktype;
    uint32_t snaplen;
    bool pow2;        /* if_tsresol: 2^-exp instead of 10^-exp */
    uint8_t exp;      /* units per second: 10^exp or 2^exp (default 10^6) */
    int64_t tsoffset; /* seconds added to every timestamp (if_tsoffset) */
};

struct tl_pcapng {
    FILE *f;
    bool swap; /* this section's byte order differs from little-endian */
    uint8_t *buf;
    size_t cap;
    struct iface ifaces[TL_PCAPNG_MAX_IFACES];
    unsigned n_ifaces;
    int seen[TL_PCAPNG_MAX_IFACES]; /* link types in order of appearance, all sections */
    unsigned n_seen;
    uint64_t pos;    /* bytes read so far */
    uint64_t offset; /* of the block being read, for messages */
    /* the layout, when kept: sections and interface descriptions with their offsets */
    bool keep;
    bool lay_full; /* more than TL_PCAPNG_MAX_LAYOUT entries */
    struct lay_entry *lay;
    size_t n_lay, cap_lay;
};

struct lay_entry {
    uint64_t offset;
    bool section; /* a section header (swap holds), else an interface description (iface) */
    bool swap;
    struct iface iface;
};

#define LAY_ENTRY_BYTES (8 + 1 + 1 + 1 + 4 + 4 + 8)

struct tl_pcapng *tl_pcapng_new(FILE *f)
{
    struct tl_pcapng *r = calloc(1, sizeof *r);
    if (r) {
        r->f = f;
    }
    return r;
}

void tl_pcapng_free(struct tl_pcapng *r)
{
    if (r) {
        free(r->buf);
        free(r->lay);
        free(r);
    }
}

bool tl_pcapng_keep_layout(struct tl_pcapng *r)
{
    r->keep = true;
    return true;
}

static bool lay_add(struct tl_pcapng *r, const struct lay_entry *e)
{
    if (!r->keep) {
        return true;
    }
    if (r->n_lay == TL_PCAPNG_MAX_LAYOUT) {
        r->lay_full = true;
        return true; /* reported by tl_pcapng_layout() */
    }
    if (r->n_lay == r->cap_lay) {
        size_t cap = r->cap_lay ? r->cap_lay * 2 : 8;
        struct lay_entry *v = realloc(r->lay, cap * sizeof *v);
        if (!v) {
            return false;
        }
        r->lay = v;
        r->cap_lay = cap;
    }
    r->lay[r->n_lay++] = *e;
    return true;
}

static void put_le(uint8_t *out, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        out[i] = (uint8_t)(v >> (8 * i));
    }
}

uint8_t *tl_pcapng_layout(const struct tl_pcapng *r, size_t *len)
{
    if (r->lay_full) {
        return NULL;
    }
    size_t n = 4 + r->n_lay * LAY_ENTRY_BYTES;
    uint8_t *out = malloc(n);
    if (!out) {
        return NULL;
    }
    put_le(out, r->n_lay, 4);
    uint8_t *o = out + 4;
    for (size_t i = 0; i < r->n_lay; i++, o += LAY_ENTRY_BYTES) {
        const struct lay_entry *e = &r->lay[i];
        put_le(o, e->offset, 8);
        o[8] = e->section ? 0 : 1;
        o[9] = e->section ? e->swap : e->iface.pow2;
        o[10] = e->iface.exp;
        put_le(o + 11, (uint32_t)e->iface.linktype, 4);
        put_le(o + 15, e->iface.snaplen, 4);
        put_le(o + 19, (uint64_t)e->iface.tsoffset, 8);
    }
    *len = n;
    return out;
}

bool tl_pcapng_seek(struct tl_pcapng *r, uint64_t offset, const uint8_t *layout, size_t len)
{
    struct tl_cur c;
    uint32_t count;
    tl_cur_init(&c, layout, len);
    if (!tl_cur_le32(&c, &count) || tl_cur_left(&c) / LAY_ENTRY_BYTES < count) {
        return false;
    }
    bool in_section = false;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t lo = 0, hi = 0, lt = 0, snap = 0, tlo = 0, thi = 0;
        uint8_t kind = 0, flags = 0, exp = 0;
        tl_cur_le32(&c, &lo); /* the count was checked against what is left */
        tl_cur_le32(&c, &hi);
        tl_cur_u8(&c, &kind);
        tl_cur_u8(&c, &flags);
        tl_cur_u8(&c, &exp);
        tl_cur_le32(&c, &lt);
        tl_cur_le32(&c, &snap);
        tl_cur_le32(&c, &tlo);
        tl_cur_le32(&c, &thi);
        uint64_t at = (uint64_t)hi << 32 | lo;
        if (at >= offset) {
            break; /* entries are in file order */
        }
        if (kind == 0) {
            in_section = true;
            r->swap = flags & 1;
            r->n_ifaces = 0;
        } else if (in_section && r->n_ifaces < TL_PCAPNG_MAX_IFACES &&
                   exp <= ((flags & 1) ? 63 : 19)) {
            r->ifaces[r->n_ifaces++] = (struct iface){
                .linktype = (int)lt,
                .snaplen = snap,
                .pow2 = flags & 1,
                .exp = exp,
                .tsoffset = (int64_t)((uint64_t)thi << 32 | tlo),
            };
        } else {
            return false;
        }
    }
    if (!in_section || fseeko(r->f, (off_t)offset, SEEK_SET) != 0) {
        return false;
    }
    r->pos = offset;
    return true;
}

unsigned tl_pcapng_linktypes(const struct tl_pcapng *r, int *out, unsigned max)
{
    unsigned n = r->n_seen < max ? r->n_seen : max;
    memcpy(out, r->seen, n * sizeof *out);
    return n;
}

/* A 16- or 32-bit field in the section's byte order. */
static bool rd16(const struct tl_pcapng *r, struct tl_cur *c, uint16_t *v)
{
    return r->swap ? tl_cur_be16(c, v) : tl_cur_le16(c, v);
}

static bool rd32(const struct tl_pcapng *r, struct tl_cur *c, uint32_t *v)
{
    return r->swap ? tl_cur_be32(c, v) : tl_cur_le32(c, v);
}

static uint32_t raw32(const uint8_t *b, bool big)
{
    return big ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]
               : (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

static int fail(struct tl_errbuf *err, const struct tl_pcapng *r, const char *why)
{
    snprintf(err->msg, sizeof err->msg, "pcapng block at byte %llu: %s",
             (unsigned long long)r->offset, why);
    return -1;
}

/* Read the rest of a block of `total` bytes (`done` of them read already) into r->buf; the
 * body (without the trailing length) is r->buf[0 .. *body_len). */
static int read_body(struct tl_pcapng *r, uint32_t total, size_t done, size_t *body_len,
                     struct tl_errbuf *err)
{
    if (total < 12 || total % 4 != 0) {
        return fail(err, r, "its length is not a multiple of 4 of at least 12");
    }
    if (total > TL_PCAPNG_MAX_BLOCK) {
        return fail(err, r, "longer than the 16 MiB this reader accepts");
    }
    if (total < done + 4) {
        return fail(err, r, "shorter than its own fixed fields");
    }
    size_t n = total - done;
    if (n > r->cap) {
        uint8_t *b = realloc(r->buf, n);
        if (!b) {
            return fail(err, r, "out of memory");
        }
        r->buf = b;
        r->cap = n;
    }
    if (fread(r->buf, 1, n, r->f) != n) {
        return fail(err, r, "the file ends inside it");
    }
    r->pos += n;
    if (raw32(r->buf + n - 4, r->swap) != total) {
        return fail(err, r, "its trailing length differs from its leading length");
    }
    *body_len = n - 4;
    return 1;
}

static void note_linktype(struct tl_pcapng *r, int lt)
{
    for (unsigned i = 0; i < r->n_seen; i++) {
        if (r->seen[i] == lt) {
            return;
        }
    }
    if (r->n_seen < TL_PCAPNG_MAX_IFACES) {
        r->seen[r->n_seen++] = lt;
    }
}

static int parse_idb(struct tl_pcapng *r, size_t len, struct tl_errbuf *err)
{
    struct tl_cur c;
    uint16_t lt, reserved;
    uint32_t snaplen;
    tl_cur_init(&c, r->buf, len);
    if (!rd16(r, &c, &lt) || !rd16(r, &c, &reserved) || !rd32(r, &c, &snaplen)) {
        return fail(err, r, "an interface description shorter than 8 bytes");
    }
    if (r->n_ifaces >= TL_PCAPNG_MAX_IFACES) {
        return fail(err, r, "more than 256 interfaces in one section");
    }
    struct iface *i = &r->ifaces[r->n_ifaces++];
    *i = (struct iface){ .linktype = lt, .snaplen = snaplen, .exp = 6 };
    note_linktype(r, lt);
    for (;;) { /* options: code, length, value padded to 4 */
        uint16_t code, olen;
        if (!rd16(r, &c, &code) || !rd16(r, &c, &olen) || code == 0) {
            break; /* opt_endofopt, or no options */
        }
        size_t at = c.off;
        if (!tl_cur_skip(&c, ((size_t)olen + 3) & ~(size_t)3)) {
            return fail(err, r, "an interface option runs past its block");
        }
        if (code == OPT_TSRESOL && olen >= 1) {
            uint8_t v = r->buf[at];
            i->pow2 = (v & 0x80) != 0;
            i->exp = v & 0x7f;
            if ((i->pow2 && i->exp > 63) || (!i->pow2 && i->exp > 19)) {
                return fail(err, r, "an if_tsresol this reader cannot represent");
            }
        } else if (code == OPT_TSOFF && olen >= 8) {
            struct tl_cur o;
            uint32_t a, b;
            tl_cur_init(&o, r->buf + at, 8);
            rd32(r, &o, &a);
            rd32(r, &o, &b);
            /* a 64-bit value in the section's order: the high half first when big-endian */
            uint64_t v = r->swap ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
            i->tsoffset = (int64_t)v;
        }
    }
    return 1;
}

/* A timestamp in the interface's units to seconds and nanoseconds. */
static void timestamp(const struct iface *i, uint64_t ts, int64_t *sec, uint32_t *nsec)
{
    uint64_t units = 1;
    for (unsigned k = 0; k < i->exp; k++) {
        units = i->pow2 ? units << 1 : units * 10;
    }
    uint64_t frac = ts % units;
    uint64_t whole = ts / units;
    /* past 64 bits: the furthest end (capture.c and seek.c hold it in range) */
    if (whole > (uint64_t)INT64_MAX || __builtin_add_overflow((int64_t)whole, i->tsoffset, sec)) {
        *sec = whole > (uint64_t)INT64_MAX || i->tsoffset > 0 ? INT64_MAX : INT64_MIN;
    }
    __extension__ typedef unsigned __int128 u128;
    *nsec = (uint32_t)((u128)frac * 1000000000u / units);
}

static int packet(struct tl_pcapng *r, uint32_t type, size_t len, struct tl_pcapng_rec *rec,
                  struct tl_errbuf *err)
{
    struct tl_cur c;
    uint32_t ifid = 0, hi = 0, lo = 0, caplen = 0, wirelen = 0;
    tl_cur_init(&c, r->buf, len);
    if (type == BT_SPB) {
        if (!rd32(r, &c, &wirelen)) {
            return fail(err, r, "a simple packet block shorter than 4 bytes");
        }
        caplen = (uint32_t)(len - 4);
        if (r->n_ifaces > 0 && r->ifaces[0].snaplen && caplen > r->ifaces[0].snaplen) {
            caplen = r->ifaces[0].snaplen;
        }
        if (caplen > wirelen) {
            caplen = wirelen; /* the rest is padding */
        }
    } else {
        bool ok;
        if (type == BT_PB) {
            uint16_t id16, drops;
            ok = rd16(r, &c, &id16) && rd16(r, &c, &drops);
            ifid = id16;
        } else {
            ok = rd32(r, &c, &ifid);
        }
        if (!ok || !rd32(r, &c, &hi) || !rd32(r, &c, &lo) || !rd32(r, &c, &caplen) ||
            !rd32(r, &c, &wirelen)) {
            return fail(err, r, "a packet block shorter than its fixed fields");
        }
        if (caplen > len - c.off) {
            return fail(err, r, "a packet's captured length runs past its block");
        }
    }
    if (ifid >= r->n_ifaces) {
        return fail(err, r, "a packet of an interface not described before it");
    }
    const struct iface *i = &r->ifaces[ifid];
    rec->linktype = i->linktype;
    rec->interface_id = ifid;
    rec->caplen = caplen;
    rec->wirelen = wirelen < caplen ? caplen : wirelen;
    rec->data = r->buf + c.off;
    rec->offset = r->offset;
    if (type == BT_SPB) {
        rec->ts_sec = 0; /* a simple packet block has no timestamp */
        rec->ts_nsec = 0;
    } else {
        timestamp(i, (uint64_t)hi << 32 | lo, &rec->ts_sec, &rec->ts_nsec);
    }
    return 1;
}

int tl_pcapng_next(struct tl_pcapng *r, struct tl_pcapng_rec *rec, struct tl_errbuf *err)
{
    for (;;) {
        uint8_t head[12];
        r->offset = r->pos;
        size_t got = fread(head, 1, 8, r->f);
        r->pos += got;
        if (got == 0) {
            return 0;
        }
        if (got < 8) {
            return fail(err, r, "the file ends inside a block header");
        }
        uint32_t type = raw32(head, false); /* the SHB type reads the same both ways */
        if (type == BT_SHB) {
            if (fread(head + 8, 1, 4, r->f) != 4) {
                return fail(err, r, "the file ends inside a section header");
            }
            r->pos += 4;
            if (raw32(head + 8, false) == BOM) {
                r->swap = false;
            } else if (raw32(head + 8, true) == BOM) {
                r->swap = true;
            } else {
                return fail(err, r, "a section header without the byte-order magic");
            }
            uint32_t total = raw32(head + 4, r->swap);
            size_t len;
            if (total < 28) {
                return fail(err, r, "a section header shorter than 28 bytes");
            }
            if (read_body(r, total, 12, &len, err) < 0) {
                return -1;
            }
            r->n_ifaces = 0; /* interface ids start again in each section */
            struct lay_entry e = { .offset = r->offset, .section = true, .swap = r->swap };
            if (!lay_add(r, &e)) {
                return fail(err, r, "out of memory");
            }
            continue;
        }
        if (r->offset == 0) {
            return fail(err, r, "not a pcapng file (no section header first)");
        }
        type = raw32(head, r->swap);
        uint32_t total = raw32(head + 4, r->swap);
        size_t len;
        if (read_body(r, total, 8, &len, err) < 0) {
            return -1;
        }
        switch (type) {
            case BT_IDB:
                if (parse_idb(r, len, err) < 0) {
                    return -1;
                }
                if (!lay_add(r, &(struct lay_entry){ .offset = r->offset,
                                                     .iface = r->ifaces[r->n_ifaces - 1] })) {
                    return fail(err, r, "out of memory");
                }
                break;
            case BT_EPB:
            case BT_SPB:
            case BT_PB:
                return packet(r, type, len, rec, err);
            default:
                break; /* name resolution, statistics, custom: nothing for us */
        }
    }
}
