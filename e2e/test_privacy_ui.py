"""The review of regions in a real browser (Debian's Chromium): a person draws a box over the
original in the detail view, saves, and the reprocessed variant's pixels inside that box are a
mosaic, while the rest of the picture is untouched. The gallery marks the image until then."""

import io
import json
import random
import urllib.request

from PIL import Image
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from browser import click, console_errors, open_page, wait_for
from test_web_ui import driver, server  # noqa: F401  (the same served page and browser)
from pixels import energy


def noisy_png(width=640, height=480, seed=7):
    """A photo of noise: a mosaic or a blur shows in any box of it."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (width, height), bytes(rng.randrange(256) for _ in range(width * height * 3)))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def api(server, path, method="GET", body=None, headers=None):
    request = urllib.request.Request(server.url + path, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        data = response.read()
        return json.loads(data) if response.headers.get("Content-Type", "").startswith("application/json") else data


def wait_completed(server, image_id, after=None):
    """The record once it is COMPLETED or FAILED, finished later than `after` (a completedAt)."""

    def done():
        record = api(server, f"/api/images/{image_id}")
        finished = record["status"] in ("COMPLETED", "FAILED") and (after is None or (record.get("completedAt") or "") > after)
        return record if finished else None

    record = wait_for(f"image {image_id} to complete", done, timeout=90)
    assert record["status"] == "COMPLETED", record.get("error")
    return record


def test_a_box_drawn_in_the_browser_redacts_the_reprocessed_variant(server, driver, output_dir):
    photo = noisy_png()
    created = api(server, "/api/images?recipe=privacy", "POST", photo, {"Content-Type": "image/png", "X-Filename": "noise.png"})
    first = wait_completed(server, created["id"])
    assert first["facesDetected"] is True and first["regionsReviewed"] is False
    assert [r for r in first["regions"] if r["kind"] == "face"] == [], "noise has no face"

    open_page(driver, server.url)
    # The gallery marks an image whose regions nobody has reviewed.
    wait_for("the card's review mark", lambda: driver.find_element(By.CSS_SELECTOR, f"li.card[data-id='{created['id']}'] .card-review"))
    driver.get(server.url + f"/#/images/{created['id']}")
    layer = wait_for("the region editor", lambda: driver.find_element(By.ID, "region-layer"))
    wait_for("the original to load", lambda: driver.execute_script("return document.querySelector('.region-picture').complete && document.querySelector('.region-picture').naturalWidth > 0"))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", layer)
    size = layer.size
    # Drag from 20% to 55% across and 30% to 70% down (offsets are from the layer's centre).
    start = (int(size["width"] * (0.20 - 0.5)), int(size["height"] * (0.30 - 0.5)))
    end = (int(size["width"] * (0.55 - 0.5)), int(size["height"] * (0.70 - 0.5)))
    ActionChains(driver).move_to_element_with_offset(layer, *start).click_and_hold().move_to_element_with_offset(layer, *end).release().perform()
    wait_for("the drawn box", lambda: len(driver.find_elements(By.CSS_SELECTOR, "#region-layer .region.manual")) == 1)
    driver.save_screenshot(str(output_dir / "privacy-region-drawn.png"))
    click(driver, driver.find_element(By.ID, "regions-save"))

    record = wait_completed(server, created["id"], after=first["completedAt"])
    manual = [r for r in record["regions"] if r["kind"] == "manual"]
    assert len(manual) == 1, record["regions"]
    box = manual[0]
    assert abs(box["x"] - 0.20) < 0.03 and abs(box["y"] - 0.30) < 0.03, box
    assert abs(box["x"] + box["width"] - 0.55) < 0.03 and abs(box["y"] + box["height"] - 0.70) < 0.03, box
    assert record["regionsReviewed"] is True

    large = Image.open(io.BytesIO(api(server, f"/api/images/{created['id']}/variants/large")))
    original = Image.open(io.BytesIO(photo))
    margin = 0.005  # keep clear of the box's edge, where a block may straddle it
    inside = {"x": box["x"] + margin, "y": box["y"] + margin, "width": box["width"] - 2 * margin, "height": box["height"] - 2 * margin}
    outside = {"x": 0.70, "y": 0.05, "width": 0.25, "height": 0.20}
    assert energy(large, inside) < energy(original, inside) * 0.25, "the drawn box is a mosaic in the new variant"
    assert energy(large, outside) > energy(original, outside) * 0.5, "outside the box the noise is still there"
    wait_for("the detail view to say reviewed", lambda: driver.find_element(By.ID, "regions-state").text == "Reviewed")
    driver.save_screenshot(str(output_dir / "privacy-reviewed.png"))
    assert console_errors(driver) == []
