/*
 * service.h - which application protocol a connection speaks, guessed from the first payload
 * bytes of each direction (not from the port alone), named as Zeek names it in conn.log's
 * `service` field (`http`, `ssl`, `ssh`, ...).
 *
 * Each direction keeps its first TL_SVC_PEEK payload bytes in sequence order in a fixed buffer
 * inside the flow: a segment is copied only where it continues the bytes kept so far
 * (retransmissions and segments after a hole add nothing), so the guess depends on the
 * stream, not on how it was cut into packets. Nothing is allocated. The guess is made when it
 * is read (tl_service_of).
 */
#ifndef TL_SERVICE_H
#define TL_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tl_service {
    TL_SVC_NONE = 0, /* unsure: Zeek's unset service */
    TL_SVC_HTTP,
    TL_SVC_SSL,
    TL_SVC_SSH,
    TL_SVC_SMTP,
    TL_SVC_FTP,
    TL_SVC_IMAP,
    TL_SVC_POP3,
    TL_SVC_REDIS,
    TL_SVC_POSTGRESQL,
    TL_SVC_MYSQL,
    TL_SVC_DNS,
    TL_SVC_TELNET,
    TL_SVC_COUNT
};

/* Zeek's name of a service ("http", ...), NULL for TL_SVC_NONE or out of range. */
const char *tl_service_name(enum tl_service s);
/* The service named `name`, TL_SVC_NONE for NULL or an unknown name. */
enum tl_service tl_service_parse(const char *name);

#define TL_SVC_PEEK 64 /* payload bytes kept per direction */

struct tl_svc_dir {
    uint8_t buf[TL_SVC_PEEK];
    uint8_t len;       /* bytes kept */
    bool started;      /* the first payload byte's sequence number is known */
    uint32_t next_seq; /* the sequence number after the bytes kept */
};

/* What a flow keeps for the guess: [0] what the client sends, [1] the server. */
struct tl_svc {
    struct tl_svc_dir d[2];
};

/*
 * Keep the captured payload of a packet going in direction `dir` (0 client to server): the
 * `captured` bytes at `payload`, starting at sequence number `seq` (the SYN's own number
 * excluded by the caller). Bytes past TL_SVC_PEEK, before the bytes kept, or after a hole are
 * ignored. Never fails; `payload` may be NULL when `captured` is 0.
 */
void tl_service_feed(struct tl_svc *s, int dir, uint32_t seq, const uint8_t *payload,
                     size_t captured);

/*
 * The guess from what both directions sent: `client` is the originator's first bytes,
 * `server` the responder's (either may be empty); the ports break ties (DNS over TCP needs
 * port 53). Unsure: TL_SVC_NONE. Reads only within the given lengths.
 */
enum tl_service tl_service_classify(const uint8_t *client, size_t clen, const uint8_t *server,
                                    size_t slen, uint16_t client_port, uint16_t server_port);

/* The flow's guess: tl_service_classify over the bytes kept, with the roles swapped when the
 * client's bytes alone say nothing. */
enum tl_service tl_service_of(const struct tl_svc *s, uint16_t client_port, uint16_t server_port);

/*
 * The server name (RFC 6066 §3 server_name extension, host_name type) of a TLS record holding
 * a ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2): copied into `out` (NUL-terminated) when
 * the record reaches it whole and the name fits in `size` - 1 bytes of printable ASCII.
 * Returns false otherwise; every length read is checked against `len`.
 */
bool tl_service_tls_sni(const uint8_t *rec, size_t len, char *out, size_t size);

#endif
