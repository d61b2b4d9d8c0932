#!/usr/bin/env python3
"""Image-to-image and inpainting references for DarkroomEngine, recorded with diffusers.

Run from the repository root:  python3 Fixtures/engine/make_goldens_img2img.py
Needs torch (CPU), diffusers, transformers, safetensors, Pillow. Uses the tiny pipelines that
make_goldens.py wrote (loaded with from_pretrained, never rebuilt) and builds one more folder,
sd-tiny-inpaint (sd-tiny-conv with a 9-channel inpainting UNet). Deterministic: fixed seeds, one
thread. See Fixtures/engine/README-img2img.md for what each output holds.
"""
import json
import os
import shutil

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

import diffusers
from diffusers import (StableDiffusionImg2ImgPipeline, StableDiffusionInpaintPipeline, UNet2DConditionModel)

from make_goldens import HERE, SCHEDULERS, SPECS, randomize

GOLDEN = os.path.join(HERE, "goldens")
INPAINT_MODEL = "sd-tiny-inpaint"
SIZE = 32
PROMPT = "a red chair in the garden"


def pattern_image():
    """A deterministic 32x32 RGB picture with gradients, stripes and a checker (uint8 HxWx3)."""
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    r = (x * 8 + y * 3) % 256
    g = (x * y * 5 + 40) % 256
    b = ((x ^ y) * 16 + ((x // 8 + y // 8) % 2) * 64) % 256
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def rectangle_mask():
    """255 (repaint) inside columns 8..23, rows 10..25; 0 elsewhere (uint8 HxW)."""
    mask = np.zeros((SIZE, SIZE), dtype=np.uint8)
    mask[10:26, 8:24] = 255
    return mask


def build_inpaint_model():
    """sd-tiny-conv's text encoder, tokenizer, VAE and scheduler with a seeded 9-channel UNet."""
    source = os.path.join(HERE, "sd-tiny-conv")
    out = os.path.join(HERE, INPAINT_MODEL)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for part in ("text_encoder", "tokenizer", "vae", "scheduler"):
        shutil.copytree(os.path.join(source, part), os.path.join(out, part))
    shutil.copy(os.path.join(source, "model_index.json"), out)
    unet = UNet2DConditionModel(sample_size=8, in_channels=9, out_channels=4, **SPECS[0]["unet"]).eval()
    randomize(unet, 5)
    unet.save_pretrained(os.path.join(out, "unet"), safe_serialization=True)


class LatentRecorder:
    """Wraps a pipeline's prepare_latents to keep the initial latents it returns."""

    def __init__(self, pipe):
        self.latents = None
        original = pipe.prepare_latents

        def wrapped(*args, **kwargs):
            result = original(*args, **kwargs)
            first = result[0] if isinstance(result, tuple) else result
            self.latents = first.detach().clone()
            return result

        pipe.prepare_latents = wrapped


def load(cls, name):
    pipe = cls.from_pretrained(os.path.join(HERE, name), torch_dtype=torch.float32, safety_checker=None,
                               requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe, pipe.scheduler.config


def to_pixels(image):
    return torch.from_numpy(np.round(np.clip(image, 0, 1) * 255).astype(np.uint8).copy())


def main():
    os.makedirs(GOLDEN, exist_ok=True)
    build_inpaint_model()
    image = pattern_image()
    mask = rectangle_mask()
    tensors = {"input.image": torch.from_numpy(image.copy()), "input.mask": torch.from_numpy(mask.copy())}
    cases = []
    notes = {}

    def run(task, model, kind, strength, steps, seed, negative, pipe, base_config, recorder):
        cls, extra = SCHEDULERS[kind]
        pipe.scheduler = cls.from_config(base_config, **extra)
        guidance = 1.0 if kind == "lcm" else 4.5
        key = f"{task}.{model}.{kind}.{strength}"
        common = dict(prompt=PROMPT, negative_prompt=negative, num_inference_steps=steps, guidance_scale=guidance,
                      strength=strength, generator=torch.Generator("cpu").manual_seed(seed), output_type="np")
        with torch.no_grad():
            if task == "img2img":
                out = pipe(image=Image.fromarray(image), **common).images[0]
            else:
                out = pipe(image=Image.fromarray(image), mask_image=Image.fromarray(mask, mode="L"),
                           height=SIZE, width=SIZE, **common).images[0]
        tensors[f"image.{key}"] = to_pixels(out)
        tensors[f"latents.{key}"] = recorder.latents.contiguous()
        cases.append(dict(task=task, model=model, scheduler=kind, prompt=PROMPT, negative_prompt=negative, seed=seed,
                          steps=steps, guidance_scale=guidance, strength=strength, width=SIZE, height=SIZE,
                          pixels=f"image.{key}", initial_latents=f"latents.{key}",
                          mask="input.mask" if task == "inpaint" else None))

    kinds = list(SCHEDULERS)
    # Image-to-image on the AutoencoderKL pipeline: every scheduler at 0.6, two at 1.0.
    pipe, config = load(StableDiffusionImg2ImgPipeline, "sd-tiny-conv")
    recorder = LatentRecorder(pipe)
    for i, kind in enumerate(kinds):
        run("img2img", "sd-tiny-conv", kind, 0.6, 5, 100 + i, "" if i % 2 == 0 else "blurry, dark", pipe, config, recorder)
    for i, kind in enumerate(["ddim", "euler-a"]):
        run("img2img", "sd-tiny-conv", kind, 1.0, 3, 120 + i, "", pipe, config, recorder)

    # Image-to-image on the AutoencoderTiny pipeline (its folder holds the tiny encoder's weights).
    pipe, config = load(StableDiffusionImg2ImgPipeline, "sd-tiny-linear")
    if pipe.vae.encoder is not None:
        recorder = LatentRecorder(pipe)
        for i, kind in enumerate(["ddim", "euler-a", "dpmpp-2m"]):
            run("img2img", "sd-tiny-linear", kind, 0.75, 4, 200 + i, "", pipe, config, recorder)
    else:
        notes["sd-tiny-linear"] = "AutoencoderTiny without an encoder: no image-to-image references"

    # Inpainting: ordinary 4-channel UNet (latent blending) and 9-channel inpainting UNet.
    for model, base_seed in (("sd-tiny-conv", 300), (INPAINT_MODEL, 400)):
        pipe, config = load(StableDiffusionInpaintPipeline, model)
        recorder = LatentRecorder(pipe)
        for i, kind in enumerate(kinds):
            run("inpaint", model, kind, 0.75, 4, base_seed + i, "" if i % 2 == 0 else "blurry, dark", pipe, config,
                recorder)
        for i, kind in enumerate(["ddim", "euler", "euler-a", "lcm"]):
            run("inpaint", model, kind, 1.0, 3, base_seed + 50 + i, "", pipe, config, recorder)

    save_file(tensors, os.path.join(GOLDEN, "img2img.safetensors"))
    with open(os.path.join(GOLDEN, "img2img.json"), "w") as f:
        json.dump(dict(versions=dict(torch=torch.__version__, diffusers=diffusers.__version__),
                       image="input.image", mask="input.mask", notes=notes, cases=cases), f, indent=2)
    total = os.path.getsize(os.path.join(GOLDEN, "img2img.safetensors"))
    total += sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(os.path.join(HERE, INPAINT_MODEL)) for f in fs)
    print(f"{len(cases)} cases; {total / 1024:.0f} KB of new fixtures")


if __name__ == "__main__":
    main()
