"""Every long-running command (`serve`, `worker`, `lambda`) stops on SIGTERM within seconds and
exits 0, on SQLite and on PostgreSQL, and none of them logs the database password. They share
one signal path (`Runtime.run`); `lambda` once ran on with PostgreSQL, its long poll for the
next event holding the process after the service had stopped."""

import signal
import time

import pytest

from darkroom_process import DarkroomProcess, run
from lambda_emulators import FaultyRuntime
from postgres_server import Postgres, available as postgres_available

READY = "the backends are ready; running until SIGTERM or SIGINT"
COMMANDS = {
    "serve": ["serve", "--host", "127.0.0.1", "--port", "0"],
    "worker": ["worker"],
    "lambda": ["lambda"],
}


@pytest.fixture(scope="module")
def pg():
    if not postgres_available():
        pytest.skip("PostgreSQL 15 (Debian's postgresql, which make test installs) or root is missing")
    cluster = Postgres()
    yield cluster
    cluster.close()


@pytest.fixture
def runtime_api():
    """A Runtime API with no events: the function waits in its long poll, as an idle one does."""
    runtime = FaultyRuntime()
    yield runtime
    runtime.stop()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_long_running_command_stops_on_sigterm_within_seconds(command, backend, request, runtime_api, tmp_path):
    secret = None
    url = "sqlite"
    if backend == "postgres":
        cluster = request.getfixturevalue("pg")
        url, _ = cluster.database()
        code, output = run(["migrate", "--metadata", url])
        assert code == 0, output
        secret = cluster.password
    environment = {"DARKROOM_METADATA": url, "DARKROOM_DATA": str(tmp_path / "data")}
    if command == "lambda":
        environment["AWS_LAMBDA_RUNTIME_API"] = runtime_api.runtime_api
    process = DarkroomProcess(COMMANDS[command], environment=environment, log_path=tmp_path / "command.log")
    try:
        process.wait_for_log(READY, timeout=90)
        if command == "lambda":
            deadline = time.time() + 30
            while runtime_api.next_calls == 0 and time.time() < deadline:
                time.sleep(0.1)
            assert runtime_api.next_calls > 0, "the function is waiting for its next event"
        process.process.send_signal(signal.SIGTERM)
        started = time.time()
        try:
            code = process.process.wait(timeout=10)
        except Exception:
            pytest.fail(f"darkroom {command} on {backend} was still running 10 s after SIGTERM:\n" + "".join(process.lines[-20:]))
        assert code == 0, f"exit {code}:\n" + "".join(process.lines[-20:])
        assert time.time() - started < 10
        if secret:
            assert secret not in "".join(process.lines), "no command logs the database password"
    finally:
        process.stop()
