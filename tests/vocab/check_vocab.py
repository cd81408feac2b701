#!/usr/bin/env python3
"""check_vocab.py - the vocabulary (track/vocab.c, printed by `tcplens vocabulary`) is the one
source of every name: schema/openapi.yaml's enums must agree with it, and the dashboard must
not keep a copy of its words (web/*.js take them from GET /api/v1/vocabulary through
web/vocab.js): no label or meaning of the vocabulary may appear as a string literal there.

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


def distinctive(words):
    """Words that can only be a copy: a sentence, a label with a space or a bracket, or
    Chinese of three characters or more (short names like SYN or S0 are also code)."""
    if len(words) >= 12:
        return True
    if any(ord(c) > 0x2e80 for c in words):
        return len(words) >= 3
    return " " in words or "(" in words


def check(vocab, schema, web_js):
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
    for path, text in web_js.items():
        literals = set(m.group(2) for m in re.finditer(r"(['\"`])((?:(?!\1)[^\\\n])+)\1", text))
        for kind, rows in vocab.items():
            for r in rows:
                for lang in ("en", "zh"):
                    for what in ("label", "meaning"):
                        words = r[what].get(lang) or ""
                        if distinctive(words) and words != r["name"] and words in literals:
                            problems.append("%s copies the vocabulary's %s %s of %s %s: %r"
                                            % (path, lang, what, kind, r["name"], words))
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
    web_js = {}
    web = os.path.join(repo, "web")
    for name in sorted(os.listdir(web)):
        if name.endswith(".js"):
            with open(os.path.join(web, name), encoding="utf-8") as fh:
                web_js["web/" + name] = fh.read()
    if self_test:
        schema["components"]["schemas"]["Event"]["enum"].append("no-such-event")
        bad_vocab = json.loads(json.dumps(vocab))
        bad_vocab["events"][1]["label"]["zh"] = "错"
        a = check(vocab, schema, web_js)
        copied = dict(web_js)
        copied["web/copy.js"] = "const L = { 'fin-ack-piggybacked': '%s' };" % (
            [r for r in vocab["events"] if r["name"] == "fin-ack-piggybacked"][0]["label"]["zh"])
        b = check(vocab, yaml.safe_load(open(os.path.join(repo, "schema", "openapi.yaml"))),
                  copied)
        ok = any("no-such-event" in p for p in a) and any("web/copy.js" in p for p in b)
        print("self-test %s" % ("passed" if ok else "FAILED: %s / %s" % (a, b)))
        return 0 if ok else 1
    problems = check(vocab, schema, web_js)
    for p in problems:
        print("DIFF " + p)
    print("%d difference(s); %d kinds, %d rows" % (len(problems), len(vocab),
                                                   sum(len(v) for v in vocab.values())))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
