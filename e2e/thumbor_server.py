"""Starts thumbor 7.8 (PyPI) on 127.0.0.1 with the file loader over a folder, and always stops it."""

import os
import signal
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
            # Its own process group: with --processes N thumbor forks children that outlive a
            # signal to the parent alone, so stop() signals the whole group.
            start_new_session=True,
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
        """Stops thumbor and every process it forked (SIGTERM, then SIGKILL after 10 s)."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            if self._group_gone(10):
                break
        if not self.log.closed:
            self.log.close()

    def _group_gone(self, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            self.process.poll()  # reaps thumbor itself once it exits
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return True
            time.sleep(0.1)
        return False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
