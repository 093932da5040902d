#!/usr/bin/env python3
"""`make bench`, on-the-fly part: Darkroom's thumbor dialect against thumbor 7.8 (PyPI), same URLs.

The task: fit 2040×1530 JPEGs (the bench photos, scaled) into 512×512 at quality 80 over HTTP,
`/unsafe/fit-in/512x512/filters:quality(80)/photoN.jpg`, rotating over the photos. wrk
(Debian's) at 2 connections, the same for both servers, in one run:
- Darkroom with the cache off (`transform.cache: false`): every request renders;
- thumbor with its defaults (one process), and with one process per core (its best here);
- Darkroom with the cache on, primed: cache hits, as a multiple of renders.

Reports requests/s and p95 latency (wrk's own histogram, through a Lua `done` hook), the
ratios, and each server's peak resident memory under the load (the whole process tree:
Darkroom's render children included).
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))
from thumbor_server import ThumborServer  # noqa: E402

URL = "/unsafe/fit-in/512x512/filters:quality(80)/photo{}.jpg"

LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format("P95_US %%d\\n", latency:percentile(95)))
  io.write(string.format("P50_US %%d\\n", latency:percentile(50)))
  io.write(string.format("ERRORS %%d\\n", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
"""


def tree_rss(pid):
    """Resident kB of a process and all its descendants."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
            with open(f"/proc/{current}/task/{current}/children") as children:
                pending += [int(child) for child in children.read().split()]
        except (OSError, StopIteration):
            continue
    return total


def wrk(base, prefix, count, seconds, pid, workdir):
    script = Path(workdir) / "paths.lua"
    script.write_text(LUA % ", ".join(f'"{prefix}{URL.format(i + 1)}"' for i in range(count)))
    command = ["wrk", "-t1", "-c2", f"-d{seconds}s", "-s", str(script), base]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(pid))
        time.sleep(0.2)
    out = process.stdout.read()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p95 = int(re.search(r"P95_US (\d+)", out).group(1)) / 1000
    p50 = int(re.search(r"P50_US (\d+)", out).group(1)) / 1000
    errors = int(re.search(r"ERRORS (\d+)", out).group(1))
    if errors:
        sys.exit(f"wrk saw {errors} errors against {base}{prefix}:\n{out}")
    return rate, p50, p95, peak / 1024


def start_darkroom(binary, data, root, cache):
    env = dict(os.environ)
    if os.environ.get("BENCH_ISOLATION"):
        env["DARKROOM_WORKER_ISOLATION"] = os.environ["BENCH_ISOLATION"]
    env.update({"DARKROOM_TRANSFORM_ROOT": root, "DARKROOM_TRANSFORM_ALLOW_UNSIGNED": "true",
                "DARKROOM_TRANSFORM_CACHE": "true" if cache else "false"})
    command = [binary, "serve", "--host", "127.0.0.1", "--port", "0", "--data", data, "--no-workers", "--log-format", "text"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        match = re.search(r"listening on [^:\s]+:(\d+)", process.stdout.readline())
        if match:
            subprocess.Popen(["cat"], stdin=process.stdout, stdout=subprocess.DEVNULL)
            return process, f"http://127.0.0.1:{match.group(1)}"
    process.kill()
    sys.exit("darkroom serve did not start")


def warm(base, prefix, count):
    for i in range(count):
        with urllib.request.urlopen(base + prefix + URL.format(i + 1), timeout=60) as response:
            response.read()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--darkroom", default=".build/release/darkroom")
    parser.add_argument("--photos", required=True)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    sources = sorted(glob.glob(os.path.join(args.photos, "bench_*_4032x3024.jpg")))
    if not sources:
        sys.exit(f"no bench photos in {args.photos}")
    cores = os.cpu_count() or 2
    with tempfile.TemporaryDirectory() as work:
        root = Path(work) / "root"
        root.mkdir()
        for index, source in enumerate(sources):
            subprocess.run(["vips", "thumbnail", source, f"{root}/photo{index + 1}.jpg[Q=90]", "2040"], check=True)
        count = len(sources)
        rows = []

        darkroom, base = start_darkroom(args.darkroom, f"{work}/data", str(root), cache=False)
        try:
            warm(base, "/thumbor", count)
            ours = wrk(base, "/thumbor", count, args.seconds, darkroom.pid, work)
        finally:
            darkroom.terminate()
            darkroom.wait(15)

        peers = {}
        for processes in sorted({1, cores}):
            with ThumborServer(root, work, "unused-key-1234", processes=processes) as thumbor:
                warm(thumbor.url, "", count)
                peers[processes] = wrk(thumbor.url, "", count, args.seconds, thumbor.process.pid, work)

        cached, base = start_darkroom(args.darkroom, f"{work}/data-cached", str(root), cache=True)
        try:
            warm(base, "/thumbor", count)
            hits = wrk(base, "/thumbor", count, args.seconds, cached.pid, work)
        finally:
            cached.terminate()
            cached.wait(15)

    best = max(peers, key=lambda p: peers[p][0])
    rows.append(("Darkroom, cache off: requests/s, p50 ms, p95 ms, peak RSS MB", ours))
    for processes, figures in peers.items():
        rows.append((f"thumbor 7.8, {processes} process(es): requests/s, p50 ms, p95 ms, peak RSS MB", figures))
    rows.append(("Darkroom, cache hits: requests/s, p50 ms, p95 ms, peak RSS MB", hits))
    print(f"\nOn-the-fly fit 512x512 q80 from 2040x1530 JPEGs, wrk -c2, {args.seconds} s each, {cores} cores")
    for label, (rate, p50, p95, rss) in rows:
        print(f"  {label}: {rate:.1f}, {p50:.1f}, {p95:.1f}, {rss:.0f}")
    for processes, figures in peers.items():
        print(f"  Darkroom / thumbor ({processes} process(es)), requests/s: {ours[0] / figures[0]:.2f}x (goal >= 1.25x);"
              f" p95 {ours[2]:.1f} vs {figures[2]:.1f} ms")
    print(f"  Against thumbor at its best here ({best} process(es)): {ours[0] / peers[best][0]:.2f}x")
    print(f"  Cache hits / renders, requests/s: {hits[0] / ours[0]:.1f}x (goal >= 10x)")


if __name__ == "__main__":
    main()
