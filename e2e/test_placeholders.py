"""Placeholders (BlurHash, ThumbHash, colours, a tiny preview) checked by independent code:
PyPI's `blurhash` and `thumbhash-python` encode the same pixels and decode Darkroom's strings,
Pillow measures the photos, and Chromium shows what the gallery paints."""

import base64
import io
import json
import random
import time
from pathlib import Path

import blurhash
import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from thumbhash.decode import thumbhash_to_rgba
from thumbhash.encode import rgba_to_thumbhash

from browser import cards, chromium, open_page, wait_for
from darkroom_process import serve

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.fixture
def server(tmp_path):
    process = serve(tmp_path / "data", log_path=tmp_path / "server.log")
    yield process
    process.stop()


def upload(server, data, name, recipe="default", headers=None):
    status, body = server.api(
        "POST", f"/api/images?recipe={recipe}", body=data,
        headers={"Content-Type": "application/octet-stream", "X-Filename": name, **(headers or {})})
    assert status == 202, body
    return body["id"]


def completed(server, image_id, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, body = server.api("GET", f"/api/images/{image_id}")
        assert status == 200
        if body["status"] in ("COMPLETED", "FAILED"):
            assert body["status"] == "COMPLETED", body.get("error")
            return body
        time.sleep(0.1)
    raise AssertionError(f"{image_id} did not complete in {timeout} s")


def rgb(image):
    return [c for pixel in image.convert("RGB").getdata() for c in pixel]


def mae(a, b):
    assert len(a) == len(b)
    return sum(abs(x - y) for x, y in zip(a, b)) / len(a)


def blurhash_pixels(hash_, width, height):
    return [c for row in blurhash.decode(hash_, width, height) for pixel in row for c in pixel[:3]]


def thumbhash_image(hash_bytes):
    width, height, rgba = thumbhash_to_rgba(hash_bytes)
    return Image.frombytes("RGBA", (width, height), bytes(rgba)).convert("RGB")


def preview_image(placeholder):
    prefix = "data:image/webp;base64,"
    assert placeholder["preview"].startswith(prefix)
    return Image.open(io.BytesIO(base64.b64decode(placeholder["preview"][len(prefix):])))


def png(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_same_pixels_give_the_same_hashes_as_independent_encoders(server):
    """An image of at most 100 px is hashed as it is, so PyPI's encoders see the same pixels."""
    rng = random.Random(7)
    image = Image.new("RGB", (64, 48))
    image.putdata([(x * 4, y * 5, (x * y + rng.randrange(40)) % 256) for y in range(48) for x in range(64)])
    placeholder = completed(server, upload(server, png(image), "small.png"))["placeholder"]

    theirs = blurhash.encode([[list(image.getpixel((x, y))) for x in range(64)] for y in range(48)], 4, 3)
    assert placeholder["blurhash"] == theirs or mae(blurhash_pixels(placeholder["blurhash"], 32, 24), blurhash_pixels(theirs, 32, 24)) < 1.5, (
        placeholder["blurhash"], theirs)

    ours = base64.b64decode(placeholder["thumbhash"])
    reference = rgba_to_thumbhash(64, 48, [c for pixel in image.convert("RGBA").getdata() for c in pixel])
    assert len(ours) == len(reference) and ours[:3] == reference[:3], (ours.hex(), reference.hex())
    # The reference rounds halves to even and ours as JavaScript does: a nibble may differ by one.
    nibbles = lambda data: [n for byte in data for n in (byte & 15, byte >> 4)]
    assert max(abs(a - b) for a, b in zip(nibbles(ours), nibbles(reference))) <= 1, (ours.hex(), reference.hex())

    average = [round(sum(channel) / len(channel)) for channel in zip(*image.getdata())]
    assert placeholder["averageColor"] == "#%02x%02x%02x" % tuple(average)


@pytest.mark.skipif(not (CORPUS / "bench").is_dir(), reason=f"{CORPUS / 'bench'} is not here")
def test_photos_decode_as_close_to_the_photo_as_the_reference_encoders_do(server):
    photos = sorted((CORPUS / "bench").glob("bench_[1-5]_*.jpg"))
    records = {path: completed(server, upload(server, path.read_bytes(), path.name)) for path in photos}
    for path, record in records.items():
        placeholder = record["placeholder"]
        photo = Image.open(path).convert("RGB")
        small = photo.copy()
        small.thumbnail((100, 100))
        width, height = 32, round(32 * photo.height / photo.width)
        target = rgb(photo.resize((width, height), Image.BOX))
        # BlurHash: PyPI's decoder on Darkroom's string, against PyPI's own string for the photo.
        reference = blurhash.encode([[list(small.getpixel((x, y))) for x in range(small.width)] for y in range(small.height)], 4, 3)
        ours, theirs = mae(blurhash_pixels(placeholder["blurhash"], width, height), target), mae(blurhash_pixels(reference, width, height), target)
        assert ours <= theirs + 3, f"{path.name}: BlurHash off by {ours:.1f} against the reference's {theirs:.1f}"
        # ThumbHash, the same way.
        decoded = thumbhash_image(base64.b64decode(placeholder["thumbhash"]))
        reference = thumbhash_image(rgba_to_thumbhash(small.width, small.height, [c for p in small.convert("RGBA").getdata() for c in p]))
        target = rgb(photo.resize(decoded.size, Image.BOX))
        ours, theirs = mae(rgb(decoded), target), mae(rgb(reference.resize(decoded.size)), target)
        assert ours <= theirs + 3, f"{path.name}: ThumbHash off by {ours:.1f} against the reference's {theirs:.1f}"
        # The average colour is the photo's mean; the preview is the photo, 32 px across.
        mean = [sum(channel) / len(channel) for channel in zip(*photo.resize((400, 300), Image.BOX).getdata())]
        average = [int(placeholder["averageColor"][i:i + 2], 16) for i in (1, 3, 5)]
        assert max(abs(a - m) for a, m in zip(average, mean)) <= 4, (path.name, average, mean)
        preview = preview_image(placeholder)
        assert preview.size == (32, 24)
        assert mae(rgb(preview.convert("RGB")), rgb(photo.resize((32, 24), Image.BOX))) < 12, path.name


def test_an_exif_rotated_photo_has_an_upright_placeholder(server):
    image = Image.new("RGB", (120, 60), (200, 40, 40))
    for x in range(60, 120):
        for y in range(60):
            image.putpixel((x, y), (40, 40, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to show
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95, exif=exif.tobytes())
    record = completed(server, upload(server, buffer.getvalue(), "rotated.jpg"))
    assert (record["width"], record["height"]) == (60, 120)
    preview = preview_image(record["placeholder"])
    assert preview.width < preview.height, preview.size
    decoded = thumbhash_image(base64.b64decode(record["placeholder"]["thumbhash"]))
    assert decoded.width < decoded.height, decoded.size
    # Upright, the red half is on top.
    top, bottom = decoded.getpixel((decoded.width // 2, 2)), decoded.getpixel((decoded.width // 2, decoded.height - 3))
    assert top[0] > top[2] and bottom[2] > bottom[0], (top, bottom)


def test_what_a_recipe_redacts_is_hidden_in_its_placeholder(server):
    """A white square on black, marked as a region: the privacy recipe pixelates it in every
    variant, and the placeholder shows it filled with the average (dark), never white."""
    image = Image.new("RGB", (400, 300), (0, 0, 0))
    for x in range(150, 250):
        for y in range(100, 200):
            image.putpixel((x, y), (255, 255, 255))
    region = json.dumps([{"x": 0.375, "y": 1 / 3, "width": 0.25, "height": 1 / 3}])
    hidden = completed(server, upload(server, png(image), "marked.png", recipe="privacy", headers={"X-Regions": region}))
    shown = completed(server, upload(server, png(image), "plain.png", recipe="default", headers={"X-Regions": region}))
    centre = lambda record: max(preview_image(record["placeholder"]).convert("RGB").getpixel((16, 12)))
    assert centre(shown) > 200, "the default recipe redacts nothing, so its placeholder shows the square"
    assert centre(hidden) < 80, "the privacy recipe's placeholder hides the region"
    assert max(blurhash.decode(hidden["placeholder"]["blurhash"], 32, 24)[12][16]) < 80


def test_the_gallery_paints_placeholders_until_the_thumbnails_arrive(server, tmp_path):
    """Thumbnails are held back (the browser is told to block them): each card shows its
    placeholder's colour and preview, and no broken image."""
    image = Image.new("RGB", (900, 600), (30, 120, 60))
    record = completed(server, upload(server, png(image), "green.png"))
    driver = chromium()
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/variants/*"]})
        open_page(driver, server.url)
        wait_for("the completed card", lambda: len(cards(driver, "COMPLETED")) == 1)
        frame = cards(driver, "COMPLETED")[0].find_element(By.CSS_SELECTOR, ".thumb")
        style = driver.execute_script(
            "const s = getComputedStyle(arguments[0]); const img = arguments[0].querySelector('img');"
            "return {image: s.backgroundImage, colour: s.backgroundColor, opacity: getComputedStyle(img).opacity, painted: arguments[0].classList.contains('painted')};",
            frame)
        assert style["painted"] and "data:image/webp;base64," in style["image"], style
        assert style["colour"] == "rgb(30, 120, 60)" and record["placeholder"]["dominantColor"] == "#1e783c", style
        assert style["opacity"] == "0", "the blocked thumbnail is not shown as a broken image"
        # Let the thumbnails through: the image fades in over the placeholder.
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
        driver.refresh()
        open_page(driver, server.url)
        wait_for("the thumbnail to show", lambda: driver.execute_script(
            "const img = document.querySelector('#grid li.card .thumb img'); return img && img.complete && img.naturalWidth > 0 && getComputedStyle(img).opacity === '1';"))
    finally:
        driver.quit()
