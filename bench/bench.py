#!/usr/bin/env python3
"""`make bench`: Darkroom's `default` recipe against its peers, in one interleaved run.

Every implementation makes the same three JPEGs (150/800/1600 px boxes, q85) from the same
4032x3024 photos. Each round runs every implementation once single-threaded and once on all
cores, in a rotated order, so machine noise lands on all of them alike. Reported: the median
ms per image single-threaded, images/s on all cores, peak RSS, and ratios against Darkroom.
Start-up is included for every implementation, and amortised over the same number of images.
"""
import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run_timed(cmd, env):
    """Runs a command; returns (seconds, peak RSS in MB) from wait4's rusage."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"benchmark command failed: {' '.join(cmd[:3])} ...\n{err}")
    return seconds, usage.ru_maxrss / 1024.0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--darkroom", required=True)
    parser.add_argument("--photos", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--copies", type=int, default=4, help="each photo is processed this many times per run")
    args = parser.parse_args()

    photos = sorted(glob.glob(os.path.join(args.photos, "bench_[0-9]_*.jpg")))
    if not photos:
        sys.exit(f"no bench_N_*.jpg photos in {args.photos}")
    files = photos * args.copies
    cores = os.cpu_count() or 1
    py = sys.executable
    peers = os.path.join(HERE, "peers.py")
    impls = {
        "darkroom": lambda out, jobs: [args.darkroom, "process", *files, "--recipe", "default", "--out", out, "--jobs", str(jobs)],
        "seed-pillow": lambda out, jobs: [py, peers, "seed-pillow", "--out", out, "--jobs", str(jobs), *files],
        "best-pillow": lambda out, jobs: [py, peers, "best-pillow", "--out", out, "--jobs", str(jobs), *files],
        "best-pyvips": lambda out, jobs: [py, peers, "best-pyvips", "--out", out, "--jobs", str(jobs), *files],
    }
    names = list(impls)
    single = {n: [] for n in names}
    multi = {n: [] for n in names}
    rss = {n: 0.0 for n in names}
    env = dict(os.environ)
    single_env = dict(env, VIPS_CONCURRENCY="1", OMP_NUM_THREADS="1")
    print(f"{len(photos)} photos x {args.copies} = {len(files)} images per run, {args.rounds} rounds, {cores} cores", flush=True)
    for r in range(args.rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            out = tempfile.mkdtemp(prefix=f"bench-{name}-")
            try:
                seconds, peak = run_timed(impls[name](out, 1), single_env)
                single[name].append(seconds * 1000 / len(files))
                rss[name] = max(rss[name], peak)
                shutil.rmtree(out, ignore_errors=True)
                os.makedirs(out)
                seconds, _ = run_timed(impls[name](out, cores), env)
                multi[name].append(len(files) / seconds)
            finally:
                shutil.rmtree(out, ignore_errors=True)
        print(f"  round {r + 1}/{args.rounds} done", flush=True)

    base_ms = statistics.median(single["darkroom"])
    base_rate = statistics.median(multi["darkroom"])
    print()
    print(f"{'implementation':<14} {'ms/image (1 thread)':>20} {'peer ÷ darkroom':>16} {'images/s (' + str(cores) + ' cores)':>20} {'darkroom ÷ peer':>16} {'peak RSS MB':>12}")
    for name in names:
        ms = statistics.median(single[name])
        rate = statistics.median(multi[name])
        print(f"{name:<14} {ms:>20.1f} {ms / base_ms:>15.2f}x {rate:>20.2f} {base_rate / rate:>15.2f}x {rss[name]:>12.0f}")
    print()
    print("Ratios above 1.00x mean Darkroom is faster. Medians over rounds; every run includes process start-up.")


if __name__ == "__main__":
    main()
