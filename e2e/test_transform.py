"""On-the-fly URLs over real sockets, compared with thumbor 7.8 (PyPI) on the same URLs.

URLs are signed here with thumbor's own signer and with imgproxy's documented algorithm in
Python, never with Darkroom's code. Both servers read the same folder.
"""

import base64
import hashlib
import hmac
import http.client
import http.server
import io
import threading
import urllib.error
import urllib.request

import pytest
from PIL import Image, ImageChops, ImageStat

from conftest import CORPUS
from darkroom_process import serve
from thumbor_server import ThumborServer

THUMBOR_KEY = "MY_SECURE_KEY"
IMGPROXY_KEY, IMGPROXY_SALT = "736563726574", "68656c6c6f"


def make_root(folder):
    """Two 2040×1530 photos (the bench corpus when present), a transparent PNG and a logo."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted((CORPUS / "bench").glob("bench_*_4032x3024.jpg"))[:2] if (CORPUS / "bench").is_dir() else []
    for index in range(2):
        if index < len(sources):
            image = Image.open(sources[index]).convert("RGB").resize((2040, 1530), Image.LANCZOS)
        else:
            image = Image.linear_gradient("L").resize((2040, 1530)).convert("RGB")
        image.save(folder / f"photo{index + 1}.jpg", quality=90)
    overlay = Image.new("RGBA", (800, 600), (0, 0, 0, 0))
    overlay.paste((200, 40, 40, 255), (100, 100, 700, 500))
    overlay.save(folder / "alpha.png")
    Image.new("RGBA", (200, 100), (255, 255, 255, 200)).save(folder / "logo.png")
    return folder


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    work = tmp_path_factory.mktemp("transform")
    root = make_root(work / "root")
    env = {
        "DARKROOM_TRANSFORM_ROOT": str(root),
        "DARKROOM_TRANSFORM_THUMBOR_SECURITY_KEY": THUMBOR_KEY,
        "DARKROOM_TRANSFORM_IMGPROXY_KEYS": IMGPROXY_KEY,
        "DARKROOM_TRANSFORM_IMGPROXY_SALTS": IMGPROXY_SALT,
        "DARKROOM_TRANSFORM_AUTO_FORMATS": "webp",
        "DARKROOM_TRANSFORM_WATERMARK": str(root / "logo.png"),
        "DARKROOM_TRANSFORM_IMGPROXY_PRESETS": "small=rs:fit:300:300/q:70,default=sm:1",
    }
    darkroom = serve(work / "data", environment=env, log_path=work / "darkroom.log")
    thumbor = ThumborServer(root, work, THUMBOR_KEY)
    try:
        yield darkroom, thumbor, root
    finally:
        thumbor.stop()
        darkroom.stop()


def thumbor_signed(path):
    from thumbor.url_signers.base64_hmac_sha1 import UrlSigner

    return "/" + UrlSigner(THUMBOR_KEY).signature(path).decode() + "/" + path


def imgproxy_signed(path):
    digest = hmac.new(bytes.fromhex(IMGPROXY_KEY), bytes.fromhex(IMGPROXY_SALT) + path.encode(), hashlib.sha256).digest()
    return "/" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode() + path


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def raw_get(port, path):
    """A GET whose path is sent exactly as written (no dot-segment removal)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def difference(a, b):
    """Mean absolute difference per channel, 0–255, after bringing both to the same size."""
    first = Image.open(io.BytesIO(a)).convert("RGB")
    second = Image.open(io.BytesIO(b)).convert("RGB").resize(first.size)
    return sum(ImageStat.Stat(ImageChops.difference(first, second)).mean) / 3


# (thumbor path, compare pixels): smart crops are compared by size only, since thumbor's
# feature detector and libvips's attention pick different regions.
THUMBOR_CASES = [
    ("fit-in/512x512/filters:quality(80)/photo1.jpg", True),
    ("300x200/photo1.jpg", True),
    ("300x200/smart/photo2.jpg", False),
    ("300x200/left/top/photo2.jpg", True),
    ("300x200/right/bottom/photo2.jpg", True),
    ("x100/photo1.jpg", True),
    ("full-fit-in/300x300/photo1.jpg", True),
    ("adaptive-fit-in/300x400/photo2.jpg", True),
    ("0x0:1020x1530/-200x0/photo1.jpg", True),
    ("200x-150/photo2.jpg", True),
    ("3000x200/photo1.jpg", True),
    ("fit-in/3000x3000/photo1.jpg", True),
    ("fit-in/400x400/filters:grayscale()/photo1.jpg", True),
    ("fit-in/400x400/filters:format(png)/alpha.png", True),
    ("fit-in/300x300/filters:format(webp):quality(60)/photo2.jpg", True),
    ("fit-in/300x300/filters:blur(5)/photo1.jpg", True),
    ("fit-in/300x300/filters:rotate(90)/photo1.jpg", True),
]


