/*
 * fuzz_decode.c - the capture reader, the decoder and the tracker from bytes: the input is
 * written to an anonymous file, read with tl_reader_open and run through the whole pipeline
 * (every checksum mode in turn, on a small flow table so retirement is exercised too).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "pipeline.h"

static void on_packet(void *arg, const struct tl_packet *p, const struct tl_flow_pkt *fp)
{
    (void)p;
    if (fp) {
        ++*(uint64_t *)arg;
    }
}

static void on_flow(struct tl_flow *f, void *arg)
{
    (void)f;
    (void)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz", 0);
    if (fd < 0) {
        return 0;
    }
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) {
            close(fd);
            return 0;
        }
        off += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    for (int mode = 0; mode < 3; mode++) {
        struct tl_reader *r = NULL;
        struct tl_errbuf err = { { 0 } };
        if (tl_reader_open(path, &r, &err) != TL_OK) {
            break;
        }
        uint64_t joined = 0;
        struct tl_pipeline pl = {
            .packet = on_packet,
            .flow_done = on_flow,
            .arg = &joined,
            .max_flows = mode == 2 ? 4 : 0,
            .keep_records = mode == 0,
            .cksum_mode = (enum tl_cksum_mode)mode,
        };
        tl_pipeline_run(r, &pl, &err);
        tl_reader_close(r);
    }
    close(fd);
    return 0;
}
