"""`darkroom lambda` under Lambda emulators: cargo-lambda's (someone else's) for S3, SQS and API
Gateway events against moto's S3, DynamoDB and SNS (signatures checked); our own for the faults
cargo-lambda cannot make (a deadline, 5xx answers, an init failure)."""

import base64
import hashlib
import io
import json
import time
import urllib.parse
import uuid

import pytest
from PIL import Image

from darkroom_process import DarkroomProcess
from lambda_emulators import CargoLambda, FaultyRuntime, cargo
from moto_server import Moto, drain_inbox

needs_cargo = pytest.mark.skipif(cargo() is None, reason="cargo is missing (make test installs Debian's cargo when rustup's is absent)")


def unique(stem):
    return f"{stem}-{uuid.uuid4().hex[:10]}"


def s3_event(bucket, key, etag, size, name="ObjectCreated:Put"):
    """The record S3 sends, key form-encoded as S3 does."""
    return {
        "Records": [{
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1", "eventTime": "2026-12-02T00:00:00.000Z",
            "eventName": name,
            "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                   "object": {"key": urllib.parse.quote_plus(key, safe="/"), "size": size, "eTag": etag}},
        }]
    }


class Stack:
    """What the template makes, on moto: buckets, a table, a topic with an SQS subscriber."""

    def __init__(self, moto, tmp_path):
        self.moto = moto
        self.s3, self.sqs, self.sns = moto.client("s3"), moto.client("sqs"), moto.client("sns")
        self.bucket = unique("photos")
        self.s3.create_bucket(Bucket=self.bucket)
        self.table = unique("images")
        self.topic = self.sns.create_topic(Name=unique("done"))["TopicArn"]
        self.inbox = self.sqs.create_queue(QueueName=unique("inbox"))["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.sns.subscribe(TopicArn=self.topic, Protocol="sqs", Endpoint=arn)
        self.items_table = None
        self.received = []

    def environment(self, runtime_api):
        return self.moto.environment() | {
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "DARKROOM_EVENTS_INPUT": f"s3://{self.bucket}/incoming/",
            "DARKROOM_EVENTS_OUTPUT": f"s3://{self.bucket}/processed/",
            "DARKROOM_METADATA": f"dynamodb://{self.table}",
            "DARKROOM_NOTIFY": f"sns://{self.topic}",
            "DARKROOM_DYNAMODB_CREATE_TABLE": "true",
            "DARKROOM_WORKERS_COUNT": "2",
        }

    def put(self, key, data, metadata=None):
        answer = self.s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType="image/jpeg", Metadata=metadata or {})
        return s3_event(self.bucket, key, answer["ETag"].strip('"'), len(data))

    def images(self):
        table = self.moto.resource("dynamodb").Table(self.table)
        return [item for item in table.scan()["Items"] if not item["id"].startswith("idempotency#")]

    def notifications(self):
        """The bodies of every SNS message so far."""
        return [json.loads(envelope["Message"]) for envelope in drain_inbox(self.sqs, self.inbox, self.received)]

    def keys(self, prefix):
        return sorted(item["Key"] for item in self.s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix).get("Contents", []))


@pytest.fixture(scope="module")
def moto():
    server = Moto(signed=True)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def emulated(moto, tmp_path_factory):
    """cargo-lambda's emulator with `darkroom lambda` polling it, on one stack."""
    if cargo() is None:
        pytest.skip("cargo is missing (make test installs Debian's cargo when rustup's is absent)")
    folder = tmp_path_factory.mktemp("lambda")
    emulator = CargoLambda(folder)
    stack = Stack(moto, folder)
    function = None
    try:
        function = DarkroomProcess(["lambda"], environment=stack.environment(emulator.runtime_api), log_path=folder / "function.log")
        function.wait_for_log("Darkroom Lambda function ready", timeout=60)
        yield emulator, stack, function
    finally:
        if function:
            function.stop()
        emulator.stop()


