#!/usr/bin/env python3
"""Builds two small random LoRAs for `sd-tiny-conv` and the diffusers outputs with them.

Run from the repository root:  python3 Fixtures/engine/make_goldens_lora.py
Needs torch (CPU), diffusers, peft, transformers, safetensors. Deterministic (fixed seeds, one thread).

Writes Fixtures/engine/lora/:
  peft.safetensors   diffusers/PEFT format (as `save_lora_weights` writes it): `unet.*.lora_A/lora_B.weight`
                     and `text_encoder.*.lora_A/lora_B.weight` (transformers 5 module names, no `text_model.`), with
                     `lora_adapter_metadata` (unet alpha 8 / rank 4, text encoder alpha 2 / rank 4)
  kohya.safetensors  kohya/A1111 format written directly: `lora_unet_*` / `lora_te_*`, `.lora_down.weight`,
                     `.lora_up.weight`, `.alpha` (1.0 with rank 2; 1.5 on one conv with rank 3)
  goldens.safetensors + goldens.json  images and text-encoder hidden states for: each LoRA alone at
                     scale 1, each alone at another scale, and both together at 0.8 (peft) and 0.5 (kohya)
"""
import json
import os

import numpy as np
import torch
from safetensors.torch import save_file

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

import transformers.integrations.peft as transformers_peft
from diffusers import StableDiffusionPipeline
from peft import LoraConfig

# transformers 5.24/5.25 ask for peft >= 0.22.0, which is not released (0.21.2 is the newest); the text-encoder
# adapter API they wrap works with 0.21.2. `check_text_encoder_merge` below checks the result independently.
transformers_peft.MIN_PEFT_VERSION = "0.21.0"
from peft.utils import get_peft_model_state_dict

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "sd-tiny-conv")
OUT = os.path.join(HERE, "lora")
PROMPT, NEGATIVE, SEED, STEPS, GUIDANCE, SIZE = "a red chair in the garden", "blurry, dark", 11, 4, 4.5, 32
TEXT_PROMPT = "a photo of a cat, highly detailed"

UNET_TARGETS = ["to_q", "to_k", "to_v", "to_out.0", "proj_in", "proj_out", "ff.net.0.proj", "ff.net.2", "conv1", "conv2",
                "conv_shortcut"]
TEXT_TARGETS = ["q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"]

# kohya modules (diffusers module path, rank, alpha): attention, feed-forward, 1x1-conv projections, 3x3 convs,
# the time projection, and text-encoder attention + MLP.
KOHYA_UNET = [
    ("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q", 2, 1.0),
    ("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k", 2, 1.0),
    ("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_v", 2, 1.0),
    ("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_out.0", 2, 1.0),
    ("down_blocks.0.attentions.0.transformer_blocks.0.ff.net.0.proj", 2, 1.0),
    ("down_blocks.0.attentions.0.proj_in", 2, 1.0),
    ("mid_block.attentions.0.proj_out", 2, 1.0),
    ("mid_block.attentions.0.transformer_blocks.0.ff.net.2", 2, 1.0),
    ("up_blocks.1.attentions.1.transformer_blocks.0.attn1.to_v", 2, 1.0),
    ("down_blocks.1.resnets.0.conv1", 3, 1.5),
    ("up_blocks.0.resnets.1.conv2", 2, 1.0),
    ("up_blocks.0.resnets.0.time_emb_proj", 2, 1.0),
]
KOHYA_TEXT = [
    ("encoder.layers.0.self_attn.q_proj", 2, 1.0),
    ("encoder.layers.1.self_attn.v_proj", 2, 1.0),
    ("encoder.layers.1.self_attn.out_proj", 2, 1.0),
    ("encoder.layers.0.mlp.fc1", 2, 1.0),
    ("encoder.layers.1.mlp.fc2", 2, 1.0),
]


