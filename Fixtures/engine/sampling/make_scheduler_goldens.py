"""Record diffusers scheduler goldens for DarkroomEngine's schedulers.

For every scheduler kind the engine offers (ddim, euler, euler-a, dpmpp-2m,
dpmpp-2m-karras, lcm), every config in CONFIGS and every step count in
STEPS, the script builds the diffusers class from the config the way
`from_config` does (the kind's class overrides the config's _class_name) and
records, in schedulers.json:

- timesteps, init_noise_sigma and sigmas (where the class has them);
- scale_model_input of a fixed 16-value sample at the first and last step;
- a whole run as StableDiffusionPipeline drives it: latents = randn(64) from
  torch.Generator("cpu").manual_seed(SEED) times init_noise_sigma, then for
  every timestep t (index i): x = scale_model_input(latents, t),
  model_output = 0.1 * x + 0.05 * sin(0.01 * t + 0.37 * k) (k = element
  index, computed in float64 then rounded to float32), latents =
  step(model_output, t, latents, generator=g).prev_sample. The final latents
  are stored. The step index advances one per step (set_begin_index(0)
  where the class has it), as the engine's stepIndex API does; diffusers
  would otherwise look the index up by timestep value, which breaks when a
  schedule repeats a timestep (e.g. Karras sigmas rounded to integers). The
  ancestral and LCM schedulers draw their noise from the same
  generator, so the run also checks the RNG stream continues correctly.

Numbers are written with 9 significant digits (exact for float32).
Run: python3 make_scheduler_goldens.py   (needs torch + diffusers)
"""
import json
import math
import pathlib

import diffusers
import torch

diffusers.utils.logging.set_verbosity_error()

torch.set_num_threads(1)
HERE = pathlib.Path(__file__).parent
SEED = 1234
STEPS = [1, 4, 8, 25]
SAMPLE_COUNT = 64

CONFIGS = {
    # Stable Diffusion 1.x as shipped (a PNDM config; the kind picks the class).
    "sd15": {
        "_class_name": "PNDMScheduler", "beta_start": 0.00085, "beta_end": 0.012,
        "beta_schedule": "scaled_linear", "num_train_timesteps": 1000, "set_alpha_to_one": False,
        "skip_prk_steps": True, "steps_offset": 1, "trained_betas": None, "clip_sample": False,
    },
    # A v-prediction model with trailing spacing (SD 2.x style, zero offset).
    "v-trailing": {
        "_class_name": "DDIMScheduler", "beta_start": 0.00085, "beta_end": 0.012,
        "beta_schedule": "scaled_linear", "prediction_type": "v_prediction", "timestep_spacing": "trailing",
        "set_alpha_to_one": False, "clip_sample": False, "steps_offset": 0, "some_unknown_key": 3,
    },
    # Linear betas, linspace spacing, everything else the class defaults
    # (DDIM then clips x0 to [-1, 1], as its default clip_sample=True says).
    "linear-linspace": {"beta_schedule": "linear", "timestep_spacing": "linspace"},
    # Cosine schedule with v-prediction and leading spacing with an offset;
    # lambda_min_clipped trims DPM-Solver's range as cosine configs do.
    "cosine-v-leading": {
        "beta_schedule": "squaredcos_cap_v2", "prediction_type": "v_prediction",
        "timestep_spacing": "leading", "steps_offset": 1, "clip_sample": False,
        "lambda_min_clipped": -5.1,
    },
    # Less common options, with fewer step counts (see EXTRA_STEPS): Karras
    # sigmas (with sigma_min) for Euler, a final sigma_min, heun, no
    # lower-order final, DDIM/LCM clipping with a custom range.
    "options": {
        "beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012,
        "use_karras_sigmas": True, "final_sigmas_type": "sigma_min", "solver_type": "heun",
        "lower_order_final": False, "timestep_spacing": "trailing", "set_alpha_to_one": True,
        "clip_sample": True, "clip_sample_range": 1.5, "sigma_min": 0.1,
    },
    # A short training schedule with explicit betas, first-order DPM-Solver
    # and Euler at the final step.
    "trained-100": {
        "num_train_timesteps": 100, "trained_betas": [round(0.001 + i * 0.0005, 6) for i in range(100)],
        "solver_order": 1, "euler_at_final": True, "timestep_spacing": "leading", "steps_offset": 1,
        "prediction_type": "v_prediction", "original_inference_steps": 25,
    },
}
EXTRA_STEPS = {"options": [4, 25], "trained-100": [4, 25]}

KINDS = {
    "ddim": (diffusers.DDIMScheduler, {}),
    "euler": (diffusers.EulerDiscreteScheduler, {}),
    "euler-a": (diffusers.EulerAncestralDiscreteScheduler, {}),
    "dpmpp-2m": (diffusers.DPMSolverMultistepScheduler, {"use_karras_sigmas": False}),
    "dpmpp-2m-karras": (diffusers.DPMSolverMultistepScheduler, {"use_karras_sigmas": True}),
    "lcm": (diffusers.LCMScheduler, {}),
}


def floats(tensor):
    return [float(f"{v:.9g}") for v in torch.as_tensor(tensor, dtype=torch.float32).flatten().tolist()]


def pseudo_model_output(x, t):
    k = torch.arange(x.numel(), dtype=torch.float64)
    wave = (0.05 * torch.sin(0.01 * float(t) + 0.37 * k)).to(torch.float32)
    return 0.1 * x + wave


def run(kind, config_name, steps):
    cls, overrides = KINDS[kind]
    scheduler = cls.from_config({**CONFIGS[config_name], **overrides})
    scheduler.set_timesteps(steps)
    if hasattr(scheduler, "set_begin_index"):
        scheduler.set_begin_index(0)
    timesteps = scheduler.timesteps
    out = {
        "kind": kind,
        "config": config_name,
        "steps": steps,
        "timesteps": floats(timesteps),
        "initNoiseSigma": float(f"{float(scheduler.init_noise_sigma):.9g}"),
    }
    if hasattr(scheduler, "sigmas") and not isinstance(scheduler, (diffusers.DDIMScheduler, diffusers.LCMScheduler)):
        out["sigmas"] = floats(scheduler.sigmas)
    fixed = torch.linspace(-1.5, 2.0, 16, dtype=torch.float32)
    for label, index in (("scaledFirst", 0), ("scaledLast", len(timesteps) - 1)):
        probe = cls.from_config({**CONFIGS[config_name], **overrides})
        probe.set_timesteps(steps)
        probe._step_index = index
        out[label] = floats(probe.scale_model_input(fixed, timesteps[index]))

    generator = torch.Generator("cpu").manual_seed(SEED)
    latents = torch.randn((1, 4, 4, 4), generator=generator, dtype=torch.float32) * scheduler.init_noise_sigma
    for t in timesteps:
        x = scheduler.scale_model_input(latents, t)
        model_output = pseudo_model_output(x.flatten(), t).reshape(latents.shape)
        latents = scheduler.step(model_output, t, latents, generator=generator).prev_sample
    out["final"] = floats(latents)
    return out


def main():
    runs = [
        run(kind, name, steps)
        for name in CONFIGS for kind in KINDS for steps in EXTRA_STEPS.get(name, STEPS)
    ]
    doc = {
        "reference": f"diffusers {diffusers.__version__}, torch {torch.__version__}",
        "seed": SEED,
        "sampleCount": SAMPLE_COUNT,
        "configs": CONFIGS,
        "runs": runs,
    }
    path = HERE / "schedulers.json"
    path.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {path} ({path.stat().st_size} bytes, {len(runs)} runs)")


if __name__ == "__main__":
    main()
