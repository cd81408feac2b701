/*
 * metrics.c - a small fixed table of (route, method, status) counters and per-route latency
 * histograms under one mutex: a request touches it once, when it completes.
 */
#include "metrics.h"

#include <pthread.h>
#include <string.h>

#define MAX_SERIES 256
#define MAX_ROUTES 32

static const double bucket_le[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                    0.25,   0.5,   1,      2.5,   5,    10,    30 };
#define N_BUCKETS (sizeof bucket_le / sizeof bucket_le[0])

struct series {
    const char *route, *method;
    unsigned status;
    uint64_t count;
};

struct route_hist {
    const char *route;
    uint64_t buckets[N_BUCKETS]; /* cumulative at render time */
    uint64_t count;
    double sum;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct series series[MAX_SERIES];
static unsigned n_series;
static struct route_hist hists[MAX_ROUTES];
static unsigned n_hists;
static uint64_t upload_bytes, packets_decoded, flows_stored, uploads_stored, uploads_rejected;
static uint64_t retention_removed;

void tl_metrics_request(const char *route, const char *method, unsigned status, double seconds)
{
    pthread_mutex_lock(&lock);
    unsigned i;
    for (i = 0; i < n_series; i++) {
        if (series[i].status == status && strcmp(series[i].route, route) == 0 &&
            strcmp(series[i].method, method) == 0) {
            break;
        }
    }
    if (i == n_series && n_series < MAX_SERIES) {
        series[n_series++] = (struct series){ .route = route, .method = method, .status = status };
    }
    if (i < n_series) {
        series[i].count++;
    }
    for (i = 0; i < n_hists; i++) {
        if (strcmp(hists[i].route, route) == 0) {
            break;
        }
    }
    if (i == n_hists && n_hists < MAX_ROUTES) {
        hists[n_hists++].route = route;
    }
    if (i < n_hists) {
        struct route_hist *h = &hists[i];
        for (unsigned b = 0; b < N_BUCKETS; b++) {
            if (seconds <= bucket_le[b]) {
                h->buckets[b]++;
                break;
            }
        }
        h->count++;
        h->sum += seconds;
    }
    pthread_mutex_unlock(&lock);
}

void tl_metrics_upload(uint64_t bytes, uint64_t packets, uint64_t flows, bool stored)
{
    pthread_mutex_lock(&lock);
    upload_bytes += bytes;
    packets_decoded += packets;
    flows_stored += flows;
    if (stored) {
        uploads_stored++;
    } else {
        uploads_rejected++;
    }
    pthread_mutex_unlock(&lock);
}

void tl_metrics_retention_removed(uint64_t n)
{
    pthread_mutex_lock(&lock);
    retention_removed += n;
    pthread_mutex_unlock(&lock);
}

void tl_metrics_render(struct tl_buf *b)
{
    pthread_mutex_lock(&lock);
    tl_buf_puts(b, "# HELP tcplens_http_requests_total HTTP requests by route, method and "
                   "status.\n# TYPE tcplens_http_requests_total counter\n");
    for (unsigned i = 0; i < n_series; i++) {
        tl_buf_printf(b,
                      "tcplens_http_requests_total{route=\"%s\",method=\"%s\",status=\"%u\"} "
                      "%llu\n",
                      series[i].route, series[i].method, series[i].status,
                      (unsigned long long)series[i].count);
    }
    tl_buf_puts(b, "# HELP tcplens_http_request_duration_seconds Time from the first byte of "
                   "the request to the end of the response.\n# TYPE "
                   "tcplens_http_request_duration_seconds histogram\n");
    for (unsigned i = 0; i < n_hists; i++) {
        const struct route_hist *h = &hists[i];
        uint64_t cum = 0;
        for (unsigned k = 0; k < N_BUCKETS; k++) {
            cum += h->buckets[k];
            tl_buf_printf(b,
                          "tcplens_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} "
                          "%llu\n",
                          h->route, bucket_le[k], (unsigned long long)cum);
        }
        tl_buf_printf(b,
                      "tcplens_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} "
                      "%llu\n",
                      h->route, (unsigned long long)h->count);
        tl_buf_printf(b, "tcplens_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", h->route,
                      h->sum);
        tl_buf_printf(b, "tcplens_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                      h->route, (unsigned long long)h->count);
    }
    tl_buf_printf(b,
                  "# HELP tcplens_upload_bytes_total Bytes of capture files received.\n"
                  "# TYPE tcplens_upload_bytes_total counter\ntcplens_upload_bytes_total %llu\n"
                  "# HELP tcplens_uploads_total Uploads by result.\n"
                  "# TYPE tcplens_uploads_total counter\n"
                  "tcplens_uploads_total{result=\"stored\"} %llu\n"
                  "tcplens_uploads_total{result=\"rejected\"} %llu\n"
                  "# HELP tcplens_packets_decoded_total Packets decoded from stored uploads.\n"
                  "# TYPE tcplens_packets_decoded_total counter\n"
                  "tcplens_packets_decoded_total %llu\n"
                  "# HELP tcplens_flows_stored_total Connections stored.\n"
                  "# TYPE tcplens_flows_stored_total counter\ntcplens_flows_stored_total %llu\n"
                  "# HELP tcplens_retention_removed_total Captures removed for being older than "
                  "--retention.\n"
                  "# TYPE tcplens_retention_removed_total counter\n"
                  "tcplens_retention_removed_total %llu\n",
                  (unsigned long long)upload_bytes, (unsigned long long)uploads_stored,
                  (unsigned long long)uploads_rejected, (unsigned long long)packets_decoded,
                  (unsigned long long)flows_stored, (unsigned long long)retention_removed);
    pthread_mutex_unlock(&lock);
}
