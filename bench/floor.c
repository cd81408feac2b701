/*
 * floor.c - the "floor": the least work any TCP flow decoder must do on a capture.
 *
 * Reads a capture with pcap_open_offline + pcap_next_ex, parses Ethernet (up to two VLAN
 * tags) or raw IP, then IPv4 or IPv6 and the fixed TCP header with bounds checks, and counts
 * packets per flow in an open-addressing hash table keyed by the canonical 5-tuple (lower
 * endpoint first, so both directions share an entry). No checksums, no options, no IPv6
 * extension headers, no output per packet. Prints one line:
 *   packets=N tcp=N flows=N seconds=S pps=N
 * where seconds covers opening the file to the end of the loop. tcplens's decoder is
 * measured against this (bench/run.sh).
 *
 * Usage: tl_floor FILE
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#define ETH_HDR_LEN        14u
#define VLAN_TAG_LEN       4u
#define VLAN_TAGS_MAX      2u
#define ETHERTYPE_IPV4     0x0800u
#define ETHERTYPE_IPV6     0x86ddu
#define ETHERTYPE_VLAN     0x8100u
#define ETHERTYPE_QINQ     0x88a8u
#define IPV4_HDR_MIN_LEN   20u
#define IPV6_HDR_LEN       40u
#define IPPROTO_TCP_NUM    6u
#define TCP_HDR_MIN_LEN    20u
#define IPV4_FRAG_OFF_MASK 0x1fffu
#define TABLE_INIT_SLOTS   (1u << 16) /* power of two */
#define TABLE_MAX_SLOTS    (1u << 30)

/* Canonical 5-tuple: both addresses as 16 bytes (IPv4 zero-extended), ports, family. */
struct flow_key {
    uint8_t addr[2][16];
    uint16_t port[2];
    uint16_t family; /* 4 or 6 */
    uint16_t zero;   /* keeps the struct free of padding, so memcmp compares it whole */
};

struct flow_slot {
    struct flow_key key;
    uint64_t packets; /* 0: the slot is empty */
};

struct flow_table {
    struct flow_slot *slots;
    size_t mask; /* slots - 1 */
    size_t count;
};

static inline uint16_t be16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

_Static_assert(sizeof(struct flow_key) == 40, "flow_key must be five padding-free words");

