#!/usr/bin/env python3
"""Converts a diffusers Stable Diffusion folder to Darkroom's int8 weights.

    python3 scripts/quantize-int8.py SOURCE_DIR TARGET_DIR [--components unet,text_encoder,vae] [--min-elements 4096]

Every floating-point weight named `*.weight` with at least two dimensions and at least --min-elements elements
(convolution kernels, linear layers, embeddings) in the chosen components is stored as symmetric per-output-channel
int8: `NAME` (I8, the same shape) and `NAME_scale` (F32, one value per row, i.e. per output channel), with
scale = max|row| / 127 and q = round(w / scale) (round half to even, as torch.round), so w ~ q * scale with an
error of at most scale / 2. Everything else (biases, norms, small weights, configs, tokenizer, scheduler) is copied
unchanged. The engine reads I8 weights at 1 byte per element and widens one layer at a time before its gemm;
diffusers cannot load such a folder, so keep the original. Needs torch and safetensors.
"""
import argparse
import os
import shutil

import torch
from safetensors.torch import load_file, save_file


def quantize(tensor):
    weight = tensor.to(torch.float32)
    rows = weight.reshape(weight.shape[0], -1)
    scale = rows.abs().amax(dim=1) / 127.0
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))
    q = torch.round(rows / scale[:, None]).clamp(-127, 127).to(torch.int8)
    return q.reshape(weight.shape).contiguous(), scale.contiguous()


def convert_file(source, target, min_elements):
    tensors = load_file(source)
    out, quantized, kept = {}, 0, 0
    for name, tensor in tensors.items():
        if (name.endswith(".weight") and tensor.dim() >= 2 and tensor.numel() >= min_elements
                and tensor.dtype in (torch.float32, torch.float16, torch.bfloat16)):
            out[name], out[name + "_scale"] = quantize(tensor)
            quantized += tensor.numel()
        else:
            out[name] = tensor
            kept += tensor.numel()
    save_file(out, target)
    return quantized, kept


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--components", default="unet,text_encoder,vae")
    parser.add_argument("--min-elements", type=int, default=4096)
    args = parser.parse_args()
    if os.path.exists(args.target):
        raise SystemExit(f"{args.target} exists; choose a new folder")
    shutil.copytree(args.source, args.target, ignore=shutil.ignore_patterns("*.safetensors"))
    components = set(args.components.split(","))
    for folder, _, files in os.walk(args.source):
        for file in files:
            if not file.endswith(".safetensors"):
                continue
            source = os.path.join(folder, file)
            relative = os.path.relpath(source, args.source)
            target = os.path.join(args.target, relative)
            if relative.split(os.sep)[0] in components:
                quantized, kept = convert_file(source, target, args.min_elements)
                print(f"{relative}: {quantized:,} weights to int8, {kept:,} kept")
            else:
                shutil.copy2(source, target)
                print(f"{relative}: copied")


if __name__ == "__main__":
    main()
