#!/usr/bin/env bash
# Starts the whole system on loopback: PostgreSQL, RabbitMQ and Redis (installed when missing, data in .data/),
# the databases, a Release build, N AuthApi instances, S Orleans silos (they relay the outbox), M TodoConsumer
# instances, K Notifications instances, the nginx gateway on :8080 and the dashboard on :4000.
# Usage: scripts/run.sh [--auth N] [--silos S] [--todo M] [--notify K]   (default 2, 3, 2 and 1). Stop it with scripts/stop.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="$ROOT/.run"
PG_PORT="${PG_PORT:-55432}"
GATEWAY_PORT="${GATEWAY_PORT:-8080}"
GATEWAY_TLS_PORT="${GATEWAY_TLS_PORT:-8443}"
DASHBOARD_PORT="${DASHBOARD_PORT:-4000}"
RABBIT_MGMT_PORT="${RABBIT_MGMT_PORT:-15672}"
AUTH_COUNT=2
SILO_COUNT=3
TODO_COUNT=2
NOTIFY_COUNT=1
while [ $# -gt 0 ]; do
  case "$1" in
    --auth) AUTH_COUNT="$2"; shift 2 ;;
    --silos) SILO_COUNT="$2"; shift 2 ;;
    --todo) TODO_COUNT="$2"; shift 2 ;;
    --notify) NOTIFY_COUNT="$2"; shift 2 ;;
    *) echo "usage: $0 [--auth N] [--silos S] [--todo M] [--notify K]" >&2; exit 2 ;;
  esac
done
[ "$AUTH_COUNT" -ge 1 ] && [ "$SILO_COUNT" -ge 1 ] && [ "$TODO_COUNT" -ge 1 ] && [ "$NOTIFY_COUNT" -ge 1 ] || { echo "run: at least one instance of each service" >&2; exit 2; }
mkdir -p "$RUN"

"$ROOT/scripts/infra.sh" start

for db in auth todo notify; do
  if ! psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qtAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE $db"
  fi
done

echo "run: building (Release)"
dotnet build "$ROOT/Registration.sln" -c Release -nologo -clp:ErrorsOnly -v q

