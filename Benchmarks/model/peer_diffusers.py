"""Peer for the default-model benchmark: diffusers runs the shipped model, same prompt, seed, steps, guidance.

Prints the median wall time of the pipeline call (model already loaded) and of load + call.
Skips cleanly (exit 0) when torch/diffusers are not installed.
"""
import statistics
import sys
import time
from pathlib import Path

try:
    import torch
    from diffusers import StableDiffusionPipeline
except ImportError:
    print("peer: torch/diffusers not installed; skipping (pip install 'torch==2.13.0+cpu' diffusers transformers)")
    sys.exit(0)

model = Path(__file__).resolve().parents[2] / "Fixtures/models/darkroom-shapes-v1"
runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
torch.set_num_threads(2)
start = time.perf_counter()
pipe = StableDiffusionPipeline.from_pretrained(model, safety_checker=None, requires_safety_checker=False)
pipe.set_progress_bar_config(disable=True)
load = time.perf_counter() - start
times = []
for _ in range(runs):
    t = time.perf_counter()
    pipe("a red circle above a blue square", num_inference_steps=8, guidance_scale=3.0,
         generator=torch.Generator("cpu").manual_seed(7), output_type="np")
    times.append(time.perf_counter() - t)
print(f"peer diffusers: load {load*1000:.0f} ms, generation median {statistics.median(times)*1000:.1f} ms "
      f"(min {min(times)*1000:.1f} ms) over {runs} runs, 2 threads")
