#!/usr/bin/env bash
# Stops the gateway and the services started by scripts/run.sh (AuthApi, silos, TodoConsumer, Notifications, the
# dashboard), then PostgreSQL and RabbitMQ.
# Data in .data/ is kept. --keep-infra leaves PostgreSQL and RabbitMQ running.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for pid_file in "$ROOT"/.run/*.pid; do
  [ -e "$pid_file" ] || continue
  pid="$(cat "$pid_file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    echo "stop: $(basename "$pid_file" .pid) stopped"
  fi
  rm -f "$pid_file"
done
[ "${1:-}" = "--keep-infra" ] || "$ROOT/scripts/infra.sh" stop
