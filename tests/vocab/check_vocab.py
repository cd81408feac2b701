#!/usr/bin/env python3
"""check_vocab.py - the vocabulary (track/vocab.c, printed by `tcplens vocabulary`) is the one
source of every name: schema/openapi.yaml's enums, the dashboard's ladder labels
(web/ladder.js) and the server's filters must agree with it.

Usage: check_vocab.py TCPLENS REPO
       check_vocab.py --self-test TCPLENS REPO   (a changed enum must fail the check)
Exit 0 when everything agrees, 1 on a difference, 2 on a setup error.
"""
import json
import os
import re
import subprocess
import sys

import yaml

# openapi component -> vocabulary kind, compared as sets (the schema's order is free)
ENUMS = {
    "Event": "events",
    "HandshakeState": "handshake",
    "TeardownState": "teardown",
    "TcpState": "states",
    "ConnState": "conn_state",
    "ChecksumStatus": "checksum_status",
}


def js_object(text, name):
    """The string-to-string entries of `const NAME = { ... };` in a JS module."""
    m = re.search(r"const %s = \{(.*?)\n\};" % re.escape(name), text, re.S)
    if not m:
        return None
    out = {}
    for k1, k2, v in re.findall(r"(?:'([^']+)'|([A-Za-z_][\w-]*))\s*:\s*'([^']*)'", m.group(1)):
        out[k1 or k2] = v
    return out


def check(vocab, schema, ladder_js):
    problems = []
    comps = schema["components"]["schemas"]
    for comp, kind in ENUMS.items():
        enum = comps.get(comp, {}).get("enum")
        names = [r["name"] for r in vocab.get(kind, [])]
        if enum is None:
            problems.append("openapi: components.schemas.%s has no enum" % comp)
        elif set(enum) != set(names):
            problems.append("openapi %s %s != vocabulary %s %s (missing %s, extra %s)" % (
                comp, sorted(enum), kind, sorted(names), sorted(set(names) - set(enum)),
                sorted(set(enum) - set(names))))
    modes = schema["components"]["parameters"].get("Checksums", {}).get("schema", {}).get("enum")
    if set(modes or []) != {r["name"] for r in vocab.get("checksums", [])}:
        problems.append("openapi parameter checksums %s != vocabulary %s" % (
            modes, [r["name"] for r in vocab.get("checksums", [])]))
    for lang, obj in (("en", "EVENT_LABEL"), ("zh", "EVENT_LABEL_ZH")):
        labels = js_object(ladder_js, obj)
        if labels is None:
            continue            # the page takes its labels from /api/v1/vocabulary
        for r in vocab["events"]:
            want = r["label"][lang]
            got = labels.get(r["name"], r["label"]["en"] if lang == "zh" else None)
            if got != want:
                problems.append("web/ladder.js %s[%s] = %r, vocabulary says %r"
                                % (obj, r["name"], got, want))
    for kind, rows in vocab.items():
        for r in rows:
            for lang in ("en", "zh"):
                if not r["label"].get(lang) or not r["meaning"].get(lang):
                    problems.append("vocabulary %s %s: no %s label or meaning"
                                    % (kind, r["name"], lang))
    return problems


def main(argv):
    self_test = len(argv) > 1 and argv[1] == "--self-test"
    args = argv[2:] if self_test else argv[1:]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tcplens, repo = args
    vocab = json.loads(subprocess.run([tcplens, "vocabulary"], check=True,
                                      capture_output=True).stdout)
    with open(os.path.join(repo, "schema", "openapi.yaml"), encoding="utf-8") as fh:
        schema = yaml.safe_load(fh)
    with open(os.path.join(repo, "web", "ladder.js"), encoding="utf-8") as fh:
        ladder_js = fh.read()
    if self_test:
        schema["components"]["schemas"]["Event"]["enum"].append("no-such-event")
        bad_vocab = json.loads(json.dumps(vocab))
        bad_vocab["events"][1]["label"]["zh"] = "错"
        a = check(vocab, schema, ladder_js)
        b = check(bad_vocab, yaml.safe_load(open(os.path.join(repo, "schema", "openapi.yaml"))),
                  ladder_js)
        ok = any("no-such-event" in p for p in a) and (
            js_object(ladder_js, "EVENT_LABEL_ZH") is None or any("错" in p for p in b))
        print("self-test %s" % ("passed" if ok else "FAILED: %s / %s" % (a, b)))
        return 0 if ok else 1
    problems = check(vocab, schema, ladder_js)
    for p in problems:
        print("DIFF " + p)
    print("%d difference(s); %d kinds, %d rows" % (len(problems), len(vocab),
                                                   sum(len(v) for v in vocab.values())))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
