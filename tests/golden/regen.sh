#!/usr/bin/env bash
# regen.sh - (re)generate the golden expectation files from the ORACLES
# (tshark and tcpdump), never from tcplens output.
#
#   tests/golden/regen.sh [CASE...]        regenerate the given cases (default: all in TESTLIST)
#   tests/golden/regen.sh --import [CORPUS] create the case directories from the shared corpus
#                                           (default ../shared/corpus beside the repository), write TESTLIST, then
#                                           regenerate every case
#
# Per case directory:
#   capture.pcap|capture.pcapng  the capture (copied from the corpus)
#   SOURCE          provenance (kept) + how each expectation file was produced (rewritten)
#   tshark.jsonl    python3 $ORACLE_DIR/tshark_oracle.py capture.*
#   tcpdump.txt     exact stdout of: TZ=UTC tcpdump -nn -v -r capture.* FILTER
#   tcpdump.stderr  its stderr (when non-empty)
#   tcpdump.frames  frame number of each packet of tcpdump.txt (same command with -#)
#   TCPDUMP_FILTER  optional: the BPF FILTER when plain "tcp" misses TCP packets
#                   (VLAN tags, IPv6 extension headers, 6in4); default "tcp"
#   EXPECT_EXIT     optional: tcplens must exit with this status (libpcap cannot read the file)
#   TCPDUMP_REFUSES optional, hand-written: tcpdump cannot read the file, tshark can; the tcpdump
#                   text is not compared (check_golden.py)
#   EXCEPTIONS      optional, hand-written: known oracle disagreements (see README.md)
# Needs tshark 4.0.x and tcpdump 4.99.x (the versions are recorded in SOURCE).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED_DIR=${SHARED_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
ORACLE_DIR=${ORACLE_DIR:-$SHARED_DIR/oracle}
TSHARK_ORACLE="$ORACLE_DIR/tshark_oracle.py"
# as SOURCE names it: relative to the checkout's parent, never this machine's absolute path
TSHARK_ORACLE_SHOWN=${TSHARK_ORACLE/#"$(dirname "$SHARED_DIR")"\//../}
SEP='--- expectations (written by regen.sh; everything below this line is regenerated) ---'

case_name() { # corpus-relative path -> case name
    local p=${1%.pcapng}; p=${p%.pcap}
    case "$p" in
        seed-telnet) echo seed_telnet ;;
        crafted/*) echo "${p#crafted/}" ;;
        *) echo "${p//\//_}" ;;
    esac
}

import_corpus() {
    local corpus=$1 rel name ext dir row
    : >"$HERE/TESTLIST.new"
    while IFS= read -r rel; do
        name=$(case_name "$rel")
        ext=${rel##*.}
        dir="$HERE/$name"
        mkdir -p "$dir"
        cp "$corpus/$rel" "$dir/capture.$ext"
        chmod 644 "$dir/capture.$ext"
        if [ "$rel" = seed-telnet.pcap ]; then
            row=$(grep -F -- '- `seed-telnet.pcap`' "$corpus/README.md")
        else
            row=$(grep -F -- "| \`$rel\` |" "$corpus/README.md" || grep -F -- "| \`$(basename "$rel")\` |" "$corpus/README.md")
        fi
        {
            echo "case: $name"
            echo "capture: capture.$ext = $corpus/$rel (sha256 $(sha256sum "$dir/capture.$ext" | cut -d' ' -f1))"
            echo "provenance (line from $corpus/README.md):"
            echo "  $row"
            echo
            echo "$SEP"
        } >"$dir/SOURCE"
        echo "$name" >>"$HERE/TESTLIST.new"
    done < <(cd "$corpus" && { echo seed-telnet.pcap; find crafted tcpdump zeek -type f \( -name '*.pcap' -o -name '*.pcapng' \) | LC_ALL=C sort; })
    mv "$HERE/TESTLIST.new" "$HERE/TESTLIST"
    cp "$corpus/crafted/crafted_expectations.json" "$HERE/crafted_expectations.json"
    chmod 644 "$HERE/crafted_expectations.json"
}

regen_case() {
    local dir="$HERE/$1" cap filter rc tsv tdv
    cap=
    for f in capture.pcap capture.pcapng; do [ -f "$dir/$f" ] && cap=$f; done
    [ -n "$cap" ] || { echo "regen.sh: $1: no capture file" >&2; return 1; }
    filter=tcp
    [ -f "$dir/TCPDUMP_FILTER" ] && filter=$(cat "$dir/TCPDUMP_FILTER")
    (cd "$dir" && python3 "$TSHARK_ORACLE" "$cap" >tshark.jsonl) || true
    rc=0
    (cd "$dir" && TZ=UTC tcpdump -nn -v -r "$cap" "$filter" >tcpdump.txt 2>tcpdump.stderr) || rc=$?
    # tcpdump -# numbers only the packets that pass the filter: number the
    # packets without a filter and find the filtered ones among them, in order
    (cd "$dir" && TZ=UTC tcpdump -# -nn -v -r "$cap" >tcpdump.all 2>/dev/null) || true
    python3 - "$dir/tcpdump.txt" "$dir/tcpdump.all" >"$dir/tcpdump.frames" <<'PY'
import re, sys
TS = re.compile(r"^\d\d:\d\d:\d\d\.\d+ ")
NUM = re.compile(r"^ *(\d+)  (\d\d:\d\d:\d\d\.\d+ .*)$")
def packets(lines, numbered):
    out = []
    for line in lines:
        m = NUM.match(line) if numbered else (TS.match(line) and (None, line))
        if m:
            out.append([int(m.group(1)) if numbered else None, [m.group(2) if numbered else line]])
        elif out:
            out[-1][1].append(line)
    return out
read = lambda p: open(p, encoding="utf-8", errors="surrogateescape").read().splitlines()
want = packets(read(sys.argv[1]), False)
have = packets(read(sys.argv[2]), True)
j = 0
for _, text in want:
    while j < len(have) and have[j][1] != text:
        j += 1
    if j == len(have):
        sys.exit("regen.sh: cannot number the packets of " + sys.argv[1])
    print(have[j][0])
    j += 1
PY
    rm -f "$dir/tcpdump.all"
    [ -s "$dir/tcpdump.stderr" ] || rm -f "$dir/tcpdump.stderr"
    if [ "$(grep -c '^[0-9][0-9]:[0-9][0-9]:' "$dir/tcpdump.txt" || true)" != "$(wc -l <"$dir/tcpdump.frames")" ]; then
        echo "regen.sh: $1: tcpdump.frames does not line up with tcpdump.txt" >&2; return 1
    fi
    tsv=$(tshark --version 2>/dev/null | head -1)
    tdv=$(tcpdump --version 2>&1 | head -2 | tr '\n' ';' | sed 's/;$//; s/;/; /g')
    sed -i "/^$SEP\$/q" "$dir/SOURCE"
    grep -qxF -- "$SEP" "$dir/SOURCE" || echo "$SEP" >>"$dir/SOURCE"
    {
        echo "generated by tests/golden/regen.sh, in the case directory"
        echo "tshark.jsonl: python3 $TSHARK_ORACLE_SHOWN $cap > tshark.jsonl"
        echo "  oracle: $TSHARK_ORACLE_SHOWN (sha256 $(sha256sum "$TSHARK_ORACLE" | cut -d' ' -f1)); $tsv"
        echo "tcpdump.txt: TZ=UTC tcpdump -nn -v -r $cap '$filter' > tcpdump.txt 2> tcpdump.stderr   (exit status $rc)"
        echo "  $tdv"
        echo "tcpdump.frames: frame number of each packet of tcpdump.txt, found in TZ=UTC tcpdump -# -nn -v -r $cap (no filter)"
        [ "$filter" = tcp ] || echo "  filter from TCPDUMP_FILTER: plain 'tcp' does not match every TCP packet of this file"
        [ -f "$dir/EXPECT_EXIT" ] && echo "EXPECT_EXIT: libpcap (tcpdump) cannot read this file; tcplens must exit $(cat "$dir/EXPECT_EXIT") with a message on stderr (reference: tcpdump.stderr)"
        [ -f "$dir/EXCEPTIONS" ] && echo "EXCEPTIONS: hand-written, known oracle disagreements (oracle/README.md section 5)"
        true
    } >>"$dir/SOURCE"
    echo "regenerated $1"
}

if [ "${1:-}" = --import ]; then
    import_corpus "${2:-$SHARED_DIR/corpus}"
    set --
fi
if [ $# -eq 0 ]; then
    mapfile -t cases < <(grep -v '^\s*\(#\|$\)' "$HERE/TESTLIST")
    set -- "${cases[@]}"
fi
for c in "$@"; do regen_case "$c"; done
