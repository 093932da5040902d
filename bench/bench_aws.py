#!/usr/bin/env python3
"""Images/s through the AWS-native path against the embedded one, on the same photos.

- aws:   boto3 puts each photo into an S3 bucket on moto_server (signatures checked); S3 notifies
         SQS; `darkroom worker --events` processes; variants go to an output bucket and records to
         DynamoDB, and SNS is notified. Timed from the first put to the last COMPLETED item.
- local: `darkroom serve` on files and SQLite; each photo is POSTed to the API. Timed from the
         first upload to the last COMPLETED record.

Both run 2 workers with the default recipe. moto stands in for AWS, so the AWS figure includes
moto's own (Python) cost per request; it is a floor, not a forecast for real S3.
"""

import argparse
import os
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "e2e"))

from darkroom_process import DarkroomProcess, run, serve  # noqa: E402
from moto_server import Moto  # noqa: E402


def cpu_seconds(pid):
    """User + system CPU time of a process so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def aws_run(photos, count, workers):
    moto = Moto(signed=True)
    try:
        s3, sqs = moto.client("s3"), moto.client("sqs")
        tag = uuid.uuid4().hex[:8]
        source, output, queue_name, table = f"in-{tag}", f"out-{tag}", f"events-{tag}", f"images-{tag}"
        s3.create_bucket(Bucket=source)
        s3.create_bucket(Bucket=output)
        queue = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        s3.put_bucket_notification_configuration(
            Bucket=source, NotificationConfiguration={"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]}
        )
        topic = moto.client("sns").create_topic(Name=f"done-{tag}")["TopicArn"]
        code, out = run(["migrate", "--metadata", f"dynamodb://{table}"], environment=moto.environment())
        assert code == 0, out
        with tempfile.TemporaryDirectory() as data:
            worker = DarkroomProcess(
                ["worker", "--events", f"sqs://{queue_name}", "--input", f"s3://{source}/incoming", "--output", f"s3://{output}/variants",
                 "--metadata", f"dynamodb://{table}", "--notify", f"sns://{topic}", "--data", data, "--workers", str(workers)],
                environment=moto.environment(),
            ).wait_for_log("Darkroom workers starting")
            try:
                items = moto.resource("dynamodb").Table(table)
                moto_cpu, worker_cpu = cpu_seconds(moto.process.pid), cpu_seconds(worker.process.pid)
                started = time.perf_counter()
                for index in range(count):
                    photo = photos[index % len(photos)]
                    s3.put_object(Bucket=source, Key=f"incoming/{index}-{photo.name}", Body=photo.read_bytes(), ContentType="image/jpeg")
                uploaded = time.perf_counter() - started
                while True:
                    done = [i for i in items.scan()["Items"] if i.get("status") in ("COMPLETED", "FAILED")]
                    if len(done) >= count:
                        break
                    time.sleep(0.1)
                elapsed = time.perf_counter() - started
                assert all(i["status"] == "COMPLETED" for i in done)
                moto_cpu, worker_cpu = cpu_seconds(moto.process.pid) - moto_cpu, cpu_seconds(worker.process.pid) - worker_cpu
                print(
                    f"  aws: the {count} puts took {uploaded:.2f} s of {elapsed:.2f} s; CPU used: moto {moto_cpu:.2f} s, worker {worker_cpu:.2f} s",
                    flush=True,
                )
            finally:
                worker.stop()
        return count / elapsed
    finally:
        moto.stop()


def local_run(photos, count, workers):
    with tempfile.TemporaryDirectory() as data:
        server = serve(Path(data) / "data", "--workers", str(workers))
        try:
            started = time.perf_counter()
            for index in range(count):
                photo = photos[index % len(photos)]
                status, _ = server.api("POST", "/api/images", photo.read_bytes(), {"Content-Type": "image/jpeg", "X-Filename": photo.name})
                assert status == 202
            while len(server.api("GET", "/api/images?status=COMPLETED&limit=100")[1]["images"]) < count:
                time.sleep(0.1)
            return count / (time.perf_counter() - started)
        finally:
            server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", default=str(ROOT.parent / "shared" / "corpus" / "bench"))
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    photos = sorted(Path(args.photos).glob("*.jpg"))
    if not photos:
        sys.exit(f"no photos in {args.photos}")
    results = {"aws": [], "local": []}
    for round_number in range(args.rounds):
        results["local"].append(local_run(photos, args.count, args.workers))
        results["aws"].append(aws_run(photos, args.count, args.workers))
        print(f"round {round_number + 1}: local {results['local'][-1]:.2f} images/s, aws {results['aws'][-1]:.2f} images/s", flush=True)
    median = {name: sorted(values)[len(values) // 2] for name, values in results.items()}
    print(json.dumps({"images": args.count, "workers": args.workers, "median_images_per_second": median}, indent=1))
    print(f"\n| path | images/s (median of {args.rounds}) | ÷ local |\n|---|---|---|")
    for name in ("local", "aws"):
        print(f"| {name} | {median[name]:.2f} | {median[name] / median['local']:.2f}× |")


if __name__ == "__main__":
    main()
