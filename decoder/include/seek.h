/*
 * seek.h - a packet read again from its place in a capture file.
 *
 * What a store keeps of each packet is its position: the file offset where reading it starts.
 * In a pcap file that is the record's header. In a pcapng file it is the packet's block or
 * a point before it with only other kinds of blocks (statistics, name resolution, interface
 * descriptions, a new section) in between: where libpcap's stream stood before it read the
 * packet. A pcapng file also needs its layout (pcapng.h): the sections and interface
 * descriptions before that point tell the byte order, link type and timestamp units.
 *
 * The packet is decoded by the same tl_packet_decode() the capture's first reading used, so
 * it comes back as it was: what a stored flow shows is what `tcplens decode` shows.
 */
#ifndef TL_SEEK_H
#define TL_SEEK_H

#include <stddef.h>
#include <stdint.h>

#include "tcplens.h"

/*
 * A capture's layout as bytes, made once after it was read: version 1, then the format
 * (1 pcap, 2 pcapng), then for a pcapng its sections and interfaces (pcapng.h). The caller
 * frees *out. TL_E_FORMAT when the file is neither; TL_E_TOO_LARGE when a pcapng has more
 * sections and interfaces than a layout keeps.
 */
enum tl_err tl_layout_scan(const char *path, uint8_t **out, size_t *len, struct tl_errbuf *err);

struct tl_seek;

/* Open the capture at `path` for reading by position, with its layout (copied). */
enum tl_err tl_seek_open(const char *path, const uint8_t *layout, size_t len, struct tl_seek **out,
                         struct tl_errbuf *err);
void tl_seek_close(struct tl_seek *s);

/*
 * The packet at position `pos`, decoded into p with its frame number `frame`. p borrows the
 * reader's buffer until the next call. False when the position holds no readable packet
 * (err says why).
 */
bool tl_seek_read(struct tl_seek *s, uint64_t pos, uint64_t frame, struct tl_packet *p,
                  struct tl_errbuf *err);

#endif
