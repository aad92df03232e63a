#!/usr/bin/env bash
# Starts the whole system on loopback: PostgreSQL and RabbitMQ (installed when missing, data in .data/),
# the databases, a Release build, then AuthApi (:4001) and TodoService (:4002). Stop it with scripts/stop.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="$ROOT/.run"
PG_PORT="${PG_PORT:-55432}"
mkdir -p "$RUN"

"$ROOT/scripts/infra.sh" start

for db in auth todo; do
  if ! psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qtAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE $db"
  fi
done

echo "run: building (Release)"
dotnet build "$ROOT/Registration.sln" -c Release -nologo -clp:ErrorsOnly -v q

# A signing key made once for this checkout and kept in .data/ (never committed).
KEY_FILE="$ROOT/.data/jwt-signing-key"
[ -s "$KEY_FILE" ] || (umask 077; head -c 48 /dev/urandom | base64 > "$KEY_FILE")

start_service() { # name project port database
  local name="$1" project="$2" port="$3" database="$4"
  if [ -f "$RUN/$name.pid" ] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
    echo "run: $name already running (pid $(cat "$RUN/$name.pid"))"
    return
  fi
  ( cd "$ROOT/src/$project" && \
    ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Production}" \
    Urls="http://127.0.0.1:$port" \
    ConnectionStrings__Database="Host=127.0.0.1;Port=$PG_PORT;Database=$database;Username=postgres;Password=postgres;Maximum Pool Size=50" \
    Jwt__SigningKey="$(cat "$KEY_FILE")" \
    nohup dotnet "bin/Release/net10.0/$project.dll" >"$RUN/$name.log" 2>&1 &
    echo $! >"$RUN/$name.pid" )
}

wait_ready() { # name url
  for _ in $(seq 1 60); do
    if curl -fsS "$2/health/ready" >/dev/null 2>&1; then echo "run: $1 ready at $2"; return; fi
    sleep 1
  done
  echo "run: $1 did not become ready; see $RUN/$1.log" >&2
  tail -n 20 "$RUN/$1.log" >&2
  exit 1
}

start_service auth-api AuthApi 4001 auth
start_service todo-service TodoService 4002 todo
wait_ready auth-api http://127.0.0.1:4001
wait_ready todo-service http://127.0.0.1:4002

cat <<TXT

Registration is running.
  AuthApi      http://127.0.0.1:4001   (logs: .run/auth-api.log)
  TodoService  http://127.0.0.1:4002   (logs: .run/todo-service.log)
  RabbitMQ     http://127.0.0.1:15672  (management UI, guest/guest)
  PostgreSQL   127.0.0.1:$PG_PORT       (databases auth and todo, postgres/postgres)

Try it:
  curl -i -X POST http://127.0.0.1:4001/api/v1/auth/register \\
       -H 'content-type: application/json' -d '{"email":"ada@example.com","password":"correct horse battery"}'
  TOKEN=\$(curl -s -X POST http://127.0.0.1:4001/api/v1/auth/login -H 'content-type: application/json' \\
       -d '{"email":"ada@example.com","password":"correct horse battery"}' | sed 's/.*"accessToken":"\\([^"]*\\)".*/\\1/')
  curl -s http://127.0.0.1:4002/api/v1/todos -H "authorization: Bearer \$TOKEN"

Stop everything with: scripts/stop.sh
TXT