/* Multiply-xorshift over the key's five 64-bit words, then splitmix64's final avalanche. */
static uint64_t key_hash(const struct flow_key *k)
{
    uint64_t w[5];
    memcpy(w, k, sizeof(w));
    uint64_t h = 0x7463706c656e73ull;
    for (size_t i = 0; i < 5; i++) {
        h = (h ^ w[i]) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 32;
    }
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

/* Allocates an empty table of `slots` entries (a power of two); false when out of memory. */
static bool table_init(struct flow_table *t, size_t slots)
{
    t->slots = calloc(slots, sizeof(*t->slots));
    t->mask = slots - 1;
    t->count = 0;
    return t->slots != NULL;
}

static void table_cleanup(struct flow_table *t)
{
    free(t->slots);
    t->slots = NULL;
    t->mask = 0;
    t->count = 0;
}

/* Doubles the table and reinserts every flow; on failure the table is left unchanged. */
static bool table_grow(struct flow_table *t)
{
    size_t slots = (t->mask + 1) * 2;
    if (slots > TABLE_MAX_SLOTS) {
        return false;
    }
    struct flow_slot *n = calloc(slots, sizeof(*n));
    if (n == NULL) {
        return false;
    }
    for (size_t i = 0; i <= t->mask; i++) {
        const struct flow_slot *s = &t->slots[i];
        if (s->packets == 0) {
            continue;
        }
        size_t j = (size_t)key_hash(&s->key) & (slots - 1);
        while (n[j].packets != 0) {
            j = (j + 1) & (slots - 1);
        }
        n[j] = *s;
    }
    free(t->slots);
    t->slots = n;
    t->mask = slots - 1;
    return true;
}

/*
 * Counts one packet for key, inserting the flow on first sight. Linear probing, load kept
 * at or below one half (grown before inserting). False when the table cannot grow.
 */
static bool table_count(struct flow_table *t, const struct flow_key *key)
{
    if ((t->count + 1) * 2 > t->mask + 1 && !table_grow(t)) {
        return false;
    }
    size_t i = (size_t)key_hash(key) & t->mask;
    for (;;) {
        struct flow_slot *s = &t->slots[i];
        if (s->packets == 0) {
            s->key = *key;
            s->packets = 1;
            t->count++;
            return true;
        }
        if (memcmp(&s->key, key, sizeof(*key)) == 0) {
            s->packets++;
            return true;
        }
        i = (i + 1) & t->mask;
    }
}

/* Orders the endpoints lower (address, port) first, so both directions give one key. */
static void key_set(struct flow_key *k, uint16_t family, const uint8_t *src, const uint8_t *dst,
                    size_t alen, uint16_t sport, uint16_t dport)
{
    int c = memcmp(src, dst, alen);
    bool swap = c > 0 || (c == 0 && sport > dport);
    memset(k, 0, sizeof(*k));
    memcpy(k->addr[swap], src, alen);
    memcpy(k->addr[!swap], dst, alen);
    k->port[swap] = sport;
    k->port[!swap] = dport;
    k->family = family;
}

/* The TCP ports, once the segment (len bytes at p) holds a well-formed fixed header. */
static bool tcp_ports(const uint8_t *p, size_t len, uint16_t *sport, uint16_t *dport)
{
    if (len < TCP_HDR_MIN_LEN) {
        return false;
    }
    size_t hlen = (size_t)(p[12] >> 4) * 4;
    if (hlen < TCP_HDR_MIN_LEN || hlen > len) {
        return false;
    }
    *sport = be16(p);
    *dport = be16(p + 2);
    return true;
}

/*
 * Parses one frame of link type dlt into a flow key. Order of checks: link header, IP
 * version and header length, IP total/payload length against the captured bytes (clamped
 * to them), protocol and fragment offset, TCP header length. False for anything that is not
 * a complete TCP header.
 */
static bool parse_frame(const uint8_t *pkt, size_t caplen, int dlt, struct flow_key *key)
{
    size_t off = 0;
    uint16_t type;
    uint16_t sport;
    uint16_t dport;

    if (dlt == DLT_EN10MB) {
        if (caplen < ETH_HDR_LEN) {
            return false;
        }
        type = be16(pkt + 12);
        off = ETH_HDR_LEN;
        for (unsigned tags = 0; type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ; tags++) {
            if (tags == VLAN_TAGS_MAX || caplen - off < VLAN_TAG_LEN) {
                return false;
            }
            type = be16(pkt + off + 2);
            off += VLAN_TAG_LEN;
        }
    } else {
        if (caplen < 1) {
            return false;
        }
        type = (pkt[0] >> 4) == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
    }

    const uint8_t *ip = pkt + off;
    size_t left = caplen - off;
    if (type == ETHERTYPE_IPV4) {
        if (left < IPV4_HDR_MIN_LEN || (ip[0] >> 4) != 4) {
            return false;
        }
        size_t hlen = (size_t)(ip[0] & 0x0f) * 4;
        size_t total = be16(ip + 2);
        if (hlen < IPV4_HDR_MIN_LEN || total < hlen || hlen > left) {
            return false;
        }
        if (total > left) {
            total = left;
        }
        if (ip[9] != IPPROTO_TCP_NUM || (be16(ip + 6) & IPV4_FRAG_OFF_MASK) != 0) {
            return false;
        }
        if (!tcp_ports(ip + hlen, total - hlen, &sport, &dport)) {
            return false;
        }
        key_set(key, 4, ip + 12, ip + 16, 4, sport, dport);
        return true;
    }
    if (type == ETHERTYPE_IPV6) {
        if (left < IPV6_HDR_LEN || (ip[0] >> 4) != 6 || ip[6] != IPPROTO_TCP_NUM) {
            return false;
        }
        size_t plen = be16(ip + 4);
        if (plen > left - IPV6_HDR_LEN) {
            plen = left - IPV6_HDR_LEN;
        }
        if (!tcp_ports(ip + IPV6_HDR_LEN, plen, &sport, &dport)) {
            return false;
        }
        key_set(key, 6, ip + 8, ip + 24, 16, sport, dport);
        return true;
    }
    return false;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct flow_table table = { 0 };
    pcap_t *p = NULL;
    uint64_t packets = 0;
    uint64_t tcp = 0;
    int rc = 1;

    if (argc != 2) {
        fprintf(stderr, "usage: tl_floor FILE\n");
        return 2;
    }
    double start = now_seconds();
    if (!table_init(&table, TABLE_INIT_SLOTS)) {
        fprintf(stderr, "tl_floor: out of memory\n");
        goto out;
    }
    errbuf[0] = '\0';
    p = pcap_open_offline(argv[1], errbuf);
    if (p == NULL) {
        fprintf(stderr, "tl_floor: %s\n", errbuf);
        goto out;
    }
    int dlt = pcap_datalink(p);
    if (dlt != DLT_EN10MB && dlt != DLT_RAW) {
        fprintf(stderr, "tl_floor: %s: link type %d not supported\n", argv[1], dlt);
        goto out;
    }

    for (;;) {
        struct pcap_pkthdr *hdr;
        const u_char *data;
        int r = pcap_next_ex(p, &hdr, &data);
        if (r == PCAP_ERROR_BREAK) {
            break;
        }
        if (r != 1) {
            fprintf(stderr, "tl_floor: %s: %s\n", argv[1], pcap_geterr(p));
            goto out;
        }
        packets++;
        struct flow_key key;
        if (!parse_frame(data, hdr->caplen, dlt, &key)) {
            continue;
        }
        tcp++;
        if (!table_count(&table, &key)) {
            fprintf(stderr, "tl_floor: flow table full or out of memory at %zu flows\n",
                    table.count);
            goto out;
        }
    }
    double secs = now_seconds() - start;

    printf("packets=%" PRIu64 " tcp=%" PRIu64 " flows=%zu seconds=%.3f pps=%.0f\n", packets, tcp,
           table.count, secs, secs > 0 ? (double)packets / secs : 0.0);
    rc = 0;
out:
    if (p != NULL) {
        pcap_close(p);
    }
    table_cleanup(&table);
    return rc;
}
