#!/usr/bin/env python3
"""What placeholders cost, measured in one interleaved run.

Darkroom makes them inside the render that makes the variants (no second decode). Measured:
`darkroom process` with the `default` recipe as shipped (placeholders on) against the same
recipe with `placeholders: false`, single-threaded, so the difference is the placeholder's own
cost per image. The peer is what a team adds beside an image service that has none: a second
pass in Python that decodes each photo again with Pillow (with JPEG draft mode, as a tuned
pipeline does), shrinks it to 100 px and computes the same five things with PyPI's `blurhash`
(on 32 px, as its README advises for speed) and `thumbhash-python`. Reported: medians, and the
ratio with placeholders on and off, and the peer's pass against Darkroom's whole render.
"""
import argparse
import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time

PEER = r'''
import base64, io, sys
from PIL import Image, ImageOps
import blurhash
from thumbhash.encode import rgba_to_thumbhash
for path in sys.argv[1:]:
    image = Image.open(path)
    image.draft("RGB", (200, 200))
    image = ImageOps.exif_transpose(image).convert("RGBA")
    image.thumbnail((100, 100))
    rgba = list(image.tobytes())
    thumb = base64.b64encode(rgba_to_thumbhash(image.width, image.height, rgba)).decode()
    tiny = image.convert("RGB").copy()
    tiny.thumbnail((32, 32))
    blur = blurhash.encode([[list(tiny.getpixel((x, y))) for x in range(tiny.width)] for y in range(tiny.height)], 4, 3)
    pixels = list(image.convert("RGB").getdata())
    average = ["%02x" % round(sum(p[c] for p in pixels) / len(pixels)) for c in range(3)]
    bins = {}
    for p in pixels:
        bins.setdefault((p[0] >> 4, p[1] >> 4, p[2] >> 4), []).append(p)
    best = max(bins.values(), key=len)
    dominant = ["%02x" % round(sum(p[c] for p in best) / len(best)) for c in range(3)]
    buffer = io.BytesIO()
    tiny.save(buffer, "WEBP", quality=40)
    preview = "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode()
'''

NO_PLACEHOLDERS = """recipes:
  plain:
    placeholders: false
    variants:
      thumbnail:
        format: jpeg
        quality: 85
        operations: [{resize: {width: 150, height: 150, kernel: cubic}}]
      medium:
        format: jpeg
        quality: 85
        operations: [{resize: {width: 800, height: 800, kernel: cubic}}]
      large:
        format: jpeg
        quality: 85
        operations: [{resize: {width: 1600, height: 1600, kernel: cubic}}]
"""


def timed(cmd):
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"benchmark command failed: {' '.join(cmd[:4])} …\n{done.stderr}")
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--darkroom", required=True)
    parser.add_argument("--photos", required=True)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--copies", type=int, default=4)
    args = parser.parse_args()
    photos = sorted(glob.glob(os.path.join(args.photos, "bench_[0-9]_*.jpg")))
    if not photos:
        sys.exit(f"no bench_N_*.jpg photos in {args.photos}")
    files = photos * args.copies
    with tempfile.TemporaryDirectory() as work:
        recipes = os.path.join(work, "plain.yaml")
        with open(recipes, "w") as f:
            f.write(NO_PLACEHOLDERS)
        runs = {
            "darkroom default (placeholders on)": [args.darkroom, "process", *files, "--recipe", "default", "--out", os.path.join(work, "on"), "--jobs", "1"],
            "darkroom default, placeholders: false": [args.darkroom, "process", *files, "--recipes", recipes, "--recipe", "plain", "--out", os.path.join(work, "off"), "--jobs", "1"],
            "peer: Pillow + blurhash + thumbhash-python, a second pass": [sys.executable, "-c", PEER, *files],
        }
        times = {name: [] for name in runs}
        for round_ in range(args.rounds):
            names = list(runs)
            for name in names[round_ % len(names):] + names[:round_ % len(names)]:
                times[name].append(timed(runs[name]) / len(files) * 1000)
    median = {name: statistics.median(values) for name, values in times.items()}
    on, off, peer = (median[name] for name in runs)
    print(f"placeholders: {len(files)} images of {len(photos)} 12 MP photos, {args.rounds} rounds, one core, median ms per image")
    for name in runs:
        print(f"  {name:<60} {median[name]:8.1f} ms  (min {min(times[name]):.1f}, max {max(times[name]):.1f})")
    print(f"  on / off: {on / off:.3f} (the placeholders' share of a render, within this machine's noise)")
    print(f"  the peer's second pass alone: {peer / on:.2f}x Darkroom's whole render with placeholders")

if __name__ == "__main__":
    main()
