"""Web baselines: the scripted experts, the random agent and scripted MiniWoB++ solutions.

Usage: python benchmarks/web_baselines.py [--shop-tasks 200] [--form-seeds 20]
    [--tasks default|all|name,name,...] [--episodes 20] [--random-episodes 50]
    [--script-seeds 5] [--script-tasks all|name,...] [--random-max-turns N] [--workers 2]
    [--out PATH]

Every episode is played through the real env (a real Chromium driven by Playwright):

1. shop expert: ``ShopExpertAgent`` on generated tasks of ``cogym/WebShop-v0``, seeds
   ``0..shop_tasks-1``: success rate, mean return, mean turns, each failure with its seed.
2. forms expert: ``FormsExpertAgent`` on every form kind (``FORM_KINDS``) x ``form_seeds``
   seeds: success per kind.
3. random agent (``RandomWebAgent``, seeded with the episode's seed) on MiniWoB++ tasks
   (24 diverse tasks of ``ELEMENT_TASKS`` by default, ``--tasks all`` for all of them),
   ``episodes`` each, with the env's default turn limit: success rate and mean raw reward
   (the task's own score: 1 solved, -1 failed, partial credit in between; 0 when the turn
   limit came first) per task and overall; and on WebShop and WebForms as their chance
   levels.
4. scripted check: ``MiniWoBScriptAgent`` (known-correct action sequences planned from
   the instruction and the page text only) on each task it knows, ``script_seeds`` seeds.

Episodes run in ``workers`` threads, each with its own env and browser. Prints a table per
section and writes ``benchmarks/results/web_baselines.json`` (or ``--out``).
Aims: both experts 1.0 on every task; every scripted MiniWoB++ task 1.0.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
from common import machine_info, save
from rich.console import Console
from rich.table import Table

import cogym  # noqa: F401 - registers the ids
from cogym.core.agent import Agent
from cogym.envs.web import FormsExpertAgent, RandomWebAgent, ShopExpertAgent
from cogym.envs.web.forms_tasks import FORM_KINDS
from cogym.envs.web.miniwob_solvers import SOLVERS, MiniWoBScriptAgent
from cogym.envs.web.miniwob_tasks import ELEMENT_TASKS, miniwob_task_names

#: The MiniWoB++ tasks the random agent plays by default: clicks, typing, lists, dates,
#: dialogs, menus, tabs, e-mail, search, social media, trees and scrolling.
DEFAULT_TASKS: tuple[str, ...] = (
    "click-button",
    "click-link",
    "click-checkboxes",
    "click-option",
    "click-tab",
    "click-dialog",
    "click-collapsible",
    "click-menu",
    "click-widget",
    "click-test-2",
    "click-scroll-list",
    "enter-text",
    "enter-password",
    "enter-date",
    "focus-text",
    "focus-text-2",
    "login-user",
    "choose-list",
    "choose-date",
    "email-inbox",
    "search-engine",
    "social-media",
    "navigate-tree",
    "use-spinner",
)

#: Episodes per work item: an item plays its episodes on one env (one browser launch).
CHUNK = 25


@dataclass
class Job:
    """Episodes of one agent on one env id; each episode is (label, reset options, seed).

    :param env_id: the registered id.
    :param kwargs: passed to ``gym.make`` (e.g. ``max_turns``).
    :param agent: makes the agent of an episode from its label and seed.
    :param episodes: ``(label, options, seed)`` per episode; the label names the row it
        counts in (a form kind, a MiniWoB++ task), the options go to ``reset``.
    """

    env_id: str
    kwargs: dict[str, Any]
    agent: Callable[[str, int], Agent]
    episodes: list[tuple[str, dict[str, Any], int]]
    results: list[dict[str, Any]] = field(default_factory=list)

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        """The results grouped by label, in the order the labels first appear."""
        grouped: dict[str, list[dict[str, Any]]] = {}
        for result in self.results:
            grouped.setdefault(result["label"], []).append(result)
        return grouped


def play(env: gym.Env, agent: Agent, options: dict[str, Any], seed: int) -> dict[str, Any]:
    """One episode: its seed, success, return, turns and (MiniWoB++) the task's raw reward."""
    agent.reset()
    observation, info = env.reset(seed=seed, options=options)
    total, turns = 0.0, 0
    while True:
        observation, reward, terminated, truncated, info = env.step(agent.act(observation, info))
        total += float(reward)
        turns += 1
        if terminated or truncated:
            break
    return {
        "seed": seed,
        "success": bool(info.get("success", False)),
        "reward": round(total, 4),
        "turns": turns,
        "raw_reward": float(info.get("raw_reward", 0.0)),
    }


