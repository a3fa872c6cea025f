"""MiniWoB++ pages driven in a real Chromium through the scripts of miniwob_tasks.

Each test opens a task page served by :class:`StaticSite`, starts an episode with
``start_episode_script(seed)``, acts with Playwright selectors, and reads the page's own
reward with ``REWARD_SCRIPT``.
"""

import importlib.util
import os
import re
from collections.abc import Iterator

import pytest

from cogym.core.errors import InvalidArgumentError
from cogym.envs.web.miniwob_tasks import (
    ELEMENT_TASKS,
    EPISODE_MAX_TIME_MS,
    READY_SCRIPT,
    REWARD_SCRIPT,
    UTTERANCE_SCRIPT,
    miniwob_root,
    miniwob_task_names,
    start_episode_script,
    task_path,
)

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM)
    or importlib.util.find_spec("miniwob") is None
    or importlib.util.find_spec("playwright") is None,
    reason="needs Chromium at /usr/bin/chromium (apt-get install chromium) and the web extra "
    "(pip install 'cogym[web]': playwright, miniwob)",
)
HOUR_MS = 3_600_000


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    from cogym.envs.web.server import WebServer
    from cogym.envs.web.static_site import StaticSite

    server = WebServer(StaticSite(miniwob_root()))
    try:
        yield server.base_url
    finally:
        server.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 800, "height": 600})
    try:
        page = context.new_page()
        page.set_default_timeout(5000)
        yield page
    finally:
        context.close()


def start(page, base_url: str, name: str, seed: int) -> str:
    """Open task ``name``, start the episode of ``seed``, and return its instruction."""
    page.goto(base_url + task_path(name))
    assert page.evaluate(start_episode_script(seed)) is True
    assert page.evaluate(READY_SCRIPT) is True
    assert page.evaluate(REWARD_SCRIPT) == {"done": False, "reward": 0, "reason": ""}
    return page.evaluate(UTTERANCE_SCRIPT)


def quoted(utterance: str) -> str:
    return re.search(r'"(.*?)"', utterance).group(1)


def exactly(text: str) -> re.Pattern:
    return re.compile("^" + re.escape(text) + "$")


def reward(page) -> dict:
    return page.evaluate(REWARD_SCRIPT)


@pytest.mark.parametrize("seed", [0, 1])
def test_click_button_right_button_scores_one(page, base_url, seed):
    text = quoted(start(page, base_url, "click-button", seed))
    page.locator("#area button").filter(has_text=exactly(text)).first.click()
    assert reward(page) == {"done": True, "reward": 1.0, "reason": ""}


def test_click_button_wrong_button_scores_minus_one(page, base_url):
    for seed in range(10):
        text = quoted(start(page, base_url, "click-button", seed))
        others = page.locator("#area button").filter(has_not_text=exactly(text))
        if others.count():
            others.first.click()
            assert reward(page)["done"] is True
            assert reward(page)["reward"] == -1.0
            return
    pytest.fail("no seed in 0-9 drew a click-button page with two different buttons")


@pytest.mark.parametrize("seed", [0, 1])
def test_click_link_right_link_scores_one(page, base_url, seed):
    text = quoted(start(page, base_url, "click-link", seed))
    page.locator("#area span.alink").filter(has_text=exactly(text)).first.click()
    assert reward(page) == {"done": True, "reward": 1.0, "reason": ""}


def test_enter_text_right_and_wrong_text(page, base_url):
    text = quoted(start(page, base_url, "enter-text", 3))
    page.fill("#tt", text)
    page.click("#subbtn")
    assert reward(page) == {"done": True, "reward": 1.0, "reason": ""}

    start(page, base_url, "enter-text", 3)
    page.fill("#tt", text + "x")
    page.click("#subbtn")
    assert reward(page)["done"] is True and reward(page)["reward"] == -1.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_click_checkboxes_ticking_the_named_boxes_scores_one(page, base_url, seed):
    utterance = start(page, base_url, "click-checkboxes", seed)
    names = re.fullmatch(r"Select (.*) and click Submit\.", utterance).group(1)
    for name in [] if names == "nothing" else names.split(", "):
        page.locator("#boxes label").filter(has_text=exactly(name)).first.locator("input").check()
    page.click("#subbtn")
    assert reward(page) == {"done": True, "reward": 1.0, "reason": ""}


