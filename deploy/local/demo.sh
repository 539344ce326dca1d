#!/usr/bin/env bash
# `make demo`: builds the services, resets the demo database and queues, starts the four
# services in the background (logs and pids in .run/), imports the bundled sample tickets
# through the real pipeline (offline analyzer unless ANTHROPIC_API_KEY is set), waits until they
# are analyzed and clustered, builds and starts the dashboard (frontend/, `next start`), and
# prints a summary. `make stop` stops what it started.
set -euo pipefail
cd "$(dirname "$0")/../.."

RUN_DIR=.run
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
REDIS_HOST=${REDIS_HOST:-127.0.0.1}
REDIS_PORT=${REDIS_PORT:-6379}
API_PORT=${API_PORT:-8080}
INGEST_PORT=${INGEST_PORT:-8081}
ANALYZER_PORT=${ANALYZER_PORT:-8082}
CLUSTERER_PORT=${CLUSTERER_PORT:-8083}
DASHBOARD_PORT=${DASHBOARD_PORT:-3000}
export DATABASE_URL=${DEMO_DATABASE_URL:-postgres://postgres@${PG_HOST}:${PG_PORT}/issue_miner_demo}
export REDIS_URL=${DEMO_REDIS_URL:-redis://${REDIS_HOST}:${REDIS_PORT}}
export QUEUE_PREFIX=${DEMO_QUEUE_PREFIX:-issue-miner-demo}
export RUST_LOG=${RUST_LOG:-info}
# The demo's clusters should show fresh statistics while you watch.
export STATS_EVERY_SECS=${STATS_EVERY_SECS:-30}
SAMPLE=services/ingest/data/sample_tickets.jsonl
BIN=${CARGO_TARGET_DIR:-target}/debug

reachable() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

if ! reachable "$PG_HOST" "$PG_PORT"; then
  echo "PostgreSQL is not reachable on $PG_HOST:$PG_PORT." >&2
  echo "Start it with:  pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start" >&2
  echo "(or point PG_HOST/PG_PORT, or DEMO_DATABASE_URL, at a running server)" >&2
  exit 1
fi
if ! reachable "$REDIS_HOST" "$REDIS_PORT"; then
  echo "Redis is not reachable on $REDIS_HOST:$REDIS_PORT." >&2
  echo "Start it with:  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no" >&2
  echo "(or point REDIS_HOST/REDIS_PORT, or DEMO_REDIS_URL, at a running server)" >&2
  exit 1
fi

started=$(date +%s)
echo "==> Building the services"
cargo build --bins --quiet
# The offline analyzer's embedding model; without it the analyzer falls back to keywords.
bash "$(dirname "$0")/fetch-model.sh" || echo "could not fetch the embedding model: the analyzer will use the keyword analyzer" >&2

bash deploy/local/stop.sh --quiet
mkdir -p "$RUN_DIR"

echo "==> Building the dashboard (frontend/: npm ci once, next build)"
if [ ! -d frontend/node_modules ]; then
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd frontend && NEXT_TELEMETRY_DISABLED=1 npx next build >"../$RUN_DIR/dashboard-build.log" 2>&1) || {
  echo "The dashboard did not build; its log says:" >&2
  tail -n 30 "$RUN_DIR/dashboard-build.log" >&2
  exit 1
}

echo "==> Resetting the demo database and queues"
RUST_LOG=warn "$BIN/api" migrate --reset

echo "==> Starting ingest, analyzer, clusterer and api (logs in $RUN_DIR/)"
start() { # name port
  PORT=$2 nohup "$BIN/$1" serve >"$RUN_DIR/$1.log" 2>&1 &
  echo $! >"$RUN_DIR/$1.pid"
}
# The dashboard's server (this machine) says who signed in from where (X-Forwarded-For), for the
# api's per-address sign-in limit.
RATE_LIMIT_TRUSTED_PROXIES=${RATE_LIMIT_TRUSTED_PROXIES:-127.0.0.1} start api "$API_PORT"
start ingest "$INGEST_PORT"
start analyzer "$ANALYZER_PORT"
start clusterer "$CLUSTERER_PORT"

for _ in $(seq 1 100); do
  reachable 127.0.0.1 "$API_PORT" && break
  if ! kill -0 "$(cat "$RUN_DIR/api.pid")" 2>/dev/null; then
    echo "The api exited; its log says:" >&2
    tail -n 20 "$RUN_DIR/api.log" >&2
    exit 1
  fi
  sleep 0.2
done

echo "==> Importing the bundled sample tickets ($SAMPLE)"
RUST_LOG=warn "$BIN/ingest" import "$SAMPLE" --rebase-dates

echo "==> Waiting for analysis and clustering"
RUST_LOG=warn "$BIN/api" report --wait 900 --top 5

# The API wants a bearer token: a read token for trying it by hand with curl.
TOKEN=$(RUST_LOG=warn "$BIN/api" token create --name demo-read --scope read 2>/dev/null)
echo "$TOKEN" >"$RUN_DIR/api-token"
# People sign in to the dashboard: a demo admin. The database is new on every run, so the user is
# too; its password is made once and kept (owner-only) so that every run prints the same one.
STATE_DIR=.cache/demo
mkdir -p "$STATE_DIR"
if [ ! -s "$STATE_DIR/admin-password" ]; then
  (umask 077 && od -An -N12 -tx1 /dev/urandom | tr -d ' \n' >"$STATE_DIR/admin-password")
fi
ADMIN_EMAIL=admin@demo.local
USER_PASSWORD=$(cat "$STATE_DIR/admin-password") RUST_LOG=warn \
  "$BIN/api" user create --email "$ADMIN_EMAIL" --name "Demo admin" --role admin >/dev/null

echo "==> Starting the dashboard"
(
  cd frontend
  # 127.0.0.1 only: the demo is for this machine.
  API_URL="http://127.0.0.1:$API_PORT" NEXT_TELEMETRY_DISABLED=1 \
    nohup node_modules/.bin/next start -p "$DASHBOARD_PORT" -H 127.0.0.1 >"../$RUN_DIR/dashboard.log" 2>&1 &
  echo $! >"../$RUN_DIR/dashboard.pid"
)
for _ in $(seq 1 150); do
  reachable 127.0.0.1 "$DASHBOARD_PORT" && break
  if ! kill -0 "$(cat "$RUN_DIR/dashboard.pid")" 2>/dev/null; then
    echo "The dashboard exited; its log says:" >&2
    tail -n 20 "$RUN_DIR/dashboard.log" >&2
    exit 1
  fi
  sleep 0.2
done

echo
echo "Done in $(( $(date +%s) - started ))s."
echo "API:        http://127.0.0.1:$API_PORT  (docs: /api/docs/, health: /health)"
echo "Read token: $TOKEN  (also in $RUN_DIR/api-token)"
echo "            curl -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:$API_PORT/api/clusters"
echo "Dashboard:  http://127.0.0.1:$DASHBOARD_PORT"
echo "            Sign in as $ADMIN_EMAIL with password $(cat "$STATE_DIR/admin-password")  (kept in $STATE_DIR/admin-password)"
echo "Logs:       $RUN_DIR/*.log    Stop everything: make stop"
