"""Credentials the way AWS hands them out, driving `darkroom serve` on S3 and DynamoDB:
- web identity (EKS): a token file and a role, exchanged with moto's STS; moto's request
  recorder shows which keys every later request was signed with;
- IMDSv2 (EC2) and container credentials (ECS, EKS Pod Identity), from a server here that
  follows AWS's documented protocols (no emulator of them exists), handing out keys that the
  signature-checking moto accepts."""

import base64
import io
import json
import re
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from darkroom_process import run, serve
from moto_server import Moto

NO_KEYS = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": "us-east-1"}


def photo():
    image = Image.new("RGB", (800, 600), (90, 140, 200))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def upload_and_wait(server):
    status, body = server.api("POST", "/api/images", photo(), {"Content-Type": "image/jpeg", "X-Filename": "a.jpg"})
    assert status == 202, body
    deadline = time.time() + 60
    while time.time() < deadline:
        status, record = server.api("GET", f"/api/images/{body['id']}")
        if record["status"] == "COMPLETED":
            return record
        assert record["status"] in ("PENDING", "PROCESSING"), record
        time.sleep(0.3)
    raise AssertionError("the upload did not complete")


def backends(tmp_path, stem):
    name = f"{stem}-{uuid.uuid4().hex[:8]}"
    return ["--storage", f"s3://{name}/p/", "--metadata", f"dynamodb://{name}", "--create-table"], name


def test_a_web_identity_token_is_exchanged_with_sts_once_and_its_keys_sign_everything(tmp_path):
    recording = tmp_path / "moto-recording.jsonl"
    moto = Moto(signed=False, environment={"MOTO_ENABLE_RECORDING": "True", "MOTO_RECORDER_FILEPATH": str(recording)})
    server = None
    try:
        iam = moto.client("iam")
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.example"},
            "Action": "sts:AssumeRoleWithWebIdentity"}]}
        role = iam.create_role(RoleName="darkroom", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        arguments, bucket = backends(tmp_path, "webid")
        moto.client("s3").create_bucket(Bucket=bucket)
        token = tmp_path / "token"
        token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGFya3Jvb20ifQ.c2ln\n")
        environment = NO_KEYS | {
            "AWS_ENDPOINT_URL": moto.endpoint, "AWS_WEB_IDENTITY_TOKEN_FILE": str(token), "AWS_ROLE_ARN": role,
            "AWS_ROLE_SESSION_NAME": "darkroom-e2e",
        }
        server = serve(tmp_path / "data", *arguments, environment=environment)
        record = upload_and_wait(server)
        assert len(record["variants"]) == 3
        keys = [entry["Key"] for entry in moto.client("s3").list_objects_v2(Bucket=bucket)["Contents"]]
        assert any(key.startswith(f"p/variants/{record['id']}/") for key in keys)

        entries = [json.loads(line) for line in recording.read_text().splitlines() if line.strip()]
        for entry in entries:
            if entry.get("body_encoded"):
                entry["body"] = base64.b64decode(entry["body"]).decode("utf-8", "replace")
        exchanges = [entry for entry in entries if (entry.get("body") or "").startswith("Action=AssumeRoleWithWebIdentity")]
        assert len(exchanges) == 1, "one exchange for the whole process, not one per client or request"
        assert "darkroom-e2e" in exchanges[0]["body"] and "eyJhbGciOiJSUzI1NiJ9" in exchanges[0]["body"]
        assert "Authorization" not in exchanges[0]["headers"], "the exchange is unsigned, as STS expects"
        signed = [entry for entry in entries[entries.index(exchanges[0]) + 1:]
                  if "Authorization" in entry["headers"] and "Botocore" not in entry["headers"].get("User-Agent", "")]
        assert signed, "S3 and DynamoDB were called after the exchange"
        used = {re.search(r"Credential=([A-Z0-9]+)/", entry["headers"]["Authorization"]).group(1) for entry in signed}
        assert len(used) == 1 and next(iter(used)).startswith("ASIA"), f"signed with the role's temporary key, not {used}"
        assert all(entry["headers"].get("X-Amz-Security-Token") for entry in signed), "with its session token"
    finally:
        if server:
            server.stop()
        moto.stop()


class MetadataServer:
    """IMDSv2 and the container credentials endpoint, per AWS's documentation: the token is
    required (IMDSv1 is refused), and the container endpoint checks the Authorization header."""

    def __init__(self, issue_credentials, lifetime=timedelta(hours=6)):
        self.issue_credentials, self.lifetime = issue_credentials, lifetime
        self.requests = []
        self.token = uuid.uuid4().hex
        self.container_token = "Bearer " + uuid.uuid4().hex
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *arguments):
                pass

            def do_PUT(self):
                owner.requests.append(("PUT", self.path))
                if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                    return self.reply(200, owner.token, "text/plain")
                self.reply(400, "missing TTL")

            def do_GET(self):
                owner.requests.append(("GET", self.path))
                if self.path.startswith("/latest/"):
                    if self.headers.get("X-aws-ec2-metadata-token") != owner.token:
                        return self.reply(401, "IMDSv1 is off: PUT /latest/api/token first")
                    if self.path == "/latest/meta-data/iam/security-credentials/":
                        return self.reply(200, "darkroom-instance-role", "text/plain")
                    if self.path == "/latest/meta-data/iam/security-credentials/darkroom-instance-role":
                        return self.reply(200, json.dumps(owner.issue() | {"Code": "Success", "Type": "AWS-HMAC"}))
                    return self.reply(404, "")
                if self.path == "/v2/credentials/task":
                    if self.headers.get("Authorization") != owner.container_token:
                        return self.reply(403, '{"message":"bad token"}')
                    return self.reply(200, json.dumps(owner.issue() | {"RoleArn": "arn:aws:iam::123456789012:role/task"}))
                self.reply(404, "")

            def reply(self, status, body, kind="application/json"):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def issue(self):
        expiration = (datetime.now(timezone.utc) + self.lifetime).strftime("%Y-%m-%dT%H:%M:%SZ")
        key, secret, token = self.issue_credentials()
        return {"AccessKeyId": key, "SecretAccessKey": secret, "Token": token, "Expiration": expiration}

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def moto():
    server = Moto(signed=True)
    yield server
    server.stop()


