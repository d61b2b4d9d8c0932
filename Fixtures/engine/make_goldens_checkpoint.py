#!/usr/bin/env python3
"""Builds a held-out tiny Stable Diffusion 1.x-style model, converts it to a single original-layout
(CompVis) checkpoint, and records diffusers' `from_single_file` pictures.

Run from the repository root:  python3 Fixtures/engine/make_goldens_checkpoint.py
Needs torch (CPU), diffusers, transformers, safetensors. Deterministic (fixed seeds, one thread).

Writes Fixtures/engine/checkpoint/:
  sd-tiny-heldout/           the diffusers folder (fp16 weights), new random weights and a config unlike the other
                             fixtures: every width 32 (norm_num_groups 32, as the SD family), UNet blocks
                             DownBlock2D + CrossAttnDownBlock2D (attention only on the second level), 8 heads
                             (SD 1.x's attention_head_dim), 1x1-conv projections, cross-attention width 64; CLIP
                             text encoder hidden 64 (one head of 64, as CLIP-L's 12 heads of 64), 2 layers; VAE
                             (32, 32); the scheduler config of stable-diffusion-v1-5 (PNDM, scaled_linear)
  sd-tiny-heldout.fp16.safetensors   the same weights in the original layout (`model.diffusion_model.*`,
                             `first_stage_model.*`, `cond_stage_model.transformer.text_model.*`, plus the
                             `position_ids` and `alphas_cumprod` buffers real checkpoints carry), fp16
  goldens.safetensors + goldens.json  `openclip.*`: hidden states of the held-out text encoder re-keyed as SD 2.x's
                             OpenCLIP and converted by diffusers' `convert_open_clip_checkpoint` (gelu, last
                             resblock ignored); `image.*`: pictures from `StableDiffusionPipeline.from_single_file(ckpt,
                             config=<folder>)`, checked here to equal the folder's pictures exactly, for the fp16
                             checkpoint and for fp32 and bf16 copies of it (not committed: the Swift tests write them
                             from the fp16 file)

Every weight is rounded to a value bf16 and fp16 both represent exactly (magnitudes below 2^-14 are zeroed), so the
fp32, fp16 and bf16 files hold the same numbers and the same pictures are expected from each.
"""
import json
import os
import shutil

import numpy as np
import torch
from safetensors.torch import load_file, save_file

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

from diffusers import (AutoencoderKL, DDIMScheduler, DPMSolverMultistepScheduler, EulerDiscreteScheduler,
                       PNDMScheduler, StableDiffusionPipeline, UNet2DConditionModel)
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "checkpoint")
FOLDER = os.path.join(OUT, "sd-tiny-heldout")
TOKENIZER = os.path.join(HERE, "sd-tiny-conv", "tokenizer")
LAYERS = 1  # layers_per_block

# stable-diffusion-v1-5's scheduler_config.json (what from_single_file uses for an SD 1.x checkpoint).
SD15_SCHEDULER = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000,
                      set_alpha_to_one=False, skip_prk_steps=True, steps_offset=1, trained_betas=None, clip_sample=False)

CASES = [("ddim", DDIMScheduler, 5, 3), ("euler", EulerDiscreteScheduler, 6, 4), ("dpmpp-2m", DPMSolverMultistepScheduler, 7, 4)]
PROMPT, NEGATIVE, GUIDANCE, SIZE = "a castle in the mountains at night", "blurry", 5.0, 32


