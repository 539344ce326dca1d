#!/usr/bin/env bash
# `make bench-api`: loads 100k issues in 2k clusters into a database of its own, starts a
# release build of the api on loopback and measures three endpoints with wrk (requests/s, p50,
# p99). Goals (issue #6): >= 5,000 req/s and p99 < 25 ms for the cluster list and the summary.
#
# BENCH_ISSUES, BENCH_CLUSTERS, BENCH_SECS, BENCH_CONNECTIONS, BENCH_THREADS, BENCH_PORT and
# BENCH_DATABASE_URL change the set-up; API_CACHE_SECS=0 measures without the response cache.
set -euo pipefail
cd "$(dirname "$0")/../.."

ISSUES=${BENCH_ISSUES:-100000}
CLUSTERS=${BENCH_CLUSTERS:-2000}
SECS=${BENCH_SECS:-15}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-1}
PORT=${BENCH_PORT:-9380}
export DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/issue_miner_bench}
export QUEUE_PREFIX=${BENCH_QUEUE_PREFIX:-issue-miner-bench}
export RUST_LOG=${RUST_LOG:-warn}
# wrk sends tens of thousands of requests a second with one token: the budgets are off here
# (the limiter's own cost is measured with them on, see README).
export RATE_LIMIT_API_PER_MIN=${RATE_LIMIT_API_PER_MIN:-0} RATE_LIMIT_ADDRESS_PER_MIN=${RATE_LIMIT_ADDRESS_PER_MIN:-0}
TARGET=${CARGO_TARGET_DIR:-target}
BIN=$TARGET/release/api

if ! command -v wrk >/dev/null; then
  echo "==> Installing wrk (Debian package)"
  if [ "$(id -u)" = 0 ]; then apt-get install -y -q wrk >/dev/null; else sudo apt-get install -y -q wrk >/dev/null; fi
fi

echo "==> Building the api (release)"
# The whole workspace, as every other script: a one-package build unifies features differently
# and would rebuild most of the tree a second time.
cargo build --release --bins --quiet

echo "==> Seeding $ISSUES issues in $CLUSTERS clusters into $(echo "$DATABASE_URL" | sed 's#//.*@#//#')"
"$BIN" migrate --reset >/dev/null
"$BIN" seed-bench --issues "$ISSUES" --clusters "$CLUSTERS"
TOKEN=$("$BIN" token create --name bench --scope read 2>/dev/null)

PORT=$PORT "$BIN" serve >/tmp/issue-miner-bench-api.log 2>&1 &
API_PID=$!
trap 'kill $API_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break
  sleep 0.2
done

run() { # name path
  local out
  # One request first: the cached endpoints' first answer is computed on the request path
  # (once, single flight); what a polling dashboard sees afterwards is the steady state.
  curl -fs -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$2" || true
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECS}s" --latency \
    -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$2")
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '%-45s %10s req/s   p50 %8s   p99 %8s   %s\n' "$1" "$rps" "$p50" "$p99" \
    "${non2xx:+non-2xx: $non2xx}"
}

echo "==> wrk: $THREADS thread(s), $CONNECTIONS connections, ${SECS}s per endpoint, API_CACHE_SECS=${API_CACHE_SECS:-2}"
run "GET /api/clusters" "/api/clusters"
run "GET /api/clusters?sort=trend_pct:desc&page=5" "/api/clusters?sort=trend_pct:desc&page=5"
run "GET /api/issues/summary" "/api/issues/summary"
run "GET /api/issues/summary?days=90" "/api/issues/summary?days=90"
run "GET /api/issues?search=direct%20deposit" "/api/issues?search=direct%20deposit"
run "GET /api/issues?search=number%2012345" "/api/issues?search=number%2012345"