@pytest.mark.parametrize("path,compare", THUMBOR_CASES)
def test_thumbor_urls_give_thumbors_sizes_and_a_similar_picture(servers, path, compare):
    darkroom, thumbor, _ = servers
    signed = thumbor_signed(path)
    theirs = get(thumbor.url + signed)
    ours = get(darkroom.url + "/thumbor" + signed)
    assert theirs[0] == 200, theirs
    assert ours[0] == 200, ours[2][:300]
    mine, peer = Image.open(io.BytesIO(ours[2])), Image.open(io.BytesIO(theirs[2]))
    assert mine.size == peer.size, f"{path}: Darkroom {mine.size}, thumbor {peer.size}"
    assert mine.format == peer.format
    if compare:
        assert difference(ours[2], theirs[2]) < 12, f"{path} looks different from thumbor's"


def test_thumbor_refusals_match_thumbors(servers):
    darkroom, thumbor, _ = servers
    path = "300x200/photo1.jpg"
    wrong = "/" + thumbor_signed(path).split("/")[1] + "/301x200/photo1.jpg"
    assert get(thumbor.url + wrong)[0] == 400
    status, headers, body = get(darkroom.url + "/thumbor" + wrong)
    assert status == 400 and b"signature" in body
    assert "Cache-Control" not in headers
    assert get(darkroom.url + "/thumbor" + thumbor_signed("300x200/missing.jpg"))[0] == 404
    # thumbor ignores filters it does not know; so does Darkroom, and says which.
    status, headers, _ = get(darkroom.url + "/thumbor" + thumbor_signed("fit-in/100x100/filters:round_corner(9,255,0,0)/photo1.jpg"))
    assert status == 200 and headers.get("X-Darkroom-Ignored") == "round_corner"
    # Unsigned (unsafe) URLs are off by default, unlike thumbor.
    assert get(darkroom.url + "/thumbor/unsafe/" + path)[0] == 400


IMGPROXY_CASES = [
    ("/rs:fit:512:512/q:80/plain/photo1.jpg", (512, 384), "JPEG"),
    ("/rs:fill:300:400/g:sm/plain/local:///photo2.jpg@webp", (300, 400), "WEBP"),
    ("/rs:force:100:50/plain/photo1.jpg@png", (100, 50), "PNG"),
    ("/rs:fit:400:400:0:1/bg:00ff00/plain/photo1.jpg", (400, 400), "JPEG"),
    ("/w:256/dpr:2/plain/photo2.jpg", (512, 384), "JPEG"),
    ("/c:1000:1000:nowe/rs:fit:200:200/plain/photo1.jpg", (200, 200), "JPEG"),
    ("/rs:fill:200:200/g:fp:0.9:0.1/plain/photo1.jpg", (200, 200), "JPEG"),
    ("/rs:fit:300:300/wm:0.5:soea:10:10:0.3/plain/photo2.jpg", (300, 225), "JPEG"),
    ("/pr:small/pix:8/plain/photo1.jpg", (300, 225), "JPEG"),
    ("/rs:fit:300:300/" + base64.urlsafe_b64encode(b"photo1.jpg").rstrip(b"=").decode() + ".png", (300, 225), "PNG"),
]


@pytest.mark.parametrize("path,size,format", IMGPROXY_CASES)
def test_imgproxy_urls_signed_independently(servers, path, size, format):
    darkroom, _, _ = servers
    status, headers, body = get(darkroom.url + "/imgproxy" + imgproxy_signed(path))
    assert status == 200, body[:300]
    image = Image.open(io.BytesIO(body))
    assert (image.size, image.format) == (size, format)


