"""Headless Debian Chromium through chromedriver, with waits that explain what they waited for."""

import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def chromium(width=1280, height=900):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={width},{height}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def wait_for(description, condition, timeout=60, interval=0.2):
    """Polls condition() until it returns something truthy; fails naming what never happened."""
    deadline = time.time() + timeout
    last_error = None
    while time.time() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as error:  # a stale element while the page re-renders: try again
            last_error = error
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {description}" + (f" (last error: {last_error})" if last_error else ""))


def open_page(driver, url):
    driver.get(url)
    wait_for("the page to finish loading", lambda: driver.find_element(By.CSS_SELECTOR, "body[data-ready='true']"))


def cards(driver, status=None):
    selector = "#grid li.card" + (f"[data-status='{status}']" if status else "")
    return driver.find_elements(By.CSS_SELECTOR, selector)


def console_errors(driver):
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def click(driver, element):
    """Scrolls the element to the middle of the screen (clear of the sticky header) and clicks it."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()
