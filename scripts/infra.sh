#!/usr/bin/env bash
# Installs (when missing) and starts PostgreSQL, RabbitMQ and Redis on loopback, with their data in
# .data/ inside the checkout, so a second run reuses it. Sourced by run.sh, test.sh and bench.
# Usage: scripts/infra.sh start|stop|status
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/.data"
PG_PORT="${PG_PORT:-55432}"
PG_BIN="/usr/lib/postgresql/15/bin"
RABBIT_PORT="${RABBIT_PORT:-5672}"
RABBIT_MGMT_PORT="${RABBIT_MGMT_PORT:-15672}"
# The Erlang port mapper our RabbitMQ node registers with: a port of its own, so stop can end it without
# touching another Erlang node's epmd on the default 4369.
RABBIT_EPMD_PORT="${RABBIT_EPMD_PORT:-4371}"
RABBIT_NODE="registration@localhost"
RABBIT_BIN="/usr/lib/rabbitmq/bin"
REDIS_PORT="${REDIS_PORT:-6380}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
  local missing=()
  [ -x "$PG_BIN/initdb" ] || missing+=(postgresql)
  [ -x "$RABBIT_BIN/rabbitmq-server" ] || missing+=(rabbitmq-server)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v curl >/dev/null || missing+=(curl)
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "infra: installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

rabbit_env() {
  # A private node: its own data, logs, cookie (HOME) and config, nothing under /var/lib.
  export RABBITMQ_NODENAME="$RABBIT_NODE" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$RABBIT_PORT" \
    RABBITMQ_DIST_PORT="${RABBIT_DIST_PORT:-25672}" \
    RABBITMQ_MNESIA_BASE="$DATA/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$DATA/rabbitmq/log" \
    RABBITMQ_CONFIG_FILE="$DATA/rabbitmq/rabbitmq" RABBITMQ_ENABLED_PLUGINS_FILE="$DATA/rabbitmq/enabled_plugins" \
    RABBITMQ_PID_FILE="$DATA/rabbitmq/rabbit.pid" HOME="$DATA/rabbitmq" ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT="$RABBIT_EPMD_PORT"
  # Erlang schedulers that run out of work sleep at once instead of spinning: on a small machine shared with
  # the services, spinning takes CPU from them (RabbitMQ's runtime guide, "scheduler busy waiting").
  # The node.s distribution port listens on loopback only, like everything else here.
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="+sbwt none +sbwtdcpu none +sbwtdio none -kernel inet_dist_use_interface {127,0,0,1}"
}

start_postgres() {
  local pgdata="$DATA/postgres"
  if [ ! -s "$pgdata/PG_VERSION" ]; then
    mkdir -p "$pgdata"
    chown postgres:postgres "$pgdata" 2>/dev/null || true
    chmod 700 "$pgdata"
    as_postgres "$PG_BIN/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 >/dev/null
    cat >> "$pgdata/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$pgdata'
max_connections = 300
shared_buffers = 256MB
fsync = on
synchronous_commit = on
CONF
  fi
  # Commit timestamps let the benchmarks measure commit-to-todo latency exactly (pg_xact_commit_timestamp).
  as_postgres "$PG_BIN/postgres" -D "$pgdata" -C track_commit_timestamp 2>/dev/null | grep -q on \
    || echo "track_commit_timestamp = on" >> "$pgdata/postgresql.conf"
  if ! as_postgres "$PG_BIN/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
    as_postgres "$PG_BIN/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 start >/dev/null
  elif [ "$(as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qtAc 'SHOW track_commit_timestamp')" != on ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 restart >/dev/null
  fi
  as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qtAc "ALTER USER postgres PASSWORD 'postgres'" >/dev/null
  echo "infra: PostgreSQL 15 on 127.0.0.1:$PG_PORT (user postgres / postgres)"
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_rabbitmq() {
  mkdir -p "$DATA/rabbitmq/log" "$DATA/rabbitmq/mnesia"
  echo "[rabbitmq_management]." > "$DATA/rabbitmq/enabled_plugins"
  cat > "$DATA/rabbitmq/rabbitmq.conf" <<CONF
management.tcp.ip = 127.0.0.1
management.tcp.port = $RABBIT_MGMT_PORT
loopback_users.guest = true
log.console = false
log.file.level = warning
CONF
  ( rabbit_env
    if ! "$RABBIT_BIN/rabbitmqctl" -q -n "$RABBIT_NODE" status >/dev/null 2>&1; then
      nohup "$RABBIT_BIN/rabbitmq-server" >"$DATA/rabbitmq/log/stdout.log" 2>&1 &
      "$RABBIT_BIN/rabbitmqctl" -q -n "$RABBIT_NODE" --timeout 120 wait "$DATA/rabbitmq/rabbit.pid" >/dev/null
      "$RABBIT_BIN/rabbitmqctl" -q -n "$RABBIT_NODE" await_startup >/dev/null
    fi )
  for _ in $(seq 1 60); do
    curl -fsS -u guest:guest "http://127.0.0.1:$RABBIT_MGMT_PORT/api/overview" >/dev/null 2>&1 && break
    sleep 1
  done
  curl -fsS -u guest:guest "http://127.0.0.1:$RABBIT_MGMT_PORT/api/overview" >/dev/null \
    || { echo "infra: RabbitMQ management API did not come up" >&2; exit 1; }
  echo "infra: RabbitMQ 3.10 on 127.0.0.1:$RABBIT_PORT, management http://127.0.0.1:$RABBIT_MGMT_PORT (guest/guest)"
}

start_redis() {
  # Orleans' membership table and reminders. AOF on: a restarted Redis comes back with every silo and reminder.
  mkdir -p "$DATA/redis"
  if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$DATA/redis" --appendonly yes --save "" \
      --daemonize yes --pidfile "$DATA/redis/redis.pid" --logfile "$DATA/redis/redis.log"
    for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null || { echo "infra: Redis did not come up" >&2; exit 1; }
  echo "infra: Redis 7 on 127.0.0.1:$REDIS_PORT (AOF in .data/redis)"
}

stop_all() {
  ( rabbit_env; "$RABBIT_BIN/rabbitmqctl" -q -n "$RABBIT_NODE" stop >/dev/null 2>&1 || true
    epmd -kill >/dev/null 2>&1 || true )
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true
  if [ -s "$DATA/postgres/PG_VERSION" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$DATA/postgres" -m fast stop >/dev/null 2>&1 || true
  fi
  echo "infra: stopped"
}

case "${1:-start}" in
  start) install_packages; start_postgres; start_rabbitmq; start_redis ;;
  stop) stop_all ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
