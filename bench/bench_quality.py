#!/usr/bin/env python3
"""What `quality: auto` saves against a fixed quality 85, at equal perceived quality.

One `darkroom process` run writes, for every bench photo, a lossless reference (PNG) and the same
resize at fixed JPEG q85; scikit-image's SSIM (luma, 7 × 7, measured here, not Darkroom's own
number) gives each q85 output's quality. The target for `quality: auto` is the median of those
SSIMs: the quality a q85 pipeline delivers on this corpus. A second run encodes with that target.
Reported: bytes of each, the ratio auto/q85 over the corpus, and each output's SSIM by the
independent metric, so "equal perceived quality" is checked, not assumed. q85 spends bytes
unevenly (easy photos far above the target, hard ones below it), so the second comparison holds
the floor equal: the fixed quality a pipeline without a search needs so that every photo reaches
the target (the highest quality the search chose), against auto. The same is done for WebP at
its default quality 80.
"""
import argparse
import glob
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile

import numpy
from PIL import Image
from skimage.metrics import structural_similarity

RESIZE = "[{resize: {width: 1600, height: 1600}}]"


def recipe(variants):
    lines = ["recipes:", "  bench:", "    placeholders: false", "    variants:"]
    lines += [f"      {name}: {body}" for name, body in variants.items()]
    return "\n".join(lines) + "\n"


def run(darkroom, photos, variants, work):
    recipes = os.path.join(work, "recipes.yaml")
    with open(recipes, "w") as handle:
        handle.write(recipe(variants))
    out = tempfile.mkdtemp(dir=work)
    done = subprocess.run(
        [darkroom, "process", *photos, "--recipe", "bench", "--recipes", recipes, "--out", out, "--json", "--jobs", "2"],
        capture_output=True, text=True, check=True)
    reports = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {os.path.basename(r["input"]): {v["name"]: v for v in r["variants"]} for r in reports}


def luma(path):
    return numpy.asarray(Image.open(path).convert("RGB").convert("L"), dtype=numpy.uint8)


def ssim(reference, path):
    return structural_similarity(luma(reference), luma(path), data_range=255)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--darkroom", required=True)
    parser.add_argument("--photos", required=True)
    args = parser.parse_args()
    photos = sorted(glob.glob(os.path.join(args.photos, "*.jpg")))
    if not photos:
        print(f"bench_quality: no photos in {args.photos}; skipped")
        return 0
    with tempfile.TemporaryDirectory() as work:
        fixed = run(args.darkroom, photos, {
            "reference": f"{{format: png, compression: 1, operations: {RESIZE}}}",
            "jpeg": f"{{format: jpeg, quality: 85, operations: {RESIZE}}}",
            "webp": f"{{format: webp, quality: 80, operations: {RESIZE}}}",
        }, work)
        scores = {fmt: {name: ssim(v["reference"]["path"], v[fmt]["path"]) for name, v in fixed.items()} for fmt in ["jpeg", "webp"]}
        targets = {fmt: round(statistics.median(scores[fmt].values()), 4) for fmt in scores}
        auto = run(args.darkroom, photos, {
            "jpeg": f"{{format: jpeg, quality: auto, target: {targets['jpeg']}, operations: {RESIZE}}}",
            "webp": f"{{format: webp, quality: auto, target: {targets['webp']}, operations: {RESIZE}}}",
        }, work)
        # A fixed quality that guarantees the target on every photo is the highest any photo
        # needed: what a pipeline without a search must use to promise that quality.
        guarantee = {fmt: max(v[fmt]["quality"]["quality"] for v in auto.values()) for fmt in ["jpeg", "webp"]}
        floor = run(args.darkroom, photos, {
            "jpeg": f"{{format: jpeg, quality: {guarantee['jpeg']}, operations: {RESIZE}}}",
            "webp": f"{{format: webp, quality: {guarantee['webp']}, operations: {RESIZE}}}",
        }, work)
        print("quality: auto against a fixed quality, 1600 px variants of the bench photos; SSIM by scikit-image")
        for fmt, fixed_quality in [("jpeg", 85), ("webp", 80)]:
            print(f"\n{fmt}: fixed q{fixed_quality} vs auto at target SSIM {targets[fmt]} (the median of q{fixed_quality}'s)")
            print(f"{'photo':40} {'q' + str(fixed_quality) + ' bytes':>11} {'ssim':>7} {'auto q':>6} {'bytes':>9} {'ssim':>7} {'steps':>5}")
            total_fixed = total_auto = 0
            auto_scores = []
            for name in sorted(fixed):
                reference = fixed[name]["reference"]["path"]
                before, after = fixed[name][fmt], auto[name][fmt]
                score = ssim(reference, after["path"])
                auto_scores.append(score)
                total_fixed += before["bytes"]
                total_auto += after["bytes"]
                choice = after["quality"]
                print(f"{name:40} {before['bytes']:>11} {scores[fmt][name]:>7.4f} {choice['quality']:>6} {after['bytes']:>9} {score:>7.4f} {choice['steps']:>5}")
            print(f"{fmt}: auto/q{fixed_quality} bytes = {total_auto / total_fixed:.2f} ({100 * (1 - total_auto / total_fixed):.0f}% saved); "
                  f"median SSIM q{fixed_quality} {statistics.median(scores[fmt].values()):.4f}, auto {statistics.median(auto_scores):.4f}; "
                  f"worst auto {min(auto_scores):.4f} against worst q{fixed_quality} {min(scores[fmt].values()):.4f}")
            floor_bytes = sum(v[fmt]["bytes"] for v in floor.values())
            floor_worst = min(ssim(fixed[name]["reference"]["path"], floor[name][fmt]["path"]) for name in floor)
            print(f"{fmt}: every photo at SSIM >= {targets[fmt]} needs fixed q{guarantee[fmt]} (worst {floor_worst:.4f}): "
                  f"auto/fixed bytes = {total_auto / floor_bytes:.2f} ({100 * (1 - total_auto / floor_bytes):.0f}% saved at the same floor)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
