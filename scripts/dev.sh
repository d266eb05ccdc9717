#!/usr/bin/env bash
# Runs the storage service locally: SQLite files under ./data and a local nats-server on 4222
# (installed with apt if missing, started if nothing listens there). Extra arguments go to the host,
# e.g. scripts/dev.sh --Storage:Sqlite:Directory=./other. See scripts/dev.sh --help.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'USAGE'
Usage: scripts/dev.sh [--postgres] [host arguments...]

Runs the storage service for development and prints where everything is once it is ready.
  (default)    SQLite: one file per plugin under ./data
  --postgres   starts a throwaway PostgreSQL under ./data/postgres (port $PG_PORT, default 55432)
               and runs the service against it; stopped again on Ctrl-C
  --help       this text
Environment: NATS_PORT (default 4222), PG_PORT (default 55432), NATS_GIVE_UP_SECONDS (default 15).
Ctrl-C stops the host first, then the nats-server and PostgreSQL this script started.
USAGE
}

NATS_PORT="${NATS_PORT:-4222}"
PG_PORT="${PG_PORT:-55432}"
GIVE_UP="${NATS_GIVE_UP_SECONDS:-15}"
POSTGRES=0
ARGS=()
for arg in "$@"; do
  case "$arg" in
    --help|-h) usage; exit 0 ;;
    --postgres) POSTGRES=1 ;;
    *) ARGS+=("$arg") ;;
  esac
done
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
DATA="$(pwd)/data"
NATS_PID=""; HOST_PID=""; PG_DIR=""; PGBIN=""
mkdir -p .dev "$DATA"

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop() {
  trap - INT TERM EXIT
  # The host first: it drains and closes its NATS connection while NATS is still there to flush to.
  if [ -n "$HOST_PID" ] && kill -0 "$HOST_PID" 2>/dev/null; then
    echo "Stopping the storage host (pid $HOST_PID)..."
    kill -TERM "$HOST_PID" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$HOST_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$HOST_PID" 2>/dev/null && { echo "The host did not stop within 15 s; killing it."; kill -KILL "$HOST_PID" 2>/dev/null || true; }
  fi
  if [ -n "$NATS_PID" ]; then
    echo "Stopping the nats-server this script started (pid $NATS_PID)..."
    kill -TERM "$NATS_PID" 2>/dev/null || true
  fi
  if [ -n "$PG_DIR" ]; then
    echo "Stopping PostgreSQL ($PG_DIR)..."
    (cd /tmp && as_postgres "$PGBIN/pg_ctl" -D "$PG_DIR" -m fast -w stop >/dev/null 2>&1) || true
  fi
}
trap 'stop; exit 130' INT TERM
trap stop EXIT

as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if ! command -v nats-server >/dev/null 2>&1; then
  echo "Installing nats-server with apt..."
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq nats-server >/dev/null
fi

echo "Building the storage host (the first build restores packages and can take a few minutes)..."
dotnet build Storage.Host -c Release -v q -nologo >.dev/build.log 2>&1 || { cat .dev/build.log; echo "Build failed (log: .dev/build.log)."; exit 1; }

if listening "$NATS_PORT"; then
  echo "Using the nats-server already listening on 127.0.0.1:$NATS_PORT."
else
  echo "Starting nats-server on 127.0.0.1:$NATS_PORT (log: .dev/nats.log)..."
  # Its own session: Ctrl-C reaches only this script, which stops the host first and NATS after it.
  setsid nats-server -a 127.0.0.1 -p "$NATS_PORT" -js -sd .dev/jetstream -l .dev/nats.log </dev/null >/dev/null 2>&1 &
  NATS_PID=$!
  for _ in $(seq 1 50); do listening "$NATS_PORT" && break; sleep 0.1; done
  listening "$NATS_PORT" || { echo "nats-server did not start; see .dev/nats.log."; exit 1; }
fi

BACKEND="SQLite, one file per plugin in $DATA"
if [ "$POSTGRES" -eq 1 ]; then
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$PGBIN" ] || { echo "PostgreSQL binaries not found under /usr/lib/postgresql (apt-get install postgresql)."; exit 1; }
  PG_DIR="$DATA/postgres"
  if [ ! -f "$PG_DIR/PG_VERSION" ]; then
    echo "Creating a throwaway PostgreSQL cluster in $PG_DIR..."
    mkdir -p "$PG_DIR"; chmod 700 "$PG_DIR"
    [ "$(id -u)" -eq 0 ] && { chmod 755 "$DATA"; chown postgres: "$PG_DIR"; }
    (cd /tmp && as_postgres "$PGBIN/initdb" -D "$PG_DIR" -U postgres -A trust -E UTF8 --locale=C >/dev/null)
  fi
  echo "Starting PostgreSQL on 127.0.0.1:$PG_PORT (log: $PG_DIR/server.log)..."
  (cd /tmp && as_postgres "$PGBIN/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR" start >/dev/null)
  PG_CS="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
  BACKEND="PostgreSQL at $PG_CS (data in $PG_DIR)"
  ARGS=(--Storage:Provider=postgres "--Storage:Postgres:ConnectionString=$PG_CS" "${ARGS[@]}")
fi

echo "Starting the storage host..."
# Its own session and a log file (not a pipe): Ctrl-C must not reach it before NATS is still there
# to drain to, nor break its output; the script shows the log and stops it in order.
: > .dev/host.log
setsid dotnet Storage.Host/bin/Release/net10.0/Storage.Host.dll --Nats:Url="nats://127.0.0.1:$NATS_PORT" ${ARGS[@]+"${ARGS[@]}"} \
  </dev/null >.dev/host.log 2>&1 &
HOST_PID=$!
tail -n +1 -f --pid="$HOST_PID" .dev/host.log &
for _ in $(seq 1 300); do
  grep -q "Storage service listening" .dev/host.log 2>/dev/null && break
  kill -0 "$HOST_PID" 2>/dev/null || { echo "The host exited during start; see above."; exit 1; }
  sleep 0.1
done

cat <<READY

================ storage service ready ================
 backend : $BACKEND
 NATS    : nats://127.0.0.1:$NATS_PORT
 logs    : .dev/host.log, .dev/nats.log
 stop    : Ctrl-C (stops the host, then what this script started)
 try     : nats req db.kv.quote-db.set '{"key":"hello","value":"world"}'
           nats req db.kv.quote-db.get '{"key":"hello"}'
=======================================================

READY

# Watch both: if NATS goes away for longer than NATS_GIVE_UP_SECONDS, stop rather than hang.
down=0
while kill -0 "$HOST_PID" 2>/dev/null; do
  if listening "$NATS_PORT"; then down=0; else down=$((down + 1)); fi
  if [ "$down" -ge "$GIVE_UP" ]; then
    echo "NATS at 127.0.0.1:$NATS_PORT has been unreachable for $GIVE_UP s; stopping the host."
    stop
    exit 1
  fi
  sleep 1
done
wait "$HOST_PID" || { code=$?; echo "The host exited with code $code."; exit "$code"; }
