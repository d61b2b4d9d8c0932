"""Train darkroom-shapes-v1 end to end on CPU (or one CUDA GPU): data, tokenizer, VAE, teacher
(text encoder + efficient UNet), step distillation 32 -> 16 -> 8, slim VAE,
export as a diffusers StableDiffusionPipeline folder.

    python3 train.py --quick          # smoke run, minutes
    python3 train.py                  # the real run (see README.md)

Every stage writes a checkpoint under --work and is skipped when its
checkpoint exists, so an interrupted run resumes at the stage it was in.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import shutil
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from diffusers import AutoencoderKL, DDIMScheduler, DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler, \
    UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

import bpe
import scenes

HERE = Path(__file__).resolve().parent
NUM_TRAIN_TIMESTEPS = 1000
BETA_START, BETA_END = 0.00085, 0.012
MAX_TOKENS = 32
# Where training runs: set once in main() from --device. Random draws always
# come from seeded CPU generators and are moved here, so a CPU run and a GPU
# run of the same seed see the same batches.
DEV = torch.device("cpu")


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


# ---------------------------------------------------------------- configs
SLIM_CHANNELS = (8, 16, 32)  # --slim-channels


def vae_config(slim: bool) -> dict:
    """AutoencoderKL: 64x64x3 <-> 16x16x4; the slim variant has SLIM_CHANNELS (by default half of every
    channel count of the full one). GroupNorm uses 8 groups, or 4 when a channel count is not a multiple of 8."""
    ch = SLIM_CHANNELS if slim else (16, 32, 64)
    groups = 8 if all(c % 8 == 0 for c in ch) else 4
    return dict(in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 3,
                up_block_types=("UpDecoderBlock2D",) * 3, block_out_channels=ch, layers_per_block=1,
                latent_channels=4, norm_num_groups=groups, sample_size=64, act_fn="silu")


def unet_config() -> dict:
    """Efficient UNet (SnapFusion): no cross-attention at the 16x16 stage,
    cross-attention at 8x8 and 4x4, one ResNet per down block (two per up block)."""
    return dict(sample_size=16, in_channels=4, out_channels=4, center_input_sample=False,
                down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
                mid_block_type="UNetMidBlock2DCrossAttn",
                up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
                block_out_channels=(32, 64, 96), layers_per_block=(1, 1, 1), cross_attention_dim=TEXT_WIDTH,
                attention_head_dim=16, norm_num_groups=16, act_fn="silu", use_linear_projection=False)


TEXT_WIDTH, TEXT_LAYERS = 64, 2  # --text-width, --text-layers


def text_config(vocab_size: int, bos: int, eos: int) -> CLIPTextConfig:
    """A small CLIP text transformer (TEXT_LAYERS layers, TEXT_WIDTH wide, 4 heads)."""
    return CLIPTextConfig(vocab_size=vocab_size, hidden_size=TEXT_WIDTH, intermediate_size=4 * TEXT_WIDTH,
                          num_hidden_layers=TEXT_LAYERS, num_attention_heads=4, max_position_embeddings=MAX_TOKENS,
                          hidden_act="quick_gelu", projection_dim=TEXT_WIDTH, bos_token_id=bos, eos_token_id=eos,
                          pad_token_id=eos)


def ddim_training_scheduler() -> DDIMScheduler:
    """The noise schedule everything is trained with (SD's scaled_linear, v-prediction)."""
    return DDIMScheduler(num_train_timesteps=NUM_TRAIN_TIMESTEPS, beta_start=BETA_START, beta_end=BETA_END,
                         beta_schedule="scaled_linear", prediction_type="v_prediction", clip_sample=False,
                         set_alpha_to_one=True, steps_offset=0, timestep_spacing="trailing")


def distilled_scheduler() -> DPMSolverMultistepScheduler:
    """The deterministic sampler the 8-step student was distilled for: first-order DPM-Solver++ (which is
    DDIM) on the trailing grid with a final step to sigma 0. It was the shipped sampler until 2026-11-29."""
    return DPMSolverMultistepScheduler(num_train_timesteps=NUM_TRAIN_TIMESTEPS, beta_start=BETA_START,
                                       beta_end=BETA_END, beta_schedule="scaled_linear",
                                       prediction_type="v_prediction", algorithm_type="dpmsolver++",
                                       solver_order=1, timestep_spacing="trailing", final_sigmas_type="zero",
                                       lower_order_final=True, steps_offset=1)


def shipped_scheduler() -> EulerAncestralDiscreteScheduler:
    """The scheduler written to the shipped folder, the app's default sampler: Euler ancestral on the same
    trailing grid and noise schedule -- the student's own steps, with fresh noise of the step's sigma_up drawn
    at each one (from the prompt's generator). It keeps the distilled student's 8 steps and cost and brings
    its pictures closer to the real scenes than the deterministic sampler does (docs/model.md, "Results")."""
    return EulerAncestralDiscreteScheduler.from_config(distilled_scheduler().config)


# ---------------------------------------------------------------- schedule maths
ALPHAS_CUMPROD = ddim_training_scheduler().alphas_cumprod.double()


def alpha_sigma(t: torch.Tensor):
    """(alpha_t, sigma_t) as [B,1,1,1] float tensors; t == -1 means clean (1, 0)."""
    ac = torch.where(t >= 0, ALPHAS_CUMPROD[t.clamp(min=0)], torch.ones((), dtype=torch.float64))
    return (ac.sqrt().float().view(-1, 1, 1, 1).to(DEV), (1 - ac).sqrt().float().view(-1, 1, 1, 1).to(DEV))


def trailing_grid(n: int) -> list[int]:
    """Diffusers' "trailing" timesteps for n steps, followed by -1 (clean)."""
    ts = np.round(np.arange(NUM_TRAIN_TIMESTEPS, 0, -NUM_TRAIN_TIMESTEPS / n)).astype(np.int64) - 1
    return [int(t) for t in ts] + [-1]


def ddim_step(z, v, t, t_next):
    """One deterministic DDIM step of a v-prediction model from t to t_next."""
    a, s = alpha_sigma(t)
    an, sn = alpha_sigma(t_next)
    x0 = a * z - s * v
    eps = s * z + a * v
    return an * x0 + sn * eps


# ---------------------------------------------------------------- data
class Corpus:
    """Training images, their latents and tokenised captions."""

    def __init__(self, work: Path):
        d = np.load(work / "data.npz")
        self.images = torch.from_numpy(d["images"]).to(DEV)
        self.captions = json.loads((work / "captions.json").read_text())
        self.tokenizer = CLIPTokenizer.from_pretrained(work / "tokenizer")
        cache = work / "caption_ids.pt"  # tokenising 100k+ captions takes half a minute: once per corpus
        if not cache.exists():
            flat = [c for cs in self.captions for c in cs]
            ids = tokenize(self.tokenizer, flat).view(len(self.captions), -1, MAX_TOKENS)
            torch.save(ids.to(torch.int16) if len(self.tokenizer) < 2 ** 15 else ids, cache)
        self.ids = torch.load(cache).long().to(DEV)
        self.empty = tokenize(self.tokenizer, [""])[0].to(DEV)
        lat = work / "latents.pt"
        if lat.exists():
            d = torch.load(lat, map_location=DEV)
            self.mean, self.std, self.scaling = d["mean"], d["std"], d["scaling"]

    def image_batch(self, idx) -> torch.Tensor:
        return self.images[torch.as_tensor(idx, device=DEV)].permute(0, 3, 1, 2).float() / 127.5 - 1

    def latent_batch(self, idx, g) -> torch.Tensor:
        """Scaled latents sampled from the encoder's posterior."""
        i = torch.as_tensor(idx, device=DEV)
        m, s = self.mean[i], self.std[i]
        return (m + s * torch.randn(m.shape, generator=g).to(DEV)) * self.scaling

    def crop_batch(self, batch: int, g) -> torch.Tensor:
        """Random training images cropped to 32x32 on the 4-pixel latent grid: the VAE is convolutional,
        crops make it 4x cheaper."""
        x = self.image_batch(torch.randint(0, len(self.images), (batch,), generator=g).numpy())
        oy, ox = (torch.randint(0, 9, (2,), generator=g) * 4).tolist()
        return x[:, :, oy:oy + 32, ox:ox + 32]

    def caption_batch(self, idx, g, drop: float) -> torch.Tensor:
        k = torch.randint(0, self.ids.shape[1], (len(idx),), generator=g)
        ids = self.ids[torch.as_tensor(idx, device=DEV), k.to(DEV)].clone()
        if drop > 0:
            ids[(torch.rand(len(idx), generator=g) < drop).to(DEV)] = self.empty
        return ids


def tokenize(tokenizer, texts: list[str]) -> torch.Tensor:
    """Token ids exactly as StableDiffusionPipeline makes them (padded to max length)."""
    return tokenizer(texts, padding="max_length", max_length=tokenizer.model_max_length, truncation=True,
                     return_tensors="pt").input_ids


def stage_data(a, work: Path):
    if (work / "captions.json").exists():
        return
    images, caps, _ = scenes.make_dataset(a.n_images, seed=a.seed)
    np.savez_compressed(work / "data.npz", images=images)
    (work / "captions.json").write_text(json.dumps(caps))
    merges = bpe.train_bpe([c for cs in caps for c in cs], num_merges=2000)
    bpe.save(merges, work / "tokenizer", MAX_TOKENS)
    log(f"data: {len(images)} scenes, {len(merges)} BPE merges")


# ---------------------------------------------------------------- training helpers
class EMA:
    """Exponential moving average of parameters with warm-up."""

    def __init__(self, modules, decay: float):
        self.params = [p for m in modules for p in m.parameters()]
        self.shadow = [p.detach().clone() for p in self.params]
        self.decay, self.n = decay, 0

    @torch.no_grad()
    def update(self):
        self.n += 1
        d = min(self.decay, (1 + self.n) / (10 + self.n))
        # One fused call for every tensor: on a GPU a per-tensor loop costs a kernel launch each.
        torch._foreach_lerp_(self.shadow, [p.detach() for p in self.params], 1 - d)

    @torch.no_grad()
    def copy_to(self):
        torch._foreach_copy_(self.params, self.shadow)


def run_loop(name: str, iters: int, max_minutes: float, step_fn, params, lr: float, ema: EMA | None = None):
    """AdamW with linear warm-up and cosine decay to a tenth of lr; stops at iters
    or at max_minutes. The decay follows whichever of the two is further along,
    so a stage stopped by its time cap still ends at the low learning rate."""
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    warm = max(1, min(100, iters // 10))
    t0, running = time.time(), None
    for i in range(iters):
        progress = min(1.0, max(i / iters, (time.time() - t0) / (max_minutes * 60)))
        for gparam in opt.param_groups:
            gparam["lr"] = lr * min(1, (i + 1) / warm) * (0.55 + 0.45 * math.cos(math.pi * progress))
        loss = step_fn(i)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if ema:
            ema.update()
        if i % 10 == 0:  # .item() waits for the device: read the loss now and then
            running = loss.item() if running is None else 0.8 * running + 0.2 * loss.item()
        el = time.time() - t0
        if i % 50 == 0 or i == iters - 1:
            log(f"{name} {i + 1}/{iters} loss {running:.5f} ({(i + 1) / el:.2f} it/s)")
        if el > max_minutes * 60:
            log(f"{name}: time cap {max_minutes} min reached after {i + 1} iterations")
            break
    return i + 1, time.time() - t0


def record(work: Path, name: str, **info):
    """Append stage statistics (iterations, wall time, losses) to stats.json."""
    p = work / "stats.json"
    stats = json.loads(p.read_text()) if p.exists() else {}
    stats[name] = info
    p.write_text(json.dumps(stats, indent=2))


# ---------------------------------------------------------------- VAE
def posterior_sample(post, g) -> torch.Tensor:
    """A latent drawn from an encoder posterior with a seeded CPU generator."""
    return post.mean + post.std * torch.randn(post.mean.shape, generator=g).to(DEV)


def stage_vae(a, work: Path, corpus: Corpus):
    if (work / "vae").exists():
        return
    if a.vae_from_slim:  # the latent space is the slim VAE's: its encoder makes the training latents
        shutil.copytree(work / "vae_slim", work / "vae")
        (work / "vae" / "decoder_refined.json").write_text(json.dumps(dict(copied_from="vae_slim")))
        log("vae: the slim VAE (vae_slim/) defines the latent space")
        return
    torch.manual_seed(a.seed + 1)
    g = torch.Generator().manual_seed(a.seed + 1)
    # --vae-init continues a shorter VAE run (its checkpoint folder) instead of starting from scratch.
    vae = AutoencoderKL.from_pretrained(a.vae_init) if a.vae_init else AutoencoderKL(**vae_config(slim=False))
    vae.to(DEV)

    def step(i):
        x = corpus.crop_batch(a.vae_batch, g)
        post = vae.encode(x).latent_dist
        rec = vae.decode(posterior_sample(post, g)).sample
        return F.mse_loss(rec, x) + 0.1 * F.l1_loss(rec, x) + a.kl_weight * post.kl().mean()

    vae.train()
    iters, secs = run_loop("vae", a.vae_iters, a.vae_minutes, step, list(vae.parameters()), 1e-3)
    vae.eval()
    with torch.no_grad():
        x = corpus.image_batch(np.arange(64))
        mse = F.mse_loss(vae(x).sample, x).item()
    log(f"vae: full-image reconstruction MSE {mse:.5f}")
    record(work, "vae", iterations=iters, seconds=round(secs), batch=a.vae_batch, recon_mse=mse,
           continued_from=str(a.vae_init) if a.vae_init else None)
    vae.save_pretrained(work / "vae")


def stage_latents(a, work: Path, corpus: Corpus):
    if (work / "latents.pt").exists():
        return
    vae = AutoencoderKL.from_pretrained(work / "vae").eval().to(DEV)
    means, stds = [], []
    with torch.no_grad():
        for i in range(0, len(corpus.images), 256):
            d = vae.encode(corpus.image_batch(np.arange(i, min(i + 256, len(corpus.images))))).latent_dist
            means.append(d.mean)
            stds.append(d.std)
    mean, std = torch.cat(means).cpu(), torch.cat(stds).cpu()
    g = torch.Generator().manual_seed(a.seed + 2)
    sample = mean + std * torch.randn(mean.shape, generator=g)
    # --keep-scaling: a UNet continued from a shipped model must see latents at the scale it was trained on
    # and that the shipped decoder divides by, so the VAE's own scaling_factor stays.
    scaling = float(vae.config.scaling_factor) if a.keep_scaling else float(1.0 / sample.std())
    log(f"latents: posterior-sample std x scaling = {float(sample.std()) * scaling:.4f}")
    torch.save({"mean": mean, "std": std, "scaling": scaling}, work / "latents.pt")
    cfg = json.loads((work / "vae" / "config.json").read_text())
    cfg["scaling_factor"] = scaling
    (work / "vae" / "config.json").write_text(json.dumps(cfg, indent=2))
    log(f"latents: {tuple(mean.shape)}, scaling_factor {scaling:.5f}")


def edge_mask(x: torch.Tensor) -> torch.Tensor:
    """[B,1,H,W] 1 within a pixel of a colour edge (any channel steps by more than 0.1), else 0.

    A small star's points and a small triangle's corners are a few pixels each; weighting the
    reconstruction loss there keeps the decoder from rounding them off into circles."""
    dy = (x[:, :, 1:] - x[:, :, :-1]).abs().amax(1, keepdim=True)
    dx = (x[:, :, :, 1:] - x[:, :, :, :-1]).abs().amax(1, keepdim=True)
    e = F.pad(dy, (0, 0, 0, 1)) + F.pad(dx, (0, 1, 0, 0))
    return F.max_pool2d((e > 0.1).float(), 3, stride=1, padding=1)


def edge_weighted_loss(rec: torch.Tensor, x: torch.Tensor, edge_weight: float) -> torch.Tensor:
    """MSE + 0.1 L1, weighted by 1 + edge_weight within a pixel of a colour edge (weight 0: the plain loss
    runs 1-3 trained the decoder with)."""
    w = 1 + edge_weight * edge_mask(x)
    return (w * ((rec - x) ** 2 + 0.1 * (rec - x).abs())).mean()


def stage_vae_decoder(a, work: Path, corpus: Corpus):
    """Decoder refinement: with the encoder (so the latent space) frozen, the
    decoder trains further on the stored posteriors of the training images --
    sharper edges for the same latents. Cheap: no encoder pass, 8x8 latent
    crops (32x32 pixels)."""
    marker = work / "vae" / "decoder_refined.json"
    if marker.exists() or a.decoder_minutes <= 0:
        return
    torch.manual_seed(a.seed + 4)
    g = torch.Generator().manual_seed(a.seed + 4)
    vae = AutoencoderKL.from_pretrained(work / "vae").to(DEV)
    n = len(corpus.images)

    def step(i):
        idx = torch.randint(0, n, (a.vae_batch,), generator=g).numpy()
        oy, ox = torch.randint(0, 9, (2,), generator=g).tolist()
        i = torch.as_tensor(idx, device=DEV)
        m, s = corpus.mean[i], corpus.std[i]
        z = (m + s * torch.randn(m.shape, generator=g).to(DEV))[:, :, oy:oy + 8, ox:ox + 8]
        x = corpus.image_batch(idx)[:, :, 4 * oy:4 * oy + 32, 4 * ox:4 * ox + 32]
        return edge_weighted_loss(vae.decode(z).sample, x, a.decoder_edge_weight)

    params = list(vae.decoder.parameters()) + list(vae.post_quant_conv.parameters())
    vae.train()
    iters, secs = run_loop("vae decoder", a.decoder_iters, a.decoder_minutes, step, params, 5e-4)
    vae.eval()
    with torch.no_grad():
        x = corpus.image_batch(np.arange(64))
        mse = F.mse_loss(vae.decode(corpus.mean[:64]).sample, x).item()
    log(f"vae decoder: full-image reconstruction MSE (posterior mean) {mse:.5f}")
    record(work, "vae_decoder", iterations=iters, seconds=round(secs), batch=a.vae_batch, recon_mse=mse)
    vae.save_pretrained(work / "vae")
    marker.write_text(json.dumps(dict(iterations=iters, recon_mse=mse)))


# ---------------------------------------------------------------- teacher
def stage_teacher(a, work: Path, corpus: Corpus):
    if (work / "teacher").exists():
        return
    torch.manual_seed(a.seed + 3)
    g = torch.Generator().manual_seed(a.seed + 3)
    tok = corpus.tokenizer
    if a.teacher_init:  # continue an earlier run's teacher (its text encoder and UNet) instead of starting afresh
        text = CLIPTextModel.from_pretrained(a.teacher_init / "text_encoder").train().to(DEV)
        unet = UNet2DConditionModel.from_pretrained(a.teacher_init / "teacher").train().to(DEV)
    else:
        text = CLIPTextModel(text_config(len(tok), tok.bos_token_id, tok.eos_token_id)).to(DEV)
        unet = UNet2DConditionModel(**unet_config()).to(DEV)
    ema = EMA([text, unet], a.ema)
    n = len(corpus.images)

    def step(i):
        idx = torch.randint(0, n, (a.batch,), generator=g).numpy()
        x0 = corpus.latent_batch(idx, g)
        ids = corpus.caption_batch(idx, g, drop=0.1)
        t = torch.randint(0, NUM_TRAIN_TIMESTEPS, (a.batch,), generator=g)
        eps = torch.randn(x0.shape, generator=g).to(DEV)
        al, si = alpha_sigma(t)
        z = al * x0 + si * eps
        v = unet(z, t.to(DEV), text(ids)[0]).sample
        target = al * eps - si * x0
        snr = (al / si) ** 2
        # Plain v loss at high noise (where layout, colour and shape are decided),
        # min-SNR-5 damping at low noise: w = min(1, 5 / (snr + 1)).
        w = torch.clamp(a.min_snr / (snr + 1), max=1.0)
        return (w * (v - target) ** 2).mean()

    iters, secs = run_loop("teacher", a.teacher_iters, a.teacher_minutes, step,
                           list(text.parameters()) + list(unet.parameters()), a.lr, ema)
    ema.copy_to()
    record(work, "teacher", iterations=iters, seconds=round(secs), batch=a.batch, lr=a.lr,
           continued_from=str(a.teacher_init) if a.teacher_init else None)
    text.save_pretrained(work / "text_encoder")
    unet.save_pretrained(work / "teacher")


# ---------------------------------------------------------------- step distillation
def guided(unet, z, t, cond, uncond, w):
    """Classifier-free guided v: uncond + w (cond - uncond); w is [B,1,1,1]."""
    v = unet(torch.cat([z, z]), torch.cat([t, t]), torch.cat([cond, uncond])).sample
    vc, vu = v.chunk(2)
    return vu + w * (vc - vu)


def distill_step(a, corpus: Corpus, teacher, student, text, teacher_grid: list[int], student_steps: int, g,
                 denoise_weight: float, cfg_prob: float, w_min: float, w_max: float):
    """One step of CFG-aware step distillation (SnapFusion): from a noised training latent at a student timestep,
    the teacher takes len(teacher_grid) // student_steps DDIM steps on its grid (guided by w drawn from
    [w_min, w_max] in a cfg_prob share of batches), and the student learns the single DDIM step that lands where
    the teacher did; plus denoise_weight times the plain v-prediction loss on the training latent."""
    ratio = (len(teacher_grid) - 1) // student_steps
    n = len(corpus.images)
    with torch.no_grad():
        uncond_emb = text(corpus.empty[None])[0]

    def step(i):
        b = a.distill_batch
        idx = torch.randint(0, n, (b,), generator=g).numpy()
        x0 = corpus.latent_batch(idx, g)
        ids = corpus.caption_batch(idx, g, drop=0.1)
        k = torch.randint(0, student_steps, (b,), generator=g)
        # The teacher's timesteps from the student's t (ts[0]) to the student's next timestep (ts[-1]).
        ts = [torch.tensor([teacher_grid[ratio * j + r] for j in k]) for r in range(ratio + 1)]
        t, te = ts[0], ts[-1]
        eps = torch.randn(x0.shape, generator=g).to(DEV)
        al, si = alpha_sigma(t)
        td = t.to(DEV)
        z = al * x0 + si * eps
        with torch.no_grad():
            cond = text(ids)[0]
        use_cfg = torch.rand((), generator=g).item() < cfg_prob
        zr = z
        if use_cfg:
            w = torch.empty(b, 1, 1, 1).uniform_(w_min, w_max, generator=g).to(DEV)
            unc = uncond_emb.expand(b, -1, -1)
            with torch.no_grad():
                for r in range(ratio):
                    zr = ddim_step(zr, guided(teacher, zr, ts[r].to(DEV), cond, unc, w), ts[r], ts[r + 1])
            v_both = student(torch.cat([z, z]), torch.cat([td, td]), torch.cat([cond, unc])).sample
            vc, vu = v_both.chunk(2)
            v_student = vu + w * (vc - vu)
        else:
            with torch.no_grad():
                for r in range(ratio):
                    zr = ddim_step(zr, teacher(zr, ts[r].to(DEV), cond).sample, ts[r], ts[r + 1])
            vc = student(z, td, cond).sample
            v_student = vc
        # Target: the x0 for which one student DDIM step from (z, t) lands on the teacher's zr at te.
        ae, se = alpha_sigma(te)
        ratio_s = se / si
        x_target = (zr - ratio_s * z) / (ae - ratio_s * al)
        v_target = (al * z - x_target) / si
        distill = F.mse_loss(v_student, v_target)
        denoise = F.mse_loss(vc, al * eps - si * x0)
        return distill + denoise_weight * denoise

    return step


def stage_distill(a, work: Path, corpus: Corpus, teacher_steps: int):
    student_steps = teacher_steps // 2
    out = work / f"student{student_steps}"
    if out.exists():
        return
    src = work / ("teacher" if teacher_steps == a.base_steps else f"student{teacher_steps}")
    teacher = UNet2DConditionModel.from_pretrained(src).eval().requires_grad_(False).to(DEV)
    student = UNet2DConditionModel.from_pretrained(src).train().to(DEV)
    text = CLIPTextModel.from_pretrained(work / "text_encoder").eval().requires_grad_(False).to(DEV)
    ema = EMA([student], a.ema_distill)
    tgrid, sgrid = trailing_grid(teacher_steps), trailing_grid(student_steps)
    assert tgrid[::2] == sgrid, "student grid must be every other teacher timestep"
    g = torch.Generator().manual_seed(a.seed + 10 + teacher_steps)
    torch.manual_seed(a.seed + 10 + teacher_steps)
    step = distill_step(a, corpus, teacher, student, text, tgrid, student_steps, g, a.denoise_weight, a.cfg_prob,
                        a.w_min, a.w_max)
    iters, secs = run_loop(f"distill {teacher_steps}->{student_steps}", a.distill_iters, a.distill_minutes, step,
                           list(student.parameters()), a.distill_lr, ema)
    ema.copy_to()
    record(work, f"distill_{teacher_steps}_{student_steps}", iterations=iters, seconds=round(secs), batch=a.distill_batch)
    student.save_pretrained(out)


def stage_refine_student(a, work: Path, corpus: Corpus):
    """Continues the final student against the teacher itself: base_steps / final_steps teacher DDIM steps per
    student step (32 -> 8: four), with --refine-denoise-weight times the plain denoising loss. Writes
    student{final}-refined, which the export then ships."""
    out = work / f"student{a.final_steps}-refined"
    if a.refine_student_minutes <= 0 or out.exists():
        return
    teacher = UNet2DConditionModel.from_pretrained(work / "teacher").eval().requires_grad_(False).to(DEV)
    student = UNet2DConditionModel.from_pretrained(work / f"student{a.final_steps}").float().train().to(DEV)
    text = CLIPTextModel.from_pretrained(work / "text_encoder").float().eval().requires_grad_(False).to(DEV)
    ema = EMA([student], a.ema_distill)
    tgrid, sgrid = trailing_grid(a.base_steps), trailing_grid(a.final_steps)
    r = a.base_steps // a.final_steps
    assert tgrid[::r] == sgrid, "student grid must be every r-th teacher timestep"
    g = torch.Generator().manual_seed(a.seed + 12)
    torch.manual_seed(a.seed + 12)
    step = distill_step(a, corpus, teacher, student, text, tgrid, a.final_steps, g, a.refine_denoise_weight,
                        a.refine_cfg_prob, a.refine_w_min, a.refine_w_max)
    iters, secs = run_loop(f"refine student {a.base_steps}->{a.final_steps}", a.distill_iters,
                           a.refine_student_minutes, step, list(student.parameters()), a.refine_lr, ema)
    ema.copy_to()
    record(work, "refine_student", iterations=iters, seconds=round(secs), batch=a.distill_batch, lr=a.refine_lr,
           denoise_weight=a.refine_denoise_weight, cfg_prob=a.refine_cfg_prob, w_min=a.refine_w_min,
           w_max=a.refine_w_max)
    student.save_pretrained(out)


# ---------------------------------------------------------------- sampling
@torch.no_grad()
def sample_latents(unet, text, tokenizer, prompts, steps, guidance, scheduler, seed, batch=64):
    """The StableDiffusionPipeline sampling loop, batched: returns scaled latents.

    Prompt i has its own torch.Generator().manual_seed(seed + i), as the pipeline has for a single prompt:
    its starting noise, shaped [1, 4, 16, 16], comes first from it, then any noise a stochastic scheduler
    (Euler ancestral) draws at each step -- so every image equals the pipeline's for that prompt and seed."""
    sched = copy.deepcopy(scheduler)
    out = []
    empty = text(tokenize(tokenizer, [""]).to(DEV))[0]
    for s in range(0, len(prompts), batch):
        chunk = prompts[s:s + batch]
        cond = text(tokenize(tokenizer, chunk).to(DEV))[0]
        unc = empty.expand(len(chunk), -1, -1)
        generators = [torch.Generator().manual_seed(seed + s + i) for i in range(len(chunk))]
        z = torch.cat([torch.randn((1, 4, 16, 16), generator=g) for g in generators]).to(DEV)
        sched.set_timesteps(steps)
        z = z * sched.init_noise_sigma
        for t in sched.timesteps:
            zi = sched.scale_model_input(torch.cat([z, z]), t)
            v = unet(zi, t, torch.cat([cond, unc])).sample
            vc, vu = v.chunk(2)
            z = sched.step(vu + guidance * (vc - vu), t, z, generator=generators).prev_sample
        out.append(z)
    return torch.cat(out)


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """Decoder output in [-1, 1], [N,3,H,W] -> uint8 [N,H,W,3] as the pipeline's output_type="np" then *255
    rounding."""
    return ((x / 2 + 0.5).clamp(0, 1).permute(0, 2, 3, 1).cpu().numpy() * 255).round().astype(np.uint8)


@torch.no_grad()
def decode(vae, latents, batch=64) -> np.ndarray:
    """Scaled latents -> uint8 [N,64,64,3] (to_uint8)."""
    return np.concatenate([to_uint8(vae.decode(latents[s:s + batch] / vae.config.scaling_factor).sample)
                           for s in range(0, len(latents), batch)])


# ---------------------------------------------------------------- slim VAE
def stage_slim_vae(a, work: Path, corpus: Corpus):
    if (work / "vae_slim").exists():
        return
    full = AutoencoderKL.from_pretrained(work / "vae").eval().requires_grad_(False).to(DEV)
    # --slim-init continues a shorter slim-VAE run (its checkpoint folder) instead of starting from scratch.
    slim = (AutoencoderKL.from_pretrained(a.slim_init) if a.slim_init else
            AutoencoderKL(**dict(vae_config(slim=True), scaling_factor=full.config.scaling_factor))).to(DEV)
    unet = UNet2DConditionModel.from_pretrained(work / f"student{a.final_steps}").eval().to(DEV)
    text = CLIPTextModel.from_pretrained(work / "text_encoder").eval().to(DEV)
    rng = np.random.default_rng(a.seed + 20)
    prompts = [corpus.captions[i][0] for i in rng.choice(len(corpus.captions), a.slim_latents, replace=False)]
    t0 = time.time()
    lat = []
    for j, w in enumerate((2.0, 4.0, 6.0, 8.0)):
        part = prompts[j::4]
        lat.append(sample_latents(unet, text, corpus.tokenizer, part, a.final_steps, w, ddim_training_scheduler(),
                                  seed=a.seed + 1000 * (j + 1)))
    lat = torch.cat(lat) / full.config.scaling_factor
    with torch.no_grad():
        targets = torch.cat([full.decode(lat[s:s + 64]).sample for s in range(0, len(lat), 64)])
    log(f"slim vae: sampled {len(lat)} latents from the student in {time.time() - t0:.0f}s")
    g = torch.Generator().manual_seed(a.seed + 21)
    torch.manual_seed(a.seed + 21)

    def dec_step(i):
        idx = torch.randint(0, len(lat), (a.vae_batch,), generator=g).to(DEV)
        return F.mse_loss(slim.decode(lat[idx]).sample, targets[idx])

    dec_params = list(slim.decoder.parameters()) + list(slim.post_quant_conv.parameters())
    di, ds = run_loop("slim decoder", a.slim_iters, a.slim_minutes, dec_step, dec_params, a.slim_lr)

    # The slim encoder (only for image-to-image) is distilled from the full encoder's posterior moments.
    def enc_step(i):
        x = corpus.crop_batch(a.vae_batch, g)
        with torch.no_grad():
            ref = full.quant_conv(full.encoder(x))
        return F.mse_loss(slim.quant_conv(slim.encoder(x)), ref)

    enc_params = list(slim.encoder.parameters()) + list(slim.quant_conv.parameters())
    enc_minutes = a.slim_minutes / 2 if a.slim_encoder_minutes is None else a.slim_encoder_minutes
    ei, es = (run_loop("slim encoder", a.slim_iters // 2, enc_minutes, enc_step, enc_params, a.slim_lr)
              if enc_minutes > 0 else (0, 0.0))
    slim.eval()
    with torch.no_grad():
        mse = F.mse_loss(torch.cat([slim.decode(lat[s:s + 64]).sample for s in range(0, len(lat), 64)]),
                         targets).item()
    log(f"slim decoder MSE vs full decoder (training latents): {mse:.5f}")
    record(work, "slim_vae", decoder_iterations=di, decoder_seconds=round(ds), encoder_iterations=ei,
           encoder_seconds=round(es), sampled_latents=len(lat), decoder_mse=mse)
    slim.save_pretrained(work / "vae_slim")


def stage_slim_encoder_tune(a, work: Path, corpus: Corpus):
    """Slim encoder round-trip tuning (--encoder-tune-minutes): the slim encoder trains so that the
    frozen slim decoder reproduces the training images (edge-weighted as --decoder-edge-weight), held
    near its starting latents by an anchor loss (--encoder-anchor) so a UNet trained on the old latent
    space still fits. Needed when the full VAE is gone and training latents must come from the slim
    encoder: distilled briefly from the full encoder, it rounded off small stars the full one kept."""
    folder = work / "vae_slim"
    marker = folder / "encoder_tuned.json"
    if a.encoder_tune_minutes <= 0 or marker.exists() or not folder.exists():
        return
    torch.manual_seed(a.seed + 5)
    g = torch.Generator().manual_seed(a.seed + 5)
    vae = AutoencoderKL.from_pretrained(folder).to(DEV)
    start = AutoencoderKL.from_pretrained(folder).eval().requires_grad_(False).to(DEV)
    vae.decoder.requires_grad_(False)
    vae.post_quant_conv.requires_grad_(False)

    def step(i):
        x = corpus.crop_batch(a.vae_batch, g)
        post = vae.encode(x).latent_dist
        with torch.no_grad():
            ref = start.encode(x).latent_dist.mean
        return (edge_weighted_loss(vae.decode(posterior_sample(post, g)).sample, x, a.decoder_edge_weight)
                + a.encoder_anchor * F.mse_loss(post.mean, ref) + a.kl_weight * post.kl().mean())

    params = list(vae.encoder.parameters()) + list(vae.quant_conv.parameters())
    vae.train()
    iters, secs = run_loop("slim encoder tune", a.encoder_tune_iters, a.encoder_tune_minutes, step, params,
                           a.encoder_tune_lr)
    vae.eval()
    with torch.no_grad():
        x = corpus.image_batch(np.arange(256))
        mse = F.mse_loss(vae(x).sample, x).item()
        before = F.mse_loss(start(x).sample, x).item()
        drift = F.mse_loss(vae.encode(x).latent_dist.mean, start.encode(x).latent_dist.mean).item()
    log(f"slim encoder tune: round-trip MSE {before:.5f} -> {mse:.5f}, latent drift (MSE) {drift:.5f}")
    record(work, "slim_encoder_tune", iterations=iters, seconds=round(secs), batch=a.vae_batch,
           roundtrip_mse_before=before, roundtrip_mse=mse, latent_drift=drift)
    vae.save_pretrained(folder)
    marker.write_text(json.dumps(dict(iterations=iters, roundtrip_mse=mse, latent_drift=drift)))


# ---------------------------------------------------------------- export
def export(a, work: Path, out: Path):
    """Write the shipped diffusers folder (slim VAE, 8-step student, fp16 if needed)."""
    from diffusers import StableDiffusionPipeline
    tokenizer = CLIPTokenizer.from_pretrained(work / "tokenizer")
    pipe = StableDiffusionPipeline(
        vae=AutoencoderKL.from_pretrained(work / "vae_slim"),
        text_encoder=CLIPTextModel.from_pretrained(work / "text_encoder"),
        tokenizer=tokenizer,
        unet=UNet2DConditionModel.from_pretrained(
            next(d for d in (work / f"student{a.final_steps}-refined", work / f"student{a.final_steps}") if d.exists())),
        scheduler=shipped_scheduler(), safety_checker=None, feature_extractor=None,
        requires_safety_checker=False)
    if out.exists():
        shutil.rmtree(out)
    pipe.save_pretrained(out, safe_serialization=True)
    # Ship the tokenizer as vocab.json + merges.txt (what real SD repositories carry).
    shutil.rmtree(out / "tokenizer")
    shutil.copytree(work / "tokenizer", out / "tokenizer")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    log(f"export: {out} {size / 1e6:.2f} MB")
    assert size < 20e6, "shipped model over the 20 MB budget"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="tiny iteration counts: proves every stage in minutes")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--work", type=Path, default=HERE / "work")
    p.add_argument("--out", type=Path, default=HERE.parent / "darkroom-shapes-v1")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="auto", help="cpu, cuda, or auto (cuda when one is present)")
    p.add_argument("--text-width", type=int, default=64, help="text encoder hidden size")
    p.add_argument("--text-layers", type=int, default=2, help="text encoder layers")
    p.add_argument("--n-images", type=int, default=10000)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--ema", type=float, default=0.995)
    p.add_argument("--vae-batch", type=int, default=16)
    p.add_argument("--vae-iters", type=int, default=4000)
    p.add_argument("--vae-minutes", type=float, default=8)
    p.add_argument("--kl-weight", type=float, default=1e-6)
    p.add_argument("--vae-init", type=Path, default=None, help="VAE checkpoint folder to continue training from")
    p.add_argument("--decoder-iters", type=int, default=6000)
    p.add_argument("--decoder-minutes", type=float, default=20)
    p.add_argument("--decoder-edge-weight", type=float, default=0.0,
                   help="decoder refinement: extra loss weight on pixels within one of a colour edge")
    p.add_argument("--teacher-iters", type=int, default=4000)
    p.add_argument("--teacher-init", type=Path, default=None,
                   help="work folder of an earlier run whose teacher/ and text_encoder/ the teacher continues from")
    p.add_argument("--min-snr", type=float, default=5.0)
    p.add_argument("--teacher-minutes", type=float, default=55)
    p.add_argument("--base-steps", type=int, default=32)
    p.add_argument("--final-steps", type=int, default=8)
    p.add_argument("--distill-iters", type=int, default=300)
    p.add_argument("--distill-batch", type=int, default=32)
    p.add_argument("--distill-minutes", type=float, default=6)
    p.add_argument("--distill-lr", type=float, default=2e-4)
    p.add_argument("--ema-distill", type=float, default=0.99)
    p.add_argument("--cfg-prob", type=float, default=0.1)
    p.add_argument("--w-min", type=float, default=2.0)
    p.add_argument("--w-max", type=float, default=14.0)
    p.add_argument("--denoise-weight", type=float, default=0.2)
    p.add_argument("--refine-student-minutes", type=float, default=0.0,
                   help="after distillation, continue the final student against the teacher itself (see "
                        "stage_refine_student); 0: skip")
    p.add_argument("--refine-lr", type=float, default=5e-5)
    p.add_argument("--refine-denoise-weight", type=float, default=0.2)
    p.add_argument("--refine-cfg-prob", type=float, default=None,
                   help="share of guided (CFG-aware) batches in the refinement (default: --cfg-prob)")
    p.add_argument("--refine-w-min", type=float, default=None, help="refinement guidance range (default: --w-min)")
    p.add_argument("--refine-w-max", type=float, default=None, help="refinement guidance range (default: --w-max)")
    p.add_argument("--only-refine-student", action="store_true",
                   help="run only the student refinement and the export (a work folder holding teacher/, "
                        "student8/, text_encoder/, vae_slim/, tokenizer/ and the corpus)")
    p.add_argument("--slim-latents", type=int, default=768)
    p.add_argument("--slim-iters", type=int, default=2400)
    p.add_argument("--slim-minutes", type=float, default=5)
    p.add_argument("--slim-channels", default="8,16,32", help="channel counts of the slim VAE's three stages")
    p.add_argument("--slim-init", type=Path, default=None, help="slim VAE checkpoint folder to continue from")
    p.add_argument("--slim-lr", type=float, default=2e-3, help="slim VAE learning rate (lower to fine-tune --slim-init)")
    p.add_argument("--slim-encoder-minutes", type=float, default=None,
                   help="slim encoder time cap (default: half of --slim-minutes; 0 keeps --slim-init's encoder)")
    p.add_argument("--encoder-tune-minutes", type=float, default=0.0,
                   help="slim encoder round-trip tuning through the frozen slim decoder (0: off)")
    p.add_argument("--encoder-tune-iters", type=int, default=100000)
    p.add_argument("--encoder-tune-lr", type=float, default=3e-4)
    p.add_argument("--encoder-anchor", type=float, default=0.1,
                   help="weight of the pull toward the slim encoder's starting latents")
    p.add_argument("--vae-from-slim", action="store_true",
                   help="no full VAE: the slim VAE (vae_slim/, e.g. a shipped model's) is copied as vae/ and "
                        "its encoder makes the training latents")
    p.add_argument("--only-slim-vae", action="store_true",
                   help="run only the slim-VAE stage (re-distil the slim decoder from vae/'s) and the export")
    p.add_argument("--keep-scaling", action="store_true",
                   help="latents stage: keep the VAE config's scaling_factor instead of 1 / std of the latents")
    p.add_argument("--stop-after", choices=["vae", "latents", "vae-decoder", "teacher", "distill"],
                   help="stop after this stage (the next run resumes from its checkpoint)")
    a = p.parse_args()
    # The refinement's guided batches default to the distillation's share and range.
    for k in ("cfg_prob", "w_min", "w_max"):
        if getattr(a, f"refine_{k}") is None:
            setattr(a, f"refine_{k}", getattr(a, k))
    if a.quick:
        a.n_images, a.vae_iters, a.teacher_iters, a.distill_iters, a.slim_iters = 512, 20, 20, 6, 10
        a.decoder_iters = 10
        a.slim_latents = 32
        a.work = a.work.with_name(a.work.name + "-quick")
        a.out = Path("/tmp/darkroom-shapes-quick")
    torch.set_num_threads(a.threads)
    global DEV
    DEV = torch.device("cuda" if a.device == "auto" and torch.cuda.is_available() else
                       ("cpu" if a.device == "auto" else a.device))
    if DEV.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    global TEXT_WIDTH, TEXT_LAYERS, SLIM_CHANNELS
    TEXT_WIDTH, TEXT_LAYERS = a.text_width, a.text_layers
    SLIM_CHANNELS = tuple(int(c) for c in a.slim_channels.split(","))
    a.work.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    log("args", vars(a))
    stage_data(a, a.work)
    corpus = Corpus(a.work)
    if a.only_slim_vae:  # a work folder holding vae/ (full decoder), text_encoder/, student8/ and tokenizer/
        stage_slim_vae(a, a.work, corpus)
        export(a, a.work, a.out)
        return
    if a.only_refine_student:
        stage_refine_student(a, a.work, corpus)
        export(a, a.work, a.out)
        return
    stage_slim_encoder_tune(a, a.work, corpus)
    stage_vae(a, a.work, corpus)
    if a.stop_after == "vae":
        return
    stage_latents(a, a.work, corpus)
    if a.stop_after == "latents":
        return
    corpus = Corpus(a.work)
    stage_vae_decoder(a, a.work, corpus)
    if a.stop_after == "vae-decoder":
        return
    stage_teacher(a, a.work, corpus)
    if a.stop_after == "teacher":
        return
    steps = a.base_steps
    while steps > a.final_steps:
        stage_distill(a, a.work, corpus, steps)
        steps //= 2
    stage_refine_student(a, a.work, corpus)
    if a.stop_after == "distill":
        return
    stage_slim_vae(a, a.work, corpus)
    export(a, a.work, a.out)
    log(f"train.py done in {(time.time() - t0) / 60:.1f} min")


if __name__ == "__main__":
    main()
