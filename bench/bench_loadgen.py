#!/usr/bin/env python3
"""`make bench`, load part: `darkroom loadgen` against `darkroom serve`, and against wrk.

Reports:
- the knee on this machine: the highest upload rate (images/s, the bench photos) at which the
  p99 of upload -> COMPLETED stays under --knee-ms, from a stepped open-loop ramp;
- upload -> COMPLETED latency at closed-loop concurrency 1 and 4;
- that the generator is never the bottleneck: one core of it (taskset) against /healthz on a
  server pinned to the other core, as a multiple of the server's image throughput;
- GETs against wrk (Debian's), same endpoint, same connections, same pinning, in one run:
  requests/s as a ratio, and p50/p99.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time


def start_server(binary, data, pin):
    command = [binary, "serve", "--host", "127.0.0.1", "--port", "0", "--data", data, "--log-format", "text"]
    if pin is not None and shutil.which("taskset"):
        command = ["taskset", "-c", str(pin)] + command
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        line = proc.stdout.readline()
        match = re.search(r"listening on [^:\s]+:(\d+)", line)
        if match:
            subprocess.Popen(["cat"], stdin=proc.stdout, stdout=subprocess.DEVNULL)
            return proc, f"http://127.0.0.1:{match.group(1)}"
    proc.kill()
    sys.exit("darkroom serve did not start")


def loadgen(binary, *arguments, pin=None):
    command = [binary, "loadgen", *arguments, "--json"]
    if pin is not None and shutil.which("taskset"):
        command = ["taskset", "-c", str(pin)] + command
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        sys.exit(f"loadgen failed ({done.returncode}): {done.stderr}")
    return json.loads(done.stdout)


def wrk(url, connections, seconds, pin):
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if pin is not None and shutil.which("taskset"):
        command = ["taskset", "-c", str(pin)] + command
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return rate, ms("50"), ms("99")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--darkroom", required=True)
    parser.add_argument("--photos", required=True)
    parser.add_argument("--ramp", default="2:2:14")
    parser.add_argument("--step-duration", default="10s")
    parser.add_argument("--knee-ms", default="3000")
    parser.add_argument("--get-seconds", type=int, default=5)
    args = parser.parse_args()
    photos = tempfile.mkdtemp(prefix="bench-load-photos-")
    for path in sorted(glob.glob(os.path.join(args.photos, "bench_[0-9]_*.jpg"))):
        os.symlink(os.path.abspath(path), os.path.join(photos, os.path.basename(path)))
    cores = os.cpu_count() or 1
    rows = []

    data = tempfile.mkdtemp(prefix="bench-load-")
    server, url = start_server(args.darkroom, data, None)
    try:
        ramp = loadgen(args.darkroom, url, "--images", photos, "--ramp", args.ramp, "--step-duration", args.step_duration,
                       "--knee-ms", args.knee_ms)
        closed = {c: loadgen(args.darkroom, url, "--images", photos, "--concurrency", str(c), "--count", str(10 * c)) for c in (1, 4)}
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(data, ignore_errors=True)

    best = max((step["throughput"] for step in ramp["ramp"]), default=0)
    print(f"\nknee ramp {args.ramp} images/s, {args.step_duration} a step, p99 upload->COMPLETED under {args.knee_ms} ms, {cores} cores")
    print("  rate/s  completed/s   p99 ms  errors")
    for step in ramp["ramp"]:
        print(f"  {step['rate']:6.1f}  {step['throughput']:11.2f}  {step['p99Milliseconds']:7.0f}  {step['errors']:6d}"
              + ("" if step["withinThreshold"] else "  over"))
    knee = ramp.get("knee")
    rows.append(("knee (images/s)", f"{knee:.1f}" if knee else "not reached"))
    rows.append(("best completed images/s in the ramp", f"{best:.2f}"))
    for c, result in closed.items():
        complete = result["latency_ms"]["complete"]
        rows.append((f"upload->COMPLETED p50 / p99 at concurrency {c} (ms)", f"{complete['p50']:.0f} / {complete['p99']:.0f}"))

    # GETs: the server on one core, the client on the other.
    data = tempfile.mkdtemp(prefix="bench-load-get-")
    server, url = start_server(args.darkroom, data, 1 if cores > 1 else None)
    try:
        urls = os.path.join(data, "urls.txt")
        with open(urls, "w") as f:
            f.write(url + "/healthz\n")
        pin = 0 if cores > 1 else None
        ours = loadgen(args.darkroom, "--get", urls, "--concurrency", "2", "--duration", f"{args.get_seconds}s", pin=pin)
        theirs = wrk(url + "/healthz", 2, args.get_seconds, pin)
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(data, ignore_errors=True)
    ours_rate = ours["throughput"]
    rows.append(("loadgen GET /healthz, 1 core, 2 connections (req/s)", f"{ours_rate:.0f}"))
    rows.append(("  as a multiple of the best image throughput (>= 10x)", f"{ours_rate / max(best, 0.01):.0f}x"))
    rows.append(("wrk GET /healthz, same (req/s)", f"{theirs[0]:.0f}"))
    rows.append(("ratio loadgen / wrk, requests/s", f"{ours_rate / theirs[0]:.2f}x"))
    rows.append(("p50 ms loadgen / wrk", f"{ours['latency_ms']['accept']['p50']:.3f} / {theirs[1]:.3f}"))
    rows.append(("p99 ms loadgen / wrk", f"{ours['latency_ms']['accept']['p99']:.3f} / {theirs[2]:.3f}"))
    shutil.rmtree(photos, ignore_errors=True)

    width = max(len(name) for name, _ in rows)
    print(f"\n{'measure'.ljust(width)}  value")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
