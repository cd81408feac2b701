#!/bin/sh
# bench/service.sh - end-to-end benchmark of tcplensd: uploads, then queries on >= 1M flows.
#
# Usage: sh bench/service.sh [--ingest | --queries | --load | --scale]   (default: the first
#        two; Markdown on stdout)
#   --ingest   upload the 1M- and the 2M-packet synthetic captures, each to a fresh server:
#              seconds, packets/s end to end, server CPU and peak RSS
#   --queries  a database of QUERY_UPLOADS x the 1M-packet capture (cached), then wrk on
#              /healthz, /api/v1/flows filters and /api/v1/flows/{id}
#   --load     wrk on GET /api/v1/flows?limit=100 idle (the anchor), while 8 uploads of the
#              1M-packet capture run, and with 300 slow clients connected as well
#   --scale    the targets at scale, one table: flow list and flow p99 on SCALE_COPIES x 100k
#              flows (SQLite, then PostgreSQL 15 if installed; built from one upload by
#              bench/scale_db.py, cached), the first timeline page of a 1M-packet connection,
#              and the server's peak RSS during a ~1 GB upload
#
# Servers listen on 127.0.0.1 only, on a free port in PORT_MIN-PORT_MAX; every wait is bounded.
# Needs curl, python3 and, for --queries and --scale, wrk (`apt-get install wrk`). Environment:
#   BIN (build/bin)  TCPLENSD, TL_GEN (binaries, default from BIN)  BENCH_DIR (build/bench)
#   PACKETS (1000000)  CONNECTIONS (100000)  PACKETS2 (2000000)  CONNECTIONS2 (200000)
#   QUERY_PACKETS (PACKETS)  QUERY_CONNECTIONS (CONNECTIONS)  QUERY_UPLOADS (10)  REBUILD_DB (0)
#   WRK_THREADS (2)  WRK_CONNS (16)  WRK_DURATION (10s)  PORT_MIN (30000)  PORT_MAX (39999)
#   UPLOAD_TIMEOUT (900 s per upload)  SERVER_ARGS (extra tcplensd flags, e.g. "--threads 4")
#   --scale: SCALE_COPIES (100)  SCALE_LONG_PACKETS (1000000)  SCALE_BIG_PACKETS (3000000)
#   SCALE_BIG_CONNECTIONS (300000)  SCALE_REQUESTS (20)  SCALE_PG (1; 0 skips PostgreSQL)
#   TL_PG_BIN (/usr/lib/postgresql/15/bin)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/build/bin}
TCPLENSD=${TCPLENSD:-$BIN/tcplensd}
TCPLENS=${TCPLENS:-$BIN/tcplens}
TL_GEN=${TL_GEN:-$BIN/tl_gen_capture}
BENCH_DIR=${BENCH_DIR:-$ROOT/build/bench}
PACKETS=${PACKETS:-1000000}
CONNECTIONS=${CONNECTIONS:-100000}
PACKETS2=${PACKETS2:-2000000}
CONNECTIONS2=${CONNECTIONS2:-200000}
QUERY_PACKETS=${QUERY_PACKETS:-$PACKETS}
QUERY_CONNECTIONS=${QUERY_CONNECTIONS:-$CONNECTIONS}
QUERY_UPLOADS=${QUERY_UPLOADS:-10}
REBUILD_DB=${REBUILD_DB:-0}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-16}
WRK_DURATION=${WRK_DURATION:-10s}
PORT_MIN=${PORT_MIN:-30000}
PORT_MAX=${PORT_MAX:-39999}
UPLOAD_TIMEOUT=${UPLOAD_TIMEOUT:-900}
SERVER_ARGS=${SERVER_ARGS:-}
SCALE_COPIES=${SCALE_COPIES:-100}
SCALE_LONG_PACKETS=${SCALE_LONG_PACKETS:-1000000}
SCALE_BIG_PACKETS=${SCALE_BIG_PACKETS:-3000000}
SCALE_BIG_CONNECTIONS=${SCALE_BIG_CONNECTIONS:-300000}
SCALE_REQUESTS=${SCALE_REQUESTS:-20}
SCALE_PG=${SCALE_PG:-1}
TL_PG_BIN=${TL_PG_BIN:-/usr/lib/postgresql/15/bin}
# The capture cache is shared with run.sh, so use its GEN_VERSION.
GEN_VERSION=$(sed -n 's/^GEN_VERSION=\([0-9][0-9]*\).*/\1/p' "$ROOT/bench/run.sh")
DB_VERSION=2 # bump when a cached query database must not be reused; schema/*.sql changes
# already are part of its name

mode=all
case "${1:-}" in
    "") ;;
    --ingest) mode=ingest ;;
    --queries) mode=queries ;;
    --load) mode=load ;;
    --scale) mode=scale ;;
    -h | --help)
        sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "service.sh: unknown argument '$1' (try --help)" >&2
        exit 2
        ;;
esac

say() {
    echo "service.sh: $*" >&2
}
die() {
    say "$*"
    exit 1
}

for tool in curl python3; do
    command -v "$tool" >/dev/null 2>&1 ||
        die "$tool not found (sh scripts/install-deps.sh test installs it)"