# Secrets made once for this checkout and kept in .data/ (never committed).
KEY_FILE="$ROOT/.data/jwt-signing-key"
[ -s "$KEY_FILE" ] || (umask 077; head -c 48 /dev/urandom | base64 > "$KEY_FILE")
ADMIN_KEY_FILE="$ROOT/.data/admin-key"
[ -s "$ADMIN_KEY_FILE" ] || (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$ADMIN_KEY_FILE")
METRICS_PASSWORD_FILE="$ROOT/.data/metrics-password" # the scraper's (user prometheus): /metrics only
[ -s "$METRICS_PASSWORD_FILE" ] || (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$METRICS_PASSWORD_FILE")
"$ROOT/scripts/certs.sh"

start_service() { # name project-directory port database [NAME=value ...]
  local name="$1" dir="$2" port="$3" database="$4"
  shift 4
  local project
  project="$(basename "$dir")"
  if [ -f "$RUN/$name.pid" ] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
    echo "run: $name already running (pid $(cat "$RUN/$name.pid"))"
    return
  fi
  ( cd "$ROOT/$dir" || exit 1
    if [ $# -gt 0 ]; then export "$@"; fi
    ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Production}" \
    Urls="http://127.0.0.1:$port" \
    ConnectionStrings__Database="Host=127.0.0.1;Port=$PG_PORT;Database=$database;Username=postgres;Password=postgres;Maximum Pool Size=50" \
    Jwt__SigningKey="$(cat "$KEY_FILE")" \
    Admin__ApiKey="$(cat "$ADMIN_KEY_FILE")" \
    Metrics__Password="$(cat "$METRICS_PASSWORD_FILE")" \
    exec nohup dotnet "bin/Release/net10.0/$project.dll" >"$RUN/$name.log" 2>&1 ) &
  echo $! >"$RUN/$name.pid" # exec: the recorded pid is the service's own, so stop.sh stops the service itself
}

wait_ready() { # name url
  local pid
  pid="$(cat "$RUN/$1.pid")"
  for _ in $(seq 1 60); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "run: $1 exited during start-up (port taken? database unreachable?); see $RUN/$1.log" >&2
      tail -n 20 "$RUN/$1.log" >&2
      exit 1
    fi
    if curl -fsS "$2/health/ready" >/dev/null 2>&1; then echo "run: $1 ready at $2"; return; fi
    sleep 1
  done
  echo "run: $1 did not become ready; see $RUN/$1.log" >&2
  tail -n 20 "$RUN/$1.log" >&2
  exit 1
}

auth_servers=""
todo_servers=""
notify_servers=""
dashboard_env=()
for i in $(seq 1 "$AUTH_COUNT"); do
  port=$((4001 + (i - 1) * 100))
  start_service "auth-api-$i" AuthApi "$port" auth
  auth_servers+="        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
  dashboard_env+=("Dashboard__AuthApiUrls__$((i - 1))=http://127.0.0.1:$port")
done
for i in $(seq 1 "$TODO_COUNT"); do
  port=$((4002 + (i - 1) * 100))
  start_service "todo-consumer-$i" TodoConsumer "$port" todo
  todo_servers+="        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
  dashboard_env+=("Dashboard__TodoConsumerUrls__$((i - 1))=http://127.0.0.1:$port")
done
for i in $(seq 1 "$NOTIFY_COUNT"); do
  port=$((4003 + (i - 1) * 100))
  start_service "notifications-$i" Notifications "$port" notify
  notify_servers+="        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
done
for i in $(seq 1 "$AUTH_COUNT"); do wait_ready "auth-api-$i" "http://127.0.0.1:$((4001 + (i - 1) * 100))"; done
# The silos: they relay the outbox (auth database) and host the users' grains (todo database). Silo i: HTTP
# 4010 + 100*(i-1), silo port 11111 + i-1, gateway port 30000 + i-1. TodoConsumer consumes once it reaches one.
for i in $(seq 1 "$SILO_COUNT"); do
  start_service "silo-$i" Silo "$((4010 + (i - 1) * 100))" auth \
    Orleans__SiloPort="$((11111 + i - 1))" Orleans__GatewayPort="$((30000 + i - 1))" \
    ConnectionStrings__TodoDatabase="Host=127.0.0.1;Port=$PG_PORT;Database=todo;Username=postgres;Password=postgres;Maximum Pool Size=50" \
    ConnectionStrings__NotifyDatabase="Host=127.0.0.1;Port=$PG_PORT;Database=notify;Username=postgres;Password=postgres;Maximum Pool Size=50"
done
for i in $(seq 1 "$SILO_COUNT"); do wait_ready "silo-$i" "http://127.0.0.1:$((4010 + (i - 1) * 100))"; done
for i in $(seq 1 "$TODO_COUNT"); do wait_ready "todo-consumer-$i" "http://127.0.0.1:$((4002 + (i - 1) * 100))"; done
for i in $(seq 1 "$NOTIFY_COUNT"); do wait_ready "notifications-$i" "http://127.0.0.1:$((4003 + (i - 1) * 100))"; done

# The gateway: nginx with a configuration rendered from deploy/nginx/gateway.conf.template.
GATEWAY="$RUN/gateway"
mkdir -p "$GATEWAY/tmp"
conf="$(<"$ROOT/deploy/nginx/gateway.conf.template")"
conf="${conf//\{\{PREFIX\}\}/$GATEWAY}"
conf="${conf//\{\{LISTEN\}\}/127.0.0.1:$GATEWAY_PORT}"
conf="${conf//\{\{TLS_LISTEN\}\}/127.0.0.1:$GATEWAY_TLS_PORT}"
conf="${conf//\{\{TLS_CERT\}\}/$ROOT/.data/tls/gateway.crt}"
conf="${conf//\{\{TLS_KEY\}\}/$ROOT/.data/tls/gateway.key}"
# GATEWAY_DEBUG=1: every answer names the instance that gave it (X-Upstream); off by default, it shows internal addresses.
upstream_header=""
[ "${GATEWAY_DEBUG:-0}" = 1 ] && upstream_header='add_header X-Upstream $upstream_addr always;'
conf="${conf//\{\{UPSTREAM_HEADER\}\}/$upstream_header}"
conf="${conf//\{\{RATE\}\}/${GATEWAY_RATE:-20r/s}}"
conf="${conf//\{\{BURST\}\}/${GATEWAY_BURST:-40}}"
conf="${conf//\{\{AUTH_SERVERS\}\}/${auth_servers%$'\n'}}"
conf="${conf//\{\{TODO_SERVERS\}\}/${todo_servers%$'\n'}}"
conf="${conf//\{\{NOTIFY_SERVERS\}\}/${notify_servers%$'\n'}}"
printf '%s\n' "$conf" >"$GATEWAY/nginx.conf"
if [ -s "$GATEWAY/nginx.pid" ] && kill -0 "$(cat "$GATEWAY/nginx.pid")" 2>/dev/null; then
  nginx -p "$GATEWAY" -c "$GATEWAY/nginx.conf" -s reload </dev/null >>"$GATEWAY/error.log" 2>&1
else
  nginx -p "$GATEWAY" -c "$GATEWAY/nginx.conf" </dev/null >>"$GATEWAY/error.log" 2>&1
fi
ln -sf gateway/nginx.pid "$RUN/gateway.pid"
wait_ready_gateway() {
  for _ in $(seq 1 20); do curl -fsS "http://127.0.0.1:$GATEWAY_PORT/gateway/health" >/dev/null 2>&1 && return; sleep 0.5; done
  echo "run: the gateway did not come up; see $GATEWAY/error.log" >&2; exit 1
}
wait_ready_gateway
echo "run: gateway ready at http://127.0.0.1:$GATEWAY_PORT"

# The dashboard: every instance's admin API (per-instance counters need each one), the management API, and Orleans'
# dashboard at /orleans/ (it joins the cluster as a client, through Redis as in appsettings.json).
if [ -f "$RUN/dashboard.pid" ] && kill -0 "$(cat "$RUN/dashboard.pid")" 2>/dev/null; then
  echo "run: dashboard already running (pid $(cat "$RUN/dashboard.pid"))"
else
  ( cd "$ROOT/src/Dashboard" && \
    exec env ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Production}" \
    Urls="http://127.0.0.1:$DASHBOARD_PORT" \
    Admin__ApiKey="$(cat "$ADMIN_KEY_FILE")" \
    Metrics__Password="$(cat "$METRICS_PASSWORD_FILE")" \
    Dashboard__RabbitMqManagementUrl="http://127.0.0.1:$RABBIT_MGMT_PORT" \
    "${dashboard_env[@]}" \
    nohup dotnet bin/Release/net10.0/Dashboard.dll >"$RUN/dashboard.log" 2>&1 ) &
  echo $! >"$RUN/dashboard.pid"
fi
wait_ready dashboard "http://127.0.0.1:$DASHBOARD_PORT"

cat <<TXT

Registration is running: $AUTH_COUNT AuthApi, $TODO_COUNT TodoConsumer and $NOTIFY_COUNT Notifications instances behind the gateway, $SILO_COUNT silos.
  Gateway      https://127.0.0.1:$GATEWAY_TLS_PORT  (nginx: /api/v1/auth/*, /api/v1/todos and /api/v1/notifications, load-balanced;
               certificate .data/tls/gateway.crt; plain HTTP on http://127.0.0.1:$GATEWAY_PORT)
  Dashboard    http://127.0.0.1:$DASHBOARD_PORT   (user admin, password: the admin key below; Orleans' dashboard at /orleans/; logs .run/dashboard.log)
  AuthApi      http://127.0.0.1:4001 (instance 1; instance i on 4001 + 100*(i-1); logs .run/auth-api-i.log)
  TodoConsumer http://127.0.0.1:4002 (instance 1; instance i on 4002 + 100*(i-1); logs .run/todo-consumer-i.log)
  Notifications http://127.0.0.1:4003 (instance 1; instance i on 4003 + 100*(i-1); logs .run/notifications-i.log)
  Silo         http://127.0.0.1:4010 (silo 1's health; silo i on 4010 + 100*(i-1); logs .run/silo-i.log)
  Redis        127.0.0.1:6380       (Orleans membership and reminders)
  RabbitMQ     http://127.0.0.1:15672  (management UI, guest/guest)
  PostgreSQL   127.0.0.1:$PG_PORT       (databases auth, todo and notify, postgres/postgres)
  Admin key    $(cat "$ADMIN_KEY_FILE")  (header X-Admin-Key; from .data/admin-key)
  Metrics      user prometheus, password $(cat "$METRICS_PASSWORD_FILE")  (HTTP Basic on every /metrics; from .data/metrics-password)

Try it:
  curl -i --cacert .data/tls/gateway.crt -X POST https://127.0.0.1:$GATEWAY_TLS_PORT/api/v1/auth/register \\
       -H 'content-type: application/json' -d '{"email":"ada@example.com","password":"correct horse battery"}'
  TOKEN=\$(curl -s --cacert .data/tls/gateway.crt -X POST https://127.0.0.1:$GATEWAY_TLS_PORT/api/v1/auth/login -H 'content-type: application/json' \\
       -d '{"email":"ada@example.com","password":"correct horse battery"}' | sed 's/.*"accessToken":"\\([^"]*\\)".*/\\1/')
  curl -s --cacert .data/tls/gateway.crt https://127.0.0.1:$GATEWAY_TLS_PORT/api/v1/todos -H "authorization: Bearer \$TOKEN"
  curl -s --cacert .data/tls/gateway.crt https://127.0.0.1:$GATEWAY_TLS_PORT/api/v1/notifications -H "authorization: Bearer \$TOKEN"
  curl -N --cacert .data/tls/gateway.crt https://127.0.0.1:$GATEWAY_TLS_PORT/api/v1/notifications/stream -H "authorization: Bearer \$TOKEN"
  curl -s http://127.0.0.1:4001/api/v1/admin/cluster -H "X-Admin-Key: $(cat "$ADMIN_KEY_FILE")"
  curl -s -u prometheus:$(cat "$METRICS_PASSWORD_FILE") http://127.0.0.1:4010/metrics | grep ^registration_outbox

Stop everything with: scripts/stop.sh
TXT
