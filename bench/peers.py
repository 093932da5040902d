#!/usr/bin/env python3
"""The peers Darkroom is measured against, each making the `default` recipe's three JPEGs
(150, 800 and 1600 px boxes, quality 85) from every input.

  seed-pillow    the seed system's Lambda: open, exif_transpose, then copy + thumbnail per size
  best-pillow    best practice: draft() to the fitted 1600 size (JPEG DCT scaling), then
                 chained thumbnails 1600 -> 800 -> 150
  best-pyvips    the libvips limit: JPEG shrink-on-load, then chained resizes from memory

Usage: peers.py IMPL --out DIR [--jobs N] FILE...
"""
import argparse
import os
import sys
from multiprocessing import Pool

SIZES = [("large", 1600), ("medium", 800), ("thumbnail", 150)]
QUALITY = 85


def fitted(width, height, box):
    scale = min(box / width, box / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def seed_pillow(path, out):
    from PIL import Image, ImageOps

    stem = os.path.splitext(os.path.basename(path))[0]
    with Image.open(path) as img:
        img = ImageOps.exif_transpose(img)
        for name, size in SIZES:
            copy = img.copy()
            copy.thumbnail((size, size))
            copy.convert("RGB").save(os.path.join(out, f"{stem}_{name}.jpg"), "JPEG", quality=QUALITY)


def best_pillow(path, out):
    from PIL import Image, ImageOps

    stem = os.path.splitext(os.path.basename(path))[0]
    with Image.open(path) as img:
        img.draft("RGB", fitted(img.width, img.height, SIZES[0][1]))
        img = ImageOps.exif_transpose(img)
        for name, size in SIZES:
            img.thumbnail((size, size))
            img.save(os.path.join(out, f"{stem}_{name}.jpg"), "JPEG", quality=QUALITY)


def best_pyvips(path, out):
    import pyvips

    stem = os.path.splitext(os.path.basename(path))[0]
    header = pyvips.Image.new_from_file(path)
    target_w, _ = fitted(header.width, header.height, SIZES[0][1])
    shrink = next((f for f in (8, 4, 2) if header.width // f >= target_w), 1)
    image = pyvips.Image.jpegload(path, shrink=shrink, access="sequential").autorot().copy_memory()
    for name, size in SIZES:
        w, _ = fitted(image.width, image.height, size)
        image = image.resize(w / image.width).copy_memory()
        image.jpegsave(os.path.join(out, f"{stem}_{name}.jpg"), Q=QUALITY, strip=True)


IMPLS = {"seed-pillow": seed_pillow, "best-pillow": best_pillow, "best-pyvips": best_pyvips}


def _work(args):
    impl, path, out = args
    IMPLS[impl](path, out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("impl", choices=sorted(IMPLS))
    parser.add_argument("--out", required=True)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.impl == "best-pyvips":
        import pyvips

        pyvips.cache_set_max(0)
    work = [(args.impl, f, args.out) for f in args.files]
    if args.jobs == 1:
        for item in work:
            _work(item)
    else:
        with Pool(args.jobs) as pool:
            pool.map(_work, work, chunksize=1)


if __name__ == "__main__":
    sys.exit(main())