done
[ -x "$TCPLENSD" ] || die "$TCPLENSD not found: build first (make build)"
HAVE_WRK=1
command -v wrk >/dev/null 2>&1 || HAVE_WRK=0
if [ "$mode" != ingest ] && [ "$mode" != all ] && [ "$HAVE_WRK" = 0 ]; then
    die "wrk not found: install it with 'apt-get install wrk' (Debian/Ubuntu)"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tl_service.XXXXXX")
SRV_PID=""
PG_DIR="" # a PostgreSQL started by --scale, stopped by cleanup
stop_server() {
    [ -n "$SRV_PID" ] || return 0
    kill -TERM "$SRV_PID" 2>/dev/null || true
    ss_i=0
    while kill -0 "$SRV_PID" 2>/dev/null && [ "$ss_i" -lt 300 ]; do
        sleep 0.1
        ss_i=$((ss_i + 1))
    done
    if kill -0 "$SRV_PID" 2>/dev/null; then
        say "tcplensd ($SRV_PID) still running 30 s after SIGTERM: SIGKILL"
        kill -KILL "$SRV_PID" 2>/dev/null || true
    fi
    ss_rc=0
    wait "$SRV_PID" 2>/dev/null || ss_rc=$?
    [ "$ss_rc" = 0 ] || say "tcplensd exited $ss_rc after SIGTERM (log: $SRV_LOG)"
    SRV_PID=""
}
# pg_stop: stops the PostgreSQL --scale started (bench/scale_db.py pg-stop, bounded there).
pg_stop() {
    [ -n "$PG_DIR" ] || return 0
    python3 "$ROOT/bench/scale_db.py" pg-stop "$PG_DIR" >&2 || say "stopping PostgreSQL in $PG_DIR failed"
    PG_DIR=""
}
cleanup() {
    stop_server
    pg_stop
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' HUP INT PIPE TERM

now_ns() {
    date +%s%N
}
secs_since() {
    awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
}

# capture P C: the path of the cached capture (same names as run.sh), generated on first use
# and read once so it sits in the page cache.
capture() {
    cap="$BENCH_DIR/capture-v$GEN_VERSION-p$1-c$2.pcap"
    if [ ! -s "$cap" ]; then
        [ -x "$TL_GEN" ] || die "$TL_GEN not found: build first (make build)"
        mkdir -p "$BENCH_DIR"
        say "generating $cap"
        "$TL_GEN" -p "$1" -c "$2" -o "$cap.tmp" 2>"$cap.log" || {
            cat "$cap.log" >&2
            return 1
        }
        mv "$cap.tmp" "$cap"
    fi
    cat "$cap" >/dev/null
    echo "$cap"
}

# free_port: a port in PORT_MIN-PORT_MAX that 127.0.0.1 can bind now (at most 100 tries).
free_port() {
    fp_i=0
    while [ "$fp_i" -lt 100 ]; do
        fp_p=$((PORT_MIN + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % (PORT_MAX - PORT_MIN + 1)))
        if python3 -c 'import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))' "$fp_p" 2>/dev/null; then
            echo "$fp_p"
            return 0
        fi
        fp_i=$((fp_i + 1))
    done
    return 1
}

# start_server DIR [SECS]: tcplensd on 127.0.0.1 with DIR/tcplens.db (or SERVER_DB, a
# postgresql:// URI) and DIR/captures; sets SRV_PID, URL, SRV_LOG and START_SECS (until /healthz
# answers 200). Dies when it is not healthy within SECS (120), or returns 1 when SECS is given.
# The port range overlaps the kernel's ephemeral ports, so a port taken between the check and
# the server's bind is possible: then up to 5 tries on other ports.
SRV_N=0
start_server() {
    mkdir -p "$1"
    ss_limit=$((${2:-120} * 10))
    ss_try=1
    while :; do
        port=$(free_port) || die "no free port in $PORT_MIN-$PORT_MAX"
        SRV_N=$((SRV_N + 1))
        SRV_LOG=$TMP/server-$SRV_N.log
        URL=http://127.0.0.1:$port
        t0=$(now_ns)
        # shellcheck disable=SC2086 # SERVER_ARGS is a list of flags
        # --duplicates keep: the query database is the same capture uploaded again and again
        # --async-above 0 (ASYNC_ABOVE): an upload is answered when it is stored (201)
        "$TCPLENSD" --listen "127.0.0.1:$port" --db "${SERVER_DB:-$1/tcplens.db}" \
            --data-dir "$1/captures" --duplicates keep --async-above "${ASYNC_ABOVE:-0}" \
            $SERVER_ARGS >"$SRV_LOG" 2>&1 &
        SRV_PID=$!
        ss_i=0
        until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$URL/healthz")" = 200 ]; do
            if ! kill -0 "$SRV_PID" 2>/dev/null; then
                break
            fi
            ss_i=$((ss_i + 1))
            if [ "$ss_i" -ge "$ss_limit" ]; then
                tail -n 5 "$SRV_LOG" >&2
                [ -n "${2:-}" ] || die "tcplensd not healthy after 120 s (log: $SRV_LOG)"
                stop_server
                return 1
            fi
            sleep 0.1
        done
        if kill -0 "$SRV_PID" 2>/dev/null; then
            START_SECS=$(secs_since "$t0")
            return 0
        fi
        wait "$SRV_PID" 2>/dev/null || true
        SRV_PID=""
        tail -n 5 "$SRV_LOG" >&2
        [ "$ss_try" -lt 5 ] || die "tcplensd exited at start, 5 times"
        say "tcplensd exited at start on port $port; trying another port"
        ss_try=$((ss_try + 1))
    done
}

