"""Labelled pictures for the skin-tone safety detector: skin-like and other, 64x64 PNG.

    python3 make_fixtures.py        # numpy only; rewrites labelled/ and labels.json here

Nothing is downloaded: every picture is drawn here, from a seed, so the set is the same on every run.

Groups (labels.json: file, label, group, note):

- skin (label "skin", the pictures the policy exists for: most of the frame is skin):
  - `flat`: one skin tone over the whole frame (as the tests' peach picture);
  - `closeup`: the whole frame skin, lit from one side, with pores-like noise (a close-up of a body);
  - `figure`: one or two shaded skin ellipses covering 60-85% of the frame on a dark, blue, green or grey
    background.
  Tones: the Monk Skin Tone scale's MST-5 to MST-8 and eight photographic skin tones from pale to dark.
- `pale` (label "skin", reported apart): MST-1 to MST-4, the palest swatches. They are almost neutral
  (MST-4 is the colour of a beige wall): a colour rule cannot tell them from beige and misses them.
- other (label "other"):
  - `scene`: procedural shape scenes drawn by the shipped model's own scene generator
    (../models/training/scenes.py), every background tone, held-out and seen colour x shape pairs;
  - `beige`: shape scenes on plain beige, the background that made the first detector flag 17% of
    the shipped model's pictures;
  - `outdoor`: sky over grass or sea, night, foliage;
  - `warm`: wood, sand, cardboard, terracotta: warm surfaces a colour rule is expected to confuse with
    skin (reported apart, a known limit).
"""
from __future__ import annotations

import json
import struct
import sys
import zlib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "models" / "training"))
import scenes  # noqa: E402

SIZE = 64
MONK = {  # Monk Skin Tone scale swatches (Google, 2022), MST-1 ... MST-10
    1: (246, 237, 228), 2: (243, 231, 219), 3: (247, 234, 208), 4: (234, 218, 186), 5: (215, 189, 150),
    6: (160, 126, 86), 7: (130, 92, 67), 8: (96, 65, 52), 9: (58, 49, 42), 10: (41, 36, 32),
}
PHOTO_TONES = [  # skin as photographed, pale to dark
    (255, 224, 196), (241, 194, 167), (224, 172, 140), (234, 192, 134),
    (198, 134, 66), (165, 114, 87), (141, 85, 36), (110, 72, 55),
]
BACKDROPS = [(25, 25, 30), (40, 70, 140), (40, 110, 60), (120, 120, 125), (15, 15, 15), (70, 40, 90)]


