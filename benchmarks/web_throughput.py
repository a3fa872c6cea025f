"""Web env throughput: cogym's web envs next to raw Playwright and miniwob's Selenium env.

Usage: python benchmarks/web_throughput.py [--episodes 4] [--rounds 3] [--warmup 1]
       [--clicks 2] [--suites shop,forms,miniwob] [--reads none,content,aria]
       [--miniwob-tasks click-button,enter-text] [--no-selenium] [--out PATH]

Every figure comes from one run, with the sides interleaved (each round runs every side's
episodes in turn), so a background load shifts them alike. The same pages are served to
both sides: cogym's own `WebServer` with `ShopSite` / `FormsSite`, and the same tasks
(passed to cogym's ``reset`` as ``options={"task": ...}``).

- shop: ``gym.make("cogym/WebShop-v0")`` (wrappers included), per episode: reset, fill the
  search box with the product type, click Search, then ``--clicks`` times: click a result,
  go_back. Raw Playwright (sync API, the same Chromium and launch args, a fresh context
  per episode, as cogym) does the same by CSS selector (``page.fill``, ``page.click`` then
  ``wait_for_load_state("load")``, ``page.go_back``), in three variants: clicks only;
  clicks + ``page.content()`` per step; clicks + ``locator("body").aria_snapshot()`` per
  step. An env hands the agent the page as text after each step, so the fair comparison
  is the last one (the page read as an accessibility tree); the aim, cogym >= 0.7x raw,
  is judged against it.
- forms: ``cogym/WebForms-v0``, login tasks: reset, fill username, fill password, click
  "Log in" (the server checks it; both sides must be scored correct).
- miniwob: ``cogym/MiniWoB-v0`` on click-button (click a text, click the named button) and
  enter-text (fill the box, click Submit) next to the ``miniwob`` package's own Selenium env
  (``gymnasium.make("miniwob/<task>-v1")``, ChromeDriver, pages from file://), with its
  default observation (DOM + screenshot) and with screenshots off. Skipped, with the
  reason in the JSON, where ChromeDriver or the package is missing. The two do different
  work: the Selenium env keeps one page for every episode (its reset restarts the task in
  the page) and clicks an element with the page's own ``core.elementClick`` (a JavaScript
  click); cogym opens a fresh context and loads the task page per episode and clicks with
  Playwright (the element scrolled into view, checked visible, stable and hit, then real
  mouse events), the same way it clicks on every site.

Step time is the wall clock around ``env.step`` (cogym, Selenium) or around the action and
page read (raw); reset time around ``env.reset`` or new context + goto + read. Choosing the
action (parsing the page text for an id) is not timed. Every episode checks that it did
what it meant to (URLs, a correct submission, a reward of 1), so a figure never counts
failed actions. Prints a table and writes ``benchmarks/results/web_throughput.json``.
Aim: cogym steps/s and reset time >= 0.7x raw Playwright + page read.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
from common import machine_info, save
from rich.console import Console
from rich.table import Table

import cogym  # noqa: F401  (registers the ids)
from cogym.envs.web.browser import CHROMIUM_ARGS, find_chromium
from cogym.envs.web.catalogue import generate_catalogue, generate_shop_task
from cogym.envs.web.elements import Element, find, page_url, parse_elements
from cogym.envs.web.forms_site import FormsSite
from cogym.envs.web.forms_tasks import generate_forms_task
from cogym.envs.web.server import WebServer
from cogym.envs.web.shop_site import ShopSite

NAME = "web_throughput"
PRODUCTS = 1000
VIEWPORT = {"width": 800, "height": 600}
PRODUCT_ID = re.compile(r"B0[A-Z0-9]{8}")
MINIWOB_TASKS = ("click-button", "enter-text")
SUITES = ("shop", "forms", "miniwob")
RAW_READS = {
    "none": "raw Playwright, clicks only",
    "content": "raw Playwright + page.content()",
    "aria": "raw Playwright + aria_snapshot()",
}
AIM = 0.7


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


class BenchmarkError(RuntimeError):
    """An episode did not do what the benchmark meant it to do."""


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Timer:
    """Collects the reset and step times of one side."""

    def __init__(self) -> None:
        self.resets: list[float] = []
        self.steps: list[float] = []

    def reset(self, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = fn()
        self.resets.append(time.perf_counter() - start)
        return result

    def step(self, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = fn()
        self.steps.append(time.perf_counter() - start)
        return result


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise BenchmarkError(what)


def _quote(text: str) -> str:
    return json.dumps(text)


# ---------------------------------------------------------------------- cogym, gym.make


class CogymSide:
    """A cogym web env made by ``gym.make`` (wrappers included)."""

    def __init__(self, env_id: str, **kwargs: Any) -> None:
        self.env = gym.make(env_id, **kwargs)

    def reset(self, timer: Timer, task: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return timer.reset(lambda: self.env.reset(seed=0, options={"task": task}))

    def step(self, timer: Timer, action: str) -> tuple[str, dict[str, Any], bool]:
        obs, _, terminated, truncated, info = timer.step(lambda: self.env.step(action))
        _expect(info["action_valid"], f"{action} failed: {obs[:300]}")
        return obs, info, terminated or truncated

    def close(self) -> None:
        self.env.close()


def _element(elements: list[Element], role: str, name: str) -> Element:
    found = find(elements, role, name)
    _expect(found is not None and found.id is not None, f"no {role} {name!r} on the page")
    return found


def _field(elements: list[Element], name: str) -> Element:
    for element in elements:
        if element.id and element.name == name and element.role not in ("label", "text"):
            return element
    raise BenchmarkError(f"no field named {name!r} on the page")


def cogym_shop_episode(side: CogymSide, timer: Timer, task: dict[str, Any], clicks: int) -> None:
    obs, _ = side.reset(timer, task)
    elements = parse_elements(obs)
    box, button = _element(elements, "textbox", "Search"), _element(elements, "button", "Search")
    side.step(timer, f"fill({_quote(box.id)}, {_quote(task['type'])})")
    obs, _, _ = side.step(timer, f"click({_quote(button.id)})")
    for k in range(clicks):
        _expect((page_url(obs) or "").startswith("/search"), f"not on results: {page_url(obs)}")
        links = [
            e for e in parse_elements(obs) if e.role == "link" and PRODUCT_ID.fullmatch(e.name)
        ]
        _expect(len(links) > k, f"only {len(links)} results")
        obs, _, _ = side.step(timer, f"click({_quote(links[k].id)})")
        _expect(page_url(obs).startswith(f"/item/{links[k].name}"), f"not on item: {page_url(obs)}")
        obs, _, _ = side.step(timer, "go_back()")


def cogym_forms_episode(side: CogymSide, timer: Timer, task: dict[str, Any]) -> None:
    obs, _ = side.reset(timer, task)
    elements = parse_elements(obs)
    user, password = _field(elements, "Username"), _field(elements, "Password")
    button = _element(elements, "button", "Log in")
    side.step(timer, f"fill({_quote(user.id)}, {_quote(task['username'])})")
    side.step(timer, f"fill({_quote(password.id)}, {_quote(task['password'])})")
    _, info, done = side.step(timer, f"click({_quote(button.id)})")
    _expect(done and info["success"], f"login not scored correct: {info.get('detail')}")


def cogym_miniwob_episode(side: CogymSide, timer: Timer, task: dict[str, Any]) -> None:
    obs, info = side.reset(timer, task)
    elements = parse_elements(obs)
    wanted = re.findall(r'"([^"]*)"', info["goal"])
    _expect(bool(wanted), f"no quoted word in the goal {info['goal']!r}")
    if task["name"] == "click-button":
        texts = [e for e in elements if e.id and e.role == "text" and e.name and '"' not in e.name]
        _expect(bool(texts), "no text element to click")
        side.step(timer, f"click({_quote(texts[-1].id)})")
        button = _element(elements, "button", wanted[0])
    else:
        box = next((e for e in elements if e.id and e.role == "textbox"), None)
        _expect(box is not None, "no text box")
        side.step(timer, f"fill({_quote(box.id)}, {_quote(wanted[0])})")
        button = _element(elements, "button", "Submit")
    _, info, done = side.step(timer, f"click({_quote(button.id)})")
    _expect(done and info["success"], f"{task['name']} not solved: {info.get('reason')}")


# ---------------------------------------------------------------------- raw Playwright


class RawSide:
    """Raw Playwright (sync API) on cogym's launch args, a fresh context per episode."""

    def __init__(self, executable: str | None) -> None:
        from playwright.sync_api import sync_playwright

        self._manager = sync_playwright()
        self._playwright = self._manager.start()
        self.browser = self._playwright.chromium.launch(
            executable_path=executable, args=list(CHROMIUM_ARGS)
        )
        self.context: Any = None
        self.page: Any = None
        self.read_mode = "none"

    def read(self) -> Any:
        """What a user of raw Playwright does to see the page after an action."""
        if self.read_mode == "content":
            return self.page.content()
        if self.read_mode == "aria":
            return self.page.locator("body").aria_snapshot()
        return None

    def open(self, url: str) -> None:
        if self.context is not None:
            self.context.close()
        self.context = self.browser.new_context(viewport=VIEWPORT)
        self.page = self.context.new_page()
        self.page.goto(url, wait_until="load")
        self.read()

    def act(self, fn: Callable[[Any], Any], navigates: bool = False) -> None:
        fn(self.page)
        if navigates:
            self.page.wait_for_load_state("load")
        self.read()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.browser.close()
        with contextlib.suppress(Exception):
            self._playwright.stop()


