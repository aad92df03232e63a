#!/usr/bin/env bash
# Makes, once, the certificates this checkout runs with, in .data/tls/ (never committed):
#   gateway.crt, gateway.key   the gateway's HTTPS certificate, self-signed for 127.0.0.1, localhost and "gateway"
#                              (its compose service name); clients trust it with e.g. curl --cacert .data/tls/gateway.crt.
# Usage: scripts/certs.sh   (scripts/run.sh calls it; run it yourself before docker compose up).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TLS="$ROOT/.data/tls"
mkdir -p "$TLS"

if [ ! -s "$TLS/gateway.crt" ] || [ ! -s "$TLS/gateway.key" ]; then
  command -v openssl >/dev/null || { apt-get update -qq && apt-get install -y -qq openssl >/dev/null; }
  (umask 077
   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 825 \
     -subj "/CN=registration gateway" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:gateway" \
     -keyout "$TLS/gateway.key" -out "$TLS/gateway.crt" 2>/dev/null)
  chmod 644 "$TLS/gateway.crt"
  echo "certs: made $TLS/gateway.crt (self-signed, 825 days)"
fi