def write_png(path: Path, pixels: np.ndarray) -> None:
    """An 8-bit RGB PNG, filter 0 on every row."""
    h, w, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[y].astype(np.uint8).tobytes() for y in range(h))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def clip(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def grid() -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    return yy / (SIZE - 1), xx / (SIZE - 1)


def flat(tone) -> np.ndarray:
    return clip(np.broadcast_to(np.array(tone, float), (SIZE, SIZE, 3)))


def closeup(tone, rng) -> np.ndarray:
    """The whole frame skin: light from one side (0.75-1.1 of the tone), fine noise."""
    y, x = grid()
    angle = rng.uniform(0, 2 * np.pi)
    light = 0.92 + 0.17 * ((np.cos(angle) * (x - .5) + np.sin(angle) * (y - .5)) * 2)
    img = np.array(tone, float) * light[..., None] + rng.normal(0, 3, (SIZE, SIZE, 1))
    return clip(img)


def figure(tone, backdrop, rng) -> np.ndarray:
    """One or two shaded ellipses of skin covering most of the frame."""
    y, x = grid()
    img = np.empty((SIZE, SIZE, 3))
    img[:] = backdrop
    mask = np.zeros((SIZE, SIZE), bool)
    shade = np.ones((SIZE, SIZE))
    for _ in range(int(rng.integers(1, 3))):
        cy, cx = rng.uniform(.4, .6), rng.uniform(.35, .65)
        ry, rx = rng.uniform(.42, .55), rng.uniform(.32, .48)
        d = ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2
        mask |= d <= 1
        shade = np.minimum(shade, 1.08 - 0.3 * np.clip(d, 0, 1))
    skin = np.array(tone, float) * shade[..., None] + rng.normal(0, 2.5, (SIZE, SIZE, 1))
    img[mask] = skin[mask]
    return clip(img)


def outdoor(kind: str, rng) -> np.ndarray:
    y, x = grid()
    img = np.empty((SIZE, SIZE, 3))
    horizon = rng.uniform(.45, .7)
    sky = np.array([90, 150, 230]) * (1 - y[..., None] * .4) + np.array([40, 40, 20]) * y[..., None]
    if kind == "grass":
        ground = np.array([60, 140, 50]) + rng.normal(0, 12, (SIZE, SIZE, 3))
    elif kind == "sea":
        ground = np.array([20, 70, 140]) + 15 * np.sin(x * 40 + y * 7)[..., None]
    elif kind == "night":
        sky = np.array([10, 15, 40]) + rng.normal(0, 3, (SIZE, SIZE, 3))
        ground = np.array([15, 20, 15]) + rng.normal(0, 3, (SIZE, SIZE, 3))
    else:  # foliage: the whole frame leaves
        return clip(np.array([50, 120, 40]) + rng.normal(0, 25, (SIZE, SIZE, 3)))
    img[:] = np.where((y < horizon)[..., None], sky, ground)
    return clip(img)


def warm(kind: str, rng) -> np.ndarray:
    y, x = grid()
    if kind == "wood":
        base = np.array([170, 120, 75])
        grain = 0.85 + 0.15 * np.sin(x * 60 + 4 * np.sin(y * 9))
        return clip(base * grain[..., None] + rng.normal(0, 4, (SIZE, SIZE, 3)))
    if kind == "sand":
        return clip(np.array([222, 196, 150]) * (0.95 + 0.08 * y[..., None]) + rng.normal(0, 6, (SIZE, SIZE, 3)))
    if kind == "cardboard":
        return clip(np.array([190, 150, 105]) + rng.normal(0, 5, (SIZE, SIZE, 3)))
    return clip(np.array([200, 110, 80]) + rng.normal(0, 8, (SIZE, SIZE, 3)))  # terracotta


def scene_picture(rng, tone: str | None = None) -> np.ndarray:
    scene = scenes.random_scene(rng, held_out=bool(rng.random() < .5))
    if tone is not None:
        scene.background, scene.tone = "plain", tone
    return scenes.render(scene)


def main() -> None:
    rng = np.random.default_rng(20261207)
    out = HERE / "labelled"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    entries = []

    def add(label: str, group: str, note: str, pixels: np.ndarray) -> None:
        name = f"{label}-{group}-{sum(e['group'] == group for e in entries):02d}.png"
        write_png(out / name, pixels)
        entries.append({"file": name, "label": label, "group": group, "note": note})

    tones = [(f"MST-{k}", MONK[k]) for k in (5, 6, 7, 8)] + [(f"photo {t}", t) for t in PHOTO_TONES]
    for name, tone in tones:
        add("skin", "flat", name, flat(tone))
        add("skin", "closeup", name, closeup(tone, rng))
        for _ in range(2):
            add("skin", "figure", name, figure(tone, BACKDROPS[int(rng.integers(len(BACKDROPS)))], rng))
    for k in (1, 2, 3, 4):
        add("skin", "pale", f"MST-{k}", closeup(MONK[k], rng))
        add("skin", "pale", f"MST-{k}", figure(MONK[k], BACKDROPS[int(rng.integers(len(BACKDROPS)))], rng))
    for _ in range(40):
        add("other", "scene", "scenes.py", scene_picture(rng))
    for _ in range(12):
        add("other", "beige", "scenes.py, plain beige", scene_picture(rng, "beige"))
    for kind in ("grass", "sea", "night", "foliage"):
        for _ in range(3):
            add("other", "outdoor", kind, outdoor(kind, rng))
    for kind in ("wood", "sand", "cardboard", "terracotta"):
        for _ in range(2):
            add("other", "warm", kind, warm(kind, rng))
    (HERE / "labels.json").write_text(json.dumps(entries, indent=1) + "\n")
    print(f"{len(entries)} pictures in {out}")


if __name__ == "__main__":
    main()
