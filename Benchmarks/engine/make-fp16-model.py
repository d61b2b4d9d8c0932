#!/usr/bin/env python3
"""Writes an SD-1.5-shaped diffusers folder with seeded random weights stored as fp16 safetensors
(UNet configs/unet-sd15.json, AutoencoderKL configs/vae-kl.json, CLIP ViT-L configs/clip-vit-l.json;
tokenizer and scheduler from Fixtures/engine/sd-tiny-conv), for the peak-memory comparison of a whole
generation (generation-memory.sh). About 2 GB: write it under /tmp, never into the repository.

Usage: python3 Benchmarks/engine/make-fp16-model.py OUT_DIR [--dtype float16|bfloat16|float32]
"""
import argparse
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "..", "Fixtures", "engine", "sd-tiny-conv")


def config(name):
    with open(os.path.join(HERE, "configs", name)) as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--dtype", default="float16", choices=["float16", "bfloat16", "float32"])
    args = parser.parse_args()
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(0)
    dtype = getattr(torch, args.dtype)
    os.makedirs(args.out, exist_ok=True)
    for part in ("tokenizer", "scheduler"):
        shutil.copytree(os.path.join(FIXTURE, part), os.path.join(args.out, part), dirs_exist_ok=True)
    shutil.copy(os.path.join(FIXTURE, "model_index.json"), os.path.join(args.out, "model_index.json"))
    UNet2DConditionModel.from_config(config("unet-sd15.json")).to(dtype).save_pretrained(os.path.join(args.out, "unet"))
    AutoencoderKL.from_config(config("vae-kl.json")).to(dtype).save_pretrained(os.path.join(args.out, "vae"))
    c = config("clip-vit-l.json")
    encoder = CLIPTextModel(CLIPTextConfig(**{k: v for k, v in c.items() if k not in ("architectures", "model_type")}))
    encoder.to(dtype).save_pretrained(os.path.join(args.out, "text_encoder"))
    print(f"wrote {args.out} ({args.dtype})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
