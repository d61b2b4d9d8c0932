#!/usr/bin/env python3
"""Checks that Pillow decodes PNG files written by DarkroomImaging's encoder.

Not run by CI (CI has no Python). Run by hand after changing the encoder:

    DARKROOM_PNG_OUT=/tmp/darkroom-png swift test --filter PillowCrossCheckTests
    python3 Fixtures/png/check_with_pillow.py /tmp/darkroom-png

For each NAME.png the test wrote, compares Pillow's pixels with NAME.raw and
Pillow's text chunks with NAME.json. Exits non-zero on any difference.
"""
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

folder = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/darkroom-png")
files = sorted(folder.glob("*.png"))
if not files:
    sys.exit(f"no PNG files in {folder}; run the Swift test with DARKROOM_PNG_OUT first")
failures = 0
for png in files:
    meta = json.loads(png.with_suffix(".json").read_text())
    image = Image.open(png)
    image.load()
    mode = "RGBA" if meta["channels"] == 4 else "RGB"
    ok_mode = image.mode == mode
    pixels = np.asarray(image.convert(mode), dtype=np.uint8).tobytes()
    ok_pixels = pixels == png.with_suffix(".raw").read_bytes()
    expected_text = {t["keyword"]: t["text"] for t in meta["text"]}
    ok_text = dict(image.text) == expected_text
    ok = ok_mode and ok_pixels and ok_text and image.size == (meta["width"], meta["height"])
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {png.name}: {image.size[0]}x{image.size[1]} {image.mode}, "
          f"pixels {'match' if ok_pixels else 'DIFFER'}, {len(image.text)} text chunks {'match' if ok_text else 'DIFFER'}")
sys.exit(1 if failures else 0)
