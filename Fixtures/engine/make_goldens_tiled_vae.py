#!/usr/bin/env python3
"""Tiled VAE decoding references for DarkroomEngine, recorded with diffusers.

Run from the repository root:  python3 Fixtures/engine/make_goldens_tiled_vae.py
Needs torch (CPU), diffusers, safetensors. Loads sd-tiny-conv's AutoencoderKL (written by make_goldens.py;
sample_size 32, so 16x16-latent tiles with a stride of 12 and 8 blended pixels) and decodes seeded latents of
20x28 (six tiles, the last row and column smaller than a tile) with `enable_tiling()` and without.
Deterministic: fixed seed, one thread. Writes goldens/vae-tiled.safetensors:
  latents   [1, 4, 20, 28]  the decoder's input (already divided by the scaling factor)
  tiled     [1, 3, 40, 56]  AutoencoderKL.decode with tiling enabled (tiled_decode)
  whole     [1, 3, 40, 56]  the same latents decoded at once
"""
import os

import torch
from safetensors.torch import save_file

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

from diffusers import AutoencoderKL

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    vae = AutoencoderKL.from_pretrained(os.path.join(HERE, "sd-tiny-conv", "vae")).eval()
    latents = torch.randn(1, 4, 20, 28, generator=torch.Generator().manual_seed(41))
    with torch.no_grad():
        whole = vae.decode(latents).sample
        vae.enable_tiling()
        tiled = vae.decode(latents).sample
    print("tiled vs whole: max |diff|", float((tiled - whole).abs().max()))
    save_file({"latents": latents.contiguous(), "tiled": tiled.contiguous(), "whole": whole.contiguous()},
              os.path.join(HERE, "goldens", "vae-tiled.safetensors"))


if __name__ == "__main__":
    main()
