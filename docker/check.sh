#!/bin/sh
# docker/check.sh - tests docker/Dockerfile's steps where no Docker engine is available.
#
# Usage: sh docker/check.sh      (any directory; uses no network except apt when a package
#                                  is missing, and only 127.0.0.1)
#
# What it does, and so what it proves:
#  1. copies the files a `docker build` would see (git ls-files: tracked plus untracked files
#     that .gitignore does not exclude, as docker/Dockerfile.dockerignore mirrors it) into a
#     scratch directory, and checks that every COPY/--mount source of the Dockerfile is there;
#  2. runs the build stage's command there, `sh docker/build.sh build STAGE`, as the Dockerfile
#     does (install-deps, CMake, staging);
#  3. runs `tcplensd --help` and `tcplens --help` from STAGE;
#  4. checks that every shared library the two binaries link directly (DT_NEEDED) belongs to
#     the runtime stage's packages (docker/build.sh runtime-packages) or to libc6;
#  5. starts the staged tcplensd on 127.0.0.1 with the Dockerfile's ENV paths mapped into
#     STAGE, runs docker/healthcheck.sh against it, GETs / and /api/v1/examples, then stops
#     it with SIGTERM and expects exit 0.
# What it cannot prove: that the base image, useradd, VOLUME, USER and HEALTHCHECK behave as
# written; that needs `docker build` (see docker/README.md).
# Environment: KEEP=1 keeps the scratch directory.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tl_docker_check.XXXXXX")
SRV_PID=""
cleanup() {
    if [ -n "$SRV_PID" ]; then
        kill "$SRV_PID" 2>/dev/null || true
    fi
    if [ "${KEEP:-0}" = 1 ]; then
        echo "check.sh: kept $TMP" >&2
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' HUP INT PIPE TERM

fail() {
    echo "check.sh: FAIL: $*" >&2
    exit 1
}
step() {
    echo "check.sh: $*" >&2
}

# 1. The build context.
SRC=$TMP/src
STAGE=$TMP/stage
mkdir -p "$SRC"
git -C "$ROOT" ls-files -z --cached --others --exclude-standard |
    (cd "$ROOT" && tar --null --ignore-failed-read -T - -cf - 2>/dev/null) |
    tar -xf - -C "$SRC"
step "copied $(find "$SRC" -type f | wc -l) files into $SRC"

# COPY sources (not --from=) and RUN --mount sources must exist in the context.
sed -n -e 's/^COPY[[:space:]]\{1,\}\(--chmod=[^[:space:]]*[[:space:]]\{1,\}\)\{0,1\}\([^-][^[:space:]]*\)[[:space:]].*/\2/p' \
    -e 's/.*--mount=type=bind,source=\([^,[:space:]]*\).*/\1/p' "$SRC/docker/Dockerfile" |
    while read -r p; do
        [ -e "$SRC/$p" ] || fail "Dockerfile source '$p' is not in the build context"
    done

# 2. The build stage.
step "running: sh docker/build.sh build STAGE (in the scratch copy)"
(cd "$SRC" && sh docker/build.sh build "$STAGE") >"$TMP/build.log" 2>&1 || {
    tail -n 40 "$TMP/build.log" >&2
    fail "docker/build.sh build failed (log above)"
}

# 3. The binaries run.
for exe in tcplensd tcplens; do
    "$STAGE/usr/bin/$exe" --help >"$TMP/help" 2>&1 || fail "$exe --help exited $?"
    step "ok: $exe --help ($(wc -l <"$TMP/help") lines)"
done
WARNINGS=0
warn() {
    echo "check.sh: WARNING: $*" >&2
    WARNINGS=$((WARNINGS + 1))
}
for d in web examples; do
    [ -n "$(ls -A "$STAGE/usr/share/tcplens/$d" 2>/dev/null)" ] ||
        warn "$d/ is empty or missing: the image would ship none"
done

# 4. Runtime libraries.
pkgs=$(sh "$SRC/docker/build.sh" runtime-packages)
for exe in tcplensd tcplens; do
    for so in $(readelf -d "$STAGE/usr/bin/$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
        path=$(ldconfig -p | awk -v so="$so" '$1 == so && /x86-64|64bit|AArch64/ { print $NF; exit }')
        [ -n "$path" ] || path=$(ldconfig -p | awk -v so="$so" '$1 == so { print $NF; exit }')
        [ -n "$path" ] || fail "$exe needs $so, which ldconfig does not know"
        real=$(readlink -f "$path")
        pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$real" 2>/dev/null || true)
        pkg=${pkg%%:*}
        case " libc6 $(echo "$pkgs" | tr '\n' ' ') " in
            *" $pkg "*)
                step "ok: $exe needs $so from $pkg"
                echo "$pkg" >>"$TMP/used"
                ;;
            *) fail "$exe needs $so from package '${pkg:-?}', not in the runtime stage's list" ;;
        esac
    done
