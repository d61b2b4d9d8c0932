"""Procedural 64x64 scenes of coloured shapes with captions.

Every scene is a `Scene` (background + objects + layout kind) rendered with
plain numpy and described by a caption drawn from varied templates with
synonyms. Everything is deterministic from a seed. A fixed set of
colour x shape pairs (`HELD_OUT_PAIRS`) never appears in training scenes; the
evaluation prompts are built from them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SIZE = 64

# Object palette: saturated colours, far apart in RGB.
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "orange": (245, 135, 20),
    "yellow": (240, 225, 30),
    "green": (30, 160, 50),
    "cyan": (30, 210, 225),
    "blue": (35, 60, 215),
    "purple": (135, 40, 175),
    "pink": (250, 125, 195),
}
# Background tones: low saturation, so pixel segmentation against the object
# palette is unambiguous.
BACKGROUNDS: dict[str, tuple[int, int, int]] = {
    "grey": (150, 150, 150),
    "light grey": (205, 205, 205),
    "dark grey": (70, 70, 70),
    "beige": (215, 200, 170),
    "slate": (100, 110, 130),
    "white": (240, 240, 235),
}
SHAPES = ["circle", "square", "triangle", "star", "ring"]
POSITIONS: dict[str, tuple[int, int]] = {
    "left": (16, 32), "right": (48, 32), "top": (32, 16), "bottom": (32, 48), "centre": (32, 32),
}
RADIUS = {"small": 7.0, "large": 11.5}
RELATIONS = ["above", "below", "left of", "right of", "next to"]
BACKGROUND_KINDS = ["plain", "stripes", "dots", "gradient"]

# Colour x shape combinations that never appear in training scenes.
HELD_OUT_PAIRS: frozenset[tuple[str, str]] = frozenset({
    ("red", "star"), ("blue", "triangle"), ("green", "ring"),
    ("yellow", "square"), ("purple", "circle"), ("cyan", "star"),
})

COLOUR_WORDS = {
    "red": ["red", "crimson", "scarlet"], "orange": ["orange", "tangerine"],
    "yellow": ["yellow", "golden"], "green": ["green", "emerald"],
    "cyan": ["cyan", "turquoise"], "blue": ["blue", "azure"],
    "purple": ["purple", "violet"], "pink": ["pink", "rose"],
}
SHAPE_WORDS = {
    "circle": [("circle", "circles"), ("disc", "discs"), ("disk", "disks")],
    "square": [("square", "squares"), ("box", "boxes"), ("block", "blocks")],
    "triangle": [("triangle", "triangles"), ("wedge", "wedges")],
    "star": [("star", "stars"), ("five-pointed star", "five-pointed stars")],
    "ring": [("ring", "rings"), ("donut", "donuts"), ("hoop", "hoops")],
}
SIZE_WORDS = {"small": ["small", "little", "tiny"], "large": ["large", "big", "huge"]}
POSITION_WORDS = {
    "left": ["on the left", "at the left", "in the left half"],
    "right": ["on the right", "at the right", "in the right half"],
    "top": ["at the top", "near the top", "in the upper half"],
    "bottom": ["at the bottom", "near the bottom", "in the lower half"],
    "centre": ["in the centre", "in the middle", "at the center"],
}
RELATION_WORDS = {
    "above": ["above", "over"], "below": ["below", "under", "beneath"],
    "left of": ["left of", "to the left of"], "right of": ["right of", "to the right of"],
    "next to": ["next to", "beside"],
}
BACKGROUND_WORDS = {
    "plain": ["on a {tone} background", "on plain {tone}"],
    "stripes": ["on a striped background", "with stripes behind"],
    "dots": ["on a dotted background", "with dots behind"],
    "gradient": ["on a gradient background", "on a {tone} gradient"],
}
COUNT_WORDS = {2: ["two", "a pair of"], 3: ["three"]}


@dataclass(frozen=True)
class SceneObject:
    """One shape in a scene: colour/shape/size names and its centre in pixels."""
    colour: str
    shape: str
    size: str
    cx: float
    cy: float


@dataclass
class Scene:
    """A scene specification: what is drawn and how the caption describes it.

    kind is one of "single", "count", "relation", "row". For "single",
    `position` names the region; for "relation", `relation` links objects[0]
    to objects[1]; "count" is n copies of one colour/shape; "row" is three
    objects left to right.
    """
    kind: str
    objects: list[SceneObject]
    background: str
    tone: str
    tone2: str
    position: str | None = None
    relation: str | None = None
    extra: dict = field(default_factory=dict)


def _a(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _polygon_mask(xx, yy, pts):
    """Even-odd point-in-polygon test on pixel centres."""
    inside = np.zeros(xx.shape, dtype=bool)
    n = len(pts)
    for i in range(n):
        x1, y1 = pts[i]
        x2, y2 = pts[(i + 1) % n]
        cond = (y1 > yy) != (y2 > yy)
        xint = (x2 - x1) * (yy - y1) / ((y2 - y1) if y2 != y1 else 1e-9) + x1
        inside ^= cond & (xx < xint)
    return inside


def shape_mask(shape: str, cx: float, cy: float, r: float) -> np.ndarray:
    """Boolean SIZExSIZE mask of one shape centred at (cx, cy) with size r."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64) + 0.5
    dx, dy = xx - cx, yy - cy
    if shape == "circle":
        return dx * dx + dy * dy <= r * r
    if shape == "ring":
        d2 = dx * dx + dy * dy
        return (d2 <= r * r) & (d2 >= (0.5 * r) ** 2)
    if shape == "square":
        s = 0.85 * r
        return (np.abs(dx) <= s) & (np.abs(dy) <= s)
    if shape == "triangle":
        R = 1.2 * r
        pts = [(cx + R * np.cos(a), cy - R * np.sin(a)) for a in np.deg2rad([90, 210, 330])]
        pts = [(x, y - 0.25 * R) for x, y in pts]  # centre the bounding box
        return _polygon_mask(xx, yy, pts)
    if shape == "star":
        R, ri = 1.25 * r, 0.5 * 1.25 * r
        pts = []
        for k in range(10):
            a = np.deg2rad(90 + 36 * k)
            rad = R if k % 2 == 0 else ri
            pts.append((cx + rad * np.cos(a), cy - rad * np.sin(a) + 0.1 * R))
        return _polygon_mask(xx, yy, pts)
    raise ValueError(f"unknown shape {shape!r}")


