#!/usr/bin/env bash
# What image-to-image, inpainting and a LoRA add over text-to-image, on the shipped model (release build).
#   bash Benchmarks/engine-inputs/run.sh [ITERATIONS]     (needs python3 with torch, diffusers and peft to make the LoRA)
set -euo pipefail
cd "$(dirname "$0")/../.."
iterations="${1:-20}"
scratch="${SCRATCH:-.build}"
swift build -c release --scratch-path "$scratch" --product darkroom-bench-engine-inputs >/dev/null
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
python3 Benchmarks/engine-inputs/make-lora.py Fixtures/models/darkroom-shapes-v1 "$work/lora.safetensors" >/dev/null 2>&1
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%Y-%m-%d)"
"$scratch/release/darkroom-bench-engine-inputs" Fixtures/models/darkroom-shapes-v1 "$work/lora.safetensors" "$iterations"
