#!/usr/bin/env bash
# Kills `darkroom generate` with SIGKILL at random points, N times (default 100), then checks the library:
# PRAGMA integrity_check = ok, no job left running, no orphan file. Prints the counts.
#   bash Benchmarks/kill-test.sh [N] [MODEL_DIR]        (BUILD=debug uses the debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100}"
MODEL="${2:-Fixtures/engine/sd-tiny-conv}"
LIB="$(mktemp -d)/library"
source Benchmarks/darkroom-binary.sh "$(dirname "$LIB")"
"$BIN" init --library "$LIB" >/dev/null
for ((i = 0; i < N; i++)); do
  "$BIN" generate "kill test $i" --model "$MODEL" --steps 20 --size 32x32 --seed "$i" --library "$LIB" >/dev/null 2>&1 &
  pid=$!
  sleep "0.$(printf '%03d' $((RANDOM % 400)))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
"$BIN" list --json --limit 100000 --include-flagged --library "$LIB" > "$LIB/../list.json" 2>/dev/null
running=$(grep -c '"status" : "running"' "$LIB/../list.json" || true)
succeeded=$(grep -c '"status" : "succeeded"' "$LIB/../list.json" || true)
failed=$(grep -c '"status" : "failed"' "$LIB/../list.json" || true)
integrity=$(sqlite3 "$LIB/library.sqlite" 'PRAGMA integrity_check')
doctor=$("$BIN" doctor --library "$LIB")
orphans=$(echo "$doctor" | sed -n 's/^unreferenced pictures quarantined: //p')
echo "kills: $N  jobs: $((succeeded + failed + running)) (succeeded $succeeded, failed/interrupted $failed, running $running)"
echo "integrity_check: $integrity  orphan files found by doctor: $orphans"
[ "$running" -eq 0 ] && [ "$integrity" = "ok" ] && [ "$orphans" = "0" ] && echo "PASS" || { echo "FAIL"; exit 1; }
