"""A real headless Chromium driven over the DevTools protocol, for the HTML report's tests.

Chromium (Debian's ``chromium``) is installed by .ci/run; without it the test fails, it is not
skipped. The browser gets a fresh profile, no network beyond the loopback DevTools socket, and
every wait has a deadline.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import websocket

DEADLINE_S = 30.0
BINARIES = ("chromium", "chromium-browser")


class BrowserError(RuntimeError):
    pass


def chromium_binary() -> str:
    for name in BINARIES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserError("chromium not found on PATH: .ci/run installs it (apt-get install -y chromium)")


class Chromium:
    """One headless browser with one page; ``evaluate`` runs JavaScript in it and returns the value."""

    def __init__(self, profile: Path) -> None:
        profile.mkdir(parents=True, exist_ok=True)
        self.stderr = (profile / "chromium.stderr").open("wb")
        # pylint: disable-next=consider-using-with  # a long-lived browser, stopped in close()
        self.process = subprocess.Popen(
            [chromium_binary(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--remote-debugging-port=0",
             "--remote-allow-origins=*", f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.stderr,
        )
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        try:
            port = self._port(profile / "DevToolsActivePort")
            self.socket = websocket.create_connection(self._page_socket(port), timeout=DEADLINE_S,
                                                      suppress_origin=True)
        except BaseException:
            self.close()
            raise

    def _port(self, marker: Path) -> int:
        """Chromium writes the port it chose to DevToolsActivePort in the profile."""
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrowserError(f"chromium exited with {self.process.returncode} before DevTools was up")
            lines = marker.read_text(encoding="ascii").splitlines() if marker.exists() else []
            if lines and lines[0].isdigit():
                return int(lines[0])
            time.sleep(0.05)
        raise BrowserError(f"chromium did not open DevTools within {DEADLINE_S}s")

    @staticmethod
    def _page_socket(port: int) -> str:
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=DEADLINE_S) as response:
                pages = [t for t in json.load(response) if t.get("type") == "page"]
            if pages:
                return str(pages[0]["webSocketDebuggerUrl"])
            time.sleep(0.05)
        raise BrowserError("chromium has no page target")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        ident = self.next_id
        self.socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            message = json.loads(self.socket.recv())
            if message.get("id") != ident:
                self.events.append(message)
                continue
            if "error" in message:
                raise BrowserError(f"{method}: {message['error']}")
            return dict(message.get("result", {}))
        raise BrowserError(f"{method}: no answer within {DEADLINE_S}s")

    def open(self, url: str) -> None:
        """Navigate and wait for the load event."""
        self.call("Page.enable")
        self.events.clear()
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + DEADLINE_S
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            if time.monotonic() > deadline:
                raise BrowserError(f"{url} did not load within {DEADLINE_S}s")
            self.events.append(json.loads(self.socket.recv()))

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        sock = getattr(self, "socket", None)
        if sock is not None:
            sock.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.stderr.close()
