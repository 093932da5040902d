"""An image's facts (docs/facts.md) against exiftool on files made here, and GPS kept private
unless `metadata.keepGps` says otherwise."""

import io
import json
import shutil
import subprocess
import time
from fractions import Fraction

import pytest
from PIL import Image, TiffImagePlugin

from darkroom_process import serve

EXIFTOOL = shutil.which("exiftool")
pytestmark = pytest.mark.skipif(EXIFTOOL is None, reason="exiftool (Debian's libimage-exiftool-perl) is not installed")


def photo_with_exif(gps=True):
    image = Image.new("RGB", (120, 80), (90, 60, 30))
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "EOS R5"
    exif[0x0112] = 6
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003] = "2024:05:06 07:08:09"
    ifd[0x9011] = "+02:00"
    ifd[0x829A] = TiffImagePlugin.IFDRational(1, 125)
    ifd[0x829D] = TiffImagePlugin.IFDRational(28, 10)
    ifd[0x8827] = 400
    ifd[0x920A] = TiffImagePlugin.IFDRational(50, 1)
    ifd[0xA434] = "RF24-105mm F4 L IS USM"
    if gps:
        position = exif.get_ifd(0x8825)
        position[1] = "S"
        position[2] = tuple(TiffImagePlugin.IFDRational(*Fraction(v).limit_denominator(1000).as_integer_ratio()) for v in (33, 51, 54.5))
        position[3] = "E"
        position[4] = tuple(TiffImagePlugin.IFDRational(*Fraction(v).limit_denominator(1000).as_integer_ratio()) for v in (151, 12, 36.25))
        position[5] = b"\x00"
        position[6] = TiffImagePlugin.IFDRational(58, 1)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92, exif=exif.tobytes())
    return buffer.getvalue()


