/*
 * main.c - `tcplensd`: flags (each also TCPLENS_<NAME> in the environment; a flag wins),
 * the store, the HTTP server, and a clean stop on SIGTERM or SIGINT.
 *
 * Exit status: 0 after a clean stop, 1 when the server cannot start, 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "housekeeping.h"
#include "ingest.h"
#include "log.h"
#include "params.h"
#include "server.h"
#include "tcplens.h"

#ifndef TL_DEFAULT_WEB_DIR
#define TL_DEFAULT_WEB_DIR "web"
#endif
#ifndef TL_DEFAULT_EXAMPLES_DIR
#define TL_DEFAULT_EXAMPLES_DIR "examples"
#endif

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tcplensd [options]\n"
            "\n"
            "The tcplens service: upload pcap/pcapng captures over HTTP, query their TCP\n"
            "connections as JSON, and use the teaching dashboard at /.\n"
            "Each option can also be set as an environment variable TCPLENS_<NAME>\n"
            "(e.g. TCPLENS_MAX_UPLOAD=64M); an option on the command line wins.\n"
            "\n"
            "  --listen ADDR:PORT    where to listen (default 127.0.0.1:8080; port 0: any free)\n"
            "  --db FILE             SQLite database (default var/tcplens.db), or a\n"
            "                        PostgreSQL URI postgresql://USER@HOST:PORT/DBNAME\n"
            "  --data-dir DIR        stored captures (default: the database's directory;\n"
            "                        with a URI, captures/ in the working directory)\n"
            "  --max-upload BYTES    largest upload, suffixes K, M, G (default 1G); a gzip or\n"
            "                        zstd upload may decompress to 16 times that\n"
            "  --threads N           worker threads (default: 2 per CPU, at least 4)\n"
            "  --api-key KEY         require Authorization: Bearer KEY for POST, PUT, DELETE\n"
            "                        (repeat for several keys, e.g. while rotating); without\n"
            "                        one, changes are accepted from loopback clients only\n"
            "  --api-key-file FILE   the same, one key per line (not visible in ps)\n"
            "  --read-key KEY        require Authorization: Bearer KEY (or a write key) to read\n"
            "  --read-key-file FILE  the same, one key per line\n"
            "  --cors-origin ORIGIN  allow that browser origin (CORS)\n"
            "  --tls-cert FILE       serve HTTPS with this PEM certificate ...\n"
            "  --tls-key FILE        ... and this PEM private key\n"
            "  --web-dir DIR         dashboard files (default %s)\n"
            "  --examples-dir DIR    example captures (default %s)\n"
            "  --max-flows N         live connections tracked per upload (default 200000)\n"
            "  --max-connections N   open HTTP connections in all (default 512)\n"
            "  --max-per-ip N        open HTTP connections per client address (default 16)\n"
            "  --uploads-per-ip N    uploads one client address may send at once; more: 429\n"
            "                        with Retry-After (default 8)\n"
            "  --reserve-connections N  of --max-connections, kept for requests that end\n"
            "                        quickly: past the others, the connections that have waited\n"
            "                        longest (2 s or more) for a request are closed, oldest\n"
            "                        first (default: an eighth, 64 of 512; 0: no reserve)\n"
            "  --idle-timeout SEC    close a silent connection after SEC seconds (default 60)\n"
            "  --header-timeout SEC  the request line and headers must arrive within SEC\n"
            "                        seconds of the connection (or of the previous answer)\n"
            "                        (default 10; 0: no limit)\n"
            "  --min-body-rate BYTES an upload's body must arrive at BYTES/s or more, measured\n"
            "                        over 10 s windows (default 16K; 0: no limit)\n"
            "  --ingest-threads N    threads decoding and storing uploads (default 2)\n"
            "  --ingest-queue N      uploads waiting for them, at most; more: 503 (default 64)\n"
            "  --busy-wait SEC       how long an upload waits while another process holds the\n"
            "                        database's write lock, then 503 (default 10)\n"
            "  --duplicates MODE     an upload of a file stored before (same SHA-256 and filter)\n"
            "                        without ?duplicate=: reuse (answer 200 with the stored\n"
            "                        capture, the default) or keep (store it again)\n"
            "  --query-timeout SEC   a flow list or stats query stops after SEC seconds with a\n"
            "                        503 that says how to narrow it (default 10; 0: no limit)\n"
            "  --async-above BYTES   uploads larger than this answer 202 at once and are decoded\n"
            "                        as a background job (GET /api/v1/jobs/{id}); also any\n"
            "                        upload sent with Prefer: respond-async (default 64M; 0: by\n"
            "                        Prefer only)\n"
            "  --blob-store WHERE    where capture files are kept: dir (--data-dir, the\n"
            "                        default) or db (in the PostgreSQL database: servers\n"
            "                        sharing it need no shared directory; --data-dir is then\n"
            "                        each server's cache)\n"
            "  --job-lease SEC       with PostgreSQL: a background job is held by its server\n"
            "                        for SEC seconds, renewed every SEC/3 while it runs; a job\n"
            "                        whose server stopped is then taken over by another\n"
            "                        (default 30)\n"
            "  --retention DAYS      remove captures uploaded more than DAYS ago (a decimal\n"
            "                        number, e.g. 30 or 0.5) with their flows, annotations and\n"
            "                        stored file: at start-up, then every tenth of DAYS (at\n"
            "                        most every 10 minutes) (default 0: keep forever)\n"
            "  --help, --version\n"
            "\n"
            "SIGTERM or SIGINT: in-flight requests finish (up to 30 s), then exit 0.\n",
            TL_DEFAULT_WEB_DIR, TL_DEFAULT_EXAMPLES_DIR);
}

enum opt_id {
    O_LISTEN = 1,
    O_DB,
    O_DATA_DIR,
    O_MAX_UPLOAD,
    O_THREADS,
    O_API_KEY,
    O_CORS,
    O_TLS_CERT,
    O_TLS_KEY,
    O_WEB_DIR,
    O_EXAMPLES_DIR,
    O_MAX_FLOWS,
    O_MAX_CONN,
    O_MAX_PER_IP,
    O_IDLE,
    O_API_KEY_FILE,
    O_READ_KEY,
    O_READ_KEY_FILE,
    O_HEADER_TIMEOUT,
    O_MIN_BODY_RATE,
    O_INGEST_THREADS,
    O_INGEST_QUEUE,
    O_BUSY_WAIT,
    O_DUPLICATES,
    O_QUERY_TIMEOUT,
    O_ASYNC_ABOVE,
    O_RESERVE_CONN,
    O_RETENTION,
    O_UPLOADS_PER_IP,
    O_JOB_LEASE,
    O_BLOB_STORE,
    O_LAST = O_BLOB_STORE,
    O_HELP,
    O_VERSION,
};

static const struct option long_opts[] = {
    { "listen", required_argument, NULL, O_LISTEN },
    { "db", required_argument, NULL, O_DB },
    { "data-dir", required_argument, NULL, O_DATA_DIR },
    { "max-upload", required_argument, NULL, O_MAX_UPLOAD },
    { "threads", required_argument, NULL, O_THREADS },
    { "api-key", required_argument, NULL, O_API_KEY },
    { "cors-origin", required_argument, NULL, O_CORS },
    { "tls-cert", required_argument, NULL, O_TLS_CERT },
    { "tls-key", required_argument, NULL, O_TLS_KEY },
    { "web-dir", required_argument, NULL, O_WEB_DIR },
    { "examples-dir", required_argument, NULL, O_EXAMPLES_DIR },
    { "max-flows", required_argument, NULL, O_MAX_FLOWS },
    { "max-connections", required_argument, NULL, O_MAX_CONN },
    { "max-per-ip", required_argument, NULL, O_MAX_PER_IP },
    { "idle-timeout", required_argument, NULL, O_IDLE },
    { "api-key-file", required_argument, NULL, O_API_KEY_FILE },
    { "read-key", required_argument, NULL, O_READ_KEY },
    { "read-key-file", required_argument, NULL, O_READ_KEY_FILE },
    { "header-timeout", required_argument, NULL, O_HEADER_TIMEOUT },
    { "min-body-rate", required_argument, NULL, O_MIN_BODY_RATE },
    { "ingest-threads", required_argument, NULL, O_INGEST_THREADS },
    { "ingest-queue", required_argument, NULL, O_INGEST_QUEUE },
    { "busy-wait", required_argument, NULL, O_BUSY_WAIT },
    { "duplicates", required_argument, NULL, O_DUPLICATES },
    { "query-timeout", required_argument, NULL, O_QUERY_TIMEOUT },
    { "async-above", required_argument, NULL, O_ASYNC_ABOVE },
    { "reserve-connections", required_argument, NULL, O_RESERVE_CONN },
    { "retention", required_argument, NULL, O_RETENTION },
    { "uploads-per-ip", required_argument, NULL, O_UPLOADS_PER_IP },
    { "job-lease", required_argument, NULL, O_JOB_LEASE },
    { "blob-store", required_argument, NULL, O_BLOB_STORE },
    { "help", no_argument, NULL, O_HELP },
    { "version", no_argument, NULL, O_VERSION },
    { NULL, 0, NULL, 0 },
};

/* One setting: from the flag, else TCPLENS_<NAME>. */
struct setting {
    const char *value;
    const char *source; /* for messages: "--x" or "TCPLENS_X" */
};