def randomize(model, seed):
    """Weights ~ N(0, 1/fan_in), 1-D scales ~ 1 + N(0, 0.1^2), biases ~ N(0, 0.1^2); then rounded to values that
    bf16 and fp16 both hold exactly."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            noise = torch.randn(p.shape, generator=g)
            if p.dim() >= 2:
                value = noise / p[0].numel() ** 0.5
            elif name.endswith("weight"):
                value = 1 + 0.1 * noise
            else:
                value = 0.1 * noise
            value = value.to(torch.bfloat16).float()
            value[value.abs() < 2 ** -14] = 0
            assert torch.equal(value.half().float(), value)
            p.copy_(value)


def build_folder():
    shutil.rmtree(FOLDER, ignore_errors=True)
    tokenizer = CLIPTokenizer.from_pretrained(TOKENIZER)
    vocab = len(tokenizer)
    text_encoder = CLIPTextModel(CLIPTextConfig(
        vocab_size=vocab, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=1,
        max_position_embeddings=77, hidden_act="quick_gelu", bos_token_id=vocab - 2, eos_token_id=vocab - 1,
        pad_token_id=vocab - 1)).eval()
    randomize(text_encoder, 31)
    unet = UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4, block_out_channels=(32, 32), layers_per_block=LAYERS,
        norm_num_groups=32, cross_attention_dim=64, attention_head_dim=8, use_linear_projection=False,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D")).eval()
    randomize(unet, 32)
    vae = AutoencoderKL(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(32, 32), layers_per_block=1,
                        norm_num_groups=32, down_block_types=("DownEncoderBlock2D",) * 2,
                        up_block_types=("UpDecoderBlock2D",) * 2, scaling_factor=0.18215, sample_size=16).eval()
    randomize(vae, 33)
    scheduler = PNDMScheduler(**{k: v for k, v in SD15_SCHEDULER.items() if k != "clip_sample"})
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet, scheduler=scheduler,
                                   safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.to(torch.float16).save_pretrained(FOLDER, safe_serialization=True)
    with open(os.path.join(FOLDER, "scheduler", "scheduler_config.json"), "w") as f:  # the v1-5 file as published
        json.dump(dict(_class_name="PNDMScheduler", _diffusers_version="0.6.0", **SD15_SCHEDULER), f, indent=2)


# ---- diffusers -> original (CompVis) names, written for this script ----

def unet_name(name, down_attn, up_attn, levels):
    """The original name of a diffusers UNet tensor."""
    resnet = [("norm1.", "in_layers.0."), ("conv1.", "in_layers.2."), ("time_emb_proj.", "emb_layers.1."),
              ("norm2.", "out_layers.0."), ("conv2.", "out_layers.3."), ("conv_shortcut.", "skip_connection.")]

    def inner(rest):
        for a, b in resnet:
            if rest.startswith(a):
                return b + rest[len(a):]
        raise KeyError(name)

    p = name.split(".")
    fixed = {"time_embedding.linear_1": "time_embed.0", "time_embedding.linear_2": "time_embed.2", "conv_in": "input_blocks.0.0",
             "conv_norm_out": "out.0", "conv_out": "out.2"}
    head = ".".join(p[:2]) if p[0] == "time_embedding" else p[0]
    if head in fixed:
        return fixed[head] + "." + ".".join(p[len(head.split(".")):])
    if p[0] == "down_blocks":
        i, kind = int(p[1]), p[2]
        if kind == "downsamplers":
            return f"input_blocks.{(i + 1) * (LAYERS + 1)}.0.op." + ".".join(p[5:])
        j = int(p[3])
        block = 1 + i * (LAYERS + 1) + j
        rest = ".".join(p[4:])
        return f"input_blocks.{block}.0." + inner(rest) if kind == "resnets" else f"input_blocks.{block}.1." + rest
    if p[0] == "mid_block":
        j, rest = int(p[2]), ".".join(p[3:])
        return (f"middle_block.{2 * j}." + inner(rest)) if p[1] == "resnets" else "middle_block.1." + rest
    if p[0] == "up_blocks":
        i, kind = int(p[1]), p[2]
        if kind == "upsamplers":
            return f"output_blocks.{i * (LAYERS + 1) + LAYERS}.{2 if up_attn[i] else 1}.conv." + ".".join(p[5:])
        j = int(p[3])
        block = i * (LAYERS + 1) + j
        rest = ".".join(p[4:])
        return f"output_blocks.{block}.0." + inner(rest) if kind == "resnets" else f"output_blocks.{block}.1." + rest
    raise KeyError(name)


def vae_name(name, levels):
    """The original name of a diffusers AutoencoderKL tensor, and whether a linear weight becomes a 1x1 conv."""
    p = name.split(".")
    side = p[0]
    rest = p[1:]
    if side in ("quant_conv", "post_quant_conv"):
        return name, False

    def resnet(r):
        return ".".join(["nin_shortcut" if r[0] == "conv_shortcut" else r[0]] + r[1:])

    if rest[0] == "conv_norm_out":
        return f"{side}.norm_out." + ".".join(rest[1:]), False
    if rest[0] in ("conv_in", "conv_out"):
        return name, False
    if rest[0] == "mid_block":
        if rest[1] == "resnets":
            return f"{side}.mid.block_{int(rest[2]) + 1}." + resnet(rest[3:]), False
        sub = {"group_norm": "norm", "to_q": "q", "to_k": "k", "to_v": "v", "to_out": "proj_out"}[rest[3]]
        tail = rest[5:] if rest[3] == "to_out" else rest[4:]
        return f"{side}.mid.attn_1.{sub}." + ".".join(tail), rest[3] != "group_norm"
    if rest[0] == "down_blocks":
        i = int(rest[1])
        if rest[2] == "downsamplers":
            return f"encoder.down.{i}.downsample.conv." + ".".join(rest[5:]), False
        return f"encoder.down.{i}.block.{rest[3]}." + resnet(rest[4:]), False
    if rest[0] == "up_blocks":
        i = levels - 1 - int(rest[1])
        if rest[2] == "upsamplers":
            return f"decoder.up.{i}.upsample.conv." + ".".join(rest[5:]), False
        return f"decoder.up.{i}.block.{rest[3]}." + resnet(rest[4:]), False
    raise KeyError(name)


def convert(dtype):
    unet = load_file(os.path.join(FOLDER, "unet", "diffusion_pytorch_model.safetensors"))
    vae = load_file(os.path.join(FOLDER, "vae", "diffusion_pytorch_model.safetensors"))
    text = load_file(os.path.join(FOLDER, "text_encoder", "model.safetensors"))
    out = {}
    for k, v in unet.items():
        out["model.diffusion_model." + unet_name(k, None, [True, False], 2)] = v
    for k, v in vae.items():
        name, to_conv = vae_name(k, 2)
        out["first_stage_model." + name] = v[:, :, None, None] if to_conv and v.dim() == 2 else v
    for k, v in text.items():
        out["cond_stage_model.transformer." + (k if k.startswith("text_model.") else "text_model." + k)] = v
    out["cond_stage_model.transformer.text_model.embeddings.position_ids"] = torch.arange(77, dtype=torch.int64)[None]
    betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2
    out["alphas_cumprod"] = torch.cumprod(1 - betas, 0).float()
    assert len(out) == len(unet) + len(vae) + len(text) + 2
    return {k: (v.to(dtype) if v.is_floating_point() else v).contiguous() for k, v in out.items()}


def openclip_layout(clip):
    """The held-out CLIP text encoder re-keyed as SD 2.x's OpenCLIP (`cond_stage_model.model.*`: fused q/k/v
    `in_proj_weight`, ln_1/ln_2, c_fc/c_proj, ln_final, text_projection, logit_scale), with a `resblocks.23` (a copy of
    layer 0) that diffusers' SD 2 conversion ignores. The Swift test builds the same file from the checkpoint."""
    src = {k[len("cond_stage_model.transformer.text_model."):]: v.float() for k, v in clip.items()
           if k.startswith("cond_stage_model.transformer.text_model.") and not k.endswith("position_ids")}
    p = "cond_stage_model.model."
    out = {p + "token_embedding.weight": src["embeddings.token_embedding.weight"],
           p + "positional_embedding": src["embeddings.position_embedding.weight"],
           p + "ln_final.weight": src["final_layer_norm.weight"], p + "ln_final.bias": src["final_layer_norm.bias"],
           p + "text_projection": torch.eye(64), p + "logit_scale": torch.tensor(4.6052)}
    for i, target in ((0, 0), (1, 1), (0, 23)):
        layer, r = f"encoder.layers.{i}.", f"{p}transformer.resblocks.{target}."
        for part in ("weight", "bias"):
            out[r + f"attn.in_proj_{part}"] = torch.cat([src[layer + f"self_attn.{n}_proj.{part}"] for n in "qkv"])
            for a, b in (("layer_norm1", "ln_1"), ("layer_norm2", "ln_2"), ("self_attn.out_proj", "attn.out_proj"),
                         ("mlp.fc1", "mlp.c_fc"), ("mlp.fc2", "mlp.c_proj")):
                out[r + f"{b}.{part}"] = src[layer + f"{a}.{part}"]
    return out


