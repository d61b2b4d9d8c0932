#!/usr/bin/env bash
# Runs the engine benchmark and its PyTorch / ONNX Runtime peer in one go, with the same thread count and
# repeats, and prints the ratios (engine time / peer time, best of the repeats; below 1 = engine faster).
#   bash Benchmarks/engine/run.sh [THREADS] [REPEATS]
# The peer needs the reference environment (pip install "torch==2.13.0+cpu" diffusers transformers onnxruntime onnx);
# without it the engine figures are printed and the ratios skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS="${1:-2}"; REPEATS="${2:-3}"
swift build -c release --static-swift-stdlib --product darkroom-bench-engine >/dev/null
engine=$("$(swift build -c release --static-swift-stdlib --show-bin-path)/darkroom-bench-engine" --threads "$THREADS" --repeats "$REPEATS")
echo "$engine"
peer=$(python3 Benchmarks/engine/peer.py --threads "$THREADS" --repeats "$REPEATS" 2>/dev/null || true)
echo "$peer"
ENGINE="$engine" PEER="$peer" python3 - <<'PY'
import os, re
engine, peer = os.environ["ENGINE"], os.environ["PEER"]
def best(text, key, label):
    for line in text.splitlines():
        if line.startswith(key):
            m = re.search(label + r" best ([0-9.]+) s", line)
            if m:
                return float(m.group(1))
    return None
for key in ("UNet", "TAESD", "AutoencoderKL", "CLIP"):
    e = best(engine, key, "")
    if e is None:
        m = [l for l in engine.splitlines() if l.startswith(key)]
        e = float(re.search(r"best ([0-9.]+) s", m[0]).group(1)) if m else None
    t, o = best(peer, key, "PyTorch"), best(peer, key, "ONNX Runtime")
    parts = [f"{key}: engine {e:.3f} s" if e else f"{key}: engine n/a"]
    if e and t: parts.append(f"vs PyTorch {e / t:.2f}x")
    if e and o: parts.append(f"vs ONNX Runtime {e / o:.2f}x")
    print("ratio " + ", ".join(parts))
PY
