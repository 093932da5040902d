#!/usr/bin/env python3
"""Memory over time: the whole service under a steady load, beside pyvips on the same recipe.

`darkroom serve` (workers and render children as shipped) takes 4 uploads of the 12 MP bench
JPEGs in flight continuously (`darkroom loadgen --concurrency 4 --duration`), while every
process under it is sampled together every 200 ms: the server, and the render children summed.
Reported: the whole service's peak, its peak in the first and the last minute (flat means the
last within 10% of the first), the server's and a child's own peaks, and an SVG chart of the run.
The peer is pyvips (libvips's own binding, the same library) making the default recipe's three
variants from one photo in a fresh process: its peak RSS per job.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

PYVIPS_JOB = r'''
import resource, sys, pyvips
pyvips.cache_set_max(0)
for path in sys.argv[1:]:
    for width, name in [(150, "thumbnail"), (800, "medium"), (1600, "large")]:
        image = pyvips.Image.thumbnail(path, width, height=width)
        image.jpegsave(f"/tmp/pyvips-{name}.jpg", Q=85, strip=True)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
'''


def processes_under(root):
    """{pid: (command name, RSS kB)} for `root` and every process below it."""
    parents, names = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
            name = text[text.index("(") + 1:text.rindex(")")]
            parents.setdefault(int(text.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
            names[int(entry)] = name
        except (OSError, ValueError):
            continue
    found, pending = {}, [root]
    while pending:
        pid = pending.pop()
        pending += parents.get(pid, [])
        try:
            with open(f"/proc/{pid}/status") as f:
                rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                kind = "child" if b"render-child" in f.read() else "server"
            found[pid] = (kind, rss)
        except (OSError, StopIteration):
            continue
    return found


class Sampler:
    def __init__(self, pid, every=0.2):
        self.pid, self.every, self.samples, self.running = pid, every, [], True
        self.started = time.time()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while self.running:
            tree = processes_under(self.pid)
            server = sum(rss for kind, rss in tree.values() if kind == "server")
            children = [rss for kind, rss in tree.values() if kind == "child"]
            self.samples.append((time.time() - self.started, server, sum(children), max(children, default=0)))
            time.sleep(self.every)


def chart(samples, path, title):
    """A small SVG line chart of the whole service, the server and the children, in MB."""
    width, height, pad = 760, 300, 50
    end = max(s[0] for s in samples)
    top = max(s[1] + s[2] for s in samples) / 1024 * 1.1
    def point(t, kb):
        return f"{pad + (width - 2 * pad) * t / end:.1f},{height - pad - (height - 2 * pad) * (kb / 1024) / top:.1f}"
    lines = []
    for index, colour, label in [(None, "#222", "whole service"), (1, "#1f77b4", "server"), (2, "#d62728", "render children")]:
        values = [(s[0], s[1] + s[2] if index is None else s[index]) for s in samples]
        lines.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{" ".join(point(t, v) for t, v in values)}"/>')
        lines.append(f'<text x="{width - pad - 150}" y="{pad + 16 * len(lines) / 2}" fill="{colour}" font-size="12">{label}</text>')
    axis = [f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#888"/>',
            f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#888"/>']
    for mb in range(0, int(top) + 1, max(25, int(top / 5 / 25) * 25 or 25)):
        y = height - pad - (height - 2 * pad) * mb / top
        axis.append(f'<text x="5" y="{y + 4:.1f}" font-size="11">{mb} MB</text>')
    for second in range(0, int(end) + 1, max(30, int(end / 6 / 30) * 30 or 30)):
        x = pad + (width - 2 * pad) * second / end
        axis.append(f'<text x="{x - 10:.1f}" y="{height - pad + 18}" font-size="11">{second} s</text>')
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif">'
           f'<text x="{pad}" y="20" font-size="14">{title}</text>' + "".join(axis + lines) + "</svg>")
    with open(path, "w") as handle:
        handle.write(svg)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--darkroom", required=True)
    parser.add_argument("--photos", required=True)
    parser.add_argument("--duration", default="300s")
    parser.add_argument("--chart", default="memory.svg")
    args = parser.parse_args()
    photos = sorted(glob.glob(os.path.join(args.photos, "bench_[0-9]_*.jpg")))
    if not photos:
        print(f"bench_memory: no photos in {args.photos}; skipped")
        return 0
    folder = tempfile.mkdtemp(prefix="bench-memory-photos-")
    for path in photos:
        os.symlink(os.path.abspath(path), os.path.join(folder, os.path.basename(path)))
    data = tempfile.mkdtemp(prefix="bench-memory-")
    server = subprocess.Popen([args.darkroom, "serve", "--host", "127.0.0.1", "--port", "0", "--data", data],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    port = None
    deadline = time.time() + 30
    while port is None and time.time() < deadline:
        match = re.search(r"listening on [^:\s]+:(\d+)", server.stdout.readline())
        port = int(match.group(1)) if match else None
    if port is None:
        server.kill()
        sys.exit("darkroom serve did not start")
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
    sampler = Sampler(server.pid)
    try:
        done = subprocess.run(
            [args.darkroom, "loadgen", f"http://127.0.0.1:{port}", "--images", folder, "--concurrency", "4",
             "--duration", args.duration, "--form", "raw", "--json"], capture_output=True, text=True, timeout=3600)
    finally:
        sampler.running = False
        time.sleep(0.3)
        server.terminate()
        server.wait(timeout=20)
    if done.returncode != 0:
        sys.exit(f"loadgen failed: {done.stderr[-2000:]}")
    samples = [s for s in sampler.samples if s[1] > 0]
    end = samples[-1][0]
    whole = [s[1] + s[2] for s in samples]
    first = max(s[1] + s[2] for s in samples if s[0] <= min(60, end / 5))
    last = max(s[1] + s[2] for s in samples if s[0] >= end - min(60, end / 5))
    pyvips = subprocess.run([sys.executable, "-c", PYVIPS_JOB, photos[0]], capture_output=True, text=True, check=True)
    pyvips_kb = int(pyvips.stdout.split()[-1])
    baseline = subprocess.run([sys.executable, "-c", "import resource, pyvips; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"],
                              capture_output=True, text=True, check=True)
    pyvips_job = (pyvips_kb - int(baseline.stdout.split()[-1])) / 1024
    chart(samples, args.chart, f"darkroom serve, 4 uploads of 12 MP JPEGs in flight, {end:.0f} s")
    import json
    result = json.loads(done.stdout)
    print(f"memory under load ({end:.0f} s, {result.get('completed')} images COMPLETED, 4 in flight; chart: {args.chart})")
    print(f"  whole service peak:  {max(whole) / 1024:.0f} MB (server {max(s[1] for s in samples) / 1024:.0f} MB, "
          f"children together {max(s[2] for s in samples) / 1024:.0f} MB, one child {max(s[3] for s in samples) / 1024:.0f} MB)")
    print(f"  first-window peak {first / 1024:.0f} MB, last-window peak {last / 1024:.0f} MB: last/first = {last / first:.2f}")
    print(f"  pyvips, the same three variants of one photo: {pyvips_job:.0f} MB above its interpreter; one Darkroom child at most "
          f"{max(s[3] for s in samples) / 1024:.0f} MB whole")
    return 0


if __name__ == "__main__":
    sys.exit(main())
