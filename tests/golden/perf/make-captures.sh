#!/bin/bash
# Makes the captures of the perf golden cases (tests/golden/perf_*): real Linux TCP between
# two network namespaces through examples/wire.py (a forwarding "wire" with delay and
# targeted drops), captured with tcpdump; the *_gaps cases are the same captures with
# frames cut out afterwards (tests/golden/perf/cut.py), as a capture that dropped them.
# Expectations then come from tshark and tcpdump: tests/golden/regen.sh perf_...
#
#   sudo bash tests/golden/perf/make-captures.sh      (root: network namespaces)
#
# Namespaces: tlpf-c (c0 10.0.0.1) <-veth-> tlpf-w (wc [wire.py] ws) <-veth-> tlpf-s (s0 10.0.0.2)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
GOLDEN=$(cd "$HERE/.." && pwd)
EX=$(cd "$HERE/../../../examples" && pwd)
PY=/usr/bin/python3
NS_C=tlpf-c NS_W=tlpf-w NS_S=tlpf-s
TMP=$(mktemp -d)

del_ns() { for ns in $NS_C $NS_W $NS_S; do ip netns del $ns 2>/dev/null; done; }
cleanup() {
    local p
    for p in $(jobs -pr); do kill -TERM "$p" 2>/dev/null; done
    wait 2>/dev/null
    del_ns
    rm -rf "$TMP"
}
trap cleanup EXIT

wait_for() { local i; for ((i = 0; i < $2 * 20; i++)); do [ -e "$1" ] && return 0; sleep 0.05; done; return 1; }

make_ns() {
    del_ns
    ip netns add $NS_C && ip netns add $NS_W && ip netns add $NS_S || return 1
    ip link add c0 netns $NS_C address 02:00:00:00:00:01 type veth peer name wc netns $NS_W address 02:00:00:00:00:11
    ip link add s0 netns $NS_S address 02:00:00:00:00:02 type veth peer name ws netns $NS_W address 02:00:00:00:00:12
    ip -n $NS_C addr add 10.0.0.1/24 dev c0
    ip -n $NS_S addr add 10.0.0.2/24 dev s0
    ip -n $NS_C neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev c0 nud permanent
    ip -n $NS_S neigh add 10.0.0.1 lladdr 02:00:00:00:00:01 dev s0 nud permanent
    for ns in $NS_C $NS_W $NS_S; do ip -n $ns link set lo up; done
    ip -n $NS_W link set wc up && ip -n $NS_W link set ws up
    ip -n $NS_C link set c0 up && ip -n $NS_S link set s0 up
    ip netns exec $NS_C $PY "$EX/peers.py" offload c0
    ip netns exec $NS_S $PY "$EX/peers.py" offload s0
}

# run NAME SCENARIO CAPNS CAPIF DELAY RULE...: one capture into $TMP/NAME.pcap
run() {
    local name=$1 scen=$2 capns=$3 capif=$4 delay=$5 dir="$TMP/$1" r args=()
    shift 5
    for r in "$@"; do args+=(--rule "$r"); done
    mkdir -p "$dir"
    make_ns || return 1
    ip netns exec $NS_W $PY "$EX/wire.py" --client-port wc --server-port ws --delay-c2s "$delay" \
        --delay-s2c "$delay" "${args[@]}" --ready "$dir/wire-ready" --seconds 60 &
    local wire=$!
    wait_for "$dir/wire-ready" 5 || return 1
    ip netns exec "$capns" tcpdump -i "$capif" -w "$TMP/$name.pcap" -U --immediate-mode -nn -s 0 tcp \
        2>"$dir/tcpdump.err" &
    local td=$!
    sleep 1
    timeout 50 ip netns exec $NS_S $PY "$HERE/perf_peers.py" server "$scen" --dir "$dir" &
    local srv=$!
    wait_for "$dir/server-ready" 5 || return 1
    timeout 50 ip netns exec $NS_C $PY "$HERE/perf_peers.py" client "$scen" --dir "$dir"
    wait $srv
    sleep 0.5
    kill -INT $td; wait $td
    kill -TERM $wire; wait $wire
    del_ns
    echo "$name: $(tcpdump -r "$TMP/$name.pcap" 2>/dev/null | wc -l) packets"
}

# place NAME [CUT ARGS...]: the case directory's capture, with frames cut when asked
place() {
    local name=$1 src=$2
    shift 2
    mkdir -p "$GOLDEN/$name"
    $PY "$HERE/cut.py" "$TMP/$src.pcap" "$GOLDEN/$name/capture.pcap" "$@"
    chmod 644 "$GOLDEN/$name/capture.pcap"
    {
        echo "case: $name"
        echo "capture: capture.pcap, made by tests/golden/perf/make-captures.sh (scenario $src${*:+, then cut.py $*})"
        echo "  (sha256 $(sha256sum "$GOLDEN/$name/capture.pcap" | cut -d' ' -f1))"
        echo
        echo '--- expectations (written by regen.sh; everything below this line is regenerated) ---'
    } >"$GOLDEN/$name/SOURCE"
}

# bulk upload through a wire that drops single data segments and a pair: SACK recovery
run bulk bulk $NS_C c0 10 c2s:data:40:1:drop c2s:data:120:2:drop c2s:data:200:1:drop s2c:ack:60:3:drop || exit 1
# request/response rounds captured at the server: a held request (the client's timeout
# retransmits it first), a dropped answer segment (the server's timeout), a held ACK
run rto rto $NS_S s0 10 c2s:data:3:1:delay=700 s2c:data:9:1:drop s2c:ack:12:1:delay=500 || exit 1
# a slow reader with a small receive buffer
run zerowin zerowin $NS_C c0 5 || exit 1
# a long dialogue
run chatty chatty $NS_C c0 2 || exit 1

place perf_bulk_sack bulk
place perf_rto_spurious rto
place perf_zero_window zerowin
place perf_bulk_gaps bulk --every 23 --from 5 --drop 300-340
place perf_chatty_gaps chatty --every 37 --from 3 --drop 500-520
echo "now: tests/golden/regen.sh perf_bulk_sack perf_rto_spurious perf_zero_window perf_bulk_gaps perf_chatty_gaps"
