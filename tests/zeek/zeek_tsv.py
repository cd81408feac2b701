"""zeek_tsv.py - a reader of Zeek's ASCII log format, written to Zeek's documentation (the
Logging Framework's ASCII writer: header lines, separators, escaping, unset and empty fields,
types), independent of the code that writes it.

    log = parse(text)            # raises ZeekLogError on anything the format does not allow
    log.meta["path"], log.fields, log.types, log.rows (dicts of typed values), log.close

Types: time and interval (seconds with exactly 6 decimals, as the writer prints them) ->
float; count and port -> int; addr -> ipaddress object; bool (T/F) -> bool; string and enum
-> str (\\xNN escapes decoded); set[string] -> frozenset. The unset field ("-") -> None; the
empty field ("(empty)") -> "" or an empty set.

conn_json(line) reads one line of Zeek's JSON log writer and checks it the same way (numbers
as numbers, unset fields absent).
"""

import ipaddress
import json
import re

CONN_FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto",
               "service", "duration", "orig_bytes", "resp_bytes", "conn_state", "local_orig",
               "local_resp", "missed_bytes", "history", "orig_pkts", "orig_ip_bytes",
               "resp_pkts", "resp_ip_bytes", "tunnel_parents"]
CONN_TYPES = ["time", "string", "addr", "port", "addr", "port", "enum", "string", "interval",
              "count", "count", "string", "bool", "bool", "count", "string", "count", "count",
              "count", "count", "set[string]"]
CONN_STATES = {"S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH",
               "SHR", "OTH"}
HISTORY_RE = re.compile(r"^[\^SsHhAaDdFfRrCcGgTtWwIiQqXx]+$")
UID_RE = re.compile(r"^C[0-9A-Za-z]{8,22}$")
TIME_LINE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}$")
SECONDS_RE = re.compile(r"^-?\d+\.\d{6}$")
COUNT_RE = re.compile(r"^\d+$")


class ZeekLogError(ValueError):
    pass


def unescape(s):
    """\\xNN sequences back to bytes (the writer escapes non-printable bytes this way)."""
    out = bytearray()
    i = 0
    b = s.encode("utf-8", "surrogateescape")
    while i < len(b):
        if b[i:i + 2] == b"\\x" and i + 4 <= len(b) and re.match(rb"[0-9a-fA-F]{2}", b[i + 2:i + 4]):
            out.append(int(b[i + 2:i + 4], 16))
            i += 4
        else:
            out.append(b[i])
            i += 1
    return out.decode("utf-8", "replace")


class Log:
    def __init__(self):
        self.meta = {}
        self.fields = []
        self.types = []
        self.rows = []
        self.raw_rows = []
        self.close = None


def typed(value, ztype, meta):
    unset, empty, set_sep = meta["unset_field"], meta["empty_field"], meta["set_separator"]
    if value == unset:
        return None
    if ztype.startswith("set[") or ztype.startswith("vector["):
        if value == empty:
            return frozenset()
        inner = ztype[ztype.index("[") + 1:-1]
        return frozenset(typed(v, inner, meta) for v in value.split(set_sep))
    if ztype in ("time", "interval"):
        if not SECONDS_RE.match(value):
            raise ZeekLogError("%s %r: not seconds with 6 decimals" % (ztype, value))
        return float(value)
    if ztype in ("count", "port"):
        if not COUNT_RE.match(value):
            raise ZeekLogError("%s %r: not an unsigned integer" % (ztype, value))
        v = int(value)
        if ztype == "port" and v > 65535:
            raise ZeekLogError("port %d out of range" % v)
        return v
    if ztype == "addr":
        try:
            return ipaddress.ip_address(value)
        except ValueError:
            raise ZeekLogError("addr %r: not an address" % value)
    if ztype == "bool":
        if value not in ("T", "F"):
            raise ZeekLogError("bool %r: not T or F" % value)
        return value == "T"
    if ztype in ("string", "enum"):
        if value == empty:
            return ""
        if any(ord(c) < 0x20 or ord(c) == 0x7f for c in value):
            raise ZeekLogError("%s %r: an unescaped control character" % (ztype, value))
        return unescape(value)
    raise ZeekLogError("unknown type %r" % ztype)


