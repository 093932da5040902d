"""moto_server on 127.0.0.1 with signature checking on, and boto3 clients for it.

With INITIAL_NO_AUTH_ACTION_COUNT=3, moto lets three unsigned actions through: they create an
IAM user, its access key and an allow-all policy. Every request after that must be signed with
that key, so a signing bug in Darkroom fails the test instead of passing unnoticed."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3

VENV_BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Moto:
    def __init__(self, signed=True, environment=None):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        if signed:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
        env.update(environment or {})
        binary = VENV_BIN / "moto_server"
        self.process = subprocess.Popen(
            [str(binary), "-H", "127.0.0.1", "-p", str(self.port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=1)
                break
            except OSError:
                if time.time() > deadline:
                    self.stop()
                    raise RuntimeError("moto_server did not start")
                time.sleep(0.1)
        self.region = "us-east-1"
        self.key_id, self.secret = "AKIDBOOTSTRAP", "bootstrap"
        if signed:
            iam = self.client("iam")
            iam.create_user(UserName="darkroom")
            key = iam.create_access_key(UserName="darkroom")["AccessKey"]
            iam.put_user_policy(
                UserName="darkroom",
                PolicyName="all",
                PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
            )
            self.key_id, self.secret = key["AccessKeyId"], key["SecretAccessKey"]

    def client(self, service):
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=self.key_id,
            aws_secret_access_key=self.secret,
        )

    def resource(self, service):
        return boto3.resource(
            service, endpoint_url=self.endpoint, region_name=self.region, aws_access_key_id=self.key_id, aws_secret_access_key=self.secret
        )

    def environment(self):
        """What a Darkroom process needs to reach this moto, the way the AWS SDKs read it."""
        return {
            "AWS_ACCESS_KEY_ID": self.key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret,
            "AWS_REGION": self.region,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_PROFILE": "",
        }

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def drain_inbox(sqs, url, received):
    """Every SNS envelope an SQS queue subscribed to a topic has received so far, appended to
    `received` (the messages are deleted as they are read)."""
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        if not batch:
            return list(received)
        for message in batch:
            received.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
