#!/bin/bash
# Regenerates the example captures in this directory, one per connection class.
#
#   sudo bash examples/make-examples.sh            # all of them
#   sudo bash examples/make-examples.sh NAME...    # only these (e.g. refused keepalive)
#
# (sh examples/make-examples.sh works too: it re-runs itself with bash.)
#
# Needs root, iproute2 (ip netns), tcpdump and Debian's /usr/bin/python3 with
# scapy (python3-scapy; only syn-then-fin uses it).  Takes about 40 seconds.
#
# Every kernel-made capture is real Linux TCP between two network namespaces:
#
#   tlex-c: c0 10.0.0.1 fd00::1  <-veth->  tlex-w: wc [wire.py] ws  <-veth->  tlex-s: s0 10.0.0.2 fd00::2
#
# wire.py forwards frames between wc and ws with a fixed delay per direction
# and can drop or hold chosen segments (it replaces netem and tc drop actions,
# which not every kernel has).  tcpdump runs inside tlex-c on c0 (the client's
# end of the wire), or inside tlex-s on s0 where noted, with the filter "tcp".
# Checksum offload is turned off on c0 and s0 so the captured checksums are the
# real ones.  All namespaces are removed on exit.
if [ -z "${BASH_VERSION:-}" ]; then
    exec bash "$0" "$@"
fi
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE}
PY=/usr/bin/python3
PEERS="$HERE/peers.py"
NS_C=tlex-c NS_W=tlex-w NS_S=tlex-s
MAC_C=02:00:00:00:00:01 MAC_S=02:00:00:00:00:02
MAC_WC=02:00:00:00:00:11 MAC_WS=02:00:00:00:00:12

if [ "$(id -u)" != 0 ]; then
    echo "make-examples.sh: must run as root (network namespaces)" >&2
    exit 2
fi
for tool in ip tcpdump timeout; do
    command -v "$tool" >/dev/null || { echo "make-examples.sh: $tool is missing" >&2; exit 2; }
done
[ -x "$PY" ] || { echo "make-examples.sh: $PY is missing" >&2; exit 2; }

TMP=$(mktemp -d)
FAILED=()

# Background jobs are tracked through the shell's own job table (jobs -pr), so
# only processes this script started are ever signalled.
running() {
    jobs -pr | grep -qx "$1"
}

# wait_pid PID SECONDS: wait for a background job, at most SECONDS, then kill it.
wait_pid() {
    local pid=$1 limit=$2 i
    for ((i = 0; i < limit * 20; i++)); do
        running "$pid" || break
        sleep 0.05
    done
    if running "$pid"; then
        echo "  process $pid still running after ${limit}s: killing it" >&2
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
}