def run_jobs(jobs: list[Job], workers: int) -> float:
    """Play every job's episodes on ``workers`` threads; returns the seconds taken.

    Each work item (up to :data:`CHUNK` episodes of one job) makes its own env and closes
    it after, so threads never share an env.
    """
    items = [
        (job, job.episodes[start : start + CHUNK])
        for job in jobs
        for start in range(0, len(job.episodes), CHUNK)
    ]

    def work(item: tuple[Job, list[tuple[str, dict[str, Any], int]]]) -> list[dict[str, Any]]:
        job, episodes = item
        env = gym.make(job.env_id, **job.kwargs)
        try:
            return [
                {"label": label, **play(env, job.agent(label, seed), options, seed)}
                for label, options, seed in episodes
            ]
        finally:
            env.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for (job, _), results in zip(items, pool.map(work, items), strict=True):
            job.results.extend(results)
    return time.perf_counter() - start


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Success rate, mean return, mean raw reward and mean turns of some episodes."""
    return {
        "episodes": len(results),
        "successes": sum(r["success"] for r in results),
        "success_rate": round(statistics.fmean(r["success"] for r in results), 4),
        "mean_reward": round(statistics.fmean(r["reward"] for r in results), 4),
        "mean_raw_reward": round(statistics.fmean(r["raw_reward"] for r in results), 4),
        "mean_turns": round(statistics.fmean(r["turns"] for r in results), 2),
        "failures": [
            {key: r[key] for key in ("seed", "reward", "turns")}
            for r in results
            if not r["success"]
        ],
    }


def table(title: str, rows: dict[str, dict[str, Any]], columns: list[str]) -> Table:
    """A rich table with one row per label."""
    shown = Table(title=title)
    shown.add_column("")
    for column in columns:
        shown.add_column(column, justify="right")
    for label, values in rows.items():
        shown.add_row(label, *(str(values[column]) for column in columns))
    return shown


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shop-tasks", type=int, default=200)
    parser.add_argument("--form-seeds", type=int, default=20)
    parser.add_argument(
        "--tasks", default="default", help="'default' (24 tasks), 'all', or names with commas"
    )
    parser.add_argument("--episodes", type=int, default=20, help="random agent, per task")
    parser.add_argument("--random-episodes", type=int, default=50, help="random on shop/forms")
    parser.add_argument("--script-seeds", type=int, default=5)
    parser.add_argument("--script-tasks", default="all", help="'all' or names with commas")
    parser.add_argument(
        "--random-max-turns", type=int, default=None, help="random agent (default: the env's)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="default: benchmarks/results/")
    args = parser.parse_args(argv)
    console = Console()

    for flag in ("shop_tasks", "form_seeds", "episodes", "random_episodes", "script_seeds"):
        if getattr(args, flag) < 1:
            parser.error(f"--{flag.replace('_', '-')} takes a count >= 1")
    if args.workers < 1:
        parser.error("--workers takes a count >= 1")
    if args.random_max_turns is not None and args.random_max_turns < 1:
        parser.error("--random-max-turns takes a count >= 1 (or leave it out: the env's)")
    if args.tasks == "default":
        tasks = list(DEFAULT_TASKS)
    elif args.tasks == "all":
        tasks = list(ELEMENT_TASKS)
    else:
        tasks = [name.strip() for name in args.tasks.split(",") if name.strip()]
    unknown = sorted(set(tasks) - set(ELEMENT_TASKS))
    if unknown:  # the other tasks of the miniwob package are fine too
        unknown = sorted(set(unknown) - set(miniwob_task_names()))
    if unknown or not tasks:
        parser.error(
            f"--tasks takes 'default', 'all' or MiniWoB++ task names with commas; unknown: "
            f"{', '.join(unknown) or '(none given)'}"
        )
    script_tasks = (
        list(SOLVERS)
        if args.script_tasks == "all"
        else [name.strip() for name in args.script_tasks.split(",") if name.strip()]
    )
    if not script_tasks or set(script_tasks) - set(SOLVERS):
        parser.error(f"--script-tasks takes 'all' or names from: {', '.join(SOLVERS)}")

    def expert(agent: type[Agent]) -> Callable[[str, int], Agent]:
        return lambda label, seed: agent()

    def randomly(label: str, seed: int) -> Agent:
        return RandomWebAgent(seed=seed)

    turns = {} if args.random_max_turns is None else {"max_turns": args.random_max_turns}
    shop = Job(
        "cogym/WebShop-v0",
        {},
        expert(ShopExpertAgent),
        [("shop", {}, seed) for seed in range(args.shop_tasks)],
    )
    forms = Job(
        "cogym/WebForms-v0",
        {},
        expert(FormsExpertAgent),
        [(kind, {"task_name": kind}, s) for kind in FORM_KINDS for s in range(args.form_seeds)],
    )
    scripted = Job(
        "cogym/MiniWoB-v0",
        {},
        lambda label, seed: MiniWoBScriptAgent(label),
        [(name, {"task_name": name}, s) for name in script_tasks for s in range(args.script_seeds)],
    )
    random_miniwob = Job(
        "cogym/MiniWoB-v0",
        turns,
        randomly,
        [(name, {"task_name": name}, s) for name in tasks for s in range(args.episodes)],
    )
    random_suites = [
        Job(env_id, turns, randomly, [(suite, {}, seed) for seed in range(args.random_episodes)])
        for suite, env_id in (("shop", "cogym/WebShop-v0"), ("forms", "cogym/WebForms-v0"))
    ]
    phases = {
        "shop_expert": [shop],
        "forms_expert": [forms],
        "scripted": [scripted],
        "random": [random_miniwob, *random_suites],
    }
    seconds = {}
    for phase, jobs in phases.items():
        seconds[phase] = run_jobs(jobs, args.workers)
        episodes = sum(len(job.episodes) for job in jobs)
        console.print(f"{phase}: {episodes} episodes in {seconds[phase]:.1f} s")

    rows = {
        name: {label: summary(results) for label, results in job.rows().items()}
        for name, job in (
            ("shop", shop),
            ("forms", forms),
            ("scripted", scripted),
            ("miniwob", random_miniwob),
        )
    }
    suite_rows = {
        label: summary(results) for job in random_suites for label, results in job.rows().items()
    }
    sections = (
        ("Shop expert (cogym/WebShop-v0)", rows["shop"], ["successes", "mean_reward"]),
        ("Forms expert (cogym/WebForms-v0)", rows["forms"], ["successes"]),
        ("Scripted MiniWoB++ solutions (MiniWoBScriptAgent)", rows["scripted"], ["successes"]),
        ("Random agent on MiniWoB++", rows["miniwob"], ["mean_raw_reward"]),
        ("Random agent on the shop and forms suites", suite_rows, ["mean_reward"]),
    )
    for title, section, extra in sections:
        columns = ["episodes", "success_rate", *extra, "mean_turns"]
        console.print(table(title, section, columns))

    def compact(section: dict[str, dict[str, Any]], keys: tuple[str, ...]) -> dict[str, Any]:
        return {label: {key: values[key] for key in keys} for label, values in section.items()}

    def mean(section: dict[str, dict[str, Any]], key: str) -> float:
        return round(statistics.fmean(values[key] for values in section.values()), 4)

    payload = {
        "settings": {
            key: str(value) if isinstance(value, Path) else value
            for key, value in vars(args).items()
        },
        "seconds": {key: round(value, 1) for key, value in seconds.items()},
        "shop_expert": {
            key: value for key, value in summary(shop.results).items() if key != "mean_raw_reward"
        },
        "forms_expert": {
            "success_rate": summary(forms.results)["success_rate"],
            "per_kind": compact(
                rows["forms"], ("episodes", "success_rate", "mean_turns", "failures")
            ),
        },
        "scripted_miniwob": {
            "success_rate": summary(scripted.results)["success_rate"],
            "per_task": compact(rows["scripted"], ("episodes", "success_rate", "failures")),
        },
        "random_miniwob": {
            "tasks": len(rows["miniwob"]),
            "episodes_per_task": args.episodes,
            "mean_success_rate": mean(rows["miniwob"], "success_rate"),
            "mean_raw_reward": mean(rows["miniwob"], "mean_raw_reward"),
            "per_task": compact(
                rows["miniwob"], ("episodes", "success_rate", "mean_raw_reward", "mean_turns")
            ),
        },
        "random_suites": compact(
            suite_rows, ("episodes", "success_rate", "mean_reward", "mean_turns")
        ),
    }
    console.print(
        f"random agent on {payload['random_miniwob']['tasks']} MiniWoB++ tasks: mean success rate "
        f"{payload['random_miniwob']['mean_success_rate']}, mean raw reward "
        f"{payload['random_miniwob']['mean_raw_reward']}; seconds {payload['seconds']}"
    )
    if args.out is None:
        path = save("web_baselines", payload)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"machine": machine_info(), **payload}, indent=2) + "\n")
        path = args.out
    console.print(f"wrote {path}")
    return payload


if __name__ == "__main__":
    main()