def load_pipe():
    pipe = StableDiffusionPipeline.from_pretrained(MODEL, torch_dtype=torch.float32, safety_checker=None,
                                                   requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def module(root, path):
    for part in path.split("."):
        root = getattr(root, part) if not part.isdigit() else root[int(part)]
    return root


def make_peft():
    """A rank-4 PEFT LoRA on the UNet and text encoder with seeded random A and B, saved as diffusers does."""
    pipe = load_pipe()
    pipe.unet.add_adapter(LoraConfig(r=4, lora_alpha=8, target_modules=UNET_TARGETS, init_lora_weights=False))
    pipe.text_encoder.add_adapter(LoraConfig(r=4, lora_alpha=2, target_modules=TEXT_TARGETS, init_lora_weights=False))
    g = torch.Generator().manual_seed(21)
    with torch.no_grad():
        for model in (pipe.unet, pipe.text_encoder):
            for name, p in sorted(model.named_parameters()):
                if "lora_" in name:
                    p.copy_(torch.randn(p.shape, generator=g) * 0.6 / p[0].numel() ** 0.5)
    unet_layers = get_peft_model_state_dict(pipe.unet)
    text_layers = get_peft_model_state_dict(pipe.text_encoder)
    def metadata(model):  # target_modules is a set: sorted so the file is the same on every run
        config = model.peft_config["default"].to_dict()
        config["target_modules"] = sorted(config["target_modules"])
        config["base_model_name_or_path"] = None
        return config

    StableDiffusionPipeline.save_lora_weights(
        OUT, unet_lora_layers=unet_layers, text_encoder_lora_layers=text_layers, weight_name="peft.safetensors",
        unet_lora_adapter_metadata=metadata(pipe.unet), text_encoder_lora_adapter_metadata=metadata(pipe.text_encoder))
    sort_header(os.path.join(OUT, "peft.safetensors"))


def sort_header(path):
    """Rewrites a safetensors header with sorted keys (safetensors writes `__metadata__` in hash order)."""
    with open(path, "rb") as f:
        data = f.read()
    length = int.from_bytes(data[:8], "little")
    header = json.dumps(json.loads(data[8:8 + length]), sort_keys=True, separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as f:
        f.write(len(header).to_bytes(8, "little") + header + data[8 + length:])


def make_kohya():
    """A kohya-format LoRA written key by key from the real module shapes (alpha != rank)."""
    pipe = load_pipe()
    g = torch.Generator().manual_seed(22)
    tensors = {}
    # kohya names text-encoder modules as transformers 4 did (`text_model.encoder...`); transformers 5 drops `text_model`.
    for prefix, root, entries in (("lora_unet_", pipe.unet, KOHYA_UNET), ("lora_te_text_model_", pipe.text_encoder, KOHYA_TEXT)):
        for path, rank, alpha in entries:
            weight = module(root, path).weight
            name = prefix + path.replace(".", "_")
            if weight.dim() == 4:
                out_c, in_c, kh, kw = weight.shape
                down = torch.randn((rank, in_c, kh, kw), generator=g) / (in_c * kh * kw) ** 0.5
                up = torch.randn((out_c, rank, 1, 1), generator=g) * 0.8 / rank ** 0.5
            else:
                out_c, in_c = weight.shape
                down = torch.randn((rank, in_c), generator=g) / in_c ** 0.5
                up = torch.randn((out_c, rank), generator=g) * 0.8 / rank ** 0.5
            tensors[f"{name}.lora_down.weight"] = down.contiguous()
            tensors[f"{name}.lora_up.weight"] = up.contiguous()
            tensors[f"{name}.alpha"] = torch.tensor(float(alpha))
    save_file(tensors, os.path.join(OUT, "kohya.safetensors"), metadata={"ss_network_module": "networks.lora"})
    sort_header(os.path.join(OUT, "kohya.safetensors"))


def check_text_encoder_merge(ids, tensors):
    """Independent check of the text-encoder goldens: W + scale * alpha / rank * up @ down merged by hand."""
    from safetensors.torch import load_file
    for name, adapters in CASES:
        pipe = load_pipe()
        metadata = json.loads(__import__("safetensors").safe_open(os.path.join(OUT, "peft.safetensors"), "pt")
                              .metadata()["lora_adapter_metadata"])
        with torch.no_grad():
            for adapter, scale in adapters:
                state = load_file(os.path.join(OUT, f"{adapter}.safetensors"))
                for key, down in state.items():
                    if adapter == "peft" and key.startswith("text_encoder.") and ".lora_A." in key:
                        path = key[len("text_encoder."):].split(".lora_A.")[0]
                        up = state[key.replace(".lora_A.", ".lora_B.")]
                        factor = metadata["text_encoder.lora_alpha"] / down.shape[0]
                    elif adapter == "kohya" and key.startswith("lora_te_") and key.endswith(".lora_down.weight"):
                        base = key[: -len(".lora_down.weight")]
                        path = dict((("lora_te_text_model_" + p.replace(".", "_")), p) for p, _, _ in KOHYA_TEXT)[base]
                        up = state[base + ".lora_up.weight"]
                        factor = float(state[base + ".alpha"]) / down.shape[0]
                    else:
                        continue
                    module(pipe.text_encoder, path).weight += scale * factor * (up @ down)
            reference = pipe.text_encoder(ids)[0]
        error = (reference - tensors[f"text.{name}"]).abs().max().item()
        assert error < 1e-5, (name, error)


CASES = [  # name, [(adapter, scale)]
    ("peft", [("peft", 1.0)]),
    ("kohya", [("kohya", 1.0)]),
    ("peft-0.6", [("peft", 0.6)]),
    ("kohya-1.5", [("kohya", 1.5)]),
    ("both", [("peft", 0.8), ("kohya", 0.5)]),
]


def record():
    pipe = load_pipe()
    pipe.load_lora_weights(OUT, weight_name="peft.safetensors", adapter_name="peft")
    pipe.load_lora_weights(OUT, weight_name="kohya.safetensors", adapter_name="kohya")
    ids = pipe.tokenizer([TEXT_PROMPT], padding="max_length", max_length=77, truncation=True, return_tensors="pt").input_ids
    tensors, cases = {}, []
    for name, adapters in CASES:
        pipe.set_adapters([a for a, _ in adapters], adapter_weights=[s for _, s in adapters])
        with torch.no_grad():
            tensors[f"text.{name}"] = pipe.text_encoder(ids)[0].contiguous()
        image = pipe(PROMPT, negative_prompt=NEGATIVE, num_inference_steps=STEPS, guidance_scale=GUIDANCE,
                     height=SIZE, width=SIZE, generator=torch.Generator("cpu").manual_seed(SEED), output_type="np").images[0]
        tensors[f"image.{name}"] = torch.from_numpy(np.round(np.clip(image, 0, 1) * 255).astype(np.uint8).copy())
        cases.append(dict(name=name, loras=[dict(file=f"{a}.safetensors", scale=s) for a, s in adapters],
                          text="text." + name, pixels="image." + name))
    check_text_encoder_merge(ids, tensors)
    # One adapter at weight 1 with cross_attention_kwargs={"scale": s} is the same as set_adapters weight s.
    pipe.set_adapters(["peft"], adapter_weights=[1.0])
    image = pipe(PROMPT, negative_prompt=NEGATIVE, num_inference_steps=STEPS, guidance_scale=GUIDANCE, height=SIZE,
                 width=SIZE, generator=torch.Generator("cpu").manual_seed(SEED), output_type="np",
                 cross_attention_kwargs={"scale": 0.6}).images[0]
    pixels = torch.from_numpy(np.round(np.clip(image, 0, 1) * 255).astype(np.uint8).copy())
    assert (pixels.int() - tensors["image.peft-0.6"].int()).abs().max() <= 1
    pipe.disable_lora()
    image = pipe(PROMPT, negative_prompt=NEGATIVE, num_inference_steps=STEPS, guidance_scale=GUIDANCE, height=SIZE,
                 width=SIZE, generator=torch.Generator("cpu").manual_seed(SEED), output_type="np").images[0]
    tensors["image.none"] = torch.from_numpy(np.round(np.clip(image, 0, 1) * 255).astype(np.uint8).copy())
    tensors["text.input_ids"] = ids.to(torch.int32)
    save_file(tensors, os.path.join(OUT, "goldens.safetensors"))
    import diffusers, peft, transformers
    with open(os.path.join(OUT, "goldens.json"), "w") as f:
        json.dump(dict(model="sd-tiny-conv", scheduler="ddim", prompt=PROMPT, negative_prompt=NEGATIVE, seed=SEED,
                       steps=STEPS, guidance_scale=GUIDANCE, width=SIZE, height=SIZE, text_prompt=TEXT_PROMPT,
                       versions=dict(torch=torch.__version__, diffusers=diffusers.__version__, peft=peft.__version__,
                                     transformers=transformers.__version__),
                       cases=cases), f, indent=2)


def main():
    os.makedirs(OUT, exist_ok=True)
    make_peft()
    make_kohya()
    record()
    for f in sorted(os.listdir(OUT)):
        print(f, os.path.getsize(os.path.join(OUT, f)))


if __name__ == "__main__":
    main()
