#!/usr/bin/env bash
# Default-model benchmark (issue 4): `darkroom generate "a red circle above a blue square"` as a whole
# command (process start, model load, 8 steps with guidance, decode, PNG write, database commit) and the
# in-process job time it records, against diffusers running the same model and settings (peer_diffusers.py).
#   bash Benchmarks/model/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-10}"
swift build -c release --static-swift-stdlib --product darkroom >/dev/null
BIN="$(swift build -c release --static-swift-stdlib --show-bin-path)/darkroom"
LIB="$(mktemp -d)/library"
"$BIN" init --library "$LIB" >/dev/null
"$BIN" generate "warm up" --seed 1 --library "$LIB" >/dev/null 2>&1
whole=(); job=()
for ((i = 0; i < RUNS; i++)); do
  t0=$(date +%s%N)
  out=$("$BIN" generate "a red circle above a blue square" --seed 7 --steps 8 --guidance 3 --json --library "$LIB" 2>/dev/null)
  t1=$(date +%s%N)
  whole+=($(( (t1 - t0) / 1000000 )))
  job+=($(echo "$out" | sed -n 's/^ *"duration_ms" : \([0-9]*\).*/\1/p' | head -n 1))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "darkroom generate (whole command): median $(median "${whole[@]}") ms over $RUNS runs (target < 1000 ms)"
echo "recorded job time (model loaded; 8 steps, decode, PNG, commit): median $(median "${job[@]}") ms (target engine part < 250 ms)"
python3 Benchmarks/model/peer_diffusers.py "$RUNS" || true