def parse(text):
    """Read a whole ASCII log. Header lines must come first, in the writer's order."""
    log = Log()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    else:
        raise ZeekLogError("the log does not end with a newline")
    if not lines or not lines[0].startswith("#separator "):
        raise ZeekLogError("the first line is not #separator")
    sep_spec = lines[0][len("#separator "):]
    if sep_spec != "\\x09":
        raise ZeekLogError("separator %r is not \\x09" % sep_spec)
    sep = unescape(sep_spec)
    i = 1
    order = ["set_separator", "empty_field", "unset_field", "path", "open", "fields", "types"]
    for name in order:
        if i >= len(lines) or not lines[i].startswith("#" + name + sep):
            raise ZeekLogError("header line #%s missing or out of order" % name)
        parts = lines[i].split(sep)
        if name in ("fields", "types"):
            setattr(log, name, parts[1:])
        else:
            if len(parts) != 2:
                raise ZeekLogError("header line #%s has %d values" % (name, len(parts) - 1))
            log.meta[name] = parts[1]
        i += 1
    if not TIME_LINE_RE.match(log.meta["open"]):
        raise ZeekLogError("#open %r is not YYYY-MM-DD-HH-MM-SS" % log.meta["open"])
    if len(log.fields) != len(log.types):
        raise ZeekLogError("#fields and #types differ in length")
    while i < len(lines) and not lines[i].startswith("#"):
        cols = lines[i].split(sep)
        if len(cols) != len(log.fields):
            raise ZeekLogError("row %d has %d columns, #fields %d" % (len(log.rows) + 1, len(cols),
                                                                     len(log.fields)))
        row = {}
        for f, t, v in zip(log.fields, log.types, cols):
            if v == "":
                raise ZeekLogError("row %d field %s is an empty string (the writer writes %s)"
                                   % (len(log.rows) + 1, f, log.meta["empty_field"]))
            row[f] = typed(v, t, log.meta)
        log.rows.append(row)
        log.raw_rows.append(cols)
        i += 1
    if i != len(lines) - 1 or not lines[i].startswith("#close" + sep):
        raise ZeekLogError("the log does not end with one #close line")
    log.close = lines[i].split(sep)[1]
    if not TIME_LINE_RE.match(log.close):
        raise ZeekLogError("#close %r is not YYYY-MM-DD-HH-MM-SS" % log.close)
    return log


def check_conn_row(row):
    """Problems (a list of strings) with one conn.log row against conn.log's own rules."""
    p = []
    if row["proto"] != "tcp":
        p.append("proto %r" % row["proto"])
    if not UID_RE.match(row["uid"] or ""):
        p.append("uid %r is not C + base62" % row["uid"])
    if row["conn_state"] not in CONN_STATES:
        p.append("conn_state %r" % row["conn_state"])
    if row["history"] is not None and not HISTORY_RE.match(row["history"]):
        p.append("history %r" % row["history"])
    dur = row["duration"]
    if dur is None:
        if row["orig_bytes"] is not None or row["resp_bytes"] is not None:
            p.append("bytes set without a duration")
    elif dur <= 0:
        p.append("duration %r set but not over 0" % dur)
    for k in ("missed_bytes", "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes"):
        if row[k] is None:
            p.append("%s unset" % k)
    if row["orig_pkts"] + row["resp_pkts"] == 0 and row["history"] not in ("C", "c", "Cc", "cC",
                                                                             "^c", "^C"):
        p.append("no packets, yet not a connection of bad checksums only")
    # every IP packet carries at least a 20-byte IPv4 header or a 40-byte IPv6 header and a
    # 20-byte TCP header
    least = 60 if row["id.orig_h"].version == 6 else 40
    for d in ("orig", "resp"):
        if row[d + "_ip_bytes"] < least * row[d + "_pkts"]:
            p.append("%s_ip_bytes %d below %d packets' headers" % (d, row[d + "_ip_bytes"],
                                                                  row[d + "_pkts"]))
    for k in ("local_orig", "local_resp", "tunnel_parents"):
        if row[k] is not None:
            p.append("%s %r set" % (k, row[k]))
    return p


def conn_json(line):
    """One JSON line as a dict; raises ZeekLogError when it breaks the JSON writer's shape."""
    try:
        o = json.loads(line)
    except ValueError as e:
        raise ZeekLogError("not JSON: %s" % e)
    if not isinstance(o, dict):
        raise ZeekLogError("not an object")
    for k, v in o.items():
        if k not in CONN_FIELDS:
            raise ZeekLogError("unknown field %r" % k)
        t = CONN_TYPES[CONN_FIELDS.index(k)]
        if v is None:
            raise ZeekLogError("%s is null: unset fields are left out" % k)
        if t in ("time", "interval") and not isinstance(v, float):
            raise ZeekLogError("%s %r is not a floating-point number" % (k, v))
        if t in ("count", "port") and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
            raise ZeekLogError("%s %r is not a count" % (k, v))
        if t in ("string", "enum", "addr") and not isinstance(v, str):
            raise ZeekLogError("%s %r is not a string" % (k, v))
        if t == "bool" and not isinstance(v, bool):
            raise ZeekLogError("%s %r is not a bool" % (k, v))
    for k in ("ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto",
              "conn_state", "missed_bytes", "orig_pkts", "orig_ip_bytes", "resp_pkts",
              "resp_ip_bytes"):
        if k not in o:
            raise ZeekLogError("%s missing" % k)
    return o
