#!/usr/bin/env bash
# Content Credentials benchmark: Darkroom's signing cost per generation against the C2PA reference, same run.
#   bash Benchmarks/credentials/run.sh [ITERATIONS]     (release build; needs python3 with c2pa-python)
set -euo pipefail
cd "$(dirname "$0")/../.."
iterations="${1:-200}"
scratch="${SCRATCH:-.build}"   # SCRATCH=.build-release keeps a release build beside a debug one
swift build -c release --scratch-path "$scratch" --product darkroom-bench-credentials >/dev/null
peer=$(mktemp)
python3 Benchmarks/credentials/peer.py "$iterations" "$peer"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%Y-%m-%d)"
"$scratch/release/darkroom-bench-credentials" "$iterations" "$peer"
rm -f "$peer"
