"""Record torch.randn goldens for DarkroomEngine's TorchGenerator.

Writes rng.json beside this script. Each case seeds
torch.Generator("cpu").manual_seed(seed) and makes one or more successive
torch.randn calls on it. Small outputs are stored whole, big ones as a
prefix and a suffix; every call also stores "fnv1a", the FNV-1a 64-bit hash
of all float32 bit patterns (little-endian bytes), so a single-ulp change
anywhere fails the comparison. Values are written with Python's shortest
repr of the float32 value, which round-trips exactly.

torch picks its float normal kernel by CPU capability: x86-64 builds run
the AVX2 kernel (Cephes-style log/sincos, compiled with fused
multiply-adds); ARM and ATEN_CPU_CAPABILITY=default run the portable scalar
kernel (libm logf/cosf/sinf). The script records both: it re-runs itself
with ATEN_CPU_CAPABILITY=default for the "scalar" section.

Run: python3 make_rng_goldens.py   (needs torch; the CPU wheel is enough)
"""
import json
import os
import pathlib
import platform
import subprocess
import sys

import torch

torch.set_num_threads(1)

SEEDS = [0, 7, 42, 2**32 + 5, 0xDEADBEEFCAFEF00D]
SIZES = [1, 2, 15, 16, 17, 31, 100, 4 * 8 * 8, 4 * 64 * 64]
WHOLE_LIMIT = 40  # store every value up to this many elements
EDGE = 16         # prefix/suffix length for bigger tensors


def fnv1a(tensor):
    h = 0xCBF29CE484222325
    for byte in tensor.contiguous().numpy().astype("<f4").tobytes():
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def record(tensor):
    flat = tensor.flatten()
    values = flat.tolist()
    out = {"count": len(values), "fnv1a": str(fnv1a(flat))}
    if len(values) <= WHOLE_LIMIT:
        out["values"] = values
    else:
        out["prefix"] = values[:EDGE]
        out["suffix"] = values[-EDGE:]
    return out


def run(seed, shapes):
    g = torch.Generator("cpu").manual_seed(seed)
    return {
        "seed": str(seed),
        "calls": [record(torch.randn(shape, generator=g, dtype=torch.float32)) for shape in shapes],
    }


def all_cases():
    cases = [run(seed, [n]) for seed in SEEDS for n in SIZES]
    # Successive calls continue the stream: mixes of the scalar (<16) path,
    # with its cached second Box-Muller value, and the 16-wide path.
    for seed in [0, 42, 2**32 + 5]:
        cases.append(run(seed, [1, 1, 1]))
        cases.append(run(seed, [3, 16, 5, 20]))
        cases.append(run(seed, [4 * 8 * 8, 4 * 8 * 8, 7]))
    # A 4-D shape gives the same stream as its flat size.
    cases.append(run(7, [(1, 4, 8, 8), (2, 3)]))
    return cases


if __name__ == "__main__":
    if sys.argv[1:] == ["--cases"]:
        print(json.dumps(all_cases()))
        sys.exit(0)
    capability = torch.backends.cpu.get_cpu_capability()
    if capability != "AVX2":
        sys.exit(f"run this on an x86-64 machine where torch uses AVX2 (found {capability})")
    scalar = subprocess.run(
        [sys.executable, __file__, "--cases"],
        env={**os.environ, "ATEN_CPU_CAPABILITY": "default"},
        check=True, capture_output=True, text=True,
    ).stdout
    doc = {
        "generator": f"torch {torch.__version__} cpu on {platform.machine()}",
        "avx2": all_cases(),
        "scalar": json.loads(scalar),
    }
    path = pathlib.Path(__file__).with_name("rng.json")
    path.write_text(json.dumps(doc, indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {path} ({path.stat().st_size} bytes)")
