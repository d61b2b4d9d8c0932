#!/usr/bin/env python3
"""A random rank-8 LoRA in the diffusers/PEFT key format (`unet.….lora_A.weight`, `text_encoder.….lora_B.weight`) on
every attention projection of the UNet and the text encoder of the diffusers folder MODEL, for Benchmarks/engine-inputs.

    python3 Benchmarks/engine-inputs/make-lora.py MODEL OUT.safetensors
"""
import sys

import torch
from diffusers import UNet2DConditionModel
from safetensors.torch import save_file
from transformers import CLIPTextModel

torch.manual_seed(0)
RANK = 8
model = sys.argv[1]
tensors = {}
for prefix, module, targets in (
        ("unet", UNet2DConditionModel.from_pretrained(model, subfolder="unet"), ("to_q", "to_k", "to_v", "to_out.0")),
        ("text_encoder", CLIPTextModel.from_pretrained(model, subfolder="text_encoder"), ("q_proj", "k_proj", "v_proj", "out_proj"))):
    for name, layer in module.named_modules():
        if isinstance(layer, torch.nn.Linear) and any(name.endswith(t) for t in targets):
            tensors[f"{prefix}.{name}.lora_A.weight"] = torch.randn(RANK, layer.in_features) * 0.02
            tensors[f"{prefix}.{name}.lora_B.weight"] = torch.randn(layer.out_features, RANK) * 0.02
save_file({k: v.contiguous() for k, v in tensors.items()}, sys.argv[2])
print(f"{len(tensors) // 2} LoRA modules")
