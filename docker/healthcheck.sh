#!/bin/bash
# tcplens-healthcheck: the container's HEALTHCHECK. GET /healthz on the port of TCPLENS_LISTEN;
# healthy only on "200" (tcplensd answers 503 when its database does not).
#
# Why bash and not curl: bash's /dev/tcp is enough for one HTTP/1.0 request, and bash is
# already in debian:bookworm-slim, whereas curl would add libcurl and about twenty packages
# (TLS, LDAP, SSH, ...) to a runtime image that otherwise holds four libraries.
# Limit: bash cannot speak TLS. With TCPLENS_TLS_CERT set, the check only proves that the port
# accepts connections; see docker/README.md.
set -u

listen=${TCPLENS_LISTEN:-127.0.0.1:8080}
port=${listen##*:}
host=${listen%:*}
host=${host#[}
host=${host%]}
case $host in
    "" | 0.0.0.0 | "*") host=127.0.0.1 ;;
    "::") host=::1 ;;
esac

exec 3<>"/dev/tcp/$host/$port" || exit 1
if [ -n "${TCPLENS_TLS_CERT:-}" ]; then
    exit 0
fi
printf 'GET /healthz HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$host" >&3
IFS= read -r -t 4 status <&3 || {
    echo "healthcheck: no answer from $host:$port" >&2
    exit 1
}
case $status in
    "HTTP/1."?" 200 "*) exit 0 ;;
esac
echo "healthcheck: ${status%$'\r'}" >&2
exit 1
