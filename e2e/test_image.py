"""The container image (`make image` builds it as darkroom:latest with podman): hadolint on the
Dockerfiles, then the image itself, started as an operator would start it: it serves, takes a
photo to COMPLETED, says it is healthy, runs unprivileged, keeps its data in the volume, and stops
cleanly. And the same image as a Lambda function under cargo-lambda's emulator."""

import io
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from PIL import Image

from moto_server import free_port

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
IMAGE = os.environ.get("DARKROOM_IMAGE", "localhost/darkroom:latest")


def podman(*arguments, check=True, timeout=120):
    done = subprocess.run(["podman", *arguments], capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"podman {' '.join(arguments)} failed: {done.stdout}{done.stderr}")
    return done


def image_present():
    return shutil.which("podman") is not None and subprocess.run(
        ["podman", "image", "exists", IMAGE], capture_output=True).returncode == 0


needs_image = pytest.mark.skipif(not image_present(), reason=f"{IMAGE} is not built: `make image` builds it (make test does)")


def test_hadolint_passes_on_every_dockerfile():
    files = [ROOT / "Dockerfile", *sorted((ROOT / "deploy" / "container").glob("*.Containerfile"))]
    done = subprocess.run([str(VENV_BIN / "hadolint"), *map(str, files)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


class Container:
    def __init__(self, *arguments, environment=None):
        self.name = f"darkroom-test-{uuid.uuid4().hex[:8]}"
        flags = []
        for key, value in (environment or {}).items():
            flags += ["-e", f"{key}={value}"]
        # Host networking: these machines have no bridge networking for containers.
        podman("run", "-d", "--name", self.name, "--network", "host", *flags, IMAGE, *arguments)

    def logs(self):
        done = podman("logs", self.name, check=False)
        return done.stdout + done.stderr

    def stop(self):
        podman("stop", "-t", "20", self.name, check=False)
        podman("rm", "-f", self.name, check=False)


def photo():
    image = Image.new("RGB", (1000, 750), (200, 120, 40))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def call(url, method="GET", body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read()


@needs_image
def test_the_image_serves_processes_reports_health_and_stops_cleanly():
    port = free_port()
    container = Container(environment={"DARKROOM_HOST": "127.0.0.1", "DARKROOM_PORT": str(port)})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if call(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.time() < deadline, container.logs()
            time.sleep(0.3)
        status, body = call(base + "/api/images", "POST", photo(), {"Content-Type": "image/jpeg", "X-Filename": "container.jpg"})
        assert status == 202, body
        image_id = json.loads(body)["id"]
        while True:
            record = json.loads(call(f"{base}/api/images/{image_id}")[1])
            if record["status"] == "COMPLETED":
                break
            assert record["status"] in ("PENDING", "PROCESSING") and time.time() < deadline, record
            time.sleep(0.3)
        variant = next(v for v in record["variants"] if v["name"] == "thumbnail")
        status, data = call(base + variant["url"] if variant["url"].startswith("/") else variant["url"])
        assert Image.open(io.BytesIO(data)).size == (variant["width"], variant["height"])

        # The image carries the face model and detects in its render children.
        if FACES.exists():
            status, body = call(base + "/api/images?recipe=privacy", "POST", FACES.read_bytes(), {"Content-Type": "image/jpeg"})
            assert status == 202, body
            faces_id = json.loads(body)["id"]
            while True:
                faced = json.loads(call(f"{base}/api/images/{faces_id}")[1])
                if faced["status"] in ("COMPLETED", "FAILED"):
                    break
                assert time.time() < deadline + 60, faced
                time.sleep(0.3)
            assert faced["status"] == "COMPLETED", faced.get("error")
            assert len([r for r in faced["regions"] if r["kind"] == "face"]) == 3, faced["regions"]

        # The HEALTHCHECK the image declares (docker format keeps it) passes on this port.
        assert podman("healthcheck", "run", container.name, check=False).returncode == 0, container.logs()
        assert podman("exec", container.name, "id", "-u").stdout.strip() == "10001", "not root"
        stored = podman("exec", container.name, "sh", "-c", f"ls /data/blobs/originals/{image_id}").stdout
        assert "container.jpg" in stored, "the data is in the volume"
        inspected = json.loads(podman("image", "inspect", IMAGE).stdout)[0]
        assert "/data" in inspected["Config"]["Volumes"] and "8080/tcp" in inspected["Config"]["ExposedPorts"]
        print(f"image size: {inspected['Size'] / 1e6:.0f} MB")

        podman("stop", "-t", "20", container.name)
        state = json.loads(podman("inspect", container.name).stdout)[0]["State"]
        assert state["ExitCode"] == 0, f"SIGTERM ends it cleanly: {state}\n{container.logs()}"
    finally:
        container.stop()


FACES = ROOT.parent / "shared" / "corpus" / "faces" / "images" / "dlib" / "2008_001322.jpg"


# Every input format Darkroom accepts, made here with the host's libvips CLI (Debian's
# libvips-tools), and every output format: the pruned image must still read and write them all.
INPUTS = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "gif": ".gif", "tiff": ".tif", "heif": ".heic", "avif": ".avif"}
EVERY_OUTPUT = """recipes:
  every:
    placeholders: true
    variants:
      jpeg: {format: jpeg, operations: [{resize: {width: 64}}]}
      png: {format: png, operations: [{resize: {width: 64}}]}
      webp: {format: webp, operations: [{resize: {width: 64}}]}
      avif: {format: avif, speed: 9, operations: [{resize: {width: 64}}]}
      gif: {format: gif, operations: [{resize: {width: 64}}]}
"""


@needs_image
@pytest.mark.skipif(shutil.which("vips") is None, reason="the vips CLI (libvips-tools) makes the inputs")
def test_every_accepted_format_loads_and_every_output_saves_in_the_image(tmp_path):
    folder = tmp_path / "formats"
    folder.mkdir()
    source = folder / "source.png"
    Image.linear_gradient("L").resize((120, 80)).convert("RGB").save(source)
    for name, ext in INPUTS.items():
        target = folder / f"in-{name}{ext}"
        options = {"heif": "[compression=hevc]", "avif": "[compression=av1,effort=0]"}.get(name, "")
        subprocess.run(["vips", "copy", str(source), f"{target}{options}"], check=True, capture_output=True)
    (folder / "recipes.yaml").write_text(EVERY_OUTPUT)
    os.chmod(folder, 0o777)
    done = podman("run", "--rm", "--network", "host", "-v", f"{folder}:/work:z", IMAGE, "process", "/work", "--recipe", "every",
                  "--recipes", "/work/recipes.yaml", "--out", "/work/out", "--json", timeout=300, check=False)
    reports = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    by_input = {Path(r["input"]).name: r for r in reports}
    for name, ext in INPUTS.items():
        report = by_input[f"in-{name}{ext}"]
        assert report["status"] == "completed", report
        assert sorted(v["format"] for v in report["variants"]) == ["avif", "gif", "jpeg", "png", "webp"], report
        for variant in report["variants"]:
            written = folder / "out" / Path(variant["path"]).relative_to("/work/out")
            header = subprocess.run(["vipsheader", "-f", "width", str(written)], capture_output=True, text=True, check=True)
            assert header.stdout.strip() == "64", (variant, header)


def invoke_in_image(tmp_path, key, data, environment=None):
    """The image run as a Lambda function under cargo-lambda's emulator, on moto: one S3 event for
    `key`, answered as completed; returns the table's items."""
    from lambda_emulators import CargoLambda, cargo
    from moto_server import Moto
    from test_lambda import Stack, answer

    if cargo() is None:
        pytest.skip("cargo is missing (make test installs Debian's cargo when rustup's is absent)")
    moto = Moto(signed=True)
    emulator = CargoLambda(tmp_path)
    stack = Stack(moto, tmp_path)
    # Lambda runs the image's own command (`serve`) with AWS_LAMBDA_RUNTIME_API set.
    container = Container(environment=stack.environment(emulator.runtime_api) | (environment or {}))
    try:
        event = stack.put(key, data)
        assert answer(emulator.invoke(event, timeout=180)) == {"completed": 1, "failed": 0, "ignored": 0}, container.logs()
        return stack.images()
    finally:
        container.stop()
        emulator.stop()
        moto.stop()


@needs_image
@pytest.mark.skipif(not FACES.exists(), reason="../shared/corpus/faces is not beside the project: skipped")
def test_the_image_as_a_lambda_function_finds_and_redacts_faces(tmp_path):
    [item] = invoke_in_image(tmp_path, "incoming/three-people.jpg", FACES.read_bytes(), {"DARKROOM_EVENTS_RECIPE": "privacy"})
    assert item["status"] == "COMPLETED"
    assert item["regions"]["facesDetected"] is True
    assert len([box for box in item["regions"]["boxes"] if box["kind"] == "face"]) == 3, item["regions"]


@needs_image
def test_the_image_runs_as_a_lambda_function(tmp_path):
    from test_lambda import photo as lambda_photo

    [item] = invoke_in_image(tmp_path, "incoming/in-a-container.jpg", lambda_photo(seed=2))
    assert item["status"] == "COMPLETED" and len(item["variants"]) == 3