def openclip_golden(checkpoint_path):
    """diffusers' own OpenCLIP conversion of `openclip_layout` (CLIPTextModel: 2 layers, 1 head, gelu) and its hidden states."""
    from diffusers.loaders.single_file_utils import convert_open_clip_checkpoint
    checkpoint = openclip_layout(load_file(checkpoint_path))
    model = CLIPTextModel(CLIPTextConfig(vocab_size=574, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                         num_attention_heads=1, max_position_embeddings=77, hidden_act="gelu",
                                         bos_token_id=572, eos_token_id=573, pad_token_id=573)).eval()
    state = convert_open_clip_checkpoint(model, checkpoint)
    state = {k[len("text_model."):] if k.startswith("text_model.") else k: v for k, v in state.items()
             if not k.startswith("text_projection")}
    model.load_state_dict(state, strict=True)
    ids = CLIPTokenizer.from_pretrained(TOKENIZER)([PROMPT], padding="max_length", max_length=77, truncation=True,
                                                   return_tensors="pt").input_ids
    with torch.no_grad():
        return {"openclip.input_ids": ids.to(torch.int32), "openclip.hidden_states": model(ids)[0].contiguous()}


def pictures(pipe):
    images = {}
    config = pipe.scheduler.config
    for kind, cls, seed, steps in CASES:
        pipe.scheduler = cls.from_config(config)
        image = pipe(PROMPT, negative_prompt=NEGATIVE, num_inference_steps=steps, guidance_scale=GUIDANCE, height=SIZE,
                     width=SIZE, generator=torch.Generator("cpu").manual_seed(seed), output_type="np").images[0]
        images[kind] = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
    pipe.scheduler = PNDMScheduler.from_config(config)
    return images