def test_imgproxy_statuses(servers):
    darkroom, _, _ = servers
    assert get(darkroom.url + "/imgproxy/AAAA/rs:fit:10:10/plain/photo1.jpg")[0] == 403
    assert get(darkroom.url + "/imgproxy/insecure/rs:fit:10:10/plain/photo1.jpg")[0] == 403
    assert get(darkroom.url + "/imgproxy" + imgproxy_signed("/zoom:2/plain/photo1.jpg"))[0] == 404
    assert get(darkroom.url + "/imgproxy" + imgproxy_signed("/exp:1000/plain/photo1.jpg"))[0] == 404
    assert get(darkroom.url + "/imgproxy" + imgproxy_signed("/w:10/plain/nope.jpg"))[0] == 404


def test_negotiation_caching_and_conditional_requests(servers):
    darkroom, _, _ = servers
    url = darkroom.url + "/imgproxy" + imgproxy_signed("/rs:fit:320:320/plain/photo2.jpg")
    status, webp, body = get(url, {"Accept": "image/avif,image/webp,*/*"})
    assert status == 200 and webp["Content-Type"] == "image/webp" and webp["Vary"] == "Accept"
    assert Image.open(io.BytesIO(body)).format == "WEBP"
    status, jpeg, _ = get(url, {"Accept": "*/*"})
    assert jpeg["Content-Type"] == "image/jpeg" and jpeg["Vary"] == "Accept" and jpeg["ETag"] != webp["ETag"]
    assert get(url, {"Accept": "*/*"})[1]["X-Darkroom-Source"] == "cache"
    status, headers, body = get(url, {"Accept": "*/*", "If-None-Match": jpeg["ETag"]})
    assert status == 304 and body == b"" and headers["ETag"] == jpeg["ETag"]
    assert headers["Vary"] == "Accept"
    assert "max-age=" in jpeg["Cache-Control"]
    metrics = get(darkroom.url + "/metrics")[2].decode()
    assert 'darkroom_transform_events_total{event="cache_hit"}' in metrics


def test_dot_segments_sent_raw_never_escape_the_root(servers):
    darkroom, _, root = servers
    (root.parent / "secret.jpg").write_bytes((root / "photo1.jpg").read_bytes())
    for path in [
        "/thumbor" + thumbor_signed("100x100/../secret.jpg"),
        "/thumbor" + thumbor_signed("100x100/%2E%2E/secret.jpg"),
        "/imgproxy" + imgproxy_signed("/w:10/plain/../secret.jpg"),
        "/imgproxy" + imgproxy_signed("/w:10/plain/local:///../secret.jpg"),
        "/imgproxy" + imgproxy_signed("/w:10/plain/%2e%2e%2fsecret.jpg"),
    ]:
        status, body = raw_get(darkroom.port, path)
        assert status in (400, 404), (path, status, body[:200])


