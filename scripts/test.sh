#!/usr/bin/env bash
# Runs the whole test suite with coverage. Installs what the tests need (nats-server, PostgreSQL
# binaries, node and npm for the JavaScript examples) with apt when missing, and the examples' npm
# packages with `npm ci`; the tests themselves start a throwaway nats-server and
# PostgreSQL cluster on free loopback ports. Ends with "N passed, N failed" and the line coverage.
set -uo pipefail
cd "$(dirname "$0")/.."

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
need_apt=()
command -v nats-server >/dev/null 2>&1 || need_apt+=(nats-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "Installing ${need_apt[*]} with apt..."
  # The tests run their own clusters: do not let the package create and start a default one.
  $SUDO mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null || exit 1
fi

# Storage.Tests/Examples runs the JavaScript examples' own tests against a real host.
(cd examples/js && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci in examples/js failed"; exit 1; }

RESULTS="TestResults/run-$(date +%s)"
mkdir -p "$RESULTS"
dotnet test Storage.Tests/Storage.Tests.csproj -c Release \
  --settings Storage.Tests/coverage.runsettings \
  --collect:"XPlat Code Coverage" --results-directory "$RESULTS" \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=minimal" 2>&1 | tee "$RESULTS/output.log"
status=${PIPESTATUS[0]}

trx=$(find "$RESULTS" -name results.trx | head -1)
passed=0; failed=0
if [ -n "$trx" ]; then
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  passed=$(echo "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p')
  failed=$(echo "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')
  errors=$(echo "$counters" | sed -n 's/.* error="\([0-9]*\)".*/\1/p')
  failed=$(( ${failed:-0} + ${errors:-0} ))
fi
[ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ] && failed=1

coverage=$(find "$RESULTS" -name coverage.cobertura.xml | head -1)
if [ -n "$coverage" ]; then
  rate=$(grep -o '<coverage line-rate="[0-9.]*"' "$coverage" | head -1 | sed 's/.*="\([0-9.]*\)"/\1/')
  echo "line coverage: $(awk -v r="$rate" 'BEGIN { printf "%.1f%%", r * 100 }')"
fi
echo "${passed:-0} passed, ${failed:-0} failed"
exit "$status"
