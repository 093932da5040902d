#!/usr/bin/env python3
"""`make bench`: face detection and redaction, measured against a baseline in one run.

1. Accuracy on the labelled set in ../shared/corpus/faces (its score.py): Darkroom's detector
   (CenterFace on OpenCV DNN, `darkroom detect`) against OpenCV's frontal Haar cascade
   (opencv-python-headless's haarcascade_frontalface_default.xml, scale 1.1, 5 neighbours,
   min 24 px), as the corpus README names it. Recall at IoU >= 0.4 for all faces and for faces
   at least 3% of the shorter side, precision, false positives on the photos with no face.
2. The detector's own time per image (median), from `darkroom detect`.
   Then the same on a larger set made from it: each labelled photo scaled so its smallest face
   is 3%, 4% or 6% of the shorter side of a 4000x3000 frame (the goal's edge, where a fixed
   probe loses small faces first), scored the same way.
3. Cost: the `privacy` recipe against `default` on the bench photos with `darkroom process`,
   one job, interleaved rounds, as a ratio.
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def score(score_py, detections):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(detections, f)
    out = subprocess.run([sys.executable, score_py, f.name], capture_output=True, text=True, check=True).stdout
    os.unlink(f.name)
    return out


def haar(paths):
    import cv2

    cascade = cv2.CascadeClassifier(os.path.join(cv2.data.haarcascades, "haarcascade_frontalface_default.xml"))
    found, times = {}, []
    for path in paths:
        image = cv2.imread(path, cv2.IMREAD_COLOR)
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        start = time.perf_counter()
        boxes = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24))
        times.append((time.perf_counter() - start) * 1000)
        found[path] = [[float(v) for v in box] for box in boxes]
    return found, times


def small_faces(faces_dir, out_dir):
    """Writes the 3/4/6% set; returns {path: truth boxes} and the manifest rows it came from."""
    import csv

    from PIL import Image

    truth = {}
    rows = list(csv.DictReader(open(os.path.join(faces_dir, "MANIFEST.tsv")), delimiter="\t"))
    for fraction in (0.03, 0.04, 0.06):
        for row in rows:
            boxes = json.loads(row["boxes"] or "[]")
            if not boxes:
                continue
            image = Image.open(os.path.join(faces_dir, row["path"])).convert("RGB")
            scale = fraction * 3000 / min(min(b[2], b[3]) for b in boxes)
            w, h = int(image.width * scale), int(image.height * scale)
            if w > 4000 or h > 3000:
                continue
            canvas = Image.new("RGB", (4000, 3000), (90, 110, 100))
            ox, oy = (4000 - w) // 2, (3000 - h) // 2
            canvas.paste(image.resize((w, h), Image.LANCZOS), (ox, oy))
            path = os.path.join(out_dir, f"{fraction}_{os.path.basename(row['path'])}")
            canvas.save(path, quality=90)
            truth[path] = [[b[0] * scale + ox, b[1] * scale + oy, b[2] * scale, b[3] * scale] for b in boxes]
    return truth


def recall_precision(truth, detections):
    def iou(a, b):
        w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
        h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
        return 0 if w <= 0 or h <= 0 else w * h / (a[2] * a[3] + b[2] * b[3] - w * h)

    found = total = detected = 0
    for path, boxes in truth.items():
        ours = [d[:4] for d in detections.get(path, [])]
        detected += len(ours)
        total += len(boxes)
        used = set()
        for box in boxes:
            best = max(((iou(box, d), i) for i, d in enumerate(ours) if i not in used), default=(0, -1))
            if best[0] >= 0.4:
                found += 1
                used.add(best[1])
    return found, total, detected


def darkroom_detect(darkroom, paths):
    proc = subprocess.run([darkroom, "detect", *paths], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"darkroom detect failed:\n{proc.stderr}")
    times = [float(line.rsplit(" in ", 1)[1].split()[0]) for line in proc.stderr.splitlines() if " faces in " in line]
    return json.loads(proc.stdout), times


def process_seconds(darkroom, recipe, photos, out):
    start = time.perf_counter()
    subprocess.run([darkroom, "process", *photos, "--recipe", recipe, "--out", out, "--jobs", "1"], check=True, capture_output=True)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--darkroom", required=True)
    parser.add_argument("--faces", required=True, help="the labelled set: a folder with MANIFEST.tsv and score.py")
    parser.add_argument("--photos", required=True, help="the bench photos, for the cost of the privacy recipe")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    manifest = os.path.join(args.faces, "MANIFEST.tsv")
    if not os.path.exists(manifest):
        print(f"bench_faces: {manifest} not found: skipped")
        return
    rows = [line.split("\t")[0] for line in open(manifest).read().splitlines()[1:] if line.strip()]
    paths = [os.path.join(args.faces, r) for r in rows]
    score_py = os.path.join(args.faces, "score.py")

    ours, our_times = darkroom_detect(args.darkroom, paths)
    theirs, their_times = haar(paths)
    print("== Face detection on", args.faces, f"({len(paths)} images)")
    print("-- Darkroom (CenterFace, OpenCV DNN, 640 px probe):")
    print(score(score_py, {os.path.relpath(k, args.faces): v for k, v in ours.items()}))
    print("-- Baseline (OpenCV Haar cascade, frontal default):")
    print(score(score_py, {os.path.relpath(k, args.faces): v for k, v in theirs.items()}))
    print(f"detector time per image, median: Darkroom {statistics.median(our_times):.1f} ms, Haar {statistics.median(their_times):.1f} ms "
          f"(ratio {statistics.median(our_times) / max(statistics.median(their_times), 1e-9):.2f}x)")
    with tempfile.TemporaryDirectory() as scratch:
        truth = small_faces(args.faces, scratch)
        ours, _ = darkroom_detect(args.darkroom, list(truth))
        theirs, _ = haar(list(truth))
        print("-- The small-face set (smallest face 3/4/6% of a 4000x3000 frame's shorter side):")
        for fraction in ("0.03", "0.04", "0.06"):
            part = {p: b for p, b in truth.items() if os.path.basename(p).startswith(fraction + "_")}
            for name, found_by in (("Darkroom", ours), ("Haar", theirs)):
                found, total, detected = recall_precision(part, found_by)
                print(f"   {float(fraction) * 100:.0f}%: {name:8} recall {found}/{total} = {found / max(total, 1):.2f}, "
                      f"precision {found}/{detected} = {found / max(detected, 1):.2f}")
    big = sorted(glob.glob(os.path.join(args.photos, "bench_[0-9]_*.jpg")))
    if big:
        _, big_times = darkroom_detect(args.darkroom, big)
        print(f"detector time per 12 MP bench photo (decode excluded), median: {statistics.median(big_times):.1f} ms")

    photos = sorted(glob.glob(os.path.join(args.photos, "bench_[0-9]_*.jpg")))
    if not photos:
        print("no bench photos: the privacy/default cost is skipped")
        return
    times = {"default": [], "privacy": []}
    with tempfile.TemporaryDirectory() as out:
        for round_ in range(args.rounds):
            order = ["default", "privacy"] if round_ % 2 == 0 else ["privacy", "default"]
            for recipe in order:
                times[recipe].append(process_seconds(args.darkroom, recipe, photos, os.path.join(out, f"{recipe}-{round_}")))
    d, p = statistics.median(times["default"]), statistics.median(times["privacy"])
    print(f"== Cost on {len(photos)} bench photos, one job, median of {args.rounds} rounds")
    print(f"default {d / len(photos) * 1000:.0f} ms/photo, privacy {p / len(photos) * 1000:.0f} ms/photo: privacy/default = {p / d:.2f}x "
          "(privacy makes 8 variants to default's 3, and detects once)")


if __name__ == "__main__":
    main()
