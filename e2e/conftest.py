"""Fixtures for Keyflow's browser tests: a headless Chromium with a fake camera, and servers on loopback."""
import contextlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = Path(__file__).resolve().parent.parent
KEYFLOW = Path(os.environ.get("KEYFLOW_BINARY", ROOT / ".build" / "debug" / "keyflow"))


def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@pytest.fixture
def sandbox():
    """`keyflow sandbox` on a free port; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [str(KEYFLOW), "sandbox", "--port", str(port), "--processing-seconds", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/status")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def parent_page():
    """A page on another origin that frames a given URL, with the iframe in its markup (as Jumio requires),
    and records every message the frame posts in `window.received`."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            from urllib.parse import urlparse, parse_qs
            query = parse_qs(urlparse(self.path).query)
            src = query.get("src", [""])[0].replace('"', "&quot;")
            body = f"""<!doctype html><html><head><title>parent</title></head><body>
<iframe id="journey" src="{src}" width="640" height="660"
  allow="camera;autoplay;fullscreen;clipboard-read;clipboard-write;accelerometer;gyroscope;magnetometer" allowfullscreen></iframe>
<script>
  window.received = [];
  window.addEventListener("message", event => window.received.push({{origin: event.origin, data: event.data}}));
</script></body></html>"""
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--use-fake-ui-for-media-stream",
                 "--use-fake-device-for-media-stream", "--window-size=1280,900"):
        options.add_argument(flag)
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        options.binary_location = binary
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def jumio_account(base, key=2, reference="e2e-1", success_url=None):
    """Creates an account through the sandbox's API as Keyflow would: token, then POST /api/v1/accounts."""
    token_request = urllib.request.Request(
        base + "/oauth2/token", data=b"grant_type=client_credentials", method="POST",
        headers={"Authorization": "Basic ZTJlOnNlY3JldA==", "Content-Type": "application/x-www-form-urlencoded",
                 "User-Agent": "Keyflow-e2e"})
    with urllib.request.urlopen(token_request) as response:
        token = json.load(response)["access_token"]
    body = {"customerInternalReference": reference, "workflowDefinition": {"key": key}, "userReference": "e2e-user"}
    if success_url:
        body["web"] = {"successUrl": success_url, "errorUrl": success_url}
    request = urllib.request.Request(
        base + "/api/v1/accounts", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", "User-Agent": "Keyflow-e2e"})
    with urllib.request.urlopen(request) as response:
        return json.load(response), token


@pytest.fixture
def keyflow_demo(tmp_path):
    """`keyflow serve --demo` on a free port with a fresh database; the sandbox decides at once."""
    port = free_port()
    env = dict(os.environ, KEYFLOW_SQLITE_PATH=str(tmp_path / "demo.sqlite"), KEYFLOW_PORT=str(port),
               KEYFLOW_JUMIO_SANDBOX_PROCESSING_SECONDS="0", KEYFLOW_BCRYPT_COST="4")
    process = subprocess.Popen([str(KEYFLOW), "serve", "--demo"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/health")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)
