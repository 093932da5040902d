"""Starts thumbor 7.8 (PyPI) on 127.0.0.1 with the file loader over a folder, and always stops it."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from moto_server import free_port

VENV_BIN = Path(sys.executable).parent


class ThumborServer:
    def __init__(self, root, workdir, security_key, processes=1):
        self.port = free_port()
        config = Path(workdir) / "thumbor.conf"
        config.write_text(
            "\n".join(
                [
                    "LOADER = 'thumbor.loaders.file_loader'",
                    f"FILE_LOADER_ROOT_PATH = {str(root)!r}",
                    f"SECURITY_KEY = {security_key!r}",
                    "ALLOW_UNSAFE_URL = True",
                    "STORAGE = 'thumbor.storages.no_storage'",
                    "RESULT_STORAGE = 'thumbor.result_storages.no_storage'",
                    "QUALITY = 80",
                ]
            )
        )
        self.log = open(Path(workdir) / "thumbor.log", "w")
        self.process = subprocess.Popen(
            [str(VENV_BIN / "thumbor"), "--ip", "127.0.0.1", "--port", str(self.port), "--conf", str(config),
             "--processes", str(processes)],
            stdout=self.log, stderr=subprocess.STDOUT, env=dict(os.environ),
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthcheck", timeout=2):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("thumbor exited: " + (Path(workdir) / "thumbor.log").read_text()[-2000:])
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("thumbor never answered /healthcheck")

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
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