def render(scene: Scene) -> np.ndarray:
    """Render a scene to a uint8 (64, 64, 3) array."""
    t1 = np.array(BACKGROUNDS[scene.tone], dtype=np.float64)
    t2 = np.array(BACKGROUNDS[scene.tone2], dtype=np.float64)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    img = np.empty((SIZE, SIZE, 3), dtype=np.float64)
    img[:] = t1
    kind = scene.background
    if kind == "stripes":
        axis = scene.extra.get("axis", 0)
        coord = [yy, xx, xx + yy][axis]
        img[(coord // 4) % 2 == 1] = t2
    elif kind == "dots":
        m = ((xx % 8) - 3.5) ** 2 + ((yy % 8) - 3.5) ** 2 <= 2.5
        img[m] = t2
    elif kind == "gradient":
        f = (xx if scene.extra.get("axis", 0) else yy) / (SIZE - 1)
        img = t1 * (1 - f[..., None]) + t2 * f[..., None]
    for o in scene.objects:
        img[shape_mask(o.shape, o.cx, o.cy, RADIUS[o.size])] = COLOURS[o.colour]
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


CANONICAL_WORD_PROBABILITY = 0.6


def _word(rng, options: list):
    """The first (canonical) option with probability CANONICAL_WORD_PROBABILITY,
    otherwise one of the synonyms: synonyms stay in the captions, but the
    canonical words carry most of the training signal."""
    if len(options) == 1 or rng.random() < CANONICAL_WORD_PROBABILITY:
        return options[0]
    return options[1 + int(rng.integers(len(options) - 1))]


def _object_phrase(rng, o: SceneObject, with_size: bool, article: str | None = None) -> str:
    colour = _word(rng, COLOUR_WORDS[o.colour])
    shape = _word(rng, SHAPE_WORDS[o.shape])[0]
    words = ([rng.choice(SIZE_WORDS[o.size])] if with_size else []) + [colour, shape]
    art = article or rng.choice(["a", "one", "a single"], p=[0.7, 0.15, 0.15])
    if art == "a":
        art = _a(words[0])
    return f"{art} {' '.join(words)}"


def caption(scene: Scene, rng: np.random.Generator) -> str:
    """A caption for a scene, drawn from templates and synonyms with rng."""
    with_size = rng.random() < 0.5
    objs = scene.objects
    if scene.kind == "single":
        obj = _object_phrase(rng, objs[0], with_size)
        pos = _word(rng, POSITION_WORDS[scene.position])
        text = rng.choice([f"{obj} {pos}", f"{pos}, {obj}", f"a picture of {obj} {pos}"], p=[0.6, 0.2, 0.2])
    elif scene.kind == "count":
        o = objs[0]
        colour = _word(rng, COLOUR_WORDS[o.colour])
        plural = _word(rng, SHAPE_WORDS[o.shape])[1]
        size = f"{rng.choice(SIZE_WORDS[o.size])} " if with_size else ""
        text = f"{rng.choice(COUNT_WORDS[len(objs)])} {size}{colour} {plural}"
        if scene.extra.get("layout") == "vertical":
            text += " " + rng.choice(["stacked vertically", "one above the other"])
        else:
            text += " " + rng.choice(["side by side", "in a row"])
    elif scene.kind == "relation":
        a = _object_phrase(rng, objs[0], with_size)
        b = _object_phrase(rng, objs[1], with_size, article="a")
        text = f"{a} {_word(rng, RELATION_WORDS[scene.relation])} {b}"
    else:  # row
        parts = [_object_phrase(rng, o, False, article="a") for o in objs]
        text = f"{parts[0]}, {parts[1]} and {parts[2]}" + rng.choice(["", " from left to right", " in a row"])
    if rng.random() < 0.5:
        tmpl = rng.choice(BACKGROUND_WORDS[scene.background])
        text += " " + tmpl.format(tone=scene.tone)
    return text


def _pair(rng, held_out: bool | None):
    """A (colour, shape) pair: held-out only if held_out, training only if False."""
    while True:
        c = str(rng.choice(list(COLOURS)))
        s = str(rng.choice(SHAPES))
        if held_out is None or ((c, s) in HELD_OUT_PAIRS) == held_out:
            return c, s


def random_scene(rng: np.random.Generator, held_out: bool = False, kind: str | None = None) -> Scene:
    """Draw a scene. held_out=False never uses a held-out pair; True makes the
    first object a held-out pair and the others training pairs."""
    if kind is None:
        kind = str(rng.choice(["single", "count", "relation", "row"], p=[0.35, 0.15, 0.4, 0.1]))
    bg = str(rng.choice(BACKGROUND_KINDS))
    tones = list(BACKGROUNDS)
    tone = str(rng.choice(tones))
    tone2 = str(rng.choice([t for t in tones if t != tone]))
    extra = {"axis": int(rng.integers(3 if bg == "stripes" else 2))}
    jit = lambda: float(rng.uniform(-2.5, 2.5))
    size = lambda: str(rng.choice(["small", "large"]))
    first = _pair(rng, True if held_out else False)
    if kind == "single":
        pos = str(rng.choice(list(POSITIONS)))
        x, y = POSITIONS[pos]
        objs = [SceneObject(*first, size(), x + jit(), y + jit())]
        return Scene(kind, objs, bg, tone, tone2, position=pos, extra=extra)
    if kind == "count":
        sz = size()
        layout = str(rng.choice(["horizontal", "vertical"]))
        extra["layout"] = layout
        c = 16 + jit()
        pts = [(16, 32), (48, 32)] if layout == "horizontal" else [(32, 16), (32, 48)]
        objs = [SceneObject(*first, sz, px + jit(), py + jit()) for px, py in pts]
        return Scene(kind, objs, bg, tone, tone2, extra=extra)
    if kind == "relation":
        rel = str(rng.choice(RELATIONS))
        second = _pair(rng, False)
        while second == first:
            second = _pair(rng, False)
        if rel in ("above", "below"):
            x = 32 + rng.uniform(-6, 6)
            top, bottom = (x + jit(), 17 + jit()), (x + jit(), 47 + jit())
            pa, pb = (top, bottom) if rel == "above" else (bottom, top)
        else:
            y = 32 + rng.uniform(-6, 6)
            left, right = (17 + jit(), y + jit()), (47 + jit(), y + jit())
            if rel == "next to":
                rel_lr = rng.random() < 0.5
                pa, pb = (left, right) if rel_lr else (right, left)
            else:
                pa, pb = (left, right) if rel == "left of" else (right, left)
        objs = [SceneObject(*first, size(), *pa), SceneObject(*second, size(), *pb)]
        return Scene(kind, objs, bg, tone, tone2, relation=rel, extra=extra)
    # row of three small objects
    pairs = [first]
    while len(pairs) < 3:
        p = _pair(rng, False)
        if p not in pairs:
            pairs.append(p)
    y = 32 + rng.uniform(-10, 10)
    objs = [SceneObject(c, s, "small", x + jit(), y + jit()) for (c, s), x in zip(pairs, (11, 32, 53))]
    return Scene("row", objs, bg, tone, tone2, extra=extra)


def make_dataset(n: int, seed: int, captions_per_scene: int = 3):
    """n training scenes (no held-out pairs): (uint8 images [n,64,64,3], captions [n][k], scenes)."""
    rng = np.random.default_rng(seed)
    scenes = [random_scene(rng) for _ in range(n)]
    images = np.stack([render(s) for s in scenes])
    caps = [[caption(s, rng) for _ in range(captions_per_scene)] for s in scenes]
    return images, caps, scenes


def held_out_set(n_single: int, n_pair: int, seed: int, held_out: bool = True):
    """Evaluation scenes: n_single single-object and n_pair two-object
    ("relation") scenes whose first object is a held-out colour x shape pair
    (held_out=False: only colour x shape pairs seen in training, in new scenes)."""
    rng = np.random.default_rng(seed)
    singles = [random_scene(rng, held_out=held_out, kind="single") for _ in range(n_single)]
    pairs = [random_scene(rng, held_out=held_out, kind="relation") for _ in range(n_pair)]
    return singles, pairs


if __name__ == "__main__":
    import sys
    from PIL import Image
    images, caps, _ = make_dataset(16, seed=int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    grid = images.reshape(4, 4, SIZE, SIZE, 3).transpose(0, 2, 1, 3, 4).reshape(4 * SIZE, 4 * SIZE, 3)
    Image.fromarray(grid).resize((512, 512), Image.NEAREST).save("/tmp/scenes.png")
    for c in caps:
        print(c[0])
