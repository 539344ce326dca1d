#!/usr/bin/env bash
# `make stop`: stops the services `make demo` started (SIGTERM, so workers finish their jobs).
set -uo pipefail
cd "$(dirname "$0")/../.."
quiet=${1:-}
for pidfile in .run/*.pid; do
  [ -e "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  name=$(basename "$pidfile" .pid)
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    [ "$quiet" = --quiet ] || echo "stopped $name"
  fi
  rm -f "$pidfile"
done
