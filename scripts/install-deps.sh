#!/bin/sh
# Installs what tcplens needs, and nothing when all is present.
# Usage: scripts/install-deps.sh [run|test]
#   run  : compiler, CMake, libraries (what `make run` needs; libpq-dev for the PostgreSQL
#          backend, left out of the build when it is missing)
#   test : the above plus the test tools (cmocka, tshark, tcpdump, python3 with yaml and
#          jsonschema, curl, openssl; iproute2, ethtool and iptables for the kernel captures;
#          clang and libclang-rt-dev for the libFuzzer runs;
#          postgresql-15 for the PostgreSQL tests)
#          and, for the dashboard's browser tests, Debian's chromium and firefox-esr, a CJK
#          font (the Chinese screenshots), Node.js with npm, and playwright-core, ws and
#          axe-core in tests/web/node_modules (pinned by tests/web/package-lock.json)
set -eu

mode=${1:-run}
root=$(cd "$(dirname "$0")/.." && pwd)
pkgs="gcc make cmake pkg-config libpcap-dev libjansson-dev libmicrohttpd-dev libgnutls28-dev libsqlite3-dev zlib1g-dev libzstd-dev libpq-dev"
if [ "$mode" = test ]; then
    pkgs="$pkgs libcmocka-dev tshark tcpdump zstd python3 python3-yaml python3-jsonschema curl openssl clang-format time wrk"
    pkgs="$pkgs iproute2 ethtool iptables"
    # clang with libFuzzer's runtime (libclang-rt-dev) for the fuzz step at the end of make test
    pkgs="$pkgs clang libclang-rt-dev"
    # a PostgreSQL 15 the tests start as an unprivileged user (api.service.pg, pg.replicas)
    pkgs="$pkgs postgresql-15"
    pkgs="$pkgs chromium firefox-esr fonts-wqy-microhei"
    # A Node.js installed some other way (with its own npm) is used as it is.
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        pkgs="$pkgs nodejs npm"
    fi
fi

missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done

if [ -n "$missing" ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "install-deps: missing packages:$missing (no apt-get here: install them by hand)" >&2
        exit 1
    fi
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    echo "install-deps: installing$missing" >&2
    # tshark asks whether non-root users may capture; answer no, non-interactively.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections 2>/dev/null || true
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

[ "$mode" = test ] || exit 0

# The browser tests' packages, at the versions the lock file pins: playwright-core (drives
# Debian's chromium), ws (talks WebDriver BiDi to Debian's firefox-esr) and axe-core (the
# accessibility rules). All already there: nothing to do (repeated `make test` stay fast and
# offline). No browser is ever downloaded.
web="$root/tests/web"
need=""
for m in playwright-core ws axe-core; do
    want=$(node -p "require('$web/package-lock.json').packages['node_modules/$m'].version")
    have=$(node -p "try { require('$web/node_modules/$m/package.json').version } catch { '' }")
    if [ "$have" != "$want" ]; then
        need="$need $m $want"
    fi
done
if [ -n "$need" ]; then
    echo "install-deps: npm ci in tests/web (${need# })" >&2
    (cd "$web" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund >/dev/null)
fi
