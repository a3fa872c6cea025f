"""The browser layer on a real Chromium, against pages served on 127.0.0.1 by this test.

Nothing here sends traffic anywhere but 127.0.0.1: the "foreign" site that navigation must
not reach is a second local server on another port, whose log must stay empty.
"""

from __future__ import annotations

import asyncio
import http.server
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("playwright", reason="needs the web extra: pip install 'cogym[web]'")

from cogym.core.errors import InvalidArgumentError
from cogym.envs.web.actions import parse_action
from cogym.envs.web.browser import Browser, find_chromium, pid_alive
from cogym.envs.web.errors import (
    ActionError,
    BrowserDiedError,
    BrowserNotFoundError,
)
from tests.processes import descendants, wait_until_gone

if find_chromium() is None:
    pytest.skip("no Chromium: apt-get install chromium", allow_module_level=True)

REPO = Path(__file__).resolve().parents[3]

MAIN_PAGE = """<!doctype html><html><head><title>Test page</title></head><body>
<h1>Search results</h1>
<form action="/result" method="get">
<label for="q">Search</label> <input id="q" name="q" type="text" value="red">
<label for="size">Size</label>
<select id="size" name="size">
<option>S</option><option selected>M</option><option>L</option></select>
<label><input type="checkbox" name="cotton"> Cotton</label>
<input type="radio" name="color" id="c-red" value="red"><label for="c-red">red</label>
<input type="radio" name="color" id="c-blue" value="blue"><label for="c-blue">blue</label>
<button type="submit">Buy Now</button>
</form>
<p>Price: <b>$12.00</b></p>
<span id="spot" onclick="this.textContent = 'clicked'">click me</span>
<a href="/next">Next &gt;</a>
<div style="display:none"><button>Hidden button</button></div>
<button style="visibility:hidden">Invisible button</button>
<span aria-hidden="true">Secret text</span>
<div style="width:0;height:0;overflow:hidden"><a href="/zero">Zero link</a></div>
<span class="reply" style="display:inline-block;width:16px;height:16px" onclick="1"></span>
<div style="height:3000px">Tall block</div>
</body></html>"""

NEXT_PAGE = """<!doctype html><title>Next</title><h1>Next page</h1><a href="/">Home</a>"""

RESULT_PAGE = """<!doctype html><title>Result</title><h1>Result</h1>"""

DYNAMIC_PAGE = """<!doctype html><title>Dynamic</title><div id="top"></div>
<button onclick="const b = document.createElement('button'); b.textContent = 'New';
document.getElementById('top').appendChild(b)">Add</button>
<button onclick="this.remove()">Vanish</button>"""

POPUP_PAGE = """<!doctype html><title>Popup</title>
<a href="/next" target="_blank">New tab</a>
<button onclick="window.open('/result')">Open window</button>"""

AWAY_PAGE = """<!doctype html><title>Away</title>
<a href="{foreign}/page">Foreign site</a>
<a href="http://127.0.0.2:1/">Other address</a>
<a href="http://example.invalid/">Unknown host</a>
<img src="{foreign}/pixel.png" alt="pixel">
<script>fetch("{foreign}/api").catch(() => {{}});</script>"""


class Site:
    """A stdlib HTTP server on 127.0.0.1 that logs the Host header and path of every request."""

    def __init__(self, pages: dict[str, str]) -> None:
        self.pages = pages
        self.log: list[tuple[str, str]] = []
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                site.log.append((self.headers.get("Host", ""), self.path))
                body = site.pages.get(self.path.split("?")[0])
                status = 200 if body is not None else 404
                data = (body or "<title>404</title>not found").encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_port}"
        self.url = f"http://{self.host}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture(scope="module")
def foreign():
    """A second local site: a different origin that the browser must never reach."""
    site = Site({"/page": "<title>Foreign</title>foreign", "/api": "{}", "/pixel.png": ""})
    yield site
    site.close()


