#!/bin/sh
# bench/run.sh - times tcplens against tshark, tcpdump and the libpcap floor on one capture.
#
# Usage: sh bench/run.sh [--flows]
#   (default)  one synthetic capture (and the same wrapped in VXLAN), the tools, a Markdown
#              table on stdout
#   --flows    peak RSS of `tcplens decode --no-timeline` against the number of flows
#
# The capture comes from tl_gen_capture and is cached in $BENCH_DIR (reused when present;
# delete the directory after changing the generator). No network use. Environment:
#   BIN (build/bin)  TCPLENS, TL_FLOOR, TL_GEN (binaries, default from BIN)
#   BENCH_DIR (build/bench)  PACKETS (1000000)  CONNECTIONS (100000)  RUNS (3)
#   FLOW_PACKETS (PACKETS)  FLOW_CONNS ("10000 100000 300000")  FLOW_RUNS (1)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/build/bin}
TCPLENS=${TCPLENS:-$BIN/tcplens}
TL_FLOOR=${TL_FLOOR:-$BIN/tl_floor}
TL_GEN=${TL_GEN:-$BIN/tl_gen_capture}
BENCH_DIR=${BENCH_DIR:-$ROOT/build/bench}
PACKETS=${PACKETS:-1000000}
CONNECTIONS=${CONNECTIONS:-100000}
RUNS=${RUNS:-3}
FLOW_PACKETS=${FLOW_PACKETS:-$PACKETS}
FLOW_CONNS=${FLOW_CONNS:-"10000 100000 300000"}
FLOW_RUNS=${FLOW_RUNS:-1}
GNU_TIME=/usr/bin/time
GEN_VERSION=1 # bump when tl_gen_capture's output changes, so stale caches are not reused

mode=table
case "${1:-}" in
    "") ;;
    --flows) mode=flows ;;
    -h | --help)
        sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "run.sh: unknown argument '$1' (try --help)" >&2
        exit 2
        ;;
esac

if ! "$GNU_TIME" -f '%e' true >/dev/null 2>&1; then
    echo "run.sh: GNU time not found at $GNU_TIME: install the 'time' package" \
        "(sh scripts/install-deps.sh test)" >&2
    exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tl_bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

# capture P C: prints the path of the cached capture of P packets and C connections,
# generating it on first use, and reads it once so it sits in the page cache.
capture() {
    cap="$BENCH_DIR/capture-v$GEN_VERSION-p$1-c$2${3:+-vxlan$3}.pcap"
    if [ ! -s "$cap" ]; then
        if [ ! -x "$TL_GEN" ]; then
            echo "run.sh: $TL_GEN not found: build first (make bench)" >&2
            return 1
        fi
        mkdir -p "$BENCH_DIR"
        echo "run.sh: generating $cap" >&2
        "$TL_GEN" -p "$1" -c "$2" ${3:+-x "$3"} -o "$cap.tmp" 2>"$cap.log" || {
            cat "$cap.log" >&2
            return 1
        }
        mv "$cap.tmp" "$cap"
    fi
    cat "$cap" >/dev/null
    echo "$cap"
}

