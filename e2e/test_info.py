"""The info endpoints (docs/info-endpoints.md): thumbor's /meta compared with thumbor 7.8 itself on
the same URLs (written here and generated at random), and imgproxy's /info checked against
Pillow, exiftool, hashlib and PyPI's blurhash and thumbhash on files made here.

URLs are signed with thumbor's own signer and imgproxy's documented algorithm in Python."""

import hashlib
import io
import json
import random
import struct
import zlib

import blurhash
import pytest
from PIL import Image
from thumbhash.decode import thumbhash_to_rgba

from darkroom_process import serve
from test_facts import EXIFTOOL, exiftool, photo_with_exif
from thumbor_server import ThumborServer

# The same keys and signers as the image URLs' comparison with thumbor.
from test_transform import IMGPROXY_KEY, IMGPROXY_SALT, THUMBOR_KEY, get, imgproxy_signed, thumbor_signed  # noqa: E402


def huge_png(width, height):
    """A valid PNG header declaring `width` × `height`, with one tiny IDAT: a decompression bomb
    by declaration."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def make_root(folder):
    folder.mkdir(parents=True, exist_ok=True)
    gradient = Image.linear_gradient("L")
    sizes = {"wide.jpg": (2040, 1530), "tall.jpg": (1530, 2040), "odd.jpg": (997, 613), "square.png": (640, 640), "strip.jpg": (3000, 41)}
    for name, size in sizes.items():
        picture = Image.merge("RGB", (gradient.resize(size), gradient.rotate(90).resize(size), Image.new("L", size, 90)))
        picture.save(folder / name, quality=90)
    frames = [Image.new("RGB", (120, 80), (i * 80, 20, 200 - i * 60)) for i in range(3)]
    frames[0].save(folder / "anim.gif", save_all=True, append_images=frames[1:], duration=[100, 200, 300], loop=0)
    (folder / "exif.jpg").write_bytes(photo_with_exif(gps=True))
    (folder / "bomb.png").write_bytes(huge_png(60000, 60000))
    return folder, sizes


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    work = tmp_path_factory.mktemp("info")
    root, sizes = make_root(work / "root")
    env = {
        "DARKROOM_TRANSFORM_ROOT": str(root),
        "DARKROOM_TRANSFORM_THUMBOR_SECURITY_KEY": THUMBOR_KEY,
        "DARKROOM_TRANSFORM_IMGPROXY_KEYS": IMGPROXY_KEY,
        "DARKROOM_TRANSFORM_IMGPROXY_SALTS": IMGPROXY_SALT,
    }
    darkroom = serve(work / "data", environment=env, log_path=work / "darkroom.log")
    thumbor = ThumborServer(root, work, THUMBOR_KEY)
    try:
        yield darkroom, thumbor, root, sizes
    finally:
        thumbor.stop()
        darkroom.stop()


def imgproxy_info(path):
    return "/imgproxy/info" + imgproxy_signed(path)


def numbers(value):
    """thumbor writes some sizes as floats (300.0): compare them as numbers."""
    if isinstance(value, dict):
        return {k: numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [numbers(v) for v in value]
    if isinstance(value, float) and value == int(value):
        return int(value)
    return value


def both_metas(servers, path):
    darkroom, thumbor, _, _ = servers
    signed = thumbor_signed("meta/" + path)
    theirs = get(thumbor.url + signed)
    ours = get(darkroom.url + "/thumbor" + signed)
    assert theirs[0] == 200, (path, theirs[2][:200])
    assert ours[0] == 200, (path, ours[2][:300])
    assert ours[1]["Content-Type"] == "application/json"
    return numbers(json.loads(ours[2])["thumbor"]), numbers(json.loads(theirs[2])["thumbor"])


def assert_same_meta(servers, path):
    ours, theirs = both_metas(servers, path)
    assert ours["operations"] == theirs["operations"], path
    assert ours["target"] == theirs["target"], path
    assert ours["focal_points"] == theirs["focal_points"], path
    assert ours["source"]["url"] == theirs["source"]["url"]
    assert ours["source"]["frameCount"] == theirs["source"]["frameCount"]
    # thumbor's documentation gives the original's size as `source`; 7.8 reports the size after
    # its operations there. Darkroom gives the original's (docs/info-endpoints.md).
    _, _, root, sizes = servers
    name = path.rsplit("/", 1)[-1]
    if name in sizes:
        assert (ours["source"]["width"], ours["source"]["height"]) == sizes[name]
    if theirs["operations"]:
        assert (theirs["source"]["width"], theirs["source"]["height"]) == (theirs["target"]["width"], theirs["target"]["height"])
    return ours


META_CASES = [
    "300x200/wide.jpg",
    "fit-in/512x512/wide.jpg",
    "0x0:1020x1530/-200x0/wide.jpg",
    "full-fit-in/300x300/wide.jpg",
    "adaptive-fit-in/300x400/wide.jpg",
    "3000x200/wide.jpg",
    "fit-in/3000x3000/wide.jpg",
    "300x200/left/top/tall.jpg",
    "300x200/right/bottom/tall.jpg",
    "x100/odd.jpg",
    "200x-150/tall.jpg",
    "-0x-0/square.png",
    "300x0/odd.jpg",
    "50x50:10x10/100x100/wide.jpg",
    "0x0:5000x5000/wide.jpg",
    "100x100/strip.jpg",
    "fit-in/100x100/strip.jpg",
    "filters:format(webp):quality(50)/odd.jpg",
    "fit-in/60x60/anim.gif",
    "anim.gif",
]


@pytest.mark.parametrize("path", META_CASES)
def test_meta_answers_what_thumbor_answers(servers, path):
    assert_same_meta(servers, path)


def test_meta_matches_thumbor_on_random_urls(servers):
    """Crops, sizes, fit-in modes, alignments and flips drawn at random (seeded), on sources of
    several shapes: the class of URL, not the examples."""
    _, _, _, sizes = servers
    rng = random.Random(20261204)
    names = sorted(sizes)
    # thumbor performs every step on the pixels even for /meta: sizes stay moderate so that a
    # full-fit-in of the 3000 × 41 strip does not make it allocate gigapixels.
    for _ in range(40):
        name = rng.choice(names)
        width, height = sizes[name]
        parts = []
        if rng.random() < 0.3:
            left, top = rng.randrange(0, width), rng.randrange(0, height)
            parts.append(f"{left}x{top}:{rng.randrange(left, width + 200)}x{rng.randrange(top, height + 200)}")
        parts.append(rng.choice(["", "fit-in", "full-fit-in", "adaptive-fit-in", "adaptive-full-fit-in", ""]))
        side = lambda: rng.choice(["", "0", str(rng.randrange(1, 300)), str(rng.randrange(1, 1200))])  # noqa: E731
        parts.append(f"{rng.choice(['', '-'])}{side()}x{rng.choice(['', '-'])}{side()}")
        parts.append(rng.choice(["", "left", "right", "center"]))
        parts.append(rng.choice(["", "top", "bottom", "middle"]))
        path = "/".join(p for p in parts if p) + "/" + name
        assert_same_meta(servers, path)


def test_meta_target_is_the_size_of_the_picture_the_same_url_gives(servers):
    darkroom, _, _, _ = servers
    for path in ["300x200/wide.jpg", "fit-in/512x512/tall.jpg", "x100/odd.jpg", "full-fit-in/300x300/wide.jpg", "100x100/strip.jpg"]:
        ours, _ = both_metas(servers, path)
        status, _, body = get(darkroom.url + "/thumbor" + thumbor_signed(path))
        assert status == 200
        assert Image.open(io.BytesIO(body)).size == (ours["target"]["width"], ours["target"]["height"]), path


def test_meta_is_cached_signed_and_guarded_like_renders(servers):
    darkroom, _, _, _ = servers
    signed = thumbor_signed("meta/320x240/odd.jpg")
    first = get(darkroom.url + "/thumbor" + signed)
    second = get(darkroom.url + "/thumbor" + signed)
    assert first[0] == second[0] == 200 and first[2] == second[2]
    assert second[1]["X-Darkroom-Source"] == "cache"
    assert get(darkroom.url + "/thumbor" + signed, {"If-None-Match": second[1]["ETag"]})[0] == 304
    # A meta answer and the picture of the same URL never share a cache entry.
    assert get(darkroom.url + "/thumbor" + thumbor_signed("320x240/odd.jpg"))[1]["Content-Type"] == "image/jpeg"
    # JSONP, with the callback checked so that no script of the caller's choosing comes back.
    status, headers, body = get(darkroom.url + "/thumbor" + signed + "?callback=app.show_meta")
    assert status == 200 and headers["Content-Type"] == "text/javascript"
    assert body.startswith(b"app.show_meta({") and body.endswith(b"});")
    status, _, body = get(darkroom.url + "/thumbor" + signed + "?callback=alert(document.cookie)")
    assert status == 400 and b"callback" in body
    # Signatures as for images: a changed URL, or an unsafe one, is refused.
    assert get(darkroom.url + "/thumbor/" + signed.split("/")[1] + "/meta/321x240/odd.jpg")[0] == 400
    assert get(darkroom.url + "/thumbor/unsafe/meta/320x240/odd.jpg")[0] == 400


def test_a_source_over_the_limits_gets_a_clear_error_from_both_endpoints(servers):
    darkroom, _, _, _ = servers
    status, headers, body = get(darkroom.url + "/thumbor" + thumbor_signed("meta/300x200/bomb.png"))
    assert status == 400, body
    assert b"pixels" in body or b"limit" in body, body
    assert "Cache-Control" not in headers
    status, _, body = get(darkroom.url + imgproxy_info("/plain/local:///bomb.png"))
    assert status == 422, body
    assert b"pixels" in body or b"limit" in body, body
    assert get(darkroom.url + "/thumbor" + thumbor_signed("meta/missing.jpg"))[0] == 404
    assert get(darkroom.url + imgproxy_info("/plain/local:///missing.jpg"))[0] == 404
    assert get(darkroom.url + "/healthz")[0] == 200


def info(servers, options, name):
    darkroom, _, _, _ = servers
    status, headers, body = get(darkroom.url + imgproxy_info(f"/{options}/plain/local:///{name}" if options else f"/plain/local:///{name}"))
    assert status == 200, body[:300]
    assert headers["Content-Type"] == "application/json"
    return json.loads(body)


def test_info_defaults_give_format_size_and_dimensions(servers):
    _, _, root, _ = servers
    answer = info(servers, "", "odd.jpg")
    assert answer["format"] == "jpeg" and answer["mime_type"] == "image/jpeg"
    assert answer["size"] == (root / "odd.jpg").stat().st_size
    assert (answer["width"], answer["height"], answer["orientation"]) == (997, 613, 1)
    assert "blurhash" not in answer and "average" not in answer


def test_info_pages_alpha_colourspace_and_hashsums(servers):
    _, _, root, _ = servers
    answer = info(servers, "pn:1/a:1/cs:1/sf:1/chs:md5:sha1:sha256:sha512", "anim.gif")
    assert answer["pages_number"] == Image.open(root / "anim.gif").n_frames == 3
    assert answer["colorspace"] == "srgb" and answer["sample_format"] == "uchar"
    data = (root / "anim.gif").read_bytes()
    assert answer["hashsums"] == {name: hashlib.new(name, data).hexdigest() for name in ["md5", "sha1", "sha256", "sha512"]}
    assert info(servers, "a:1", "square.png")["alpha"] is False


@pytest.mark.skipif(EXIFTOOL is None, reason="exiftool (Debian's libimage-exiftool-perl) is not installed")
def test_info_exif_agrees_with_exiftool_and_keeps_gps_private(servers):
    _, _, root, _ = servers
    tool = exiftool(root / "exif.jpg")
    answer = info(servers, "exif:1:1", "exif.jpg")
    exif = answer["exif"]
    assert exif["Make"] == tool["Make"] and exif["Model"] == tool["Model"] and exif["LensModel"] == tool["LensModel"]
    assert exif["DateTimeOriginal"] == tool["DateTimeOriginal"]
    assert exif["ISOSpeedRatings"] == str(tool["ISO"])
    assert exif["ExposureTime"] == "1/125" and abs(tool["ExposureTime"] - 1 / 125) < 1e-9
    assert exif["FNumber"] == f"f/{tool['FNumber']}"
    # The photo is stored turned (orientation 6): dimensions are as displayed.
    assert (answer["width"], answer["height"], answer["orientation"]) == (80, 120, 6)
    assert not any("GPS" in key or "Latitude" in key for key in exif)
    assert b"33.8" not in json.dumps(answer).encode()
    readable = info(servers, "", "exif.jpg")["exif"]
    assert readable["Manufacturer"] == "Canon" and readable["Date and Time (Original)"] == tool["DateTimeOriginal"]


def test_info_placeholders_decode_close_to_the_photo(servers):
    _, _, root, _ = servers
    answer = info(servers, "avg:1/dc:1/bh:5:4/th:1", "odd.jpg")
    photo = Image.open(root / "odd.jpg").convert("RGB")
    small = photo.resize((32, 20), Image.BOX)
    pixels = [c for p in small.getdata() for c in p]
    decoded = [c for row in blurhash.decode(answer["blurhash"], 32, 20) for p in row for c in p[:3]]
    assert sum(abs(a - b) for a, b in zip(pixels, decoded)) / len(pixels) < 25
    assert blurhash.components(answer["blurhash"]) == (5, 4)
    width, height, rgba = thumbhash_to_rgba(bytes.fromhex(answer["thumb_hash"]))
    thumb = Image.frombytes("RGBA", (width, height), bytes(rgba)).convert("RGB").resize((32, 20))
    assert sum(abs(a - b) for a, b in zip(pixels, [c for p in thumb.getdata() for c in p])) / len(pixels) < 25
    mean = [sum(photo.getdata(band)) / (photo.width * photo.height) for band in range(3)]
    average = answer["average"]
    assert all(abs(average[k] - m) < 6 for k, m in zip("RGB", mean)) and average["A"] == 255
    assert set(answer["dominant_colors"]) == {"dominant"}


def test_info_refusals_are_imgproxys_statuses_with_a_reason(servers):
    darkroom, _, _, _ = servers
    for options, code in [("bh:10:3", 404), ("bh:0:3", 404), ("iptc:1", 404), ("chs:crc32", 404), ("nonsense:1", 404)]:
        status, _, body = get(darkroom.url + imgproxy_info(f"/{options}/plain/local:///odd.jpg"))
        assert status == code and b"message" in body, (options, status, body)
    assert get(darkroom.url + "/imgproxy/info/insecure/plain/local:///odd.jpg")[0] == 403
    good = imgproxy_info("/bh:4:3/plain/local:///odd.jpg")
    assert get(darkroom.url + good.replace("bh:4:3", "bh:4:4"))[0] == 403
    first, second = get(darkroom.url + good), get(darkroom.url + good)
    assert second[1]["X-Darkroom-Source"] == "cache" and first[2] == second[2]