done

for p in $pkgs; do
    grep -qx "$p" "$TMP/used" 2>/dev/null || step "note: $p is installed in the runtime stage but neither binary links it"
done

# 5. A run with the image's environment.
env_of() {
    sed -n "s/.*[[:space:]]$1=\([^[:space:]\\\\]*\).*/\1/p" "$SRC/docker/Dockerfile" | head -n 1
}
web_dir=$(env_of TCPLENS_WEB_DIR)
examples_dir=$(env_of TCPLENS_EXAMPLES_DIR)
if [ -z "$web_dir" ] || [ -z "$examples_dir" ]; then
    fail "the Dockerfile sets no TCPLENS_WEB_DIR or TCPLENS_EXAMPLES_DIR"
fi
[ -d "$STAGE$web_dir" ] || fail "TCPLENS_WEB_DIR=$web_dir is not what build.sh stages"
[ -d "$STAGE$examples_dir" ] || fail "TCPLENS_EXAMPLES_DIR=$examples_dir is not what build.sh stages"
port=""
i=0
while [ -z "$port" ] && [ "$i" -lt 50 ]; do
    p=$((30000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 10000))
    if python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$p" 2>/dev/null; then
        port=$p
    fi
    i=$((i + 1))
done
[ -n "$port" ] || fail "no free port in 30000-39999"
mkdir -p "$TMP/var"
TCPLENS_LISTEN=127.0.0.1:$port TCPLENS_DB=$TMP/var/tcplens.db TCPLENS_DATA_DIR=$TMP/var/captures \
    TCPLENS_WEB_DIR=$STAGE$web_dir TCPLENS_EXAMPLES_DIR=$STAGE$examples_dir \
    "$STAGE/usr/bin/tcplensd" >"$TMP/server.log" 2>&1 &
SRV_PID=$!
export TCPLENS_LISTEN=127.0.0.1:$port
i=0
until bash "$SRC/docker/healthcheck.sh" 2>/dev/null; do
    i=$((i + 1))
    kill -0 "$SRV_PID" 2>/dev/null || { cat "$TMP/server.log" >&2; fail "tcplensd exited at start"; }
    [ "$i" -lt 100 ] || fail "healthcheck.sh did not pass within 10 s"
    sleep 0.1
done
step "ok: healthcheck.sh passes against tcplensd on 127.0.0.1:$port"
# GET PATH: fails unless 200 (only warns for the dashboard when web/ is empty).
for path in / /api/v1/examples; do
    code=$(curl -sS -o "$TMP/body" -w '%{http_code}' --max-time 10 "http://127.0.0.1:$port$path") || code=000
    if [ "$code" = 200 ]; then
        step "ok: GET $path 200 ($(wc -c <"$TMP/body") bytes)"
    elif [ "$path" = / ] && [ -z "$(ls -A "$STAGE$web_dir")" ]; then
        warn "GET / answered $code (no dashboard files)"
    else
        fail "GET $path answered $code"
    fi
done
grep -q '"name"' "$TMP/body" || fail "GET /api/v1/examples lists no example"
kill -TERM "$SRV_PID"
i=0
while kill -0 "$SRV_PID" 2>/dev/null && [ "$i" -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
kill -0 "$SRV_PID" 2>/dev/null && fail "tcplensd still running 10 s after SIGTERM"
rc=0
wait "$SRV_PID" || rc=$?
SRV_PID=""
[ "$rc" = 0 ] || fail "tcplensd exited $rc after SIGTERM"
step "ok: SIGTERM -> exit 0"
echo "check.sh: all checks passed, $WARNINGS warning(s) (the Dockerfile's build steps work;" \
    "docker build itself was not run)"
