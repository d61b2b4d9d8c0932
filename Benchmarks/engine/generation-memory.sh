#!/usr/bin/env bash
# Peak resident memory (and time) of one whole generation (8 DDIM steps, CFG 7.5, 512x512) of an
# SD-1.5-shaped model stored as fp16 safetensors: the engine, then diffusers on the same files, each in a
# process of its own. The random-weight folder (~2 GB) is written once to MODEL_DIR (default /tmp).
#   bash Benchmarks/engine/generation-memory.sh [THREADS] [MODEL_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS="${1:-2}"; MODEL="${2:-/tmp/darkroom-sd15-fp16}"
[ -f "$MODEL/unet/config.json" ] || python3 Benchmarks/engine/make-fp16-model.py "$MODEL"
swift build -c release --static-swift-stdlib --product darkroom-bench-engine >/dev/null
"$(swift build -c release --static-swift-stdlib --show-bin-path)/darkroom-bench-engine" --threads "$THREADS" --model-dir "$MODEL"
python3 Benchmarks/engine/peer-generation.py "$MODEL" --threads "$THREADS"