def raw_shop_episode(
    raw: RawSide, site: ShopSite, base: str, timer: Timer, task: dict[str, Any], clicks: int
) -> None:
    timer.reset(lambda: raw.open(base + site.start(task)))
    timer.step(lambda: raw.act(lambda p: p.fill("#search-q", task["type"])))
    timer.step(lambda: raw.act(lambda p: p.click("form[action='/search'] button"), True))
    _expect("/search?" in raw.page.url, f"not on results: {raw.page.url}")
    for k in range(clicks):
        timer.step(lambda k=k: raw.act(lambda p: p.click(f"li >> nth={k} >> a"), True))
        _expect("/item/" in raw.page.url, f"not on item: {raw.page.url}")
        timer.step(lambda: raw.act(lambda p: p.go_back(wait_until="load")))
        _expect("/search?" in raw.page.url, f"not back on results: {raw.page.url}")


def raw_forms_episode(
    raw: RawSide, site: FormsSite, base: str, timer: Timer, task: dict[str, Any]
) -> None:
    timer.reset(lambda: raw.open(base + site.start(task)))
    timer.step(lambda: raw.act(lambda p: p.fill("#f-username", task["username"])))
    timer.step(lambda: raw.act(lambda p: p.fill("#f-password", task["password"])))
    timer.step(lambda: raw.act(lambda p: p.click("button[type=submit]"), True))
    _expect(site.outcome is not None and site.outcome["correct"], f"login: {site.outcome}")


