#!/usr/bin/env bash
# Runs the whole test suite against a real PostgreSQL and RabbitMQ (started as scripts/run.sh does),
# and validates docker-compose.yml. Exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RESULTS="$ROOT/artifacts/test-results"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"

"$ROOT/scripts/infra.sh" start

echo "test: validating docker-compose.yml"
if ! command -v docker-compose >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
fi
if command -v docker-compose >/dev/null 2>&1; then
  # The signing key is a required secret of the compose file; any value satisfies validation.
  (cd "$ROOT" && JWT_SIGNING_KEY=validation-only-placeholder-of-32-bytes docker-compose -f docker-compose.yml config -q)
  echo "test: docker-compose.yml is valid"
else
  echo "test: docker-compose not installed (needs root to install); compose file not validated" >&2
fi

# The dashboard's browser test drives Debian's chromium (Playwright never downloads a browser here).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test: installing chromium for the dashboard's browser test"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "test: /usr/bin/chromium is missing (needs root to install); the browser test will fail" >&2
  fi
fi

echo "test: building"
dotnet build "$ROOT/Registration.sln" -nologo -clp:ErrorsOnly -v q

# The in-process services log JSON lines to the console; they go to a file, and the console keeps the test names,
# the failures with their messages and the summary.
LOGS="$RESULTS/logs"
mkdir -p "$LOGS"
echo "test: running the suite (the services' log lines: ${LOGS#"$ROOT/"}/services.log)"
status=0
TEST_ARTIFACTS="$RESULTS" dotnet test "$ROOT/tests/Registration.Tests" --no-build -nologo \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" \
  --results-directory "$RESULTS" "$@" 2>&1 \
  | awk -v logs="$LOGS/services.log" '/^\{"Timestamp":/ { print > logs; next } { print; fflush() }' || status=$?

[ -f "$RESULTS/chaos-summary.txt" ] && cat "$RESULTS/chaos-summary.txt"
counters=$(grep -o '<Counters [^>]*>' "$RESULTS/results.trx" 2>/dev/null || true)
passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
# The failures again, last, so that the tail of a long log names them (test name, message, first frames).
if [ "${failed:-0}" != 0 ]; then
  echo "Failed tests:"
  awk '/<UnitTestResult / && /outcome="Failed"/ { on = 1; lines = 0
         if (match($0, /testName="[^"]*"/)) print "  FAILED " substr($0, RSTART + 10, RLENGTH - 11) }
       on && /<Message>/ { msg = 1 }
       on && msg && lines < 15 { print "    " substr($0, 1, 400); lines++ }
       /<\/UnitTestResult>/ { on = 0; msg = 0 }' "$RESULTS/results.trx" | sed 's/&quot;/"/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g'
fi
echo "Tests: ${passed:-0} passed, ${failed:-0} failed"
if [ "${passed:-0}" = 0 ]; then
  echo "test: no test ran" >&2
  status=1
fi
exit "$status"
