"""Two Lambda Runtime API servers for `darkroom lambda`:

- `CargoLambda`: cargo-lambda's emulator (`cargo lambda watch --only-lambda-apis`, PyPI
  `cargo-lambda`), written by someone else. Its Runtime API sits under `/.rt`, and events are
  invoked through its `POST /2015-03-31/functions/_/invocations`.
- `FaultyRuntime`: an emulator of our own for what cargo-lambda cannot do: a deadline a few
  seconds away, `/next` answering 5xx or slowly, and recording `/init/error`. It follows the
  documented Runtime API (2018-06-01): `/next` long-polls and hands out the request id, the
  deadline in epoch milliseconds and the function ARN in headers."""

import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from moto_server import free_port

VENV_BIN = Path(sys.executable).parent


def cargo():
    """The cargo binary: on PATH, or rustup's default place; None when neither has one."""
    found = shutil.which("cargo")
    if found:
        return found
    home = Path(os.environ.get("CARGO_HOME", Path.home() / ".cargo")) / "bin" / "cargo"
    return str(home) if home.exists() else None


class CargoLambda:
    def __init__(self, folder):
        self.port = free_port()
        project = Path(folder) / "function"
        project.mkdir(parents=True, exist_ok=True)
        environment = dict(os.environ)
        environment["PATH"] = f"{Path(cargo()).parent}:{environment['PATH']}"
        # cargo-lambda reads the function's name from an (empty) Cargo project.
        subprocess.run([cargo(), "init", "-q", "--name", "darkroom-function"], cwd=project, env=environment, check=True)
        self.log = open(Path(folder) / "cargo-lambda.log", "w")
        self.process = subprocess.Popen(
            [str(VENV_BIN / "cargo-lambda"), "lambda", "watch", "--only-lambda-apis", "-A", "127.0.0.1", "-P", str(self.port)],
            cwd=project, env=environment, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.endpoint = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 60
        while True:
            try:
                # It answers nothing on its own paths until an event comes: a connection will do.
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("cargo-lambda did not start: " + (Path(folder) / "cargo-lambda.log").read_text()[-2000:])
                time.sleep(0.2)

    @property
    def runtime_api(self):
        """What Lambda puts in AWS_LAMBDA_RUNTIME_API, with cargo-lambda's `/.rt` path."""
        return f"127.0.0.1:{self.port}/.rt"

    def invoke(self, event, timeout=120):
        """Invokes the function synchronously; returns (HTTP status, the answer as bytes)."""
        request = urllib.request.Request(
            self.endpoint + "/2015-03-31/functions/_/invocations", data=json.dumps(event).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


class FaultyRuntime:
    """The Runtime API, with faults on request."""

    def __init__(self):
        self.events = queue.Queue()
        self.answers = {}
        self.errors = {}
        self.init_errors = []
        self.next_calls = 0
        self.failures_left = 0
        self.next_delay = 0.0
        self.first_next_at = None
        self.lock = threading.Condition()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *arguments):
                pass

            def do_GET(self):
                if not self.path.endswith("/runtime/invocation/next"):
                    return self.reply(404, b"{}")
                with owner.lock:
                    owner.next_calls += 1
                    owner.first_next_at = owner.first_next_at or time.time()
                    if owner.failures_left > 0:
                        owner.failures_left -= 1
                        return self.reply(500, b'{"errorMessage":"injected"}')
                time.sleep(owner.next_delay)
                while True:
                    try:
                        request_id, event, deadline_ms = owner.events.get(timeout=0.5)
                        break
                    except queue.Empty:
                        if getattr(owner, "closed", False):
                            return self.reply(500, b"{}")
                body = json.dumps(event).encode()
                return self.hand_out(request_id, deadline_ms, body)

            def hand_out(self, request_id, deadline_ms, body):
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
                self.send_header("Lambda-Runtime-Deadline-Ms", str(deadline_ms))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:darkroom")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
                parts = self.path.split("/")
                with owner.lock:
                    if self.path.endswith("/runtime/init/error"):
                        owner.init_errors.append((self.headers.get("Lambda-Runtime-Function-Error-Type"), json.loads(body)))
                    elif self.path.endswith("/response"):
                        owner.answers[parts[-2]] = (time.time(), body)
                    elif self.path.endswith("/error"):
                        owner.errors[parts[-2]] = (time.time(), json.loads(body))
                    else:
                        return self.reply(404, b"{}")
                    owner.lock.notify_all()
                self.reply(202, b'{"status":"OK"}')

            def reply(self, status, body):
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the function went away while its long poll waited

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.runtime_api = f"127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def send(self, event, seconds=120):
        """Queues an event whose deadline is `seconds` away; returns its request id and the
        deadline as a time."""
        request_id = str(uuid.uuid4())
        deadline = time.time() + seconds
        self.events.put((request_id, event, int(deadline * 1000)))
        return request_id, deadline

    def outcome(self, request_id, timeout=60):
        """('response', time, bytes) or ('error', time, object), once the function posts it."""
        end = time.time() + timeout
        with self.lock:
            while time.time() < end:
                if request_id in self.answers:
                    return ("response",) + self.answers[request_id]
                if request_id in self.errors:
                    return ("error",) + self.errors[request_id]
                self.lock.wait(0.2)
        raise AssertionError(f"no answer for {request_id}")

    def stop(self):
        self.closed = True
        self.server.shutdown()
        self.server.server_close()
