#!/usr/bin/env bash
# Grouping quality of the pipeline that ships, scored as the product owner scores it.
#
#   deploy/local/eval-grouping.sh NAME TICKETS.jsonl LABELS.jsonl [TAXONOMY.toml]
#
# Runs exactly what `make demo` runs — the four service binaries with their defaults (the
# offline analyzer unless ANTHROPIC_API_KEY is set), `ingest import --rebase-dates`, and
# `api report --wait` (which returns once every ticket is analyzed, every issue clustered and
# the consolidation and naming pass has seen every placement) — on its own database
# `issue_miner_eval_NAME` and queue prefix, then scores what the database holds with
# ../shared/tools/grouping_quality.py. Any service setting in the environment (EMBEDDING_KIND,
# CLUSTER_JOIN_THRESHOLD …) applies, as it would to the services.
set -euo pipefail
cd "$(dirname "$0")/../.."

name=${1:?usage: eval-grouping.sh NAME TICKETS LABELS [TAXONOMY]}
tickets=${2:?tickets file}
labels=${3:?labels file}
taxonomy=${4:-}
scorer=${GROUPING_SCORER:-../shared/tools/grouping_quality.py}
BIN=${CARGO_TARGET_DIR:-target}/debug
run_dir=.run/eval-$name
mkdir -p "$run_dir"

db=issue_miner_eval_$name
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
export QUEUE_PREFIX=issue-miner-eval-$name
export RUST_LOG=${RUST_LOG:-warn}
if [ -n "$taxonomy" ]; then
  export TAXONOMY_PATH=$taxonomy
fi
# Ports of their own, so a running demo is not disturbed.
base=$((18000 + ($(printf '%s' "$name" | cksum | cut -d' ' -f1) % 500) * 4))

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

"$BIN/api" migrate --reset >/dev/null
i=0
for svc in ingest analyzer clusterer; do
  PORT=$((base + i)) "$BIN/$svc" serve >"$run_dir/$svc.log" 2>&1 &
  pids+=($!)
  i=$((i + 1))
done

started=$(date +%s.%N)
"$BIN/ingest" import "$tickets" --rebase-dates >/dev/null
"$BIN/api" report --wait 3600 --top 0 >"$run_dir/report.txt"
finished=$(date +%s.%N)
count=$(wc -l <"$tickets")
printf 'pipeline: %d tickets in %.1f s (%.1f tickets/s), import to named clusters\n' \
  "$count" "$(echo "$finished - $started" | bc)" "$(echo "$count / ($finished - $started)" | bc -l)"

if [ -f "$scorer" ]; then
  python3 "$scorer" "$labels" "$db" ${GROUPING_JSON:+--json}
else
  echo "($scorer not found: the scores need ../shared/tools)" >&2
fi
