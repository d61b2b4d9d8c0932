#!/usr/bin/env python3
"""PyTorch and ONNX Runtime peers of darkroom-bench-engine: the same configs (configs/*.json),
random weights, inputs of the same shapes, the same thread count.

Usage: python3 Benchmarks/engine/peer.py [--threads N] [--repeats R] [--only unet|taesd|kl|clip|generation|kl-1024|kl-1024-tiled] [--no-onnx]
Needs the reference environment (torch CPU wheel, diffusers, transformers; onnxruntime + onnx for
the ONNX Runtime column). Without torch it prints why and exits 0; without onnxruntime it skips
only that column.
"""
import argparse
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def config(name):
    with open(os.path.join(HERE, "configs", name)) as f:
        return json.load(f)


def best_time(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[0], times[len(times) // 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only")
    parser.add_argument("--no-onnx", action="store_true")
    args = parser.parse_args()
    try:
        import torch
        from diffusers import AutoencoderKL, AutoencoderTiny, UNet2DConditionModel
        from transformers import CLIPTextConfig, CLIPTextModel
    except ImportError as error:
        print(f"peer.py: skipped, the reference environment is missing ({error}).")
        print('Install it with: pip install "torch==2.13.0+cpu" diffusers transformers safetensors onnxruntime onnx')
        return 0
    ort = None
    if not args.no_onnx:
        try:
            import onnxruntime as ort
        except ImportError:
            print("peer.py: onnxruntime not installed; ONNX Runtime column skipped.")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"peer.py  torch {torch.__version__}, threads {torch.get_num_threads()}"
          + (f", onnxruntime {ort.__version__}" if ort else ""))

    class UNetOnly(torch.nn.Module):
        def __init__(self, unet):
            super().__init__()
            self.unet = unet

        def forward(self, sample, timestep, context):
            return self.unet(sample, timestep, encoder_hidden_states=context).sample

    class DecodeOnly(torch.nn.Module):
        def __init__(self, vae):
            super().__init__()
            self.vae = vae

        def forward(self, latents):
            return self.vae.decode(latents).sample

    class TextOnly(torch.nn.Module):
        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder

        def forward(self, ids):
            return self.encoder(ids).last_hidden_state

    if args.only == "generation":
        # The engine's `--only generation` workload: 8-step CFG generation at the tiny-sd shape, for peak memory.
        unet = UNet2DConditionModel.from_config(config("unet-tiny-sd.json")).eval()
        vae = AutoencoderTiny.from_config(config("taesd.json")).eval()
        c = config("clip-vit-l.json")
        encoder = CLIPTextModel(CLIPTextConfig(**{k: v for k, v in c.items() if k not in ("architectures", "model_type")})).eval()
        ids = torch.tensor([[(i * 7919) % 49408 for i in range(77)], [(i * 104729) % 49408 for i in range(77)]])
        start = time.perf_counter()
        with torch.inference_mode():
            context = encoder(ids).last_hidden_state
            latents = torch.rand(1, 4, 64, 64) * 2 - 1
            for step in range(8):
                prediction = unet(torch.cat([latents, latents]), 875 - 125 * step, encoder_hidden_states=context).sample
                uncond, cond = prediction.chunk(2)
                latents = 0.9 * latents - 0.1 * (uncond + 7.5 * (cond - uncond))
            vae.decode(latents)
        print(f"Generation, 8 steps CFG, 512x512 (CLIP + 8 UNet batch 2 + TAESD): PyTorch {time.perf_counter() - start:.1f} s")
        import resource
        print(f"peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
        return 0

    if args.only in ("kl-1024", "kl-1024-tiled"):
        # The engine's `--only kl-1024[-tiled]`: SD's VAE decoder on 128x128 latents, whole or with
        # enable_tiling() (the arithmetic the engine's --tiled-decode follows), one pass, peak resident memory.
        tiled = args.only == "kl-1024-tiled"
        kl = AutoencoderKL.from_config(config("vae-kl.json")).eval()
        if tiled:
            kl.enable_tiling()
        latents = torch.randn(1, 4, 128, 128)
        start = time.perf_counter()
        with torch.inference_mode():
            kl.decode(latents)
        print(f"AutoencoderKL decoder, 128x128 latents -> 1024x1024, {'tiled' if tiled else 'whole'}: "
              f"PyTorch {time.perf_counter() - start:.1f} s")
        import resource
        print(f"peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
        return 0

    workloads = []
    if args.only in (None, "unet"):
        unet = UNet2DConditionModel.from_config(config("unet-tiny-sd.json")).eval()
        workloads.append(("UNet tiny-sd, batch 2, 64x64 latents, 77 tokens", UNetOnly(unet),
                          (torch.randn(2, 4, 64, 64), torch.tensor([500.0, 500.0]), torch.randn(2, 77, 768))))
    if args.only in (None, "taesd"):
        vae = AutoencoderTiny.from_config(config("taesd.json")).eval()
        workloads.append(("TAESD decoder, 64x64 latents -> 512x512", DecodeOnly(vae), (torch.randn(1, 4, 64, 64),)))
    if args.only in (None, "kl"):
        kl = AutoencoderKL.from_config(config("vae-kl.json")).eval()
        workloads.append(("AutoencoderKL decoder, 64x64 latents -> 512x512", DecodeOnly(kl), (torch.randn(1, 4, 64, 64),)))
    if args.only in (None, "clip"):
        c = config("clip-vit-l.json")
        encoder = CLIPTextModel(CLIPTextConfig(**{k: v for k, v in c.items() if k not in ("architectures", "model_type")})).eval()
        workloads.append(("CLIP ViT-L text encoder, 77 tokens", TextOnly(encoder),
                          (torch.tensor([[(i * 7919) % 49408 for i in range(77)]]),)))

    for name, module, inputs in workloads:
        repeats = max(1, args.repeats - 1) if name.startswith("AutoencoderKL") else args.repeats
        with torch.inference_mode():
            best, median = best_time(lambda: module(*inputs), repeats)
        line = f"{name}: PyTorch best {best:.3f} s, median {median:.3f} s"
        if ort:
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    path = os.path.join(tmp, "model.onnx")
                    names = [f"input{i}" for i in range(len(inputs))]
                    with torch.no_grad():
                        torch.onnx.export(module, inputs, path, input_names=names, opset_version=17, dynamo=False)
                    options = ort.SessionOptions()
                    options.intra_op_num_threads = args.threads
                    options.inter_op_num_threads = 1
                    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
                    feeds = {n: t.numpy() for n, t in zip(names, inputs) if n in {i.name for i in session.get_inputs()}}
                    ort_best, ort_median = best_time(lambda: session.run(None, feeds), repeats)
                line += f"; ONNX Runtime best {ort_best:.3f} s, median {ort_median:.3f} s"
            except Exception as error:  # the exporter's failures vary by torch version
                line += f"; ONNX Runtime skipped ({type(error).__name__}: {str(error).splitlines()[0][:120]})"
        print(line, flush=True)
    try:
        import resource
        print(f"peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    except ImportError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
