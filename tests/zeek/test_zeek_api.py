#!/usr/bin/env python3
"""test_zeek_api.py - GET /api/v1/flows.log on a real tcplensd (127.0.0.1, an ephemeral port,
a throw-away database), against GET /api/v1/flows and the command line.

usage: test_zeek_api.py TCPLENSD TCPLENS REPO_ROOT

Uploads a few captures of tests/golden/, then checks: the TSV log's header and one row per
flow of /api/v1/flows, in the same order and with the same conn_state, history and service;
every row equal to what `tcplens decode --format zeek-json` prints for the same file (the
service guessed at upload survives the replay from stored headers); filters applied as
/flows applies them; zeek-json lines parse; a log longer than one refill of the stream;
paging with limit and X-Next-Cursor; bad parameters are 400s naming the parameter; HEAD
answers like GET without a body. Exit 0 when every check passes, 1 otherwise.
"""
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "api"))
import harness  # noqa: E402
import zeek_tsv  # noqa: E402

CAPTURES = [  # (case, --checksums)
    ("seed_telnet", "auto"),
    ("zeek_tcp_missing-syn", "ignore"),
    ("zeek_http_http-to-ssh", "verify"),
    ("crafted_port_reuse", "auto"),
    ("tun_gre", "auto"),
    ("zeek_tcp_retransmit-fast009", "ignore"),
]
failures = []


def check(cond, what):
    print("%s %s" % ("ok  " if cond else "FAIL", what))
    if not cond:
        failures.append(what)
    return cond