def test_click_checkboxes_ticking_every_box_scores_below_one(page, base_url):
    utterance = start(page, base_url, "click-checkboxes", 0)
    assert "nothing" not in utterance
    for box in page.locator("#boxes input").all():
        box.check()
    page.click("#subbtn")
    result = reward(page)
    assert result["done"] is True and result["reward"] < 1.0


def test_focus_text_focusing_the_box_scores_one(page, base_url):
    assert start(page, base_url, "focus-text", 0) == "Focus into the textbox."
    page.focus("#tt")
    assert reward(page) == {"done": True, "reward": 1.0, "reason": ""}


def test_login_user_right_and_wrong_password(page, base_url):
    utterance = start(page, base_url, "login-user", 5)
    user, password = re.findall(r'"(.*?)"', utterance)
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#subbtn")
    assert reward(page) == {"done": True, "reward": 1.0, "reason": ""}

    start(page, base_url, "login-user", 5)
    page.fill("#username", user)
    page.fill("#password", password + "!")
    page.click("#subbtn")
    assert reward(page)["reward"] == -1.0


def test_same_seed_same_instance_other_seeds_differ(page, base_url):
    for name in ("click-link", "login-user"):
        first = [start(page, base_url, name, seed) for seed in range(3)]
        again = [start(page, base_url, name, seed) for seed in range(3)]
        assert first == again
        assert len(set(first)) > 1
    html = [start(page, base_url, "click-button", 9) and page.inner_html("#area") for _ in "ab"]
    assert html[0] == html[1]


def test_the_task_timer_never_ends_an_episode_while_the_agent_thinks(page, base_url):
    page.clock.install()
    text = quoted(start(page, base_url, "click-button", 4))
    assert page.evaluate("() => core.EPISODE_MAX_TIME") == EPISODE_MAX_TIME_MS
    page.clock.run_for(24 * HOUR_MS)
    assert reward(page)["done"] is False
    page.locator("#area button").filter(has_text=exactly(text)).first.click()
    assert reward(page) == {"done": True, "reward": 1.0, "reason": ""}


def test_the_page_text_does_not_change_while_the_agent_thinks(page, base_url):
    page.clock.install()
    start(page, base_url, "click-checkboxes", 2)
    before = page.inner_text("body")
    page.clock.run_for(5000)
    assert page.inner_text("body") == before
    assert "Time left" not in before


def test_without_the_lifted_limit_the_page_times_out_by_itself(page, base_url):
    # The behaviour start_episode_script prevents: the page's own 10 s limit ends the episode.
    page.clock.install()
    page.goto(base_url + task_path("click-button"))
    page.evaluate("() => { Math.seedrandom(4); core.startEpisodeReal(); }")
    page.clock.run_for(11_000)
    assert reward(page) == {"done": True, "reward": -1.0, "reason": "timed out"}


def test_the_reward_stays_readable_after_the_episode_ends(page, base_url):
    page.clock.install()
    start(page, base_url, "focus-text", 1)
    page.focus("#tt")
    page.clock.run_for(HOUR_MS)
    assert reward(page) == {"done": True, "reward": 1.0, "reason": ""}
    assert page.evaluate(UTTERANCE_SCRIPT) == "Focus into the textbox."


@pytest.mark.parametrize("name", ELEMENT_TASKS[::17])
def test_element_tasks_load_and_start_without_script_errors(page, base_url, name):
    errors: list[str] = []

    def failed(response) -> None:
        # Chromium asks every new context for /favicon.ico, which MiniWoB++ lacks.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            errors.append(f"{response.status} {response.url}")

    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", failed)
    assert start(page, base_url, name, 0)
    assert errors == []


def test_element_tasks_are_distinct_installed_tasks():
    assert len(ELEMENT_TASKS) >= 20
    assert len(set(ELEMENT_TASKS)) == len(ELEMENT_TASKS)
    assert set(ELEMENT_TASKS) <= set(miniwob_task_names())
    assert not [name for name in ELEMENT_TASKS if name.startswith(("drag-", "draw-"))]


def test_bad_seeds_and_names_are_refused():
    with pytest.raises(InvalidArgumentError, match="seed must be an int"):
        start_episode_script("1; alert(1)")
    with pytest.raises(InvalidArgumentError, match="not a MiniWoB"):
        task_path("../core/core")
    assert task_path("click-button") == "/miniwob/click-button.html"
