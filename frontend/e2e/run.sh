#!/usr/bin/env bash
# End-to-end tests of the dashboard in headless Chromium against the real services:
#   1. builds api, ingest, analyzer and clusterer (debug, CARGO_TARGET_DIR respected; or takes
#      them from E2E_BIN_DIR);
#   2. creates its own database (issue_miner_e2e_<random>) and Redis key prefix;
#   3. starts a local OpenID Connect provider (e2e/oidc-provider.mjs, the npm oidc-provider) and
#      the four services on free ports (keyword analyzer: fast, no model needed), the api with
#      single sign-on through that provider;
#   4. imports the 600 bundled sample tickets and waits until they are analyzed and clustered;
#      creates an admin, an editor and a viewer with random passwords (`api user create`);
#   5. builds the dashboard (into .next-e2e, so a running `make demo` is left alone) and starts
#      `next start` on a free port (it holds no token: people sign in);
#   6. runs e2e/*.e2e.ts (Vitest + playwright-core driving /usr/bin/chromium), or with
#      E2E_KEEP=1 keeps it all running and prints the variables to run them by hand;
#   7. stops everything it started and drops its database and Redis keys, whatever happened.
# Needs PostgreSQL and Redis on 127.0.0.1 (as `make test`) and Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
FRONTEND=$PWD
ROOT=$(cd .. && pwd)

