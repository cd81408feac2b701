/*
 * render_zeek.h - flows as rows of Zeek's conn.log, in Zeek's ASCII (TSV) log format or as
 * Zeek's JSON lines, so they can be joined with, or read by the tools of, a Zeek deployment.
 *
 * The fields are conn.log's (base/protocols/conn/main.zeek, Conn::Info) with Zeek's
 * definitions; the numbers come from track/zeekconn.h, the verdicts from track/conn.h, the
 * service from track/service.h. Everything is appended to a struct tl_buf; nothing else is
 * allocated.
 */
#ifndef TL_RENDER_ZEEK_H
#define TL_RENDER_ZEEK_H

#include <stdint.h>

#include "buf.h"
#include "flow.h"

enum tl_zeek_format {
    TL_ZEEK_TSV = 0, /* Zeek's ASCII writer: header lines, tab-separated rows, #close */
    TL_ZEEK_JSON,    /* Zeek's JSON writer (LogAscii::use_json): one object per line */
};

/*
 * The header of a TSV log (#separator ... #types), `open_sec` the time it was opened (written
 * as #open in UTC). Nothing for JSON lines.
 */
void tl_zeek_header(struct tl_buf *b, enum tl_zeek_format fmt, int64_t open_sec);

/* The #close line of a TSV log (`close_sec` in UTC). Nothing for JSON lines. */
void tl_zeek_footer(struct tl_buf *b, enum tl_zeek_format fmt, int64_t close_sec);

/* One flow's conn.log row, ending in '\n'. */
void tl_zeek_row(struct tl_buf *b, const struct tl_flow *f, enum tl_zeek_format fmt);

/*
 * The flow's uid: "C" and base62 digits, as Zeek shapes them, from a hash of the flow's
 * identity in its capture (its index, first timestamp, addresses, ports and tunnel path), so
 * the same capture gives the same uids every time. `out` holds at least 24 bytes.
 */
void tl_zeek_uid(const struct tl_flow *f, char *out, size_t size);

#define TL_ZEEK_UID_SIZE 24

#endif
