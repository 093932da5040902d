#!/usr/bin/env python3
"""`make bench`, scale-out part: PostgreSQL against SQLite, one and two worker processes.

For each metadata store, one `darkroom serve --no-workers` and N `darkroom worker --workers 1`
processes share a data folder; `darkroom loadgen` uploads the bench photos (8 in the pipeline)
and reports finished images/s. Goals on a 2-core machine: PostgreSQL >= 0.95x SQLite at the same
count, and 2 single-job worker processes >= 1.8x one.

Then the queue's own cost per job on PostgreSQL, by pgbench: claim (the worker's
`UPDATE ... FOR UPDATE SKIP LOCKED`) plus complete (the fenced `DELETE`), one client, fsync on.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))
from postgres_server import BIN, Postgres  # noqa: E402


def start(binary, arguments, environment, ready):
    proc = subprocess.Popen([binary, *arguments], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ) | environment)
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stdout.readline()
        match = re.search(ready, line)
        if match:
            subprocess.Popen(["cat"], stdin=proc.stdout, stdout=subprocess.DEVNULL)
            return proc, match
    proc.kill()
    sys.exit(f"{arguments[0]} did not start")


def run_once(binary, photos, metadata, workers, count, environment):
    data = tempfile.mkdtemp(prefix="bench-scale-")
    procs = []
    try:
        common = ["--data", data] + (["--metadata", metadata] if metadata else [])
        api, match = start(binary, ["serve", "--no-workers", "--port", "0", "--log-format", "text", *common], environment,
                           r"listening on [^:\s]+:(\d+)")
        procs.append(api)
        for _ in range(workers):
            worker, _ = start(binary, ["worker", "--workers", "1", *common], environment, r"Darkroom workers starting")
            procs.append(worker)
        done = subprocess.run([binary, "loadgen", f"http://127.0.0.1:{match.group(1)}", "--images", photos, "--concurrency", "8",
                               "--count", str(count), "--form", "raw", "--watch", "poll" if metadata is None else "events", "--json"],
                              capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            sys.exit(f"loadgen failed: {done.stderr}")
        result = json.loads(done.stdout)
        if result["completed"] != count:
            sys.exit(f"only {result['completed']} of {count} completed: {result['errors_by_kind']}")
        return result["throughput"]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(data, ignore_errors=True)


def queue_cost(pg, binary, jobs=2000):
    """ms per claim + complete, from pgbench on a real jobs table."""
    url, name = pg.database()
    subprocess.run([binary, "migrate", "--metadata", url], check=True, capture_output=True)
    pg.psql(name, f"INSERT INTO jobs (image_id, recipe, generation, visible_at, created_at) "
                  f"SELECT 'img' || g, 'default', 1, 0, 0 FROM generate_series(1, {jobs}) AS g")
    script = Path(pg.directory) / "claim.sql"
    script.write_text(
        "WITH claimed AS (UPDATE jobs SET lease_token = md5(random()::text), visible_at = extract(epoch FROM now()) + 120, "
        "attempts = attempts + 1 WHERE id = (SELECT id FROM jobs WHERE state = 'ready' AND visible_at <= extract(epoch FROM now()) "
        "ORDER BY visible_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id, lease_token) "
        "DELETE FROM jobs USING claimed WHERE jobs.id = claimed.id AND jobs.lease_token = claimed.lease_token;\n")
    shutil.chown(script, user="postgres")
    # Claim and complete as two statements, as the worker sends them.
    two = Path(pg.directory) / "two.sql"
    two.write_text(
        "UPDATE jobs SET lease_token = 't' || :client_id, visible_at = extract(epoch FROM now()) + 120, attempts = attempts + 1 "
        "WHERE id = (SELECT id FROM jobs WHERE state = 'ready' AND visible_at <= extract(epoch FROM now()) ORDER BY visible_at, id "
        "LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id \\gset\n"
        "DELETE FROM jobs WHERE id = :id AND lease_token = 't' || :client_id;\n")
    shutil.chown(two, user="postgres")
    out = subprocess.run(["runuser", "-u", "postgres", "--", f"{BIN}/pgbench", "-h", pg.directory, "-p", str(pg.port), "-U", "postgres",
                          "-n", "-c", "1", "-t", str(jobs - 10), "-f", str(two), name], capture_output=True, text=True).stdout
    latency = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))
    return latency


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--darkroom", required=True)
    parser.add_argument("--photos", required=True)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    photos = tempfile.mkdtemp(prefix="bench-scale-photos-")
    for path in sorted(glob.glob(os.path.join(args.photos, "bench_[0-9]_*.jpg"))):
        os.symlink(os.path.abspath(path), os.path.join(photos, os.path.basename(path)))
    pg = Postgres()
    try:
        # fsync stays on: this is the queue a user would run.
        rates = {}
        for round_index in range(args.rounds):
            for workers in (1, 2):
                url, _ = pg.database()
                subprocess.run([args.darkroom, "migrate", "--metadata", url], check=True, capture_output=True)
                for label, metadata in (("sqlite", None), ("postgres", url)):
                    rate = run_once(args.darkroom, photos, metadata, workers, args.count, {})
                    rates.setdefault((label, workers), []).append(rate)
            print(f"  round {round_index + 1}/{args.rounds} done", flush=True)
        cost = queue_cost(pg, args.darkroom)
    finally:
        pg.close()
        shutil.rmtree(photos, ignore_errors=True)

    def median(values):
        values = sorted(values)
        return values[len(values) // 2] if len(values) % 2 else (values[len(values) // 2 - 1] + values[len(values) // 2]) / 2

    print(f"\n{args.count} photos a run, {args.rounds} rounds, medians, single-job worker processes")
    print(f"{'measure':<52} value")
    for workers in (1, 2):
        s, p = median(rates[("sqlite", workers)]), median(rates[("postgres", workers)])
        print(f"{f'{workers} worker process(es): SQLite / PostgreSQL images/s':<52} {s:.2f} / {p:.2f}")
        print(f"{f'  PostgreSQL / SQLite (>= 0.95x)':<52} {p / s:.2f}x")
    for label in ("sqlite", "postgres"):
        one, two = median(rates[(label, 1)]), median(rates[(label, 2)])
        print(f"{f'{label}: 2 processes / 1 (>= 1.8x)':<52} {two / one:.2f}x")
    print(f"{'PostgreSQL queue cost, claim + complete (ms/job)':<52} {cost:.3f}")


if __name__ == "__main__":
    main()
