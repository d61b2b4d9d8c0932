"""Quick diagnostics used while choosing the shipped model (faster than evaluate.py's full table):

    python3 diagnose.py screen MODEL [--unet DIR] [--vae DIR] [--guidance 3] [--steps 8] [--sampler shipped]
        held-out attribute accuracy (evaluate.py's 192 + 192 prompts and noise) of a pipeline folder,
        optionally with another UNet or VAE folder in place of the folder's own, with the shipped sampler
        (Euler ancestral) or the deterministic one the student was distilled for (--sampler distilled);
    python3 diagnose.py roundtrip --encoder VAE_DIR --scorer-work WORK DECODER_VAE_DIR...
        the held-out real scenes encoded by one VAE's encoder and decoded by each decoder: checker accuracy
        and FID-style distance to the real renders (scorer from WORK/scorer, trained by evaluate.py).
    python3 diagnose.py fid-bootstrap MODEL --work WORK [--resamples 200]
        the FID-style comparison of the issue's target -- the shipped student (MODEL, 8 steps) against the
        teacher at 50 steps (WORK/teacher, WORK/vae's full decoder) -- with a paired bootstrap over the
        held-out prompts: how often a resample of the same prompts puts the student at or below the teacher.
    python3 diagnose.py sweep MODEL --work WORK --guidance G... [--noise-sets 2] --cache CACHE
            [--student-sampler shipped|distilled] [--teacher-sampler ddim|ancestral]
        the same two configurations at each guidance G and noise set: scorer embeddings cached in CACHE
        (files already there are kept, so several processes may share one cache). The student samples with
        the shipped Euler ancestral scheduler or the deterministic one it was distilled for; the teacher
        with 50 DDIM steps (the issue's reference) or 50 Euler ancestral steps;
    python3 diagnose.py sweep-report --cache CACHE [--student-sampler ...] [--teacher-sampler ...]
            [--resamples 200] [--out logs/sweep]
        from a sweep cache: FID-style and CLIP-style of both sides per guidance over all noise sets, a
        paired bootstrap of the difference, and each side's best FID-style over guidance.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from diffusers import AutoencoderKL, EulerAncestralDiscreteScheduler, UNet2DConditionModel
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
    lat = train.sample_latents(unet, text, tok, prompts, a.steps, a.guidance, STUDENT_SAMPLERS[a.sampler](),
                               seed=SEED + 50)
    print(f"{a.model} unet={a.unet or 'own'} vae={a.vae or 'own'} guidance {a.guidance} steps {a.steps} "
          f"{a.sampler} sampler: "
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


class Scoring:
    """The scorer, the real renders' and prompts' embeddings, and the text encoder of the shipped model: what
    every FID-style comparison here needs."""

    def __init__(self, model: Path, work: Path):
        self.held, self.prompts = held_out()
        self.scorer = CLIPModel.from_pretrained(work / "scorer").eval()
        self.tok = CLIPTokenizer.from_pretrained(model / "tokenizer")
        self.text = CLIPTextModel.from_pretrained(model / "text_encoder").eval()
        real = np.stack([scenes.render(s) for s in self.held])
        real_im, real_tx = evaluate.embed(self.scorer, self.tok, real, self.prompts)
        self.real, self.real_tx = real_im.numpy(), real_tx.numpy()

    def embeddings(self, unet_dir: Path, vae_dir: Path, steps: int, scheduler, guidance: float,
                   noise: int = 0) -> np.ndarray:
        """Scorer image embeddings [prompts, 64] of one configuration; noise set 0 is evaluate.py's."""
        unet = UNet2DConditionModel.from_pretrained(unet_dir).eval()
        lat = train.sample_latents(unet, self.text, self.tok, self.prompts, steps, guidance, scheduler,
                                   seed=SEED + 50 + 1000 * noise)
        images = train.decode(AutoencoderKL.from_pretrained(vae_dir).eval(), lat)
        return evaluate.embed(self.scorer, self.tok, images, None)[0].numpy()

    def teacher(self, work: Path, guidance: float, noise: int = 0, sampler: str = "ddim") -> np.ndarray:
        """The issue's reference: the teacher at 50 steps through the full decoder, with DDIM (the reference
        since the first evaluation) or Euler ancestral on the same schedule."""
        return self.embeddings(work / "teacher", work / "vae", 50, TEACHER_SAMPLERS[sampler](), guidance, noise)

    def student(self, model: Path, guidance: float, noise: int = 0, sampler: str = "shipped") -> np.ndarray:
        """The shipped student at 8 steps through the slim decoder, with the shipped sampler (Euler ancestral)
        or the deterministic one it was distilled for."""
        return self.embeddings(model / "unet", model / "vae", 8, STUDENT_SAMPLERS[sampler](), guidance, noise)


