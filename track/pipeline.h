/*
 * pipeline.h - a capture read, decoded, grouped into flows and classified, in one pass.
 */
#ifndef TL_PIPELINE_H
#define TL_PIPELINE_H

#include "capture.h"
#include "flow.h"

/*
 * The whole pipeline over one capture: decode, count, group into flows, and report.
 * `packet` (may be NULL) sees every record, with `fp` NULL unless it joined a flow;
 * `flow_done` sees each flow once, when it has ended and gone quiet, or at the end.
 */
struct tl_pipeline {
    void (*packet)(void *arg, const struct tl_packet *p, const struct tl_flow_pkt *fp);
    tl_flow_cb flow_done;
    void *arg;
    uint64_t max_flows; /* 0: TL_FLOW_CAP_DEFAULT */
    bool keep_records;  /* store headers for timelines */
    enum tl_cksum_mode cksum_mode;
};

enum tl_err tl_pipeline_run(struct tl_reader *r, const struct tl_pipeline *pl,
                            struct tl_errbuf *err);

#endif
