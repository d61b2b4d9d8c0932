"""Evaluate darkroom-shapes-v1 on held-out prompts: the paper's table at small scale.

    python3 evaluate.py [--quick]

1. Trains (once; checkpoint in --work/scorer) a tiny contrastive image-text
   model (transformers CLIPModel) on the training scenes: our stand-in for CLIP.
2. Builds held-out scenes whose first object is a colour x shape pair never seen
   in training (single-object and two-object), captions them, renders the real
   images as the reference set.
3. Generates every held-out prompt with: teacher 50 steps (DDIM), teacher 8
   steps (DPM-Solver++ 2M), student 8 steps with the full decoder, student
   8 steps with the slim decoder (the shipped pipeline).
4. Reports CLIP-style score (cosine of scorer embeddings of image and prompt),
   FID-style distance (Frechet distance between scorer image embeddings of
   generated and real held-out images) and exact attribute accuracy (checker.py).
5. Writes logs/eval.json, logs/eval.md, the sample grids docs/model-*.png and
   the goldens next to the shipped model.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from diffusers import AutoencoderKL, DDIMScheduler, DPMSolverMultistepScheduler, StableDiffusionPipeline, \
    UNet2DConditionModel
from PIL import Image
from transformers import CLIPConfig, CLIPModel, CLIPTextConfig, CLIPTextModel, CLIPTokenizer, CLIPVisionConfig

import checker
import scenes
import train
from train import Corpus, log, run_loop, record

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
GUIDANCE = 3.0  # the shipped default (GenerationDefaults.guidance); chosen on the seen-pair prompts


# ---------------------------------------------------------------- scorer
def scorer_config(vocab: int, bos: int, eos: int) -> CLIPConfig:
    """A tiny CLIP: 2-layer 64-wide text and vision (8x8 patches) towers, 64-d joint space."""
    text = CLIPTextConfig(vocab_size=vocab, hidden_size=64, intermediate_size=256, num_hidden_layers=2,
                          num_attention_heads=4, max_position_embeddings=train.MAX_TOKENS, bos_token_id=bos,
                          eos_token_id=eos, pad_token_id=eos, projection_dim=64)
    vision = CLIPVisionConfig(hidden_size=64, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4,
                              image_size=64, patch_size=8, num_channels=3, projection_dim=64)
    return CLIPConfig(text_config=text.to_dict(), vision_config=vision.to_dict(), projection_dim=64)


def stage_scorer(a, corpus: Corpus) -> CLIPModel:
    path = a.work / "scorer"
    if path.exists():
        return CLIPModel.from_pretrained(path).eval()
    torch.manual_seed(a.seed + 30)
    g = torch.Generator().manual_seed(a.seed + 30)
    tok = corpus.tokenizer
    model = CLIPModel(scorer_config(len(tok), tok.bos_token_id, tok.eos_token_id)).train()

    def step(i):
        idx = torch.randint(0, len(corpus.images), (a.scorer_batch,), generator=g).numpy()
        return model(input_ids=corpus.caption_batch(idx, g, drop=0.0), pixel_values=corpus.image_batch(idx),
                     return_loss=True).loss

    iters, secs = run_loop("scorer", a.scorer_iters, a.scorer_minutes, step, list(model.parameters()), 1e-3)
    record(a.work, "scorer", iterations=iters, seconds=round(secs), batch=a.scorer_batch)
    model.eval().save_pretrained(path)
    return model


@torch.no_grad()
def embed(scorer: CLIPModel, tokenizer, images: np.ndarray, prompts: list[str] | None):
    """L2-normalised scorer embeddings of uint8 images (and prompts)."""
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1
    im = F.normalize(torch.cat([_tensor(scorer.get_image_features(pixel_values=x[s:s + 256]))
                                for s in range(0, len(x), 256)]), dim=-1)
    if prompts is None:
        return im, None
    tx = _tensor(scorer.get_text_features(input_ids=train.tokenize(tokenizer, prompts)))
    return im, F.normalize(tx, dim=-1)


def _tensor(features) -> torch.Tensor:
    """get_*_features returns a tensor or, in newer transformers, an output with pooler_output."""
    return features if isinstance(features, torch.Tensor) else features.pooler_output


def frechet(a: np.ndarray, b: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to two embedding sets (FID formula)."""
    mu1, mu2 = a.mean(0), b.mean(0)
    c1, c2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # sqrtm(c1 c2) via the symmetric form sqrt(c1)^1/2 c2 sqrt(c1)^1/2.
    w, v = np.linalg.eigh(c1)
    s1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    m = s1 @ c2 @ s1
    tr_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(c1) + np.trace(c2) - 2 * tr_sqrt)


