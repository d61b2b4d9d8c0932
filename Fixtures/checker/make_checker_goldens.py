"""Goldens for the Swift port of the exact attribute checker (Tests/DarkroomTests/SceneAttributeChecker.swift).

Renders seeded single-object and relation scenes with Fixtures/models/training/scenes.py, and records for
each the scene spec and Python's checker verdict, both for the true spec and for a deliberately wrong one
(another shape / a swapped relation), so the Swift port is compared on passes and failures alike.
Run: python3 Fixtures/checker/make_checker_goldens.py   (needs numpy and Pillow)
"""
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here.parent / "models" / "training"))
from checker import check  # noqa: E402
from scenes import SHAPES, Scene, random_scene, render  # noqa: E402

rng = np.random.default_rng(2026)
cases = []
index = 0
for kind in ["single"] * 8 + ["relation"] * 8:
    scene = random_scene(rng, kind=kind)
    image = render(scene)
    name = f"scene-{index:02d}.png"
    Image.fromarray(image).save(here / name)
    flipped = {"above": "below", "below": "above", "left of": "right of", "right of": "left of", "next to": "above"}
    for wrong in (False, True):
        objects = [{"colour": o.colour, "shape": o.shape} for o in scene.objects]
        spec = Scene(kind=scene.kind, objects=list(scene.objects), background=scene.background, tone=scene.tone,
                     tone2=scene.tone2, position=scene.position, relation=scene.relation)
        if wrong:
            if kind == "single":
                other = SHAPES[(SHAPES.index(scene.objects[0].shape) + 2) % len(SHAPES)]
                spec.objects = [type(scene.objects[0])(scene.objects[0].colour, other, scene.objects[0].size,
                                                       scene.objects[0].cx, scene.objects[0].cy)]
                objects[0]["shape"] = other
            else:
                spec.relation = flipped[scene.relation]
        verdict = check(image, spec)
        cases.append({"file": name, "kind": kind, "objects": objects, "position": spec.position,
                      "relation": spec.relation, "colour": verdict.colour, "shape": verdict.shape,
                      "position_ok": verdict.position})
    index += 1
(here / "checker-goldens.json").write_text(json.dumps(cases, indent=1) + "\n")
print(f"wrote {len(cases)} cases")
