"""One Chromium driven through Playwright's sync API on a worker thread of its own.

Every Playwright call of a `Browser` runs on that one thread, so a `Browser` works from a
thread with a running asyncio loop (Jupyter), from several threads, and in vector-env
workers: the Playwright objects never see another thread. Navigation is confined to the local
site given to `Browser.new_episode`: every request to another origin is aborted in the
browser before it leaves. A crashed or killed browser surfaces as `BrowserDiedError` from
any method; `Browser.restart` then relaunches it.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from queue import SimpleQueue
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from cogym.core.errors import CogymError, InvalidArgumentError
from cogym.envs.web.actions import SIGNATURES, Action
from cogym.envs.web.errors import ActionError, BrowserDiedError, BrowserNotFoundError
from cogym.envs.web.page_text import ID_ATTRIBUTE, PAGE_TEXT_JS, Snapshot, snapshot_from_result

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-default-apps",
    # Nothing but loopback resolves: a request that slipped past the route reaches no server.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]",
)
LAUNCH_S = 60.0  # the most seconds a browser launch may take
INSTALL_HINT = (
    "Install Chromium with `apt-get install chromium` (or `make chromium`), or Playwright's own "
    "with `playwright install chromium`; or pass executable_path= / set COGYM_CHROMIUM."
)
# Messages of Playwright errors that mean the browser, context or page is gone.
_DEAD_MARKERS = (
    "has been closed",
    "Target crashed",
    "Connection closed",
    "Browser closed",
    "browser has disconnected",
    "Target closed",
    "Page crashed",
)
_CONTEXT_GONE = ("Execution context was destroyed", "Cannot find context", "navigation")
_NAVIGATING_ACTIONS = frozenset(
    {"click", "dblclick", "press", "check", "uncheck", "select_option", "go_back", "go_forward"}
)
SAME_TAB_JS = """(() => {
  const sameTab = (event) => {
    const el = event.target && event.target.closest && event.target.closest("[target]");
    if (el) el.removeAttribute("target");
  };
  document.addEventListener("click", sameTab, true);
  document.addEventListener("submit", (event) => {
    if (event.target && event.target.removeAttribute) event.target.removeAttribute("target");
  }, true);
  window.open = function (url) {
    if (url) location.href = new URL(String(url), location.href).href;
    return window;
  };
})();"""
_SCROLL_JS = """([dx, dy]) => {
  const canScroll = (el) => {
    const style = getComputedStyle(el);
    return (/(auto|scroll)/.test(style.overflowY) && el.scrollHeight > el.clientHeight) ||
           (/(auto|scroll)/.test(style.overflowX) && el.scrollWidth > el.clientWidth);
  };
  let el = document.activeElement;
  while (el && el !== document.body && el !== document.documentElement && !canScroll(el)) {
    el = el.parentElement;
  }
  const target = el && el !== document.body && el !== document.documentElement
    ? el : (document.scrollingElement || document.documentElement);
  target.scrollBy({left: dx, top: dy, behavior: "instant"});
}"""


def find_chromium() -> str | None:
    """The Chromium to launch: ``$COGYM_CHROMIUM``, else chromium / chromium-browser /
    google-chrome on ``PATH``; None means Playwright's own installed browser."""
    configured = os.environ.get("COGYM_CHROMIUM")
    if configured:
        return configured
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def _proc_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state letter) of every process, from /proc (no psutil)."""
    table: dict[int, tuple[int, str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read().decode("utf-8", "replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry)] = (int(fields[1]), fields[0])
    return table


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read()
    except OSError:
        return b""


def _cmdline_has(pid: int, marker: bytes) -> bool:
    return marker in _cmdline(pid).split(b"\0")


def pid_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read().decode("utf-8", "replace")
    except OSError:
        return False
    return stat[stat.rindex(")") + 2 :].split()[0] not in ("Z", "X")


def _is_dead_error(exc: BaseException) -> bool:
    return any(marker in str(exc) for marker in _DEAD_MARKERS)


def _short(exc: BaseException) -> str:
    """The first line of a Playwright error, without its ``Locator.click:``-style prefix."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return re.sub(r"^[A-Za-z]+\.[A-Za-z_]+: ", "", text)[:200]


