/*
 * main.c - the `tcplens` command line: `tcplens decode FILE|-` prints the capture document
 * of the shared decoder as JSON (one document), NDJSON (one flow per line) or tcpdump text.
 *
 * Exit status: 0 success, 1 the input is not a readable capture, 2 usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "pipeline.h"
#include "render.h"
#include "render_zeek.h"

enum format {
    FMT_JSON,
    FMT_NDJSON,
    FMT_TCPDUMP,
    FMT_ZEEK,      /* Zeek conn.log, TSV */
    FMT_ZEEK_JSON, /* Zeek conn.log, JSON lines */
};

struct decode_ctx {
    enum format format;
    struct tl_render_opts ropts;
    FILE *out;   /* where flows go as they end */
    FILE *flows; /* json: flows spooled here until the capture object is known */
    uint64_t n_flows_written;
    bool opened;        /* json: the document's opening is written (lazily, at the first flow) */
    bool frame_numbers; /* tcpdump -# */
    int64_t zeek_close; /* zeek: the latest last time of the flows written */
    struct tl_buf line;
    bool failed;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: tcplens decode [--format json|ndjson|tcpdump|zeek|zeek-json]\n"
               "                      [--no-timeline] [--lang en|zh]\n"
               "                      [--checksums auto|verify|ignore] [-f EXPR] FILE|-\n"
               "       tcplens vocabulary   (every event, state and verdict, with its words)\n"
               "       tcplens --help | --version\n"
               "\n"
               "Decode a pcap or pcapng capture (plain, gzip or zstd) and print every TCP\n"
               "connection in it:\n"
               "  --format json     one JSON document: the capture and its flows (default)\n"
               "  --format ndjson   one flow per line, then a line with the capture\n"
               "  --format tcpdump  each TCP packet as `tcpdump -nn -v` prints it\n"
               "  --format zeek     Zeek's conn.log, one row per flow (Zeek's TSV format)\n"
               "  --format zeek-json  Zeek's conn.log as JSON lines\n"
               "  --no-timeline     flows without their packets\n"
               "  --lang en|zh      language of explanations and summaries (default en)\n"
               "  --checksums MODE  what a bad TCP checksum means for the connection:\n"
               "                    auto    dropped by the receiver, unless offloaded (the\n"
               "                            sending host's card fills it in) or acknowledged\n"
               "                            by the peer (default)\n"
               "                    verify  dropped, offloaded or not (as zeek does)\n"
               "                    ignore  never consulted (as zeek -C does)\n"
               "  -#, --frame-numbers  with --format tcpdump: frame numbers as tcpdump -# prints\n"
               "  -f, --filter EXPR  only the records a BPF filter keeps, as tcpdump -r FILE EXPR\n"
               "                    (pcap-filter(7)); the others are counted as filtered_out\n"
               "                    (--format has no short form: -f is the filter, as in tcpdump)\n"
               "FILE may be - for standard input; gzip and zstd are recognised by their first\n"
               "bytes and decompressed as they are read.\n"
               "Exit status: 0 success, 1 not a readable capture (or one that decompresses past\n"
               "the limit), 2 usage error (a filter libpcap cannot compile for the file too).\n");
}

static void on_packet(void *arg, const struct tl_packet *p, const struct tl_flow_pkt *fp)
{
    struct decode_ctx *c = arg;
    if (c->format != FMT_TCPDUMP || !tl_tcpdump_wants(p)) {
        return;
    }
    tl_buf_reset(&c->line);
    if (c->frame_numbers) { /* tcpdump -#: the frame number, right-aligned in 5, two spaces */
        char num[32];
        snprintf(num, sizeof num, "%5llu  ", (unsigned long long)p->frame);
        tl_buf_puts(&c->line, num);
    }
    tl_tcpdump_packet(&c->line, p, fp);
    if (c->line.len && fwrite(c->line.data, 1, c->line.len, c->out) != c->line.len) {
        c->failed = true;
    }
}