TEACHER_SAMPLERS = {"ddim": evaluate.ddim,
                    "ancestral": lambda: EulerAncestralDiscreteScheduler.from_config(evaluate.ddim().config)}
STUDENT_SAMPLERS = {"shipped": train.shipped_scheduler, "distilled": train.distilled_scheduler}


def cache_names(a) -> tuple[str, str]:
    """The cache file prefixes of a sweep's teacher and student: their samplers are part of the name."""
    return f"teacher-{a.teacher_sampler}", f"student-{a.student_sampler}"


def paired_bootstrap(real: np.ndarray, student: np.ndarray, teacher: np.ndarray, resamples: int):
    """FID-style differences student - teacher over resamples of the prompts (with replacement). student and
    teacher are [noise sets, prompts, 64]: a resampled prompt brings all its noise sets along."""
    rng = np.random.default_rng(SEED + 60)
    n = real.shape[0]
    diffs = []
    for _ in range(resamples):
        i = rng.integers(0, n, n)
        diffs.append(evaluate.frechet(real[i], student[:, i].reshape(-1, real.shape[1])) -
                     evaluate.frechet(real[i], teacher[:, i].reshape(-1, real.shape[1])))
    return np.array(diffs)


def interval(d: np.ndarray) -> str:
    lo, hi = np.percentile(d, [2.5, 97.5])
    return (f"median {np.median(d):+.4f}, 95% interval [{lo:+.4f}, {hi:+.4f}], student at or below the teacher "
            f"in {100 * (d <= 0).mean():.0f}% of resamples")


def fid_bootstrap(a):
    sc = Scoring(a.model, a.work)
    teacher_e = sc.teacher(a.work, evaluate.GUIDANCE)
    student_e = sc.student(a.model, evaluate.GUIDANCE)
    t, s = evaluate.frechet(sc.real, teacher_e), evaluate.frechet(sc.real, student_e)
    print(f"FID-style: teacher 50 steps {t:.4f}, student 8 steps {s:.4f}, difference {s - t:+.4f}")
    d = paired_bootstrap(sc.real, student_e[None], teacher_e[None], a.resamples)
    print(f"paired bootstrap over {len(sc.held)} prompts, {a.resamples} resamples: student - teacher "
          f"{interval(d)}")


def sweep(a):
    """Embeddings of the teacher (50 steps) and the student (8 steps) at each guidance and noise set, cached
    as .npy files in a.cache (several processes may fill one cache with different guidance lists)."""
    sc = Scoring(a.model, a.work)
    a.cache.mkdir(parents=True, exist_ok=True)
    np.save(a.cache / "real.npy", sc.real)
    np.save(a.cache / "real_tx.npy", sc.real_tx)
    teacher, student = cache_names(a)
    for g in a.guidance:
        for k in range(a.noise_sets):
            for name, make in ((teacher, lambda: sc.teacher(a.work, g, k, a.teacher_sampler)),
                               (student, lambda: sc.student(a.model, g, k, a.student_sampler))):
                f = a.cache / f"{name}-g{g:g}-n{k}.npy"
                if not f.exists():
                    np.save(f, make())
                    print(f"{f.name} done", flush=True)


