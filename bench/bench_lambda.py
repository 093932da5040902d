#!/usr/bin/env python3
"""`darkroom lambda`: the cold start (exec to the first `/next`) and the cost of one S3-event
invocation, against `darkroom process` on the same photo.

- cold:   the binary is started with AWS_LAMBDA_RUNTIME_API pointing at the Runtime API emulator
          of e2e/lambda_emulators.py; timed from exec to its first GET /next, after the backends
          (moto's DynamoDB, S3 and SNS, signatures checked) are prepared. Repeated --starts times.
- invoke: a warm function gets one S3 event per photo copy (a new key each time), timed from the
          event handed out to the answer posted: HEAD, GET, the probe, the default recipe's three
          variants, three PUTs, the record's writes and the SNS publish, all on moto.
- process: `darkroom process PHOTO --recipe default` on the same photo, timed as a whole command
          (process start, decode, three variants, writes to local disk).

moto stands in for AWS, so both Lambda figures include moto's own (Python) cost per request.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "e2e"))

from darkroom_process import DarkroomProcess  # noqa: E402
from lambda_emulators import FaultyRuntime  # noqa: E402
from moto_server import Moto  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--darkroom", default=str(ROOT / ".build" / "release" / "darkroom"))
    parser.add_argument("--photos", default=str(ROOT.parent / "shared" / "corpus" / "bench"))
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--invocations", type=int, default=10)
    arguments = parser.parse_args()
    import darkroom_process
    darkroom_process.BINARY = Path(arguments.darkroom)
    photo = sorted(Path(arguments.photos).glob("*.jpg"))[0]
    data = photo.read_bytes()

    moto = Moto(signed=True)
    try:
        s3, sns = moto.client("s3"), moto.client("sns")
        bucket = f"bench-{uuid.uuid4().hex[:8]}"
        s3.create_bucket(Bucket=bucket)
        topic = sns.create_topic(Name=f"bench-{uuid.uuid4().hex[:6]}")["TopicArn"]
        table = f"bench-{uuid.uuid4().hex[:8]}"
        environment = moto.environment() | {
            "DARKROOM_EVENTS_INPUT": f"s3://{bucket}/incoming/", "DARKROOM_EVENTS_OUTPUT": f"s3://{bucket}/processed/",
            "DARKROOM_METADATA": f"dynamodb://{table}", "DARKROOM_NOTIFY": f"sns://{topic}", "DARKROOM_DYNAMODB_CREATE_TABLE": "true",
        }
        colds = []
        invocations = []
        for start in range(arguments.starts):
            runtime = FaultyRuntime()
            with tempfile.TemporaryDirectory() as folder:
                began = time.time()
                function = DarkroomProcess(["lambda"], environment=environment | {"AWS_LAMBDA_RUNTIME_API": runtime.runtime_api,
                                                                                   "DARKROOM_DATA": folder})
                try:
                    while runtime.first_next_at is None:
                        assert function.process.poll() is None, "".join(function.lines)
                        time.sleep(0.002)
                    colds.append(runtime.first_next_at - began)
                    if start == 0:
                        for index in range(arguments.invocations + 1):
                            key = f"incoming/{index}-{photo.name}"
                            etag = s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType="image/jpeg")["ETag"].strip('"')
                            event = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                                                  "s3": {"bucket": {"name": bucket}, "object": {"key": key, "size": len(data), "eTag": etag}}}]}
                            sent = time.time()
                            request_id, _ = runtime.send(event)
                            kind, at, body = runtime.outcome(request_id, timeout=120)
                            assert kind == "response" and json.loads(body)["completed"] == 1, body
                            if index > 0:  # the first warms the connections
                                invocations.append(at - sent)
                finally:
                    function.stop()
                    runtime.stop()
    finally:
        moto.stop()

    processes = []
    for _ in range(arguments.invocations):
        with tempfile.TemporaryDirectory() as out:
            began = time.time()
            done = subprocess.run([arguments.darkroom, "process", str(photo), "--recipe", "default", "--out", out], capture_output=True)
            assert done.returncode == 0, done.stderr
            processes.append(time.time() - began)

    cold, invoke, process = statistics.median(colds), statistics.median(invocations), statistics.median(processes)
    width, height = subprocess.run(["vipsheader", "-f", "width", str(photo)], capture_output=True, text=True).stdout.strip(), \
        subprocess.run(["vipsheader", "-f", "height", str(photo)], capture_output=True, text=True).stdout.strip()
    print(f"photo: {photo.name} ({width}x{height}, {len(data) / 1e6:.1f} MB), recipe default (3 variants)")
    print(f"cold start, exec to first /next (median of {len(colds)}): {cold * 1000:.0f} ms  [{', '.join(f'{c * 1000:.0f}' for c in colds)}]")
    print(f"S3-event invocation, warm (median of {len(invocations)}): {invoke * 1000:.0f} ms")
    print(f"darkroom process, whole command (median of {len(processes)}): {process * 1000:.0f} ms")
    print(f"invocation / process: {invoke / process:.2f}x")


if __name__ == "__main__":
    main()
