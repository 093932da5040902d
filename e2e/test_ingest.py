"""`darkroom ingest`: images that were in a folder or a bucket before Darkroom watched it are
taken in, once; a second run skips them; the workers then finish them."""

import io
import json
import os
import sqlite3
import time
import uuid

import pytest
from PIL import Image

from darkroom_process import DarkroomProcess, run
from moto_server import Moto


def jpeg(seed, size=(900, 600)):
    image = Image.new("RGB", size, (20 + seed * 40 % 200, 100, 180))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def summary(output):
    line = next(line for line in output.splitlines() if line.startswith("Ingested "))
    counts = {}
    for part in line.split(": ", 1)[1].rstrip(".").split(", "):
        number, name = part.split(" ")
        counts[name] = int(number)
    return counts


def statuses(data):
    with sqlite3.connect(data / "darkroom.sqlite") as db:
        return dict(db.execute("SELECT filename, status FROM images").fetchall())


def test_a_folder_is_taken_in_once_and_then_processed(tmp_path):
    folder = tmp_path / "old-photos"
    (folder / "2019" / "summer").mkdir(parents=True)
    (folder / "a.jpg").write_bytes(jpeg(1))
    (folder / "2019" / "b.jpg").write_bytes(jpeg(2))
    (folder / "2019" / "summer" / "c.jpg").write_bytes(jpeg(3))
    (folder / "notes.txt").write_text("not an image")
    (folder / ".hidden.jpg").write_bytes(jpeg(4))
    data = tmp_path / "data"

    code, output = run(["ingest", str(folder), "--data", str(data)])
    assert code == 0, output
    assert summary(output) == {"queued": 4, "skipped": 0, "ignored": 0, "failed": 0}, output
    assert sorted(statuses(data)) == ["a.jpg", "b.jpg", "c.jpg", "notes.txt"], "hidden files are left out"
    assert set(statuses(data).values()) == {"PENDING"}

    # Again: nothing is recorded twice.
    code, output = run(["ingest", str(folder), "--data", str(data)])
    assert code == 0 and summary(output) == {"queued": 0, "skipped": 4, "ignored": 0, "failed": 0}, output
    assert len(statuses(data)) == 4

    # A worker finishes them: the photos COMPLETED, the text file FAILED with the probe's reason.
    worker = DarkroomProcess(["worker", "--data", str(data), "--workers", "2"], log_path=tmp_path / "worker.log")
    try:
        worker.wait_for_log("Darkroom workers starting")
        deadline = time.time() + 60
        while any(status in ("PENDING", "PROCESSING") for status in statuses(data).values()):
            assert time.time() < deadline, statuses(data)
            time.sleep(0.3)
    finally:
        worker.stop()
    assert statuses(data) == {"a.jpg": "COMPLETED", "b.jpg": "COMPLETED", "c.jpg": "COMPLETED", "notes.txt": "FAILED"}

    # A file changed since is a new image; the rest are skipped.
    (folder / "a.jpg").write_bytes(jpeg(9, (640, 480)))
    os.utime(folder / "a.jpg", (time.time() + 5, time.time() + 5))
    code, output = run(["ingest", str(folder), "--data", str(data)])
    assert summary(output) == {"queued": 1, "skipped": 3, "ignored": 0, "failed": 0}, output


def test_bad_sources_are_usage_errors(tmp_path):
    code, output = run(["ingest", str(tmp_path / "nowhere"), "--data", str(tmp_path / "d")])
    assert code == 2 and "neither s3://bucket/prefix nor a folder" in output
    code, output = run(["ingest", str(tmp_path), "--data", str(tmp_path / "d"), "--recipe", "nope"])
    assert code == 2 and "unknown recipe 'nope'" in output
    code, output = run(["ingest", "s3://Bad_Bucket/x", "--data", str(tmp_path / "d")])
    assert code == 2 and "not a valid bucket name" in output


@pytest.fixture(scope="module")
def moto():
    server = Moto(signed=True)
    yield server
    server.stop()


def test_a_bucket_prefix_is_backfilled_into_s3_and_dynamodb(moto, tmp_path):
    s3 = moto.client("s3")
    bucket = f"legacy-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    for index in range(5):
        s3.put_object(Bucket=bucket, Key=f"uploads/{index:02d}.jpg", Body=jpeg(index), ContentType="image/jpeg")
    s3.put_object(Bucket=bucket, Key="elsewhere/skip.jpg", Body=jpeg(7), ContentType="image/jpeg")
    table = f"legacy-{uuid.uuid4().hex[:8]}"
    common = ["--storage", f"s3://{bucket}/processed/", "--metadata", f"dynamodb://{table}", "--create-table", "--data", str(tmp_path / "data")]

    code, output = run(["ingest", f"s3://{bucket}/uploads/", *common], environment=moto.environment())
    assert code == 0 and summary(output) == {"queued": 5, "skipped": 0, "ignored": 0, "failed": 0}, output
    code, output = run(["ingest", f"s3://{bucket}/uploads/", *common], environment=moto.environment())
    assert code == 0 and summary(output) == {"queued": 0, "skipped": 5, "ignored": 0, "failed": 0}, output

    items = moto.resource("dynamodb").Table(table)
    images = [item for item in items.scan()["Items"] if not item["id"].startswith("idempotency#")]
    assert sorted(item["filename"] for item in images) == [f"{index:02d}.jpg" for index in range(5)]

    worker = DarkroomProcess(["worker", *common, "--workers", "2"], environment=moto.environment(), log_path=tmp_path / "worker.log")
    try:
        worker.wait_for_log("Darkroom workers starting")
        deadline = time.time() + 90
        while True:
            images = [item for item in items.scan()["Items"] if not item["id"].startswith("idempotency#")]
            if all(item["status"] == "COMPLETED" for item in images):
                break
            assert time.time() < deadline, [item["status"] for item in images]
            time.sleep(0.5)
    finally:
        worker.stop()
    keys = [entry["Key"] for entry in s3.list_objects_v2(Bucket=bucket, Prefix="processed/variants/")["Contents"]]
    assert len(keys) == 15

    # Ingesting the output location would feed variants back in: refused before anything is read.
    code, output = run(["ingest", f"s3://{bucket}/processed/variants/", *common], environment=moto.environment())
    assert code == 2 and "overlap" in output, output
