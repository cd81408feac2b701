#!/bin/sh
# Installs the Debian/Ubuntu packages tcplens needs, and nothing when all are present.
# Usage: scripts/install-deps.sh [run|test]
#   run  : compiler, CMake, libraries (what `make run` needs)
#   test : the above plus the test tools (cmocka, tshark, tcpdump, python3 with yaml and
#          jsonschema, curl, openssl)
set -eu

mode=${1:-run}
pkgs="gcc make cmake pkg-config libpcap-dev libjansson-dev libmicrohttpd-dev libsqlite3-dev"
if [ "$mode" = test ]; then
    pkgs="$pkgs libcmocka-dev tshark tcpdump python3 python3-yaml python3-jsonschema curl openssl clang-format time wrk"
fi

missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

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
