#!/usr/bin/env python3
"""`make bench`, service part: Darkroom over HTTP against `darkroom process` on the same photos.

The HTTP side is driven by `darkroom loadgen` (raw uploads, completion heard on the server's
own event stream). Reports, for the `default` recipe:
- upload → COMPLETED throughput over HTTP (8 images in the pipeline, so the workers never wait), as a ratio to
  `darkroom process` on all cores;
- p50 and p90 upload → COMPLETED latency with 1 and 4 images in the pipeline;
- peak memory of the whole service: the server and its render children, sampled together
  every 50 ms (the largest sum seen), beside the server process's own peak RSS.
"""
import argparse
import glob
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time


class Server:
    def __init__(self, binary, data):
        self.proc = subprocess.Popen(
            [binary, "serve", "--host", "127.0.0.1", "--port", "0", "--data", data],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.port = None
        deadline = time.time() + 30
        while time.time() < deadline and self.port is None:
            line = self.proc.stdout.readline()
            match = re.search(r"listening on [^:\s]+:(\d+)", line)
            if match:
                self.port = int(match.group(1))
        if self.port is None:
            self.stop()
            sys.exit("darkroom serve did not start")
        threading.Thread(target=self._drain, daemon=True).start()
        self.peak_tree_kb = 0
        threading.Thread(target=self._sample_tree, daemon=True).start()
        time.sleep(0.3)

    def _tree_rss_kb(self):
        """RSS of the server and every process under it (the render children)."""
        children = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
            except OSError:
                continue
        total, pending = 0, [self.proc.pid]
        while pending:
            pid = pending.pop()
            pending += children.get(pid, [])
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
            except OSError:
                pass
        return total

    def _sample_tree(self):
        while self.proc.poll() is None:
            self.peak_tree_kb = max(self.peak_tree_kb, self._tree_rss_kb())
            time.sleep(0.05)

    def _drain(self):
        for _ in self.proc.stdout:
            pass

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def peak_rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def loadgen(binary, url, photos, concurrency, count):
    """`darkroom loadgen` with `concurrency` images in the pipeline: its JSON result."""
    done = subprocess.run(
        [binary, "loadgen", url, "--images", photos, "--concurrency", str(concurrency), "--count", str(count), "--form", "raw", "--json"],
        capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        sys.exit(f"loadgen failed: {done.stderr}")
    result = json.loads(done.stdout)
    if result["completed"] != count:
        sys.exit(f"only {result['completed']} of {count} images COMPLETED: {result['errors_by_kind']}")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--darkroom", required=True)
    parser.add_argument("--photos", required=True)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    photos = sorted(glob.glob(os.path.join(args.photos, "bench_[0-9]_*.jpg")))
    files = photos * args.copies
    cores = os.cpu_count() or 1
    folder = tempfile.mkdtemp(prefix="bench-photos-")
    for path in photos:
        os.symlink(os.path.abspath(path), os.path.join(folder, os.path.basename(path)))

    http_rates, process_rates = [], []
    for r in range(args.rounds):
        data = tempfile.mkdtemp(prefix="bench-serve-")
        out = tempfile.mkdtemp(prefix="bench-process-")
        try:
            start = time.perf_counter()
            subprocess.run([args.darkroom, "process", *files, "--out", out, "--jobs", str(cores)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            process_rates.append(len(files) / (time.perf_counter() - start))

            server = Server(args.darkroom, data)
            try:
                http_rates.append(loadgen(args.darkroom, server.url, folder, 8, len(files))["throughput"])
            finally:
                server.stop()
        finally:
            shutil.rmtree(data, ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)
        print(f"  throughput round {r + 1}/{args.rounds} done", flush=True)

    data = tempfile.mkdtemp(prefix="bench-serve-")
    server = Server(args.darkroom, data)
    try:
        lat1 = loadgen(args.darkroom, server.url, folder, 1, 2 * len(photos))["latency_ms"]["complete"]
        lat4 = loadgen(args.darkroom, server.url, folder, 4, 4 * len(photos))["latency_ms"]["complete"]
        rss = server.peak_rss_mb()
        tree = server.peak_tree_kb / 1024
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)

    http_rate = statistics.median(http_rates)
    process_rate = statistics.median(process_rates)
    # Each round runs both back to back, so the ratio is taken per round (the machine's speed
    # drifts between rounds), then the median of those.
    ratios = sorted(h / p for h, p in zip(http_rates, process_rates))
    ratio = statistics.median(ratios)
    print()
    print(f"{len(files)} photos per throughput run, {args.rounds} rounds, {cores} cores, recipe default")
    print(f"{'measure':<46} {'value':>12}")
    print(f"{'darkroom process, images/s (all cores)':<46} {process_rate:>12.2f}")
    print(f"{'HTTP upload -> COMPLETED, images/s':<46} {http_rate:>12.2f}")
    print(f"{'ratio HTTP / process, median of rounds (>= 0.9)':<46} {ratio:>11.2f}x")
    print(f"{'  per round':<46} {' '.join(f'{r:.2f}' for r in ratios):>12}")
    print(f"{'latency p50 / p90, 1 image in the pipeline (ms)':<46} {lat1['p50']:>6.0f} / {lat1['p90']:<5.0f}")
    print(f"{'latency p50 / p90, 4 images in the pipeline (ms)':<46} {lat4['p50']:>6.0f} / {lat4['p90']:<5.0f}")
    print(f"{'server process peak RSS (MB)':<46} {rss:>12.0f}")
    print(f"{'whole service peak RSS, all processes (MB)':<46} {tree:>12.0f}")


if __name__ == "__main__":
    main()