static bool to_uint(const struct setting *st, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!st->value) {
        return true;
    }
    if (!tl_param_uint(st->value, min, max, out)) {
        fprintf(stderr, "tcplensd: %s: expected an integer from %llu to %llu, got '%s'\n",
                st->source, (unsigned long long)min, (unsigned long long)max, st->value);
        return false;
    }
    return true;
}

/* Keys for rotation: several --api-key, or a file of one key per line. */
struct keys {
    char *v[65]; /* NULL-terminated */
    unsigned n;
};

static bool add_key(struct keys *k, const char *key, size_t len)
{
    while (len && (key[len - 1] == '\r' || key[len - 1] == ' ' || key[len - 1] == '\t')) {
        len--;
    }
    while (len && (*key == ' ' || *key == '\t')) {
        key++;
        len--;
    }
    if (!len || *key == '#') {
        return true;
    }
    if (k->n == 64) {
        fprintf(stderr, "tcplensd: at most 64 keys\n");
        return false;
    }
    k->v[k->n] = strndup(key, len);
    if (!k->v[k->n]) {
        return false;
    }
    k->v[++k->n] = NULL;
    return true;
}

static bool add_keys(struct keys *k, const char *arg, bool file)
{
    if (!file) {
        return add_key(k, arg, strlen(arg));
    }
    FILE *f = fopen(arg, "r");
    if (!f) {
        fprintf(stderr, "tcplensd: cannot read the key file %s: %s\n", arg, strerror(errno));
        return false;
    }
    char line[1024];
    unsigned before = k->n;
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\n");
        if (!add_key(k, line, n)) {
            fclose(f);
            return false;
        }
    }
    fclose(f);
    if (k->n == before) {
        fprintf(stderr, "tcplensd: the key file %s holds no key\n", arg);
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    struct setting set[O_VERSION + 1] = { { 0 } };
    static struct keys write_keys, read_keys; /* static: alive as long as the server */
    int opt;
    while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        if (opt == O_HELP || opt == 'h') {
            usage(stdout);
            return 0;
        }
        if (opt == O_VERSION) {
            printf("tcplensd %s\n", TL_VERSION);
            return 0;
        }
        if (opt <= 0 || opt > O_LAST) {
            usage(stderr);
            return 2;
        }
        if (opt == O_API_KEY || opt == O_READ_KEY || opt == O_API_KEY_FILE ||
            opt == O_READ_KEY_FILE) {
            if (!add_keys(opt == O_API_KEY || opt == O_API_KEY_FILE ? &write_keys : &read_keys,
                          optarg, opt == O_API_KEY_FILE || opt == O_READ_KEY_FILE)) {
                return 2;
            }
        }
        set[opt].value = optarg;
        set[opt].source = long_opts[opt - 1].name;
    }
    if (optind != argc) {
        fprintf(stderr, "tcplensd: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    static char env_names[O_LAST + 1][48];
    for (int i = O_LISTEN; i <= O_LAST; i++) {
        if (set[i].value) {
            continue;
        }
        char *n = env_names[i];
        snprintf(n, sizeof env_names[i], "TCPLENS_");
        size_t k = strlen(n);
        for (const char *p = long_opts[i - 1].name; *p && k + 1 < sizeof env_names[i]; p++) {
            n[k++] = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        }
        n[k] = '\0';
        const char *v = getenv(n);
        if (v && *v) {
            set[i].value = v;
            set[i].source = n;
            if ((i == O_API_KEY || i == O_READ_KEY || i == O_API_KEY_FILE ||
                 i == O_READ_KEY_FILE) &&
                !add_keys(i == O_API_KEY || i == O_API_KEY_FILE ? &write_keys : &read_keys, v,
                          i == O_API_KEY_FILE || i == O_READ_KEY_FILE)) {
                return 2;
            }
        }
    }

    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    uint64_t threads = ncpu > 0 ? (uint64_t)ncpu * 2 : 4;
    threads = threads < 4 ? 4 : threads;
    struct tl_server_config cfg = {
        .listen = set[O_LISTEN].value ? set[O_LISTEN].value : "127.0.0.1:8080",
        .db = set[O_DB].value ? set[O_DB].value : "var/tcplens.db",
        .web_dir = set[O_WEB_DIR].value ? set[O_WEB_DIR].value : TL_DEFAULT_WEB_DIR,
        .examples_dir =
            set[O_EXAMPLES_DIR].value ? set[O_EXAMPLES_DIR].value : TL_DEFAULT_EXAMPLES_DIR,
        .max_upload = (uint64_t)1 << 30,
        .cors_origin = set[O_CORS].value,
        .tls_cert = set[O_TLS_CERT].value,
        .tls_key = set[O_TLS_KEY].value,
        .max_flows = 200000,
        .connection_limit = 512,
        .per_ip_limit = 16,
        .uploads_per_ip = 8,
        .job_lease = 30,
        .idle_timeout = 60,
        .conn_memory = 256 * 1024,
        .shutdown_grace_sec = 30,
        .header_timeout = 10,
        .min_body_rate = 16 * 1024,
        .ingest_threads = 2,
        .ingest_queue = 64,
        .busy_wait_ms = 10000,
    };
    cfg.async_above = (uint64_t)64 << 20;
    if (set[O_ASYNC_ABOVE].value && strcmp(set[O_ASYNC_ABOVE].value, "0") == 0) {
        cfg.async_above = 0; /* by Prefer: respond-async only */
    } else if (set[O_ASYNC_ABOVE].value &&
               !tl_param_size(set[O_ASYNC_ABOVE].value, &cfg.async_above)) {
        fprintf(stderr, "tcplensd: %s: expected a size like 67108864, 64M or 0\n",
                set[O_ASYNC_ABOVE].source);
        return 2;
    }
    if (set[O_MAX_UPLOAD].value && !tl_param_size(set[O_MAX_UPLOAD].value, &cfg.max_upload)) {
        fprintf(stderr, "tcplensd: %s: expected a size like 1073741824, 512K, 64M or 1G\n",
                set[O_MAX_UPLOAD].source);
        return 2;
    }
    uint64_t v;
    if (!to_uint(&set[O_THREADS], 1, 256, &threads)) {
        return 2;
    }
    cfg.threads = (unsigned)threads;
    v = cfg.max_flows;
    if (!to_uint(&set[O_MAX_FLOWS], 1, 100000000, &v)) {
        return 2;
    }
    cfg.max_flows = v;
    v = cfg.connection_limit;
    if (!to_uint(&set[O_MAX_CONN], 1, 100000, &v)) {
        return 2;
    }
    cfg.connection_limit = (unsigned)v;
    v = cfg.per_ip_limit;
    if (!to_uint(&set[O_MAX_PER_IP], 1, 100000, &v)) {
        return 2;
    }
    cfg.per_ip_limit = (unsigned)v;
    v = cfg.uploads_per_ip;
    if (!to_uint(&set[O_UPLOADS_PER_IP], 1, 100000, &v)) {
        return 2;
    }
    cfg.uploads_per_ip = (unsigned)v;
    v = cfg.job_lease;
    if (!to_uint(&set[O_JOB_LEASE], 2, 86400, &v)) {
        return 2;
    }
    cfg.job_lease = (unsigned)v;
    v = cfg.connection_limit / 8;
    if (!to_uint(&set[O_RESERVE_CONN], 0, cfg.connection_limit - 1, &v)) {
        return 2;
    }
    cfg.reserve_conns = (unsigned)v;
    v = cfg.idle_timeout;
    if (!to_uint(&set[O_IDLE], 1, 86400, &v)) {
        return 2;
    }
    cfg.idle_timeout = (unsigned)v;
    v = cfg.header_timeout;
    if (!to_uint(&set[O_HEADER_TIMEOUT], 0, 3600, &v)) {
        return 2;
    }
    cfg.header_timeout = (unsigned)v;
    if (set[O_MIN_BODY_RATE].value) {
        if (strcmp(set[O_MIN_BODY_RATE].value, "0") == 0) {
            cfg.min_body_rate = 0;
        } else if (!tl_param_size(set[O_MIN_BODY_RATE].value, &cfg.min_body_rate)) {
            fprintf(stderr, "tcplensd: %s: expected a rate in bytes/s like 16384, 16K or 0\n",
                    set[O_MIN_BODY_RATE].source);
            return 2;
        }
    }
    v = cfg.ingest_threads;
    if (!to_uint(&set[O_INGEST_THREADS], 1, 64, &v)) {
        return 2;
    }
    cfg.ingest_threads = (unsigned)v;
    v = cfg.ingest_queue;
    if (!to_uint(&set[O_INGEST_QUEUE], 1, 100000, &v)) {
        return 2;
    }
    cfg.ingest_queue = (unsigned)v;
    v = cfg.busy_wait_ms / 1000;
    if (!to_uint(&set[O_BUSY_WAIT], 0, 3600, &v)) {
        return 2;
    }
    cfg.busy_wait_ms = (unsigned)v * 1000;
    uint64_t query_timeout = 10;
    if (!to_uint(&set[O_QUERY_TIMEOUT], 0, 3600, &query_timeout)) {
        return 2;
    }
    if (set[O_DUPLICATES].value) {
        if (strcmp(set[O_DUPLICATES].value, "keep") == 0) {
            cfg.keep_duplicates = true;
        } else if (strcmp(set[O_DUPLICATES].value, "reuse") != 0) {
            fprintf(stderr, "tcplensd: %s: expected reuse or keep\n", set[O_DUPLICATES].source);
            return 2;
        }
    }
    bool blobs_in_db = false;
    if (set[O_BLOB_STORE].value) {
        blobs_in_db = strcmp(set[O_BLOB_STORE].value, "db") == 0;
        if (!blobs_in_db && strcmp(set[O_BLOB_STORE].value, "dir") != 0) {
            fprintf(stderr, "tcplensd: %s: expected dir or db\n", set[O_BLOB_STORE].source);
            return 2;
        }
    }
    double retention_days = 0;
    if (set[O_RETENTION].value) {
        const char *r = set[O_RETENTION].value;
        char *end = NULL;
        errno = 0;
        retention_days = strtod(r, &end);
        if (end == r || *end || errno || !isfinite(retention_days) || retention_days < 0 ||
            retention_days > TL_RETENTION_MAX_DAYS || strspn(r, "0123456789.") != strlen(r)) {
            fprintf(stderr,
                    "tcplensd: %s: expected a number of days from 0 to %.0f, like 30 or 0.5\n",
                    set[O_RETENTION].source, TL_RETENTION_MAX_DAYS);
            return 2;
        }
    }
    cfg.api_keys = write_keys.n ? (const char *const *)write_keys.v : NULL;
    cfg.read_keys = read_keys.n ? (const char *const *)read_keys.v : NULL;

    /* the data directory: given, or beside the database */
    char data_dir[PATH_MAX];
    if (set[O_DATA_DIR].value) {
        snprintf(data_dir, sizeof data_dir, "%s", set[O_DATA_DIR].value);
    } else {
        const char *slash = strstr(cfg.db, "://") ? NULL : strrchr(cfg.db, '/');
        if (slash) {
            snprintf(data_dir, sizeof data_dir, "%.*s/captures", (int)(slash - cfg.db), cfg.db);
        } else {
            snprintf(data_dir, sizeof data_dir, "captures");
        }
    }
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "tcplensd: cannot create the data directory %s: %s\n", data_dir,
                strerror(errno));
        return 1;
    }
    cfg.data_dir = data_dir;

    /* signals: blocked here, so every thread inherits the mask; main waits for them */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    char err[512];
    struct tl_store *store = tl_store_open(cfg.db, data_dir, err, sizeof err);
    if (!store) {
        fprintf(stderr, "tcplensd: %s\n", err);
        return 1;
    }
    tl_store_set_query_budget(store, (unsigned)query_timeout * 1000);
    if (blobs_in_db && !tl_store_use_blobs(store)) {
        fprintf(stderr,
                "tcplensd: %s db: the %s backend keeps capture files in --data-dir only; "
                "--blob-store db needs PostgreSQL\n",
                set[O_BLOB_STORE].source, tl_store_backend(store));
        tl_store_close(store);
        return 2;
    }
    tl_ingest_upgrade(store, cfg.max_flows);
    /* retention: a sweep before the first request, then the housekeeping thread's */
    struct tl_housekeeping *hk = NULL;
    if (retention_days > 0) {
        uint64_t n = tl_retention_sweep(store, retention_days);
        tl_log("retention: captures older than %g days are removed (%" PRIu64
               " at start-up), every %g s",
               retention_days, n, tl_retention_interval(retention_days));
        hk = tl_housekeeping_start(store, retention_days, err, sizeof err);
        if (!hk) {
            fprintf(stderr, "tcplensd: %s\n", err);
            tl_store_close(store);
            return 1;
        }
    }
    struct tl_server *srv = tl_server_start(&cfg, store, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "tcplensd: %s\n", err);
        tl_housekeeping_stop(hk);
        tl_store_close(store);
        return 1;
    }
    /* a URI's password is not logged: user:secret@host -> user:***@host */
    char db_shown[1024];
    const char *at = strrchr(cfg.db, '@'), *scheme = strstr(cfg.db, "://");
    const char *pw = scheme && at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
    if (pw) {
        snprintf(db_shown, sizeof db_shown, "%.*s:***%s", (int)(pw - cfg.db), cfg.db, at);
    } else {
        snprintf(db_shown, sizeof db_shown, "%s", cfg.db);
    }
    char host[256];
    const char *colon = strrchr(cfg.listen, ':');
    snprintf(host, sizeof host, "%.*s", (int)(colon - cfg.listen), cfg.listen);
    tl_log("listening on %s://%s:%u (database %s, schema version %d, data %s, %u threads, "
           "%u ingest threads, writes: %s, reads: %s)",
           cfg.tls_cert ? "https" : "http", host, tl_server_port(srv), db_shown,
           tl_store_version(store), data_dir, cfg.threads, cfg.ingest_threads,
           cfg.api_keys ? "with a key" : "from loopback only",
           cfg.read_keys ? "with a key" : "open");

    int sig = 0;
    while (sigwait(&sigs, &sig) != 0) {
    }
    tl_log("received %s: finishing in-flight requests", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    tl_housekeeping_stop(hk);
    tl_server_stop(srv);
    tl_store_close(store);
    tl_log("stopped");
    return 0;
}
