"""Starts a real `darkroom` process on 127.0.0.1 with a free port, and always stops it."""

import json
import os
import re
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINARY = Path(os.environ.get("DARKROOM_BINARY", ROOT / ".build" / "debug" / "darkroom"))


class DarkroomProcess:
    """`darkroom serve` (or any subcommand that logs "listening on host:port")."""

    def __init__(self, arguments, environment=None, log_path=None):
        if not BINARY.exists():
            raise RuntimeError(f"{BINARY} is missing: run `swift build` first (make test does)")
        self.lines = []
        self.port = None
        self._ready = threading.Event()
        env = dict(os.environ)
        env.update(environment or {})
        self._log = open(log_path, "w") if log_path else None
        self.process = subprocess.Popen(
            [str(BINARY), *arguments], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)
            if self._log:
                self._log.write(line)
                self._log.flush()
            match = re.search(r"listening on [^:\s]+:(\d+)", line)
            if match and not self._ready.is_set():
                self.port = int(match.group(1))
                self._ready.set()
        self._ready.set()

    def wait_until_listening(self, timeout=30):
        if not self._ready.wait(timeout) or self.port is None:
            self.stop()
            raise RuntimeError("darkroom did not start:\n" + "".join(self.lines[-30:]))
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("darkroom never answered /healthz")

    def wait_for_log(self, text, timeout=30):
        """Waits for a log line containing text; fails with the log if the process exits first."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(text in line for line in self.lines):
                return self
            if self.process.poll() is not None:
                time.sleep(0.2)
                raise RuntimeError(f"darkroom exited with {self.process.returncode}:\n" + "".join(self.lines[-30:]))
            time.sleep(0.1)
        raise RuntimeError(f"no log line with {text!r}:\n" + "".join(self.lines[-30:]))

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self._log:
            self._log.close()
            self._log = None

    def api(self, method, path, body=None, headers=None):
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                data = response.read()
                return response.status, json.loads(data) if data else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


def run(arguments, environment=None, timeout=60):
    """Runs a darkroom command to the end: (exit code, output)."""
    env = dict(os.environ)
    env.update(environment or {})
    done = subprocess.run([str(BINARY), *arguments], env=env, capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout + done.stderr


def serve(data_dir, *extra, environment=None, log_path=None, port=0):
    process = DarkroomProcess(
        ["serve", "--host", "127.0.0.1", "--port", str(port), "--data", str(data_dir), "--workers", "2", *extra],
        environment=environment,
        log_path=log_path,
    )
    return process.wait_until_listening()