def exiftool(path):
    done = subprocess.run([EXIFTOOL, "-j", "-n", str(path)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)[0]


def facts_of(server, data, name):
    status, body = server.api("POST", "/api/images", body=data, headers={"Content-Type": "application/octet-stream", "X-Filename": name})
    assert status == 202, body
    deadline = time.time() + 120
    while time.time() < deadline:
        status, record = server.api("GET", f"/api/images/{body['id']}")
        if record["status"] in ("COMPLETED", "FAILED"):
            assert record["status"] == "COMPLETED", record.get("error")
            return record["facts"]
        time.sleep(0.1)
    raise AssertionError("the image did not complete")


def test_the_exif_people_filter_on_matches_exiftool_and_gps_stays_private(tmp_path):
    path = tmp_path / "camera.jpg"
    path.write_bytes(photo_with_exif())
    tool = exiftool(path)
    server = serve(tmp_path / "data")
    try:
        facts = facts_of(server, path.read_bytes(), "camera.jpg")
        # The original's payload is not the API's: no GPS position anywhere in the answer.
        status, record = server.api("GET", "/api/images?limit=10")
    finally:
        server.stop()
    assert facts["camera"] == {"make": tool["Make"], "model": tool["Model"], "lens": tool["LensModel"]}
    assert facts["takenAt"] == tool["DateTimeOriginal"].replace(":", "-", 2).replace(" ", "T") + tool["OffsetTimeOriginal"]
    assert facts["exposure"]["time"] == pytest.approx(tool["ExposureTime"])
    assert facts["exposure"]["fNumber"] == pytest.approx(tool["FNumber"])
    assert facts["exposure"]["iso"] == tool["ISO"]
    assert facts["exposure"]["focalLength"] == pytest.approx(tool["FocalLength"])
    assert facts["orientation"] == tool["Orientation"] == 6
    # Displayed upright: exiftool's stored 120 x 80, turned.
    assert (facts["width"], facts["height"]) == (tool["ImageHeight"], tool["ImageWidth"])
    assert facts["format"] == "jpeg" and facts["bitDepth"] == tool["BitsPerSample"] and facts["colorSpace"] == "srgb"
    assert facts["hasGPS"] is True and "gps" not in facts
    listed = json.dumps(record)
    assert "latitude" not in listed and "33.86" not in listed and "-33" not in listed


def test_with_keep_gps_the_position_matches_exiftool(tmp_path):
    path = tmp_path / "camera.jpg"
    path.write_bytes(photo_with_exif())
    tool = exiftool(path)
    server = serve(tmp_path / "data", environment={"DARKROOM_METADATA_KEEP_GPS": "true"})
    try:
        facts = facts_of(server, path.read_bytes(), "camera.jpg")
    finally:
        server.stop()
    assert facts["gps"]["latitude"] == pytest.approx(tool["GPSLatitude"], abs=1e-6) and facts["gps"]["latitude"] < 0
    assert facts["gps"]["longitude"] == pytest.approx(tool["GPSLongitude"], abs=1e-6)
    assert facts["gps"]["altitude"] == pytest.approx(tool["GPSAltitude"])


def test_a_photo_without_exif_has_no_camera_and_no_gps(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGBA", (50, 40), (1, 2, 3, 128)).save(buffer, format="PNG")
    server = serve(tmp_path / "data")
    try:
        facts = facts_of(server, buffer.getvalue(), "plain.png")
    finally:
        server.stop()
    assert facts["format"] == "png" and facts["hasAlpha"] is True and facts["hasGPS"] is False
    assert "camera" not in facts and "exposure" not in facts and "takenAt" not in facts


def test_the_detail_view_shows_the_facts_and_no_position(tmp_path):
    from selenium.webdriver.common.by import By

    from browser import cards, chromium, open_page, wait_for

    server = serve(tmp_path / "data")
    driver = chromium()
    try:
        facts_of(server, photo_with_exif(), "camera.jpg")
        open_page(driver, server.url)
        wait_for("the completed card", lambda: len(cards(driver, "COMPLETED")) == 1)
        cards(driver, "COMPLETED")[0].find_element(By.CSS_SELECTOR, "button.card-open").click()
        wait_for("the facts", lambda: "Camera" in driver.find_element(By.CSS_SELECTOR, "#detail dl.facts").text)
        text = driver.find_element(By.CSS_SELECTOR, "#detail dl.facts").text
        for shown in ("Canon EOS R5", "RF24-105mm F4 L IS USM", "2024-05-06 07:08:09+02:00", "1/125 s", "f/2.8", "ISO 400", "50 mm", "yes (position not kept)"):
            assert shown in text, (shown, text)
        assert "33.8" not in text and "151.2" not in text
    finally:
        driver.quit()
        server.stop()


def test_listings_filter_on_format_and_taken_at_and_refuse_bad_bounds(tmp_path):
    server = serve(tmp_path / "data")
    try:
        facts_of(server, photo_with_exif(gps=False), "camera.jpg")
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), (5, 5, 5)).save(buffer, format="PNG")
        facts_of(server, buffer.getvalue(), "plain.png")
        names = lambda query: sorted(image["filename"] for image in server.api("GET", "/api/images?" + query)[1]["images"])
        assert names("format=png") == ["plain.png"]
        assert names("format=jpg") == names("format=jpeg") == ["camera.jpg"]
        assert names("takenFrom=2024-05-06") == ["camera.jpg"]
        assert names("takenFrom=2024-05-06T07:08:10") == []
        assert names("takenBefore=2024-05-07&format=jpeg") == ["camera.jpg"]
        assert names("takenBefore=2024-05-06") == []
        assert names("") == ["camera.jpg", "plain.png"]
        for query, words in [("takenFrom=May", "takenFrom must be a date"), ("format=bmp", "format must be one of"), ("takenBefore=2024-5-6", "takenBefore")]:
            status, body = server.api("GET", "/api/images?" + query)
            assert status == 400 and words in json.dumps(body), (query, status, body)
    finally:
        server.stop()
