"""Quick diagnostics used while choosing the shipped model (faster than evaluate.py's full table):

    python3 diagnose.py screen MODEL [--unet DIR] [--vae DIR] [--guidance 3] [--steps 8]
        held-out attribute accuracy (evaluate.py's 192 + 192 prompts and noise) of a pipeline folder,
        optionally with another UNet or VAE folder in place of the folder's own;
    python3 diagnose.py roundtrip --encoder VAE_DIR --scorer-work WORK DECODER_VAE_DIR...
        the held-out real scenes encoded by one VAE's encoder and decoded by each decoder: checker accuracy
        and FID-style distance to the real renders (scorer from WORK/scorer, trained by evaluate.py).
    python3 diagnose.py fid-bootstrap MODEL --work WORK [--resamples 200]
        the FID-style comparison of the issue's target -- the shipped student (MODEL, 8 steps) against the
        teacher at 50 steps (WORK/teacher, WORK/vae's full decoder) -- with a paired bootstrap over the
        held-out prompts: how often a resample of the same prompts puts the student at or below the teacher.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from diffusers import AutoencoderKL, UNet2DConditionModel
from transformers import CLIPModel, CLIPTextModel, CLIPTokenizer

import checker
import evaluate
import scenes
import train

SEED = 1234  # evaluate.py's default --seed: the same prompts (seed + 40, + 41) and noise (seed + 50)


def held_out():
    """evaluate.py's held-out scenes and prompts (192 single-object, 192 two-object)."""
    return evaluate.held_out_prompts(SEED, 192, 192, np.random.default_rng(SEED + 40))


def accuracy(images: np.ndarray, held) -> str:
    ok = np.array([checker.check(i, s).ok for i, s in zip(images, held)])
    return f"single {100 * ok[:192].mean():.1f}% two-object {100 * ok[192:].mean():.1f}%"


def screen(a):
    held, prompts = held_out()
    tok = CLIPTokenizer.from_pretrained(a.model / "tokenizer")
    text = CLIPTextModel.from_pretrained(a.model / "text_encoder").eval()
    unet = UNet2DConditionModel.from_pretrained(a.unet or a.model / "unet").eval()
    vae = AutoencoderKL.from_pretrained(a.vae or a.model / "vae").eval()
    lat = train.sample_latents(unet, text, tok, prompts, a.steps, a.guidance, train.shipped_scheduler(),
                               seed=SEED + 50)
    print(f"{a.model} unet={a.unet or 'own'} vae={a.vae or 'own'} guidance {a.guidance} steps {a.steps}: "
          f"{accuracy(train.decode(vae, lat), held)}")


def roundtrip(a):
    held, _ = held_out()
    real = np.stack([scenes.render(s) for s in held])
    scorer = CLIPModel.from_pretrained(a.scorer_work / "scorer").eval()
    tok = CLIPTokenizer.from_pretrained(a.scorer_work / "tokenizer")
    real_im, _ = evaluate.embed(scorer, tok, real, None)
    x = torch.from_numpy(real).permute(0, 3, 1, 2).float() / 127.5 - 1
    encoder = AutoencoderKL.from_pretrained(a.encoder).eval()
    with torch.no_grad():
        z = encoder.encode(x).latent_dist.sample(torch.Generator().manual_seed(0))
    for d in a.decoders:
        with torch.no_grad():
            y = AutoencoderKL.from_pretrained(d).eval().decode(z).sample
        img = train.to_uint8(y)
        im, _ = evaluate.embed(scorer, tok, img, None)
        print(f"{d}: FID-style {evaluate.frechet(real_im.numpy(), im.numpy()):.4f}, {accuracy(img, held)}")


def fid_bootstrap(a):
    held, prompts = held_out()
    real = np.stack([scenes.render(s) for s in held])
    scorer = CLIPModel.from_pretrained(a.work / "scorer").eval()
    tok = CLIPTokenizer.from_pretrained(a.model / "tokenizer")
    text = CLIPTextModel.from_pretrained(a.model / "text_encoder").eval()

    def images(unet_dir, vae_dir, steps, scheduler):
        unet = UNet2DConditionModel.from_pretrained(unet_dir).eval()
        lat = train.sample_latents(unet, text, tok, prompts, steps, evaluate.GUIDANCE, scheduler, seed=SEED + 50)
        return evaluate.embed(scorer, tok, train.decode(AutoencoderKL.from_pretrained(vae_dir).eval(), lat),
                              None)[0].numpy()

    real_e = evaluate.embed(scorer, tok, real, None)[0].numpy()
    teacher_e = images(a.work / "teacher", a.work / "vae", 50, evaluate.ddim())
    student_e = images(a.model / "unet", a.model / "vae", 8, train.shipped_scheduler())
    t, s = evaluate.frechet(real_e, teacher_e), evaluate.frechet(real_e, student_e)
    print(f"FID-style: teacher 50 steps {t:.4f}, student 8 steps {s:.4f}, difference {s - t:+.4f}")
    rng = np.random.default_rng(SEED + 60)
    diffs = []
    for _ in range(a.resamples):
        i = rng.integers(0, len(held), len(held))
        diffs.append(evaluate.frechet(real_e[i], student_e[i]) - evaluate.frechet(real_e[i], teacher_e[i]))
    d = np.array(diffs)
    lo, hi = np.percentile(d, [2.5, 97.5])
    print(f"paired bootstrap over {len(held)} prompts, {a.resamples} resamples: student - teacher "
          f"median {np.median(d):+.4f}, 95% interval [{lo:+.4f}, {hi:+.4f}], student at or below the teacher "
          f"in {100 * (d <= 0).mean():.0f}% of resamples")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=1)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("screen")
    s.add_argument("model", type=Path)
    s.add_argument("--unet", type=Path)
    s.add_argument("--vae", type=Path)
    s.add_argument("--guidance", type=float, default=evaluate.GUIDANCE)
    s.add_argument("--steps", type=int, default=8)
    r = sub.add_parser("roundtrip")
    r.add_argument("--encoder", type=Path, required=True)
    r.add_argument("--scorer-work", type=Path, required=True)
    r.add_argument("decoders", type=Path, nargs="+")
    b = sub.add_parser("fid-bootstrap")
    b.add_argument("model", type=Path)
    b.add_argument("--work", type=Path, required=True)
    b.add_argument("--resamples", type=int, default=200)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    {"screen": screen, "roundtrip": roundtrip, "fid-bootstrap": fid_bootstrap}[a.command](a)


if __name__ == "__main__":
    main()
