"""The web env as a user runs it: real Chromium, the env's own local site.

check_env, determinism, fuzzing and the vector modes run over every id in the global
tests (tests/test_registry.py, tests/test_fuzz.py, tests/test_vector_modes.py); here are
the web-specific promises: experts, error observations, a killed browser recovered
within the episode, no Chromium left behind, a running asyncio loop, threads.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import cogym
from cogym.agents import make_agent, run_episodes
from cogym.core.errors import CogymError
from cogym.envs.web import FormsExpertAgent, RandomWebAgent, ShopExpertAgent
from cogym.envs.web.forms_tasks import FORM_KINDS
from tests.marks import needs_browser
from tests.processes import descendants, wait_until_gone

pytestmark = needs_browser
REPO = Path(__file__).resolve().parents[3]


def _play(env, agent, seed, options=None):
    observation, info = env.reset(seed=seed, options=options)
    agent.reset()
    total, steps = 0.0, []
    while True:
        action = agent.act(observation, info)
        observation, reward, terminated, truncated, info = env.step(action)
        total += reward
        steps.append((action, info["feedback_kind"]))
        if terminated or truncated:
            return total, info, steps


@pytest.fixture(scope="module")
def shop():
    env = cogym.make("cogym/WebShop-v0")
    yield env
    env.close()


@pytest.fixture(scope="module")
def forms():
    env = cogym.make("cogym/WebForms-v0")
    yield env
    env.close()


def test_the_shop_expert_buys_the_right_product_on_generated_tasks(shop):
    for seed in range(6):  # benchmarks/web_baselines.py plays 200
        total, info, steps = _play(shop, ShopExpertAgent(), seed)
        assert total == 1.0 and info["success"], steps
        assert info["purchase"]["type_match"] and info["purchase"]["price_ok"]


def test_the_forms_expert_solves_every_form_kind(forms):
    for kind in FORM_KINDS:
        total, info, steps = _play(forms, FormsExpertAgent(), 3, {"task_name": kind})
        assert (total, info["feedback_kind"]) == (1.0, "submitted"), (kind, steps)


def test_a_wrong_purchase_earns_the_webshop_fraction(shop):
    _, info = shop.reset(seed=5)
    other = next(p for p in shop.unwrapped.catalogue.products if p.type != info["task"]["type"])
    # an agent that opened another type of product and bought it
    shop.unwrapped._browser.get().goto(f"/item/{other.id}")
    buy = next(line for line in _page(shop).splitlines() if "'Buy Now'" in line)
    _, reward, terminated, _, info = shop.step(f'click("{_id(buy)}")')
    assert terminated and reward == 0.0 and not info["success"]
    assert info["purchase"]["product_id"] == other.id and not info["purchase"]["type_match"]


def _id(line):
    return line.split("]")[0].strip()[1:]


def _page(env):
    return env.unwrapped._browser.get().snapshot(8000).text


def test_bad_actions_get_an_error_observation_and_the_penalty(forms):
    forms.reset(seed=0)
    for action, kind in [
        ("click(", "syntax_error"),
        ("os.system('ls')", "syntax_error"),
        ('click("9999")', "action_error"),
        ("\udf9f", "syntax_error"),
        (12, "not_text"),
    ]:
        observation, reward, terminated, truncated, info = forms.step(action)
        assert (info["feedback_kind"], info["action_valid"], reward) == (kind, False, -0.1)
        assert (not terminated and "URL: /" in observation) or kind == "not_text"


def test_the_episode_runs_to_its_turn_limit_on_bad_actions():
    env = cogym.make("cogym/WebForms-v0", max_turns=3)
    try:
        env.reset(seed=1)
        ends = [env.step("nonsense")[2:4] for _ in range(3)]
        assert ends == [(False, False), (False, False), (False, True)]
    finally:
        env.close()


def test_navigation_stays_on_the_local_site(forms):
    observation, _ = forms.reset(seed=0)
    browser = forms.unwrapped._browser.get()
    browser.evaluate(
        "() => { const a = document.createElement('a'); a.href = 'http://127.0.0.2:1/';"
        "a.textContent = 'Away'; document.body.appendChild(a); }"
    )
    away = next(line for line in _page(forms).splitlines() if "'Away'" in line)
    observation, reward, _, _, info = forms.step(f'click("{_id(away)}")')
    assert info["feedback_kind"] == "action_error" and "127.0.0.2" in observation
    assert info["url"] == "/"


def test_a_killed_browser_is_restarted_within_the_episode():
    env = cogym.make("cogym/WebShop-v0")
    try:
        observation, info = env.reset(seed=2)
        expert = ShopExpertAgent()
        observation, *_ = env.step(expert.act(observation, info))  # fill the search box
        browser = env.unwrapped._browser.get()
        pids = browser.browser_pids()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        assert wait_until_gone(pids, deadline_s=10) == []
        observation, reward, terminated, truncated, info = env.step('click("4")')
        assert info["browser_restarted"] and info["feedback_kind"] == "browser_restarted"
        assert "restarted" in observation and not (terminated or truncated)
        total, info = reward, info
        while not (terminated or truncated):
            observation, reward, terminated, truncated, info = env.step(
                expert.act(observation, info)
            )
            total += reward
        assert info["success"], "the episode could not be finished after the restart"
    finally:
        env.close()


def test_close_leaves_no_chromium_behind():
    env = cogym.make("cogym/WebForms-v0")
    env.reset(seed=0)
    pids = env.unwrapped._browser.get().browser_pids()
    assert pids
    env.close()
    assert wait_until_gone(pids, deadline_s=10) == []


CHILD = """
import sys, cogym
env = cogym.make("cogym/WebForms-v0")
env.reset(seed=0)
print(*env.unwrapped._browser.get().browser_pids(), flush=True)
sys.stdin.read()
"""


def test_a_killed_parent_leaves_no_chromium_behind():
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        chromium = [int(pid) for pid in child.stdout.readline().split()]
        assert chromium, "the child printed no browser pids"
        tree = descendants(child.pid)
        assert set(chromium) <= tree
    finally:
        child.kill()
        child.wait()
        child.stdin.close()
        child.stdout.close()
    assert wait_until_gone(sorted(tree), deadline_s=10) == []


def test_an_env_made_and_stepped_inside_a_running_asyncio_loop():
    async def notebook_cell():
        env = cogym.make("cogym/WebForms-v0")
        try:
            return _play(env, FormsExpertAgent(), 4)[0]
        finally:
            env.close()

    assert asyncio.run(notebook_cell()) == 1.0


def test_four_envs_stepped_from_four_threads():
    results: dict[int, float] = {}

    def worker(seed: int) -> None:
        env = cogym.make("cogym/WebForms-v0")
        try:
            results[seed] = _play(env, FormsExpertAgent(), seed)[0]
        finally:
            env.close()

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0}


def test_an_async_vector_env_plays_the_expert_to_the_end():
    records = run_episodes(
        lambda: cogym.make("cogym/WebForms-v0"),
        make_agent("expert", cogym.make("cogym/WebForms-v0"), seed=0),
        list(range(4)),
        batch_size=2,
    )
    assert [record.success for record in records] == [True] * 4
    envs = gym.make_vec("cogym/WebForms-v0", num_envs=2, vectorization_mode="async")
    try:
        observations, infos = envs.reset(seed=[0, 1])
        assert all(text.startswith("Goal: ") for text in observations)
        observations, rewards, *_ = envs.step(np.array(["noop()", "click("], dtype=object))
        assert list(rewards) == [0.0, -0.1]
    finally:
        envs.close()


def test_the_screenshot_is_the_viewport():
    env = cogym.make("cogym/WebForms-v0", render_mode="rgb_array", viewport=(640, 480))
    try:
        env.reset(seed=0)
        picture = env.render()
        assert picture.shape == (480, 640, 3) and picture.dtype == np.uint8
        assert picture.std() > 0  # not a blank frame
    finally:
        env.close()


def test_reset_options_pin_a_task_by_name_and_refuse_a_foreign_task(forms):
    _, info = forms.reset(seed=0, options={"task_name": "login"})
    assert info["task"]["kind"] == "login"
    shop_task = cogym.make("cogym/WebShop-v0").unwrapped.task_at(0)
    with pytest.raises(CogymError, match="suite"):
        forms.reset(seed=0, options={"task": shop_task})


def test_miniwob_a_known_correct_click_scores_one():
    env = cogym.make("cogym/MiniWoB-v0", task_name="click-button")
    try:
        observation, info = env.reset(seed=3)
        wanted = info["goal"].split('"')[1]
        button = next(line for line in observation.splitlines() if f"button '{wanted}'" in line)
        _, reward, terminated, _, info = env.step(f'click("{_id(button)}")')
        assert (reward, terminated, info["success"], info["raw_reward"]) == (1.0, True, True, 1.0)
    finally:
        env.close()


def test_the_random_agent_plays_every_suite_to_the_end():
    for env_id in ("cogym/WebShop-v0", "cogym/MiniWoB-v0"):
        env = cogym.make(env_id, max_turns=4)
        try:
            total, info, steps = _play(env, RandomWebAgent(seed=0), 0)
            assert len(steps) <= 4 and np.isfinite(total)
        finally:
            env.close()


def test_go_back_on_the_first_page_keeps_the_page_and_its_state():
    env = cogym.make("cogym/MiniWoB-v0", task_name="click-button")
    try:
        observation, info = env.reset(seed=0)
        after, reward, _, _, info = env.step("go_back()")
        assert info["feedback_kind"] == "action_error" and reward == -0.1
        # the task is still on the page (a reload would have shown MiniWoB's START cover)
        assert after.split("URL:")[1] == observation.split("URL:")[1]
    finally:
        env.close()


def test_miniwob_episodes_repeat_under_a_seed_action_for_action():
    def trajectories():
        env = cogym.make("cogym/MiniWoB-v0", task_name="click-button")
        try:
            return [_play(env, RandomWebAgent(seed=seed), seed) for seed in range(3)]
        finally:
            env.close()

    assert trajectories() == trajectories()