def sweep_report(a):
    """The FID-style / CLIP-style table over guidance from a sweep cache (the paper's FID-CLIP curves, as a
    table), with a paired bootstrap at each guidance and each side's best FID-style over guidance."""
    real, real_tx = np.load(a.cache / "real.npy"), np.load(a.cache / "real_tx.npy")
    prefixes = dict(zip(("teacher", "student"), cache_names(a)))
    guidances = sorted({float(f.name.split("-g")[-1].split("-n")[0])
                        for f in a.cache.glob(f"{prefixes['teacher']}-g*-n*.npy")})
    rows = {}
    for g in guidances:
        e = {}
        for name, prefix in prefixes.items():
            files = sorted(a.cache.glob(f"{prefix}-g{g:g}-n*.npy"))[:a.noise_sets]
            if files:
                e[name] = np.stack([np.load(f) for f in files])
        if len(e) < 2 or e["teacher"].shape[0] != e["student"].shape[0]:
            continue  # a guidance the sweep has not finished for both sides
        k = e["teacher"].shape[0]
        r = dict(noise_sets=k)
        for name, x in e.items():
            flat = x.reshape(-1, real.shape[1])
            r[f"{name}_fid"] = evaluate.frechet(real, flat)
            r[f"{name}_fid_per_set"] = [evaluate.frechet(real, x[j]) for j in range(k)]
            r[f"{name}_clip"] = float((x * real_tx[None]).sum(-1).mean())
        d = paired_bootstrap(real, e["student"], e["teacher"], a.resamples)
        r["diff_median"], r["diff_lo"], r["diff_hi"] = (float(np.median(d)), *map(float, np.percentile(d, [2.5, 97.5])))
        r["student_at_or_below"] = float((d <= 0).mean())
        rows[g] = r
    gs = sorted(rows)
    lines = [f"Teacher: 50 steps, {a.teacher_sampler}; student: 8 steps, {a.student_sampler} sampler.\n",
             "| guidance | noise sets | teacher 50 steps: FID-style | CLIP-style | student 8 steps: FID-style | "
             "CLIP-style | student - teacher FID-style (paired bootstrap, 95%) | student at or below |",
             "|---|---|---|---|---|---|---|---|"]
    for g in gs:
        r = rows[g]
        lines.append(f"| {g:g} | {r['noise_sets']} | {r['teacher_fid']:.4f} | {r['teacher_clip']:.4f} | "
                     f"{r['student_fid']:.4f} | {r['student_clip']:.4f} | {r['diff_median']:+.4f} "
                     f"[{r['diff_lo']:+.4f}, {r['diff_hi']:+.4f}] | {100 * r['student_at_or_below']:.0f}% |")
    best_t = min(gs, key=lambda g: rows[g]["teacher_fid"])
    best_s = min(gs, key=lambda g: rows[g]["student_fid"])
    lines.append(f"\nBest over guidance: teacher {rows[best_t]['teacher_fid']:.4f} at {best_t:g} (CLIP-style "
                 f"{rows[best_t]['teacher_clip']:.4f}), student {rows[best_s]['student_fid']:.4f} at {best_s:g} "
                 f"(CLIP-style {rows[best_s]['student_clip']:.4f}).")
    print("\n".join(lines))
    if a.out:
        a.out.with_suffix(".md").write_text("\n".join(lines) + "\n")
        a.out.with_suffix(".json").write_text(json.dumps({f"{g:g}": rows[g] for g in gs}, indent=2) + "\n")


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
    s.add_argument("--sampler", choices=sorted(STUDENT_SAMPLERS), default="shipped")
    r = sub.add_parser("roundtrip")
    r.add_argument("--encoder", type=Path, required=True)
    r.add_argument("--scorer-work", type=Path, required=True)
    r.add_argument("decoders", type=Path, nargs="+")
    b = sub.add_parser("fid-bootstrap")
    b.add_argument("model", type=Path)
    b.add_argument("--work", type=Path, required=True)
    b.add_argument("--resamples", type=int, default=200)
    w = sub.add_parser("sweep")
    w.add_argument("model", type=Path)
    w.add_argument("--work", type=Path, required=True)
    w.add_argument("--guidance", type=float, nargs="+", required=True)
    w.add_argument("--noise-sets", type=int, default=1)
    w.add_argument("--cache", type=Path, required=True)
    rp = sub.add_parser("sweep-report")
    rp.add_argument("--cache", type=Path, required=True)
    rp.add_argument("--noise-sets", type=int, default=100, help="use at most this many noise sets per guidance")
    rp.add_argument("--resamples", type=int, default=200)
    rp.add_argument("--out", type=Path, help="write OUT.md and OUT.json")
    for parser in (w, rp):
        parser.add_argument("--student-sampler", choices=sorted(STUDENT_SAMPLERS), default="shipped")
        parser.add_argument("--teacher-sampler", choices=sorted(TEACHER_SAMPLERS), default="ddim")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    {"screen": screen, "roundtrip": roundtrip, "fid-bootstrap": fid_bootstrap, "sweep": sweep,
     "sweep-report": sweep_report}[a.command](a)


if __name__ == "__main__":
    main()