@pytest.fixture(scope="module")
def site(foreign):
    pages = {
        "/": MAIN_PAGE,
        "/next": NEXT_PAGE,
        "/result": RESULT_PAGE,
        "/dynamic": DYNAMIC_PAGE,
        "/popup": POPUP_PAGE,
        "/away": AWAY_PAGE.format(foreign=foreign.url),
    }
    site = Site(pages)
    yield site
    site.close()


@pytest.fixture(scope="module")
def browser():
    browser = Browser()
    try:
        yield browser
    finally:
        browser.close()


def do(browser: Browser, action: str) -> None:
    browser.perform(parse_action(action))


def id_of(snapshot, role: str, name: str) -> str:
    """The id of the line ``[id] role 'name'`` of a snapshot."""
    for line in snapshot.text.splitlines():
        head = line.strip()
        if head.startswith("[") and f"] {role} '{name}'" in head:
            return head[1 : head.index("]")]
    raise AssertionError(f"no {role} {name!r} in:\n{snapshot.text}")


EXPECTED_MAIN_TEXT = """\
[1] heading 'Search results'
[2] textbox 'Search' value='red'
[3] combobox 'Size' value='M' options=['S', 'M', 'L']
[4] checkbox 'Cotton'
[5] radio 'red'
[6] radio 'blue'
[7] button 'Buy Now'
[8] text 'Price: $12.00'
  [9] text '$12.00'
[10] generic 'click me'
[11] link 'Next >'
[12] generic '' class='reply'
[13] text 'Tall block'"""


def test_snapshot_lists_visible_elements_with_ids_roles_names_and_values(browser, site):
    browser.new_episode(site.url, "/")
    snapshot = browser.snapshot()
    assert snapshot.url_path == "/"
    assert snapshot.title == "Test page"
    assert snapshot.text == EXPECTED_MAIN_TEXT
    assert snapshot.ids["3"] == "combobox" and snapshot.ids["11"] == "link"
    assert len(snapshot.ids) == 13
    for hidden in ("Hidden button", "Invisible button", "Secret text", "Zero link"):
        assert hidden not in snapshot.text


def test_ids_are_stable_across_snapshots_and_new_elements_get_the_next_ids(browser, site):
    browser.new_episode(site.url, "/dynamic")
    first = browser.snapshot()
    assert first.text == "[1] button 'Add'\n[2] button 'Vanish'"
    assert browser.snapshot().text == first.text
    do(browser, 'click("1")')  # adds a button *above* the others
    second = browser.snapshot()
    assert second.text == "[3] button 'New'\n[1] button 'Add'\n[2] button 'Vanish'"


def test_a_stale_id_is_an_action_error(browser, site):
    browser.new_episode(site.url, "/dynamic")
    browser.snapshot()
    do(browser, 'click("2")')  # the button removes itself
    with pytest.raises(ActionError, match="element 2 is not on the page"):
        do(browser, 'click("2")')
    with pytest.raises(ActionError, match="element 99 is not on the page"):
        do(browser, 'fill("99", "x")')


def test_fill_select_check_and_click_change_the_page(browser, site):
    browser.new_episode(site.url, "/")
    browser.snapshot()
    do(browser, 'fill("2", "blue shirt")')
    do(browser, 'select_option("3", "L")')
    do(browser, 'check("4")')
    do(browser, 'check("6")')
    do(browser, 'click("10")')
    text = browser.snapshot().text
    assert "[2] textbox 'Search' value='blue shirt'" in text
    assert "[3] combobox 'Size' value='L' options=['S', 'M', 'L']" in text
    assert "[4] checkbox 'Cotton' checked" in text
    assert "[6] radio 'blue' checked" in text
    assert "[10] generic 'clicked'" in text
    do(browser, 'uncheck("4")')
    do(browser, 'clear("2")')
    text = browser.snapshot().text
    assert "[4] checkbox 'Cotton'\n" in text
    assert "[2] textbox 'Search' value=''" in text


def test_an_action_the_element_cannot_take_is_an_action_error(browser, site):
    browser.new_episode(site.url, "/")
    browser.snapshot()
    with pytest.raises(ActionError, match="select"):
        do(browser, 'select_option("2", "L")')  # a textbox


