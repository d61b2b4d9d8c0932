#!/usr/bin/env python3
"""Makes the PNG fixtures for DarkroomImaging's tests and the sample pictures.

Run from anywhere:  python3 Fixtures/png/make_fixtures.py
Needs Pillow and numpy. Writes *.png here and expected.json, which records for
every decodable file the pixels Pillow decoded (as 8-bit RGB or RGBA, the
layout DarkroomImaging's decoder returns) as a SHA-256 plus a few samples.
The Swift tests never run Python; they read these committed files.

Pillow cannot write 16-bit RGB or Adam7-interlaced PNGs, so those few files
are written by a tiny raw writer below and then *decoded by Pillow* to make
their expectations (an independent decoder checks them).
"""
import hashlib
import json
import math
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin

HERE = Path(__file__).resolve().parent
W, H = 32, 24
expected = {}


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def raw_png(width, height, bit_depth, color_type, rows, interlace=0):
    """rows: list of per-pass lists of raw (unfiltered) row bytes; filter 0..4 cycled."""
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, interlace))
    body = b"".join(bytes([0]) + r for r in rows)
    return out + chunk(b"IDAT", zlib.compress(body, 9)) + chunk(b"IEND", b"")


def pattern(width, height):
    """A deterministic RGBA test pattern with gradients, stripes and a disc."""
    y, x = np.mgrid[0:height, 0:width]
    r = (x * 255 // max(1, width - 1)).astype(np.uint8)
    g = (y * 255 // max(1, height - 1)).astype(np.uint8)
    b = (((x // 4 + y // 3) % 2) * 200 + 30).astype(np.uint8)
    a = np.where((x - width / 2) ** 2 + (y - height / 2) ** 2 < (height / 3) ** 2, 128, 255).astype(np.uint8)
    a[0, 0] = 0
    return np.dstack([r, g, b, a])


def record(name, img, note, **extra):
    """Records what Pillow decodes for `name` (the file must be on disk)."""
    decoded = Image.open(HERE / name)
    decoded.load()
    has_alpha = decoded.mode in ("RGBA", "LA", "PA") or "transparency" in decoded.info
    pixels = np.asarray(img if img is not None else decoded.convert("RGBA" if has_alpha else "RGB"), dtype=np.uint8)
    channels = pixels.shape[2]
    flat = pixels.tobytes()
    height, width = pixels.shape[:2]
    samples = []
    for (sx, sy) in [(0, 0), (width - 1, 0), (width // 2, height // 2), (width - 1, height - 1)]:
        samples.append({"x": sx, "y": sy, "value": pixels[sy, sx].tolist()})
    expected[name] = {"width": width, "height": height, "channels": channels,
                      "sha256": hashlib.sha256(flat).hexdigest(), "samples": samples,
                      "note": note, **extra}


def save(img, name, note, pnginfo=None, **kw):
    img.save(HERE / name, pnginfo=pnginfo, **kw)
    record(name, None, note)


# ---- pixel formats -------------------------------------------------------
rgba = pattern(W, H)
save(Image.fromarray(rgba[:, :, :3], "RGB"), "rgb.png", "8-bit RGB, Pillow default filters")
save(Image.fromarray(rgba, "RGBA"), "rgba.png", "8-bit RGBA")
gray = Image.fromarray(rgba[:, :, :3], "RGB").convert("L")
save(gray, "gray.png", "8-bit greyscale")
save(Image.fromarray(np.dstack([np.asarray(gray), rgba[:, :, 3]]), "LA"), "gray-alpha.png", "8-bit grey + alpha")
pal = Image.fromarray(rgba[:, :, :3], "RGB").quantize(colors=12, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
alphas = bytes([0, 64, 128] + [255] * 9)
save(pal, "palette-trns.png", "4-bit palette (Pillow picks the depth) with tRNS", transparency=alphas)
two = Image.fromarray(((rgba[:, :, 0] > 128) * 255).astype(np.uint8), "L").convert("1")
save(two, "gray-1bit.png", "1-bit greyscale")

# 16-bit RGB, written raw; Pillow keeps the high byte of each sample.
y, x = np.mgrid[0:H, 0:W]
rgb16 = np.dstack([x * 2047 + 13, y * 2800 + 7, (x * y * 97) % 65536]).astype(">u2")
(HERE / "rgb16.png").write_bytes(raw_png(W, H, 16, 2, [row.tobytes() for row in rgb16]))
assert np.array_equal(np.asarray(Image.open(HERE / "rgb16.png").convert("RGB")), (rgb16 >> 8).astype(np.uint8))
record("rgb16.png", None, "16-bit RGB, written raw, high bytes")

# 16-bit greyscale: Pillow reads it as I;16 and cannot convert it to RGB faithfully,
# so the expectation is the high byte of the values it decoded.
gray16 = ((x * 1999 + y * 733) % 65536).astype(">u2")
(HERE / "gray16.png").write_bytes(raw_png(W, H, 16, 0, [row.tobytes() for row in gray16]))
seen16 = np.asarray(Image.open(HERE / "gray16.png")).astype(np.uint32)
assert np.array_equal(seen16, gray16.astype(np.uint32))
hi = (seen16 >> 8).astype(np.uint8)
record("gray16.png", np.dstack([hi, hi, hi]), "16-bit greyscale, written raw, high bytes")

# Adam7 interlaced 8-bit RGBA (odd size so every pass has a ragged edge).
IW, IH = 13, 11
inter = pattern(IW, IH)
passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
rows = []
for (x0, y0, dx, dy) in passes:
    sub = inter[y0::dy, x0::dx]
    if sub.shape[0] and sub.shape[1]:
        rows += [r.tobytes() for r in sub]
(HERE / "interlaced.png").write_bytes(raw_png(IW, IH, 8, 6, rows, interlace=1))
assert np.array_equal(np.asarray(Image.open(HERE / "interlaced.png")), inter)
record("interlaced.png", None, "Adam7 interlaced 8-bit RGBA 13x11")

# All five filters: Pillow picks filters itself; this raw file uses each type in turn.
def filtered_rows(img):
    bpp = img.shape[2]
    raw = [r.astype(np.int32).reshape(-1) for r in img]
    out = b""
    for yy, row in enumerate(raw):
        ftype = yy % 5
        prev = raw[yy - 1] if yy else np.zeros_like(row)
        left = np.concatenate([np.zeros(bpp, np.int32), row[:-bpp]])
        upleft = np.concatenate([np.zeros(bpp, np.int32), prev[:-bpp]])
        if ftype == 0: pred = np.zeros_like(row)
        elif ftype == 1: pred = left
        elif ftype == 2: pred = prev
        elif ftype == 3: pred = (left + prev) // 2
        else:
            p = left + prev - upleft
            pa, pb, pc = abs(p - left), abs(p - prev), abs(p - upleft)
            pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prev, upleft))
        out += bytes([ftype]) + ((row - pred) % 256).astype(np.uint8).tobytes()
    return out
rgb = rgba[:, :, :3]
(HERE / "filters.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0))
                                   + chunk(b"IDAT", zlib.compress(filtered_rows(rgb), 9)) + chunk(b"IEND", b""))
assert np.array_equal(np.asarray(Image.open(HERE / "filters.png")), rgb)
record("filters.png", None, "8-bit RGB using filter types 0,1,2,3,4 on successive rows")

# ---- metadata flavours ---------------------------------------------------
def with_text(name, note, chunks, size=(W, H)):
    info = PngImagePlugin.PngInfo()
    for kind, key, value in chunks:
        if kind == "tEXt": info.add_text(key, value)
        elif kind == "zTXt": info.add_text(key, value, zip=True)
        elif kind == "iTXt": info.add_itxt(key, value)
        elif kind == "iTXt-z": info.add_itxt(key, value, zip=True)
    img = Image.fromarray(pattern(*size)[:, :, :3], "RGB")
    img.save(HERE / name, pnginfo=info)
    record(name, None, note, text=[{"keyword": k, "text": v} for _, k, v in chunks])


A1111 = ("a lighthouse on a cliff, golden hour,\n"
         "dramatic clouds, (masterpiece:1.2)\n"
         "Negative prompt: blurry, low quality,\n"
         "watermark\n"
         'Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7.5, Seed: 965400086, Size: 512x768, '
         'Model hash: 45dee52b, Model: v1-5-pruned-emaonly, Clip skip: 2, '
         'Lora hashes: "detail: 1a2b3c, style: 4d5e6f", Version: v1.6.0')
with_text("meta-a1111.png", "A1111 parameters: multi-line prompt and negative, quoted value, unknown keys",
          [("tEXt", "parameters", A1111)])

comfy_prompt = {
    "3": {"class_type": "KSampler", "inputs": {"seed": 156680208700286, "steps": 20, "cfg": 8.0,
          "sampler_name": "euler", "scheduler": "normal", "denoise": 1.0,
          "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "beautiful scenery nature glass bottle landscape, purple galaxy bottle,", "clip": ["4", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text, watermark", "clip": ["4", 1]}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}},
}
comfy_workflow = {"last_node_id": 9, "last_link_id": 9, "nodes": [{"id": 3, "type": "KSampler"}], "links": [], "version": 0.4}
with_text("meta-comfyui.png", "ComfyUI prompt (API graph) + workflow (UI graph)",
          [("tEXt", "prompt", json.dumps(comfy_prompt)), ("tEXt", "workflow", json.dumps(comfy_workflow))])

invoke = {"generation_mode": "txt2img", "positive_prompt": "a cozy cabin in snowy woods, ☃ warm light",
          "negative_prompt": "people", "width": 768, "height": 512, "seed": 3954321, "cfg_scale": 6.5,
          "steps": 30, "scheduler": "dpmpp_2m_k", "rand_device": "cpu",
          "model": {"key": "f00d", "hash": "blake3:abcdef0123", "name": "Juggernaut XL v9", "base": "sdxl", "type": "main"},
          "app_version": "4.2.9"}
with_text("meta-invokeai.png", "InvokeAI invokeai_metadata JSON (compressed iTXt, non-Latin-1)",
          [("iTXt-z", "invokeai_metadata", json.dumps(invoke, ensure_ascii=False))])

sdmeta = {"model": "stable diffusion", "model_weights": "stable-diffusion-1.5", "model_hash": "cc6cb27103",
          "app_id": "invoke-ai/InvokeAI", "app_version": "2.3.5",
          "image": {"prompt": [{"prompt": "an astronaut riding a horse", "weight": 1.0}], "steps": 50,
                    "cfg_scale": 7.5, "seed": 42424242, "width": 512, "height": 512, "sampler": "k_euler_a",
                    "type": "txt2img"}}
with_text("meta-invokeai-legacy.png", "InvokeAI 2.x sd-metadata (zTXt)",
          [("zTXt", "sd-metadata", json.dumps(sdmeta))])

dt_json = {"c": "a red fox in the snow, <portrait>", "uc": "lowres & \"bad\" anatomy", "seed": 1337,
           "steps": 8, "scale": 4.5, "sampler": "DPM++ 2M Karras", "size": "640x448",
           "model": "sd_xl_turbo_1.0_f16.ckpt", "strength": 1, "seed_mode": "Scale Alike", "shift": 1}
def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
dt_desc = ("a red fox in the snow, <portrait>\n-lowres & \"bad\" anatomy\nSteps: 8, Sampler: DPM++ 2M Karras, "
           "Guidance Scale: 4.5, Seed: 1337, Size: 640x448, Model: sd_xl_turbo_1.0_f16.ckpt, Strength: 1.0, "
           "Seed Mode: Scale Alike")
xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 6.0.0">\n'
       ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
       '  <rdf:Description rdf:about=""\n'
       '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
       '    xmlns:exif="http://ns.adobe.com/exif/1.0/"\n'
       '    xmlns:xmp="http://ns.adobe.com/xap/1.0/">\n'
       '   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">' + xml_escape(dt_desc) + '</rdf:li></rdf:Alt></dc:description>\n'
       '   <exif:UserComment><rdf:Alt><rdf:li xml:lang="x-default">' + xml_escape(json.dumps(dt_json, sort_keys=True)) + '</rdf:li></rdf:Alt></exif:UserComment>\n'
       '   <xmp:CreatorTool>Draw Things</xmp:CreatorTool>\n'
       '  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>')
with_text("meta-drawthings.png", "Draw Things XMP iTXt XML:com.adobe.xmp (UserComment JSON + description)",
          [("iTXt", "XML:com.adobe.xmp", xmp)])

darkroom_json = {"version": 1, "prompt": "isometric tiny island, Ω", "negative_prompt": "", "seed": 7, "steps": 4,
                 "guidance": 1.5, "sampler": "LCM", "scheduler": "lcm", "width": 64, "height": 64,
                 "model_name": "tiny-sd", "model_hash": "0123456789abcdef", "engine_version": "0.1.0",
                 "rng_kind": "philox-cpu", "generation_id": "6F1D2C3A-0000-4000-8000-000000000001",
                 "image_id": "abc123", "extra": {"note": "hand-written fixture"}}
with_text("meta-darkroom.png", "Darkroom JSON iTXt + parameters tEXt",
          [("tEXt", "parameters", "isometric tiny island, \u03a9 is not Latin-1 so this says omega\n"
            "Steps: 4, Sampler: LCM, CFG scale: 1.5, Seed: 7, Size: 64x64, Model: tiny-sd"),
           ("iTXt", "darkroom", json.dumps(darkroom_json, sort_keys=True, ensure_ascii=False))])

with_text("meta-latin1.png", "tEXt with Latin-1 characters and a zTXt comment",
          [("tEXt", "Comment", "café crème à la française"), ("zTXt", "Description", "zipped ünïcödé-free Latin-1 text")])

with_text("meta-unknown.png", "text chunks that are no generation metadata",
          [("tEXt", "Software", "GIMP 2.10"), ("tEXt", "Comment", "just one line, no settings")])

# ---- sample pictures (64x64, A1111 metadata) -----------------------------
def sample(name, pixels, prompt, seed, steps, cfg, sampler):
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", f"{prompt}\nNegative prompt: blurry\n"
                  f"Steps: {steps}, Sampler: {sampler}, CFG scale: {cfg}, Seed: {seed}, Size: 64x64, Model: sample-art")
    Image.fromarray(pixels.astype(np.uint8), "RGB").save(HERE / name, pnginfo=info)
    record(name, None, "sample picture")

S = 64
yy, xx = np.mgrid[0:S, 0:S].astype(np.float64)
sky = np.dstack([255 - yy * 1.5, 120 + yy * 1.2, 200 - yy * 2.5])
sun = (xx - 40) ** 2 + (yy - 38) ** 2 < 110
sky[sun] = [255, 220, 90]
sky[yy > 44] = np.dstack([20 + xx * 0.5, 40 + (yy - 44) * 2, 90 + xx * 0.8])[yy > 44]
sample("sample-sunset.png", np.clip(sky, 0, 255), "sunset over a calm sea, warm colours", 1001, 20, 7, "Euler a")

d = np.sqrt((xx - 31.5) ** 2 + (yy - 31.5) ** 2)
rings = np.dstack([128 + 127 * np.sin(d / 3), 128 + 127 * np.sin(d / 5 + 1), 128 + 127 * np.cos(d / 4)])
sample("sample-rings.png", np.clip(rings, 0, 255), "psychedelic concentric rings, vivid", 2002, 30, 7.5, "DPM++ 2M Karras")

nx, ny = (xx - 24) / 18, (yy - 24) / 18
inside = nx ** 2 + ny ** 2 < 1
shade = np.clip(np.sqrt(np.clip(1 - nx ** 2 - ny ** 2, 0, 1)) * 0.8 - nx * 0.2 - ny * 0.3, 0, 1)
checker = (((xx // 8) + (yy // 8)) % 2) * 60 + 120
sphere = np.dstack([checker, checker, checker])
sphere[inside] = np.dstack([60 + 195 * shade, 90 + 120 * shade, 200 + 55 * shade])[inside]
sample("sample-sphere.png", np.clip(sphere, 0, 255), "a glossy blue sphere on a checkerboard", 3003, 25, 6, "DDIM")

plasma = np.dstack([128 + 127 * np.sin(xx / 7 + np.sin(yy / 9)), 128 + 127 * np.sin(yy / 6 + xx / 11),
                    128 + 127 * np.sin((xx + yy) / 10)])
sample("sample-plasma.png", np.clip(plasma, 0, 255), "abstract plasma, neon", 4004, 8, 1.5, "LCM")

# ---- thumbnail reference: Pillow's BOX (area-average) resize of sample-rings to 16x16 and 24x16 of rgb.png
for src, size, key in [("sample-rings.png", (16, 16), "thumbnail-rings-16"), ("rgb.png", (16, 12), "thumbnail-rgb-16")]:
    small = Image.open(HERE / src).convert("RGB").resize(size, Image.Resampling.BOX)
    expected[key] = {"source": src, "width": size[0], "height": size[1],
                     "hex": np.asarray(small, dtype=np.uint8).tobytes().hex()}

# ---- broken files -----------------------------------------------------------
good = (HERE / "rgb.png").read_bytes()
(HERE / "broken-truncated.png").write_bytes(good[: len(good) // 2])
bad = bytearray(good)
idat = bad.index(b"IDAT")
bad[idat + 10] ^= 0xFF
(HERE / "broken-crc.png").write_bytes(bytes(bad))
(HERE / "broken-notpng.png").write_bytes(b"GIF89a this is not a PNG file at all\n")
ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0))
(HERE / "broken-noidat.png").write_bytes(b"\x89PNG\r\n\x1a\n" + ihdr + chunk(b"IEND", b""))
(HERE / "broken-huge.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0))
                                       + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b""))
(HERE / "broken-short-data.png").write_bytes(b"\x89PNG\r\n\x1a\n" + ihdr + chunk(b"IDAT", zlib.compress(b"\0" * 100))
                                             + chunk(b"IEND", b""))
(HERE / "broken-bitdepth.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 4, 2, 0, 0, 0))
                                           + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b""))

(HERE / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
print(f"wrote {len(expected)} expectations to {HERE / 'expected.json'}")