def held_out_prompts(seed: int, n_single: int, n_pair: int, rng: np.random.Generator):
    """The held-out evaluation scenes (n_single single-object, then n_pair two-object) and their captions,
    drawn from rng (evaluate.py goes on to draw the seen-pair captions from the same rng)."""
    singles, pairs = scenes.held_out_set(n_single, n_pair, seed=seed + 41)
    held = singles + pairs
    return held, [scenes.caption(s, rng) for s in held]


# ---------------------------------------------------------------- samplers
def dpmpp_2m() -> DPMSolverMultistepScheduler:
    """DPM-Solver++ 2M on the same schedule, the baseline sampler for the teacher at 8 steps."""
    return DPMSolverMultistepScheduler.from_config(dict(train.distilled_scheduler().config, solver_order=2))


def ddim() -> DDIMScheduler:
    return train.ddim_training_scheduler()


def grid(rows: list[np.ndarray], scale: int = 2) -> Image.Image:
    """Stack rows of [n,64,64,3] images into one PNG-ready image, 2-pixel gutters."""
    n = max(len(r) for r in rows)
    s = scenes.SIZE
    out = np.full((len(rows) * (s + 2), n * (s + 2), 3), 255, dtype=np.uint8)
    for i, r in enumerate(rows):
        for j, im in enumerate(r):
            out[i * (s + 2):i * (s + 2) + s, j * (s + 2):j * (s + 2) + s] = im
    img = Image.fromarray(out)
    return img.resize((img.width * scale, img.height * scale), Image.NEAREST)


def goldens(a, pipe_dir: Path, out: Path, eval_scenes):
    """Images the shipped pipeline makes for a few prompts/seeds, with their settings: three with the shipped
    scheduler (the engine's default kind, euler-a), and one with the folder's config as DPM-Solver++ (the
    engine's dpmpp-2m), the deterministic sampler shipped until 2026-11-29, whose pictures must stay
    reproducible."""
    pipe = StableDiffusionPipeline.from_pretrained(pipe_dir, safety_checker=None)
    pipe.set_progress_bar_config(disable=True)
    distilled = DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)
    out.mkdir(parents=True, exist_ok=True)
    cases = [("a red circle above a blue square", 42, "euler-a", pipe.scheduler),
             ("a small green star on the left", 7, "euler-a", pipe.scheduler),
             ("two yellow rings side by side on a striped background", 2024, "euler-a", pipe.scheduler),
             ("a red circle above a blue square", 42, "dpmpp-2m", distilled)]
    entries = []
    for k, (prompt, seed, kind, scheduler) in enumerate(cases):
        sampler = StableDiffusionPipeline(**dict(pipe.components, scheduler=scheduler))
        sampler.set_progress_bar_config(disable=True)
        img = sampler(prompt, num_inference_steps=a.steps, guidance_scale=GUIDANCE, generator=torch.Generator()
                      .manual_seed(seed), output_type="np").images[0]
        u8 = (img * 255).round().astype(np.uint8)
        name = f"golden-{k}.png"
        Image.fromarray(u8).save(out / name)
        entries.append(dict(file=name, prompt=prompt, negative_prompt="", seed=seed, steps=a.steps,
                            guidance_scale=GUIDANCE, height=64, width=64,
                            scheduler=scheduler.__class__.__name__, engine_scheduler=kind,
                            scheduler_config="../darkroom-shapes-v1/scheduler/scheduler_config.json, through "
                                             "the class's from_config",
                            noise="torch.Generator('cpu').manual_seed(seed); randn([1,4,16,16], float32), then the "
                                  "scheduler's draws from the same generator (Euler ancestral: randn([1,4,16,16]) "
                                  "at each step)",
                            output='output_type="np" then round(x*255) to uint8'))
    (out / "goldens.json").write_text(json.dumps(entries, indent=2) + "\n")
    log(f"goldens: {len(entries)} images in {out}")
    checker_cases(a, pipe)


