"""`darkroom loadgen` against a real `darkroom serve` (and, for S3 drops, a real worker on moto):
its counts agree with the server's own image list, every upload form works, bad input gets exit
code 2 with a message naming the flag, and Ctrl-C prints the partial summary."""

import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest
from PIL import Image

from darkroom_process import BINARY, serve


def loadgen(*arguments, timeout=180, environment=None):
    """Runs loadgen to the end: (exit code, stdout, stderr)."""
    env = dict(os.environ) | (environment or {})
    done = subprocess.run([str(BINARY), "loadgen", *arguments], capture_output=True, text=True, timeout=timeout, env=env)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def images(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    for index, size in enumerate([(640, 480), (800, 600)]):
        Image.new("RGB", size, (40 * index, 120, 200)).save(folder / f"photo-{index}.jpg", quality=85)
    (folder / "notes.txt").write_text("not an image, skipped")
    return folder


@pytest.fixture
def server(tmp_path):
    process = serve(tmp_path / "data")
    yield process
    process.stop()


def all_images(server):
    found, cursor = [], None
    while True:
        status, page = server.api("GET", "/api/images?limit=100" + (f"&cursor={cursor}" if cursor else ""))
        assert status == 200
        found += page["images"]
        cursor = page.get("nextCursor")
        if not cursor:
            return found


def test_a_fixed_rate_run_agrees_with_the_servers_own_list(server, images, tmp_path):
    report = tmp_path / "run.html"
    code, out, err = loadgen(server.url, "--images", str(images), "--rate", "4", "--count", "16", "--json", "--report", str(report))
    assert code == 0, err
    result = json.loads(out)
    listed = all_images(server)
    assert result["requests"] == 16 and result["accepted"] == 16
    assert result["completed"] == len([i for i in listed if i["status"] == "COMPLETED"]) == 16
    assert result["errors"] == 0 and len(listed) == 16
    for phase in ("accept", "complete"):
        latency = result["latency_ms"][phase]
        assert 0 < latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["p999"] <= latency["max"]
    # At 4/s, 16 requests take about 4 s to send.
    assert 3.5 <= result["duration_s"] < 60
    assert result["throughput"] > 0
    assert "<svg" in report.read_text()


@pytest.mark.parametrize("form", ["multipart", "raw", "base64", "json"])
def test_every_upload_form_is_accepted(server, images, form):
    code, out, err = loadgen(server.url, "--images", str(images), "--concurrency", "2", "--count", "2", "--form", form, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["completed"] == 2 and result["errors"] == 0, result
    names = {image["filename"] for image in all_images(server)}
    assert names <= {"photo-0.jpg", "photo-1.jpg", "upload"} and names


def test_get_mode_counts_requests_and_errors(server, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{server.url}/healthz\n{server.url}/api/images/nope\n")
    code, out, err = loadgen("--get", str(urls), "--concurrency", "2", "--count", "200", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["requests"] == 200
    assert result["accepted"] == 100 and result["errors_by_kind"] == {"http_404": 100}


def test_bad_input_gets_exit_code_2_naming_the_flag(server, images, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = [
        (["http://127.0.0.1:1", "--images", str(images), "--count", "1"], "TARGET"),
        ([server.url, "--images", str(empty), "--count", "1"], "--images"),
        ([server.url, "--images", str(images), "--rate", "-3"], "--rate"),
        ([server.url, "--images", str(images), "--rate", "2", "--concurrency", "2"], "--rate"),
        ([server.url, "--images", str(images), "--duration", "soon"], "--duration"),
        ([server.url, "--images", str(images), "--form", "carrier-pigeon"], "--form"),
        ([server.url, "--images", str(images), "--recipe", "sepia", "--count", "1"], "--recipe"),
        (["ftp://example", "--images", str(images)], "TARGET"),
        (["--get", str(tmp_path / "missing.txt")], "--get"),
    ]
    for arguments, flag in cases:
        code, out, err = loadgen(*arguments, timeout=30)
        assert code == 2, (arguments, out, err)
        assert flag in err, (arguments, err)


def test_refused_auth_stops_before_any_load(tmp_path, images):
    protected = serve(tmp_path / "data", environment={"DARKROOM_AUTH_API_KEYS": "k" * 24})
    try:
        code, _, err = loadgen(protected.url, "--images", str(images), "--count", "1", "--api-key", "wrong-key-wrong-key!", timeout=30)
        assert code == 2 and "--api-key" in err and "refused" in err
        code, out, err = loadgen(protected.url, "--images", str(images), "--count", "2", "--api-key", "k" * 24, "--json", timeout=60)
        assert code == 0, err
        assert json.loads(out)["completed"] == 2, "the event stream is reached with the key too"
    finally:
        protected.stop()


def test_ctrl_c_prints_the_partial_summary(server, images):
    process = subprocess.Popen(
        [str(BINARY), "loadgen", server.url, "--images", str(images), "--rate", "3", "--duration", "120s"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    time.sleep(3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=150)
    assert process.returncode == 130, err
    assert "(interrupted)" in out and "requests" in out
    sent = int(out.split("requests ")[1].split(",")[0])
    assert 3 <= sent <= 20, out


def test_get_mode_reads_every_framing_a_server_may_use(tmp_path):
    """Chunked bodies, `Connection: close`, and a body that runs to the end of the connection,
    from a server that is not Darkroom."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path == "/chunked":
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for piece in (b"hello ", b"chunked ", b"world"):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\n\r\n")
            elif self.path == "/close":
                self.send_response(200)
                self.send_header("Content-Length", "5")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(b"bye!\n")
                self.close_connection = True
            elif self.path == "/hostile":
                # A chunk size near Int.max: refused as a bad answer, never a crash.
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.wfile.write(b"7fffffffffffffff\r\nx")
                self.close_connection = True
            elif self.path == "/unframed":
                self.send_response(200)
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(b"x" * 70000)
                self.close_connection = True
            else:
                self.send_response(418)
                self.send_header("Content-Length", "0")
                self.end_headers()

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        urls = tmp_path / "urls.txt"
        urls.write_text("\n".join(f"{base}{path}" for path in ("/chunked", "/close", "/unframed", "/teapot", "/hostile")) + "\n")
        code, out, err = loadgen("--get", str(urls), "--concurrency", "2", "--count", "100", "--json", timeout=60)
        assert code == 0, err
        result = json.loads(out)
        assert result["requests"] == 100 and result["accepted"] == 60, result
        assert result["errors_by_kind"] == {"http_418": 20, "bad_answer": 20}, result
    finally:
        httpd.shutdown()
