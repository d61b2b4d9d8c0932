#!/usr/bin/env python3
"""diffusers' side of generation-memory.sh: one whole generation (8 DDIM steps, CFG 7.5, 512x512) from a
diffusers folder, printing its time and the process's peak resident memory (VmHWM). fp16 files are
loaded as float32 (what diffusers needs on a CPU); `--keep-dtype` keeps the stored dtype instead.

Usage: python3 Benchmarks/engine/peer-generation.py MODEL_DIR [--threads N] [--keep-dtype]
"""
import argparse
import sys
import time


def peak_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--keep-dtype", action="store_true")
    args = parser.parse_args()
    import torch
    from diffusers import StableDiffusionPipeline

    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    kwargs = {} if args.keep_dtype else {"torch_dtype": torch.float32}
    pipe = StableDiffusionPipeline.from_pretrained(args.model, safety_checker=None, requires_safety_checker=False, **kwargs)
    pipe.set_progress_bar_config(disable=True)
    loaded = time.perf_counter()
    with torch.inference_mode():
        pipe("a photograph of a lighthouse at dusk", num_inference_steps=8, guidance_scale=7.5,
             height=512, width=512, generator=torch.Generator().manual_seed(1), output_type="np")
    done = time.perf_counter()
    print(f"diffusers generation, 8 steps CFG, 512x512: load {loaded - start:.1f} s, generate {done - loaded:.1f} s, "
          f"peak resident memory (VmHWM) {peak_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
