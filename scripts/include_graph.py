#!/usr/bin/env python3
"""include_graph.py - the project's floors and the #include edges between them.

Usage:
    include_graph.py [--rev REV] [--dot] [--check]

Floors, lowest first: decoder (bytes -> packets), track (packets -> flows and verdicts),
render (values -> JSON, text, words), then server and cli, which nothing includes. A file may
include headers of its own floor and of lower floors only; the decoder's private headers
(decoder/*.h, outside decoder/include/) are for the decoder alone.

Prints the number of edges per (from floor, to floor) pair; --dot prints a Graphviz graph of
the floors; --check exits 1 on a back edge or a private header used from outside. --rev reads
the tree at a git revision instead of the working tree, placing each file on the floor its
name has today (to draw the graph of an older layout).
"""
import collections
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLOORS = ["decoder", "track", "render", "server", "cli"]
RANK = {"decoder": 0, "track": 1, "render": 2, "server": 3, "cli": 3}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def tree_files(rev):
    if rev:
        out = subprocess.run(["git", "-C", ROOT, "ls-tree", "-r", "--name-only", rev],
                             check=True, capture_output=True, text=True).stdout.split()
    else:
        out = subprocess.run(["git", "-C", ROOT, "ls-files", "--cached", "--others",
                              "--exclude-standard"], check=True, capture_output=True,
                             text=True).stdout.split()
    return [p for p in out if p.endswith((".c", ".h")) and p.split("/")[0] in FLOORS]


def read(rev, path):
    if rev:
        return subprocess.run(["git", "-C", ROOT, "show", "%s:%s" % (rev, path)], check=True,
                              capture_output=True, text=True).stdout
    with open(os.path.join(ROOT, path), encoding="utf-8", errors="replace") as fh:
        return fh.read()


def main(argv):
    rev = None
    dot = check = False
    args = list(argv[1:])
    while args:
        a = args.pop(0)
        if a == "--rev":
            rev = args.pop(0)
        elif a == "--dot":
            dot = True
        elif a == "--check":
            check = True
        else:
            print(__doc__, file=sys.stderr)
            return 2
    now = tree_files(None)
    floor_of_name = {}          # header base name -> floor, as the tree is laid out today
    floor_of_file = {}          # any file's base name -> floor (for --rev)
    private = set()
    for p in now:
        parts = p.split("/")
        floor_of_file[parts[-1]] = parts[0]
        if p.endswith(".h"):
            floor_of_name[parts[-1]] = parts[0]
            if parts[0] == "decoder" and "include" not in parts:
                private.add(parts[-1])
    files = tree_files(rev) if rev else now
    edges = collections.Counter()
    problems = []
    for p in files:
        base = os.path.basename(p)
        src_floor = floor_of_file.get(base, p.split("/")[0]) if rev else p.split("/")[0]
        for inc in INCLUDE.findall(read(rev, p)):
            to = floor_of_name.get(os.path.basename(inc))
            if not to:
                continue            # generated or test-only headers
            edges[(src_floor, to)] += 1
            if RANK[to] > RANK[src_floor] or (RANK[to] == RANK[src_floor] and to != src_floor):
                problems.append("%s (%s) includes %s (%s): a lower floor reaches up"
                                % (p, src_floor, inc, to))
            if os.path.basename(inc) in private and src_floor != "decoder":
                problems.append("%s includes the decoder's private %s" % (p, inc))
    if dot:
        print("digraph floors {")
        for (a, b), n in sorted(edges.items()):
            if a != b:
                print('  %s -> %s [label="%d"];' % (a, b, n))
        print("}")
    else:
        for (a, b), n in sorted(edges.items(), key=lambda e: (RANK[e[0][0]], RANK[e[0][1]])):
            print("%-8s -> %-8s %4d" % (a, b, n))
        for msg in problems:
            print("BACK EDGE " + msg)
        print("%d back edge(s)" % len(problems))
    return 1 if check and problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