def main():
    os.makedirs(OUT, exist_ok=True)
    build_folder()
    folder_pipe = StableDiffusionPipeline.from_pretrained(FOLDER, torch_dtype=torch.float32, safety_checker=None,
                                                         requires_safety_checker=False)
    folder_pipe.set_progress_bar_config(disable=True)
    reference = pictures(folder_pipe)
    for dtype, suffix in ((torch.float16, "fp16"), (torch.float32, "fp32"), (torch.bfloat16, "bf16")):
        path = os.path.join(OUT, f"sd-tiny-heldout.{suffix}.safetensors")
        save_file(convert(dtype), path)
        pipe = StableDiffusionPipeline.from_single_file(path, config=FOLDER, local_files_only=True, torch_dtype=torch.float32,
                                                        safety_checker=None, requires_safety_checker=False)
        pipe.set_progress_bar_config(disable=True)
        assert type(pipe.scheduler).__name__ == "PNDMScheduler", type(pipe.scheduler)
        images = pictures(pipe)
        for kind in reference:
            assert np.array_equal(images[kind], reference[kind]), (suffix, kind)
        if suffix != "fp16":
            os.remove(path)  # the Swift tests write these from the fp16 file
    tensors = {f"image.{kind}": torch.from_numpy(img.copy()) for kind, img in reference.items()}
    tensors.update(openclip_golden(os.path.join(OUT, "sd-tiny-heldout.fp16.safetensors")))
    save_file(tensors, os.path.join(OUT, "goldens.safetensors"))
    import diffusers, transformers
    with open(os.path.join(OUT, "goldens.json"), "w") as f:
        json.dump(dict(checkpoint="sd-tiny-heldout.fp16.safetensors", folder="sd-tiny-heldout", tokenizer="../sd-tiny-conv/tokenizer",
                       prompt=PROMPT, negative_prompt=NEGATIVE, guidance_scale=GUIDANCE, width=SIZE, height=SIZE,
                       versions=dict(torch=torch.__version__, diffusers=diffusers.__version__, transformers=transformers.__version__),
                       images=[dict(scheduler=k, seed=s, steps=n, pixels=f"image.{k}") for k, _, s, n in CASES]), f, indent=2)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"checkpoint fixtures: {total / 1024:.0f} KB")


if __name__ == "__main__":
    main()