# proc_field KEY: a "KEY: N kB" line of the server's /proc status, in KiB.
proc_field() {
    awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SRV_PID/status"
}
# cpu_secs: user + system CPU seconds the server has used.
cpu_secs() {
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$SRV_PID/stat"
}
# disk_mib DIR: the size of a server directory (database, WAL, stored captures), MiB.
disk_mib() {
    du -sk "$1" | awk '{ printf "%.0f", $1 / 1024 }'
}

# upload FILE NAME: POST the raw file; sets UP_SECS, UP_ID, UP_PACKETS, UP_FLOWS.
upload() {
    t0=$(now_ns)
    code=$(curl -sS -o "$TMP/upload.json" -w '%{http_code}' --max-time "$UPLOAD_TIMEOUT" \
        -H 'Content-Type: application/octet-stream' --data-binary "@$1" \
        "$URL/api/v1/captures?name=$2") || code="curl failed"
    UP_SECS=$(secs_since "$t0")
    if [ "$code" != 201 ]; then
        head -c 400 "$TMP/upload.json" >&2 2>/dev/null || true
        echo >&2
        tail -n 20 "$SRV_LOG" >&2
        die "upload of $1 answered $code after $UP_SECS s"
    fi
    # shellcheck disable=SC2046 # three numbers
    set -- $(python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))["capture"]
print(c["id"], c["packets"], c["flows"])' "$TMP/upload.json")
    UP_ID=$1
    UP_PACKETS=$2
    UP_FLOWS=$3
}

ingest_mode() {
    c1=$(capture "$PACKETS" "$CONNECTIONS")
    c2=$(capture "$PACKETS2" "$CONNECTIONS2")
    : >"$TMP/ingest"
    for f in "$c1" "$c2"; do
        dir=$TMP/ingest-db
        rm -rf "$dir"
        start_server "$dir"
        idle_kib=$(proc_field VmHWM)
        idle_cpu=$(cpu_secs)
        say "uploading $(basename "$f") to $URL"
        upload "$f" "$(basename "$f" .pcap)"
        cpu=$(awk -v a="$idle_cpu" -v b="$(cpu_secs)" 'BEGIN { printf "%.2f", b - a }')
        hwm=$(proc_field VmHWM)
        stop_server
        # the database alone (its WAL checkpointed at the stop), without the stored captures
        dbb=$(cat "$dir"/tcplens.db* 2>/dev/null | wc -c)
        # the anchor, in the same run: the same decoder and classifier without storage
        t0=$(now_ns)
        "$TCPLENS" decode --no-timeline "$f" >/dev/null
        dec=$(secs_since "$t0")
        echo "$(basename "$f")|$(wc -c <"$f")|$UP_PACKETS|$UP_FLOWS|$UP_SECS|$cpu|$idle_kib|$hwm|$(disk_mib "$dir")|$dec|$dbb" >>"$TMP/ingest"
        rm -rf "$dir"
    done
    echo "### Ingest: one raw POST per capture, fresh server and database each"
    echo
    echo "\`curl --data-binary @FILE -H 'Content-Type: application/octet-stream' http://127.0.0.1:PORT/api/v1/captures?name=NAME\`"
    echo
    awk -F'|' '
        BEGIN {
            print "| capture | MiB | packets | flows | seconds | packets/s | anchor: `tcplens decode --no-timeline` packets/s | upload / decode | MiB/s | server CPU s | server peak RSS MiB (idle) | database bytes / packet | disk MiB (with the captures) |"
            print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        }
        {
            mib = $2 / 1048576
            printf "| %s | %.0f | %d | %d | %.2f | %.0f | %.0f | %.0f %% | %.1f | %s | %.1f (%.1f) | %.1f | %s |\n", $1, mib, $3,
                $4, $5, $3 / $5, $3 / $10, 100 * $10 / $5, mib / $5, $6, $8 / 1024, $7 / 1024, $11 / $3, $9
        }' "$TMP/ingest"
    echo
}

# wrk_row LABEL PATH [LUA]: one wrk run; appends "label|req/s|p50 ms|p99 ms|non-2xx|errors".
wrk_row() {
    set -- "$1" "$2" "${3:-}"
    if [ -n "$3" ]; then
        wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$WRK_DURATION" --latency -s "$3" "$URL$2" \
            >"$TMP/wrk.out" 2>&1 || true
    else
        wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$WRK_DURATION" --latency "$URL$2" \
            >"$TMP/wrk.out" 2>&1 || true
    fi
    cat "$TMP/wrk.out" >>"$TMP/wrk.all"
    awk -v label="$1" '
        function ms(v) {
            if (v ~ /us$/) return v / 1000
            if (v ~ /ms$/) return v + 0
            if (v ~ /m$/) return v * 60000
            if (v ~ /s$/) return v * 1000
            return v
        }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        $1 == "Requests/sec:" { rps = $2 }
        /Non-2xx or 3xx responses:/ { non2xx = $NF }
        /Socket errors:/ { errs = $0; sub(/.*Socket errors: /, "", errs) }
        END {
            if (rps == "") { print label "|failed: see wrk output|||" ; exit }
            printf "%s|%.0f|%.2f|%.2f|%d|%s\n", label, rps, p50, p99, non2xx, errs
        }' "$TMP/wrk.out" >>"$TMP/wrk.rows"
}

