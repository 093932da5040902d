"""The AWS-native path end to end, driven by clients no one here wrote: boto3 puts photos into an
S3 bucket on moto (signatures checked), S3 notifies SQS, `darkroom worker --events` processes,
and the test reads the output bucket, the DynamoDB table and an SQS queue subscribed to SNS."""

import hashlib
import io
import json
import os
import subprocess
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
from PIL import Image

from darkroom_process import BINARY, DarkroomProcess, run
from moto_server import Moto, drain_inbox
from pixels import energy


@pytest.fixture(scope="module")
def moto():
    server = Moto(signed=True)
    yield server
    server.stop()


def unique(stem):
    return f"{stem}-{uuid.uuid4().hex[:10]}"


def wait_for(description, condition, timeout=90, interval=0.3):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {description}")


class Pipeline:
    """An input bucket wired to an events queue, an output location, a table, and an SNS topic
    with an SQS subscriber; and a worker on all of it."""

    def __init__(self, moto, tmp_path, same_bucket=False, environment=None):
        self.moto = moto
        self.s3 = moto.client("s3")
        self.sqs = moto.client("sqs")
        self.sns = moto.client("sns")
        self.input_bucket = unique("photos")
        self.output_bucket = self.input_bucket if same_bucket else unique("processed")
        self.input = f"s3://{self.input_bucket}/incoming/"
        self.output = f"s3://{self.output_bucket}/processed/"
        for bucket in {self.input_bucket, self.output_bucket}:
            self.s3.create_bucket(Bucket=bucket)
        dead = self.sqs.create_queue(QueueName=unique("events-dead"))["QueueUrl"]
        dead_arn = self.sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.queue_name = unique("events")
        self.queue = self.sqs.create_queue(
            QueueName=self.queue_name, Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": "4"})}
        )["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        # The whole bucket notifies, so outputs written into the same bucket do make events.
        self.s3.put_bucket_notification_configuration(
            Bucket=self.input_bucket,
            NotificationConfiguration={"QueueConfigurations": [{"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}]},
        )
        self.table = unique("images")
        self.topic = self.sns.create_topic(Name=unique("done"))["TopicArn"]
        self.inbox = self.sqs.create_queue(QueueName=unique("inbox"))["QueueUrl"]
        inbox_arn = self.sqs.get_queue_attributes(QueueUrl=self.inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.sns.subscribe(TopicArn=self.topic, Protocol="sqs", Endpoint=inbox_arn)
        self.received = []
        code, output = run(["migrate", "--metadata", f"dynamodb://{self.table}"], environment=moto.environment())
        assert code == 0, output
        self.items_table = moto.resource("dynamodb").Table(self.table)
        self.log = tmp_path / f"worker-{self.queue_name}.log"
        self.worker = DarkroomProcess(
            [
                "worker", "--events", f"sqs://{self.queue_name}", "--input", self.input, "--output", self.output,
                "--metadata", f"dynamodb://{self.table}", "--notify", f"sns://{self.topic}", "--data", str(tmp_path / "data"),
                "--workers", "2",
            ],
            environment=moto.environment() | (environment or {}),
            log_path=self.log,
        ).wait_for_log("Darkroom workers starting")

    def put(self, key, data, content_type="image/jpeg"):
        self.s3.put_object(Bucket=self.input_bucket, Key=key, Body=data, ContentType=content_type)

    def items(self):
        return self.items_table.scan()["Items"]

    def images(self):
        return [item for item in self.items() if not item["id"].startswith("idempotency#")]

    def notifications(self):
        """Every SNS message the subscribed queue has received so far."""
        return drain_inbox(self.sqs, self.inbox, self.received)

    def queue_is_drained(self):
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queue, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return attributes["ApproximateNumberOfMessages"] == "0" and attributes["ApproximateNumberOfMessagesNotVisible"] == "0"

    def stop(self):
        self.worker.stop()


@pytest.fixture
def pipeline(moto, tmp_path):
    made = Pipeline(moto, tmp_path)
    yield made
    made.stop()


def photo_bytes(photos, index):
    return photos[index].read_bytes()


def test_photos_dropped_in_s3_come_out_as_variants_records_and_notifications(pipeline, photos):
    keys = ["incoming/summer trip/café 1.jpg", "incoming/2026/beach+sun.jpg"]
    for index, key in enumerate(keys):
        # The second arrives as S3's default type, as a client that sets none leaves it.
        pipeline.put(key, photo_bytes(photos, index), content_type="application/octet-stream" if index else "image/jpeg")

    items = wait_for("two COMPLETED items", lambda: (lambda found: found if len(found) == 2 and all(i["status"] == "COMPLETED" for i in found) else None)(pipeline.images()))
    by_name = {item["filename"]: item for item in items}
    assert set(by_name) == {"café 1.jpg", "beach+sun.jpg"}, "keys are URL-decoded"
    for key, photo in zip(keys, photos):
        item = by_name[key.rsplit("/", 1)[1]]
        # The fields the seed systems recorded.
        for field in ("id", "filename", "status", "createdAt", "updatedAt", "completedAt", "bytes", "format", "originalLocation", "variants"):
            assert field in item, f"{field} missing from {item}"
        # The original is copied into the output location, as an upload's is stored: the API and
        # any blob store serve it, and deleting the image removes the copy, never the drop.
        assert item["originalLocation"].startswith(f"s3://{pipeline.output_bucket}/processed/originals/{item['id']}/")
        assert int(item["bytes"]) == photo.stat().st_size
        assert item["sha256"] == hashlib.sha256(photo.read_bytes()).hexdigest()
        assert item["contentType"] == "image/jpeg", "by magic bytes, whatever S3 was told"
        assert item["format"] == "jpeg"
        source = Image.open(photo)
        assert (int(item["width"]), int(item["height"])) == source.size
        variants = {variant["name"]: variant for variant in item["variants"]}
        assert set(variants) == {"thumbnail", "medium", "large"}
        for name, longest in (("thumbnail", 150), ("medium", 800), ("large", 1600)):
            variant = variants[name]
            location = variant["location"]
            assert location.startswith(f"s3://{pipeline.output_bucket}/processed/variants/{item['id']}/")
            body = pipeline.s3.get_object(Bucket=pipeline.output_bucket, Key=location.split("/", 3)[3])["Body"].read()
            decoded = Image.open(io.BytesIO(body))
            assert decoded.size == (int(variant["width"]), int(variant["height"]))
            assert max(decoded.size) == longest

    # One SNS message per image, delivered to the subscribed queue, with filterable attributes.
    messages = wait_for("two notifications", lambda: (lambda got: got if len(got) >= 2 else None)(pipeline.notifications()))
    assert len(messages) == 2
    for envelope in messages:
        body = json.loads(envelope["Message"])
        assert body["status"] == "COMPLETED" and body["id"] in {item["id"] for item in items}
        assert envelope["MessageAttributes"]["status"]["Value"] == "COMPLETED"
        assert envelope["MessageAttributes"]["recipe"]["Value"] == "default"
        assert {variant["name"] for variant in body["variants"]} == {"thumbnail", "medium", "large"}
    wait_for("the events queue to drain", pipeline.queue_is_drained)


def test_a_corrupt_upload_ends_failed_with_its_error_and_a_failed_notification(pipeline, photos):
    truncated = photo_bytes(photos, 0)[:4000]
    pipeline.put("incoming/broken.jpg", truncated)
    item = wait_for("a FAILED item", lambda: next((i for i in pipeline.images() if i["status"] == "FAILED"), None))
    assert item["filename"] == "broken.jpg"
    assert item["error"], "the error is recorded"
    messages = wait_for("the FAILED notification", pipeline.notifications)
    body = json.loads(messages[0]["Message"])
    assert body["status"] == "FAILED" and body["error"] == item["error"]
    assert messages[0]["MessageAttributes"]["status"]["Value"] == "FAILED"


def test_a_duplicate_event_is_processed_once(pipeline, photos):
    data = photo_bytes(photos, 1)
    pipeline.put("incoming/once.jpg", data)
    wait_for("the first run", lambda: [i for i in pipeline.images() if i["status"] == "COMPLETED"])
    etag = pipeline.s3.head_object(Bucket=pipeline.input_bucket, Key="incoming/once.jpg")["ETag"].strip('"')
    event = {
        "Records": [
            {
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": pipeline.input_bucket}, "object": {"key": "incoming/once.jpg", "size": len(data), "eTag": etag}},
            }
        ]
    }
    for _ in range(2):
        pipeline.sqs.send_message(QueueUrl=pipeline.queue, MessageBody=json.dumps(event))
    # The same event wrapped in an SNS envelope is recognised as the same object too.
    pipeline.sqs.send_message(QueueUrl=pipeline.queue, MessageBody=json.dumps({"Type": "Notification", "Message": json.dumps(event)}))
    wait_for("the duplicates to be consumed", pipeline.queue_is_drained, timeout=60)
    images = pipeline.images()
    assert len(images) == 1 and images[0]["status"] == "COMPLETED"
    assert len(pipeline.notifications()) == 1, "one image, one notification"


def test_outputs_written_into_the_input_bucket_trigger_nothing(moto, tmp_path, photos):
    pipeline = Pipeline(moto, tmp_path, same_bucket=True)
    try:
        pipeline.put("incoming/self.jpg", photo_bytes(photos, 0))
        item = wait_for("the image", lambda: next((i for i in pipeline.images() if i["status"] == "COMPLETED"), None))
        # The original's copy and the variants landed in the same bucket, and each made an S3
        # event of its own.
        outputs = pipeline.s3.list_objects_v2(Bucket=pipeline.input_bucket, Prefix="processed/").get("Contents", [])
        assert len(outputs) == 4
        wait_for("the variant events to be consumed", pipeline.queue_is_drained, timeout=60)
        time.sleep(2)
        assert [i["id"] for i in pipeline.images()] == [item["id"]], "nothing was ingested from the output location"
        log = pipeline.log.read_text()
        assert log.count("is in the output location") == 4
    finally:
        pipeline.stop()


def test_overlapping_input_and_output_are_refused_at_start(moto, tmp_path):
    code, output = run(
        ["worker", "--events", "sqs://anything", "--input", "s3://b-1/in", "--output", "s3://b-1/in/out", "--data", str(tmp_path)],
        environment=moto.environment(),
    )
    assert code == 2
    assert "overlap" in output


def test_a_wrong_secret_is_refused_by_moto(moto, tmp_path):
    environment = moto.environment() | {"AWS_SECRET_ACCESS_KEY": "not-the-secret"}
    code, output = run(["migrate", "--metadata", f"dynamodb://{unique('nope')}"], environment=environment)
    assert code != 0
    assert "InvalidSignatureException" in output or "SignatureDoesNotMatch" in output or "UnrecognizedClient" in output


def serve_on(moto, tmp_path, *extra, environment=None):
    from darkroom_process import serve

    return serve(tmp_path / "data", *extra, environment=moto.environment() | (environment or {}), log_path=tmp_path / "serve.log")


def upload(server, photo):
    status, body = server.api("POST", "/api/images", photo.read_bytes(), {"Content-Type": "image/jpeg", "X-Filename": photo.name})
    assert status == 202, body
    return body["id"]


def test_serve_on_s3_dynamodb_and_sqs_changes_nothing_above_the_ports(moto, tmp_path, photos):
    s3, sns, sqs = moto.client("s3"), moto.client("sns"), moto.client("sqs")
    bucket, table, jobs = unique("served"), unique("records"), unique("jobs")
    s3.create_bucket(Bucket=bucket)
    sqs.create_queue(QueueName=jobs)
    topic = sns.create_topic(Name=unique("served"))["TopicArn"]
    server = serve_on(
        moto, tmp_path, "--storage", f"s3://{bucket}/darkroom", "--metadata", f"dynamodb://{table}", "--queue", f"sqs://{jobs}",
        "--notify", f"sns://{topic}", "--create-table",
    )
    try:
        image_id = upload(server, photos[0])
        record = wait_for("COMPLETED", lambda: (lambda r: r if r["status"] == "COMPLETED" else None)(server.api("GET", f"/api/images/{image_id}")[1]))
        keys = {obj["Key"] for obj in s3.list_objects_v2(Bucket=bucket)["Contents"]}
        assert f"darkroom/variants/{image_id}/large.jpg" in keys
        assert any(key.startswith(f"darkroom/originals/{image_id}/") for key in keys)
        large = next(v for v in record["variants"] if v["name"] == "large")
        with __import__("urllib.request").request.urlopen(server.url + large["url"]) as response:
            assert Image.open(io.BytesIO(response.read())).size == (large["width"], large["height"])
        item = moto.resource("dynamodb").Table(table).get_item(Key={"id": image_id})["Item"]
        assert item["status"] == "COMPLETED" and item["originalLocation"].startswith(f"s3://{bucket}/darkroom/originals/{image_id}/")
        assert server.api("DELETE", f"/api/images/{image_id}")[0] == 204
        assert not s3.list_objects_v2(Bucket=bucket).get("Contents"), "delete removes every object of the image"
        assert "Item" not in moto.resource("dynamodb").Table(table).get_item(Key={"id": image_id})
    finally:
        server.stop()


def test_presigned_links_point_straight_at_the_bucket(tmp_path, photos):
    # moto answers presigned URLs with 500 while it checks signatures, so this one runs open.
    open_moto = Moto(signed=False)
    try:
        bucket = unique("linked")
        open_moto.client("s3").create_bucket(Bucket=bucket)
        server = serve_on(open_moto, tmp_path, "--storage", f"s3://{bucket}/out", environment={"DARKROOM_S3_PRESIGNED_LINKS": "true"})
        try:
            image_id = upload(server, photos[1])
            record = wait_for("COMPLETED", lambda: (lambda r: r if r["status"] == "COMPLETED" else None)(server.api("GET", f"/api/images/{image_id}")[1]))
            for variant in record["variants"]:
                assert variant["url"].startswith(open_moto.endpoint + f"/{bucket}/out/variants/{image_id}/")
                assert "X-Amz-Signature=" in variant["url"]
                with __import__("urllib.request").request.urlopen(variant["url"]) as response:
                    assert Image.open(io.BytesIO(response.read())).size == (variant["width"], variant["height"])
        finally:
            server.stop()
    finally:
        open_moto.stop()


def test_a_multipart_upload_with_its_two_events_makes_one_image(pipeline, tmp_path):
    from boto3.s3.transfer import TransferConfig
    import random

    rng = random.Random(7)
    big = tmp_path / "big.jpg"
    Image.frombytes("RGB", (2600, 2000), rng.randbytes(2600 * 2000 * 3)).save(big, quality=95)
    assert big.stat().st_size > 5.5 * 1024 * 1024
    config = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
    pipeline.s3.upload_file(str(big), pipeline.input_bucket, "incoming/big.jpg", ExtraArgs={"ContentType": "image/jpeg"}, Config=config)
    head = pipeline.s3.head_object(Bucket=pipeline.input_bucket, Key="incoming/big.jpg")
    assert head["ETag"].strip('"').endswith("-2"), "uploaded in two parts"
    wait_for("the image", lambda: [i for i in pipeline.images() if i["status"] == "COMPLETED"])
    wait_for("every event to be consumed", pipeline.queue_is_drained, timeout=60)
    assert len(pipeline.images()) == 1


def test_a_job_that_keeps_failing_is_left_to_the_queues_redrive(moto, tmp_path, photos):
    """The output bucket does not exist, so every attempt fails; the worker hides the message
    for longer each time and never deletes it, and after maxReceiveCount (4) receives SQS moves
    it to the dead-letter queue, intact."""
    s3, sqs = moto.client("s3"), moto.client("sqs")
    source, table = unique("photos"), unique("images")
    s3.create_bucket(Bucket=source)
    dead = sqs.create_queue(QueueName=unique("dead"))["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    name = unique("events")
    queue = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": "3"})})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket=source, NotificationConfiguration={"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]}
    )
    assert run(["migrate", "--metadata", f"dynamodb://{table}"], environment=moto.environment())[0] == 0
    worker = DarkroomProcess(
        ["worker", "--events", queue, "--input", f"s3://{source}/in", "--output", f"s3://{unique('missing')}/out",
         "--metadata", f"dynamodb://{table}", "--data", str(tmp_path / "data"), "--workers", "1"],
        environment=moto.environment(),
    ).wait_for_log("Darkroom workers starting")
    try:
        s3.put_object(Bucket=source, Key="in/doomed.jpg", Body=photos[0].read_bytes(), ContentType="image/jpeg")
        moved = wait_for("the message in the dead-letter queue", lambda: sqs.receive_message(QueueUrl=dead, WaitTimeSeconds=1).get("Messages"), timeout=60)
        record = json.loads(moved[0]["Body"])["Records"][0]
        assert urllib.parse.unquote_plus(record["s3"]["object"]["key"]) == "in/doomed.jpg", "the S3 event itself, intact"
        # The original could never be copied into the output, so no record was left half-made.
        items = [i for i in moto.resource("dynamodb").Table(table).scan()["Items"] if not i["id"].startswith("idempotency#")]
        assert items == []
        attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        assert attributes == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}
    finally:
        worker.stop()


def test_an_object_over_the_size_limit_fails_without_being_downloaded(moto, tmp_path, photos):
    pipeline = Pipeline(moto, tmp_path, environment={"DARKROOM_LIMITS_MAX_BYTES": "1000000"})
    try:
        pipeline.put("incoming/huge.jpg", photo_bytes(photos, 0))
        item = wait_for("a FAILED item", lambda: next((i for i in pipeline.images() if i["status"] == "FAILED"), None))
        assert item["error"] == f"The original is {photos[0].stat().st_size} bytes; the limit is 1000000 bytes."
    finally:
        pipeline.stop()


def test_bad_objects_and_bad_messages_fail_clearly_and_lose_nothing(pipeline, photos):
    """An empty object, a text file, and a key with `..` each end FAILED with a reason and a
    FAILED notification; a message that is not an S3 event is dropped; a good photo dropped
    after all of them still completes."""
    pipeline.put("incoming/empty.jpg", b"")
    pipeline.put("incoming/notes.jpg", b"this is a shopping list, not a photograph\n", content_type="text/plain")
    pipeline.put("incoming/a/../sneaky.jpg", photo_bytes(photos, 0))
    pipeline.sqs.send_message(QueueUrl=pipeline.queue, MessageBody="{not json")
    pipeline.sqs.send_message(QueueUrl=pipeline.queue, MessageBody=json.dumps({"hello": "world"}))
    pipeline.put("incoming/good.jpg", photo_bytes(photos, 1))
    items = wait_for(
        "four final items",
        lambda: (lambda found: found if len(found) == 4 and all(i["status"] in ("COMPLETED", "FAILED") for i in found) else None)(pipeline.images()),
    )
    by_name = {item["filename"]: item for item in items}
    assert by_name["good.jpg"]["status"] == "COMPLETED"
    for name in ("empty.jpg", "notes.jpg", "sneaky.jpg"):
        assert by_name[name]["status"] == "FAILED" and by_name[name]["error"], by_name[name]
        assert int(by_name[name]["attempts"]) == 1, "a file that can never work is not retried"
    assert "not a valid blob key" in by_name["sneaky.jpg"]["error"]
    wait_for("the queue to drain", pipeline.queue_is_drained, timeout=60)
    statuses = sorted(json.loads(m["Message"])["status"] for m in wait_for("4 notifications", lambda: (lambda got: got if len(got) >= 4 else None)(pipeline.notifications())))
    assert statuses == ["COMPLETED", "FAILED", "FAILED", "FAILED"]
    assert pipeline.log.read_text().count("not an S3 event") == 2


def test_migrate_refuses_an_unknown_store(tmp_path):
    code, output = run(["migrate", "--metadata", "mysql://db"])
    assert code == 2 and "dynamodb://TABLE" in output


@pytest.mark.parametrize("watch", ["sns", "dynamodb"])
def test_loadgen_drops_into_the_bucket_and_hears_each_image_finish(pipeline, photos, tmp_path, watch):
    """Completion heard from an SQS queue subscribed to the SNS topic, or read from DynamoDB."""
    folder = tmp_path / "load"
    folder.mkdir()
    for photo in photos:
        (folder / photo.name).write_bytes(photo.read_bytes())
    source = f"sqs://{pipeline.inbox.rsplit('/', 1)[1]}" if watch == "sns" else f"dynamodb://{pipeline.table}"
    done = subprocess.run(
        [str(BINARY), "loadgen", pipeline.input + "load", "--images", str(folder), "--rate", "2",
         "--count", "4", "--watch", source, "--json"],
        capture_output=True, text=True, timeout=180, env=dict(os.environ) | pipeline.moto.environment(),
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["requests"] == 4 and result["completed"] == 4 and result["errors"] == 0, result
    items = pipeline.images()
    assert len(items) == 4 and all(item["status"] == "COMPLETED" for item in items)
    assert all(item["filename"].startswith("loadgen-") for item in items)
    assert result["latency_ms"]["complete"]["p50"] > 0


def test_loadgen_refuses_a_bucket_that_does_not_exist(moto, tmp_path, photos):
    code, output = run(["loadgen", f"s3://{unique('missing')}/in", "--images", str(photos[0].parent), "--count", "1"], environment=moto.environment())
    assert code == 2 and "the bucket does not exist" in output


FACES = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "faces" / "images" / "dlib" / "2008_001322.jpg"


@pytest.mark.skipif(not FACES.exists(), reason="../shared/corpus/faces is not beside the project: skipped")
def test_faces_dropped_in_s3_are_found_stored_in_dynamodb_announced_on_sns_and_redacted(moto, tmp_path):
    pipeline = Pipeline(moto, tmp_path, environment={"DARKROOM_EVENTS_RECIPE": "privacy"})
    try:
        pipeline.put("incoming/three people.jpg", FACES.read_bytes())
        items = wait_for("a COMPLETED item", lambda: (lambda found: found if found and found[0]["status"] in ("COMPLETED", "FAILED") else None)(pipeline.images()))
        item = items[0]
        assert item["status"] == "COMPLETED", item.get("error")
        # DynamoDB keeps the regions as a map a console can read.
        regions = item["regions"]
        assert regions["facesDetected"] is True and regions["reviewed"] is False
        faces = [box for box in regions["boxes"] if box["kind"] == "face"]
        assert len(faces) == 3, regions
        for box in faces:
            assert 0 <= float(box["x"]) < 1 and 0 < float(box["width"]) <= 1 and 0.5 <= float(box["score"]) <= 1
        # The SNS message carries them too.
        messages = wait_for("a notification", lambda: pipeline.notifications() or None)
        body = json.loads(messages[0]["Message"])
        assert body["status"] == "COMPLETED"
        assert len([r for r in body["regions"] if r["kind"] == "face"]) == 3 and body["facesDetected"] is True
        # The placeholder is in the item and the message, the same, with the faces hidden in it.
        placeholder = item["placeholder"]
        assert set(placeholder) == {"blurhash", "thumbhash", "averageColor", "dominantColor", "preview"}, placeholder
        assert body["placeholder"] == placeholder and placeholder["preview"].startswith("data:image/webp;base64,")
        # And the large variant in the output bucket hides every face.
        large = next(v for v in item["variants"] if v["name"] == "large")
        data = pipeline.s3.get_object(Bucket=pipeline.output_bucket, Key=large["location"].split("/", 3)[3])["Body"].read()
        redacted, original = Image.open(io.BytesIO(data)), Image.open(FACES)
        for box in faces:
            fractions = {k: float(box[k]) for k in ("x", "y", "width", "height")}
            assert energy(redacted, fractions) < energy(original, fractions) * 0.6, box
    finally:
        pipeline.stop()
