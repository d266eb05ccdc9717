#!/usr/bin/env bash
# Runs the storage service locally: SQLite files under ./data and a local nats-server on 4222
# (installed with apt if missing, started if nothing listens there). Extra arguments go to the host,
# e.g. scripts/dev.sh --Storage:Provider=postgres --Storage:Postgres:ConnectionString="Host=..."
set -euo pipefail
cd "$(dirname "$0")/.."

NATS_PORT="${NATS_PORT:-4222}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

if ! command -v nats-server >/dev/null 2>&1; then
  echo "Installing nats-server with apt..."
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq nats-server >/dev/null
fi

if ! (exec 3<>"/dev/tcp/127.0.0.1/$NATS_PORT") 2>/dev/null; then
  mkdir -p .dev
  echo "Starting nats-server on 127.0.0.1:$NATS_PORT (log: .dev/nats.log)"
  nats-server -a 127.0.0.1 -p "$NATS_PORT" -js -sd .dev/jetstream -l .dev/nats.log </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$NATS_PORT") 2>/dev/null && break; sleep 0.1; done
fi

exec dotnet run --project Storage.Host -c Release -- --Nats:Url="nats://127.0.0.1:$NATS_PORT" "$@"
