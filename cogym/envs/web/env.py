"""The web env: a real Chromium, driven through Playwright, on a site the env serves itself."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from cogym.core.checks import check_bool, check_int, check_path, check_timeout, shown
from cogym.core.errors import InvalidArgumentError, InvalidTaskError
from cogym.core.task_env import TaskEnv
from cogym.core.text_env import Outcome
from cogym.envs.web.actions import ACTION_HELP, parse_action
from cogym.envs.web.catalogue import Catalogue, generate_catalogue
from cogym.envs.web.errors import ActionError, ActionSyntaxError, BrowserDiedError
from cogym.envs.web.forms_site import FormsSite
from cogym.envs.web.miniwob_tasks import (
    READY_SCRIPT,
    REWARD_SCRIPT,
    UTTERANCE_SCRIPT,
    miniwob_root,
    start_episode_script,
    task_path,
)
from cogym.envs.web.server import WebServer
from cogym.envs.web.shop_reward import shop_reward
from cogym.envs.web.shop_site import ShopSite
from cogym.envs.web.static_site import StaticSite
from cogym.envs.web.tasks import SUITES, WebConfig, generate_task, validate_task

#: Default turn limits per suite.
DEFAULT_MAX_TURNS = {"shop": 20, "forms": 12, "miniwob": 10}
#: The largest ``max_tree_chars``.
MAX_TREE_CHARS = 60_000
#: How long a MiniWoB++ page may take to build its task.
MINIWOB_READY_S = 5.0


def check_executable(name: str, value: object) -> str:
    """``value`` if it is the path of an executable file, else a clear error."""
    value = str(check_path(name, value))
    if not (os.path.isfile(value) and os.access(value, os.X_OK)):
        raise InvalidArgumentError(
            f"{name} {value!r} is not an executable file; pass the path of Chromium (e.g. "
            "/usr/bin/chromium) or None to find one"
        )
    return value


_RESTARTED = "The browser had stopped; it was restarted and the page reloaded."


class WebEnv(TaskEnv, config=WebConfig, generate=generate_task, validate=validate_task):
    """Browse a local web site in a real Chromium to do what the goal says.

    ## Description
    The env serves its own site on 127.0.0.1 (a free port) and drives Chromium through
    Playwright's sync API, run on a thread of its own, so it works inside a running asyncio
    loop (a notebook), from several threads and in an ``AsyncVectorEnv``. One browser per
    env and a fresh browser context per episode; a browser that dies is restarted within
    the episode (``info["browser_restarted"]``). Navigation is confined to the local site.

    - ``cogym/WebShop-v0`` (``suite="shop"``): a WebShop-style shop whose catalogue is
      generated from ``catalogue_seed``: search with paginated results, product pages with
      options, "Buy Now". The goal names a product type, attributes, option values and a
      budget.
    - ``cogym/WebForms-v0`` (``suite="forms"``): log in, pick a date, tick boxes, choose
      from a dropdown, follow a link by its text, fill a multi-field form; the server
      checks the submission.
    - ``cogym/MiniWoB-v0`` (``suite="miniwob"``): the tasks of the ``miniwob`` package,
      served locally, scored by the task's own JavaScript (``task_name`` kwarg or reset
      option; default: drawn from the tasks that need only element actions).

    ## Action Space
    ``Text(max_length=16384)``: one BrowserGym action, e.g. ``click("12")``,
    ``fill("7", "red shirt")``, ``select_option("9", "XL")``, ``press("7", "Enter")``,
    ``check("3")``, ``scroll(0, 300)``, ``go_back()``, ``noop()`` (the first observation lists
    them all). Ids are the ``[N]`` of the current page.

    ## Observation Space
    ``Text(max_length=65536)``: the goal (first observation, with the action forms), the
    URL path, the page title and the page's accessibility tree as text, one element per
    line with an id for each interactive or text element (``[12] button 'Buy Now'``),
    cut at ``max_tree_chars``. Later observations are the page after the action, with a
    line saying what went wrong if it failed. ``render_mode="rgb_array"`` gives the
    screenshot (``viewport`` height x width x 3).

    ## Rewards
    - Shop, on "Buy Now", WebShop style: ``type_match * (attributes matched + options
      matched + price within budget) / (attributes + options + 1)``; 1.0 is success.
    - Forms: 1.0 for a correct submission, 0.0 for a wrong one.
    - MiniWoB++: 1.0 when the task's raw reward is 1 (its own success rule; partial credit
      and failures earn 0.0; ``info["raw_reward"]`` keeps the raw value).
    - ``invalid_action_reward`` (default -0.1) for an action that does not parse, names an
      element not on the page, or fails on it.

    ## Starting State
    A fresh browser context on the suite's start page. ``reset(options=...)``:
    ``{"index": i}``, ``{"task": {...}}`` (see :mod:`cogym.envs.web.tasks`) or
    ``{"task_name": name}`` (forms kind or MiniWoB++ task).

    ## Episode End
    Terminated on a purchase (shop), a submission (forms) or when the MiniWoB++ task says
    it is done; truncated at ``max_turns`` (shop 20, forms 12, MiniWoB++ 10).

    ## Info
    ``reset``: ``turn``, ``task`` (the task with its answer: never show it to a policy),
    ``task_index``, ``goal``, ``url``, ``elements`` (id -> role of the page's elements),
    ``browser_restarted``. ``step``: ``turn``, ``action_valid``, ``success``,
    ``feedback_kind`` (``ok``, ``syntax_error``, ``action_error``, ``purchased``,
    ``submitted``, ``task_done``, ``browser_restarted``, ``not_text``, ``action_too_long``),
    ``url``, ``elements``, ``browser_restarted``; shop: ``purchase`` (the reward's parts)
    after "Buy Now"; forms: ``detail``; MiniWoB++: ``raw_reward``, ``reason``.

    ## Arguments
    - ``suite``: ``"shop"``, ``"forms"`` or ``"miniwob"`` (the ids set it).
    - ``task_name``: forms kind or MiniWoB++ task (None: drawn per episode).
    - ``products`` (1000), ``catalogue_seed`` (0): the shop catalogue.
    - ``max_turns``, ``invalid_action_reward`` (-0.1), ``max_tree_chars`` (8000; 200 to
      60000).
    - ``executable_path``: the Chromium to drive (default: ``$COGYM_CHROMIUM``, then
      ``chromium``/``chromium-browser``/``google-chrome`` on ``PATH``, then Playwright's
      own installed browser); ``headless`` (True); ``viewport`` ((800, 600), width x
      height); ``timeout_s`` (5.0, per browser action).
    - ``tasks_path``, ``dataset_seed``, ``render_mode`` (``"ansi"``, ``"rgb_array"``).

    ## Version History
    - v0: initial version.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "rgb_array"], "render_fps": 1}
    max_observation_length: ClassVar[int] = 65536
    option_keys: ClassVar[frozenset[str]] = frozenset({"index", "task", "task_name"})

    def __init__(
        self,
        *,
        suite: str = "shop",
        task_name: str | None = None,
        products: int = 1000,
        catalogue_seed: int = 0,
        max_turns: int | None = None,
        invalid_action_reward: float = -0.1,
        max_tree_chars: int = 8000,
        executable_path: str | None = None,
        headless: bool = True,
        viewport: tuple[int, int] | list[int] = (800, 600),
        timeout_s: float = 5.0,
        tasks_path: str | None = None,
        dataset_seed: int = 0,
        render_mode: str | None = None,
    ) -> None:
        if suite not in SUITES:
            raise InvalidArgumentError(f"suite must be one of {SUITES}; got {shown(suite)}")
        super().__init__(
            config=WebConfig().with_overrides(
                suite=suite, task_name=task_name, products=products, catalogue_seed=catalogue_seed
            ),
            tasks_path=tasks_path,
            dataset_seed=dataset_seed,
            max_turns=max_turns if max_turns is not None else DEFAULT_MAX_TURNS[suite],
            invalid_action_reward=invalid_action_reward,
            render_mode=render_mode,
        )
        self.suite = suite
        self.max_tree_chars = check_int(
            "max_tree_chars", max_tree_chars, minimum=200, maximum=MAX_TREE_CHARS
        )
        self.executable_path = (
            None
            if executable_path is None
            else check_executable("executable_path", executable_path)
        )
        self.headless = check_bool("headless", headless)
        if not (
            isinstance(viewport, (tuple, list))
            and len(viewport) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in viewport)
            and all(100 <= v <= 4096 for v in viewport)
        ):
            raise InvalidArgumentError(
                "viewport must be (width, height), two ints from 100 to 4096; got "
                f"{shown(viewport)}"
            )
        self.viewport = (int(viewport[0]), int(viewport[1]))
        self.timeout_s = check_timeout("timeout_s", timeout_s)
        self.catalogue: Catalogue | None = (
            generate_catalogue(catalogue_seed, products) if suite == "shop" else None
        )
        self._site = self._make_site()
        self._server = self.resources.lazy(lambda: WebServer(self._site))
        self._browser = self.resources.lazy(self._start_browser)
        self._path = "/"
        self.goal = ""

    # -- resources ----------------------------------------------------------------------

    def _make_site(self) -> Any:
        if self.suite == "shop":
            return ShopSite(self.catalogue)
        if self.suite == "forms":
            return FormsSite()
        return StaticSite(miniwob_root())

    def _start_browser(self) -> Any:
        from cogym.envs.web.browser import Browser  # playwright is the optional web extra

        return Browser(
            executable_path=self.executable_path,
            headless=self.headless,
            viewport=self.viewport,
            timeout_s=self.timeout_s,
        )

    # -- episode ------------------------------------------------------------------------

    def _pick_task(self, options: Mapping[str, Any]) -> tuple[dict[str, Any], int | None]:
        if "task_name" not in options:
            return super()._pick_task(options)
        if "task" in options or "index" in options:
            raise InvalidArgumentError("reset options take one of 'task', 'index', 'task_name'")
        if not isinstance(options["task_name"], str):
            raise InvalidArgumentError(
                f"options['task_name'] must be a str (a form kind or a MiniWoB++ task); got "
                f"{shown(options['task_name'])}"
            )
        config = self.config.with_overrides(task_name=options["task_name"])
        return generate_task(random.Random(int(self.np_random.integers(2**63))), config), None

    def _start_task(self, options: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        if self.task["suite"] != self.suite:
            raise InvalidTaskError(
                f"this env plays the {self.suite!r} suite; the task is a {self.task['suite']!r} "
                "task"
            )
        target = self.task.get("product_id") if self.suite == "shop" else None
        if target is not None and self.catalogue.by_id(target) is None:
            raise InvalidTaskError(
                f"product {target!r} is not in this env's catalogue "
                f"(catalogue_seed, products); make the task with the same catalogue"
            )
        restarted = self._open_task()
        snapshot = self._snapshot()
        lines = [
            f"Goal: {self.goal}",
            "",
            "You browse a web page in a real browser. Each turn, reply with one action:",
            ACTION_HELP,
            f"Element ids are the [N] on the current page. You have {self.max_turns} turns.",
            "",
            self._page_text(snapshot),
        ]
        return "\n".join(lines), {"goal": self.goal, **self._page_info(snapshot, restarted)}

    def _open_task(self) -> bool:
        """Open the task's start page in a fresh context; True when the browser restarted."""
        server = self._server.get()
        if self.suite == "miniwob":
            self._path = task_path(self.task["name"])
        else:
            self._path = self._site.start(self.task)
            self.goal = self.task["goal"]
        return self._with_browser(lambda browser: self._load(browser, server.base_url))

    def _load(self, browser: Any, base_url: str) -> None:
        browser.new_episode(base_url, self._path)
        if self.suite != "miniwob":
            return
        browser.evaluate(start_episode_script(self.task["seed"]))
        deadline = time.monotonic() + MINIWOB_READY_S
        while not browser.evaluate(READY_SCRIPT):
            if time.monotonic() > deadline:
                raise InvalidTaskError(
                    f"MiniWoB task {self.task['name']!r} did not start within {MINIWOB_READY_S} s"
                )
            time.sleep(0.01)
        self.goal = str(browser.evaluate(UTTERANCE_SCRIPT))

    def _with_browser(self, work: Any) -> bool:
        """Run ``work(browser)``; if the browser died, restart it and reopen the page (the
        work is not repeated: the page it acted on is gone). Returns whether it restarted."""
        try:
            work(self._browser.get())
            return False
        except BrowserDiedError:
            self._restart()
            return True

    def _restart(self) -> None:
        """Start a new browser and reopen the episode's page in it."""
        self._browser.close()
        browser = self._browser.get()
        base_url = self._server.get().base_url
        if self.suite == "miniwob":  # the task's state lived in the page: start it again
            self._load(browser, base_url)
        else:
            browser.new_episode(base_url, self._path)

    def _snapshot(self) -> Any:
        snapshot = self._browser.get().snapshot(self.max_tree_chars)
        self._path = snapshot.url_path
        return snapshot

    @staticmethod
    def _page_text(snapshot: Any) -> str:
        return f"URL: {snapshot.url_path}\nTitle: {snapshot.title}\n{snapshot.text}"

    def _page_info(self, snapshot: Any, restarted: bool) -> dict[str, Any]:
        return {
            "url": snapshot.url_path,
            "elements": dict(snapshot.ids),
            "browser_restarted": restarted,
        }

    def _apply_action(self, action: str) -> Outcome:
        try:
            parsed = parse_action(action)
        except ActionSyntaxError as error:
            return self._page_outcome(str(error), "syntax_error", valid=False)
        error_text: list[str] = []

        def perform(browser: Any) -> None:
            try:
                browser.perform(parsed)
            except ActionError as error:
                error_text.append(str(error))

        restarted = self._with_browser(perform)
        if restarted:
            return self._page_outcome(_RESTARTED, "browser_restarted", restarted=True)
        if error_text:
            return self._page_outcome(
                f"Action failed: {error_text[0]}", "action_error", valid=False
            )
        return self._judge_page()

    def _judge_page(self) -> Outcome:
        if self.suite == "shop" and self._site.purchase is not None:
            reward, parts = shop_reward(self.task, self.catalogue, self._site.purchase)
            note = f"You bought {self._site.purchase.product_id}; reward {reward:.3f}."
            return self._ended(note, "purchased", reward, {"purchase": parts})
        if self.suite == "forms" and self._site.outcome is not None:
            reward = 1.0 if self._site.outcome["correct"] else 0.0
            return self._ended(
                "Submitted.", "submitted", reward, {"detail": self._site.outcome["detail"]}
            )
        if self.suite == "miniwob":
            state = self._browser.get().evaluate(REWARD_SCRIPT)
            if state["done"]:
                raw = float(state["reward"])
                reward = 1.0 if raw >= 1.0 else 0.0  # MiniWoB++'s own success rule
                extra = {"raw_reward": raw, "reason": state["reason"]}
                return self._ended("The task is over.", "task_done", reward, extra)
        return self._page_outcome("", "ok")

    def _ended(self, note: str, kind: str, reward: float, extra: dict[str, Any]) -> Outcome:
        """The last page of an episode: success is a full reward."""
        return self._page_outcome(
            note, kind, reward=reward, terminated=True, success=reward >= 1.0, extra=extra
        )

    def _page_outcome(
        self,
        note: str,
        kind: str,
        *,
        valid: bool = True,
        reward: float = 0.0,
        terminated: bool = False,
        success: bool = False,
        restarted: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> Outcome:
        """The page after an action, with ``note`` on top."""
        try:
            snapshot = self._snapshot()
        except BrowserDiedError:
            self._restart()
            snapshot, restarted = self._snapshot(), True
            note = f"{note} {_RESTARTED}".strip()
        parts = [note] if note else []
        if not terminated:
            parts.append(self.turns_left_line())
        parts.append(self._page_text(snapshot))
        return Outcome(
            "\n".join(parts),
            kind,
            valid=valid,
            reward=reward,
            terminated=terminated,
            success=success,
            info={**self._page_info(snapshot, restarted), **(extra or {})},
        )

    def _render_rgb(self) -> np.ndarray:
        if self._turn is None:
            raise InvalidArgumentError("call reset() before render(): there is no page yet")
        return self._browser.get().screenshot()
