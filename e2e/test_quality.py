"""`quality: auto` and `maxBytes` (docs/recipes.md), end to end through the service: the quality
and SSIM stored in each variant's record are checked against scikit-image's
`structural_similarity`, computed here on the outputs against a lossless variant of the same
operations."""

import io
import urllib.request

import numpy
import pytest
from PIL import Image
from skimage.metrics import structural_similarity

from test_placeholders import completed, upload
from darkroom_process import serve

RECIPES = """
recipes:
  auto:
    placeholders: false
    variants:
      reference: {format: png, compression: 1, operations: [{resize: {width: 900, height: 900}}]}
      auto: {format: jpeg, quality: auto, target: 0.97, operations: [{resize: {width: 900, height: 900}}]}
      strict: {format: webp, quality: auto, target: 0.99, qualityRange: [50, 98], operations: [{resize: {width: 900, height: 900}}]}
      capped: {format: jpeg, quality: 90, maxBytes: 40000, operations: [{resize: {width: 900, height: 900}}]}
      both: {format: jpeg, quality: auto, target: 0.995, maxBytes: 30000, operations: [{resize: {width: 900, height: 900}}]}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("quality")
    recipes = work / "recipes.yaml"
    recipes.write_text(RECIPES)
    process = serve(work / "data", environment={"DARKROOM_RECIPES": str(recipes)}, log_path=work / "server.log")
    yield process
    process.stop()


def fetch(server, record, name):
    variant = next(v for v in record["variants"] if v["name"] == name)
    url = variant["url"] if variant["url"].startswith("http") else server.url + variant["url"]
    with urllib.request.urlopen(url, timeout=60) as response:
        return variant, response.read()


def luma(data):
    return numpy.asarray(Image.open(io.BytesIO(data)).convert("RGB").convert("L"), dtype=numpy.uint8)


def ssim(a, b):
    return structural_similarity(a, b, data_range=255)


def test_auto_quality_reaches_its_target_by_an_independent_ssim(server, photos):
    for photo in photos:
        record = completed(server, upload(server, photo.read_bytes(), photo.name, recipe="auto"))
        _, reference = fetch(server, record, "reference")
        expected = luma(reference)
        for name, target in [("auto", 0.97), ("strict", 0.99)]:
            variant, data = fetch(server, record, name)
            choice = variant["quality"]
            measured = ssim(expected, luma(data))
            assert abs(measured - choice["ssim"]) < 0.003, (photo.name, name, measured, choice)
            assert measured >= target - 0.003, (photo.name, name, measured)
            assert choice["steps"] <= 8 and choice["fitsMaxBytes"] is True
        assert 40 <= next(v for v in record["variants"] if v["name"] == "auto")["quality"]["quality"] <= 95
        assert 50 <= next(v for v in record["variants"] if v["name"] == "strict")["quality"]["quality"] <= 98


def test_max_bytes_fits_and_bounds_auto(server, photos):
    for photo in photos:
        record = completed(server, upload(server, photo.read_bytes(), photo.name, recipe="auto"))
        capped, data = fetch(server, record, "capped")
        assert len(data) == capped["bytes"]
        if capped["quality"]["fitsMaxBytes"]:
            assert len(data) <= 40000 and capped["quality"]["quality"] <= 90
        else:
            assert capped["quality"]["quality"] == 1
        assert "ssim" not in capped["quality"]
        both, data = fetch(server, record, "both")
        if both["quality"]["fitsMaxBytes"]:
            assert len(data) <= 30000
        # The SSIM stored is that of what was kept, whichever search decided.
        _, reference = fetch(server, record, "reference")
        assert abs(ssim(luma(reference), luma(data)) - both["quality"]["ssim"]) < 0.003


def test_fixed_quality_variants_carry_no_choice(server, photos):
    record = completed(server, upload(server, photos[0].read_bytes(), photos[0].name))
    assert all("quality" not in variant for variant in record["variants"])


def test_bad_quality_settings_are_refused_when_the_recipes_load(tmp_path):
    from darkroom_process import run

    for body, message in [
        ("{format: png, quality: auto}", "lossy"),
        ("{format: jpeg, quality: auto, target: 1.5}", "target"),
        ("{format: jpeg, quality: auto, qualityRange: [90, 40]}", "qualityRange"),
        ("{format: jpeg, quality: 80, target: 0.9}", "quality: auto"),
        ("{format: jpeg, maxBytes: 5}", "maxBytes"),
        ("{format: jpeg, quality: best}", "quality"),
    ]:
        recipes = tmp_path / "recipes.yaml"
        recipes.write_text("recipes:\n  bad:\n    variants:\n      one: " + body + "\n")
        code, output = run(["recipes", "--recipes", str(recipes)])
        assert code != 0 and message in output, (body, output[-400:])
