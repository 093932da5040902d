"""The web UI in a real browser: Debian's Chromium, driven through chromedriver, against a real
`darkroom serve` on a temporary data directory. Screenshots go to test-output/ for a person to look at."""

import json
import urllib.request

import pytest
from selenium.webdriver.common.by import By

from browser import cards, chromium, click, console_errors, open_page, wait_for
from darkroom_process import serve

API_KEY = "browser-test-key-0123456789"


@pytest.fixture
def server(tmp_path):
    process = serve(tmp_path / "data", log_path=tmp_path / "server.log")
    yield process
    process.stop()


@pytest.fixture
def driver():
    browser = chromium()
    yield browser
    browser.quit()


def upload_through_file_input(driver, paths):
    driver.find_element(By.ID, "file-input").send_keys("\n".join(str(path) for path in paths))


def narrow(driver):
    """A 360 px wide phone screen (a desktop window cannot be made that narrow)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 360, "height": 780, "deviceScaleFactor": 2, "mobile": True})


def loaded_files(driver):
    """Every file in the open detail view: its declared size, and what the browser decoded."""
    return driver.execute_script(
        """
        return [...document.querySelectorAll('#detail li.file')].map(li => {
          const img = li.querySelector('img');
          return {name: li.dataset.variant, width: Number(li.dataset.width), height: Number(li.dataset.height),
                  complete: img.complete, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
                  src: img.src, download: li.querySelector('a[download]').href, copy: li.querySelector('[data-copy]').dataset.copy};
        });"""
    )


def test_upload_two_photos_watch_them_complete_inspect_and_delete(server, driver, photos, output_dir):
    open_page(driver, server.url)
    wait_for("the live stream to connect", lambda: driver.find_element(By.ID, "live").get_attribute("data-state") == "live")
    recipes = [option.get_attribute("value") for option in driver.find_elements(By.CSS_SELECTOR, "#recipe option")]
    assert "default" in recipes and "grayscale" in recipes

    upload_through_file_input(driver, photos)

    # Each file has its own row, and its progress bar reports the bytes the browser sent.
    rows = wait_for(
        "both uploads to finish",
        lambda: (lambda found: found if len(found) == 2 else None)(driver.find_elements(By.CSS_SELECTOR, "#uploads li.upload[data-state='done']")),
    )
    sizes = {path.name: path.stat().st_size for path in photos}
    for row in rows:
        name = row.get_attribute("data-name")
        sent, total = int(row.get_attribute("data-sent")), int(row.get_attribute("data-total"))
        assert total >= sizes[name], f"{name}: progress total {total} is smaller than the file ({sizes[name]} bytes)"
        assert sent == total
        assert row.find_element(By.TAG_NAME, "progress").get_attribute("value") == "100"

    # Both cards reach COMPLETED through the event stream: the page is never reloaded.
    wait_for("two COMPLETED cards", lambda: len(cards(driver, "COMPLETED")) == 2, timeout=120)
    wait_for(
        "both thumbnails to load",
        lambda: driver.execute_script("return [...document.querySelectorAll('#grid .thumb img')].filter(i => i.complete && i.naturalWidth > 0).length") == 2,
    )
    driver.save_screenshot(str(output_dir / "gallery-desktop.png"))

    # The detail view shows the original and every variant, and each one loads in the browser.
    first = cards(driver)[0]
    image_id = first.get_attribute("data-id")
    first.find_element(By.CSS_SELECTOR, "button.card-open").click()
    wait_for("the detail view", lambda: driver.find_element(By.ID, "detail").get_attribute("data-id") == image_id)
    status, record = server.api("GET", f"/api/images/{image_id}")
    assert status == 200
    expected = {variant["name"]: variant for variant in record["variants"]}
    assert set(expected) == {"thumbnail", "medium", "large"}
    files = wait_for(
        "every file in the detail view to load",
        lambda: (lambda found: found if found and all(f["complete"] and f["naturalWidth"] > 0 for f in found) else None)(loaded_files(driver)),
    )
    assert {f["name"] for f in files} == {"original", *expected}
    for f in files:
        assert (f["naturalWidth"], f["naturalHeight"]) == (f["width"], f["height"]), f
        if f["name"] != "original":
            assert (f["width"], f["height"]) == (expected[f["name"]]["width"], expected[f["name"]]["height"])
        # The download link and the copied link both fetch the same image.
        with urllib.request.urlopen(f["copy"]) as response:
            assert response.status == 200 and response.headers["Content-Type"].startswith("image/")
        assert f["download"] == f["copy"]
    facts = driver.find_element(By.CSS_SELECTOR, "#detail-body").text
    assert "KB" in facts and "JPEG" in facts
    driver.save_screenshot(str(output_dir / "detail-desktop.png"))

    # At 360 px the gallery and the detail view fit the width.
    narrow(driver)
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 360
    driver.save_screenshot(str(output_dir / "detail-360.png"))
    driver.find_element(By.ID, "detail-close").click()
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 360
    driver.save_screenshot(str(output_dir / "gallery-360.png"))
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    # Delete, with a confirmation: the card goes, and so does the record.
    cards(driver)[0].find_element(By.CSS_SELECTOR, "button.card-open").click()
    wait_for("the detail view", lambda: driver.find_element(By.ID, "detail").get_attribute("open") is not None)
    driver.find_element(By.ID, "delete").click()
    wait_for("the confirmation", lambda: driver.find_element(By.ID, "confirm").get_attribute("open") is not None)
    driver.find_element(By.ID, "confirm-ok").click()
    wait_for("one card left", lambda: len(cards(driver)) == 1)
    assert server.api("GET", f"/api/images/{image_id}")[0] == 404
    assert cards(driver)[0].get_attribute("data-id") != image_id
    assert console_errors(driver) == []


def test_a_corrupt_file_shows_the_api_error_next_to_it(server, driver, tmp_path, output_dir):
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40 + b"\xff\xc0\x00\x03")
    text = tmp_path / "notes.jpg"
    text.write_text("this is a shopping list, not a photograph\n")
    expected = {}
    for path in (corrupt, text):
        status, body = server.api("POST", "/api/images", path.read_bytes(), {"Content-Type": "application/octet-stream", "X-Filename": path.name})
        expected[path.name] = (status, body["error"]["message"])
    assert expected["corrupt.jpg"][0] == 422 and expected["notes.jpg"][0] == 415

    open_page(driver, server.url)
    upload_through_file_input(driver, [corrupt, text])
    rows = wait_for(
        "both uploads to fail",
        lambda: (lambda found: found if len(found) == 2 else None)(driver.find_elements(By.CSS_SELECTOR, "#uploads li.upload[data-state='failed']")),
    )
    for row in rows:
        name = row.get_attribute("data-name")
        message = row.find_element(By.CSS_SELECTOR, ".upload-message")
        assert message.text == expected[name][1]
        assert message.get_attribute("role") == "alert"
    assert cards(driver) == []
    assert server.api("GET", "/api/images")[1]["images"] == []
    driver.save_screenshot(str(output_dir / "upload-errors.png"))


def test_the_gallery_reconnects_after_the_server_restarts(tmp_path, driver, photos, output_dir):
    first = serve(tmp_path / "data")
    port = first.port
    try:
        open_page(driver, first.url)
        wait_for("the live stream", lambda: driver.find_element(By.ID, "live").get_attribute("data-state") == "live")
    finally:
        first.stop()
    wait_for("the page to notice the drop", lambda: driver.find_element(By.ID, "live").get_attribute("data-state") != "live", timeout=20)
    second = serve(tmp_path / "data", port=port)
    try:
        wait_for("the stream to come back", lambda: driver.find_element(By.ID, "live").get_attribute("data-state") == "live", timeout=40)
        status, body = second.api("POST", "/api/images", photos[0].read_bytes(), {"Content-Type": "image/jpeg", "X-Filename": photos[0].name})
        assert status == 202
        wait_for("the new image to arrive and complete without a reload", lambda: len(cards(driver, "COMPLETED")) == 1, timeout=120)
        assert cards(driver)[0].get_attribute("data-id") == body["id"]
    finally:
        second.stop()


def test_with_api_keys_the_page_asks_once_and_images_use_signed_urls(tmp_path, driver, photos, output_dir):
    process = serve(tmp_path / "data", environment={"DARKROOM_AUTH_API_KEYS": API_KEY})
    try:
        driver.get(process.url)
        wait_for("the key dialog", lambda: driver.find_element(By.ID, "key-dialog").get_attribute("open") is not None)
        driver.save_screenshot(str(output_dir / "api-key.png"))
        driver.find_element(By.ID, "key-input").send_keys(API_KEY + "\n")
        wait_for("the page to finish loading", lambda: driver.find_element(By.CSS_SELECTOR, "body[data-ready='true']"))
        assert driver.execute_script("return localStorage.getItem('darkroom.apiKey')") == API_KEY
        upload_through_file_input(driver, photos[:1])
        wait_for("the image to complete", lambda: len(cards(driver, "COMPLETED")) == 1, timeout=120)
        src = wait_for(
            "the thumbnail to load",
            lambda: driver.execute_script("const i = document.querySelector('#grid .thumb img'); return i && i.complete && i.naturalWidth > 0 ? i.src : null"),
        )
        assert "signature=" in src and "expires=" in src
        # A reload finds the key in localStorage and does not ask again.
        driver.refresh()
        wait_for("the page to finish loading", lambda: driver.find_element(By.CSS_SELECTOR, "body[data-ready='true']"))
        assert driver.find_element(By.ID, "key-dialog").get_attribute("open") is None
        assert len(cards(driver)) == 1
    finally:
        process.stop()


def test_an_oversized_file_shows_the_servers_limit(tmp_path, driver, photos):
    process = serve(tmp_path / "data", environment={"DARKROOM_LIMITS_MAX_BYTES": "1000000"})
    try:
        open_page(driver, process.url)
        upload_through_file_input(driver, photos[:1])
        row = wait_for("the upload to fail", lambda: driver.find_element(By.CSS_SELECTOR, "#uploads li.upload[data-state='failed']"))
        assert "files may be at most 1000000 bytes" in row.find_element(By.CSS_SELECTOR, ".upload-message").text
        assert process.api("GET", "/api/images")[1]["images"] == []
    finally:
        process.stop()


def test_scrolling_pages_through_the_cursor_api_and_filters_by_status(server, driver, tmp_path, output_dir):
    from PIL import Image

    for index in range(30):
        path = tmp_path / f"tile-{index:02}.png"
        Image.new("RGB", (64, 48), (index * 8, 120, 255 - index * 8)).save(path)
        status, _ = server.api("POST", "/api/images?recipe=grayscale", path.read_bytes(), {"Content-Type": "image/png", "X-Filename": path.name})
        assert status == 202
    wait_for("all 30 to complete", lambda: len(server.api("GET", "/api/images?status=COMPLETED&limit=100")[1]["images"]) == 30, timeout=120)

    open_page(driver, server.url)
    assert len(cards(driver)) == 24, "the first page holds 24 images"
    names = [card.find_element(By.CSS_SELECTOR, ".card-name").text for card in cards(driver)]
    assert names[0] == "tile-29.png", "newest first"
    driver.execute_script("document.getElementById('sentinel').scrollIntoView()")
    wait_for("the second page", lambda: len(cards(driver)) == 30)
    assert driver.find_element(By.ID, "more").get_attribute("hidden") is not None

    click(driver, driver.find_element(By.CSS_SELECTOR, "[data-filter='FAILED']"))
    wait_for("the empty FAILED view", lambda: driver.find_element(By.ID, "empty").is_displayed() and not cards(driver))
    assert driver.find_element(By.CSS_SELECTOR, "[data-filter='FAILED']").get_attribute("aria-pressed") == "true"
    click(driver, driver.find_element(By.CSS_SELECTOR, "[data-filter='COMPLETED']"))
    wait_for("the COMPLETED view", lambda: len(cards(driver, "COMPLETED")) == 24)

    # Keyboard: Tab reaches the filters and Enter opens a card's detail view.
    card_button = cards(driver)[0].find_element(By.CSS_SELECTOR, "button.card-open")
    card_button.send_keys("\n")
    wait_for("the detail view from the keyboard", lambda: driver.find_element(By.ID, "detail").get_attribute("open") is not None)
    assert driver.find_element(By.ID, "detail").get_attribute("data-id") == cards(driver)[0].get_attribute("data-id")
    driver.save_screenshot(str(output_dir / "detail-grayscale.png"))


def test_files_dropped_on_the_page_upload(server, driver, output_dir):
    """A real drop event, with files made in the page (WebDriver cannot drag files from the OS)."""
    open_page(driver, server.url)
    driver.execute_script(
        """
        const canvas = document.createElement('canvas');
        canvas.width = 320; canvas.height = 200;
        const g = canvas.getContext('2d');
        g.fillStyle = '#2a6'; g.fillRect(0, 0, 320, 200); g.fillStyle = '#fd4'; g.fillRect(40, 40, 120, 80);
        canvas.toBlob(blob => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([blob], 'dropped-1.png', {type: 'image/png'}));
          transfer.items.add(new File([blob], 'dropped-2.png', {type: 'image/png'}));
          const target = document.querySelector('#gallery');
          target.dispatchEvent(new DragEvent('dragenter', {bubbles: true, dataTransfer: transfer}));
          window.__overlayShown = !document.getElementById('drop-overlay').hidden;
          target.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: transfer}));
        }, 'image/png');
        """
    )
    wait_for("two COMPLETED cards from the drop", lambda: len(cards(driver, "COMPLETED")) == 2, timeout=60)
    assert driver.execute_script("return window.__overlayShown") is True, "the drop overlay shows while files are dragged"
    assert driver.find_element(By.ID, "drop-overlay").get_attribute("hidden") is not None
    names = sorted(card.find_element(By.CSS_SELECTOR, ".card-name").text for card in cards(driver))
    assert names == ["dropped-1.png", "dropped-2.png"]


def test_the_gallery_follows_a_separate_worker_process(tmp_path, driver, photos):
    """`serve --no-workers` beside `darkroom worker`: the worker's changes reach the API's event
    stream through the SQLite status feed, and the page (which no longer polls) shows them live."""
    from darkroom_process import DarkroomProcess

    api = serve(tmp_path / "data", "--no-workers")
    worker = DarkroomProcess(["worker", "--data", str(tmp_path / "data"), "--workers", "1"]).wait_for_log("Darkroom workers starting")
    try:
        open_page(driver, api.url)
        upload_through_file_input(driver, photos[:1])
        wait_for("the card to reach COMPLETED with no reload", lambda: len(cards(driver, "COMPLETED")) == 1, timeout=20)
    finally:
        worker.stop()
        api.stop()


def test_the_playground_signs_urls_in_both_dialects_and_shows_the_result(tmp_path, driver, photos, output_dir):
    env = {
        "DARKROOM_TRANSFORM_IMGPROXY_KEYS": "736563726574",
        "DARKROOM_TRANSFORM_IMGPROXY_SALTS": "68656c6c6f",
        "DARKROOM_TRANSFORM_THUMBOR_SECURITY_KEY": "MY_SECURE_KEY",
    }
    process = serve(tmp_path / "data", environment=env)
    try:
        with open(photos[0], "rb") as f:
            status, body = process.api("POST", "/api/images", f.read(), {"Content-Type": "image/jpeg"})
        assert status == 202
        image_id = body["id"]
        open_page(driver, f"{process.url}/#/images/{image_id}")
        wait_for("the detail view", lambda: driver.find_element(By.ID, "detail").get_attribute("data-id") == image_id)
        click(driver, driver.find_element(By.CSS_SELECTOR, "#playground summary"))

        def preview(dialect, width, contains=""):
            def ready():
                url = driver.find_element(By.ID, "playground-url").text
                natural = driver.execute_script("const i = document.getElementById('playground-preview'); return i.complete ? i.naturalWidth : 0")
                return url if url.startswith(f"/{dialect}/") and contains in url and natural == width else None

            return wait_for(f"a {width} px {dialect} preview", ready)

        def set_value(name, value):
            field = driver.find_element(By.ID, f"playground-{name}")
            driver.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))", field, value)

        set_value("width", "200")
        set_value("height", "0")
        url = preview("imgproxy", 200)
        assert "/rs:fit:200:0/" in url and "insecure" not in url
        with urllib.request.urlopen(process.url + url) as response:
            assert response.status == 200 and response.headers["Content-Type"] == "image/jpeg"
        set_value("dialect", "thumbor")
        url = preview("thumbor", 200)
        assert "unsafe" not in url
        # imgproxy has no grayscale: the playground says so and shows thumbor's URL.
        set_value("dialect", "imgproxy")
        driver.execute_script("const g = document.getElementById('playground-grayscale'); g.checked = true; g.dispatchEvent(new Event('input'))")
        preview("thumbor", 200, contains="grayscale()")
        assert "no grayscale" in driver.find_element(By.ID, "playground-note").text
        driver.execute_script("document.getElementById('playground').scrollIntoView()")
        driver.save_screenshot(str(output_dir / "playground.png"))
        assert console_errors(driver) == []
    finally:
        process.stop()