# ---------------------------------------------------------------------- miniwob's Selenium env


def selenium_setup() -> tuple[str | None, dict[str, str]]:
    """Why the ``miniwob`` package's Selenium env cannot run here (None: it can), and the
    environment variables that point it at Chromium and ChromeDriver."""
    try:
        import miniwob  # noqa: F401
        import selenium  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install miniwob)", {}
    chromium = os.environ.get("MINIWOB_CHROME_BINARY") or find_chromium()
    driver = os.environ.get("MINIWOB_CHROMEDRIVER") or "/usr/bin/chromedriver"
    if not chromium or not os.access(chromium, os.X_OK):
        return "no Chromium found for the miniwob package", {}
    if not os.access(driver, os.X_OK):
        return f"no ChromeDriver at {driver} (apt-get install chromium-driver)", {}
    return None, {"MINIWOB_CHROME_BINARY": chromium, "MINIWOB_CHROMEDRIVER": driver}


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Any:
    """Set environment variables for the block, then put back what was there."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def selenium_episode(env: Any, timer: Timer, name: str, seed: int, screenshots: bool) -> None:
    from miniwob.action import ActionTypes

    options = {"record_screenshots": screenshots}
    obs, _ = timer.reset(lambda: env.reset(seed=seed, options=options))
    wanted = re.findall(r'"([^"]*)"', obs["utterance"])
    _expect(bool(wanted), f"no quoted word in {obs['utterance']!r}")
    elements = obs["dom_elements"]
    make = env.unwrapped.create_action

    def ref(predicate: Callable[[dict[str, Any]], bool], what: str) -> int:
        found = [e["ref"] for e in elements if predicate(e)]
        _expect(bool(found), f"no {what} in the DOM")
        return found[-1]

    def step(action: Any) -> tuple[float, bool]:
        _, reward, terminated, _, _ = timer.step(lambda: env.step(action))
        return reward, terminated

    if name == "click-button":
        text = ref(lambda e: e["tag"] == "div" and bool(e["text"]), "text")
        step(make(ActionTypes.CLICK_ELEMENT, ref=text))
        button = ref(lambda e: e["tag"] == "button" and e["text"] == wanted[0], "button")
    else:
        box = ref(lambda e: e["tag"] == "input_text", "text box")
        step(make(ActionTypes.FOCUS_ELEMENT_AND_TYPE_TEXT, ref=box, text=wanted[0]))
        button = ref(lambda e: e["tag"] == "button" and e["text"] == "Submit", "Submit")
    reward, done = step(make(ActionTypes.CLICK_ELEMENT, ref=button))
    _expect(done and reward > 0, f"{name} not solved by the Selenium env (reward {reward})")


# ---------------------------------------------------------------------- the runs


def summary(suite: str, side: str, timer: Timer, startup_s: float) -> dict[str, Any]:
    """One row: steps/s over the summed step time, step and reset times in ms, and the
    seconds to the first observation (launch or make, and the first reset)."""
    steps, resets = timer.steps, timer.resets
    return {
        "suite": suite,
        "side": side,
        "episodes": len(resets),
        "steps": len(steps),
        "steps_per_s": round(len(steps) / sum(steps), 2),
        "step_p50_ms": round(1000 * statistics.median(steps), 1),
        "step_p95_ms": round(1000 * percentile(steps, 0.95), 1),
        "reset_mean_ms": round(1000 * statistics.fmean(resets), 1),
        "reset_p50_ms": round(1000 * statistics.median(resets), 1),
        "startup_s": round(startup_s, 2),
    }


def started(make: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    made = make()
    return made, time.perf_counter() - start


def run_shop_and_forms(args: argparse.Namespace, stack: contextlib.ExitStack) -> list[dict]:
    """Shop and forms: cogym and the raw Playwright variants, interleaved by round."""
    suites, episodes, clicks = args.suites, args.episodes, args.clicks
    executable = find_chromium()
    catalogue = generate_catalogue(0, PRODUCTS)
    shop_tasks = [generate_shop_task(random.Random(s), catalogue) for s in range(episodes)]
    forms_tasks = [generate_forms_task(random.Random(s), "login") for s in range(episodes)]
    raw, raw_start = started(lambda: RawSide(executable))
    stack.callback(raw.close)
    plans: list[tuple[str, str, Callable[[Timer, int], None], float]] = []
    if "shop" in suites:
        site = ShopSite(catalogue)
        server = stack.enter_context(contextlib.closing(WebServer(site)))
        env, start = started(lambda: CogymSide("cogym/WebShop-v0", products=PRODUCTS))
        stack.callback(env.close)
        plans.append(
            (
                "shop",
                "cogym WebShop-v0 (gym.make)",
                lambda t, i: cogym_shop_episode(env, t, shop_tasks[i], clicks),
                start,
            )
        )
        for mode in args.reads:
            plans.append(
                (
                    "shop",
                    RAW_READS[mode],
                    lambda t, i, m=mode, s=site, b=server.base_url: _raw(
                        raw, m, lambda: raw_shop_episode(raw, s, b, t, shop_tasks[i], clicks)
                    ),
                    raw_start,
                )
            )
    if "forms" in suites:
        forms_site = FormsSite()
        forms_server = stack.enter_context(contextlib.closing(WebServer(forms_site)))
        forms_env, start = started(lambda: CogymSide("cogym/WebForms-v0"))
        stack.callback(forms_env.close)
        plans.append(
            (
                "forms",
                "cogym WebForms-v0 (gym.make)",
                lambda t, i: cogym_forms_episode(forms_env, t, forms_tasks[i]),
                start,
            )
        )
        for mode in args.reads:
            plans.append(
                (
                    "forms",
                    RAW_READS[mode],
                    lambda t, i, m=mode, s=forms_site, b=forms_server.base_url: _raw(
                        raw, m, lambda: raw_forms_episode(raw, s, b, t, forms_tasks[i])
                    ),
                    raw_start,
                )
            )
    return interleave(plans, episodes, args.rounds, args.warmup)


def _raw(raw: RawSide, mode: str, episode: Callable[[], None]) -> None:
    raw.read_mode = mode
    episode()


def interleave(
    plans: list[tuple[str, str, Callable[[Timer, int], None], float]],
    episodes: int,
    rounds: int,
    warmup: int,
) -> list[dict[str, Any]]:
    """``warmup`` untimed episodes per side, then ``rounds`` rounds of ``episodes`` per side."""
    timers = [Timer() for _ in plans]
    firsts = []
    for _, _, episode, _ in plans:
        warm = Timer()
        for index in range(warmup):
            episode(warm, index % episodes)
        firsts.append(warm.resets[:1])
    for _ in range(rounds):
        for timer, (_, _, episode, _) in zip(timers, plans, strict=True):
            for index in range(episodes):
                episode(timer, index)
    return [
        summary(suite, side, timer, startup + (first or timer.resets)[0])
        for timer, first, (suite, side, _, startup) in zip(timers, firsts, plans, strict=True)
    ]


def run_miniwob(
    args: argparse.Namespace, stack: contextlib.ExitStack
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """cogym's MiniWoB-v0 next to the miniwob package's Selenium env, per task."""
    skipped: dict[str, str] = {}
    reason, variables = selenium_setup()
    if args.no_selenium:
        reason = "left out (--no-selenium)"
    if reason is not None:
        skipped["miniwob_selenium"] = reason
    env, start = started(lambda: CogymSide("cogym/MiniWoB-v0"))
    stack.callback(env.close)
    plans: list[tuple[str, str, Callable[[Timer, int], None], float]] = []
    for name in args.miniwob_tasks:
        suite = f"miniwob {name}"
        plans.append(
            (
                suite,
                "cogym MiniWoB-v0 (gym.make)",
                lambda t, i, n=name: cogym_miniwob_episode(
                    env, t, {"suite": "miniwob", "name": n, "seed": i}
                ),
                start,
            )
        )
        if reason is not None:
            continue
        try:
            import miniwob  # noqa: F401  (registers the ids)

            with environment(variables):  # read when the env starts its ChromeDriver
                selenium_env, selenium_start = started(lambda n=name: gym.make(f"miniwob/{n}-v1"))
        except Exception as exc:  # ChromeDriver refused to start: say why, go on
            skipped["miniwob_selenium"] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            reason = skipped["miniwob_selenium"]
            continue
        stack.callback(selenium_env.close)
        for screenshots, label in ((True, "DOM + screenshot"), (False, "DOM only")):
            plans.append(
                (
                    suite,
                    f"miniwob Selenium env ({label})",
                    lambda t, i, e=selenium_env, n=name, s=screenshots: selenium_episode(
                        e, t, n, i, s
                    ),
                    selenium_start,
                )
            )
    return interleave(plans, args.episodes, args.rounds, args.warmup), skipped


def ratios(rows: list[dict[str, Any]]) -> dict[str, float]:
    """cogym over each other side, per suite: steps/s ratio and reset speed ratio (>1: cogym
    is faster)."""
    found: dict[str, float] = {}
    for suite in dict.fromkeys(r["suite"] for r in rows):
        mine = [r for r in rows if r["suite"] == suite]
        cogym_row = next(r for r in mine if r["side"].startswith("cogym"))
        for other in mine:
            if other is cogym_row:
                continue
            key = f"{suite} / {other['side']}"
            found[f"{key} / steps"] = round(cogym_row["steps_per_s"] / other["steps_per_s"], 2)
            found[f"{key} / reset"] = round(other["reset_mean_ms"] / cogym_row["reset_mean_ms"], 2)
    return found


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print the table, write the JSON; return what was written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=4, help="episodes per side per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (sides interleaved)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed episodes per side")
    parser.add_argument("--clicks", type=int, default=2, help="result clicks per shop episode")
    parser.add_argument("--suites", type=_names, default=SUITES, help="comma-separated")
    parser.add_argument("--reads", type=_names, default=tuple(RAW_READS), help="raw variants")
    parser.add_argument("--miniwob-tasks", type=_names, default=MINIWOB_TASKS)
    parser.add_argument("--no-selenium", action="store_true", help="leave out miniwob's env")
    parser.add_argument("--out", type=Path, default=None, help="result JSON (default results/)")
    args = parser.parse_args(argv)
    wrong = [
        f"{flag} takes {', '.join(known)}"
        for flag, given, known in (
            ("--suites", args.suites, SUITES),
            ("--reads", args.reads, tuple(RAW_READS)),
            ("--miniwob-tasks", args.miniwob_tasks, MINIWOB_TASKS),
        )
        if not given or not set(given) <= set(known)
    ]
    if min(args.episodes, args.rounds, args.clicks) < 1 or args.warmup < 0:
        wrong.append("--episodes, --rounds and --clicks must be >= 1, --warmup >= 0")
    if wrong:
        parser.error("; ".join(wrong))
    suites = args.suites
    load_before = os.getloadavg()
    started_at = time.perf_counter()
    rows: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        if {"shop", "forms"} & set(suites):
            rows += run_shop_and_forms(args, stack)
        if "miniwob" in suites:
            found, skipped = run_miniwob(args, stack)
            rows += found
    found_ratios = ratios(rows)
    payload = {
        "settings": {
            "episodes_per_round": args.episodes,
            "rounds": args.rounds,
            "warmup_episodes": args.warmup,
            "raw_reads": list(args.reads),
            "shop_result_clicks": args.clicks,
            "products": PRODUCTS,
            "chromium": find_chromium(),
            "launch_args": list(CHROMIUM_ARGS),
            "viewport": VIEWPORT,
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "seconds": round(time.perf_counter() - started_at, 1),
        },
        "aim": f"cogym >= {AIM}x raw Playwright + aria_snapshot() (steps/s and reset time)",
        "results": rows,
        "ratios": found_ratios,
        "skipped": skipped,
    }
    print_table(rows, found_ratios, skipped)
    if args.out is None:
        path = save(NAME, payload)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"machine": machine_info(), **payload}, indent=2) + "\n")
        path = args.out
    print(f"saved {path}")
    return payload


def print_table(rows: list[dict[str, Any]], found: dict[str, float], skipped: dict) -> None:
    table = Table(title="Web env throughput (sides interleaved; same pages, same Chromium)")
    columns = ("suite", "side", "episodes", "steps", "steps/s", "step p50 ms", "step p95 ms")
    columns += ("reset mean ms", "reset p50 ms", "startup s")
    for column in columns:
        table.add_column(column, justify="left" if column in ("suite", "side") else "right")
    for each in rows:
        table.add_row(*(str(value) for value in each.values()))
    console = Console(width=max(Console().width, 150))
    console.print(table)
    for name, value in found.items():
        console.print(f"{name}: {value}x")
    for name, reason in skipped.items():
        console.print(f"skipped {name}: {reason}")


if __name__ == "__main__":
    main()