def test_press_enter_submits_and_the_url_path_follows(browser, site):
    browser.new_episode(site.url, "/")
    browser.snapshot()
    do(browser, 'fill("2", "blue shirt")')
    do(browser, 'press("2", "Enter")')
    snapshot = browser.snapshot()
    assert snapshot.url_path == "/result?q=blue+shirt&size=M"
    assert snapshot.text == "[1] heading 'Result'"


def test_click_go_back_and_go_forward_move_through_history(browser, site):
    browser.new_episode(site.url, "/")
    do(browser, f'click("{id_of(browser.snapshot(), "link", "Next >")}")')
    assert browser.snapshot().url_path == "/next"
    do(browser, "go_back()")
    assert browser.snapshot().url_path == "/"
    do(browser, "go_forward()")
    assert browser.snapshot().url_path == "/next"
    do(browser, "go_back()")
    with pytest.raises(ActionError, match="no page to go to"):
        do(browser, "go_back()")  # the episode's first page
    assert browser.snapshot().url_path == "/"


def test_a_new_tab_or_window_opens_in_the_page_instead(browser, site):
    browser.new_episode(site.url, "/popup")
    snapshot = browser.snapshot()
    do(browser, f'click("{id_of(snapshot, "link", "New tab")}")')
    assert browser.snapshot().url_path == "/next"
    browser.goto("/popup")
    do(browser, f'click("{id_of(browser.snapshot(), "button", "Open window")}")')
    assert browser.snapshot().url_path == "/result"


def test_scroll_moves_the_page(browser, site):
    browser.new_episode(site.url, "/")
    do(browser, "scroll(0, 300)")
    assert browser.evaluate("window.scrollY") == 300
    do(browser, "scroll(0, -100)")
    assert browser.evaluate("window.scrollY") == 200


def test_snapshot_is_cut_at_max_chars_at_a_line_end(browser, site):
    browser.new_episode(site.url, "/")
    snapshot = browser.snapshot(max_chars=120)
    assert len(snapshot.text) <= 120
    assert snapshot.text.startswith("[1] heading 'Search results'\n")
    assert snapshot.text.endswith("(page text cut at 120 characters)")
    assert set(snapshot.ids) == {"1", "2"}


def test_screenshot_is_an_rgb_array_of_the_viewport(browser, site):
    browser.new_episode(site.url, "/")
    image = browser.screenshot()
    assert image.shape == (600, 800, 3) and image.dtype == np.uint8
    assert image.min() < image.max()  # the page's text is drawn


def test_navigation_and_requests_to_other_origins_never_leave_the_browser(browser, site, foreign):
    site.log.clear()
    browser.new_episode(site.url, "/away")
    snapshot = browser.snapshot()
    for name, url in (
        ("Foreign site", f"{foreign.url}/page"),
        ("Other address", "http://127.0.0.2:1/"),
        ("Unknown host", "http://example.invalid/"),
    ):
        with pytest.raises(ActionError, match=f"tried to open {re.escape(url)}, which is blocked"):
            do(browser, f'click("{id_of(snapshot, "link", name)}")')
        after = browser.snapshot()
        assert (after.url_path, after.text) == ("/away", snapshot.text)  # the page stayed
    assert foreign.log == []  # not the page, the image, nor the script's fetch
    assert site.log and {host for host, _ in site.log} == {site.host}


def test_new_episode_refuses_a_site_that_is_not_local(browser):
    for url in ("http://example.com", "http://127.0.0.1:1@example.com/", "file:///etc"):
        with pytest.raises(InvalidArgumentError, match="base_url"):
            browser.new_episode(url, "/")


def test_a_browser_that_cannot_launch_says_how_to_install_one(tmp_path):
    browser = Browser(executable_path=str(tmp_path / "no-chromium"))
    try:
        with pytest.raises(BrowserNotFoundError, match="apt-get install chromium"):
            browser.new_episode("http://127.0.0.1:1", "/")
    finally:
        browser.close()


