#!/usr/bin/env python3
"""Builds the tiny random diffusers pipelines and reference outputs the DarkroomEngine tests use.

Run from the repository root:  python3 Fixtures/engine/make_goldens.py
Needs torch (CPU), diffusers, transformers, safetensors. Deterministic: fixed seeds,
one thread. See Fixtures/engine/README.md for what each output holds.
"""
import json
import os
import shutil
import sys
from collections import Counter

import numpy as np
import torch
from safetensors.torch import load_file, save_file

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

from diffusers import (AutoencoderKL, AutoencoderTiny, DDIMScheduler, DPMSolverMultistepScheduler,
                       EulerAncestralDiscreteScheduler, EulerDiscreteScheduler, LCMScheduler,
                       StableDiffusionPipeline, UNet2DConditionModel)
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "goldens")

CORPUS = ("a photo of a cat sitting on a red chair in the garden . a painting of a dog running "
          "on the beach at sunset , highly detailed portrait of an astronaut riding a horse on mars "
          "the quick brown fox jumps over the lazy dog a castle in the mountains at night with stars")


def bytes_to_unicode():
    """GPT-2 / CLIP byte-to-printable-character table."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, [chr(c) for c in chars]))


def learn_merges(count):
    """Greedy BPE merges over CORPUS words (CLIP style: '</w>' marks a word's last symbol)."""
    words = Counter(CORPUS.split())
    split = {w: list(w[:-1]) + [w[-1] + "</w>"] for w in words}
    merges = []
    for _ in range(count):
        pairs = Counter()
        for w, n in words.items():
            s = split[w]
            for a, b in zip(s, s[1:]):
                pairs[(a, b)] += n
        if not pairs:
            break
        best = max(sorted(pairs), key=lambda p: pairs[p])
        merges.append(best)
        for w in words:
            s, out, i = split[w], [], 0
            while i < len(s):
                if i + 1 < len(s) and (s[i], s[i + 1]) == best:
                    out.append(s[i] + s[i + 1]); i += 2
                else:
                    out.append(s[i]); i += 1
            split[w] = out
    return merges


def write_bpe_files(directory):
    """vocab.json + merges.txt + tokenizer_config.json + special_tokens_map.json of a tiny CLIP BPE."""
    os.makedirs(directory, exist_ok=True)
    base = list(bytes_to_unicode().values())
    merges = learn_merges(60)
    vocab_list = base + [c + "</w>" for c in base] + ["".join(m) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
    vocab = {tok: i for i, tok in enumerate(vocab_list)}
    with open(os.path.join(directory, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(directory, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    special = {"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
               "pad_token": "<|endoftext|>"}
    with open(os.path.join(directory, "special_tokens_map.json"), "w") as f:
        json.dump(special, f, indent=2)
    with open(os.path.join(directory, "tokenizer_config.json"), "w") as f:
        json.dump(dict(special, model_max_length=77, do_lower_case=True, tokenizer_class="CLIPTokenizer"), f, indent=2)
    return len(vocab)


def round_to(model, dtype):
    """Rounds parameters to `dtype` in place so fp32 references match weights saved in `dtype`."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(dtype).float())


def randomize(model, seed, gain=1.0):
    """Re-draws every parameter so no weight is a trivial 0/1: weights ~ N(0, gain^2 / fan_in)
    (activations keep their scale through the depth), 1-D scales ~ 1 + N(0, 0.1^2), biases ~ N(0, 0.1^2)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            noise = torch.randn(p.shape, generator=g)
            if p.dim() >= 2:
                fan_in = p[0].numel()
                p.copy_(noise * gain / fan_in ** 0.5)
            elif name.endswith("weight"):
                p.copy_(1 + 0.1 * noise)
            else:
                p.copy_(0.1 * noise)


SPECS = [
    dict(
        name="sd-tiny-conv",
        dtype=torch.float32,
        tokenizer="tokenizer.json",
        text_prefix=False,
        text=dict(hidden_size=8, intermediate_size=16, num_hidden_layers=2, num_attention_heads=2, hidden_act="quick_gelu"),
        unet=dict(block_out_channels=(4, 8), layers_per_block=1, norm_num_groups=2, cross_attention_dim=8,
                  attention_head_dim=2, use_linear_projection=False,
                  down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "CrossAttnUpBlock2D")),
        vae=dict(kind="kl", block_out_channels=(4, 8), layers_per_block=1, norm_num_groups=2, scaling_factor=0.18215),
        prediction_type="epsilon",
    ),
    dict(
        name="sd-tiny-linear",
        dtype=torch.float16,
        tokenizer="bpe",
        text_prefix=True,
        text=dict(hidden_size=16, intermediate_size=24, num_hidden_layers=1, num_attention_heads=4, hidden_act="gelu"),
        unet=dict(block_out_channels=(4, 8, 8), layers_per_block=[1, 1, 2], norm_num_groups=2, cross_attention_dim=16,
                  attention_head_dim=[1, 2, 4], use_linear_projection=True, transformer_layers_per_block=[1, 1, 2],
                  upcast_attention=True, flip_sin_to_cos=False, freq_shift=1,
                  down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
                  up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D")),
        vae=dict(kind="tiny", decoder_block_out_channels=(8, 8, 8), encoder_block_out_channels=(4, 4, 4),
                 num_decoder_blocks=(1, 2, 1), num_encoder_blocks=(1, 1, 1)),
        prediction_type="v_prediction",
    ),
]

SCHEDULERS = {  # SchedulerKind raw value -> (class, extra config)
    "ddim": (DDIMScheduler, {}),
    "euler": (EulerDiscreteScheduler, {}),
    "euler-a": (EulerAncestralDiscreteScheduler, {}),
    "dpmpp-2m": (DPMSolverMultistepScheduler, {}),
    "dpmpp-2m-karras": (DPMSolverMultistepScheduler, {"use_karras_sigmas": True}),
    "lcm": (LCMScheduler, {}),
}


def build(spec):
    out = os.path.join(HERE, spec["name"])
    shutil.rmtree(out, ignore_errors=True)
    torch.manual_seed(0)
    tok_dir = os.path.join(out, "tokenizer")
    vocab_size = write_bpe_files(tok_dir)
    tokenizer = CLIPTokenizer.from_pretrained(tok_dir)
    if spec["tokenizer"] == "tokenizer.json":
        shutil.rmtree(tok_dir)
        tokenizer.save_pretrained(tok_dir)
        for extra in ("vocab.json", "merges.txt"):
            if os.path.exists(os.path.join(tok_dir, extra)):
                os.remove(os.path.join(tok_dir, extra))

    text_config = CLIPTextConfig(vocab_size=vocab_size, max_position_embeddings=77, bos_token_id=vocab_size - 2,
                                 eos_token_id=vocab_size - 1, pad_token_id=vocab_size - 1, **spec["text"])
    text_encoder = CLIPTextModel(text_config).eval()
    randomize(text_encoder, 1)

    unet = UNet2DConditionModel(sample_size=8, in_channels=4, out_channels=4, **spec["unet"]).eval()
    randomize(unet, 2)

    v = dict(spec["vae"])
    kind = v.pop("kind")
    if kind == "kl":
        n = len(v["block_out_channels"])
        vae = AutoencoderKL(in_channels=3, out_channels=3, latent_channels=4,
                            down_block_types=("DownEncoderBlock2D",) * n, up_block_types=("UpDecoderBlock2D",) * n, **v).eval()
    else:
        vae = AutoencoderTiny(in_channels=3, out_channels=3, latent_channels=4, **v).eval()
    randomize(vae, 3)

    sched_cls, extra = SCHEDULERS["ddim"]
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
                              set_alpha_to_one=False, steps_offset=1, prediction_type=spec["prediction_type"])
    for m in (text_encoder, unet, vae):
        round_to(m, spec["dtype"])
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
                                   scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    for m in (text_encoder, unet, vae):
        m.to(spec["dtype"])
    pipe.save_pretrained(out, safe_serialization=True)
    for m in (text_encoder, unet, vae):
        m.float()
    if spec["tokenizer"] == "bpe":  # keep the hand-written vocab.json + merges.txt form only
        shutil.rmtree(tok_dir)
        write_bpe_files(tok_dir)
    if spec["text_prefix"]:
        path = os.path.join(out, "text_encoder", "model.safetensors")
        tensors = load_file(path)
        save_file({(k if k.startswith("text_model.") else "text_model." + k): t for k, t in tensors.items()}, path,
                  metadata={"format": "pt"})
    return pipe, tokenizer


def record(spec, pipe, tokenizer):
    name = spec["name"]
    g = torch.Generator().manual_seed(42)
    tensors = {}
    with torch.no_grad():
        ids = tokenizer(["a photo of a cat, highly detailed"], padding="max_length", max_length=77,
                        truncation=True, return_tensors="pt").input_ids
        tensors["text.input_ids"] = ids.to(torch.int32)
        tensors["text.hidden_states"] = pipe.text_encoder(ids)[0].contiguous()

        sample = torch.randn((2, 4, 8, 8), generator=g)
        context = torch.randn((2, 77, pipe.text_encoder.config.hidden_size), generator=g)
        tensors["unet.sample"] = sample
        tensors["unet.encoder_hidden_states"] = context
        tensors["unet.timestep"] = torch.tensor([537.0])
        tensors["unet.output"] = pipe.unet(sample, 537.0, encoder_hidden_states=context).sample.contiguous()

        latents = torch.randn((1, 4, 8, 8), generator=g)
        tensors["vae.latents"] = latents
        tensors["vae.decoded"] = pipe.vae.decode(latents).sample.contiguous()
        if isinstance(pipe.vae, AutoencoderKL):
            image = torch.rand((1, 3, 16, 16), generator=g) * 2 - 1
            tensors["vae.encoder_input"] = image
            tensors["vae.encoded_mean"] = pipe.vae.encode(image).latent_dist.mean.contiguous()
    save_file(tensors, os.path.join(GOLDEN, f"{name}.safetensors"))

    # Images come from the folder as diffusers loads it (from_pretrained), which is what a user gets:
    # in particular the scheduler config's explicit values (timestep_spacing "leading") carry over to
    # other scheduler classes through from_config, while an in-memory scheduler would pass defaults.
    pipe = StableDiffusionPipeline.from_pretrained(os.path.join(HERE, name), torch_dtype=torch.float32,
                                                   safety_checker=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    cases = []
    base_config = pipe.scheduler.config
    for i, (kind, (cls, extra)) in enumerate(SCHEDULERS.items()):
        pipe.scheduler = cls.from_config(base_config, **extra)
        seed, steps = 7 + i, 3 + (i % 2)
        guidance = 1.0 if kind == "lcm" else 4.5
        negative = "" if i % 2 == 0 else "blurry, dark"
        image = pipe("a red chair in the garden", negative_prompt=negative, num_inference_steps=steps,
                     guidance_scale=guidance, height=32, width=32,
                     generator=torch.Generator("cpu").manual_seed(seed), output_type="np").images[0]
        pixels = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
        key = f"image.{kind}"
        cases.append(dict(scheduler=kind, prompt="a red chair in the garden", negative_prompt=negative, seed=seed,
                          steps=steps, guidance_scale=guidance, width=32, height=32, pixels=key))
        images = load_file(os.path.join(GOLDEN, f"{name}.safetensors"))
        images[key] = torch.from_numpy(pixels.copy())
        save_file(images, os.path.join(GOLDEN, f"{name}.safetensors"))
    with open(os.path.join(GOLDEN, f"{name}.json"), "w") as f:
        json.dump(dict(model=name, prompt_for_text="a photo of a cat, highly detailed", unet_timestep=537.0,
                       images=cases), f, indent=2)


def build_unet_without_mid_block():
    """A BK-SDM-Tiny-style UNet (mid_block_type None), fp16, with one recorded forward."""
    name = "unet-tiny-nomid"
    out = os.path.join(HERE, name)
    shutil.rmtree(out, ignore_errors=True)
    unet = UNet2DConditionModel(sample_size=8, in_channels=4, out_channels=4, block_out_channels=(4, 8), layers_per_block=1,
                                norm_num_groups=2, cross_attention_dim=8, attention_head_dim=2, mid_block_type=None,
                                down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
                                up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D")).eval()
    randomize(unet, 4)
    round_to(unet, torch.float16)
    unet.to(torch.float16).save_pretrained(os.path.join(out, "unet"), safe_serialization=True)
    unet.float()
    g = torch.Generator().manual_seed(43)
    with torch.no_grad():
        sample = torch.randn((2, 4, 8, 8), generator=g)
        context = torch.randn((2, 77, 8), generator=g)
        output = unet(sample, 261.0, encoder_hidden_states=context).sample.contiguous()
    save_file({"unet.sample": sample, "unet.encoder_hidden_states": context, "unet.timestep": torch.tensor([261.0]),
               "unet.output": output}, os.path.join(GOLDEN, f"{name}.safetensors"))


def main():
    os.makedirs(GOLDEN, exist_ok=True)
    only = sys.argv[1:]
    if not only or "unet-tiny-nomid" in only:
        build_unet_without_mid_block()
    for spec in SPECS:
        if only and spec["name"] not in only:
            continue
        pipe, tokenizer = build(spec)
        record(spec, pipe, tokenizer)
        total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(os.path.join(HERE, spec["name"])) for f in fs)
        print(f"{spec['name']}: {total / 1024:.0f} KB on disk")


if __name__ == "__main__":
    main()