def cli_rows(tcplens, path, mode):
    r = subprocess.run([tcplens, "decode", "--format", "zeek-json", "--checksums", mode, path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return [json.loads(line) for line in r.stdout.decode().splitlines()]


def endpoints(flow):
    return {(flow["client"]["ip"], flow["client"]["port"]),
            (flow["server"]["ip"], flow["server"]["port"])}


def row_endpoints(row):
    return {(str(row["id.orig_h"]), row["id.orig_p"]), (str(row["id.resp_h"]), row["id.resp_p"])}


def get_log(srv, query):
    return srv.get("/api/v1/flows.log" + ("?" + urllib.parse.urlencode(query) if query else ""))


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    tcplensd, tcplens, root = sys.argv[1:4]
    with tempfile.TemporaryDirectory(prefix="tl-zeek-api-") as tmp:
        srv = harness.Server(tcplensd, tmp)
        srv.start()
        try:
            run(srv, tcplens, root)
        finally:
            srv.stop()
    print("%d check(s) failed" % len(failures))
    return 1 if failures else 0


def run(srv, tcplens, root):
    ids = {}
    for case, mode in CAPTURES:
        path = os.path.join(root, "tests", "golden", case, "capture.pcap")
        with open(path, "rb") as fh:
            body = fh.read()
        r = srv.request("POST", "/api/v1/captures?" + urllib.parse.urlencode(
            {"name": case, "checksums": mode}), body=body, timeout=30)
        if check(r.status == 201, "upload %s: %d" % (case, r.status)):
            ids[case] = r.json()["capture"]["id"]

    flows = srv.get_json("/api/v1/flows?limit=1000")["flows"]
    check(all("service" in f for f in flows), "/flows: every flow has a service key")
    check(any(f["service"] == "http" for f in flows if f["capture"] == ids.get(
        "zeek_tcp_missing-syn")), "/flows: the missing-syn flow's service is http after replay")

    # the TSV log: header, one row per flow in /flows order
    r = get_log(srv, None)
    check(r.status == 200, "flows.log: 200")
    check(r.content_type == "text/plain", "flows.log: text/plain (%s)" % r.header("Content-Type"))
    log = zeek_tsv.parse(r.text())
    check(log.meta["path"] == "conn" and log.fields == zeek_tsv.CONN_FIELDS and
          log.types == zeek_tsv.CONN_TYPES, "flows.log: conn.log's header, fields and types")
    check(len(log.rows) == len(flows), "flows.log: %d rows for %d flows" % (len(log.rows),
                                                                            len(flows)))
    for f, row in zip(flows, log.rows):
        ok = (endpoints(f) == row_endpoints(row) and f["conn_state"] == row["conn_state"] and
              (f["history"] or None) == row["history"] and f["service"] == row["service"] and
              not zeek_tsv.check_conn_row(row))
        check(ok, "flow %d: row agrees with /flows (%s %s %s)" % (f["id"], row["conn_state"],
                                                                  row["history"], row["service"]))

    # each capture's rows equal the command line's
    for case, mode in CAPTURES:
        if case not in ids:
            continue
        r = get_log(srv, {"capture": ids[case], "format": "zeek-json"})
        check(r.status == 200 and r.content_type == "application/x-ndjson",
              "%s: zeek-json 200 application/x-ndjson" % case)
        got = sorted((zeek_tsv.conn_json(line) for line in r.text().splitlines()),
                     key=lambda o: o["uid"])
        want = sorted(cli_rows(tcplens, os.path.join(root, "tests", "golden", case,
                                                     "capture.pcap"), mode),
                      key=lambda o: o["uid"])
        check(got == want, "%s: the server's %d rows equal the command line's %d" %
              (case, len(got), len(want)))

    # filters: the same flows as /flows with the same filter
    for q in ({"port": "80"}, {"conn_state": "SF,RSTR"}, {"capture": str(ids.get("tun_gre", 1))},
              {"host": "10.0.0.0/8"}, {"handshake": "complete"}):
        fl = srv.get_json("/api/v1/flows?" + urllib.parse.urlencode(dict(q, limit="1000")))["flows"]
        r = get_log(srv, q)
        rows = zeek_tsv.parse(r.text()).rows if r.status == 200 else []
        check(r.status == 200 and len(rows) == len(fl) and
              all(endpoints(f) == row_endpoints(w) for f, w in zip(fl, rows)),
              "filter %s: %d rows, /flows has %d" % (q, len(rows), len(fl)))

    # paging
    r1 = get_log(srv, {"limit": "2"})
    rows1 = zeek_tsv.parse(r1.text()).rows
    nxt = r1.header("X-Next-Cursor")
    check(len(rows1) == 2 and nxt, "limit=2: two rows and X-Next-Cursor %r" % nxt)
    r2 = get_log(srv, {"limit": "1000", "cursor": nxt or "1"})
    rows2 = zeek_tsv.parse(r2.text()).rows
    check(r2.header("X-Next-Cursor") is None, "the last page has no X-Next-Cursor")
    check([w["uid"] for w in rows1 + rows2] == [w["uid"] for w in log.rows],
          "two pages give the whole log, in order")

    # an empty selection is still a whole log
    r = get_log(srv, {"port": "9"})
    empty = zeek_tsv.parse(r.text())
    check(r.status == 200 and empty.rows == [], "no matching flow: header and #close, no row")

    # more flows than one refill of the stream (server/zeeklog.c fetches 128 at a time)
    gen = os.environ.get("TL_GEN_CAPTURE") or os.path.join(os.path.dirname(tcplens),
                                                           "tl_gen_capture")
    big = os.path.join(srv.workdir, "many.pcap")
    subprocess.run([gen, "-p", "3000", "-c", "300", "-w", "64", "-o", big], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    with open(big, "rb") as fh:
        r = srv.request("POST", "/api/v1/captures?name=many", body=fh.read(), timeout=30)
    if check(r.status == 201, "upload of a generated capture: %d" % r.status):
        cid = r.json()["capture"]["id"]
        n = len(srv.get_json("/api/v1/flows?limit=1000&capture=%d" % cid)["flows"])
        r = get_log(srv, {"capture": cid, "format": "zeek-json"})
        got = sorted((zeek_tsv.conn_json(line) for line in r.text().splitlines()),
                     key=lambda o: o["uid"])
        want = sorted(cli_rows(tcplens, big, "auto"), key=lambda o: o["uid"])
        check(n > 128 and len(got) == n and got == want,
              "a streamed log of %d flows (%d rows) equals the command line's %d" %
              (n, len(got), len(want)))
        r = get_log(srv, {"capture": cid})
        check(len(zeek_tsv.parse(r.text()).rows) == n, "the same log as TSV has %d rows" % n)

    # errors and HEAD
    r = get_log(srv, {"format": "csv"})
    check(r.status == 400 and "format" in r.text(), "format=csv: 400 naming format")
    r = get_log(srv, {"colour": "red"})
    check(r.status == 400 and "colour" in r.text(), "an unknown parameter: 400 naming it")
    r = get_log(srv, {"port": "70000"})
    check(r.status == 400 and "port" in r.text(), "port=70000: 400 naming port")
    r = srv.request("HEAD", "/api/v1/flows.log")
    check(r.status == 200 and r.body == b"" and r.content_type == "text/plain",
          "HEAD: 200, text/plain, no body")


if __name__ == "__main__":
    sys.exit(main())
