#!/usr/bin/env python3
"""Bad input for `tcplens decode`: files libpcap cannot open, files cut or corrupt in the
middle, odd records, and usage errors. Each input is built in a temporary directory from
tests/golden/seed_telnet/capture.pcap (six packets, one connection) and decoded both as
`tcplens decode FILE` and as `tcplens decode - < FILE`, in every output format.

Asserted for each: the exact exit status (1 when libpcap cannot open it or gives up before
the first packet, with a message on stderr naming the file and the problem; 0 when packets
were read, with `"truncated": true` and a warning on stderr when the file ends early or a
record is corrupt; 2 for usage errors), and the counts of the capture object.
Any sanitizer report fails the run: ASan/UBSan are given exit codes of their own, and stderr
is searched for their banners.

Usage: run_badinput.py TCPLENS_BINARY
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = os.path.join(HERE, "..", "golden", "seed_telnet", "capture.pcap")
SEED_FIRST_TS = "2016-06-01T10:24:00.265744Z"

ASAN_EXIT, UBSAN_EXIT = 86, 87
SANITIZER_BANNERS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                     "runtime error:")

failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


# ---- building inputs ----

def read_pcap(path):
    """(global header bytes, endian prefix, [(ts_sec, ts_usec, caplen, wirelen, data)])"""
    data = open(path, "rb").read()
    magic = data[:4]
    e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    recs, off = [], 24
    while off + 16 <= len(data):
        s, us, cl, wl = struct.unpack(e + "IIII", data[off:off + 16])
        recs.append((s, us, cl, wl, data[off + 16:off + 16 + cl]))
        off += 16 + cl
    return data[:24], e, recs


def pcap_bytes(ghdr, e, recs):
    out = bytearray(ghdr)
    for s, us, cl, wl, d in recs:
        out += struct.pack(e + "IIII", s, us, cl, wl) + d
    return bytes(out)


def record_offsets(e, recs):
    """Byte offset of each record header in the file."""
    offs, off = [], 24
    for r in recs:
        offs.append(off)
        off += 16 + r[2]
    return offs


def pcapng_block(btype, body):
    body = body + b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def pcapng_from(recs, linktype, extra_after=None):
    """A little-endian pcapng: SHB, one IDB, one EPB per record; `extra_after` maps a record
    index to a block inserted after it."""
    out = bytearray()
    out += pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += pcapng_block(0x00000001, struct.pack("<HHI", linktype, 0, 65535))
    starts = []
    for i, (s, us, cl, wl, d) in enumerate(recs):
        ts = s * 1000000 + us
        starts.append(len(out))
        out += pcapng_block(0x00000006,
                            struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff, cl, wl) + d)
        if extra_after and i in extra_after:
            out += extra_after[i]
    return bytes(out), starts


# ---- running ----

def run(binary, args, stdin_path=None):
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"),
                                                 "exitcode=%d" % ASAN_EXIT, "detect_leaks=1"]))
    env["UBSAN_OPTIONS"] = ":".join(filter(None, [env.get("UBSAN_OPTIONS"), "halt_on_error=1",
                                                  "exitcode=%d" % UBSAN_EXIT,
                                                  "print_stacktrace=1"]))
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        p = subprocess.run([binary] + args, stdin=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=env, timeout=120)
    finally:
        if stdin_path:
            stdin.close()
    err = p.stderr.decode("utf-8", "replace")
    label = " ".join(args) + (" < " + os.path.basename(stdin_path) if stdin_path else "")
    check(p.returncode not in (ASAN_EXIT, UBSAN_EXIT) and
          not any(b in err for b in SANITIZER_BANNERS),
          "%s: sanitizer report (exit %d):\n%s" % (label, p.returncode, err))
    return p.returncode, p.stdout.decode("utf-8", "replace"), err, label


def capture_of(fmt, out, label):
    """The capture object from a json or ndjson document, or None."""
    try:
        if fmt == "json":
            return json.loads(out)["capture"]
        lines = [l for l in out.splitlines() if l.strip()]
        return json.loads(lines[-1])["capture"]
    except (ValueError, KeyError, IndexError) as ex:
        check(False, "%s: output is not a capture document (%s): %r" % (label, ex, out[:300]))
        return None


def decode_case(binary, name, path, want):
    """Decode `path` from the file and from stdin, in every format, and check `want`:
    exit, and for exit 0: packets, tcp_packets, truncated, and optional extra fields."""
    for fmt in ("json", "ndjson", "tcpdump"):
        for via_stdin in (False, True):
            args = ["decode", "--format", fmt, "-" if via_stdin else path]
            rc, out, err, label = run(binary, args, path if via_stdin else None)
            label = "%s: %s" % (name, label)
            check(rc == want["exit"], "%s: exit %d, want %d; stderr: %s" %
                  (label, rc, want["exit"], err.strip()))
            if want["exit"] != 0:
                check(err.strip() != "", "%s: no message on stderr" % label)
                who = "stdin" if via_stdin else os.path.basename(path)
                words = [w.replace("{name}", who) for w in want.get("stderr", [])]
                check(all(w in err for w in words),
                      "%s: stderr %r should name the problem (%s)" % (label, err.strip(), words))
                check(out == "", "%s: output on failure: %r" % (label, out[:200]))
                continue
            warned = "warning" in err
            check(warned == want["truncated"] or (warned and want.get("warns")),
                  "%s: warning on stderr %s, want %s: %r" %
                  (label, warned, want["truncated"], err.strip()))
            if fmt == "tcpdump":
                lines = [l for l in out.splitlines() if l.strip()]
                check(len(lines) == 2 * want["tcp_packets"],
                      "%s: %d tcpdump lines, want %d" % (label, len(lines), 2 * want["tcp_packets"]))
                continue
            cap = capture_of(fmt, out, label)
            if cap is None:
                continue
            for key in ("packets", "tcp_packets", "truncated", "format", "flows", "malformed",
                        "non_tcp", "first_ts"):
                if key in want:
                    check(cap.get(key) == want[key], "%s: capture.%s = %r, want %r" %
                          (label, key, cap.get(key), want[key]))
            check(cap.get("name") == ("stdin" if via_stdin else os.path.basename(path)),
                  "%s: capture.name = %r" % (label, cap.get("name")))
            if want["truncated"]:
                check(len(cap.get("warnings", [])) >= 1,
                      "%s: no warning in the capture object" % label)


def usage_cases(binary, some_file):
    for args in ([], ["decode"], ["decode", "--format", "bogus", some_file],
                 ["decode", "--format"], ["bogus"], ["decode", some_file, some_file],
                 ["decode", "--bogus-flag", some_file]):
        rc, out, err, label = run(binary, args)
        check(rc == 2, "usage: `tcplens %s`: exit %d, want 2" % (" ".join(args), rc))
        check(err.strip() != "", "usage: `tcplens %s`: nothing on stderr" % " ".join(args))
        check(out == "", "usage: `tcplens %s`: output %r" % (" ".join(args), out[:200]))
    rc, out, err, label = run(binary, ["--version"])
    check(rc == 0 and out.startswith("tcplens "), "--version: exit %d, %r" % (rc, out))


def main():
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    binary = sys.argv[1]
    ghdr, e, recs = read_pcap(SEED)
    assert len(recs) == 6, "the seed capture has six packets"
    whole = pcap_bytes(ghdr, e, recs)
    offs = record_offsets(e, recs)

    with tempfile.TemporaryDirectory(prefix="tl-badinput-") as tmp:
        def write(name, data):
            path = os.path.join(tmp, name)
            with open(path, "wb") as f:
                f.write(data)
            return path

        ok6 = {"exit": 0, "packets": 6, "tcp_packets": 6, "truncated": False, "flows": 1,
               "first_ts": SEED_FIRST_TS, "malformed": {}, "non_tcp": {}}
        cases = [
            # libpcap cannot open these
            ("empty file", write("empty.pcap", b""),
             {"exit": 1, "stderr": ["{name}"]}),
            ("text file", write("notes.txt", b"GET / HTTP/1.0\r\nthis is not a capture\n" * 20),
             {"exit": 1, "stderr": ["{name}", "format"]}),
            ("pcap global header cut", write("short_hdr.pcap", whole[:20]),
             {"exit": 1, "stderr": ["{name}"]}),
            # the reference: the whole seed capture
            ("seed capture", write("seed.pcap", whole), dict(ok6, format="pcap")),
            # cut in the middle of record 4's data, of record 4's header, and between records
            ("cut inside record 4", write("cut_data.pcap", whole[:offs[3] + 16 + 30]),
             {"exit": 0, "packets": 3, "tcp_packets": 3, "truncated": True, "flows": 1}),
            ("cut inside record 4's header", write("cut_rechdr.pcap", whole[:offs[3] + 8]),
             {"exit": 0, "packets": 3, "tcp_packets": 3, "truncated": True, "flows": 1}),
            ("cut between records 3 and 4", write("cut_clean.pcap", whole[:offs[3]]),
             {"exit": 0, "packets": 3, "tcp_packets": 3, "truncated": False, "flows": 1}),
            ("cut one byte short", write("cut_last.pcap", whole[:-1]),
             {"exit": 0, "packets": 5, "tcp_packets": 5, "truncated": True, "flows": 1}),
            # record 2 claims a 4 GB capture length
            ("record 2 caplen 4 GB", write("caplen_4g.pcap", pcap_bytes(
                ghdr, e, [recs[0], (recs[1][0], recs[1][1], 0xffffffff, 0xffffffff, recs[1][4])]
                + recs[2:])),
             {"exit": 0, "packets": 1, "tcp_packets": 1, "truncated": True, "flows": 1}),
            # a valid global header, then garbage: libpcap gives up before the first packet
            ("global header then garbage", write("garbage.pcap", ghdr + b"\xde\xad\xbe\xef" * 64),
             {"exit": 1, "stderr": ["{name}", "length"]}),
            ("global header then 5 bytes", write("garbage5.pcap", ghdr + b"\x01\x02\x03\x04\x05"),
             {"exit": 1, "stderr": ["{name}", "truncated"]}),
            # a record with caplen 0 (wire length 74): counted, malformed, reading goes on
            ("record 2 caplen 0", write("caplen0.pcap", pcap_bytes(
                ghdr, e, [recs[0], (recs[1][0], recs[1][1], 0, recs[1][3], b"")] + recs[2:])),
             {"exit": 0, "packets": 6, "tcp_packets": 5, "truncated": False, "flows": 1,
              "malformed": {"link.trunc_hdr": 1}}),
            # a link type we do not decode: opens, every packet malformed, a warning
            ("unsupported link type", write("dlt147.pcap", pcap_bytes(
                ghdr[:20] + struct.pack(e + "I", 147), e, recs)),
             {"exit": 0, "packets": 6, "tcp_packets": 0, "truncated": False, "warns": True,
              "flows": 0, "malformed": {"link.unsupported": 6}}),
        ]

        # pcapng: an unknown block type between packets is skipped
        custom = pcapng_block(0x00000BAD, b"tcplens test: unknown block")
        ng, _ = pcapng_from(recs, 1, {2: custom})
        cases.append(("pcapng with block 0x00000BAD after packet 3", write("custom.pcapng", ng),
                      dict(ok6, format="pcapng")))
        # pcapng cut in the middle of packet 5's block, and inside the section header
        ng, starts = pcapng_from(recs, 1)
        cases.append(("pcapng cut inside packet 5", write("cut.pcapng", ng[:starts[4] + 20]),
                      {"exit": 0, "packets": 4, "tcp_packets": 4, "truncated": True,
                       "format": "pcapng", "flows": 1}))
        cases.append(("pcapng cut inside the section header", write("cut_shb.pcapng", ng[:20]),
                      {"exit": 1, "stderr": ["{name}"]}))

        for name, path, want in cases:
            decode_case(binary, name, path, want)

        rc, out, err, label = run(binary, ["decode", os.path.join(tmp, "no-such-file.pcap")])
        check(rc == 1 and "no-such-file.pcap" in err,
              "missing file: exit %d, want 1 with its name on stderr: %r" % (rc, err))
        usage_cases(binary, os.path.join(tmp, "seed.pcap"))

    print("%d checks, %d failed" % (checks, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