def photo(width=1200, height=900, seed=0):
    image = Image.new("RGB", (width, height), (40 + seed * 30 % 200, 120, 200))
    for x in range(0, width, 40):
        for y in range(0, height, 40):
            image.putpixel((x, y), (255, (x + seed) % 255, y % 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def answer(status_and_body):
    status, body = status_and_body
    assert status == 200, body
    return json.loads(body)


@needs_cargo
def test_an_s3_event_becomes_variants_a_completed_record_and_a_notification_once(emulated):
    emulator, stack, _ = emulated
    event = stack.put("incoming/trip/café 1.jpg", photo())
    assert answer(emulator.invoke(event)) == {"completed": 1, "failed": 0, "ignored": 0}
    [item] = stack.images()
    assert item["status"] == "COMPLETED" and item["filename"] == "café 1.jpg", "the key was URL-decoded"
    variants = {variant["name"]: variant for variant in item["variants"]}
    assert set(variants) == {"thumbnail", "medium", "large"}
    for variant in variants.values():
        key = variant["location"].split("/", 3)[3]
        assert key.startswith(f"processed/variants/{item['id']}/")
        body = stack.s3.get_object(Bucket=stack.bucket, Key=key)["Body"].read()
        assert Image.open(io.BytesIO(body)).size == (int(variant["width"]), int(variant["height"]))
    [message] = stack.notifications()
    assert message["id"] == item["id"] and message["status"] == "COMPLETED"

    # Lambda delivers the same event again: nothing changes, nothing is sent.
    outputs = stack.keys("processed/")
    assert answer(emulator.invoke(event)) == {"completed": 0, "failed": 0, "ignored": 1}
    assert stack.images() == [item]
    assert stack.keys("processed/") == outputs
    assert stack.notifications() == [message], "no second notification"

    # An event for an output (the function's own writes notify too) is ignored.
    output_event = s3_event(stack.bucket, outputs[0], "0" * 32, 100)
    assert answer(emulator.invoke(output_event)) == {"completed": 0, "failed": 0, "ignored": 1}
    assert len(stack.images()) == 1


@needs_cargo
def test_an_object_carrying_an_image_id_completes_the_apps_pending_record(emulated):
    """Seed 002's web app writes the PENDING record itself, then uploads with the id."""
    emulator, stack, _ = emulated
    before = {item["id"] for item in stack.images()}
    image_id = str(uuid.uuid4())
    table = stack.moto.resource("dynamodb").Table(stack.table)
    table.put_item(Item={"id": image_id, "status": "PENDING", "filename": "from-the-app.jpg", "kind": "image"})
    event = stack.put("incoming/app/upload.jpg", photo(seed=3), metadata={"image-id": image_id})
    assert answer(emulator.invoke(event))["completed"] == 1
    after = {item["id"]: item for item in stack.images()}
    assert set(after) - before == {image_id}, "the app's record was completed, no other was made"
    assert after[image_id]["status"] == "COMPLETED" and len(after[image_id]["variants"]) == 3

    # An id naming a record that is already done is not processed again.
    again = stack.put("incoming/app/second.jpg", photo(seed=4), metadata={"image-id": image_id})
    assert answer(emulator.invoke(again)) == {"completed": 0, "failed": 0, "ignored": 1}
    assert {item["id"] for item in stack.images()} == set(after)


@needs_cargo
def test_an_sqs_batch_answers_with_only_the_failed_messages(emulated):
    emulator, stack, _ = emulated
    good = stack.put("incoming/batch/good.jpg", photo(seed=5))
    busy = stack.put("incoming/batch/busy.jpg", photo(seed=6))
    # Another invocation holds the claim on the second object, as when S3 delivers twice at once.
    record = busy["Records"][0]["s3"]
    claim = "drop:" + hashlib.sha256(f"{stack.bucket}\nincoming/batch/busy.jpg\n{record['object']['eTag']}".encode()).hexdigest()
    table = stack.moto.resource("dynamodb").Table(stack.table)
    table.put_item(Item={"id": f"idempotency#{claim}", "claimedAt": int(time.time()), "fingerprint": claim})
    corrupt = stack.put("incoming/batch/corrupt.jpg", b"\xff\xd8\xff not really a jpeg")

    def message(event, receive_count="1"):
        return {"messageId": str(uuid.uuid4()), "receiptHandle": "r", "body": json.dumps(event), "eventSource": "aws:sqs",
                "attributes": {"ApproximateReceiveCount": receive_count}, "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:events"}

    messages = [message(good), message(busy), message(corrupt), message({"Event": "s3:TestEvent"}), message({"not": "an event"})]
    got = answer(emulator.invoke({"Records": messages}))
    assert got == {"batchItemFailures": [{"itemIdentifier": messages[1]["messageId"]}]}, got
    by_name = {item["filename"]: item for item in stack.images()}
    assert by_name["good.jpg"]["status"] == "COMPLETED"
    assert by_name["corrupt.jpg"]["status"] == "FAILED" and by_name["corrupt.jpg"]["error"], "a file that can never work is final"
    assert "busy.jpg" not in by_name, "nothing was made for the message that comes back"


@needs_cargo
def test_api_gateway_and_function_url_events_are_served_by_the_rest_api(emulated):
    emulator, stack, _ = emulated
    body = photo(seed=7)
    # API Gateway REST (payload 1.0), the seeds' base64 body.
    rest = {
        "resource": "/{proxy+}", "path": "/api/images", "httpMethod": "POST", "isBase64Encoded": True,
        "headers": {"Content-Type": "image/jpeg", "X-Filename": "gateway.jpg"},
        "multiValueHeaders": {"Content-Type": ["image/jpeg"], "X-Filename": ["gateway.jpg"]},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "requestContext": {"httpMethod": "POST", "path": "/prod/api/images", "stage": "prod"},
        "body": base64.b64encode(body).decode(),
    }
    reply = answer(emulator.invoke(rest))
    assert reply["statusCode"] == 202, reply
    created = json.loads(reply["body"])
    assert created["status"] in ("PENDING", "PROCESSING", "COMPLETED")

    # Function URL (payload 2.0): read it back; the upload was processed before the answer.
    url_event = {
        "version": "2.0", "routeKey": "$default", "rawPath": f"/api/images/{created['id']}", "rawQueryString": "",
        "headers": {"accept": "application/json"}, "isBase64Encoded": False,
        "requestContext": {"http": {"method": "GET", "path": f"/api/images/{created['id']}", "sourceIp": "203.0.113.9"}},
    }
    reply = answer(emulator.invoke(url_event))
    assert reply["statusCode"] == 200 and reply["headers"]["content-type"].startswith("application/json")
    record = json.loads(reply["body"])
    assert record["status"] == "COMPLETED" and {variant["name"] for variant in record["variants"]} == {"thumbnail", "medium", "large"}

    # A malformed request gets the API's own error, not a crashed function.
    bad = dict(url_event, rawPath="/api/images/not-an-id", requestContext={"http": {"method": "GET", "path": "/api/images/not-an-id"}})
    reply = answer(emulator.invoke(bad))
    assert reply["statusCode"] == 404 and "error" in json.loads(reply["body"])
    # A body marked base64 that is not is the event's fault: an invocation error that says so.
    status, raw = emulator.invoke(dict(rest, body="%%% not base64 %%%"))
    assert status != 200 or "errorMessage" in json.loads(raw), raw


@needs_cargo
def test_an_unknown_event_is_an_invocation_error_and_the_function_goes_on(emulated):
    emulator, stack, function = emulated
    status, raw = emulator.invoke({"detail-type": "Scheduled Event", "source": "aws.events"})
    assert "InvalidEvent" in raw.decode() or status >= 400, raw
    assert function.process.poll() is None
    event = stack.put("incoming/after/ok.jpg", photo(seed=9))
    assert answer(emulator.invoke(event))["completed"] == 1


# Our own emulator, for the faults.

@pytest.fixture
def faulty():
    runtime = FaultyRuntime()
    yield runtime
    runtime.stop()


def test_a_configuration_that_cannot_work_is_an_init_error_and_the_process_exits(faulty, tmp_path):
    process = DarkroomProcess(["lambda"], environment={"AWS_LAMBDA_RUNTIME_API": faulty.runtime_api, "DARKROOM_METADATA": "mongodb://nope"},
                              log_path=tmp_path / "function.log")
    try:
        process.process.wait(timeout=30)
        assert process.process.returncode != 0
        [(kind, error)] = faulty.init_errors
        assert kind == error["errorType"] == "Runtime.ConfigurationError"
        assert "mongodb://nope" in error["errorMessage"]
    finally:
        process.stop()


def test_5xx_from_the_runtime_api_is_retried_and_a_deadline_is_kept(faulty, moto, tmp_path):
    stack = Stack(moto, tmp_path)
    faulty.failures_left = 2
    environment = stack.environment(faulty.runtime_api) | {"DARKROOM_FAILPOINT": "render-stall:recipe=stalls"}
    recipes = tmp_path / "recipes.yaml"
    recipes.write_text("recipes:\n  stalls:\n    variants:\n      small: {format: jpeg, operations: [{resize: {width: 100}}]}\n")
    environment |= {"DARKROOM_RECIPES": str(recipes), "DARKROOM_EVENTS_RECIPE": "stalls"}
    process = DarkroomProcess(["lambda"], environment=environment, log_path=tmp_path / "function.log")
    try:
        process.wait_for_log("Darkroom Lambda function ready", timeout=60)
        event = stack.put("incoming/slow.jpg", photo(seed=11))
        # 8 s: 2 s of margin leave about 6 s for a render that never ends.
        request_id, deadline = faulty.send(event, seconds=8)
        kind, at, body = faulty.outcome(request_id, timeout=30)
        assert at < deadline, "the answer came before the deadline"
        assert faulty.next_calls >= 3, "the two 500s were retried"
        assert kind == "response" and json.loads(body) == {"completed": 0, "failed": 1, "ignored": 0}, body
        [item] = stack.images()
        assert item["status"] == "FAILED", "never left PROCESSING"
        assert "time" in item["error"] and "reprocess" in item["error"]
        assert [message["status"] for message in stack.notifications()] == ["FAILED"]
        assert process.process.poll() is None, "the function lives on for the next event"
    finally:
        process.stop()


def test_an_upload_through_the_function_url_is_queued_on_sqs_and_run_by_the_queues_trigger(faulty, moto, tmp_path):
    """The template's shape: `queue.url` names the events queue, so an upload through the
    function's URL is answered at once and its job waits in SQS; the queue's trigger then hands
    the job message to the function, which tells it from an S3 event."""
    stack = Stack(moto, tmp_path)
    name = unique("jobs")
    queue = stack.sqs.create_queue(QueueName=name)["QueueUrl"]
    process = DarkroomProcess(["lambda"], environment=stack.environment(faulty.runtime_api) | {"DARKROOM_QUEUE_URL": f"sqs://{name}"},
                              log_path=tmp_path / "function.log")
    try:
        process.wait_for_log("Darkroom Lambda function ready", timeout=60)
        upload = {
            "version": "2.0", "rawPath": "/api/images", "rawQueryString": "", "isBase64Encoded": True,
            "headers": {"content-type": "image/jpeg", "x-filename": "through-the-url.jpg"},
            "requestContext": {"http": {"method": "POST", "path": "/api/images"}},
            "body": base64.b64encode(photo(seed=12)).decode(),
        }
        request_id, _ = faulty.send(upload)
        kind, _, body = faulty.outcome(request_id)
        reply = json.loads(body)
        assert kind == "response" and reply["statusCode"] == 202, reply
        image_id = json.loads(reply["body"])["id"]
        [message] = stack.sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5)["Messages"]
        batch = {"Records": [{"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"], "body": message["Body"],
                              "eventSource": "aws:sqs", "attributes": {"ApproximateReceiveCount": "1"}}]}
        request_id, _ = faulty.send(batch)
        kind, _, body = faulty.outcome(request_id, timeout=120)
        assert kind == "response" and json.loads(body) == {"batchItemFailures": []}, body
        [item] = [item for item in stack.images() if item["id"] == image_id]
        assert item["status"] == "COMPLETED" and len(item["variants"]) == 3
    finally:
        process.stop()


def test_events_that_are_not_objects_are_invocation_errors_and_the_function_goes_on(faulty, moto, tmp_path):
    stack = Stack(moto, tmp_path)
    process = DarkroomProcess(["lambda"], environment=stack.environment(faulty.runtime_api), log_path=tmp_path / "function.log")
    try:
        process.wait_for_log("Darkroom Lambda function ready", timeout=60)
        for event in ("just a string", [1, 2, 3], {"Records": "not a list"}, {"Records": [{"eventSource": "aws:kinesis"}]}):
            request_id, _ = faulty.send(event)
            kind, _, error = faulty.outcome(request_id)
            assert kind == "error" and error["errorType"] == "InvalidEvent", (event, error)
        event = stack.put("incoming/after-junk.jpg", photo(seed=13))
        request_id, _ = faulty.send(event)
        kind, _, body = faulty.outcome(request_id, timeout=120)
        assert kind == "response" and json.loads(body)["completed"] == 1
        assert process.process.poll() is None
    finally:
        process.stop()
