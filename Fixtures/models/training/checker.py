"""Exact attribute checker: does a 64x64 image show the objects a scene spec asks for?

Plain numpy and simple rules, meant to be ported to Swift as is (rules in README.md):
1. Pixel labels: each pixel takes the nearest colour among the object palette
   and the background tones (Euclidean RGB); it is an object pixel of colour c
   if that nearest colour is c and the distance is below MAX_COLOUR_DISTANCE.
2. Components: 4-connected components of each object colour; components under
   MIN_AREA pixels are noise.
3. Shape of a component, from geometry: hole fraction (pixels enclosed by the
   component but not in it) -> ring; solidity (area / convex hull area of the
   pixel squares) -> star; fill ratio (area / bounding box area) -> square,
   triangle, or else circle.
4. Position from the centroid (pixel centres at +0.5): regions for single
   objects, centroid differences for relations.
An expected object is matched to one of the 3 largest components of its colour,
trying every assignment of distinct components and keeping the one that
satisfies the most checks.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from scenes import BACKGROUNDS, COLOURS, Scene

MAX_COLOUR_DISTANCE = 90.0
MIN_AREA = 8
RING_HOLE_FRACTION = 0.08
STAR_SOLIDITY = 0.8
SQUARE_FILL = 0.86
TRIANGLE_FILL = 0.64
RELATION_MARGIN = 8.0
OBJECT_NAMES = list(COLOURS)
PALETTE = np.array(list(COLOURS.values()) + list(BACKGROUNDS.values()), dtype=np.float64)


@dataclass(frozen=True)
class Component:
    """A connected region of one object colour and its geometric measurements."""
    colour: str
    area: int
    cx: float
    cy: float
    fill: float
    hole_fraction: float
    solidity: float

    @property
    def shape(self) -> str:
        """The shape rule of step 3."""
        if self.hole_fraction > RING_HOLE_FRACTION:
            return "ring"
        if self.solidity < STAR_SOLIDITY:
            return "star"
        if self.fill > SQUARE_FILL:
            return "square"
        if self.fill < TRIANGLE_FILL:
            return "triangle"
        return "circle"


def colour_labels(img: np.ndarray) -> np.ndarray:
    """[64,64] int: index into OBJECT_NAMES, or -1 for background/unknown."""
    d = np.linalg.norm(img.astype(np.float64)[:, :, None, :] - PALETTE[None, None], axis=-1)
    nearest = d.argmin(-1)
    ok = (nearest < len(OBJECT_NAMES)) & (d.min(-1) < MAX_COLOUR_DISTANCE)
    return np.where(ok, nearest, -1)


def connected_components(mask: np.ndarray) -> list[np.ndarray]:
    """4-connected components of a boolean mask, each as an [n,2] array of (y, x)."""
    seen = np.zeros_like(mask, dtype=bool)
    h, w = mask.shape
    comps = []
    for y0, x0 in zip(*np.nonzero(mask)):
        if seen[y0, x0]:
            continue
        stack, pts = [(y0, x0)], []
        seen[y0, x0] = True
        while stack:
            y, x = stack.pop()
            pts.append((y, x))
            for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    stack.append((ny, nx))
        comps.append(np.array(pts))
    return comps


def convex_hull_area(points: np.ndarray) -> float:
    """Area of the convex hull of 2-D points (Andrew's monotone chain + shoelace)."""
    pts = sorted(set(map(tuple, points.tolist())))
    if len(pts) < 3:
        return 0.0

    def half(seq):
        out = []
        for p in seq:
            while len(out) >= 2 and ((out[-1][0] - out[-2][0]) * (p[1] - out[-2][1])
                                     - (out[-1][1] - out[-2][1]) * (p[0] - out[-2][0])) <= 0:
                out.pop()
            out.append(p)
        return out

    hull = half(pts)[:-1] + half(pts[::-1])[:-1]
    xs, ys = np.array(hull, dtype=np.float64).T
    return 0.5 * abs(np.dot(xs, np.roll(ys, 1)) - np.dot(ys, np.roll(xs, 1)))


def measure(colour: str, pts: np.ndarray) -> Component:
    """Geometric measurements of one component given its (y, x) pixels."""
    ys, xs = pts[:, 0], pts[:, 1]
    y0, y1, x0, x1 = ys.min(), ys.max(), xs.min(), xs.max()
    h, w = y1 - y0 + 1, x1 - x0 + 1
    # Holes: background pixels in the (1-pixel padded) box not reachable from its border.
    box = np.zeros((h + 2, w + 2), dtype=bool)
    box[ys - y0 + 1, xs - x0 + 1] = True
    outside = [c for c in connected_components(~box) if (c == 0).any() or (c[:, 0] == h + 1).any()
               or (c[:, 1] == w + 1).any()]
    outside_px = sum(len(c) for c in outside)
    holes = (~box).sum() - outside_px
    corners = np.concatenate([np.stack([xs + dx, ys + dy], 1) for dx in (0, 1) for dy in (0, 1)])
    hull = convex_hull_area(corners)
    area = len(pts)
    return Component(colour, area, float(xs.mean() + 0.5), float(ys.mean() + 0.5), area / float(h * w),
                     holes / float(area + holes), area / hull if hull > 0 else 0.0)


def components(img: np.ndarray) -> dict[str, list[Component]]:
    """Components per object colour, largest first, noise removed."""
    labels = colour_labels(img)
    out = {}
    for k, name in enumerate(OBJECT_NAMES):
        comps = [measure(name, c) for c in connected_components(labels == k) if len(c) >= MIN_AREA]
        out[name] = sorted(comps, key=lambda c: -c.area)
    return out


def position_ok(scene: Scene, comps: list[Component]) -> bool:
    """Step 4: the region of a single object, or the relation between two."""
    if scene.kind == "single":
        c = comps[0]
        return {"left": c.cx < 26, "right": c.cx > 38, "top": c.cy < 26, "bottom": c.cy > 38,
                "centre": 22 <= c.cx <= 42 and 22 <= c.cy <= 42}[scene.position]
    if scene.kind == "relation":
        a, b = comps
        dx, dy = a.cx - b.cx, a.cy - b.cy
        m = RELATION_MARGIN
        return {"above": dy < -m, "below": dy > m, "left of": dx < -m, "right of": dx > m,
                "next to": abs(dx) > m and abs(dx) > abs(dy)}[scene.relation]
    if scene.kind == "row":
        return all(p.cx + m_ < q.cx for p, q, m_ in zip(comps, comps[1:], (RELATION_MARGIN,) * 2))
    return True  # counts: presence and shape only


@dataclass(frozen=True)
class Verdict:
    """Per-attribute result for one image; `ok` is all of them."""
    colour: bool
    shape: bool
    position: bool

    @property
    def ok(self) -> bool:
        return self.colour and self.shape and self.position


def check(img: np.ndarray, scene: Scene) -> Verdict:
    """Judge an image against a scene spec (colour, shape, position of each object)."""
    found = components(img)
    cands = [found[o.colour][:3] for o in scene.objects]
    if any(not c for c in cands):
        return Verdict(False, False, False)
    best = None
    for combo in product(*cands):
        if len({id(c) for c in combo}) < len(combo):
            continue
        shape = all(c.shape == o.shape for c, o in zip(combo, scene.objects))
        pos = position_ok(scene, list(combo))
        score = (shape and pos, shape, pos)
        if best is None or score > best[0]:
            best = (score, Verdict(True, shape, pos))
    return best[1] if best else Verdict(True, False, False)