# slow_clients N SECONDS: N connections that send a request line, then one header byte a
# second, for SECONDS (in the background; SLOW_PID). Ten per source address (127.0.1.x), under
# the per-address limit, so that they take connection slots and not wrk's address's.
slow_clients() {
    python3 - "$port" "$1" "$2" <<'PY' &
import socket, sys, time
port, n, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
socks = []
for i in range(n):
    try:
        s = socket.create_connection(('127.0.0.1', port), timeout=2,
                                     source_address=('127.0.1.%d' % (1 + i // 10), 0))
        s.sendall(b'GET /api/v1/flows HTTP/1.1\r\nHost: x\r\n')
        socks.append(s)
    except OSError:
        pass
end = time.monotonic() + secs
while time.monotonic() < end:
    for s in socks:
        try:
            s.send(b'X')
        except OSError:
            pass
    time.sleep(1)
PY
    SLOW_PID=$!
}

load_mode() {
    c1=$(capture "$PACKETS" "$CONNECTIONS")
    dir=$TMP/load-db
    rm -rf "$dir"
    ASYNC_ABOVE=64M start_server "$dir"
    for f in "$ROOT"/examples/*.pcap; do
        curl -sS -o /dev/null --data-binary "@$f" "$URL/api/v1/captures?name=$(basename "$f")" ||
            die "upload of $f failed"
    done
    : >"$TMP/wrk.rows"
    wrk_row "idle (the anchor)" "/api/v1/flows?limit=100"
    i=0
    while [ "$i" -lt 8 ]; do
        curl -sS -o /dev/null --max-time "$UPLOAD_TIMEOUT" --data-binary "@$c1" \
            "$URL/api/v1/captures?name=load-$i" &
        i=$((i + 1))
    done
    sleep 2
    wrk_row "while 8 uploads of $(basename "$c1") run" "/api/v1/flows?limit=100"
    slow_clients 300 30
    sleep 2
    wrk_row "the same, with 300 slow clients connected" "/api/v1/flows?limit=100"
    kill "$SLOW_PID" 2>/dev/null || true
    wait "$SLOW_PID" 2>/dev/null || true
    stop_server
    wait 2>/dev/null || true
    echo "### Reads under load: \`wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION\` on GET /api/v1/flows?limit=100"
    echo
    echo "| while | requests/s | p50 ms | p99 ms | non-2xx | socket errors |"
    echo "|---|---:|---:|---:|---:|---|"
    awk -F'|' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$TMP/wrk.rows"
    echo
}

# get PATH: GET into $TMP/get.json; fails unless 200.
get() {
    code=$(curl -sS -o "$TMP/get.json" -w '%{http_code}' --max-time 60 "$URL$1") || code="curl failed"
    [ "$code" = 200 ] || die "GET $1 answered $code: $(head -c 300 "$TMP/get.json" 2>/dev/null)"
}

# ids_lua IDS LUA: a wrk script that GETs /api/v1/flows/{id} for the ids in the file IDS (one a
# line) in turn, each thread starting elsewhere.
ids_lua() {
    {
        echo "-- wrk: GET /api/v1/flows/{id}, rotating through $(wc -l <"$1") ids; each thread starts elsewhere."
        printf 'local ids = {'
        tr '\n' ',' <"$1"
        echo '}'
        cat <<'EOF'
local n = #ids
local threads = 0
function setup(thread)
    thread:set("start", threads * 7919)
    threads = threads + 1
end
function init(args)
    i = start or 0
end
function request()
    i = i + 1
    return wrk.format("GET", "/api/v1/flows/" .. ids[i % n + 1])
end
EOF
    } >"$2"
}

queries_mode() {
    f=$(capture "$QUERY_PACKETS" "$QUERY_CONNECTIONS")
    schema=$(cat "$ROOT"/schema/*.sql 2>/dev/null | cksum | awk '{ print $1 }')
    db=$BENCH_DIR/service-db-v$GEN_VERSION.$DB_VERSION.$schema-p$QUERY_PACKETS-c$QUERY_CONNECTIONS-x$QUERY_UPLOADS
    if [ "$REBUILD_DB" != 1 ] && [ -s "$db/ready" ]; then
        say "reusing $db ($(cat "$db/ready") flows; REBUILD_DB=1 rebuilds it)"
        if ! start_server "$db" 30; then
            say "tcplensd is not healthy on the cached database within 30 s: rebuilding it"
            rm -f "$db/ready"
        fi
    fi
    if [ ! -s "$db/ready" ]; then
        rm -rf "$db"
        start_server "$db"
        say "building $db: $QUERY_UPLOADS uploads of $(basename "$f")"
        total=0
        : >"$db/uploads"
        i=1
        while [ "$i" -le "$QUERY_UPLOADS" ]; do
            upload "$f" "q$i"
            total=$((total + UP_FLOWS))
            say "upload $i/$QUERY_UPLOADS: capture $UP_ID, $UP_FLOWS flows in $UP_SECS s ($total flows in all)"
            echo "$i $UP_SECS $total" >>"$db/uploads"
            i=$((i + 1))
        done
        stop_server
        echo "$total" >"$db/ready"
        start_server "$db"
    fi
    total=$(cat "$db/ready")
    # Flow ids for /flows/{id}: the first 1000 of each capture (no assumption on id layout).
    scale_ids 1000
    nids=$(wc -l <"$TMP/ids")
    # A client port for a selective filter: the first flow's.
    get "/api/v1/flows?limit=1"
    cport=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["flows"][0]["client"]["port"])' "$TMP/get.json")
    first_id=$(head -n 1 "$TMP/ids")
    ids_lua "$TMP/ids" "$TMP/flow_ids.lua"

    : >"$TMP/wrk.rows"
    : >"$TMP/wrk.all"
    : >"$TMP/sizes"
    for q in "/healthz" "/api/v1/flows?limit=100" "/api/v1/flows?port=443&limit=100" \
        "/api/v1/flows?port=$cport&limit=100" "/api/v1/flows/$first_id" \
        "/api/v1/stats?group_by=conn_state" "/api/v1/stats?group_by=server_port&port=443" \
        "/api/v1/flows?sort=-rtt&limit=100" "/api/v1/flows?sort=-retrans_bytes&limit=100"; do
        get "$q"
        echo "$q $(wc -c <"$TMP/get.json")" >>"$TMP/sizes"
        say "wrk $WRK_DURATION on $q"
        wrk_row "\`GET $q\`" "$q"
        # a slow query leaves requests running after wrk stops: let them finish (<= 60 s)
        wq_i=0
        until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$URL/healthz")" = 200 ] ||
            [ "$wq_i" -ge 30 ]; do
            sleep 2
            wq_i=$((wq_i + 1))
        done
    done
    say "wrk $WRK_DURATION on /api/v1/flows/{id} (rotating)"
    wrk_row "\`GET /api/v1/flows/{id}\`, $nids ids rotating" "/api/v1/flows/$first_id" "$TMP/flow_ids.lua"
    hwm=$(proc_field VmHWM)
    stop_server

    echo "### Queries: $total flows ($QUERY_UPLOADS uploads of \`$(basename "$f")\`)"
    echo
    if [ -s "$db/uploads" ]; then
        awk '{ s = s sprintf("%s%.1f", NR > 1 ? ", " : "", $2) } END {
            print "Building it (seconds per upload, in order): " s "." }' "$db/uploads"
        echo
    fi
    echo "Server start on it: $START_SECS s. Server peak RSS after the runs: $(awk -v k="$hwm" 'BEGIN { printf "%.1f", k / 1024 }') MiB. Database + stored captures: $(disk_mib "$db") MiB."
    echo "\`wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION --latency URL\`; port 443 is a server port of the synthetic traffic, $cport a client port (first flow's)."
    echo
    echo "| request | requests/s | p50 ms | p99 ms | non-2xx | socket errors | body bytes |"
    echo "|---|---:|---:|---:|---:|---|---:|"
    awk -F'|' 'NR == FNR { size[NR] = $0; sub(/.* /, "", size[NR]); next }
        { printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, size[FNR] }' \
        "$TMP/sizes" "$TMP/wrk.rows"
    echo
}

# scale_row WHAT RESULT TARGET ANCHOR VERDICT: one row of the --scale table.
scale_row() {
    echo "$1|$2|$3|$4|$5" >>"$TMP/scale.rows"
}
# verdict VALUE LIMIT: met when VALUE <= LIMIT.
verdict() {
    awk -v v="$1" -v l="$2" 'BEGIN { print (v != "" && v + 0 <= l + 0) ? "met" : "**missed**" }'
}
# mib KIB: KiB as MiB, one decimal.
mib() {
    awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}

# scale_settle: waits until the server has logged no request for a second (<= 60 s), so that
# the requests of a wrk run that has stopped no longer hold connections (--max-per-ip is 16).
scale_settle() {
    sw_i=0
    sw_n=-1
    while [ "$sw_i" -lt 60 ]; do
        sw_m=$(wc -l <"$SRV_LOG")
        [ "$sw_m" != "$sw_n" ] || break
        sw_n=$sw_m
        sleep 1
        sw_i=$((sw_i + 1))
    done
}

# scale_wrk PATH [LUA]: wrk as in --queries, then once more with one connection (the time of
# one request without queueing); sets W_P99 (ms, of the first; empty when wrk failed) and W_CELL
# ("p99 X ms (p50 Y ms, Z req/s); 1 connection: ...").
scale_wrk() {
    say "wrk $WRK_DURATION on $1${2:+ (rotating ids)}, $WRK_CONNS connections, then 1"
    sw_t=$WRK_THREADS
    sw_c=$WRK_CONNS
    for sw_conns in "$WRK_CONNS" 1; do
        WRK_CONNS=$sw_conns
        [ "$sw_conns" != 1 ] || WRK_THREADS=1
        wrk_row x "$1" "${2:-}"
        WRK_THREADS=$sw_t
        WRK_CONNS=$sw_c
        IFS='|' read -r _ w_rps w_p50 w_p99 w_non2xx w_errs <<EOF
$(tail -n 1 "$TMP/wrk.rows")
EOF
        if [ -z "$w_p99" ]; then
            w_cell="wrk failed: $w_rps"
        else
            w_cell="p50 $w_p50 ms, $w_rps req/s"
            [ "$w_non2xx" = 0 ] || w_cell="$w_cell, $w_non2xx non-2xx"
            [ -z "$w_errs" ] || w_cell="$w_cell, socket errors: $w_errs"
        fi
        if [ "$sw_conns" != 1 ]; then
            W_P99=$w_p99
            W_CELL="p99 **$w_p99 ms** ($w_cell)"
        else
            W_CELL="$W_CELL; 1 connection: p99 $w_p99 ms ($w_cell)"
        fi
        scale_settle
    done
}

# scale_ids LIMIT: into $TMP/ids, the first LIMIT flow ids of each capture (at most 1000
# captures), through the API; the first flow's client port in CPORT.
scale_ids() {
    get "/api/v1/captures?limit=1000"
    python3 -c 'import json, sys
for c in json.load(open(sys.argv[1]))["captures"]:
    print(c["id"])' "$TMP/get.json" >"$TMP/captures"
    : >"$TMP/ids"
    while read -r cap; do
        get "/api/v1/flows?capture=$cap&limit=$1"
        python3 -c 'import json, sys
for fl in json.load(open(sys.argv[1]))["flows"]:
    print(fl["id"])' "$TMP/get.json" >>"$TMP/ids"
    done <"$TMP/captures"
    [ -s "$TMP/ids" ] || die "the database has no flows"
    get "/api/v1/flows?limit=1"
    CPORT=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["flows"][0]["client"]["port"])' "$TMP/get.json")
}

# scale_queries: wrk on the server at URL: the flow list by the server port 443 (Q1, C1), by the
# client port CPORT (Q2, C2), and /flows/{id} over the ids of scale_ids 100 (Q3, C3, NIDS ids);
# Qn is the p99 in ms, Cn the cell for the table.
scale_queries() {
    scale_ids 100
    ids_lua "$TMP/ids" "$TMP/scale_ids.lua"
    NIDS=$(wc -l <"$TMP/ids")
    get "/api/v1/flows?port=$CPORT&limit=100"
    scale_wrk "/api/v1/flows?port=443&limit=100"
    Q1=$W_P99 C1=$W_CELL
    scale_wrk "/api/v1/flows?port=$CPORT&limit=100"
    Q2=$W_P99 C2=$W_CELL
    scale_wrk "/api/v1/flows/$(head -n 1 "$TMP/ids")" "$TMP/scale_ids.lua"
    Q3=$W_P99 C3=$W_CELL
}

# scale_query_rows LABEL ANCHOR1 ANCHOR2 ANCHOR3: the three rows of scale_queries.
scale_query_rows() {
    scale_row "$1: \`GET /api/v1/flows?port=443&limit=100\` (a server port of 60% of flows)" \
        "$C1" "p99 ≤ 10 ms" "$2" "$(verdict "$Q1" 10)"
    scale_row "$1: \`GET /api/v1/flows?port=$CPORT&limit=100\` (the first flow's client port)" \
        "$C2" "p99 ≤ 10 ms" "$3" "$(verdict "$Q2" 10)"
    scale_row "$1: \`GET /api/v1/flows/{id}\`, $NIDS ids rotating (100 per capture)" \
        "$C3" "p99 ≤ 10 ms" "$4" "$(verdict "$Q3" 10)"
}

# scale_sqlite: the SQLite part of --scale. The database is cached in BENCH_DIR, as
# --queries caches its own, and built on first use: one upload of the 100k-connection capture,
# kept as it is for the anchor (base/), then copied SCALE_COPIES times by bench/scale_db.py.
scale_sqlite() {
    f=$(capture "$QUERY_PACKETS" "$QUERY_CONNECTIONS")
    schema=$(cat "$ROOT"/schema/*.sql 2>/dev/null | cksum | awk '{ print $1 }')
    db=$BENCH_DIR/scale-db-v$GEN_VERSION.$DB_VERSION.$schema-p$QUERY_PACKETS-c$QUERY_CONNECTIONS-x$SCALE_COPIES
    if [ "$REBUILD_DB" = 1 ] || [ ! -s "$db/ready" ] || [ ! -s "$db/build" ]; then
        rm -rf "$db"
        start_server "$db"
        say "building $db: one upload of $(basename "$f"), then $SCALE_COPIES copies by SQL"
        upload "$f" base
        stop_server
        mkdir -p "$db/base"
        cp "$db/tcplens.db" "$db/base/"
        [ ! -s "$db/tcplens.db-wal" ] || cp "$db/tcplens.db-wal" "$db/base/"
        ln -s ../captures "$db/base/captures"
        out=$(python3 "$ROOT/bench/scale_db.py" sqlite "$db/tcplens.db" "$SCALE_COPIES") ||
            die "bench/scale_db.py sqlite failed"
        echo "$UP_SECS $UP_FLOWS $out" >"$db/build" # upload s, its flows, all flows, copies s
        echo "$out" | awk '{ print $1 }' >"$db/ready"
    else
        say "reusing $db ($(cat "$db/ready") flows; REBUILD_DB=1 rebuilds it)"
    fi
    read -r up_secs base_total total copy_secs <"$db/build"
    base_bytes=$(wc -c <"$db/base/tcplens.db")
    start_server "$db/base"
    say "SQLite, the anchor: the upload alone, $base_total flows"
    scale_queries
    stop_server
    a1="the upload alone ($base_total flows): p99 $Q1 ms"
    a2="the same: p99 $Q2 ms"
    a3="the same: p99 $Q3 ms"
    start_server "$db"
    say "SQLite, $total flows (server start: $START_SECS s)"
    start_big=$START_SECS
    scale_queries
    stop_server
    scale_query_rows "SQLite, $total flows" "$a1" "$a2" "$a3"
    S1=$Q1 S2=$Q2 S3=$Q3
    big_bytes=$(wc -c <"$db/tcplens.db")
    SQLITE_BPF=$((big_bytes / total))
    scale_row "SQLite, $total flows: database size" \
        "$(mib "$((big_bytes / 1024))") MiB, **$SQLITE_BPF bytes/flow**" "" \
        "the upload alone: $(mib "$((base_bytes / 1024))") MiB, $((base_bytes / base_total)) bytes/flow" ""
    scale_row "SQLite, $total flows: building it" \
        "$up_secs s upload + $copy_secs s of SQL copies" "" "server start on it: $start_big s" ""
}

# scale_pg: the PostgreSQL part of --scale, as scale_sqlite on a PostgreSQL 15 that
# bench/scale_db.py runs as tests/pg/pg_harness.py does, with its data kept in BENCH_DIR.
# Anything missing or failing in PostgreSQL gives a "skipped" row instead of the results.
scale_pg() {
    if [ "$SCALE_PG" = 0 ]; then
        scale_row "PostgreSQL" "skipped: SCALE_PG=0" "p99 ≤ 10 ms" "" ""
        return 0
    fi
    if [ ! -x "$TL_PG_BIN/initdb" ] || [ ! -x "$TL_PG_BIN/pg_ctl" ]; then
        scale_row "PostgreSQL" "skipped: PostgreSQL 15 is not installed in $TL_PG_BIN" \
            "p99 ≤ 10 ms" "" ""
        return 0
    fi
    f=$(capture "$QUERY_PACKETS" "$QUERY_CONNECTIONS")
    schema=$(cat "$ROOT"/schema/pg/*.sql 2>/dev/null | cksum | awk '{ print $1 }')
    db=$BENCH_DIR/scale-pg-v$GEN_VERSION.$DB_VERSION.$schema-p$QUERY_PACKETS-c$QUERY_CONNECTIONS-x$SCALE_COPIES
    if [ "$REBUILD_DB" = 1 ] || [ ! -s "$db/ready" ]; then
        rm -rf "$db"
    fi
    PG_DIR=$db/pg
    if ! uri=$(python3 "$ROOT/bench/scale_db.py" pg-start "$PG_DIR" 2>"$TMP/pg.err"); then
        PG_DIR=""
        scale_row "PostgreSQL" "skipped: it did not start: $(tail -n 1 "$TMP/pg.err")" \
            "p99 ≤ 10 ms" "" ""
        return 0
    fi
    if [ ! -s "$db/ready" ]; then
        SERVER_DB=$uri start_server "$db"
        say "building $db: one upload of $(basename "$f"), then $SCALE_COPIES copies by SQL"
        upload "$f" base
        stop_server
        if ! out=$(python3 "$ROOT/bench/scale_db.py" pg-copies "$PG_DIR" "$SCALE_COPIES" \
            2>"$TMP/pg.err"); then
            pg_stop
            scale_row "PostgreSQL" "skipped: the copies failed: $(tail -n 1 "$TMP/pg.err")" \
                "p99 ≤ 10 ms" "" ""
            return 0
        fi
        echo "$UP_SECS $UP_FLOWS $out" >"$db/build" # upload s, its flows, all flows, copies s, bytes
        echo "$out" | awk '{ print $1 }' >"$db/ready"
    else
        say "reusing $db ($(cat "$db/ready") flows; REBUILD_DB=1 rebuilds it)"
    fi
    read -r up_secs _ total copy_secs pg_bytes <"$db/build"
    SERVER_DB=$uri start_server "$db"
    say "PostgreSQL, $total flows (server start: $START_SECS s)"
    start_big=$START_SECS
    scale_queries
    stop_server
    pg_stop
    scale_query_rows "PostgreSQL, $total flows" "SQLite, the same flows: p99 $S1 ms" \
        "the same: p99 $S2 ms" "the same: p99 $S3 ms"
    scale_row "PostgreSQL, $total flows: database size (pg_database_size)" \
        "$(mib "$((pg_bytes / 1024))") MiB, **$((pg_bytes / total)) bytes/flow**" "" \
        "SQLite: $SQLITE_BPF bytes/flow" ""
    scale_row "PostgreSQL, $total flows: building it" \
        "$up_secs s upload + $copy_secs s of SQL copies, VACUUM ANALYZE" "" \
        "server start on it: $start_big s" ""
}

# timed_gets N PATH: N GETs of PATH, one after the other; sets T_MED and T_MAX (ms).
timed_gets() {
    : >"$TMP/times"
    tg_i=0
    while [ "$tg_i" -lt "$1" ]; do
        tg_r=$(curl -sS -o "$TMP/get.json" -w '%{http_code} %{time_total}' --max-time 120 \
            "$URL$2") || tg_r="curl failed"
        case "$tg_r" in
            "200 "*) echo "${tg_r#200 }" >>"$TMP/times" ;;
            *) die "GET $2 answered $tg_r: $(head -c 300 "$TMP/get.json" 2>/dev/null)" ;;
        esac
        tg_i=$((tg_i + 1))
    done
    T_MED=$(sort -n "$TMP/times" | awk '{ v[NR] = $1 } END {
        printf "%.1f", 1000 * (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }')
    T_MAX=$(sort -n "$TMP/times" | awk '{ v = $1 } END { printf "%.1f", 1000 * v }')
}

# scale_long: one connection of SCALE_LONG_PACKETS packets, its timeline's pages.
scale_long() {
    f=$(capture "$SCALE_LONG_PACKETS" 1)
    dir=$TMP/long-db
    rm -rf "$dir"
    start_server "$dir"
    say "uploading $(basename "$f") (one connection)"
    upload "$f" long
    get "/api/v1/flows?capture=$UP_ID&limit=1"
    id=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["flows"][0]["id"])' "$TMP/get.json")
    n=$SCALE_REQUESTS
    anchor=$(
        t0=$(now_ns)
        "$TCPLENS" decode --no-timeline "$f" >/dev/null
        secs_since "$t0"
    )
    anchor="\`tcplens decode --no-timeline\` of the file: $anchor s"
    say "$n x GET /api/v1/flows/$id?limit=1000"
    timed_gets "$n" "/api/v1/flows/$id?limit=1000"
    scale_row "$UP_PACKETS-packet connection: first page, \`GET /api/v1/flows/{id}?limit=1000\`" \
        "median **$T_MED ms**, max $T_MAX ms ($n requests)" "≤ 50 ms" "$anchor" \
        "$(verdict "$T_MED" 50)"
    mid=$((UP_PACKETS / 2))
    say "$n x GET /api/v1/flows/$id?offset=$mid&limit=1000"
    timed_gets "$n" "/api/v1/flows/$id?offset=$mid&limit=1000"
    scale_row "the same connection: \`?offset=$mid&limit=1000\`" \
        "median $T_MED ms, max $T_MAX ms" "" "" ""
    say "$n x GET /api/v1/flows/$id/packets/0"
    timed_gets "$n" "/api/v1/flows/$id/packets/0"
    scale_row "the same connection: \`GET /api/v1/flows/{id}/packets/0\`" \
        "median $T_MED ms, max $T_MAX ms" "" "" ""
    scale_row "the same connection: upload; server peak RSS after it and the reads" \
        "$UP_SECS s; $(mib "$(proc_field VmHWM)") MiB" "" "" ""
    stop_server
    rm -rf "$dir"
}

# scale_big: the server's peak RSS while it stores a capture of about 1 GB.
scale_big() {
    f=$(capture "$SCALE_BIG_PACKETS" "$SCALE_BIG_CONNECTIONS")
    dir=$TMP/big-db
    rm -rf "$dir"
    start_server "$dir"
    idle=$(proc_field VmHWM)
    size=$(wc -c <"$f")
    say "uploading $(basename "$f") ($(mib "$((size / 1024))") MiB)"
    upload "$f" big
    hwm=$(proc_field VmHWM)
    stop_server
    rm -rf "$dir"
    t0=$(now_ns)
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f %M -o "$TMP/time.out" "$TCPLENS" decode --no-timeline "$f" >/dev/null
        dec_kib=$(tail -n 1 "$TMP/time.out")
    else
        "$TCPLENS" decode --no-timeline "$f" >/dev/null
        dec_kib=""
    fi
    dec=$(secs_since "$t0")
    if [ -n "$dec_kib" ]; then
        dec_rss="$(mib "$dec_kib") MiB"
    else
        dec_rss="not measured: /usr/bin/time not found"
    fi
    scale_row "upload of $(mib "$((size / 1024))") MiB ($UP_PACKETS packets, $UP_FLOWS flows): server peak RSS (idle)" \
        "**$(mib "$hwm") MiB** ($(mib "$idle") MiB)" "≤ 256 MiB" \
        "\`tcplens decode --no-timeline\`: peak RSS $dec_rss" "$(verdict "$(mib "$hwm")" 256)"
    scale_row "the same upload: seconds, packets/s" \
        "$UP_SECS s, $(awk -v p="$UP_PACKETS" -v s="$UP_SECS" 'BEGIN { printf "%.0f", p / s }') packets/s" "" \
        "\`tcplens decode --no-timeline\`: $dec s, $(awk -v p="$UP_PACKETS" -v s="$dec" 'BEGIN { printf "%.0f", p / s }') packets/s" ""
}

scale_mode() {
    [ -x "$TCPLENS" ] || die "$TCPLENS not found: build first (make build)"
    : >"$TMP/scale.rows"
    : >"$TMP/wrk.rows"
    : >"$TMP/wrk.all"
    scale_sqlite
    scale_long
    scale_big
    scale_pg
    echo "### At scale: the targets"
    echo
    echo "p99s: \`wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION --latency\` (the target's load), then \`wrk -t1 -c1\`. The long connection: $SCALE_REQUESTS \`curl\` requests one after the other."
    echo
    echo "| measure | result | target | anchor | verdict |"
    echo "|---|---|---|---|---|"
    awk -F'|' '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' "$TMP/scale.rows"
    echo
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
echo "## tcplensd service benchmark"
echo
echo "Machine: ${cpu:-unknown CPU}, $(nproc) cores. Server: \`$TCPLENSD${SERVER_ARGS:+ $SERVER_ARGS}\`, loopback."
echo
if [ "$mode" = load ]; then
    load_mode
    exit 0
fi
if [ "$mode" = scale ]; then
    scale_mode
    exit 0
fi
if [ "$mode" != queries ]; then
    ingest_mode
fi
if [ "$mode" != ingest ]; then
    if [ "$HAVE_WRK" = 1 ]; then
        queries_mode
    else
        echo "Queries skipped: wrk not found (install it with \`apt-get install wrk\`)."
    fi
fi
