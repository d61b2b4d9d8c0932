"""Writes the prompt vocabulary of darkroom-shapes-v1 into its card data, ../darkroom-shapes-v1/darkroom.json.

    python3 make_card.py      # numpy only; keeps every other field of darkroom.json as it is

The vocabulary is every word the training captions can contain: the captions of 200,000 scenes drawn
by scenes.py (more than enough to meet every template, synonym and background tone many times), split
the way `darkroom generate` splits a prompt (lower-cased runs of letters and digits).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

import scenes

CARD = Path(__file__).resolve().parents[1] / "darkroom-shapes-v1" / "darkroom.json"


def vocabulary(n: int = 200_000, seed: int = 7) -> list[str]:
    rng = np.random.default_rng(seed)
    words: set[str] = set()
    for i in range(n):
        scene = scenes.random_scene(rng, held_out=bool(i % 2))
        words.update(re.findall(r"[a-z0-9]+", scenes.caption(scene, rng).lower()))
    return sorted(words)


def main() -> None:
    card = json.loads(CARD.read_text()) if CARD.exists() else {}
    card["vocabulary"] = vocabulary()
    CARD.write_text(json.dumps(card, indent=2) + "\n")
    print(f"{len(card['vocabulary'])} words -> {CARD}")


if __name__ == "__main__":
    main()