PG_URL=${E2E_PG_URL:-postgres://postgres@127.0.0.1:5432}
REDIS_URL=${E2E_REDIS_URL:-redis://127.0.0.1:6379}
SUFFIX=$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')
DB=issue_miner_e2e_$SUFFIX
PREFIX=issue-miner-e2e-$SUFFIX
WORK=$(mktemp -d -t issue-miner-e2e-XXXXXX)
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/debug
PIDS=()

log() { printf '==> %s\n' "$*"; }

cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  psql "$PG_URL/postgres" -qAt -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -u "$REDIS_URL" --scan --pattern "$PREFIX:*" | xargs -r redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 || true
  if [ "$status" -ne 0 ]; then
    echo "e2e failed; the services' logs:" >&2
    for f in "$WORK"/*.log; do echo "--- $f (last 30 lines)" >&2; tail -n 30 "$f" >&2; done
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT INT TERM

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_http() { # url pid name
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { echo "$3 exited; its log:" >&2; tail -n 30 "$WORK/$3.log" >&2; return 1; }
    sleep 0.2
  done
  echo "$3 did not answer at $1" >&2
  return 1
}

if [ ! -x /usr/bin/chromium ]; then
  echo "/usr/bin/chromium is missing: apt-get install -y chromium (never a downloaded browser)" >&2
  exit 1
fi

if [ -n "${E2E_BIN_DIR:-}" ]; then
  BIN=$E2E_BIN_DIR # binaries built beforehand (e.g. by CI); nothing is built here
else
  log "Building api, ingest, analyzer and clusterer"
  (cd "$ROOT" && cargo build --quiet --bins)
  # Copied at once: the target directory may be shared with other checkouts, whose next build
  # would replace these files under the running test.
  mkdir -p "$WORK/bin"
  cp "$BIN"/{api,ingest,analyzer,clusterer} "$WORK/bin/"
  BIN=$WORK/bin
fi

export DATABASE_URL=$PG_URL/$DB REDIS_URL QUEUE_PREFIX=$PREFIX
# No rate limits (0 = off): the tests sign in and read far faster than a person.
export RATE_LIMIT_API_PER_MIN=0 RATE_LIMIT_ADDRESS_PER_MIN=0 RATE_LIMIT_LOGIN_PER_MIN=0
export RUST_LOG=${RUST_LOG:-warn}
# The keyword analyzer: no model to load, 600 tickets in seconds.
export EMBEDDING_MODEL_DIR=$WORK/no-model
export STATS_EVERY_SECS=5 RECONCILE_EVERY_SECS=5 QUEUE_POLL_MS=100
# Every answer fresh, so what the test reads from the API is what the page showed.
export API_CACHE_SECS=0
unset ANTHROPIC_API_KEY ZENDESK_EMAIL ZENDESK_API_TOKEN

log "Database $DB, queue prefix $PREFIX"
"$BIN/api" migrate --reset >"$WORK/migrate.log" 2>&1

API_PORT=$(free_port)
WEB_PORT=$(free_port)
OIDC_PORT=$(free_port)
secret() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }

log "Starting the OpenID provider"
export OIDC_CLIENT_ID=issue-miner-e2e OIDC_CLIENT_SECRET=$(secret)
export OIDC_REDIRECT_URL=http://127.0.0.1:$WEB_PORT/auth/callback
OIDC_PORT=$OIDC_PORT node e2e/oidc-provider.mjs >"$WORK/oidc.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$OIDC_PORT/.well-known/openid-configuration" "$!" oidc

start() { # name port [env...]
  local name=$1 port=$2
  shift 2
  env PORT="$port" HOST=127.0.0.1 "$@" "$BIN/$name" serve >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$port/health" "$!" "$name"
}
log "Starting the services"
# People of sso.example get a viewer account on their first sign-in (OIDC_DEFAULT_ROLE's default).
start api "$API_PORT" ZENDESK_SUBDOMAIN=acme-e2e OIDC_ISSUER_URL="http://127.0.0.1:$OIDC_PORT" \
  OIDC_PROVIDER_NAME="Company SSO" OIDC_ALLOWED_DOMAINS=sso.example
start ingest "$(free_port)"
start analyzer "$(free_port)"
start clusterer "$(free_port)"

log "Importing the sample tickets"
"$BIN/ingest" import "$ROOT/services/ingest/data/sample_tickets.jsonl" --rebase-dates >"$WORK/import.log" 2>&1
"$BIN/api" report --wait 600 --top 3

# One person per role; the tests sign in as them (the passwords only live in this run).
for role in admin editor viewer; do
  password=$(secret)
  USER_PASSWORD=$password "$BIN/api" user create --email "$role@e2e.test" --name "E2E $role" --role "$role" >/dev/null
  upper=${role^^}
  export "E2E_${upper}_EMAIL=$role@e2e.test" "E2E_${upper}_PASSWORD=$password"
done
# The tests' own token, to read what the pages must agree with (the ops routes need admin).
TEST_TOKEN=$("$BIN/api" token create --name e2e-test --scope admin 2>/dev/null)

log "Building the dashboard"
export NEXT_TELEMETRY_DISABLED=1 NEXT_DIST_DIR=.next-e2e
node_modules/.bin/next build >"$WORK/next-build.log" 2>&1 || { tail -n 40 "$WORK/next-build.log" >&2; exit 1; }
API_URL=http://127.0.0.1:$API_PORT node_modules/.bin/next start -p "$WEB_PORT" -H 127.0.0.1 >"$WORK/next.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$WEB_PORT/login" "$!" next
export E2E_OIDC_URL=http://127.0.0.1:$OIDC_PORT

if [ -n "${E2E_KEEP:-}" ]; then
  # For debugging a test: keep everything running and say how to point the tests at it.
  echo "E2E_BASE_URL=http://127.0.0.1:$WEB_PORT E2E_API_URL=http://127.0.0.1:$API_PORT E2E_API_TOKEN=$TEST_TOKEN E2E_OIDC_URL=$E2E_OIDC_URL" \
    "$(env | grep -E '^E2E_(ADMIN|EDITOR|VIEWER)_' | tr '\n' ' ')"
  echo "(Ctrl-C stops everything and drops the database)"
  wait "${PIDS[-1]}"
fi

log "Running the browser tests against http://127.0.0.1:$WEB_PORT"
E2E_BASE_URL=http://127.0.0.1:$WEB_PORT E2E_API_URL=http://127.0.0.1:$API_PORT E2E_API_TOKEN=$TEST_TOKEN \
  node_modules/.bin/vitest run --config vitest.e2e.config.ts "$@"