class _Images(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data")
            self.end_headers()
            return
        super().do_GET()


def test_remote_sources_are_allow_listed_and_private_addresses_refused(tmp_path, servers):
    _, _, root = servers
    handler = lambda *args, **kwargs: _Images(*args, directory=str(root), **kwargs)  # noqa: E731
    origin = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{origin.server_address[1]}/"
    env = {"DARKROOM_TRANSFORM_ALLOWED_SOURCES": base, "DARKROOM_TRANSFORM_ALLOW_UNSIGNED": "true"}
    strict = serve(tmp_path / "strict", environment=env)
    open_ = serve(tmp_path / "open", environment={**env, "DARKROOM_TRANSFORM_ALLOW_PRIVATE_NETWORKS": "true"})
    try:
        # Loopback is private: refused before any connection, allow-listed or not.
        assert get(strict.url + f"/imgproxy/insecure/w:100/plain/{base}photo1.jpg")[0] == 403
        status, _, body = get(open_.url + f"/imgproxy/insecure/w:100/plain/{base}photo1.jpg")
        assert status == 200 and Image.open(io.BytesIO(body)).size == (100, 75)
        assert get(open_.url + f"/thumbor/unsafe/100x100/{base}photo2.jpg")[0] == 200
        # Not on the allow-list, a redirect, a missing file.
        assert get(open_.url + "/imgproxy/insecure/w:100/plain/http://example.com/photo1.jpg")[0] == 403
        assert get(open_.url + f"/imgproxy/insecure/w:100/plain/{base}redirect")[0] == 502
        assert get(open_.url + f"/imgproxy/insecure/w:100/plain/{base}missing.jpg")[0] == 404
    finally:
        strict.stop()
        open_.stop()
        origin.shutdown()


def test_an_s3_root_in_the_s3_storage(tmp_path, servers):
    """`transform.root: s3://bucket/prefix` against signature-checking moto: objects under the
    prefix are sources, others are refused, and results are cached in the S3 storage."""
    from moto_server import Moto

    _, _, root = servers
    moto = Moto(signed=True)
    try:
        s3 = moto.client("s3")
        s3.create_bucket(Bucket="media")
        s3.put_object(Bucket="media", Key="photos/a.jpg", Body=(root / "photo1.jpg").read_bytes(), ContentType="image/jpeg")
        s3.put_object(Bucket="media", Key="private/b.jpg", Body=(root / "photo2.jpg").read_bytes(), ContentType="image/jpeg")
        env = {**moto.environment(), "DARKROOM_STORAGE": "s3://media/store", "DARKROOM_TRANSFORM_ROOT": "s3://media/photos",
               "DARKROOM_TRANSFORM_ALLOW_UNSIGNED": "true"}
        darkroom = serve(tmp_path / "data", environment=env)
        try:
            status, headers, body = get(darkroom.url + "/imgproxy/insecure/rs:fit:256:256/q:80/plain/s3://media/photos/a.jpg")
            assert status == 200, body[:300]
            assert Image.open(io.BytesIO(body)).size == (256, 192)
            assert headers["X-Darkroom-Source"] == "render"
            # The bare path resolves under the root; same picture, so a cache hit.
            status, headers, _ = get(darkroom.url + "/thumbor/unsafe/fit-in/256x256/filters:quality(80)/a.jpg")
            assert status == 200 and headers["X-Darkroom-Source"] == "cache"
            assert get(darkroom.url + "/imgproxy/insecure/w:10/plain/s3://media/private/b.jpg")[0] == 403
            assert get(darkroom.url + "/imgproxy/insecure/w:10/plain/s3://other/photos/a.jpg")[0] == 403
            assert get(darkroom.url + "/imgproxy/insecure/w:10/plain/missing.jpg")[0] == 404
            cached = [o["Key"] for o in s3.list_objects_v2(Bucket="media", Prefix="store/transforms/").get("Contents", [])]
            assert len(cached) == 1, cached
            # A changed object is a new source (its ETag): the old result is not served.
            s3.put_object(Bucket="media", Key="photos/a.jpg", Body=(root / "photo2.jpg").read_bytes(), ContentType="image/jpeg")
            status, headers, _ = get(darkroom.url + "/imgproxy/insecure/rs:fit:256:256/q:80/plain/s3://media/photos/a.jpg")
            assert status == 200 and headers["X-Darkroom-Source"] == "render"
        finally:
            darkroom.stop()
    finally:
        moto.stop()


def test_a_crash_in_image_code_costs_one_request_never_the_service(tmp_path, servers):
    """A render child that aborts (the test failpoint, as a libvips abort would) fails that one
    request with a clear error; the server keeps serving."""
    _, _, root = servers
    crash_root = tmp_path / "crash-root"
    crash_root.mkdir()
    Image.new("RGB", (777, 500), (120, 30, 30)).save(crash_root / "crash.jpg")
    (crash_root / "fine.jpg").write_bytes((root / "photo1.jpg").read_bytes())
    env = {"DARKROOM_TRANSFORM_ROOT": str(crash_root), "DARKROOM_TRANSFORM_ALLOW_UNSIGNED": "true",
           "DARKROOM_FAILPOINT": "render-abort:width=777"}
    darkroom = serve(tmp_path / "data", environment=env)
    try:
        status, _, body = get(darkroom.url + "/imgproxy/insecure/w:100/plain/crash.jpg")
        assert status == 422 and b"crashed" in body, (status, body[:300])
        assert darkroom.process.poll() is None
        status, _, body = get(darkroom.url + "/imgproxy/insecure/w:100/plain/fine.jpg")
        assert status == 200 and Image.open(io.BytesIO(body)).size[0] == 100
        assert get(darkroom.url + "/healthz")[0] == 200
    finally:
        darkroom.stop()