static void on_flow(struct tl_flow *f, void *arg)
{
    struct decode_ctx *c = arg;
    if (c->format == FMT_TCPDUMP) {
        return;
    }
    if (c->format == FMT_ZEEK || c->format == FMT_ZEEK_JSON) {
        enum tl_zeek_format zf = c->format == FMT_ZEEK ? TL_ZEEK_TSV : TL_ZEEK_JSON;
        tl_buf_reset(&c->line);
        if (!c->opened) { /* the log opens at its first row's time */
            tl_zeek_header(&c->line, zf, f->first_sec);
            c->opened = true;
        }
        c->zeek_close = f->last_sec > c->zeek_close ? f->last_sec : c->zeek_close;
        tl_zeek_row(&c->line, f, zf);
        if (c->line.overflow || fwrite(c->line.data, 1, c->line.len, c->out) != c->line.len) {
            c->failed = true;
        }
        return;
    }
    struct tl_jw w;
    FILE *dst = c->out;
    tl_buf_reset(&c->line);
    if (c->format == FMT_JSON && !c->opened) {
        /* flows stream out as they end; the capture's totals follow them */
        tl_buf_puts(&c->line, "{\"flows\":[\n");
        c->opened = true;
    }
    if (c->format == FMT_JSON && c->n_flows_written > 0) {
        tl_buf_puts(&c->line, ",\n");
    }
    tl_jw_init(&w, &c->line);
    tl_json_flow(&w, f, &c->ropts);
    if (c->format == FMT_NDJSON) {
        tl_buf_putc(&c->line, '\n');
    }
    if (c->line.overflow || fwrite(c->line.data, 1, c->line.len, dst) != c->line.len) {
        c->failed = true;
    }
    c->n_flows_written++;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int cmd_decode(int argc, char **argv)
{
    static const struct option opts[] = {
        { "format", required_argument, NULL, 'F' },    { "filter", required_argument, NULL, 'f' },
        { "no-timeline", no_argument, NULL, 'n' },     { "frame-numbers", no_argument, NULL, '#' },
        { "lang", required_argument, NULL, 'l' },      { "help", no_argument, NULL, 'h' },
        { "checksums", required_argument, NULL, 'c' }, { NULL, 0, NULL, 0 },
    };
    struct decode_ctx c = { .format = FMT_JSON, .ropts = { .timeline = true }, .out = stdout };
    struct tl_errbuf err = { { 0 } };
    struct tl_reader *r = NULL;
    int opt, status = 0;

    optind = 1;
    enum tl_cksum_mode cksum_mode = TL_CKM_AUTO;
    struct tl_reader_opts ropts = { 0 };
    while ((opt = getopt_long(argc, argv, "f:nh#l:", opts, NULL)) != -1) {
        switch (opt) {
            case 'f':
                ropts.filter = optarg;
                break;
            case 'F':
                if (strcmp(optarg, "json") == 0) {
                    c.format = FMT_JSON;
                } else if (strcmp(optarg, "ndjson") == 0) {
                    c.format = FMT_NDJSON;
                } else if (strcmp(optarg, "tcpdump") == 0) {
                    c.format = FMT_TCPDUMP;
                } else if (strcmp(optarg, "zeek") == 0) {
                    c.format = FMT_ZEEK;
                } else if (strcmp(optarg, "zeek-json") == 0) {
                    c.format = FMT_ZEEK_JSON;
                } else {
                    fprintf(stderr,
                            "tcplens: unknown format '%s' (json, ndjson, tcpdump, zeek, "
                            "zeek-json)\n",
                            optarg);
                    return 2;
                }
                break;
            case 'n':
                c.ropts.timeline = false;
                break;
            case '#':
                c.frame_numbers = true;
                break;
            case 'l': {
                int lang = tl_lang_parse(optarg);
                if (lang < 0) {
                    fprintf(stderr, "tcplens: unknown language '%s' (en, zh)\n", optarg);
                    return 2;
                }
                c.ropts.lang = (enum tl_lang)lang;
                break;
            }
            case 'c': {
                int m = tl_cksum_mode_parse(optarg);
                if (m < 0) {
                    fprintf(stderr, "tcplens: unknown checksum mode '%s' (auto, verify, ignore)\n",
                            optarg);
                    return 2;
                }
                cksum_mode = (enum tl_cksum_mode)m;
                break;
            }
            case 'h':
                usage(stdout);
                return 0;
            default:
                usage(stderr);
                return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "tcplens: decode needs exactly one FILE (or - for stdin)\n");
        usage(stderr);
        return 2;
    }
    const char *path = argv[optind];
    enum tl_err e = tl_reader_open_with(path, &ropts, &r, &err);
    if (e == TL_E_USAGE) { /* libpcap cannot compile the filter (for this link type) */
        fprintf(stderr, "tcplens: filter \"%s\": %s\n", ropts.filter, err.msg);
        return 2;
    }
    if (e != TL_OK) {
        fprintf(stderr, "tcplens: %s: %s\n", strcmp(path, "-") ? path : "stdin", err.msg);
        return 1;
    }
    c.ropts.nsec = tl_reader_stats(r)->nsec;
    c.ropts.scratch = malloc(sizeof *c.ropts.scratch);
    if (!c.ropts.scratch) {
        fprintf(stderr, "tcplens: out of memory\n");
        status = 1;
        goto out;
    }
    memset(c.ropts.scratch, 0, sizeof *c.ropts.scratch);
    c.ropts.story = malloc(sizeof *c.ropts.story);
    if (!c.ropts.story) {
        fprintf(stderr, "tcplens: out of memory\n");
        status = 1;
        goto out;
    }
    tl_buf_init(&c.line, (size_t)1 << 31);
    struct tl_pipeline pl = {
        .packet = on_packet,
        .flow_done = on_flow,
        .arg = &c,
        .keep_records = (c.format == FMT_JSON || c.format == FMT_NDJSON) && c.ropts.timeline,
        .cksum_mode = cksum_mode,
    };
    e = tl_pipeline_run(r, &pl, &err);
    if (e != TL_OK) {
        fprintf(stderr, "tcplens: %s\n", err.msg);
        status = 1;
        goto out;
    }
    const struct tl_capture_stats *s = tl_reader_stats(r);
    if (tl_reader_status(r, &err) != TL_OK) {
        fprintf(stderr, "tcplens: %s: %s\n", strcmp(path, "-") ? path : "stdin", err.msg);
        status = 1;
        goto out;
    }
    /* libpcap gave up before the first record */
    if (s->packets == 0 && s->filtered_out == 0 && s->truncated) {
        fprintf(stderr, "tcplens: %s: not a readable capture: %s\n",
                strcmp(path, "-") ? path : "stdin", s->warnings[0]);
        status = 1;
        goto out;
    }
    for (unsigned i = 0; i < s->n_warnings; i++) {
        fprintf(stderr, "tcplens: warning: %s\n", s->warnings[i]);
    }
    if (c.format == FMT_ZEEK || c.format == FMT_ZEEK_JSON) {
        enum tl_zeek_format zf = c.format == FMT_ZEEK ? TL_ZEEK_TSV : TL_ZEEK_JSON;
        tl_buf_reset(&c.line);
        if (!c.opened) { /* no flow: the log opens and closes at the capture's first packet */
            c.zeek_close = s->first_sec;
            tl_zeek_header(&c.line, zf, c.zeek_close);
        }
        tl_zeek_footer(&c.line, zf, c.zeek_close);
        if (fwrite(c.line.data, 1, c.line.len, c.out) != c.line.len) {
            c.failed = true;
        }
    } else if (c.format != FMT_TCPDUMP) {
        struct tl_jw w;
        tl_buf_reset(&c.line);
        if (c.format == FMT_JSON) {
            tl_buf_puts(&c.line, c.opened ? "\n],\n" : "{\"flows\":[],\n");
        }
        tl_jw_init(&w, &c.line);
        if (c.format == FMT_JSON) {
            w.after_key = false;
            w.need_comma[0] = false;
        } else {
            tl_jw_obj(&w);
        }
        tl_jw_key(&w, "capture");
        tl_json_capture(&w, s, 0, strcmp(path, "-") ? base_name(path) : "stdin", &c.ropts);
        if (c.format == FMT_NDJSON) {
            tl_jw_obj_end(&w);
        } else {
            tl_buf_putc(&c.line, '}');
        }
        tl_buf_putc(&c.line, '\n');
        if (fwrite(c.line.data, 1, c.line.len, c.out) != c.line.len) {
            c.failed = true;
        }
    }
    if (c.failed || fflush(stdout) != 0) {
        fprintf(stderr, "tcplens: writing the output failed\n");
        status = 1;
    }

out:
    free(c.ropts.scratch);
    free(c.ropts.story);
    tl_buf_cleanup(&c.line);
    tl_reader_close(r);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("tcplens %s\n", TL_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "decode") == 0) {
        return cmd_decode(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "vocabulary") == 0 && argc == 2) {
        char *doc = tl_vocab_json();
        if (!doc) {
            fprintf(stderr, "tcplens: out of memory\n");
            return 1;
        }
        puts(doc);
        free(doc);
        return 0;
    }
    fprintf(stderr, "tcplens: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
