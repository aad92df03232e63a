#!/usr/bin/env bash
# Benchmarks: throughput and latency of every stage against raw baselines measured in the same run.
# Starts PostgreSQL and RabbitMQ when they are not already answering (scripts/infra.sh), builds in Release,
# runs bench/Registration.Bench, writes artifacts/bench/results.json and results.md (the details) and rewrites
# the generated table in BENCHMARKS.md.
#
# Usage: scripts/bench.sh [scenario...] [--full] [--runs N] [--peers KEYS|none]
#   scenarios: relay consumer latency latency-200 saturation failover failover-frozen recovery notifications-latency
#              notifications-consumer (default: all of them; "resources" come from the latency scenarios and saturation)
#   --peers    the other outboxes measured beside ours in relay, consumer, latency, latency-200 and recovery
#              (bench/Peers; default: every peer project present, e.g. --peers wolverine,cap; --peers none)
#   --full     60 s of steady load in the latency scenario instead of 20 s
#   --runs N   runs per scenario (default 3; every figure is the median)
#   --quiet-wait SECONDS  longest wait for an idle machine before each run (default 5; the machine may be shared)
#   Diagnostic runs write artifacts/bench/results-NAME.json and leave BENCHMARKS.md alone:
#   scenarios relay-fixes, consumer-fixes (see BENCHMARKS.md), work-factor (one password hash at BCrypt work
#   factors 10-13 against the PBKDF2 hash of before), relay-retention (the relay drain while the relay grains delete
#   400,000 SENT rows past Outbox:Retention, against the same drain with nothing to delete);
#   --auth-env KEY=VALUE, --todo-env KEY=VALUE (extra environment of every AuthApi / TodoConsumer process),
#   --auth-db-options "-c name=value" (PostgreSQL session options of AuthApi), --latency-rate N, --label NAME
# Usage: scripts/bench.sh --report FILE [MORE_FILE...]
#   runs nothing: rewrites the generated table in BENCHMARKS.md and artifacts/bench/results.md from a results file;
#   the scenarios of further files (e.g. a labelled run of some scenarios) replace or join the first file's
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${1:-}" = --report ]; then
  [ -f "${2:-}" ] || { echo "usage: $0 --report artifacts/bench/results.json [artifacts/bench/results-NAME.json...]" >&2; exit 2; }
  dotnet build "$ROOT/bench/Registration.Bench/Registration.Bench.csproj" -c Release -nologo -clp:ErrorsOnly -v q
  exec dotnet "$ROOT/bench/Registration.Bench/bin/Release/net10.0/Registration.Bench.dll" --root "$ROOT" --report-from "${@:2}"
fi
PG_PORT="${BENCH_PG_PORT:-55432}"
RABBIT_MGMT_PORT="${BENCH_RABBIT_MGMT_PORT:-15672}"
started=$(date +%s)

# infra.sh keeps its data in this checkout's .data/; when PostgreSQL and RabbitMQ already answer (e.g. started
# from another checkout of the repository) they are used as they are.
if psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qtAc 'SELECT 1' >/dev/null 2>&1 \
   && curl -fsS -u guest:guest "http://127.0.0.1:$RABBIT_MGMT_PORT/api/overview" >/dev/null 2>&1 \
   && redis-cli -h 127.0.0.1 -p "${REDIS_PORT:-6380}" ping >/dev/null 2>&1; then
  echo "bench: PostgreSQL (127.0.0.1:$PG_PORT), RabbitMQ (management :$RABBIT_MGMT_PORT) and Redis already running"
else
  "$ROOT/scripts/infra.sh" start
fi

echo "bench: building (Release)"
dotnet build "$ROOT/bench/Registration.Bench/Registration.Bench.csproj" -c Release -nologo -clp:ErrorsOnly -v q
dotnet build "$ROOT/Silo/Silo.csproj" -c Release -nologo -clp:ErrorsOnly -v q # the relay and the users' grains; the bench starts it as a process
for peer in "$ROOT"/bench/Peers/*/*.csproj; do # Wolverine's, CAP's: started as processes beside ours
  [ -f "$peer" ] && dotnet build "$peer" -c Release -nologo -clp:ErrorsOnly -v q
done

commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no -- . ':!BENCHMARKS.md' 2>/dev/null)" ]; then
  commit="$commit (with uncommitted changes)"
fi

echo "bench: running (progress on stderr; services' logs in artifacts/bench/logs/)"
status=0
dotnet "$ROOT/bench/Registration.Bench/bin/Release/net10.0/Registration.Bench.dll" --root "$ROOT" --commit "$commit" "$@" || status=$?
echo "bench: finished in $(( $(date +%s) - started )) s (exit $status)"
exit "$status"
