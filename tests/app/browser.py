"""Headless Debian Chromium driven by Playwright, for the web client's browser tests.

The browser is ``/usr/bin/chromium`` from Debian's package (.ci/run installs it);
``playwright install`` is never run. Flutter draws the page on a canvas, so tests
find controls through Flutter's semantics tree: ``flt-semantics`` elements that
carry the ``Semantics(identifier=...)`` of a control as ``flt-semantics-identifier``,
its label as text or ``aria-label``, and its role.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Locator
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# Screenshots for people to look at; the folder is git-ignored.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Loading and compiling the Flutter engine (about 10 MB of WebAssembly) on 2 cores.
APP_READY_MS = 90_000
CONTROL_MS = 30_000
RELAYOUT_MS = 1_000
TAP_ATTEMPTS = 3
TAP_WAIT_MS = 10_000
# Whether the checkbox under a control's identifier is ticked.
TICKED = """identifier => {
    const node = document.querySelector(`flt-semantics[flt-semantics-identifier="${identifier}"]`);
    const box = node && (node.getAttribute('role') === 'checkbox'
        ? node : node.querySelector('[role="checkbox"]'));
    return Boolean(box) && box.getAttribute('aria-checked') === 'true';
}"""
# Playwright's failure text for a request the page's Content-Security-Policy blocked.
CSP_BLOCKED = "csp"


def require_chromium() -> None:
    """Skip the test when Chromium is missing, or fail it under CI=true."""
    if CHROMIUM.is_file():
        return
    reason = f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass
class NetworkLog:
    """Every request the browser started, and why each failed one failed."""

    requests: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    websockets: list[str] = field(default_factory=list)

    def sent_elsewhere(self, origin: str) -> list[str]:
        """Return requests to another origin that the browser did not block itself.

        A request blocked by the page's Content-Security-Policy never leaves the
        browser, so it does not count. ``blob:`` and ``data:`` URLs are local.
        """
        return [
            url
            for url in self.requests
            if not url.startswith((origin + "/", "blob:", "data:"))
            and url != origin
            and self.failures.get(url) != CSP_BLOCKED
        ]

    def blocked(self) -> list[str]:
        return [url for url, reason in self.failures.items() if reason == CSP_BLOCKED]


class BrowserSession:
    """One Chromium profile and page, with the requests it makes recorded."""

    def __init__(self, page, screenshots: Path, name: str) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.network = NetworkLog()
        self.screenshots = screenshots
        self.name = name
        page.on("request", lambda request: self.network.requests.append(request.url))
        page.on("requestfailed", self._record_failure)
        page.on("websocket", lambda socket: self.network.websockets.append(socket.url))

    def _record_failure(self, request) -> None:  # type: ignore[no-untyped-def]
        self.network.failures[request.url] = request.failure or "unknown"

    def open_app(self, url: str) -> None:
        """Load the web app and switch on Flutter's semantics tree.

        Flutter web builds the tree only after its "Enable accessibility"
        placeholder is clicked; it is 1 px and off screen, so it gets a DOM click.
        """
        self.page.goto(url, wait_until="load")
        try:
            self._enable_semantics()
        except PlaywrightTimeoutError:
            # Once in CI the page's renderer spun at 100% from the start and
            # never built the app; a reload starts it again.
            self.page.reload(wait_until="load")
            self._enable_semantics()

    def _enable_semantics(self) -> None:
        placeholder = self.page.locator("flt-semantics-placeholder")
        placeholder.wait_for(state="attached", timeout=APP_READY_MS)
        # dispatch_event has a timeout; evaluate() waits forever on a hung renderer.
        placeholder.dispatch_event("click", timeout=CONTROL_MS)
        self.page.locator("flt-semantics").first.wait_for(state="attached", timeout=CONTROL_MS)

    def control(self, identifier: str):  # type: ignore[no-untyped-def]
        """Return the semantics node of the control with ``Semantics(identifier=...)``."""
        return self.page.locator(f'flt-semantics[flt-semantics-identifier="{identifier}"]')

    def wait_for_control(self, identifier: str):  # type: ignore[no-untyped-def]
        node = self.control(identifier)
        try:
            node.wait_for(state="attached", timeout=CONTROL_MS)
        except PlaywrightTimeoutError as exc:
            dump = self.semantics_dump()
            raise AssertionError(f"no control {identifier!r}; semantics:\n{dump}") from exc
        return node

    def fill(self, identifier: str, text: str) -> None:
        """Type ``text`` into the text field with ``identifier``.

        On a busy machine the field's input element was once not clickable for
        30 s after a redraw. Tapping the field's node focuses it, as a person would.
        """
        control = self.wait_for_control(identifier)
        field_input = control.locator("input, textarea").first
        for attempt in range(1, TAP_ATTEMPTS + 1):
            try:
                field_input.click(timeout=TAP_WAIT_MS)
                break
            except PlaywrightTimeoutError:
                if attempt == TAP_ATTEMPTS:
                    dump = self.semantics_dump()
                    raise AssertionError(
                        f"no input in {identifier!r}; semantics:\n{dump}"
                    ) from None
                control.click()
        field_input.fill(text)

    def tap(self, identifier: str, position: dict[str, float] | None = None) -> None:
        """Click the control's semantics node, at its centre or at ``position`` inside it."""
        self.wait_for_control(identifier).click(position=position)

    def tap_until(self, tap: Callable[[], None], expected: str) -> None:
        """Call ``tap`` until the control ``expected`` appears, up to TAP_ATTEMPTS times.

        The app's Python code runs on the server, so a tap that lands while the page
        is being re-rendered can be lost. A person would tap again, and so does this.
        """
        self._tap_until(tap, self.control(expected), f"control {expected!r}")

    def tap_until_text(self, tap: Callable[[], None], text: str) -> None:
        """Call ``tap`` until some semantics node contains ``text``, as ``tap_until`` does.

        Use it only where a second tap after a slow first one does no harm, such as a
        submit button that the form disables once its task is created.
        """
        node = self.page.locator("flt-semantics").filter(has_text=text).first
        self._tap_until(tap, node, repr(text))

    def _tap_until(self, tap: Callable[[], None], expected: Locator, description: str) -> None:
        for attempt in range(1, TAP_ATTEMPTS + 1):
            tap()
            try:
                expected.wait_for(state="attached", timeout=TAP_WAIT_MS)
                return
            except PlaywrightTimeoutError:
                if attempt == TAP_ATTEMPTS:
                    dump = self.semantics_dump()
                    raise AssertionError(
                        f"no {description} on screen; semantics:\n{dump}"
                    ) from None

    def tick(self, identifier: str) -> None:
        """Tick the checkbox ``identifier``, tapping again while a lost tap left it unticked.

        The box's ``aria-checked`` is read before each new tap, because a tap on a
        ticked box would untick it.
        """
        for _ in range(TAP_ATTEMPTS):
            if not self._ticked(identifier):
                self.tap(identifier)
            try:
                self.page.wait_for_function(TICKED, arg=identifier, timeout=TAP_WAIT_MS)
                return
            except PlaywrightTimeoutError:
                continue
        raise AssertionError(f"the checkbox {identifier!r} stayed unticked")

    def _ticked(self, identifier: str) -> bool:
        return bool(self.page.evaluate(TICKED, identifier))

    def wait_until_enabled(self, identifier: str) -> None:
        """Wait until the control's button is no longer ``aria-disabled``."""
        self.wait_for_control(identifier)
        self.page.wait_for_function(
            """identifier => {
                const node = document.querySelector(
                    `flt-semantics[flt-semantics-identifier="${identifier}"]`);
                const button = node && (node.getAttribute('role') === 'button'
                    ? node : node.querySelector('[role="button"]'));
                return button && button.getAttribute('aria-disabled') !== 'true';
            }""",
            arg=identifier,
            timeout=CONTROL_MS,
        )

    def wait_for_text(self, text: str) -> None:
        """Wait until some semantics node contains ``text``."""
        node = self.page.locator("flt-semantics").filter(has_text=text).first
        try:
            node.wait_for(state="attached", timeout=CONTROL_MS)
        except PlaywrightTimeoutError as exc:
            raise AssertionError(
                f"no {text!r} on screen; semantics:\n{self.semantics_dump()}"
            ) from exc

    def tap_text(self, text: str) -> None:
        """Tap the tappable semantics node whose text starts with the line ``text``, for
        controls without an identifier. A navigation destination reads "任务" followed by
        "Tab 2 of 4" on the next line."""
        first_line = re.compile(rf"^\s*{re.escape(text)}(\s|$)")
        node = self.page.locator("flt-semantics[flt-tappable]").filter(has_text=first_line)
        try:
            node.first.wait_for(state="attached", timeout=CONTROL_MS)
        except PlaywrightTimeoutError as exc:
            raise AssertionError(
                f"no {text!r} to tap; semantics:\n{self.semantics_dump()}"
            ) from exc
        node.first.click()

    def resize(self, size: dict[str, int]) -> None:
        """Set the viewport to ``size`` and wait for the app to lay out again.

        Flutter moves its semantics nodes a frame or more after the resize. A tap
        before that lands where a control used to be; once it hit "sign out".
        """
        self.page.set_viewport_size(size)  # type: ignore[arg-type]
        self.page.wait_for_timeout(RELAYOUT_MS)

    def semantics_dump(self) -> str:
        """Return the identifier, role, label and text of every semantics node, one a line."""
        return self.page.evaluate(
            """() => Array.from(document.querySelectorAll('flt-semantics')).map(node => [
                node.getAttribute('flt-semantics-identifier') || '',
                node.getAttribute('role') || '',
                node.getAttribute('aria-label') || '',
                node.childElementCount ? '' : node.textContent,
            ].join(' | ')).join('\\n')"""
        )

    def screenshot(self, screen: str) -> Path:
        """Save a PNG of the page as ``<test>-<screen>.png`` in both screenshot folders."""
        self.page.wait_for_timeout(500)  # let Flutter paint the last frame
        path = self.screenshots / f"{self.name}-{screen}.png"
        self.page.screenshot(path=str(path))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / path.name).write_bytes(path.read_bytes())
        return path


@pytest.fixture
def browser(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BrowserSession]:
    """A fresh headless Chromium profile with one page, closed after the test. Its
    language is ``zh-CN``, or the test's indirect parameter (``en-US``)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    screenshots = tmp_path / "screenshots"
    screenshots.mkdir()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=DESKTOP,
            locale=getattr(request, "param", "zh-CN"),
            # Playwright does not report requests made by service workers, so
            # Flutter's service worker is kept out to make the log complete.
            service_workers="block",
        )
        session = BrowserSession(context.pages[0], screenshots, name)
        try:
            yield session
        finally:
            # The page as the test left it, to see where a failed test stopped.
            session.screenshot("last")
            context.close()
