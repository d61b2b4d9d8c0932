#!/usr/bin/env python3
"""Builds three small random textual-inversion embeddings for `sd-tiny-conv` and diffusers' outputs with them.

Run from the repository root:  python3 Fixtures/engine/make_goldens_embeddings.py
Needs torch (CPU), diffusers, transformers, safetensors. Deterministic (fixed seeds, one thread).

Writes Fixtures/engine/embeddings/:
  learned_embeds.safetensors  diffusers' format: {"<cat-toy>": [8]} (one vector), used as "<cat-toy>"
  shinystyle.safetensors      A1111's safetensors format: {"emb_params": [3, 8]}, used as "shinystyle"
                              (diffusers expands it to shinystyle shinystyle_1 shinystyle_2)
  badthing.safetensors        A1111's `string_to_param` with `*`, flattened: {"string_to_param.*": [2, 8]},
                              used as "badthing" in the negative prompt
  goldens.safetensors + goldens.json  `load_textual_inversion(file, token=name)` for all three, then for each
                              prompt the ids after `maybe_convert_prompt`, the text encoder's hidden states, and the
                              final image of a DDIM text-to-image run
"""
import json
import os

import numpy as np
import torch
from safetensors.torch import save_file

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

from diffusers import StableDiffusionPipeline

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "sd-tiny-conv")
OUT = os.path.join(HERE, "embeddings")
EMBEDDINGS = [("<cat-toy>", "learned_embeds.safetensors", "<cat-toy>", (8,)),
              ("shinystyle", "shinystyle.safetensors", "emb_params", (3, 8)),
              ("badthing", "badthing.safetensors", "string_to_param.*", (2, 8))]
CASES = [  # prompt, negative prompt, seed
    ("a photo of <cat-toy> in shinystyle", "badthing, blurry", 13),
    ("shinystyle, a red chair and shinystyle again", "", 14),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(41)
    for _, file, key, shape in EMBEDDINGS:
        save_file({key: (torch.randn(shape, generator=g) * 0.5).contiguous()}, os.path.join(OUT, file))

    pipe = StableDiffusionPipeline.from_pretrained(MODEL, torch_dtype=torch.float32, safety_checker=None,
                                                   requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    for name, file, _, _ in EMBEDDINGS:
        pipe.load_textual_inversion(os.path.join(OUT, file), token=name)
    tensors, cases = {}, []
    for index, (prompt, negative, seed) in enumerate(CASES):
        with torch.no_grad():
            for label, text in (("prompt", prompt), ("negative", negative)):
                converted = pipe.maybe_convert_prompt(text, pipe.tokenizer)
                ids = pipe.tokenizer([converted], padding="max_length", max_length=77, truncation=True,
                                     return_tensors="pt").input_ids
                tensors[f"case{index}.{label}.input_ids"] = ids.to(torch.int32)
                tensors[f"case{index}.{label}.hidden_states"] = pipe.text_encoder(ids)[0].contiguous()
        image = pipe(prompt, negative_prompt=negative, num_inference_steps=4, guidance_scale=4.5, height=32, width=32,
                     generator=torch.Generator("cpu").manual_seed(seed), output_type="np").images[0]
        tensors[f"case{index}.image"] = torch.from_numpy(np.round(np.clip(image, 0, 1) * 255).astype(np.uint8).copy())
        cases.append(dict(prompt=prompt, negative_prompt=negative, seed=seed, steps=4, guidance_scale=4.5, width=32,
                          height=32, prefix=f"case{index}"))
    save_file(tensors, os.path.join(OUT, "goldens.safetensors"))
    import diffusers, transformers
    with open(os.path.join(OUT, "goldens.json"), "w") as f:
        json.dump(dict(model="sd-tiny-conv", scheduler="ddim",
                       embeddings=[dict(name=n, file=fl) for n, fl, _, _ in EMBEDDINGS],
                       versions=dict(torch=torch.__version__, diffusers=diffusers.__version__,
                                     transformers=transformers.__version__),
                       cases=cases), f, indent=2)
    for f in sorted(os.listdir(OUT)):
        print(f, os.path.getsize(os.path.join(OUT, f)))


if __name__ == "__main__":
    main()
