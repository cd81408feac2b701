/*
 * metrics.h - counters and a latency histogram for /metrics (Prometheus text format 0.0.4).
 */
#ifndef TL_METRICS_H
#define TL_METRICS_H

#include <stdint.h>

#include "buf.h"

void tl_metrics_request(const char *route, const char *method, unsigned status, double seconds);
void tl_metrics_upload(uint64_t bytes, uint64_t packets, uint64_t flows, bool stored);
/* Captures removed by retention (--retention). */
void tl_metrics_retention_removed(uint64_t n);
void tl_metrics_render(struct tl_buf *b);

#endif