@pytest.fixture
def metadata(moto):
    """Hands out a role's temporary credentials from the signature-checking moto's STS, as the
    real agents do: moto then checks every signature and session token made with them."""
    iam = moto.client("iam")
    name = f"darkroom-{uuid.uuid4().hex[:8]}"
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="all",
                        PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}')

    def issue():
        granted = moto.client("sts").assume_role(RoleArn=role, RoleSessionName="instance")["Credentials"]
        return granted["AccessKeyId"], granted["SecretAccessKey"], granted["SessionToken"]

    server = MetadataServer(issue)
    yield server
    server.stop()


def test_an_instance_role_is_read_through_imdsv2(moto, metadata, tmp_path):
    arguments, bucket = backends(tmp_path, "imds")
    moto.client("s3").create_bucket(Bucket=bucket)
    environment = NO_KEYS | {"AWS_ENDPOINT_URL": moto.endpoint, "AWS_EC2_METADATA_DISABLED": "",
                             "AWS_EC2_METADATA_SERVICE_ENDPOINT": metadata.endpoint}
    server = serve(tmp_path / "data", *arguments, environment=environment)
    try:
        assert len(upload_and_wait(server)["variants"]) == 3, "moto checked every signature made with the role's keys"
        assert metadata.requests[:3] == [("PUT", "/latest/api/token"), ("GET", "/latest/meta-data/iam/security-credentials/"),
                                         ("GET", "/latest/meta-data/iam/security-credentials/darkroom-instance-role")]
        assert len(metadata.requests) == 3, "fetched once; six hours is long enough to need no refresh"
    finally:
        server.stop()


def test_container_credentials_use_the_authorization_token_file(moto, metadata, tmp_path):
    arguments, bucket = backends(tmp_path, "ecs")
    moto.client("s3").create_bucket(Bucket=bucket)
    token_file = tmp_path / "token"
    token_file.write_text(metadata.container_token + "\n")
    environment = NO_KEYS | {"AWS_ENDPOINT_URL": moto.endpoint, "AWS_CONTAINER_CREDENTIALS_FULL_URI": f"{metadata.endpoint}/v2/credentials/task",
                             "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file)}
    server = serve(tmp_path / "data", *arguments, environment=environment)
    try:
        assert len(upload_and_wait(server)["variants"]) == 3
        assert metadata.requests == [("GET", "/v2/credentials/task")]
    finally:
        server.stop()


def test_credentials_that_cannot_be_had_stop_the_start_with_the_reason(moto, metadata, tmp_path):
    arguments, _ = backends(tmp_path, "none")
    base = NO_KEYS | {"AWS_ENDPOINT_URL": moto.endpoint}
    # A wrong container token: the agent refuses it, and the start says so.
    bad_token = tmp_path / "bad"
    bad_token.write_text("Bearer wrong")
    code, output = run(["serve", "--port", "0", "--data", str(tmp_path / "a"), *arguments], environment=base | {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": f"{metadata.endpoint}/v2/credentials/task", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(bad_token)})
    assert code == 2 and "container credentials endpoint answered 403" in output, output
    # No metadata service at all: it is named, and nothing hangs.
    started = time.time()
    code, output = run(["serve", "--port", "0", "--data", str(tmp_path / "b"), *arguments], environment=base | {
        "AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:1"})
    assert code == 2 and "instance metadata service at http://127.0.0.1:1 did not answer" in output, output
    assert time.time() - started < 30
    # Container credentials over plain HTTP to another host are refused before anything is sent.
    code, output = run(["serve", "--port", "0", "--data", str(tmp_path / "c"), *arguments], environment=base | {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://203.0.113.7/creds"})
    assert code == 2 and "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https" in output, output