cleanup() {
    local p
    for p in $(jobs -pr); do
        kill -TERM "$p" 2>/dev/null
    done
    for p in $(jobs -pr); do
        wait_pid "$p" 2
    done
    del_namespaces
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for FILE SECONDS: wait for a file to appear.
wait_for() {
    local file=$1 limit=$2 i
    for ((i = 0; i < limit * 20; i++)); do
        [ -e "$file" ] && return 0
        sleep 0.05
    done
    echo "  timed out waiting for $file" >&2
    return 1
}

del_namespaces() {
    local ns
    for ns in $NS_C $NS_W $NS_S; do
        ip netns del "$ns" 2>/dev/null
    done
}

# make_namespaces: three fresh namespaces, two veth pairs, static neighbours.
make_namespaces() {
    del_namespaces
    ip netns add $NS_C && ip netns add $NS_W && ip netns add $NS_S || return 1
    ip link add c0 netns $NS_C address $MAC_C type veth peer name wc netns $NS_W address $MAC_WC || return 1
    ip link add s0 netns $NS_S address $MAC_S type veth peer name ws netns $NS_W address $MAC_WS || return 1
    ip netns exec $NS_W sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip netns exec $NS_W sysctl -qw net.ipv6.conf.wc.disable_ipv6=1 net.ipv6.conf.ws.disable_ipv6=1
    ip -n $NS_C addr add 10.0.0.1/24 dev c0
    ip -n $NS_S addr add 10.0.0.2/24 dev s0
    ip -n $NS_C -6 addr add fd00::1/64 dev c0 nodad
    ip -n $NS_S -6 addr add fd00::2/64 dev s0 nodad
    ip -n $NS_C neigh add 10.0.0.2 lladdr $MAC_S dev c0 nud permanent
    ip -n $NS_S neigh add 10.0.0.1 lladdr $MAC_C dev s0 nud permanent
    ip -n $NS_C -6 neigh add fd00::2 lladdr $MAC_S dev c0 nud permanent
    ip -n $NS_S -6 neigh add fd00::1 lladdr $MAC_C dev s0 nud permanent
    local ns
    for ns in $NS_C $NS_W $NS_S; do
        ip -n "$ns" link set lo up
    done
    ip -n $NS_W link set wc up && ip -n $NS_W link set ws up
    ip -n $NS_C link set c0 up && ip -n $NS_S link set s0 up
    ip netns exec $NS_C $PY "$PEERS" offload c0
    ip netns exec $NS_S $PY "$PEERS" offload s0
    # Classic exponential SYN backoff (1 s, 2 s, ...) rather than linear.
    ip netns exec $NS_C sysctl -qw net.ipv4.tcp_syn_linear_timeouts=0 2>/dev/null
    return 0
}

# check_shape NAME WANT: compare the capture with the shape it was designed to
# have (tokens explained in shape.py).
check_shape() {
    local name=$1 want=$2 got
    got=$($PY "$HERE/shape.py" "$OUT/$name.pcap")
    if [ "$got" = "$want" ]; then
        echo "  ok   $name.pcap  $(echo "$got" | wc -w) packets: $got"
    else
        echo "  DIFF $name.pcap" >&2
        echo "       want: $want" >&2
        echo "       got:  $got" >&2
        FAILED+=("$name")
    fi
}

# start_capture PCAP DIR: tcpdump in $CAP_NS on $CAP_IF; returns once it listens.
start_capture() {
    local pcap=$1 dir=$2 i
    ip netns exec "$CAP_NS" tcpdump -i "$CAP_IF" -w "$pcap" -U --immediate-mode -nn -s 0 tcp \
        2>"$dir/tcpdump.err" &
    TD_PID=$!
    for ((i = 0; i < 100; i++)); do
        grep -q "listening on" "$dir/tcpdump.err" 2>/dev/null && break
        sleep 0.05
    done
    sleep 0.1
}

# stop_capture: SIGINT lets tcpdump write out everything it captured.
stop_capture() {
    kill -INT "$TD_PID" 2>/dev/null
    wait_pid "$TD_PID" 5
}

# run_kernel NAME WANT: run one scenario.  Settings come from variables that
# the caller sets for this scenario (defaults below):
#   DELAY_C2S, DELAY_S2C  wire delay in ms        RULES  wire.py --rule list
#   CAP_NS, CAP_IF        where tcpdump runs      SERVER 1 = start the server
#   C_SYSCTL, S_SYSCTL    sysctl settings         TAIL   seconds to keep
#   MIDSTREAM             1 = start the capture          capturing at the end
#                         only after the first exchange
run_kernel() {
    local name=$1 want=$2 dir="$TMP/$1" pcap="$OUT/$1.pcap"
    local wire_pid srv_pid cli_pid at rule wire_args=() rc=0
    echo "$name: kernel TCP"
    mkdir -p "$dir"
    rm -f "$pcap"
    make_namespaces || { echo "  could not create namespaces" >&2; FAILED+=("$name"); return; }
    # shellcheck disable=SC2086 # lists of settings, split on purpose
    [ -n "$C_SYSCTL" ] && ip netns exec $NS_C sysctl -qw $C_SYSCTL
    # shellcheck disable=SC2086
    [ -n "$S_SYSCTL" ] && ip netns exec $NS_S sysctl -qw $S_SYSCTL

    for rule in $RULES; do
        wire_args+=(--rule "$rule")
    done
    timeout 40 ip netns exec $NS_W $PY "$HERE/wire.py" --client-port wc --server-port ws \
        --delay-c2s "$DELAY_C2S" --delay-s2c "$DELAY_S2C" "${wire_args[@]}" \
        --ready "$dir/wire-ready" --seconds 30 &
    wire_pid=$!
    wait_for "$dir/wire-ready" 5 || rc=1

    # The instant at which simultaneous-open/-close act, 1 s from now.
    at=$($PY -c 'import time; print("%.6f" % (time.time() + 1.0))')
    if [ "$SERVER" = 1 ]; then
        timeout 20 ip netns exec $NS_S $PY "$PEERS" server "$name" --dir "$dir" --at "$at" &
        srv_pid=$!
        wait_for "$dir/server-ready" 5 || rc=1
    fi

    if [ "$MIDSTREAM" = 1 ]; then
        timeout 20 ip netns exec $NS_C $PY "$PEERS" client "$name" --dir "$dir" --at "$at" &
        cli_pid=$!
        wait_for "$dir/established" 10 || rc=1
        start_capture "$pcap" "$dir"
        touch "$dir/go"
        wait_for "$dir/done" 10 || rc=1
        sleep "$TAIL"
        stop_capture
        touch "$dir/stopped"
        wait_pid "$cli_pid" 10
    else
        start_capture "$pcap" "$dir"
        timeout 20 ip netns exec $NS_C $PY "$PEERS" client "$name" --dir "$dir" --at "$at" || rc=1
        [ "$SERVER" = 1 ] && wait_pid "$srv_pid" 10
        sleep "$TAIL"
        stop_capture
    fi
    [ "$SERVER" = 1 ] && wait_pid "$srv_pid" 10
    kill -TERM "$wire_pid" 2>/dev/null
    wait_pid "$wire_pid" 5
    del_namespaces
    if [ "$rc" != 0 ] || [ ! -s "$pcap" ]; then
        echo "  $name: a step failed" >&2
        FAILED+=("$name")
        return
    fi
    chown --reference="$OUT" "$pcap" 2>/dev/null
    check_shape "$name" "$want"
}

# defaults, reset before each scenario
defaults() {
    DELAY_C2S=5 DELAY_S2C=5 RULES="" CAP_NS=$NS_C CAP_IF=c0 SERVER=1
    C_SYSCTL="" S_SYSCTL="" TAIL=0.3 MIDSTREAM=0
}

scenario() {
    defaults
    case $1 in
    fourway-close)
        run_kernel "$1" "c:S s:S. c:. c:P./25 s:. s:P./25 c:. c:F. s:. s:F. c:." ;;
    three-segment-close)
        run_kernel "$1" "c:S s:S. c:. c:P./25 s:. s:P./25 c:. c:F. s:F. c:." ;;
    simultaneous-close)
        DELAY_C2S=20 DELAY_S2C=20
        run_kernel "$1" "c:S s:S. c:. c:P./25 s:. s:P./25 c:. c:F. s:F. c:. s:." ;;
    simultaneous-open)
        DELAY_C2S=20 DELAY_S2C=20
        run_kernel "$1" "c:S s:S c:S. s:S. c:. c:P./25 s:. s:. s:P./25 c:. c:F. s:F. c:." ;;
    refused)
        SERVER=0
        run_kernel "$1" "c:S s:R." ;;
    abort-by-client)
        run_kernel "$1" "c:S s:S. c:. c:P./25 s:. s:P./25 c:. c:R." ;;
    abort-by-server)
        run_kernel "$1" "c:S s:S. c:. c:P./25 s:. s:P./25 c:. s:R." ;;
    syn-unanswered)
        SERVER=0 RULES="c2s:syn:1:0:drop"
        run_kernel "$1" "c:S c:S c:S" ;;
    synack-unacknowledged)
        RULES="c2s:any:2:0:drop" CAP_NS=$NS_S CAP_IF=s0 S_SYSCTL="net.ipv4.tcp_synack_retries=2"
        run_kernel "$1" "c:S s:S. s:S. s:S." ;;
    half-close)
        run_kernel "$1" "c:S s:S. c:. c:P./25 s:. c:F. s:. s:P./21 c:. s:P./21 c:. s:P./21 c:. s:F. c:." ;;
    midstream)
        MIDSTREAM=1
        run_kernel "$1" "c:P./10 s:P./16 c:. c:P./10 s:P./16 c:." ;;
    port-reuse)
        run_kernel "$1" "c:S s:S. c:. c:P./25 s:. s:P./25 c:. s:F. c:F. s:. c:S s:S. c:. c:P./25 s:. s:P./25 c:. s:F. c:F. s:." ;;
    retransmission)
        RULES="c2s:data:2:1:drop"
        C_SYSCTL="net.ipv4.tcp_sack=0 net.ipv4.tcp_recovery=0 net.ipv4.tcp_early_retrans=0 net.ipv4.tcp_retrans_collapse=0"
        run_kernel "$1" "c:S s:S. c:. c:P./100 c:P./100 c:P./100 c:P./100 s:. s:. s:. c:P./100 s:. c:F. s:F. c:." ;;
    zero-window)
        S_SYSCTL="net.ipv4.tcp_invalid_ratelimit=0"
        run_kernel "$1" "c:S s:S. c:. c:./724 c:P./724 s:. s:./w0 c:./ka s:./w0 c:./ka s:./w0 s:. c:P./724 s:./w0 s:. s:P./3 c:. c:F. s:F. c:." ;;
    keepalive)
        run_kernel "$1" "c:S s:S. c:. c:P./25 s:. s:P./25 c:. c:./ka s:. c:./ka s:. c:F. s:F. c:." ;;
    ipv6)
        run_kernel "$1" "c:S s:S. c:. c:P./25 s:. s:P./25 c:. c:F. s:F. c:." ;;
    syn-then-fin)
        echo "$1: crafted with scapy"
        rm -f "$OUT/$1.pcap"
        if $PY "$HERE/craft.py" syn-then-fin "$OUT/$1.pcap"; then
            chown --reference="$OUT" "$OUT/$1.pcap" 2>/dev/null
            check_shape "$1" "c:S c:F"
        else
            FAILED+=("$1")
        fi ;;
    *)
        echo "unknown example: $1" >&2
        FAILED+=("$1") ;;
    esac
}

ALL=(fourway-close three-segment-close simultaneous-close simultaneous-open refused
    abort-by-client abort-by-server syn-unanswered synack-unacknowledged half-close midstream
    syn-then-fin port-reuse retransmission zero-window keepalive ipv6)

START=$SECONDS
if [ $# -gt 0 ]; then
    NAMES=("$@")
else
    NAMES=("${ALL[@]}")
fi
for name in "${NAMES[@]}"; do
    scenario "$name"
done
echo "done in $((SECONDS - START)) s"
if [ ${#FAILED[@]} -gt 0 ]; then
    echo "not as expected: ${FAILED[*]}" >&2
    exit 1
fi