# Prompts with colour x shape pairs seen in training, as DefaultModelTests checks them with the Swift engine:
# (prompt, scene spec for the checker). Seeds 1-8 of each are judged here and written to logs/checker-cases.json.
CHECKER_CASES = [
    ("a red circle in the centre", "single", [("red", "circle")], "centre"),
    ("a blue square on the left", "single", [("blue", "square")], "left"),
    ("a yellow triangle at the top", "single", [("yellow", "triangle")], "top"),
    ("an orange ring on the right", "single", [("orange", "ring")], "right"),
    ("a green square above a pink circle", "relation", [("green", "square"), ("pink", "circle")], "above"),
]


def checker_cases(a, pipe):
    """The shipped pipeline on CHECKER_CASES, seeds 1-8, judged by the exact checker."""
    out = []
    for prompt, kind, objs, where in CHECKER_CASES:
        spec = scenes.Scene(kind, [scenes.SceneObject(c, s, "large", 32, 32) for c, s in objs], "plain", "grey",
                            "white", position=where if kind == "single" else None,
                            relation=where if kind == "relation" else None)
        for seed in range(1, 9):
            img = pipe(prompt, num_inference_steps=a.steps, guidance_scale=GUIDANCE,
                       generator=torch.Generator().manual_seed(seed), output_type="np").images[0]
            v = checker.check((img * 255).round().astype(np.uint8), spec)
            out.append(dict(prompt=prompt, seed=seed, colour=v.colour, shape=v.shape, position=v.position))
            log(f"checker case {prompt!r} seed {seed}: colour {v.colour} shape {v.shape} position {v.position}")
    (a.logs / "checker-cases.json").write_text(json.dumps(out, indent=1) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--work", type=Path, default=HERE / "work")
    p.add_argument("--model", type=Path, default=HERE.parent / "darkroom-shapes-v1")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--n-single", type=int, default=64)
    p.add_argument("--n-pair", type=int, default=64)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--compare-model", type=Path, default=None,
                   help="a previously shipped pipeline folder to evaluate on the same prompts and noise")
    p.add_argument("--scorer-iters", type=int, default=800)
    p.add_argument("--scorer-minutes", type=float, default=4)
    p.add_argument("--scorer-batch", type=int, default=64)
    p.add_argument("--guidance", type=float, default=GUIDANCE,
                   help="guidance of every configuration; other than the default, only the table is written "
                        "(logs/eval-gG.json, .md): grids, goldens and checker cases stay at the shipped default")
    a = p.parse_args()
    report_only = a.guidance != GUIDANCE
    docs = REPO / "docs"
    golden_dir = a.model.with_name(a.model.name + "-goldens")
    logs = HERE / "logs"
    if a.quick:
        a.work = a.work.with_name(a.work.name + "-quick")
        a.model = Path("/tmp/darkroom-shapes-quick")
        a.n_single = a.n_pair = 8
        a.scorer_iters = 20
        docs = logs = Path("/tmp/darkroom-eval-quick")
        golden_dir = docs / "goldens"
    docs.mkdir(parents=True, exist_ok=True)
    a.logs = logs
    torch.set_num_threads(a.threads)
    t0 = time.time()
    corpus = Corpus(a.work)
    scorer = stage_scorer(a, corpus)
    tok = corpus.tokenizer

    rng = np.random.default_rng(a.seed + 40)
    held, prompts = held_out_prompts(a.seed, a.n_single, a.n_pair, rng)
    real = np.stack([scenes.render(s) for s in held])
    real_im, real_tx = embed(scorer, tok, real, prompts)
    # Prompts whose colour x shape pairs were all seen in training (new scenes, same templates).
    seen_singles, seen_pairs = scenes.held_out_set(a.n_single, a.n_pair, seed=a.seed + 42, held_out=False)
    seen = seen_singles + seen_pairs
    seen_prompts = [scenes.caption(s, rng) for s in seen]

    text = CLIPTextModel.from_pretrained(a.model / "text_encoder").eval()
    teacher = UNet2DConditionModel.from_pretrained(a.work / "teacher").eval()
    student = UNet2DConditionModel.from_pretrained(a.model / "unet").eval()
    full_vae = AutoencoderKL.from_pretrained(a.work / "vae").eval()
    slim_vae = AutoencoderKL.from_pretrained(a.model / "vae").eval()
    seed = a.seed + 50

    def gen(unet, steps, sched, which=prompts, text_model=text, tokenizer=tok):
        t = time.time()
        lat = train.sample_latents(unet, text_model, tokenizer, which, steps, a.guidance, sched, seed=seed)
        return lat, time.time() - t

    lat_t50, s_t50 = gen(teacher, 50, ddim())
    lat_t8, s_t8 = gen(teacher, a.steps, dpmpp_2m())
    lat_s8, s_s8 = gen(student, a.steps, train.shipped_scheduler())
    lat_s8det, s_s8det = gen(student, a.steps, train.distilled_scheduler())
    lat_s8dpm, s_s8dpm = gen(student, a.steps, dpmpp_2m())
    seen_t8, _ = gen(teacher, a.steps, dpmpp_2m(), seen_prompts)
    seen_s8, _ = gen(student, a.steps, train.shipped_scheduler(), seen_prompts)
    seen_s8det, _ = gen(student, a.steps, train.distilled_scheduler(), seen_prompts)
    # name: (held-out images, sampling seconds, seen-pair images or None)
    rows = {
        "real rendered scenes (reference)": (real, None, np.stack([scenes.render(s) for s in seen])),
        "teacher, 50 steps DDIM, full decoder": (train.decode(full_vae, lat_t50), s_t50, None),
        f"teacher, {a.steps} steps DPM-Solver++ 2M, full decoder": (train.decode(full_vae, lat_t8), s_t8,
                                                                    train.decode(full_vae, seen_t8)),
        f"student, {a.steps} steps Euler ancestral (shipped sampler), full decoder": (
            train.decode(full_vae, lat_s8), s_s8, train.decode(full_vae, seen_s8)),
        f"student, {a.steps} steps Euler ancestral (shipped sampler), slim decoder [shipped]": (
            train.decode(slim_vae, lat_s8), s_s8, train.decode(slim_vae, seen_s8)),
        f"student, {a.steps} steps DDIM (the distillation's sampler), slim decoder": (
            train.decode(slim_vae, lat_s8det), s_s8det, train.decode(slim_vae, seen_s8det)),
        f"student, {a.steps} steps DPM-Solver++ 2M, slim decoder": (train.decode(slim_vae, lat_s8dpm), s_s8dpm, None),
    }
    if a.compare_model is not None:
        # A previously shipped pipeline folder (its own tokenizer, text encoder, UNet and VAE), same prompts and noise.
        old_tok = CLIPTokenizer.from_pretrained(a.compare_model / "tokenizer")
        old_text = CLIPTextModel.from_pretrained(a.compare_model / "text_encoder").eval()
        old_unet = UNet2DConditionModel.from_pretrained(a.compare_model / "unet").eval()
        old_vae = AutoencoderKL.from_pretrained(a.compare_model / "vae").eval()
        # with the sampler it was shipped with, so its row equals its own evaluation
        old_lat, old_s = gen(old_unet, a.steps, train.distilled_scheduler(), prompts, old_text, old_tok)
        old_seen, _ = gen(old_unet, a.steps, train.distilled_scheduler(), seen_prompts, old_text, old_tok)
        rows[f"previous shipped model ({a.compare_model.name}), {a.steps} steps"] = (
            train.decode(old_vae, old_lat), old_s, train.decode(old_vae, old_seen))
    results = {}
    ns = a.n_single
    acc = lambda vs, f: float(np.mean([f(v) for v in vs]))
    for name, (imgs, secs, seen_imgs) in rows.items():
        im, _ = embed(scorer, tok, imgs, None)
        clip = (im * real_tx).sum(-1).numpy()
        verdicts = [checker.check(img, s) for img, s in zip(imgs, held)]
        results[name] = dict(
            clip_score=float(clip.mean()),
            fid=frechet(im.numpy(), real_im.numpy()) if secs is not None else 0.0,
            acc_single=acc(verdicts[:ns], lambda v: v.ok), acc_pair=acc(verdicts[ns:], lambda v: v.ok),
            colour=acc(verdicts, lambda v: v.colour), shape=acc(verdicts, lambda v: v.shape),
            position=acc(verdicts, lambda v: v.position), sampling_seconds=secs)
        if seen_imgs is not None:
            sv = [checker.check(img, s) for img, s in zip(seen_imgs, seen)]
            results[name].update(seen_single=acc(sv[:ns], lambda v: v.ok), seen_pair=acc(sv[ns:], lambda v: v.ok),
                                 seen_colour=acc(sv, lambda v: v.colour), seen_shape=acc(sv, lambda v: v.shape),
                                 seen_position=acc(sv, lambda v: v.position))
        log(name, json.dumps(results[name]))
    table = "eval" if not report_only else f"eval-g{a.guidance:g}"
    (logs / f"{table}.json").write_text(json.dumps(dict(guidance=a.guidance, n_single=ns, n_pair=a.n_pair,
                                                    prompts=prompts, seen_prompts=seen_prompts, results=results),
                                               indent=2) + "\n")
    lines = ["| configuration | FID-style (lower better) | CLIP-style | attr. acc. single | attr. acc. two-object "
             "| colour / shape / position | seen pairs: single / two-object | seen: colour / shape / position "
             "| sampling s (held-out prompts) |", "|---|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        sec = "" if r["sampling_seconds"] is None else f"{r['sampling_seconds']:.0f}"
        seen_acc = f"{r['seen_single']:.1%} / {r['seen_pair']:.1%}" if "seen_single" in r else ""
        seen_attr = (f"{r['seen_colour']:.0%} / {r['seen_shape']:.0%} / {r['seen_position']:.0%}"
                     if "seen_single" in r else "")
        lines.append(f"| {name} | {r['fid']:.4f} | {r['clip_score']:.4f} | {r['acc_single']:.1%} | "
                     f"{r['acc_pair']:.1%} | {r['colour']:.0%} / {r['shape']:.0%} / {r['position']:.0%} | "
                     f"{seen_acc} | {seen_attr} | {sec} |")
    (logs / f"{table}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if report_only:
        return

    # Sample grids: the first 6 single and 6 two-object held-out prompts, one row per configuration.
    pick = list(range(6)) + list(range(ns, ns + 6))
    grid([rows[n][0][pick] for n in rows]).save(docs / "model-heldout.png")
    grid([rows[n][2][pick] for n in rows if rows[n][2] is not None]).save(docs / "model-seen.png")
    (logs / "grid-seen-prompts.txt").write_text("\n".join(seen_prompts[i] for i in pick) + "\n")
    (logs / "grid-prompts.txt").write_text("\n".join(prompts[i] for i in pick) + "\n")
    data_imgs = corpus.images[:16]
    grid([data_imgs[:8], data_imgs[8:16]]).save(docs / "model-data.png")
    (logs / "data-captions.txt").write_text("\n".join(c[0] for c in corpus.captions[:16]) + "\n")
    demo = ["a red circle above a blue square", "a green triangle on the left", "two pink stars side by side",
            "a purple ring below an orange square", "a large cyan circle in the centre",
            "a yellow star next to a blue ring", "a small red square at the top", "an orange triangle, a green "
            "circle and a blue star"]
    lat = train.sample_latents(student, text, tok, [d for d in demo for _ in range(4)], a.steps, GUIDANCE,
                               train.shipped_scheduler(), seed=a.seed + 60)
    imgs = train.decode(slim_vae, lat)
    grid([imgs[i::4] for i in range(4)]).save(docs / "model-student-demo.png")
    (logs / "demo-prompts.txt").write_text("\n".join(demo) + "\n")
    goldens(a, a.model, golden_dir, held)
    log(f"evaluate.py done in {(time.time() - t0) / 60:.1f} min")


if __name__ == "__main__":
    main()
