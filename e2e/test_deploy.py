"""deploy/aws/template.yaml: cfn-lint passes on it, and its non-compute resources, deployed to
moto's CloudFormation, are what Darkroom runs on: `darkroom worker --events` against the stack's
buckets, queue, table and topic takes a dropped photo to a COMPLETED record and a notification."""

import io
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from PIL import Image

from darkroom_process import DarkroomProcess
from moto_server import Moto

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "aws" / "template.yaml"
VENV_BIN = Path(sys.executable).parent


def test_cfn_lint_passes_on_the_template():
    done = subprocess.run([str(VENV_BIN / "cfn-lint"), str(TEMPLATE)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def moto():
    server = Moto(signed=True)
    yield server
    server.stop()


def deploy(moto, name, parameters):
    cloudformation = moto.client("cloudformation")
    cloudformation.create_stack(
        StackName=name, TemplateBody=TEMPLATE.read_text(), Capabilities=["CAPABILITY_IAM"],
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()],
    )
    deadline = time.time() + 60
    while True:
        stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            break
        assert time.time() < deadline
        time.sleep(0.2)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    return {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}


def test_darkroom_runs_on_the_resources_the_stack_created(moto, tmp_path):
    name = f"dr-{uuid.uuid4().hex[:8]}"
    outputs = deploy(moto, name, {"DeployCompute": "false", "InputPrefix": "uploads/", "Recipe": "default"})
    assert set(outputs) == {"InputLocation", "OutputLocation", "EventsQueueUrl", "DeadLetterQueueUrl", "Table", "Topic"}, "no compute"
    s3, sqs, sns = moto.client("s3"), moto.client("sqs"), moto.client("sns")
    input_bucket = outputs["InputLocation"].split("/")[2]
    output_bucket = outputs["OutputLocation"].split("/")[2]
    queue_name = outputs["EventsQueueUrl"].rsplit("/", 1)[1]

    # What the template promises.
    for bucket in (input_bucket, output_bucket):
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", "encrypted at rest"
    queue_url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    redrive = json.loads(sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(outputs["DeadLetterQueueUrl"].rsplit("/", 1)[1]) and int(redrive["maxReceiveCount"]) == 5
    table = moto.client("dynamodb").describe_table(TableName=outputs["Table"])["Table"]
    assert {index["IndexName"] for index in table["GlobalSecondaryIndexes"]} == {"status-id", "kind-id"}

    # moto's CloudFormation creates the bucket but not its notification: set the template's own
    # (ObjectCreated under InputPrefix, to the events queue) through the S3 API.
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=input_bucket, NotificationConfiguration={"QueueConfigurations": [{
        "QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}}}]})

    inbox = sqs.create_queue(QueueName=f"{name}-inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=outputs["Topic"], Protocol="sqs", Endpoint=inbox_arn)

    worker = DarkroomProcess(
        ["worker", "--events", f"sqs://{queue_name}", "--input", outputs["InputLocation"], "--output", outputs["OutputLocation"],
         "--metadata", f"dynamodb://{outputs['Table']}", "--notify", f"sns://{outputs['Topic']}", "--data", str(tmp_path / "data"),
         "--workers", "2"],
        environment=moto.environment(), log_path=tmp_path / "worker.log",
    ).wait_for_log("Darkroom workers starting")
    try:
        image = Image.new("RGB", (1200, 800), (10, 160, 90))
        body = io.BytesIO()
        image.save(body, "JPEG")
        s3.put_object(Bucket=input_bucket, Key="uploads/stack.jpg", Body=body.getvalue(), ContentType="image/jpeg")
        items = moto.resource("dynamodb").Table(outputs["Table"])
        deadline = time.time() + 90
        while True:
            found = [item for item in items.scan()["Items"] if not item["id"].startswith("idempotency#")]
            if found and found[0]["status"] == "COMPLETED":
                break
            assert time.time() < deadline, (found, (tmp_path / "worker.log").read_text()[-2000:])
            time.sleep(0.3)
        [item] = found
        for variant in item["variants"]:
            assert variant["location"].startswith(f"{outputs['OutputLocation']}variants/{item['id']}/")
        # Listed through the index the stack made.
        by_status = moto.client("dynamodb").query(
            TableName=outputs["Table"], IndexName="status-id", KeyConditionExpression="#s = :c",
            ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":c": {"S": "COMPLETED"}})
        assert [row["id"]["S"] for row in by_status["Items"]] == [item["id"]]
        messages = sqs.receive_message(QueueUrl=inbox, WaitTimeSeconds=5).get("Messages", [])
        assert messages and json.loads(json.loads(messages[0]["Body"])["Message"])["id"] == item["id"]
    finally:
        worker.stop()
