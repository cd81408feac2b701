#!/bin/sh
# docker/build.sh - the steps of docker/Dockerfile, in one script so that docker/check.sh runs
# exactly the same commands on a scratch copy of the repository, without a Docker engine.
#
# Usage (from the repository root):
#   sh docker/build.sh build STAGE     install the build dependencies (scripts/install-deps.sh run,
#                                      as `make` does), configure and build with CMake as the
#                                      Makefile does (tests off), then copy what the image ships
#                                      into STAGE:
#                                        STAGE/usr/bin/tcplensd, STAGE/usr/bin/tcplens
#                                        STAGE/usr/share/tcplens/web, STAGE/usr/share/tcplens/examples
#   sh docker/build.sh runtime-deps    install only the runtime libraries (the runtime stage)
#   sh docker/build.sh runtime-packages   print those packages, one per line
#
# `build` expects a clean tree (no build/ from another checkout): the Docker build context and
# check.sh's scratch copy both are.
set -eu

# The shared libraries tcplensd and tcplens link (check.sh verifies this list against the
# binaries' DT_NEEDED entries). libc6 is in the base image.
RUNTIME_PACKAGES="libpcap0.8 libjansson4 libmicrohttpd12 libsqlite3-0 libpq5 zlib1g libzstd1"

case "${1:-}" in
    build)
        stage=${2:?usage: docker/build.sh build STAGE}
        sh scripts/install-deps.sh run
        cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTL_TESTS=OFF
        cmake --build build -j "$(nproc 2>/dev/null || echo 2)"
        for exe in tcplensd tcplens; do
            if [ ! -x "build/bin/$exe" ]; then
                echo "docker/build.sh: build/bin/$exe was not built" >&2
                exit 1
            fi
        done
        mkdir -p "$stage/usr/bin" "$stage/usr/share/tcplens"
        cp build/bin/tcplensd build/bin/tcplens "$stage/usr/bin/"
        rm -rf "$stage/usr/share/tcplens/web" "$stage/usr/share/tcplens/examples"
        for d in web examples; do
            if [ -d "$d" ]; then
                cp -R "$d" "$stage/usr/share/tcplens/$d"
            else
                echo "docker/build.sh: warning: no $d/ in the tree; the image gets an empty one" >&2
                mkdir -p "$stage/usr/share/tcplens/$d"
            fi
        done
        ;;
    runtime-deps)
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        # shellcheck disable=SC2086 # the package list is split on purpose
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            $RUNTIME_PACKAGES >/dev/null
        rm -rf /var/lib/apt/lists/*
        ;;
    runtime-packages)
        for p in $RUNTIME_PACKAGES; do echo "$p"; done
        ;;
    *)
        sed -n '4,16p' "$0" | sed 's/^# \{0,1\}//' >&2
        exit 2
        ;;
esac