class _Worker:
    """A daemon thread that runs submitted calls one at a time, in order."""

    def __init__(self, name: str) -> None:
        self._calls: SimpleQueue[tuple[Callable[[], Any], Future] | None] = SimpleQueue()
        self.thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            item = self._calls.get()
            if item is None:
                return
            fn, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as exc:  # handed to the caller's thread
                future.set_exception(exc)

    def submit(self, fn: Callable[[], Any]) -> Future:
        future: Future = Future()
        self._calls.put((fn, future))
        return future

    def stop(self, timeout: float) -> None:
        self._calls.put(None)
        if threading.current_thread() is not self.thread:
            self.thread.join(timeout)


class Browser:
    """One headless Chromium with one page per episode, confined to a local site.

    :param executable_path: the Chromium binary; None finds one with `find_chromium`.
    :param headless: run without a window.
    :param viewport: (width, height) of the page in pixels; screenshots have this size.
    :param timeout_s: the most seconds one action or page load may take.

    The browser starts on first use. Calls from several threads are served one at a time.
    """

    def __init__(
        self,
        executable_path: str | None = None,
        headless: bool = True,
        viewport: tuple[int, int] = (800, 600),
        timeout_s: float = 5.0,
    ) -> None:
        if (
            len(viewport) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in viewport)
            or min(viewport) < 1
        ):
            raise InvalidArgumentError(
                f"viewport must be (width, height) ints >= 1, got {viewport}"
            )
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)) or timeout_s <= 0:
            raise InvalidArgumentError(f"timeout_s must be a number > 0, got {timeout_s!r}")
        self.executable_path = executable_path
        self.headless = bool(headless)
        self.viewport = (int(viewport[0]), int(viewport[1]))
        self.timeout_s = float(timeout_s)
        #: seconds after which a call that has not returned counts as a hung browser
        self.hang_s = max(20.0, 4.0 * self.timeout_s)
        self._timeout_ms = self.timeout_s * 1000.0
        # An unknown switch that Chromium ignores: it names this Browser's processes in /proc.
        self._marker = f"--cogym-browser={uuid.uuid4().hex}"
        self._owner_pid = os.getpid()
        self._lock = threading.RLock()
        self._worker: _Worker | None = None
        self._closed = False
        # Playwright objects: touched only on the worker thread.
        self._playwright_manager: Any = None
        self._playwright: Any = None
        self._browser: Any = None
        self._context: Any = None
        self._page: Any = None
        self._origin: str | None = None
        self._page_crashed = False
        self._navigated = False
        self._blocked: list[str] = []

    # ------------------------------------------------------------------ plumbing

    def _call(self, fn: Callable[[], Any], *, start: bool = True, closing: bool = False) -> Any:
        """Run ``fn`` on the worker thread and return its result (or raise its error)."""
        with self._lock:
            if self._closed and not closing:
                raise CogymError("this Browser is closed; make a new one")
            if os.getpid() != self._owner_pid:
                raise BrowserDiedError(
                    "this Browser was made in another process (before a fork); "
                    "make the Browser in the process that uses it"
                )
            if self._worker is None:
                self._worker = _Worker(f"cogym-browser-{self._marker[-8:]}")
            if threading.current_thread() is self._worker.thread:  # e.g. __del__ run there
                if start:
                    self._ensure_launched()
                return fn()

            def run() -> Any:
                if start:
                    self._ensure_launched()
                return fn()

            future = self._worker.submit(run)
            # Playwright bounds actions and loads by timeout_s, but not a page script that
            # never returns: past hang_s the browser counts as hung and is killed.
            limit = self.hang_s + (LAUNCH_S if start and self._browser is None else 0.0)
            try:
                return future.result(timeout=limit)
            except FutureTimeout:
                pass
            self._kill_processes()
            try:
                future.result(timeout=10.0)  # the call fails as soon as its browser is gone
            except FutureTimeout:  # stuck for good: leave the thread and its objects behind
                self._worker = None
                self._forget_playwright()
            except BaseException:
                pass
            raise BrowserDiedError(
                f"the browser did not answer for {limit:.0f} s and was killed; call restart()"
            )

    def _ensure_launched(self) -> None:
        if self._browser is None:
            self._launch()

    def _launch(self) -> None:
        try:
            from playwright.sync_api import Error as PlaywrightError
            from playwright.sync_api import sync_playwright
        except ImportError:
            raise BrowserNotFoundError(
                "Playwright is not installed: pip install 'cogym[web]' (or pip install playwright)"
            ) from None
        executable = self.executable_path or find_chromium()
        manager = sync_playwright()
        try:
            playwright = manager.start()
        except Exception as exc:
            raise BrowserNotFoundError(f"Playwright's driver did not start: {exc}") from None
        try:
            browser = playwright.chromium.launch(
                executable_path=executable,
                headless=self.headless,
                args=[*CHROMIUM_ARGS, self._marker],
                timeout=LAUNCH_S * 1000.0,
                handle_sigint=False,
                handle_sigterm=False,
                handle_sighup=False,
            )
        except PlaywrightError as exc:
            playwright.stop()
            where = executable or "Playwright's own Chromium"
            raise BrowserNotFoundError(
                f"could not launch {where}: {_short(exc)}. {INSTALL_HINT}"
            ) from None
        self._playwright_manager = manager
        self._playwright = playwright
        self._browser = browser

    def _forget_playwright(self) -> None:
        self._playwright_manager = self._playwright = None
        self._browser = self._context = self._page = None
        self._page_crashed = False

    def _shutdown_playwright(self) -> None:
        """Close the page's context, the browser and the driver (on the worker thread)."""
        for closer in (
            lambda: self._context is not None and self._context.close(),
            lambda: self._browser is not None and self._browser.close(),
            lambda: self._playwright is not None and self._playwright.stop(),
        ):
            # a dead browser cannot close cleanly; its processes are killed instead
            with contextlib.suppress(Exception):
                closer()
        self._forget_playwright()

    def _kill_processes(self) -> None:
        for pid in self.browser_pids():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)

    def _dead(self) -> bool:
        if self._page_crashed:
            return True
        try:
            if self._browser is not None and not self._browser.is_connected():
                return True
            return self._page is not None and self._page.is_closed()
        except Exception:
            return True

    def _died(self, exc: BaseException | None = None) -> BrowserDiedError:
        cause = f" ({_short(exc)})" if exc is not None else ""
        return BrowserDiedError(
            f"the browser or its page crashed or was killed{cause}; call restart() and "
            "start the episode again"
        )

    def _require_page(self) -> Any:
        if self._dead():
            raise self._died()
        if self._page is None:
            raise InvalidArgumentError("no page yet: call new_episode(base_url, path) first")
        return self._page

    def _guard(self, fn: Callable[[], Any]) -> Any:
        """Run a Playwright step, turning a dead browser into BrowserDiedError."""
        from playwright.sync_api import Error as PlaywrightError

        try:
            return fn()
        except PlaywrightError as exc:
            if self._dead() or _is_dead_error(exc):
                raise self._died(exc) from None
            raise

    # ------------------------------------------------------------------ page setup

    def _on_page_event(self, page: Any) -> None:
        def navigated(frame: Any) -> None:
            if frame == page.main_frame:
                self._navigated = True

        def crashed(_: Any) -> None:
            self._page_crashed = True

        page.on("framenavigated", navigated)
        page.on("crash", crashed)

    def _block_route(self, route: Any) -> None:
        """Answer a request to another origin inside the browser; it never goes out."""
        request = route.request
        if request.is_navigation_request():
            self._blocked.append(request.url)
            # 204 No Content: the browser stays on the current page, which keeps its ids.
            route.fulfill(status=204, body="")
        else:
            route.abort("blockedbyclient")

    def _new_context(self, base_url: str) -> None:
        if self._context is not None:
            with contextlib.suppress(Exception):
                self._context.close()
            self._context = self._page = None
        origin = _local_origin(base_url)
        context = self._browser.new_context(
            viewport={"width": self.viewport[0], "height": self.viewport[1]},
            service_workers="block",
            accept_downloads=False,
        )
        context.set_default_timeout(self._timeout_ms)
        context.set_default_navigation_timeout(max(self._timeout_ms, 10_000.0))
        off_site = re.compile("^(?!" + re.escape(origin) + "/)")
        context.route(off_site, self._block_route)
        context.route_web_socket(off_site, lambda socket: socket.close())
        context.add_init_script(SAME_TAB_JS)
        page = context.new_page()
        self._on_page_event(page)
        self._context, self._page, self._origin = context, page, origin
        # One page per episode: links, forms and window.open that would open a second tab
        # open in the page itself (SAME_TAB_JS); any other new tab is closed.
        context.on("page", self._close_popup)

    def _close_popup(self, popup: Any) -> None:
        if self._page is not None and popup != self._page:
            with contextlib.suppress(Exception):
                popup.close()

    # ------------------------------------------------------------------ public API

    def new_episode(self, base_url: str, path: str = "/") -> None:
        """Close the last episode's context; open a fresh context and page at ``base_url + path``.

        :param base_url: the local site, e.g. ``"http://127.0.0.1:8123"``; every request to
            another origin is aborted.
        :param path: the start page, e.g. ``"/"``.
        """
        _local_origin(base_url)  # check in the caller's thread, before anything starts

        def run() -> None:
            if self._dead():
                raise self._died()
            self._guard(lambda: self._new_context(base_url))
            self._goto(path)

        self._call(run)

    def goto(self, path: str) -> None:
        """Open ``path`` (e.g. ``"/search?q=red"``) of the episode's site in the page."""
        self._call(lambda: self._goto(path))

    def _goto(self, path: str) -> None:
        page = self._require_page()
        if not isinstance(path, str) or not path.startswith("/"):
            raise InvalidArgumentError(f"path must start with '/', got {path!r}")
        from playwright.sync_api import Error as PlaywrightError

        try:
            self._guard(lambda: page.goto(self._origin + path, wait_until="load"))
        except PlaywrightError as exc:
            raise ActionError(f"could not open {path}: {_short(exc)}") from None

    def snapshot(self, max_chars: int = 20_000) -> Snapshot:
        """The page as text with ids (one page script), cut at ``max_chars`` characters."""
        return self._call(lambda: self._snapshot(max_chars))

    def _snapshot(self, max_chars: int) -> Snapshot:
        result = self._evaluate(PAGE_TEXT_JS, None)
        return snapshot_from_result(result, max_chars, self._origin)

    def evaluate(self, script: str, arg: Any = None) -> Any:
        """Run a JavaScript expression or function in the page and return its (JSON) value."""
        return self._call(lambda: self._evaluate(script, arg))

    def _evaluate(self, script: str, arg: Any) -> Any:
        from playwright.sync_api import Error as PlaywrightError

        page = self._require_page()
        for attempt in range(3):
            try:
                return self._guard(lambda: page.evaluate(script, arg))
            except PlaywrightError as exc:
                # A navigation replaced the document mid-script: wait for the new one, retry.
                if attempt == 2 or not any(m in str(exc) for m in _CONTEXT_GONE):
                    raise ActionError(f"the page script failed: {_short(exc)}") from None
                self._wait_for_load(page)
        raise AssertionError("unreachable")

    def _wait_for_load(self, page: Any) -> None:
        from playwright.sync_api import Error as PlaywrightError

        # a slow resource: the document itself is there, go on
        with contextlib.suppress(PlaywrightError):
            self._guard(lambda: page.wait_for_load_state("load", timeout=self._timeout_ms))

    def perform(self, action: Action) -> None:
        """Carry out a parsed action on the page.

        :raises ActionError: the element id is not on the page, the element cannot take the
            action (hidden, disabled...) within timeout_s, or the action left the local site.
        :raises BrowserDiedError: the browser or page is gone.
        """
        if not isinstance(action, Action) or action.name not in SIGNATURES:
            raise InvalidArgumentError(
                f"perform() takes an Action from parse_action, got {action!r}"
            )
        self._call(lambda: self._perform(action))

    def _perform(self, action: Action) -> None:
        from playwright.sync_api import Error as PlaywrightError

        page = self._require_page()
        params = SIGNATURES[action.name]
        args = list(action.args) + [p.default for p in params[len(action.args) :]]
        self._navigated = False
        self._blocked.clear()
        try:
            self._guard(lambda: self._dispatch(page, action.name, args))
        except PlaywrightError as exc:
            raise ActionError(f"{action} failed: {_short(exc)}") from None
        finally:
            if self._navigated and action.name in _NAVIGATING_ACTIONS and not self._dead():
                self._wait_for_load(page)
        if self._blocked:
            self._leave_blocked_page(page)
            raise ActionError(
                f"{action} tried to open {self._blocked[0]}, which is blocked: "
                "this env only reaches its own local site"
            )

    def _leave_blocked_page(self, page: Any) -> None:
        """After a blocked navigation the page shows Chromium's error page: go back."""
        if not self._on_site(page.url):
            from playwright.sync_api import Error as PlaywrightError

            with contextlib.suppress(PlaywrightError):
                self._guard(lambda: page.go_back(wait_until="load"))

    def _element(self, page: Any, bid: str) -> Any:
        if not isinstance(bid, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", bid):
            raise ActionError(f"{bid!r} is not an element id; use a number from the page text")
        locator = page.locator(f'[{ID_ATTRIBUTE}="{bid}"]')
        if self._guard(locator.count) == 0:
            raise ActionError(
                f"element {bid} is not on the page (stale id?): use an id from the latest page text"
            )
        return locator.first

    def _dispatch(self, page: Any, name: str, args: list[Any]) -> None:
        timeout = self._timeout_ms
        if name in ("click", "dblclick"):
            element = self._element(page, args[0])
            method = element.click if name == "click" else element.dblclick
            method(button=args[1], modifiers=list(args[2]) or None, timeout=timeout)
        elif name == "hover":
            self._element(page, args[0]).hover(timeout=timeout)
        elif name == "focus":
            self._element(page, args[0]).focus(timeout=timeout)
        elif name == "clear":
            self._element(page, args[0]).clear(timeout=timeout)
        elif name == "fill":
            self._element(page, args[0]).fill(args[1], timeout=timeout)
        elif name == "select_option":
            options = list(args[1]) if isinstance(args[1], (tuple, list)) else args[1]
            self._element(page, args[0]).select_option(options, timeout=timeout)
        elif name == "check":
            self._element(page, args[0]).check(timeout=timeout)
        elif name == "uncheck":
            self._element(page, args[0]).uncheck(timeout=timeout)
        elif name == "press":
            self._element(page, args[0]).press(args[1], timeout=timeout)
        elif name == "scroll":
            page.evaluate(_SCROLL_JS, [float(args[0]), float(args[1])])
        elif name in ("go_back", "go_forward"):
            self._history_step(page, name, timeout)
        elif name == "noop":
            if args[0]:
                page.wait_for_timeout(min(float(args[0]), timeout))
        else:
            raise InvalidArgumentError(f"unknown action {name!r}")

    def _history_step(self, page: Any, name: str, timeout: float) -> None:
        """go_back / go_forward, never past the episode's first page (about:blank)."""
        step, undo = (page.go_back, page.go_forward)[:: 1 if name == "go_back" else -1]
        # ask first: stepping to about:blank and back would reload the page and lose its
        # state (a MiniWoB++ task, typed text); the Navigation API lists only this site
        can = "canGoBack" if name == "go_back" else "canGoForward"
        if page.evaluate(f"() => window.navigation ? navigation.{can} : true") is False:
            raise ActionError(f"{name}(): there is no page to go to in this episode's history")
        if step(wait_until="load", timeout=timeout) is None and not self._navigated:
            raise ActionError(f"{name}(): there is no page to go to in this episode's history")
        if not self._on_site(page.url):
            undo(wait_until="load", timeout=timeout)
            raise ActionError(f"{name}(): there is no page to go to in this episode's history")

    def _on_site(self, url: str) -> bool:
        return self._origin is not None and url.startswith(self._origin + "/")

    def screenshot(self) -> np.ndarray:
        """The viewport as an (height, width, 3) uint8 RGB array."""
        png = self._call(lambda: self._guard(lambda: self._require_page().screenshot(type="png")))
        from PIL import Image

        with Image.open(io.BytesIO(png)) as image:
            return np.asarray(image.convert("RGB"), dtype=np.uint8)

    @property
    def url_path(self) -> str:
        """The page's URL path and query (``"/item/B0ABC?q=red"``)."""
        from cogym.envs.web.page_text import url_path

        return self._call(lambda: url_path(self._require_page().url, self._origin))

    @property
    def alive(self) -> bool:
        """True when the browser is started and neither it nor its page has died."""
        with self._lock:
            if self._closed or self._worker is None or os.getpid() != self._owner_pid:
                return False
            return self._call(lambda: self._browser is not None and not self._dead(), start=False)

    def restart(self) -> None:
        """Relaunch the browser (after a crash); then call `new_episode` again."""

        def run() -> None:
            self._shutdown_playwright()
            self._launch()

        with self._lock:
            if os.getpid() == self._owner_pid:  # a forked copy must not kill the parent's
                self._kill_processes()
            self._call(run, start=False)

    def browser_pids(self) -> list[int]:
        """Pids of this Browser's Chromium: the launched browser process and its descendants."""
        table = _proc_table()
        marker = self._marker.encode()
        roots = [pid for pid in table if _cmdline_has(pid, marker)]
        children: dict[int, list[int]] = {}
        for pid, (ppid, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        found: set[int] = set()
        stack = list(roots)
        while stack:
            pid = stack.pop()
            if pid in found:
                continue
            found.add(pid)
            stack.extend(children.get(pid, ()))
        return sorted(pid for pid in found if table[pid][1] not in ("Z", "X"))

    def close(self) -> None:
        """Close the page, the browser and the driver; stop the worker. Idempotent.

        No Chromium process of this Browser is left: stragglers are killed.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if os.getpid() != self._owner_pid:
                return  # a copy made by fork: the browser belongs to the parent process
            commands = {pid: _cmdline(pid) for pid in self.browser_pids()}
            if self._worker is not None:
                with contextlib.suppress(CogymError):
                    self._call(self._shutdown_playwright, start=False, closing=True)
                self._worker.stop(timeout=5.0)
                self._worker = None
            deadline = time.monotonic() + 5.0
            while any(pid_alive(pid) for pid in commands) and time.monotonic() < deadline:
                time.sleep(0.02)
            for pid, command in commands.items():  # same pid and command line: still ours
                if pid_alive(pid) and _cmdline(pid) == command:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            if not self._closed and self._worker is not None:
                self.close()


def _local_origin(base_url: str) -> str:
    """``scheme://host:port`` of a loopback http(s) URL; anything else is refused."""
    if not isinstance(base_url, str):
        raise InvalidArgumentError(f"base_url must be a string, got {base_url!r}")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or parts.hostname is None:
        raise InvalidArgumentError(
            f"base_url must look like http://127.0.0.1:<port>, got {base_url!r}"
        )
    host = parts.netloc.rsplit("@", 1)[-1]
    if parts.hostname not in ("127.0.0.1", "localhost", "::1") or "@" in parts.netloc:
        raise InvalidArgumentError(
            f"base_url must be a local address (127.0.0.1, localhost, ::1), got {base_url!r}: "
            "the env only browses the site it serves itself"
        )
    return f"{parts.scheme}://{host}"