def test_works_when_called_inside_a_running_asyncio_loop(site):
    async def episode() -> str:
        asyncio.get_running_loop()  # a loop runs here, as in Jupyter
        browser = Browser()
        try:
            browser.new_episode(site.url, "/")
            browser.snapshot()
            do(browser, 'fill("2", "from asyncio")')
            return browser.snapshot().text
        finally:
            browser.close()

    assert "[2] textbox 'Search' value='from asyncio'" in asyncio.run(episode())


def test_four_browsers_in_four_threads_at_once_and_close_leaves_no_chromium(site):
    barrier = threading.Barrier(4)
    results: dict[int, str] = {}
    pids: dict[int, list[int]] = {}
    alive_after_close: dict[int, bool] = {}
    errors: list[BaseException] = []

    def run(index: int) -> None:
        browser = Browser()
        try:
            barrier.wait(timeout=60)
            browser.new_episode(site.url, "/")
            browser.snapshot()
            do(browser, f'fill("2", "thread {index}")')
            do(browser, 'press("2", "Enter")')
            results[index] = browser.snapshot().url_path
            pids[index] = browser.browser_pids()
        except BaseException as exc:
            errors.append(exc)
        finally:
            browser.close()
            browser.close()  # idempotent
            alive_after_close[index] = browser.alive

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert results == {i: f"/result?q=thread+{i}&size=M" for i in range(4)}
    every_pid = [pid for index in range(4) for pid in pids[index]]
    assert all(len(pids[index]) >= 2 for index in range(4))  # browser and renderer at least
    assert len(set(every_pid)) == len(every_pid)  # each Browser knows only its own processes
    assert [pid for pid in every_pid if pid_alive(pid)] == []  # close() waited for them
    assert alive_after_close == dict.fromkeys(range(4), False)


def test_a_killed_browser_raises_browser_died_and_restarts(site):
    browser = Browser()
    try:
        browser.new_episode(site.url, "/")
        assert browser.alive
        old = browser.browser_pids()
        for pid in old:
            os.kill(pid, signal.SIGKILL)
        wait_until_gone(old, deadline_s=10)
        with pytest.raises(BrowserDiedError, match="restart"):
            browser.snapshot()
        assert not browser.alive
        browser.restart()
        browser.new_episode(site.url, "/next")
        assert browser.snapshot().text == "[1] heading 'Next page'\n[2] link 'Home'"
        assert set(browser.browser_pids()).isdisjoint(old)
    finally:
        browser.close()


def _close_in_child(browser: Browser) -> None:
    browser.close()


def test_a_forked_copy_never_touches_the_parents_browser(browser, site):
    browser.new_episode(site.url, "/")
    pids = browser.browser_pids()
    child = multiprocessing.get_context("fork").Process(target=_close_in_child, args=(browser,))
    child.start()
    child.join(timeout=30)
    assert child.exitcode == 0
    assert all(pid_alive(pid) for pid in pids)
    assert browser.snapshot().url_path == "/"


def test_a_hung_page_is_killed_as_a_dead_browser(site):
    browser = Browser()
    browser.hang_s = 2.0
    try:
        browser.new_episode(site.url, "/")
        pids = browser.browser_pids()
        with pytest.raises(BrowserDiedError, match="did not answer"):
            browser.evaluate("() => { while (true) {} }")
        assert wait_until_gone(pids, deadline_s=10) == []
        assert not browser.alive
    finally:
        browser.close()


CHILD = """
import sys, time
from cogym.envs.web.browser import Browser
browser = Browser()
browser.new_episode(sys.argv[1], "/")
print(" ".join(str(pid) for pid in browser.browser_pids()), flush=True)
time.sleep(120)
"""


def test_a_killed_parent_process_leaves_no_chromium(site):
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, site.url],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline()
        chromium = [int(pid) for pid in line.split()]
        assert chromium, "the child printed no browser pids"
        tree = descendants(child.pid)  # the Playwright driver and Chromium's processes
        assert set(chromium) <= tree
    finally:
        child.kill()  # SIGKILL: no cleanup code of the child runs
        child.wait()
        child.stdout.close()
    assert wait_until_gone(sorted(tree), deadline_s=10) == []