# run_timed OUT CMD...: runs CMD once with stdout to OUT under GNU time. Sets T_SECS (wall
# seconds from a nanosecond clock, since %e has only two decimals) and T_KIB (peak RSS, %M).
# Returns non-zero when CMD fails; its stderr is kept in $TMP/stderr.
run_timed() {
    rt_out=$1
    shift
    rt_t0=$(date +%s%N)
    if ! "$GNU_TIME" -f '%e %M' -o "$TMP/time" "$@" >"$rt_out" 2>"$TMP/stderr"; then
        return 1
    fi
    rt_t1=$(date +%s%N)
    T_SECS=$(awk -v a="$rt_t0" -v b="$rt_t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    T_KIB=$(tail -n 1 "$TMP/time" | awk '{ print $2 }')
}

# best_of N OUT CMD...: N runs; sets B_SECS and B_KIB from the fastest, or B_FAIL to a reason.
best_of() {
    bo_n=$1
    bo_out=$2
    shift 2
    B_SECS=""
    B_KIB=""
    B_FAIL=""
    bo_i=0
    while [ "$bo_i" -lt "$bo_n" ]; do
        if ! run_timed "$bo_out" "$@"; then
            B_FAIL="failed: $(head -c 200 "$TMP/stderr" | tr '\n|' '  ')"
            return 0
        fi
        if [ -z "$B_SECS" ] || awk -v a="$T_SECS" -v b="$B_SECS" 'BEGIN { exit !(a < b) }'; then
            B_SECS=$T_SECS
            B_KIB=$T_KIB
        fi
        bo_i=$((bo_i + 1))
    done
}

# have PATH: true when the tool can be run.
have() {
    case "$1" in
        */*) [ -x "$1" ] ;;
        *) command -v "$1" >/dev/null 2>&1 ;;
    esac
}

# floor_field KEY FILE: a key=value field of tl_floor's output line.
floor_field() {
    tr ' ' '\n' <"$2" | sed -n "s/^$1=//p"
}

# ROWS collects "label|runs|seconds|kib|note" lines for the table.
bench_tool() {
    bt_label=$1
    bt_runs=$2
    bt_exe=$3
    shift 3
    if ! have "$bt_exe"; then
        echo "$bt_label|$bt_runs|||skipped: $bt_exe not found" >>"$TMP/rows"
        return 0
    fi
    echo "run.sh: $bt_label ($bt_runs run(s))" >&2
    best_of "$bt_runs" /dev/null "$@"
    echo "$bt_label|$bt_runs|$B_SECS|$B_KIB|$B_FAIL" >>"$TMP/rows"
}

table_mode() {
    f=$(capture "$PACKETS" "$CONNECTIONS") || exit 1
    packets=$PACKETS
    flows="?"
    : >"$TMP/rows"
    if have "$TL_FLOOR"; then
        echo "run.sh: tl_floor ($RUNS run(s))" >&2
        best_of "$RUNS" "$TMP/floor.out" "$TL_FLOOR" "$f"
        if [ -z "$B_FAIL" ]; then
            packets=$(floor_field packets "$TMP/floor.out")
            flows=$(floor_field flows "$TMP/floor.out")
        fi
        floor_row="tl_floor (libpcap loop + 5-tuple table)|$RUNS|$B_SECS|$B_KIB|$B_FAIL"
    else
        floor_row="tl_floor (libpcap loop + 5-tuple table)|$RUNS|||skipped: $TL_FLOOR not found"
    fi
    bench_tool "tcplens decode --no-timeline" "$RUNS" "$TCPLENS" \
        "$TCPLENS" decode --no-timeline "$f"
    bench_tool "tcplens decode --format tcpdump" "$RUNS" "$TCPLENS" \
        "$TCPLENS" decode --format tcpdump "$f"
    # the same packets, each inside VXLAN (issue 13: within 15 % of the plain capture)
    fx=$(capture "$PACKETS" "$CONNECTIONS" 4242) || exit 1
    bench_tool "tcplens decode --no-timeline, the same packets in VXLAN" "$RUNS" "$TCPLENS" \
        "$TCPLENS" decode --no-timeline "$fx"
    bench_tool "tshark -T fields (tcp.stream, tcp.flags, tcp.seq)" 1 tshark \
        tshark -n -r "$f" -T fields -e tcp.stream -e tcp.flags -e tcp.seq
    bench_tool "tcpdump -nn -v" "$RUNS" tcpdump tcpdump -nn -v -r "$f"
    echo "$floor_row" >>"$TMP/rows"

    size=$(wc -c <"$f")
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
    echo "Capture: \`$f\` ($packets packets, $flows flows, $((size / 1048576)) MiB)."
    echo "Machine: ${cpu:-unknown CPU}, $(nproc) cores. Best of $RUNS runs (tshark: 1)."
    echo
    awk -F'|' -v packets="$packets" '
        { label[NR] = $1; secs[NR] = $3; kib[NR] = $4; note[NR] = $5 }
        NR == 1 && $3 != "" && $5 == "" { base = $3 }
        END {
            print "| tool | packets | seconds | packets/s | peak RSS MiB | time vs tcplens |"
            print "|---|---:|---:|---:|---:|---:|"
            for (i = 1; i <= NR; i++) {
                if (note[i] != "") {
                    printf "| %s | %s | %s | | | |\n", label[i], packets, note[i]
                    continue
                }
                ratio = base > 0 ? sprintf("%.2fx", secs[i] / base) : "n/a"
                pps = secs[i] > 0 ? sprintf("%.0f", packets / secs[i]) : "n/a"
                printf "| %s | %s | %.3f | %s | %.1f | %s |\n", label[i], packets, secs[i], pps,
                    kib[i] / 1024, ratio
            }
        }' "$TMP/rows"
}

flows_mode() {
    have "$TL_FLOOR" || {
        echo "run.sh: $TL_FLOOR not found: build first (make bench)" >&2
        exit 1
    }
    : >"$TMP/points"
    for c in $FLOW_CONNS; do
        f=$(capture "$FLOW_PACKETS" "$c") || exit 1
        best_of 1 "$TMP/floor.out" "$TL_FLOOR" "$f"
        [ -z "$B_FAIL" ] || {
            echo "run.sh: tl_floor $B_FAIL" >&2
            exit 1
        }
        flows=$(floor_field flows "$TMP/floor.out")
        floor_kib=$B_KIB
        tl_secs=""
        tl_kib=""
        if have "$TCPLENS"; then
            echo "run.sh: tcplens on $c connections ($FLOW_RUNS run(s))" >&2
            best_of "$FLOW_RUNS" /dev/null "$TCPLENS" decode --no-timeline "$f"
            if [ -n "$B_FAIL" ]; then
                echo "run.sh: tcplens $B_FAIL" >&2
            else
                tl_secs=$B_SECS
                tl_kib=$B_KIB
            fi
        fi
        echo "$c $flows $floor_kib ${tl_kib:--} ${tl_secs:--}" >>"$TMP/points"
    done

    have "$TCPLENS" || echo "Note: $TCPLENS not found; only tl_floor was measured."
    echo "Peak RSS against live flows, $FLOW_PACKETS packets per capture."
    echo
    awk '
        function slope(xs, ys, n,    i, mx, my, sxx, sxy) {
            if (n < 2) return "n/a"
            for (i = 1; i <= n; i++) { mx += xs[i]; my += ys[i] }
            mx /= n; my /= n
            for (i = 1; i <= n; i++) { sxx += (xs[i] - mx) ^ 2; sxy += (xs[i] - mx) * (ys[i] - my) }
            return sxx > 0 ? sprintf("%.0f", sxy / sxx) : "n/a"
        }
        BEGIN {
            print "| connections | flows | tcplens peak RSS MiB | tcplens seconds | tl_floor peak RSS MiB |"
            print "|---:|---:|---:|---:|---:|"
        }
        {
            tl = $4 == "-" ? "-" : sprintf("%.1f", $4 / 1024)
            printf "| %s | %s | %s | %s | %.1f |\n", $1, $2, tl, $5, $3 / 1024
            fx[++nf] = $2; fy[nf] = $3 * 1024
            if ($4 != "-") { tx[++nt] = $2; ty[nt] = $4 * 1024 }
        }
        END {
            print ""
            print "Bytes per flow (least-squares slope of peak RSS over flows): tcplens " \
                slope(tx, ty, nt) ", tl_floor " slope(fx, fy, nf) "."
        }' "$TMP/points"
}

if [ "$mode" = flows ]; then
    flows_mode
else
    table_mode
fi
